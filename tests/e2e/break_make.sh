#!/usr/bin/env bash
# Break-before-make (RFC 8684 3.3.3): the kernel client loses every subflow of
# a connection in mid-transfer (`ss -K` resets them both: the phone left Wi-Fi
# before LTE came up), then its path manager opens a new one (the lte endpoint
# added again). hagd keeps the connection parked meanwhile (mptcp.Parked),
# with its upstream connection, and the join resumes it (mptcp.Resumed): the
# transfer completes both ways with hashes intact and closes in order
# (relay.Completed), nothing expired. Then the same over IPv6: to hagd's IPv6
# service address, the lte endpoint being its IPv6 address.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-16}
BYTES=$((MIB << 20))
LTE_ADDR=10.10.2.2
endpoint() {
	ip -n "$HAG_CLIENT_NS" mptcp endpoint flush &&
		ip -n "$HAG_CLIENT_NS" mptcp endpoint add "$LTE_ADDR" dev lte subflow
}
bbm_exit() { kill_own; LTE_ADDR=10.10.2.2; endpoint || echo "# could not restore the client's lte endpoint"; }
trap '_rc=$?; bbm_exit; (exit $_rc); _e2e_exit' EXIT

# bbm T SVC DST LTE: the scenario over family T (ipv4, ipv6) to service address SVC (DST:
# how ss writes it), the lte endpoint LTE.
bbm() {
	local T=$1 SVC=$2 DST=$3 n left crc src cpid d i
	LTE_ADDR=$4
	endpoint
	stats_snap "$WORK/$T.before.json"
	server_start "$WORK/$T.server" --bind :: --bytes "$BYTES" --seed "bbm-$T-down" --timeout 40 --rate-mbit 24
	client_start "$WORK/$T.client" 90 --addr "$SVC" \
		--bytes "$BYTES" --seed "bbm-$T-up" --mptcp \
		--timeout 40 --rate-mbit 24
	cpid=$BG_PID
	sleep 1.5
	n=$(ip netns exec "$HAG_CLIENT_NS" ss -Htn state established dst "$DST" dport = "$HAG_SERVICE_PORT" | wc -l)
	diag "subflows at the client before the break: $n"
	ip netns exec "$HAG_CLIENT_NS" ss -K dst "$DST" dport = "$HAG_SERVICE_PORT" >/dev/null 2>&1
	sleep 1
	stats_snap "$WORK/$T.broken.json"
	check_moved "$WORK/$T.before.json" "$WORK/$T.broken.json" mptcp.Parked
	left=$(ip netns exec "$HAG_CLIENT_NS" ss -Htn state established dst "$DST" dport = "$HAG_SERVICE_PORT" | wc -l)
	harness_step "$T: the break: no subflow left at the client (ss -K; $left left)" test "$left" -eq 0
	# The make: the path manager opens a subflow for the existing connection.
	harness_step "$T: the make: the client's lte endpoint added again" endpoint
	wait_pid "$cpid" 90
	crc=$?
	wait_pid "$SERVER_PID" 40
	src=$?
	sleep 0.3
	stats_snap "$WORK/$T.after.json"
	check_eq "$T: transfer across the break finished" "$crc/$src" 0/0
	((crc == 0)) || show_file client "$WORK/$T.client.err"
	check_pair "$T break-before-make" "$WORK/$T.client" "$WORK/$T.server"
	check_moved "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.Resumed
	check_still "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.ParkExpired
	# relay.ClientResets is not checked: a connection left by an earlier test may move
	# it. The relay counts the orderly close once both sides' sockets are done
	# (TIME_WAIT included): wait for it, 5 s at most.
	for ((i = 0; i < 50; i++)); do
		stats_snap "$WORK/$T.closed.json"
		d=$(ctr_delta "$WORK/$T.before.json" "$WORK/$T.closed.json" relay.Completed)
		((${d:-0} > 0)) && break
		sleep 0.1
	done
	check_moved "$WORK/$T.before.json" "$WORK/$T.closed.json" relay.Completed
	diag "Parked +$(ctr_delta "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.Parked), Resumed +$(ctr_delta "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.Resumed), Takeover +$(ctr_delta "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.Takeover), MPJoinAckRx +$(ctr_delta "$WORK/$T.before.json" "$WORK/$T.after.json" mptcp.MPJoinAckRx); client $(jget "$WORK/$T.client" secs) s"
}

bbm ipv4 "$HAG_SERVICE_ADDR" "$HAG_SERVICE_ADDR" 10.10.2.2
bbm ipv6 "$HAG_SERVICE_ADDR6" "[$HAG_SERVICE_ADDR6]" 2001:db8:20::2
LTE_ADDR=10.10.2.2
endpoint || not_ok "the client's lte endpoint back to 10.10.2.2"
check_hagd_alive
e2e_end

#!/usr/bin/env bash
# Break-before-make (RFC 8684 3.3.3): the kernel client loses every subflow of
# a connection in mid-transfer (`ss -K` resets them both: the phone left Wi-Fi
# before LTE came up), then its path manager opens a new one (the lte endpoint
# added again). hagd keeps the connection parked meanwhile (mptcp.Parked),
# with its upstream connection, and the join resumes it (mptcp.Resumed): the
# transfer completes both ways with hashes intact and closes in order
# (relay.Completed), nothing expired.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-16}
BYTES=$((MIB << 20))
LTE_ADDR=10.10.2.2
endpoint() {
	ip -n "$HAG_CLIENT_NS" mptcp endpoint flush &&
		ip -n "$HAG_CLIENT_NS" mptcp endpoint add "$LTE_ADDR" dev lte subflow
}
bbm_exit() { kill_own; endpoint || echo "# could not restore the client's lte endpoint"; }
trap '_rc=$?; bbm_exit; (exit $_rc); _e2e_exit' EXIT

stats_snap "$WORK/before.json"
server_start "$WORK/server" --bytes "$BYTES" --seed bbm-down --timeout 40 --rate-mbit 24
client_start "$WORK/client" 90 \
	--bytes "$BYTES" --seed bbm-up --mptcp \
	--timeout 40 --rate-mbit 24
cpid=$BG_PID
sleep 1.5
n=$(ip netns exec "$HAG_CLIENT_NS" ss -Htn state established dst "$HAG_SERVICE_ADDR" dport = "$HAG_SERVICE_PORT" | wc -l)
diag "subflows at the client before the break: $n"
ip netns exec "$HAG_CLIENT_NS" ss -K dst "$HAG_SERVICE_ADDR" dport = "$HAG_SERVICE_PORT" >/dev/null 2>&1
sleep 1
stats_snap "$WORK/broken.json"
check_moved "$WORK/before.json" "$WORK/broken.json" mptcp.Parked
left=$(ip netns exec "$HAG_CLIENT_NS" ss -Htn state established dst "$HAG_SERVICE_ADDR" dport = "$HAG_SERVICE_PORT" | wc -l)
harness_step "the break: no subflow left at the client (ss -K; $left left)" test "$left" -eq 0
# The make: the path manager opens a subflow for the existing connection.
harness_step "the make: the client's lte endpoint added again" endpoint
wait_pid "$cpid" 90
crc=$?
wait_pid "$SERVER_PID" 40
src=$?
sleep 0.3
stats_snap "$WORK/after.json"
check_eq "transfer across the break finished" "$crc/$src" 0/0
((crc == 0)) || show_file client "$WORK/client.err"
check_pair "break-before-make" "$WORK/client" "$WORK/server"
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.Resumed
check_still "$WORK/before.json" "$WORK/after.json" mptcp.ParkExpired
# relay.ClientResets is not checked: a connection left by an earlier test may move
# it. The relay counts the orderly close once both sides' sockets are done
# (TIME_WAIT included): wait for it, 5 s at most.
for ((i = 0; i < 50; i++)); do
	stats_snap "$WORK/closed.json"
	d=$(ctr_delta "$WORK/before.json" "$WORK/closed.json" relay.Completed)
	((${d:-0} > 0)) && break
	sleep 0.1
done
check_moved "$WORK/before.json" "$WORK/closed.json" relay.Completed
diag "Parked +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.Parked), Resumed +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.Resumed), Takeover +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.Takeover), MPJoinAckRx +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx); client $(jget "$WORK/client" secs) s"
check_hagd_alive
e2e_end

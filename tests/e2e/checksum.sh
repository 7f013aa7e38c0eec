#!/usr/bin/env bash
# DSS checksums (RFC 8684 3.3.1) against the kernel client, three ways:
#  1. the client asks for them (net.mptcp.checksum_enabled=1), hagd accepts
#     (mptcp.checksum "accept", the default): data both ways, hashes intact,
#     every mapping hagd received verified (mptcp.DataCsumOk moves,
#     DataCsumErr does not) and the client verified ours (its
#     MPTcpExtDataCsumErr stays 0 while its MPTcpExtMPCapableSYNACKRX moved);
#  2. hagd requires them (mptcp.checksum "require") from a client that did not
#     ask: the SYN/ACK's A flag makes the kernel checksum too;
#  3. hagd refuses them (mptcp.checksum "off"): a client asking is served as
#     plain TCP (mptcp.MPCapableChecksumRefused) and the data still arrives.
# The client's sysctl and hagd's default configuration are restored at exit.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-8}
BYTES=$((MIB << 20))
csum_sysctl() { ip netns exec "$HAG_CLIENT_NS" sysctl -qw net.mptcp.checksum_enabled="$1"; }
csum_exit() {
	kill_own
	csum_sysctl 0
	[[ -n "${restarted:-}" ]] && { testbed_restore || echo "# could not restore the default testbed"; }
}
trap '_rc=$?; csum_exit; (exit $_rc); _e2e_exit' EXIT

# One transfer each way at once; $1 names it. Leaves counters in $WORK/$1.{before,after}.json.
transfer() {
	local t=$1 crc src
	stats_snap "$WORK/$t.before.json"
	nstat_snap "$WORK/$t.nstat.before"
	server_start "$WORK/$t.server" --bytes "$BYTES" --seed "$t-down" --timeout 30
	client_run "$WORK/$t.client" 90 --bytes "$BYTES" --seed "$t-up" --mptcp --timeout 30
	crc=$?
	wait_pid "$SERVER_PID" 30
	src=$?
	sleep 0.3
	stats_snap "$WORK/$t.after.json"
	nstat_snap "$WORK/$t.nstat.after"
	check_eq "$t: transfer finished" "$crc/$src" 0/0
	((crc == 0)) || show_file client "$WORK/$t.client.err"
	check_pair "$t" "$WORK/$t.client" "$WORK/$t.server"
}

# 1. The client asks; hagd's default accepts.
csum_sysctl 1
transfer accept
b=$WORK/accept.before.json a=$WORK/accept.after.json
check_moved "$b" "$a" mptcp.ChecksumConns
check_moved "$b" "$a" mptcp.DataCsumOk
check_still "$b" "$a" mptcp.DataCsumErr
check_still "$b" "$a" mptcp.MPCapableChecksumRefused
check_eq "accept: the client found no bad checksum in hagd's data (MPTcpExtDataCsumErr)" \
	"$(nstat_delta "$WORK/accept.nstat.before" "$WORK/accept.nstat.after" MPTcpExtDataCsumErr)" 0
check_gt "accept: the connection was MPTCP at the client (MPTcpExtMPCapableSYNACKRX)" \
	"$(nstat_delta "$WORK/accept.nstat.before" "$WORK/accept.nstat.after" MPTcpExtMPCapableSYNACKRX)" 0
diag "accept: mappings verified by hagd +$(ctr_delta "$b" "$a" mptcp.DataCsumOk)"

conf_with() {   # conf_with MODE OUT: the testbed config with mptcp.checksum = MODE
	$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$2" "$1" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("mptcp", {})["checksum"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"), indent=2)
PYEOF
}

# 2. hagd requires them; the client did not ask.
conf_with require "$WORK/require.json"
restarted=1
if restart_or_fail "$WORK/require.json" "mptcp.checksum require"; then
	csum_sysctl 0
	transfer require
	b=$WORK/require.before.json a=$WORK/require.after.json
	check_moved "$b" "$a" mptcp.ChecksumConns
	check_moved "$b" "$a" mptcp.DataCsumOk
	check_still "$b" "$a" mptcp.DataCsumErr
	check_eq "require: the client found no bad checksum (MPTcpExtDataCsumErr)" \
		"$(nstat_delta "$WORK/require.nstat.before" "$WORK/require.nstat.after" MPTcpExtDataCsumErr)" 0
fi

# 3. hagd refuses them; the client asks: plain TCP, data intact.
conf_with off "$WORK/off.json"
if restart_or_fail "$WORK/off.json" "mptcp.checksum off"; then
	csum_sysctl 1      # after the restart: it may have made the namespaces anew
	transfer off
	b=$WORK/off.before.json a=$WORK/off.after.json
	check_moved "$b" "$a" mptcp.MPCapableChecksumRefused
	check_still "$b" "$a" mptcp.ChecksumConns
	check_still "$b" "$a" mptcp.Established
fi
check_hagd_alive
e2e_end

#!/usr/bin/env bash
# A kernel MPTCP client moves HAG_E2E_MIB MiB (default 32) each way through
# hagd to a plain TCP server: both hashes match, MPTCP was really used (no
# fallback on the client), hagd counted an MP_CAPABLE SYN, the client opened
# its second subflow over lte (MP_JOIN, verified by hagd); then an MPTCP connection that starts
# on lte; hagd let go of every mbuf after.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-32}
BYTES=$((MIB << 20))

base=$(mempool_in_use)
stats_snap "$WORK/before.json" || diag "hagctl failed: $(cat "$WORK/before.json.err")"
nstat_snap "$WORK/nstat.before"

server_start "$WORK/server" --bytes "$BYTES" --seed down --timeout 30
client_run "$WORK/client" 180 --bytes "$BYTES" --seed up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
src=$?

stats_snap "$WORK/after.json"
nstat_snap "$WORK/nstat.after"

if ((crc == 0)); then
	ok "mptcp client finished (${MIB} MiB each way, $(jget "$WORK/client" secs) s)"
else
	not_ok "mptcp client finished"; diag "exit $crc, error $(jget "$WORK/client" error)"
	show_file client "$WORK/client"; show_file "client stderr" "$WORK/client.err"
fi
check_eq "server finished" "$src" 0
((src == 0)) || show_file server "$WORK/server"
check_pair "mptcp" "$WORK/client" "$WORK/server"

check_eq "client socket did not fall back to TCP (MPTCP_INFO)" "$(jget "$WORK/client" mptcp.fallback)" false
check_gt "client MPTcpExtMPCapableSYNACKRX moved" "$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPCapableSYNACKRX)" 0
fb=""
for k in MPTcpExtMPCapableFallbackSYNACK MPTcpExtMPFallbackTokenInit MPTcpExtMPCapableDataFallback \
	MPTcpExtDSSCorruptionFallback MPTcpExtDssFallback MPTcpExtInfiniteMapRx MPTcpExtFallbackFailed; do
	d=$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" "$k")
	[[ -n "$d" && "$d" != 0 ]] && fb+=" $k+$d"
done
if [[ -z "$fb" ]]; then ok "client fallback counters unchanged"
else not_ok "client fallback counters unchanged"; diag " moved:$fb"; fi
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPCapableSYNRX

# The hybrid part: the client's lte endpoint joins the connection.
check_gt "second subflow over lte joined (client MPTcpExtMPJoinSynAckRx)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPJoinSynAckRx)" 0
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinSynRx
diag "client mptcp info: $(jget "$WORK/client" mptcp)"
diag "relay: BytesUp +$(ctr_delta "$WORK/before.json" "$WORK/after.json" relay.BytesUp), BytesDown +$(ctr_delta "$WORK/before.json" "$WORK/after.json" relay.BytesDown)"

# An MPTCP connection whose first subflow is on lte (source 10.10.2.2).
stats_snap "$WORK/before.lte.json"
server_start "$WORK/server.lte" --bytes 4M --seed down-lte --timeout 30
client_run "$WORK/client.lte" 60 --bytes 4M --seed up-lte --mptcp --bind 10.10.2.2 --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after.lte.json"
if ((crc == 0)); then ok "mptcp client starting on lte finished"
else not_ok "mptcp client starting on lte finished"; show_file client "$WORK/client.lte"; fi
check_pair "mptcp from lte" "$WORK/client.lte" "$WORK/server.lte"
check_eq "mptcp from lte did not fall back" "$(jget "$WORK/client.lte" mptcp.fallback)" false
check_moved "$WORK/before.lte.json" "$WORK/after.lte.json" mptcp.MPCapableSYNRX

check_hagd_alive
check_mempool "$base"
e2e_end

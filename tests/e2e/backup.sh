#!/usr/bin/env bash
# A backup subflow (RFC 8684 3.2 B flag, 3.3.8): the client's lte endpoint is
# re-added as `subflow backup`, so its MP_JOIN SYN carries B. While dsl
# works, lte carries (almost) nothing in either direction: hagd's scheduler
# does not use a backup subflow while a regular one is available (even when
# that one's cwnd is full), and neither does the client's; lte sees the
# handshake and little else (bounded to 1 % of the bytes). Then dsl goes
# dark one second into a transfer (nftables drop on the client's dsl, as
# multipath.sh): lte carries the rest, both hashes match, and hagd shows the
# backup subflow (mptcp.MPJoinSynBackupRx; `hagctl conns`: backup 1, data
# given to it). The normal endpoint is restored at the end, also on failure.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-16}
BYTES=$((MIB << 20))
LTE_ADDR=$(awk '{ print $2 }' <<<"${HAG_CLIENT_ADDRS:-10.10.1.2 10.10.2.2}")

# endpoint [FLAG]: the client's one endpoint, lte, as testbed.sh sets it, plus FLAG.
endpoint() {
	ip -n "$HAG_CLIENT_NS" mptcp endpoint flush &&
		ip -n "$HAG_CLIENT_NS" mptcp endpoint add "$LTE_ADDR" dev lte subflow "$@"
}
backup_exit() {
	kill_own
	path_light
	endpoint || echo "# could not restore the client's lte endpoint"
}
trap '_rc=$?; backup_exit; (exit $_rc); _e2e_exit' EXIT

# conns_backup FILE: "given" of the first backup subflow in a `hagctl conns`
# snapshot (empty when no connection has one).
conns_backup() {
	$PY - "$1" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(0)
for c in d.values():
    m = c.get("mptcp") or {}
    for k, sf in sorted(m.items()):
        if k.startswith("subflow") and isinstance(sf, dict) and sf.get("backup"):
            print(sf.get("given", 0))
            sys.exit(0)
PYEOF
}
CONNS="${HAGCTL% stats} conns"     # hagd's open connections, as JSON

if endpoint backup && ip -n "$HAG_CLIENT_NS" mptcp endpoint show | grep -q backup; then
	diag "harness: client lte endpoint is a backup subflow ($(ip -n "$HAG_CLIENT_NS" mptcp endpoint show | head -n 1))"
else
	not_ok "harness: client lte endpoint re-added as backup"
	e2e_end
fi
base=$(mempool_in_use)

# 1. dsl up: the backup carries (almost) nothing.
stats_snap "$WORK/before.json"
nstat_snap "$WORK/nstat.before"
server_start "$WORK/server" --bytes "$BYTES" --seed bk-down --timeout 30
client_start "$WORK/client" 60 \
	--bytes "$BYTES" --seed bk-up --mptcp --timeout 30
CLIENT=$BG_PID
sleep 0.3
$CONNS >"$WORK/conns1.json" 2>/dev/null
wait_pid "$CLIENT" 60
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
stats_snap "$WORK/after.json"
nstat_snap "$WORK/nstat.after"
check_eq "transfer with a backup subflow finished" "$crc/$src" 0/0
((crc == 0)) || show_file "client stderr" "$WORK/client.err"
check_pair "dsl up, lte backup" "$WORK/client" "$WORK/server"
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinSynBackupRx
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx
check_gt "client opened its lte subflow (MPTcpExtMPJoinSynAckRx)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPJoinSynAckRx)" 0
given=$(conns_backup "$WORK/conns1.json")
check "hagctl conns shows the backup subflow" [ -n "$given" ]
lte_tx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.lte.tx_bytes)
lte_rx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.lte.rx_bytes)
dsl_tx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.dsl.tx_bytes)
dsl_rx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.dsl.rx_bytes)
check_gt "dsl carried the download (ports.dsl.tx_bytes)" "${dsl_tx:-0}" "$BYTES"
check_gt "dsl carried the upload (ports.dsl.rx_bytes)" "${dsl_rx:-0}" "$BYTES"
check_gt "lte (backup) carried < 1 % of the download (ports.lte.tx_bytes ${lte_tx:-?} B)" $((BYTES / 100)) "${lte_tx:-999999999}"
check_gt "lte (backup) carried < 1 % of the upload (ports.lte.rx_bytes ${lte_rx:-?} B)" $((BYTES / 100)) "${lte_rx:-999999999}"
diag "dsl up: dsl tx $dsl_tx rx $dsl_rx B, lte tx $lte_tx rx $lte_rx B, SchedJoined +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.SchedJoined), backup subflow given ${given:-?} B at 0.3 s"

# 2. dsl goes dark one second into a paced transfer: the backup carries the rest.
stats_snap "$WORK/before2.json"
server_start "$WORK/server2" --bytes "$BYTES" --seed bkdark-down --timeout 60 --rate-mbit 40
client_start "$WORK/client2" 100 \
	--bytes "$BYTES" --seed bkdark-up --mptcp \
	--timeout 60 --rate-mbit 40
CLIENT2=$BG_PID
sleep 1
stats_snap "$WORK/dark.json"
harness_step "the dsl path dark (nft)" path_dark dsl
sleep 2
$CONNS >"$WORK/conns2.json" 2>/dev/null
wait_pid "$CLIENT2" 100
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
path_light
stats_snap "$WORK/after2.json"
check_eq "transfer finished with dsl dark (lte backup)" "$crc/$src" 0/0
((crc == 0)) || { show_file client "$WORK/client2"; show_file "client stderr" "$WORK/client2.err"; }
check_pair "dsl dark, lte backup" "$WORK/client2" "$WORK/server2"
lte_tx=$(ctr_delta "$WORK/dark.json" "$WORK/after2.json" ports.lte.tx_bytes)
lte_rx=$(ctr_delta "$WORK/dark.json" "$WORK/after2.json" ports.lte.rx_bytes)
check_gt "lte carried the rest of the download after dsl went dark (> 1/3 of it)" "${lte_tx:-0}" $((BYTES / 3))
check_gt "lte carried the rest of the upload after dsl went dark (> 1/3 of it)" "${lte_rx:-0}" $((BYTES / 3))
stale=$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.SubflowStale)
take=$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.Takeover)
check_gt "hagd set the dark subflow aside or moved the connection (SubflowStale + Takeover)" \
	$(( ${stale:-0} + ${take:-0} )) 0
check_moved "$WORK/before2.json" "$WORK/after2.json" mptcp.SchedJoined
given=$(conns_backup "$WORK/conns2.json")
check_gt "hagctl conns: the backup subflow was given data with dsl dark" "${given:-0}" 100000
diag "dsl dark: lte tx +$lte_tx rx +$lte_rx B; SubflowStale +$stale, Takeover +$take, Reinjections +$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.Reinjections), SchedJoined +$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.SchedJoined); backup subflow given ${given:-?} B at 3 s; client $(jget "$WORK/client2" secs) s"

check_hagd_alive
check_mempool "$base"
e2e_end

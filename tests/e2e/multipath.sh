#!/usr/bin/env bash
# One MPTCP connection over both access links: the client's lte subflow joins
# (hagd verifies the MP_JOIN HMACs), data flows both ways on dsl and lte, and
# the connection survives the dsl path going dark mid-transfer (hagd sets the
# dsl subflow aside as stale and sends its data again on lte), and a transfer
# with 5 % loss on the lte path only completes; hashes intact.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-16}
BYTES=$((MIB << 20))
base=$(mempool_in_use)

# 1. Both paths carry data.
stats_snap "$WORK/before.json"
nstat_snap "$WORK/nstat.before"
server_start "$WORK/server" --bytes "$BYTES" --seed mp-down --timeout 30
client_run "$WORK/client" 120 --bytes "$BYTES" --seed mp-up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
stats_snap "$WORK/after.json"
nstat_snap "$WORK/nstat.after"
check_eq "transfer over both paths finished" "$crc/$src" 0/0
((crc == 0)) || show_file client "$WORK/client.err"
check_pair "two paths" "$WORK/client" "$WORK/server"
check_gt "client opened its lte subflow (MPTcpExtMPJoinSynAckRx)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPJoinSynAckRx)" 0
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx
check_still "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckHMacFailure
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.SchedJoined
lte_rx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.lte.rx_bytes)
lte_tx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.lte.tx_bytes)
check_gt "lte carried client data to hagd (bytes)" "${lte_rx:-0}" 1000000
# minrtt fills the lower-RTT path first: lte gets what dsl's window cannot take now.
check_gt "lte carried hagd data to the client (bytes)" "${lte_tx:-0}" 10000
diag "lte: rx +$lte_rx B, tx +$lte_tx B; dsl: rx +$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.dsl.rx_bytes) B, tx +$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.dsl.tx_bytes) B"

# 2. The dsl path goes dark one second into a transfer; lte must carry the rest.
stats_snap "$WORK/before2.json"
server_start "$WORK/server2" --bytes "$BYTES" --seed dark-down --timeout 60 --rate-mbit 40
bg_ns "$HAG_CLIENT_NS" "$WORK/client2" timeout -k 2 100 $HAGLOAD client \
	--addr "$HAG_SERVICE_ADDR" --port "$HAG_SERVICE_PORT" --bytes "$BYTES" --seed dark-up --mptcp \
	--timeout 60 --rate-mbit 40
CLIENT2=$BG_PID
sleep 1
ip netns exec "$HAG_CLIENT_NS" nft -f - <<NFT || diag "nft failed: the dsl path did not go dark"
table netdev hag_dark {
	chain ig {
		type filter hook ingress device "dsl" priority 0; policy drop;
	}
	chain eg {
		type filter hook egress device "dsl" priority 0; policy drop;
	}
}
NFT
wait_pid "$CLIENT2" 100
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
ip netns exec "$HAG_CLIENT_NS" nft delete table netdev hag_dark 2>/dev/null
stats_snap "$WORK/after2.json"
check_eq "transfer finished with dsl dark" "$crc/$src" 0/0
((crc == 0)) || { show_file client "$WORK/client2"; show_file "client stderr" "$WORK/client2.err"; }
check_pair "dsl dark" "$WORK/client2" "$WORK/server2"
stale=$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.SubflowStale)
take=$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.Takeover)
check_gt "hagd set the dark subflow aside or moved the connection (SubflowStale + Takeover)" \
	$(( ${stale:-0} + ${take:-0} )) 0
check_moved "$WORK/before2.json" "$WORK/after2.json" mptcp.Reinjections
diag "SubflowStale +$stale, Takeover +$take, Reinjections +$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" mptcp.Reinjections), client $(jget "$WORK/client2" secs) s"

# 3. 5 % loss on one path only (frames toward the client on lte); both paths in use.
stats_snap "$WORK/before3.json"
ip netns exec "$HAG_CLIENT_NS" nft -f - <<NFT || diag "nft failed: no loss on lte"
table netdev hag_lossy {
	chain ig {
		type filter hook ingress device "lte" priority 0; policy accept;
		numgen random mod 100 < 5 drop
	}
}
NFT
server_start "$WORK/server3" --bytes 8M --seed lossy-down --timeout 30
client_run "$WORK/client3" 120 --bytes 8M --seed lossy-up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
ip netns exec "$HAG_CLIENT_NS" nft delete table netdev hag_lossy 2>/dev/null
stats_snap "$WORK/after3.json"
check_eq "transfer finished with 5 % loss on lte" "$crc/$src" 0/0
check_pair "lossy lte" "$WORK/client3" "$WORK/server3"
diag "lossy lte: RetransSegs +$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" tcp.RetransSegs), lte tx +$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" ports.lte.tx_bytes) B, dsl tx +$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" ports.dsl.tx_bytes) B, client $(jget "$WORK/client3" secs) s"

check_hagd_alive
check_mempool "$base"
e2e_end

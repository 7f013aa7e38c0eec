#!/usr/bin/env bash
# SYN flood (docs/security.md): hagd on a copy of its config with
# tcp.syn_backlog 256. A bounded flood of SYNs from spoofed addresses of
# 10.10.9.0/24 (nobody answers the SYN/ACKs; half carry MP_CAPABLE) enters on
# the dsl link for HAG_FLOOD_SECS (8) at HAG_FLOOD_RATE (20 000) a second. Meanwhile:
# an MPTCP transfer of 48 MiB each way completes with matching hashes (its rate
# is printed beside the same transfer without the flood: measured, not asserted),
# and new MPTCP connections of the real client complete their handshake through
# SYN cookies and carry data intact. Every connection established during the
# flood (the transfer and the 5 new ones) was made from a cookie:
# tcp.SyncookiesRecv, mptcp.Established and relay.UpstreamConnects all moved by 6 (the
# spoofed SYNs' 256 half-open sockets keep the backlog full for their 63 s of
# SYN/ACK retries, so no SYN of the test finds a free slot). hagd's half-open
# connections stay bounded by the backlog (tcp.CurrConns sampled during the
# flood), the cookies are counted (tcp.SyncookiesSent), mbufs return to baseline.
. "$(dirname "$0")/lib.sh"
e2e_begin

RATE=${HAG_FLOOD_RATE:-20000}
SECS=${HAG_FLOOD_SECS:-8}
BACKLOG=256
GW_MAC=02:00:00:01:00:01      # hagd's dsl port (scripts/testbed.sh)

$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$WORK/flood.json" "$BACKLOG" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("tcp", {})["syn_backlog"] = int(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
restart_or_fail "$WORK/flood.json" "tcp.syn_backlog $BACKLOG" || { testbed_restore; e2e_end; }
base=$(mempool_in_use)
BYTES=$((48 << 20))

# rate_of FILE: the client's Mbit/s both ways together.
rate_of() { $PY -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print("%.0f" % ((r["rx_bytes"] + r["tx_bytes"]) * 8 / r["secs"] / 1e6))' "$1" 2>/dev/null; }

# 1. The transfer alone.
server_start "$WORK/server0" --bytes "$BYTES" --seed fl0-down --timeout 30
client_run "$WORK/client0" 120 --bytes "$BYTES" --seed fl0-up --mptcp --timeout 30
wait_pid "$SERVER_PID" 30
check_pair "transfer without a flood" "$WORK/client0" "$WORK/server0"
r0=$(rate_of "$WORK/client0")

# 2. The same transfer under the flood, and new connections during it.
stats_snap "$WORK/before.json"
bg_ns "$HAG_CLIENT_NS" "$WORK/flood.out" /usr/bin/python3 "$ROOT/tests/tools/synflood.py" --iface dsl \
	--dst-mac "$GW_MAC" --dst "$HAG_SERVICE_ADDR" --dport "$HAG_SERVICE_PORT" --src-prefix 10.10.9.0/24 \
	--rate "$RATE" --secs "$SECS" --max $((RATE * SECS)) --mptcp
FLOOD_PID=$BG_PID
# The test's connections start once the backlog is full: cookies are going out.
flooding() {
	local i d
	for ((i = 0; i < 100; i++)); do
		stats_snap "$WORK/flooding.json"
		d=$(ctr_delta "$WORK/before.json" "$WORK/flooding.json" tcp.SyncookiesSent)
		((${d:-0} > 0)) && return 0
		sleep 0.1
	done
	return 1
}
harness_step "the flood filled the backlog within 10 s (cookies going out)" flooding
server_start "$WORK/server1" --bytes "$BYTES" --seed fl1-down --timeout 30
client_start "$WORK/client1" 120 --bytes "$BYTES" --seed fl1-up --mptcp --timeout 30
CPID=$BG_PID
# The short connections' server listens on the same port: once the transfer's
# server took its one connection (and closed its listener).
for ((i = 0; i < 100; i++)); do
	[[ -z "$(ip netns exec "$HAG_SERVER_NS" ss -Hltn "sport = :$HAG_UPSTREAM_PORT" 2>/dev/null)" ]] && break
	sleep 0.1
done
maxconns=0
for ((i = 0; i < 5; i++)); do
	server_start "$WORK/server.n$i" --bytes 256K --seed "fln$i-down" --timeout 20
	client_run "$WORK/client.n$i" 30 --bytes 256K --seed "fln$i-up" --mptcp --timeout 20
	wait_pid "$SERVER_PID" 20
	stats_snap "$WORK/during.$i.json"
	c=$(ctr_get "$WORK/during.$i.json" tcp.CurrConns)
	[[ "$c" =~ ^[0-9]+$ ]] && ((c > maxconns)) && maxconns=$c
done
wait_pid "$CPID" 120
wait_pid "$SERVER_PID" 30
wait_pid "$FLOOD_PID" $((SECS + 10))
stats_snap "$WORK/after.json"
check_pair "transfer under the flood" "$WORK/client1" "$WORK/server1"
good=0
for ((i = 0; i < 5; i++)); do
	[[ "$(jget "$WORK/client.n$i" rx_sha256)" == "$(jget "$WORK/server.n$i" tx_sha256)" &&
	   "$(jget "$WORK/client.n$i" tx_sha256)" == "$(jget "$WORK/server.n$i" rx_sha256)" &&
	   "$(jget "$WORK/client.n$i" rx_bytes)" == 262144 ]] && good=$((good + 1))
done
check_eq "new MPTCP connections during the flood: all 5 connected, both hashes match" "$good" 5
sent=$(jget "$WORK/flood.out" sent)
harness_step "the flood sent ${sent:-no} SYNs ($(jget "$WORK/flood.out" rate) a second, want > $((RATE * SECS / 4)))" \
	test "${sent:-0}" -gt $((RATE * SECS / 4))
check_moved "$WORK/before.json" "$WORK/after.json" tcp.SyncookiesSent $((RATE * SECS / 8))
# docs/security.md: each new connection during the flood completed through a
# cookie. The test opened 6 (the transfer and 5 new ones; their joins keep
# state, decision 34); nobody answers the spoofed SYNs' cookies, and their
# half-open sockets (relay.Accepted counts them: a relay starts at the SYN)
# never establish. Connections established: mptcp.Established (MPTCP), and
# relay.UpstreamConnects (any relay whose client handshake completed: hagd
# connects upstream then), so a plain or stateful one would show too.
cookies=$(ctr_delta "$WORK/before.json" "$WORK/after.json" tcp.SyncookiesRecv)
estab=$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.Established)
upconn=$(ctr_delta "$WORK/before.json" "$WORK/after.json" relay.UpstreamConnects)
check_eq "every connection established during the flood was made from a cookie (tcp.SyncookiesRecv/mptcp.Established/relay.UpstreamConnects: the test's 6)" \
	"${cookies:-?}/${estab:-?}/${upconn:-?}" 6/6/6
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPCapableACKRX 5
# Half-open sockets are bounded by the backlog; the rest is the relays (2 subflows +
# upstream each) and their TIME_WAIT sockets.
check "sockets during the flood stay bounded ($maxconns <= $BACKLOG + 64)" test "$maxconns" -le $((BACKLOG + 64))
check_still "$WORK/before.json" "$WORK/after.json" relay.NoMemory
r1=$(rate_of "$WORK/client1")
diag "transfer rate, both ways together: ${r0:-?} Mbit/s alone, ${r1:-?} Mbit/s under ${RATE} SYN/s (flood: $(cat "$WORK/flood.out"))"
d() { ctr_delta "$WORK/before.json" "$WORK/after.json" "$1"; }
echo "synflood: alone_mbit=${r0:-0} flood_mbit=${r1:-0} syn_rate=$(jget "$WORK/flood.out" rate) syns_sent=$sent" \
	"dsl_rx_packets=$(d ports.dsl.rx_packets) dsl_rx_dropped=$(d ports.dsl.rx_dropped) tcp_in_segs=$(d tcp.InSegs)" \
	"cookies_sent=$(d tcp.SyncookiesSent) cookies_recv=$(d tcp.SyncookiesRecv) reqq_drops=$(d tcp.TCPReqQFullDrop)" \
	"no_route=$(d ip.OutNoRoutes) max_sockets=$maxconns" >"$WORK/figures"
diag "$(cat "$WORK/figures")"
check_mempool "$base"
check_hagd_alive

testbed_restore
e2e_end

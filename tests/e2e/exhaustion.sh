#!/usr/bin/env bash
# Exhaustion (docs/security.md): hagd refuses new work cleanly when a resource
# runs out, counts it, keeps what it already carries, and recovers once the
# pressure is gone. Each part runs hagd on a copy of its config:
#  1. tcp.max_conns 24 (sockets per worker): 20 MPTCP connections held open
#     fill the table; the SYNs that find no socket are dropped
#     (tcp.ListenDrops), the held ones keep working; closed, a new transfer works.
#  2. tcp.mem_budget_mb 1 (relay buffers per worker): of 6 transfers of 4 MiB
#     each way at once, each completes with matching hashes or is refused at its
#     SYN with a RST (relay.NoMemory), none is broken; the budget throttles the
#     others (tcp.RcvBufLimited / TCPRcvQDrop); a later one works.
#  3. dpdk.mbufs 3300 (3 ports x 1024 RX descriptors hold most of them): 4
#     transfers of 8 MiB each way at once complete intact; mbufs return to baseline.
. "$(dirname "$0")/lib.sh"
e2e_begin
HOLD="$PY $ROOT/tests/tools/holdconns.py"
SOAK="$PY $ROOT/tests/tools/soakload.py"

# conf_with OUT JSON: the testbed config with the sections of JSON merged in.
conf_with() {
	$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$1" "$2" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
for k, v in json.loads(sys.argv[3]).items():
    c.setdefault(k, {}).update(v)
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
}

# transfers TAG N BYTES: N MPTCP transfers at once (client.TAG.I / server.TAG), checked pairwise.
transfers() {
	local tag=$1 n=$2 bytes=$3 i pids=()
	server_start "$WORK/server.$tag" --bytes "$bytes" --count "$n" --seed "ex-$tag" --timeout 60
	local spid=$SERVER_PID
	for ((i = 0; i < n; i++)); do
		client_start "$WORK/client.$tag.$i" 180 --bytes "$bytes" --seed "ex-$tag-$i" --mptcp --timeout 60
		pids+=("$BG_PID")
	done
	FAILS=0
	for ((i = 0; i < n; i++)); do
		wait_pid "${pids[$i]}" 180 || FAILS=$((FAILS + 1))
	done
	wait_pid "$spid" 60
	# pair_streams wants $WORK/client.I and $WORK/server
	local d=$WORK/pairs.$tag
	mkdir -p "$d"
	for ((i = 0; i < n; i++)); do cp "$WORK/client.$tag.$i" "$d/client.$i"; done
	cp "$WORK/server.$tag" "$d/server"
	GOOD=$(pair_streams "$d" "$n" "$bytes" | grep -c '^good')
	# Refused at the handshake (a RST before any byte): new work turned away cleanly.
	REFUSED=0
	for ((i = 0; i < n; i++)); do
		[[ "$(jget "$WORK/client.$tag.$i" error)" == ECONNREFUSED && "$(jget "$WORK/client.$tag.$i" rx_bytes)" == 0 ]] &&
			REFUSED=$((REFUSED + 1))
	done
}

# --- 1. the connection table -------------------------------------------------------
conf_with "$WORK/c1.json" '{"tcp": {"max_conns": 24}}'
testbed_restart "$WORK/c1.json" || { e2e_end; exit 1; }
base=$(mempool_in_use)
bg_ns "$HAG_SERVER_NS" "$WORK/hsrv" $SOAK server --port "$HAG_UPSTREAM_PORT" --max-secs 60
HSRV=$BG_PID
sleep 0.5
stats_snap "$WORK/b1.json"
bg_ns "$HAG_CLIENT_NS" "$WORK/hold" $HOLD "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" 20 6 --timeout 2
HPID=$BG_PID
for ((i = 0; i < 100; i++)); do [[ -s "$WORK/hold" ]] && break; sleep 0.2; done
stats_snap "$WORK/m1.json"
conns=$(ctr_get "$WORK/m1.json" tcp.CurrConns)
check "the table is full: $(jget "$WORK/hold" connected) held, $(jget "$WORK/hold" failed) refused ($conns sockets of 24)" \
	test "$(jget "$WORK/hold" failed)" -gt 0 -a "${conns:-0}" -le 24
check_moved "$WORK/b1.json" "$WORK/m1.json" tcp.ListenDrops
wait_pid "$HPID" 30
sleep 3      # the held connections close; TIME_WAIT (2 s) frees their sockets
kill "$HSRV" 2>/dev/null; wait_pid "$HSRV" 5
transfers t1 1 $((1 << 20))
check_eq "after the table emptied: a new transfer, hashes match" "$GOOD/$FAILS" 1/0
check_mempool "$base"
kill_own

# --- 2. the relay memory budget ----------------------------------------------------
conf_with "$WORK/c2.json" '{"tcp": {"mem_budget_mb": 1}}'
testbed_restart "$WORK/c2.json" || { testbed_restore; e2e_end; exit 1; }
stats_snap "$WORK/b2.json"
transfers t2 6 $((4 << 20))
stats_snap "$WORK/a2.json"
nomem=$(ctr_delta "$WORK/b2.json" "$WORK/a2.json" relay.NoMemory)
check_eq "6 transfers of 4 MiB each way at once within 1 MiB of relay buffers: each intact, or refused at its SYN" \
	"$((GOOD + REFUSED))" 6
check_eq "the refused ones are relay.NoMemory ($REFUSED refused)" "${nomem:-?}" "$REFUSED"
check_gt "some got through (the others refused cleanly)" "$GOOD" 0
lim=0
for k in tcp.RcvBufLimited tcp.TCPRcvQDrop relay.NoMemory mempool.pipe_refused; do
	d=$(ctr_delta "$WORK/b2.json" "$WORK/a2.json" "$k")
	diag "  $k +${d:-?}"
	lim=$((lim + ${d:-0}))
done
check_gt "the budget held them back (RcvBufLimited + TCPRcvQDrop + NoMemory + pipe_refused)" "$lim" 0
transfers t2b 1 $((1 << 20))
check_eq "after the pressure: a new transfer, hashes match" "$GOOD/$FAILS" 1/0

# --- 3. few mbufs -------------------------------------------------------------------
conf_with "$WORK/c3.json" '{"dpdk": {"mbufs": 3300}}'
testbed_restart "$WORK/c3.json" || { testbed_restore; e2e_end; exit 1; }
base=$(mempool_in_use)
stats_snap "$WORK/b3.json"
transfers t3 4 $((8 << 20))
stats_snap "$WORK/a3.json"
check_eq "3300 mbufs: 4 transfers of 8 MiB each way at once, all intact" "$GOOD/$FAILS" 4/0
for k in tcp.NoMbuf ports.dsl.rx_dropped ports.lte.rx_dropped ports.upstream.rx_dropped; do
	diag "  $k +$(ctr_delta "$WORK/b3.json" "$WORK/a3.json" "$k")"
done
check_mempool "$base"
check_hagd_alive

testbed_restore
e2e_end

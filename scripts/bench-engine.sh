#!/usr/bin/env bash
# hagd's engine in memory, without the kernel: scripts/bench.sh engine | cps | memory.
# hagd runs as its own process on lcore 1, hagperf (app/hagperf.c: lib/tcp
# clients on the dsl port, the server on the upstream port) on lcore 0; they
# are joined by three memif pairs (copy mode, no hugepages). hagd's figures
# come from its own counters (hagctl stats: workers.0.busy_cycles, relay.*).
#
#   engine [SECS] [RUNS]   (ENGINE_PROTOS, ENGINE_CONNS, ENGINE_DIRS: a subset of the cases)
#                          the relay, MPTCP (2 subflows per connection) and plain
#                          TCP, 1, 100 and 10000 connections, each
#                          direction alone; per case the median of RUNS (3) of
#                          SECS (5) seconds after 2 s of warm-up: TSC busy
#                          cycles of hagd's lcore per relayed data segment
#                          (bytes / 1448), Mpps and Gbit/s relayed.
#   cps [SECS] [RUNS]      full lifecycles, 64 at a time (MPTCP 512): connect (MPTCP:
#                          and one MP_JOIN; and plain TCP), 64-byte request,
#                          64-byte response, close on both sides. Lifecycles per
#                          second, busy cycles per lifecycle, and what one lcore
#                          would do at 100 % (TSC Hz / cycles per lifecycle).
#   memory [N]             N idle proxied MPTCP connections (2 subflows + upstream;
#                          default 100000), each with
#                          one byte relayed each way: growth of hagd's resident
#                          memory (smaps Rss, the memif rings left out) per connection.
#   --smoke                each part once, small and short (./scripts/test.sh);
#                          engine: in each MPTCP case hagperf resets the first
#                          subflow of 1 connection in 10 once its join is up
#                          (--takeover), so that the run covers a takeover on
#                          both sides (the takeovers are counted in the results).
#
# Writes bench/results/DATE-engine.json (-cps, -memory), or ENGINE_RESULT; prints one table.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HAGD_BUILD:-$ROOT/build}
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD
PY=/usr/bin/python3
PREFIX=hagd-bench
HAGPERF=${HAGPERF:-$BUILD/app/hagperf}    # the load generator (another build's hagd can be measured with it)
W=$(mktemp -d /tmp/hag-bench-engine.XXXXXX)
HAGD_PID=""
PERF_PID=""
CRASHED=0

die() { echo "bench: $*" >&2; exit 1; }

# Whatever ended the script (a die, a signal, the end): hagd and hagperf stop.
# Every step may fail (a process already gone): none may end the trap under
# set -e before hagd is stopped, or hagd is left busy-polling its core.
cleanup() {
	local rc=$? p
	for p in "$PERF_PID" "$HAGD_PID"; do
		[[ -z "$p" ]] || kill "$p" 2>/dev/null || true
	done
	for p in "$PERF_PID" "$HAGD_PID"; do
		[[ -n "$p" ]] || continue
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PERF_PID="" HAGD_PID=""
	rm -rf "/var/run/dpdk/$PREFIX" "/var/run/dpdk/hagperf"
	if ((CRASHED)); then
		echo "bench: hagd crashed during the run: see $W" >&2
		((rc != 0)) || rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT

# conf OUT LISTENERS [TCP_JSON]: hagd on memif servers, the test network's addresses.
conf() {
	$PY - "$@" "$W" <<'EOF'
import json, sys
out, k = sys.argv[1], int(sys.argv[2])
tcp = json.loads(sys.argv[3]) if len(sys.argv) > 4 else {}
w = sys.argv[-1]
ports = [("dsl", "10.10.1.1/24"), ("lte", "10.10.2.1/24"), ("upstream", "10.20.0.1/24")]
c = {
    "dpdk": {"args": ["--no-huge", "--no-pci", "-m", "4096", "--no-shconf", "--file-prefix", "hagd-bench",
                      "-l", "1", "--log-level", "*:notice"], "mbufs": 262143},
    "ports": [{"name": n, "dev": "net_memif%d,role=server,socket=%s/%s.sock,id=0,rsize=13" % (i, w, n), "addr": a}
              for i, (n, a) in enumerate(ports)],
    "addresses": ["10.10.0.1"],
    "listeners": [{"listen": "10.10.0.1:%d" % (8080 + i), "upstream": "10.20.0.2:%d" % (9000 + i)}
                  for i in range(k)],
    "mptcp": {"enabled": True},
    "tcp": tcp,
    "log": {"level": "warn"},
}
json.dump(c, open(out, "w"), indent=1)
EOF
}

ctl() { "$BUILD/app/hagctl" --prefix "$PREFIX" stats; }

hagd_start() {   # hagd_start CONF (core dumps, if any, land in $W)
	(cd "$W" && ulimit -c unlimited && exec setsid "$BUILD/app/hagd" -c "$1" >>"$W/hagd.log" 2>&1 </dev/null) &
	HAGD_PID=$!
	for _ in $(seq 100); do
		ctl >/dev/null 2>&1 && return 0
		kill -0 "$HAGD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$W/hagd.log" >&2
	die "hagd did not start"
}

hagd_stop() {
	[[ -n "$HAGD_PID" ]] || return 0
	# Twice: the first SIGTERM drains (the generator is gone, its connections would
	# wait for the drain timeout), the second ends hagd at once.
	kill "$HAGD_PID" 2>/dev/null || true
	sleep 0.2
	kill "$HAGD_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$HAGD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$HAGD_PID" 2>/dev/null || true
	local rc=0
	wait "$HAGD_PID" 2>/dev/null || rc=$?
	HAGD_PID=""
	# 143: our SIGTERM's default action (hagd exits 0 when it handles it), 137: our SIGKILL.
	if ((rc > 128 && rc != 143 && rc != 137)); then
		echo "bench: hagd died of signal $((rc - 128)); log and core in $W" >&2
		CRASHED=1
	fi
	rm -rf "/var/run/dpdk/$PREFIX"
}

perf_start() {   # perf_start OUT ARGS...: hagperf in the background
	local out=$1; shift
	"$HAGPERF" --no-huge --no-pci -m 3072 --no-shconf --file-prefix hagperf -l 0 \
		--log-level '*:error' \
		--vdev "net_memif0,role=client,socket=$W/dsl.sock,id=0,rsize=13" \
		--vdev "net_memif1,role=client,socket=$W/lte.sock,id=0,rsize=13" \
		--vdev "net_memif2,role=client,socket=$W/upstream.sock,id=0,rsize=13" \
		-- "$@" --stats "$out" >>"$W/hagperf.log" 2>&1 &
	PERF_PID=$!
}

# perf_died WHAT: hagperf ended before we stopped it (a crash, or its time
# ran out within the window): the figures of WHAT cannot be trusted.
perf_died() {
	local rc=0
	wait "$PERF_PID" 2>/dev/null || rc=$?
	PERF_PID=""
	((rc <= 128)) || die "hagperf died of signal $((rc - 128)) during $1 (log in $W): $(tail -n 3 "$W/hagperf.log")"
	die "hagperf ended (status $rc) before the end of $1 (log in $W): $(tail -n 3 "$W/hagperf.log")"
}

perf_stop() {   # perf_stop WHAT: the load ends (SIGTERM: hagperf prints its figures and exits 0)
	local rc=0
	kill "$PERF_PID" 2>/dev/null || true
	for _ in $(seq 300); do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$PERF_PID" 2>/dev/null; then
		kill -9 "$PERF_PID" 2>/dev/null || true
		wait "$PERF_PID" 2>/dev/null || true
		PERF_PID=""
		die "hagperf did not stop within 30 s of SIGTERM after $1 (log in $W)"
	fi
	wait "$PERF_PID" || rc=$?
	PERF_PID=""
	((rc <= 128)) || die "hagperf died of signal $((rc - 128)) during $1 (log in $W): $(tail -n 3 "$W/hagperf.log")"
	((rc == 0)) || die "hagperf failed (status $rc) in $1 (log in $W): $(tail -n 3 "$W/hagperf.log")"
}

now() { date +%s.%N; }

# hagd's resident memory (KiB) without the memif regions: those are the shared
# rings of the benchmark's links (a NIC's would be DMA memory), and fill as
# traffic passes, whatever the number of connections.
rss_kib() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 } /^Rss:/ { if (name !~ /memif_region/) s += $2 } END { print s }' \
		"/proc/$HAGD_PID/smaps"
}

# window WARM SECS NAME [CONNS]: once hagd relays 99 % of CONNS connections (or
# has completed CONNS), wait WARM s; then snapshots of hagd's counters and
# their times, SECS s apart.
window() {
	local want=${4:-1}
	for _ in $(seq 200); do
		ctl >"$W/$3.w.json" 2>/dev/null &&
			$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["relay"]; w=int(sys.argv[2]); sys.exit(not (r["Active"] >= w - w // 100 or r["Completed"] >= w))' \
				"$W/$3.w.json" "$want" && break
		sleep 0.05
	done
	sleep "$1"
	local t0 t1
	t0=$(now); ctl >"$W/$3.a.json" || die "hagd stopped answering during $3 (log in $W)"
	sleep "$2"
	t1=$(now); ctl >"$W/$3.b.json" || die "hagd stopped answering during $3 (log in $W)"
	kill -0 "$PERF_PID" 2>/dev/null || perf_died "$3"
	echo "$t0 $t1" >"$W/$3.t"
}

smoke=0
part=$1; shift
[[ "${1:-}" == --smoke ]] && { smoke=1; shift; }
[[ -x "$HAGPERF" ]] || die "no $HAGPERF (build first)"
mkdir -p "$ROOT/bench/results"
case $part in
engine)
	SECS=${1:-5} RUNS=${2:-3} WARM=2 CONNS=(${ENGINE_CONNS:-1 100 10000})
	((smoke)) && SECS=1 RUNS=1 WARM=1 CONNS=(1 100)
	conf "$W/hagd.json" 1 '{"rcvbuf_init": 16384}'
	cases=()
	for proto in ${ENGINE_PROTOS:-mptcp tcp}; do
		for c in "${CONNS[@]}"; do
			pflag=()
			[[ $proto == mptcp ]] && pflag=(--mptcp)
			[[ $proto == mptcp ]] && ((smoke)) && pflag+=(--takeover "$(((c + 9) / 10))")
			buf=65536
			((c >= 10000)) && buf=16384
			for d in ${ENGINE_DIRS:-up down}; do
				for r in $(seq "$RUNS"); do
					name="$proto.c$c.$d.$r"
					hagd_start "$W/hagd.json"
					perf_start "$W/$name.perf" --mode stream --conns "$c" --dir "$d" --bytes "$buf" \
						--secs "$((WARM + SECS + 5))" "${pflag[@]}"
					window "$WARM" "$SECS" "$name" "$c"
					perf_stop "$name"
					hagd_stop
					cases+=("$name")
				done
			done
		done
	done
	;;
cps)
	# Warm-up past the 2 s TIME_WAIT: its population (and hagd's heap) is steady by then.
	SECS=${1:-5} RUNS=${2:-3} WARM=3
	((smoke)) && SECS=1 RUNS=1 WARM=1
	# The clients close first, so hagd's upstream sockets hold TIME_WAIT (2 s), and
	# hagd reuses no port in TIME_WAIT: 64 listeners give 64 upstream ports spaces of
	# 28 232 (1.8 M), so that the ephemeral port search is not what is measured (with
	# 16, at 200 000 a second, it was: most ports of each space were in TIME_WAIT).
	conf "$W/hagd.json" 64 '{"rcvbuf_init": 4096, "timewait_ms": 2000, "max_timewait": 1048576, "max_conns": 1048576}'
	cases=()
	for proto in mptcp tcp; do
		# Lifecycles at a time: enough for hagd to be the limit. An MPTCP lifecycle
		# waits for its join (hagperf's clients close once it is done): with 64 at
		# a time hagd was 21 % busy, with 512 it is the limit.
		pflag=() cc=64
		[[ $proto == mptcp ]] && pflag=(--mptcp) cc=512
		for r in $(seq "$RUNS"); do
			name="$proto.cps.$r"
			hagd_start "$W/hagd.json"
			perf_start "$W/$name.perf" --mode cps --conns "$cc" --listeners 64 --clients 16 --open-rate 1000 \
				--secs "$((WARM + SECS + 5))" "${pflag[@]}"
			window "$WARM" "$SECS" "$name"
			perf_stop "$name"
			hagd_stop
			cases+=("$name")
		done
	done
	;;
memory)
	N=${1:-100000}
	((smoke)) && N=2000
	# hagd's ephemeral ports (32768-60999) give 28232 upstream connections per
	# listener's upstream address and port: one listener per 25000 connections.
	L=$(((N + 24999) / 25000))
	((L > 64)) && L=64
	# hagperf's client addresses: at most 15 000 connections (and as many joins) each.
	CL=$(((N + 14999) / 15000))
	((CL < 16)) && CL=16
	((CL > 200)) && CL=200
	# tcp.rcvbuf_init as deployed (128 KiB): an idle connection holds no buffer whatever its size.
	conf "$W/hagd.json" "$L" "{\"max_conns\": $((3 * N + 4096))}"
	hagd_start "$W/hagd.json"
	rm -f "$W/ready"
	# The baseline once the memif links are up and ARP is done (hagperf opens
	# nothing for its first 3 s): the shared rings are not a connection's.
	perf_start "$W/mem.perf" --mode idle --conns "$N" --listeners "$L" --clients "$CL" --open-rate 20 \
		--secs 600 --ready-file "$W/ready" --start-after 3 --mptcp
	sleep 2
	rss0=$(rss_kib)
	ctl >"$W/mem.a.json"
	for _ in $(seq 1200); do
		[[ -e "$W/ready" ]] && break
		kill -0 "$PERF_PID" 2>/dev/null || perf_died "the memory ramp"
		sleep 0.25
	done
	[[ -e "$W/ready" ]] || die "the $N connections did not all come up: $(ctl | head -c 600)"
	sleep 1
	rss1=$(rss_kib)
	ctl >"$W/mem.b.json"
	kill -0 "$PERF_PID" 2>/dev/null || perf_died "the memory window"
	echo "$rss0 $rss1 $N" >"$W/mem.rss"
	perf_stop memory
	hagd_stop
	cases=(mem)
	;;
*) die "unknown part $part (engine, cps, memory)" ;;
esac

res=${ENGINE_RESULT:-$ROOT/bench/results/$(date +%F)-$part.json}
((smoke)) && res=$W/smoke-$part.json
$PY - "$part" "$W" "$res" "${cases[@]}" <<'EOF'
import datetime, json, statistics, sys
part, w, res, cases = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def get(d, path):
    for p in path.split("."):
        d = d[p]
    return d

def window(name):
    a = json.load(open("%s/%s.a.json" % (w, name)))
    b = json.load(open("%s/%s.b.json" % (w, name)))
    t0, t1 = map(float, open("%s/%s.t" % (w, name)).read().split())
    d = lambda k: get(b, k) - get(a, k)
    return a, b, d, t1 - t0

out = {"part": part, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
       "setup": "hagd (1 worker, lcore 1) <-> 3 memif pairs (copy mode, --no-huge) <-> hagperf (lcore 0); "
                "no kernel in the data path", "results": []}
if part == "engine":
    rows = {}
    for name in cases:
        proto, c, d_, r = name.split(".")
        c = c[1:]
        a, b, d, dt = window(name)
        by = d("relay.BytesUp") if d_ == "up" else d("relay.BytesDown")
        segs = by / 1448.0
        cyc = d("workers.0.busy_cycles")
        hz = b["tsc_hz"]
        # hagperf's own figures at its end (its clients' failures, the takeovers
        # it saw); hagd's MPTCP counters since its start (a takeover happens in
        # the warm-up as often as in the window).
        perf = json.load(open("%s/%s.perf" % (w, name)))
        rows.setdefault((proto, int(c), d_), []).append({
            "cycles_per_seg": cyc / segs if segs else None, "mpps": segs / dt / 1e6,
            "gbps": by * 8 / dt / 1e9, "busy": cyc / (dt * hz), "retrans": d("tcp.RetransSegs"),
            "perf_failed": perf["failed"], "perf_takeovers": perf.get("takeovers", 0),
            "hagd_takeovers": b["mptcp"].get("Takeover", 0), "hagd_fastclose_tx": b["mptcp"].get("MPFastcloseTx", 0),
            "hagd_upstream_resets": b["relay"].get("UpstreamResets", 0)})
    for (proto, c, d_), xs in sorted(rows.items()):
        med = lambda k: statistics.median(x[k] for x in xs if x[k] is not None)
        out["results"].append({"proto": proto, "conns": c, "dir": d_, "runs": len(xs),
                               "cycles_per_seg": med("cycles_per_seg"), "mpps": med("mpps"), "gbps": med("gbps"),
                               "busy": med("busy"), "raw": xs})
    print("engine: the relay in memory, hagd on one lcore (MPTCP: 2 subflows per connection); median of %d;"
          " segments of 1448 bytes" % len(xs))
    print("  %-6s %-7s %-5s %12s %8s %8s %6s" % ("proto", "conns", "dir", "cycles/seg", "Mpps", "Gbit/s", "busy"))
    for x in out["results"]:
        print("  %-6s %-7d %-5s %12.0f %8.3f %8.2f %5.0f%%" % (x["proto"], x["conns"], x["dir"], x["cycles_per_seg"],
                                                             x["mpps"], x["gbps"], 100 * x["busy"]))
    for x in out["results"]:
        for k, y in enumerate(x["raw"]):
            if y["perf_failed"] or y["perf_takeovers"] or y["hagd_takeovers"] or y["hagd_fastclose_tx"]:
                print("  %s c%d %s run %d: hagperf %d connections failed, %d takeovers; hagd %d takeovers,"
                      " %d MP_FASTCLOSE sent, %d upstream resets" % (x["proto"], x["conns"], x["dir"], k + 1,
                      y["perf_failed"], y["perf_takeovers"], y["hagd_takeovers"], y["hagd_fastclose_tx"],
                      y["hagd_upstream_resets"]))
elif part == "cps":
    print("cps: full lifecycles (connect, 64 B request, 64 B response, close both sides; MPTCP: with one"
          " MP_JOIN), 64 at a time (MPTCP 512)")
    for proto in ("mptcp", "tcp"):
        xs = []
        for name in (c for c in cases if c.startswith(proto + ".")):
            a, b, d, dt = window(name)
            n = d("relay.Completed")
            cyc = d("workers.0.busy_cycles")
            hz = b["tsc_hz"]
            xs.append({"lifecycles_per_s": n / dt, "cycles_per_lifecycle": cyc / n if n else None,
                       "lcore_capacity_per_s": hz * n / cyc if cyc else None, "busy": cyc / (dt * hz),
                       "joins": d("mptcp.MPJoinAckRx"), "joins_refused": d("mptcp.MPJoinRefused"),
                       "upstream_failures": d("relay.UpstreamFailures"), "client_resets": d("relay.ClientResets")})
        med = lambda k: statistics.median(x[k] for x in xs if x[k] is not None)
        r = {k: med(k) for k in ("lifecycles_per_s", "cycles_per_lifecycle", "lcore_capacity_per_s", "busy")}
        r.update({"proto": proto, "runs": len(xs), "raw": xs})
        out["results"].append(r)
        print("  %-6s measured %.0f /s with hagd %.0f %% busy; %.0f busy cycles each: %.0f /s per lcore at 100 %%"
              " (median of %d)" % (proto, r["lifecycles_per_s"], 100 * r["busy"], r["cycles_per_lifecycle"],
                                   r["lcore_capacity_per_s"], len(xs)))
else:
    rss0, rss1, n = map(int, open(w + "/mem.rss").read().split())
    b = json.load(open(w + "/mem.b.json"))
    r = {"conns": n, "rss_before_kib": rss0, "rss_after_kib": rss1,
         "bytes_per_conn": (rss1 - rss0) * 1024.0 / n, "relay_active": b["relay"]["Active"],
         "tcp_conns": b["tcp"]["CurrConns"], "mptcp_conns": b["mptcp"]["CurrEstab"], "rcvbuf_init": 4096}
    out["results"].append(r)
    print("memory: %d idle proxied MPTCP connections (2 subflows + upstream, one byte each way), tcp.rcvbuf_init as deployed (128 KiB)" % n)
    print("  hagd resident memory (without the memif rings) %d -> %d KiB: %.0f bytes per connection (relay.Active %d, sockets %d)"
          % (rss0, rss1, r["bytes_per_conn"], r["relay_active"], r["tcp_conns"]))
json.dump(out, open(res, "w"), indent=1)
print("results: " + res)
EOF

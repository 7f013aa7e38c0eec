#!/usr/bin/env bash
# hagd benchmarks: tcp-loss, e2e, engine, cps, memory, kcps.
#
#   scripts/bench.sh tcp-loss [MIB] [RUNS]
#       Loss recovery beside the kernel over issue 15's grid: random loss 0,
#       0.5, 1, 2, 5 and 10 % (nftables drops that share of the frames arriving
#       at the client's dsl veth and at the server's up veth), bursts
#       (Gilbert-Elliott, 1 % of the frames lost in bursts of 4 on average) and
#       reordering (25 +- 5 ms of delay each way), the last two from hagd's
#       impairment stage on the frames sent toward the client and toward the
#       server (decision 42); and random loss 0.5, 1, 2 and 5 % with 5 ms of
#       delay toward the client (rtt5:LOSS, the download only: decision 44).
#       At each point a plain TCP transfer of MIB MiB each
#       way at once (default 32) between the kernel client and the kernel
#       server, (a) through hag-linkem (tests/tools/linkem.c: testpmd's io
#       forwarding with hagd's impairment stage, the same config; the kernel's
#       own TCP end to end), once with the host's default congestion control
#       (the namespaces inherit it; its name, from
#       net.ipv4.tcp_congestion_control, goes into the results) and once with
#       CUBIC, hagd's, set on every socket (tests/tools/cc_wrap.py), and (b)
#       through hagd (two TCP connections, hagd's TCP on the inside of both),
#       busy-polling as hag-linkem does (dpdk.idle_sleep_us 0: decision 47).
#       Medians of RUNS (default 5); the ratios hagd / kernel CUBIC and hagd /
#       kernel default per direction. Writes bench/results/DATE-tcp-loss.json
#       (with MIB 4 and RUNS 1, a trial of the harness: a file in /tmp).
#       TCP_LOSS_POINTS="0 1 bursts" measures only those points,
#       TCP_LOSS_RESULT=FILE writes the JSON there; HAGD_BUILD (hagd and
#       hag-linkem) and HAGD_CONF (its idle_sleep_us set to 0) as for testbed.sh.
#   scripts/bench.sh --smoke   one run of 4 MiB at 1 %, in bursts and at 1 % +5 ms (for ./scripts/test.sh)
#
#   scripts/bench.sh e2e [MIB] [RUNS]
#       The kernel MPTCP client (dsl + lte) -> gateway -> kernel TCP server, MIB
#       MiB each way at once (default 256), medians of RUNS (default 3), through
#       (a) hagd (af_xdp, the normal testbed; and again with 2 worker lcores),
#       (b) testpmd io-forward on the same
#       veths (the I/O ceiling, plain TCP client <-> server) and (c) a kernel
#       gateway: kernel MPTCP in hag-gw, Debian's haproxy relaying over TCP
#       (bench/haproxy-e2e.cfg under mptcpize, splice on). GSO/GRO/TSO off on
#       every veth so all three move MTU-sized segments. The MPTCP runs fail
#       unless the client's lte subflow joined. Ratios hagd / testpmd and
#       hagd / kernel gw. Writes bench/results/DATE-e2e.json.
#   scripts/bench.sh e2e --smoke   one run of 8 MiB, hagd and kernel gw only
#
#   scripts/bench.sh engine [SECS] [RUNS] | cps [SECS] [RUNS] | memory [N]
#       hagd alone in memory (memif to app/hagperf, no kernel): cycles per
#       relayed segment, lifecycles per second, bytes per idle connection.
#       See scripts/bench-engine.sh; each takes --smoke.
#
#   scripts/bench.sh kcps [SECS] [RUNS] | kcps --smoke
#       Connection rate beside the kernel gateway: hagperf on af_packet vdevs
#       (CPU 0) against haproxy with the kernel's MPTCP, then against hagd on
#       af_packet, each alone on CPU 1 (RPS keeps its receive path there):
#       lifecycles per second and per gateway CPU second. See scripts/bench-kcps.sh.
#
# A benchmark: it reports numbers, it asserts none (a digest mismatch fails it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# e2e [MIB] [RUNS] | e2e --smoke: see the header.
e2e_main() {
	local smoke=0 sides=(hagd hagd2 testpmd kgw kgw_on) s
	MIB=${1:-256} RUNS=${2:-3}
	if [[ "${1:-}" == --smoke ]]; then
		smoke=1 MIB=8 RUNS=1 sides=(hagd kgw)
	fi
	BYTES=$((MIB * 1048576))
	OUT=$(mktemp -d /tmp/hag-bench-e2e.XXXXXX)
	# shellcheck source=scripts/bench-lib.sh
	. "$ROOT/scripts/bench-lib.sh"
	trap 'kgw_down; testpmd_down' EXIT
	for s in "${sides[@]}"; do
		case $s in
		hagd)
			"$ROOT/scripts/testbed.sh" up >/dev/null
			veth_offloads off
			e2e_runs hagd 10.10.0.1 8080 9000 --mptcp
			"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 ;;
		hagd2)
			# 2 workers: veths with 2 queues, the kernel spreading flows over them.
			$PY - "$ROOT/conf/testbed.json" "$OUT/workers2.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["dpdk"]["workers"] = 2
a = c["dpdk"]["args"]
a[a.index("-l") + 1] = "0-1"
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOF
			HAGD_CONF=$OUT/workers2.json "$ROOT/scripts/testbed.sh" up >/dev/null
			veth_offloads off
			e2e_runs hagd2 10.10.0.1 8080 9000 --mptcp
			HAGD_CONF=$OUT/workers2.json "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 ;;
		testpmd)
			testpmd_up
			veth_offloads off
			e2e_runs testpmd 10.30.0.3 9001 9001
			testpmd_down ;;
		kgw | kgw_on)
			kgw_up
			if [[ $s == kgw ]]; then veth_offloads off; else veth_offloads on; fi
			e2e_runs "$s" 10.10.0.1 8080 9000 --mptcp
			kgw_down ;;
		esac
	done
	mkdir -p "$ROOT/bench/results"
	local res
	res=$ROOT/bench/results/$(date +%F)-e2e.json
	((smoke)) && res=$OUT/smoke.json
	$PY - "$OUT" "$MIB" "$RUNS" "$res" "${sides[@]}" <<'PYEOF'
import json, statistics, sys, datetime
out, mib, runs, res, sides = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
names = {"hagd": "hagd (af_xdp, 1 lcore)", "hagd2": "hagd (af_xdp, 2 worker lcores)",
         "testpmd": "testpmd io-fwd (ceiling, plain TCP)",
         "kgw": "kernel gw (MPTCP + haproxy splice)", "kgw_on": "kernel gw, GSO/GRO/TSO on"}
r = {"part": "e2e", "mib_each_way": mib, "runs": runs,
     "offloads": "gso/gro/tso off on every veth except kgw_on (kernel defaults on, tx checksum on)",
     "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "results": {}}
for s in sides:
    rows = [tuple(map(float, l.split()[:2])) for l in open("%s/%s.txt" % (out, s)) if l.strip()]
    joins = int(open("%s/%s.joins" % (out, s)).read().strip() or 0)
    failed = len(open("%s/%s.failed" % (out, s)).read().split())
    r["results"][s] = {"up_gbps": statistics.median(x[0] for x in rows) if rows else 0.0,
                       "down_gbps": statistics.median(x[1] for x in rows) if rows else 0.0,
                       "raw": [list(x) for x in rows], "client_mp_joins": joins, "failed_runs": failed}
h = r["results"]["hagd"]
for s in sides[1:]:
    o = r["results"][s]
    r["hagd_over_" + s] = {"up": round(h["up_gbps"] / o["up_gbps"], 3) if o["up_gbps"] else None,
                           "down": round(h["down_gbps"] / o["down_gbps"], 3) if o["down_gbps"] else None}
json.dump(r, open(res, "w"), indent=1)
print("e2e: %d MiB each way at once, median of %d (Gbit/s); GSO/GRO/TSO off on every veth"
      " unless the row says otherwise" % (mib, runs))
print("  %-38s %8s %8s" % ("path", "up", "down"))
for s in sides:
    x = r["results"][s]
    print("  %-38s %8.3f %8.3f%s" % (names[s], x["up_gbps"], x["down_gbps"],
          "   (%d failed tries, not counted)" % x["failed_runs"] if x["failed_runs"] else ""))
for s in sides[1:]:
    x = r["hagd_over_" + s]
    label = "hagd 2 workers" if s == "hagd2" else names[s].split(" (")[0]
    print("  %-38s %8s %8s" % ("ratio hagd / " + label, "%.2f" % x["up"] if x["up"] else "-",
          "%.2f" % x["down"] if x["down"] else "-"))
PYEOF
	echo "results: $res"
}

# e2e_runs NAME ADDR PORT SPORT [--mptcp]: RUNS transfers into $OUT/NAME.txt; with
# --mptcp every run must have added an MP_JOIN on the client (the lte subflow).
e2e_runs() {
	local name=$1 addr=$2 port=$3 sport=$4 mp=${5:-} j0 j1
	: >"$OUT/$name.txt"
	j0=$(mp_joins)
	: >"$OUT/$name.failed"
	for r in $(seq "$RUNS"); do
		local ok=0 try
		for try in 1 2 3; do
			if transfer "$addr" "$port" "$sport" "$BYTES" ${mp:+"$mp"} >>"$OUT/$name.txt"; then
				ok=1
				break
			fi
			# hagd's data must arrive whole: that fails the benchmark. The kernel's
			# paths are the comparison: a failed run is reported, not counted, and
			# made again (at most twice).
			[[ $name == hagd* ]] && { echo "e2e $name: run $r: transfer failed" >&2; return 1; }
			echo "e2e $name: run $r, try $try failed in the kernel's path (bytes lost or changed): not counted" >&2
			echo "$r.$try" >>"$OUT/$name.failed"
		done
		((ok)) || continue
		if [[ -n "$mp" ]]; then
			j1=$(mp_joins)
			((j1 > j0)) || { echo "e2e $name: the client's lte subflow did not join" >&2; return 1; }
			j0=$j1
		fi
	done
	mp_joins >"$OUT/$name.joins"
}

part=${1:-tcp-loss}
MIB=${2:-32}
RUNS=${3:-5}
# The grid: a number is random loss in % (nftables), a word an impairment model below.
read -r -a POINTS <<<"${TCP_LOSS_POINTS:-0 0.5 1 2 5 10 bursts jitter rtt5:0.5 rtt5:1 rtt5:2 rtt5:5}"
if [[ "$part" == --smoke ]]; then
	part=tcp-loss MIB=4 RUNS=1 POINTS=(1 bursts rtt5:1)
fi
if [[ "$part" == e2e ]]; then
	e2e_main "${@:2}"
	exit
fi
case $part in
engine | cps | memory) exec "$ROOT/scripts/bench-engine.sh" "$part" "${@:2}" ;;
kcps) exec "$ROOT/scripts/bench-kcps.sh" "${@:2}" ;;
esac
[[ "$part" == tcp-loss ]] || { echo "usage: $0 tcp-loss [MIB] [RUNS] | --smoke | e2e [MIB] [RUNS] | e2e --smoke | engine|cps|memory|kcps [--smoke] ..." >&2; exit 2; }

# The impairment models: hagd's ports[].impair on dsl and upstream, direction
# tx (the frames sent toward the client and toward the server, where nftables
# drops for the random points); the same object for hagd and for hag-linkem.
declare -A MODEL=(
	# Gilbert-Elliott: the bad state (every frame lost) is entered after 1 frame
	# in 400 and left after 4 on average: 0.25 / (0.25 + 25) = 0.99 % of the
	# frames lost, in bursts of 1 / 0.25 = 4.
	[bursts]='{"gilbert": {"good_to_bad_pct": 0.25, "bad_to_good_pct": 25, "loss_good_pct": 0, "loss_bad_pct": 100}, "direction": "tx"}'
	# 25 +- 5 ms each way (50 ms round trip added): frames up to 10 ms apart swap places.
	[jitter]='{"delay_ms": 25, "jitter_ms": 5, "direction": "tx"}'
	# 5 ms toward the client only, with nftables loss (points rtt5:LOSS): the
	# download's lossy leg has the same round trip on both sides, 5 ms plus each
	# side's own processing, so the sender's loss recovery and congestion control
	# are compared rather than each side's per-packet latency (decision 44). The
	# upload is not comparable (hagd's upstream leg has no delay, the kernel's
	# ACKs cross dsl): no upload ratio.
	[rtt5]='{"delay_ms": 5, "direction": "tx"}'
)
# The ports a model is set on, when not both.
declare -A MODEL_PORTS=([rtt5]=dsl)
# model_of POINT: random (a number), a model's name, or MODEL:LOSS (the model
# with that nftables loss, %).
model_of() { if [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then echo random; else echo "${1%%:*}"; fi; }
models=()
for p in "${POINTS[@]}"; do
	m=$(model_of "$p")
	[[ $m == random || -n "${MODEL[$m]:-}" ]] || { echo "tcp-loss: unknown grid point \"$p\" (a loss in %, one of: ${!MODEL[*]}, or MODEL:LOSS)" >&2; exit 2; }
	[[ $p != *:* || ${p#*:} =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "tcp-loss: grid point \"$p\": the loss after \":\" is not a number" >&2; exit 2; }
	[[ " ${models[*]} " == *" $m "* ]] || models+=("$m")
done
BYTES=$((MIB * 1048576))
OUT=$(mktemp -d /tmp/hag-bench.XXXXXX)
BASE_CONF=${HAGD_CONF:-$ROOT/conf/testbed.json}
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; linkem_down; "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true' EXIT

# conf_of MODEL: the base config with the model's impairment ($OUT/MODEL.json; none
# for random) and hagd busy-polling (dpdk.idle_sleep_us 0, decision 47).
# Each port gets its own seed (dsl 1, upstream 2) unless the model sets one: with
# the same seed the two directions would lose the same frames of their sequences.
conf_of() {
	$PY - "$BASE_CONF" "$OUT/$1.json" "${MODEL[$1]:-}" ${MODEL_PORTS[$1]:-dsl upstream} <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
# hagd busy-polls as hag-linkem does (decision 47): a sleeping poll loop adds its
# wake-up to every round trip, which the zero-delay points measure.
c.setdefault("dpdk", {})["idle_sleep_us"] = 0
for p in c["ports"]:
    if sys.argv[3] and p["name"] in sys.argv[4:]:
        p["impair"] = dict({"seed": 1 if p["name"] == "dsl" else 2}, **json.loads(sys.argv[3]))
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
	echo "$OUT/$1.json"
}

# point_loss POINT: its nftables loss (the number, after the model's ":", or 0).
point_loss() {
	if [[ $(model_of "$1") == random ]]; then echo "$1"; elif [[ $1 == *:* ]]; then echo "${1#*:}"; else echo 0; fi
}

# runs FILE ARGS...: RUNS transfers into FILE. One that fails (a stall past
# hagload's timeouts: the kernel's CUBIC at 10 % loss or 25+-5 ms) is made
# again, twice at most, and listed in FILE.failed; a run that failed three
# times is a result too: it goes into FILE.collapsed, the side's other runs at
# that point are skipped (each failure costs hagload's 60 s timeout), and the
# benchmark goes on to the next point (for hagd it then exits non-zero: see
# BENCH_FAIL). Data that arrived changed ends the benchmark.
BENCH_FAIL=0
runs() {
	local f=$1 r try ok
	shift
	: >"$f"
	: >"$f.failed"
	: >"$f.collapsed"
	for r in $(seq "$RUNS"); do
		ok=0
		for try in 1 2 3; do
			if transfer "$@" "$BYTES" >>"$f" 2>"$OUT/transfer.err"; then
				ok=1
				break
			fi
			cat "$OUT/transfer.err" >&2
			if grep -q "digest mismatch" "$OUT/transfer.err"; then
				echo "tcp-loss: ${f##*/}: run $r: the data arrived changed" >&2
				return 1
			fi
			echo "tcp-loss: ${f##*/}: run $r, try $try failed: not counted" >&2
			echo "$r.$try" >>"$f.failed"
		done
		if ((!ok)); then
			echo "tcp-loss: ${f##*/}: run $r failed 3 times: the side's other runs at this point are skipped" >&2
			echo "$r" >>"$f.collapsed"
			[[ ${f##*/} == hagd* ]] && BENCH_FAIL=1
			break
		fi
	done
	return 0
}

LOAD_DEFAULT=$LOAD
LOAD_CUBIC="$PY $ROOT/tests/tools/cc_wrap.py cubic $ROOT/tests/tools/hagload.py"
KERNEL_CC=""
# One model at a time: the kernel through hag-linkem, then hagd, both with the
# model's config, each over the model's points.
for m in "${models[@]}"; do
	conf=$(conf_of "$m")
	# A fresh hag-linkem (and network) for each point and congestion control: each
	# side's runs start from an empty path, whatever the side before it left held.
	for p in "${POINTS[@]}"; do
		[[ $(model_of "$p") == "$m" ]] || continue
		for side in kernel kernel_cubic; do
			linkem_up "$conf" "$OUT/linkem.$side.$p.json"
			if [[ -z "$KERNEL_CC" ]]; then
				# The namespaces run the host's default congestion control (their sysctl is
				# read-only); CUBIC, hagd's, is set per socket on hagload's (client and server).
				KERNEL_CC=$(ip netns exec hag-client sysctl -n net.ipv4.tcp_congestion_control)
				cc_srv=$(ip netns exec hag-server sysctl -n net.ipv4.tcp_congestion_control)
				[[ "$cc_srv" == "$KERNEL_CC" ]] || KERNEL_CC="$KERNEL_CC/$cc_srv"   # client/server
			fi
			loss_on "$(point_loss "$p")"
			if [[ $side == kernel ]]; then LOAD=$LOAD_DEFAULT; else LOAD=$LOAD_CUBIC; fi
			runs "$OUT/$side.$p" 10.30.0.3 9001 9001
			LOAD=$LOAD_DEFAULT
			loss_on 0
			linkem_down
		done
	done

	HAGD_CONF=$conf "$ROOT/scripts/testbed.sh" up >/dev/null
	# shellcheck disable=SC1091
	source "$ROOT/testbed.env"
	for p in "${POINTS[@]}"; do
		[[ $(model_of "$p") == "$m" ]] || continue
		loss_on "$(point_loss "$p")"
		# hagd's clean legs (client -> hagd up, server -> hagd down) are sent by the
		# kernel ends: each run pairs with the kernel run whose ends run the same
		# congestion control (decision 50): the host's default, then CUBIC.
		runs "$OUT/hagd.$p" "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT"
		LOAD=$LOAD_CUBIC
		runs "$OUT/hagd_cubic_ends.$p" "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT"
		LOAD=$LOAD_DEFAULT
		# Counters since hagd started: the point's are the difference to the previous point's.
		$HAGCTL >"$OUT/hagd.$p.stats.json" 2>/dev/null || echo '{}' >"$OUT/hagd.$p.stats.json"
	done
	loss_on 0
	HAGD_CONF=$conf "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1
done

mkdir -p "$ROOT/bench/results"
res=${TCP_LOSS_RESULT:-$ROOT/bench/results/$(date +%F)-tcp-loss.json}
[[ "${MIB}" == 4 && "${RUNS}" == 1 ]] && res=$OUT/smoke.json
for m in "${!MODEL[@]}"; do
	printf '%s\n' "${MODEL[$m]}" >"$OUT/model.$m"
	echo "${MODEL_PORTS[$m]:-dsl upstream}" >"$OUT/ports.$m"
done
# kernel_*: the host's default congestion control (kernel_cc); kernel_cubic_*: CUBIC per socket.
$PY - "$res" "$OUT" "$MIB" "$RUNS" "$(date -Is)" "$KERNEL_CC" "$BASE_CONF" "${POINTS[@]}" <<'PYEOF'
import json, re, statistics, sys
res, out, mib, runs, date, cc, conf = sys.argv[1:8]
points = sys.argv[8:]
try:   # hagd's congestion control: tcp.cc_access toward the client, tcp.cc_upstream toward the server
    t = json.load(open(conf)).get("tcp", {})
    hcc = [t.get("cc_access", "cubic"), t.get("cc_upstream", "cubic")]
    hagd_cc = hcc[0] if hcc[0] == hcc[1] else "/".join(hcc)
except (OSError, ValueError):
    hagd_cc = "unknown"
def model_of(p):
    return "random" if re.match(r"^[0-9]+(\.[0-9]+)?$", p) else p.split(":")[0]
models = {m: json.load(open("%s/model.%s" % (out, m))) for m in {model_of(p) for p in points} if m != "random"}
ports = {m: open("%s/ports.%s" % (out, m)).read().split() for m in models}
def raw(side, p):
    return [[float(v) for v in line.split()] for line in open("%s/%s.%s" % (out, side, p)) if line.strip()]
def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None
def impair_seen(path, before=None):
    """What the impairers did, {port: {rx|tx: counters}}: hagd's `hagctl stats`
    (ports.NAME.impair) or hag-linkem's exit counters, the same shape; minus what
    the file before held (hagd's counters run over the model's points)."""
    try:
        s = json.load(open(path))
    except (OSError, ValueError):
        return {}
    seen = {n: {d: v for d, v in p.get("impair", {}).items() if isinstance(v, dict)}
            for n, p in s.get("ports", {}).items() if isinstance(p, dict) and p.get("impair")}
    b = impair_seen(before) if before else {}
    for n, dirs in seen.items():
        for d, c in dirs.items():
            prev = b.get(n, {}).get(d, {})
            # "held" is a level, not a count
            dirs[d] = {k: v - prev.get(k, 0) if isinstance(v, int) and k != "held" else v for k, v in c.items()}
    return seen
LABELS = {"bursts": "GE bursts", "jitter": "25+-5 ms", "rtt5": "+5 ms"}
results = []
for p in points:
    m = model_of(p)
    x = {"point": "%g %%" % float(p) if m == "random" else LABELS.get(m, m), "model": m}
    if m == "random":
        x["loss_pct"] = float(p)
    elif ":" in p:
        x["loss_pct"] = float(p.split(":")[1])
        x["point"] = "%g %% %s" % (x["loss_pct"], LABELS.get(m, m))
    if m != "random":
        x["impair"] = models[m]
        x["impair_ports"] = ports[m]
        g = models[m].get("gilbert")
        if g:   # the chain's long-run figures (app/config.h, struct hag_impair_gilbert)
            pg, r = g["good_to_bad_pct"] / 100, g["bad_to_good_pct"] / 100
            pib = pg / (pg + r)
            x["loss_pct"] = round((1 - pib) * g["loss_good_pct"] + pib * g["loss_bad_pct"], 3)
            if g["loss_good_pct"] == 0 and g["loss_bad_pct"] == 100:
                x["mean_burst_frames"] = round(1 / r, 2)
        # The kernel's: hag-linkem's counters over the CUBIC runs at this point
        # (a fresh one per point and side); hagd's: over this point's runs.
        prev = [q for q in points[:points.index(p)] if model_of(q) == m]
        x["impair_seen"] = {"kernel": impair_seen("%s/linkem.kernel_cubic.%s.json" % (out, p)),
                            "hagd": impair_seen("%s/hagd.%s.stats.json" % (out, p),
                                                "%s/hagd.%s.stats.json" % (out, prev[-1]) if prev else None)}
    for side in ("kernel", "kernel_cubic", "hagd", "hagd_cubic_ends"):
        r_ = raw(side, p)
        # No run completed (three failed tries): no figure, the collapse is the result.
        x[side + "_up_gbps"] = statistics.median(v[0] for v in r_) if r_ else None
        x[side + "_down_gbps"] = statistics.median(v[1] for v in r_) if r_ else None
        x[side + "_raw"] = r_
        x[side + "_failed_runs"] = len(open("%s/%s.%s.failed" % (out, side, p)).read().split())
        x[side + "_collapsed_runs"] = len(open("%s/%s.%s.collapsed" % (out, side, p)).read().split())
    for d in ("up", "down"):
        # A model on dsl only delays the download's lossy leg alike on both sides,
        # not the upload's: no upload ratio.
        same = m == "random" or "upstream" in ports[m] or d == "down"
        # Like for like: the ends' congestion control is the same in both runs of a ratio.
        x["hagd_per_kernel_cubic_" + d] = ratio(x["hagd_cubic_ends_%s_gbps" % d],
                                               x["kernel_cubic_%s_gbps" % d]) if same else None
        x["hagd_per_kernel_" + d] = ratio(x["hagd_%s_gbps" % d], x["kernel_%s_gbps" % d]) if same else None
    results.append(x)
json.dump({"part": "tcp-loss", "mib_each_way": int(mib), "runs": int(runs), "date": date,
           "kernel_cc": cc, "kernel_cubic_cc": "cubic", "hagd_cc": hagd_cc,
           "kernel_path": "hag-linkem: io forwarding through hagd's impairment stage, the same config",
           "random_loss": "nftables, ingress of the client's dsl and of the server's up",
           "hagd_poll": "busy (dpdk.idle_sleep_us 0), as hag-linkem",
           "hagd_ends": "hagd_*: the kernel ends run the host's default congestion control (as kernel_*);"
                        " hagd_cubic_ends_*: CUBIC on the ends' sockets (as kernel_cubic_*)",
           "models": models, "results": results},
          open(res, "w"), indent=1)
print("tcp-loss: %s MiB each way at once, plain TCP, median of %s (Gbit/s); kernel %s (the host's"
      " default) and kernel cubic (set per socket) through hag-linkem; hagd runs %s" % (mib, runs, cc, hagd_cc))
print("  %-10s %-16s %-16s %-16s %-16s %-16s %-16s" % ("point", "kernel %s" % cc, "kernel cubic",
      "hagd, ends %s" % cc, "hagd, ends cubic", "hagd/cubic", "hagd/%s" % cc))
for x in results:
    v = lambda a, fmt: "-" if a is None else fmt % a
    f = lambda k: "%s/%s" % (v(x[k + "_up_gbps"], "%.3f"), v(x[k + "_down_gbps"], "%.3f"))
    g = lambda k: "%s/%s" % (v(x[k + "_up"], "%.2f"), v(x[k + "_down"], "%.2f"))
    print("  %-10s %-16s %-16s %-16s %-16s %-16s %-16s" % (x["point"], f("kernel"), f("kernel_cubic"),
          f("hagd"), f("hagd_cubic_ends"), g("hagd_per_kernel_cubic"), g("hagd_per_kernel")))
print("  (each column up/down; a ratio pairs runs whose kernel ends run the same congestion control)")
for x in results:
    for side in ("kernel", "kernel_cubic", "hagd", "hagd_cubic_ends"):
        if x[side + "_failed_runs"]:
            print("  %-10s %s: %d failed tries, made again, not counted" % (x["point"], side, x[side + "_failed_runs"]))
        if x[side + "_collapsed_runs"]:
            print("  %-10s %s: a run failed 3 times (no data for hagload's 60 s): collapsed, later runs skipped"
                  % (x["point"], side))
for m, c in sorted(models.items()):
    print("  %-10s %s on %s%s" % (LABELS.get(m, m), json.dumps(c), " and ".join(ports[m]),
          "" if "upstream" in ports[m] else " (the upload's lossy leg differs: no upload ratio)"))
# What each side's impairers did (toward the client: dsl; toward the server: upstream).
for x in results:
    for side, ports in sorted(x.get("impair_seen", {}).items()):
        for n, dirs in sorted(ports.items()):
            for d, c in sorted(dirs.items()):
                drop = c.get("dropped_gilbert", 0) + c.get("dropped_loss", 0)
                print("  %-10s %-6s %-8s %s: %d frames, %d lost (%.2f %%), %d dropped_full" % (
                    x["point"], side, n, d, c.get("in", 0), drop, 100.0 * drop / max(1, c.get("in", 0)),
                    c.get("dropped_full", 0)))
PYEOF
echo "results: $res"
if ((BENCH_FAIL)); then
	echo "tcp-loss: a hagd run failed three times (see above)" >&2
	exit 1
fi

#!/usr/bin/env bash
# hagd benchmarks: tcp-loss, e2e, engine, cps, memory, kcps.
#
#   scripts/bench.sh tcp-loss [MIB] [RUNS]
#       Loss recovery beside the kernel: for 0, 1 and 5 % loss (nftables drops that
#       share of the frames arriving at the client's dsl veth and at the server's up
#       veth), a plain TCP transfer of MIB MiB each way (default 32) between the
#       kernel client and the kernel server, (a) through testpmd io-forward (the
#       kernel's own TCP end to end) and (b) through hagd (two TCP connections,
#       hagd's TCP on the inside of both). Medians of RUNS (default 3); the ratio
#       hagd / kernel per direction. Writes bench/results/DATE-tcp-loss.json.
#   scripts/bench.sh --smoke   one run of 4 MiB at 1 % (for ./scripts/test.sh)
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
RUNS=${3:-3}
LOSSES=(0 1 5)
if [[ "$part" == --smoke ]]; then
	part=tcp-loss MIB=4 RUNS=1 LOSSES=(1)
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
BYTES=$((MIB * 1048576))
OUT=$(mktemp -d /tmp/hag-bench.XXXXXX)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; testpmd_down' EXIT

runs() {   # runs FILE ARGS...: RUNS transfers into FILE
	: >"$1"
	local f=$1; shift
	for _ in $(seq "$RUNS"); do transfer "$@" "$BYTES" >>"$f"; done
}

testpmd_up
for l in "${LOSSES[@]}"; do
	loss_on "$l"
	runs "$OUT/kernel.$l" 10.30.0.3 9001 9001
done
loss_on 0
testpmd_down

"$ROOT/scripts/testbed.sh" up >/dev/null
# shellcheck disable=SC1091
source "$ROOT/testbed.env"
for l in "${LOSSES[@]}"; do
	loss_on "$l"
	runs "$OUT/hagd.$l" "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT"
done
loss_on 0

mkdir -p "$ROOT/bench/results"
res=$ROOT/bench/results/$(date +%F)-tcp-loss.json
[[ "${MIB}" == 4 && "${RUNS}" == 1 ]] && res=$OUT/smoke.json
{
	printf '{"part": "tcp-loss", "mib_each_way": %s, "runs": %s, "date": "%s", "results": [' "$MIB" "$RUNS" "$(date -Is)"
	sep=""
	for l in "${LOSSES[@]}"; do
		ku=$(cut -d' ' -f1 "$OUT/kernel.$l" | median); kd=$(cut -d' ' -f2 "$OUT/kernel.$l" | median)
		hu=$(cut -d' ' -f1 "$OUT/hagd.$l" | median); hd=$(cut -d' ' -f2 "$OUT/hagd.$l" | median)
		printf '%s{"loss_pct": %s, "kernel_up_gbps": %s, "kernel_down_gbps": %s, "hagd_up_gbps": %s, "hagd_down_gbps": %s}' \
			"$sep" "$l" "$ku" "$kd" "$hu" "$hd"
		sep=", "
	done
	printf ']}\n'
} >"$res"
printf 'tcp-loss: %s MiB each way at once, plain TCP, median of %s (Gbit/s); hagd / kernel\n' "$MIB" "$RUNS"
printf '  %-6s %-16s %-16s %-12s\n' loss "kernel up/down" "hagd up/down" "ratio up/down"
$PY - "$res" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["results"]:
    ru = x["hagd_up_gbps"] / x["kernel_up_gbps"] if x["kernel_up_gbps"] else 0
    rd = x["hagd_down_gbps"] / x["kernel_down_gbps"] if x["kernel_down_gbps"] else 0
    print("  %-6s %-16s %-16s %-12s" % ("%d %%" % x["loss_pct"],
          "%.3f/%.3f" % (x["kernel_up_gbps"], x["kernel_down_gbps"]),
          "%.3f/%.3f" % (x["hagd_up_gbps"], x["hagd_down_gbps"]), "%.2f/%.2f" % (ru, rd)))
PYEOF
echo "results: $res"

#!/usr/bin/env bash
# hagd benchmarks. Parts so far (issue 5 adds engine, connection rate, memory, scaling):
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
#       MiB each way at once (default 64), medians of RUNS (default 3), through
#       (a) hagd (af_xdp, the normal testbed), (b) testpmd io-forward on the same
#       veths (the I/O ceiling, plain TCP client <-> server) and (c) a kernel
#       gateway: kernel MPTCP in hag-gw, Debian's haproxy relaying over TCP
#       (bench/haproxy-e2e.cfg under mptcpize, splice on). GSO/GRO/TSO off on
#       every veth so all three move MTU-sized segments. The MPTCP runs fail
#       unless the client's lte subflow joined. Ratios hagd / testpmd and
#       hagd / kernel gw. Writes bench/results/DATE-e2e.json.
#   scripts/bench.sh e2e --smoke   one run of 8 MiB, hagd and kernel gw only
#
# A benchmark: it reports numbers, it asserts none (a digest mismatch fails it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
part=${1:-tcp-loss}
MIB=${2:-32}
RUNS=${3:-3}
LOSSES=(0 1 5)
if [[ "$part" == --smoke ]]; then
	part=tcp-loss MIB=4 RUNS=1 LOSSES=(1)
fi
if [[ "$part" == e2e ]]; then
	exec "$ROOT/scripts/bench-e2e.sh" "${@:2}"
fi
[[ "$part" == tcp-loss ]] || { echo "usage: $0 tcp-loss [MIB] [RUNS] | --smoke" >&2; exit 2; }
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

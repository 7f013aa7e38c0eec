#!/usr/bin/env bash
# The machine's I/O ceiling beside hagd, measured the same way in one run:
#  1. dpdk-testpmd in io-forward mode between dsl-gw and up-gw (af_xdp), the
#     client and the server on one L2 subnet through it (10.30.0.2 <-> 10.30.0.3);
#  2. hagd on the same testbed (kernel MPTCP client -> hagd -> kernel server).
# Each moves MIB MiB each way at once with hagload (hashes checked) and is run
# RUNS times; medians and the ratio hagd / testpmd are printed.
#
#   scripts/ceiling.sh [MIB] [RUNS]      (defaults 256 and 3)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MIB=${1:-256}
RUNS=${2:-3}
BYTES=$((MIB * 1048576))
OUT=$(mktemp -d /tmp/hag-ceiling.XXXXXX)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"

cleanup() {
	testpmd_down
}
trap cleanup EXIT

testpmd_up
: >"$OUT/tpmd.txt"
for _ in $(seq "$RUNS"); do transfer 10.30.0.3 9001 9001 "$BYTES" >>"$OUT/tpmd.txt"; done
testpmd_down

"$ROOT/scripts/testbed.sh" up >/dev/null
# shellcheck disable=SC1091
source "$ROOT/testbed.env"
: >"$OUT/hagd.txt"
for _ in $(seq "$RUNS"); do transfer "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT" "$BYTES" --mptcp >>"$OUT/hagd.txt"; done

tu=$(cut -d' ' -f1 "$OUT/tpmd.txt" | median); td=$(cut -d' ' -f2 "$OUT/tpmd.txt" | median)
hu=$(cut -d' ' -f1 "$OUT/hagd.txt" | median); hd=$(cut -d' ' -f2 "$OUT/hagd.txt" | median)
printf '%s MiB each way at once, median of %s runs (Gbit/s):\n' "$MIB" "$RUNS"
printf '  %-44s up %6.3f  down %6.3f  sum %6.3f\n' "testpmd io-fwd, plain TCP (ceiling)" "$tu" "$td" "$(echo "$tu + $td" | bc -l)"
printf '  %-44s up %6.3f  down %6.3f  sum %6.3f\n' "hagd, MPTCP client -> TCP server" "$hu" "$hd" "$(echo "$hu + $hd" | bc -l)"
printf '  ratio hagd / ceiling: up %.2f  down %.2f  sum %.2f\n' "$(echo "$hu / $tu" | bc -l)" \
	"$(echo "$hd / $td" | bc -l)" "$(echo "($hu + $hd) / ($tu + $td)" | bc -l)"
echo "raw: $OUT"

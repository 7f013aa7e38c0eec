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
PY=/usr/bin/python3
LOAD="$PY $ROOT/tests/tools/hagload.py"
BYTES=$((MIB * 1048576))
OUT=$(mktemp -d /tmp/hag-ceiling.XXXXXX)
TPMD_PID=""

cleanup() {
	[[ -n "$TPMD_PID" ]] && kill "$TPMD_PID" 2>/dev/null && wait "$TPMD_PID" 2>/dev/null
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	rm -rf /var/run/dpdk/hag-ceiling
}
trap cleanup EXIT

# One transfer: prints "up_gbps down_gbps" or fails when a digest differs.
transfer() {   # transfer ADDR CLIENT_PORT SERVER_PORT [--mptcp]
	local addr=$1 port=$2 sport=$3 mp=${4:-} srv
	ip netns exec hag-server timeout 120 $LOAD server --port "$sport" --bytes "$BYTES" >"$OUT/srv.json" 2>"$OUT/srv.err" &
	srv=$!
	sleep 0.5
	ip netns exec hag-client timeout 120 $LOAD client --addr "$addr" --port "$port" --bytes "$BYTES" $mp \
		>"$OUT/cli.json" 2>"$OUT/cli.err" || { cat "$OUT/cli.err" >&2; return 1; }
	wait "$srv" || { cat "$OUT/srv.err" >&2; return 1; }
	$PY - "$OUT/cli.json" "$OUT/srv.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
s = json.loads([l for l in open(sys.argv[2]) if l.startswith('{')][-1])
assert c["tx_sha256"] == s["rx_sha256"] and c["rx_sha256"] == s["tx_sha256"], "digest mismatch"
print("%.3f %.3f" % (c["tx_bytes"] * 8 / s["rx_secs"] / 1e9, c["rx_bytes"] * 8 / c["rx_secs"] / 1e9))
PYEOF
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
"$ROOT/scripts/testbed.sh" up --no-hagd >/dev/null
# One L2 subnet across the forwarder.
ip netns exec hag-client ip addr add 10.30.0.2/24 dev dsl
ip netns exec hag-server ip addr add 10.30.0.3/24 dev up
sleep 100000 | ip netns exec hag-gw dpdk-testpmd --no-huge --no-pci -m 1024 --no-shconf \
	--file-prefix hag-ceiling -l 0,1 --log-level '*:notice' \
	--vdev net_af_xdp0,iface=dsl-gw --vdev net_af_xdp1,iface=up-gw -- \
	--forward-mode=io --nb-cores=1 --auto-start >"$OUT/testpmd.log" 2>&1 &
TPMD_PID=$(pgrep -n -f 'dpdk-testpmd.*hag-ceiling' || true)
for _ in $(seq 50); do
	ip netns exec hag-client $LOAD ping --iface dsl 10.30.0.3 >/dev/null 2>&1 && break
	sleep 0.2
done
: >"$OUT/tpmd.txt"
for _ in $(seq "$RUNS"); do transfer 10.30.0.3 9001 9001 >>"$OUT/tpmd.txt"; done
kill "$TPMD_PID" 2>/dev/null; pkill -f 'sleep 100000' 2>/dev/null || true
wait 2>/dev/null || true
TPMD_PID=""
"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1

"$ROOT/scripts/testbed.sh" up >/dev/null
# shellcheck disable=SC1091
source "$ROOT/testbed.env"
: >"$OUT/hagd.txt"
for _ in $(seq "$RUNS"); do transfer "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT" --mptcp >>"$OUT/hagd.txt"; done

tu=$(cut -d' ' -f1 "$OUT/tpmd.txt" | median); td=$(cut -d' ' -f2 "$OUT/tpmd.txt" | median)
hu=$(cut -d' ' -f1 "$OUT/hagd.txt" | median); hd=$(cut -d' ' -f2 "$OUT/hagd.txt" | median)
printf '%s MiB each way at once, median of %s runs (Gbit/s):\n' "$MIB" "$RUNS"
printf '  %-44s up %6.3f  down %6.3f  sum %6.3f\n' "testpmd io-fwd, plain TCP (ceiling)" "$tu" "$td" "$(echo "$tu + $td" | bc -l)"
printf '  %-44s up %6.3f  down %6.3f  sum %6.3f\n' "hagd, MPTCP client -> TCP server" "$hu" "$hd" "$(echo "$hu + $hd" | bc -l)"
printf '  ratio hagd / ceiling: up %.2f  down %.2f  sum %.2f\n' "$(echo "$hu / $tu" | bc -l)" \
	"$(echo "$hd / $td" | bc -l)" "$(echo "($hu + $hd) / ($tu + $td)" | bc -l)"
echo "raw: $OUT"

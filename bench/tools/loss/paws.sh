#!/usr/bin/env bash
# paws.sh OUT MIB: kernel CUBIC through hag-linkem at 25+-5 ms, nstat on both ends and
# hag-linkem's veth counters (rx dropped: frames its rx ring had no room for)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
RES=$1 MIB=$2
mkdir -p "$RES"
OUT=$(mktemp -d /tmp/hag-e-paws.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'linkem_down' EXIT
$PY - "$ROOT/conf/testbed.json" "$RES/conf.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
for p in c["ports"]:
    if p["name"] in ("dsl", "upstream"):
        p["impair"] = {"seed": 1 if p["name"] == "dsl" else 2, "delay_ms": 25, "jitter_ms": 5, "direction": "tx"}
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
linkem_up "$RES/conf.json" "$OUT/linkem.json"
LOAD="$PY $ROOT/tests/tools/cc_wrap.py cubic $ROOT/tests/tools/hagload.py"
for ns in hag-client hag-server; do ip netns exec $ns nstat -az >"$RES/$ns.n0"; done
ip netns exec hag-gw ip -s link >"$RES/gw.link0"
transfer 10.30.0.3 9001 9001 $((MIB * 1048576)) >>"$RES/txt" 2>>"$RES/err" || echo fail >>"$RES/txt"
for ns in hag-client hag-server; do ip netns exec $ns nstat -az >"$RES/$ns.n1"; done
ip netns exec hag-gw ip -s link >"$RES/gw.link1"

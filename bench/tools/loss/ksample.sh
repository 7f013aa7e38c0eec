#!/usr/bin/env bash
# ksample.sh OUT LOSS MIB: kernel CUBIC transfer through testpmd, ss -tin sampled every 0.25 s (6 times)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
RES=$1 LOSS=$2 MIB=$3
mkdir -p "$RES"
OUT=$(mktemp -d /tmp/hag-e-ks.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; testpmd_down' EXIT
testpmd_up
LOAD="$PY $ROOT/tests/tools/cc_wrap.py cubic $ROOT/tests/tools/hagload.py"
loss_on "$LOSS"
( for i in $(seq 6); do sleep 0.25; ip netns exec hag-server ss -tin state established dst 10.30.0.2 | tr '\n' ' '; echo; ip netns exec hag-client ss -tin state established dst 10.30.0.3 | tr '\n' ' '; echo;  done ) >"$RES/ss.txt" &
S=$!
transfer 10.30.0.3 9001 9001 $((MIB*1048576)) | tee -a "$RES/txt"
kill $S 2>/dev/null || true; wait $S 2>/dev/null || true

#!/usr/bin/env bash
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
RES=$1; mkdir -p "$RES"
OUT=$(mktemp -d /tmp/hag-e-kss.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; testpmd_down' EXIT
testpmd_up
loss_on 5
( for i in $(seq 12); do sleep 0.15; ip netns exec hag-server ss -tin state established >>"$RES/ss-server.txt"; ip netns exec hag-client ss -tin state established >>"$RES/ss-client.txt"; done ) &
transfer 10.30.0.3 9001 9001 $((32*1048576)) >>"$RES/txt"
wait

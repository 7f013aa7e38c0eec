#!/usr/bin/env bash
# sample.sh BUILD OUT LOSS MIB: one transfer through hagd, hagctl conns sampled every 0.25 s (6 times)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=$1 RES=$2 LOSS=$3 MIB=$4
mkdir -p "$RES"
OUT=$(mktemp -d /tmp/hag-e-s.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; HAGD_BUILD=$BUILD "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true' EXIT
HAGD_BUILD=$BUILD "$ROOT/scripts/testbed.sh" up >/dev/null
. "$ROOT/testbed.env"
loss_on "$LOSS"
$HAGCTL >"$RES/stats0"
( for i in $(seq 6); do sleep 0.25; ${HAGCTL% stats} conns 2>/dev/null | tr -d '\n'; echo; done ) >"$RES/conns.jsonl" &
S=$!
transfer "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT" $((MIB*1048576)) | tee -a "$RES/txt"
kill $S 2>/dev/null || true; wait $S 2>/dev/null || true
$HAGCTL >"$RES/stats1"

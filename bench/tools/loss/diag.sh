#!/usr/bin/env bash
# diag.sh BUILD OUTDIR LOSS MIB RUNS: transfers with tcpdump on client dsl and server up
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=$1 RES=$2 LOSS=$3 MIB=$4 RUNS=$5
mkdir -p "$RES"
OUT=$(mktemp -d /tmp/hag-e-diag.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; kill $T1 $T2 2>/dev/null; HAGD_BUILD=$BUILD "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true' EXIT
HAGD_BUILD=$BUILD "$ROOT/scripts/testbed.sh" up >/dev/null
. "$ROOT/testbed.env"
loss_on "$LOSS"
ip netns exec hag-client tcpdump -i dsl -s 96 -w "$RES/dsl.pcap" tcp 2>/dev/null & T1=$!
ip netns exec hag-server tcpdump -i up -s 96 -w "$RES/up.pcap" tcp 2>/dev/null & T2=$!
sleep 1
$HAGCTL >"$RES/stats0"
for _ in $(seq "$RUNS"); do transfer "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT" $((MIB*1048576)) >>"$RES/txt"; done
$HAGCTL >"$RES/stats1"
sleep 0.5
kill $T1 $T2; wait $T1 $T2 2>/dev/null || true

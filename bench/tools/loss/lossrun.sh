#!/usr/bin/env bash
# lossrun.sh OUTDIR MIB RUNS "LOSSES" SIDE...   SIDE: kernel | hagd:NAME:BUILDDIR
# Run under: flock /tmp/hagd-e2e.lock
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
RES=$1 MIB=$2 RUNS=$3 LOSSES=($4); shift 4
mkdir -p "$RES"
BYTES=$((MIB * 1048576))
OUT=$(mktemp -d /tmp/hag-e-loss.XXXXXX)
. "$ROOT/scripts/bench-lib.sh"
trap 'loss_on 0 2>/dev/null; testpmd_down' EXIT
for side in "$@"; do
	if [[ $side == kernel || $side == kernel-cubic ]]; then
		testpmd_up
		LOAD0=$LOAD
		# The host's default (bbr, inherited by the namespaces; their sysctl is read-only here),
		# or cubic set on every socket of hagload (TCP_CONGESTION).
		[[ $side == kernel-cubic ]] && LOAD="$PY $ROOT/tests/tools/cc_wrap.py cubic $ROOT/tests/tools/hagload.py"
		for ns in hag-client hag-server; do
			if [[ $side == kernel-cubic ]]; then echo cubic; else ip netns exec $ns sysctl -n net.ipv4.tcp_congestion_control; fi >"$RES/$side.$ns.cc"
		done
		for l in "${LOSSES[@]}"; do
			loss_on "$l"
			for ns in hag-client hag-server; do ip netns exec $ns nstat -az >"$RES/$side.$l.$ns.nstat0" 2>/dev/null || true; done
			for _ in $(seq "$RUNS"); do transfer 10.30.0.3 9001 9001 "$BYTES" >>"$RES/$side.$l.txt"; done
			for ns in hag-client hag-server; do ip netns exec $ns nstat -az >"$RES/$side.$l.$ns.nstat1" 2>/dev/null || true; done
		done
		loss_on 0
		LOAD=$LOAD0
		testpmd_down
	else
		IFS=: read -r _ name build <<<"$side"
		HAGD_BUILD=$build "$ROOT/scripts/testbed.sh" up >/dev/null
		. "$ROOT/testbed.env"
		for l in "${LOSSES[@]}"; do
			loss_on "$l"
			$HAGCTL >"$RES/$name.$l.stats0"
			for _ in $(seq "$RUNS"); do transfer "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT" "$HAG_UPSTREAM_PORT" "$BYTES" >>"$RES/$name.$l.txt"; done
			$HAGCTL >"$RES/$name.$l.stats1"
		done
		loss_on 0
		HAGD_BUILD=$build "$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	fi
done

#!/usr/bin/env bash
# The benchmark harness must not rot: scripts/bench.sh runs its parts in smoke
# mode (seconds) and each writes its result file with a figure for every side
# it measured (engine, cps and memory: hagd alone in memory, over memif; kcps:
# the kernel gateway and hagd on af_packet, the same load). No
# figure is judged: speed is for docs/performance.md and docs/benchmarks.md, not CI.
# bench.sh builds its own testbeds (testpmd, kernel gateway), so this test
# runs last and leaves the testbed down.
. "$(dirname "$0")/lib.sh"
e2e_begin

"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1   # bench.sh brings up what it needs

# smoke NAME ARGS...: run bench.sh ARGS (bounded); $WORK/NAME.log, result path in RESULT.
smoke() {
	local name=$1; shift
	RESULT=""
	if timeout -k 5 120 "$ROOT/scripts/bench.sh" "$@" >"$WORK/$name.log" 2>&1; then
		diag "harness: bench.sh $* ran"
		RESULT=$(awk '/^results: / { print $2 }' "$WORK/$name.log" | tail -n 1)
	else
		not_ok "harness: bench.sh $* ran"
		diag "$(tail -n 15 "$WORK/$name.log")"
	fi
}

# figures FILE PYEXPR: the Python expression over the result JSON `r` is true.
figures() {
	[[ -n "$1" && -s "$1" ]] && $PY - "$1" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2], {"r": r}) else 1)
PYEOF
}

smoke tcp-loss --smoke
check "tcp-loss smoke: hagd, kernel (host default, named) and kernel CUBIC figures, the +5 ms point with its download ratio only, in $RESULT" \
	figures "$RESULT" 'r["kernel_cc"] and all(x[s + d] > 0 for x in r["results"] for s in ("kernel", "kernel_cubic", "hagd", "hagd_cubic_ends") for d in ("_up_gbps", "_down_gbps")) and any(x["model"] == "rtt5" and x["hagd_per_kernel_cubic_down"] and x["hagd_per_kernel_cubic_up"] is None for x in r["results"])'
smoke e2e e2e --smoke
check "e2e smoke: hagd and kernel gateway figures, both with the lte join, in $RESULT" \
	figures "$RESULT" 'all(r["results"][s]["up_gbps"] > 0 and r["results"][s]["down_gbps"] > 0 and r["results"][s]["client_mp_joins"] > 0 for s in ("hagd", "kgw"))'
smoke engine engine --smoke
check "engine smoke: cycles per segment, Mpps and Gbit/s for each case in $RESULT" \
	figures "$RESULT" 'len(r["results"]) == 8 and all(x["cycles_per_seg"] > 0 and x["mpps"] > 0 and x["gbps"] > 0 for x in r["results"])'
# hagperf --takeover (1 connection in 10 in each MPTCP case): its first subflow
# is reset once the join is up. hagperf follows the joined subflow (it ran to
# the end: bench.sh fails when hagperf dies) and so does hagd, no connection lost.
check "engine smoke: MPTCP takeovers in hagperf and in hagd, hagperf alive to the end, no client failed, in $RESULT" \
	figures "$RESULT" 'all(y["perf_takeovers"] >= 1 and y["hagd_takeovers"] >= 1 and y["perf_failed"] == 0 for x in r["results"] if x["proto"] == "mptcp" for y in x["raw"]) and any(x["proto"] == "mptcp" for x in r["results"])'
smoke cps cps --smoke
check "cps smoke: lifecycles per second and cycles each, MPTCP with joins and TCP, no failure, in $RESULT" \
	figures "$RESULT" 'len(r["results"]) == 2 and all(x["lifecycles_per_s"] > 0 and x["cycles_per_lifecycle"] > 0 and all(y["upstream_failures"] == 0 and y["client_resets"] == 0 for y in x["raw"]) for x in r["results"]) and all(y["joins"] > 0 for y in r["results"][0]["raw"])'
smoke memory memory --smoke
check "memory smoke: every idle MPTCP connection relayed with its 2 subflows, bytes per connection in $RESULT" \
	figures "$RESULT" 'all(x["relay_active"] == x["conns"] and x["mptcp_conns"] == x["conns"] and x["tcp_conns"] == 3 * x["conns"] and x["bytes_per_conn"] > 0 for x in r["results"])'
smoke kcps kcps --smoke
check "kcps smoke: the kernel gateway and hagd, MPTCP (every lifecycle with its join) and TCP, lifecycles per core-second, none failed, in $RESULT" \
	figures "$RESULT" 'len(r["results"]) == 4 and all(x["per_s"] > 0 and x["per_core_s"] > 0 and x["failed"] == 0 for x in r["results"]) and all(y["joins"] + 64 >= y["lifecycles"] > 0 for x in r["results"] if x["proto"] == "mptcp" for y in x["raw"])'
diag "$(grep -A8 -E '^(tcp-loss|e2e|engine|cps|memory|kcps):' "$WORK"/*.log 2>/dev/null | sed 's/^[^:]*log[-:]//')"
e2e_end

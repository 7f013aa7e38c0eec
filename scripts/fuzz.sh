#!/usr/bin/env bash
# Run one libFuzzer target of tests/fuzz for a while (docs/security.md, "Fuzzing").
#
#   scripts/fuzz.sh TARGET SECONDS [options]    TARGET: tcp_options mptcp_options packet config
#   scripts/fuzz.sh TARGET --seed               only (re)seed: captures -> corpus (no fuzzing)
#   scripts/fuzz.sh TARGET --minimize           only shrink tests/fuzz/corpus/TARGET to a minimal set
#
# Configures a clang build (ASan + UBSan, libFuzzer coverage: meson -Dfuzz=true)
# in build-fuzz/ (HAG_FUZZ_BUILD), builds fuzz_TARGET and runs it for SECONDS
# on tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET. Inputs that
# add coverage go to a scratch directory, not the repository, unless --save:
# then they are merged (libFuzzer -merge=1: only what adds coverage) into the
# corpus. A crash stops the run; the input is kept in tests/fuzz/crashes/ for
# triage (minimise it with -minimize_crash, then make it a regression:
# tests/fuzz/regressions/TARGET/). Ends with the executions, the rate, the
# coverage and the crashes found.
#
# Options:
#   --save           merge new inputs into tests/fuzz/corpus/TARGET
#   --seed           first merge seeds made from the captures (tests/fuzz/make_corpus.py)
#   --minimize       shrink the corpus (merge into an empty directory) and stop
#   --out DIR        put the new inputs in DIR (kept) instead of a scratch directory
#   --keep-going     do not stop at a crash (libFuzzer -fork=1 -ignore_crashes=1): for long runs
#   --no-build       use build-fuzz as it is
#   -- ARGS          passed to the fuzzer (e.g. -- -jobs=2 -dict=...)
#
# Environment: HAG_FUZZ_BUILD (build directory, default build-fuzz).
#
# Replaying the corpora (no clang needed): meson test -C build --suite fuzz,
# or build/tests/fuzz/replay_TARGET DIR|FILE...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGETS=(tcp_options mptcp_options packet config)
BUILD=${HAG_FUZZ_BUILD:-$ROOT/build-fuzz}
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

(($#)) || usage
case $1 in -h | --help) usage 0 ;; esac
target=$1
shift
[[ " ${TARGETS[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target $target (${TARGETS[*]})" >&2; exit 2; }
seconds=0
if (($#)) && [[ $1 =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
save=0 seed=0 minimize=0 build=1 keep=0 out= extra=()
while (($#)); do
	case $1 in
	--save) save=1 ;;
	--seed) seed=1 ;;
	--minimize) minimize=1 ;;
	--no-build) build=0 ;;
	--keep-going) keep=1 ;;
	--out) [[ $# -ge 2 ]] || { echo "fuzz.sh: --out needs a directory" >&2; exit 2; }
		out=$2; shift ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) usage 0 ;;
	*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
((seconds > 0 || seed || minimize)) || { echo "fuzz.sh: SECONDS (> 0), --seed or --minimize" >&2; exit 2; }

CORPUS=$ROOT/tests/fuzz/corpus/$target
REGRESS=$ROOT/tests/fuzz/regressions/$target
CRASHES=$ROOT/tests/fuzz/crashes
mkdir -p "$CORPUS" "$REGRESS" "$CRASHES"

if ((build)); then
	command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (scripts/deps.sh installs it)" >&2; exit 1; }
	opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized)
	if [[ -f "$BUILD/build.ninja" ]]; then
		meson configure "$BUILD" "${opts[@]}" >/dev/null
	else
		CC=clang meson setup "$BUILD" "${opts[@]}" >"$BUILD.setup.log" 2>&1 ||
			{ tail -n 30 "$BUILD.setup.log"; echo "fuzz.sh: meson setup failed" >&2; exit 1; }
		rm -f "$BUILD.setup.log"
	fi
	grep -q "fuzz_$target" "$BUILD/build.ninja" ||
		{ echo "fuzz.sh: $BUILD is not a clang -Dfuzz=true build (remove it, or set HAG_FUZZ_BUILD)" >&2; exit 1; }
	ninja -C "$BUILD" "tests/fuzz/fuzz_$target" >/dev/null ||
		{ ninja -C "$BUILD" "tests/fuzz/fuzz_$target" | tail -n 30; exit 1; }
fi
BIN=$BUILD/tests/fuzz/fuzz_$target
[[ -x "$BIN" ]] || { echo "fuzz.sh: no $BIN" >&2; exit 1; }

# A sanitizer report, UB included, is a crash; leaks too (per input).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:report_error_type=1}
# Third-party leaks, each explained there.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0}

fuzz_args=(-timeout=20 -rss_limit_mb=4096 -print_final_stats=1)
case $target in
packet | config) fuzz_args+=(-max_len=65536) ;;
*) fuzz_args+=(-max_len=64) ;;
esac
[[ -f "$ROOT/tests/fuzz/$target.dict" ]] && fuzz_args+=("-dict=$ROOT/tests/fuzz/$target.dict")

SCRATCH=$(mktemp -d "/tmp/hag-fuzz-$target.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

if ((seed)); then
	/usr/bin/python3 "$ROOT/tests/fuzz/make_corpus.py" "$SCRATCH/seeds" >/dev/null
	"$BIN" -merge=1 "${fuzz_args[@]}" "$CORPUS" "$SCRATCH/seeds/$target" >"$SCRATCH/merge.log" 2>&1 ||
		{ tail -n 30 "$SCRATCH/merge.log"; exit 1; }
	echo "seeded: $(ls "$CORPUS" | wc -l) inputs in ${CORPUS#$ROOT/} ($(du -sk "$CORPUS" | cut -f1) KiB)"
fi
if ((minimize)); then
	mkdir "$SCRATCH/min"
	"$BIN" -merge=1 "${fuzz_args[@]}" "$SCRATCH/min" "$CORPUS" >"$SCRATCH/merge.log" 2>&1 ||
		{ tail -n 30 "$SCRATCH/merge.log"; exit 1; }
	before=$(ls "$CORPUS" | wc -l)
	find "$CORPUS" -maxdepth 1 -type f ! -name '.*' -delete
	cp "$SCRATCH/min"/* "$CORPUS"/ 2>/dev/null || true
	echo "minimized: $before -> $(ls "$CORPUS" | wc -l) inputs ($(du -sk "$CORPUS" | cut -f1) KiB)"
fi
((seconds > 0)) || exit 0

NEW=$SCRATCH/new
if [[ -n "$out" ]]; then
	mkdir -p "$out"
	NEW=$(cd "$out" && pwd)
else
	mkdir "$NEW"
fi
LOG=$SCRATCH/fuzz.log
touch "$SCRATCH/started"
echo "fuzzing $target for $seconds s: $(ls "$CORPUS" | wc -l) corpus inputs, $(ls "$REGRESS" | wc -l) regressions"
((keep)) && extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 "${extra[@]}")
set +e
t0=$SECONDS
"$BIN" "${fuzz_args[@]}" -max_total_time="$seconds" -artifact_prefix="$CRASHES/$target-" \
	"${extra[@]}" "$NEW" "$CORPUS" "$REGRESS" >"$LOG" 2>&1
rc=$?
took=$((SECONDS - t0))
set -e

# libFuzzer's status lines: "#N  REASON cov: C ft: F corp: U/S ... exec/s: R",
# with --keep-going "#N: cov: C ft: F corp: U exec/s R oom/timeout/crash: ...".
last=$(grep -E '^#[0-9]+' "$LOG" | tail -n 1)
if ((keep)); then
	execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
	rate=$((execs / (took > 0 ? took : 1)))
else
	execs=$(grep -E '^stat::number_of_executed_units' "$LOG" | awk '{print $2}')
	rate=$(grep -E '^stat::average_exec_per_sec' "$LOG" | awk '{print $2}')
fi
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\(\/[0-9a-zA-Z]*\)\{0,1\}\).*/\1/p' <<<"$last")
new=$(ls "$NEW" | wc -l)
# This target's only: another target's run may write into the same directory meanwhile.
found=$(find "$CRASHES" -maxdepth 1 -type f -newer "$SCRATCH/started" -name "$target-*" ! -name '*.log' | sort)
crashes=$(grep -c . <<<"$found" || true)
echo "target $target: ${execs:-?} executions in $took s (${rate:-?}/s), coverage ${cov:-?} edges, ${ft:-?} features," \
	"corpus ${corp:-?}, $new new inputs, $crashes crashes"
if ((rc != 0 || crashes > 0)); then
	grep -E '^(==[0-9]+==|SUMMARY|fuzz_|.*runtime error|    #[0-9]+ )' "$LOG" | head -n 40
	echo "crash input(s):"
	sed "s|^$ROOT/|  |" <<<"$found"
	cp "$LOG" "$CRASHES/$target-$(date +%Y%m%d-%H%M%S).log"
	echo "log: ${CRASHES#$ROOT/}/$target-*.log"
fi
if ((save && new > 0)); then
	"$BIN" -merge=1 "${fuzz_args[@]}" "$CORPUS" "$NEW" >"$SCRATCH/merge.log" 2>&1 ||
		{ tail -n 30 "$SCRATCH/merge.log"; exit 1; }
	echo "saved: ${CORPUS#$ROOT/} now $(ls "$CORPUS" | wc -l) inputs ($(du -sk "$CORPUS" | cut -f1) KiB)"
fi
exit "$rc"

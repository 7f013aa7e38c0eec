# shellcheck shell=bash
# Shared helpers of hagd's end-to-end tests. A test sources this file, calls
# e2e_begin, makes its checks with ok/not_ok/check_* and ends with e2e_end.
#
# Output is TAP: "ok N - name" / "not ok N - name", "# ..." diagnostics, the
# plan "1..N" at the end, and a last line "# NAME: P passed, F failed".
#
# The testbed: if testbed.env exists and its hagd is alive, the test uses it;
# otherwise it brings the testbed up itself and takes it down at exit.
#
# Counters are read through one function, ctr_get, with the key names of
# `hagctl stats` ("mptcp.PlainSYNRX"); CTR_ALIAS maps a test's name to
# hagd's when hagd's differs, so a rename is a one-line fix here.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
PY=/usr/bin/python3
HAGLOAD="$PY $ROOT/tests/tools/hagload.py"
CRAFT="$PY $ROOT/tests/tools/craft.py"
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

# test name -> hagd's name, for counters hagd spells differently.
declare -A CTR_ALIAS=(
	# [mptcp.PlainSYNRX]=mptcp.MPCapableFallbackSYN
)

_n=0 _pass=0 _fail=0 _skip=0 _todo=0
_pids=()
_own_testbed=0
WORK=""

# --- TAP ------------------------------------------------------------------
ok() { _n=$((_n + 1)); _pass=$((_pass + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }
# skip NAME REASON: TAP skip, counted neither passed nor failed.
skip() { _n=$((_n + 1)); _skip=$((_skip + 1)); echo "ok $_n - $1 # SKIP $2"; }
# todo NAME REASON: a known gap of hagd (TAP TODO): shown, not counted as failed.
todo() { _n=$((_n + 1)); _todo=$((_todo + 1)); echo "not ok $_n - $1 # TODO $2"; }
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }
# harness_step NAME COMMAND...: a step of the test's own machinery (a tool
# ran, a server started, a fault was injected), which says nothing about hagd:
# a diagnostic when the command succeeds, a failed check when it does not (a
# test whose harness did not do its part has tested nothing). Returns the
# command's status.
harness_step() {
	local name=$1 rc; shift
	"$@" && rc=0 || rc=$?
	if ((rc == 0)); then diag "harness: $name"; else not_ok "harness: $name"; fi
	return "$rc"
}
# check NAME COMMAND...: ok when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# check_eq NAME GOT WANT
check_eq() {
	if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1"; diag "  got '$2', want '$3'"; fi
}
# check_gt NAME A B: A > B (integers; empty = missing)
check_gt() {
	if [[ "$2" =~ ^-?[0-9]+$ && "$3" =~ ^-?[0-9]+$ ]] && (($2 > $3)); then ok "$1"
	else not_ok "$1"; diag "  got '$2', want > '$3'"; fi
}

# --- processes --------------------------------------------------------------
# bg_ns NS OUTFILE CMD...: start CMD in namespace NS in the background, stdout
# to OUTFILE, stderr to OUTFILE.err; its pid is in BG_PID and killed at exit.
bg_ns() {
	local ns=$1 out=$2; shift 2
	ip netns exec "$ns" "$@" >"$out" 2>"$out.err" </dev/null &
	BG_PID=$!
	_pids+=("$BG_PID")
}

# wait_pid PID SECS: wait (bounded) for a background pid; returns its status,
# or 124 after killing it when it outlives SECS.
wait_pid() {
	local pid=$1 secs=$2 i rc
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		sleep 0.5
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null && rc=0 || rc=$?
	return "$rc"
}

kill_own() {
	local p alive=()
	for p in "${_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
	((${#alive[@]})) || return 0
	kill -TERM "${alive[@]}" 2>/dev/null
	local i
	for ((i = 0; i < 30; i++)); do
		local still=()
		for p in "${alive[@]}"; do kill -0 "$p" 2>/dev/null && still+=("$p"); done
		((${#still[@]})) || break
		sleep 0.1
	done
	kill -KILL "${alive[@]}" 2>/dev/null
	for p in "${alive[@]}"; do wait "$p" 2>/dev/null; done
	return 0
}

# server_start OUT ARGS...: hagload server in hag-server on the upstream port,
# waits (5 s at most) until it listens. Pid in SERVER_PID.
server_start() {
	local out=$1; shift
	rm -f "$out.ready"
	bg_ns "$HAG_SERVER_NS" "$out" $HAGLOAD server --port "$HAG_UPSTREAM_PORT" \
		--ready-file "$out.ready" "$@"
	SERVER_PID=$BG_PID
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s "$out.ready" ]] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "server did not start: $(cat "$out" "$out.err" 2>/dev/null | head -c 600)"
	return 1
}

# client_run OUT SECS ARGS...: hagload client in hag-client toward the service
# address, bounded by SECS; returns its exit status (124 on timeout).
client_run() {
	local out=$1 secs=$2; shift 2
	timeout -k 2 "$secs" ip netns exec "$HAG_CLIENT_NS" $HAGLOAD client \
		--addr "$HAG_SERVICE_ADDR" --port "$HAG_SERVICE_PORT" "$@" >"$out" 2>"$out.err"
}

# path_dark IFACE: the client's IFACE path goes dark both ways (nftables netdev
# hooks drop everything); path_light brings every dark path back.
path_dark() {
	ip netns exec "$HAG_CLIENT_NS" nft -f - <<NFT
table netdev hag_dark {
	chain ig_$1 {
		type filter hook ingress device "$1" priority 0; policy drop;
	}
	chain eg_$1 {
		type filter hook egress device "$1" priority 0; policy drop;
	}
}
NFT
}
path_light() { ip netns exec "$HAG_CLIENT_NS" nft delete table netdev hag_dark 2>/dev/null; }

# client_start OUT SECS ARGS...: client_run in the background (its pid in
# BG_PID), for a test that acts while the transfer runs; wait_pid collects it.
client_start() {
	local out=$1 secs=$2; shift 2
	bg_ns "$HAG_CLIENT_NS" "$out" timeout -k 2 "$secs" $HAGLOAD client \
		--addr "$HAG_SERVICE_ADDR" --port "$HAG_SERVICE_PORT" "$@"
}

# --- JSON -------------------------------------------------------------------
# jget FILE KEY [LINE]: a (dotted) key of the JSON object on LINE (default: the
# first line that parses) of FILE; prints nothing when absent.
jget() {
	$PY - "$@" <<'EOF'
import json, sys
path, key = sys.argv[1], sys.argv[2]
line = int(sys.argv[3]) if len(sys.argv) > 3 else None
objs = []
try:
    for l in open(path):
        l = l.strip()
        if not l:
            continue
        try:
            objs.append(json.loads(l))
        except ValueError:
            pass
except OSError:
    sys.exit(0)
if not objs:
    try:
        objs = [json.load(open(path))]
    except (OSError, ValueError):
        sys.exit(0)
o = objs[line] if line is not None and line < len(objs) else objs[0]
for p in key.split("."):
    o = o.get(p) if isinstance(o, dict) else None
if o is None:
    sys.exit(0)
print(json.dumps(o) if isinstance(o, (dict, list, bool)) else o)
EOF
}

# --- hagd counters ------------------------------------------------------------
# stats_snap FILE: hagctl stats into FILE; non-zero if hagctl fails.
stats_snap() { $HAGCTL >"$1" 2>"$1.err"; }

# ctr_get FILE KEY: one counter from a snapshot ("" when missing).
ctr_get() {
	local key=${CTR_ALIAS[$2]:-$2}
	jget "$1" "$key"
}

# ctr_delta BEFORE AFTER KEY: AFTER - BEFORE ("" when missing in either).
ctr_delta() {
	local a b
	a=$(ctr_get "$1" "$3") b=$(ctr_get "$2" "$3")
	[[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] && echo $((b - a))
}

# check_moved BEFORE AFTER KEY [MIN]: the counter grew by at least MIN (1).
check_moved() {
	local d; d=$(ctr_delta "$1" "$2" "$3")
	local min=${4:-1}
	if [[ -n "$d" ]] && ((d >= min)); then ok "hagd $3 moved (+$d)"
	elif [[ -z "$d" ]]; then not_ok "hagd $3 moved"; diag "  counter $3 missing from hagctl stats"
	else not_ok "hagd $3 moved"; diag "  delta $d, want >= $min"; fi
}

# check_still BEFORE AFTER KEY: the counter did not move.
check_still() {
	local d; d=$(ctr_delta "$1" "$2" "$3")
	if [[ "$d" == 0 ]]; then ok "hagd $3 unchanged"
	elif [[ -z "$d" ]]; then not_ok "hagd $3 unchanged"; diag "  counter $3 missing from hagctl stats"
	else not_ok "hagd $3 unchanged"; diag "  delta $d, want 0"; fi
}

# --- client kernel counters (nstat) -----------------------------------------
nstat_snap() { ip netns exec "$HAG_CLIENT_NS" nstat -asz >"$1" 2>/dev/null; }
nstat_get() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
nstat_delta() {
	local a b
	a=$(nstat_get "$1" "$3") b=$(nstat_get "$2" "$3")
	[[ -n "$a" && -n "$b" ]] && echo $((b - a))
}

# --- hagd health ---------------------------------------------------------------
hagd_alive() { [[ -n "${HAGD_PID:-}" ]] && kill -0 "$HAGD_PID" 2>/dev/null; }

check_hagd_alive() {
	if hagd_alive; then ok "hagd still running"
	else
		not_ok "hagd still running"
		diag "hagd (pid ${HAGD_PID:-?}) is gone; last log lines:"
		diag "$(tail -n 20 "$HAGD_LOG" 2>/dev/null)"
	fi
}

# mempool_in_use: current mempool.in_use ("" if hagd does not report it).
mempool_in_use() {
	local f=$WORK/mempool.json
	stats_snap "$f" && ctr_get "$f" mempool.in_use
}

# mempool_slack: what hagd may still hold with no connection left, in mbufs:
# the frames of each TX queue's last burst (HAG_BURST, 32), which the af_xdp
# PMD frees only when that queue transmits again (it reaps the kernel's
# completions before each send; with the testbed idle nothing is sent). 32 per
# port and worker: 96 on the testbed's 3 ports and 1 worker. The baseline holds
# such a remainder too, so in_use may also end below it. Measured: -30 to +26
# over 25 checks (docs/testbed.md, "Tests"). HAG_MEMPOOL_SLACK overrides.
mempool_slack() {
	if [[ -n "${HAG_MEMPOOL_SLACK:-}" ]]; then echo "$HAG_MEMPOOL_SLACK"; return; fi
	$PY - "$WORK/mempool.json" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    d = {}
ports = len(d.get("ports") or {}) or 3
workers = (d.get("steer") or {}).get("Workers") or 1
print(32 * ports * workers)
PYEOF
}

# check_mempool BASELINE: in_use returns to BASELINE (+ mempool_slack) within
# ~10 s, once connections have closed and TIME_WAIT has ended.
check_mempool() {
	local base=$1 slack now="" i
	if [[ "${HAGD_VDEV:-}" == kernel ]]; then
		skip "mempool in_use back to baseline" "kernel gateway has no mempool"
		return
	fi
	if [[ -z "$base" ]]; then
		not_ok "mempool in_use back to baseline"; diag "  mempool.in_use missing from hagctl stats"
		return
	fi
	stats_snap "$WORK/mempool.json"
	slack=$(mempool_slack)
	for ((i = 0; i < 40; i++)); do
		now=$(mempool_in_use)
		[[ -n "$now" ]] && ((now <= base + slack)) && break
		sleep 0.25
	done
	if [[ -n "$now" ]] && ((now <= base + slack)); then
		ok "mempool in_use back to baseline ($now, baseline $base, +$((now - base)) of $slack slack)"
	else
		not_ok "mempool in_use back to baseline"; diag "  in_use $now after 10 s, baseline $base (+$slack slack)"
	fi
}

# --- transfers ------------------------------------------------------------------
# check_pair NAME CLIENT_OUT SERVER_OUT [SERVER_LINE]: both directions arrived
# whole: client rx == server tx and server rx == client tx (bytes and SHA-256).
check_pair() {
	local name=$1 c=$2 s=$3 line=${4:-}
	local crx ctx srx stx crb ctb srb stb
	crx=$(jget "$c" rx_sha256) ctx=$(jget "$c" tx_sha256) crb=$(jget "$c" rx_bytes) ctb=$(jget "$c" tx_bytes)
	srx=$(jget "$s" rx_sha256 $line) stx=$(jget "$s" tx_sha256 $line)
	srb=$(jget "$s" rx_bytes $line) stb=$(jget "$s" tx_bytes $line)
	if [[ -n "$stx" && "$crx" == "$stx" && "$crb" == "$stb" ]]; then
		ok "$name: downstream $crb bytes, sha256 matches"
	else
		not_ok "$name: downstream bytes and sha256 match"
		diag "  server sent $stb bytes ${stx:0:16}.., client got $crb bytes ${crx:0:16}.."
	fi
	if [[ -n "$ctx" && "$srx" == "$ctx" && "$srb" == "$ctb" ]]; then
		ok "$name: upstream $srb bytes, sha256 matches"
	else
		not_ok "$name: upstream bytes and sha256 match"
		diag "  client sent $ctb bytes ${ctx:0:16}.., server got $srb bytes ${srx:0:16}.."
	fi
}

show_file() {  # show_file LABEL FILE: as diagnostics
	[[ -s "$2" ]] && diag "$1: $(head -c 2000 "$2")"
}

# --- begin / end --------------------------------------------------------------
_e2e_exit() {
	local rc=$?
	kill_own
	if ((_own_testbed)); then
		"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	fi
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		if ((_fail)) || [[ -n "${HAG_E2E_KEEP:-}" ]]; then
			echo "# files kept in $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	return $rc
}

e2e_begin() {
	[[ $EUID -eq 0 ]] || { echo "Bail out! e2e tests need root"; exit 1; }
	trap _e2e_exit EXIT
	trap 'exit 130' INT TERM
	WORK=$(mktemp -d "/tmp/hag-e2e.$TEST_NAME.XXXXXX")
	local envf=$ROOT/testbed.env
	if [[ -r "$envf" ]]; then
		# shellcheck disable=SC1090
		. "$envf"
	fi
	if [[ ! -r "$envf" ]] || ! hagd_alive; then
		echo "# $TEST_NAME: no running testbed; bringing it up"
		if ! "$ROOT/scripts/testbed.sh" up >"$WORK/testbed-up.log" 2>&1; then
			echo "Bail out! testbed up failed"
			diag "$(tail -n 30 "$WORK/testbed-up.log")"
			_fail=1
			exit 1
		fi
		_own_testbed=1
		# shellcheck disable=SC1090
		. "$envf"
	fi
	echo "# $TEST_NAME (gateway: ${HAGD_VDEV:-?}, pid ${HAGD_PID:-?})"
}

e2e_end() {
	echo "1..$_n"
	echo "# $TEST_NAME: $_pass passed, $_fail failed$( ((_skip)) && echo ", $_skip skipped")$( ((_todo)) && echo ", $_todo todo")"
	((_fail == 0))
	exit $?
}

# wait_clients SECS PID...: waits for the clients started with client_start
# (their output in $WORK/client.I, I in start order); FAILS is how many did
# not exit 0 (the first five are shown).
wait_clients() {
	local secs=$1 i=0 rc pid
	shift
	FAILS=0
	for pid in "$@"; do
		wait_pid "$pid" "$secs"
		rc=$?
		if ((rc != 0)); then
			FAILS=$((FAILS + 1))
			((FAILS <= 5)) && diag "client $i: exit $rc, $(head -c 400 "$WORK/client.$i")"
		fi
		i=$((i + 1))
	done
}

# check_streams N BYTES: the check that each of the N clients got its own
# server connection's stream and that connection got the client's (pair_streams
# below, into $WORK/pairs); the first five mismatches are shown.
check_streams() {
	pair_streams "$WORK" "$1" "$2" >"$WORK/pairs"
	check_eq "every client got its own server's stream and vice versa" "$(grep -c '^good' "$WORK/pairs")" "$1"
	grep '^bad' "$WORK/pairs" | head -n 5 | while read -r l; do diag "  $l"; done
}

# pair_streams WORK N BYTES: pairs each client WORK/client.I (I < N) with the
# server connection (WORK/server, one JSON line per connection) that received
# its upload; prints "good I server conn C" when the client also got that
# connection's stream of BYTES whole, else "bad I why".
pair_streams() {
	$PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
work, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srv = []
for l in open(work + "/server"):
    try:
        o = json.loads(l)
    except ValueError:
        continue
    if "conn" in o:
        srv.append(o)
by_rx = {o["rx_sha256"]: o for o in srv}
for i in range(n):
    try:
        c = json.loads(open("%s/client.%d" % (work, i)).readline())
    except (OSError, ValueError):
        print("bad %d no client result" % i)
        continue
    s = by_rx.get(c.get("tx_sha256"))
    if s is None:
        print("bad %d upload (%s bytes) reached no server connection whole" % (i, c.get("tx_bytes")))
    elif s["tx_sha256"] != c.get("rx_sha256") or c.get("rx_bytes") != size:
        print("bad %d got %s bytes, not the stream of server conn %d" % (i, c.get("rx_bytes"), s["conn"]))
    else:
        print("good %d server conn %d" % (i, s["conn"]))
PYEOF
}

# --- fault injection (tests/e2e/faults_*.sh) ----------------------------------
# Two ways to make a link bad (docs/testbed.md, "Fault injection"):
#  - hagd's own test-only impairment stage (ports[].impair, docs/config.md):
#    needs hagd restarted on another config (impair_conf, testbed_restart);
#  - nftables netdev hooks on the kernel-side veths (nft_faults): loss of
#    what hagd sends, duplication of what the kernel sends; no restart,
#    counted by nft.

# impair_conf OUT [--mbufs N] [--workers N] [PORT JSON ...]: writes OUT, a
# copy of the testbed config (HAGD_CONF, default conf/testbed.json) with that
# many mbufs, that many workers (and EAL lcores 0..N-1), and in which port
# PORT gets "impair": JSON (a JSON object, e.g. '{"loss_pct": 1}').
impair_conf() {
	local out=$1; shift
	local base=${HAGD_CONF:-$ROOT/conf/testbed.json}
	$PY - "$base" "$out" "$@" <<'EOF'
import json, sys
base, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
conf = json.load(open(base))
ports = {p["name"]: p for p in conf["ports"]}
while args:
    if args[0] == "--mbufs":
        conf.setdefault("dpdk", {})["mbufs"] = int(args[1])
    elif args[0] == "--workers":
        d = conf.setdefault("dpdk", {})
        n = int(args[1])
        d["workers"] = n
        a = d.setdefault("args", [])
        if "-l" in a:
            a[a.index("-l") + 1] = "0-%d" % (n - 1) if n > 1 else "0"
        else:
            a += ["-l", "0-%d" % (n - 1) if n > 1 else "0"]
    else:
        if args[0] not in ports:
            sys.exit("impair_conf: no port %r in %s" % (args[0], base))
        ports[args[0]]["impair"] = json.loads(args[1])
    args = args[2:]
json.dump(conf, open(out, "w"), indent=2)
EOF
}

# testbed_restart [CONF]: takes the testbed down and brings it up again with
# hagd on CONF (HAGD_CONF, or the default config, when CONF is empty), on the
# same vdev as before; reads testbed.env again. `up` empties hagd's log:
# what it held is kept in $WORK/hagd.log.saved (testbed_restore puts it back).
# Returns non-zero (with diagnostics) when the testbed did not come up.
testbed_restart() {
	local conf=${1:-${HAGD_CONF:-}} vdev=${HAGD_VDEV:-af_xdp} envf=$ROOT/testbed.env
	[[ $vdev == af_xdp || $vdev == af_packet ]] || vdev=af_xdp
	if [[ -n "${HAGD_LOG:-}" && -f "$HAGD_LOG" ]]; then
		cat "$HAGD_LOG" >>"$WORK/hagd.log.saved" 2>/dev/null
	fi
	"$ROOT/scripts/testbed.sh" down >>"$WORK/testbed.log" 2>&1
	if ! HAGD_CONF=$conf HAGD_VDEV=$vdev "$ROOT/scripts/testbed.sh" up >>"$WORK/testbed.log" 2>&1; then
		diag "testbed up with ${conf:-the default config} failed:"
		diag "$(tail -n 20 "$WORK/testbed.log")"
		return 1
	fi
	# shellcheck disable=SC1090
	. "$envf"
}

# restart_or_fail CONF WHAT: testbed_restart CONF; when hagd does not come up,
# a failed check "hagd starts with WHAT" (a test that cannot start its gateway
# must not pass by running no check), a diagnostic when it does. Returns
# testbed_restart's status: the caller restores the default and ends, e.g.
#   restart_or_fail "$WORK/x.json" "tcp.max_conns 24" || { testbed_restore; e2e_end; }
restart_or_fail() {
	if testbed_restart "$1"; then
		diag "hagd started with $2"
		return 0
	fi
	not_ok "hagd starts with $2"
	return 1
}

# testbed_restore: hagd back on the default config (as a test runner that
# brought the testbed up expects it), its log again holding the lines of the
# hagds before (so test.sh's copy of the log has them).
testbed_restore() {
	local saved=$WORK/hagd.log.saved tmp=$WORK/hagd.log.joined
	testbed_restart "" || return 1
	if [[ -s "$saved" && -n "${HAGD_LOG:-}" ]]; then
		{ cat "$saved"; echo "=== $(date '+%F %T') $TEST_NAME: default config restored"; cat "$HAGD_LOG"; } >"$tmp"
		# hagd appends (O_APPEND): rewriting the file in place keeps its later lines.
		cat "$tmp" >"$HAGD_LOG"
		rm -f "$saved" "$tmp"
	fi
}

# nft_faults NS DEV IN_LOSS_PCT OUT_LOSS_PCT DUP_PCT: in namespace NS, drop
# IN_LOSS_PCT % of the frames DEV receives (netdev ingress hook: a real loss
# for the sender across the link) and OUT_LOSS_PCT % of those it sends
# (egress hook), and send DUP_PCT % of the data-carrying packets DEV sends
# (longer than 200 bytes) twice (`dup to DEV` on egress; a copy of a received
# frame would go back out, no duplicate).
# Mind: the egress hook runs before the kernel cuts its GSO packets into
# frames, and a drop there is reported to the local TCP, which keeps the
# data and sends it again later without counting a retransmission: egress
# loss is no link loss for the kernel's own TCP (only ingress loss is; the
# faults tests use hagd's impairment for the other direction). A duplicate
# copies a whole GSO packet (a burst of frames). Percentages are integers or
# have one decimal. One table per device (hag_faults_DEV), with named
# counters lost_rx, lost_tx, dup_tx (packets as the hook saw them).
nft_faults() {
	local ns=$1 dev=$2 lin lout dup
	lin=$(awk -v p="$3" 'BEGIN { printf "%d", p * 10 + 0.5 }')
	lout=$(awk -v p="$4" 'BEGIN { printf "%d", p * 10 + 0.5 }')
	dup=$(awk -v p="$5" 'BEGIN { printf "%d", p * 10 + 0.5 }')
	ip netns exec "$ns" nft delete table netdev "hag_faults_$dev" 2>/dev/null
	ip netns exec "$ns" nft -f - <<EOF
table netdev hag_faults_$dev {
	counter lost_rx { }
	counter lost_tx { }
	counter dup_tx { }
	chain ig {
		type filter hook ingress device "$dev" priority 0; policy accept;
		$( ((lin)) && echo "numgen random mod 1000 < $lin counter name lost_rx drop" )
	}
	chain eg {
		type filter hook egress device "$dev" priority 0; policy accept;
		$( ((lout)) && echo "numgen random mod 1000 < $lout counter name lost_tx drop" )
		$( ((dup)) && echo "meta length > 200 numgen random mod 1000 < $dup counter name dup_tx dup to \"$dev\"" )
	}
}
EOF
}

# nft_count NS DEV NAME: packets counted by counter NAME of nft_faults on DEV (0 if none).
nft_count() {
	ip netns exec "$1" nft list counter netdev "hag_faults_$2" "$3" 2>/dev/null |
		awk '$1 == "packets" { n = $2 } END { print n + 0 }'
}

# nft_clear NS...: removes nft_faults' tables (no error when there is none).
nft_clear() {
	local ns t
	for ns in "$@"; do
		for t in $(ip netns exec "$ns" nft list tables netdev 2>/dev/null | awk '$3 ~ /^hag_faults_/ { print $3 }'); do
			ip netns exec "$ns" nft delete table netdev "$t" 2>/dev/null
		done
	done
	return 0
}

# impair_get FILE PORT DIR NAME: a per-port impairment counter of a snapshot
# (ports.PORT.impair.DIR.NAME; "" when the port is not impaired).
impair_get() { jget "$1" "ports.$2.impair.$3.$4"; }

# impair_delta BEFORE AFTER PORT DIR NAME
impair_delta() {
	local a b
	a=$(impair_get "$1" "$3" "$4" "$5") b=$(impair_get "$2" "$3" "$4" "$5")
	[[ -z "$a" ]] && a=0
	[[ "$b" =~ ^[0-9]+$ && "$a" =~ ^[0-9]+$ ]] && echo $((b - a))
}

# --- rate limits and throughput (tests/e2e/aggregate.sh) -------------------------
# tc netem does not exist on this machine. What the kernel sends (upload) is
# shaped by tbf on the client's egress; what hagd sends toward the client
# (download) by hagd's own impairment stage (ports[].impair rate_mbit, limit):
# AF_XDP TX in copy mode bypasses hag-gw's qdiscs, and a tbf behind an ifb on
# the client's ingress holds skbs still charged to hagd's XDP socket (they are
# only orphaned in ip_rcv): past ~90 queued frames its send buffer (212992 B)
# is full, and DPDK's af_xdp PMD spins in its TX kick on EAGAIN, stalling
# hagd's whole lcore (docs/testbed.md, "Bandwidth aggregation").

# shape_egress NS DEV RATE_MBIT LIMIT_BYTES: tbf on DEV's egress in NS.
shape_egress() {
	ip netns exec "$1" tc qdisc replace dev "$2" root tbf rate "${3}mbit" burst 15000 limit "$4"
}

# rx_rate FILE WARM [TAIL]: goodput in Mbit/s of what hagload's FILE received
# (--sample-ms samples), from the first sample at or after WARM seconds to the
# last one before the stream was complete, or TAIL seconds before it ended:
# the steady part of a transfer, without slow start and without the tail (an
# MPTCP transfer ends with the slow path's last bytes while the fast one is
# idle). Empty when too few samples.
rx_rate() {
	$PY - "$1" "$2" "${3:-0}" <<'PYEOF'
import json, sys
try:
    o = json.loads(open(sys.argv[1]).readline())
except (OSError, ValueError):
    sys.exit(0)
warm, tail, total = float(sys.argv[2]), float(sys.argv[3]), o.get("rx_bytes", 0)
end = o.get("rx_secs", 0) - tail
pts = [s for s in o.get("samples", []) if s[0] >= warm and s[1] < total and (tail == 0 or s[0] <= end)]
if len(pts) >= 2 and pts[-1][0] > pts[0][0]:
    print("%.2f" % ((pts[-1][1] - pts[0][1]) * 8 / (pts[-1][0] - pts[0][0]) / 1e6))
PYEOF
}

# port_rate BEFORE AFTER KEY SECS: a byte counter's rate in Mbit/s between two snapshots.
port_rate() {
	local d; d=$(ctr_delta "$1" "$2" "$3")
	[[ -n "$d" ]] && awk -v d="$d" -v s="$4" 'BEGIN { printf "%.2f", d * 8 / s / 1e6 }'
}

# ge A B: A >= B (decimals).
ge() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

#!/usr/bin/env bash
# hagd in one run: install, build, bring the test network up, move DEMO_MIB
# MiB (default 256) each way at once between a kernel MPTCP client and a
# plain TCP server through hagd, over IPv4 and then over IPv6 (both paths each
# time), check the SHA-256 digests, and show the throughput, hagd's counters
# and the client's MPTCP counters. The testbed
# is taken down at the end, whatever happens.
#
#   scripts/demo.sh [--no-deps] [--no-build] [--kernel-gw]
#
# --kernel-gw runs the same demo with the kernel standing in for hagd (a
# reference figure for this machine). Environment: DEMO_MIB, HAGD_BUILD,
# HAGD_VDEV (af_xdp or af_packet, see scripts/testbed.sh).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${HAGD_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD
export HAGD_BUILD=$BUILD
MIB=${DEMO_MIB:-256}
PY=/usr/bin/python3
HAGLOAD="$PY $ROOT/tests/tools/hagload.py"
TB=$ROOT/scripts/testbed.sh
WORK=$(mktemp -d /tmp/hag-demo.XXXXXX)

deps=1 build=1 up_args=()
for a in "$@"; do
	case $a in
	--no-deps) deps=0 ;;
	--no-build) build=0 ;;
	--kernel-gw) up_args=(--kernel-gw) ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $a" >&2; exit 2 ;;
	esac
done

step() { echo; echo "== $*"; }
fail() { echo "demo: FAILED: $*"; exit 1; }

if ((deps)); then
	step "dependencies"
	bash "$ROOT/scripts/deps.sh" || fail "deps.sh"
fi
if ((build)); then
	step "build"
	if [[ ! -f "$BUILD/build.ninja" ]]; then
		meson setup "$BUILD" >"$WORK/meson.log" 2>&1 || { tail -n 30 "$WORK/meson.log"; fail "meson setup"; }
	fi
	ninja -C "$BUILD" >"$WORK/ninja.log" 2>&1 || { tail -n 40 "$WORK/ninja.log"; fail "ninja"; }
	echo "built $BUILD/app/hagd"
fi

step "test network"
trap '"$TB" down >/dev/null 2>&1; echo; echo "(testbed down; files in $WORK)"' EXIT
"$TB" down >/dev/null 2>&1
"$TB" up "${up_args[@]}" 2>&1 | sed 's/^/  /'
[[ -r "$ROOT/testbed.env" ]] || fail "testbed up"
# shellcheck disable=SC1091
. "$ROOT/testbed.env"
idle=$(sed -n 's/.*"idle_sleep_us" *: *\([0-9]*\).*/\1/p' "$ROOT/conf/testbed.json" | head -n 1)
if [[ $HAGD_VDEV == kernel ]]; then
	echo "  gateway: the kernel standing in for hagd (MPTCP relay in $HAG_GW_NS)"
else
	mode="busy poll"
	[[ -n "$idle" && "$idle" != 0 ]] && mode="adaptive idle back-off, idle_sleep_us $idle"
	echo "  gateway: hagd on $HAGD_VDEV, $mode; hagd, client and server share 2 cores"
fi

# transfer TAG ADDR UPSTREAM: MIB MiB each way at once, MPTCP client -> ADDR port
# HAG_SERVICE_PORT -> TCP server UPSTREAM; files WORK/TAG.*; prints the rates and
# digests; non-zero on a mismatch or a failed side.
transfer() {
	local tag=$1 addr=$2 up=$3 crc src spid i
	step "transfer ($tag): ${MIB} MiB up and ${MIB} MiB down at once, MPTCP client -> $addr port $HAG_SERVICE_PORT -> TCP server $up port $HAG_UPSTREAM_PORT"
	ip netns exec "$HAG_SERVER_NS" $HAGLOAD server --port "$HAG_UPSTREAM_PORT" --bind :: --bytes "${MIB}M" \
		--seed "demo-$tag-down" --timeout 60 --max-secs 900 --ready-file "$WORK/$tag.server.ready" \
		>"$WORK/$tag.server.json" 2>"$WORK/$tag.server.err" </dev/null &
	spid=$!
	for ((i = 0; i < 50; i++)); do [[ -s "$WORK/$tag.server.ready" ]] && break; sleep 0.1; done
	timeout -k 5 900 ip netns exec "$HAG_CLIENT_NS" $HAGLOAD client --addr "$addr" \
		--port "$HAG_SERVICE_PORT" --bytes "${MIB}M" --mptcp --seed "demo-$tag-up" --timeout 60 --max-secs 890 \
		>"$WORK/$tag.client.json" 2>"$WORK/$tag.client.err"
	crc=$?
	for ((i = 0; i < 300; i++)); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	src=$?
	$PY - "$WORK" "$tag" "$MIB" "$crc" "$src" <<'EOF'
import json, sys
work, tag, mib, crc, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def load(name):
    try:
        return json.loads(open("%s/%s.%s" % (work, tag, name)).readline())
    except (OSError, ValueError):
        return {}

c, s = load("client.json"), load("server.json")
size = mib << 20
ok = True
print("  client: exit %d, error %s; server: exit %d, error %s" % (crc, c.get("error"), src, s.get("error")))
for label, sender, receiver, rx in (("up   (client -> server)", c, s, s), ("down (server -> client)", s, c, c)):
    good = (sender.get("tx_sha256") and sender.get("tx_sha256") == receiver.get("rx_sha256")
            and receiver.get("rx_bytes") == size)
    ok &= bool(good)
    secs = rx.get("rx_secs") or 0
    rate = rx.get("rx_bytes", 0) / secs if secs else 0
    print("  %s %4d MiB in %6.2f s = %7.1f MiB/s = %5.2f Gbit/s   sha256 %s %s" % (
        label, rx.get("rx_bytes", 0) >> 20, secs, rate / 2**20, rate * 8 / 1e9,
        (receiver.get("rx_sha256") or "-")[:16], "matches" if good else "MISMATCH"))
m = c.get("mptcp") or {}
print("  client MPTCP socket: %s, %d subflow(s) at the end of sending, token %s; the server saw %s" % (
    "FELL BACK TO TCP" if m.get("fallback") else "MPTCP", m.get("subflows_total", m.get("subflows", 0) + 1),
    m.get("token"), s.get("peer")))
sys.exit(0 if ok and crc == 0 else 1)
EOF
}

$HAGCTL >"$WORK/stats.before" 2>/dev/null
ip netns exec "$HAG_CLIENT_NS" nstat -asz >"$WORK/nstat.before"
transfer ipv4 "$HAG_SERVICE_ADDR" "$HAG_UPSTREAM_ADDR"
xrc=$?
if [[ $HAGD_VDEV != kernel ]]; then
	# The same over IPv6 (issue 17): the client's lte path gets an IPv6 "subflow" endpoint
	# for it, so both paths carry the connection as they do over IPv4.
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint add 2001:db8:20::2 dev lte subflow 2>/dev/null
	transfer ipv6 "$HAG_SERVICE_ADDR6" "$HAG_UPSTREAM_ADDR6" || xrc=1
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint delete addr 2001:db8:20::2 2>/dev/null
fi
$HAGCTL >"$WORK/stats.after" 2>/dev/null
ip netns exec "$HAG_CLIENT_NS" nstat -asz >"$WORK/nstat.after"

step "hagd counters (change during the demo)"
$PY - "$WORK/stats.before" "$WORK/stats.after" <<'EOF'
import json, sys
try:
    a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
except (OSError, ValueError) as e:
    print("  no stats from hagctl (%s)" % e)
    sys.exit(0)
def get(d, k):
    for p in k.split("."):
        d = d.get(p) if isinstance(d, dict) else None
    return d
rows = ["relay.Accepted", "relay.UpstreamConnects", "relay.UpstreamFailures", "relay.BytesUp", "relay.BytesDown",
        "mptcp.MPCapableSYNRX", "mptcp.MPCapableACKRX", "mptcp.MPJoinSynRx", "mptcp.PlainSYNRX",
        "mptcp.MPJoinAckRx", "mptcp.SchedJoined", "mptcp.Reinjections", "mptcp.DSSNotMatching", "mptcp.OptionMalformed", "mptcp.DataFinRx", "mptcp.DataFinTx",
        "tcp.PassiveOpens", "tcp.ActiveOpens", "tcp.InSegs", "tcp.OutSegs", "tcp.RetransSegs",
        "tcp.TCPTimeouts", "tcp.TCPFastRetrans", "tcp.TCPOFOQueue", "tcp.OutRsts", "tcp.InCsumErrors",
        "ip.InReceives", "ip.InHdrErrors", "ip.Ip6InReceives", "ip.Icmp6InNeighborSolicits"]
for k in rows:
    x, y = get(a, k), get(b, k)
    if isinstance(x, int) and isinstance(y, int):
        print("  %-26s %+d" % (k, y - x))
for name in sorted((b.get("ports") or {})):
    pa, pb = (a.get("ports") or {}).get(name, {}), b["ports"][name]
    d = {k: pb.get(k, 0) - pa.get(k, 0) for k in ("rx_packets", "tx_packets", "rx_dropped", "tx_dropped")}
    print("  port %-9s rx %+d pkts, tx %+d pkts, rx_dropped %+d, tx_dropped %+d" % (
        name, d["rx_packets"], d["tx_packets"], d["rx_dropped"], d["tx_dropped"]))
mp = b.get("mempool")
if mp:
    print("  mempool in use %s of %s" % (mp.get("in_use"), mp.get("size")))
EOF

step "client kernel MPTCP counters (nstat in $HAG_CLIENT_NS, change during the demo)"
awk 'NR == FNR { a[$1] = $2; next } $1 ~ /^MPTcpExt/ && $2 - a[$1] != 0 { printf "  %-34s %+d\n", $1, $2 - a[$1] }' \
	"$WORK/nstat.before" "$WORK/nstat.after"

echo
if ((xrc == 0)); then
	echo "demo: OK (${MIB} MiB each way, over IPv4 and over IPv6 (the kernel stand-in: IPv4), digests match)"
else
	echo "demo: FAILED (see above; hagd log: $HAGD_LOG)"
	tail -n 15 "$HAGD_LOG" 2>/dev/null | sed 's/^/  | /'
fi
exit $xrc

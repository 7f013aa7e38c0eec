#!/usr/bin/env bash
# hagd test network: three network namespaces joined by veth pairs, hagd in
# the middle owning the gateway-side veths through DPDK (af_xdp or af_packet).
#
#   testbed.sh up [--no-hagd]   make the network (and start hagd), write testbed.env
#   testbed.sh up --kernel-gw   the network with the kernel standing in for hagd
#                               (hag-gw gets the addresses, an MPTCP relay runs
#                               there): checks the network and the e2e tests
#   testbed.sh down             stop everything, delete the namespaces (idempotent)
#   testbed.sh status           what exists, whether hagd is alive, key counters
#
# Environment:
#   HAGD_VDEV=af_xdp|af_packet  PMD to use (default af_xdp; no fallback: if hagd
#                               dies at start, `up` fails)
#   HAGD_CONF=path              config (default conf/testbed.json)
#   HAGD_BUILD=dir              build directory holding app/hagd (default build)
#   HAG_RUN_DIR=dir             log, pid file, config copy (default /tmp/hagd-testbed)
#   HAGD_UP_TIMEOUT=s           how long `up` waits for hagd to answer (default 20)
# See docs/testbed.md for the address plan.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HAGD_BUILD:-$ROOT/build}
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD
HAGD_BIN=$BUILD/app/hagd
HAGCTL_BIN=$BUILD/app/hagctl
CONF=${HAGD_CONF:-$ROOT/conf/testbed.json}
RUN_DIR=${HAG_RUN_DIR:-/tmp/hagd-testbed}
HAGD_LOG=${HAGD_LOG:-$RUN_DIR/hagd.log}
PID_FILE=$RUN_DIR/hagd.pid
ENV_FILE=$ROOT/testbed.env
UP_TIMEOUT=${HAGD_UP_TIMEOUT:-20}
PING="/usr/bin/python3 $ROOT/tests/tools/hagload.py ping"

NS_CLIENT=hag-client
NS_GW=hag-gw
NS_SERVER=hag-server
ALL_NS=("$NS_CLIENT" "$NS_GW" "$NS_SERVER")

# Fixed MACs so captures read the same every run: 02:00:00:<net>:00:<host>.
MAC_DSL=02:00:00:01:00:02   MAC_DSL_GW=02:00:00:01:00:01
MAC_LTE=02:00:00:02:00:02   MAC_LTE_GW=02:00:00:02:00:01
MAC_UP=02:00:00:20:00:02    MAC_UP_GW=02:00:00:20:00:01

log() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

ns_exists() { [[ -e /var/run/netns/$1 ]]; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# The DPDK file prefix from the config ("--file-prefix", "NAME"), default hagd-testbed.
file_prefix() {
	local conf=${1:-$CONF} p=""
	if [[ -r "$conf" ]]; then
		p=$(/usr/bin/python3 - "$conf" <<'EOF' 2>/dev/null || true
import json, sys, re
text = open(sys.argv[1]).read()
m = re.search(r'--file-prefix["\s,=:]+"?([A-Za-z0-9_.-]+)', text)
print(m.group(1) if m else "")
EOF
)
	fi
	echo "${p:-hagd-testbed}"
}

hagd_pid() {
	[[ -r $PID_FILE ]] || return 1
	local pid; pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# Kill pids (TERM, then KILL after a bounded wait) and wait until they are gone.
kill_wait() {
	local pids=("$@") p i alive
	((${#pids[@]})) || return 0
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive=()
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
		((${#alive[@]})) || return 0
		sleep 0.1
	done
	log "pids ${alive[*]} ignored SIGTERM for 5 s; SIGKILL"
	kill -KILL "${alive[@]}" 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		alive=()
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
		((${#alive[@]})) || return 0
		sleep 0.1
	done
	log "warning: pids ${alive[*]} still alive"
}

stop_hagd() {
	local pid i
	if pid=$(hagd_pid); then
		# The first SIGTERM drains (hagd exits once no connection is left); a
		# teardown waits 2 s for that, then the second SIGTERM ends hagd at once.
		log "stopping hagd (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill_wait "$pid"
	fi
	rm -f "$PID_FILE"
}

cmd_down() {
	stop_hagd
	# Whatever else runs in the namespaces (test servers, clients, a hagd
	# started by hand): kill it before the namespaces go, so sockets close.
	local ns pids
	for ns in "${ALL_NS[@]}"; do
		ns_exists "$ns" || continue
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
		if ((${#pids[@]})); then
			log "killing ${#pids[@]} process(es) in $ns: ${pids[*]}"
			kill_wait "${pids[@]}"
		fi
	done
	for ns in "${ALL_NS[@]}"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" || log "warning: could not delete $ns"
		fi
	done
	# A veth left in the root namespace by a half-made `up`.
	local ifc
	for ifc in dsl dsl-gw lte lte-gw up up-gw; do
		ip link show dev "$ifc" >/dev/null 2>&1 && ip link del dev "$ifc" 2>/dev/null || true
	done
	local prefix; prefix=$(file_prefix)
	rm -rf "/var/run/dpdk/$prefix"
	rm -f "$ENV_FILE"
	log "down"
}

# Offloads: the kernel hands partially checksummed frames (CHECKSUM_PARTIAL)
# to af_packet/af_xdp unless TX checksum offload is off, and TSO/GSO/GRO would
# produce frames larger than the MTU that a DPDK port cannot carry.
offloads_off() {
	local ns=$1 ifc=$2
	in_ns "$ns" ethtool -K "$ifc" tx off tso off gso off gro off >/dev/null 2>&1 ||
		in_ns "$ns" ethtool -K "$ifc" tx off >/dev/null
}

# dpdk.workers of the config (default 1): each worker has its own queue on
# every port, so the veths get that many queues (the kernel spreads flows over
# them by hash; hagd hands segments to their owner, docs/performance.md).
conf_workers() {
	local conf=${1:-$CONF}
	/usr/bin/python3 - "$conf" <<'EOF' 2>/dev/null || echo 1
import json, sys
try:
    print(int(json.load(open(sys.argv[1])).get("dpdk", {}).get("workers", 1)))
except Exception:
    print(1)
EOF
}

make_veth() {   # make_veth NS_A IF_A MAC_A NS_B IF_B MAC_B
	local q
	q=$(conf_workers)
	ip link add name "$2" address "$3" netns "$1" numtxqueues "$q" numrxqueues "$q" \
		type veth peer name "$5" address "$6" netns "$4" numtxqueues "$q" numrxqueues "$q"
	in_ns "$1" ip link set dev "$2" mtu 1500
	in_ns "$4" ip link set dev "$5" mtu 1500
	offloads_off "$1" "$2"
	offloads_off "$4" "$5"
}

make_network() {
	local ns
	for ns in "${ALL_NS[@]}"; do
		ip netns add "$ns"
		in_ns "$ns" ip link set lo up
		# IPv6 where hagd speaks it: the client's and the server's side (issue 17);
		# no router solicitations or autoconfiguration: noise. hag-gw's veths are
		# hagd's (the kernel gateway stand-in turns IPv6 on for its own).
		if [[ $ns != "$NS_GW" ]]; then
			in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
				net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0
		else
			in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		fi
	done

	make_veth "$NS_CLIENT" dsl "$MAC_DSL" "$NS_GW" dsl-gw "$MAC_DSL_GW"
	make_veth "$NS_CLIENT" lte "$MAC_LTE" "$NS_GW" lte-gw "$MAC_LTE_GW"
	make_veth "$NS_SERVER" up "$MAC_UP" "$NS_GW" up-gw "$MAC_UP_GW"

	# hag-gw: the gateway-side veths carry no address; hagd owns them.
	local ifc
	for ifc in dsl-gw lte-gw up-gw; do
		in_ns "$NS_GW" ip link set dev "$ifc" up
	done

	# hag-client: the CPE with a DSL and an LTE uplink.
	in_ns "$NS_CLIENT" sysctl -qw net.mptcp.enabled=1
	# Tests darken paths on purpose: the kernel's MPTCP blackhole detection would
	# then fall back to plain TCP for an hour (Linux >= 6.12). Off here.
	in_ns "$NS_CLIENT" sysctl -qw net.mptcp.blackhole_timeout=0 2>/dev/null || true
	# Replies from 10.10.0.1 arrive on lte for the lte subflow: loose checks.
	in_ns "$NS_CLIENT" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	in_ns "$NS_CLIENT" ip addr add 10.10.1.2/24 dev dsl
	in_ns "$NS_CLIENT" ip addr add 10.10.2.2/24 dev lte
	# IPv6 beside (issue 17: hagd answers ND, echo and errors on dsl and lte so far).
	in_ns "$NS_CLIENT" ip -6 addr add 2001:db8:10::2/64 dev dsl nodad
	in_ns "$NS_CLIENT" ip -6 addr add 2001:db8:20::2/64 dev lte nodad
	in_ns "$NS_CLIENT" ip link set dev dsl up
	in_ns "$NS_CLIENT" ip link set dev lte up
	in_ns "$NS_CLIENT" sysctl -qw net.ipv4.conf.dsl.rp_filter=0 net.ipv4.conf.lte.rp_filter=0
	in_ns "$NS_CLIENT" ip route add 10.10.0.1 via 10.10.1.1 dev dsl
	in_ns "$NS_CLIENT" ip route add default via 10.10.1.1 dev dsl table 101
	in_ns "$NS_CLIENT" ip route add default via 10.10.2.1 dev lte table 102
	in_ns "$NS_CLIENT" ip rule add from 10.10.1.2 table 101
	in_ns "$NS_CLIENT" ip rule add from 10.10.2.2 table 102
	# IPv6 the same way: hagd's IPv6 service address over dsl, each source out of its own path.
	# The client's "subflow" endpoint stays IPv4 (tests add an IPv6 one where they need it:
	# with both, an AF_INET6 connection would get one subflow more).
	in_ns "$NS_CLIENT" ip -6 route add 2001:db8:ff::1 via 2001:db8:10::1 dev dsl
	in_ns "$NS_CLIENT" ip -6 route add default via 2001:db8:10::1 dev dsl table 101
	in_ns "$NS_CLIENT" ip -6 route add default via 2001:db8:20::1 dev lte table 102
	in_ns "$NS_CLIENT" ip -6 rule add from 2001:db8:10::2 table 101
	in_ns "$NS_CLIENT" ip -6 rule add from 2001:db8:20::2 table 102
	in_ns "$NS_CLIENT" ip mptcp limits set subflow 2 add_addr_accepted 2
	in_ns "$NS_CLIENT" ip mptcp endpoint add 10.10.2.2 dev lte subflow

	# hag-server: the upstream server behind hagd.
	in_ns "$NS_SERVER" ip addr add 10.20.0.2/24 dev up
	in_ns "$NS_SERVER" ip -6 addr add 2001:db8:30::2/64 dev up nodad
	in_ns "$NS_SERVER" ip link set dev up up
}

# Copy of the config using net_af_packet instead of net_af_xdp (dropping the
# af_xdp-only devargs).
conf_for_vdev() {
	local vdev=$1
	local out=$RUN_DIR/testbed.$vdev.json
	case $vdev in
	af_xdp)
		sed 's/net_af_packet/net_af_xdp/g' "$CONF" >"$out" ;;
	af_packet)
		sed -e 's/net_af_xdp/net_af_packet/g' \
		    -e 's/,\(start_queue\|queue_count\|shared_umem\|xdp_prog\|busy_budget\|force_copy\|use_cni\)=[^,"]*//g' \
		    "$CONF" >"$out" ;;
	*) die "HAGD_VDEV must be af_xdp or af_packet, not '$vdev'" ;;
	esac
	echo "$out"
}

hagctl_ok() {
	"$HAGCTL_BIN" --prefix "$(file_prefix)" stats >/dev/null 2>&1
}

# Start hagd with the given vdev kind; wait until it answers hagctl and ARP/ICMP.
# Returns 0 when ready, 2 if hagd died early, 1 on timeout.
start_hagd() {
	local vdev=$1 conf pid i deadline
	conf=$(conf_for_vdev "$vdev")
	log "starting hagd ($vdev), log $HAGD_LOG"
	{ echo "=== $(date '+%F %T') hagd -c $conf ($vdev)"; } >>"$HAGD_LOG"
	# setsid: its own session, so a Ctrl-C in the caller's terminal does not
	# reach it; `ip netns exec` and setsid both exec, so $! is hagd's pid.
	setsid ip netns exec "$NS_GW" "$HAGD_BIN" -c "$conf" >>"$HAGD_LOG" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$PID_FILE"
	deadline=$((SECONDS + UP_TIMEOUT))
	local ctl=0 ping_dsl=0 ping_lte=0
	for ((i = 0; SECONDS < deadline && i < 10 * UP_TIMEOUT; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null && rc=0 || rc=$?
			log "hagd exited (status $rc) after $((SECONDS - deadline + UP_TIMEOUT)) s; last log lines:"
			tail -n 15 "$HAGD_LOG" | sed 's/^/    /' >&2
			rm -f "$PID_FILE"
			return 2
		fi
		((ctl)) || { hagctl_ok && ctl=1; }
		if ((ctl)); then
			((ping_dsl)) || { in_ns "$NS_CLIENT" $PING --iface dsl 10.10.1.1 >/dev/null 2>&1 && ping_dsl=1; }
			((ping_lte)) || { in_ns "$NS_CLIENT" $PING --iface lte 10.10.2.1 >/dev/null 2>&1 && ping_lte=1; }
			if ((ping_dsl && ping_lte)); then
				log "hagd ready (pid $pid, $vdev) after $((SECONDS - deadline + UP_TIMEOUT)) s"
				echo "$vdev" >"$RUN_DIR/vdev"
				return 0
			fi
		fi
		sleep 0.2
	done
	log "hagd not ready after ${UP_TIMEOUT} s (hagctl answers: $ctl, ping dsl: $ping_dsl, ping lte: $ping_lte)"
	tail -n 15 "$HAGD_LOG" | sed 's/^/    /' >&2
	return 1
}

# The kernel as a stand-in for hagd: hag-gw owns hagd's addresses and runs
# hagload.py relay (kernel MPTCP listener -> TCP upstream).
start_kernel_gw() {
	local pid i
	in_ns "$NS_GW" sysctl -qw net.mptcp.enabled=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	in_ns "$NS_GW" ip addr add 10.10.1.1/24 dev dsl-gw
	in_ns "$NS_GW" ip addr add 10.10.2.1/24 dev lte-gw
	in_ns "$NS_GW" ip addr add 10.20.0.1/24 dev up-gw
	in_ns "$NS_GW" ip addr add 10.10.0.1/32 dev lo
	in_ns "$NS_GW" sysctl -qw net.ipv6.conf.dsl-gw.disable_ipv6=0 net.ipv6.conf.lte-gw.disable_ipv6=0
	in_ns "$NS_GW" ip -6 addr add 2001:db8:10::1/64 dev dsl-gw nodad
	in_ns "$NS_GW" ip -6 addr add 2001:db8:20::1/64 dev lte-gw nodad
	in_ns "$NS_GW" ip mptcp limits set subflow 2 add_addr_accepted 0
	rm -f "$RUN_DIR/relay.json"
	setsid ip netns exec "$NS_GW" /usr/bin/python3 "$ROOT/tests/tools/hagload.py" relay --mptcp \
		--listen 10.10.0.1:8080 --upstream 10.20.0.2:9000 --stats "$RUN_DIR/relay.json" \
		>>"$HAGD_LOG" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$PID_FILE"
	for ((i = 0; i < 50; i++)); do
		[[ -s "$RUN_DIR/relay.json" ]] && break
		kill -0 "$pid" 2>/dev/null || { log "relay died"; cat "$HAGD_LOG" >&2; return 1; }
		sleep 0.1
	done
	in_ns "$NS_CLIENT" $PING --iface dsl --count 2 10.10.1.1 >/dev/null && in_ns "$NS_CLIENT" $PING --iface lte --count 2 10.10.2.1 >/dev/null ||
		{ log "kernel gateway does not answer ping"; return 1; }
	echo kernel >"$RUN_DIR/vdev"
	HAGCTL_CMD="ip netns exec $NS_GW /usr/bin/python3 $ROOT/tests/tools/hagload.py kstats --relay-stats $RUN_DIR/relay.json"
	log "kernel gateway up (relay pid $pid)"
}

write_env() {
	local pid=${1:-}
	cat >"$ENV_FILE" <<EOF
# Written by scripts/testbed.sh up on $(date '+%F %T'); removed by testbed.sh down.
HAG_CLIENT_NS=$NS_CLIENT
HAG_GW_NS=$NS_GW
HAG_SERVER_NS=$NS_SERVER
HAG_CLIENT_PATHS="dsl lte"
HAG_CLIENT_ADDRS="10.10.1.2 10.10.2.2"
HAG_GW_ADDRS="10.10.1.1 10.10.2.1"
HAG_CLIENT_ADDRS6="2001:db8:10::2 2001:db8:20::2"
HAG_GW_ADDRS6="2001:db8:10::1 2001:db8:20::1"
HAG_SERVICE_ADDR=10.10.0.1
HAG_SERVICE_ADDR6=2001:db8:ff::1
HAG_SERVICE_PORT=8080
HAG_UPSTREAM_ADDR=10.20.0.2
HAG_UPSTREAM_ADDR6=2001:db8:30::2
HAG_UPSTREAM_PORT=9000
HAG_UPSTREAM_GW=10.20.0.1
HAGCTL="${HAGCTL_CMD:-$HAGCTL_BIN --prefix $(file_prefix) stats}"
HAGD_LOG=$HAGD_LOG
HAGD_PID=$pid
HAGD_VDEV=$(cat "$RUN_DIR/vdev" 2>/dev/null || echo none)
EOF
}

cmd_up() {
	local no_hagd=0 kernel_gw=0
	for a in "$@"; do
		case $a in
		--no-hagd | net-only) no_hagd=1 ;;
		--kernel-gw) kernel_gw=1 no_hagd=1 ;;
		*) die "unknown option to up: $a" ;;
		esac
	done
	if ((!no_hagd)); then
		[[ -x "$HAGD_BIN" ]] || die "$HAGD_BIN not built (run: meson setup build && ninja -C build)"
		[[ -x "$HAGCTL_BIN" ]] || die "$HAGCTL_BIN not built"
		[[ -r "$CONF" ]] || die "config $CONF missing"
	fi
	if ns_exists "$NS_CLIENT" || ns_exists "$NS_GW" || ns_exists "$NS_SERVER" || hagd_pid >/dev/null; then
		log "leftovers from an earlier run: taking them down first"
		cmd_down
	fi
	mkdir -p "$RUN_DIR"
	rm -f "$RUN_DIR/vdev"
	make_network || { log "making the network failed"; cmd_down; exit 1; }
	log "network up: $NS_CLIENT (dsl 10.10.1.2, lte 10.10.2.2) | $NS_GW | $NS_SERVER (up 10.20.0.2)"
	if ((kernel_gw)); then
		: >"$HAGD_LOG"
		start_kernel_gw || { cmd_down; exit 1; }
		write_env "$(cat "$PID_FILE")"
		log "wrote $ENV_FILE"
		return 0
	fi
	if ((no_hagd)); then
		write_env ""
		log "no hagd (--no-hagd); wrote $ENV_FILE"
		return 0
	fi
	: >"$HAGD_LOG"
	local vdev=${HAGD_VDEV:-af_xdp} rc=0
	# No second try on another vdev: a hagd that dies at start is a failure to
	# look at, not something to run around (HAGD_VDEV=af_packet is asked for).
	start_hagd "$vdev" || rc=$?
	if ((rc != 0)); then
		log "hagd did not come up; see $HAGD_LOG. Taking the testbed down."
		cmd_down
		exit 1
	fi
	write_env "$(cat "$PID_FILE")"
	log "wrote $ENV_FILE"
}

cmd_status() {
	local ns any=0
	for ns in "${ALL_NS[@]}"; do
		if ns_exists "$ns"; then
			any=1
			echo "== $ns"
			in_ns "$ns" ip -br addr show | grep -v '^lo ' | sed 's/^/  /'
			local pids; pids=$(ip netns pids "$ns" | tr '\n' ' ')
			[[ -n "$pids" ]] && echo "  processes: $pids"
		else
			echo "== $ns: absent"
		fi
	done
	if ns_exists "$NS_CLIENT"; then
		echo "== $NS_CLIENT routes, rules, mptcp"
		in_ns "$NS_CLIENT" ip route show | sed 's/^/  main: /'
		in_ns "$NS_CLIENT" ip route show table 101 | sed 's/^/  101:  /'
		in_ns "$NS_CLIENT" ip route show table 102 | sed 's/^/  102:  /'
		in_ns "$NS_CLIENT" ip rule show | grep -E 'lookup 10[12]' | sed 's/^/  rule: /'
		in_ns "$NS_CLIENT" ip mptcp limits show | sed 's/^/  mptcp limits: /'
		in_ns "$NS_CLIENT" ip mptcp endpoint show | sed 's/^/  mptcp endpoint: /'
	fi
	local pid
	if pid=$(hagd_pid); then
		echo "== hagd: alive, pid $pid ($(cat "$RUN_DIR/vdev" 2>/dev/null || echo '?')), log $HAGD_LOG"
		local ctl
		ctl="$HAGCTL_BIN --prefix $(file_prefix) stats"
		[[ -r $ENV_FILE ]] && ctl=$(. "$ENV_FILE" && echo "$HAGCTL")
		if out=$($ctl 2>&1); then
			/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
keys = ["tcp.CurrConns", "mptcp.CurrEstab", "tcp.ActiveOpens", "tcp.PassiveOpens", "tcp.OutRsts", "tcp.RetransSegs",
        "mptcp.MPCapableSYNRX", "mptcp.PlainSYNRX", "mptcp.MPJoinSynRx", "mptcp.MPJoinRefused", "mptcp.OptionMalformed",
        "relay.Accepted", "relay.Active", "relay.UpstreamFailures", "relay.BytesUp", "relay.BytesDown",
        "mempool.in_use", "mempool.size"]
for k in keys:
    v = s
    for p in k.split("."):
        v = v.get(p) if isinstance(v, dict) else None
    print("  %-24s %s" % (k, "-" if v is None else v))
for name, p in sorted((s.get("ports") or {}).items()):
    print("  port %-8s rx %s pkts, tx %s pkts, rx_dropped %s, tx_dropped %s" % (name,
          p.get("rx_packets"), p.get("tx_packets"), p.get("rx_dropped"), p.get("tx_dropped")))
' <<<"$out" || echo "  (stats not parseable)"
		else
			echo "  hagctl: $out"
		fi
	elif [[ -r $PID_FILE ]]; then
		echo "== hagd: DEAD (pid file $PID_FILE says $(cat "$PID_FILE")); log $HAGD_LOG"
	else
		echo "== hagd: not running"
	fi
	[[ -r $ENV_FILE ]] && echo "== $ENV_FILE present" || echo "== $ENV_FILE absent"
	((any)) || return 0
}

[[ $EUID -eq 0 ]] || die "must run as root"
cmd=${1:-}
shift || true
case $cmd in
up) cmd_up "$@" ;;
net-only) cmd_up --no-hagd ;;
down) cmd_down ;;
status) cmd_status ;;
*) echo "usage: $0 up [--no-hagd] | down | status" >&2; exit 2 ;;
esac

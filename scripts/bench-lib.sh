# Shared by scripts/ceiling.sh and scripts/bench.sh (sourced): transfers with
# hagload, medians, and the kernel's paths between dsl-gw and up-gw: testpmd
# io-forward, and hag-linkem (the same with hagd's impairment stage).
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PY=/usr/bin/python3
LOAD="$PY $ROOT/tests/tools/hagload.py"
TPMD_PID=""

# transfer ADDR CLIENT_PORT SERVER_PORT BYTES [--mptcp]: both ways at once;
# prints "up_gbps down_gbps" or fails when a digest differs.
transfer() {
	local addr=$1 port=$2 sport=$3 bytes=$4 mp=${5:-} srv
	ip netns exec hag-server timeout 300 $LOAD server --port "$sport" --bytes "$bytes" --timeout 60 \
		>"$OUT/srv.json" 2>"$OUT/srv.err" &
	srv=$!
	sleep 0.5
	ip netns exec hag-client timeout 300 $LOAD client --addr "$addr" --port "$port" --bytes "$bytes" \
		--timeout 60 $mp >"$OUT/cli.json" 2>"$OUT/cli.err" || { cat "$OUT/cli.err" >&2; wait "$srv" || true; return 1; }
	wait "$srv" || { cat "$OUT/srv.err" >&2; return 1; }
	$PY - "$OUT/cli.json" "$OUT/srv.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
s = json.loads([l for l in open(sys.argv[2]) if l.startswith('{')][-1])
assert c["tx_sha256"] == s["rx_sha256"] and c["rx_sha256"] == s["tx_sha256"], "digest mismatch"
print("%.3f %.3f" % (c["tx_bytes"] * 8 / s["rx_secs"] / 1e9, c["rx_bytes"] * 8 / c["rx_secs"] / 1e9))
PYEOF
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# The kernel's network: the testbed without hagd, client and server on one L2
# subnet (10.30.0.2 <-> 10.30.0.3) across dsl-gw/up-gw, where a forwarder goes.
# One queue per veth: the forwarders read queue 0 only (the default config,
# whatever HAGD_CONF says).
kernel_net_up() {
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	HAGD_CONF='' "$ROOT/scripts/testbed.sh" up --no-hagd >/dev/null
	ip netns exec hag-client ip addr add 10.30.0.2/24 dev dsl
	ip netns exec hag-server ip addr add 10.30.0.3/24 dev up
}

# kernel_path_wait NAME PID LOG: until the client reaches the server through
# forwarder PID (10 s at most; it must not have exited).
kernel_path_wait() {
	for _ in $(seq 50); do
		[[ -z "$2" ]] || kill -0 "$2" 2>/dev/null || break
		ip netns exec hag-client $LOAD ping --iface dsl 10.30.0.3 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "$1 path did not come up:" >&2
	tail -n 15 "$3" >&2
	return 1
}

# The kernel path through testpmd io-forward.
testpmd_up() {
	kernel_net_up
	sleep 100000 | ip netns exec hag-gw dpdk-testpmd --no-huge --no-pci -m 1024 --no-shconf \
		--file-prefix hag-ceiling -l 0,1 --log-level '*:notice' \
		--vdev net_af_xdp0,iface=dsl-gw --vdev net_af_xdp1,iface=up-gw -- \
		--forward-mode=io --nb-cores=1 --auto-start >"$OUT/testpmd.log" 2>&1 &
	TPMD_PID=$(pgrep -n -f 'dpdk-testpmd.*hag-ceiling' || true)
	kernel_path_wait testpmd "$TPMD_PID" "$OUT/testpmd.log"
}

testpmd_down() {
	# Under set -e (and in EXIT traps): a testpmd already gone must not end the teardown.
	[[ -z "$TPMD_PID" ]] || kill "$TPMD_PID" 2>/dev/null || true
	pkill -f 'sleep 100000' 2>/dev/null || true
	wait 2>/dev/null || true
	TPMD_PID=""
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	rm -rf /var/run/dpdk/hag-ceiling
}

# loss_on PCT: nftables drops PCT % (steps of 0.1: 0.5 is 5 in 1000) of the
# frames arriving at the client's dsl and at the server's up (the two ends of
# either path); 0 removes the rules.
loss_on() {
	local pct=$1 permille ns dev
	permille=$(awk -v p="$pct" 'BEGIN { if (p !~ /^[0-9]+(\.[0-9]+)?$/ || p > 100) exit 1; printf "%d", p * 10 + 0.5 }') ||
		{ echo "loss_on: \"$pct\" is not a loss in % (0..100)" >&2; return 1; }
	for ns_dev in "hag-client dsl" "hag-server up"; do
		set -- $ns_dev
		ns=$1 dev=$2
		ip netns exec "$ns" nft delete table netdev hag_bench 2>/dev/null || true
		((permille > 0)) || continue
		ip netns exec "$ns" nft -f - <<NFT
table netdev hag_bench {
	chain ig {
		type filter hook ingress device "$dev" priority 0; policy accept;
		numgen random mod 1000 < $permille drop
	}
}
NFT
	done
}

# hag-linkem (tests/tools/linkem.c) as the kernel's path: testpmd_up's network,
# forwarded by hag-linkem with the impairment CONF's ports dsl (toward and from
# the client) and upstream (toward and from the server) set, hagd's own, on
# hagd's lcore. linkem_up CONF STATS: STATS gets its counters when it stops.
LINKEM_PID=""
linkem_up() {
	local conf=$1 stats=$2 bin
	bin=${HAGD_BUILD:-$ROOT/build}
	[[ "$bin" = /* ]] || bin=$ROOT/$bin
	bin=$bin/tests/tools/hag-linkem
	[[ -x "$bin" ]] || { echo "$bin not built (meson setup build && ninja -C build)" >&2; return 1; }
	kernel_net_up
	ip netns exec hag-gw "$bin" --no-huge --no-pci -m 1024 --no-shconf --file-prefix hag-linkem \
		-l 0 --log-level '*:notice' --vdev net_af_xdp0,iface=dsl-gw --vdev net_af_xdp1,iface=up-gw -- \
		-c "$conf" -p dsl,upstream -s "$stats" >"$OUT/linkem.log" 2>&1 </dev/null &
	LINKEM_PID=$!
	kernel_path_wait hag-linkem "$LINKEM_PID" "$OUT/linkem.log"
}

# Stops hag-linkem (it writes its counters on SIGTERM; KILL after 5 s) and the network.
linkem_down() {
	local i
	if [[ -n "$LINKEM_PID" ]]; then
		kill -TERM "$LINKEM_PID" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$LINKEM_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$LINKEM_PID" 2>/dev/null; then
			# Its counters (the impair_seen of the results) are lost: say so.
			echo "hag-linkem did not stop in 5 s: killed, no counters" >&2
			kill -KILL "$LINKEM_PID" 2>/dev/null || true
		fi
		wait "$LINKEM_PID" 2>/dev/null || true
	fi
	LINKEM_PID=""
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	rm -rf /var/run/dpdk/hag-linkem
}

# veth_offloads off|on: GSO, GRO and TSO on every veth of the testbed. "off"
# leaves TX checksum offload as testbed.sh set it (off, which DPDK needs); "on"
# is the kernel's own setting (TX checksum offload on too), for the kernel
# gateway only: a DPDK port cannot carry the frames larger than the MTU.
veth_offloads() {
	local st=$1 ns_if ns ifc tx=()
	[[ $st == on ]] && tx=(tx on)
	for ns_if in "hag-client dsl" "hag-client lte" "hag-gw dsl-gw" "hag-gw lte-gw" "hag-gw up-gw" "hag-server up"; do
		read -r ns ifc <<<"$ns_if"
		ip netns exec "$ns" ethtool -K "$ifc" "${tx[@]}" gso "$st" gro "$st" tso "$st" >/dev/null 2>&1 || true
	done
}

# The kernel gateway: hag-gw gets hagd's addresses (as testbed.sh up --kernel-gw
# does), the kernel terminates MPTCP there and Debian's haproxy relays over TCP
# (bench/haproxy-e2e.cfg, under mptcpize so its listener is MPTCP, splice on).
KGW_PID=""
kgw_up() {
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
	"$ROOT/scripts/testbed.sh" up --no-hagd >/dev/null
	ip netns exec hag-gw sysctl -qw net.mptcp.enabled=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip netns exec hag-gw ip addr add 10.10.1.1/24 dev dsl-gw
	ip netns exec hag-gw ip addr add 10.10.2.1/24 dev lte-gw
	ip netns exec hag-gw ip addr add 10.20.0.1/24 dev up-gw
	ip netns exec hag-gw ip addr add 10.10.0.1/32 dev lo
	# The client's lte endpoint opens the join toward 10.10.0.1: the gateway
	# only has to accept a second subflow (it announces nothing).
	ip netns exec hag-gw ip mptcp limits set subflow 2 add_addr_accepted 0
	setsid ip netns exec hag-gw mptcpize run haproxy -db -f "$ROOT/bench/haproxy-e2e.cfg" \
		>"$OUT/haproxy.log" 2>&1 </dev/null &
	KGW_PID=$!
	for _ in $(seq 50); do
		ip netns exec hag-gw ss -Mltn 2>/dev/null | grep -q '10.10.0.1:8080' && return 0
		kill -0 "$KGW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "haproxy did not listen (MPTCP) on 10.10.0.1:8080:" >&2
	cat "$OUT/haproxy.log" >&2
	return 1
}

kgw_down() {
	if [[ -n "$KGW_PID" ]]; then
		kill "$KGW_PID" 2>/dev/null || true
		wait "$KGW_PID" 2>/dev/null || true
	fi
	KGW_PID=""
	"$ROOT/scripts/testbed.sh" down >/dev/null 2>&1 || true
}

# mp_joins: MP_JOIN SYN/ACKs the client has received since its namespace was made.
mp_joins() {
	ip netns exec hag-client nstat -asz MPTcpExtMPJoinSynAckRx 2>/dev/null |
		awk '$1 == "MPTcpExtMPJoinSynAckRx" {print $2; f=1} END {if (!f) print 0}'
}

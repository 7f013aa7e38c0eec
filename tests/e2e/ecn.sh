#!/usr/bin/env bash
# ECN (RFC 3168) on both sides of hagd. The kernel client asks for it
# (net.ipv4.tcp_ecn=1 in its namespace), hagd asks the server (tcp.ecn "on";
# the server keeps Linux's default 2, which accepts). nftables marks CE on one
# ECT(0) packet in MARK_EVERY each way on both links: in the client's and the
# server's namespace, on what they send (ip output hook) and on what they
# receive (netdev ingress, before the kernel's IpExt counters see it). A plain
# TCP transfer each way through hagd must arrive intact while:
#  - hagd counts both handshakes (tcp.EcnNegotiated), the marks it received
#    (EcnCeRx, at least one per marked packet), the echoes of the marks the
#    kernels received (EcnEceRx, TCPDeliveredCE) and its CWRs (EcnCwrTx);
#  - the kernels saw ECT(0) from hagd (IpExtInECT0Pkts), the CE marks
#    (IpExtInCEPkts, at least the ingress marks) and hagd's echoes of the
#    marks on their own data (TcpExtTCPDeliveredCE).
# The sysctls and hagd's default configuration are restored at exit.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-8}
BYTES=$((MIB << 20))
MARK_EVERY=${HAG_E2E_ECN_EVERY:-20}
old_cl=$(ip netns exec "$HAG_CLIENT_NS" sysctl -n net.ipv4.tcp_ecn)
old_sv=$(ip netns exec "$HAG_SERVER_NS" sysctl -n net.ipv4.tcp_ecn)

ecn_marks_off() { local ns; for ns in "$HAG_CLIENT_NS" "$HAG_SERVER_NS"; do
	ip netns exec "$ns" nft delete table ip hag_ecn 2>/dev/null
	ip netns exec "$ns" nft delete table netdev hag_ecn 2>/dev/null
done; return 0; }
ecn_exit() {
	kill_own
	ecn_marks_off
	ip netns exec "$HAG_CLIENT_NS" sysctl -qw net.ipv4.tcp_ecn="$old_cl"
	ip netns exec "$HAG_SERVER_NS" sysctl -qw net.ipv4.tcp_ecn="$old_sv"
	[[ -n "${restarted:-}" ]] && { testbed_restore || echo "# could not restore the default testbed"; }
}
trap '_rc=$?; ecn_exit; (exit $_rc); _e2e_exit' EXIT

# ecn_marks NS DEV...: CE on every MARK_EVERY-th ECT(0) packet NS sends
# (counter ce_tx) and every MARK_EVERY-th one its DEVs receive (ce_rx).
ecn_marks() {
	local ns=$1 dev chains=""; shift
	for dev in "$@"; do
		chains+="chain ig_$dev { type filter hook ingress device \"$dev\" priority 0; policy accept;
			ip ecn ect0 numgen inc mod $MARK_EVERY 0 counter name ce_rx ip ecn set ce; }
"
	done
	ip netns exec "$ns" nft -f - <<EOF
table ip hag_ecn {
	counter ce_tx { }
	chain out {
		type filter hook output priority 0; policy accept;
		ip protocol tcp ip ecn ect0 numgen inc mod $MARK_EVERY 0 counter name ce_tx ip ecn set ce
	}
}
table netdev hag_ecn {
	counter ce_rx { }
	$chains
}
EOF
}
# ecn_count NS FAMILY NAME: packets counted by an ecn_marks counter.
ecn_count() {
	ip netns exec "$1" nft list counter "$2" hag_ecn "$3" 2>/dev/null |
		awk '$1 == "packets" { n = $2 } END { print n + 0 }'
}
nstat_ns() { ip netns exec "$1" nstat -asz >"$2" 2>/dev/null; }

conf=$WORK/ecn.json
$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$conf" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("tcp", {})["ecn"] = "on"
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
restart_or_fail "$conf" "tcp.ecn on" || { testbed_restore; e2e_end; }
restarted=1
ecn_sysctls() {
	ip netns exec "$HAG_CLIENT_NS" sysctl -qw net.ipv4.tcp_ecn=1 &&
		ip netns exec "$HAG_SERVER_NS" sysctl -qw net.ipv4.tcp_ecn=2
}
ecn_marks_on() { ecn_marks "$HAG_CLIENT_NS" dsl lte && ecn_marks "$HAG_SERVER_NS" up; }
harness_step "client asks for ECN (tcp_ecn=1), server accepts (tcp_ecn=2)" ecn_sysctls
harness_step "nftables marks CE on 1 ECT(0) packet in $MARK_EVERY" ecn_marks_on

base=$(mempool_in_use)
stats_snap "$WORK/before.json"
nstat_ns "$HAG_CLIENT_NS" "$WORK/client.nstat.before"
nstat_ns "$HAG_SERVER_NS" "$WORK/server.nstat.before"
server_start "$WORK/server" --bytes "$BYTES" --seed ecn-down --timeout 60
client_run "$WORK/client" 120 --bytes "$BYTES" --seed ecn-up --bind 10.10.1.2 --timeout 60
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
sleep 0.3
stats_snap "$WORK/after.json"
nstat_ns "$HAG_CLIENT_NS" "$WORK/client.nstat.after"
nstat_ns "$HAG_SERVER_NS" "$WORK/server.nstat.after"
check_eq "transfer with CE marks finished (${MIB} MiB each way)" "$crc/$src" 0/0
((crc == 0)) || show_file client "$WORK/client.err"
((src == 0)) || show_file server "$WORK/server.err"
check_pair "ecn transfer" "$WORK/client" "$WORK/server"

cl_tx=$(ecn_count "$HAG_CLIENT_NS" ip ce_tx) cl_rx=$(ecn_count "$HAG_CLIENT_NS" netdev ce_rx)
sv_tx=$(ecn_count "$HAG_SERVER_NS" ip ce_tx) sv_rx=$(ecn_count "$HAG_SERVER_NS" netdev ce_rx)
diag "CE marked: client sent $cl_tx, client received $cl_rx, server sent $sv_tx, server received $sv_rx"
# Each count > 0 says the kernel and hagd sent ECT(0): nothing else is marked.
check_gt "the client's data was ECT(0) (marked $cl_tx)" "$cl_tx" 0
check_gt "hagd's data toward the client was ECT(0) (marked $cl_rx)" "$cl_rx" 0
check_gt "the server's data was ECT(0) (marked $sv_tx)" "$sv_tx" 0
check_gt "hagd's data toward the server was ECT(0) (marked $sv_rx)" "$sv_rx" 0

check_moved "$WORK/before.json" "$WORK/after.json" tcp.EcnNegotiated 2
# A mark on an outgoing GSO packet marks all its segments: at least one each.
check_moved "$WORK/before.json" "$WORK/after.json" tcp.EcnCeRx $((cl_tx + sv_tx))
check_moved "$WORK/before.json" "$WORK/after.json" tcp.EcnEceRx
check_moved "$WORK/before.json" "$WORK/after.json" tcp.TCPDeliveredCE
check_moved "$WORK/before.json" "$WORK/after.json" tcp.EcnCwrTx

for side in client server; do
	marks=$cl_rx
	[[ $side == server ]] && marks=$sv_rx
	f0=$WORK/$side.nstat.before f1=$WORK/$side.nstat.after
	check_gt "$side kernel: IpExtInECT0Pkts moved (hagd's ECT(0))" "$(nstat_delta "$f0" "$f1" IpExtInECT0Pkts)" 0
	check_gt "$side kernel: IpExtInCEPkts at least the $marks ingress marks" \
		"$(nstat_delta "$f0" "$f1" IpExtInCEPkts)" $((marks - 1))
	check_gt "$side kernel: TcpExtTCPDeliveredCE moved (hagd echoed the CE on its data with ECE)" \
		"$(nstat_delta "$f0" "$f1" TcpExtTCPDeliveredCE)" 0
done

check_hagd_alive
check_mempool "$base"
e2e_end

#!/usr/bin/env bash
# IPv6 on hagd's access ports, as far as issue 17 has come (lib/net): the
# kernel client resolves hagd's addresses with Neighbour Discovery and pings
# them (global and link-local, from the kernel's own ICMPv6 socket), and its
# neighbour table then holds hagd's MAC; scapy sends what hagd must refuse:
# UDP (Parameter Problem code 1 at the Next Header), a Routing header type 0
# with segments left (code 0 at its type, RFC 5095), a fragment (dropped,
# counted), an NS with hop limit 64 (invalid, counted). Each answer is
# checked on the wire and each drop by its counter. Then TCP over IPv6 through
# hagd (lib/tcp's IPv6): hagd restarted with IPv6 listeners, the kernel client
# sends to [2001:db8:10::1]:8080 relayed to the IPv4 server, and to [::]:8081
# relayed to the server's IPv6 address (its side given IPv6 for this test),
# plain TCP and MPTCP, bytes hashed both ways, the server seeing hagd's
# address of the right family; MPTCP connections whose subflows are of both
# families (hagd announcing 2001:db8:20::1 and 10.10.2.1), and one to the IPv6
# service address 2001:db8:ff::1 with both subflows over IPv6 (dsl and lte),
# each subflow seen established in the client's ss; hagctl withdraw and
# announce of an IPv6 address; a SYN to an IPv6 port nobody listens on gets a
# RST. hagd still runs and leaks no mbuf.
. "$(dirname "$0")/lib.sh"
e2e_begin

if [[ "${HAGD_VDEV:-}" == kernel ]]; then
	skip "IPv6 through hagd" "hagd's lib/net counters (the kernel gateway answers ICMPv6 its own way)"
	e2e_end
fi
read -r gw6_dsl gw6_lte <<<"${HAG_GW_ADDRS6:-}"
if [[ -z "$gw6_lte" ]]; then
	not_ok "harness: testbed.env names hagd's IPv6 addresses (HAG_GW_ADDRS6)"
	e2e_end
fi
base=$(mempool_in_use)
stats_snap "$WORK/before.json"
ROOT=$ROOT timeout -k 2 60 ip netns exec "$HAG_CLIENT_NS" $PY - "$gw6_dsl" "$gw6_lte" >"$WORK/v6.json" 2>"$WORK/v6.err" <<'PYEOF'
import json, os, subprocess, sys, time
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (IPv6, UDP, TCP, ICMPv6ParamProblem, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr,
                       ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6PacketTooBig, IPv6ExtHdrRouting,
                       IPv6ExtHdrFragment, Ether, Raw, conf, get_if_hwaddr, send, sendp, sr1)
conf.verb = 0
gw_dsl, gw_lte = sys.argv[1], sys.argv[2]
out = {}

def ping(addr, ifname):
    """ICMPv6 echo through the kernel's own socket (it resolves addr with ND): hagload.py ping."""
    return subprocess.run([sys.executable, os.path.join(os.environ["ROOT"], "tests/tools/hagload.py"), "ping",
                           "--iface", ifname, "--count", "3", "--timeout", "2", addr],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

out["ping_dsl"] = ping(gw_dsl, "dsl")
out["ping_lte"] = ping(gw_lte, "lte")
# hagd's link-local address on dsl: fe80::/64 with the EUI-64 of its MAC (learnt by the ping above).
lines = os.popen("ip -6 neigh show %s dev dsl" % gw_dsl).read().split()
mac = lines[lines.index("lladdr") + 1] if "lladdr" in lines else ""
out["neigh_dsl"] = mac
if mac:
    b = bytes(int(x, 16) for x in mac.split(":"))
    ll = "fe80::%02x%02x:%02xff:fe%02x:%02x%02x" % (b[0] ^ 2, b[1], b[2], b[3], b[4], b[5])
    out["ll_dsl"] = ll
    out["ping_ll"] = ping(ll, "dsl")

def pp(pkt):
    r = sr1(pkt, iface="dsl", timeout=2)
    if r is not None and ICMPv6ParamProblem in r:
        return {"code": int(r[ICMPv6ParamProblem].code), "ptr": int(r[ICMPv6ParamProblem].ptr), "src": r[IPv6].src}
    return None

out["udp"] = pp(IPv6(dst=gw_dsl) / UDP(sport=5000, dport=5000) / b"x")
out["rh0"] = pp(IPv6(dst=gw_dsl) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8:10::9"], segleft=1) /
                TCP(dport=8080))
out["frag"] = pp(IPv6(dst=gw_dsl) / IPv6ExtHdrFragment(m=1, id=7) / TCP(dport=8080) / (b"y" * 64))
# An NS with hop limit 64: off-link, invalid (RFC 4861 7.1.1); no answer.
my = get_if_hwaddr("dsl")
ns = (Ether(src=my, dst="33:33:ff:00:00:01") / IPv6(src="2001:db8:10::2", dst="ff02::1:ff00:1", hlim=64) /
      ICMPv6ND_NS(tgt=gw_dsl) / ICMPv6NDOptSrcLLAddr(lladdr=my))
sendp(ns, iface="dsl")
# Hop limit 0 to hagd itself: a final destination processes it (RFC 8200 3: only forwarding decrements).
r = sr1(IPv6(dst=gw_dsl, hlim=0) / ICMPv6EchoRequest(id=7, seq=1), iface="dsl", timeout=2)
out["hl0_reply"] = r is not None and ICMPv6EchoReply in r
# A Packet Too Big below the minimum MTU, quoting a segment of no connection: ignored, hagd unharmed.
send(IPv6(dst=gw_dsl) / ICMPv6PacketTooBig(mtu=1000) /
     bytes(IPv6(src=gw_dsl, dst="2001:db8:10::2") / TCP(sport=8080, dport=40000, seq=1)))
# An NA with an option of length 0 (RFC 4861 7.1.2: discarded).
sendp(Ether(src=my, dst="33:33:00:00:00:01") / IPv6(src="2001:db8:10::2", dst="ff02::1", hlim=255) /
      ICMPv6ND_NA(tgt="2001:db8:10::2", R=0, S=0, O=1) / Raw(b"\x02\x00\x00\x00\x00\x00\x00\x00"), iface="dsl")
time.sleep(0.3)
json.dump(out, sys.stdout)
PYEOF
rc=$?
stats_snap "$WORK/after.json"
if ((rc == 0)) && [[ -s "$WORK/v6.json" ]]; then
	diag "harness: the IPv6 probes ran"
else
	not_ok "harness: the IPv6 probes ran"; diag "exit $rc: $(tail -n 5 "$WORK/v6.err")"
fi
diag "$(cat "$WORK/v6.json" 2>/dev/null)"
gw_mac=$(ip netns exec "$HAG_GW_NS" cat /sys/class/net/dsl-gw/address 2>/dev/null)

check_eq "the kernel pings hagd's IPv6 address on dsl" "$(jget "$WORK/v6.json" ping_dsl)" true
check_eq "the kernel pings hagd's IPv6 address on lte" "$(jget "$WORK/v6.json" ping_lte)" true
check_eq "the kernel's neighbour table holds hagd's dsl MAC (NS answered)" "$(jget "$WORK/v6.json" neigh_dsl)" "$gw_mac"
check_eq "the kernel pings hagd's link-local address on dsl" "$(jget "$WORK/v6.json" ping_ll)" true
check_eq "UDP: Parameter Problem code 1" "$(jget "$WORK/v6.json" udp.code)" 1
check_eq "UDP: pointing at the Next Header (offset 6)" "$(jget "$WORK/v6.json" udp.ptr)" 6
check_eq "Routing type 0 with segments left: Parameter Problem code 0" "$(jget "$WORK/v6.json" rh0.code)" 0
check_eq "Routing type 0: pointing at its type (offset 42)" "$(jget "$WORK/v6.json" rh0.ptr)" 42
check_eq "a fragment: no answer" "$(jget "$WORK/v6.json" frag)" ""
check_eq "an echo request with hop limit 0 to hagd is answered (a final destination)" "$(jget "$WORK/v6.json" hl0_reply)" true
check_moved "$WORK/before.json" "$WORK/after.json" ip.Icmp6InPktTooBigs
check_moved "$WORK/before.json" "$WORK/after.json" tcp.IcmpIgnored
check_gt "the NS with hop limit 64 and the NA with a 0-length option: Icmp6InErrors >= 2" \
	"$(ctr_delta "$WORK/before.json" "$WORK/after.json" ip.Icmp6InErrors)" 1
for c in Ip6InReceives Icmp6InEchos Icmp6OutEchoReplies Icmp6InNeighborSolicits Icmp6OutNeighborAdvertisements \
	 Ip6InUnknownProtos Icmp6OutParmProblems Ip6RoutingDrops Ip6FragDrops Icmp6InErrors; do
	check_moved "$WORK/before.json" "$WORK/after.json" "ip.$c"
done
check_hagd_alive
check_mempool "$base"

# --- TCP and MPTCP over IPv6 through hagd --------------------------------------------
V6_UP=2001:db8:30::1
V6_SERVER=2001:db8:30::2
$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$WORK/ipv6.json" "$HAG_UPSTREAM_ADDR:$HAG_UPSTREAM_PORT" \
	"[$V6_SERVER]:$HAG_UPSTREAM_PORT" "$gw6_dsl" "$V6_UP" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
for p in c["ports"]:
    if p["name"] == "upstream":
        p["addr6"] = sys.argv[6] + "/64"
# ":PORT" takes both families: a subflow of either family may join on either port.
c["listeners"] = [{"listen": ":8080", "upstream": sys.argv[3]}, {"listen": ":8081", "upstream": sys.argv[4]},
                  {"listen": "[2001:db8:ff::1]:8082", "upstream": sys.argv[4]}]
# 2001:db8:ff::1 is the testbed's IPv6 service address (addresses[]), routed by the client to hagd.
# lte's IPv6 address, then its IPv4 one: ids 1 and 2, HMAC-signed ADD_ADDRs of both families.
c.setdefault("mptcp", {})["announce"] = ["2001:db8:20::1", "10.10.2.1"]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
# v6_pair NAME ADDR PORT SEED [SUBFLOW_RE [ARGS...]]: a transfer of 4 MiB each way from
# the client to ADDR:PORT, the server listening on both families; checked whole. With
# SUBFLOW_RE (an MPTCP transfer, paced to last a few seconds): the client's sockets
# are watched meanwhile (ss) for an established subflow whose peer matches it.
v6_pair() {
	local name=$1 addr=$2 port=$3 seed=$4 re=${5:-}; shift 4; (($#)) && shift
	local crc src pid seen=""
	server_start "$WORK/$seed.srv" --bind :: --bytes 4M --seed "$seed-down" --timeout 30 \
		${re:+--rate-mbit 16}
	bg_ns "$HAG_CLIENT_NS" "$WORK/$seed.cli" timeout -k 2 90 $HAGLOAD client --addr "$addr" --port "$port" \
		--bytes 4M --seed "$seed-up" --timeout 30 ${re:+--mptcp --rate-mbit 16} "$@"
	pid=$BG_PID
	if [[ -n "$re" ]]; then
		for ((i = 0; i < 60; i++)); do
			seen=$(ip netns exec "$HAG_CLIENT_NS" ss -tnH state established 2>/dev/null | grep -E -m1 "$re")
			[[ -n "$seen" ]] && break
			sleep 0.1
		done
		check "$name: a subflow to ${re//\\/} while it runs" test -n "$seen"
		diag "  ss: ${seen:-nothing matched; $(ip netns exec "$HAG_CLIENT_NS" ss -tnH state established | tr '\n' ';')}"
	fi
	wait_pid "$pid" 90
	crc=$?
	wait_pid "$SERVER_PID" 30
	src=$?
	check_eq "$name: the transfer finished" "$crc/$src" 0/0
	((crc == 0)) || show_file client "$WORK/$seed.cli"
	check_pair "$name" "$WORK/$seed.cli" "$WORK/$seed.srv"
}
if restart_or_fail "$WORK/ipv6.json" "IPv6 listeners"; then
	base=$(mempool_in_use)
	stats_snap "$WORK/tcp6.before.json"
	nstat_snap "$WORK/nstat.before"
	v6_pair "plain TCP over IPv6 to an IPv4 server" "$gw6_dsl" 8080 v6a
	check_eq "the IPv4 server saw hagd's IPv4 address" "$(jget "$WORK/v6a.srv" peer | cut -d: -f1)" "$HAG_UPSTREAM_GW"
	check "the client connected from its IPv6 address" grep -q '"local": "\[2001:db8:10::2\]' "$WORK/v6a.cli"
	v6_pair "plain TCP over IPv6 to an IPv6 server" "$gw6_dsl" 8081 v6b
	check_eq "the IPv6 server saw hagd's IPv6 address" "$(jget "$WORK/v6b.srv" peer | sed 's/^\[\(.*\)\]:.*/\1/')" "$V6_UP"
	# Path MTU over IPv6 (RFC 8201): a 1280-byte hop between hagd and the server. nftables
	# drops larger IPv6 packets at the server (after the sniffer saw them), and for each
	# the "hop" (scapy, in the server's namespace) answers hagd with a Packet Too Big of
	# MTU 1280 quoting it; the transfer only completes if hagd sends smaller segments.
	ip netns exec "$HAG_SERVER_NS" nft -f - <<'NFT'
table netdev hag_pmtu {
	counter big { }
	chain ig {
		type filter hook ingress device "up" priority 0; policy accept;
		meta protocol ip6 meta length > 1280 counter name big drop
	}
}
NFT
	cat >"$WORK/ptb.py" <<'PYEOF'
import json, sys, time
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import AsyncSniffer, IPv6, ICMPv6PacketTooBig, conf, send
conf.verb = 0
hagd, me, ready = sys.argv[1], sys.argv[2], sys.argv[3]
state = {"ptbs": 0, "big": 0, "last": 0.0}
def big(p):
    if IPv6 not in p or p[IPv6].src != hagd or len(p[IPv6]) <= 1280:
        return
    state["big"] += 1
    now = time.monotonic()
    if now - state["last"] >= 0.05:
        state["last"] = now
        send(IPv6(src=me, dst=hagd) / ICMPv6PacketTooBig(mtu=1280) / bytes(p[IPv6])[:1232])
        state["ptbs"] += 1
sn = AsyncSniffer(iface="up", filter="ip6", prn=big, store=False)
sn.start()
time.sleep(0.5)
open(ready, "w").write("ready\n")
time.sleep(float(sys.argv[4]))
sn.stop()
print(json.dumps(state), flush=True)
PYEOF
	bg_ns "$HAG_SERVER_NS" "$WORK/ptb.out" timeout -k 2 40 $PY "$WORK/ptb.py" "$V6_UP" "$V6_SERVER" "$WORK/ptb.ready" 12
	ptb_pid=$BG_PID
	for ((i = 0; i < 100; i++)); do [[ -s "$WORK/ptb.ready" ]] && break; sleep 0.1; done
	stats_snap "$WORK/pmtu.before.json"
	v6_pair "plain TCP over IPv6 through a 1280-byte hop" "$gw6_dsl" 8081 v6p
	wait_pid "$ptb_pid" 30
	stats_snap "$WORK/pmtu.after.json"
	diag "  the hop: $(cat "$WORK/ptb.out" 2>/dev/null), nft dropped $(ip netns exec "$HAG_SERVER_NS" nft list counter netdev hag_pmtu big 2>/dev/null | grep -o 'packets [0-9]*')"
	check_gt "the hop answered big packets with Packet Too Big" "$(jget "$WORK/ptb.out" ptbs)" 0
	check_moved "$WORK/pmtu.before.json" "$WORK/pmtu.after.json" ip.Icmp6InPktTooBigs
	check_moved "$WORK/pmtu.before.json" "$WORK/pmtu.after.json" tcp.IcmpFragNeeded
	ip netns exec "$HAG_SERVER_NS" nft delete table netdev hag_pmtu 2>/dev/null
	# Mixed families (RFC 8684 3.4.1): the Linux client opens a subflow of the other family only
	# from an AF_INET6 socket that is not IPV6_V6ONLY (net/mptcp/pm.c mptcp_pm_addr_families_match:
	# an AF_INET socket takes IPv4 subflows only), to an address hagd announced.
	v6_pair "MPTCP first over IPv6, joined over IPv4" "$gw6_dsl" 8081 v6c '10\.10\.2\.1\]?:8081'
	check_eq "... the client's connection stayed MPTCP" "$(jget "$WORK/v6c.cli" mptcp.fallback)" false
	v6_pair "MPTCP first over IPv4 (an IPv6 socket), joined over IPv6" "::ffff:10.10.1.1" 8080 v6d \
		'\[2001:db8:20::1\]:8080'
	check_eq "... the client's connection stayed MPTCP" "$(jget "$WORK/v6d.cli" mptcp.fallback)" false
	# Both subflows over IPv6 to the service address: the client's lte gets an IPv6
	# "subflow" endpoint for this case (the testbed's is IPv4), removed after.
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint add 2001:db8:20::2 dev lte subflow
	v6_pair "MPTCP to the IPv6 service address, dsl and lte both over IPv6" "$HAG_SERVICE_ADDR6" 8082 v6e \
		'\[2001:db8:20::2\](%lte)?:[0-9]+ +\[2001:db8:ff::1\]:8082'
	check_eq "... the client's connection stayed MPTCP" "$(jget "$WORK/v6e.cli" mptcp.fallback)" false
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint delete addr 2001:db8:20::2
	# An IPv6-only lte path (as many mobile networks hand out): lte loses its IPv4 address and
	# endpoint for this case; a connection begun over IPv4 on dsl (an AF_INET6 socket to a
	# v4-mapped address) joins hagd's announced IPv6 address over lte. Restored after.
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint delete addr 10.10.2.2
	ip netns exec "$HAG_CLIENT_NS" ip addr del 10.10.2.2/24 dev lte
	v6_pair "MPTCP on an IPv6-only lte path, begun over IPv4 on dsl" "::ffff:$HAG_SERVICE_ADDR" 8080 v6f \
		'\[2001:db8:20::2\](%lte)?:[0-9]+ +\[2001:db8:20::1\]:8080'
	check_eq "... the client's connection stayed MPTCP" "$(jget "$WORK/v6f.cli" mptcp.fallback)" false
	ip netns exec "$HAG_CLIENT_NS" ip addr add 10.10.2.2/24 dev lte
	ip netns exec "$HAG_CLIENT_NS" ip route replace default via 10.10.2.1 dev lte table 102
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint add 10.10.2.2 dev lte subflow
	nstat_snap "$WORK/nstat.after"
	check_gt "the client saw MPTCP answered over IPv6 (MPTcpExtMPCapableSYNACKRX)" \
		"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPCapableSYNACKRX)" 0
	check_gt "the client accepted hagd's ADD_ADDRs (MPTcpExtAddAddr)" \
		"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtAddAddr)" 0
	# A SYN to an IPv6 port nobody listens on: a RST from lib/tcp (NoPort).
	rst=$(timeout -k 2 20 ip netns exec "$HAG_CLIENT_NS" $PY - "$gw6_dsl" 2>/dev/null <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect((sys.argv[1], 8999))
    print("connected")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print(type(e).__name__)
PYEOF
)
	check_eq "a connect to an IPv6 port without listener is refused (RST)" "$rst" refused
	# The operator withdraws the announced IPv6 address and offers it again (hagctl takes IPv6).
	wd=$(${HAGCTL% stats} withdraw 2001:db8:20::1 2>&1)
	check_eq "hagctl withdraw 2001:db8:20::1" "$(echo "$wd" | $PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)" withdrawn
	an=$(${HAGCTL% stats} announce 2001:db8:20::1 2>&1)
	check_eq "hagctl announce 2001:db8:20::1" "$(echo "$an" | $PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)" announced
	wd=$(${HAGCTL% stats} withdraw 2001:db8:20::9 2>&1)
	check "hagctl withdraw of an IPv6 address not announced is refused" grep -q "not an address of mptcp.announce" <<<"$wd"
	# The last connection's closes (MPTCP's DATA_FIN, then FIN) may still be on their way: 5 s at most.
	for ((i = 0; i < 50; i++)); do
		stats_snap "$WORK/tcp6.after.json"
		(($(ctr_delta "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" relay.Completed) >= 7)) && break
		sleep 0.1
	done
	check_eq "relay.Accepted +7" "$(ctr_delta "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" relay.Accepted)" 7
	check_eq "relay.AcceptedMPTCP +4" "$(ctr_delta "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" relay.AcceptedMPTCP)" 4
	check_eq "relay.Completed +7" "$(ctr_delta "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" relay.Completed)" 7
	for c in AddAddrTx EchoAdd MPJoinAckRx; do
		check_moved "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" "mptcp.$c"
	done
	check_eq "no ADD_ADDR failed its HMAC" \
		"$(ctr_delta "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" mptcp.AddAddrHMacFailure)" 0
	check_moved "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" tcp.NoPort
	check_moved "$WORK/tcp6.before.json" "$WORK/tcp6.after.json" ip.Icmp6OutNeighborSolicits
	check_hagd_alive
	check_mempool "$base"
fi
testbed_restore
e2e_end

#!/usr/bin/env bash
# Transparent mode (docs/config.md "transparent", docs/deployment.md): the
# client connects to the server's own address 10.20.0.2:9000 through hagd, its
# next hop. hagd terminates the MPTCP connection (both subflows: the lte one
# reaches hagd on the lte port, to the same destination) and connects to the
# server from its SNAT address 10.20.0.100 (answering ARP for it), from a port
# of tcp.local_ports; hashes match both ways. A plain TCP connection is
# intercepted too. A UDP datagram and a ping cross hagd routed (the server sees
# the client's address, TTL one less); a ping with TTL 1 gets ICMP time
# exceeded from hagd's dsl address; the same over IPv6 (the server's side
# given IPv6 for this test: hagd resolves both neighbours with ND, routes the
# echo and its reply, and answers hop limit 1 with ICMPv6 time exceeded). With transparent.mptcp_only, a plain TCP
# connection is routed to the server unchanged (it sees the client's address)
# while an MPTCP one is still terminated, and limits.per_client 2 refuses a
# third connection of one client at once (RST, relay.ClientLimitRefused) and
# lets a later one in.
. "$(dirname "$0")/lib.sh"
e2e_begin

DST=$HAG_UPSTREAM_ADDR          # 10.20.0.2: the server itself
SNAT=10.20.0.100
CLIENT_PREFIX=10.10.0.0/16

# transparent_conf OUT MPTCP_ONLY [PER_CLIENT]: the testbed config with a
# transparent section (and limits.per_client PER_CLIENT).
transparent_conf() {
	$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$1" "$2" "$SNAT" "$HAG_UPSTREAM_PORT" "${3:-0}" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["transparent"] = {
    "ingress": ["dsl", "lte"],
    "intercept": [{"prefix": "10.20.0.0/24", "ports": [int(sys.argv[5])]},
                  {"prefix": "2001:db8:30::/64", "ports": [int(sys.argv[5])]}],
    "mptcp_only": sys.argv[3] == "1",
    "snat": [sys.argv[4], "2001:db8:30::100"],
    "other": "route",
}
c.setdefault("tcp", {})["local_ports"] = "20000-29999"
for p in c["ports"]:
    if p["name"] == "upstream":
        p["addr6"] = "2001:db8:30::1/64"
if int(sys.argv[6]):
    c["limits"] = {"per_client": int(sys.argv[6])}
json.dump(c, open(sys.argv[2], "w"), indent=1)
PYEOF
}

# Routes of this test: the client reaches the server network through hagd on
# dsl (lte: its source-routed table), the server reaches the clients through hagd.
# IPv6 the same way (the server has 2001:db8:30::2: the testbed is dual-stack).
routes_add() {
	ip netns exec "$HAG_CLIENT_NS" ip route replace 10.20.0.0/24 via 10.10.1.1 dev dsl
	ip netns exec "$HAG_SERVER_NS" ip route replace "$CLIENT_PREFIX" via "$HAG_UPSTREAM_GW" dev up
	ip netns exec "$HAG_SERVER_NS" ip -6 route replace 2001:db8:10::/64 via 2001:db8:30::1 dev up
	ip netns exec "$HAG_CLIENT_NS" ip -6 route replace 2001:db8:30::/64 via 2001:db8:10::1 dev dsl
}
routes_del() {
	ip netns exec "$HAG_CLIENT_NS" ip route del 10.20.0.0/24 2>/dev/null
	ip netns exec "$HAG_SERVER_NS" ip route del "$CLIENT_PREFIX" 2>/dev/null
	ip netns exec "$HAG_CLIENT_NS" ip -6 route del 2001:db8:30::/64 2>/dev/null
	ip netns exec "$HAG_SERVER_NS" ip -6 route del 2001:db8:10::/64 2>/dev/null
	true
}

# peer_of FILE [LINE]: the address the server saw its client connection come from.
peer_of() { jget "$1" peer | cut -d: -f1; }
peer_port() { jget "$1" peer | cut -d: -f2; }

transparent_conf "$WORK/transparent.json" 0
restart_or_fail "$WORK/transparent.json" "transparent mode" || { testbed_restore; e2e_end; }
routes_add
base=$(mempool_in_use)
grep -q "transparent: 2 intercept rules on 2 access ports; other traffic routed" "$HAGD_LOG" &&
	ok "hagd logs its transparent mode" || not_ok "hagd logs its transparent mode"

# --- 1. MPTCP to the server's own address, terminated by hagd -------------------
BYTES=$((16 << 20))
stats_snap "$WORK/before.json"
nstat_snap "$WORK/nstat.before"
server_start "$WORK/server" --bytes "$BYTES" --seed tp-down --timeout 30
client_run "$WORK/client" 120 --addr "$DST" --port "$HAG_UPSTREAM_PORT" --bytes "$BYTES" --seed tp-up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
stats_snap "$WORK/after.json"
nstat_snap "$WORK/nstat.after"
check_eq "MPTCP transfer to $DST:$HAG_UPSTREAM_PORT finished" "$crc/$src" 0/0
((crc == 0)) || show_file client "$WORK/client.err"
check_pair "transparent MPTCP" "$WORK/client" "$WORK/server"
check_eq "the server saw hagd's SNAT address" "$(peer_of "$WORK/server")" "$SNAT"
p=$(peer_port "$WORK/server")
check "the upstream source port $p is in tcp.local_ports 20000-29999" test -n "$p" -a "${p:-0}" -ge 20000 -a "${p:-0}" -le 29999
check_moved "$WORK/before.json" "$WORK/after.json" relay.AcceptedTransparent
check_moved "$WORK/before.json" "$WORK/after.json" relay.AcceptedMPTCP
check_moved "$WORK/before.json" "$WORK/after.json" ip.Intercepted
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx
check_gt "the client's lte subflow joined (MPTcpExtMPJoinSynAckRx)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPJoinSynAckRx)" 0
check_gt "the client saw MPTCP answered (MPTcpExtMPCapableSYNACKRX)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtMPCapableSYNACKRX)" 0

# --- 2. plain TCP is intercepted too ------------------------------------------------
stats_snap "$WORK/before2.json"
server_start "$WORK/server2" --bytes 1M --seed tp2-down --timeout 30
client_run "$WORK/client2" 60 --addr "$DST" --port "$HAG_UPSTREAM_PORT" --bytes 1M --seed tp2-up --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after2.json"
check_eq "plain TCP transfer finished" "$crc" 0
check_pair "transparent plain TCP" "$WORK/client2" "$WORK/server2"
check_eq "the server saw the SNAT address for plain TCP too" "$(peer_of "$WORK/server2")" "$SNAT"
check_eq "relay.AcceptedTransparent +1" "$(ctr_delta "$WORK/before2.json" "$WORK/after2.json" relay.AcceptedTransparent)" 1

# --- 2b. IPv6: MPTCP to the server's IPv6 address, terminated, from the IPv6 SNAT address --
SNAT6=2001:db8:30::100
stats_snap "$WORK/before2b.json"
server_start "$WORK/server2b" --bind :: --bytes 4M --seed tp2b-down --timeout 30
client_run "$WORK/client2b" 60 --addr 2001:db8:30::2 --port "$HAG_UPSTREAM_PORT" --bytes 4M --seed tp2b-up --mptcp \
	--timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after2b.json"
check_eq "IPv6 MPTCP transfer to [2001:db8:30::2]:$HAG_UPSTREAM_PORT finished" "$crc" 0
((crc == 0)) || show_file client "$WORK/client2b"
check_pair "transparent MPTCP over IPv6" "$WORK/client2b" "$WORK/server2b"
check_eq "... still MPTCP at the client" "$(jget "$WORK/client2b" mptcp.fallback)" false
check_eq "the IPv6 server saw hagd's IPv6 SNAT address (hagd answered ND for it)" \
	"$(jget "$WORK/server2b" peer | sed 's/^\[\(.*\)\]:.*/\1/')" "$SNAT6"
p=$(jget "$WORK/server2b" peer | sed 's/.*\]://')
check "the IPv6 upstream source port $p is in tcp.local_ports 20000-29999" test -n "$p" -a "${p:-0}" -ge 20000 -a "${p:-0}" -le 29999
check_eq "relay.AcceptedTransparent +1 (IPv6)" "$(ctr_delta "$WORK/before2b.json" "$WORK/after2b.json" relay.AcceptedTransparent)" 1
check_moved "$WORK/before2b.json" "$WORK/after2b.json" ip.Intercepted

# --- 3. other traffic is routed -------------------------------------------------------
stats_snap "$WORK/before3.json"
rm -f "$WORK/udp.out"
cat >"$WORK/udp_rx.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
IP_RECVTTL = 12                  # Linux <netinet/in.h>; not in every Python
s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s.bind((sys.argv[1], 5353))
s.settimeout(10)
data, anc, _, src = s.recvmsg(2048, socket.CMSG_SPACE(4))
ttl = [int.from_bytes(d[:4], "little") for lvl, typ, d in anc if typ == socket.IP_TTL]
print("%s %s %d %s" % (src[0], data.decode(), ttl[0] if ttl else -1, len(data)), flush=True)
PYEOF
bg_ns "$HAG_SERVER_NS" "$WORK/udp.out" $PY "$WORK/udp_rx.py" "$DST"
UDP_PID=$BG_PID
sleep 0.5
ip netns exec "$HAG_CLIENT_NS" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 64)
s.sendto(b"hag-udp-datagram", (sys.argv[1], 5353))' "$DST"
wait_pid "$UDP_PID" 15
read -r usrc udata uttl _ <"$WORK/udp.out" 2>/dev/null || true
check_eq "the UDP datagram crossed hagd unchanged" "$udata" "hag-udp-datagram"
check_eq "its source is the client's own address (routed, no SNAT)" "$usrc" 10.10.1.2
check_eq "its TTL is one less (64 -> 63)" "$uttl" 63
ping_out=$(ip netns exec "$HAG_CLIENT_NS" $PY "$ROOT/tests/tools/hagload.py" ping --count 3 --timeout 2 "$DST" 2>&1)
check "a ping to $DST crosses hagd and is answered" grep -q "reply from $DST" <<<"$ping_out"
ttl_out=$(ip netns exec "$HAG_CLIENT_NS" $PY "$ROOT/tests/tools/hagload.py" ping --ttl 1 --count 2 --timeout 2 "$DST" 2>&1)
ttl_rc=$?
check_eq "a ping with TTL 1 gets ICMP time exceeded from hagd's dsl address" "$ttl_rc/$(grep -o 'from [0-9.]*' <<<"$ttl_out" | head -n 1)" "2/from 10.10.1.1"
# The same over IPv6, from the kernel's own ICMPv6 socket: an echo through hagd, then hop limit 1.
ping6_out=$(ip netns exec "$HAG_CLIENT_NS" $PY "$ROOT/tests/tools/hagload.py" ping --count 3 --timeout 2 2001:db8:30::2 2>&1)
check "a ping6 to 2001:db8:30::2 crosses hagd and is answered" grep -q "reply from 2001:db8:30::2" <<<"$ping6_out"
hop1_out=$(ip netns exec "$HAG_CLIENT_NS" $PY "$ROOT/tests/tools/hagload.py" ping --ttl 1 --count 2 --timeout 2 2001:db8:30::2 2>&1)
hop1_rc=$?
check_eq "a ping6 with hop limit 1 gets ICMPv6 time exceeded from hagd's dsl address" \
	"$hop1_rc/$(grep -o 'from [0-9a-f:]*' <<<"$hop1_out" | head -n 1)" "2/from 2001:db8:10::1"
stats_snap "$WORK/after3.json"
check_gt "ip.Ip6OutForwDatagrams counts the routed IPv6 packets (>= 2: echo, reply)" \
	"$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" ip.Ip6OutForwDatagrams)" 1
check_moved "$WORK/before3.json" "$WORK/after3.json" ip.Ip6HopLimitExceeded
check_moved "$WORK/before3.json" "$WORK/after3.json" ip.Icmp6OutErrors
check_gt "ip.ForwDatagrams counts the routed packets (>= 3: datagram, echo, reply)" \
	"$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" ip.ForwDatagrams)" 2
check_moved "$WORK/before3.json" "$WORK/after3.json" ip.TtlExceeded
check_moved "$WORK/before3.json" "$WORK/after3.json" ip.IcmpOutErrors
check_mempool "$base"

# --- 4. mptcp_only: plain TCP routed, MPTCP terminated -------------------------------
transparent_conf "$WORK/mptcp_only.json" 1 2
restart_or_fail "$WORK/mptcp_only.json" "transparent.mptcp_only and limits.per_client 2" ||
	{ routes_del; testbed_restore; e2e_end; }
routes_add
stats_snap "$WORK/before4.json"
server_start "$WORK/server4" --bytes 2M --seed tp4-down --timeout 30
client_run "$WORK/client4" 60 --addr "$DST" --port "$HAG_UPSTREAM_PORT" --bytes 2M --seed tp4-up --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after4.json"
check_eq "mptcp_only: plain TCP transfer finished" "$crc" 0
check_pair "mptcp_only plain TCP (routed)" "$WORK/client4" "$WORK/server4"
check_eq "mptcp_only: the server saw the client's own address" "$(peer_of "$WORK/server4")" 10.10.1.2
check_still "$WORK/before4.json" "$WORK/after4.json" relay.Accepted
check_moved "$WORK/before4.json" "$WORK/after4.json" ip.InterceptBypass
# The same over IPv6: plain TCP to the server's IPv6 address is routed (hop limit one less, no SNAT).
server_start "$WORK/server4b" --bind :: --bytes 1M --seed tp4b-down --timeout 30
client_run "$WORK/client4b" 60 --addr 2001:db8:30::2 --port "$HAG_UPSTREAM_PORT" --bytes 1M --seed tp4b-up --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after4b.json"
check_eq "mptcp_only: plain TCP over IPv6 finished" "$crc" 0
check_pair "mptcp_only plain TCP over IPv6 (routed)" "$WORK/client4b" "$WORK/server4b"
check_eq "mptcp_only: the IPv6 server saw the client's own address" \
	"$(jget "$WORK/server4b" peer | sed 's/^\[\(.*\)\]:.*/\1/')" 2001:db8:10::2
check_still "$WORK/after4.json" "$WORK/after4b.json" relay.Accepted
check_moved "$WORK/after4.json" "$WORK/after4b.json" ip.Ip6OutForwDatagrams
server_start "$WORK/server5" --bytes 2M --seed tp5-down --timeout 30
client_run "$WORK/client5" 60 --addr "$DST" --port "$HAG_UPSTREAM_PORT" --bytes 2M --seed tp5-up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
stats_snap "$WORK/after5.json"
check_eq "mptcp_only: MPTCP transfer finished" "$crc" 0
check_pair "mptcp_only MPTCP (terminated)" "$WORK/client5" "$WORK/server5"
check_eq "mptcp_only: the server saw the SNAT address for MPTCP" "$(peer_of "$WORK/server5")" "$SNAT"
check_moved "$WORK/after4b.json" "$WORK/after5.json" relay.AcceptedMPTCP

# --- 5. limits.per_client 2: a third connection at once is refused, a later one not --
# The connections before must be gone first: they count until both sides closed.
for ((i = 0; i < 50; i++)); do
	stats_snap "$WORK/idle.json"
	[[ "$(ctr_get "$WORK/idle.json" relay.Active)" == 0 ]] && break
	sleep 0.1
done
check_eq "no relayed connection left before the limit test" "$(ctr_get "$WORK/idle.json" relay.Active)" 0
server_start "$WORK/server6" --count 3 --bytes 0 --timeout 20
cat >"$WORK/limit.py" <<'PYEOF'
import socket, sys, time
dst = (sys.argv[1], int(sys.argv[2]))
def mp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)   # IPPROTO_MPTCP
    s.settimeout(5)
    return s
held = [mp(), mp()]
for s in held:
    s.connect(dst)
third = mp()
try:
    third.connect(dst)
    r3 = "connected"
except ConnectionRefusedError:
    r3 = "refused"
for s in held:
    s.close()
time.sleep(1.5)     # both relays end: the address's count goes back to 0
later = mp()
try:
    later.connect(dst)
    later.sendall(b"x")
    r4 = "connected"
except OSError as e:
    r4 = "error %s" % e
later.close()
print(r3, r4)
PYEOF
lim=$(ip netns exec "$HAG_CLIENT_NS" timeout 30 $PY "$WORK/limit.py" "$DST" "$HAG_UPSTREAM_PORT" 2>&1)
wait_pid "$SERVER_PID" 20
stats_snap "$WORK/after6.json"
check_eq "limits.per_client 2: the third connection at once refused, one after they closed accepted" "$lim" "refused connected"
check_eq "relay.ClientLimitRefused +1" "$(ctr_delta "$WORK/idle.json" "$WORK/after6.json" relay.ClientLimitRefused)" 1
check_hagd_alive

routes_del
testbed_restore
e2e_end

#!/usr/bin/env bash
# Hand-made segments (tests/tools/craft.py), each a named case in its JSON
# with what hagd answered on the wire and what each of its counters moved by
# during the case (craft.py reads hagctl before and after every case):
#  a-d  malformed MP_CAPABLE in SYNs, malformed DSS after a handshake, an
#       MP_JOIN with an unknown token, and inside one live hand-made
#       connection a DSS mapping far past the window, a DATA_FIN at a wrong
#       DSN, an ADD_ADDR with a bad HMAC, an MP_JOIN whose third ACK has a bad
#       HMAC (counted, reset where due, the connection keeps moving data);
#  l    lengths that do not add up (IPv4, TCP, options, cut frames);
#  f    flag combinations to the listener and to an established connection
#       (RFC 9293, RFC 5961), URG data;
#  w    MPTCP options in the wrong segment;
#  s    DSS mappings and DATA_ACKs beyond the data-level windows;
#  r    RST storms: challenge ACKs, rate limited; the exact RST resets;
#  t    tokens and keys of another live connection.
# Then: hagd still runs, still relays a normal transfer, and leaks no mbuf.
# A check of a known gap of hagd is a TODO (TAP), with the reason.
. "$(dirname "$0")/lib.sh"
e2e_begin

base=$(mempool_in_use)
# An upstream for the crafted connections that complete their handshake
# (1 KiB toward each; its sockets outlive the run: no close of its own may
# move a counter during a case).
server_start "$WORK/upstream" --bytes 1K --count 0 --accept-timeout 30 --timeout 60 --seed craft --hold-open
stats_snap "$WORK/before.json"
timeout -k 2 90 ip netns exec "$HAG_CLIENT_NS" $CRAFT --hagctl "$HAGCTL" >"$WORK/craft.json" 2>"$WORK/craft.err"
rc=$?
stats_snap "$WORK/after.json"

if ((rc == 0)) && [[ -n "$(jget "$WORK/craft.json" dst)" ]]; then
	diag "harness: craft.py ran"
else
	not_ok "harness: craft.py ran"; diag "exit $rc: $(tail -n 5 "$WORK/craft.err")"
fi
# One line per case: what hagd answered.
$PY - "$WORK/craft.json" <<'PYEOF' | while IFS= read -r l; do diag "$l"; done
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(0)
def fmt(rs):
    return ", ".join(r["flags"] + ("+" + "/".join(str(o.get("subtype")) for o in r["mptcp"]) if r["mptcp"] else "")
                     + ("(%dB)" % r["len"] if r["len"] else "") for r in rs) or "nothing"
for name, c in sorted(d["cases"].items()):
    if name.startswith("b_"):
        print("%-26s SYN -> %s; DSS len 14 -> %s; DSS len 5 -> %s" % (name, fmt(c.get("syn_responses", [])),
              fmt(c.get("dss_len14_responses", [])), fmt(c.get("dss_len5_responses", []))))
    else:
        print("%-26s %s -> %s%s" % (name, c.get("sent"), c.get("answer", fmt(c.get("responses", []))),
              " (+%d data segments of hagd's)" % c["data_segments"] if c.get("data_segments") else ""))
PYEOF

if [[ "${HAGD_VDEV:-}" == kernel ]]; then
	skip "hagd mptcp.OptionMalformed moved" "the kernel has no such counter"
else
	check_moved "$WORK/before.json" "$WORK/after.json" mptcp.OptionMalformed
fi
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinNoTokenFound
check_moved "$WORK/before.json" "$WORK/after.json" tcp.OutRsts
check_eq "MP_JOIN with an unknown token is answered with a RST" \
	"$(jget "$WORK/craft.json" cases.c_join_unknown_token.rst)" true
check_eq "crafted MP_CAPABLE SYN gets an MP_CAPABLE SYN/ACK with a key" \
	"$(jget "$WORK/craft.json" cases.b_bad_dss.synack_mp_capable)" true
for c in a1_mpc_len3 a2_mpc_len10 a3_mpc_truncated; do
	# A malformed MP_CAPABLE must not be taken as MP_CAPABLE.
	if [[ "$(jget "$WORK/craft.json" cases.$c.synack_mp_capable)" != true ]]; then
		ok "$c: not answered as MP_CAPABLE"
	else
		not_ok "$c: not answered as MP_CAPABLE"
	fi
done

# d: forgeries inside a live connection (made by hand, keys known).
d=cases.d_forgeries
check_eq "d: hand-made MPTCP connection moves data" "$(jget "$WORK/craft.json" $d.data_before)" true
if [[ "${HAGD_VDEV:-}" != kernel ]]; then
	check_moved "$WORK/before.json" "$WORK/after.json" mptcp.DataOutOfWindow
	check_moved "$WORK/before.json" "$WORK/after.json" mptcp.DataFinInvalid
	check_moved "$WORK/before.json" "$WORK/after.json" mptcp.AddAddrHMacFailure
fi
check_eq "d1: bytes mapped past the data-level window are not acknowledged" \
	"$(jget "$WORK/craft.json" $d.d1_refused)" true
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckHMacFailure
check_eq "d4: hagd's MP_JOIN SYN/ACK HMAC is right (checked with Python's hmac)" \
	"$(jget "$WORK/craft.json" $d.d4_synack_hmac_ok)" true
check_eq "d4: a third ACK with a wrong HMAC is reset" "$(jget "$WORK/craft.json" $d.d4_rst)" true
for k in data_after_d1 data_after_d2 data_after_d3 data_after_d4; do
	check_eq "d: the connection still moves data ($k)" "$(jget "$WORK/craft.json" $d.$k)" true
done

# Cases l, f, w, s, r, t: one check per line, "CASE EXPR [TODO reason]", EXPR one of
#   answer=A        what hagd answered (segments without data): "nothing", or their flags ("SA", "R,R")
#   FIELD / !FIELD  a field of the case in craft.json is true / false
#   FIELD=V, >=, <= a field compared (numbers, or text; lists joined by ",")
#   G.NAME=N, >=N   hagd's counter G.NAME (hagctl stats) moved by N / at least N during the case
#   gap             (with TODO) what the case does is counted by no counter of its own
# A line with TODO is a known gap of hagd: TAP "not ok ... # TODO reason" while it fails.
cat >"$WORK/checks.txt" <<'EOF'
# l: lengths. Each a SYN to the listener: no SYN/ACK, dropped where the length is found out.
l1_ip_len_past_frame       answer=nothing
l1_ip_len_past_frame       ip.InTruncatedPkts>=1
l2_ip_len_below_ihl        answer=nothing
l2_ip_len_below_ihl        ip.InHdrErrors>=1
l3_ip_len_below_tcp        answer=nothing
l3_ip_len_below_tcp        tcp.InErrs>=1
l4_ihl_4                   answer=nothing
l4_ihl_4                   ip.InHdrErrors>=1
l5_doff_4                  answer=nothing
l5_doff_4                  tcp.InErrs>=1
l6_doff_past_segment       answer=nothing
l6_doff_past_segment       tcp.InErrs>=1
l7_cut_in_tcp              answer=nothing
l7_cut_in_tcp              ip.InTruncatedPkts>=1
l8_cut_in_ip               answer=nothing
l8_cut_in_ip               ip.InTruncatedPkts>=1
l9_opt_past_header         answer=nothing
l9_opt_past_header         tcp.InErrs>=1
l10_opt_no_length          answer=nothing
l10_opt_no_length          tcp.InErrs>=1
l11_ip_bad_csum            answer=nothing
l11_ip_bad_csum            ip.InHdrErrors>=1
l12_tcp_bad_csum           answer=nothing
l12_tcp_bad_csum           tcp.InCsumErrors>=1
l13_ip_version_6           answer=nothing
l13_ip_version_6           ip.InHdrErrors>=1
l14_fragment               answer=nothing
l14_fragment               ip.FragDrops>=1
l15_opt_past_header_estab  answer=nothing
l15_opt_past_header_estab  not_acked
l15_opt_past_header_estab  tcp.InErrs>=1
l15_opt_past_header_estab  data_after
# f: flags to the listener (RFC 9293 3.10.7.2: RST first, then ACK, then SYN, else drop) ...
f1_synfin_listen           answer=SA
f1_synfin_listen           synack_acks_syn_only
f1_synfin_listen           tcp.PassiveOpens>=1
f2_synrst_listen           answer=nothing
f2_synrst_listen           tcp.PassiveOpens=0
f2_synrst_listen           tcp.RstNoSocket>=1
f3_null_listen             answer=nothing
f3_null_listen             tcp.NoAckDrops>=1
f3_null_listen             tcp.NoPort=0
f3_null_listen             tcp.PassiveOpens=0
f4_xmas_listen             answer=nothing
f4_xmas_listen             tcp.PassiveOpens=0
f4_xmas_listen             tcp.RstNoSocket>=1
# ... and to an established connection (RFC 9293 3.10.7.4; RFC 5961 3.2 and 4.2: challenge ACKs).
f5_fin_noack_estab         answer=nothing
f5_fin_noack_estab         data_after
f5_fin_noack_estab         tcp.NoAckDrops>=1
f6_null_estab              answer=nothing
f6_null_estab              data_after
f6_null_estab              tcp.NoAckDrops>=1
f7_synfin_estab            challenge_ack
f7_synfin_estab            tcp.TCPChallengeACK>=1
f7_synfin_estab            data_after
f8_synrst_estab            challenge_ack
f8_synrst_estab            !rst
f8_synrst_estab            tcp.TCPChallengeACK>=1
f8_synrst_estab            tcp.InRsts=0
f8_synrst_estab            data_after
f9_xmas_estab              challenge_ack
f9_xmas_estab              tcp.TCPChallengeACK>=1
f9_xmas_estab              tcp.InRsts=0
f9_xmas_estab              data_after
f10_urg_data               acked
f10_urg_data               data_after
f11_too_old_ack            !acked
f11_too_old_ack            challenge_ack
f11_too_old_ack            tcp.TooOldAck>=1
f11_too_old_ack            tcp.TCPChallengeACK>=1
f11_too_old_ack            data_after
f_close                    fin_acked
f_close                    peer_fin
f_close                    relay.Completed>=1
# w: MPTCP options in the wrong segment (ignored; the connection goes on).
w1_mpc_syn_on_data         acked
w1_mpc_syn_on_data         mptcp.MPCapableSYNRX=0
w1_mpc_syn_on_data         mptcp.MPCapableBadKey=0
w1_mpc_syn_on_data         data_after
w1_mpc_syn_on_data         mptcp.MisplacedOption>=1
w2_mpc_ack_on_data         acked
w2_mpc_ack_on_data         mptcp.MPCapableACKRX=0
w2_mpc_ack_on_data         mptcp.MPCapableBadKey=0
w2_mpc_ack_on_data         data_after
w2_mpc_ack_on_data         mptcp.MisplacedOption>=1
w3_mpj_on_data             acked
w3_mpj_on_data             mptcp.MPJoinSynRx=0
w3_mpj_on_data             data_after
w3_mpj_on_data             mptcp.MisplacedOption>=1
w4_mpj_on_ack              answer=R
w4_mpj_on_ack              rst_seq_is_ack
w4_mpj_on_ack              tcp.NoPort>=1
w4_mpj_on_ack              mptcp.MPJoinSynRx=0
w4_mpj_on_ack              data_after
w5_addaddr_in_syn          answer=SA
w5_addaddr_in_syn          synack_mptcp=MP_CAPABLE
w5_addaddr_in_syn          mptcp.MPCapableSYNRX>=1
w5_addaddr_in_syn          mptcp.AddAddr=0
w5_addaddr_in_syn          mptcp.AddAddrHMacFailure=0
w5_addaddr_in_syn          mptcp.MisplacedOption>=1
w6_dss_in_syn              answer=SA
w6_dss_in_syn              synack_mptcp=
w6_dss_in_syn              mptcp.PlainSYNRX>=1
w6_dss_in_syn              mptcp.EarlyDSS=0
w7_mpc_ack_on_plain        data_acked
w7_mpc_ack_on_plain        no_mptcp_answers
w7_mpc_ack_on_plain        mptcp.PlainSYNRX>=1
w7_mpc_ack_on_plain        mptcp.MPCapableACKRX=0
w7_mpc_ack_on_plain        mptcp.MPCapableBadKey=0
w7_mpc_ack_on_plain        tcp.MptcpOptOnPlain>=1
# s: DSS beyond the data-level windows.
s1_dss_old                 subflow_acked
s1_dss_old                 data_ack_kept
s1_dss_old                 !data_ack_moved
s1_dss_old                 mptcp.DuplicateData>=1
s1_dss_old                 data_after
s2_dss_far_behind          !subflow_acked
s2_dss_far_behind          !data_ack_moved
s2_dss_far_behind          mptcp.DataOutOfWindow>=1
s2_dss_far_behind          tcp.TCPOFODrop>=1
s2_dss_far_behind          data_after
s3_dss_straddles_idsn      !data_ack_moved
s3_dss_straddles_idsn      mptcp.DuplicateData>=1
s3_dss_straddles_idsn      data_after
s4_dss_far_ahead           !subflow_acked
s4_dss_far_ahead           !data_ack_moved
s4_dss_far_ahead           mptcp.DataOutOfWindow>=1
s4_dss_far_ahead           tcp.TCPOFODrop>=1
s4_dss_far_ahead           data_after
s5_data_ack_unsent         answer=nothing
s5_data_ack_unsent         relay.BytesDown=0
s5_data_ack_unsent         data_after
s5_data_ack_unsent         mptcp.DataAckUnsent>=1
s6_data_ack_right          relay.BytesDown>=1024
s6_data_ack_right          data_after
# r: RST storms on a live plain connection (RFC 5961 3.2, 7).
r1_rst_storm_in_window     challenge_acks>=1
r1_rst_storm_in_window     !rst
r1_rst_storm_in_window     tcp.TCPChallengeACK>=1
r1_rst_storm_in_window     tcp.ChallengeACKThrottled>=1
r1_rst_storm_in_window     tcp.InRsts=0
r1_rst_storm_in_window     tcp.EstabResets=0
r1_rst_storm_in_window     data_after
r2_rst_storm_outside       challenge_acks=0
r2_rst_storm_outside       !rst
r2_rst_storm_outside       tcp.TCPChallengeACK=0
r2_rst_storm_outside       tcp.InRsts=0
r2_rst_storm_outside       data_after
r2_rst_storm_outside       tcp.RstOutOfWindow>=1000
r3_rst_exact               answer=nothing
r3_rst_exact               gone
r3_rst_exact               tcp.InRsts>=1
r3_rst_exact               tcp.EstabResets>=1
r3_rst_exact               relay.ClientResets>=1
# t: tokens and keys of another live connection.
t1_join_syn_on_live_tuple  challenge_ack
t1_join_syn_on_live_tuple  !rst
t1_join_syn_on_live_tuple  tcp.TCPChallengeACK>=1
t1_join_syn_on_live_tuple  mptcp.MPJoinSynRx=0
t1_join_syn_on_live_tuple  a_data_after
t1_join_syn_on_live_tuple  b_data_after
t2_join_other_token        synack
t2_join_other_token        synack_hmac_of_b
t2_join_other_token        !synack_hmac_of_a
t2_join_other_token        rst
t2_join_other_token        mptcp.MPJoinSynRx>=1
t2_join_other_token        mptcp.MPJoinAckHMacFailure>=1
t2_join_other_token        mptcp.MPJoinAckRx=0
t2_join_other_token        b_data_after
t2_join_other_token        a_data_after
t3_fastclose_other_key     answer=nothing
t3_fastclose_other_key     mptcp.MPFastcloseBadKey>=1
t3_fastclose_other_key     mptcp.MPFastcloseRx=0
t3_fastclose_other_key     a_data_after
t3_fastclose_other_key     b_data_after
t4_fastclose_own_key       rst
t4_fastclose_own_key       mptcp.MPFastcloseRx>=1
t4_fastclose_own_key       mptcp.Parked=0
t4_fastclose_own_key       relay.ClientResets>=1
t4_fastclose_own_key       a_data_after
EOF
cat >"$WORK/checks.py" <<'PYEOF'
import json, re, sys
path, vdev = sys.argv[1], sys.argv[2]
try:
    cases = json.load(open(path))["cases"]
except (OSError, ValueError, KeyError):
    cases = {}
OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "=": lambda a, b: a == b}

def out(verdict, name, note=""):
    print("%s\t%s\t%s" % (verdict, name, note.replace("\t", " ").replace("\n", " ")))

def text(v):
    return ",".join(str(x) for x in v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)

for line in sys.stdin:
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    parts = line.split(None, 2)
    name, expr = parts[0], parts[1]
    rest = parts[2] if len(parts) > 2 else ""
    todo = rest[4:].strip() if rest.startswith("TODO") else None
    c = cases.get(name)
    m = re.match(r"^([a-z]+)\.([A-Za-z0-9]+)(>=|<=|=)(-?\d+)$", expr)
    f = re.match(r"^([a-z_0-9]+)(>=|<=|=)(.*)$", expr)
    if expr == "gap":
        out("todo", "%s: counted by a counter of its own" % name, todo or "no counter")
        continue
    if c is None:
        title, good, why = "%s: %s" % (name, expr), False, "case %s missing from craft.json" % name
    elif expr.startswith("answer="):
        want = expr[len("answer="):]
        title = "%s: %s" % (name, "nothing answered" if want == "nothing" else "answered " + want)
        good, why = c.get("answer") == want, "answered %s, want %s (sent: %s)" % (c.get("answer"), want, c.get("sent"))
    elif m:
        g, k, op, n = m.group(1), m.group(2), m.group(3), int(m.group(4))
        mib = c.get("mib")
        d = mib.get(g, {}).get(k) if mib else None
        shown = "" if d is None else " (%+d)" % d
        title = "%s: hagd %s.%s %s%s" % (name, g, k, "unchanged" if (op, n) == ("=", 0) else
                                        "moved" if (op, n) == (">=", 1) else "moved %s %d" % (op, n), shown)
        if d is None:
            if vdev == "kernel" or not mib:
                out("skip", title, "no such counter" if mib else "no counters (--hagctl)")
                continue
            good, why = False, "counter %s.%s missing from hagctl stats" % (g, k)
        else:
            good, why = OPS[op](d, n), "moved by %+d, want %s %d (sent: %s)" % (d, op, n, c.get("sent"))
    elif f:
        k, op, want = f.groups()
        v = c.get(k)
        title = "%s: %s %s %s" % (name, k, op, want)
        if isinstance(v, int) and not isinstance(v, bool) and re.match(r"^-?\d+$", want):
            good = OPS[op](v, int(want))
        else:
            good = op == "=" and text(v) == want
        why = "got %r (sent: %s, answer: %s)" % (v, c.get("sent"), c.get("answer"))
    else:
        neg = expr.startswith("!")
        k = expr.lstrip("!")
        title = "%s: %s%s" % (name, "not " if neg else "", k)
        good = (c.get(k) is True) != neg
        why = "%s is %r (sent: %s, answer: %s)" % (k, c.get(k), c.get("sent"), c.get("answer"))
    if good:
        out("ok", title)
    elif todo is not None:
        out("todo", title, todo)
    else:
        out("fail", title, why)
PYEOF
while IFS=$'\t' read -r verdict name note; do
	case $verdict in
	ok) ok "$name" ;;
	todo) todo "$name" "$note" ;;
	skip) skip "$name" "$note" ;;
	*) not_ok "$name"; diag "  $note" ;;
	esac
done < <($PY "$WORK/checks.py" "$WORK/craft.json" "${HAGD_VDEV:-}" <"$WORK/checks.txt")

# f: the upstream server got exactly the bytes hagd acknowledged on the plain
# connection (URG data inline), nothing of the segments it had to drop.
fsha=$(jget "$WORK/craft.json" cases.f_close.upload_sha256)
fbytes=$(jget "$WORK/craft.json" cases.f_close.upload_bytes)
got=$($PY - "$WORK/upstream" "$fsha" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    try:
        o = json.loads(l)
    except ValueError:
        continue
    if o.get("rx_sha256") == sys.argv[2] and not o.get("rx_error"):
        print(o.get("rx_bytes"))
        break
PYEOF
)
check_eq "f: the upstream server got the plain connection's ${fbytes:-?} bytes, URG data inline, SHA-256 matching" \
	"$got" "${fbytes:-none}"
kill_own   # the upstream server

check_hagd_alive
# A normal transfer still works.
server_start "$WORK/server" --bytes 2M --seed after-craft --timeout 20
client_run "$WORK/client" 60 --bytes 2M --mptcp --seed after-craft --timeout 20
crc=$?
wait_pid "$SERVER_PID" 20
src=$?
if ((crc == 0 && src == 0)); then ok "normal transfer after crafted segments"
else not_ok "normal transfer after crafted segments"; diag "client exit $crc, server exit $src"
	show_file client "$WORK/client"; fi
check_pair "after crafted" "$WORK/client" "$WORK/server"
check_mempool "$base"
e2e_end

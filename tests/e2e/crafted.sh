#!/usr/bin/env bash
# Hand-made segments (tests/tools/craft.py): SYNs with malformed MP_CAPABLE
# options, an MP_CAPABLE handshake followed by data with malformed DSS
# options, an MP_JOIN SYN with an unknown token, and inside one live
# hand-made connection: a DSS mapping far past the window, a DATA_FIN at a
# wrong DSN, an ADD_ADDR with a bad HMAC and an MP_JOIN whose third ACK has a
# bad HMAC. hagd counts each (mptcp.OptionMalformed, MPJoinNoTokenFound,
# DataOutOfWindow, DataFinInvalid, AddAddrHMacFailure, MPJoinAckHMacFailure),
# resets what must be reset, the connection keeps moving data, hagd stays
# up, still relays a normal transfer, and leaks no mbuf.
. "$(dirname "$0")/lib.sh"
e2e_begin

base=$(mempool_in_use)
# An upstream for the crafted connection that completes its handshake.
server_start "$WORK/upstream" --bytes 1K --count 0 --accept-timeout 15 --timeout 10 --seed craft --hold-open
stats_snap "$WORK/before.json"
timeout -k 2 60 ip netns exec "$HAG_CLIENT_NS" $CRAFT >"$WORK/craft.json" 2>"$WORK/craft.err"
rc=$?
stats_snap "$WORK/after.json"
kill_own   # the upstream server

if ((rc == 0)) && [[ -n "$(jget "$WORK/craft.json" dst)" ]]; then
	ok "craft.py ran"
else
	not_ok "craft.py ran"; diag "exit $rc: $(tail -n 5 "$WORK/craft.err")"
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
        print("%-22s SYN -> %s; DSS len 14 -> %s; DSS len 5 -> %s" % (name, fmt(c.get("syn_responses", [])),
              fmt(c.get("dss_len14_responses", [])), fmt(c.get("dss_len5_responses", []))))
    else:
        print("%-22s %s -> %s" % (name, c["sent"], fmt(c.get("responses", []))))
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

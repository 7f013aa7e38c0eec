#!/usr/bin/env bash
# The HAG policy knobs against the kernel client: hagd restarted with the cost
# scheduler (dsl cost 1, lte cost 10), LIA coupled congestion control and an
# ADD_ADDR announcement of 10.10.2.1. Data moves both ways with hashes intact;
# hagd announced the address and the client echoed it (RFC 8684 3.4.1); the
# subflows ran LIA; the cheap dsl path carried most of the data toward the
# client. During a paced transfer `hagctl conns` shows every subflow, the
# first and the joined ones, with LIA and the access side's keepalive and idle
# timeout (tcp.keepalive_access_ms, tcp.idle_timeout_access_ms, set here to
# values that are not the defaults). Then `hagctl withdraw 10.10.2.1` during a transfer: REMOVE_ADDR
# reaches the client (MPTcpExtRmAddr), the transfer completes intact, and
# `hagctl announce` offers the address again. The default configuration is
# restored at the end.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-16}
BYTES=$((MIB << 20))
conf=$WORK/policy.json
$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$conf" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["access"] = [{"name": "dsl", "prefix": "10.10.1.0/24", "cost": 1},
               {"name": "lte", "prefix": "10.10.2.0/24", "cost": 10}]
c.setdefault("mptcp", {}).update({"scheduler": "cost", "cc": "lia", "announce": ["10.10.2.1"]})
c.setdefault("tcp", {}).update({"keepalive_access_ms": 45000, "idle_timeout_access_ms": 600000})
json.dump(c, open(sys.argv[2], "w"), indent=2)
PYEOF
policy_exit() { kill_own; testbed_restore || echo "# could not restore the default testbed"; }
trap '_rc=$?; policy_exit; (exit $_rc); _e2e_exit' EXIT
restart_or_fail "$conf" "the policy configuration (cost scheduler, LIA, ADD_ADDR)" || e2e_end

stats_snap "$WORK/before.json"
nstat_snap "$WORK/nstat.before"
server_start "$WORK/server" --bytes "$BYTES" --seed pol-down --timeout 30
client_run "$WORK/client" 120 --bytes "$BYTES" --seed pol-up --mptcp --timeout 30
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
sleep 0.5
stats_snap "$WORK/after.json"
nstat_snap "$WORK/nstat.after"
check_eq "transfer finished" "$crc/$src" 0/0
((crc == 0)) || show_file client "$WORK/client.err"
check_pair "policy" "$WORK/client" "$WORK/server"
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.AddAddrTx
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.EchoAdd
check_gt "the client took the ADD_ADDR (MPTcpExtAddAddr)" \
	"$(nstat_delta "$WORK/nstat.before" "$WORK/nstat.after" MPTcpExtAddAddr)" 0
dsl_tx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.dsl.tx_bytes)
lte_tx=$(ctr_delta "$WORK/before.json" "$WORK/after.json" ports.lte.tx_bytes)
check_gt "the cheap path (dsl) carried most of the data toward the client" "${dsl_tx:-0}" "${lte_tx:-0}"
diag "toward the client: dsl +$dsl_tx B, lte +$lte_tx B; joins: MPJoinAckRx +$(ctr_delta "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx)"
# Every subflow gets the access side's settings, the joined ones as the first:
# read from `hagctl conns` while a paced transfer runs (about 3 s), once the
# transfer has two subflows or more.
server_start "$WORK/server2" --bytes "$BYTES" --seed pol2-down --timeout 30 --rate-mbit 48
client_start "$WORK/client2" 60 --bytes "$BYTES" --seed pol2-up --mptcp --timeout 30 --rate-mbit 48
cpid=$BG_PID
for _ in 1 2 3 4 5 6 7 8; do
	sleep 0.3
	${HAGCTL% stats} conns --mptcp --min-bytes 256K >"$WORK/conns.json" 2>&1
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(not any(len([k for k in c["mptcp"] if k.startswith("subflow") and k != "subflows"]) >= 2
                 for k, c in d.items() if k.isdigit() and "mptcp" in c))' "$WORK/conns.json" 2>/dev/null && break
done
settings=$($PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
for cid, c in sorted((k, v) for k, v in d.items() if k.isdigit() and "mptcp" in v):
    sfs = [c["mptcp"][k] for k in sorted(c["mptcp"]) if k.startswith("subflow") and k != "subflows"]
    print(cid, len(sfs), " ".join("%s/%s/%s" % (s.get("cc"), s.get("keepalive_ms"), s.get("idle_timeout_ms"))
                                  for s in [c.get("client", {})] + sfs))' "$WORK/conns.json" 2>/dev/null)
diag "conns during the transfer (id, subflows listed, cc/keepalive_ms/idle_timeout_ms of client and each subflow): ${settings:-none}"
check "hagctl conns lists the transfer with its joined subflows" \
	awk '$2 >= 2 { f = 1 } END { exit !f }' <<<"$settings"
if awk 'NF < 4 { bad = 1 } { for (i = 3; i <= NF; i++) if ($i != "lia/45000/600000") bad = 1 }
	END { exit bad || NR == 0 }' <<<"$settings"; then
	ok "every subflow, the first and the joined ones, ran LIA with the access keepalive and idle timeout"
else
	not_ok "every subflow, the first and the joined ones, ran LIA with the access keepalive and idle timeout"
	show_file conns "$WORK/conns.json"
fi
wait_pid "$cpid" 60
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
check_eq "paced transfer finished" "$crc/$src" 0/0
check_pair "paced" "$WORK/client2" "$WORK/server2"
# The operator withdraws the announced address during a transfer: every
# client is sent REMOVE_ADDR (RFC 8684 3.4.2) and the transfer goes on.
stats_snap "$WORK/before3.json"
nstat_snap "$WORK/nstat3.before"
server_start "$WORK/server3" --bytes "$BYTES" --seed pol3-down --timeout 30 --rate-mbit 100
client_start "$WORK/client3" 60 \
	--bytes "$BYTES" --seed pol3-up --mptcp --timeout 30 --rate-mbit 100
cpid=$BG_PID
sleep 0.5
wd=$(${HAGCTL% stats} withdraw 10.10.2.1 2>&1)
diag "hagctl withdraw 10.10.2.1: $(echo "$wd" | tr -d '\n ')"
check_gt "hagctl withdraw told the open connections" "$(echo "$wd" | $PY -c 'import json,sys; print(json.load(sys.stdin)["connections"])' 2>/dev/null)" 0
wait_pid "$cpid" 60
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
sleep 0.3
stats_snap "$WORK/after3.json"
nstat_snap "$WORK/nstat3.after"
check_eq "transfer during the withdrawal finished" "$crc/$src" 0/0
check_pair "withdrawal" "$WORK/client3" "$WORK/server3"
check_moved "$WORK/before3.json" "$WORK/after3.json" mptcp.RmAddrTx
check_gt "the client took the REMOVE_ADDR (MPTcpExtRmAddr)" \
	"$(nstat_delta "$WORK/nstat3.before" "$WORK/nstat3.after" MPTcpExtRmAddr)" 0
diag "subflows hagd closed on 10.10.2.1: +$(ctr_delta "$WORK/before3.json" "$WORK/after3.json" mptcp.RmSubflow)"
an=$(${HAGCTL% stats} announce 10.10.2.1 2>&1)
check_eq "hagctl announce offers it again" "$(echo "$an" | $PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)" announced
check_hagd_alive
e2e_end

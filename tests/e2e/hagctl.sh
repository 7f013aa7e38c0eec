#!/usr/bin/env bash
# hagctl beyond the JSON dump: `stats --table` (one line per counter, zeros left
# out unless --all, the same values as the JSON), `watch` during an MPTCP
# transfer (the relay's byte counters move, with a rate per second), `conns`
# during an MPTCP transfer (its --table row with both subflows and the
# upstream 4-tuple; --client, --server, --min-bytes and --tcp filters), `ports`
# (a line per port: address, link, traffic; --json), `config` (the effective
# config, accepted by hagd --check-config), and the
# errors an operator meets: no hagd behind the prefix (exit 1, says so), a bad
# option (exit 2).
. "$(dirname "$0")/lib.sh"
e2e_begin

CTL="$ROOT/build/app/hagctl"
[[ -x "$HAGD_BUILD/app/hagctl" ]] && CTL="$HAGD_BUILD/app/hagctl"
PREFIX=$($PY -c 'import json,sys; a=json.load(open(sys.argv[1]))["dpdk"]["args"]; print(a[a.index("--file-prefix")+1])' \
	"${HAGD_CONF:-$ROOT/conf/testbed.json}")

# One connection first, so that counters are not all zero.
server_start "$WORK/server0" --bytes 64K --seed t0
client_run "$WORK/client0" 30 --bytes 64K --mptcp --seed t0c --timeout 20
wait_pid "$SERVER_PID" 20

"$CTL" --prefix "$PREFIX" stats --table >"$WORK/table" 2>"$WORK/table.err"
check_eq "stats --table exits 0" "$?" 0
stats_snap "$WORK/json"
acc_t=$(awk '$1 == "relay.Accepted" { print $2 }' "$WORK/table")
acc_j=$(ctr_get "$WORK/json" relay.Accepted)
if [[ -n "$acc_t" ]] && ((acc_t >= 1 && acc_t <= acc_j)); then
	ok "stats --table has relay.Accepted ($acc_t; JSON read after it: $acc_j)"
else
	not_ok "stats --table has relay.Accepted"; diag "table: '${acc_t}', JSON: $acc_j"; show_file table "$WORK/table"
fi
if awk 'NF != 2 || $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$WORK/table"; then
	ok "every table line is a counter and a number"
else
	not_ok "every table line is a counter and a number"; diag "$(awk 'NF != 2 || $2 !~ /^[0-9]+$/' "$WORK/table" | head -5)"
fi
check "no zero in the table without --all" awk '$2 == 0 { exit 1 }' "$WORK/table"
"$CTL" --prefix "$PREFIX" stats --table --all >"$WORK/table.all" 2>&1
if (($(wc -l <"$WORK/table.all") > $(wc -l <"$WORK/table"))) && grep -q "^mptcp.MPJoinAckHMacFailure  *0$" "$WORK/table.all"; then
	ok "--all adds the zeros ($(wc -l <"$WORK/table.all") lines, $(wc -l <"$WORK/table") without)"
else
	not_ok "--all adds the zeros"; show_file all "$WORK/table.all"
fi

# watch during a transfer
BYTES=$((128 * 1048576))
server_start "$WORK/server" --bytes "$BYTES" --seed w
client_start "$WORK/client" 90 --bytes "$BYTES" --mptcp --seed wc --timeout 60
CPID=$BG_PID
timeout 20 "$CTL" --prefix "$PREFIX" watch --interval 0.5 --count 2 >"$WORK/watch" 2>"$WORK/watch.err"
check_eq "watch --count 2 exits 0" "$?" 0
check_eq "watch printed 2 intervals" "$(grep -c '^--- ' "$WORK/watch")" 2
if awk '$1 == "relay.BytesDown" || $1 == "relay.BytesUp" { r = $3; sub("/s", "", r); if (r + 0 > 0) f = 1 } END { exit !f }' "$WORK/watch"; then
	ok "watch shows the relay's bytes moving ($(awk '$1 == "relay.BytesDown" { print $3; exit }' "$WORK/watch") down)"
else
	not_ok "watch shows the relay's bytes moving"; show_file watch "$WORK/watch"
fi
check "watch shows only counters that moved" awk '$1 != "---" && $3 == "0.0/s" { exit 1 }' "$WORK/watch"
wait_pid "$CPID" 90
wait_pid "$SERVER_PID" 30
check_pair "transfer under watch" "$WORK/client" "$WORK/server"

# conns during a paced MPTCP transfer (about 6 s): the table's row for it (the
# dsl subflow on the row, the lte one on the line below, the upstream 4-tuple),
# then filters that keep it (--client on the lte prefix, --server with
# --min-bytes) and filters that drop it (a prefix no client has, --tcp).
read -r DSL_ADDR LTE_ADDR _ <<<"${HAG_CLIENT_ADDRS:-10.10.1.2 10.10.2.2}"
UP_TO="${HAG_UPSTREAM_ADDR:-10.20.0.2}:$HAG_UPSTREAM_PORT"
server_start "$WORK/server_c" --bytes 24M --seed conns-down --timeout 30 --rate-mbit 32
client_start "$WORK/client_c" 90 --bytes 24M --seed conns-up --mptcp --timeout 30 --rate-mbit 32
CPID=$BG_PID
sleep 2     # the lte subflow has joined, bytes move both ways
"$CTL" --prefix "$PREFIX" conns --table >"$WORK/conns.table" 2>"$WORK/conns.table.err"
check_eq "conns --table exits 0" "$?" 0
# The transfer's row: ESTAB both sides, an MPTCP scheduler, client on dsl,
# bytes both ways, upstream hagd:port->server; the next line is the lte subflow
# with its cwnd and srtt (ms; "-" while hagd has no sample on it).
row=$(awk -v c="$DSL_ADDR" -v u="$UP_TO" '
	$3 == "ESTAB/ESTAB" && $6 != "-" && index($7, c ":") == 1 && $4 > 0 && $5 > 0 &&
	$NF ~ /^[0-9.]+:[0-9]+->/ && substr($NF, length($NF) - length(u) - 1) == "->" u { print NR " " $1; exit }' "$WORK/conns.table")
CID=${row#* }
if [[ -n "$row" ]]; then
	ok "conns --table: the transfer's row (id $CID: ESTAB/ESTAB, client $DSL_ADDR, bytes both ways, ->$UP_TO)"
else
	not_ok "conns --table: the transfer's row"; show_file table "$WORK/conns.table"
fi
if [[ -n "$row" ]] && awk -v n="${row%% *}" -v c="$LTE_ADDR" '
	NR == n + 1 && /^ / && index($1, c ":") == 1 && $(NF - 1) ~ /^([0-9]+\.[0-9][0-9]|-)$/ && $NF ~ /^[0-9]+$/ { f = 1 }
	END { exit !f }' "$WORK/conns.table"; then
	ok "conns --table: the lte subflow ($LTE_ADDR) on the line below, with srtt and cwnd"
else
	not_ok "conns --table: the lte subflow on the line below"; show_file table "$WORK/conns.table"
fi
# Its counts move: two JSON snapshots a second apart, both subflows listed each time,
# the bytes each way and what hagd gave its subflows grown in between.
"$CTL" --prefix "$PREFIX" conns >"$WORK/conns.a" 2>&1
sleep 1
"$CTL" --prefix "$PREFIX" conns >"$WORK/conns.b" 2>&1
check "conns: both subflows listed, bytes up, down and per subflow moving" $PY -c '
import json, sys
a, b, cid = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
ca, cb = a[cid], b[cid]
sfs = lambda c: [v for k, v in c["mptcp"].items() if k.startswith("subflow") and isinstance(v, dict)]
given = lambda c: sum(int(v.get("given", 0)) for v in sfs(c))
ok = len(sfs(ca)) == 2 and len(sfs(cb)) == 2
ok = ok and int(cb["up"]["end"]) > int(ca["up"]["end"]) and int(cb["down"]["end"]) > int(ca["down"]["end"])
ok = ok and given(cb) > given(ca)
sys.exit(not ok)' "$WORK/conns.a" "$WORK/conns.b" "$CID" || show_file conns "$WORK/conns.b"
# --client: every connection listed has a subflow from the lte prefix, the transfer among them.
"$CTL" --prefix "$PREFIX" conns --client "${LTE_ADDR%.*}.0/24" --mptcp >"$WORK/conns.lte" 2>&1
check "conns --client ${LTE_ADDR%.*}.0/24 --mptcp: the transfer, and only connections with such a subflow" $PY -c '
import json, sys
d, cid, pre = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
conns = {k: v for k, v in d.items() if k.isdigit()}
def peers(c):
    return [c.get("client", {}).get("peer", "")] + [v.get("peer", "") for k, v in c.get("mptcp", {}).items() if k.startswith("subflow") and isinstance(v, dict)]
sys.exit(not (cid in conns and all(any(p.startswith(pre) for p in peers(c)) for c in conns.values())))' \
	"$WORK/conns.lte" "$CID" "${LTE_ADDR%.*}."
"$CTL" --prefix "$PREFIX" conns --client 192.0.2.0/24 >"$WORK/conns.none" 2>&1
check "conns --client 192.0.2.0/24: no connection (JSON {})" $PY -c '
import json, sys
sys.exit(not [k for k in json.load(open(sys.argv[1])) if k.isdigit()] == [])' "$WORK/conns.none"
# --server with --min-bytes, as a table: the transfer's row; 1G is more than it carries.
"$CTL" --prefix "$PREFIX" conns --table --server "$UP_TO" --min-bytes 1M >"$WORK/conns.srv" 2>&1
check "conns --table --server $UP_TO --min-bytes 1M: the transfer's row" \
	awk -v id="$CID" '$1 == id { f = 1 } END { exit !f }' "$WORK/conns.srv"
"$CTL" --prefix "$PREFIX" conns --table --server "$UP_TO" --min-bytes 1G >"$WORK/conns.1g" 2>"$WORK/conns.1g.err"
check_eq "conns --table --min-bytes 1G: the header alone" "$(wc -l <"$WORK/conns.1g")/$(head -c 12 "$WORK/conns.1g")" "1/ID  W  STATE"
"$CTL" --prefix "$PREFIX" conns --table --tcp >"$WORK/conns.tcp" 2>&1
check "conns --table --tcp: not the MPTCP transfer" awk -v id="$CID" 'NR > 1 && $1 == id { exit 1 }' "$WORK/conns.tcp"
wait_pid "$CPID" 90
wait_pid "$SERVER_PID" 30
check_pair "transfer under conns" "$WORK/client_c" "$WORK/server_c"

# ports: a line per port with its address, link and traffic; --json the same as a tree
"$CTL" --prefix "$PREFIX" ports >"$WORK/ports" 2>"$WORK/ports.err"
check_eq "ports exits 0" "$?" 0
for p in dsl:10.10.1.1/24 lte:10.10.2.1/24 upstream:10.20.0.1/24; do
	n=${p%%:*} a=${p#*:}
	if awk -v n="$n" -v a="$a" '$1 == n && $2 == a && $3 == "up" && $6 > 0 && $9 > 0 { f = 1 } END { exit !f }' "$WORK/ports"; then
		ok "ports: $n $a, link up, packets both ways"
	else
		not_ok "ports: $n $a, link up, packets both ways"; show_file ports "$WORK/ports"
	fi
done
"$CTL" --prefix "$PREFIX" ports --json >"$WORK/ports.json" 2>&1
check "ports --json: the same ports as a JSON tree with their devices" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (set(d) == {"dsl", "lte", "upstream"} and all(d[k]["dev"] and d[k]["mac"] and d[k]["rx_packets"] > 0 for k in d)))' "$WORK/ports.json"

# config: the effective config, which hagd reads back as it is
"$CTL" --prefix "$PREFIX" config >"$WORK/effective.json" 2>"$WORK/effective.err"
check_eq "config exits 0" "$?" 0
check "config: every section, the defaults filled in, the listeners of the file" $PY -c '
import json, sys
e, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ok = {"dpdk", "ports", "listeners", "mptcp", "tcp", "lifecycle", "log"} <= set(e)
ok = ok and e["tcp"]["timewait_ms"] > 0 and e["lifecycle"]["drain_timeout_ms"] > 0
ok = ok and [l["upstream"] for l in e["listeners"]] == [l["upstream"] for l in f["listeners"]]
sys.exit(not ok)' "$WORK/effective.json" "${HAGD_CONF:-$ROOT/conf/testbed.json}"
if "$HAGD_BUILD/app/hagd" -c "$WORK/effective.json" --check-config >"$WORK/check.out" 2>&1; then
	ok "config: hagd --check-config accepts it ($(cat "$WORK/check.out"))"
else
	not_ok "config: hagd --check-config accepts it"; show_file check "$WORK/check.out"
fi

# errors
"$CTL" --prefix no-such-hagd stats >/dev/null 2>"$WORK/noprefix.err"
check_eq "no hagd behind the prefix: exit 1" "$?" 1
check "no hagd behind the prefix: says hagd is not running" grep -q "hagd not running" "$WORK/noprefix.err"
"$CTL" --prefix "$PREFIX" stats --bogus >/dev/null 2>"$WORK/bogus.err"
check_eq "an unknown option: exit 2" "$?" 2
"$CTL" --prefix "$PREFIX" watch --interval 0 >/dev/null 2>"$WORK/ival.err"
check_eq "watch --interval 0: exit 2" "$?" 2
"$CTL" --prefix no-such-hagd conns --table >/dev/null 2>"$WORK/noprefix.conns.err"
check_eq "conns, no hagd behind the prefix: exit 1" "$?" 1
check "conns, no hagd behind the prefix: says hagd is not running" grep -q "hagd not running" "$WORK/noprefix.conns.err"
"$CTL" --prefix "$PREFIX" conns --client 10.10.1.0/33 >/dev/null 2>"$WORK/conns.bad.err"
check_eq "conns --client 10.10.1.0/33: exit 2" "$?" 2
check "conns --client 10.10.1.0/33: says what --client takes" grep -q -- "--client: an IPv4 address or prefix" "$WORK/conns.bad.err"
"$CTL" --prefix "$PREFIX" conns --state BOGUS >/dev/null 2>&1
check_eq "conns --state BOGUS: exit 2" "$?" 2
"$CTL" --prefix "$PREFIX" conns --table --bogus >/dev/null 2>&1
check_eq "conns --bogus: exit 2" "$?" 2

check_hagd_alive
e2e_end

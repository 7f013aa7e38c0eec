#!/usr/bin/env bash
# hagd on 2 worker lcores (dpdk.workers 2; each worker its own queue on every
# port, the veths made with 2 queues, the kernel spreading flows over them):
# HAG_E2E_CONNS (default 64) MPTCP connections at once, each with a join over
# lte, HAG_E2E_MIB (default 1) MiB each way. Every client gets its own
# server stream whole; segments that reached the wrong worker were handed to
# their owner (counted); both workers carried connections; nothing is left
# afterwards (connections, redirect entries, mbufs); no lock in the code.
# IPv6 clients at the same time (HAG_E2E_CONNS6, default 16, to hagd's
# [::]:8081, relayed to the same server): each connection begun over IPv6 on
# dsl joins hagd's announced 2001:db8:20::1 over lte, IPv6 segments and joins
# handed between the workers as the IPv4 ones.
. "$(dirname "$0")/lib.sh"
e2e_begin

CONNS=${HAG_E2E_CONNS:-64}
MIB=${HAG_E2E_MIB:-1}
BYTES=$((MIB << 20))

impair_conf "$WORK/workers.json" --workers 2
$PY - "$WORK/workers.json" "$HAG_UPSTREAM_ADDR:$HAG_UPSTREAM_PORT" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["listeners"].append({"listen": "[::]:8081", "upstream": sys.argv[2]})
c.setdefault("mptcp", {})["announce"] = ["2001:db8:20::1"]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PYEOF
testbed_restart "$WORK/workers.json" || { not_ok "testbed up with 2 workers"; e2e_end; }
stats_snap "$WORK/before.json"
check_eq "hagd runs 2 workers" "$(ctr_get "$WORK/before.json" steer.Workers)" 2
base=$(mempool_in_use)

CONNS6=${HAG_E2E_CONNS6:-16}
ALL=$((CONNS + CONNS6))
# One server for both families (hagd relays the IPv6 clients to it over IPv4);
# client.I for I < CONNS are the IPv4 clients, the next CONNS6 the IPv6 ones, started in turn.
server_start "$WORK/server" --bytes "$BYTES" --count "$ALL" --seed workers --timeout 60 --accept-timeout 60
cpids=()
n4=0 n6=0
for ((i = 0; i < ALL; i++)); do
	# Every fourth start an IPv6 client while both kinds are left.
	if ((n6 < CONNS6 && (i % 4 == 3 || n4 == CONNS))); then
		client_start "$WORK/client.$((CONNS + n6))" 150 --addr 2001:db8:10::1 --port 8081 --bytes "$BYTES" \
			--seed "client6-$n6" --timeout 60 --mptcp
		n6=$((n6 + 1))
	else
		client_start "$WORK/client.$n4" 150 --bytes "$BYTES" --seed "client-$n4" --timeout 60 --mptcp
		n4=$((n4 + 1))
	fi
	cpids+=("$BG_PID")
done
wait_clients 160 "${cpids[@]}"
fails=$FAILS
wait_pid "$SERVER_PID" 30
src=$?
stats_snap "$WORK/after.json"
check_eq "all $CONNS IPv4 and $CONNS6 IPv6 clients finished" "$fails" 0
check_eq "server served $ALL connections" "$src" 0
check_streams "$ALL" "$BYTES"
joined6=0
for ((i = CONNS; i < ALL; i++)); do
	sf=$(jget "$WORK/client.$i" mptcp.subflows_total)
	[[ "$sf" =~ ^[0-9]+$ ]] && ((sf >= 2)) && joined6=$((joined6 + 1))
done
check_gt "IPv6 clients whose lte subflow joined over IPv6 (at least half of $CONNS6)" "$joined6" "$((CONNS6 / 2 - 1))"

check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPCapableACKRX "$ALL"
check_moved "$WORK/before.json" "$WORK/after.json" mptcp.MPJoinAckRx "$((ALL / 2))"
# The kernel spreads flows over the queues by its own hash, hagd by token and
# by its own: some joins, replies and connections reached the other worker.
check_moved "$WORK/before.json" "$WORK/after.json" steer.JoinHandoff
check_moved "$WORK/before.json" "$WORK/after.json" steer.ReplyHandoff
check_moved "$WORK/before.json" "$WORK/after.json" steer.FlowHandoff
check_moved "$WORK/before.json" "$WORK/after.json" steer.HandoffRx
for c in steer.HandoffRingFull steer.SteerNewsLost steer.RedirectFull steer.SharedFail; do
	check_still "$WORK/before.json" "$WORK/after.json" "$c"
done
for w in 0 1; do
	check_moved "$WORK/before.json" "$WORK/after.json" "workers.$w.Accepted" "$((CONNS / 4))"
done

# Afterwards (TIME_WAIT is 2 s): no connection, no redirect entry, mbufs back.
for ((i = 0; i < 40; i++)); do
	stats_snap "$WORK/end.json"
	[[ "$(ctr_get "$WORK/end.json" tcp.CurrConns)" == 0 && "$(ctr_get "$WORK/end.json" steer.Redirects)" == 0 ]] && break
	sleep 0.25
done
check_eq "no connection left" "$(ctr_get "$WORK/end.json" tcp.CurrConns)" 0
check_eq "no redirect entry left" "$(ctr_get "$WORK/end.json" steer.Redirects)" 0
check_eq "no relay left" "$(ctr_get "$WORK/end.json" relay.Active)" 0
check_eq "every segment handed over was received" "$(ctr_delta "$WORK/before.json" "$WORK/end.json" steer.HandoffTx)" \
	"$(ctr_delta "$WORK/before.json" "$WORK/end.json" steer.HandoffRx)"
check_eq "every copy shared was received" "$(ctr_delta "$WORK/before.json" "$WORK/end.json" steer.SharedTx)" \
	"$(ctr_delta "$WORK/before.json" "$WORK/end.json" steer.SharedRx)"
check_hagd_alive
check_mempool "$base"

# Review aid: the data path takes no lock (workers share nothing but rings).
locks=$(grep -rnE 'rte_(spinlock|rwlock|mcslock|ticketlock)_|pthread_(mutex|rwlock|spin)_' \
	"$ROOT/lib" "$ROOT/app" --include='*.c' --include='*.h' | grep -v '^.*hagctl.c' || true)
check_eq "no lock in lib/ or app/" "$locks" ""

testbed_restore || not_ok "testbed back on the default config"
e2e_end

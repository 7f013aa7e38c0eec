#!/usr/bin/env bash
# Bandwidth aggregation (issue 4): one MPTCP connection over two rate-limited
# paths with different RTTs gets the sum of their rates, in each direction.
#
# The paths (HAG_AGG_DSL_MBIT 40 / HAG_AGG_LTE_MBIT 25 Mbit/s, 10 / 60 ms RTT):
#  - upload (the kernel client sends): tbf on the client's dsl and lte egress,
#    queue 1.5 BDP;
#  - download (hagd sends): hagd's impairment stage on ports dsl and lte,
#    direction tx: the whole RTT as delay, rate_mbit, limit = the frames of
#    the delay plus 1.5 BDP. Not a tbf behind an ifb on the client's ingress:
#    AF_XDP's copy-mode TX charges hagd's XDP socket until the client's
#    ip_rcv, so a queue of more than ~90 frames there fills its send buffer
#    and DPDK's af_xdp PMD spins in its TX kick (EAGAIN), stalling hagd's
#    lcore; with the small queue that allows, the 60 ms path never refills
#    after a loss (docs/testbed.md, "Bandwidth aggregation").
#  The test checks that both limits hold (wire rate of each port, hagd's
#  counters) before it trusts the figures.
#
# Measurement: each direction is its own connection of HAG_AGG_MIB (112) MiB,
# about 16 s at 90 % of the sum (the other side sends nothing and keeps its
# write side open: a DATA_FIN would close the connection to the lte join).
# The goodput is the whole transfer's: the receiver's bytes over its time
# from the connection's start to the last byte (hagload rx_bytes / rx_secs),
# slow start over the 60 ms path and the tail (the lte path's last bytes
# while dsl has nothing left) included. The rate of the steady part (from
# HAG_AGG_WARM (2) s to HAG_AGG_TAIL (1) s before the end, 250 ms samples)
# is printed beside it. The port counters are sampled from WARM to WARM + 4
# s. The bottleneck queue toward the client is HAG_AGG_QUEUE_BDP (1.5) BDPs
# deep, as the upload's tbf (issue 15: with 1.5 BDPs the 60 ms path's
# slow-start overshoot once ended in repeated RTOs; the queue had been 2.5).
#
# Checks: with the minrtt scheduler (default) and with the cost scheduler
# (dsl cost 1, lte cost 10, as policy.sh), goodput >= 90 % of the sum of the
# path rates both ways, both subflows carried data, hashes match; with cost,
# the cheap path toward the client also runs at >= 85 % of its rate while
# lte carries data.
# The default testbed is restored at the end.
. "$(dirname "$0")/lib.sh"
e2e_begin

DSL_MBIT=${HAG_AGG_DSL_MBIT:-40}
LTE_MBIT=${HAG_AGG_LTE_MBIT:-25}
DSL_RTT_MS=10
LTE_RTT_MS=60
QUEUE_BDP=${HAG_AGG_QUEUE_BDP:-1.5}   # bottleneck queue toward the client, in BDPs (docs/testbed.md)
MIB=${HAG_AGG_MIB:-112}     # the whole transfer counts: slow start and tail weigh half what they did at 56
BYTES=$((MIB << 20))
WARM=${HAG_AGG_WARM:-2}
TAIL=${HAG_AGG_TAIL:-1}     # the last second (the slow path's tail) is not steady state
MEAS=4
MIN_PCT=90          # of the sum of the path rates, each way, both schedulers
COST_DSL_PCT=85     # cost: the cheap path's share of its rate toward the client
SUM_MBIT=$((DSL_MBIT + LTE_MBIT))

# agg_conf OUT SCHED: the testbed config with both access paths' download
# limited and delayed in hagd, and scheduler SCHED (cost: with access costs).
agg_conf() {
	$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$1" "$2" "$DSL_MBIT" "$DSL_RTT_MS" "$LTE_MBIT" "$LTE_RTT_MS" "$QUEUE_BDP" <<'PYEOF'
import json, math, sys
base, out, sched = sys.argv[1:4]
queue_bdp = float(sys.argv[8])
paths = {"dsl": (float(sys.argv[4]), float(sys.argv[5])), "lte": (float(sys.argv[6]), float(sys.argv[7]))}
c = json.load(open(base))
for p in c["ports"]:
    if p["name"] in paths:
        mbit, rtt = paths[p["name"]]
        bdp_frames = mbit * 1e6 / 8 * rtt / 1e3 / 1514
        # frames inside the delay (one BDP) plus a queue of QUEUE_BDP
        p["impair"] = {"delay_ms": rtt, "rate_mbit": mbit, "direction": "tx",
                       "limit": int(math.ceil((1 + queue_bdp) * bdp_frames)) + 8}
c.setdefault("mptcp", {})["scheduler"] = sched
if sched == "cost":
    c["access"] = [{"name": "dsl", "prefix": "10.10.1.0/24", "cost": 1},
                   {"name": "lte", "prefix": "10.10.2.0/24", "cost": 10}]
json.dump(c, open(out, "w"), indent=2)
PYEOF
}

# shape_upload: tbf on the client's egress, queue 1.5 BDP.
shape_upload() {
	shape_egress "$HAG_CLIENT_NS" dsl "$DSL_MBIT" $((DSL_MBIT * 1000000 / 8 * DSL_RTT_MS * 3 / 2000))
	shape_egress "$HAG_CLIENT_NS" lte "$LTE_MBIT" $((LTE_MBIT * 1000000 / 8 * LTE_RTT_MS * 3 / 2000))
}

agg_exit() { kill_own; testbed_restore || echo "# could not restore the default testbed"; }
trap '_rc=$?; agg_exit; (exit $_rc); _e2e_exit' EXIT

declare -A PCT

# transfer SCHED DIR: one MPTCP connection moving BYTES in direction DIR
# (down: server to client, up: client to server); sets PCT[SCHED.DIR] and
# the port rates of the measurement window (RATE_DSL, RATE_LTE).
transfer() {
	local sched=$1 dir=$2 name="$1.$2" down=0 up=0 sh=() ch=() cpid crc src t0 t1 rx key
	if [[ $dir == down ]]; then down=$BYTES ch=(--hold-open) rx=$WORK/$name.client key=tx_bytes
	else up=$BYTES sh=(--hold-open) rx=$WORK/$name.server key=rx_bytes; fi
	stats_snap "$WORK/$name.s0.json"
	nstat_snap "$WORK/$name.n0"
	server_start "$WORK/$name.server" --bytes "$down" "${sh[@]}" --seed "$name-down" --timeout 30 \
		--sample-ms 250 || { not_ok "$name: server started"; return 1; }
	client_start "$WORK/$name.client" 60 \
		--bytes "$up" "${ch[@]}" \
		--seed "$name-up" --mptcp --timeout 30 --sample-ms 250
	cpid=$BG_PID
	sleep "$WARM"
	stats_snap "$WORK/$name.w0.json"; t0=$(date +%s.%N)
	sleep "$MEAS"
	stats_snap "$WORK/$name.w1.json"; t1=$(date +%s.%N)
	wait_pid "$cpid" 60; crc=$?
	wait_pid "$SERVER_PID" 30; src=$?
	stats_snap "$WORK/$name.s1.json"
	nstat_snap "$WORK/$name.n1"
	check_eq "$name: transfer finished" "$crc/$src" 0/0
	((crc == 0)) || show_file "client stderr" "$WORK/$name.client.err"
	check_pair "$name" "$WORK/$name.client" "$WORK/$name.server"
	check_gt "$name: the client opened its lte subflow (MPTcpExtMPJoinSynAckRx)" \
		"$(nstat_delta "$WORK/$name.n0" "$WORK/$name.n1" MPTcpExtMPJoinSynAckRx)" 0
	local whole_dsl whole_lte secs
	whole_dsl=$(ctr_delta "$WORK/$name.s0.json" "$WORK/$name.s1.json" "ports.dsl.$key")
	whole_lte=$(ctr_delta "$WORK/$name.s0.json" "$WORK/$name.s1.json" "ports.lte.$key")
	check_gt "$name: dsl carried data (ports.dsl.$key)" "${whole_dsl:-0}" 1000000
	check_gt "$name: lte carried data (ports.lte.$key)" "${whole_lte:-0}" 1000000
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	RATE_DSL=$(port_rate "$WORK/$name.w0.json" "$WORK/$name.w1.json" "ports.dsl.$key" "$secs")
	RATE_LTE=$(port_rate "$WORK/$name.w0.json" "$WORK/$name.w1.json" "ports.lte.$key" "$secs")
	# The limits hold (frames as tbf and hagd count them, Ethernet header included).
	if ge "$(awk -v r="$DSL_MBIT" 'BEGIN { print r * 1.03 }')" "${RATE_DSL:-999999}" &&
	   ge "$(awk -v r="$LTE_MBIT" 'BEGIN { print r * 1.03 }')" "${RATE_LTE:-999999}"; then
		ok "$name: the paths are limited (dsl $RATE_DSL, lte $RATE_LTE Mbit/s on the wire)"
	else
		not_ok "$name: the paths are limited to $DSL_MBIT and $LTE_MBIT Mbit/s"
		diag "  wire rates dsl $RATE_DSL, lte $RATE_LTE Mbit/s"
	fi
	local good steady
	good=$(awk -v b="$(jget "$rx" rx_bytes)" -v t="$(jget "$rx" rx_secs)" 'BEGIN { if (t > 0) printf "%.2f", b * 8 / t / 1e6 }')
	steady=$(rx_rate "$rx" "$WARM" "$TAIL")
	PCT[$name]=$(awk -v g="${good:-0}" -v s="$SUM_MBIT" 'BEGIN { printf "%.1f", g * 100 / s }')
	diag "$name: goodput ${good:-?} Mbit/s over the whole transfer ($(jget "$rx" rx_secs) s) = ${PCT[$name]} % of $SUM_MBIT Mbit/s; steady part ${steady:-?} Mbit/s; wire dsl $RATE_DSL, lte $RATE_LTE Mbit/s; whole transfer dsl $whole_dsl B, lte $whole_lte B"
	local c d=""
	for c in RetransSegs TCPSackRecovery TCPLossProbes TCPTimeouts TCPHystartDelayDetect HyStartExit SndBufGrown RcvBufGrown; do
		d+=" $c +$(ctr_delta "$WORK/$name.s0.json" "$WORK/$name.s1.json" tcp.$c)"
	done
	diag "$name: hagd$d"
}

for sched in minrtt cost; do
	conf=$WORK/$sched.json
	agg_conf "$conf" "$sched"
	if ! testbed_restart "$conf"; then
		not_ok "hagd starts with $sched and the rate-limited paths"
		continue
	fi
	shape_upload
	base=$(mempool_in_use)
	transfer "$sched" down
	if ge "${PCT[$sched.down]}" "$MIN_PCT"; then
		ok "$sched toward the client: ${PCT[$sched.down]} % of the sum of the path rates (>= $MIN_PCT %)"
	else
		not_ok "$sched toward the client: ${PCT[$sched.down]} % of the sum of the path rates, want >= $MIN_PCT %"
	fi
	if [[ $sched == cost ]]; then
		# While lte carries data (checked above over the whole transfer, and
		# here in the window), the cheap path is full.
		if ge "${RATE_DSL:-0}" "$(awk -v r="$DSL_MBIT" -v p="$COST_DSL_PCT" 'BEGIN { print r * p / 100 }')" &&
		   ge "${RATE_LTE:-0}" 1; then
			ok "cost toward the client: dsl full ($RATE_DSL of $DSL_MBIT Mbit/s, >= $COST_DSL_PCT %) while lte carries the rest ($RATE_LTE Mbit/s)"
		else
			not_ok "cost toward the client: dsl at >= $COST_DSL_PCT % of $DSL_MBIT Mbit/s while lte carries data"
			diag "  dsl $RATE_DSL, lte $RATE_LTE Mbit/s on the wire"
		fi
	fi
	transfer "$sched" up
	if ge "${PCT[$sched.up]}" "$MIN_PCT"; then
		ok "$sched toward the server: ${PCT[$sched.up]} % of the sum of the path rates (>= $MIN_PCT %)"
	else
		not_ok "$sched toward the server: ${PCT[$sched.up]} % of the sum of the path rates, want >= $MIN_PCT %"
	fi
	check_hagd_alive
	check_mempool "$base"
done
diag "aggregate fractions (goodput / $SUM_MBIT Mbit/s): minrtt down ${PCT[minrtt.down]:-?} %, up ${PCT[minrtt.up]:-?} %; cost down ${PCT[cost.down]:-?} %, up ${PCT[cost.up]:-?} % (upload: the client's own scheduler)"
e2e_end

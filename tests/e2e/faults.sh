#!/usr/bin/env bash
# Fault injection: bad access links (dsl and lte, whichever subflows the
# client opens), a bad upstream link, or both. Each scenario moves data both
# ways through hagd (an MPTCP client starting on dsl, joining over lte; a
# plain TCP server upstream), checks both SHA-256, and checks that the
# counters moved as the injected fault predicts (impair counters summed over
# the ports of a link: dsl + lte for access):
#
#   nft      (default config) nftables on the kernel-side veth: 5 % of the
#            frames hagd sends are lost (ingress hook), 20 % of the data
#            packets the kernel sends are duplicated (`dup to`, egress hook;
#            a GSO packet, so a burst of frames each time). nft counts
#            them; hagd retransmits (tcp.RetransSegs) and sees the copies as
#            unacceptable, already received segments (tcp.OutOfWindow).
#   loss1/5  ports[].impair loss_pct 1 and 5, both directions: impair
#            dropped_loss rx and tx; hagd retransmits and recovers
#            (tcp.TCPSackRecovery, RackRecovery, TCPLossProbes or
#            TCPTimeouts), holes in what it receives (tcp.TCPOFOQueue), the
#            kernel on the same link retransmits too.
#   dup      dup_pct 5, both directions: impair duplicated rx and tx; the
#            copies hagd receives are counted in tcp.OutOfWindow, the kernel
#            D-SACKs the copies hagd sends (tcp.TCPDSACKRecv).
#   corrupt  corrupt_pct 1 on hagd's receive side only (a kernel veth may
#            trust checksums it never computed): every corrupted frame is
#            caught (tcp.InCsumErrors + ip.InHdrErrors == impair corrupted,
#            give or take the ARP frames of the run), and the data is intact.
#   reorder  delay 2 ms, reorder_pct 5, both directions: impair reordered;
#            hagd holds segments out of order (tcp.TCPOFOQueue).
#   delay    25 ms +- 5 ms each way (50 ms more round trip per link): the
#            transfer completes, RTO does not fire spuriously (tcp.TCPTimeouts
#            at most HAG_FAULTS_MAX_RTO, default 2).
#
# Where: FAULTS_WHERE (or $1) = access | upstream | both | all (default all);
# tests/e2e/faults_{access,upstream,both}.sh run one each (test.sh lists
# those, each within its time limit). Scenarios: FAULTS_KINDS (default
# "nft loss1 loss5 dup corrupt reorder delay"). Sizes: HAG_FAULTS_MIB
# (default 4 MiB each way; loss5 half of it, delay a quarter).
# HAG_FAULTS_SUBFLOWS=1: the client opens no lte subflow (its MPTCP endpoint
# is removed), to tell a fault-handling bug from an MP_JOIN one.
#
# Every impair scenario restarts hagd on a copy of the testbed config with
# "impair" on the port(s) (lib.sh: impair_conf, testbed_restart); at the end
# (also on failure or timeout) hagd is restarted on the default config.
. "$(dirname "$0")/lib.sh"
e2e_begin

WHERE=${FAULTS_WHERE:-${1:-all}}
KINDS=${FAULTS_KINDS:-nft loss1 loss5 dup corrupt reorder delay}
MIB=${HAG_FAULTS_MIB:-4}
MAX_RTO=${HAG_FAULTS_MAX_RTO:-2}
case $WHERE in
all) WHERES="access upstream both" ;;
access | upstream | both) WHERES=$WHERE ;;
*) echo "Bail out! FAULTS_WHERE must be access, upstream, both or all, not '$WHERE'"; exit 1 ;;
esac

SUBFLOWS=${HAG_FAULTS_SUBFLOWS:-2}
restarted=0 flushed=0
# The client's lte endpoint off (HAG_FAULTS_SUBFLOWS=1); testbed up makes it again.
one_subflow() {
	((SUBFLOWS == 1)) || return 0
	ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint flush && flushed=1
}
faults_exit() {
	nft_clear "$HAG_CLIENT_NS" "$HAG_SERVER_NS"
	if ((flushed && !restarted)); then
		ip netns exec "$HAG_CLIENT_NS" ip mptcp endpoint add 10.10.2.2 dev lte subflow 2>/dev/null
	fi
	flushed=0
	if ((restarted)); then
		restarted=0
		testbed_restore || echo "# could not restore the default testbed"
	fi
}
trap '_rc=$?; faults_exit; (exit $_rc); _e2e_exit' EXIT

# The impaired hagd ports of a location, and the kernel-side veths facing them.
ports_of() {
	case $1 in
	access) echo dsl lte ;;
	upstream) echo upstream ;;
	both) echo dsl lte upstream ;;
	esac
}
# seed per port, so that the links do not lose the same frames
seed_of() { case $1 in dsl) echo 101 ;; lte) echo 303 ;; *) echo 202 ;; esac; }
# links_of PORT...: the links (access, upstream) the ports belong to
links_of() {
	local p out=""
	for p in "$@"; do
		case $p in
		dsl | lte) [[ $out == *access* ]] || out+=" access" ;;
		upstream) out+=" upstream" ;;
		esac
	done
	echo $out
}
link_ports() { [[ $1 == access ]] && echo "dsl lte" || echo upstream; }

# sum_delta BEFORE AFTER KEY...: sum of the counters' deltas ("" if one is missing)
sum_delta() {
	local b=$1 a=$2 s=0 d k
	shift 2
	for k in "$@"; do
		d=$(ctr_delta "$b" "$a" "$k")
		[[ -n "$d" ]] || return 0
		s=$((s + d))
	done
	echo "$s"
}
# check_sum_moved NAME BEFORE AFTER KEY...: the summed deltas > 0
check_sum_moved() {
	local name=$1 d
	d=$(sum_delta "$2" "$3" "${@:4}")
	if [[ -n "$d" ]] && ((d > 0)); then ok "$name (+$d)"
	else not_ok "$name"; diag "  ${*:4}: +${d:-missing}"; fi
}
# moved TAG BEFORE AFTER KEY: hagd counter KEY grew
moved() {
	local d; d=$(ctr_delta "$2" "$3" "$4")
	if [[ -n "$d" ]] && ((d > 0)); then ok "$1: hagd $4 moved (+$d)"
	else not_ok "$1: hagd $4 moved"; diag "  delta ${d:-missing (not in hagctl stats)}"; fi
}
# nstat_of FILE KEY: a kernel counter (0 when absent)
nstat_of() { local v; v=$(nstat_get "$1" "$2"); echo "${v:-0}"; }

# impair_check TAG BEFORE AFTER DIRS NAME: impair counter NAME moved on every
# impaired link (summed over its ports: dsl + lte), for each direction in
# DIRS ("rx tx" or "rx"). The fault was injected: a harness step (a
# diagnostic, or a failed check when it was not).
impair_check() {
	local tag=$1 b=$2 a=$3 dirs=$4 name=$5 l p d v sum got="" bad=0
	for l in $(links_of "${PORTS[@]}"); do
		for d in $dirs; do
			sum=0
			for p in $(link_ports "$l"); do
				v=$(impair_delta "$b" "$a" "$p" "$d" "$name")
				[[ -n "$v" ]] && sum=$((sum + v))
				got+=" $p.$d+${v:-missing}"
			done
			((sum > 0)) || bad=1
		done
	done
	if ((bad)); then not_ok "harness: $tag: impair $name moved on each impaired link and direction"; diag " $got"
	else diag "harness: $tag: impair $name moved:$got"; fi
}
impair_sum() {   # impair_sum BEFORE AFTER DIR NAME: over the impaired ports
	local s=0 p v
	for p in "${PORTS[@]}"; do
		v=$(impair_delta "$1" "$2" "$p" "$3" "$4")
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

TABLE=()

# scenario WHERE KIND
scenario() {
	local where=$1 kind=$2 mib=$MIB impair="" secs=60 tag p conf
	read -r -a PORTS <<<"$(ports_of "$where")"
	case $kind in
	nft) ;;
	loss1) impair='"loss_pct": 1' ;;
	loss5) impair='"loss_pct": 5'; mib=$(((MIB + 1) / 2)) ;;
	dup) impair='"dup_pct": 5' ;;
	corrupt) impair='"corrupt_pct": 1, "direction": "rx"' ;;
	reorder) impair='"delay_ms": 2, "reorder_pct": 5' ;;
	delay) impair='"delay_ms": 25, "jitter_ms": 5'; mib=$(((MIB + 3) / 4)) ;;
	*) not_ok "$where $kind: unknown scenario"; return ;;
	esac
	tag="$where $kind"
	local W=$WORK/$where.$kind
	mkdir -p "$W"

	if [[ $kind == nft ]]; then
		if ((restarted)); then
			testbed_restart "" || { not_ok "$tag: testbed on the default config"; return; }
			restarted=0
		fi
		one_subflow
		for p in "${PORTS[@]}"; do
			case $p in
			dsl) nft_faults "$HAG_CLIENT_NS" dsl 5 0 20 ;;
			lte) nft_faults "$HAG_CLIENT_NS" lte 5 0 20 ;;
			upstream) nft_faults "$HAG_SERVER_NS" up 5 0 20 ;;
			esac || { not_ok "$tag: nft rules loaded"; nft_clear "$HAG_CLIENT_NS" "$HAG_SERVER_NS"; return; }
		done
	else
		if [[ "${HAGD_VDEV:-}" == kernel ]]; then
			skip "$tag" "hagd's impairment stage; the kernel gateway has none"
			return
		fi
		conf=$W/hagd.json
		local args=(--mbufs 131071)
		for p in "${PORTS[@]}"; do
			args+=("$p" "{$impair, \"seed\": $(seed_of "$p")}")
		done
		impair_conf "$conf" "${args[@]}" || { not_ok "$tag: impair config written"; return; }
		restarted=1
		if ! testbed_restart "$conf"; then
			not_ok "$tag: hagd up with the impaired config"
			return
		fi
		one_subflow
	fi

	local what="impair {$impair} on ${PORTS[*]}"
	[[ $kind == nft ]] && what="nft: 5 % loss of hagd's frames, 20 % duplication of the kernel's data packets, on the kernel side of ${PORTS[*]}"
	diag "$tag: ${mib} MiB each way, $what"
	stats_snap "$W/before.json" || diag "hagctl failed: $(cat "$W/before.json.err" 2>/dev/null)"
	ip netns exec "$HAG_CLIENT_NS" nstat -asz >"$W/cnstat.before" 2>/dev/null
	ip netns exec "$HAG_SERVER_NS" nstat -asz >"$W/snstat.before" 2>/dev/null
	local t0=$SECONDS crc src
	if server_start "$W/server" --bytes "${mib}M" --seed "down-$where-$kind" --timeout 20; then
		client_run "$W/client" "$secs" --bytes "${mib}M" --seed "up-$where-$kind" --mptcp --timeout 20
		crc=$?
		wait_pid "$SERVER_PID" 30
		src=$?
	else
		crc=1 src=1
	fi
	local wall=$((SECONDS - t0))
	stats_snap "$W/after.json"
	ip netns exec "$HAG_CLIENT_NS" nstat -asz >"$W/cnstat.after" 2>/dev/null
	ip netns exec "$HAG_SERVER_NS" nstat -asz >"$W/snstat.after" 2>/dev/null
	local b=$W/before.json a=$W/after.json
	local csecs; csecs=$(jget "$W/client" secs)

	if ((crc == 0 && src == 0)); then
		ok "$tag: transfer finished (${csecs} s; up $(jget "$W/client" tx_secs) s, down $(jget "$W/client" rx_secs) s)"
	else
		not_ok "$tag: transfer finished"
		diag "  client exit $crc ($(jget "$W/client" error)), server exit $src ($(jget "$W/server" error)), after ${wall} s"
		show_file client "$W/client"; show_file "client stderr" "$W/client.err"
		show_file server "$W/server"
	fi
	check_pair "$tag" "$W/client" "$W/server"

	# What the fault must have done, and what hagd must have counted.
	local kern=1 d
	[[ "${HAGD_VDEV:-}" == kernel ]] && kern=0
	case $kind in
	nft)
		local lost=0 dups=0 ns dev
		for p in "${PORTS[@]}"; do
			ns=$HAG_CLIENT_NS dev=$p
			[[ $p == upstream ]] && ns=$HAG_SERVER_NS dev=up
			lost=$((lost + $(nft_count "$ns" "$dev" lost_rx)))
			dups=$((dups + $(nft_count "$ns" "$dev" dup_tx)))
		done
		harness_step "$tag: nft dropped frames hagd sent ($lost)" test "$lost" -gt 0
		harness_step "$tag: nft duplicated frames the kernel sent ($dups)" test "$dups" -gt 0
		moved "$tag" "$b" "$a" tcp.RetransSegs
		if ((kern)); then
			check_sum_moved "$tag: hagd recovered from loss (TCPSackRecovery+RackRecovery+TCPLossProbes+TCPTimeouts)" \
				"$b" "$a" tcp.TCPSackRecovery tcp.RackRecovery tcp.TCPLossProbes tcp.TCPTimeouts
			moved "$tag" "$b" "$a" tcp.OutOfWindow
		fi
		nft_clear "$HAG_CLIENT_NS" "$HAG_SERVER_NS"
		;;
	loss1 | loss5)
		impair_check "$tag" "$b" "$a" "rx tx" dropped_loss
		moved "$tag" "$b" "$a" tcp.RetransSegs
		check_sum_moved "$tag: hagd recovered from loss (TCPSackRecovery+RackRecovery+TCPLossProbes+TCPTimeouts)" \
			"$b" "$a" tcp.TCPSackRecovery tcp.RackRecovery tcp.TCPLossProbes tcp.TCPTimeouts
		moved "$tag" "$b" "$a" tcp.TCPOFOQueue
		d=0
		[[ " ${PORTS[*]} " == *" dsl "* ]] && d=$((d + $(nstat_of "$W/cnstat.after" TcpRetransSegs) - $(nstat_of "$W/cnstat.before" TcpRetransSegs)))
		[[ " ${PORTS[*]} " == *" upstream "* ]] && d=$((d + $(nstat_of "$W/snstat.after" TcpRetransSegs) - $(nstat_of "$W/snstat.before" TcpRetransSegs)))
		# The loss hit the kernel's side of the link too (the fault, not hagd).
		harness_step "$tag: the kernel on the lossy link retransmitted (TcpRetransSegs +$d)" test "$d" -gt 0
		;;
	dup)
		impair_check "$tag" "$b" "$a" "rx tx" duplicated
		# A copy of a data segment hagd already has is unacceptable
		# (RFC 9293 3.10.7.4) and answered with an ACK: tcp.OutOfWindow.
		moved "$tag" "$b" "$a" tcp.OutOfWindow
		# The kernel D-SACKs the copies hagd sent (RFC 2883).
		moved "$tag" "$b" "$a" tcp.TCPDSACKRecv
		;;
	corrupt)
		impair_check "$tag" "$b" "$a" "rx" corrupted
		moved "$tag" "$b" "$a" tcp.InCsumErrors
		local corrupted caught arp
		corrupted=$(impair_sum "$b" "$a" rx corrupted)
		# tcp.InErrs holds the checksum errors and the headers refused before the checksum (data offset).
		caught=$(sum_delta "$b" "$a" tcp.InErrs ip.InHdrErrors ip.InAddrErrors ip.InUnknownProtos ip.InTruncatedPkts)
		arp=$(ctr_delta "$b" "$a" ip.ArpIn)
		# A bit flipped in an ARP frame may go unnoticed; in IPv4/TCP never.
		if [[ -n "$caught" ]] && ((caught <= corrupted && caught >= corrupted - ${arp:-0})); then
			ok "$tag: every corrupted frame was caught ($caught of $corrupted; ARP in: ${arp:-0})"
		else
			not_ok "$tag: every corrupted frame was caught"
			diag "  impair corrupted $corrupted, caught (tcp.InErrs+InHdrErrors+InAddrErrors+InUnknownProtos+InTruncatedPkts) ${caught:-missing}, ARP in ${arp:-?}"
		fi
		;;
	reorder)
		impair_check "$tag" "$b" "$a" "rx tx" reordered
		moved "$tag" "$b" "$a" tcp.TCPOFOQueue
		;;
	delay)
		local held_full
		held_full=$(($(impair_sum "$b" "$a" rx dropped_full) + $(impair_sum "$b" "$a" tx dropped_full)))
		harness_step "$tag: impair dropped nothing for lack of room (dropped_full +$held_full)" test "$held_full" -eq 0
		d=$(ctr_delta "$b" "$a" tcp.TCPTimeouts)
		if [[ -n "$d" ]] && ((d <= MAX_RTO)); then ok "$tag: no spurious RTO (tcp.TCPTimeouts +$d, at most $MAX_RTO)"
		else not_ok "$tag: no spurious RTO"; diag "  tcp.TCPTimeouts +${d:-missing}, want at most $MAX_RTO"; fi
		;;
	esac
	check_hagd_alive

	# One line of the summary table.
	local k row="$where|$kind|$mib|${csecs:-?}|$(jget "$W/client" tx_secs)|$(jget "$W/client" rx_secs)"
	for k in RetransSegs TCPSackRecovery RackRecovery TCPLossProbes TCPTimeouts TCPOFOQueue TCPOFODrop OutOfWindow DupData TCPDSACKRecv InCsumErrors; do
		row+="|$(ctr_delta "$b" "$a" "tcp.$k")"
	done
	row+="|$(($(nstat_of "$W/cnstat.after" TcpRetransSegs) - $(nstat_of "$W/cnstat.before" TcpRetransSegs)))"
	row+="|$(($(nstat_of "$W/snstat.after" TcpRetransSegs) - $(nstat_of "$W/snstat.before" TcpRetransSegs)))"
	local imp="" n
	for n in dropped_loss duplicated corrupted reordered; do
		d=$(($(impair_sum "$b" "$a" rx "$n") + $(impair_sum "$b" "$a" tx "$n")))
		((d)) && imp+="$n=$d "
	done
	[[ $kind == nft ]] && imp="nft lost=$lost dup=$dups"
	TABLE+=("$row|${imp% }")
	if ! hagd_alive; then
		cp "$HAGD_LOG" "$W/hagd.log" 2>/dev/null
		restarted=1   # whatever happens next, restore the default at the end
	fi
}

for where in $WHERES; do
	for kind in $KINDS; do
		scenario "$where" "$kind"
	done
done

diag "summary (counter deltas: hagd tcp.*, the kernels' TcpRetransSegs of client and server, impair summed over the impaired ports):"
diag "where|fault|MiB|secs|up s|down s|Retrans|SackRec|RackRec|TLP|RTO|OFOQueue|OFODrop|OutOfWindow|DupData|DSACKRecv|InCsumErr|client retrans|server retrans|injected"
for r in "${TABLE[@]}"; do diag "$r"; done

faults_exit
trap _e2e_exit EXIT
e2e_end

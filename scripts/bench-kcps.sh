#!/usr/bin/env bash
# Connection rate beside the kernel gateway: scripts/bench.sh kcps [SECS] [RUNS] | kcps --smoke.
#
# One topology, two gateways in turn, the same load:
#
#   hag-kperf (hagperf, DPDK on af_packet, CPU 0)          hag-kgw (the gateway, CPU 1)
#     dsl  10.10.1.2..17  <-------- veth -------->  dsl-gw 10.10.1.1
#     lte  10.10.2.2..17  <-------- veth -------->  lte-gw 10.10.2.1      10.10.0.1 (service)
#     up   10.20.0.2 (server) <---- veth -------->  up-gw  10.20.0.1
#
#   kgw   the kernel: Debian's haproxy (one thread, pinned to CPU 1) relaying
#         10.10.0.1:8080-8095 to 10.20.0.2:9000-9015; for MPTCP under mptcpize
#         (every socket it opens is MPTCP: the listener terminates the client's
#         subflows, the upstream socket falls back to TCP at the server's SYN/ACK).
#   hagd  hagd on CPU 1, its ports af_packet vdevs on the same veths.
#
# hagperf (app/hagperf.c, the generator of `bench.sh cps`) keeps 64 lifecycles
# going: connect (MPTCP: MP_CAPABLE from the dsl address, then one MP_JOIN from
# the lte address), 64-byte request, 64-byte response, client closes, then the
# server. RPS sends every frame a gateway veth receives to CPU 1 and every frame
# hagperf's veths receive to CPU 0, so all of a gateway's work, the kernel's
# receive path included, is on CPU 1:
#   kgw:  gateway CPU = CPU 1's non-idle time (/proc/stat: user, nice, system, irq, softirq);
#   hagd: gateway CPU = hagd's busy cycles (polls that had work; its system calls
#         to send are inside them) + CPU 1's irq and softirq time (af_packet
#         delivering frames to it). Busy polling is not counted as work; a softirq
#         that interrupts a busy poll is counted twice (against hagd).
# Lifecycles per second come from hagperf's counters at the window's edges
# (SIGUSR1 writes them), "per core" is lifecycles / gateway CPU seconds.
# Median of RUNS (3) windows of SECS (5) s after WARM (3) s.
# Writes bench/results/DATE-kcps.json; prints one table.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HAGD_BUILD:-$ROOT/build}
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD
PY=/usr/bin/python3
HAGPERF=${HAGPERF:-$BUILD/app/hagperf}
NS_P=hag-kperf
NS_G=hag-kgw
PREFIX=hagd-kcps
GW_CPU=1
PERF_CPU=0
W=$(mktemp -d /tmp/hag-bench-kcps.XXXXXX)
PERF_PID="" GW_PID=""

die() { echo "bench kcps: $*" >&2; exit 1; }

# stop_pid PID: SIGTERM twice (hagd: drain, then at once), SIGKILL after 5 s.
# Returns the process's exit status (128 + N: ended by signal N).
stop_pid() {
	local p=$1 rc=0
	[[ -n "$p" ]] || return 0
	kill "$p" 2>/dev/null || true
	sleep 0.2
	kill "$p" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || rc=$?
	return "$rc"
}

# stop_checked WHAT PID OK...: stop_pid PID; the benchmark fails when WHAT had
# died before we stopped it (its figures cannot be trusted) or ended with a
# status not in OK (hagperf: 0, it handles SIGTERM; a gateway: 0 or 143).
stop_checked() {
	local what=$1 p=$2 alive=1 rc=0 ok; shift 2
	kill -0 "$p" 2>/dev/null || alive=0
	stop_pid "$p" || rc=$?
	if ((!alive && rc > 128)); then
		die "$what died of signal $((rc - 128)) before it was stopped (logs in $W)"
	fi
	((alive)) || die "$what ended (status $rc) before it was stopped (logs in $W)"
	for ok in "$@"; do ((rc == ok)) && return 0; done
	die "$what ended with status $rc when stopped (logs in $W)"
}

# Whatever ended the script: hagperf and the gateway stop (neither may be left
# running: every step here tolerates a process already gone).
net_down() {
	stop_pid "$PERF_PID" || true; PERF_PID=""
	stop_pid "$GW_PID" || true; GW_PID=""
	ip netns del "$NS_P" 2>/dev/null || true
	ip netns del "$NS_G" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PREFIX" /var/run/dpdk/hagperf-kcps
}
trap net_down EXIT

in_p() { ip netns exec "$NS_P" "$@"; }
in_g() { ip netns exec "$NS_G" "$@"; }

net_up() {
	net_down
	ip netns add "$NS_P"
	ip netns add "$NS_G"
	for i in dsl lte up; do
		ip link add name "$i" netns "$NS_P" type veth peer name "$i-gw" netns "$NS_G"
	done
	for ns in "$NS_P" "$NS_G"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	# Whole checksums (hagperf and hagd verify them), MTU-sized frames, no veth NAPI.
	for i in dsl lte up; do
		in_p ip link set dev "$i" up
		in_g ip link set dev "$i-gw" up
		in_p ethtool -K "$i" tx off gso off gro off tso off >/dev/null
		in_g ethtool -K "$i-gw" tx off gso off gro off tso off >/dev/null
		in_p sh -c "echo $((1 << PERF_CPU)) >/sys/class/net/$i/queues/rx-0/rps_cpus"
		in_g sh -c "echo $((1 << GW_CPU)) >/sys/class/net/$i-gw/queues/rx-0/rps_cpus"
	done
	# hagperf owns the addresses on its side: its namespace has none (no RST from the kernel there).
}

kgw_start() {   # kgw_start tcp|mptcp
	local wrap=()
	[[ $1 == mptcp ]] && wrap=(mptcpize run)
	in_g sysctl -qw net.mptcp.enabled=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=4096 \
		net.ipv4.tcp_max_syn_backlog=4096
	in_g ip addr add 10.10.1.1/24 dev dsl-gw
	in_g ip addr add 10.10.2.1/24 dev lte-gw
	in_g ip addr add 10.20.0.1/24 dev up-gw
	in_g ip addr add 10.10.0.1/32 dev lo
	in_g ip mptcp limits set subflow 2 add_addr_accepted 0
	cat >"$W/haproxy.cfg" <<'EOF'
global
	nbthread 1
	maxconn 4096
defaults
	mode tcp
	option splice-auto
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend service
	bind 10.10.0.1:8080-8095
	default_backend upstream
backend upstream
	# +920: the port the client connected to, plus 920 (8080 -> 9000, ...)
	server s1 10.20.0.2:+920
EOF
	setsid ip netns exec "$NS_G" taskset -c "$GW_CPU" "${wrap[@]}" haproxy -db -f "$W/haproxy.cfg" \
		>"$W/haproxy.$1.log" 2>&1 </dev/null &
	GW_PID=$!
	for _ in $(seq 50); do
		in_g ss -ltn 2>/dev/null | grep -q '10.10.0.1:8095' && return 0
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$W/haproxy.$1.log" >&2
	die "haproxy did not listen"
}

hagd_start() {
	$PY - "$W/hagd.json" "$PREFIX" "$GW_CPU" <<'EOF'
import json, sys
out, prefix, cpu = sys.argv[1:4]
ports = [("dsl", "dsl-gw", "10.10.1.1/24"), ("lte", "lte-gw", "10.10.2.1/24"), ("upstream", "up-gw", "10.20.0.1/24")]
c = {
    "dpdk": {"args": ["--no-huge", "--no-pci", "-m", "2048", "--no-shconf", "--file-prefix", prefix,
                      "-l", cpu, "--log-level", "*:notice"], "mbufs": 131071},
    "ports": [{"name": n, "dev": "net_af_packet%d,iface=%s" % (i, d), "addr": a} for i, (n, d, a) in enumerate(ports)],
    "addresses": ["10.10.0.1"],
    "listeners": [{"listen": "10.10.0.1:%d" % (8080 + i), "upstream": "10.20.0.2:%d" % (9000 + i)} for i in range(16)],
    "mptcp": {"enabled": True},
    "tcp": {"rcvbuf_init": 4096, "timewait_ms": 2000, "max_timewait": 1048576, "max_conns": 1048576},
    "log": {"level": "warn"},
}
json.dump(c, open(out, "w"), indent=1)
EOF
	setsid ip netns exec "$NS_G" "$BUILD/app/hagd" -c "$W/hagd.json" >>"$W/hagd.log" 2>&1 </dev/null &
	GW_PID=$!
	for _ in $(seq 100); do
		"$BUILD/app/hagctl" --prefix "$PREFIX" stats >/dev/null 2>&1 && return 0
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$W/hagd.log" >&2
	die "hagd did not start"
}

gw_stop() {   # gw_stop NAME
	local p=$GW_PID
	GW_PID=""
	stop_checked "the gateway ($1)" "$p" 0 143
	rm -rf "/var/run/dpdk/$PREFIX"
	in_g ip -4 addr flush dev dsl-gw
	in_g ip -4 addr flush dev lte-gw
	in_g ip -4 addr flush dev up-gw
	in_g ip -4 addr del 10.10.0.1/32 dev lo 2>/dev/null || true
}

perf_start() {   # perf_start NAME SECS [--mptcp]
	local name=$1 secs=$2; shift 2
	setsid ip netns exec "$NS_P" "$HAGPERF" --no-huge --no-pci -m 2048 --no-shconf --file-prefix hagperf-kcps \
		-l "$PERF_CPU" --log-level '*:error' \
		--vdev net_af_packet0,iface=dsl --vdev net_af_packet1,iface=lte --vdev net_af_packet2,iface=up \
		-- --mode cps --conns 64 --listeners 16 --clients 16 --open-rate 1000 --secs "$secs" "$@" \
		--stats "$W/$name.perf" >>"$W/hagperf.log" 2>&1 </dev/null &
	PERF_PID=$!
}

# snap NAME EDGE: hagperf's counters (SIGUSR1), CPU 1's /proc/stat line and,
# with hagd, its counters, all at one moment.
snap() {
	local f="$W/$1.perf"
	rm -f "$f"
	kill -USR1 "$PERF_PID" || die "hagperf died during $1 (log: $W/hagperf.log)"
	for _ in $(seq 100); do [[ -s "$f" ]] && break; sleep 0.01; done
	[[ -s "$f" ]] || die "hagperf did not answer SIGUSR1"
	cp "$f" "$W/$1.$2.perf"
	grep "^cpu$GW_CPU " /proc/stat >"$W/$1.$2.cpu"
	if [[ $1 == hagd.* ]]; then
		"$BUILD/app/hagctl" --prefix "$PREFIX" stats >"$W/$1.$2.hagd" || die "hagd stopped answering"
	fi
}

smoke=0
[[ "${1:-}" == --smoke ]] && { smoke=1; shift; }
SECS=${1:-5} RUNS=${2:-3} WARM=3
((smoke)) && SECS=1 RUNS=1 WARM=1
[[ -x "$HAGPERF" && -x "$BUILD/app/hagd" ]] || die "build first (no $HAGPERF or hagd)"
command -v haproxy >/dev/null || die "no haproxy (scripts/deps.sh installs it)"
((GW_CPU < $(nproc))) || die "needs CPUs $PERF_CPU and $GW_CPU"
mkdir -p "$ROOT/bench/results"
net_up
cases=()
for gw in kgw hagd; do
	for proto in mptcp tcp; do
		pflag=()
		[[ $proto == mptcp ]] && pflag=(--mptcp)
		for r in $(seq "$RUNS"); do
			name="$gw.$proto.$r"
			if [[ $gw == kgw ]]; then kgw_start "$proto"; else hagd_start; fi
			perf_start "$name" "$((WARM + SECS + 30))" "${pflag[@]}"
			sleep "$WARM"
			snap "$name" a
			sleep "$SECS"
			snap "$name" b
			p=$PERF_PID
			PERF_PID=""
			stop_checked "hagperf ($name)" "$p" 0
			[[ $gw == hagd ]] && "$BUILD/app/hagctl" --prefix "$PREFIX" stats >"$W/$name.end.hagd"
			gw_stop "$name"
			cases+=("$name")
		done
	done
done
net_down

res=$ROOT/bench/results/$(date +%F)-kcps.json
((smoke)) && res=$W/smoke-kcps.json
$PY - "$W" "$res" "$(getconf CLK_TCK)" "${cases[@]}" <<'EOF'
import json, statistics, sys, time
w, res, tck, cases = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def perf(n, e): return json.load(open("%s/%s.%s.perf" % (w, n, e)))
def cpu(n, e):   # user nice system idle iowait irq softirq steal
    v = [int(x) for x in open("%s/%s.%s.cpu" % (w, n, e)).read().split()[1:9]]
    return {"busy": (v[0] + v[1] + v[2] + v[5] + v[6]) / tck, "irq": (v[5] + v[6]) / tck}
raw = []
for n in cases:
    gw, proto, _ = n.split(".")
    a, b = perf(n, "a"), perf(n, "b")
    ca, cb = cpu(n, "a"), cpu(n, "b")
    secs = b["secs"] - a["secs"]
    done = b["completed"] - a["completed"]
    x = {"gateway": gw, "proto": proto, "secs": round(secs, 3), "lifecycles": done,
         "failed": b["failed"] - a["failed"], "joins": b["joins"] - a["joins"],
         "join_fails": b["join_fails"] - a["join_fails"], "cpu1_busy_s": round(cb["busy"] - ca["busy"], 3),
         "cpu1_irq_s": round(cb["irq"] - ca["irq"], 3)}
    if gw == "kgw":
        x["gw_cpu_s"] = x["cpu1_busy_s"]
    else:
        ha = json.load(open("%s/%s.a.hagd" % (w, n)))
        hb = json.load(open("%s/%s.b.hagd" % (w, n)))
        he = json.load(open("%s/%s.end.hagd" % (w, n)))
        busy = (hb["workers"]["0"]["busy_cycles"] - ha["workers"]["0"]["busy_cycles"]) / hb["tsc_hz"]
        x["hagd_busy_s"] = round(busy, 3)
        x["gw_cpu_s"] = round(busy + x["cpu1_irq_s"], 3)
        x["relay_completed"] = hb["relay"]["Completed"] - ha["relay"]["Completed"]
        x["upstream_failures"] = he["relay"]["UpstreamFailures"]
    x["per_s"] = round(done / secs, 1) if secs > 0 else 0
    x["per_core_s"] = round(done / x["gw_cpu_s"], 1) if x["gw_cpu_s"] > 0 else 0
    x["gw_cpu_share"] = round(x["gw_cpu_s"] / secs, 3) if secs > 0 else 0
    raw.append(x)
results = []
for gw in ("kgw", "hagd"):
    for proto in ("mptcp", "tcp"):
        xs = [x for x in raw if x["gateway"] == gw and x["proto"] == proto]
        if xs:
            results.append({"gateway": gw, "proto": proto,
                            "per_s": statistics.median(x["per_s"] for x in xs),
                            "per_core_s": statistics.median(x["per_core_s"] for x in xs),
                            "gw_cpu_share": statistics.median(x["gw_cpu_share"] for x in xs),
                            "failed": sum(x["failed"] for x in xs), "raw": xs})
out = {"part": "kcps", "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "concurrent": 64, "request_bytes": 64,
       "gateway_cpu": 1, "generator_cpu": 0,
       "kgw": "haproxy (Debian), 1 thread on CPU 1; MPTCP under mptcpize; tcp_tw_reuse=1",
       "hagd": "hagd, 1 lcore on CPU 1, af_packet vdevs", "results": results}
json.dump(out, open(res, "w"), indent=1)
print("kcps: lifecycles (64 at a time, 64-byte request and response), gateway on CPU 1, hagperf on CPU 0 (af_packet)")
print("  %-6s %-6s %12s %10s %16s" % ("gw", "proto", "per second", "gw CPU", "per core-second"))
for r in results:
    print("  %-6s %-6s %12.0f %9.0f%% %16.0f" % (r["gateway"], r["proto"], r["per_s"], 100 * r["gw_cpu_share"], r["per_core_s"]))
for proto in ("mptcp", "tcp"):
    k = [r for r in results if r["gateway"] == "kgw" and r["proto"] == proto]
    h = [r for r in results if r["gateway"] == "hagd" and r["proto"] == proto]
    if k and h and k[0]["per_core_s"] > 0:
        print("  hagd / kgw per core, %s: %.2f" % (proto, h[0]["per_core_s"] / k[0]["per_core_s"]))
print("results: %s" % res)
EOF

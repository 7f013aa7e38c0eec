#!/usr/bin/env bash
# A client's abort reaches the server (RFC 8684 3.5). curl under mptcpize
# downloads a large file through hagd from an nginx this test starts; both
# subflows (dsl, lte) are up when curl is killed (SIGKILL) mid-transfer. The
# Linux client then resets both subflows with MP_FASTCLOSE (its socket held
# unread data: curl reads slowly, --limit-rate): hagd closes the whole
# connection at once and resets upstream, so nginx's connection is gone within
# HAG_E2E_ABORT_MS (1000) ms, as behind a kernel gateway; not after a takeover
# and mptcp.resume_timeout_ms of waiting (mptcp.MPFastcloseRx moves, Parked and
# Takeover do not). Then a plain TCP curl stopped with SIGTERM: its RST ends
# nginx's connection as fast (relay.ClientResets).
. "$(dirname "$0")/lib.sh"
e2e_begin

LIMIT_MS=${HAG_E2E_ABORT_MS:-1000}
URL="http://$HAG_SERVICE_ADDR:$HAG_SERVICE_PORT/big"
base=$(mempool_in_use)

# nginx in the server namespace, all its files in $WORK: a 1 GiB sparse file,
# sent at 64 MB/s at most (the transfer is still going when curl is killed).
mkdir -p "$WORK/www" "$WORK/nginx"
truncate -s 1G "$WORK/www/big"
cat >"$WORK/nginx.conf" <<EOF
daemon off;
user root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.error.log info;
events { worker_connections 64; }
http {
	access_log $WORK/nginx.access.log;
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	server {
		listen $HAG_UPSTREAM_ADDR:$HAG_UPSTREAM_PORT;
		root $WORK/www;
		location / { limit_rate 64m; }
	}
}
EOF
nginx_conns() {   # nginx's connections from hagd not yet ended
	ip netns exec "$HAG_SERVER_NS" ss -Htn state established state close-wait \
		"( sport = :$HAG_UPSTREAM_PORT )" | wc -l
}
nginx_listens() { ip netns exec "$HAG_SERVER_NS" ss -Htln "sport = :$HAG_UPSTREAM_PORT" | grep -q .; }
subflows() {      # the client's established connections to the service
	ip netns exec "$HAG_CLIENT_NS" ss -Htn state established dst "$HAG_SERVICE_ADDR" \
		dport = "$HAG_SERVICE_PORT" | wc -l
}
now_ms() { date +%s%3N; }

harness_step "nginx config valid" ip netns exec "$HAG_SERVER_NS" nginx -t -q -p "$WORK/" -e "$WORK/nginx.stderr" \
	-c "$WORK/nginx.conf" || { e2e_end; }
bg_ns "$HAG_SERVER_NS" "$WORK/nginx.out" nginx -p "$WORK/" -e "$WORK/nginx.stderr" -c "$WORK/nginx.conf"
NGINX_PID=$BG_PID
for ((i = 0; i < 50; i++)); do nginx_listens && break; sleep 0.1; done
harness_step "nginx listens on $HAG_UPSTREAM_ADDR:$HAG_UPSTREAM_PORT" nginx_listens || {
	show_file nginx "$WORK/nginx.stderr"; e2e_end; }

# abort KIND SIGNAL CMD...: start the download CMD in the client namespace,
# wait until it runs (for mptcp: both subflows and hagd's join counted), kill
# it with SIGNAL; sets ABORT_MS, the time from the kill until nginx's
# connection ended (or "" if it did not within 35 s).
abort() {
	local kind=$1 sig=$2 pid i t0 want=1
	shift 2
	ABORT_MS=""
	[[ $kind == mptcp ]] && want=2
	stats_snap "$WORK/before.$kind.json"
	bg_ns "$HAG_CLIENT_NS" "$WORK/curl.$kind" "$@"
	pid=$BG_PID
	for ((i = 0; i < 100; i++)); do
		(($(nginx_conns) >= 1 && $(subflows) >= want)) && break
		sleep 0.1
	done
	sleep 0.5       # well into the transfer: windows full, curl's buffer too
	stats_snap "$WORK/running.$kind.json"
	harness_step "$kind download running ($(subflows) subflows at the client, $(nginx_conns) nginx connection)" \
		test "$(nginx_conns)" -eq 1 -a "$(subflows)" -ge "$want" || return 1
	harness_step "the download is curl (pid $pid)" test "$(cat "/proc/$pid/comm" 2>/dev/null)" = curl || return 1
	kill "-$sig" "$pid"
	t0=$(now_ms)
	for ((i = 0; i < 3500; i++)); do
		if (($(nginx_conns) == 0)); then
			ABORT_MS=$(($(now_ms) - t0))
			break
		fi
		sleep 0.01
	done
	wait_pid "$pid" 5
	sleep 0.2
	stats_snap "$WORK/after.$kind.json"
	diag "$kind: nginx access log: $(tail -n 1 "$WORK/nginx.access.log" 2>/dev/null)"
}

# check_closed KIND: nginx's connection ended within LIMIT_MS of the kill.
check_closed() {
	if [[ -n "$ABORT_MS" ]] && ((ABORT_MS <= LIMIT_MS)); then
		ok "$1: nginx's connection ended ${ABORT_MS} ms after the kill (<= $LIMIT_MS ms)"
	else
		not_ok "$1: nginx's connection ended within $LIMIT_MS ms of the kill"
		diag "  took ${ABORT_MS:-more than 35000} ms"
	fi
}

if abort mptcp KILL mptcpize run curl -sS -o /dev/null --limit-rate 2M "$URL"; then
	check_moved "$WORK/before.mptcp.json" "$WORK/running.mptcp.json" mptcp.MPJoinAckRx
	check_closed mptcp
	check_moved "$WORK/before.mptcp.json" "$WORK/after.mptcp.json" mptcp.MPFastcloseRx
	check_still "$WORK/before.mptcp.json" "$WORK/after.mptcp.json" mptcp.Parked
	check_still "$WORK/before.mptcp.json" "$WORK/after.mptcp.json" mptcp.Takeover
	check_moved "$WORK/before.mptcp.json" "$WORK/after.mptcp.json" relay.ClientResets
fi
if abort plain TERM curl -sS -o /dev/null --limit-rate 2M "$URL"; then
	check_closed plain
	check_moved "$WORK/before.plain.json" "$WORK/after.plain.json" relay.ClientResets
fi

kill -TERM "$NGINX_PID" 2>/dev/null
harness_step "nginx stopped" wait_pid "$NGINX_PID" 5
check_hagd_alive
check_mempool "$base"
e2e_end

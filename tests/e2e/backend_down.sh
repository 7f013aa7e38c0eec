#!/usr/bin/env bash
# Nothing listens on the upstream port: an MPTCP client and a plain TCP
# client are each reset (ECONNRESET: hagd accepts, the upstream connect
# fails, hagd resets the client) within a bounded time, hagd counts
# relay.UpstreamFailures; (a refused SYN, ECONNREFUSED, is accepted only with
# HAG_E2E_ACCEPT_REFUSED=1, for a hagd that connects upstream before it answers);
# once the server is started the next connection goes through.
. "$(dirname "$0")/lib.sh"
e2e_begin

LIMIT=${HAG_E2E_RESET_SECS:-15}   # seconds within which the reset must come
base=$(mempool_in_use)

# Nobody must listen upstream: a stray server from an earlier test would.
if ip netns exec "$HAG_SERVER_NS" ss -Htln "sport = :$HAG_UPSTREAM_PORT" | grep -q .; then
	diag "something listens on $HAG_UPSTREAM_ADDR:$HAG_UPSTREAM_PORT:"
	diag "$(ip netns exec "$HAG_SERVER_NS" ss -tlnp "sport = :$HAG_UPSTREAM_PORT")"
fi

for kind in mptcp plain; do
	flag=""
	[[ $kind == mptcp ]] && flag=--mptcp
	stats_snap "$WORK/before.$kind.json"
	client_run "$WORK/client.$kind" $((LIMIT + 10)) --bytes 1M $flag --timeout "$LIMIT"
	crc=$?
	stats_snap "$WORK/after.$kind.json"
	err=$(jget "$WORK/client.$kind" error)
	secs=$(jget "$WORK/client.$kind" secs)
	want=ECONNRESET
	[[ -n "${HAG_E2E_ACCEPT_REFUSED:-}" ]] && want="ECONNRESET|ECONNREFUSED"
	case $err in
	ECONNRESET | ECONNREFUSED)
		if [[ "|$want|" == *"|$err|"* ]]; then
			ok "$kind client reset with no upstream ($err after ${secs} s)"
		else
			not_ok "$kind client reset with no upstream (ECONNRESET)"
			diag "  got $err after ${secs} s: hagd refused the SYN instead of accepting and resetting"
		fi ;;
	*)
		not_ok "$kind client reset with no upstream"
		diag "  client exit $crc, error '${err:-none}', rx_bytes $(jget "$WORK/client.$kind" rx_bytes) after ${secs:-?} s"
		show_file client "$WORK/client.$kind" ;;
	esac
	if [[ $secs =~ ^[0-9.]+$ ]] && $PY -c "import sys; sys.exit(not float('$secs') < $LIMIT)"; then
		ok "$kind reset came within $LIMIT s"
	else
		not_ok "$kind reset came within $LIMIT s"; diag "  took ${secs:-?} s"
	fi
	check_eq "$kind client received nothing" "$(jget "$WORK/client.$kind" rx_bytes)" 0
	check_moved "$WORK/before.$kind.json" "$WORK/after.$kind.json" relay.UpstreamFailures
done

# The server comes back: the next connection works.
server_start "$WORK/server" --bytes 1M --seed back
client_run "$WORK/client.after" 60 --bytes 1M --mptcp --seed after --timeout 20
crc=$?
wait_pid "$SERVER_PID" 20
src=$?
if ((crc == 0 && src == 0)); then ok "connection after the server is back works"
else not_ok "connection after the server is back works"; diag "client exit $crc, server exit $src"
	show_file client "$WORK/client.after"; fi
check_pair "after backend is back" "$WORK/client.after" "$WORK/server"

check_hagd_alive
check_mempool "$base"
e2e_end

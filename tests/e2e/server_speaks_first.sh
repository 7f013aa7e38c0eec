#!/usr/bin/env bash
# The upstream server talks first: the client sends nothing until it has
# received data (for MPTCP this means hagd must send data before the client
# ever sent any, right after the third ACK). Over MPTCP and plain TCP, with
# the client answering 1 MiB, and with a client that only listens (it shuts
# its sending side down as soon as data arrives: hagd half-closes upstream
# while downstream data is still in flight).
. "$(dirname "$0")/lib.sh"
e2e_begin

base=$(mempool_in_use)
run_case() {  # run_case NAME CLIENT_BYTES CLIENT_FLAGS...
	local name=$1 cbytes=$2; shift 2
	server_start "$WORK/server.$name" --bytes 4M --speak-first --seed "first-$name" --timeout 20
	client_run "$WORK/client.$name" 60 --bytes "$cbytes" --wait-first --seed "$name" --timeout 20 "$@"
	local crc=$?
	wait_pid "$SERVER_PID" 20
	local src=$?
	if ((crc == 0 && src == 0)); then
		ok "$name: finished (first byte after $(jget "$WORK/client.$name" rx_first_secs) s)"
	else
		not_ok "$name: finished"; diag "client exit $crc ($(jget "$WORK/client.$name" error)), server exit $src"
		show_file client "$WORK/client.$name"; show_file server "$WORK/server.$name"
	fi
	check_pair "$name" "$WORK/client.$name" "$WORK/server.$name"
}

run_case mptcp-reply 1M --mptcp
run_case plain-reply 1M
run_case mptcp-listen-only 0 --mptcp
run_case plain-listen-only 0
check_eq "mptcp-reply did not fall back" "$(jget "$WORK/client.mptcp-reply" mptcp.fallback)" false

check_hagd_alive
check_mempool "$base"
e2e_end

#!/usr/bin/env bash
# Plain TCP clients (no MP_CAPABLE) through the same listener, over dsl and
# over lte: both hashes match, hagd counts them as plain SYNs (the fallback
# counter mptcp.PlainSYNRX) and not as MP_CAPABLE.
. "$(dirname "$0")/lib.sh"
e2e_begin

MIB=${HAG_E2E_MIB:-8}
BYTES=$((MIB << 20))
base=$(mempool_in_use)

i=0
for path in dsl lte; do
	i=$((i + 1))
	bind=10.10.1.2
	[[ $path == lte ]] && bind=10.10.2.2
	stats_snap "$WORK/before.$path.json"
	server_start "$WORK/server.$path" --bytes "$BYTES" --seed "down-$path" --timeout 30
	client_run "$WORK/client.$path" 120 --bytes "$BYTES" --seed "up-$path" --bind "$bind" --timeout 30
	crc=$?
	wait_pid "$SERVER_PID" 30
	src=$?
	stats_snap "$WORK/after.$path.json"
	if ((crc == 0 && src == 0)); then
		ok "plain tcp over $path finished (${MIB} MiB each way, $(jget "$WORK/client.$path" secs) s)"
	else
		not_ok "plain tcp over $path finished"; diag "client exit $crc, server exit $src"
		show_file client "$WORK/client.$path"; show_file server "$WORK/server.$path"
	fi
	check_pair "plain tcp over $path" "$WORK/client.$path" "$WORK/server.$path"
	check_moved "$WORK/before.$path.json" "$WORK/after.$path.json" mptcp.PlainSYNRX
	check_still "$WORK/before.$path.json" "$WORK/after.$path.json" mptcp.MPCapableSYNRX
done

check_hagd_alive
check_mempool "$base"
e2e_end

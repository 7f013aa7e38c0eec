#!/usr/bin/env bash
# HAG_E2E_CONNS (default 8) transfers of HAG_E2E_MIB MiB (default 4) at once,
# each with its own data both ways: every client gets exactly the stream of
# the server connection that got its upload (so no segment or connection went
# to the wrong peer). Mixed MPTCP and plain TCP, over dsl and lte.
. "$(dirname "$0")/lib.sh"
e2e_begin

CONNS=${HAG_E2E_CONNS:-8}
MIB=${HAG_E2E_MIB:-4}
BYTES=$((MIB << 20))
base=$(mempool_in_use)
stats_snap "$WORK/before.json"

server_start "$WORK/server" --bytes "$BYTES" --count "$CONNS" --seed conc --timeout 30 --accept-timeout 30
cpids=()
for ((i = 0; i < CONNS; i++)); do
	flags=(--mptcp)
	((i % 4 == 3)) && flags=()                        # every 4th plain TCP
	((i % 4 == 3 && i % 8 == 7)) && flags=(--bind 10.10.2.2)  # ... over lte
	client_start "$WORK/client.$i" 120 \
		--bytes "$BYTES" \
		--seed "client-$i" --timeout 30 "${flags[@]}"
	cpids+=("$BG_PID")
done
wait_clients 130 "${cpids[@]}"
fails=$FAILS
wait_pid "$SERVER_PID" 30
src=$?
stats_snap "$WORK/after.json"
check_eq "all $CONNS clients finished" "$fails" 0
check_eq "server served $CONNS connections" "$src" 0

check_streams "$CONNS" "$BYTES"
check_moved "$WORK/before.json" "$WORK/after.json" relay.Accepted "$CONNS"

check_hagd_alive
check_mempool "$base"
e2e_end

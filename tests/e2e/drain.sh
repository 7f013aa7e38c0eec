#!/usr/bin/env bash
# Stopping hagd (docs/config.md, lifecycle): SIGTERM during an MPTCP transfer
# both ways: a new connection is refused (RST: relay.DrainRefused, Draining 1),
# the transfer completes with matching SHA-256 both ways, then hagd exits by
# itself ("drained", "exit 0" in its log). Then an idle MPTCP connection that
# outlives a short drain timeout: hagd closes it in order (the client reads
# EOF, not a reset, and so does the server; relay.DrainClosed in the log) and
# exits 0. The testbed's hagd runs on a copy of its config with the timeouts
# of the test, and is back on the default config at the end.
. "$(dirname "$0")/lib.sh"
e2e_begin

# drain_conf OUT MS: the testbed's config with lifecycle.drain_timeout_ms MS.
drain_conf() {
	$PY - "${HAGD_CONF:-$ROOT/conf/testbed.json}" "$1" "$2" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["lifecycle"] = {"drain_timeout_ms": int(sys.argv[3])}
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOF
}

# hagd_gone SECS: hagd's process ended within SECS.
hagd_gone() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$HAGD_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# check_exit NAME: hagd is gone and its log's last lines say it exited 0.
check_exit() {
	if hagd_gone "$2"; then ok "$1: hagd ended within $2 s"; else not_ok "$1: hagd ended within $2 s"; fi
	if tail -n 5 "$HAGD_LOG" | grep -q "exit 0"; then
		ok "$1: hagd exited 0"
	else
		not_ok "$1: hagd exited 0"
		diag "$(tail -n 8 "$HAGD_LOG")"
	fi
}

# --- 1. a transfer in flight finishes; new connections are refused ---------------
drain_conf "$WORK/drain20.json" 20000
restart_or_fail "$WORK/drain20.json" "lifecycle.drain_timeout_ms 20000" || { testbed_restore; e2e_end; }
BYTES=$((192 * 1048576))
server_start "$WORK/server" --bytes "$BYTES" --seed drain
client_start "$WORK/client" 120 --bytes "$BYTES" --mptcp --seed drainc --timeout 60
CLIENT_PID=$BG_PID
# Once bytes flow both ways, the signal.
for ((i = 0; i < 100; i++)); do
	stats_snap "$WORK/flow.json"
	(($(ctr_get "$WORK/flow.json" relay.BytesUp) > 8388608 && $(ctr_get "$WORK/flow.json" relay.BytesDown) > 8388608)) && break
	sleep 0.1
done
kill -TERM "$HAGD_PID"
sleep 0.3
stats_snap "$WORK/draining.json"
check_eq "relay.Draining is 1 after SIGTERM" "$(ctr_get "$WORK/draining.json" relay.Draining)" 1
check_eq "the transfer is still relayed (relay.Active)" "$(ctr_get "$WORK/draining.json" relay.Active)" 1
client_run "$WORK/refused" 15 --bytes 1K --mptcp --seed late --timeout 10
err=$(jget "$WORK/refused" error)
if [[ $err == ECONNREFUSED || $err == ECONNRESET ]]; then
	ok "a new connection while draining is refused ($err)"
else
	not_ok "a new connection while draining is refused"
	diag "client: error '${err:-none}', rx $(jget "$WORK/refused" rx_bytes) bytes"
fi
stats_snap "$WORK/refused.json"
check_moved "$WORK/draining.json" "$WORK/refused.json" relay.DrainRefused
wait_pid "$CLIENT_PID" 90
crc=$?
wait_pid "$SERVER_PID" 30
src=$?
if ((crc == 0 && src == 0)); then ok "the transfer in flight finished (client and server exit 0)"
else not_ok "the transfer in flight finished"; diag "client exit $crc, server exit $src"; show_file client "$WORK/client.err"; fi
check_pair "in flight at SIGTERM" "$WORK/client" "$WORK/server"
check_exit "transfer drained" 15
check "hagd logged that nothing was left" grep -q "drained: no connection left" "$HAGD_LOG"

# --- 2. an idle connection past the drain timeout is closed in order -----------------
drain_conf "$WORK/drain2.json" 2000
restart_or_fail "$WORK/drain2.json" "lifecycle.drain_timeout_ms 2000" || { testbed_restore; e2e_end; }
# Server: accepts one connection, reads to EOF, closes. Client: MPTCP, sends 5 bytes, reads to EOF.
bg_ns "$HAG_SERVER_NS" "$WORK/idle.server" timeout 30 $PY -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); got = b""
try:
    while True:
        b = c.recv(4096)
        if not b: print("eof", got.decode()); break
        got += b
except OSError as e: print("error", e.errno)
c.close()' "$HAG_UPSTREAM_PORT"
ISERVER=$BG_PID
sleep 0.5
bg_ns "$HAG_CLIENT_NS" "$WORK/idle.client" timeout 30 $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
s.connect((sys.argv[1], int(sys.argv[2]))); s.sendall(b"hello")
try:
    b = s.recv(4096)
    print("eof" if not b else "data")
except OSError as e: print("error", e.errno)' "$HAG_SERVICE_ADDR" "$HAG_SERVICE_PORT"
ICLIENT=$BG_PID
for ((i = 0; i < 50; i++)); do
	stats_snap "$WORK/idle.json"
	(($(ctr_get "$WORK/idle.json" relay.BytesUp) >= 5)) && break
	sleep 0.1
done
check_eq "the idle connection is relayed (relay.Active)" "$(ctr_get "$WORK/idle.json" relay.Active)" 1
t0=$SECONDS
kill -TERM "$HAGD_PID"
wait_pid "$ICLIENT" 20
wait_pid "$ISERVER" 20
check_eq "the client read an orderly end (DATA_FIN), not a reset" "$(cat "$WORK/idle.client")" eof
check_eq "the server read an orderly end (FIN) after the client's bytes" "$(cat "$WORK/idle.server")" "eof hello"
check_exit "idle drained" 15
if ((SECONDS - t0 >= 2)); then ok "hagd waited for the drain timeout (2 s) before closing"
else not_ok "hagd waited for the drain timeout (2 s) before closing"; diag "ended after $((SECONDS - t0)) s"; fi
check "hagd logged the close at the drain timeout" grep -q "drain timeout: 1 connections closed in order" "$HAGD_LOG"

testbed_restore || not_ok "testbed back on the default config"
e2e_end

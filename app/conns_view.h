/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagctl conns: its options, filters and table, over the JSON that hagd
 * answers to /hagd/conns (app/proxy.c hag_proxy_snap_format):
 *   { "ID": { "worker", "parked", "client": {...}, "server": {...},
 *             "mptcp": { "scheduler", "subflows", "subflow0": {...}, ... },
 *             "up": {...}, "down": {...} }, ...,
 *     "omitted": { "conns": N } }     (only when hagd left connections out)
 * No I/O but the FILE given to conns_table: unit tested on crafted JSON.
 */
#ifndef HAG_CONNS_VIEW_H
#define HAG_CONNS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

enum conns_kind { CONNS_ANY, CONNS_MPTCP, CONNS_TCP };

struct conns_filter {
	bool client;               /* --client ADDR[/LEN]: a subflow's remote address in the prefix */
	uint32_t client_net;       /* host order, masked */
	uint8_t client_len;
	bool client_v6;            /* ... an IPv6 prefix: client_net6/client_len */
	uint8_t client_net6[16];   /* network order, masked */
	bool server;               /* --server ADDR[:PORT]: the upstream's remote address (and port) */
	uint32_t server_addr;
	bool server_v6;            /* ... an IPv6 server ("ADDR6" or "[ADDR6]:PORT"): server_addr6 */
	uint8_t server_addr6[16];
	int server_port;           /* -1: any */
	int port;                  /* --port N: the client side's local (service) port; -1: any */
	char state[16];            /* --state: hagd's name ("ESTABLISHED", "SYN_RCVD") or "PARKED"; "": any */
	enum conns_kind kind;      /* --mptcp / --tcp */
	uint64_t min_bytes;        /* --min-bytes: up + down at least */
	uint64_t limit;            /* --limit: at most this many; 0: all */
};

struct conns_opts {
	bool table;                /* --table */
	struct conns_filter f;
};

/*
 * The arguments after "conns" (argv[0..argc)): "--opt VALUE" or "--opt=VALUE".
 * 0, or -1 with one line in err (an unknown option, a value missing or
 * malformed: hagctl exits 2).
 */
int conns_args(struct conns_opts *o, int argc, char *const argv[], char *err, size_t errlen);

/* Whether connection c (a value of the reply) passes f (f->limit aside). */
bool conns_match(const struct conns_filter *f, json_t *c);

/*
 * A new object: the connections of reply that pass f, oldest (lowest id)
 * first, at most f->limit; hagd's "omitted" kept at the end. NULL when reply
 * is not an object or memory ran out.
 */
json_t *conns_select(const struct conns_filter *f, json_t *reply);

/* hagd's count of the connections it did not list (reply "omitted"), 0 when none. */
uint64_t conns_omitted(json_t *reply);

/*
 * One row per connection of reply, in its order, into out: ID, worker,
 * state (client side/upstream), bytes up and down, scheduler, then each
 * client subflow (address:port, "b" when backup, "s" when stale) with its
 * congestion control, keepalive and idle timeout (seconds, "off"), srtt (ms)
 * and cwnd (bytes), one line each, and the upstream
 * local:port->server:port. Returns the connections shown.
 */
size_t conns_table(FILE *out, json_t *reply);

#endif

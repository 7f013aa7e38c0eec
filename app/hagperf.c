/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagperf: the load generator of hagd's engine benchmark (scripts/bench.sh
 * engine | cps | memory). A DPDK process of its own, joined to hagd by
 * memif (or any ethdev): it plays the clients on the dsl and lte ports and
 * the server on the upstream port, with lib/tcp on one lcore, so that hagd
 * is measured alone, without the kernel, in its own process.
 *
 *   hagperf [EAL args] -- --mode stream|cps|idle [options]
 *
 *   stream  CONNS connections relay data both ways (or --dir up|down) for
 *           SECS seconds; each side keeps its send buffer full.
 *   cps     full lifecycles, CONNS at a time: connect, a request of BYTES,
 *           a response of BYTES, close on both sides; a new one at once.
 *   idle    CONNS connections, each moves one byte each way, then they stay
 *           open until SECS run out; --ready-file is written once all are.
 *
 * Options: --conns N (1), --secs S (10), --bytes B (cps: 64; stream: the
 * size of each send and receive buffer, 65536; nobody sends before every
 * connection is up or failed, or 3 s after the last was opened), --dir both|up|down,
 * --listeners K (1: service ports 8080..8080+K-1, upstream 9000..9000+K-1),
 * --clients A (1: client addresses 10.10.1.2.., all on the dsl port),
 * --open-rate R (new connections per millisecond at most, 64),
 * --mptcp (clients open MPTCP connections from the dsl address and join a
 * second subflow from the lte address once established),
 * --takeover N (MPTCP: the first N connections whose join is up reset their
 * first subflow, in stream mode once everyone sends: the joined subflow
 * takes the connection over, on both sides; "takeovers" counts them),
 * --stats FILE (JSON at the end, and at once on SIGUSR1: a benchmark reads
 * its counters at the edges of a window), --ready-file FILE, --start-after S (open
 * nothing for S seconds once the ports answer: a memory baseline can be taken).
 * Addresses are the test network's (docs/testbed.md). Ports are taken in
 * order: dsl, lte, upstream. Prints one JSON line at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "mptcp/mptcp.h"
#include "net/net.h"
#include "tcp/tcp.h"
#include "tcp/tcp_buf.h"

#define BURST 32
#define GW_DSL 0x0a0a0101u      /* 10.10.1.1: hagd on dsl */
#define GW_LTE 0x0a0a0201u
#define GW_UP 0x0a140001u       /* 10.20.0.1 */
#define SVC_ADDR 0x0a0a0001u    /* 10.10.0.1 */
#define CLI_BASE 0x0a0a0102u    /* 10.10.1.2 */
#define SRV_ADDR 0x0a140002u    /* 10.20.0.2 */
#define SVC_PORT0 8080
#define UP_PORT0 9000

enum { P_DSL, P_LTE, P_UP, P_MAX };
/* cps with MPTCP: clients that have their response and wait for their join before closing. */
#define MAX_WAITING 4096
/* --takeover: connections waiting for their join before their first subflow is reset. */
#define MAX_TAKEOVER 1024
enum mode { M_STREAM, M_CPS, M_IDLE };

struct gport {
	uint16_t id;
	uint32_t gw;                        /* hagd's address on this port */
	struct rte_ether_addr mac, gw_mac;
	bool gw_known;
	struct rte_eth_dev_tx_buffer *txb;
};

/* One end of a connection: a client (toward hagd's service) or the server side. */
struct end {
	struct tcp_sock *sk;
	struct tcp_pipe rx, tx;
	uint64_t got;                       /* payload bytes received */
	bool client, shut, fin_seen;
	unsigned idx;                       /* in g.all */
};

static struct {
	enum mode mode;
	unsigned conns, listeners, clients, open_rate;
	double secs, start_after;
	uint32_t bytes;
	bool up, down;                      /* stream directions */
	bool mptcp;                         /* clients speak MPTCP, two subflows each */
	struct mptcp_ctx *mp;
	uint64_t joins, join_fails;
	struct end *waiting[MAX_WAITING];
	unsigned n_waiting;
	unsigned takeover;                  /* --takeover N: first subflows still to reset */
	struct end *tk[MAX_TAKEOVER];       /* their connections, join not yet up */
	unsigned n_tk;
	uint64_t takeovers, takeover_skipped;
	const char *stats, *ready;
	struct rte_mempool *pool;
	struct tcp_stack *tcp;
	struct gport port[P_MAX];
	uint64_t now_us;
	unsigned next_conn;                 /* round robin over listeners and client addresses */
	unsigned open;                      /* client connections not yet closed */
	unsigned idle_ready;
	uint64_t started, established, completed, failed;
	uint64_t rx_client, rx_server;      /* payload bytes received by clients and by servers */
	uint64_t arp_replies;
	/* stream: nobody sends before every connection is up (or failed, or
	 * GATE_WAIT_US passed since the last was opened): a bulk transfer from the
	 * first connections would overflow the links and starve the handshakes. */
	bool gate_open;
	uint64_t last_open_us;
	struct end **all;                   /* every end, for the gate's opening */
	unsigned n_all, cap_all;
} g;

#define GATE_WAIT_US 3000000

static volatile bool quit;
static volatile sig_atomic_t snap;       /* SIGUSR1: write --stats now */

static void close_joined(void);

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		snap = 1;
	else
		quit = true;
}

static uint8_t pattern[65536];

/* Keep a send buffer full (stream) or put n bytes in it (request / response). */
static void fill(struct end *e, uint64_t n)
{
	while (n > 0 && tcp_pipe_space(&e->tx) > 0) {
		uint32_t k = tcp_pipe_space(&e->tx);

		if (k > sizeof(pattern))
			k = sizeof(pattern);
		if (k > n)
			k = (uint32_t)n;
		if (tcp_pipe_write(&e->tx, e->tx.rx.nxt, pattern, k) < 0)
			break;      /* no memory for the ring: the next writable event tries again */
		n -= k;
	}
	tcp_kick(e->sk);
}

static bool sends(const struct end *e)
{
	return g.mode == M_STREAM && g.gate_open && (e->client ? g.up : g.down);
}

static int end_track(struct end *e)
{
	if (g.n_all == g.cap_all) {
		unsigned cap = g.cap_all ? 2 * g.cap_all : 1024;
		struct end **a = realloc(g.all, cap * sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		g.all = a;
		g.cap_all = cap;
	}
	e->idx = g.n_all;
	g.all[g.n_all++] = e;
	return 0;
}

static void end_free(struct end *e)
{
	if (e->idx < g.n_all && g.all[e->idx] == e) {
		g.all[e->idx] = g.all[--g.n_all];
		g.all[e->idx]->idx = e->idx;
	}
	tcp_pipe_fini(&e->rx);
	tcp_pipe_fini(&e->tx);
	free(e);
}

/* stream: open the gate once every connection is settled; everyone starts sending. */
static void gate_check(void)
{
	if (g.gate_open || g.mode != M_STREAM || g.started + g.failed < g.conns)
		return;
	if (g.established + g.failed < g.conns && g.now_us - g.last_open_us < GATE_WAIT_US)
		return;
	g.gate_open = true;
	for (unsigned i = 0; i < g.n_all; i++)
		if (g.all[i]->sk && sends(g.all[i]))
			fill(g.all[i], UINT64_MAX);
}

static int end_pipes(struct end *e)
{
	uint32_t cap = g.mode == M_STREAM ? g.bytes : 4096;

	if (tcp_pipe_init(&e->rx, cap) != 0 || tcp_pipe_init(&e->tx, cap) != 0)
		return -ENOMEM;
	return 0;
}

static void ev_established(struct tcp_sock *sk)
{
	struct end *e = tcp_sock_user(sk);

	if (!e->client) {
		if (sends(e))
			fill(e, UINT64_MAX);
		return;
	}
	g.established++;
	if (g.mptcp && mptcp_active(sk)) {
		/* The second subflow: from the lte address of the same client. */
		if (mptcp_join(sk, tcp_sock_tuple(sk).laddr + 0x100, false, g.now_us) == 0) {
			g.joins++;
			if (g.takeover > 0 && g.n_tk < MAX_TAKEOVER) {
				g.takeover--;
				g.tk[g.n_tk++] = e;
			}
		} else {
			g.join_fails++;
		}
	}
	if (sends(e))
		fill(e, UINT64_MAX);
	else if (g.mode == M_CPS)
		fill(e, g.bytes);
	else if (g.mode == M_IDLE)
		fill(e, 1);
}

static void ev_readable(struct tcp_sock *sk)
{
	struct end *e = tcp_sock_user(sk);
	uint32_t n = tcp_pipe_used(&e->rx);

	e->got += n;
	if (e->client)
		g.rx_client += n;
	else
		g.rx_server += n;
	tcp_pipe_consume(&e->rx, e->rx.rx.nxt);
	tcp_rx_space_freed(sk);
	if (g.mode == M_STREAM)
		return;
	if (!e->client && e->got == (g.mode == M_CPS ? g.bytes : 1) && !e->shut) {
		/* The request is in: the response; the client closes first (cps). */
		fill(e, g.mode == M_CPS ? g.bytes : 1);
	} else if (e->client && g.mode == M_CPS && e->got == g.bytes && !e->shut) {
		/* The response is in: close, once the join (MPTCP) is done. */
		if (g.mptcp && mptcp_joins_pending(sk) > 0 && g.n_waiting < MAX_WAITING) {
			g.waiting[g.n_waiting++] = e;
		} else {
			e->shut = true;
			tcp_shutdown(sk);
		}
	} else if (e->client && g.mode == M_IDLE && e->got == 1) {
		g.idle_ready++;
	}
}

static void ev_writable(struct tcp_sock *sk)
{
	struct end *e = tcp_sock_user(sk);

	if (sends(e))
		fill(e, UINT64_MAX);
}

static void ev_peer_fin(struct tcp_sock *sk)
{
	struct end *e = tcp_sock_user(sk);

	e->fin_seen = true;
	if (!e->shut) {
		e->shut = true;
		tcp_shutdown(sk);
	}
}

static void close_joined(void)
{
	for (unsigned i = 0; i < g.n_waiting;) {
		struct end *e = g.waiting[i];

		if (mptcp_joins_pending(e->sk) > 0) {
			i++;
			continue;
		}
		g.waiting[i] = g.waiting[--g.n_waiting];
		e->shut = true;
		tcp_shutdown(e->sk);
	}
}

static void ev_closed(struct tcp_sock *sk, int err)
{
	struct end *e = tcp_sock_user(sk);

	for (unsigned i = 0; i < g.n_waiting; i++)
		if (g.waiting[i] == e) {
			g.waiting[i] = g.waiting[--g.n_waiting];
			break;
		}
	for (unsigned i = 0; i < g.n_tk; i++)
		if (g.tk[i] == e) {
			g.tk[i] = g.tk[--g.n_tk];
			g.takeover_skipped++;
			break;
		}
	if (e->client) {
		g.open--;
		if (err == 0 && e->got == (g.mode == M_CPS ? g.bytes : e->got))
			g.completed++;
		else
			g.failed++;
	}
	end_free(e);
}

/*
 * MPTCP takeover (lib/mptcp take_over): the first subflow died and a joined
 * one carries the connection on; sk is freed once this returns, without
 * closed(). Everything that names the connection's socket follows it: e->sk
 * (fill, gate_check, close_joined, takeover_kick); the lists hold e, not sk.
 */
static void ev_replaced(struct tcp_sock *sk, struct tcp_sock *by)
{
	struct end *e = tcp_sock_user(sk);

	e->sk = by;
	g.takeovers++;
}

static const struct tcp_sock_ops ops = {
	.established = ev_established,
	.readable = ev_readable,
	.writable = ev_writable,
	.peer_fin = ev_peer_fin,
	.closed = ev_closed,
	.replaced = ev_replaced,
};

/*
 * --takeover: once a candidate's join is up (no join pending, two subflows),
 * reset its first subflow (an RST with MP_TCPRST, no MP_FASTCLOSE: RFC 8684
 * 3.6 ends that subflow only). Both ends move the connection to the join; a
 * candidate whose join failed is skipped (a reset would end the connection).
 */
static void takeover_kick(void)
{
	if (g.mode == M_STREAM && !g.gate_open)
		return;          /* in stream mode, once data moves */
	for (unsigned i = 0; i < g.n_tk;) {
		struct end *e = g.tk[i];
		struct mptcp_subflow_info sf[2];
		int pending = mptcp_joins_pending(e->sk);
		int n = mptcp_subflows(e->sk, sf, 2);

		if (pending > 0 && n > 0) {
			i++;
			continue;
		}
		g.tk[i] = g.tk[--g.n_tk];
		if (n == 2 && tcp_sock_state(sf[1].sk) == TCP_ESTABLISHED)
			tcp_reset(e->sk);    /* ev_replaced: e->sk is the join now */
		else
			g.takeover_skipped++;
	}
}

static int on_accept(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	struct end *e = calloc(1, sizeof(*e));

	(void)arg;
	(void)syn;
	if (e)
		e->idx = UINT32_MAX;
	if (e == NULL || end_pipes(e) != 0 || end_track(e) != 0) {
		if (e)
			end_free(e);
		return -ENOMEM;
	}
	e->sk = sk;
	tcp_sock_set_owner(sk, &ops, e, &e->rx, &e->tx);
	return 0;
}

static void open_one(void)
{
	unsigned i = g.next_conn++;
	uint32_t src = CLI_BASE + i % g.clients;
	uint16_t dport = (uint16_t)(SVC_PORT0 + (i / g.clients) % g.listeners);
	struct end *e = calloc(1, sizeof(*e));

	if (e)
		e->idx = UINT32_MAX;
	if (e == NULL || end_pipes(e) != 0 || end_track(e) != 0) {
		if (e)
			end_free(e);
		g.failed++;
		return;
	}
	e->client = true;
	g.last_open_us = g.now_us;
	if (g.mptcp)
		e->sk = mptcp_connect(g.mp, g.tcp, src, SVC_ADDR, dport, &e->rx, &e->tx, &ops, e, g.now_us);
	else
		e->sk = tcp_connect(g.tcp, src, 0, SVC_ADDR, dport, &e->rx, &e->tx, &ops, e, NULL, g.now_us);
	if (e->sk == NULL) {
		end_free(e);
		g.failed++;
		return;
	}
	g.started++;
	g.open++;
}

static struct gport *port_for_src(uint32_t src)
{
	if (src == SRV_ADDR)
		return &g.port[P_UP];
	if ((src & 0xffffff00u) == (GW_LTE & 0xffffff00u))
		return &g.port[P_LTE];
	return &g.port[P_DSL];
}

/* lib/tcp's output: Ethernet to hagd's MAC on the port of the source address. */
static int output(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct gport *p = port_for_src(rte_be_to_cpu_32(ip->src_addr));
	struct rte_ether_hdr *eh;

	(void)arg;
	(void)dst;
	(void)route;
	if (!p->gw_known || (eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh))) == NULL) {
		rte_pktmbuf_free(m);
		return -EHOSTUNREACH;
	}
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	rte_ether_addr_copy(&p->gw_mac, &eh->dst_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	rte_eth_tx_buffer(p->id, 0, p->txb, m);
	return 0;
}

static bool our_addr(int port, uint32_t a)
{
	if (port == P_UP)
		return a == SRV_ADDR;
	if (port == P_LTE)
		return a >= CLI_BASE + 0x100 && a < CLI_BASE + 0x100 + g.clients;
	return a >= CLI_BASE && a < CLI_BASE + g.clients;
}

static void rx_arp(int port, struct rte_mbuf *m)
{
	struct gport *p = &g.port[port];
	struct rte_arp_hdr *ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t sip, tip;
	struct rte_ether_addr sha;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ah))
		goto drop;
	sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	sha = ah->arp_data.arp_sha;
	if (sip == p->gw) {
		p->gw_mac = sha;
		p->gw_known = true;
	}
	if (ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) && our_addr(port, tip)) {
		net_arp_build(m, RTE_ARP_OP_REPLY, &p->mac, tip, &sha, sip);
		g.arp_replies++;
		rte_eth_tx_buffer(p->id, 0, p->txb, m);
		return;
	}
drop:
	rte_pktmbuf_free(m);
}

static void rx(int port, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		rx_arp(port, m);
		return;
	}
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    net_ipv4_check(m, sizeof(*eh)) != NET_IP_OK ||
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(*eh))->next_proto_id != IPPROTO_TCP) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(*eh));
	tcp_input(g.tcp, m, NULL, g.now_us);
}

static void arp_ask(struct gport *p, uint32_t src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g.pool);

	if (m == NULL)
		return;
	net_arp_build(m, RTE_ARP_OP_REQUEST, &p->mac, src, NULL, p->gw);
	rte_eth_tx_buffer(p->id, 0, p->txb, m);
}

static void tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	(void)userdata;
	rte_pktmbuf_free_bulk(pkts, unsent);
}

static int port_setup(struct gport *p, uint16_t id, uint32_t gw)
{
	struct rte_eth_conf conf;
	int r;

	memset(&conf, 0, sizeof(conf));
	p->id = id;
	p->gw = gw;
	if ((r = rte_eth_dev_configure(id, 1, 1, &conf)) != 0 ||
	    (r = rte_eth_rx_queue_setup(id, 0, 1024, rte_eth_dev_socket_id(id), NULL, g.pool)) != 0 ||
	    (r = rte_eth_tx_queue_setup(id, 0, 1024, rte_eth_dev_socket_id(id), NULL)) != 0 ||
	    (r = rte_eth_dev_start(id)) != 0)
		return r;
	rte_eth_macaddr_get(id, &p->mac);
	p->txb = rte_zmalloc("gtxb", RTE_ETH_TX_BUFFER_SIZE(BURST), 0);
	if (p->txb == NULL)
		return -ENOMEM;
	rte_eth_tx_buffer_init(p->txb, BURST);
	rte_eth_tx_buffer_set_err_callback(p->txb, tx_drop, NULL);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: hagperf [EAL args] -- --mode stream|cps|idle [--conns N] [--secs S] [--bytes B]\n"
			"       [--dir both|up|down] [--listeners K] [--clients A] [--open-rate R]\n"
			"       [--stats FILE] [--ready-file FILE] [--start-after S] [--mptcp] [--takeover N]\n");
}

static int parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{"mode", 1, 0, 'm'}, {"conns", 1, 0, 'n'}, {"secs", 1, 0, 's'}, {"bytes", 1, 0, 'b'},
		{"dir", 1, 0, 'd'}, {"listeners", 1, 0, 'l'}, {"clients", 1, 0, 'c'}, {"open-rate", 1, 0, 'r'},
		{"stats", 1, 0, 'o'}, {"ready-file", 1, 0, 'R'}, {"start-after", 1, 0, 'A'}, {"mptcp", 0, 0, 'M'},
		{"takeover", 1, 0, 'T'}, {0, 0, 0, 0},
	};
	int c;

	g.conns = 1;
	g.secs = 10;
	g.listeners = 1;
	g.clients = 1;
	g.open_rate = 64;
	g.up = g.down = true;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "stream") == 0)
				g.mode = M_STREAM;
			else if (strcmp(optarg, "cps") == 0)
				g.mode = M_CPS;
			else if (strcmp(optarg, "idle") == 0)
				g.mode = M_IDLE;
			else
				return -1;
			break;
		case 'n': g.conns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': g.secs = strtod(optarg, NULL); break;
		case 'b': g.bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd':
			g.up = strcmp(optarg, "down") != 0;
			g.down = strcmp(optarg, "up") != 0;
			break;
		case 'l': g.listeners = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': g.clients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': g.open_rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': g.stats = optarg; break;
		case 'R': g.ready = optarg; break;
		case 'A': g.start_after = strtod(optarg, NULL); break;
		case 'M': g.mptcp = true; break;
		case 'T': g.takeover = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	if (g.bytes == 0)
		g.bytes = g.mode == M_STREAM ? 65536 : 64;
	if (g.conns == 0 || g.listeners == 0 || g.listeners > 64 || g.clients == 0 || g.clients > 200 ||
	    g.open_rate == 0 || g.secs <= 0 || (g.takeover > 0 && !g.mptcp) || g.takeover > MAX_TAKEOVER)
		return -1;
	return 0;
}

/* Appends to the report line; a line that does not fit is cut (n stays at its size). */
static size_t put(char *buf, size_t size, size_t n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (n >= size)
		return n;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return k < 0 ? n : n + (size_t)k;
}

/* The counters that moved, by their MIB names: a run's resets and timeouts are read here. */
static size_t put_mibs(char *buf, size_t size, size_t n, const char *key, const char *const *names,
		       unsigned count, uint64_t (*get)(unsigned))
{
	const char *sep = "";

	n = put(buf, size, n, ", \"%s\": {", key);
	for (unsigned i = 0; i < count; i++) {
		uint64_t v = get(i);

		if (v == 0)
			continue;
		n = put(buf, size, n, "%s\"%s\": %" PRIu64, sep, names[i], v);
		sep = ", ";
	}
	return put(buf, size, n, "}");
}

static uint64_t tcp_mib_at(unsigned i)
{
	return tcp_mib_get(g.tcp, (enum tcp_mib)i);
}

static uint64_t mptcp_mib_at(unsigned i)
{
	return g.mp ? mptcp_mib_get(g.mp, (enum mptcp_mib)i) : 0;
}

/* The figures as one JSON line: into --stats, and on stdout at the end. */
static void report(double secs, bool final)
{
	char line[8192];
	size_t n;
	FILE *f;

	n = put(line, sizeof(line), 0,
		"{\"mode\": \"%s\", \"conns\": %u, \"secs\": %.3f, \"started\": %" PRIu64 ", \"established\": %" PRIu64
		", \"completed\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"open\": %u, \"idle_ready\": %u"
		", \"rx_client_bytes\": %" PRIu64 ", \"rx_server_bytes\": %" PRIu64 ", \"tcp_retrans\": %" PRIu64
		", \"tcp_in_segs\": %" PRIu64 ", \"tcp_out_segs\": %" PRIu64 ", \"mptcp\": %s, \"joins\": %" PRIu64
		", \"join_fails\": %" PRIu64 ", \"mp_established\": %" PRIu64 ", \"mp_joins_acked\": %" PRIu64
		", \"takeovers\": %" PRIu64 ", \"takeover_skipped\": %" PRIu64,
		g.mode == M_STREAM ? "stream" : g.mode == M_CPS ? "cps" : "idle", g.conns, secs, g.started,
		g.established, g.completed, g.failed, g.open, g.idle_ready, g.rx_client, g.rx_server,
		tcp_mib_get(g.tcp, TCP_MIB_RETRANS_SEGS), tcp_mib_get(g.tcp, TCP_MIB_IN_SEGS),
		tcp_mib_get(g.tcp, TCP_MIB_OUT_SEGS), g.mptcp ? "true" : "false", g.joins, g.join_fails,
		g.mp ? mptcp_mib_get(g.mp, MPTCP_MIB_MPCAPABLE_SYNACK_RX) : 0,
		g.mp ? mptcp_mib_get(g.mp, MPTCP_MIB_MPJOIN_SYNACK_RX) : 0, g.takeovers, g.takeover_skipped);
	n = put_mibs(line, sizeof(line), n, "tcp_mib", tcp_mib_names, TCP_MIB_MAX, tcp_mib_at);
	n = put_mibs(line, sizeof(line), n, "mptcp_mib", mptcp_mib_names, MPTCP_MIB_MAX, mptcp_mib_at);
	n = put(line, sizeof(line), n, "}");
	if (n >= sizeof(line)) {
		/* Never half a JSON object: the counters go, the figures stay. */
		fprintf(stderr, "hagperf: report line too long (%zu bytes)\n", n);
		return;
	}
	if (final) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (g.stats) {    /* whole or not at all: a reader may be waiting for it */
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), "%s.tmp", g.stats);
		if ((f = fopen(tmp, "w")) != NULL) {
			fprintf(f, "%s\n", line);
			if (fclose(f) == 0)
				rename(tmp, g.stats);
		}
	}
}

int main(int argc, char **argv)
{
	struct tcp_stack_conf tc = {0};
	struct rte_mbuf *pkts[BURST];
	uint64_t hz, t_start, t_end, t_arp = 0, last_ms = 0, t_ready = 0;
	unsigned budget = 0;
	int r;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "hagperf: EAL init failed\n");
		return 1;
	}
	argc -= r;
	argv += r;
	if (parse(argc, argv) != 0) {
		usage();
		return 2;
	}
	if (rte_eth_dev_count_avail() < P_MAX) {
		fprintf(stderr, "hagperf: need 3 ports (dsl, lte, upstream), have %u\n", rte_eth_dev_count_avail());
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	/* As hagd (app/main.c heap_tune): no page faults per connection. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_TOP_PAD, 16 << 20);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	g.pool = rte_pktmbuf_pool_create("perf_mbufs", 262143, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (g.pool == NULL) {
		fprintf(stderr, "hagperf: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	{
		static const uint32_t gw[P_MAX] = {GW_DSL, GW_LTE, GW_UP};
		uint16_t id, k = 0;

		RTE_ETH_FOREACH_DEV(id) {
			if (k == P_MAX)
				break;
			if ((r = port_setup(&g.port[k], id, gw[k])) != 0) {
				fprintf(stderr, "hagperf: port %u: %s\n", id, strerror(-r));
				return 1;
			}
			k++;
		}
	}
	tc.pool = g.pool;
	tc.max_conns = (g.mptcp ? 3 : 2) * g.conns + 1024;    /* clients' subflows and the servers' sockets */
	tc.rcvbuf = g.mode == M_STREAM ? g.bytes : 4096;
	tc.timewait_us = 1000;       /* a generator: its TIME_WAIT would only hold ports */
	tc.syn_retries = 3;
	/* Every handshake with state: hagd opens an upstream connection per client
	 * at --open-rate (10 000 in 160 ms), past the default backlog of 1024. With
	 * SYN cookies a lost third ACK made hagd's next segment fail the cookie check
	 * (SyncookiesFailed): our RST reset its upstream side and hagd closed the
	 * client with MP_FASTCLOSE. A generator measures hagd, not its own defence. */
	tc.syn_backlog = tc.max_conns;
	tc.mss = 1460;
	tc.output = output;
	tc.socket_id = (int)rte_socket_id();
	g.tcp = tcp_stack_create(&tc);
	if (g.tcp == NULL) {
		fprintf(stderr, "hagperf: tcp stack\n");
		return 1;
	}
	if (g.mptcp) {
		g.mp = mptcp_ctx_create(g.conns + 1024, (int)rte_socket_id());
		if (g.mp == NULL) {
			fprintf(stderr, "hagperf: mptcp context\n");
			return 1;
		}
		mptcp_ctx_set_max_subflows(g.mp, 2);
	}
	for (unsigned l = 0; l < g.listeners; l++)
		if (tcp_listen(g.tcp, SRV_ADDR, (uint16_t)(UP_PORT0 + l), on_accept, NULL) != 0) {
			fprintf(stderr, "hagperf: listen %u\n", UP_PORT0 + l);
			return 1;
		}
	hz = rte_get_tsc_hz();
	t_start = rte_get_tsc_cycles();
	t_end = t_start + (uint64_t)(g.secs * (double)hz);
	while (!quit) {
		uint64_t now = rte_get_tsc_cycles();
		bool ready = g.port[P_DSL].gw_known && g.port[P_LTE].gw_known && g.port[P_UP].gw_known;

		if (now >= t_end)
			break;
		g.now_us = now / (hz / 1000000);
		for (int p = 0; p < P_MAX; p++) {
			uint16_t n = rte_eth_rx_burst(g.port[p].id, 0, pkts, BURST);

			for (uint16_t i = 0; i < n; i++)
				rx(p, pkts[i]);
		}
		if (!ready && now - t_arp > hz / 10) {
			t_arp = now;
			arp_ask(&g.port[P_DSL], CLI_BASE);
			arp_ask(&g.port[P_LTE], CLI_BASE + 0x100);
			arp_ask(&g.port[P_UP], SRV_ADDR);
		}
		if (ready && t_ready == 0)
			t_ready = now + (uint64_t)(g.start_after * (double)hz);
		if (ready && now >= t_ready) {
			uint64_t ms = g.now_us / 1000;

			if (ms != last_ms) {
				last_ms = ms;
				budget = g.open_rate;
			}
			/* stream and idle open CONNS once; cps keeps CONNS open. */
			while (budget > 0 && g.open < g.conns && (g.mode == M_CPS || g.started < g.conns)) {
				open_one();
				budget--;
			}
			if (g.mode == M_IDLE && g.ready && g.idle_ready == g.conns) {
				FILE *f = fopen(g.ready, "w");

				if (f) {
					fprintf(f, "%u\n", g.idle_ready);
					fclose(f);
				}
				g.ready = NULL;
			}
		}
		if (snap) {
			snap = 0;
			report((double)(now - t_start) / (double)hz, false);
		}
		if (g.n_waiting)
			close_joined();
		if (g.n_tk)
			takeover_kick();
		gate_check();
		tcp_stack_poll(g.tcp, g.now_us);
		for (int p = 0; p < P_MAX; p++)
			rte_eth_tx_buffer_flush(g.port[p].id, 0, g.port[p].txb);
	}
	report((double)(rte_get_tsc_cycles() - t_start) / (double)hz, true);
	tcp_stack_free(g.tcp);
	mptcp_ctx_free(g.mp);
	for (int p = 0; p < P_MAX; p++) {
		rte_eth_dev_stop(g.port[p].id);
		rte_eth_dev_close(g.port[p].id);
	}
	rte_eal_cleanup();
	return 0;
}

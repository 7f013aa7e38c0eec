/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay: every accepted client connection (MPTCP or plain TCP) gets its
 * own upstream TCP connection. Two pipes join them: "up" is written by the
 * client side and sent upstream, "down" the other way. A side frees pipe
 * bytes only when its peer acknowledged them, and the pipe's free space is
 * the window the other side advertises: backpressure without drops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "climit.h"
#include "hagd.h"

const char *const hag_relay_mib_names[RELAY_MIB_MAX] = {
	[RELAY_MIB_ACCEPTED] = "Accepted",
	[RELAY_MIB_MPTCP] = "AcceptedMPTCP",
	[RELAY_MIB_UPSTREAM_CONNECTS] = "UpstreamConnects",
	[RELAY_MIB_UPSTREAM_FAILURES] = "UpstreamFailures",
	[RELAY_MIB_CLIENT_RESETS] = "ClientResets",
	[RELAY_MIB_UPSTREAM_RESETS] = "UpstreamResets",
	[RELAY_MIB_NO_MEMORY] = "NoMemory",
	[RELAY_MIB_BYTES_UP] = "BytesUp",
	[RELAY_MIB_BYTES_DOWN] = "BytesDown",
	[RELAY_MIB_COMPLETED] = "Completed",
	[RELAY_MIB_DRAIN_REFUSED] = "DrainRefused",
	[RELAY_MIB_DRAIN_CLOSED] = "DrainClosed",
	[RELAY_MIB_TRANSPARENT] = "AcceptedTransparent",
	[RELAY_MIB_LIMIT_REFUSED] = "LimitRefused",
	[RELAY_MIB_CLIENT_LIMIT_REFUSED] = "ClientLimitRefused",
	[RELAY_MIB_CLIENT_TABLE_FULL] = "ClientTableFull",
	[RELAY_MIB_NO_ROUTE] = "NoRouteRefused",
};

/* limits.per_client, shared by the workers (app/climit.h); limit 0 when off. */
static struct hag_climit g_climit;

struct hag_conn {
	struct hag_lcore *lc;
	uint32_t up_addr;                /* the server: a listener's upstream, or the */
	uint16_t up_port;                /* intercepted destination (transparent mode) */
	uint32_t client_addr;            /* counted in limits.per_client when climit_held (IPv6: climit_key6) */
	bool transparent, climit_held;
	bool up_v6;                      /* the server is up_addr6 (in the hole before client) */
	struct tcp_sock *client, *server;
	bool server_up;             /* upstream was established */
	bool client_eof, server_eof;     /* that side's stream ended (FIN / DATA_FIN) */
	bool client_parked;              /* MPTCP: no subflow left, waiting for a join */
	uint64_t up_freed, down_freed;   /* pipe heads already counted in BytesUp/Down */
	uint64_t id;
	TAILQ_ENTRY(hag_conn) link;
	struct tcp_pipe up, down;
	uint8_t up_addr6[];              /* allocated only when up_v6: an IPv4 relay keeps its size */
};

/* limits.per_client of an IPv6 client counts its /64 (one subscriber's prefix,
 * RFC 6177), keyed by the prefix's fold: its two words xored (decision 57). */
static uint32_t climit_key6(const uint8_t a[16])
{
	uint8_t p64[16] = {0};

	memcpy(p64, a, 8);
	return tcp_ip6_fold(p64);
}

static void conn_maybe_free(struct hag_conn *c)
{
	if (c->client || c->server || c->client_parked)
		return;
	tcp_pipe_fini(&c->up);
	tcp_pipe_fini(&c->down);
	if (c->climit_held)
		hag_climit_put(&g_climit, c->client_addr);
	c->lc->relay_active--;
	TAILQ_REMOVE(&c->lc->conns, c, link);
	free(c);
}

/*
 * One side went away (reset) after its stream was complete. The other side
 * still gets every byte of it; once those are acknowledged, nobody is left
 * to receive what that side may still send, so it is reset too.
 */
static void reap_orphan(struct hag_conn *c)
{
	if (c->client == NULL && !c->client_parked && c->server && !c->server_eof && c->up.head == c->up.rx.nxt) {
		struct tcp_sock *s = c->server;

		c->server = NULL;
		tcp_abort(s);
	} else if (c->server == NULL && c->client && !c->client_eof && c->down.head == c->down.rx.nxt) {
		struct tcp_sock *cl = c->client;

		c->client = NULL;
		tcp_abort(cl);
	}
}

static void count_bytes(struct hag_conn *c)
{
	struct hag_lcore *lc = c->lc;

	lc->relay_mib[RELAY_MIB_BYTES_UP] += c->up.head - c->up_freed;
	c->up_freed = c->up.head;
	lc->relay_mib[RELAY_MIB_BYTES_DOWN] += c->down.head - c->down_freed;
	c->down_freed = c->down.head;
}

static const struct tcp_sock_ops server_ops;

/* Transparent mode: the source address of client's upstream connections to dst
 * (a transparent.snat address; without any, the upstream port's own). */
static uint32_t snat_addr_for(const struct hag_lcore *lc, uint32_t client, uint32_t dst)
{
	const struct hag_transparent_conf *t = &lc->cfg->transparent;

	if (t->n_snat == 0)
		return net_ip_src_for(&lc->ip, dst);
	/* One client address always leaves from the same SNAT address. */
	return t->snat[((client * 2654435761u) >> 16) % (uint32_t)t->n_snat];
}

/*
 * Client side events. The upstream connect starts only once the client
 * completed its handshake: a flood of spoofed SYNs must not become a flood
 * of connections to the backend.
 */
static void client_established(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);
	struct hag_lcore *lc = c->lc;

	if (c->up_v6) {
		uint8_t src6[16];
		const struct hag_transparent_conf *t = &lc->cfg->transparent;

		/* Transparent: one client address always leaves from the same SNAT address. */
		if (c->transparent && t->n_snat6)
			memcpy(src6, t->snat6[((c->client_addr * 2654435761u) >> 16) % (uint32_t)t->n_snat6], 16);
		c->server = (c->transparent && t->n_snat6) || net_ip_src_for6(&lc->ip, c->up_addr6, src6) ?
				    tcp_connect6(lc->tcp, src6, 0, c->up_addr6, c->up_port, &c->down, &c->up,
						 &server_ops, c, NULL, lc->now_us) : NULL;
	} else {
		uint32_t src = c->transparent ? snat_addr_for(lc, c->client_addr, c->up_addr) :
						net_ip_src_for(&lc->ip, c->up_addr);

		c->server = tcp_connect(lc->tcp, src, 0, c->up_addr, c->up_port, &c->down, &c->up,
					&server_ops, c, NULL, lc->now_us);
	}
	if (c->server == NULL) {
		lc->relay_mib[RELAY_MIB_UPSTREAM_FAILURES]++;
		c->client = NULL;
		tcp_abort(sk);
		conn_maybe_free(c);
		return;
	}
	tcp_set_cc(c->server, tcp_cc_of((enum tcp_cc_kind)lc->cfg->tcp_cc_upstream));
	tcp_set_keepalive(c->server, lc->cfg->tcp_keepalive_upstream_ms,
			  lc->cfg->tcp_keepalive_interval_ms, (uint8_t)lc->cfg->tcp_keepalive_probes);
	tcp_set_idle_timeout(c->server, lc->cfg->tcp_idle_timeout_upstream_ms);
	tcp_connect_timeout(c->server, lc->now_us + (uint64_t)lc->cfg->tcp_connect_timeout_ms * 1000u);
}

static void client_readable(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	if (c->server && c->server_up)
		tcp_kick(c->server);
}

static void client_writable(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	count_bytes(c);
	if (c->server)
		tcp_rx_space_freed(c->server);
	else
		reap_orphan(c);
}

static void client_peer_fin(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	c->client_eof = true;
	/* Half-close: the upstream FIN follows the last client byte. */
	if (c->server)
		tcp_shutdown(c->server);
}

static void client_closed(struct tcp_sock *sk, int err)
{
	struct hag_conn *c = tcp_sock_user(sk);
	struct hag_lcore *lc = c->lc;

	count_bytes(c);
	c->client = NULL;
	/* A reset after the client's stream was complete loses nothing it sent:
	 * the upstream still gets every byte, then its FIN. */
	if (err != 0 && !c->client_eof) {
		lc->relay_mib[RELAY_MIB_CLIENT_RESETS]++;
		if (c->server) {
			struct tcp_sock *s = c->server;

			c->server = NULL;
			tcp_abort(s);
		}
	} else if (c->server == NULL) {
		lc->relay_mib[RELAY_MIB_COMPLETED]++;
	} else if (err != 0) {
		lc->relay_mib[RELAY_MIB_CLIENT_RESETS]++;
		reap_orphan(c);
	}
	conn_maybe_free(c);
}

/* MPTCP walk-out: the connection now lives on another subflow. */
static void client_replaced(struct tcp_sock *sk, struct tcp_sock *by)
{
	struct hag_conn *c = tcp_sock_user(sk);

	c->client = by;
}

/*
 * MPTCP break-before-make: the client lost every subflow. Its connection and
 * the upstream one are kept (upstream bytes wait in the down pipe) until a
 * join brings it back or lib/mptcp gives up (mptcp.resume_timeout_ms).
 */
static void client_parked(void *user, struct tcp_sock *sk, int err)
{
	struct hag_conn *c = user;
	struct hag_lcore *lc = c->lc;

	if (sk == NULL && err == 0) {
		c->client = NULL;
		c->client_parked = true;
		return;
	}
	c->client_parked = false;
	if (sk != NULL) {
		c->client = sk;
		if (c->server == NULL && !c->server_eof) {
			/* The server failed meanwhile: the client learns it now. */
			c->client = NULL;
			tcp_abort(sk);
			conn_maybe_free(c);
			return;
		}
		if (c->server_eof)
			tcp_shutdown(sk);
		tcp_kick(sk);
		if (c->server && c->server_up)
			tcp_kick(c->server);
		return;
	}
	/* Nobody joined in time: as a client reset. */
	lc->relay_mib[RELAY_MIB_CLIENT_RESETS]++;
	if (c->server) {
		struct tcp_sock *s = c->server;

		c->server = NULL;
		tcp_abort(s);
	}
	conn_maybe_free(c);
}

static const struct tcp_sock_ops client_ops = {
	.replaced = client_replaced,
	.established = client_established,
	.readable = client_readable,
	.writable = client_writable,
	.peer_fin = client_peer_fin,
	.closed = client_closed,
};

/* Upstream side events. */
static void server_established(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	c->server_up = true;
	c->lc->relay_mib[RELAY_MIB_UPSTREAM_CONNECTS]++;
	tcp_kick(sk);   /* client bytes that arrived while connecting */
}

static void server_readable(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	if (c->client)
		tcp_kick(c->client);
}

static void server_writable(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	count_bytes(c);
	if (c->client)
		tcp_rx_space_freed(c->client);
	else
		reap_orphan(c);
}

static void server_peer_fin(struct tcp_sock *sk)
{
	struct hag_conn *c = tcp_sock_user(sk);

	c->server_eof = true;
	if (c->client)
		tcp_shutdown(c->client);   /* FIN, or DATA_FIN for MPTCP */
}

static void server_closed(struct tcp_sock *sk, int err)
{
	struct hag_conn *c = tcp_sock_user(sk);
	struct hag_lcore *lc = c->lc;

	count_bytes(c);
	c->server = NULL;
	/* Likewise a server that resets after its FIN: the client still gets it all. */
	if (err != 0 && !c->server_eof) {
		lc->relay_mib[c->server_up ? RELAY_MIB_UPSTREAM_RESETS : RELAY_MIB_UPSTREAM_FAILURES]++;
		if (c->client) {
			struct tcp_sock *cl = c->client;

			/* The client learns of the failure the way TCP can tell it: a reset. */
			c->client = NULL;
			tcp_abort(cl);
		}
	} else if (c->client == NULL && !c->client_parked) {
		lc->relay_mib[RELAY_MIB_COMPLETED]++;
	} else if (err != 0) {
		lc->relay_mib[RELAY_MIB_UPSTREAM_RESETS]++;
		reap_orphan(c);
	}
	conn_maybe_free(c);
}

static const struct tcp_sock_ops server_ops = {
	.established = server_established,
	.readable = server_readable,
	.writable = server_writable,
	.peer_fin = server_peer_fin,
	.closed = server_closed,
};

static int on_accept(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	struct hag_listener *l = arg;
	const struct tcp_tuple t = tcp_sock_tuple(sk);
	struct hag_lcore *lc = l->lc;
	struct hag_conn *c;
	/* Transparent: where the client was going, in its family. */
	bool held = false, up_v6 = l->conf ? l->conf->upstream_v6 : tcp_sock_is_v6(sk);
	enum mptcp_accept_verdict mp = MPTCP_ACCEPT_PLAIN;
	uint8_t src6[16];
	uint32_t client = tcp_sock_is_v6(sk) ? climit_key6(tcp_sock_raddr6(sk)) : t.raddr;

	if (lc->cfg->mptcp_enabled) {
		mp = mptcp_accept(lc->mptcp, sk, syn);
		if (mp == MPTCP_ACCEPT_REFUSE)
			return -1;
		if (mp == MPTCP_ACCEPT_JOINED)
			return 0;   /* a new subflow of a connection we relay already */
	}
	if (unlikely(lc->draining)) {
		/* Stopping: the client's RST sends it to another gateway at once. */
		lc->relay_mib[RELAY_MIB_DRAIN_REFUSED]++;
		return -ECONNREFUSED;
	}
	/* limits.connections, in equal shares: each worker takes its part. */
	if (lc->cfg->limit_conns && lc->relay_active >= (lc->cfg->limit_conns + lc->n_workers - 1) / lc->n_workers) {
		lc->relay_mib[RELAY_MIB_LIMIT_REFUSED]++;
		return -ECONNREFUSED;
	}
	if (l->conf == NULL && (tcp_sock_is_v6(sk) ? !net_ip_src_for6(&lc->ip, tcp_sock_laddr6(sk), src6) :
					      net_ip_src_for(&lc->ip, t.laddr) == 0)) {
		/* Transparent: no way on to the destination. */
		lc->relay_mib[RELAY_MIB_NO_ROUTE]++;
		return -EHOSTUNREACH;
	}
	if (g_climit.limit) {
		enum hag_climit_res r = hag_climit_take(&g_climit, client);

		if (r == HAG_CLIMIT_REFUSED) {
			lc->relay_mib[RELAY_MIB_CLIENT_LIMIT_REFUSED]++;
			return -ECONNREFUSED;
		}
		held = r == HAG_CLIMIT_OK;
		if (r == HAG_CLIMIT_FULL)
			lc->relay_mib[RELAY_MIB_CLIENT_TABLE_FULL]++;
	}

	/* Both pipes start small and grow with the measured delivery rate (lib/tcp autotuning). */
	c = calloc(1, sizeof(*c) + (up_v6 ? 16 : 0));
	if (c == NULL ||
	    tcp_pipe_init_tuned(&c->up, lc->cfg->tcp_rcvbuf_init, lc->cfg->tcp_rcvbuf, &lc->mem) != 0 ||
	    tcp_pipe_init_tuned(&c->down, lc->cfg->tcp_rcvbuf_init, lc->cfg->tcp_sndbuf, &lc->mem) != 0) {
		if (c) {
			tcp_pipe_fini(&c->up);
			free(c);
		}
		if (held)
			hag_climit_put(&g_climit, client);
		lc->relay_mib[RELAY_MIB_NO_MEMORY]++;
		return -ENOMEM;
	}
	c->lc = lc;
	c->client_addr = client;
	c->climit_held = held;
	c->transparent = l->conf == NULL;
	c->up_v6 = up_v6;
	if (up_v6)
		memcpy(c->up_addr6, l->conf ? l->conf->upstream_addr6 : tcp_sock_laddr6(sk), 16);
	/* Explicit: the listener's upstream; transparent: where the client was going. */
	c->up_addr = l->conf ? l->conf->upstream_addr : t.laddr;
	c->up_port = l->conf ? l->conf->upstream_port : t.lport;
	c->client = sk;
	tcp_sock_set_owner(sk, &client_ops, c, &c->up, &c->down);
	/* The access side's settings, for this subflow and every one that joins it. */
	mptcp_sock_configure(sk, &lc->access_conf);
	lc->relay_mib[RELAY_MIB_ACCEPTED]++;
	if (mp == MPTCP_ACCEPT_MPTCP)
		lc->relay_mib[RELAY_MIB_MPTCP]++;
	if (c->transparent)
		lc->relay_mib[RELAY_MIB_TRANSPARENT]++;
	lc->relay_active++;
	/* Unique over the workers: the worker's count times their number, plus its index. */
	c->id = lc->relay_mib[RELAY_MIB_ACCEPTED] * lc->n_workers + lc->worker;
	TAILQ_INSERT_TAIL(&lc->conns, c, link);
	return 0;
}

static void sock_snap(struct hag_sock_snap *o, const struct tcp_sock *sk)
{
	o->valid = sk != NULL;
	if (sk == NULL)
		return;
	o->mptcp = mptcp_active(sk);
	tcp_sock_get_info(sk, &o->i);
}

static void pipe_snap(struct hag_pipe_snap *o, const struct tcp_pipe *p)
{
	o->head = p->head;
	o->end = p->rx.nxt;
	o->cap = p->cap;
	o->ooo = p->rx.n;
}

/*
 * Every subflow of the MPTCP connection sk carries, first the one that owns
 * it, as mptcp_conn_info orders them. That API gives four without their
 * addresses or RTT; hagctl conns shows them all, so they are read here from
 * lib/mptcp's own state (read only, on the worker that owns them), as many as
 * lc->sf_snap still holds.
 */
static void subflows_snap(struct hag_lcore *lc, struct hag_conn_snap *o, const struct tcp_sock *sk)
{
	struct mptcp_subflow_info sfi[HAG_SF_SNAPS];
	int room = HAG_SF_SNAPS - lc->n_sf_snap;
	int n = mptcp_subflows(sk, sfi, room);

	o->sf_first = lc->n_sf_snap;
	o->sf_n = 0;
	for (int i = 0; i < n && i < room; i++) {
		struct hag_sf_snap *f = &lc->sf_snap[lc->n_sf_snap++];
		struct tcp_sock_info si;

		tcp_sock_get_info(sfi[i].sk, &si);
		f->v6 = si.v6;
		memcpy(f->raddr6, si.raddr6, 16);
		f->raddr = si.raddr;
		f->rport = si.rport;
		f->state = si.state;
		f->cwnd = si.cwnd;
		f->srtt_us = si.srtt_us;
		f->mappings = sfi[i].mappings;
		f->stale = sfi[i].stale;
		f->backup = sfi[i].backup;
		f->given = sfi[i].given;
		f->acked = si.snd_una;
		f->cc = si.cc;
		f->keep_ms = si.keep_ms;
		f->idle_ms = si.idle_ms;
		o->sf_n++;
	}
}

void hag_proxy_snapshot(struct hag_lcore *lc)
{
	struct hag_conn *c;
	int n = 0;

	lc->n_sf_snap = 0;
	TAILQ_FOREACH(c, &lc->conns, link) {
		struct hag_conn_snap *o = &lc->snap[n];

		if (n == HAG_CONN_SNAPS)
			break;
		o->id = c->id;
		o->parked = c->client_parked;
		o->has_mp = c->client && mptcp_conn_info(c->client, &o->mp) == 0;
		o->sf_n = 0;
		if (o->has_mp)
			subflows_snap(lc, o, c->client);
		sock_snap(&o->client, c->client);
		sock_snap(&o->server, c->server);
		pipe_snap(&o->up, &c->up);
		pipe_snap(&o->down, &c->down);
		n++;
	}
	lc->n_snap = n;
	/* The rest are counted, not walked (relay_active: the length of lc->conns). */
	lc->n_snap_left = lc->relay_active > (uint32_t)n ? lc->relay_active - (uint32_t)n : 0;
}

/*
 * A dict on its way into a telemetry reply, and the length of the JSON that
 * DPDK (lib/telemetry) will write for it: "{}", and for every entry its
 * "key":value and a comma. Nothing is allocated while d is NULL: the
 * connection is measured first, then made if it fits.
 */
struct tel_dict {
	struct rte_tel_data *d;
	size_t len;
};

static void td_open(struct tel_dict *t, bool make)
{
	t->len = 2;
	t->d = make ? rte_tel_data_alloc() : NULL;
	if (t->d)
		rte_tel_data_start_dict(t->d);
}

static void td_u64(struct tel_dict *t, const char *k, uint64_t v)
{
	char num[24];

	if (t->d)
		rte_tel_data_add_dict_u64(t->d, k, v);
	t->len += strlen(k) + 4 + (size_t)snprintf(num, sizeof(num), "%" PRIu64, v);
}

static void td_str(struct tel_dict *t, const char *k, const char *v)
{
	if (t->d)
		rte_tel_data_add_dict_string(t->d, k, v);
	t->len += strlen(k) + 6 + strlen(v);
}

/* "A.B.C.D:PORT", or "[ADDR]:PORT" when a6 is not NULL. */
static void td_addr(struct tel_dict *t, const char *k, uint32_t a, const uint8_t *a6, uint16_t port)
{
	char s[INET6_ADDRSTRLEN + 10] = "[";

	if (a6) {
		inet_ntop(AF_INET6, a6, s + 1, INET6_ADDRSTRLEN);
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "]:%u", port);
	} else {
		snprintf(s, sizeof(s), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
	}
	td_str(t, k, s);
}

/* child becomes t's entry k (a child is made only when t is). */
static void td_child(struct tel_dict *t, const char *k, struct tel_dict *child)
{
	if (t->d && child->d)
		rte_tel_data_add_dict_container(t->d, k, child->d, 0);
	t->len += strlen(k) + 4 + child->len;
}

static void sock_dict(struct tel_dict *parent, const char *name, const struct hag_sock_snap *s)
{
	const struct tcp_sock_info *i = &s->i;
	struct tel_dict t;

	td_open(&t, parent->d != NULL);
	td_addr(&t, "peer", i->raddr, i->v6 ? i->raddr6 : NULL, i->rport);
	td_addr(&t, "local", i->laddr, i->v6 ? i->laddr6 : NULL, i->lport);
	td_str(&t, "state", tcp_state_name(i->state));
	td_u64(&t, "mptcp", s->mptcp);
	td_u64(&t, "snd_una", i->snd_una);
	td_u64(&t, "snd_nxt", i->snd_nxt);
	td_u64(&t, "snd_max", i->snd_max);
	td_u64(&t, "snd_wnd", i->snd_wnd);
	td_u64(&t, "cwnd", i->cwnd);
	td_u64(&t, "srtt_us", i->srtt_us);
	td_u64(&t, "rcv_nxt", i->rcv_nxt);
	td_u64(&t, "ooo_ranges", i->ooo);
	td_u64(&t, "retries", i->retries);
	td_str(&t, "cc", i->cc);
	td_u64(&t, "keepalive_ms", i->keep_ms);
	td_u64(&t, "idle_timeout_ms", i->idle_ms);
	td_child(parent, name, &t);
}

static void pipe_dict(struct tel_dict *parent, const char *name, const struct hag_pipe_snap *p)
{
	struct tel_dict t;

	td_open(&t, parent->d != NULL);
	td_u64(&t, "head", p->head);
	td_u64(&t, "end", p->end);
	td_u64(&t, "cap", p->cap);
	td_u64(&t, "ooo_ranges", p->ooo);
	td_child(parent, name, &t);
}

static void mptcp_dict(struct tel_dict *parent, const struct hag_lcore *lc, const struct hag_conn_snap *s)
{
	struct tel_dict m;

	td_open(&m, parent->d != NULL);
	td_str(&m, "scheduler", hag_words_sched[lc->cfg->mptcp_scheduler]);
	td_u64(&m, "subflows", s->mp.subflows);   /* all of them; subflow0.. are the first sf_n */
	td_u64(&m, "snd_una", s->mp.snd_una);
	td_u64(&m, "snd_nxt", s->mp.snd_nxt);
	td_u64(&m, "snd_edge", s->mp.snd_edge);
	td_u64(&m, "rcv_nxt", s->mp.rcv_nxt);
	td_u64(&m, "pending_reinject", s->mp.pending_reinject);
	td_u64(&m, "data_fin_sent", s->mp.fin_sent);
	td_u64(&m, "data_fin_acked", s->mp.fin_acked);
	td_u64(&m, "data_fin_received", s->mp.rcv_fin);
	for (int k = 0; k < s->sf_n; k++) {
		const struct hag_sf_snap *sf = &lc->sf_snap[s->sf_first + k];
		struct tel_dict f;
		char nm[16];

		td_open(&f, m.d != NULL);
		td_str(&f, "state", tcp_state_name(sf->state));
		td_u64(&f, "mappings", sf->mappings);
		td_u64(&f, "given", sf->given);
		td_u64(&f, "acked", sf->acked);
		td_u64(&f, "cwnd", sf->cwnd);
		td_u64(&f, "stale", sf->stale);
		td_u64(&f, "backup", sf->backup);
		td_addr(&f, "peer", sf->raddr, sf->v6 ? sf->raddr6 : NULL, sf->rport);
		td_u64(&f, "srtt_us", sf->srtt_us);
		td_str(&f, "cc", sf->cc);
		td_u64(&f, "keepalive_ms", sf->keep_ms);
		td_u64(&f, "idle_timeout_ms", sf->idle_ms);
		snprintf(nm, sizeof(nm), "subflow%d", k);
		td_child(&m, nm, &f);
	}
	td_child(parent, "mptcp", &m);
}

static void conn_dict(struct tel_dict *cd, const struct hag_lcore *lc, const struct hag_conn_snap *s, bool make)
{
	td_open(cd, make);
	if (make && cd->d == NULL)
		return;
	td_u64(cd, "worker", lc->worker);
	td_u64(cd, "parked", s->parked);
	if (s->client.valid)
		sock_dict(cd, "client", &s->client);
	if (s->server.valid)
		sock_dict(cd, "server", &s->server);
	if (s->has_mp)
		mptcp_dict(cd, lc, s);
	pipe_dict(cd, "up", &s->up);
	pipe_dict(cd, "down", &s->down);
}

void hag_proxy_snap_format(const struct hag_lcore *lc, struct rte_tel_data *d, struct hag_snap_room *room)
{
	int i;

	for (i = 0; i < lc->n_snap; i++) {
		const struct hag_conn_snap *s = &lc->snap[i];
		struct tel_dict cd;
		char key[24];
		size_t need;

		snprintf(key, sizeof(key), "%" PRIu64, s->id);
		conn_dict(&cd, lc, s, false);
		need = strlen(key) + 4 + cd.len;
		if (room->entries == 0 || need > room->bytes)
			break;
		conn_dict(&cd, lc, s, true);
		if (cd.d == NULL)
			break;
		rte_tel_data_add_dict_container(d, key, cd.d, 0);
		room->bytes -= need;
		room->entries--;
	}
	room->left += (uint64_t)(lc->n_snap - i) + lc->n_snap_left;
}

unsigned hag_proxy_close_all(struct hag_lcore *lc)
{
	struct hag_conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &lc->conns, link) {
		/* Each side gets our FIN (the client a DATA_FIN with MPTCP) after what
		 * it is owed; the relay ends as usual when both sides have closed. */
		if (c->client && !c->client_parked)
			tcp_shutdown(c->client);
		if (c->server)
			tcp_shutdown(c->server);
		n++;
	}
	lc->relay_mib[RELAY_MIB_DRAIN_CLOSED] += n;
	return n;
}

unsigned hag_proxy_abort_all(struct hag_lcore *lc)
{
	struct hag_conn *c, *next;
	unsigned n = 0;

	/* Each abort may free its connection: walk with the next one in hand. */
	for (c = TAILQ_FIRST(&lc->conns); c != NULL; c = next) {
		struct tcp_sock *cl = c->client, *sv = c->server;

		next = TAILQ_NEXT(c, link);
		n++;
		c->client = NULL;
		c->server = NULL;
		/* A parked MPTCP connection has no subflow to reset: lib/mptcp keeps
		 * it (and c) until its resume timer or hagd's exit. */
		if (cl)
			tcp_abort(cl);
		if (sv)
			tcp_abort(sv);
		conn_maybe_free(c);
	}
	return n;
}

int hag_proxy_listen(struct hag_lcore *lc)
{
	const struct hag_config *cfg = lc->cfg;

	TAILQ_INIT(&lc->conns);
	mptcp_ctx_set_parked(lc->mptcp, client_parked);
	/* Keepalives: CGNAT and home gateway state on the access side expires
	 * without traffic. lib/mptcp puts mptcp.cc, when set, in place of tcp.cc_access. */
	lc->access_conf = (struct tcp_sock_conf){
		.cc = tcp_cc_of((enum tcp_cc_kind)cfg->tcp_cc_access),
		.keep_idle_ms = cfg->tcp_keepalive_access_ms,
		.keep_intvl_ms = cfg->tcp_keepalive_interval_ms,
		.keep_probes = (uint8_t)cfg->tcp_keepalive_probes,
		.idle_ms = cfg->tcp_idle_timeout_access_ms,
	};
	for (int i = 0; i < lc->cfg->n_listeners; i++) {
		const struct hag_listener_conf *lcf = &lc->cfg->listeners[i];
		int r;

		lc->listeners[i].lc = lc;
		lc->listeners[i].conf = lcf;
		/* ":PORT" (family 0) takes both families; IPv6 only where a port speaks it. */
		r = lcf->family == 6 ? 0 : tcp_listen(lc->tcp, lcf->addr, lcf->port, on_accept, &lc->listeners[i]);
		if (r == 0 && lcf->family != 4) {
			r = tcp_listen6(lc->tcp, lcf->family == 6 ? lcf->addr6 : NULL, lcf->port, on_accept,
					&lc->listeners[i]);
			if (r == -EAFNOSUPPORT && lcf->family == 0)
				r = 0;
		}
		if (r != 0)
			return r;
	}
	if (lc->cfg->transparent.enabled) {
		/* One intercepting listener for every port: rx_transit decided what is intercepted. */
		lc->transparent.lc = lc;
		lc->transparent.conf = NULL;
		return tcp_listen_intercept(lc->tcp, 0, on_accept, &lc->transparent);
	}
	return 0;
}

int hag_proxy_global_init(const struct hag_config *cfg)
{
	if (cfg->limit_per_client == 0)
		return 0;
	/* Every relayed connection may come from another address. */
	return hag_climit_init(&g_climit, cfg->limit_per_client,
			       cfg->limit_conns ? cfg->limit_conns : cfg->tcp_max_conns * cfg->workers);
}

void hag_proxy_global_fini(void)
{
	hag_climit_fini(&g_climit);
	g_climit.limit = 0;
}

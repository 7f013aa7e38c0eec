/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay: every accepted client connection (MPTCP or plain TCP) gets its
 * own upstream TCP connection. Two pipes join them: "up" is written by the
 * client side and sent upstream, "down" the other way. A side frees pipe
 * bytes only when its peer acknowledged them, and the pipe's free space is
 * the window the other side advertises: backpressure without drops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

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
};

struct hag_conn {
	struct hag_lcore *lc;
	const struct hag_listener_conf *lcf;
	struct tcp_sock *client, *server;
	bool server_up;             /* upstream was established */
	bool client_eof, server_eof;     /* that side's stream ended (FIN / DATA_FIN) */
	bool client_parked;              /* MPTCP: no subflow left, waiting for a join */
	uint64_t up_freed, down_freed;   /* pipe heads already counted in BytesUp/Down */
	uint64_t id;
	TAILQ_ENTRY(hag_conn) link;
	struct hag_pipe up, down;
};

static void conn_maybe_free(struct hag_conn *c)
{
	if (c->client || c->server || c->client_parked)
		return;
	hag_pipe_fini(&c->up);
	hag_pipe_fini(&c->down);
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

/*
 * Client side events. The upstream connect starts only once the client
 * completed its handshake: a flood of spoofed SYNs must not become a flood
 * of connections to the backend.
 */
static void client_established(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;
	struct hag_lcore *lc = c->lc;
	const struct hag_listener_conf *lcf = c->lcf;
	uint32_t src = hag_src_addr_for(lc, lcf->upstream_addr);

	c->server = tcp_connect(lc->tcp, src, 0, lcf->upstream_addr, lcf->upstream_port, &c->down, &c->up,
				&server_ops, c, NULL, lc->now_us);
	if (c->server == NULL) {
		lc->relay_mib[RELAY_MIB_UPSTREAM_FAILURES]++;
		c->client = NULL;
		tcp_abort(sk);
		conn_maybe_free(c);
		return;
	}
	tcp_set_cc(c->server, tcp_cc_find(lc->cfg->tcp_cc_upstream));
	tcp_set_keepalive(c->server, lc->cfg->tcp_keepalive_upstream_ms * 1000u,
			  lc->cfg->tcp_keepalive_interval_ms * 1000u, (uint8_t)lc->cfg->tcp_keepalive_probes);
	tcp_set_idle_timeout(c->server, lc->cfg->tcp_idle_timeout_upstream_ms * 1000u);
	tcp_connect_timeout(c->server, lc->now_us + (uint64_t)lc->cfg->tcp_connect_timeout_ms * 1000u);
}

static void client_readable(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	if (c->server && c->server_up)
		tcp_kick(c->server);
}

static void client_writable(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	count_bytes(c);
	if (c->server)
		tcp_rx_space_freed(c->server);
	else
		reap_orphan(c);
}

static void client_peer_fin(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	c->client_eof = true;
	/* Half-close: the upstream FIN follows the last client byte. */
	if (c->server)
		tcp_shutdown(c->server);
}

static void client_closed(struct tcp_sock *sk, int err)
{
	struct hag_conn *c = sk->user;
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
	struct hag_conn *c = sk->user;

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
	.parked = client_parked,
	.established = client_established,
	.readable = client_readable,
	.writable = client_writable,
	.peer_fin = client_peer_fin,
	.closed = client_closed,
};

/* Upstream side events. */
static void server_established(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	c->server_up = true;
	c->lc->relay_mib[RELAY_MIB_UPSTREAM_CONNECTS]++;
	tcp_kick(sk);   /* client bytes that arrived while connecting */
}

static void server_readable(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	if (c->client)
		tcp_kick(c->client);
}

static void server_writable(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	count_bytes(c);
	if (c->client)
		tcp_rx_space_freed(c->client);
	else
		reap_orphan(c);
}

static void server_peer_fin(struct tcp_sock *sk)
{
	struct hag_conn *c = sk->user;

	c->server_eof = true;
	if (c->client)
		tcp_shutdown(c->client);   /* FIN, or DATA_FIN for MPTCP */
}

static void server_closed(struct tcp_sock *sk, int err)
{
	struct hag_conn *c = sk->user;
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
	struct hag_lcore *lc = l->lc;
	struct hag_conn *c;
	int mp = 0;

	if (lc->cfg->mptcp_enabled) {
		mp = mptcp_accept(lc->mptcp, sk, syn);
		if (mp < 0)
			return -1;
		if (mp == MPTCP_ACCEPT_JOINED)
			return 0;   /* a new subflow of a connection we relay already */
	}
	if (unlikely(lc->draining)) {
		/* Stopping: the client's RST sends it to another gateway at once. */
		lc->relay_mib[RELAY_MIB_DRAIN_REFUSED]++;
		return -ECONNREFUSED;
	}

	/* Both pipes start small and grow with the measured delivery rate (lib/tcp autotuning). */
	c = calloc(1, sizeof(*c));
	if (c == NULL ||
	    hag_pipe_init_tuned(&c->up, lc->cfg->tcp_rcvbuf_init, lc->cfg->tcp_rcvbuf, &lc->mem) != 0 ||
	    hag_pipe_init_tuned(&c->down, lc->cfg->tcp_rcvbuf_init, lc->cfg->tcp_sndbuf, &lc->mem) != 0) {
		if (c) {
			hag_pipe_fini(&c->up);
			free(c);
		}
		lc->relay_mib[RELAY_MIB_NO_MEMORY]++;
		return -ENOMEM;
	}
	c->lc = lc;
	c->lcf = l->conf;
	c->client = sk;
	sk->ops = &client_ops;
	sk->user = c;
	sk->rxp = &c->up;
	sk->txp = &c->down;
	tcp_set_cc(sk, tcp_cc_find(lc->cfg->tcp_cc_access));
	/* CGNAT and home gateway state on the access side expires without traffic. */
	tcp_set_keepalive(sk, lc->cfg->tcp_keepalive_access_ms * 1000u,
			  lc->cfg->tcp_keepalive_interval_ms * 1000u, (uint8_t)lc->cfg->tcp_keepalive_probes);
	tcp_set_idle_timeout(sk, lc->cfg->tcp_idle_timeout_access_ms * 1000u);
	lc->relay_mib[RELAY_MIB_ACCEPTED]++;
	if (mp > 0)
		lc->relay_mib[RELAY_MIB_MPTCP]++;
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
	o->state = sk->state;
	o->retries = sk->retries;
	o->ooo = sk->rcv.n;
	o->raddr = sk->raddr;
	o->rport = sk->rport;
	o->snd_wnd = sk->snd_wnd;
	o->cwnd = sk->cwnd;
	o->srtt_us = sk->srtt_us;
	o->snd_una = sk->snd_una;
	o->snd_nxt = sk->snd_nxt;
	o->snd_max = sk->snd_max;
	o->rcv_nxt = sk->rcv.nxt;
}

static void pipe_snap(struct hag_pipe_snap *o, const struct hag_pipe *p)
{
	o->head = p->head;
	o->end = p->rx.nxt;
	o->cap = p->cap;
	o->ooo = p->rx.n;
}

void hag_proxy_snapshot(struct hag_lcore *lc)
{
	struct hag_conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &lc->conns, link) {
		struct hag_conn_snap *o = &lc->snap[n];

		if (n == HAG_CONN_SNAPS)
			break;
		o->id = c->id;
		o->has_mp = c->client && mptcp_conn_info(c->client, &o->mp) == 0;
		sock_snap(&o->client, c->client);
		sock_snap(&o->server, c->server);
		pipe_snap(&o->up, &c->up);
		pipe_snap(&o->down, &c->down);
		n++;
	}
	lc->n_snap = n;
}

static struct rte_tel_data *sock_dict(const struct hag_sock_snap *s)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	char a[48];

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	snprintf(a, sizeof(a), "%u.%u.%u.%u:%u", s->raddr >> 24, (s->raddr >> 16) & 255,
		 (s->raddr >> 8) & 255, s->raddr & 255, s->rport);
	rte_tel_data_add_dict_string(d, "peer", a);
	rte_tel_data_add_dict_string(d, "state", tcp_state_name(s->state));
	rte_tel_data_add_dict_u64(d, "mptcp", s->mptcp);
	rte_tel_data_add_dict_u64(d, "snd_una", s->snd_una);
	rte_tel_data_add_dict_u64(d, "snd_nxt", s->snd_nxt);
	rte_tel_data_add_dict_u64(d, "snd_max", s->snd_max);
	rte_tel_data_add_dict_u64(d, "snd_wnd", s->snd_wnd);
	rte_tel_data_add_dict_u64(d, "cwnd", s->cwnd);
	rte_tel_data_add_dict_u64(d, "srtt_us", s->srtt_us);
	rte_tel_data_add_dict_u64(d, "rcv_nxt", s->rcv_nxt);
	rte_tel_data_add_dict_u64(d, "ooo_ranges", s->ooo);
	rte_tel_data_add_dict_u64(d, "retries", s->retries);
	return d;
}

static struct rte_tel_data *pipe_dict(const struct hag_pipe_snap *p)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "head", p->head);
	rte_tel_data_add_dict_u64(d, "end", p->end);
	rte_tel_data_add_dict_u64(d, "cap", p->cap);
	rte_tel_data_add_dict_u64(d, "ooo_ranges", p->ooo);
	return d;
}

static void add_child(struct rte_tel_data *d, const char *name, struct rte_tel_data *child)
{
	if (child)
		rte_tel_data_add_dict_container(d, name, child, 0);
}

void hag_proxy_snap_format(const struct hag_lcore *lc, struct rte_tel_data *d)
{
	for (int i = 0; i < lc->n_snap; i++) {
		const struct hag_conn_snap *s = &lc->snap[i];
		struct rte_tel_data *cd = rte_tel_data_alloc();
		char key[24];

		if (cd == NULL)
			break;
		rte_tel_data_start_dict(cd);
		if (s->client.valid)
			add_child(cd, "client", sock_dict(&s->client));
		if (s->server.valid)
			add_child(cd, "server", sock_dict(&s->server));
		if (s->has_mp) {
			struct rte_tel_data *m = rte_tel_data_alloc();

			if (m) {
				rte_tel_data_start_dict(m);
				rte_tel_data_add_dict_u64(m, "subflows", s->mp.subflows);
				rte_tel_data_add_dict_u64(m, "snd_una", s->mp.snd_una);
				rte_tel_data_add_dict_u64(m, "snd_nxt", s->mp.snd_nxt);
				rte_tel_data_add_dict_u64(m, "snd_edge", s->mp.snd_edge);
				rte_tel_data_add_dict_u64(m, "rcv_nxt", s->mp.rcv_nxt);
				rte_tel_data_add_dict_u64(m, "pending_reinject", s->mp.pending_reinject);
				rte_tel_data_add_dict_u64(m, "data_fin_sent", s->mp.fin_sent);
				rte_tel_data_add_dict_u64(m, "data_fin_acked", s->mp.fin_acked);
				rte_tel_data_add_dict_u64(m, "data_fin_received", s->mp.rcv_fin);
				for (int k = 0; k < 4 && k < s->mp.subflows; k++) {
					struct rte_tel_data *f = rte_tel_data_alloc();
					char nm[16];

					if (f == NULL)
						break;
					rte_tel_data_start_dict(f);
					rte_tel_data_add_dict_string(f, "state", tcp_state_name(s->mp.sf[k].state));
					rte_tel_data_add_dict_u64(f, "mappings", s->mp.sf[k].mappings);
					rte_tel_data_add_dict_u64(f, "given", s->mp.sf[k].given);
					rte_tel_data_add_dict_u64(f, "acked", s->mp.sf[k].acked);
					rte_tel_data_add_dict_u64(f, "cwnd", s->mp.sf[k].cwnd);
					rte_tel_data_add_dict_u64(f, "stale", s->mp.sf[k].stale);
					rte_tel_data_add_dict_u64(f, "backup", s->mp.sf[k].backup);
					snprintf(nm, sizeof(nm), "subflow%d", k);
					add_child(m, nm, f);
				}
				add_child(cd, "mptcp", m);
			}
		}
		add_child(cd, "up", pipe_dict(&s->up));
		add_child(cd, "down", pipe_dict(&s->down));
		snprintf(key, sizeof(key), "%llu", (unsigned long long)s->id);
		rte_tel_data_add_dict_container(d, key, cd, 0);
	}
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

int hag_proxy_listen(struct hag_lcore *lc)
{
	TAILQ_INIT(&lc->conns);
	for (int i = 0; i < lc->cfg->n_listeners; i++) {
		const struct hag_listener_conf *lcf = &lc->cfg->listeners[i];
		int r;

		lc->listeners[i].lc = lc;
		lc->listeners[i].conf = lcf;
		r = tcp_listen(lc->tcp, lcf->addr, lcf->port, on_accept, &lc->listeners[i]);
		if (r != 0)
			return r;
	}
	return 0;
}

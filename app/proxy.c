/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay: every accepted client connection (MPTCP or plain TCP) gets its
 * own upstream TCP connection. Two pipes join them: "up" is written by the
 * client side and sent upstream, "down" the other way. A side frees pipe
 * bytes only when its peer acknowledged them, and the pipe's free space is
 * the window the other side advertises: backpressure without drops.
 */
#include <errno.h>
#include <stdlib.h>

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
};

struct hag_conn {
	struct hag_lcore *lc;
	const struct hag_listener_conf *lcf;
	struct tcp_sock *client, *server;
	bool server_up;             /* upstream was established */
	bool client_eof, server_eof;     /* that side's stream ended (FIN / DATA_FIN) */
	uint64_t up_freed, down_freed;   /* pipe heads already counted in BytesUp/Down */
	struct hag_pipe up, down;
};

static void conn_maybe_free(struct hag_conn *c)
{
	if (c->client || c->server)
		return;
	hag_pipe_fini(&c->up);
	hag_pipe_fini(&c->down);
	c->lc->relay_active--;
	free(c);
}

/*
 * One side went away (reset) after its stream was complete. The other side
 * still gets every byte of it; once those are acknowledged, nobody is left
 * to receive what that side may still send, so it is reset too.
 */
static void reap_orphan(struct hag_conn *c)
{
	if (c->client == NULL && c->server && !c->server_eof && c->up.head == c->up.rx.nxt) {
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
	} else if (c->client == NULL) {
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
	return 0;
}

int hag_proxy_listen(struct hag_lcore *lc)
{
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive opens (RFC 9293 3.10.7.2, as Linux's inet_connection_sock.c and
 * tcp_minisocks.c): the listener a SYN is for, the socket it makes in
 * SYN_RCVD (or a stateless SYN/ACK past the backlog, tcp_cookie.c), and the
 * socket made from the ACK that echoes a SYN cookie; the owner accepts each
 * (tcp_listen's fn) or refuses it with a RST.
 */
#include <errno.h>
#include <string.h>

#include "tcp/tcp_internal.h"

/* Whether listener c (not intercepting) is for t's local address: its own, or "any" of t's family. */
static bool listener_addr(const struct tcp_listener *c, const struct tcp_4tuple *t, bool *exact)
{
	static const uint8_t any6[16];

	if (c->v6 != t->v6)
		return false;
	if (t->v6) {
		*exact = memcmp(c->addr6, t->laddr6, 16) == 0;
		return *exact || memcmp(c->addr6, any6, 16) == 0;
	}
	*exact = c->addr == t->laddr;
	return *exact || c->addr == 0;
}

/* The most specific listener: an exact address before "any" (and, for
 * intercepted segments of either family, an exact port before "any port"). */
struct tcp_listener *tcp_listener_find(struct tcp_stack *st, const struct tcp_4tuple *t)
{
	struct tcp_listener *l = NULL;

	for (int i = 0; i < st->n_listeners; i++) {
		const struct tcp_listener *c = &st->listeners[i];
		bool exact = false;

		if (c->intercept != st->in_intercepted)
			continue;
		if (c->intercept ? (c->port == t->lport || (c->port == 0 && l == NULL))
				 : (c->port == t->lport && listener_addr(c, t, &exact) && (exact || l == NULL)))
			l = &st->listeners[i];
	}
	return l;
}

/* The owner accepts sk (a SYN's, or a cookie's ACK's); false: refused, RST sent. */
static bool listener_accepts(struct tcp_stack *st, struct tcp_listener *l, struct tcp_sock *sk,
			     const struct tcp_seg *seg, void *route)
{
	if (l->fn(l->arg, sk, seg) < 0) {
		TCP_INC(st, TCP_MIB_LISTEN_DROPS);
		tcp_send_rst_for(st, seg, route);
		sk->ops = NULL;
		tcp_done(sk, -ECONNREFUSED);
		return false;
	}
	TCP_INC(st, TCP_MIB_PASSIVE_OPENS);
	return true;
}

void tcp_passive_open(struct tcp_stack *st, struct tcp_seg *seg, const struct tcp_4tuple *t, void *route)
{
	struct tcp_listener *l = tcp_listener_find(st, t);
	struct tcp_sock *sk;

	if (l == NULL) {
		TCP_INC(st, TCP_MIB_NO_PORT);
		tcp_send_rst_for(st, seg, route);
		return;
	}
	/* SYN flood defence: past the backlog, answer without state (RFC 4987 3.6).
	 * What needs state (an MP_JOIN) may still take up to twice the backlog. */
	if (st->conf.syncookies == TCP_SYNCOOKIES_ALWAYS ||
	    (st->conf.syncookies == TCP_SYNCOOKIES_AUTO && st->n_synrcvd >= st->conf.syn_backlog)) {
		if (tcp_cookie_synack(st, seg, t, route) == 0)
			return;
	}
	if (st->n_synrcvd >= (st->conf.syncookies == TCP_SYNCOOKIES_OFF ? 1u : 2u) * st->conf.syn_backlog) {
		TCP_INC(st, TCP_MIB_REQ_QFULL_DROP);
		return;
	}
	sk = tcp_sock_new(st, t);
	if (sk == NULL) {
		TCP_INC(st, TCP_MIB_LISTEN_DROPS);
		return;
	}
	sk->route = route;
	sk->irs = seg->seq;
	sk->rcv.nxt = 1;
	sk->rcv_adv = 1;
	sk->rx_off = -1;
	sk->tx_off = -1;
	tcp_set_state(sk, TCP_SYN_RCVD);
	tcp_apply_syn_options(sk, seg);
	tcp_ecn_syn_rcvd(sk, seg);
	sk->snd_wnd = sk->max_snd_wnd = seg->wnd;     /* RFC 7323 2.2: never scaled in a SYN */
	if (!listener_accepts(st, l, sk, seg, route))
		return;
	tcp_send_syn(sk, true);
}

/*
 * The ACK of a handshake whose SYN was answered with a cookie: the socket is
 * made now, as the SYN would have made it (its options from the cookie), and
 * the ACK completes the handshake. Returns false when it is no such ACK.
 */
bool tcp_cookie_open(struct tcp_stack *st, struct tcp_seg *seg, const struct tcp_4tuple *t, void *route)
{
	struct tcp_listener *l = tcp_listener_find(st, t);
	struct tcp_seg syn = *seg;
	struct tcp_sock *sk;
	bool bit;

	if (l == NULL || !tcp_cookie_check(st, seg, t, &syn.opt, &bit))
		return false;
	sk = tcp_sock_new(st, t);
	if (sk == NULL) {
		TCP_INC(st, TCP_MIB_LISTEN_DROPS);
		return true;        /* dropped: the peer's retransmission may find room */
	}
	sk->route = route;
	sk->irs = seg->seq - 1;
	sk->rcv.nxt = 1;
	sk->rcv_adv = 1 + 65535;    /* the cookie SYN/ACK's window */
	sk->rx_off = -1;
	sk->tx_off = -1;
	sk->iss = seg->ack - 1;
	sk->snd_nxt = 1;
	sk->snd_max = 1;
	sk->retries = 1;            /* no RTT sample from a SYN/ACK we did not time */
	sk->syncookie = true;
	sk->syncookie_bit = bit;
	tcp_set_state(sk, TCP_SYN_RCVD);
	tcp_apply_syn_options(sk, &syn);
	TCP_INC(st, TCP_MIB_SYNCOOKIES_RECV);
	if (!listener_accepts(st, l, sk, seg, route))
		return true;
	tcp_rcv(sk, seg);
	return true;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcp: the per-lcore stack, socket lifecycle and the owner's API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include "tcp/tcp_internal.h"

static const char *const state_names[TCP_STATE_MAX] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
	return s < TCP_STATE_MAX ? state_names[s] : "?";
}

struct tcp_stack *tcp_stack_create(const struct tcp_stack_conf *conf)
{
	static unsigned int seq;
	struct rte_hash_parameters hp = {0};
	struct tcp_stack *st;
	char name[RTE_HASH_NAMESIZE];

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	st->conf = *conf;
	if (st->conf.max_retries == 0)
		st->conf.max_retries = 15;
	if (st->conf.syn_retries == 0)
		st->conf.syn_retries = 5;
	if (st->conf.mss == 0)
		st->conf.mss = 1460;
	snprintf(name, sizeof(name), "tcpflows_%u_%u", rte_lcore_id(), seq++);
	hp.name = name;
	hp.entries = conf->max_conns < 1024 ? 1024 : conf->max_conns * 2;
	hp.key_len = sizeof(struct tcp_flow_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = conf->socket_id;
	st->flows = rte_hash_create(&hp);
	if (st->flows == NULL) {
		free(st);
		return NULL;
	}
	if (conf->ipv6) {
		snprintf(name, sizeof(name), "tcpflows6_%u_%u", rte_lcore_id(), seq++);
		hp.key_len = sizeof(struct tcp_flow_key6);
		st->flows6 = conf->output6 ? rte_hash_create(&hp) : NULL;
		if (st->flows6 == NULL) {
			rte_hash_free(st->flows);
			free(st);
			rte_errno = conf->output6 ? ENOMEM : EINVAL;
			return NULL;
		}
	}
	TAILQ_INIT(&st->dirty);
	TAILQ_INIT(&st->free_later);
	for (int i = 0; i < TW_SLOTS; i++)
		TAILQ_INIT(&st->wheel[i]);
	if (st->conf.port_lo == 0 && st->conf.port_hi == 0) {
		st->conf.port_lo = 32768;
		st->conf.port_hi = 60999;
	}
	if (st->conf.port_lo == 0 || st->conf.port_hi < st->conf.port_lo) {
		rte_hash_free(st->flows);
		rte_hash_free(st->flows6);
		free(st);
		rte_errno = EINVAL;
		return NULL;
	}
	if (st->conf.syn_backlog == 0)
		st->conf.syn_backlog = 1024;
	st->cookie_key[0] = rte_rand();
	st->cookie_key[1] = rte_rand();
	st->next_port = (uint16_t)(st->conf.port_lo +
				   rte_rand_max((uint64_t)st->conf.port_hi - st->conf.port_lo + 1));
	return st;
}

static void free_later_flush(struct tcp_stack *st)
{
	struct tcp_sock *sk;

	while ((sk = TAILQ_FIRST(&st->free_later)) != NULL) {
		TAILQ_REMOVE(&st->free_later, sk, dq);
		seq_ranges_fini(&sk->sacked);
		seq_ranges_fini(&sk->lost);
		tcp_txlog_free(sk);
		seq_ranges_fini(&sk->rcv);
		free(sk);
	}
}

/* Close every socket of one flow table (the stack is being freed). */
static void abort_all(struct rte_hash *flows)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	/*
	 * One walk, then the closes: restarting the walk after each close (the
	 * table changes under it) took minutes with 300 000 sockets. A socket a
	 * ULP closed meanwhile is skipped by tcp_done; none is freed before the
	 * flush below.
	 */
	{
		uint32_t n = (uint32_t)rte_hash_count(flows), k = 0;
		struct tcp_sock **all = n ? malloc(n * sizeof(*all)) : NULL;

		if (all != NULL) {
			while (k < n && rte_hash_iterate(flows, &key, &data, &it) >= 0)
				all[k++] = data;
			for (uint32_t i = 0; i < k; i++) {
				all[i]->ops = NULL;
				tcp_done(all[i], -ECONNABORTED);
			}
			free(all);
			it = 0;
		}
	}
	/* What is left: nothing, or everything when the array could not be had
	 * (then the walk restarts after each close, slowly but surely). */
	while (rte_hash_iterate(flows, &key, &data, &it) >= 0) {
		struct tcp_sock *sk = data;

		sk->ops = NULL;
		tcp_done(sk, -ECONNABORTED);
		it = 0;
	}
}

void tcp_stack_free(struct tcp_stack *st)
{
	if (st == NULL)
		return;
	abort_all(st->flows);
	if (st->flows6)
		abort_all(st->flows6);
	free_later_flush(st);
	rte_hash_free(st->flows);
	rte_hash_free(st->flows6);
	free(st);
}

struct rte_mempool *tcp_stack_pool(struct tcp_stack *st)
{
	return st->conf.pool;
}

uint32_t tcp_stack_conns(const struct tcp_stack *st)
{
	return st->n_conns;
}

int tcp_listen(struct tcp_stack *st, uint32_t addr, uint16_t port, tcp_accept_fn fn, void *arg)
{
	if (st->n_listeners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	for (int i = 0; i < st->n_listeners; i++)
		if (!st->listeners[i].intercept && !st->listeners[i].v6 && st->listeners[i].addr == addr &&
		    st->listeners[i].port == port)
			return -EADDRINUSE;
	st->listeners[st->n_listeners++] = (struct tcp_listener){.addr = addr, .port = port, .fn = fn, .arg = arg};
	return 0;
}

int tcp_listen6(struct tcp_stack *st, const uint8_t addr[16], uint16_t port, tcp_accept_fn fn, void *arg)
{
	struct tcp_listener l = {.port = port, .v6 = true, .fn = fn, .arg = arg};

	if (st->flows6 == NULL)
		return -EAFNOSUPPORT;
	if (st->n_listeners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	if (addr)
		memcpy(l.addr6, addr, 16);
	l.addr = tcp_ip6_fold(l.addr6);
	for (int i = 0; i < st->n_listeners; i++)
		if (!st->listeners[i].intercept && st->listeners[i].v6 && st->listeners[i].port == port &&
		    memcmp(st->listeners[i].addr6, l.addr6, 16) == 0)
			return -EADDRINUSE;
	st->listeners[st->n_listeners++] = l;
	return 0;
}

int tcp_listen_intercept(struct tcp_stack *st, uint16_t port, tcp_accept_fn fn, void *arg)
{
	if (st->n_listeners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	for (int i = 0; i < st->n_listeners; i++)
		if (st->listeners[i].intercept && st->listeners[i].port == port)
			return -EADDRINUSE;
	st->listeners[st->n_listeners++] = (struct tcp_listener){.port = port, .intercept = true, .fn = fn, .arg = arg};
	return 0;
}

struct tcp_sock *tcp_flow_find(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			       uint16_t rport)
{
	struct tcp_flow_key key = {laddr, raddr, lport, rport};
	void *data;

	return rte_hash_lookup_data(st->flows, &key, &data) >= 0 ? data : NULL;
}

static struct tcp_flow_key6 key6_of(const uint8_t laddr[16], uint16_t lport, const uint8_t raddr[16],
				    uint16_t rport)
{
	struct tcp_flow_key6 k;

	memcpy(k.laddr, laddr, 16);
	memcpy(k.raddr, raddr, 16);
	k.lport = lport;
	k.rport = rport;
	return k;
}

struct tcp_sock *tcp_flow_find6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
				const uint8_t raddr[16], uint16_t rport)
{
	struct tcp_flow_key6 key = key6_of(laddr, lport, raddr, rport);
	void *data;

	if (st->flows6 == NULL)
		return NULL;
	return rte_hash_lookup_data(st->flows6, &key, &data) >= 0 ? data : NULL;
}

struct tcp_sock *tcp_flow_lookup(struct tcp_stack *st, const struct tcp_4tuple *t)
{
	if (t->v6)
		return tcp_flow_find6(st, t->laddr6, t->lport, t->raddr6, t->rport);
	return tcp_flow_find(st, t->laddr, t->lport, t->raddr, t->rport);
}

uint8_t tcp_wscale_for(uint32_t space)
{
	uint8_t s = 0;

	while (s < TCP_MAX_WSCALE && (space >> s) > 65535)
		s++;
	return s;
}

/* sk's table and its key there (built in *k4 or *k6): the same for adding and removing. */
static const void *flow_key(const struct tcp_sock *sk, struct rte_hash **h, struct tcp_flow_key *k4,
			    struct tcp_flow_key6 *k6)
{
	if (sk->v6) {
		*k6 = key6_of(tcp_sk6(sk)->laddr6, sk->lport, tcp_sk6(sk)->raddr6, sk->rport);
		*h = sk->stack->flows6;
		return k6;
	}
	*k4 = (struct tcp_flow_key){sk->laddr, sk->raddr, sk->lport, sk->rport};
	*h = sk->stack->flows;
	return k4;
}

struct tcp_sock *tcp_sock_new(struct tcp_stack *st, const struct tcp_4tuple *t)
{
	struct tcp_flow_key key4;
	struct tcp_flow_key6 key6;
	struct rte_hash *h;
	const void *key;
	struct tcp_sock *sk;

	if (t->v6 && st->flows6 == NULL) {
		rte_errno = EAFNOSUPPORT;
		return NULL;
	}
	if (st->n_conns >= st->conf.max_conns) {
		rte_errno = ENOSPC;
		return NULL;
	}
	sk = calloc(1, t->v6 ? sizeof(struct tcp_sock6) : sizeof(*sk));
	if (sk == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (t->v6) {
		memcpy(tcp_sk6(sk)->laddr6, t->laddr6, 16);
		memcpy(tcp_sk6(sk)->raddr6, t->raddr6, 16);
		sk->v6 = true;
		sk->laddr = tcp_ip6_fold(t->laddr6);
		sk->raddr = tcp_ip6_fold(t->raddr6);
	} else {
		sk->laddr = t->laddr;
		sk->raddr = t->raddr;
	}
	sk->lport = t->lport;
	sk->rport = t->rport;
	sk->stack = st;
	sk->iss = (uint32_t)rte_rand();
	sk->rto_us = TCP_RTO_INIT_US;
	sk->mss = t->v6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS;
	sk->ssthresh = UINT32_MAX;
	sk->rcv_fin_pos = -1;
	sk->rcv_wscale = tcp_wscale_for(st->conf.rcvbuf);
	tcp_set_cc(sk, st->conf.cc);
	key = flow_key(sk, &h, &key4, &key6);
	if (rte_hash_add_key_data(h, key, sk) < 0) {
		free(sk);
		rte_errno = ENOSPC;
		return NULL;
	}
	st->n_conns++;
	if (st->conf.flow_event)
		st->conf.flow_event(st->conf.flow_arg, sk, true);
	return sk;
}

void tcp_set_state(struct tcp_sock *sk, enum tcp_state s)
{
	/* The half-open count that decides when SYN cookies start. */
	if (sk->state == TCP_SYN_RCVD && s != TCP_SYN_RCVD)
		sk->stack->n_synrcvd--;
	else if (sk->state != TCP_SYN_RCVD && s == TCP_SYN_RCVD)
		sk->stack->n_synrcvd++;
	sk->state = (uint8_t)s;
}

void tcp_mark_dirty(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSED || (sk->flags & TF_IN_DIRTY))
		return;
	sk->flags |= TF_IN_DIRTY;
	TAILQ_INSERT_TAIL(&sk->stack->dirty, sk, dq);
}

/* The connection is over: unhook it, tell the owner, free it after this poll. */
void tcp_done(struct tcp_sock *sk, int err)
{
	struct tcp_stack *st = sk->stack;
	struct tcp_flow_key key4;
	struct tcp_flow_key6 key6;
	struct rte_hash *h;
	const void *key;
	const struct tcp_sock_ops *ops = sk->ops;

	if (sk->state == TCP_CLOSED && (sk->flags & TF_CLOSED_CB))
		return;
	if (sk->state == TCP_TIME_WAIT)
		st->n_timewait--;
	if (sk->state == TCP_SYN_RCVD)
		st->n_synrcvd--;
	sk->state = TCP_CLOSED;
	sk->err = err;
	key = flow_key(sk, &h, &key4, &key6);
	rte_hash_del_key(h, key);
	st->n_conns--;
	if (st->conf.flow_event)
		st->conf.flow_event(st->conf.flow_arg, sk, false);
	tcp_timer_remove(sk);
	if (sk->flags & TF_IN_DIRTY) {
		TAILQ_REMOVE(&st->dirty, sk, dq);
		sk->flags &= ~TF_IN_DIRTY;
	}
	sk->flags |= TF_CLOSED_CB;
	if (sk->ulp && sk->ulp->release) {
		sk->ulp->release(sk);
		ops = sk->ops;       /* the ULP may have handed the owner to another socket */
	}
	if (ops && ops->closed)
		ops->closed(sk, err);
	TAILQ_INSERT_TAIL(&st->free_later, sk, dq);
}

uint32_t tcp_rcv_space(const struct tcp_sock *sk)
{
	if (sk->ulp && sk->ulp->rcv_space)
		return sk->ulp->rcv_space(sk);
	return sk->rxp ? tcp_pipe_space(sk->rxp) : 0;
}

struct tcp_sock *tcp_connect(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			     uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			     const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us)
{
	return tcp_connect_ulp(st, laddr, lport, raddr, rport, rxp, txp, ops, user, route, now_us, NULL, NULL);
}

/* Whether an ephemeral port may be t's (port_ok / port_ok6 and the stride). */
static bool port_usable(struct tcp_stack *st, const struct tcp_4tuple *t)
{
	uint16_t stride = st->conf.port_stride > 1 ? st->conf.port_stride : 1;

	if (t->lport % stride != st->conf.port_offset % stride)
		return false;
	if (t->v6)
		return st->conf.port_ok6 == NULL ||
		       st->conf.port_ok6(st->conf.flow_arg, t->laddr6, t->lport, t->raddr6, t->rport);
	return st->conf.port_ok == NULL || st->conf.port_ok(st->conf.flow_arg, t->laddr, t->lport, t->raddr, t->rport);
}

/* An active open of either family. */
static struct tcp_sock *connect_t(struct tcp_stack *st, struct tcp_4tuple *t, struct tcp_pipe *rxp,
				  struct tcp_pipe *txp, const struct tcp_sock_ops *ops, void *user, void *route,
				  uint64_t now_us, const struct tcp_ulp_ops *ulp, void *ulp_ctx)
{
	struct tcp_sock *sk = NULL;

	st->now_us = now_us;
	if (t->lport == 0) {
		uint32_t span = (uint32_t)st->conf.port_hi - st->conf.port_lo + 1;

		for (uint32_t tries = 0; tries < span && sk == NULL; tries++) {
			t->lport = st->next_port;
			st->next_port = st->next_port >= st->conf.port_hi ? st->conf.port_lo : st->next_port + 1;
			if (!port_usable(st, t) || tcp_flow_lookup(st, t) != NULL)
				continue;
			sk = tcp_sock_new(st, t);
			if (sk == NULL)
				return NULL;
		}
		if (sk == NULL) {
			rte_errno = EADDRNOTAVAIL;
			return NULL;
		}
	} else {
		sk = tcp_sock_new(st, t);
		if (sk == NULL)
			return NULL;
	}
	sk->ops = ops;
	sk->user = user;
	sk->route = route;
	sk->state = TCP_SYN_SENT;
	sk->snd_una = 0;
	sk->snd_nxt = 0;
	sk->tx_off = -1;
	sk->rx_off = -1;
	sk->rxp = rxp;
	sk->txp = txp;
	sk->ulp = ulp;          /* before the SYN: its options ride on it */
	sk->ulp_ctx = ulp_ctx;
	TCP_INC(st, TCP_MIB_ACTIVE_OPENS);
	tcp_send_syn(sk, false);
	return sk;
}

struct tcp_sock *tcp_connect_ulp(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
				 uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
				 const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us,
				 const struct tcp_ulp_ops *ulp, void *ulp_ctx)
{
	struct tcp_4tuple t = {.laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport};

	return connect_t(st, &t, rxp, txp, ops, user, route, now_us, ulp, ulp_ctx);
}

struct tcp_sock *tcp_connect_ulp6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
				  const uint8_t raddr[16], uint16_t rport, struct tcp_pipe *rxp,
				  struct tcp_pipe *txp, const struct tcp_sock_ops *ops, void *user, void *route,
				  uint64_t now_us, const struct tcp_ulp_ops *ulp, void *ulp_ctx)
{
	struct tcp_4tuple t = {.v6 = true, .laddr6 = laddr, .raddr6 = raddr, .lport = lport, .rport = rport};

	return connect_t(st, &t, rxp, txp, ops, user, route, now_us, ulp, ulp_ctx);
}

struct tcp_sock *tcp_connect6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
			      const uint8_t raddr[16], uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			      const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us)
{
	return tcp_connect_ulp6(st, laddr, lport, raddr, rport, rxp, txp, ops, user, route, now_us, NULL, NULL);
}

void tcp_connect_timeout(struct tcp_sock *sk, uint64_t at)
{
	if (sk->state != TCP_SYN_SENT)
		return;
	sk->t_conn = at;
	tcp_timer_update(sk);
}

void tcp_kick(struct tcp_sock *sk)
{
	if (sk->ulp && sk->ulp->kick)
		sk->ulp->kick(sk);
	tcp_mark_dirty(sk);
}

void tcp_rx_space_freed(struct tcp_sock *sk)
{
	uint64_t edge;

	if (sk->ulp && sk->ulp->space_freed)
		sk->ulp->space_freed(sk);
	/* Only a peer that may still send cares about our window: not before the
	 * handshake completes, not after its FIN (a closed peer answers with RST). */
	if ((sk->state != TCP_ESTABLISHED && sk->state != TCP_FIN_WAIT_1 &&
	     sk->state != TCP_FIN_WAIT_2) || (sk->flags & TF_PEER_FIN))
		return;
	edge = sk->rcv.nxt + tcp_rcv_space(sk);
	/* RFC 9293 3.8.6.2.2: announce a larger window only when it grew by a
	 * useful amount (here a quarter of the buffer or two segments from a
	 * nearly closed window). */
	if (edge >= sk->rcv_adv + (sk->rxp ? sk->rxp->cap / 4 : 65536) ||
	    (sk->rcv_adv - sk->rcv.nxt < 2u * sk->mss && edge >= sk->rcv.nxt + 2u * sk->mss)) {
		sk->flags |= TF_ACK_NOW;
		tcp_mark_dirty(sk);
	}
}

/* Keepalive defaults when the owner gives none: Linux's tcp_keepalive_intvl and _probes. */
#define TCP_KEEP_INTVL_MS 75000u
#define TCP_KEEP_PROBES 9

static uint32_t keep_intvl_ms(uint32_t ms) { return ms ? ms : TCP_KEEP_INTVL_MS; }
static uint8_t keep_probes(uint8_t n) { return n ? n : TCP_KEEP_PROBES; }

void tcp_set_keepalive(struct tcp_sock *sk, uint32_t idle_ms, uint32_t intvl_ms, uint8_t probes)
{
	sk->keep_idle_ms = idle_ms;
	sk->keep_intvl_ms = keep_intvl_ms(intvl_ms);
	sk->keep_probes = keep_probes(probes);
	sk->keep_sent = 0;
	sk->t_keep = idle_ms ? sk->stack->now_us + idle_ms * 1000ull : 0;
	tcp_timer_update(sk);
}

void tcp_set_idle_timeout(struct tcp_sock *sk, uint32_t ms)
{
	sk->idle_ms = ms;
	sk->t_idle = ms ? sk->stack->now_us + ms * 1000ull : 0;
	tcp_timer_update(sk);
}

/* A setting sk has already is left running: its window, its timers' deadlines. */
void tcp_sock_configure(struct tcp_sock *sk, const struct tcp_sock_conf *c)
{
	if (c->cc && c->cc != sk->cc_ops)
		tcp_set_cc(sk, c->cc);
	if (sk->keep_idle_ms != c->keep_idle_ms ||
	    sk->keep_intvl_ms != keep_intvl_ms(c->keep_intvl_ms) || sk->keep_probes != keep_probes(c->keep_probes))
		tcp_set_keepalive(sk, c->keep_idle_ms, c->keep_intvl_ms, c->keep_probes);
	if (sk->idle_ms != c->idle_ms)
		tcp_set_idle_timeout(sk, c->idle_ms);
}

void tcp_ulp_timer(struct tcp_sock *sk, uint64_t at)
{
	sk->t_ulp = at;
	tcp_timer_update(sk);
}

uint64_t tcp_now(const struct tcp_sock *sk)
{
	return sk->stack->now_us;
}

void tcp_ack_now(struct tcp_sock *sk)
{
	sk->flags |= TF_ACK_NOW;
	tcp_mark_dirty(sk);
}

void tcp_ack_send(struct tcp_sock *sk)
{
	if (sk->state != TCP_CLOSED)
		tcp_send_ack(sk);
}

void tcp_shutdown(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSED || (sk->flags & TF_FIN_QUEUED))
		return;
	if (sk->ulp && sk->ulp->shutdown) {
		sk->ulp->shutdown(sk);
		return;
	}
	sk->flags |= TF_FIN_QUEUED;
	tcp_mark_dirty(sk);
}

void tcp_reset(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSED)
		return;
	if (sk->state != TCP_SYN_SENT && sk->state != TCP_TIME_WAIT)
		tcp_send_rst(sk);
	tcp_done(sk, -ECONNRESET);
}

void tcp_abort(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSED)
		return;
	if (sk->ulp && sk->ulp->abort)
		sk->ulp->abort(sk);
	if (sk->state != TCP_SYN_SENT && sk->state != TCP_TIME_WAIT)
		tcp_send_rst(sk);
	sk->ops = NULL;
	tcp_done(sk, -ECONNABORTED);
}

void tcp_stack_poll(struct tcp_stack *st, uint64_t now_us)
{
	struct tcp_sock *sk;

	st->now_us = now_us;
	tcp_timers_run(st, now_us);
	while ((sk = TAILQ_FIRST(&st->dirty)) != NULL) {
		TAILQ_REMOVE(&st->dirty, sk, dq);
		sk->flags &= ~TF_IN_DIRTY;
		tcp_output(sk);
	}
	free_later_flush(st);
}

void tcp_sock_get_info(const struct tcp_sock *sk, struct tcp_sock_info *o)
{
	o->state = sk->state;
	o->retries = sk->retries;
	o->ooo = (uint8_t)sk->rcv.n;
	o->laddr = sk->laddr;
	o->raddr = sk->raddr;
	o->lport = sk->lport;
	o->rport = sk->rport;
	o->v6 = sk->v6;
	if (sk->v6) {
		memcpy(o->laddr6, tcp_sk6(sk)->laddr6, 16);
		memcpy(o->raddr6, tcp_sk6(sk)->raddr6, 16);
	}
	o->snd_wnd = sk->snd_wnd;
	o->cwnd = sk->cwnd;
	o->srtt_us = sk->srtt_us;
	o->snd_una = sk->snd_una;
	o->snd_nxt = sk->snd_nxt;
	o->snd_max = sk->snd_max;
	o->rcv_nxt = sk->rcv.nxt;
	o->cc = sk->cc_ops ? sk->cc_ops->name : "?";
	o->keep_ms = sk->keep_idle_ms;
	o->idle_ms = sk->idle_ms;
}

void tcp_sock_set_owner(struct tcp_sock *sk, const struct tcp_sock_ops *ops, void *user, struct tcp_pipe *rxp,
			struct tcp_pipe *txp)
{
	sk->ops = ops;
	sk->user = user;
	sk->rxp = rxp;
	sk->txp = txp;
}

void *tcp_sock_user(const struct tcp_sock *sk)
{
	return sk->user;
}

struct tcp_tuple tcp_sock_tuple(const struct tcp_sock *sk)
{
	return (struct tcp_tuple){ .laddr = sk->laddr, .raddr = sk->raddr, .lport = sk->lport, .rport = sk->rport };
}

bool tcp_sock_is_v6(const struct tcp_sock *sk)
{
	return sk->v6;
}

const uint8_t *tcp_sock_laddr6(const struct tcp_sock *sk)
{
	return sk->v6 ? tcp_sk6(sk)->laddr6 : NULL;
}

const uint8_t *tcp_sock_raddr6(const struct tcp_sock *sk)
{
	return sk->v6 ? tcp_sk6(sk)->raddr6 : NULL;
}

enum tcp_state tcp_sock_state(const struct tcp_sock *sk)
{
	return (enum tcp_state)sk->state;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-socket timers on one per-lcore wheel (1 ms slots). A socket sits in at
 * most one slot, filed under its earliest deadline; when that slot comes up
 * the socket's expired deadlines run and it is filed again. Work per poll is
 * bounded by the slots passed.
 */
#include <errno.h>

#include "tcp/tcp_internal.h"

static uint64_t next_deadline(const struct tcp_sock *sk)
{
	uint64_t d = 0;
	const uint64_t t[] = {sk->t_rto, sk->t_delack, sk->t_persist, sk->t_tw, sk->t_conn, sk->t_ulp,
			      sk->t_loss, sk->t_keep, sk->t_idle};

	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && (d == 0 || t[i] < d))
			d = t[i];
	return d;
}

void tcp_timer_remove(struct tcp_sock *sk)
{
	if (sk->t_sched) {
		TAILQ_REMOVE(&sk->stack->wheel[(sk->t_sched / TW_TICK_US) % TW_SLOTS], sk, tq);
		sk->t_sched = 0;
	}
}

void tcp_timer_update(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;
	uint64_t d = next_deadline(sk), tick;

	if (sk->state == TCP_CLOSED)
		return;
	if (d == 0) {
		tcp_timer_remove(sk);
		return;
	}
	/* Already filed at or before d: the slot will re-file us if needed. */
	if (sk->t_sched && sk->t_sched <= d)
		return;
	tcp_timer_remove(sk);
	if (st->wheel_tick == 0)
		st->wheel_tick = st->now_us / TW_TICK_US;
	tick = d / TW_TICK_US;
	if (tick <= st->wheel_tick)
		tick = st->wheel_tick + 1;
	if (tick - st->wheel_tick >= TW_SLOTS)
		tick = st->wheel_tick + TW_SLOTS - 1;
	sk->t_sched = tick * TW_TICK_US;
	TAILQ_INSERT_TAIL(&st->wheel[tick % TW_SLOTS], sk, tq);
}

/* RFC 6298 2.2-2.3, with the clock granularity folded into RTO_MIN. */
void tcp_rtt_sample(struct tcp_sock *sk, uint32_t r)
{
	if (r == 0)
		r = 1;
	if (sk->srtt_us == 0) {
		sk->srtt_us = r;
		sk->rttvar_us = r / 2;
	} else {
		uint32_t d = sk->srtt_us > r ? sk->srtt_us - r : r - sk->srtt_us;

		sk->rttvar_us = (3 * sk->rttvar_us + d) / 4;   /* beta = 1/4 */
		sk->srtt_us = (7 * sk->srtt_us + r) / 8;       /* alpha = 1/8 */
	}
	sk->rto_us = sk->srtt_us + (4 * sk->rttvar_us > 1000 ? 4 * sk->rttvar_us : 1000);
	if (sk->rto_us < TCP_RTO_MIN_US)
		sk->rto_us = TCP_RTO_MIN_US;
	if (sk->rto_us > TCP_RTO_MAX_US)
		sk->rto_us = TCP_RTO_MAX_US;
	if (sk->ssthresh == UINT32_MAX)
		sk->hs_sample = r;      /* HyStart++: counted in the ACK's round (tcp_cc.c) */
}

void tcp_rto_arm(struct tcp_sock *sk)
{
	sk->t_rto = sk->stack->now_us + sk->rto_us;
	tcp_timer_update(sk);
}

static void rto_expired(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;
	uint64_t flight = sk->snd_max - sk->snd_una;

	sk->t_rto = 0;
	if (sk->state == TCP_SYN_SENT || sk->state == TCP_SYN_RCVD) {
		if (++sk->retries > st->conf.syn_retries) {
			TCP_INC(st, TCP_MIB_ATTEMPT_FAILS);
			tcp_done(sk, -ETIMEDOUT);
			return;
		}
		TCP_INC(st, TCP_MIB_TIMEOUTS);
		sk->rto_us = sk->rto_us * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : sk->rto_us * 2;
		tcp_send_syn(sk, sk->state == TCP_SYN_RCVD);
		tcp_rto_arm(sk);
		return;
	}
	if (flight == 0)
		return;
	TCP_INC(st, TCP_MIB_TIMEOUTS);
	if (++sk->retries > st->conf.max_retries) {
		TCP_INC(st, TCP_MIB_ABORT_ON_TIMEOUT);
		tcp_send_rst(sk);
		tcp_done(sk, -ETIMEDOUT);
		return;
	}
	/* RFC 5681 3.1 loss window after the CC's decrease, once per loss
	 * episode: an RTO during a recovery, or again while resending after one,
	 * keeps the ssthresh that episode set (as Linux's tcp_enter_loss); from
	 * a cwnd already down to one segment it would fall to 2 segments.
	 * RFC 6298 5.5-5.7 backoff. */
	if (sk->flags & TF_SACK_OK)
		tcp_undo_rto(sk);               /* undo's state, F-RTO (before the cut) */
	if (!(sk->flags & (TF_LOSS | TF_RECOVERY)))
		sk->cc_ops->on_congestion(sk);
	sk->cwnd = sk->mss;
	if (sk->flags & TF_SACK_OK)
		tcp_rack_rto(sk);               /* all not SACKed is lost: resent first, SACKed never */
	else
		sk->snd_nxt = sk->snd_una;      /* go back: resend from the first unacked byte */
	/* RFC 6582 4.1: no fast retransmit for what was sent before the RTO. */
	sk->recover = sk->snd_max;
	sk->flags |= TF_LOSS;
	sk->flags &= ~(TF_RECOVERY | TF_RTX_FIRST | TF_TLP_SENT);
	if (sk->flags & TF_SACK_OK)
		tcp_rack_rto_resend(sk);
	sk->t_loss = 0;
	sk->dupacks = 0;
	sk->rto_us = sk->rto_us * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : sk->rto_us * 2;
	sk->rtt_pos = 0;
	if (sk->state == TCP_SYN_RCVD)
		return;
	if (sk->ulp && sk->ulp->rto) {
		sk->ulp->rto(sk);
		if (sk->state == TCP_CLOSED)
			return;
	}
	tcp_output(sk);
	if (sk->state != TCP_CLOSED && sk->t_rto == 0)
		tcp_rto_arm(sk);
}

/* RFC 9293 3.8.4 / RFC 1122 4.2.3.6: probe an idle peer, give up after keep_probes. */
static void keepalive_expired(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;

	if (sk->state != TCP_ESTABLISHED && sk->state != TCP_CLOSE_WAIT &&
	    sk->state != TCP_FIN_WAIT_2)
		return;
	if (sk->snd_max > sk->snd_una) {
		/* Data in flight: the RTO watches the peer. Look again later. */
		sk->t_keep = st->now_us + sk->keep_intvl_ms * 1000ull;
		return;
	}
	if (sk->keep_sent >= sk->keep_probes) {
		TCP_INC(st, TCP_MIB_KEEPALIVE_ABORT);
		TCP_INC(st, TCP_MIB_ABORT_ON_TIMEOUT);
		tcp_send_rst(sk);
		tcp_done(sk, -ETIMEDOUT);
		return;
	}
	sk->keep_sent++;
	TCP_INC(st, TCP_MIB_KEEPALIVE);
	/* Like a window probe: SEG.SEQ = SND.NXT - 1 makes the peer answer with an ACK. */
	tcp_send_probe_seq(sk);
	sk->t_keep = st->now_us + sk->keep_intvl_ms * 1000ull;
}

static void sock_expire(struct tcp_sock *sk, uint64_t now)
{
	if (sk->t_tw && sk->t_tw <= now) {
		sk->t_tw = 0;
		tcp_done(sk, 0);
		return;
	}
	if (sk->t_conn && sk->t_conn <= now) {
		sk->t_conn = 0;
		TCP_INC(sk->stack, TCP_MIB_ATTEMPT_FAILS);
		tcp_done(sk, -ETIMEDOUT);
		return;
	}
	if (sk->t_rto && sk->t_rto <= now) {
		rto_expired(sk);
		if (sk->state == TCP_CLOSED)
			return;
	}
	if (sk->t_idle && sk->t_idle <= now) {
		sk->t_idle = 0;
		TCP_INC(sk->stack, TCP_MIB_IDLE_TIMEOUT);
		tcp_send_rst(sk);
		tcp_done(sk, -ETIMEDOUT);
		return;
	}
	if (sk->t_keep && sk->t_keep <= now) {
		sk->t_keep = 0;
		keepalive_expired(sk);
		if (sk->state == TCP_CLOSED)
			return;
	}
	if (sk->t_loss && sk->t_loss <= now) {
		sk->t_loss = 0;
		tcp_loss_timer(sk);
		if (sk->state == TCP_CLOSED)
			return;
	}
	if (sk->t_persist && sk->t_persist <= now) {
		sk->t_persist = 0;
		if (sk->snd_wnd == 0 && tcp_tx_end(sk) > sk->snd_nxt) {
			tcp_send_probe(sk);
			sk->retries = sk->retries < 15 ? sk->retries + 1 : 15;
			uint64_t iv = (uint64_t)sk->rto_us << (sk->retries < 6 ? sk->retries : 6);

			sk->t_persist = now + (iv > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : iv);
		}
	}
	if (sk->t_ulp && sk->t_ulp <= now) {
		sk->t_ulp = 0;
		if (sk->ulp && sk->ulp->timeout)
			sk->ulp->timeout(sk);
		if (sk->state == TCP_CLOSED)
			return;
	}
	if (sk->t_delack && sk->t_delack <= now) {
		sk->t_delack = 0;
		if (sk->flags & TF_DELACK) {
			TCP_INC(sk->stack, TCP_MIB_DELAYED_ACKS);
			tcp_send_ack(sk);
		}
	}
}

void tcp_timers_run(struct tcp_stack *st, uint64_t now)
{
	uint64_t now_tick = now / TW_TICK_US;
	unsigned int steps = 0;

	if (st->wheel_tick == 0)
		st->wheel_tick = now_tick;
	while (st->wheel_tick < now_tick && steps++ < TW_SLOTS) {
		struct tcp_sock_list *slot;
		struct tcp_sock *sk;

		st->wheel_tick++;
		slot = &st->wheel[st->wheel_tick % TW_SLOTS];
		/* Straight from the slot: anything filed meanwhile lands at a later
		 * tick, hence another slot, and a socket closed by another's expiry
		 * leaves this list properly. */
		while ((sk = TAILQ_FIRST(slot)) != NULL) {
			TAILQ_REMOVE(slot, sk, tq);
			sk->t_sched = 0;
			sock_expire(sk, now);
			if (sk->state != TCP_CLOSED)
				tcp_timer_update(sk);
		}
	}
	if (st->wheel_tick < now_tick)
		st->wheel_tick = now_tick;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival (RFC 9293 3.10.7), in this order:
 *   tcp_input: header and checksum checks, options, demux by 4-tuple
 *     -> listener (tcp_listen.c): new passive connection (SYN_RCVD, SYN/ACK),
 *        or the ACK of a SYN cookie
 *     -> tcp_rcv_syn_sent: active open completes
 *     -> tcp_rcv: acceptability, RST (RFC 5961; then the ULP's rx_reset), SYN,
 *        ACK (RTT, congestion control, window update, FIN acknowledged), data, FIN.
 * Output that becomes due is sent once per poll from the flush list.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_random.h>

#include "net/ipv6.h"
#include "net/net.h"
#include "tcp/tcp_internal.h"

/* The options of a SYN (or of a SYN cookie): MSS, window scale, SACK, timestamps; the initial window. */
void tcp_apply_syn_options(struct tcp_sock *sk, const struct tcp_seg *seg)
{
	const struct tcp_seg_opts *o = &seg->opt;
	struct tcp_stack *st = sk->stack;
	/* RFC 9293 3.7.1: without the option, 536 over IPv4, 1220 over IPv6. */
	uint16_t mss = o->mss ? o->mss : sk->v6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS;
	uint16_t own = tcp_own_mss(st, sk->v6);

	sk->peer_mss = mss;
	sk->mss = mss < own ? mss : own;
	if (o->wscale >= 0 && (sk->state == TCP_SYN_SENT || sk->state == TCP_CLOSED ||
			       sk->state == TCP_SYN_RCVD)) {
		sk->flags |= TF_WS_OK;
		sk->snd_wscale = (uint8_t)o->wscale;
	} else {
		sk->flags &= ~TF_WS_OK;
		sk->snd_wscale = 0;
		sk->rcv_wscale = 0;
	}
	if (o->sack_ok)
		sk->flags |= TF_SACK_OK;
	if (o->ts) {
		sk->flags |= TF_TS_OK;
		sk->ts_recent = o->tsval;
	}
	sk->cwnd = TCP_INIT_CWND_SEGS * sk->mss;
}

/* RFC 5961 7: challenge ACKs are rate limited per stack (Linux: tcp_challenge_ack_limit). */
void tcp_challenge_ack(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;
	uint32_t limit = st->conf.challenge_ack_limit ? st->conf.challenge_ack_limit : 1000;

	if (st->now_us - st->chal_window_us >= 1000000) {
		st->chal_window_us = st->now_us;
		st->chal_sent = 0;
	}
	if (st->chal_sent >= limit) {
		TCP_INC(st, TCP_MIB_CHALLENGE_THROTTLED);
		return;
	}
	st->chal_sent++;
	TCP_INC(st, TCP_MIB_CHALLENGE_ACK);
	sk->flags |= TF_ACK_NOW;
	tcp_mark_dirty(sk);
}

static void schedule_ack(struct tcp_sock *sk, bool now)
{
	if (now) {
		sk->flags |= TF_ACK_NOW;
	} else if (!(sk->flags & TF_DELACK)) {
		sk->flags |= TF_DELACK;
		sk->t_delack = sk->stack->now_us + TCP_DELACK_US;
		tcp_timer_update(sk);
	}
	tcp_mark_dirty(sk);
}

/*
 * RFC 2883 4: the first SACK block of the next ACK reports [a, b), bytes
 * received twice. One block is kept, as Linux's tcp_dsack_set/_extend: a range
 * touching the pending one widens it, another replaces it (counted anew).
 */
static void dsack_set(struct tcp_sock *sk, uint64_t a, uint64_t b, enum tcp_mib c)
{
	if (!(sk->flags & TF_SACK_OK) || a >= b)
		return;
	if (tcp_dsack_pending(sk) && a <= sk->dsack_end && b >= sk->dsack_start) {
		sk->dsack_start = RTE_MIN(a, sk->dsack_start);
		sk->dsack_end = RTE_MAX(b, sk->dsack_end);
		return;
	}
	TCP_INC(sk->stack, c);
	sk->dsack_start = a;
	sk->dsack_end = b;
}

/* RFC 2883 4 (Linux's tcp_send_dupack): payload below RCV.NXT came again. A
 * keepalive without payload duplicates nothing; nothing lies before position 1. */
static void dsack_old(struct tcp_sock *sk, const struct tcp_seg *seg, int64_t pos)
{
	int64_t nxt = (int64_t)sk->rcv.nxt;

	if (seg->len == 0 || pos >= nxt)
		return;
	dsack_set(sk, (uint64_t)RTE_MAX(pos, (int64_t)1), (uint64_t)RTE_MIN(pos + seg->len, nxt),
		  TCP_MIB_DSACK_OLD_SENT);
}

/* RFC 2883 4.1: [a, b) overlaps data held out of order (Linux's
 * tcp_data_queue_ofo, tcp_ofo_queue): the first overlap is reported. */
static void dsack_ofo(struct tcp_sock *sk, uint64_t a, uint64_t b)
{
	const struct seq_ranges *r = &sk->rcv;

	for (uint8_t i = 0; i < r->n && r->r[i].start < b; i++)
		if (r->r[i].end > a) {
			dsack_set(sk, RTE_MAX(a, r->r[i].start), RTE_MIN(b, r->r[i].end), TCP_MIB_DSACK_OFO_SENT);
			return;
		}
}

static void rcv_syn_sent(struct tcp_sock *sk, struct tcp_seg *seg)
{
	struct tcp_stack *st = sk->stack;
	bool ack = seg->flags & RTE_TCP_ACK_FLAG;

	/* RFC 9293 3.10.7.3 */
	if (ack && seg->ack != tcp_seq_of(sk, 1)) {
		if (!(seg->flags & RTE_TCP_RST_FLAG))
			tcp_send_ack(sk);   /* the RFC's RST; an ACK is harmless too */
		return;
	}
	if (seg->flags & RTE_TCP_RST_FLAG) {
		if (ack) {
			TCP_INC(st, TCP_MIB_ATTEMPT_FAILS);
			TCP_INC(st, TCP_MIB_IN_RSTS);
			tcp_done(sk, -ECONNREFUSED);
		}
		return;
	}
	if (!(seg->flags & RTE_TCP_SYN_FLAG))
		return;
	/* A ULP's SYN/ACK options (MP_CAPABLE's key, MP_JOIN's HMAC): it may refuse them. */
	if (ack && sk->ulp && sk->ulp->rx_segment &&
	    (sk->ulp->rx_segment(sk, seg) < 0 || sk->state != TCP_SYN_SENT))
		return;
	sk->irs = seg->seq;
	sk->rcv.nxt = 1;
	sk->rcv_adv = 1;
	tcp_apply_syn_options(sk, seg);
	tcp_ecn_syn_sent_rcv(sk, seg);
	sk->snd_wnd = sk->max_snd_wnd = seg->wnd;
	if (!ack) {
		/* Simultaneous open (RFC 9293 3.5, figure 8). */
		tcp_set_state(sk, TCP_SYN_RCVD);
		tcp_send_syn(sk, true);
		return;
	}
	sk->snd_una = 1;
	sk->snd_wl1 = 0;
	sk->snd_wl2 = 1;
	if (sk->retries == 0)
		tcp_rtt_sample(sk, (uint32_t)(st->now_us - sk->rtt_ts));
	sk->retries = 0;
	sk->t_rto = 0;
	sk->t_conn = 0;
	tcp_timer_update(sk);
	tcp_set_state(sk, TCP_ESTABLISHED);
	schedule_ack(sk, true);
	if (sk->ulp && sk->ulp->established)
		sk->ulp->established(sk);
	if (sk->state == TCP_ESTABLISHED && sk->ops && sk->ops->established)
		sk->ops->established(sk);
}

static void enter_time_wait(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;

	if (st->conf.max_timewait && st->n_timewait >= st->conf.max_timewait) {
		/* Table full: close now, as Linux does past tcp_max_tw_buckets. */
		TCP_INC(st, TCP_MIB_TW_OVERFLOW);
		schedule_ack(sk, true);
		tcp_output(sk);
		tcp_done(sk, 0);
		return;
	}
	st->n_timewait++;
	tcp_set_state(sk, TCP_TIME_WAIT);
	sk->t_rto = 0;
	sk->t_persist = 0;
	sk->t_tw = sk->stack->now_us + sk->stack->conf.timewait_us + 1;
	tcp_timer_update(sk);
	/*
	 * Both streams ended and were acknowledged: the owner's part is over. A
	 * plain socket keeps its 2MSL duty alone (as Linux's timewait sockets do)
	 * and its owner is told now (closed, err 0), so that the relay's buffers
	 * go at once instead of 2MSL later; what is left answers FINs and SYNs.
	 * A subflow stays with its ULP, which still needs it.
	 */
	if (sk->ulp == NULL && sk->ops != NULL) {
		const struct tcp_sock_ops *ops = sk->ops;

		sk->ops = NULL;
		sk->rxp = NULL;
		sk->txp = NULL;
		if (ops->closed)
			ops->closed(sk, 0);
		sk->user = NULL;
	}
}

/* Our FIN was acknowledged. */
static void fin_acked(struct tcp_sock *sk)
{
	switch (sk->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(sk, TCP_FIN_WAIT_2);
		break;
	case TCP_CLOSING:
		enter_time_wait(sk);
		break;
	case TCP_LAST_ACK:
		tcp_done(sk, 0);
		break;
	default:
		break;
	}
}

/* RFC 5681 / RFC 6582 (NewReno) on a new cumulative ACK. */
static void cc_ack(struct tcp_sock *sk, uint64_t acked, uint64_t ack)
{
	if (sk->flags & TF_RECOVERY) {
		if (ack >= sk->recover) {
			sk->flags &= ~TF_RECOVERY;
			sk->cwnd = sk->ssthresh;
		} else if (sk->flags & TF_SACK_OK) {
			tcp_mark_dirty(sk);     /* PRR sets cwnd (tcp_recovery_ack) */
		} else {
			/* Partial ACK: resend the next hole, deflate by what was acked. */
			tcp_retransmit_una(sk);
			sk->cwnd = sk->cwnd > acked ? (uint32_t)(sk->cwnd - acked) + sk->mss : sk->mss;
		}
		return;
	}
	/* RFC 7661: cwnd grows only when it limited the flight; in slow start up
	 * to twice the largest flight of the round (as Linux's tcp_is_cwnd_limited). */
	if (!sk->cwnd_limited && !(sk->cwnd < sk->ssthresh && sk->cwnd < 2ull * sk->max_flight))
		return;
	sk->cc_ops->on_ack(sk, acked);
}

static void cc_dupack(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;

	if (sk->flags & TF_SACK_OK)
		return;     /* RACK decides what is lost (tcp_recovery_ack) */
	if (++sk->dupacks == 3 && !(sk->flags & (TF_RECOVERY | TF_LOSS))) {
		sk->cc_ops->on_congestion(sk);
		sk->recover = sk->snd_max;
		sk->flags |= TF_RECOVERY;
		TCP_INC(st, TCP_MIB_RENO_RECOVERY);
		TCP_INC(st, TCP_MIB_FAST_RETRANS);
		tcp_retransmit_una(sk);
		sk->cwnd = sk->ssthresh + 3u * sk->mss;
	} else if (sk->dupacks > 3 && (sk->flags & TF_RECOVERY)) {
		sk->cwnd += sk->mss;
		tcp_mark_dirty(sk);
	}
}

/* The ACK field. Returns false when the segment must be dropped. */
static bool rcv_ack(struct tcp_sock *sk, struct tcp_seg *seg, int64_t pos)
{
	struct tcp_stack *st = sk->stack;
	uint64_t ack = seq_extend(sk->snd_una, seg->ack - sk->iss);
	/* How far SEG.ACK is below SND.UNA in sequence space (0 if not below). */
	int32_t d = (int32_t)(seg->ack - sk->iss - (uint32_t)sk->snd_una);
	uint32_t behind = d < 0 ? (uint32_t)-(int64_t)d : 0;
	uint32_t wnd = (uint32_t)seg->wnd << sk->snd_wscale;
	struct tcp_ackinfo ai = { .prior_una = sk->snd_una, .orig_lo = UINT64_MAX };

	if (sk->state == TCP_SYN_RCVD) {
		if (ack != 1) {
			/* RFC 9293 3.10.7.4: <SEQ=SEG.ACK><CTL=RST> */
			tcp_send_rst_for(st, seg, sk->route);
			return false;
		}
		sk->snd_una = 1;
		sk->snd_wnd = wnd;
		if (wnd > sk->max_snd_wnd)
			sk->max_snd_wnd = wnd;
		sk->snd_wl1 = (uint64_t)pos;
		sk->snd_wl2 = ack;
		if (sk->retries == 0)   /* Karn: only an unretransmitted SYN/ACK is timed */
			tcp_rtt_sample(sk, (uint32_t)(st->now_us - sk->rtt_ts));
		sk->retries = 0;
		sk->t_rto = 0;
		tcp_timer_update(sk);
		tcp_set_state(sk, TCP_ESTABLISHED);
		if (sk->ops && sk->ops->established)
			sk->ops->established(sk);
		if (sk->state != TCP_CLOSED && sk->ulp && sk->ulp->established)
			sk->ulp->established(sk);
		if (sk->state == TCP_CLOSED)
			return false;
	}
	if (behind > sk->max_snd_wnd) {
		/* RFC 5961 5.2: older than any window the peer offered (in sequence
		 * space: before the ISS too), a blind injection's guess: the segment
		 * is dropped and answered with a (rate-limited) challenge ACK, as
		 * Linux's TCP_TOO_OLD_ACK. */
		TCP_INC(st, TCP_MIB_TOO_OLD_ACK);
		tcp_challenge_ack(sk);
		return false;
	}
	if (ack > sk->snd_max) {
		/* RFC 9293 3.10.7.4: acks something not yet sent (or, early on, an
		 * old ACK from before the ISS: no peer that took our SYN sends one). */
		schedule_ack(sk, true);
		return false;
	}
	if ((sk->flags & TF_SACK_OK) && ack >= sk->snd_una)
		tcp_sack_ack(sk, seg, ack, &ai);
	if (ack > sk->snd_una) {
		uint64_t acked = ack - sk->snd_una;
		uint64_t data_acked = acked - (sk->snd_una == 0 ? 1 : 0);   /* our SYN is not data */
		uint64_t end = tcp_tx_end(sk);
		uint32_t rtt = tcp_rack_rtt(sk, sk->snd_una, ack);

		/* RFC 6298 with Karn's rule: the transmit log's microseconds when no
		 * retransmission was acknowledged (as Linux's seq_rtt_us), else the
		 * echoed timestamp (RFC 7323 4.1, milliseconds). */
		if (rtt) {
			tcp_rtt_sample(sk, rtt);
		} else if ((sk->flags & TF_TS_OK) && seg->opt.ts && seg->opt.tsecr) {
			uint32_t ms = (uint32_t)(st->now_us / 1000) - seg->opt.tsecr;

			if (ms < 60000)
				tcp_rtt_sample(sk, ms * 1000 + 500);
		} else if (sk->rtt_pos && ack >= sk->rtt_pos) {
			tcp_rtt_sample(sk, (uint32_t)(st->now_us - sk->rtt_ts));
		}
		if (sk->rtt_pos && ack >= sk->rtt_pos)
			sk->rtt_pos = 0;
		sk->snd_una = ack;
		if ((sk->flags & TF_LOSS) && ack >= sk->recover)
			sk->flags &= ~TF_LOSS;      /* all sent before the RTO is acknowledged */
		if (sk->snd_nxt < ack)
			sk->snd_nxt = ack;
		sk->retries = 0;
		if (sk->txp && !(sk->flags & TF_NO_TX_FREE))
			tcp_pipe_consume(sk->txp, (uint64_t)((int64_t)(ack < end ? ack : end) + sk->tx_off));
		if (sk->ulp && sk->ulp->acked)
			sk->ulp->acked(sk, ack);
		cc_ack(sk, acked, ack);
		sk->dupacks = 0;
		if (sk->snd_una < sk->snd_max) {
			tcp_rto_arm(sk);
		} else {
			sk->t_rto = 0;
			tcp_timer_update(sk);
		}
		if ((sk->flags & TF_FIN_SENT) && ack == end + 1)
			fin_acked(sk);
		if (sk->state == TCP_CLOSED)
			return false;
		if (data_acked > 0 && !(sk->flags & TF_NO_TX_FREE) && sk->ops && sk->ops->writable)
			sk->ops->writable(sk);
		tcp_mark_dirty(sk);
	} else if (ack == sk->snd_una && seg->len == 0 && !(seg->flags & RTE_TCP_FIN_FLAG) &&
		   (wnd == sk->snd_wnd || ai.news) && sk->snd_max > sk->snd_una) {
		cc_dupack(sk);
	}
	ai.dup = ack == ai.prior_una && seg->len == 0 && !(seg->flags & RTE_TCP_FIN_FLAG) && wnd == sk->snd_wnd;
	/* RFC 9293 3.10.7.4 window update rule (SND.WL1 / SND.WL2). */
	if ((uint64_t)pos > sk->snd_wl1 || ((uint64_t)pos == sk->snd_wl1 && ack >= sk->snd_wl2)) {
		bool opened = sk->snd_wnd == 0 && wnd > 0;

		sk->snd_wnd = wnd;
		if (wnd > sk->max_snd_wnd)
			sk->max_snd_wnd = wnd;
		sk->snd_wl1 = (uint64_t)pos;
		sk->snd_wl2 = ack;
		if (opened) {
			sk->t_persist = 0;
			tcp_timer_update(sk);
			tcp_mark_dirty(sk);
		}
	}
	if ((sk->flags & TF_SACK_OK) && ack >= sk->snd_una) {
		ai.tsecr = (sk->flags & TF_TS_OK) && seg->opt.ts ? seg->opt.tsecr : 0;
		tcp_recovery_ack(sk, &ai);
	}
	return true;
}

static void rcv_fin(struct tcp_sock *sk)
{
	bool time_wait = false;

	sk->flags |= TF_PEER_FIN;
	sk->rcv_fin_pos = -1;
	schedule_ack(sk, true);
	switch (sk->state) {
	case TCP_ESTABLISHED:
		tcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		/* Our FIN not yet acked (else we'd be in FIN_WAIT_2). */
		tcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		time_wait = true;     /* after the owner heard of the FIN */
		break;
	default:
		return;
	}
	if (sk->ulp && sk->ulp->peer_fin)
		sk->ulp->peer_fin(sk);
	else if (sk->ops && sk->ops->peer_fin)
		sk->ops->peer_fin(sk);
	if (time_wait && sk->state == TCP_FIN_WAIT_2)
		enter_time_wait(sk);
}

static void rcv_data(struct tcp_sock *sk, struct tcp_seg *seg, int64_t pos)
{
	struct tcp_stack *st = sk->stack;
	uint64_t nxt = sk->rcv.nxt;
	uint64_t wnd_end = sk->rcv.nxt + tcp_rcv_space(sk);
	bool had_holes = sk->rcv.n > 0;
	uint64_t start, end;
	int64_t adv, w;

	if (wnd_end < sk->rcv_adv)
		wnd_end = sk->rcv_adv;
	start = pos < (int64_t)nxt ? nxt : (uint64_t)pos;
	end = (uint64_t)pos + seg->len;
	if (end > wnd_end)
		end = wnd_end;
	/* One D-SACK per segment: its old head, else what it repeats of the queue. */
	if (pos < (int64_t)nxt)
		dsack_old(sk, seg, pos);
	else
		dsack_ofo(sk, start, end);
	if (end <= start) {
		TCP_INC(st, TCP_MIB_DUP_DATA);
		schedule_ack(sk, true);
		return;
	}
	if (sk->ulp && sk->ulp->rx_data) {
		w = sk->ulp->rx_data(sk, start, seg->data + (start - (uint64_t)pos), (uint32_t)(end - start), seg);
	} else {
		/* What the pipe can hold: less than the window offered when memory
		 * pressure made an empty pipe start again smaller (tcp_buf.c ring_get).
		 * Bytes past it are not acknowledged: the sender sends them again. */
		uint64_t plim = (uint64_t)((int64_t)(sk->rxp->head + sk->rxp->cap) - sk->rx_off);

		if (end > plim) {
			end = plim;
			if (end <= start) {
				TCP_INC(st, TCP_MIB_RCVQ_DROP);
				schedule_ack(sk, true);
				return;
			}
		}
		w = tcp_pipe_write(sk->rxp, (uint64_t)((int64_t)start + sk->rx_off),
				   seg->data + (start - (uint64_t)pos), (uint32_t)(end - start));
	}
	if (sk->state == TCP_CLOSED)
		return;     /* the ULP reset the connection (and counted why) */
	if (w < 0) {
		/* No ring within the memory budget, or the out-of-order table full:
		 * dropped, the sender sends it again. */
		TCP_INC(st, w == -ENOMEM ? TCP_MIB_RCVQ_DROP : TCP_MIB_OFO_DROP);
		schedule_ack(sk, true);
		return;
	}
	adv = seq_ranges_add(&sk->rcv, start, end);
	if (adv < 0) {
		TCP_INC(st, TCP_MIB_OFO_DROP);
		schedule_ack(sk, true);
		return;
	}
	if (start > nxt) {
		/* RFC 5681 4.2: out of order -> an immediate duplicate ACK (with SACK),
		 * one per segment as the sender counts them. */
		TCP_INC(st, TCP_MIB_OFO_QUEUE);
		memmove(&sk->sack_recent[1], &sk->sack_recent[0], sizeof(sk->sack_recent) - sizeof(uint64_t));
		sk->sack_recent[0] = start;
		tcp_send_ack(sk);
		return;
	}
	if (adv > 0 && !sk->ulp && sk->ops && sk->ops->readable)
		sk->ops->readable(sk);
	if (sk->state == TCP_CLOSED)
		return;
	/* RFC 9293 3.8.6.3 / RFC 1122: ACK at least every second segment; RFC
	 * 5681 4.2: at once when the segment filled (part of) a hole. */
	sk->unacked_segs++;
	schedule_ack(sk, had_holes || sk->unacked_segs >= 2 || tcp_dsack_pending(sk));
}

/*
 * Receive buffer autotuning (dynamic right-sizing, as Linux's
 * tcp_rcv_space_adjust): once per RTT, a peer that delivered half the ring
 * or more was limited by our window: the ring grows to four times that, up
 * to its maximum and within the lcore's memory budget. Delivered is counted
 * in the ring, not on this socket: MPTCP subflows share one ring (one
 * data-level window), and the subflow with the longest RTT must see all that
 * the connection delivered in it (Linux's mptcp_rcv_space_adjust takes the
 * largest subflow RTT), else the window stays at what the fastest path alone
 * needs and caps the others.
 */
static void rcv_autotune(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;
	struct tcp_pipe *p = sk->rxp;
	uint64_t rtt = sk->srtt_us ? sk->srtt_us : 1000, delivered;

	if (p == NULL || p->cap >= p->max_cap)
		return;
	if (sk->at_ts == 0 || st->now_us < sk->at_ts) {
		sk->at_ts = st->now_us;
		sk->at_pos = p->rx.nxt;
		return;
	}
	if (st->now_us - sk->at_ts < rtt)
		return;
	delivered = p->rx.nxt - sk->at_pos;
	if (delivered * 2 >= p->cap) {
		int r = tcp_pipe_grow(p, (uint32_t)(delivered * 4 < p->max_cap ? delivered * 4 : p->max_cap));

		if (r == 0) {
			TCP_INC(st, TCP_MIB_RCVBUF_GROWN);
			sk->flags |= TF_ACK_NOW;   /* tell the sender at once */
			tcp_mark_dirty(sk);
		} else if (r == -ENOSPC) {
			TCP_INC(st, TCP_MIB_RCVBUF_LIMITED);
		}
	}
	sk->at_ts = st->now_us;
	sk->at_pos = p->rx.nxt;
}

void tcp_rcv(struct tcp_sock *sk, struct tcp_seg *seg)
{
	struct tcp_stack *st = sk->stack;
	int64_t pos = (int64_t)seq_extend(sk->rcv.nxt, seg->seq - sk->irs);
	uint64_t wnd_end, una;
	bool acceptable;

	if (sk->state == TCP_SYN_SENT) {
		rcv_syn_sent(sk, seg);
		return;
	}
	/* A retransmitted SYN: our SYN/ACK was lost. */
	if (sk->state == TCP_SYN_RCVD && (seg->flags & RTE_TCP_SYN_FLAG) &&
	    !(seg->flags & RTE_TCP_ACK_FLAG) && seg->seq == sk->irs) {
		tcp_send_syn(sk, true);
		return;
	}
	/* RFC 7323 5.3 PAWS: a timestamp older than TS.Recent marks an old duplicate. */
	if (seg->opt.ts && (sk->flags & TF_TS_OK) && !(seg->flags & RTE_TCP_RST_FLAG) &&
	    (int32_t)(sk->ts_recent - seg->opt.tsval) > TCP_PAWS_WINDOW) {
		TCP_INC(st, TCP_MIB_PAWS_ESTAB);
		dsack_old(sk, seg, pos);
		schedule_ack(sk, true);
		return;
	}
	if (seg->opt.ts && (sk->flags & TF_TS_OK) && pos <= (int64_t)sk->rcv.nxt &&
	    (int32_t)(seg->opt.tsval - sk->ts_recent) >= 0)
		sk->ts_recent = seg->opt.tsval;
	if (sk->keep_idle_ms) {
		sk->keep_sent = 0;
		sk->t_keep = st->now_us + sk->keep_idle_ms * 1000ull;   /* later than filed: no re-filing */
		tcp_timer_update(sk);
	}
	if (sk->idle_ms && seg->len) {
		sk->t_idle = st->now_us + sk->idle_ms * 1000ull;
		tcp_timer_update(sk);
	}

	/* RFC 9293 3.10.7.4 first check: is the segment in the window? */
	wnd_end = sk->rcv.nxt + tcp_rcv_space(sk);
	if (wnd_end < sk->rcv_adv)
		wnd_end = sk->rcv_adv;
	if (seg->len == 0)
		acceptable = pos >= (int64_t)sk->rcv.nxt && pos <= (int64_t)wnd_end;
	else
		acceptable = pos < (int64_t)wnd_end && pos + seg->len > (int64_t)sk->rcv.nxt;
	if (!acceptable) {
		if (seg->flags & RTE_TCP_RST_FLAG) {
			TCP_INC(st, TCP_MIB_RST_OUT_OF_WINDOW);
		} else {
			TCP_INC(st, TCP_MIB_OUT_OF_WINDOW);
			dsack_old(sk, seg, pos);
			if (sk->state == TCP_TIME_WAIT && (seg->flags & RTE_TCP_FIN_FLAG)) {
				sk->t_tw = st->now_us + st->conf.timewait_us + 1;
				tcp_timer_update(sk);
			}
			schedule_ack(sk, true);
		}
		return;
	}
	/* RFC 5961 3.2: only an exact RST resets; an in-window one gets a challenge ACK. */
	if (seg->flags & RTE_TCP_RST_FLAG) {
		if (pos == (int64_t)sk->rcv.nxt || (sk->flags & TF_PEER_FIN && pos == (int64_t)sk->rcv.nxt + 1)) {
			TCP_INC(st, TCP_MIB_IN_RSTS);
			/* Acceptable: now the ULP may act on what it carries (MP_FASTCLOSE). */
			if (sk->ulp && sk->ulp->rx_reset)
				sk->ulp->rx_reset(sk, seg);
			/* Both streams were complete: the peer just forgot us early. */
			if (sk->state == TCP_TIME_WAIT) {
				tcp_done(sk, 0);
				return;
			}
			if (sk->state == TCP_ESTABLISHED || sk->state == TCP_CLOSE_WAIT)
				TCP_INC(st, TCP_MIB_ESTAB_RESETS);
			tcp_done(sk, sk->state == TCP_SYN_RCVD ? -ECONNREFUSED : -ECONNRESET);
		} else {
			tcp_challenge_ack(sk);
		}
		return;
	}
	/* RFC 5961 4: a SYN in a synchronized state gets a challenge ACK. */
	if (seg->flags & RTE_TCP_SYN_FLAG) {
		tcp_challenge_ack(sk);
		return;
	}
	if (!(seg->flags & RTE_TCP_ACK_FLAG)) {
		TCP_INC(st, TCP_MIB_NO_ACK_DROP);   /* RFC 9293 3.10.7.4 fifth check */
		return;
	}
	/* RFC 9293 3.10.7.4: in SYN_RCVD an ACK that does not acknowledge our SYN
	 * gets a RST; the ULP sees only a handshake's real third ACK. */
	if (sk->state == TCP_SYN_RCVD && seq_extend(sk->snd_una, seg->ack - sk->iss) != 1) {
		tcp_send_rst_for(st, seg, sk->route);
		return;
	}
	if (sk->ulp && sk->ulp->rx_segment) {
		if (sk->ulp->rx_segment(sk, seg) < 0)
			return;
	} else if (seg->opt.n_mptcp) {
		/* RFC 8684 3.1: a connection whose SYN had no MP_CAPABLE is plain TCP;
		 * MPTCP options later on it mean nothing. */
		TCP_INC(st, TCP_MIB_MPTCP_OPT_PLAIN);
	}
	if (sk->state == TCP_CLOSED)
		return;
	una = sk->snd_una;
	if (!rcv_ack(sk, seg, pos))
		return;
	tcp_ecn_rcv(sk, seg, una);

	switch (sk->state) {
	case TCP_ESTABLISHED: case TCP_FIN_WAIT_1: case TCP_FIN_WAIT_2:
		if (seg->len) {
			rcv_data(sk, seg, pos);
			if (sk->state != TCP_CLOSED)
				rcv_autotune(sk);
		}
		break;
	case TCP_TIME_WAIT:
		if (seg->flags & RTE_TCP_FIN_FLAG) {
			/* The peer's FIN again: our ACK was lost. Restart 2MSL. */
			sk->t_tw = st->now_us + st->conf.timewait_us + 1;
			tcp_timer_update(sk);
			schedule_ack(sk, true);
		}
		return;
	default:
		break;
	}
	if (sk->state == TCP_CLOSED)
		return;
	if ((seg->flags & RTE_TCP_FIN_FLAG) && !(sk->flags & TF_PEER_FIN)) {
		int64_t fpos = pos + seg->len;

		if (fpos == (int64_t)sk->rcv.nxt)
			rcv_fin(sk);
		else if (fpos > (int64_t)sk->rcv.nxt)
			sk->rcv_fin_pos = fpos;   /* wait for the bytes before it */
	} else if (sk->rcv_fin_pos >= 0 && sk->rcv_fin_pos == (int64_t)sk->rcv.nxt &&
		   !(sk->flags & TF_PEER_FIN)) {
		rcv_fin(sk);
	}
}

/*
 * The TCP header at th (l4len bytes to the end of the payload) checked and
 * read into *seg; false: counted and to be dropped. cksum_ok is the family's
 * pseudo-header check.
 */
static bool seg_parse(struct tcp_stack *st, struct rte_mbuf *m, struct rte_tcp_hdr *th, uint32_t l4len,
		      bool cksum_ok, struct tcp_seg *seg)
{
	uint32_t doff;

	if (l4len < sizeof(*th)) {
		TCP_INC(st, TCP_MIB_IN_ERRS);
		return false;
	}
	doff = (th->data_off >> 4) * 4u;
	if (doff < sizeof(*th) || doff > l4len) {
		TCP_INC(st, TCP_MIB_IN_ERRS);
		return false;
	}
	if (!cksum_ok) {
		TCP_INC(st, TCP_MIB_IN_CSUM_ERRORS);
		TCP_INC(st, TCP_MIB_IN_ERRS);
		return false;
	}
	TCP_INC(st, TCP_MIB_IN_SEGS);
	seg->flags = th->tcp_flags;
	if (tcp_parse_options((uint8_t *)(th + 1), doff - sizeof(*th), seg->flags & RTE_TCP_SYN_FLAG,
			      &seg->opt) < 0) {
		TCP_INC(st, TCP_MIB_IN_ERRS);
		return false;
	}
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->len = (uint16_t)(l4len - doff);
	seg->data = (uint8_t *)th + doff;
	seg->m = m;
	return true;
}

/* A segment for sk, or for a socket that TIME_WAIT gives up to its new SYN: false then. */
static bool to_sock(struct tcp_sock *sk, struct tcp_seg *seg)
{
	/* RFC 6191: a new SYN ends TIME_WAIT when its timestamp is newer (both
	 * sides use timestamps) or else its sequence number is above the old one. */
	bool newer = (sk->flags & TF_TS_OK) && seg->opt.ts ? (int32_t)(seg->opt.tsval - sk->ts_recent) > 0 :
							       seq_gt(seg->seq, tcp_ack_of(sk));

	if (sk->state == TCP_TIME_WAIT && (seg->flags & RTE_TCP_SYN_FLAG) && !(seg->flags & RTE_TCP_ACK_FLAG) &&
	    newer) {
		TCP_INC(sk->stack, TCP_MIB_TW_RECYCLED);
		tcp_done(sk, 0);
		return false;
	}
	tcp_rcv(sk, seg);
	return true;
}

/* A segment no socket took: a listener's SYN, a cookie's ACK, or a RST. */
static void no_sock(struct tcp_stack *st, struct tcp_seg *seg, const struct tcp_4tuple *t, void *route)
{
	uint8_t f = seg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG);

	if (f == RTE_TCP_SYN_FLAG) {
		tcp_passive_open(st, seg, t, route);
	} else if (f == RTE_TCP_ACK_FLAG && tcp_cookie_open(st, seg, t, route)) {
		return;
	} else if (!(f & (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)) && tcp_listener_find(st, t)) {
		/* RFC 9293 3.10.7.2, LISTEN, fourth: neither SYN, RST nor ACK: dropped. */
		TCP_INC(st, TCP_MIB_NO_ACK_DROP);
	} else if (!(f & RTE_TCP_RST_FLAG)) {
		TCP_INC(st, TCP_MIB_NO_PORT);
		tcp_send_rst_for(st, seg, route);
	} else {
		/* RFC 9293 3.10.7.1 (CLOSED) and 3.10.7.2 (LISTEN): a RST is ignored. */
		TCP_INC(st, TCP_MIB_RST_NO_SOCKET);
	}
}

void tcp_input(struct tcp_stack *st, struct rte_mbuf *m, void *route, uint64_t now_us)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	struct tcp_flow_key key;
	struct rte_tcp_hdr *th;
	struct tcp_seg seg;
	void *data = NULL;

	st->now_us = now_us;
	if (tot < ihl + sizeof(*th) || rte_pktmbuf_data_len(m) < tot) {
		TCP_INC(st, TCP_MIB_IN_ERRS);
		goto drop;
	}
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	if (!seg_parse(st, m, th, tot - ihl, net_tcp_cksum_ok(ip, th, tot - ihl), &seg))
		goto drop;
	seg.v6 = false;
	seg.l4off = ihl;
	seg.ecn = ip->type_of_service & IP_ECN_MASK;

	key.laddr = rte_be_to_cpu_32(ip->dst_addr);
	key.raddr = rte_be_to_cpu_32(ip->src_addr);
	key.lport = rte_be_to_cpu_16(th->dst_port);
	key.rport = rte_be_to_cpu_16(th->src_port);
	if (rte_hash_lookup_data(st->flows, &key, &data) < 0 || !to_sock(data, &seg)) {
		struct tcp_4tuple t = {.laddr = key.laddr, .raddr = key.raddr, .lport = key.lport, .rport = key.rport};

		no_sock(st, &seg, &t, route);
	}
drop:
	rte_pktmbuf_free(m);
}

void tcp_input_intercepted(struct tcp_stack *st, struct rte_mbuf *m, void *route, uint64_t now_us)
{
	st->in_intercepted = true;
	tcp_input(st, m, route, now_us);
	st->in_intercepted = false;
}

void tcp_input6(struct tcp_stack *st, struct rte_mbuf *m, uint16_t l4off, uint16_t l4len, void *route,
		uint64_t now_us)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + l4off);
	struct tcp_flow_key6 key;
	struct tcp_seg seg;
	void *data = NULL;

	st->now_us = now_us;
	if ((uint32_t)l4off + l4len > rte_pktmbuf_data_len(m) || st->flows6 == NULL) {
		TCP_INC(st, TCP_MIB_IN_ERRS);
		goto drop;
	}
	if (!seg_parse(st, m, th, l4len, l4len >= sizeof(*th) && net_ip6_l4_cksum_ok(ip, IPPROTO_TCP, th, l4len),
		       &seg))
		goto drop;
	seg.v6 = true;
	seg.l4off = l4off;
	seg.ecn = (uint8_t)(rte_be_to_cpu_32(ip->vtc_flow) >> 20) & IP_ECN_MASK;

	memcpy(key.laddr, ip->dst_addr, 16);
	memcpy(key.raddr, ip->src_addr, 16);
	key.lport = rte_be_to_cpu_16(th->dst_port);
	key.rport = rte_be_to_cpu_16(th->src_port);
	if (rte_hash_lookup_data(st->flows6, &key, &data) < 0 || !to_sock(data, &seg)) {
		struct tcp_4tuple t = {.v6 = true, .laddr = tcp_ip6_fold(key.laddr), .raddr = tcp_ip6_fold(key.raddr),
				       .laddr6 = ip->dst_addr, .raddr6 = ip->src_addr,
				       .lport = key.lport, .rport = key.rport};

		no_sock(st, &seg, &t, route);
	}
drop:
	rte_pktmbuf_free(m);
}

void tcp_input_intercepted6(struct tcp_stack *st, struct rte_mbuf *m, uint16_t l4off, uint16_t l4len,
			    void *route, uint64_t now_us)
{
	st->in_intercepted = true;
	tcp_input6(st, m, l4off, l4len, route, now_us);
	st->in_intercepted = false;
}

/* The socket an ICMP error quotes (th: the quoted TCP header of a segment we
 * sent), if its sequence number is in flight (RFC 5927 4.1); NULL: counted, ignored. */
static struct tcp_sock *icmp_sock(struct tcp_stack *st, const struct tcp_4tuple *t, const struct rte_tcp_hdr *th)
{
	struct tcp_sock *sk = tcp_flow_lookup(st, t);
	uint64_t pos;

	if (sk != NULL) {
		pos = seq_extend(sk->snd_una, rte_be_to_cpu_32(th->sent_seq) - sk->iss);
		if (pos >= sk->snd_una && pos < (sk->snd_max > sk->snd_una ? sk->snd_max : sk->snd_una + 1))
			return sk;
	}
	TCP_INC(st, TCP_MIB_ICMP_IGNORED);
	return NULL;
}

/* A smaller path MTU (mss: what it leaves for payload): the big segments were dropped, send again in the new size. */
static void icmp_path_mss(struct tcp_sock *sk, uint32_t mss)
{
	sk->mss = (uint16_t)mss;
	TCP_INC(sk->stack, TCP_MIB_ICMP_FRAG_NEEDED);
	sk->snd_nxt = sk->snd_una;
	tcp_mark_dirty(sk);
}

/* RFC 1122 4.2.3.9: a hard error fails a connect. */
static void icmp_refused(struct tcp_sock *sk)
{
	TCP_INC(sk->stack, TCP_MIB_ICMP_REFUSED);
	TCP_INC(sk->stack, TCP_MIB_ATTEMPT_FAILS);
	tcp_done(sk, -ECONNREFUSED);
}

void tcp_icmp_input(struct tcp_stack *st, uint8_t type, uint8_t code, uint16_t mtu,
		    const uint8_t *inner, uint32_t inner_len, uint64_t now_us)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)inner;
	const struct rte_tcp_hdr *th;
	struct tcp_4tuple t;
	struct tcp_sock *sk;
	uint32_t ihl;

	st->now_us = now_us;
	if (inner_len < sizeof(*ip) || (ihl = (ip->version_ihl & 0xf) * 4u) < sizeof(*ip) ||
	    inner_len < ihl + 8 || ip->next_proto_id != IPPROTO_TCP) {
		TCP_INC(st, TCP_MIB_ICMP_IGNORED);
		return;
	}
	th = (const struct rte_tcp_hdr *)(inner + ihl);
	/* The quoted packet is one we sent: we are its source. */
	t = (struct tcp_4tuple){.laddr = rte_be_to_cpu_32(ip->src_addr), .raddr = rte_be_to_cpu_32(ip->dst_addr),
				.lport = rte_be_to_cpu_16(th->src_port), .rport = rte_be_to_cpu_16(th->dst_port)};
	if ((sk = icmp_sock(st, &t, th)) == NULL)
		return;
	if (type == 3 && code == 4) {
		/* RFC 1191: lower the MSS to the next hop MTU; ignore bogus values
		 * (below 576 as Linux's min_pmtu 552 guards, or not a decrease). */
		if (mtu < 576 || mtu - 40 >= sk->mss) {
			TCP_INC(st, TCP_MIB_ICMP_IGNORED);
			return;
		}
		icmp_path_mss(sk, mtu - 40u);
		return;
	}
	if (type == 3 && (code == 2 || code == 3) && sk->state == TCP_SYN_SENT) {
		/* protocol / port unreachable */
		icmp_refused(sk);
		return;
	}
	TCP_INC(st, TCP_MIB_ICMP_IGNORED);   /* soft errors: the retransmission timer decides */
}

void tcp_icmp6_input(struct tcp_stack *st, uint8_t type, uint8_t code, uint32_t info, const uint8_t *inner,
		     uint32_t inner_len, uint64_t now_us)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)inner;
	const struct rte_tcp_hdr *th;
	struct tcp_4tuple t;
	struct tcp_sock *sk;

	st->now_us = now_us;
	/* hagd's segments carry no extension headers: TCP follows the IPv6 header. */
	if (inner_len < sizeof(*ip) + 8 || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || ip->proto != IPPROTO_TCP) {
		TCP_INC(st, TCP_MIB_ICMP_IGNORED);
		return;
	}
	th = (const struct rte_tcp_hdr *)(ip + 1);
	t = (struct tcp_4tuple){.v6 = true, .laddr6 = ip->src_addr, .raddr6 = ip->dst_addr,
				.lport = rte_be_to_cpu_16(th->src_port), .rport = rte_be_to_cpu_16(th->dst_port)};
	if ((sk = icmp_sock(st, &t, th)) == NULL)
		return;
	if (type == 2) {
		/* RFC 8201 4: never below the minimum link MTU (a smaller value is
		 * taken as 1280, as Linux's rt6_do_update_pmtu); only a decrease counts. */
		uint32_t mtu = info < 1280 ? 1280 : info;

		if (mtu - 60 >= sk->mss) {
			TCP_INC(st, TCP_MIB_ICMP_IGNORED);
			return;
		}
		icmp_path_mss(sk, mtu - 60);
		return;
	}
	/* RFC 4443 3.1 code 4 (port unreachable), and 3.4 code 1 (unrecognized
	 * Next Header, IPv4's protocol unreachable): hard errors for a connect. */
	if (((type == 1 && code == 4) || (type == 4 && code == 1)) && sk->state == TCP_SYN_SENT) {
		icmp_refused(sk);
		return;
	}
	TCP_INC(st, TCP_MIB_ICMP_IGNORED);
}

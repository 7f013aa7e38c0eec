/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender side SACK (RFC 2018, RFC 2883, RFC 6675): the scoreboard of what
 * the peer holds above the cumulative ACK, the pipe estimate, and the next
 * hole to retransmit during recovery.
 *
 * Simplification of RFC 6675 IsLost(): every hole below the highest SACKed
 * byte counts as lost once recovery started (the peer saw at least DupThresh
 * duplicate ACKs or 3 segments SACKed above snd_una to get us there).
 */
#include "tcp/tcp_internal.h"

/* Fold the SACK blocks of an ACK into the scoreboard. Returns true on new information. */
bool tcp_sack_update(struct tcp_sock *sk, const struct tcp_seg *seg, uint64_t ack)
{
	struct tcp_stack *st = sk->stack;
	uint64_t before = seq_ranges_bytes(&sk->sacked);

	seq_ranges_advance(&sk->sacked, ack);
	for (int i = 0; i < seg->opt.n_sack; i++) {
		uint64_t s = seq_extend(sk->snd_una, seg->opt.sack[i][0] - sk->iss);
		uint64_t e = seq_extend(sk->snd_una, seg->opt.sack[i][1] - sk->iss);

		if (e <= s || e - s > (1u << 30)) {
			TCP_INC(st, TCP_MIB_SACK_DISCARD);
			continue;
		}
		/* RFC 2883: a first block below the cumulative ACK (or inside the
		 * second one) reports a duplicate: our retransmission was spurious. */
		if (i == 0 && (e <= ack || (seg->opt.n_sack > 1 &&
		    s >= seq_extend(sk->snd_una, seg->opt.sack[1][0] - sk->iss) &&
		    e <= seq_extend(sk->snd_una, seg->opt.sack[1][1] - sk->iss)))) {
			TCP_INC(st, TCP_MIB_DSACK_RECV);
			/* RFC 8985 6.2.4: a spurious retransmission widens the reordering window. */
			if (sk->reo_mult < 4)
				sk->reo_mult = sk->reo_mult ? sk->reo_mult + 1 : 2;
			continue;
		}
		if (e > sk->snd_max || s < ack) {
			if (e <= ack || s >= sk->snd_max) {
				TCP_INC(st, TCP_MIB_SACK_DISCARD);
				continue;
			}
			if (s < ack)
				s = ack;
			if (e > sk->snd_max)
				e = sk->snd_max;
		}
		seq_ranges_add(&sk->sacked, s, e);   /* full scoreboard: the block is forgotten */
	}
	return seq_ranges_bytes(&sk->sacked) > before;
}

uint64_t tcp_sack_high(const struct tcp_sock *sk)
{
	const struct seq_ranges *r = &sk->sacked;

	return r->n ? r->r[r->n - 1].end : sk->snd_una;
}

/* RFC 6675 pipe: bytes in flight, less what the peer holds and the holes presumed lost. */
uint64_t tcp_pipe(const struct tcp_sock *sk)
{
	const struct seq_ranges *r = &sk->sacked;
	uint64_t flight = sk->snd_max - sk->snd_una;
	uint64_t gone = seq_ranges_bytes(r), from = sk->snd_una;

	for (int i = 0; i < r->n; i++) {
		uint64_t a = from > sk->high_rxt ? from : sk->high_rxt;

		if (r->r[i].start > a)
			gone += r->r[i].start - a;   /* a hole not yet retransmitted */
		from = r->r[i].end;
	}
	return flight > gone ? flight - gone : 0;
}

/* The first hole byte at or above HighRxt and below the highest SACK: [*pos, *pos + *len). */
bool tcp_sack_next_hole(const struct tcp_sock *sk, uint64_t *pos, uint64_t *len)
{
	const struct seq_ranges *r = &sk->sacked;
	uint64_t from = sk->snd_una;

	for (int i = 0; i < r->n; i++) {
		uint64_t a = from > sk->high_rxt ? from : sk->high_rxt;

		if (a < r->r[i].start) {
			*pos = a;
			*len = r->r[i].start - a;
			return true;
		}
		from = r->r[i].end;
	}
	return false;
}

/* Where sending from pos should go on: past a SACKed range it falls in; *lim is the next SACKed start. */
uint64_t tcp_sack_skip(const struct tcp_sock *sk, uint64_t pos, uint64_t *lim)
{
	const struct seq_ranges *r = &sk->sacked;

	*lim = UINT64_MAX;
	for (int i = 0; i < r->n; i++) {
		if (pos < r->r[i].start) {
			*lim = r->r[i].start;
			return pos;
		}
		if (pos < r->r[i].end)
			pos = r->r[i].end;
	}
	return pos;
}

void tcp_enter_recovery(struct tcp_sock *sk)
{
	sk->cc_ops->on_congestion(sk);
	sk->cwnd = sk->ssthresh;
	sk->recover = sk->snd_max;
	sk->high_rxt = sk->snd_una;
	sk->flags |= TF_RECOVERY | TF_RTX_FIRST;
	sk->rtt_pos = 0;
	sk->t_loss = 0;
	TCP_INC(sk->stack, TCP_MIB_SACK_RECOVERY);
	tcp_mark_dirty(sk);
}

/*
 * RACK-TLP, reduced to one timer per socket (RFC 8985):
 * - a hole below SACKed data that survives a reordering window (srtt/4,
 *   at least 1 ms) is lost: recovery starts without waiting for DupThresh
 *   duplicate ACKs (a short flight never produces three);
 * - a flight with no SACK and no progress for a probe timeout (2 srtt, at
 *   least 10 ms) gets a tail loss probe, so a lost tail is repaired by
 *   recovery instead of a retransmission timeout.
 */
void tcp_loss_timer_arm(struct tcp_sock *sk)
{
	uint64_t now = sk->stack->now_us, srtt = sk->srtt_us ? sk->srtt_us : TCP_RTO_INIT_US / 4;
	uint64_t at;

	if (!(sk->flags & TF_SACK_OK) || (sk->flags & TF_RECOVERY) || sk->snd_max <= sk->snd_una ||
	    (sk->state != TCP_ESTABLISHED && sk->state != TCP_CLOSE_WAIT &&
	     sk->state != TCP_FIN_WAIT_1 && sk->state != TCP_CLOSING && sk->state != TCP_LAST_ACK)) {
		sk->t_loss = 0;
		return;
	}
	if (sk->sacked.n) {
		uint64_t reo = srtt / 4 * (sk->reo_mult ? sk->reo_mult : 1);

		if (reo > srtt)
			reo = srtt;
		at = now + (reo > 1000 ? reo : 1000);
		if (sk->t_loss && sk->t_loss < at)
			return;     /* already counting down for this hole */
	} else {
		if (sk->flags & TF_TLP_SENT)
			return;
		at = now + (2 * srtt > 10000 ? 2 * srtt : 10000);
		if (sk->t_rto && at >= sk->t_rto)
			return;     /* the RTO comes first anyway */
	}
	sk->t_loss = at;
	tcp_timer_update(sk);
}

void tcp_loss_timer(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;

	if ((sk->flags & TF_RECOVERY) || sk->snd_max <= sk->snd_una)
		return;
	if (sk->sacked.n) {
		TCP_INC(st, TCP_MIB_RACK_RECOVERY);
		tcp_enter_recovery(sk);
		return;
	}
	/* Tail loss probe: new data if the window allows, else the last segment again. */
	TCP_INC(st, TCP_MIB_LOSS_PROBES);
	sk->flags |= TF_TLP_SENT;
	if (tcp_tx_end(sk) > sk->snd_nxt && sk->snd_nxt < sk->snd_una + sk->snd_wnd) {
		uint32_t cwnd = sk->cwnd;

		sk->cwnd = (uint32_t)(sk->snd_nxt - sk->snd_una) + sk->mss;   /* room for one segment */
		tcp_output(sk);
		sk->cwnd = cwnd;
	} else {
		uint64_t end = tcp_tx_end(sk), last = sk->snd_max;

		if ((sk->flags & TF_FIN_SENT) && last == end + 1)
			last = end;     /* probe with the last data byte(s), not the FIN */
		if (last > sk->snd_una) {
			uint64_t from = last > sk->snd_una + sk->mss ? last - sk->mss : sk->snd_una;

			tcp_xmit_data(sk, from, (uint32_t)(last - from));
		} else {
			tcp_retransmit_una(sk);
		}
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender side SACK (RFC 2018, RFC 2883, RFC 6675): the scoreboard of what
 * the peer holds above the cumulative ACK and the pipe estimate. Which holes
 * are lost is RACK's to say (tcp_recovery.c, RFC 8985): RFC 6675's IsLost
 * (DupThresh segments SACKed above) would also call a retransmission that is
 * still on its way lost, and never a lost retransmission.
 */
#include "tcp/tcp_internal.h"

/* The parts of [s, e) not yet SACKed were just delivered: tell RACK (and
 * the ACK's summary where the first of it never retransmitted begins). */
static void sack_newly(struct tcp_sock *sk, uint64_t s, uint64_t e, const struct tcp_seg *seg, uint64_t fack,
		       struct tcp_ackinfo *ai)
{
	const struct seq_ranges *r = &sk->sacked;
	uint64_t cur = s;

	for (int i = 0; i < r->n && cur < e; i++) {
		if (r->r[i].end <= cur)
			continue;
		if (r->r[i].start >= e)
			break;
		if (r->r[i].start > cur)
			ai->orig_lo = RTE_MIN(ai->orig_lo, tcp_rack_delivered(sk, cur, r->r[i].start, seg, fack));
		cur = r->r[i].end;
	}
	if (cur < e)
		ai->orig_lo = RTE_MIN(ai->orig_lo, tcp_rack_delivered(sk, cur, e, seg, fack));
}

/*
 * Fold an ACK's cumulative part and SACK blocks into the scoreboard (and
 * into RACK, tcp_rack_delivered). Fills ai: the bytes newly delivered (RFC
 * 6937 DeliveredData), whether the scoreboard grew, the D-SACK block.
 */
void tcp_sack_ack(struct tcp_sock *sk, const struct tcp_seg *seg, uint64_t ack, struct tcp_ackinfo *ai)
{
	struct tcp_stack *st = sk->stack;
	uint64_t before = seq_ranges_bytes(&sk->sacked), fack = tcp_sack_high(sk), after;

	if (ack > sk->snd_una)
		sack_newly(sk, sk->snd_una, ack, seg, fack, ai);
	seq_ranges_advance(&sk->sacked, ack);
	after = seq_ranges_bytes(&sk->sacked);
	for (int i = 0; i < seg->opt.n_sack; i++) {
		uint64_t s = seq_extend(sk->snd_una, seg->opt.sack[i][0] - sk->iss);
		uint64_t e = seq_extend(sk->snd_una, seg->opt.sack[i][1] - sk->iss);

		if (e <= s || e - s > (1u << 30)) {
			TCP_INC(st, TCP_MIB_SACK_DISCARD);
			continue;
		}
		/* RFC 2883: a first block below the cumulative ACK (or inside the
		 * second one) reports a duplicate: our retransmission was spurious
		 * (what it means is tcp_recovery_ack's: reordering, undo, TLP). */
		if (i == 0 && (e <= ack || (seg->opt.n_sack > 1 &&
		    s >= seq_extend(sk->snd_una, seg->opt.sack[1][0] - sk->iss) &&
		    e <= seq_extend(sk->snd_una, seg->opt.sack[1][1] - sk->iss)))) {
			TCP_INC(st, TCP_MIB_DSACK_RECV);
			ai->dsack_s = s;
			ai->dsack_e = e;
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
		sack_newly(sk, s, e, seg, fack, ai);
		tcp_lost_remove(sk, s, e);
		seq_ranges_add(&sk->sacked, s, e);   /* full scoreboard: the block is forgotten */
	}
	ai->news = seq_ranges_bytes(&sk->sacked) > after;
	after = ack - sk->snd_una + seq_ranges_bytes(&sk->sacked);
	ai->delivered = after > before ? after - before : 0;
}

uint64_t tcp_sack_high(const struct tcp_sock *sk)
{
	const struct seq_ranges *r = &sk->sacked;

	return r->n ? r->r[r->n - 1].end : sk->snd_una;
}

/* RFC 6675 pipe (Linux's in_flight): bytes in flight, less what the peer holds and what is lost and not yet resent. */
uint64_t tcp_pipe(const struct tcp_sock *sk)
{
	uint64_t flight = sk->snd_max - sk->snd_una;
	uint64_t gone = seq_ranges_bytes(&sk->sacked) + seq_ranges_bytes(&sk->lost);

	return flight > gone ? flight - gone : 0;
}

/* Where sending from pos should go on: past a SACKed range it falls in; *lim is the next SACKed start. */
uint64_t tcp_sack_skip(const struct tcp_sock *sk, uint64_t pos, uint64_t *lim)
{
	return seq_ranges_skip(&sk->sacked, pos, lim);
}

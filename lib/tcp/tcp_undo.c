/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Giving back a reduction that was not needed, and what an ACK says about the
 * episode: undo on D-SACKs (RFC 3708) and on timestamps (Eifel, RFC 3522),
 * partial undo (Linux's tcp_try_undo_partial), F-RTO (RFC 5682) after an RTO,
 * the tail loss probe's outcome (RFC 8985 7.4.2), and RACK's reordering
 * window widened by D-SACKs and narrowed again (RFC 8985 6.2 step 4).
 * tcp_recovery.c's tcp_recovery_ack calls it; the loss detection is there.
 */
#include "tcp/tcp_internal.h"

/* A loss episode begins (Linux's tcp_init_undo): what its reduction may have to give back. */
void tcp_undo_init(struct tcp_sock *sk)
{
	sk->undo_marker = sk->snd_una ? sk->snd_una : 1;
	sk->prior_cwnd = sk->cwnd;
	sk->prior_ssthresh = sk->ssthresh;
	sk->undo_retrans = -1;          /* no retransmission yet */
	sk->retrans_stamp = 0;
}

/* RFC 8985 6.2 step 4 (RACK_update_reo_wnd), an episode's end: after 16
 * recoveries without a D-SACK the reordering window is back to min_rtt/4. */
void tcp_reo_episode_end(struct tcp_sock *sk)
{
	if (sk->reo_persist && --sk->reo_persist == 0)
		sk->reo_mult = 1;
}

/*
 * The reduction was not needed: the peer had the data all along (every
 * retransmission came back as a duplicate, RFC 3708; the echoed timestamp
 * predates the first retransmission, RFC 3522; or F-RTO, RFC 5682). cwnd and
 * ssthresh go back to what they were (Linux's tcp_undo_cwnd_reduction), and
 * the loss marks go.
 */
void tcp_undo(struct tcp_sock *sk, enum tcp_mib c)
{
	uint32_t cwnd = sk->cwnd;

	if (sk->cc_ops->undo)
		sk->cc_ops->undo(sk);      /* its own state (CUBIC's W_max, K, epoch) */
	if (sk->cwnd < cwnd)
		sk->cwnd = cwnd;
	if (sk->cwnd < sk->prior_cwnd)
		sk->cwnd = sk->prior_cwnd;
	if (sk->ssthresh < sk->prior_ssthresh)
		sk->ssthresh = sk->prior_ssthresh;
	/* What was marked lost was marked with too small a reordering window
	 * (or by the RTO): RACK marks again what really is. */
	seq_ranges_fini(&sk->lost);
	if (sk->flags & TF_LOSS)
		sk->retries = 0;
	sk->flags &= (uint16_t)~(TF_RECOVERY | TF_LOSS | TF_RTX_FIRST);
	sk->rflags &= (uint8_t)~(TR_FRTO | TR_FRTO_NEW);
	sk->undo_marker = 0;
	tcp_reo_episode_end(sk);
	TCP_INC(sk->stack, c);
	tcp_mark_dirty(sk);
}

/* The ACK echoes a TSval older than the episode's first retransmission (Eifel, RFC 3522). */
static bool echo_predates_resend(const struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	return sk->retrans_stamp && ai->tsecr && (int32_t)(ai->tsecr - sk->retrans_stamp) < 0;
}

/* The episode's retransmissions are all known to be spurious, or the echoed TSval predates the first (Eifel). */
bool tcp_may_undo(const struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	if (sk->undo_marker == 0)
		return false;
	return sk->undo_retrans == 0 || echo_predates_resend(sk, ai);
}

/*
 * A partial ACK of a fast recovery (Linux's tcp_try_undo_partial): when
 * nothing was resent yet, or the ACK echoes a TSval older than the first
 * resend, the original filled the hole: it was delayed, not lost. With no
 * resend left in flight the reduction is undone (TCPPartialUndo); with some,
 * the reordering is deeper than RACK's window: true, and this ACK marks
 * nothing more lost (new data still goes out under PRR).
 */
bool tcp_partial_undo(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	if (!(sk->flags & TF_RECOVERY) || sk->undo_marker == 0 || sk->snd_una <= ai->prior_una)
		return false;
	if (sk->undo_retrans >= 0 && !echo_predates_resend(sk, ai))
		return false;
	if (tcp_rtx_in_flight(sk))
		return true;
	tcp_undo(sk, TCP_MIB_PARTIAL_UNDO);
	return false;
}

/* The ACK's D-SACK reports the outstanding loss probe's resend (RFC 8985 7.4.2). */
static bool dsack_of_probe(const struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	return (sk->flags & TF_TLP_SENT) && (sk->rflags & TR_TLP_RTX) && ai->dsack_e > ai->dsack_s &&
	       ai->dsack_s < sk->tlp_end && ai->dsack_e + sk->mss >= sk->tlp_end;
}

/*
 * A D-SACK (RFC 2883): one round trip's worth widens RACK's reordering window
 * (RFC 8985 6.2 step 4); one for a retransmission of the current episode
 * counts towards undo (RFC 3708); one for the loss probe says the probe was
 * not needed (RFC 8985 7.4.2).
 */
void tcp_dsack_rcv(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	uint64_t s = ai->dsack_s, e = ai->dsack_e;

	if (sk->rack_dsack_round && sk->snd_una >= sk->rack_dsack_round)
		sk->rack_dsack_round = 0;
	if (e <= s)
		return;
	if (sk->rack_dsack_round == 0) {
		sk->rack_dsack_round = sk->snd_max;
		if (sk->reo_mult < UINT8_MAX)
			sk->reo_mult = (uint8_t)((sk->reo_mult ? sk->reo_mult : 1) + 1);
		sk->reo_persist = 16;
	}
	if (sk->undo_marker && sk->undo_retrans > 0 && e > sk->undo_marker) {
		int32_t segs = (int32_t)((e - s + sk->mss - 1) / sk->mss);

		sk->undo_retrans = sk->undo_retrans > segs ? sk->undo_retrans - segs : 0;
	} else if (!dsack_of_probe(sk, ai)) {      /* that one is tlp_ack's */
		TCP_INC(sk->stack, TCP_MIB_DSACK_IGNORED);
	}
}

/*
 * RFC 8985 7.4.2: what became of the tail loss probe. A probe of new data,
 * or a resend that came back as a duplicate, repaired nothing; a resend
 * acknowledged beyond the probe (or answered by a plain duplicate ACK)
 * repaired a loss, which congestion control answers as one
 * (TCPLossProbeRecovery; Linux's tcp_process_tlp_ack).
 */
void tcp_tlp_ack(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	if (!(sk->flags & TF_TLP_SENT) || sk->snd_una < sk->tlp_end)
		return;
	if (!(sk->rflags & TR_TLP_RTX) || dsack_of_probe(sk, ai)) {
		sk->flags &= (uint16_t)~TF_TLP_SENT;
		return;
	}
	if (sk->snd_una > sk->tlp_end || (ai->dup && !ai->news)) {
		sk->flags &= (uint16_t)~TF_TLP_SENT;
		TCP_INC(sk->stack, TCP_MIB_LOSS_PROBE_RECOVERY);
		sk->cc_ops->on_congestion(sk);
		sk->cwnd = sk->ssthresh;
	}
}

/*
 * F-RTO (RFC 5682 3.1, the SACK-enhanced algorithm, as Linux's
 * tcp_process_loss): after the RTO's resend, the first ACK that moves
 * snd_una lets two new segments out instead of more resends (step 2b); an
 * ACK of data sent before the RTO (or before step 2b) and never resent
 * says the originals were delivered and the RTO was spurious (3b): the
 * reduction is undone. A
 * duplicate ACK or new SACK after the new data says the loss was real (3a).
 */
static bool frto_ack(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	/* Only data sent before frto_high counts (Linux's high_seq): the new
	 * data of step 2b is never-retransmitted by nature. */
	if (ai->orig_lo < sk->frto_high) {
		tcp_undo(sk, TCP_MIB_SPURIOUS_RTOS);
		return true;
	}
	if (sk->snd_max > sk->frto_high) {
		if (ai->news || ai->dup)
			sk->rflags &= (uint8_t)~TR_FRTO;
	} else if (sk->snd_una > ai->prior_una) {
		sk->frto_high = sk->snd_max;
		if (tcp_tx_end(sk) > sk->snd_max && sk->snd_max < sk->snd_una + sk->snd_wnd)
			sk->rflags |= TR_FRTO_NEW;
		else
			sk->rflags &= (uint8_t)~TR_FRTO;
	}
	return false;
}

/* After an RTO: F-RTO's proof, or D-SACKs for every resend (RFC 3708), undo it. */
bool tcp_rto_undone(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	if ((sk->rflags & TR_FRTO) && frto_ack(sk, ai))
		return true;
	if (sk->undo_marker && sk->undo_retrans == 0) {
		tcp_undo(sk, TCP_MIB_LOSS_UNDO);
		return true;
	}
	return false;
}

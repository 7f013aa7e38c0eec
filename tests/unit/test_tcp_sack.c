/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's SACK scoreboard and pipe (RFC 6675), RACK's loss marks (RFC
 * 8985) and the state after an RTO, on scripted loss patterns, without EAL:
 * a socket whose peer SACKs what a pattern says, and a clock the test moves.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/tcp_internal.h"

#define MSS 1000u
#define RTT 10000u      /* us */

static struct tcp_stack st;
static struct tcp_sock sk;

/* 20 segments in flight (positions 1..20000), ISS 0, each sent 10 us after the last from t = 1 s. */
static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&sk, 0, sizeof(sk));
	sk.stack = &st;
	sk.state = TCP_CLOSED;          /* no timer wheel, no flush list here */
	sk.flags = TF_SACK_OK;
	sk.cc_ops = &tcp_cc_newreno;
	sk.iss = 0;
	sk.mss = MSS;
	sk.cwnd = 20 * MSS;
	sk.ssthresh = UINT32_MAX;
	sk.srtt_us = RTT;
	sk.snd_una = sk.snd_nxt = sk.snd_max = 1;
	sk.sacked.nxt = 1;
	st.now_us = 1000000;
	for (int i = 0; i < 20; i++) {
		tcp_rack_sent(&sk, sk.snd_max, sk.snd_max + MSS);
		sk.snd_nxt = sk.snd_max += MSS;
		st.now_us += 10;
	}
}

static void teardown(void)
{
	seq_ranges_fini(&sk.sacked);
	seq_ranges_fini(&sk.lost);
	tcp_txlog_free(&sk);
}

/* An ACK of ack (position) with SACK blocks for segment numbers [a, b) (0-based), as rcv_ack takes it. */
static bool ack_with(uint64_t ack, int nblk, const int (*seg)[2])
{
	struct tcp_seg s;
	struct tcp_ackinfo ai = { .prior_una = sk.snd_una, .orig_lo = UINT64_MAX };

	memset(&s, 0, sizeof(s));
	s.opt.n_sack = (uint8_t)nblk;
	for (int i = 0; i < nblk; i++) {
		s.opt.sack[i][0] = (uint32_t)(1 + seg[i][0] * MSS);
		s.opt.sack[i][1] = (uint32_t)(1 + seg[i][1] * MSS);
	}
	tcp_sack_ack(&sk, &s, ack, &ai);
	if (ack > sk.snd_una)
		sk.snd_una = ack;
	tcp_recovery_ack(&sk, &ai);
	return ai.news;
}

/* An ACK echoing tsecr, with a first block [d0, d1) (segment numbers) that may be a D-SACK. */
static struct tcp_ackinfo ack_ts(uint64_t ack, int nblk, const int (*seg)[2], uint32_t tsecr)
{
	struct tcp_seg s;
	struct tcp_ackinfo ai = { .prior_una = sk.snd_una, .tsecr = tsecr, .orig_lo = UINT64_MAX };

	memset(&s, 0, sizeof(s));
	s.opt.n_sack = (uint8_t)nblk;
	for (int i = 0; i < nblk; i++) {
		s.opt.sack[i][0] = (uint32_t)(1 + seg[i][0] * MSS);
		s.opt.sack[i][1] = (uint32_t)(1 + seg[i][1] * MSS);
	}
	tcp_sack_ack(&sk, &s, ack, &ai);
	ai.dup = ack == sk.snd_una;
	if (ack > sk.snd_una)
		sk.snd_una = ack;
	/* rcv_ack's part: a recovery ends once snd_una reaches the recovery point (cc_ack). */
	if ((sk.flags & TF_RECOVERY) && sk.snd_una >= sk.recover) {
		sk.flags &= (uint16_t)~TF_RECOVERY;
		sk.cwnd = sk.ssthresh;
	}
	tcp_recovery_ack(&sk, &ai);
	return ai;
}

/* Resend segment i now, as tcp_output does for a lost one. */
static void resend(int i)
{
	tcp_rack_sent(&sk, 1 + (uint64_t)i * MSS, 1 + (uint64_t)(i + 1) * MSS);
	tcp_lost_remove(&sk, 1 + (uint64_t)i * MSS, 1 + (uint64_t)(i + 1) * MSS);
}

static bool is_lost(int i)
{
	for (int k = 0; k < sk.lost.n; k++)
		if (sk.lost.r[k].start <= 1 + (uint64_t)i * MSS && 1 + (uint64_t)(i + 1) * MSS <= sk.lost.r[k].end)
			return true;
	return false;
}

TestSuite(sack, .init = setup, .fini = teardown);

Test(sack, one_loss_one_hole_rack_marks_it)
{
	const int b[][2] = {{1, 5}};

	st.now_us += RTT;
	cr_assert(ack_with(1, 1, b), "new SACK information");
	/* Segment 0 lost, 1..4 SACKed, 5..19 still out. */
	cr_expect_eq(tcp_sack_high(&sk), 1 + 5 * MSS);
	cr_expect_eq(seq_ranges_bytes(&sk.sacked), 4 * MSS);
	/* RFC 8985 6.2: segment 0 was sent before segment 4, the newest one
	 * delivered, and DupThresh segments are SACKed: reo_wnd is 0, it is lost. */
	cr_expect(is_lost(0));
	cr_expect(!is_lost(5), "sent after what was delivered: not lost");
	cr_expect_eq(st.mib[TCP_MIB_SACK_RECOVERY], 1);
	/* pipe = 20 in flight - 4 SACKed - 1 lost = 15 segments */
	cr_expect_eq(tcp_pipe(&sk), 15 * MSS);
}

Test(sack, resent_hole_counts_in_the_pipe_again)
{
	const int b[][2] = {{1, 5}};

	st.now_us += RTT;
	ack_with(1, 1, b);
	resend(0);
	cr_expect_eq(tcp_pipe(&sk), 16 * MSS, "the resent hole is in flight again");
	cr_expect_eq(sk.lost.n, 0, "nothing left to resend");
}

Test(sack, one_sacked_segment_waits_for_the_reordering_window)
{
	const int b[][2] = {{1, 2}};

	st.now_us += RTT;
	ack_with(1, 1, b);
	/* One segment SACKed: reordering is possible; the hole waits min_rtt/4. */
	cr_expect(!is_lost(0), "lost before the reordering window ran out");
	cr_expect(sk.flags & TF_RACK_TIMER, "the reordering timer runs");
	cr_expect_gt(sk.t_loss, st.now_us);
	st.now_us = sk.t_loss;
	tcp_loss_timer(&sk);
	cr_expect(is_lost(0), "RFC 8985 6.3: lost when the reordering window ran out");
	cr_expect_eq(st.mib[TCP_MIB_RACK_RECOVERY], 1);
}

Test(sack, several_holes_in_order)
{
	const int b[][2] = {{12, 14}, {8, 10}, {2, 4}};

	st.now_us += RTT;
	ack_with(1, 3, b);
	/* Holes 0-1, 4-7, 10-11 were all sent before segment 13: lost; 14..19 not. */
	cr_expect_eq(seq_ranges_bytes(&sk.sacked), 6 * MSS);
	cr_expect_eq(sk.lost.n, 3);
	cr_expect_eq(sk.lost.r[0].start, 1);
	cr_expect_eq(sk.lost.r[0].end, 1 + 2 * MSS);
	cr_expect_eq(sk.lost.r[1].start, 1 + 4 * MSS);
	cr_expect_eq(sk.lost.r[1].end, 1 + 8 * MSS);
	cr_expect_eq(tcp_pipe(&sk), (20 - 6 - 2 - 4 - 2) * MSS);
}

Test(sack, lost_retransmission_found_without_rto)
{
	const int b1[][2] = {{1, 5}}, b2[][2] = {{20, 21}, {1, 5}};

	st.now_us += RTT;
	ack_with(1, 1, b1);
	cr_assert(is_lost(0));
	resend(0);                          /* the resend is lost too */
	st.now_us += 10;
	tcp_rack_sent(&sk, sk.snd_max, sk.snd_max + MSS);   /* segment 20, sent after it */
	sk.snd_nxt = sk.snd_max += MSS;
	st.now_us += RTT;
	ack_with(1, 2, b2);                 /* segment 20 arrived, the resend did not */
	cr_expect(is_lost(0), "RFC 8985 6.2: data sent after the resend was delivered: the resend is lost");
	cr_expect_eq(st.mib[TCP_MIB_LOST_RETRANSMIT], 1);
	cr_expect_eq(st.mib[TCP_MIB_TIMEOUTS], 0);
}

Test(sack, lost_retransmission_of_a_later_hole)
{
	const int b1[][2] = {{6, 10}, {1, 5}}, b2[][2] = {{20, 21}, {6, 10}};

	st.now_us += RTT;
	ack_with(1, 2, b1);
	cr_assert(is_lost(0) && is_lost(5));
	resend(0);
	resend(5);                          /* this one is lost again */
	st.now_us += 10;
	tcp_rack_sent(&sk, sk.snd_max, sk.snd_max + MSS);
	sk.snd_nxt = sk.snd_max += MSS;
	st.now_us += RTT;
	/* The first resend arrived (the cumulative ACK moves to segment 5), and so did segment 20. */
	ack_with(1 + 5 * MSS, 2, b2);
	cr_expect(is_lost(5), "a resend that is not the first hole's is found lost too");
	cr_expect_eq(st.mib[TCP_MIB_LOST_RETRANSMIT], 1);
}

Test(sack, resend_younger_than_an_rtt_is_not_lost)
{
	const int b1[][2] = {{1, 5}}, b2[][2] = {{5, 6}, {1, 5}};

	st.now_us += RTT;
	ack_with(1, 1, b1);
	resend(0);
	st.now_us += 100;
	ack_with(1, 2, b2);                 /* segment 5 was sent before the resend */
	cr_expect(!is_lost(0), "the resend was sent after everything delivered since");
	cr_expect_eq(st.mib[TCP_MIB_LOST_RETRANSMIT], 0);
}

Test(sack, rto_marks_all_but_the_sacked_lost)
{
	const int b[][2] = {{3, 6}, {10, 12}};

	st.now_us += RTT;
	ack_with(1, 2, b);
	tcp_rack_rto(&sk);
	/* RFC 6675 5.1: the SACKed ranges are not sent again, everything else is. */
	cr_expect_eq(sk.lost.n, 3);
	cr_expect_eq(sk.lost.r[0].start, 1);
	cr_expect_eq(sk.lost.r[0].end, 1 + 3 * MSS);
	cr_expect_eq(sk.lost.r[1].start, 1 + 6 * MSS);
	cr_expect_eq(sk.lost.r[1].end, 1 + 10 * MSS);
	cr_expect_eq(sk.lost.r[2].start, 1 + 12 * MSS);
	cr_expect_eq(sk.lost.r[2].end, 1 + 20 * MSS);
	cr_expect_eq(tcp_pipe(&sk), 0, "nothing is in flight after an RTO");
	cr_expect(sk.flags & TF_LOSS);
	cr_expect_eq(st.mib[TCP_MIB_SACK_FAILURES], 1, "the RTO ended a SACK recovery");
}

Test(sack, sacked_after_being_marked_lost_is_not_resent)
{
	const int b1[][2] = {{3, 6}}, b2[][2] = {{1, 2}, {3, 6}};

	st.now_us += RTT;
	ack_with(1, 1, b1);
	tcp_rack_rto(&sk);
	cr_expect(is_lost(1));
	ack_with(1, 2, b2);                 /* segment 1 came late */
	cr_expect(!is_lost(1), "what the peer holds is never resent");
	cr_expect(is_lost(0));
}

Test(sack, cumulative_ack_trims_the_scoreboard)
{
	const int b[][2] = {{2, 4}, {6, 8}};
	const int none[][2] = {{0, 0}};

	ack_with(1, 2, b);
	cr_expect_eq(sk.sacked.n, 2);
	ack_with(1 + 5 * MSS, 0, none);
	cr_expect_eq(sk.sacked.n, 1, "the block below the new snd_una is gone");
	cr_expect_eq(sk.sacked.r[0].start, 1 + 6 * MSS);
}

Test(sack, dsack_is_counted_not_stored)
{
	const int d[][2] = {{0, 1}};

	sk.snd_una = 1 + 2 * MSS;
	ack_with(1 + 2 * MSS, 1, d);    /* a block below the cumulative ACK: RFC 2883 */
	cr_expect_eq(st.mib[TCP_MIB_DSACK_RECV], 1);
	cr_expect_eq(sk.sacked.n, 0);
	cr_expect_eq(sk.reo_mult, 2, "reordering seen: the RACK window grows");
}

Test(sack, blocks_beyond_what_was_sent_are_discarded)
{
	const int b[][2] = {{25, 30}};

	cr_expect(!ack_with(1, 1, b));
	cr_expect_eq(st.mib[TCP_MIB_SACK_DISCARD], 1);
	cr_expect_eq(sk.sacked.n, 0);
}

Test(sack, skip_over_sacked_when_resending_after_rto)
{
	const int b[][2] = {{3, 6}};
	uint64_t lim, p;

	ack_with(1, 1, b);
	p = tcp_sack_skip(&sk, 1, &lim);
	cr_expect_eq(p, 1, "the hole itself is sent");
	cr_expect_eq(lim, 1 + 3 * MSS, "up to the SACKed range");
	p = tcp_sack_skip(&sk, 1 + 3 * MSS, &lim);
	cr_expect_eq(p, 1 + 6 * MSS, "the SACKed range is skipped");
}

/* Undo, F-RTO and the loss probe's outcome (RFC 3708, RFC 3522, RFC 5682, RFC 8985 7.4). */

#define SEG(i) (1 + (uint64_t)(i) * MSS)

/* Segment 0 is found lost (four SACKed after it) and resent: a recovery with one retransmission. */
static void recover_seg0(void)
{
	const int b[][2] = {{1, 5}};

	st.now_us += RTT;
	ack_ts(1, 1, b, 0);
	cr_assert(sk.flags & TF_RECOVERY);
	resend(0);
}

Test(sack, dsack_of_every_retransmission_undoes_the_reduction)
{
	const int d[][2] = {{0, 1}};

	recover_seg0();
	cr_expect_lt(sk.ssthresh, 20 * MSS, "recovery cut ssthresh");
	cr_expect_eq(sk.undo_retrans, 1);
	st.now_us += RTT;
	ack_ts(SEG(5), 1, d, 0);            /* the original arrived too: the resend is reported twice */
	cr_expect_eq(st.mib[TCP_MIB_DSACK_UNDO], 1, "RFC 3708: all retransmissions were spurious");
	cr_expect_eq(sk.cwnd, 20 * MSS, "cwnd back to before the episode");
	cr_expect_eq(sk.ssthresh, UINT32_MAX, "ssthresh back too");
	cr_expect(!(sk.flags & TF_RECOVERY));
}

Test(sack, dsack_of_data_never_resent_undoes_nothing)
{
	const int d[][2] = {{0, 1}};

	sk.snd_una = sk.sacked.nxt = SEG(2);
	ack_ts(SEG(2), 1, d, 0);
	cr_expect_eq(st.mib[TCP_MIB_DSACK_IGNORED], 1);
	cr_expect_eq(st.mib[TCP_MIB_DSACK_UNDO], 0);
}

Test(sack, echoed_timestamp_older_than_the_resend_undoes_at_recovery_end)
{
	const int none[][2] = {{0, 0}};
	uint32_t stamp;

	recover_seg0();
	stamp = sk.retrans_stamp;
	cr_expect_eq(stamp, (uint32_t)(st.now_us / 1000), "the first resend's TSval");
	st.now_us += RTT;
	/* The cumulative ACK past the recovery point echoes the original's TSval (Eifel, RFC 3522). */
	ack_ts(SEG(20), 0, none, stamp - 5);
	cr_expect_eq(st.mib[TCP_MIB_FULL_UNDO], 1);
	cr_expect_eq(sk.cwnd, 20 * MSS);
}

Test(sack, echoed_timestamp_of_the_resend_keeps_the_reduction)
{
	const int none[][2] = {{0, 0}};
	uint32_t ss;

	recover_seg0();
	ss = sk.ssthresh;
	st.now_us += RTT;
	ack_ts(SEG(20), 0, none, sk.retrans_stamp);
	cr_expect_eq(st.mib[TCP_MIB_FULL_UNDO], 0, "the resend filled the hole: the loss was real");
	cr_expect_eq(sk.cwnd, ss, "recovery ends at ssthresh");
	cr_expect_eq(sk.undo_marker, 0, "the episode is over");
}

/* Partial ACKs of a fast recovery (Linux's tcp_try_undo_partial). */

Test(sack, partial_ack_of_a_delayed_original_undoes_the_reduction)
{
	const int none[][2] = {{0, 0}};

	recover_seg0();
	cr_expect_lt(sk.ssthresh, 20 * MSS, "recovery cut ssthresh");
	st.now_us += RTT;
	/* snd_una moves, short of the recovery point, and the ACK echoes the original's TSval. */
	ack_ts(SEG(5), 0, none, sk.retrans_stamp - 5);
	cr_expect_eq(st.mib[TCP_MIB_PARTIAL_UNDO], 1, "the original filled the hole");
	cr_expect_eq(sk.cwnd, 20 * MSS, "cwnd back to before the episode");
	cr_expect_eq(sk.ssthresh, UINT32_MAX, "ssthresh back too");
	cr_expect(!(sk.flags & TF_RECOVERY), "the recovery is over");
	cr_expect_eq(st.mib[TCP_MIB_FULL_UNDO] + st.mib[TCP_MIB_DSACK_UNDO], 0);
}

Test(sack, partial_ack_before_any_resend_undoes_the_reduction)
{
	const int b[][2] = {{1, 5}};
	const int none[][2] = {{0, 0}};

	st.now_us += RTT;
	ack_ts(1, 1, b, 0);
	cr_assert(sk.flags & TF_RECOVERY);
	cr_assert(is_lost(0));
	st.now_us += 100;
	/* Segment 0 arrives before its resend left: nothing was resent, nothing was lost. */
	ack_ts(SEG(5), 0, none, 0);
	cr_expect_eq(st.mib[TCP_MIB_PARTIAL_UNDO], 1);
	cr_expect_eq(sk.cwnd, 20 * MSS);
	cr_expect(!(sk.flags & TF_RECOVERY));
	cr_expect(!is_lost(0) && sk.lost.n == 0, "no loss marks left");
}

Test(sack, partial_ack_echoing_the_resend_keeps_the_recovery)
{
	const int none[][2] = {{0, 0}};
	uint32_t ss;

	recover_seg0();
	ss = sk.ssthresh;
	st.now_us += RTT;
	ack_ts(SEG(5), 0, none, sk.retrans_stamp);
	cr_expect_eq(st.mib[TCP_MIB_PARTIAL_UNDO], 0, "the resend filled the hole: a real loss");
	cr_expect(sk.flags & TF_RECOVERY, "recovery goes on to its recovery point");
	cr_expect_eq(sk.ssthresh, ss);
}

Test(sack, partial_ack_with_a_resend_still_out_undoes_nothing_yet)
{
	const int b[][2] = {{1, 2}, {3, 8}};
	const int b2[][2] = {{3, 8}};
	const int none[][2] = {{0, 0}};
	uint32_t ss, stamp;

	st.now_us += RTT;
	ack_ts(1, 2, b, 0);
	cr_assert(sk.flags & TF_RECOVERY);
	cr_assert(is_lost(0) && is_lost(2), "two holes");
	resend(0);
	resend(2);
	ss = sk.ssthresh;
	stamp = sk.retrans_stamp;
	st.now_us += RTT / 2;
	/* The original of segment 0 arrives: delayed, but the resend of 2 is still out. */
	ack_ts(SEG(2), 1, b2, stamp - 5);
	cr_expect_eq(st.mib[TCP_MIB_PARTIAL_UNDO], 0, "a resend is in flight");
	cr_expect(sk.flags & TF_RECOVERY);
	cr_expect_eq(sk.ssthresh, ss, "the reduction stands");
	cr_expect(!is_lost(2), "the resend in flight is not marked lost again");
	/* Segment 2's original arrives too, the resend is the only one out no more: undo. */
	st.now_us += RTT / 4;
	ack_ts(SEG(8), 0, none, stamp - 5);
	cr_expect_eq(st.mib[TCP_MIB_PARTIAL_UNDO], 1);
	cr_expect(!(sk.flags & TF_RECOVERY));
	cr_expect_eq(sk.cwnd, 20 * MSS);
}

/* The RTO path of rto_expired for a SACK sender, on the fixture. */
static void rto_now(void)
{
	sk.retries++;
	tcp_undo_rto(&sk);
	if (!(sk.flags & (TF_LOSS | TF_RECOVERY)))
		sk.cc_ops->on_congestion(&sk);
	sk.cwnd = MSS;
	tcp_rack_rto(&sk);
	sk.flags &= (uint16_t)~(TF_RECOVERY | TF_RTX_FIRST);
}

Test(sack, frto_originals_acked_after_the_rto_make_it_spurious)
{
	const int none[][2] = {{0, 0}};

	st.now_us += 300000;
	rto_now();
	cr_expect(sk.rflags & TR_FRTO, "RFC 5682: F-RTO watches this RTO");
	resend(0);
	st.now_us += RTT;
	/* The ACK covers segments 1..9, which were never resent: the originals got through. */
	ack_ts(SEG(10), 0, none, 0);
	cr_expect_eq(st.mib[TCP_MIB_SPURIOUS_RTOS], 1);
	cr_expect_eq(sk.cwnd, 20 * MSS, "cwnd as before the RTO");
	cr_expect(!(sk.flags & TF_LOSS));
	cr_expect_eq(sk.lost.n, 0, "nothing is lost");
}

Test(sack, frto_only_resent_data_acked_keeps_the_rto)
{
	const int none[][2] = {{0, 0}}, b[][2] = {{2, 3}};

	st.now_us += 300000;
	rto_now();
	resend(0);
	st.now_us += RTT;
	ack_ts(SEG(1), 0, none, 0);         /* the resend itself: step 2 */
	cr_expect_eq(st.mib[TCP_MIB_SPURIOUS_RTOS], 0);
	cr_expect(sk.flags & TF_LOSS);
	resend(1);
	resend(2);
	st.now_us += RTT;
	ack_ts(SEG(2), 1, b, 0);            /* resent data again: no proof of a spurious RTO */
	cr_expect_eq(st.mib[TCP_MIB_SPURIOUS_RTOS], 0);
	cr_expect(is_lost(3), "the rest is still resent");
}

Test(sack, rto_ending_a_recovery_gets_no_frto)
{
	recover_seg0();
	st.now_us += 300000;
	rto_now();
	cr_expect(!(sk.rflags & TR_FRTO), "Linux: the recovery's resends were lost, not late");
	cr_expect_eq(st.mib[TCP_MIB_SACK_FAILURES], 1);
}

/* A loss probe is out: a resend of segment 19 (rtx) or new segment 20. */
static void probe_out(bool rtx)
{
	sk.flags |= TF_TLP_SENT;
	sk.rflags |= rtx ? TR_TLP_RTX : 0;
	sk.tlp_end = rtx ? SEG(20) : SEG(21);
	if (rtx) {
		tcp_rack_sent(&sk, SEG(19), SEG(20));
		return;
	}
	tcp_rack_sent(&sk, SEG(20), SEG(21));
	sk.snd_nxt = sk.snd_max = SEG(21);
}

Test(sack, loss_probe_resend_acked_beyond_it_repaired_a_loss)
{
	const int none[][2] = {{0, 0}};

	/* A probe resent segment 19 and new data went out after it. */
	probe_out(true);
	tcp_rack_sent(&sk, SEG(20), SEG(21));
	sk.snd_nxt = sk.snd_max = SEG(21);
	st.now_us += RTT;
	ack_ts(SEG(21), 0, none, 0);
	cr_expect_eq(st.mib[TCP_MIB_LOSS_PROBE_RECOVERY], 1, "RFC 8985 7.4.2: the probe repaired a loss");
	cr_expect_lt(sk.cwnd, 20 * MSS, "answered as a loss");
	cr_expect(!(sk.flags & TF_TLP_SENT));
}

Test(sack, loss_probe_reported_twice_repaired_nothing)
{
	const int d[][2] = {{19, 20}};

	probe_out(true);
	st.now_us += RTT;
	ack_ts(SEG(20), 1, d, 0);
	cr_expect_eq(st.mib[TCP_MIB_LOSS_PROBE_RECOVERY], 0, "original and probe both arrived");
	cr_expect_eq(sk.cwnd, 20 * MSS);
	cr_expect(!(sk.flags & TF_TLP_SENT));
}

Test(sack, loss_probe_of_new_data_repaired_nothing)
{
	const int none[][2] = {{0, 0}};

	probe_out(false);
	st.now_us += RTT;
	ack_ts(SEG(21), 0, none, 0);
	cr_expect_eq(st.mib[TCP_MIB_LOSS_PROBE_RECOVERY], 0);
	cr_expect_eq(sk.cwnd, 20 * MSS);
}

Test(sack, reordering_window_grows_once_per_round_and_decays)
{
	const int d0[][2] = {{0, 1}}, d1[][2] = {{1, 2}};
	const int none[][2] = {{0, 0}};

	sk.snd_una = sk.sacked.nxt = SEG(2);
	ack_ts(SEG(2), 1, d0, 0);
	ack_ts(SEG(2), 1, d1, 0);
	cr_expect_eq(sk.reo_mult, 2, "RFC 8985 6.2 step 4: one step per round trip");
	cr_expect_eq(sk.reo_persist, 16);
	ack_ts(SEG(20), 0, none, 0);        /* the round (SND.NXT at the D-SACK) is over */
	sk.snd_max = sk.snd_nxt = SEG(22);
	tcp_rack_sent(&sk, SEG(20), SEG(22));
	ack_ts(SEG(20), 1, d1, 0);
	cr_expect_eq(sk.reo_mult, 3, "a D-SACK in a later round: one more step");
	for (int i = 0; i < 16; i++) {
		sk.undo_marker = 1;             /* an episode ends without a D-SACK */
		ack_ts(sk.snd_una, 0, none, 0);
	}
	cr_expect_eq(sk.reo_mult, 1, "16 recoveries without a D-SACK: back to min_rtt/4");
}

Test(sack, rtt_from_the_transmit_log_in_microseconds)
{
	st.now_us += 137;
	/* The 20 segments went out within 190 us: one burst of the log, timed by its last send. */
	cr_expect_eq(tcp_rack_rtt(&sk, SEG(0), SEG(1)), 10 + 137, "last sent at t0 + 190, now t0 + 200 + 137 us");
	resend(1);
	cr_expect_eq(tcp_rack_rtt(&sk, SEG(0), SEG(2)), 0, "Karn: a retransmission among the acked");
}

Test(sack, frto_new_data_sacked_past_a_real_loss_is_no_proof)
{
	const int none[][2] = {{0, 0}}, b[][2] = {{20, 22}};

	st.now_us += 300000;
	rto_now();
	resend(0);
	st.now_us += RTT;
	ack_ts(SEG(1), 0, none, 0);
	/* Step 2b as tcp_output does it with data waiting: two new segments past frto_high. */
	sk.frto_high = SEG(20);
	sk.rflags |= TR_FRTO;
	tcp_rack_sent(&sk, SEG(20), SEG(22));
	sk.snd_nxt = sk.snd_max = SEG(22);
	st.now_us += RTT;
	ack_ts(SEG(1), 1, b, 0);            /* segment 1, sent before the RTO, is still missing */
	cr_expect_eq(st.mib[TCP_MIB_SPURIOUS_RTOS], 0, "new data is never-resent by nature: no proof");
	cr_expect(!(sk.rflags & TR_FRTO), "RFC 5682 3a: the loss was real");
	cr_expect(sk.flags & TF_LOSS);
}

Test(sack, loss_in_the_window_of_an_ece_reduction_cuts_no_further)
{
	const int b[][2] = {{1, 5}};

	/* An ECE reduced for this window (tcp_ecn.c: ssthresh cut, ecn_high = SND.NXT). */
	sk.ecn = TE_OK;
	sk.ecn_high = SEG(20);
	sk.ssthresh = 14 * MSS;
	sk.cwnd = 14 * MSS;
	st.now_us += RTT;
	ack_ts(1, 1, b, 0);
	cr_expect(sk.flags & TF_RECOVERY, "the loss is repaired");
	cr_expect_eq(sk.ssthresh, 14 * MSS, "RFC 3168 6.1.2: one reduction per window");
	cr_expect_eq(sk.undo_marker, 0, "nothing to undo: the network marked congestion");
}

Test(sack, dsack_of_the_rto_resend_undoes_the_rto)
{
	const int d[][2] = {{0, 1}};

	st.now_us += 300000;
	rto_now();
	resend(0);
	cr_expect_eq(sk.undo_retrans, 1);
	st.now_us += RTT;
	/* The resend is reported twice: the original had arrived, the RTO cut for nothing. */
	ack_ts(SEG(1), 1, d, 0);
	cr_expect_eq(st.mib[TCP_MIB_LOSS_UNDO], 1);
	cr_expect_eq(sk.cwnd, 20 * MSS, "cwnd as before the RTO");
	cr_expect(!(sk.flags & TF_LOSS));
	cr_expect_eq(sk.lost.n, 0, "the RTO's loss marks are gone");
}

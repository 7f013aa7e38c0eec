/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's SACK scoreboard, pipe and next hole (RFC 6675) on scripted
 * loss patterns, without EAL: a socket whose peer SACKs what a pattern says.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/tcp_internal.h"

#define MSS 1000u

static struct tcp_stack st;
static struct tcp_sock sk;

/* 20 segments in flight (positions 1..20000), ISS 0. */
static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&sk, 0, sizeof(sk));
	sk.stack = &st;
	sk.iss = 0;
	sk.mss = MSS;
	sk.snd_una = 1;
	sk.snd_nxt = sk.snd_max = 1 + 20 * MSS;
	sk.sacked.nxt = 1;
	sk.high_rxt = 1;
}

/* An ACK of ack (position) with SACK blocks for segment numbers [a, b) (0-based). */
static bool ack_with(uint64_t ack, int nblk, const int (*seg)[2])
{
	struct tcp_seg s;

	memset(&s, 0, sizeof(s));
	s.opt.n_sack = (uint8_t)nblk;
	for (int i = 0; i < nblk; i++) {
		s.opt.sack[i][0] = (uint32_t)(1 + seg[i][0] * MSS);
		s.opt.sack[i][1] = (uint32_t)(1 + seg[i][1] * MSS);
	}
	return tcp_sack_update(&sk, &s, ack);
}

TestSuite(sack, .init = setup);

Test(sack, one_loss_one_hole)
{
	const int b[][2] = {{1, 5}};
	uint64_t pos, len;

	cr_assert(ack_with(1, 1, b), "new SACK information");
	/* Segment 0 lost, 1..4 SACKed, 5..19 still out. */
	cr_expect_eq(tcp_sack_high(&sk), 1 + 5 * MSS);
	cr_expect_eq(seq_ranges_bytes(&sk.sacked), 4 * MSS);
	/* pipe = 20 in flight - 4 SACKed - 1 hole presumed lost = 15 segments */
	cr_expect_eq(tcp_pipe(&sk), 15 * MSS);
	cr_assert(tcp_sack_next_hole(&sk, &pos, &len));
	cr_expect_eq(pos, 1);
	cr_expect_eq(len, MSS);
}

Test(sack, retransmitted_hole_counts_in_the_pipe_again)
{
	const int b[][2] = {{1, 5}};
	uint64_t pos, len;

	ack_with(1, 1, b);
	sk.high_rxt = 1 + MSS;          /* the hole was resent: RFC 6675 HighRxt */
	cr_expect_eq(tcp_pipe(&sk), 16 * MSS, "the resent hole is in flight again");
	cr_expect(!tcp_sack_next_hole(&sk, &pos, &len), "no hole left below the highest SACK");
}

Test(sack, several_holes_in_order)
{
	const int b[][2] = {{12, 14}, {8, 10}, {2, 4}};
	uint64_t pos, len;

	ack_with(1, 3, b);
	/* Holes: 0-1, 4-7, 10-11 (below the highest SACK at 14); 14..19 not yet known. */
	cr_expect_eq(seq_ranges_bytes(&sk.sacked), 6 * MSS);
	cr_expect_eq(tcp_pipe(&sk), (20 - 6 - 2 - 4 - 2) * MSS);
	cr_assert(tcp_sack_next_hole(&sk, &pos, &len));
	cr_expect_eq(pos, 1);
	cr_expect_eq(len, 2 * MSS);
	sk.high_rxt = 1 + 2 * MSS;
	cr_assert(tcp_sack_next_hole(&sk, &pos, &len));
	cr_expect_eq(pos, 1 + 4 * MSS, "the next hole after HighRxt");
	cr_expect_eq(len, 4 * MSS);
}

Test(sack, cumulative_ack_trims_the_scoreboard)
{
	const int b[][2] = {{2, 4}, {6, 8}};
	const int none[][2] = {{0, 0}};

	ack_with(1, 2, b);
	cr_expect_eq(sk.sacked.n, 2);
	sk.snd_una = 1 + 5 * MSS;
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

/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control and RTO arithmetic against the RFC formulas (no EAL needed). */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/tcp_internal.h"

static struct tcp_stack st;
static struct tcp_sock sk;

static void setup(const struct tcp_cc_ops *ops, uint32_t mss, uint32_t cwnd_segs, uint32_t srtt_us)
{
	memset(&st, 0, sizeof(st));
	memset(&sk, 0, sizeof(sk));
	sk.stack = &st;
	sk.mss = (uint16_t)mss;
	sk.cwnd = cwnd_segs * mss;
	sk.ssthresh = UINT32_MAX;
	sk.srtt_us = srtt_us;
	st.now_us = 1000000;
	tcp_set_cc(&sk, ops);
}

/* One RTT of ACKs for a full window, in steps of one segment, the clock moving evenly. */
static void one_rtt(uint32_t rtt_us)
{
	uint32_t segs = sk.cwnd / sk.mss;

	for (uint32_t i = 0; i < segs; i++) {
		st.now_us += rtt_us / segs;
		sk.cc_ops->on_ack(&sk, sk.mss);
	}
}

Test(cubic, loss_sets_ssthresh_to_beta_times_cwnd)
{
	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, 70 * 1000u, "RFC 9438 4.6: ssthresh = 0.7 cwnd");
	cr_expect(fabs(sk.cc.cubic.w_max - 100.0) < 1e-9, "W_max is the cwnd at the loss");
}

Test(cubic, fast_convergence_lowers_w_max)
{
	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = 80 * 1000;
	sk.cc_ops->on_congestion(&sk);
	/* RFC 9438 4.7: below the last W_max -> W_max = cwnd (1 + beta) / 2. */
	cr_expect(fabs(sk.cc.cubic.w_max - 80.0 * 1.7 / 2) < 1e-9, "w_max %f", sk.cc.cubic.w_max);
}

Test(cubic, window_follows_w_cubic_of_t)
{
	const double C = 0.4, beta = 0.7, wmax = 100, rtt = 0.1;
	const double K = cbrt(wmax * (1 - beta) / C);   /* RFC 9438 eq. 2 */
	uint64_t t0;

	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;
	t0 = st.now_us;
	for (int r = 1; r <= 60; r++) {
		double t, w, got;

		one_rtt(100000);
		t = (double)(st.now_us - t0) / 1e6;
		w = C * pow(t + rtt - K, 3) + wmax;     /* the target one RTT ahead */
		got = sk.cwnd / 1000.0;
		if (w < 70)
			continue;
		if (w > 1.5 * 100)
			break;
		/* Within a segment or two plus 5 %: growth is spread over the RTT's ACKs. */
		cr_expect(fabs(got - w) <= 2 + 0.05 * w, "t=%.2f s: cwnd %.1f segments, W_cubic %.1f", t, got, w);
	}
	cr_expect(K > 4.2 && K < 4.23, "K = cbrt(75) = %.3f", K);
}

Test(cubic, plateau_near_w_max_at_k)
{
	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;
	for (int r = 0; r < 42; r++)   /* about K = 4.22 s of 100 ms rounds */
		one_rtt(100000);
	cr_expect(sk.cwnd >= 97 * 1000u && sk.cwnd <= 103 * 1000u, "cwnd %u near W_max", sk.cwnd);
}

Test(cubic, reno_friendly_region_on_short_rtt)
{
	/* 1 ms RTT: W_cubic barely moves in 100 RTTs, the Reno estimate does (RFC 9438 4.3). */
	setup(&tcp_cc_cubic, 1000, 100, 1000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;
	for (int r = 0; r < 100; r++)
		one_rtt(1000);
	/* alpha = 3 (1 - beta) / (1 + beta) = 0.529 segments per RTT */
	cr_expect(sk.cwnd >= (70 + 45) * 1000u && sk.cwnd <= (70 + 60) * 1000u, "cwnd %u", sk.cwnd);
}

Test(newreno, one_segment_per_rtt_in_avoidance)
{
	setup(&tcp_cc_newreno, 1000, 20, 10000);
	sk.ssthresh = 10 * 1000;   /* in congestion avoidance */
	for (int r = 0; r < 5; r++)
		one_rtt(10000);
	cr_expect_eq(sk.cwnd, 25 * 1000u, "RFC 5681 eq. 3: +1 MSS per RTT");
}

Test(newreno, slow_start_doubles_per_rtt)
{
	setup(&tcp_cc_newreno, 1000, 10, 10000);
	one_rtt(10000);
	cr_expect_eq(sk.cwnd, 20 * 1000u);
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, 2 * 1000u, "nothing in flight: the floor of 2 MSS");
}

Test(cc, find_by_name)
{
	cr_expect_eq(tcp_cc_find(NULL), &tcp_cc_cubic, "cubic is the default");
	cr_expect_eq(tcp_cc_find("cubic"), &tcp_cc_cubic);
	cr_expect_eq(tcp_cc_find("newreno"), &tcp_cc_newreno);
	cr_expect_null(tcp_cc_find("bbr"));
}

Test(rto, rfc6298_first_and_second_sample)
{
	setup(&tcp_cc_cubic, 1000, 10, 0);
	tcp_rtt_sample(&sk, 300000);
	/* 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) */
	cr_expect_eq(sk.srtt_us, 300000u);
	cr_expect_eq(sk.rttvar_us, 150000u);
	cr_expect_eq(sk.rto_us, 900000u);
	/* 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT = 7/8 SRTT + 1/8 R' */
	tcp_rtt_sample(&sk, 100000);
	cr_expect_eq(sk.rttvar_us, 162500u);
	cr_expect_eq(sk.srtt_us, 275000u);
	cr_expect_eq(sk.rto_us, 925000u);
}

Test(rto, floor_and_ceiling)
{
	setup(&tcp_cc_cubic, 1000, 10, 0);
	tcp_rtt_sample(&sk, 1000);
	cr_expect_eq(sk.rto_us, TCP_RTO_MIN_US, "short paths get the 200 ms floor");
	setup(&tcp_cc_cubic, 1000, 10, 0);
	tcp_rtt_sample(&sk, 50000000);
	cr_expect_eq(sk.rto_us, TCP_RTO_MAX_US, "RFC 6298 2.5: at most 60 s");
}

Test(slow_start, cumulative_ack_after_rto_grows_two_segments,
     .description = "RFC 3465 2.2: in slow start one ACK grows cwnd by at most L = 2 SMSS, "
		    "even when it covers a whole flight (a late ACK after an RTO)")
{
	setup(&tcp_cc_cubic, 1000, 1, 60000);
	sk.ssthresh = 140 * 1000;        /* after the RTO: 0.7 of a 200-segment cwnd */
	sk.cc_ops->on_ack(&sk, 1500 * 1000);
	cr_expect_eq(sk.cwnd, 3 * 1000u, "cwnd %u: one segment plus L = 2", sk.cwnd);
}

/* One round of slow start: the flight in the network acked one segment at a
 * time, each ACK with an RTT sample of rtt_us, the sender filling cwnd again
 * after each (as rcv_ack: the sample, then snd_una, then the CC). */
static void ss_round(uint32_t rtt_us)
{
	uint32_t segs = (uint32_t)(sk.snd_nxt - sk.snd_una) / sk.mss;

	for (uint32_t i = 0; i < segs; i++) {
		st.now_us += rtt_us / segs;
		tcp_rtt_sample(&sk, rtt_us);
		sk.snd_una += sk.mss;
		sk.cc_ops->on_ack(&sk, sk.mss);
		sk.snd_nxt = sk.snd_una + sk.cwnd;
	}
}

static void ss_start(void)
{
	setup(&tcp_cc_cubic, 1000, 10, 0);
	sk.snd_una = 1;
	sk.snd_nxt = 1 + sk.cwnd;
}

Test(hystart, steady_rtt_keeps_slow_start,
     .description = "RFC 9406: without an RTT increase slow start goes on doubling cwnd")
{
	ss_start();
	for (int r = 0; r < 4; r++)
		ss_round(60000);
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
	cr_expect_geq(sk.cwnd, 150 * 1000u, "10 segments doubled about four times: %u", sk.cwnd);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 0);
}

Test(hystart, rising_rtt_ends_slow_start,
     .description = "RFC 9406 4.2: a round whose smallest RTT exceeds the last round's by "
		    "RttThresh (an eighth, 4..16 ms) ends slow start: ssthresh = cwnd")
{
	uint32_t at;

	ss_start();
	ss_round(60000);
	ss_round(60000);
	ss_round(66000);                 /* +6 ms < 60/8 = 7.5 ms: not yet */
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
	ss_round(76000);                 /* +10 ms over the last round */
	cr_expect_neq(sk.ssthresh, UINT32_MAX, "slow start ended");
	at = sk.ssthresh;
	cr_expect(at > 80 * 1000u && at < 160 * 1000u, "ended within the round: ssthresh %u", at);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 1);
}

Test(txp, grows_when_the_pipe_caps_the_flight,
     .description = "send buffer autotuning: a tx pipe three quarters full of unacknowledged "
		    "bytes doubles, at most once per RTT, up to its maximum")
{
	static uint8_t data[8192];
	struct hag_pipe p;

	setup(&tcp_cc_cubic, 1000, 10, 10000);
	cr_assert_eq(hag_pipe_init_tuned(&p, 4096, 16384, NULL), 0);
	sk.txp = &p;
	hag_pipe_write(&p, 0, data, 2048);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 4096u, "half full: the pipe is not the limit");
	hag_pipe_write(&p, 2048, data, 2048);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 8192u, "full: doubled");
	hag_pipe_write(&p, 4096, data, 4096);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 8192u, "not twice in one RTT");
	st.now_us += 10000;
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 16384u);
	hag_pipe_write(&p, 8192, data, 8192);
	st.now_us += 10000;
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 16384u, "max_cap");
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_SNDBUF_GROWN), 2);
	hag_pipe_fini(&p);
}

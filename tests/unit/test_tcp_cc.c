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

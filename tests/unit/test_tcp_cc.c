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
	sk.cwnd_limited = true;     /* the flight fills cwnd (RFC 7661) */
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
	cr_expect(fabs(tcp_cubic(&sk)->w_max - 100.0) < 1e-9, "W_max is the cwnd at the loss");
}

Test(cubic, fast_convergence_lowers_w_max)
{
	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = 80 * 1000;
	sk.cc_ops->on_congestion(&sk);
	/* RFC 9438 4.7: below the last W_max -> W_max = cwnd (1 + beta) / 2. */
	cr_expect(fabs(tcp_cubic(&sk)->w_max - 80.0 * 1.7 / 2) < 1e-9, "w_max %f", tcp_cubic(&sk)->w_max);
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

Test(cubic, k_from_w_max_and_cwnd_epoch,
     .description = "RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), with W_max lowered "
		    "by fast convergence (4.7) when the loss came below the last W_max")
{
	setup(&tcp_cc_cubic, 1000, 100, 100000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;                  /* recovery ended: cwnd_epoch = 70 */
	sk.cc_ops->on_ack(&sk, 1000);
	cr_expect(fabs(tcp_cubic(&sk)->k - cbrt((100 - 70) / 0.4)) < 1e-9, "K %f", tcp_cubic(&sk)->k);
	cr_expect(fabs(tcp_cubic(&sk)->w_est - 70) < 0.01, "4.3: W_est starts at cwnd_epoch");

	sk.cwnd = 80 * 1000;                    /* the next loss below W_max = 100 */
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, 56 * 1000u, "ssthresh = 0.7 cwnd, fast convergence or not");
	sk.cwnd = sk.ssthresh;
	sk.cc_ops->on_ack(&sk, 1000);
	cr_expect(fabs(tcp_cubic(&sk)->w_max - 68) < 1e-9, "W_max = 80 (1 + 0.7) / 2 = %f", tcp_cubic(&sk)->w_max);
	cr_expect(fabs(tcp_cubic(&sk)->k - cbrt((68 - 56) / 0.4)) < 1e-9, "K %f", tcp_cubic(&sk)->k);
}

Test(cubic, ssthresh_floor_two_segments,
     .description = "RFC 9438 4.6: after a loss cwnd = max(cwnd * beta_cubic, 2 SMSS)")
{
	setup(&tcp_cc_cubic, 1000, 2, 100000);
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, 2 * 1000u);
}

Test(cubic, target_clamped_to_one_and_a_half_cwnd,
     .description = "RFC 9438 4.2: W_cubic(t + RTT) above 1.5 cwnd is cut to 1.5 cwnd, so one "
		    "window of ACKs grows cwnd by half (convex region, far past K)")
{
	setup(&tcp_cc_cubic, 1000, 10, 100000);
	sk.ssthresh = 10 * 1000;
	tcp_cubic(&sk)->epoch_us = st.now_us - 20000000;   /* 20 s into the epoch, K = 0 */
	tcp_cubic(&sk)->w_max = 10;
	tcp_cubic(&sk)->w_est = 10;
	for (int i = 0; i < 10; i++) {
		st.now_us += 10000;
		sk.cc_ops->on_ack(&sk, 1000);
	}
	/* W_cubic(20 s) is about 3200 segments: each ACK adds (1.5 cwnd - cwnd) / cwnd = 1/2. */
	cr_expect(sk.cwnd >= 14999 && sk.cwnd <= 15000, "cwnd %u", sk.cwnd);
}

Test(cubic, reno_friendly_region_dominates_at_testbed_rtt,
     .description = "RFC 9438 4.3: at 100 us RTT W_cubic(t) hardly moves in 100 RTTs (10 ms); "
		    "cwnd = W_est, which grows by alpha_cubic = 3 (1 - beta) / (1 + beta) per RTT "
		    "up to the cwnd before the loss, then by 1 per RTT as Reno")
{
	double wc;

	setup(&tcp_cc_cubic, 1000, 100, 100);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;                   /* 70, cwnd_prior 100 */
	for (int r = 0; r < 30; r++)
		one_rtt(100);
	/* 70 + 30 alpha = 85.9 (with alpha = 1 it would be 100) */
	cr_expect(sk.cwnd >= 84500u && sk.cwnd <= 86000u, "30 RTTs: cwnd %u, W_est %f", sk.cwnd,
		  tcp_cubic(&sk)->w_est);
	cr_expect(fabs(sk.cwnd / 1000.0 - tcp_cubic(&sk)->w_est) < 0.01, "cwnd follows W_est");
	for (int r = 30; r < 100; r++)
		one_rtt(100);
	/* 100 reached after 30 / alpha = 56.7 RTTs, then +1 per RTT: about 143 */
	cr_expect(sk.cwnd >= 140000u && sk.cwnd <= 145000u, "100 RTTs: cwnd %u", sk.cwnd);
	wc = 0.4 * pow(0.01 - cbrt(30 / 0.4), 3) + 100;
	cr_expect(wc < 71, "W_cubic(10 ms) = %f stays near 70", wc);
}

Test(cubic, rto_restarts_the_curve,
     .description = "RFC 9438 4.8: after an RTO the first avoidance stage has K = 0 and "
		    "W_max = W_est = the cwnd at its start; ssthresh = 0.7 cwnd as for a loss")
{
	setup(&tcp_cc_cubic, 1000, 100, 10000);
	sk.cc_ops->on_congestion(&sk);           /* rto_expired: on_congestion, then 1 segment */
	sk.cwnd = 1000;
	cr_expect_eq(sk.ssthresh, 70 * 1000u);
	while (sk.cwnd < sk.ssthresh) {
		st.now_us += 100;
		sk.cc_ops->on_ack(&sk, 1000);
	}
	cr_expect_eq(sk.cwnd, 70 * 1000u, "RFC 5681 slow start up to ssthresh");
	st.now_us += 100;
	sk.cc_ops->on_ack(&sk, 1000);
	cr_expect_eq(tcp_cubic(&sk)->k, 0.0, "K %f", tcp_cubic(&sk)->k);
	cr_expect(fabs(tcp_cubic(&sk)->w_max - 70) < 1e-9, "W_max %f", tcp_cubic(&sk)->w_max);
	cr_expect(fabs(tcp_cubic(&sk)->w_est - 70) < 0.05, "W_est %f", tcp_cubic(&sk)->w_est);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_DETECT), 0);
}

Test(cubic, undo_restores_the_state_before_the_event,
     .description = "RFC 9438 4.9: a spurious congestion event is undone: cwnd, ssthresh, "
		    "W_max, K, the epoch and W_est as they were before it; a second undo does nothing")
{
	double k, w_est;
	uint64_t epoch;

	setup(&tcp_cc_cubic, 1000, 100, 10000);
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = sk.ssthresh;
	for (int r = 0; r < 5; r++)
		one_rtt(10000);
	k = tcp_cubic(&sk)->k;
	w_est = tcp_cubic(&sk)->w_est;
	epoch = tcp_cubic(&sk)->epoch_us;
	cr_assert_neq(epoch, 0);
	sk.cwnd = 90 * 1000;
	sk.cc_ops->on_congestion(&sk);           /* the spurious one */
	sk.cwnd = sk.ssthresh;
	cr_expect_eq(sk.ssthresh, 63 * 1000u);
	cr_assert_not_null(sk.cc_ops->undo);
	sk.cc_ops->undo(&sk);
	cr_expect_eq(sk.cwnd, 90 * 1000u);
	cr_expect_eq(sk.ssthresh, 70 * 1000u);
	cr_expect(fabs(tcp_cubic(&sk)->w_max - 100) < 1e-4, "W_max %f", tcp_cubic(&sk)->w_max);
	cr_expect(fabs(tcp_cubic(&sk)->k - k) < 1e-5, "K %f", tcp_cubic(&sk)->k);
	cr_expect(fabs(tcp_cubic(&sk)->w_est - w_est) < 1e-4, "W_est %f", tcp_cubic(&sk)->w_est);
	cr_expect_eq(tcp_cubic(&sk)->epoch_us, epoch);
	sk.ssthresh = 50 * 1000;
	sk.cc_ops->undo(&sk);
	cr_expect_eq(sk.ssthresh, 50 * 1000u, "nothing saved any more");
}

Test(cubic, undo_in_initial_slow_start_gives_back_infinite_ssthresh)
{
	setup(&tcp_cc_cubic, 1000, 40, 10000);
	sk.cc_ops->on_congestion(&sk);
	sk.cc_ops->undo(&sk);
	cr_expect_eq(sk.ssthresh, UINT32_MAX, "slow start (and HyStart++) go on");
	cr_expect_eq(sk.cwnd, 40 * 1000u);
}

Test(newreno, undo_restores_cwnd_and_ssthresh)
{
	setup(&tcp_cc_newreno, 1000, 20, 10000);
	sk.snd_max = 20 * 1000;
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, 10 * 1000u);
	sk.cwnd = sk.ssthresh;
	sk.cc_ops->undo(&sk);
	cr_expect_eq(sk.cwnd, 20 * 1000u);
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
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

Test(cc, kinds_and_their_words_agree,
     .description = "each kind of TCP_CC_NAMES: tcp_cc_of's ops carry the word and tcp_cc_find finds them")
{
	static const char *const names[] = TCP_CC_NAMES;

	cr_expect_null(names[TCP_CC_KINDS]);
	for (int k = 0; k < TCP_CC_KINDS; k++) {
		const struct tcp_cc_ops *ops = tcp_cc_of((enum tcp_cc_kind)k);

		cr_expect_str_eq(ops->name, names[k]);
		cr_expect_eq(tcp_cc_find(names[k]), ops);
	}
	cr_expect_eq(tcp_cc_find("reno"), &tcp_cc_newreno, "Linux's name for it too");
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

/* One ACK of one segment with an RTT sample of rtt_us, the sender filling
 * cwnd again after it (as rcv_ack: the sample, then snd_una, then the CC). */
static void ack_one(uint32_t rtt_us)
{
	st.now_us += 100;
	tcp_rtt_sample(&sk, rtt_us);
	sk.snd_una += sk.mss;
	sk.cc_ops->on_ack(&sk, sk.mss);
	sk.snd_nxt = sk.snd_una + sk.cwnd;
	sk.snd_max = sk.snd_nxt;
}

/* One HyStart++ round (RFC 9406 4.2): from the ACK that reaches the last
 * round's windowEnd up to the one before the ACK that reaches this round's. */
static void ss_round(uint32_t rtt_us)
{
	do
		ack_one(rtt_us);
	while (sk.hs_round_end - (uint32_t)sk.snd_una > sk.mss);
}

static void ss_start(void)
{
	setup(&tcp_cc_cubic, 1000, 10, 0);
	sk.snd_una = 1;
	sk.snd_nxt = 1 + sk.cwnd;
	sk.snd_max = sk.snd_nxt;
}

/* Slow start at 60 ms, 60 ms, 66 ms (+6 ms < 60/8), then ACKs at 76 ms
 * (+10 ms > 66/8 = 8.25 ms) until HyStart++ leaves slow start for CSS. */
static uint32_t ss_to_css(void)
{
	ss_start();
	ss_round(60000);
	ss_round(60000);
	ss_round(66000);
	cr_assert_eq(sk.hs_css, 0, "+6 ms is below RttThresh");
	for (int i = 1; i <= 7; i++) {
		ack_one(76000);
		cr_assert_eq(sk.hs_css, 0, "RFC 9406 4.2: no exit before N_RTT_SAMPLE = 8 samples (%d)", i);
	}
	ack_one(76000);
	cr_assert_eq(sk.hs_css, 1, "the 8th sample of the round ends slow start");
	return sk.cwnd;
}

Test(hystart, steady_rtt_keeps_slow_start,
     .description = "RFC 9406: without an RTT increase slow start goes on doubling cwnd")
{
	ss_start();
	for (int r = 0; r < 4; r++)
		ss_round(60000);
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
	cr_expect_eq(sk.hs_css, 0);
	cr_expect_geq(sk.cwnd, 140 * 1000u, "10 segments doubled about four times: %u", sk.cwnd);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_DETECT), 0);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 0);
}

Test(hystart, rising_rtt_enters_css,
     .description = "RFC 9406 4.2: a round whose smallest RTT, over at least 8 samples, exceeds "
		    "the last round's by RttThresh leaves slow start for CSS: cssBaselineMinRtt = that "
		    "RTT, ssthresh still infinite")
{
	uint32_t cwnd = ss_to_css();

	cr_expect_eq(sk.ssthresh, UINT32_MAX);
	cr_expect_eq(sk.hs_css_base, 76000u);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_DETECT), 1);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_CWND), cwnd / 1000);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 0, "not yet in avoidance");
}

Test(hystart, rtt_thresh_clamped_4_to_16_ms,
     .description = "RFC 9406 4.2: RttThresh = max(4 ms, min(lastRoundMinRTT / 8, 16 ms)): "
		    "at the testbed's 100 us a rise must reach 4 ms, at 200 ms 16 ms is enough")
{
	static const struct { uint32_t base, rise; uint8_t css; } c[] = {
		{ 100, 4099, 0 }, { 100, 4100, 1 },
		{ 40000, 44999, 0 }, { 40000, 45000, 1 },           /* 40 / 8 = 5 ms */
		{ 200000, 215999, 0 }, { 200000, 216000, 1 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ss_start();
		ss_round(c[i].base);
		ss_round(c[i].base);
		ss_round(c[i].rise);
		cr_expect_eq(sk.hs_css, c[i].css, "last round %u us, this one %u us", c[i].base, c[i].rise);
	}
}

Test(hystart, initial_slow_start_counts_up_to_l_8_segments,
     .description = "RFC 9406 4.2 / 4.3: cwnd += min(N, L SMSS), L = 8 without pacing")
{
	ss_start();
	sk.snd_una += 20 * 1000;
	sk.cc_ops->on_ack(&sk, 20 * 1000);
	cr_expect_eq(sk.cwnd, 18 * 1000u, "10 + 8 segments: %u", sk.cwnd);
}

Test(hystart, not_cwnd_limited_stops_at_twice_the_flight,
     .description = "RFC 7661 (as Linux): a flight that cwnd did not limit lets slow start grow "
		    "cwnd to twice the largest flight, even when L = 8 would give more")
{
	ss_start();
	sk.cwnd_limited = false;
	sk.max_flight = 6 * 1000;
	sk.snd_una += 6 * 1000;
	sk.cc_ops->on_ack(&sk, 6 * 1000);
	cr_expect_eq(sk.cwnd, 12 * 1000u, "cwnd %u", sk.cwnd);
	sk.cc_ops->on_ack(&sk, 1000);
	cr_expect_eq(sk.cwnd, 12 * 1000u, "no further");
}

Test(hystart, css_grows_a_quarter_as_fast,
     .description = "RFC 9406 4.2: in CSS cwnd += min(N, L SMSS) / CSS_GROWTH_DIVISOR (4)")
{
	uint32_t cwnd = ss_to_css(), flight;

	ack_one(76000);
	cr_expect_eq(sk.cwnd, cwnd + 250, "a quarter segment per segment acked");
	/* A whole CSS round grows cwnd by a quarter of the flight (slow start: doubles). */
	ss_round(76000);
	flight = (uint32_t)(sk.snd_nxt - sk.snd_una);
	cwnd = sk.cwnd;
	ss_round(76000);
	cr_expect(sk.cwnd >= cwnd + flight / 4 - 1000 && sk.cwnd <= cwnd + flight / 4 + 1000,
		  "cwnd %u -> %u over a round of %u bytes", cwnd, sk.cwnd, flight);
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
}

Test(hystart, spurious_exit_back_to_slow_start,
     .description = "RFC 9406 4.2: a CSS round whose smallest RTT (8 samples) falls below "
		    "cssBaselineMinRtt resumes slow start, HyStart++ included")
{
	uint32_t cwnd;

	ss_to_css();
	ss_round(76000);                 /* the rest of the round CSS began in */
	for (int i = 0; i < 8; i++)
		ack_one(70000);
	cr_expect_eq(sk.hs_css, 0, "back in slow start");
	cr_expect_eq(sk.hs_css_base, 0);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_CSS_SPURIOUS), 1);
	cwnd = sk.cwnd;
	ack_one(70000);
	cr_expect_eq(sk.cwnd, cwnd + 1000, "a whole segment per segment again");
	cr_expect_eq(sk.ssthresh, UINT32_MAX);
	/* ... and HyStart++ still watches: a new rise goes to CSS again. */
	ss_round(70000);
	ss_round(70000);
	ss_round(80000);
	cr_expect_eq(sk.hs_css, 1);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_DETECT), 2);
}

Test(hystart, css_rounds_then_congestion_avoidance,
     .description = "RFC 9406 4.2: after CSS_ROUNDS = 5 rounds of CSS (the partial round of the "
		    "exit counts) ssthresh = cwnd: congestion avoidance")
{
	uint32_t cwnd;

	ss_to_css();
	ss_round(76000);                 /* round 1: the one CSS began in */
	for (int r = 2; r <= 5; r++) {
		cr_expect_eq(sk.ssthresh, UINT32_MAX, "CSS round %d", r);
		ss_round(76000);
		cr_expect_eq(sk.hs_css, r);
	}
	cr_expect_eq(sk.ssthresh, UINT32_MAX, "still CSS in round 5");
	cwnd = sk.cwnd;
	ack_one(76000);                  /* the ACK that ends round 5 */
	cr_expect_eq(sk.hs_css, 0);
	cr_expect_eq(sk.ssthresh, cwnd, "ssthresh = cwnd");
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 1);
	cr_expect_neq(tcp_cubic(&sk)->epoch_us, 0, "that ACK already counts in CUBIC's avoidance");
}

Test(hystart, loss_in_css_ends_it,
     .description = "RFC 9406 4.2: a loss in CSS ends HyStart++; ssthresh is the loss "
		    "response's (CUBIC: 0.7 cwnd), not cwnd, and no RTT is watched any more")
{
	uint32_t cwnd;

	ss_to_css();
	ack_one(76000);
	cwnd = sk.cwnd;
	sk.cc_ops->on_congestion(&sk);
	cr_expect_eq(sk.ssthresh, cwnd * 7 / 10);
	sk.cwnd = sk.ssthresh;           /* recovery ends */
	for (int r = 0; r < 3; r++) {
		uint32_t segs = sk.cwnd / sk.mss;

		for (uint32_t i = 0; i < segs; i++)
			ack_one(200000);
	}
	cr_expect_eq(sk.hs_sample, 0, "no samples kept for HyStart++");
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_EXIT), 0);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_CSS_SPURIOUS), 0);
	cr_expect_lt(sk.cwnd, cwnd, "avoidance from 0.7 cwnd, not slow start");
}

Test(hystart, not_after_an_rto,
     .description = "RFC 9406 4.3: after an RTO slow start is RFC 5681's up to ssthresh, "
		    "whatever the RTT does")
{
	ss_start();
	sk.cwnd = 100 * 1000;
	sk.cc_ops->on_congestion(&sk);
	sk.cwnd = 1000;
	sk.snd_nxt = sk.snd_una + sk.cwnd;
	sk.snd_max = sk.snd_nxt;
	for (int i = 0; i < 20; i++)
		ack_one(i < 10 ? 10000 : 40000);
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_HYSTART_DELAY_DETECT), 0);
	cr_expect_eq(sk.hs_css, 0);
	cr_expect_eq(sk.cwnd, 21 * 1000u, "one segment per segment acked");
}

Test(txp, grows_when_the_pipe_caps_the_flight,
     .description = "send buffer autotuning: a tx pipe three quarters full of unacknowledged "
		    "bytes doubles, at most once per RTT, up to its maximum")
{
	static uint8_t data[8192];
	struct tcp_pipe p;

	setup(&tcp_cc_cubic, 1000, 10, 10000);
	cr_assert_eq(tcp_pipe_init_tuned(&p, 4096, 16384, NULL), 0);
	sk.txp = &p;
	tcp_pipe_write(&p, 0, data, 2048);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 4096u, "half full: the pipe is not the limit");
	tcp_pipe_write(&p, 2048, data, 2048);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 8192u, "full: doubled");
	tcp_pipe_write(&p, 4096, data, 4096);
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 8192u, "not twice in one RTT");
	st.now_us += 10000;
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 16384u);
	tcp_pipe_write(&p, 8192, data, 8192);
	st.now_us += 10000;
	tcp_txp_grow(&sk, 10000);
	cr_expect_eq(p.cap, 16384u, "max_cap");
	cr_expect_eq(tcp_mib_get(&st, TCP_MIB_SNDBUF_GROWN), 2);
	tcp_pipe_fini(&p);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coupled congestion control (lib/mptcp/mptcp_cc.c) against the published
 * formulas: LIA (RFC 6356 4) and OLIA (Khalili et al., CoNEXT 2012;
 * draft-khalili-mptcp-congestion-control-05 3). Every expected value is
 * computed here from the formula, from the windows, RTTs and inter-loss
 * byte counts the test sets; no EAL needed.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mptcp/mptcp_internal.h"

#define MSS 1000u
#define NSF 4

static struct mptcp_sock msk;
static struct mptcp_subflow sf[NSF];
static struct tcp_sock sk[NSF];

/* One subflow as the test sees it: window in segments, RTT in ms, l1/l2 in bytes. */
struct path {
	uint32_t w;
	uint32_t rtt_ms;
	uint64_t l1, l2;
};

/* An established connection of n subflows (the first the MP_CAPABLE one), all
 * in congestion avoidance and using ops. */
static void conn(const struct tcp_cc_ops *ops, const struct path *p, int n)
{
	memset(&msk, 0, sizeof(msk));
	memset(sf, 0, sizeof(sf));
	memset(sk, 0, sizeof(sk));
	LIST_INIT(&msk.joined);
	msk.state = MSK_ESTABLISHED;
	for (int i = 0; i < n; i++) {
		sk[i].mss = MSS;
		sk[i].cwnd = p[i].w * MSS;
		sk[i].ssthresh = MSS;
		sk[i].srtt_us = p[i].rtt_ms * 1000;
		sk[i].ulp = &mptcp_ulp;
		sk[i].ulp_ctx = &sf[i];
		sf[i].msk = &msk;
		sf[i].sk = &sk[i];
		sf[i].master = i == 0;
		if (i == 0) {
			msk.master = &sf[0];
		} else {
			LIST_INSERT_HEAD(&msk.joined, &sf[i], link);
			msk.n_joined++;
		}
		tcp_set_cc(&sk[i], ops);
		if (ops == &mptcp_cc_olia) {
			mptcp_olia_of(&sk[i])->l1 = p[i].l1;
			mptcp_olia_of(&sk[i])->l2 = p[i].l2;
		}
	}
}

/* RFC 6356 4, windows in bytes: alpha = total * max(w_i / rtt_i^2) / (sum w_i / rtt_i)^2. */
static double rfc6356_alpha(const struct path *p, int n, double *total)
{
	double best = 0, sum = 0;

	*total = 0;
	for (int i = 0; i < n; i++) {
		double w = (double)p[i].w * MSS, r = p[i].rtt_ms / 1e3;

		*total += w;
		best = fmax(best, w / (r * r));
		sum += w / r;
	}
	return *total * best / (sum * sum);
}

/* RFC 6356 4: the increase on subflow i for acked bytes. */
static double rfc6356_increase(const struct path *p, int n, int i, double acked)
{
	double total, alpha = rfc6356_alpha(p, n, &total);
	double coupled = alpha * acked * MSS / total, alone = acked * MSS / ((double)p[i].w * MSS);

	return fmin(coupled, alone);
}

/* Bytes the last on_ack added, counting what waits in the accumulator (which starts at 0). */
static double lia_added(int i, uint32_t before)
{
	return (double)sk[i].cwnd - before + mptcp_lia_of(&sk[i])->acc;
}

static double olia_added(int i, uint32_t before)
{
	return (double)sk[i].cwnd - before + mptcp_olia_of(&sk[i])->acc;
}

/* OLIA's alpha_r from its definition: M = largest windows, B = largest
 * l^2 / rtt with l = max(l1, l2), collected = B \ M. */
static double olia_ref_alpha(const struct path *p, int n, int r)
{
	bool in_m[NSF], in_b[NSF];
	double wmax = 0, qmax = 0, q[NSF];
	int m = 0, c = 0;

	for (int i = 0; i < n; i++) {
		double l = (double)(p[i].l1 > p[i].l2 ? p[i].l1 : p[i].l2);

		q[i] = l * l / (p[i].rtt_ms / 1e3);
		wmax = fmax(wmax, p[i].w);
		qmax = fmax(qmax, q[i]);
	}
	for (int i = 0; i < n; i++) {
		in_m[i] = p[i].w == wmax;
		in_b[i] = q[i] == qmax;
		m += in_m[i];
		c += in_b[i] && !in_m[i];
	}
	if (c == 0)
		return 0;
	if (in_b[r] && !in_m[r])
		return 1.0 / (n * c);
	if (in_m[r])
		return -1.0 / (n * m);
	return 0;
}

/* OLIA per byte acked on r: (w_r / rtt_r^2) / (sum w_p / rtt_p)^2 + alpha_r / w_r, w in segments. */
static double olia_ref_increase(const struct path *p, int n, int r, double acked)
{
	double sum = 0, rr = p[r].rtt_ms / 1e3, w = p[r].w;

	for (int i = 0; i < n; i++)
		sum += p[i].w / (p[i].rtt_ms / 1e3);
	return acked * (w / (rr * rr) / (sum * sum) + olia_ref_alpha(p, n, r) / w);
}

Test(lia, alpha_two_subflows_equal_rtts,
     .description = "RFC 6356 4: with equal RTTs alpha = max(w_i) / sum(w_i): 30 / 40 for windows of 10 and 30")
{
	const struct path p[] = { { 10, 50, 0, 0 }, { 30, 50, 0, 0 } };
	double total;
	uint64_t got_total;

	conn(&mptcp_cc_lia, p, 2);
	cr_expect_float_eq(rfc6356_alpha(p, 2, &total), 0.75, 1e-12, "the formula itself");
	for (int i = 0; i < 2; i++) {
		cr_expect_float_eq(mptcp_lia_alpha(&sk[i], &got_total), 0.75, 1e-9, "subflow %d", i);
		cr_expect_eq(got_total, 40 * MSS, "cwnd_total");
	}
}

Test(lia, alpha_two_subflows_unequal_rtts,
     .description = "RFC 6356 4: alpha = total * max(w_i / rtt_i^2) / (sum w_i / rtt_i)^2, RTTs 10 and 100 ms")
{
	const struct path p[] = { { 10, 10, 0, 0 }, { 100, 100, 0, 0 } };
	double total, want = rfc6356_alpha(p, 2, &total);
	uint64_t got_total;

	conn(&mptcp_cc_lia, p, 2);
	/* 110 segments * (10 / 0.01^2) / (10 / 0.01 + 100 / 0.1)^2 = 110 * 1e5 / 4e6 */
	cr_expect_float_eq(want, 2.75, 1e-9);
	cr_expect_float_eq(mptcp_lia_alpha(&sk[1], &got_total), want, 1e-9);
	cr_expect_eq(got_total, 110 * MSS);
}

Test(lia, alpha_three_subflows,
     .description = "RFC 6356 4: alpha over three subflows, equal RTTs and then 20, 60 and 200 ms")
{
	const struct path eq[] = { { 10, 40, 0, 0 }, { 20, 40, 0, 0 }, { 40, 40, 0, 0 } };
	const struct path ne[] = { { 10, 20, 0, 0 }, { 20, 60, 0, 0 }, { 40, 200, 0, 0 } };
	double total;
	uint64_t got_total;

	conn(&mptcp_cc_lia, eq, 3);
	cr_expect_float_eq(mptcp_lia_alpha(&sk[2], &got_total), 40.0 / 70.0, 1e-9, "max / sum");
	cr_expect_eq(got_total, 70 * MSS);
	conn(&mptcp_cc_lia, ne, 3);
	cr_expect_float_eq(mptcp_lia_alpha(&sk[0], &got_total), rfc6356_alpha(ne, 3, &total), 1e-9);
	cr_expect_eq(got_total, 70 * MSS);
}

Test(lia, increase_follows_rfc6356,
     .description = "RFC 6356 4: each ACK adds min(alpha * acked * MSS / total, acked * MSS / cwnd_i)")
{
	const struct path two[] = { { 10, 50, 0, 0 }, { 30, 50, 0, 0 } };
	const struct path three[] = { { 10, 20, 0, 0 }, { 20, 60, 0, 0 }, { 40, 200, 0, 0 } };
	const struct { const struct path *p; int n; } cases[] = { { two, 2 }, { three, 3 } };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int i = 0; i < cases[c].n; i++) {
			uint32_t before;

			conn(&mptcp_cc_lia, cases[c].p, cases[c].n);
			before = sk[i].cwnd;
			sk[i].cc_ops->on_ack(&sk[i], 3 * MSS);
			cr_expect_float_eq(lia_added(i, before), rfc6356_increase(cases[c].p, cases[c].n, i, 3 * MSS),
					   1e-6, "case %zu subflow %d: added %f", c, i, lia_added(i, before));
		}
	}
}

Test(lia, never_more_than_tcp_on_that_subflow,
     .description = "RFC 6356 4: the increase is capped at acked * MSS / cwnd_i, what uncoupled TCP would add")
{
	/* Equal w / rtt, RTTs 10x apart: alpha * cwnd_2 / total = 10 / 4 > 1, so the
	 * long-RTT subflow would get 2.5 times TCP's increase without the cap. */
	const struct path capped[] = { { 10, 10, 0, 0 }, { 100, 100, 0, 0 } };
	const struct { struct path p[3]; int n; } others[] = {
		{ { { 10, 50, 0, 0 }, { 30, 50, 0, 0 } }, 2 },
		{ { { 5, 10, 0, 0 }, { 50, 30, 0, 0 }, { 200, 300, 0, 0 } }, 3 },
		{ { { 1, 1, 0, 0 }, { 1, 1000, 0, 0 }, { 1000, 1, 0, 0 } }, 3 },
		{ { { 3, 5, 0, 0 }, { 60, 400, 0, 0 } }, 2 },
	};
	uint32_t before;
	double total;

	cr_assert_gt(rfc6356_alpha(capped, 2, &total) * MSS / total, (double)MSS / (100 * MSS),
		     "the coupled term exceeds TCP's here");
	conn(&mptcp_cc_lia, capped, 2);
	before = sk[1].cwnd;
	sk[1].cc_ops->on_ack(&sk[1], MSS);
	cr_expect_float_eq(lia_added(1, before), (double)MSS * MSS / (100 * MSS), 1e-6,
			   "exactly TCP's MSS * acked / cwnd: %f", lia_added(1, before));

	for (size_t c = 0; c < sizeof(others) / sizeof(others[0]); c++) {
		for (int i = 0; i < others[c].n; i++) {
			conn(&mptcp_cc_lia, others[c].p, others[c].n);
			before = sk[i].cwnd;
			sk[i].cc_ops->on_ack(&sk[i], 2 * MSS);
			cr_expect_leq(lia_added(i, before), 2.0 * MSS * MSS / before + 1e-6,
				      "case %zu subflow %d: %f", c, i, lia_added(i, before));
		}
	}
}

Test(olia, one_subflow_is_newreno,
     .description = "OLIA with one subflow: alpha 0, 1 / w segments per segment acked (MSS * acked / cwnd bytes)")
{
	const struct path p[] = { { 10, 50, 0, 0 } };
	uint32_t before;

	conn(&mptcp_cc_olia, p, 1);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[0]), 0, 1e-12);
	before = sk[0].cwnd;
	sk[0].cc_ops->on_ack(&sk[0], MSS);
	cr_expect_float_eq(olia_added(0, before), (double)MSS * MSS / (10 * MSS), 1e-6);
}

Test(olia, alpha_zero_when_no_best_path_lacks_the_largest_window,
     .description = "OLIA: collected = B \\ M empty (the best path has the largest window, "
		    "or all windows are equal) -> alpha 0")
{
	/* Subflow 0 has both the largest window and the largest l^2 / rtt. */
	const struct path best_is_max[] = { { 20, 50, 100000, 0 }, { 10, 50, 0, 10000 }, { 5, 20, 2000, 3000 } };
	const struct path equal_w[] = { { 10, 50, 1000, 0 }, { 10, 20, 0, 90000 } };

	conn(&mptcp_cc_olia, best_is_max, 3);
	for (int i = 0; i < 3; i++)
		cr_expect_float_eq(mptcp_olia_alpha(&sk[i]), 0, 1e-12, "subflow %d", i);
	conn(&mptcp_cc_olia, equal_w, 2);
	for (int i = 0; i < 2; i++)
		cr_expect_float_eq(mptcp_olia_alpha(&sk[i]), 0, 1e-12, "equal windows: all in M, subflow %d", i);
}

Test(olia, best_path_with_a_small_window_gets_positive_alpha,
     .description = "OLIA: r in collected gets 1 / (|R| |collected|), the largest windows -1 / (|R| |M|), others 0")
{
	/* B = {1} (l = 80 kB over 50 ms beats 30 kB and 5 kB), M = {0}: collected = {1}. */
	const struct path p[] = { { 30, 50, 30000, 0 }, { 10, 50, 0, 80000 }, { 10, 50, 5000, 1000 } };
	/* M = {0, 1}, B = {2}: |collected| = 1, |M| = 2, |R| = 4. */
	const struct path q[] = { { 20, 40, 1000, 0 }, { 20, 40, 0, 0 }, { 10, 40, 60000, 0 }, { 8, 40, 0, 500 } };
	/* M = {0}, B = {1, 2} (same l and RTT): |collected| = 2, |M| = 1, |R| = 4. */
	const struct path t[] = { { 30, 40, 0, 0 }, { 10, 40, 60000, 0 }, { 10, 40, 0, 60000 }, { 5, 40, 100, 0 } };

	conn(&mptcp_cc_olia, p, 3);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[1]), 1.0 / 3, 1e-12, "collected: 1 / (3 * 1)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[0]), -1.0 / 3, 1e-12, "largest window: -1 / (3 * 1)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[2]), 0, 1e-12, "neither");
	for (int i = 0; i < 3; i++)
		cr_expect_float_eq(mptcp_olia_alpha(&sk[i]), olia_ref_alpha(p, 3, i), 1e-12, "subflow %d", i);

	conn(&mptcp_cc_olia, q, 4);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[0]), -1.0 / 8, 1e-12, "-1 / (4 * 2)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[1]), -1.0 / 8, 1e-12);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[2]), 1.0 / 4, 1e-12, "1 / (4 * 1)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[3]), 0, 1e-12);

	conn(&mptcp_cc_olia, t, 4);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[0]), -1.0 / 4, 1e-12, "-1 / (4 * 1)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[1]), 1.0 / 8, 1e-12, "1 / (4 * 2)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[2]), 1.0 / 8, 1e-12, "l2 counts as l1 does");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[3]), 0, 1e-12);
}

Test(olia, best_paths_rank_by_l_squared_over_rtt,
     .description = "OLIA (draft 3): B holds the paths with the largest l_r^2 / rtt_r, l_r = max(l1_r, l2_r)")
{
	/* l^2 / rtt: 100 kB over 10 ms = 1e12, 400 kB over 100 ms = 1.6e12: subflow 2 is
	 * best (l / rtt^2 would pick subflow 1). Subflow 0 has the largest window. */
	const struct path p[] = { { 40, 30, 0, 0 }, { 10, 10, 100000, 0 }, { 10, 100, 1000, 400000 } };

	conn(&mptcp_cc_olia, p, 3);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[2]), 1.0 / 3, 1e-12, "l2 counts: max(l1, l2)");
	cr_expect_float_eq(mptcp_olia_alpha(&sk[1]), 0, 1e-12);
	cr_expect_float_eq(mptcp_olia_alpha(&sk[0]), -1.0 / 3, 1e-12);
}

Test(olia, increase_follows_the_formula,
     .description = "OLIA: acked * [(w_r / rtt_r^2) / (sum w_p / rtt_p)^2 + alpha_r / w_r] bytes, w in segments")
{
	const struct path p[] = { { 30, 50, 30000, 0 }, { 10, 50, 0, 80000 }, { 10, 50, 5000, 1000 } };
	const struct path q[] = { { 25, 80, 0, 0 }, { 12, 15, 50000, 20000 }, { 6, 200, 7000, 0 },
				  { 25, 30, 3000, 3000 } };
	const struct { const struct path *p; int n; } cases[] = { { p, 3 }, { q, 4 } };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int i = 0; i < cases[c].n; i++) {
			uint32_t before;
			double want = olia_ref_increase(cases[c].p, cases[c].n, i, 4 * MSS);

			conn(&mptcp_cc_olia, cases[c].p, cases[c].n);
			before = sk[i].cwnd;
			sk[i].cc_ops->on_ack(&sk[i], 4 * MSS);
			cr_expect_float_eq(olia_added(i, before), want, 1e-6,
					   "case %zu subflow %d: added %f, formula %f", c, i, olia_added(i, before), want);
		}
	}
	/* A largest window in q shrinks: alpha / w = -1/8 / 25 outweighs the first term. */
	cr_expect_lt(olia_ref_increase(q, 4, 0, MSS), 0);
}

Test(olia, l1_and_l2_follow_the_losses,
     .description = "OLIA: l1 counts bytes acked since the last loss (slow start too); a loss moves it to l2")
{
	const struct path p[] = { { 10, 50, 0, 0 }, { 10, 50, 0, 0 } };

	conn(&mptcp_cc_olia, p, 2);
	sk[0].ssthresh = 20 * MSS;                 /* slow start first */
	sk[0].cc_ops->on_ack(&sk[0], MSS);
	cr_expect_eq(sk[0].cwnd, 11 * MSS, "slow start is TCP's");
	sk[0].ssthresh = 2 * MSS;
	sk[0].cc_ops->on_ack(&sk[0], 4 * MSS);
	cr_expect_eq(mptcp_olia_of(&sk[0])->l1, 5 * MSS);
	cr_expect_eq(mptcp_olia_of(&sk[0])->l2, 0);

	sk[0].snd_una = 1;
	sk[0].snd_max = 1 + 16 * MSS;
	sk[0].cc_ops->on_congestion(&sk[0]);
	cr_expect_eq(sk[0].ssthresh, 8 * MSS, "the decrease is TCP's: half the flight");
	cr_expect_eq(mptcp_olia_of(&sk[0])->l2, 5 * MSS, "l2: between the last two losses");
	cr_expect_eq(mptcp_olia_of(&sk[0])->l1, 0, "l1 restarts");

	sk[0].cwnd = sk[0].ssthresh;
	sk[0].cc_ops->on_ack(&sk[0], 3 * MSS);
	cr_expect_eq(mptcp_olia_of(&sk[0])->l1, 3 * MSS);
	sk[0].cc_ops->on_congestion(&sk[0]);
	cr_expect_eq(mptcp_olia_of(&sk[0])->l2, 3 * MSS, "the older interval is forgotten");
	cr_expect_eq(mptcp_olia_of(&sk[0])->l1, 0);
	/* An RTO backing off with nothing acked since is the same loss episode. */
	sk[0].cc_ops->on_congestion(&sk[0]);
	cr_expect_eq(mptcp_olia_of(&sk[0])->l2, 3 * MSS, "l2 kept when nothing was acked between the losses");
	cr_expect_eq(mptcp_olia_of(&sk[1])->l1, 0, "the other subflow's counts are its own");
}

Test(olia, window_never_below_one_mss,
     .description = "OLIA: a negative increase stops at 1 MSS, and ssthresh follows the window down")
{
	/* Subflow 0 has the largest window and a 1 s RTT; subflow 1 (10 ms) is the
	 * best path: alpha_0 = -1/2, the increase about -1/4 segment per segment. */
	const struct path p[] = { { 2, 1000, 0, 0 }, { 1, 10, 0, 50000 } };
	double per_byte = olia_ref_increase(p, 2, 0, 1);

	conn(&mptcp_cc_olia, p, 2);
	cr_assert_lt(per_byte, -0.2);
	sk[0].ssthresh = 2 * MSS;
	sk[0].cc_ops->on_ack(&sk[0], MSS);
	cr_expect_eq(sk[0].cwnd, (uint32_t)(2 * MSS + ceil(per_byte * MSS)), "cwnd %u", sk[0].cwnd);
	cr_expect_eq(sk[0].ssthresh, sk[0].cwnd, "still in congestion avoidance, not slow start");

	conn(&mptcp_cc_olia, p, 2);
	sk[0].cc_ops->on_ack(&sk[0], 20 * MSS);    /* -5 segments asked for */
	cr_expect_eq(sk[0].cwnd, MSS, "stopped at 1 MSS");
	cr_expect_float_eq(mptcp_olia_of(&sk[0])->acc, 0, 1e-12, "no debt kept below the floor");

	conn(&mptcp_cc_olia, p, 2);
	for (int k = 0; k < 200; k++) {
		sk[0].cc_ops->on_ack(&sk[0], MSS / 2);
		cr_assert_geq(sk[0].cwnd, MSS, "ack %d: cwnd %u", k, sk[0].cwnd);
	}
}

Test(lia, find_by_config_word,
     .description = "mptcp.cc's words: lia and olia name their ops, uncoupled (or anything else) none")
{
	cr_expect_eq(mptcp_cc_find("lia"), &mptcp_cc_lia);
	cr_expect_eq(mptcp_cc_find("olia"), &mptcp_cc_olia);
	cr_expect_null(mptcp_cc_find("uncoupled"));
	cr_expect_null(mptcp_cc_find("cubic"));
	cr_expect_null(mptcp_cc_find(NULL));
}

Test(mptcp_cc, kinds_and_their_words_agree,
     .description = "each kind of MPTCP_CC_NAMES finds the ops mptcp_cc_of gives it, and those ops carry the word")
{
	static const char *const names[] = MPTCP_CC_NAMES;

	cr_expect_null(mptcp_cc_of(MPTCP_CC_UNCOUPLED));
	cr_expect_null(names[MPTCP_CC_KINDS]);
	for (int k = MPTCP_CC_UNCOUPLED + 1; k < MPTCP_CC_KINDS; k++) {
		const struct tcp_cc_ops *ops = mptcp_cc_of((enum mptcp_cc_kind)k);

		cr_assert_not_null(ops, "kind %d", k);
		cr_expect_str_eq(ops->name, names[k]);
		cr_expect_eq(mptcp_cc_find(names[k]), ops);
	}
}

Test(mptcp_cc, scheduler_words_name_their_kinds)
{
	static const char *const names[] = MPTCP_SCHED_NAMES;

	for (int k = 0; k < MPTCP_SCHED_KINDS; k++)
		cr_expect_eq(mptcp_sched_by_name(names[k]), k, "%s", names[k]);
	cr_expect_eq(mptcp_sched_by_name(NULL), MPTCP_SCHED_MINRTT);
	cr_expect_eq(mptcp_sched_by_name("fastest"), -1);
}


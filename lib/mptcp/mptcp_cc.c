/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coupled congestion control for the subflows of one connection. Each subflow
 * keeps its own window; slow start and the decrease on loss are TCP's (RFC
 * 6356 3); only the increase in congestion avoidance is coupled.
 *
 * LIA (RFC 6356): the increase on subflow i for `acked` bytes is
 *
 *     min(alpha * acked * MSS_i / cwnd_total,  acked * MSS_i / cwnd_i)
 *
 *     alpha = cwnd_total * max_i(cwnd_i / rtt_i^2) / (sum_i cwnd_i / rtt_i)^2
 *
 * so the connection takes no more than one TCP would on its best path and
 * moves traffic away from congested paths.
 *
 * OLIA (Khalili, Gast, Popovic, Le Boudec, "MPTCP is not Pareto-optimal",
 * CoNEXT 2012; draft-khalili-mptcp-congestion-control-05) fixes LIA's
 * trade-off between responsiveness and congestion balancing. With windows
 * w_p in segments and RTTs in seconds, each segment acked on subflow r adds
 *
 *     (w_r / rtt_r^2) / (sum_p w_p / rtt_p)^2  +  alpha_r / w_r
 *
 * segments to w_r. `acked` bytes are acked / MSS_r segments of MSS_r bytes
 * each, so in bytes cwnd_r grows by acked times that expression (with equal
 * MSSes this is the draft's "multiplied by MSS_r * bytes_acked" with windows
 * in bytes). One subflow alone gets 1 / w per segment: NewReno. alpha_r
 * shifts window toward the paths that look best:
 *
 *     l_r        = max(l1_r, l2_r): bytes acked since the last loss, and
 *                  between the last two losses
 *     M          = the subflows with the largest window
 *     B          = the subflows with the largest l_r^2 / rtt_r
 *     collected  = B \ M
 *     alpha_r    =  1 / (|R| |collected|)  for r in collected
 *                  -1 / (|R| |M|)          for r in M          (collected not empty)
 *                   0                      otherwise, and for all when collected is empty
 *
 * (the UCLouvain kernel ranks paths by l_r / rtt_r^2 instead; hagd follows
 * the draft). A negative increase never takes the window below one MSS, and
 * takes ssthresh down with it so that slow start does not undo it.
 */
#include <string.h>

#include "mptcp/mptcp_internal.h"

/* The subflows of sk's connection that carry data, with their windows and RTTs. */
static int coupled(const struct tcp_sock *sk, const struct tcp_sock **out, int max)
{
	const struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;
	const struct mptcp_sock *msk = sf ? sf->msk : NULL;
	const struct mptcp_subflow *j;
	int n = 0;

	if (msk == NULL || msk->master == NULL) {
		out[n++] = sk;
		return n;
	}
	out[n++] = msk->master->sk;
	LIST_FOREACH(j, &msk->joined, link)
		if (n < max && !j->join_pending && !j->stale)
			out[n++] = j->sk;
	return n;
}

/* Smoothed RTT in seconds; 100 ms before the first sample. */
static double rtt_s(const struct tcp_sock *s)
{
	return s->srtt_us ? s->srtt_us / 1e6 : 0.1;
}

double mptcp_lia_alpha(const struct tcp_sock *sk, uint64_t *cwnd_total)
{
	const struct tcp_sock *s[MPTCP_SUBFLOWS_MAX];
	int n = coupled(sk, s, MPTCP_SUBFLOWS_MAX);
	double best = 0, sum = 0, total = 0;

	for (int i = 0; i < n; i++) {
		double rtt = rtt_s(s[i]);
		double w = s[i]->cwnd;

		total += w;
		if (w / (rtt * rtt) > best)
			best = w / (rtt * rtt);
		sum += w / rtt;
	}
	*cwnd_total = (uint64_t)total;
	return sum > 0 ? total * best / (sum * sum) : 1.0;
}

static void lia_init(struct tcp_sock *sk)
{
	mptcp_lia_of(sk)->acc = 0;
}

static void lia_on_ack(struct tcp_sock *sk, uint64_t acked)
{
	uint64_t total;
	double alpha, inc_coupled, inc_alone;

	acked = tcp_cc_slow_start(sk, acked);
	if (acked == 0)
		return;
	alpha = mptcp_lia_alpha(sk, &total);
	if (total == 0)
		total = sk->cwnd;
	inc_coupled = alpha * (double)acked * sk->mss / (double)total;
	inc_alone = (double)acked * sk->mss / (double)sk->cwnd;
	mptcp_lia_of(sk)->acc += inc_coupled < inc_alone ? inc_coupled : inc_alone;
	if (mptcp_lia_of(sk)->acc >= 1.0) {
		uint32_t add = (uint32_t)mptcp_lia_of(sk)->acc;

		sk->cwnd += add;
		mptcp_lia_of(sk)->acc -= add;
	}
}

static void lia_on_congestion(struct tcp_sock *sk)
{
	tcp_cc_halve(sk);
	mptcp_lia_of(sk)->acc = 0;
}

const struct tcp_cc_ops mptcp_cc_lia = {
	.name = "lia",
	.init = lia_init,
	.on_ack = lia_on_ack,
	.on_congestion = lia_on_congestion,
};

/* Window in segments; in recovery its target, not NewReno's inflated window. */
static double olia_wnd(const struct tcp_sock *s)
{
	return (double)(s->flags & TF_RECOVERY ? s->ssthresh : s->cwnd) / s->mss;
}

/* l_r^2 / rtt_r: how good the path looked between its recent losses. */
static double olia_quality(const struct tcp_sock *s)
{
	double l;

	if (s->cc_ops != &mptcp_cc_olia)
		return 0;
	l = (double)(mptcp_olia_of(s)->l1 > mptcp_olia_of(s)->l2 ? mptcp_olia_of(s)->l1 : mptcp_olia_of(s)->l2);
	return l * l / rtt_s(s);
}

/* coupled(), with sk itself in even when the scheduler set it aside as stale. */
static int olia_paths(const struct tcp_sock *sk, const struct tcp_sock **s)
{
	int n = coupled(sk, s, MPTCP_SUBFLOWS_MAX);

	for (int i = 0; i < n; i++)
		if (s[i] == sk)
			return n;
	if (n == MPTCP_SUBFLOWS_MAX)
		n--;
	s[n++] = sk;
	return n;
}

static double olia_alpha(const struct tcp_sock *sk, const struct tcp_sock *const *s, int n)
{
	double wmax = 0, qmax = 0;
	int in_max = 0, collected = 0;

	for (int i = 0; i < n; i++) {
		if (olia_wnd(s[i]) > wmax)
			wmax = olia_wnd(s[i]);
		if (olia_quality(s[i]) > qmax)
			qmax = olia_quality(s[i]);
	}
	for (int i = 0; i < n; i++) {
		if (olia_wnd(s[i]) == wmax)
			in_max++;
		else if (olia_quality(s[i]) == qmax)
			collected++;
	}
	if (collected == 0)
		return 0;
	if (olia_wnd(sk) == wmax)
		return -1.0 / (n * in_max);
	if (olia_quality(sk) == qmax)
		return 1.0 / (n * collected);
	return 0;
}

double mptcp_olia_alpha(const struct tcp_sock *sk)
{
	const struct tcp_sock *s[MPTCP_SUBFLOWS_MAX];
	int n = olia_paths(sk, s);

	return olia_alpha(sk, s, n);
}

/* Segments added per segment acked on sk (bytes per byte acked); may be negative. */
static double olia_increase(const struct tcp_sock *sk)
{
	const struct tcp_sock *s[MPTCP_SUBFLOWS_MAX];
	int n = olia_paths(sk, s);
	double sum = 0, w = olia_wnd(sk), rtt = rtt_s(sk);

	for (int i = 0; i < n; i++)
		sum += olia_wnd(s[i]) / rtt_s(s[i]);
	return w / (rtt * rtt) / (sum * sum) + olia_alpha(sk, s, n) / w;
}

static void olia_init(struct tcp_sock *sk)
{
	memset(mptcp_olia_of(sk), 0, sizeof(struct mptcp_olia_state));
}

static void olia_on_ack(struct tcp_sock *sk, uint64_t acked)
{
	uint32_t step;

	mptcp_olia_of(sk)->l1 += acked;
	acked = tcp_cc_slow_start(sk, acked);
	if (acked == 0)
		return;
	mptcp_olia_of(sk)->acc += olia_increase(sk) * (double)acked;
	if (mptcp_olia_of(sk)->acc >= 1.0) {
		step = (uint32_t)mptcp_olia_of(sk)->acc;
		sk->cwnd += step;
		mptcp_olia_of(sk)->acc -= step;
	} else if (mptcp_olia_of(sk)->acc <= -1.0) {
		step = (uint32_t)-mptcp_olia_of(sk)->acc;
		if (sk->cwnd < (uint32_t)sk->mss + step) {
			sk->cwnd = sk->mss;
			mptcp_olia_of(sk)->acc = 0;
		} else {
			sk->cwnd -= step;
			mptcp_olia_of(sk)->acc += step;
		}
		/* Below ssthresh, slow start would give the bytes back at once. */
		if (sk->ssthresh > sk->cwnd)
			sk->ssthresh = sk->cwnd;
	}
}

static void olia_on_congestion(struct tcp_sock *sk)
{
	tcp_cc_halve(sk);
	mptcp_olia_of(sk)->acc = 0;
	/* A loss with nothing acked since the last one (RTO backoff) closes no interval. */
	if (mptcp_olia_of(sk)->l1) {
		mptcp_olia_of(sk)->l2 = mptcp_olia_of(sk)->l1;
		mptcp_olia_of(sk)->l1 = 0;
	}
}

const struct tcp_cc_ops mptcp_cc_olia = {
	.name = "olia",
	.init = olia_init,
	.on_ack = olia_on_ack,
	.on_congestion = olia_on_congestion,
};

const struct tcp_cc_ops *mptcp_cc_of(enum mptcp_cc_kind kind)
{
	return kind == MPTCP_CC_LIA ? &mptcp_cc_lia : kind == MPTCP_CC_OLIA ? &mptcp_cc_olia : NULL;
}

const struct tcp_cc_ops *mptcp_cc_find(const char *name)
{
	static const struct tcp_cc_ops *const coupled[] = { &mptcp_cc_lia, &mptcp_cc_olia };

	for (size_t i = 0; name != NULL && i < sizeof(coupled) / sizeof(coupled[0]); i++)
		if (strcmp(name, coupled[i]->name) == 0)
			return coupled[i];
	return NULL;
}

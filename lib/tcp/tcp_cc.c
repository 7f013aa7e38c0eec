/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control as an ops table: NewReno (RFC 5681, RFC 6582 for the
 * recovery itself) and CUBIC (RFC 9438, the default). lib/tcp calls
 * on_ack for every ACK that advances snd_una outside recovery, and
 * on_congestion when it starts a recovery or an RTO fires (or an ECE
 * comes), undo when that event proves spurious; the loss recovery (SACK /
 * NewReno) is the same for both. Slow start, HyStart++ included, is shared
 * by every module (tcp_cc_slow_start).
 */
#include <math.h>
#include <string.h>

#include "tcp/tcp_internal.h"

/* RFC 9406 4.3 constants (HyStart++). */
#define HS_MIN_RTT_THRESH_US 4000u
#define HS_MAX_RTT_THRESH_US 16000u
#define HS_MIN_RTT_DIVISOR 8
#define HS_N_RTT_SAMPLE 8
#define HS_CSS_GROWTH_DIVISOR 4
#define HS_CSS_ROUNDS 5
/* L, in SMSS: "infinity if paced, 8 if non-paced"; hagd does not pace. */
#define HS_L 8u

/*
 * RFC 9406 4.2: a round ends once SND.UNA reaches windowEnd, the SND.NXT of
 * its start. windowEnd is kept as 32 bits: while the round lasts it lies in
 * the flight, (snd_una, snd_max]; anything else (reached, or left behind by
 * a long application-limited stretch without on_ack) ends the round.
 */
static bool hs_round_over(const struct tcp_sock *sk)
{
	uint32_t left = sk->hs_round_end - (uint32_t)sk->snd_una;

	return left == 0 || left > (uint32_t)(sk->snd_max - sk->snd_una);
}

/*
 * RFC 7661, as tcp_input.c's gate (Linux's tcp_is_cwnd_limited): while cwnd
 * does not limit the flight, slow start takes cwnd up to twice the largest
 * flight of the round and no further, whatever L lets one ACK add
 * (max_flight 0: flights not tracked, no limit).
 */
static uint64_t ss_validated(const struct tcp_sock *sk, uint64_t inc)
{
	uint64_t lim = 2ull * sk->max_flight;

	if (sk->cwnd_limited || lim == 0 || sk->cwnd + inc <= lim)
		return inc;
	return sk->cwnd < lim ? lim - sk->cwnd : 0;
}

/*
 * HyStart++ (RFC 9406) on an ACK of acked bytes while ssthresh is still
 * infinite. Standard slow start runs until a round's smallest RTT exceeds
 * the last round's by RttThresh (the queue at the bottleneck is growing);
 * then conservative slow start (CSS) grows a quarter as fast for
 * CSS_ROUNDS rounds, unless the RTT falls back below the baseline (the exit
 * was spurious: slow start again); after them ssthresh = cwnd and
 * congestion avoidance. Loss or ECE in either phase ends HyStart++: the
 * loss response sets ssthresh (finite from then on: see tcp_cc_slow_start).
 * Returns the acked bytes left for congestion avoidance.
 */
static uint64_t hystart_slow_start(struct tcp_sock *sk, uint64_t acked)
{
	struct tcp_stack *st = sk->stack;
	uint64_t inc;

	/* The round check comes before the ACK's RTT sample (4.2: the sample of
	 * the ACK that ends a round is the next round's first). */
	if (hs_round_over(sk)) {
		if (sk->hs_css >= HS_CSS_ROUNDS) {
			/* 4.2: CSS_ROUNDS complete (the partial round of the exit counts). */
			sk->hs_css = 0;
			sk->ssthresh = sk->cwnd;
			TCP_INC(st, TCP_MIB_HYSTART_EXIT);
			return acked;
		}
		if (sk->hs_css)
			sk->hs_css++;
		sk->hs_last_min = sk->hs_cur_min;
		sk->hs_cur_min = 0;
		sk->hs_samples = 0;
		sk->hs_round_end = (uint32_t)sk->snd_nxt;
	}
	/* 4.2: cwnd += min(N, L * SMSS), divided by CSS_GROWTH_DIVISOR in CSS. */
	inc = acked < HS_L * sk->mss ? acked : HS_L * sk->mss;
	if (sk->hs_css)
		inc /= HS_CSS_GROWTH_DIVISOR;
	inc = ss_validated(sk, inc);
	if (inc > UINT32_MAX - 1 - sk->cwnd)
		inc = UINT32_MAX - 1 - sk->cwnd;
	sk->cwnd += (uint32_t)inc;
	if (sk->hs_sample) {
		if (sk->hs_cur_min == 0 || sk->hs_sample < sk->hs_cur_min)
			sk->hs_cur_min = sk->hs_sample;
		if (sk->hs_samples < UINT8_MAX)
			sk->hs_samples++;
		sk->hs_sample = 0;
	}
	if (sk->hs_samples < HS_N_RTT_SAMPLE || sk->hs_cur_min == 0)
		return 0;
	if (sk->hs_css) {
		/* 4.2: the RTT fell below the baseline: the exit was spurious. */
		if (sk->hs_cur_min < sk->hs_css_base) {
			sk->hs_css = 0;
			sk->hs_css_base = 0;
			TCP_INC(st, TCP_MIB_HYSTART_CSS_SPURIOUS);
		}
	} else if (sk->hs_last_min) {
		uint32_t thresh = sk->hs_last_min / HS_MIN_RTT_DIVISOR;

		if (thresh < HS_MIN_RTT_THRESH_US)
			thresh = HS_MIN_RTT_THRESH_US;
		if (thresh > HS_MAX_RTT_THRESH_US)
			thresh = HS_MAX_RTT_THRESH_US;
		if (sk->hs_cur_min >= sk->hs_last_min + thresh) {
			sk->hs_css_base = sk->hs_cur_min;
			sk->hs_css = 1;
			TCP_INC(st, TCP_MIB_HYSTART_DELAY_DETECT);
			st->mib[TCP_MIB_HYSTART_DELAY_CWND] += sk->cwnd / sk->mss;
		}
	}
	return 0;
}

/*
 * Slow start for every CC module. RFC 9406 4.3: HyStart++ SHOULD be used
 * only in the initial slow start, ssthresh still infinite; it is so here.
 * After an RTO, slow start only has to climb back to the ssthresh the loss
 * response set, which is the overshoot guard HyStart++ would look for: the
 * standard RFC 5681 3.1 slow start with RFC 3465 ABC (L = 2) does it.
 * (Linux's CUBIC runs its HyStart in every slow start, after an RTO too.)
 * Returns the bytes left for avoidance.
 */
uint64_t tcp_cc_slow_start(struct tcp_sock *sk, uint64_t acked)
{
	uint64_t inc;

	if (sk->cwnd >= sk->ssthresh)
		return acked;
	if (sk->ssthresh == UINT32_MAX)
		return hystart_slow_start(sk, acked);
	inc = ss_validated(sk, acked < 2u * sk->mss ? acked : 2u * sk->mss);
	if (sk->cwnd + inc > sk->ssthresh)
		inc = sk->ssthresh - sk->cwnd;
	sk->cwnd += (uint32_t)inc;
	/* What the ACK covers beyond L * SMSS is not counted (RFC 3465 2.2), unless
	 * cwnd reached ssthresh with it: a cumulative ACK of a whole flight after an
	 * RTO (cwnd one segment) must not reach congestion avoidance as one huge
	 * increase (CUBIC's Reno-friendly estimate would jump by it). */
	return sk->cwnd >= sk->ssthresh ? acked - inc : 0;
}

static uint32_t half_flight(const struct tcp_sock *sk)
{
	uint64_t flight = sk->snd_max - sk->snd_una;

	return (uint32_t)(flight / 2 > 2u * sk->mss ? flight / 2 : 2u * sk->mss);
}

static void reno_init(struct tcp_sock *sk)
{
	(void)sk;
}

static void reno_on_ack(struct tcp_sock *sk, uint64_t acked)
{
	acked = tcp_cc_slow_start(sk, acked);
	if (acked == 0)
		return;
	/* RFC 5681 eq. 3: about one MSS per RTT. */
	tcp_reno(sk)->acc += acked;
	if (tcp_reno(sk)->acc >= sk->cwnd) {
		tcp_reno(sk)->acc -= sk->cwnd;
		sk->cwnd += sk->mss;
	}
}

void tcp_cc_halve(struct tcp_sock *sk)
{
	sk->ssthresh = half_flight(sk);   /* RFC 5681 eq. 4 */
}

static void reno_on_congestion(struct tcp_sock *sk)
{
	tcp_reno(sk)->prior_cwnd = sk->cwnd;
	tcp_reno(sk)->prior_ssthresh = sk->ssthresh;
	tcp_cc_halve(sk);
	tcp_reno(sk)->acc = 0;
}

/* A spurious congestion event: cwnd and ssthresh as they were before it
 * (RFC 6582 does not say; as RFC 9438 4.9 for CUBIC, and Linux's undo). */
static void reno_undo(struct tcp_sock *sk)
{
	if (tcp_reno(sk)->prior_ssthresh == 0)
		return;
	if (sk->cwnd < tcp_reno(sk)->prior_cwnd)
		sk->cwnd = tcp_reno(sk)->prior_cwnd;
	sk->ssthresh = tcp_reno(sk)->prior_ssthresh;
	tcp_reno(sk)->prior_ssthresh = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = reno_init,
	.on_ack = reno_on_ack,
	.on_congestion = reno_on_congestion,
	.undo = reno_undo,
};

/* RFC 9438 4.1.1 / 4.5 / 4.6 constants. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
/* 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta), Reno's average rate at beta. */
#define CUBIC_ALPHA (3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA))

static void cubic_init(struct tcp_sock *sk)
{
	memset(tcp_cubic(sk), 0, sizeof(struct tcp_cc_cubic));
}

/* W_cubic(t) = C (t - K)^3 + W_max, in segments, t in seconds (RFC 9438 eq. 1). */
static double w_cubic(const struct tcp_sock *sk, double t)
{
	double d = t - tcp_cubic(sk)->k;

	return CUBIC_C * d * d * d + tcp_cubic(sk)->w_max;
}

static void cubic_on_ack(struct tcp_sock *sk, uint64_t acked)
{
	struct tcp_cc_cubic *c = tcp_cubic(sk);
	double cwnd, mss = sk->mss, segs, t, target, rtt, alpha;
	uint64_t now = sk->stack->now_us;

	/* cwnd is one segment only as RFC 5681's loss window after an RTO.
	 * RFC 9438 4.8: the first avoidance stage after it has K = 0 and W_max
	 * (and W_est) = the cwnd at its start, as at the very first one. */
	if (sk->cwnd <= sk->mss) {
		c->w_max = 0;
		c->epoch_us = 0;
	}
	acked = tcp_cc_slow_start(sk, acked);
	if (acked == 0)
		return;
	cwnd = sk->cwnd / mss;
	segs = (double)acked / mss;
	if (c->epoch_us == 0) {
		/* 4.2: a new congestion avoidance stage, cwnd_epoch = cwnd. */
		c->epoch_us = now;
		if (c->w_max <= cwnd) {
			c->k = 0;
			c->w_max = cwnd;
		} else {
			c->k = cbrt((c->w_max - cwnd) / CUBIC_C);   /* eq. 2 */
		}
		c->w_est = cwnd;                                 /* 4.3 */
		c->acc = 0;
	}
	rtt = (sk->srtt_us ? sk->srtt_us : 100000) / 1e6;
	t = (double)(now - c->epoch_us) / 1e6;
	/* 4.3 eq. 4: W_est grows by alpha_cubic per window acked; alpha_cubic
	 * is 1 once W_est reached the cwnd before the last reduction (Reno's
	 * AIMD(1, 0.5) rate from there on). */
	alpha = c->w_est * mss >= c->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	c->w_est += alpha * segs / cwnd;
	if (w_cubic(sk, t) < c->w_est && c->w_est > cwnd) {
		/* 4.3: the Reno-friendly region: cwnd = W_est. On short RTTs this is
		 * most of the time: W_cubic moves with time, W_est with ACKs. (With
		 * cwnd already above W_est, the cubic growth below goes on rather
		 * than cwnd falling back to W_est.) */
		double w = c->w_est * mss;

		sk->cwnd = w < UINT32_MAX - 1 ? (uint32_t)w : UINT32_MAX - 1;
		return;
	}
	/* 4.2: target = W_cubic(t + RTT), within [cwnd, 1.5 cwnd]; 4.4 / 4.5:
	 * cwnd grows by (target - cwnd) / cwnd per segment acked. */
	target = w_cubic(sk, t + rtt);
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	if (target <= cwnd)
		return;
	c->acc += (target - cwnd) / cwnd * segs * mss;
	if (c->acc >= 1.0) {
		uint32_t inc = (uint32_t)c->acc;

		if (inc > UINT32_MAX - 1 - sk->cwnd)
			inc = UINT32_MAX - 1 - sk->cwnd;
		sk->cwnd += inc;
		c->acc -= (uint32_t)c->acc;
	}
}

static void cubic_on_congestion(struct tcp_sock *sk)
{
	struct tcp_cc_cubic *c = tcp_cubic(sk);
	double cwnd = sk->cwnd / (double)sk->mss;
	uint32_t ss;

	/* 4.9: what a spurious event's undo puts back. */
	c->prior_ssthresh = sk->ssthresh;
	c->prior_w_max = (float)c->w_max;
	c->prior_k = (float)c->k;
	c->prior_w_est = (float)c->w_est;
	c->prior_epoch_us = c->epoch_us;
	c->cwnd_prior = sk->cwnd;    /* 4.6 */
	/* 4.7 fast convergence: below the last W_max the flow releases some
	 * bandwidth for new flows. */
	if (c->w_max > 0 && cwnd < c->w_max)
		c->w_max = cwnd * (1 + CUBIC_BETA) / 2;
	else
		c->w_max = cwnd;
	c->epoch_us = 0;
	c->acc = 0;
	/* 4.6: ssthresh = cwnd * beta_cubic, at least 2 segments (cwnd, not
	 * the flight: cwnd grows only while it limits the flight, RFC 7661 in
	 * tcp_input.c). Recovery then takes cwnd down to it. */
	ss = (uint32_t)((uint64_t)sk->cwnd * 7 / 10);   /* beta_cubic, without rounding down 0.7 */
	sk->ssthresh = ss > 2u * sk->mss ? ss : 2u * sk->mss;
}

/* RFC 9438 4.9: the congestion event was spurious; cwnd (never lowered by
 * this), ssthresh, W_max, K, the epoch and W_est as they were before it. */
static void cubic_undo(struct tcp_sock *sk)
{
	struct tcp_cc_cubic *c = tcp_cubic(sk);

	if (c->prior_ssthresh == 0)
		return;
	if (sk->cwnd < c->cwnd_prior)
		sk->cwnd = c->cwnd_prior;
	sk->ssthresh = c->prior_ssthresh;
	c->w_max = c->prior_w_max;
	c->k = c->prior_k;
	c->w_est = c->prior_w_est;
	c->epoch_us = c->prior_epoch_us;
	c->acc = 0;
	c->prior_ssthresh = 0;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.undo = cubic_undo,
};

const struct tcp_cc_ops *tcp_cc_of(enum tcp_cc_kind kind)
{
	return kind == TCP_CC_NEWRENO ? &tcp_cc_newreno : &tcp_cc_cubic;
}

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	static const char *const names[] = TCP_CC_NAMES;

	if (name == NULL)
		return &tcp_cc_cubic;
	if (strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	for (int k = 0; k < TCP_CC_KINDS; k++)
		if (strcmp(name, names[k]) == 0)
			return tcp_cc_of((enum tcp_cc_kind)k);
	return NULL;
}

void tcp_set_cc(struct tcp_sock *sk, const struct tcp_cc_ops *ops)
{
	sk->cc_ops = ops ? ops : &tcp_cc_cubic;
	sk->cc_ops->init(sk);
}

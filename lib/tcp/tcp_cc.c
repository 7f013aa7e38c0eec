/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control as an ops table: NewReno (RFC 5681, RFC 6582 for the
 * recovery itself) and CUBIC (RFC 9438, the default). lib/tcp calls
 * on_ack for every ACK that advances snd_una outside recovery, and
 * on_congestion when it starts a recovery or an RTO fires; the loss
 * recovery (SACK / NewReno) is the same for both.
 */
#include <math.h>
#include <string.h>

#include "tcp/tcp_internal.h"

/* RFC 9406 constants (HyStart++). */
#define HS_MIN_RTT_THRESH_US 4000u
#define HS_MAX_RTT_THRESH_US 16000u
#define HS_N_RTT_SAMPLE 8

/*
 * HyStart++ (RFC 9406 4.2), in the initial slow start: rounds end when the
 * flight that began them is acknowledged; once a round's smallest RTT
 * exceeds the previous round's by RttThresh the queue at the bottleneck is
 * growing, and slow start ends there instead of at the loss of up to half a
 * window (which a path with a long RTT and a short queue pays for with
 * several recoveries). The conservative slow start phase (4.3) is left out:
 * congestion avoidance follows at once, as in Linux's HyStart.
 */
static bool hystart_exit(struct tcp_sock *sk)
{
	uint32_t thresh;

	/* The round check comes before the ACK's RTT sample (RFC 9406 4.2). */
	if (sk->snd_una >= sk->hs_round_end) {
		sk->hs_last_min = sk->hs_cur_min;
		sk->hs_cur_min = 0;
		sk->hs_samples = 0;
		sk->hs_round_end = sk->snd_nxt;
	}
	if (sk->hs_sample) {
		if (sk->hs_cur_min == 0 || sk->hs_sample < sk->hs_cur_min)
			sk->hs_cur_min = sk->hs_sample;
		if (sk->hs_samples < UINT8_MAX)
			sk->hs_samples++;
		sk->hs_sample = 0;
	}
	if (sk->hs_samples < HS_N_RTT_SAMPLE || sk->hs_last_min == 0 || sk->hs_cur_min == 0)
		return false;
	thresh = sk->hs_last_min / 8;
	if (thresh < HS_MIN_RTT_THRESH_US)
		thresh = HS_MIN_RTT_THRESH_US;
	if (thresh > HS_MAX_RTT_THRESH_US)
		thresh = HS_MAX_RTT_THRESH_US;
	return sk->hs_cur_min >= sk->hs_last_min + thresh;
}

/* RFC 5681 3.1 slow start with RFC 3465 ABC (L = 2). Returns the bytes left for avoidance. */
uint64_t tcp_cc_slow_start(struct tcp_sock *sk, uint64_t acked)
{
	uint64_t inc;

	if (sk->cwnd >= sk->ssthresh)
		return acked;
	if (sk->ssthresh == UINT32_MAX && hystart_exit(sk)) {
		sk->ssthresh = sk->cwnd;
		TCP_INC(sk->stack, TCP_MIB_HYSTART_EXIT);
		return acked;
	}
	inc = acked < 2u * sk->mss ? acked : 2u * sk->mss;
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
	sk->cc.reno.acc += acked;
	if (sk->cc.reno.acc >= sk->cwnd) {
		sk->cc.reno.acc -= sk->cwnd;
		sk->cwnd += sk->mss;
	}
}

void tcp_cc_halve(struct tcp_sock *sk)
{
	sk->ssthresh = half_flight(sk);   /* RFC 5681 eq. 4 */
}

static void reno_on_congestion(struct tcp_sock *sk)
{
	tcp_cc_halve(sk);
	sk->cc.reno.acc = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = reno_init,
	.on_ack = reno_on_ack,
	.on_congestion = reno_on_congestion,
};

/* RFC 9438 constants. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

static void cubic_init(struct tcp_sock *sk)
{
	memset(&sk->cc.cubic, 0, sizeof(sk->cc.cubic));
}

/* W_cubic(t) = C (t - K)^3 + W_max, in segments, t in seconds (RFC 9438 4.2). */
static double w_cubic(const struct tcp_sock *sk, double t)
{
	double d = t - sk->cc.cubic.k;

	return CUBIC_C * d * d * d + sk->cc.cubic.w_max;
}

static void cubic_on_ack(struct tcp_sock *sk, uint64_t acked)
{
	struct tcp_cc_cubic *c = &sk->cc.cubic;
	double cwnd, mss = sk->mss, t, target, rtt;
	uint64_t now = sk->stack->now_us;

	acked = tcp_cc_slow_start(sk, acked);
	if (acked == 0)
		return;
	cwnd = sk->cwnd / mss;
	if (c->epoch_us == 0) {
		/* RFC 9438 4.8: a new congestion avoidance epoch. */
		c->epoch_us = now;
		if (c->w_max < cwnd) {
			c->k = 0;
			c->w_max = cwnd;
		} else {
			c->k = cbrt((c->w_max - cwnd) / CUBIC_C);   /* eq. 2 */
		}
		c->w_est = cwnd;
	}
	rtt = (sk->srtt_us ? sk->srtt_us : 100000) / 1e6;
	t = (double)(now - c->epoch_us) / 1e6;
	/* eq. 4: the Reno-friendly estimate grows by alpha per window acked. */
	c->w_est += 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * ((double)acked / mss) / cwnd;
	target = w_cubic(sk, t + rtt);
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;   /* RFC 9438 4.2: at most 50 % growth per RTT */
	if (c->w_est > target)
		target = c->w_est;    /* 4.3: Reno-friendly region */
	if (target > cwnd) {
		/* 4.4: (target - cwnd) / cwnd per segment acked. */
		c->acc += (target - cwnd) / cwnd * ((double)acked / mss) * mss;
		if (c->acc >= 1.0) {
			uint32_t inc = (uint32_t)c->acc;

			sk->cwnd += inc;
			c->acc -= inc;
		}
	}
}

static void cubic_on_congestion(struct tcp_sock *sk)
{
	struct tcp_cc_cubic *c = &sk->cc.cubic;
	double cwnd = sk->cwnd / (double)sk->mss;
	uint32_t ss;

	/* RFC 9438 4.7 fast convergence, 4.6 multiplicative decrease. */
	if (c->w_max > 0 && cwnd < c->w_max)
		c->w_max = cwnd * (1 + CUBIC_BETA) / 2;
	else
		c->w_max = cwnd;
	c->epoch_us = 0;
	c->acc = 0;
	ss = (uint32_t)(sk->cwnd * CUBIC_BETA);
	sk->ssthresh = ss > 2u * sk->mss ? ss : 2u * sk->mss;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL || strcmp(name, "cubic") == 0)
		return &tcp_cc_cubic;
	if (strcmp(name, "newreno") == 0 || strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	return NULL;
}

void tcp_set_cc(struct tcp_sock *sk, const struct tcp_cc_ops *ops)
{
	sk->cc_ops = ops ? ops : &tcp_cc_cubic;
	sk->cc_ops->init(sk);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coupled congestion control for the subflows of one connection: LIA (RFC
 * 6356). Each subflow keeps its own window; in congestion avoidance the
 * increase on subflow i for `acked` bytes is
 *
 *     min(alpha * acked * MSS_i / cwnd_total,  acked * MSS_i / cwnd_i)
 *
 *     alpha = cwnd_total * max_i(cwnd_i / rtt_i^2) / (sum_i cwnd_i / rtt_i)^2
 *
 * so the connection takes no more than one TCP would on its best path and
 * moves traffic away from congested paths. Slow start and the decrease on loss
 * are TCP's (RFC 6356 3).
 */
#include "mptcp/mptcp_internal.h"

/* The subflows of sk's connection that carry data, with their windows and RTTs. */
static int coupled(const struct tcp_sock *sk, const struct tcp_sock **out, int max)
{
	const struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;
	const struct mptcp_sock *msk = sf ? sf->msk : NULL;
	const struct mptcp_subflow *j;
	int n = 0;

	if (msk == NULL) {
		out[n++] = sk;
		return n;
	}
	out[n++] = msk->master->sk;
	LIST_FOREACH(j, &msk->joined, link)
		if (n < max && !j->join_pending && !j->stale)
			out[n++] = j->sk;
	return n;
}

double mptcp_lia_alpha(const struct tcp_sock *sk, uint64_t *cwnd_total)
{
	const struct tcp_sock *s[MPTCP_SUBFLOWS_MAX];
	int n = coupled(sk, s, MPTCP_SUBFLOWS_MAX);
	double best = 0, sum = 0, total = 0;

	for (int i = 0; i < n; i++) {
		double rtt = s[i]->srtt_us ? s[i]->srtt_us / 1e6 : 0.1;
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
	sk->cc.lia.acc = 0;
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
	sk->cc.lia.acc += inc_coupled < inc_alone ? inc_coupled : inc_alone;
	if (sk->cc.lia.acc >= 1.0) {
		uint32_t add = (uint32_t)sk->cc.lia.acc;

		sk->cwnd += add;
		sk->cc.lia.acc -= add;
	}
}

static void lia_on_congestion(struct tcp_sock *sk)
{
	tcp_cc_halve(sk);
	sk->cc.lia.acc = 0;
}

const struct tcp_cc_ops mptcp_cc_lia = {
	.name = "lia",
	.init = lia_init,
	.on_ack = lia_on_ack,
	.on_congestion = lia_on_congestion,
};

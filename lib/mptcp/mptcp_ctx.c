/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore MPTCP context: its lifecycle and settings, the end of a
 * connection (mptcp_msk_free), and what the owner reads of connections
 * (mptcp_subflows, mptcp_conn_info).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include "mptcp/mptcp_internal.h"

struct mptcp_ctx *mptcp_ctx_create(uint32_t max_conns, int socket_id)
{
	static unsigned int seq;
	struct rte_hash_parameters hp = {0};
	struct mptcp_ctx *ctx;
	char name[RTE_HASH_NAMESIZE];

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(name, sizeof(name), "mptok_%u_%u", rte_lcore_id(), seq++);
	hp.name = name;
	hp.entries = max_conns < 1024 ? 1024 : max_conns * 2;
	hp.key_len = sizeof(uint32_t);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = socket_id;
	ctx->tokens = rte_hash_create(&hp);
	if (ctx->tokens == NULL) {
		free(ctx);
		return NULL;
	}
	ctx->max_subflows = 8;
	ctx->csum = MPTCP_CSUM_ACCEPT;
	ctx->cookie_secret[0] = mptcp_crypto_random_key();
	ctx->cookie_secret[1] = mptcp_crypto_random_key();
	TAILQ_INIT(&ctx->parked);
	return ctx;
}

void mptcp_ctx_free(struct mptcp_ctx *ctx)
{
	struct mptcp_sock *msk;

	if (ctx == NULL)
		return;
	while ((msk = TAILQ_FIRST(&ctx->parked)) != NULL)
		mptcp_msk_free(msk);     /* the owners go with the process */
	rte_hash_free(ctx->tokens);
	free(ctx);
}

void mptcp_ctx_set_cc(struct mptcp_ctx *ctx, const struct tcp_cc_ops *cc)
{
	ctx->cc = cc;
}

void mptcp_ctx_set_checksum(struct mptcp_ctx *ctx, enum mptcp_csum_mode mode)
{
	ctx->csum = mode;
}

void mptcp_ctx_set_deny_join_initial(struct mptcp_ctx *ctx, bool deny)
{
	ctx->deny_join_initial = deny;
}

void mptcp_ctx_set_resume_timeout(struct mptcp_ctx *ctx, uint32_t ms)
{
	ctx->resume_us = ms > 4000000u ? 4000000000u : ms * 1000u;
}

void mptcp_ctx_set_parked(struct mptcp_ctx *ctx, mptcp_parked_fn fn)
{
	ctx->parked_fn = fn;
}

uint32_t mptcp_ctx_parked(const struct mptcp_ctx *ctx)
{
	return ctx->n_parked;
}

void mptcp_ctx_set_worker(struct mptcp_ctx *ctx, unsigned self, unsigned n)
{
	ctx->n_workers = (uint16_t)(n ? n : 1);
	ctx->worker = (uint16_t)(self < ctx->n_workers ? self : 0);
}

void mptcp_ctx_set_max_subflows(struct mptcp_ctx *ctx, uint32_t n)
{
	ctx->max_subflows = n == 0 ? 1 : n > MPTCP_SUBFLOWS_MAX ? MPTCP_SUBFLOWS_MAX : n;
}

uint32_t mptcp_ctx_conns(const struct mptcp_ctx *ctx)
{
	return ctx->n_conns;
}

bool mptcp_active(const struct tcp_sock *sk)
{
	return sk->ulp == &mptcp_ulp;
}

int mptcp_subflows(const struct tcp_sock *sk, struct mptcp_subflow_info *out, int n)
{
	const struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;
	const struct mptcp_sock *msk = sf ? sf->msk : NULL;
	int k = 0;

	if (msk == NULL || msk->master == NULL)
		return -ENOENT;
	for (sf = msk->master; sf != NULL; sf = sf == msk->master ? LIST_FIRST(&msk->joined) : LIST_NEXT(sf, link), k++) {
		if (k >= n)
			continue;
		out[k].sk = sf->sk;
		out[k].given = sf->tx_end;
		out[k].mappings = sf->ch_n;
		out[k].stale = sf->stale;
		out[k].backup = sf->backup;
		out[k].master = sf->master;
	}
	return k;
}

int mptcp_conn_info(const struct tcp_sock *sk, struct mptcp_conn_info *ci)
{
	const struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;
	const struct mptcp_sock *msk = sf ? sf->msk : NULL;

	if (msk == NULL || msk->master == NULL)
		return -ENOENT;
	ci->snd_una = msk->snd_una;
	ci->snd_nxt = msk->snd_nxt;
	ci->snd_edge = msk->snd_edge;
	ci->rcv_nxt = sk->rxp ? sk->rxp->rx.nxt : 0;
	ci->subflows = (uint8_t)(1 + msk->n_joined);
	ci->pending_reinject = msk->n_rj;
	ci->fin_sent = msk->snd_fin_sent;
	ci->fin_acked = msk->snd_fin_acked;
	ci->rcv_fin = msk->rcv_fin_done;
	memset(ci->sf, 0, sizeof(ci->sf));
	for (int i = 0; i < 4; i++) {
		const struct mptcp_subflow *j = i == 0 ? msk->master : NULL;

		if (i > 0) {
			int k = 1;

			LIST_FOREACH(j, &msk->joined, link)
				if (k++ == i)
					break;
		}
		if (j == NULL)
			break;
		ci->sf[i].mappings = j->ch_n;
		ci->sf[i].state = j->sk->state;
		ci->sf[i].stale = j->stale;
		ci->sf[i].backup = j->backup;
		ci->sf[i].master = j->master;
		ci->sf[i].given = j->tx_end;
		ci->sf[i].acked = j->sk->snd_una;
		ci->sf[i].cwnd = j->sk->cwnd;
	}
	return 0;
}

void mptcp_msk_free(struct mptcp_sock *msk)
{
	if (msk->parked) {
		TAILQ_REMOVE(&msk->ctx->parked, msk, park_link);
		msk->ctx->n_parked--;
	}
	mptcp_join_detach_all(msk);
	mptcp_token_del(msk->ctx, msk->local_token);
	msk->ctx->n_conns--;
	free(msk);
}

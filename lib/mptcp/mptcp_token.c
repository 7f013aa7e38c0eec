/* SPDX-License-Identifier: BSD-3-Clause */
/* Tokens (RFC 8684 3.1): a connection's local token is unique on this lcore. */
#include <errno.h>

#include <rte_hash_crc.h>

#include "mptcp/mptcp_internal.h"
#include "net/steer.h"

static bool token_used(uint32_t token, void *arg)
{
	const struct mptcp_ctx *ctx = arg;

	return rte_hash_lookup(ctx->tokens, &token) >= 0;
}

static uint64_t draw_key(void *arg)
{
	(void)arg;
	return mptcp_crypto_random_key();
}

static uint32_t key_token(uint64_t key, void *arg)
{
	uint32_t token;
	uint64_t idsn;

	(void)arg;
	mptcp_crypto_key_sha(key, &token, &idsn);
	return token;
}

/* Pick a key whose token is unused (Linux retries a colliding key the same
 * way) and, with several workers, belongs to this one (lib/net/steer.h): a
 * join carrying it is steered here by whichever worker receives it. */
int mptcp_token_new(struct mptcp_ctx *ctx, struct mptcp_sock *msk)
{
	if (ctx->n_workers > 1) {
		uint32_t token;
		uint64_t key, idsn;

		if (net_steer_key_for_worker(ctx->worker, ctx->n_workers, token_used, ctx, draw_key, key_token,
					     &token, &key, 32 * ctx->n_workers) < 0 ||
		    rte_hash_add_key_data(ctx->tokens, &token, msk) < 0)
			return -EEXIST;
		mptcp_crypto_key_sha(key, &token, &idsn);
		msk->local_key = key;
		msk->local_token = token;
		msk->local_idsn = idsn;
		return 0;
	}
	for (int tries = 0; tries < 16; tries++) {
		uint64_t key = mptcp_crypto_random_key();
		uint32_t token;
		uint64_t idsn;

		mptcp_crypto_key_sha(key, &token, &idsn);
		if (rte_hash_lookup(ctx->tokens, &token) >= 0)
			continue;
		if (rte_hash_add_key_data(ctx->tokens, &token, msk) < 0)
			return -ENOSPC;
		msk->local_key = key;
		msk->local_token = token;
		msk->local_idsn = idsn;
		return 0;
	}
	return -EEXIST;
}

struct mptcp_sock *mptcp_token_lookup(struct mptcp_ctx *ctx, uint32_t token)
{
	void *data;

	if (rte_hash_lookup_data(ctx->tokens, &token, &data) < 0)
		return NULL;
	return data;
}

void mptcp_token_del(struct mptcp_ctx *ctx, uint32_t token)
{
	rte_hash_del_key(ctx->tokens, &token);
}

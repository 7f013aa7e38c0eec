/* SPDX-License-Identifier: BSD-3-Clause */
/* Tokens (RFC 8684 3.1): a connection's local token is unique on this lcore. */
#include <errno.h>

#include <rte_hash_crc.h>

#include "mptcp/mptcp_internal.h"

/* Pick a key whose token is unused (Linux retries a colliding key the same way). */
int mptcp_token_new(struct mptcp_ctx *ctx, struct mptcp_sock *msk)
{
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

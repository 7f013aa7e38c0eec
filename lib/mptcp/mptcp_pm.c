/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The path manager, server side (RFC 8684 3.4): the addresses a context
 * announces (ADD_ADDR, sent by the option writer while one is not echoed),
 * the operator's withdraw and offer-again (REMOVE_ADDR, subflows on the
 * address reset), and the client's REMOVE_ADDR.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>

#include "mptcp/mptcp_internal.h"

/* ADD_ADDR sends per announced address before it is given up on (not echoed). */
#define MPTCP_ADD_ADDR_TRIES 8

int mptcp_ctx_add_announce(struct mptcp_ctx *ctx, uint32_t addr)
{
	if (ctx->n_announce == MPTCP_MAX_ANNOUNCE)
		return -ENOSPC;
	ctx->announce[ctx->n_announce++] = addr;
	return 0;
}

int mptcp_ctx_add_announce6(struct mptcp_ctx *ctx, const uint8_t addr[16])
{
	if (ctx->n_announce == MPTCP_MAX_ANNOUNCE)
		return -ENOSPC;
	memcpy(ctx->announce6[ctx->n_announce], addr, 16);
	ctx->announce_v6 |= (uint8_t)(1u << ctx->n_announce);
	ctx->announce[ctx->n_announce++] = tcp_ip6_fold(addr);
	return 0;
}

/* Whether announce[i] is this address: a6 (IPv6), else a4 (host order). */
static bool announce_is(const struct mptcp_ctx *ctx, int i, uint32_t a4, const uint8_t *a6)
{
	if (((ctx->announce_v6 >> i) & 1) != (a6 != NULL))
		return false;
	return a6 ? !memcmp(a6, ctx->announce6[i], 16) : a4 == ctx->announce[i];
}

bool mptcp_pm_is_announced(const struct mptcp_ctx *ctx, const struct tcp_sock *sk, int i)
{
	return announce_is(ctx, i, sk->laddr, tcp_sock_laddr6(sk));
}

bool mptcp_pm_is_first_addr(const struct mptcp_sock *msk, const struct tcp_sock *sk)
{
	/* An IPv6 first address is kept as its fold: hagd's own addresses are few and configured. */
	return sk->v6 == msk->first_v6 && sk->laddr == msk->first_laddr;
}

uint8_t mptcp_pm_local_id(const struct mptcp_sock *msk, const struct tcp_sock *sk)
{
	if (mptcp_pm_is_first_addr(msk, sk))
		return 0;
	for (int i = 0; i < msk->ctx->n_announce; i++)
		if (mptcp_pm_is_announced(msk->ctx, sk, i))
			return (uint8_t)(i + 1);
	return MPTCP_MAX_ANNOUNCE + 1;
}

/* The next address still to be echoed, or -1. */
int mptcp_pm_addr_pending(const struct mptcp_sock *msk)
{
	if (msk->addr_tries >= MPTCP_ADD_ADDR_TRIES * msk->ctx->n_announce)
		return -1;
	for (int i = 0; i < msk->ctx->n_announce; i++)
		if (!(msk->addr_echoed & (1u << i)) && !(msk->ctx->withdrawn & (1u << i)))
			return i;
	return -1;
}

/* Withdraw (or offer again) announce[i] on one connection. */
static void withdraw_one(struct mptcp_sock *msk, int i, bool withdraw)
{
	struct tcp_sock *victims[MPTCP_SUBFLOWS_MAX];
	struct mptcp_subflow *j;
	int n = 0;

	if (msk->state != MSK_ESTABLISHED)
		return;
	if (!withdraw) {
		msk->addr_echoed &= (uint8_t)~(1u << i);
		msk->rm_pending &= (uint8_t)~(1u << i);
		msk->addr_tries = 0;
		msk->addr_due = true;
		if (msk->master) {
			tcp_ack_now(msk->master->sk);
			mptcp_rtx_arm(msk, false);
		}
		return;
	}
	msk->rm_pending |= (uint8_t)(1u << i);
	msk->rm_tries = 0;
	LIST_FOREACH(j, &msk->joined, link)
		if (mptcp_pm_is_announced(msk->ctx, j->sk, i) && n < MPTCP_SUBFLOWS_MAX)
			victims[n++] = j->sk;
	for (int k = 0; k < n; k++) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_RM_SUBFLOW);
		tcp_reset(victims[k]);
	}
	if (msk->master)
		tcp_ack_now(msk->master->sk);
}

/* Withdraw (or offer again) announce[i] on every connection. */
static int withdraw_index(struct mptcp_ctx *ctx, int i, bool withdraw)
{
	struct mptcp_sock **all;
	const void *key;
	void *data;
	uint32_t iter = 0;
	int n = 0;

	if (withdraw)
		ctx->withdrawn |= (uint8_t)(1u << i);
	else
		ctx->withdrawn &= (uint8_t)~(1u << i);
	if (ctx->n_conns == 0)
		return 0;
	/* Resets below may end connections: collect them first. */
	all = malloc(ctx->n_conns * sizeof(*all));
	if (all == NULL)
		return -ENOMEM;
	while (n < (int)ctx->n_conns && rte_hash_iterate(ctx->tokens, &key, &data, &iter) >= 0)
		all[n++] = data;
	for (int k = 0; k < n; k++)
		withdraw_one(all[k], i, withdraw);
	free(all);
	return n;
}

/* The announced address a4 / a6 (announce_is) withdrawn or offered again; -ENOENT: not announced. */
static int withdraw_addr(struct mptcp_ctx *ctx, uint32_t a4, const uint8_t *a6, bool withdraw)
{
	for (int i = 0; i < ctx->n_announce; i++)
		if (announce_is(ctx, i, a4, a6))
			return withdraw_index(ctx, i, withdraw);
	return -ENOENT;
}

int mptcp_ctx_withdraw(struct mptcp_ctx *ctx, uint32_t addr, bool withdraw)
{
	return withdraw_addr(ctx, addr, NULL, withdraw);
}

int mptcp_ctx_withdraw6(struct mptcp_ctx *ctx, const uint8_t addr[16], bool withdraw)
{
	return withdraw_addr(ctx, 0, addr, withdraw);
}

/*
 * RFC 8684 3.4.2: the client no longer has these addresses: their subflows are
 * reset (their data goes to the others; the first subflow's loss is a walk-out).
 * msk may be gone afterwards: the caller checks its own socket first.
 */
void mptcp_pm_rm_addrs(struct mptcp_sock *msk, const struct mptcp_opts *o)
{
	struct tcp_sock *victims[MPTCP_SUBFLOWS_MAX];
	struct mptcp_ctx *ctx = msk->ctx;
	struct mptcp_subflow *j;
	int n = 0;

	for (int k = 0; k < o->rm_count; k++) {
		if (msk->master && msk->master->remote_id == o->rm_ids[k] && n < MPTCP_SUBFLOWS_MAX)
			victims[n++] = msk->master->sk;
		LIST_FOREACH(j, &msk->joined, link)
			if (j->remote_id == o->rm_ids[k] && n < MPTCP_SUBFLOWS_MAX)
				victims[n++] = j->sk;
	}
	for (int k = 0; k < n; k++) {
		if (victims[k]->state == TCP_CLOSED)
			continue;      /* already gone with the connection */
		MPTCP_INC(ctx, MPTCP_MIB_RM_SUBFLOW);
		tcp_reset(victims[k]);
	}
}

/* RFC 8684 3.4.2: the withdrawn ids, on a few pure ACKs (o: the DSS of one). */
void mptcp_pm_tx_rm_addr(struct mptcp_sock *msk, struct mptcp_opts *o, uint32_t room)
{
	o->ack64 = false;
	o->suboptions |= OPTION_MPTCP_RM_ADDR;
	for (int i = 0; i < msk->ctx->n_announce && o->rm_count < MPTCP_RM_ADDR_MAX; i++)
		if (msk->rm_pending & (1u << i))
			o->rm_ids[o->rm_count++] = (uint8_t)(i + 1);
	if (mptcp_options_len(o) <= room) {
		if (msk->rm_tries++ == 0)
			MPTCP_INC(msk->ctx, MPTCP_MIB_RM_ADDR_TX);
		if (msk->rm_tries >= MPTCP_PRIO_SENDS) {
			msk->rm_pending = 0;
			msk->rm_tries = 0;
		}
	} else {
		o->suboptions &= ~OPTION_MPTCP_RM_ADDR;
		o->rm_count = 0;
	}
}

bool mptcp_pm_add_addr_due(const struct mptcp_sock *msk)
{
	return msk->addr_due && mptcp_pm_addr_pending(msk) >= 0 && !(msk->snd_fin_queued && !msk->snd_fin_acked);
}

/* RFC 8684 3.4.1: announce with the truncated HMAC (sender's key first);
 * resent on pure ACKs until the client echoes it. */
void mptcp_pm_tx_add_addr(struct mptcp_sock *msk, struct mptcp_opts *o, uint32_t room)
{
	int i = mptcp_pm_addr_pending(msk);
	const struct mptcp_ctx *ctx = msk->ctx;
	uint32_t saved = o->suboptions;

	o->ack64 = false;     /* 8 bytes of DSS: room for the 16 of ADD_ADDR beside timestamps */
	o->suboptions |= OPTION_MPTCP_ADD_ADDR;
	o->addr_id = (uint8_t)(i + 1);
	o->add_addr_has_hmac = true;
	if ((ctx->announce_v6 >> i) & 1) {
		/* 28 bytes: beside timestamps only on an ACK without its DSS, as Linux
		 * sends it (drop_other_suboptions): the next ACK carries the DATA_ACK. */
		o->add_addr_ipver = 6;
		memcpy(o->addr6, ctx->announce6[i], 16);
		o->add_addr_hmac = mptcp_crypto_add_addr_hmac6(msk->local_key, msk->remote_key, o->addr_id,
							       o->addr6, 0);
		o->suboptions &= ~OPTION_MPTCP_DSS;
	} else {
		o->add_addr_ipver = 4;
		o->addr4 = rte_cpu_to_be_32(ctx->announce[i]);
		o->add_addr_hmac = mptcp_crypto_add_addr_hmac4(msk->local_key, msk->remote_key, o->addr_id,
							       o->addr4, 0);
	}
	if (mptcp_options_len(o) <= room) {
		msk->addr_due = false;
		msk->addr_tries++;
		MPTCP_INC(msk->ctx, MPTCP_MIB_ADD_ADDR_TX);
		if (mptcp_pm_addr_pending(msk) < 0)
			MPTCP_INC(msk->ctx, MPTCP_MIB_ADD_ADDR_DROP);
	} else {
		o->suboptions = saved & ~OPTION_MPTCP_ADD_ADDR;
	}
}

/* RFC 8684 3.3.8: MP_PRIO (this subflow's backup flag) on a few pure ACKs. */
void mptcp_pm_tx_prio(struct mptcp_subflow *sf, struct mptcp_opts *o, uint32_t room)
{
	o->suboptions |= OPTION_MPTCP_PRIO;
	o->prio_backup = sf->backup;
	if (mptcp_options_len(o) <= room) {
		if (sf->prio_tx-- == MPTCP_PRIO_SENDS)
			MPTCP_INC(sf->msk->ctx, MPTCP_MIB_MP_PRIO_TX);
	} else {
		o->suboptions &= ~OPTION_MPTCP_PRIO;
	}
}

/* The client's address signals on a subflow (RFC 8684 3.3.8, 3.4): MP_PRIO,
 * REMOVE_ADDR, ADD_ADDR and its echo of ours. false when sk went with a
 * removed address (or with the connection). */
bool mptcp_pm_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;

	if (o->suboptions & OPTION_MPTCP_PRIO) {
		/* RFC 8684 3.3.8: the peer changes the priority of the subflow it came on. */
		sf->backup = o->prio_backup;
		MPTCP_INC(ctx, MPTCP_MIB_MP_PRIO_RX);
		mptcp_push(msk);
	}
	if (o->suboptions & OPTION_MPTCP_RM_ADDR) {
		MPTCP_INC(ctx, MPTCP_MIB_RM_ADDR_RX);
		mptcp_pm_rm_addrs(msk, o);
		if (sk->state == TCP_CLOSED)
			return false;
	}
	if (o->suboptions & OPTION_MPTCP_ADD_ADDR) {
		if (!o->add_addr_echo) {
			/* RFC 8684 3.4.1: signed by the sender's key first. A forged one is
			 * counted and ignored (hagd opens no subflows toward clients). */
			uint16_t port = o->add_addr_has_port ? o->add_addr_port : 0;

			if (o->add_addr_has_hmac &&
			    o->add_addr_hmac != (o->add_addr_ipver == 4 ?
						 mptcp_crypto_add_addr_hmac4(msk->remote_key, msk->local_key, o->addr_id,
									     o->addr4, port) :
						 mptcp_crypto_add_addr_hmac6(msk->remote_key, msk->local_key, o->addr_id,
									     o->addr6, port)))
				MPTCP_INC(ctx, MPTCP_MIB_ADD_ADDR_HMAC_FAIL);
			else
				MPTCP_INC(ctx, MPTCP_MIB_ADD_ADDR_RX);
		} else if (o->addr_id >= 1 && o->addr_id <= ctx->n_announce &&
			   announce_is(ctx, o->addr_id - 1, rte_be_to_cpu_32(o->addr4),
				       o->add_addr_ipver == 6 ? o->addr6 : NULL)) {
			msk->addr_echoed |= (uint8_t)(1u << (o->addr_id - 1));
			MPTCP_INC(ctx, MPTCP_MIB_ECHO_ADD_RX);
		}
	}
	return true;
}


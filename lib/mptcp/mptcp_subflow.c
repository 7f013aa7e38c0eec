/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MP_JOIN (RFC 8684 3.2), passive side: a SYN with a token joins the
 * connection that owns it on this lcore; the SYN/ACK carries our nonce and
 * the truncated HMAC; the third ACK's 160-bit HMAC proves the client knows
 * both keys, and our next ACK (the fourth) confirms the subflow. A joined
 * subflow shares the connection's receive pipe, and the scheduler gives it
 * data to send once the join is verified. Every subflow gets the settings the
 * owner gave the connection (mptcp_sock_configure).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_random.h>

#include "mptcp/mptcp_internal.h"

int mptcp_join_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct mptcp_opts *o)
{
	struct mptcp_subflow *sf;
	struct mptcp_sock *msk;
	struct tcp_sock *m;

	MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYN_RX);
	if (o->backup)
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYN_BACKUP_RX);
	msk = mptcp_token_lookup(ctx, o->token);
	if (msk == NULL) {
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_NO_TOKEN);
		return -1;
	}
	m = msk->master ? msk->master->sk : NULL;     /* NULL: parked, waiting for this join */
	/* Only an established connection, still open at data level, within the limit. */
	if (msk->state != MSK_ESTABLISHED || msk->rcv_fin_done ||
	    (msk->snd_fin_queued && !msk->parked) ||
	    (m && m->state != TCP_ESTABLISHED && m->state != TCP_CLOSE_WAIT) ||
	    1u + msk->n_joined >= msk->ctx->max_subflows ||
	    (ctx->deny_join_initial && sk->laddr == msk->first_laddr)) {   /* we said C (RFC 8684 3.1) */
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_REFUSED);
		return -1;
	}
	sf = calloc(1, sizeof(*sf));
	if (sf == NULL) {
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_REFUSED);
		return -1;
	}
	sf->msk = msk;
	sf->sk = sk;
	sf->join_pending = true;
	sf->backup = o->backup;
	sf->remote_id = o->join_id;
	sf->remote_nonce = o->nonce;
	sf->local_nonce = (uint32_t)rte_rand();
	sf->tx_end = 1;
	/* Address id 0 is the address of the initial subflow (RFC 8684 3.2). */
	sf->local_id = sk->laddr == msk->first_laddr ? 0 : 1;
	LIST_INSERT_HEAD(&msk->joined, sf, link);
	msk->n_joined++;
	msk->no_infinite = true;     /* RFC 8684 3.7: no fallback once a second subflow was opened */
	sk->ulp = &mptcp_ulp;
	sk->ulp_ctx = sf;
	sk->flags |= TF_NO_TX_FREE;
	sk->rxp = m ? m->rxp : msk->parked_owner.rxp;   /* the connection's bytes, by DSN */
	sk->txp = NULL;         /* its bytes come from the scheduler (mptcp_sched.c) */
	sk->ops = NULL;
	sk->user = NULL;
	mptcp_classify(ctx, sf);
	return MPTCP_ACCEPT_JOINED;
}

int mptcp_join_synack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;

	memset(&o, 0, sizeof(o));
	o.suboptions = OPTION_MPTCP_MPJ_SYNACK;
	o.join_id = sf->local_id;
	o.nonce = sf->local_nonce;
	/* Leftmost 64 bits of HMAC(Key-B || Key-A, R-B || R-A), we being B. */
	o.thmac = mptcp_crypto_join_thmac(msk->local_key, msk->remote_key, sf->local_nonce,
					  sf->remote_nonce);
	return (int)mptcp_write_options(opt, room, &o);
}

int mptcp_join_third_ack(struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	uint8_t want[32];

	if (!(o->suboptions & OPTION_MPTCP_MPJ_ACK)) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_MISSING);
		tcp_reset(sf->sk);
		return -1;
	}
	/* Leftmost 160 bits of HMAC(Key-A || Key-B, R-A || R-B). */
	mptcp_crypto_join_hmac(msk->remote_key, msk->local_key, sf->remote_nonce, sf->local_nonce, want);
	if (memcmp(want, o->hmac, sizeof(o->hmac)) != 0) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_HMAC_FAIL);
		tcp_reset(sf->sk);
		return -1;
	}
	sf->join_pending = false;
	mptcp_sf_configure(msk, sf->sk, true);
	MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_RX);
	tcp_ack_now(sf->sk);     /* the fourth ACK: the subflow is fully established */
	if (msk->parked) {
		sf->resume_pending = true;   /* it carries the connection once established */
		return 0;
	}
	mptcp_push(msk);
	return 0;
}

/*
 * RFC 8684 leaves a subflow's settings to the implementation. As Linux does
 * (net/mptcp/sockopt.c: what the application set on the MPTCP socket is
 * synced to every subflow), each subflow gets the owner's: its keepalive keeps
 * the NAT state of its own path alive, its idle timeout ends it like a TCP
 * connection. The coupled control replaces the owner's once both keys are
 * known (RFC 6356 couples the subflows of one connection).
 */
void mptcp_sf_configure(const struct mptcp_sock *msk, struct tcp_sock *sk, bool with_cc)
{
	struct tcp_sock_conf c = msk->sk_conf;

	if (!with_cc)
		c.cc = NULL;
	else if (msk->ctx->cc && msk->state == MSK_ESTABLISHED)
		c.cc = msk->ctx->cc;
	tcp_sock_configure(sk, &c);
}

void mptcp_sock_configure(struct tcp_sock *sk, const struct tcp_sock_conf *c)
{
	struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;

	if (sf == NULL || sf->msk == NULL) {
		tcp_sock_configure(sk, c);
		return;
	}
	sf->msk->sk_conf = *c;
	mptcp_sf_configure(sf->msk, sk, true);
}

/* The connection is going: joined subflows are reset (RFC 8684 3.3.3 "abrupt close"). */
void mptcp_join_detach_all(struct mptcp_sock *msk)
{
	struct mptcp_subflow *j;

	while ((j = LIST_FIRST(&msk->joined)) != NULL) {
		mptcp_join_unlink(msk, j);
		j->msk = NULL;
		tcp_reset(j->sk);
	}
}

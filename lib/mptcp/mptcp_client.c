/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP as the initiator (RFC 8684 3.1, 3.2): what a client does, for
 * hagperf's load and a CPE mode. Once both keys are known the connection is
 * the same as a server's (DSS both ways, the scheduler, DATA_FIN); only the
 * handshakes differ:
 *
 *   first subflow: SYN with MP_CAPABLE (no key, v1) -> the SYN/ACK carries
 *   the server's key -> our third ACK carries both keys;
 *   a join: SYN with MP_JOIN (the server's token, our nonce) -> the SYN/ACK's
 *   truncated HMAC is checked -> our third ACK carries the full HMAC -> the
 *   server's next segment (the fourth ACK) makes the subflow usable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_random.h>

#include "mptcp/mptcp_internal.h"

struct tcp_sock *mptcp_connect(struct mptcp_ctx *ctx, struct tcp_stack *st, uint32_t laddr, uint32_t raddr,
			       uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			       const struct tcp_sock_ops *ops, void *user, uint64_t now_us)
{
	struct mptcp_sock *msk = calloc(1, sizeof(*msk));
	struct mptcp_subflow *sf = calloc(1, sizeof(*sf));
	struct tcp_sock *sk;

	if (msk == NULL || sf == NULL) {
		free(msk);
		free(sf);
		rte_errno = ENOMEM;
		return NULL;
	}
	msk->ctx = ctx;
	msk->client = true;
	/* Our token is registered as a server's is: unique on this context, and
	 * msk_free takes it away again. */
	if (mptcp_token_new(ctx, msk) < 0) {
		free(msk);
		free(sf);
		rte_errno = ENOSPC;
		return NULL;
	}
	LIST_INIT(&msk->joined);
	ctx->n_conns++;
	msk->master = sf;
	msk->first_laddr = laddr;
	msk->state = MSK_SYN_SENT;
	msk->csum = ctx->csum == MPTCP_CSUM_REQUIRE;
	sf->msk = msk;
	sf->master = true;
	sf->tx_end = 1;     /* stream position 1: the first data byte after the SYN */
	sk = tcp_connect_ulp(st, laddr, 0, raddr, rport, rxp, txp, ops, user, NULL, now_us, &mptcp_ulp, sf);
	if (sk == NULL) {
		int e = rte_errno;

		msk->master = NULL;
		mptcp_token_del(ctx, msk->local_token);
		ctx->n_conns--;
		free(msk);
		free(sf);
		rte_errno = e;
		return NULL;
	}
	sf->sk = sk;
	sk->flags |= TF_NO_TX_FREE;
	MPTCP_INC(ctx, MPTCP_MIB_MPCAPABLE_SYN_TX);
	return sk;
}

static int join_now(struct tcp_sock *first, struct mptcp_sock *msk, uint32_t laddr, bool backup, uint64_t now_us)
{
	struct mptcp_subflow *sf;
	struct tcp_sock *sk;

	sf = calloc(1, sizeof(*sf));
	if (sf == NULL)
		return -ENOMEM;
	sf->msk = msk;
	sf->join_pending = true;        /* until the fourth ACK */
	sf->backup = backup;
	sf->local_nonce = (uint32_t)rte_rand();
	sf->local_id = (uint8_t)(1 + msk->n_joined);
	sf->tx_end = 1;
	/* The connection's received bytes go to its pipe, by DSN; what it sends
	 * comes from the scheduler (mptcp_sched.c). */
	sk = tcp_connect_ulp(first->stack, laddr, 0, first->raddr, first->rport, first->rxp, NULL, NULL, NULL,
			     NULL, now_us, &mptcp_ulp, sf);
	if (sk == NULL) {
		int e = rte_errno;

		free(sf);
		return -e;
	}
	sf->sk = sk;
	sk->flags |= TF_NO_TX_FREE;
	LIST_INSERT_HEAD(&msk->joined, sf, link);
	msk->n_joined++;
	msk->no_infinite = true;    /* RFC 8684 3.7: no fallback once a second subflow was opened */
	MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_SYN_TX);
	return 0;
}

int mptcp_join(struct tcp_sock *first, uint32_t laddr, bool backup, uint64_t now_us)
{
	struct mptcp_subflow *m = first->ulp == &mptcp_ulp ? first->ulp_ctx : NULL;
	struct mptcp_sock *msk = m ? m->msk : NULL;

	if (msk == NULL || !msk->client || !m->master || msk->state != MSK_ESTABLISHED ||
	    first->state != TCP_ESTABLISHED || msk->snd_fin_queued)
		return -EINVAL;
	if (1u + msk->n_joined + (msk->join_laddr != 0) >= msk->ctx->max_subflows)
		return -ENOSPC;
	if (!msk->fully_established) {
		/* RFC 8684 3.2: a join waits until the server has our key (the
		 * connection is "fully established"): it would refuse the token. */
		msk->join_laddr = laddr;
		msk->join_backup = backup;
		return 0;
	}
	return join_now(first, msk, laddr, backup, now_us);
}

/* The server's first DSS on the first subflow: it has our key; a join asked for goes now. */
void mptcp_client_confirmed(struct mptcp_sock *msk)
{
	uint32_t laddr = msk->join_laddr;

	msk->fully_established = true;
	msk->join_laddr = 0;
	if (laddr != 0 && msk->master != NULL && msk->master->sk->state == TCP_ESTABLISHED && !msk->snd_fin_queued)
		(void)join_now(msk->master->sk, msk, laddr, msk->join_backup, tcp_now(msk->master->sk));
}

/* The SYN's options: MP_CAPABLE on the first subflow, MP_JOIN on the others. */
uint32_t mptcp_client_syn_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;

	memset(&o, 0, sizeof(o));
	if (sf->master) {
		o.suboptions = OPTION_MPTCP_MPC_SYN;
		o.mpc_version = 1;
		o.mpc_flags = MPTCP_CAP_HMAC_SHA256 | (msk->csum ? MPTCP_CAP_CHECKSUM_REQD : 0);
	} else {
		o.suboptions = OPTION_MPTCP_MPJ_SYN;
		o.token = msk->remote_token;
		o.nonce = sf->local_nonce;
		o.join_id = sf->local_id;
		o.backup = sf->backup;
	}
	return (uint32_t)mptcp_write_options(opt, room, &o);
}

/* The third ACK's options (once): both keys, or our HMAC. 0 when none is due. */
uint32_t mptcp_client_ack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;
	uint8_t mac[32];

	memset(&o, 0, sizeof(o));
	if (sf->mpc_ack_due) {
		sf->mpc_ack_due = false;
		o.suboptions = OPTION_MPTCP_MPC_ACK;
		o.mpc_version = 1;
		o.mpc_flags = MPTCP_CAP_HMAC_SHA256 | (msk->csum ? MPTCP_CAP_CHECKSUM_REQD : 0);
		o.sndr_key = msk->local_key;
		o.rcvr_key = msk->remote_key;
	} else if (sf->mpj_ack_due) {
		sf->mpj_ack_due = false;
		o.suboptions = OPTION_MPTCP_MPJ_ACK;
		/* Leftmost 160 bits of HMAC(Key-A || Key-B, R-A || R-B), we being A. */
		mptcp_crypto_join_hmac(msk->local_key, msk->remote_key, sf->local_nonce, sf->remote_nonce, mac);
		memcpy(o.hmac, mac, sizeof(o.hmac));
	} else {
		return 0;
	}
	return (uint32_t)mptcp_write_options(opt, room, &o);
}

/* The SYN/ACK of one of our subflows (sk in SYN_SENT). <0: drop it (sk may be reset). */
int mptcp_client_synack(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;

	if (sf->master) {
		if (!(o->suboptions & OPTION_MPTCP_MPC_SYNACK) || !(o->mpc_flags & MPTCP_CAP_HMAC_SHA256)) {
			/* RFC 8684 3.1: a server without MPTCP: the connection is plain TCP. */
			mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_SYNACK);
			return 0;
		}
		msk->remote_key = o->sndr_key;
		mptcp_crypto_key_sha(msk->remote_key, &msk->remote_token, &msk->remote_idsn);
		/* RFC 8684 3.1: checksums when either side sets A. */
		if ((o->mpc_flags & MPTCP_CAP_CHECKSUM_REQD) && !msk->csum) {
			msk->csum = true;
			MPTCP_INC(ctx, MPTCP_MIB_CSUM_CONNS);
		}
		msk->state = MSK_ESTABLISHED;
		sf->mpc_ack_due = true;
		if (ctx->cc)
			tcp_set_cc(sk, ctx->cc);
		MPTCP_INC(ctx, MPTCP_MIB_MPCAPABLE_SYNACK_RX);
		MPTCP_INC(ctx, MPTCP_MIB_ESTAB);
		return 0;
	}
	if (!(o->suboptions & OPTION_MPTCP_MPJ_SYNACK) ||
	    o->thmac != mptcp_crypto_join_thmac(msk->remote_key, msk->local_key, o->nonce, sf->local_nonce)) {
		/* Leftmost 64 bits of HMAC(Key-B || Key-A, R-B || R-A), the server being B. */
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYNACK_HMAC_FAIL);
		tcp_reset(sk);
		return -1;
	}
	sf->remote_nonce = o->nonce;
	sf->remote_id = o->join_id;
	sf->mpj_ack_due = true;
	MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYNACK_RX);
	return 0;
}

/* Our subflow is established: its third ACK goes at once, before any data. */
void mptcp_client_established(struct tcp_sock *sk, struct mptcp_subflow *sf)
{
	if (sf->mpc_ack_due || sf->mpj_ack_due)
		tcp_ack_send(sk);
}

/* A segment on a join still waiting for the fourth ACK: this is it. */
void mptcp_client_join_acked(struct mptcp_subflow *sf)
{
	struct mptcp_sock *msk = sf->msk;

	sf->join_pending = false;
	mptcp_sf_configure(msk, sf->sk, true);
	mptcp_push(msk);
}

int mptcp_joins_pending(const struct tcp_sock *sk)
{
	const struct mptcp_subflow *m = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL, *j;
	const struct mptcp_sock *msk = m ? m->msk : NULL;
	int n;

	if (msk == NULL)
		return -ENOENT;
	n = msk->join_laddr != 0;
	LIST_FOREACH(j, &msk->joined, link)
		n += j->join_pending;
	return n;
}

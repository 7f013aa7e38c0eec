/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Failover (RFC 8684 3.3.3): a subflow that keeps timing out is marked stale
 * (its data goes on the others); when the first subflow dies, a joined one
 * takes the connection and its owner over, or the connection is parked until
 * a join resumes it (break-before-make, mptcp.resume_timeout_ms).
 */
#include <errno.h>

#include "mptcp/mptcp_internal.h"

/* Repeated RTOs (Linux's stale_loss_cnt is 4; paths here fail faster): stop scheduling on it. */
#define MPTCP_STALE_RTOS 2

void mptcp_sf_rto(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;

	if (msk == NULL || sf->stale || sk->retries < MPTCP_STALE_RTOS || msk->n_joined == 0)
		return;
	sf->stale = true;
	MPTCP_INC(msk->ctx, MPTCP_MIB_SUBFLOW_STALE);
	mptcp_reinject_from(sf, true);
	mptcp_push(msk);
}

/* A joined subflow that can carry the connection when the first one dies. */
static struct mptcp_subflow *heir(struct mptcp_sock *msk)
{
	struct mptcp_subflow *j, *best = NULL;

	if ((msk->snd_fin_acked && msk->rcv_fin_done) || msk->fastclose)
		return NULL;    /* finished at data level, or aborted: nothing to carry on */
	LIST_FOREACH(j, &msk->joined, link)
		if (!j->join_pending && (j->sk->state == TCP_ESTABLISHED || j->sk->state == TCP_CLOSE_WAIT) &&
		    (!best || (best->stale && !j->stale)))
			best = j;
	return best;
}

/* RFC 8684 3.3.3 / walk-out: the connection moves to a joined subflow; the owner follows. */
/* What the owner (the relay) hooked on the first subflow; carried to the next one. */
static struct mptcp_owner owner_of_sock(const struct tcp_sock *sk)
{
	return (struct mptcp_owner){ .ops = sk->ops, .user = sk->user, .txp = sk->txp, .rxp = sk->rxp,
				     .tx_off = sk->tx_off };
}

/*
 * The joined subflow j becomes the first one and takes the owner's state,
 * keepalive and idle timeout included (it has them since its join: they run
 * on, an idle connection is not given a second idle timeout). Its congestion
 * control, the connection's since its join, keeps what it learnt.
 */
static void promote(struct mptcp_sock *msk, struct mptcp_subflow *j, const struct mptcp_owner *ow)
{
	struct tcp_sock *nsk = j->sk;

	mptcp_join_unlink(msk, j);
	j->master = true;
	msk->master = j;
	nsk->txp = ow->txp;
	nsk->tx_off = ow->tx_off;
	nsk->user = ow->user;
	nsk->ops = ow->ops;
	mptcp_sf_configure(msk, nsk, false);
}

/* After a promotion: the DATA_FIN, the data-level timer (it died with the old
 * socket) and the data go on from the new first subflow. */
static void carry_on(struct mptcp_sock *msk)
{
	if (msk->snd_fin_queued && !msk->snd_fin_acked)
		mptcp_data_fin_kick(msk);
	mptcp_rtx_arm(msk, true);
	mptcp_push(msk);
}

static void take_over(struct tcp_sock *old, struct mptcp_subflow *sf, struct mptcp_subflow *j)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_owner ow = owner_of_sock(old);

	mptcp_reinject_from(sf, false);
	promote(msk, j, &ow);
	old->ops = NULL;         /* no closed() for the socket that died */
	MPTCP_INC(msk->ctx, MPTCP_MIB_TAKEOVER);
	if (ow.ops && ow.ops->replaced)
		ow.ops->replaced(old, j->sk);
	carry_on(msk);
}

/*
 * Break-before-make: the last subflow died but the connection is not over at
 * data level. It keeps its token, its data and its owner's pipes, and waits
 * for a join (mptcp_resume) until ctx->resume_us runs out (mptcp_ctx_tick).
 */
static bool park(struct tcp_sock *old, struct mptcp_subflow *sf)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;

	if (ctx->resume_us == 0 || ctx->parked_fn == NULL || msk->state != MSK_ESTABLISHED || msk->fastclose ||
	    (msk->snd_fin_acked && msk->rcv_fin_done) || old->ops == NULL || old->txp == NULL)
		return false;
	mptcp_reinject_from(sf, false);     /* its unacked data goes on the next subflow */
	msk->parked_owner = owner_of_sock(old);
	old->ops = NULL;                    /* no closed(): the owner hears ctx->parked_fn */
	msk->master = NULL;
	msk->parked = true;
	msk->park_deadline = tcp_now(old) + ctx->resume_us;
	TAILQ_INSERT_TAIL(&ctx->parked, msk, park_link);
	ctx->n_parked++;
	MPTCP_INC(ctx, MPTCP_MIB_PARKED);
	ctx->parked_fn(msk->parked_owner.user, NULL, 0);
	return true;
}

void mptcp_resume(struct mptcp_sock *msk, struct mptcp_subflow *j)
{
	struct tcp_sock *nsk = j->sk;
	struct mptcp_ctx *ctx = msk->ctx;

	msk->parked = false;
	TAILQ_REMOVE(&ctx->parked, msk, park_link);
	ctx->n_parked--;
	promote(msk, j, &msk->parked_owner);
	MPTCP_INC(ctx, MPTCP_MIB_RESUMED);
	ctx->parked_fn(msk->parked_owner.user, nsk, 0);
	if (nsk->state == TCP_CLOSED || msk->master != j)
		return;
	carry_on(msk);
}

void mptcp_park_end(struct mptcp_sock *msk, int err)
{
	struct mptcp_owner ow = msk->parked_owner;
	struct mptcp_ctx *ctx = msk->ctx;

	mptcp_msk_free(msk);           /* unlinks it; pending joins are reset */
	ctx->parked_fn(ow.user, NULL, err);
}

void mptcp_ctx_tick(struct mptcp_ctx *ctx, uint64_t now_us)
{
	struct mptcp_sock *msk;

	while ((msk = TAILQ_FIRST(&ctx->parked)) != NULL && msk->park_deadline <= now_us) {
		MPTCP_INC(ctx, MPTCP_MIB_PARK_EXPIRED);
		mptcp_park_end(msk, -ETIMEDOUT);
	}
}

/*
 * The first subflow is gone (ulp_release): the connection moves to a joined
 * subflow (take-over), or waits for one (break-before-make). false when neither
 * can be: the connection ends with it.
 */
bool mptcp_failover(struct tcp_sock *old, struct mptcp_subflow *sf)
{
	struct mptcp_subflow *j = heir(sf->msk);

	if (j) {
		take_over(old, sf, j);
		return true;
	}
	return park(old, sf);
}


/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet scheduler toward the client: which subflow carries which
 * data-level bytes. minrtt (the default, as Linux's): among the subflows
 * with congestion window room, the lowest smoothed RTT; backup subflows
 * (join SYN with B) only when no other can send. Every assignment becomes
 * one DSS mapping on that subflow; bytes of a subflow that dies are given
 * again to the others (reinjection, same data sequence numbers).
 */
#include <errno.h>
#include <string.h>

#include "mptcp/mptcp_internal.h"

static bool can_send(const struct mptcp_subflow *sf)
{
	const struct tcp_sock *sk = sf->sk;

	return !sf->join_pending && sf->ch_n < MPTCP_CHUNKS && !(sk->flags & TF_FIN_QUEUED) &&
	       (sk->state == TCP_ESTABLISHED || sk->state == TCP_CLOSE_WAIT);
}

/* Bytes given to sf that its peer has not acknowledged, against its cwnd. */
static uint64_t room(const struct mptcp_subflow *sf)
{
	const struct tcp_sock *sk = sf->sk;
	uint64_t given = sf->tx_end - sk->snd_una;

	return sk->cwnd > given ? sk->cwnd - given : 0;
}

/* Live before stale, regular before backup; then the cheaper access network
 * (cost scheduler), then the lower smoothed RTT. */
static bool better(const struct mptcp_sock *msk, const struct mptcp_subflow *a,
		   const struct mptcp_subflow *b)
{
	if (a->stale != b->stale)
		return !a->stale;
	if (a->backup != b->backup)
		return !a->backup;
	if (msk->ctx->sched == MPTCP_SCHED_COST && a->cost != b->cost)
		return a->cost < b->cost;
	return a->sk->srtt_us < b->sk->srtt_us;
}

void mptcp_ctx_set_scheduler(struct mptcp_ctx *ctx, enum mptcp_sched_kind kind)
{
	ctx->sched = kind;
}

int mptcp_sched_by_name(const char *name)
{
	if (name == NULL || strcmp(name, "minrtt") == 0)
		return MPTCP_SCHED_MINRTT;
	if (strcmp(name, "redundant") == 0)
		return MPTCP_SCHED_REDUNDANT;
	if (strcmp(name, "cost") == 0)
		return MPTCP_SCHED_COST;
	return -1;
}

int mptcp_ctx_add_access(struct mptcp_ctx *ctx, uint32_t prefix, uint8_t len, uint32_t cost, bool backup)
{
	if (ctx->n_access == sizeof(ctx->access) / sizeof(ctx->access[0]))
		return -ENOSPC;
	ctx->access[ctx->n_access++] = (struct mptcp_access){prefix, cost, len, backup};
	return 0;
}

/* The access network of the subflow's client address: its cost and backup class. */
void mptcp_classify(struct mptcp_ctx *ctx, struct mptcp_subflow *sf)
{
	int best = -1;

	for (int i = 0; i < ctx->n_access; i++) {
		const struct mptcp_access *a = &ctx->access[i];
		uint32_t mask = a->len ? ~0u << (32 - a->len) : 0;

		if (((sf->sk->raddr ^ a->prefix) & mask) == 0 && (best < 0 || a->len > ctx->access[best].len))
			best = i;
	}
	sf->cost = best >= 0 ? ctx->access[best].cost : 1;
	if (best >= 0 && ctx->access[best].backup)
		sf->backup = true;
}

static struct mptcp_subflow *pick(struct mptcp_sock *msk)
{
	struct mptcp_subflow *best = NULL, *sf = msk->master;

	for (;;) {
		if (can_send(sf) && room(sf) >= sf->sk->mss && (!best || better(msk, sf, best)))
			best = sf;
		sf = sf == msk->master ? LIST_FIRST(&msk->joined) : LIST_NEXT(sf, link);
		if (sf == NULL)
			break;
	}
	return best;
}

static void give(struct mptcp_subflow *sf, uint64_t dpos, uint32_t len)
{
	struct mptcp_chunk *last = sf->ch_n ?
		&sf->ch[(sf->ch_head + sf->ch_n - 1) % MPTCP_CHUNKS] : NULL;

	/* Continue the last mapping when it is contiguous and still short. */
	if (last && last->dpos + last->len == dpos && last->ssn + last->len == sf->tx_end &&
	    last->len + len <= MPTCP_CHUNK_MAX) {
		last->len += len;
	} else {
		struct mptcp_chunk *c = &sf->ch[(sf->ch_head + sf->ch_n) % MPTCP_CHUNKS];

		c->ssn = sf->tx_end;
		c->dpos = dpos;
		c->len = len;
		sf->ch_n++;
	}
	sf->tx_end += len;
	if (!sf->master)
		MPTCP_INC(sf->msk->ctx, MPTCP_MIB_SCHED_JOINED);
	tcp_kick(sf->sk);
}

void mptcp_push(struct mptcp_sock *msk)
{
	struct tcp_sock *m = msk->master->sk;
	uint64_t end, wnd_end;

	if (msk->state != MSK_ESTABLISHED || m->txp == NULL || msk->pushing)
		return;
	msk->pushing = true;     /* give() kicks subflows, and a kick pushes */
	end = m->txp->rx.nxt;
	/* RFC 8684 3.3.4: the peer's window is relative to the DATA_ACK it came with. */
	wnd_end = msk->snd_edge ? msk->snd_edge : msk->snd_una + m->snd_wnd;
	for (int guard = 0; guard < 256; guard++) {
		struct mptcp_subflow *sf;
		uint64_t from, len, r;
		bool reinj = msk->n_rj > 0;

		if (reinj) {
			from = msk->rj[0].dpos;
			len = msk->rj[0].len;
		} else {
			uint64_t lim = end < wnd_end ? end : wnd_end;

			if (msk->snd_nxt >= lim)
				break;
			from = msk->snd_nxt;
			len = lim - from;
		}
		if (msk->ctx->sched == MPTCP_SCHED_REDUNDANT && !reinj) {
			/* Every subflow with room gets the same bytes; the client keeps the first copy. */
			struct mptcp_subflow *all[MPTCP_SUBFLOWS_MAX];
			int n = 0;

			for (sf = msk->master; sf && n < MPTCP_SUBFLOWS_MAX;
			     sf = sf == msk->master ? LIST_FIRST(&msk->joined) : LIST_NEXT(sf, link))
				if (can_send(sf) && !sf->stale && room(sf) >= sf->sk->mss) {
					all[n++] = sf;
					if (room(sf) < len)
						len = room(sf);
				}
			if (n == 0)
				break;
			if (len > MPTCP_CHUNK_MAX)
				len = MPTCP_CHUNK_MAX;
			for (int i = 0; i < n; i++)
				give(all[i], from, (uint32_t)len);
		} else {
			sf = pick(msk);
			if (sf == NULL)
				break;
			r = room(sf);
			if (len > r)
				len = r;
			if (len > MPTCP_CHUNK_MAX)
				len = MPTCP_CHUNK_MAX;
			give(sf, from, (uint32_t)len);
		}
		if (reinj) {
			msk->rj[0].dpos += len;
			msk->rj[0].len -= (uint32_t)len;
			if (msk->rj[0].len == 0)
				memmove(&msk->rj[0], &msk->rj[1], --msk->n_rj * sizeof(msk->rj[0]));
		} else {
			msk->snd_nxt += len;
		}
		mptcp_rtx_arm(msk, false);
	}
	msk->pushing = false;
}

const struct mptcp_chunk *mptcp_chunk_at(const struct mptcp_subflow *sf, uint64_t pos)
{
	for (uint16_t i = 0; i < sf->ch_n; i++) {
		const struct mptcp_chunk *c = &sf->ch[(sf->ch_head + i) % MPTCP_CHUNKS];

		if (pos >= c->ssn && pos < c->ssn + c->len)
			return c;
	}
	return NULL;
}

/* The subflow's peer acknowledged up to una: those mappings are done. */
void mptcp_chunks_acked(struct mptcp_subflow *sf, uint64_t una)
{
	while (sf->ch_n) {
		const struct mptcp_chunk *c = &sf->ch[sf->ch_head];

		if (c->ssn + c->len > una)
			break;
		sf->ch_head = (uint16_t)((sf->ch_head + 1) % MPTCP_CHUNKS);
		sf->ch_n--;
	}
}

/*
 * A subflow goes (keep false) or is set aside as stale (keep true: it keeps
 * its ranges and may still deliver them): whatever it held that the DATA_ACK
 * has not covered is given again to the others.
 */
void mptcp_reinject_from(struct mptcp_subflow *sf, bool keep)
{
	struct mptcp_sock *msk = sf->msk;

	for (uint16_t i = 0; i < sf->ch_n; i++) {
		const struct mptcp_chunk *c = &sf->ch[(sf->ch_head + i) % MPTCP_CHUNKS];
		uint64_t a = c->dpos > msk->snd_una ? c->dpos : msk->snd_una;
		uint64_t b = c->dpos + c->len;

		if (a >= b)
			continue;
		if (msk->n_rj == MPTCP_REINJECT_MAX) {
			/* Full: merge into the last range (it may resend a little more). */
			uint64_t s = msk->rj[msk->n_rj - 1].dpos;

			if (a < s)
				s = a;
			msk->rj[msk->n_rj - 1].dpos = s;
			msk->rj[msk->n_rj - 1].len = (uint32_t)(b - s);
		} else {
			msk->rj[msk->n_rj].dpos = a;
			msk->rj[msk->n_rj].len = (uint32_t)(b - a);
			msk->n_rj++;
		}
		MPTCP_INC(msk->ctx, MPTCP_MIB_REINJECT);
	}
	if (!keep)
		sf->ch_n = 0;
}

bool mptcp_all_sent(const struct mptcp_sock *msk)
{
	const struct tcp_sock *m = msk->master->sk;

	return msk->n_rj == 0 && m->txp && msk->snd_nxt == m->txp->rx.nxt;
}

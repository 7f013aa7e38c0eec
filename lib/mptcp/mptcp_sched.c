/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet scheduler toward the client: which subflow carries which
 * data-level bytes. minrtt (the default, as Linux's): among the subflows
 * with congestion window room, the lowest smoothed RTT; backup subflows
 * (join SYN with B) only when no regular one can send at all, not when the
 * regular ones' windows are full (pick()). Every assignment becomes
 * one DSS mapping on that subflow; bytes of a subflow that dies are given
 * again to the others (reinjection, same data sequence numbers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/mptcp_internal.h"
#include "net/net_params.h"

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
	static const char *const names[] = MPTCP_SCHED_NAMES;

	if (name == NULL)
		return MPTCP_SCHED_MINRTT;
	for (int k = 0; k < MPTCP_SCHED_KINDS; k++)
		if (strcmp(name, names[k]) == 0)
			return k;
	return -1;
}

int mptcp_ctx_add_access(struct mptcp_ctx *ctx, uint32_t prefix, uint8_t len, uint32_t cost, bool backup)
{
	if (ctx->n_access == sizeof(ctx->access) / sizeof(ctx->access[0]))
		return -ENOSPC;
	ctx->access[ctx->n_access++] = (struct mptcp_access){.prefix = prefix, .cost = cost, .len = len,
							     .backup = backup};
	return 0;
}

int mptcp_ctx_add_access6(struct mptcp_ctx *ctx, const uint8_t prefix[16], uint8_t len, uint32_t cost, bool backup)
{
	struct mptcp_access *a;

	if (ctx->n_access == MPTCP_MAX_ACCESS || len > 128)
		return ctx->n_access == MPTCP_MAX_ACCESS ? -ENOSPC : -EINVAL;
	a = &ctx->access[ctx->n_access++];
	*a = (struct mptcp_access){.cost = cost, .len = len, .backup = backup, .v6 = true};
	memcpy(a->prefix6, prefix, 16);
	return 0;
}

int mptcp_ctx_access_of(const struct mptcp_ctx *ctx, const struct tcp_sock *sk)
{
	int best = -1;

	for (int i = 0; i < ctx->n_access; i++) {
		const struct mptcp_access *a = &ctx->access[i];
		bool in;

		if (a->v6 != sk->v6)
			continue;     /* an IPv6 subflow's raddr is a fold, never matched against IPv4 */
		in = sk->v6 ? net_ip6_in_prefix(tcp_sock_raddr6(sk), a->prefix6, a->len) :
			      ((sk->raddr ^ a->prefix) & (a->len ? ~0u << (32 - a->len) : 0)) == 0;
		if (in && (best < 0 || a->len > ctx->access[best].len))
			best = i;
	}
	return best;
}

/* The access network of the subflow's client address: its cost and backup class. */
void mptcp_classify(struct mptcp_ctx *ctx, struct mptcp_subflow *sf)
{
	int best = mptcp_ctx_access_of(ctx, sf->sk);

	sf->cost = best >= 0 ? ctx->access[best].cost : 1;
	if (best >= 0 && ctx->access[best].backup) {
		/* RFC 8684 3.3.8: the client is told too (MP_PRIO), so that its
		 * own scheduler keeps this path for when nothing else works. */
		if (!sf->backup)
			sf->prio_tx = MPTCP_PRIO_SENDS;
		sf->backup = true;
	}
}

/* Live regular, live backup, stale regular, stale backup: the order of better(). */
static int sf_class(const struct mptcp_subflow *sf)
{
	return (sf->stale ? 2 : 0) + (sf->backup ? 1 : 0);
}

/*
 * The subflow for the next bytes, or NULL to wait. Only the best class that
 * can send at all competes: RFC 8684 3.3.8, a backup path is used when no
 * regular one is available, and a regular subflow whose cwnd is full now is
 * available (it will have room on its next ACK). Taking the backup for what
 * the regular path cannot carry right now made a backup LTE carry 41 % of a
 * download while the DSL was up but rate-limited (Linux's
 * mptcp_subflow_get_send also waits rather than use a backup).
 */
static struct mptcp_subflow *pick(struct mptcp_sock *msk)
{
	struct mptcp_subflow *best = NULL, *sf;
	int cls = 4;

	MPTCP_FOR_EACH_SF(msk, sf)
		if (can_send(sf) && sf_class(sf) < cls)
			cls = sf_class(sf);
	MPTCP_FOR_EACH_SF(msk, sf)
		if (can_send(sf) && sf_class(sf) == cls && room(sf) >= sf->sk->mss &&
		    (!best || better(msk, sf, best)))
			best = sf;
	return best;
}

/* Give [dpos, dpos + len) to sf as its next subflow bytes; false when its mapping table could not be had. */
static bool give(struct mptcp_subflow *sf, uint64_t dpos, uint32_t len)
{
	struct mptcp_chunk *last;

	if (sf->ch == NULL) {
		sf->ch = malloc(MPTCP_CHUNKS * sizeof(*sf->ch));
		if (sf->ch == NULL) {
			MPTCP_INC(sf->msk->ctx, MPTCP_MIB_SCHED_NO_MEMORY);
			return false;
		}
		sf->ch_head = 0;
	}
	last = sf->ch_n ? &sf->ch[(sf->ch_head + sf->ch_n - 1) % MPTCP_CHUNKS] : NULL;
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
	return true;
}

/* Nothing in flight on sf any more: its mapping table goes. */
void mptcp_chunks_free(struct mptcp_subflow *sf)
{
	free(sf->ch);
	sf->ch = NULL;
	sf->ch_head = 0;
	sf->ch_n = 0;
}

/*
 * What a full segment of sf carries beside its timestamps and DSS mapping.
 * While a subflow has data in flight (ACK-clocked), the ranges it is given
 * are whole multiples of it: a range of cwnd room in bytes would end in a
 * runt segment on every ACK (measured: 1100-byte frames on average, 3 % of a
 * path's goodput). A subflow with nothing in flight takes all its room.
 */
static uint32_t seg_payload(const struct mptcp_subflow *sf)
{
	struct mptcp_opts o;

	memset(&o, 0, sizeof(o));
	o.suboptions = OPTION_MPTCP_DSS;
	o.use_ack = o.ack64 = true;
	o.use_map = o.dsn64 = true;
	o.csum_present = sf->msk->csum;
	o.data_len = 1;
	return tcp_seg_payload(sf->sk, (uint32_t)mptcp_options_len(&o));
}

/* len cut to whole segments of seg bytes (at least one). */
static uint64_t whole_segs(uint64_t len, uint32_t seg)
{
	return len > seg ? len - len % seg : len;
}

/* The largest smoothed RTT among the subflows that can send. */
static uint64_t max_srtt(const struct mptcp_sock *msk)
{
	const struct mptcp_subflow *sf;
	uint64_t rtt = 0;

	MPTCP_FOR_EACH_SF(msk, sf)
		if (can_send(sf) && sf->sk->srtt_us > rtt)
			rtt = sf->sk->srtt_us;
	return rtt;
}

/*
 * The end of the client's data-level window that data may fill (RFC 8684
 * 3.3.4: relative to the DATA_ACK it came with). While several subflows carry
 * data, the end of it is kept free: the client holds out-of-order data in
 * memory charged by its true size, not by the bytes its window counted, and
 * Linux stops taking data from its subflows once that memory passes its
 * buffer. A window filled to its last byte past a hole (the head still on a
 * slower subflow) left the client a few hundred bytes over its buffer with the
 * hole's bytes queued on a subflow it no longer read: the connection never
 * moved again (3 MPTCP downloads in 6 minutes of soak). Kept free: 1/16 of the
 * window and two segments, at most half of it (decision 36).
 */
static uint64_t usable_end(const struct mptcp_sock *msk, const struct tcp_sock *m)
{
	uint64_t end = msk->snd_edge ? msk->snd_edge : msk->snd_una + m->snd_wnd;
	uint64_t wnd, keep;

	if (LIST_EMPTY(&msk->joined) || end <= msk->snd_una)
		return end;
	wnd = end - msk->snd_una;
	keep = wnd / 16 + 2 * (uint64_t)m->mss;
	return end - (keep < wnd / 2 ? keep : wnd / 2);
}

void mptcp_push(struct mptcp_sock *msk)
{
	struct tcp_sock *m = msk->master ? msk->master->sk : NULL;
	uint64_t end, wnd_end;
	bool drained = false;   /* every byte of the pipe was given out */

	if (m == NULL || msk->state != MSK_ESTABLISHED || m->txp == NULL || msk->pushing)
		return;      /* no master: parked (break-before-make) */
	msk->pushing = true;     /* give() kicks subflows, and a kick pushes */
	end = m->txp->rx.nxt;
	wnd_end = usable_end(msk, m);
	for (int guard = 0; guard < 256; guard++) {
		struct mptcp_subflow *sf;
		uint64_t from, len, r;
		bool reinj = msk->n_rj > 0;

		if (reinj) {
			from = msk->rj[0].dpos;
			len = msk->rj[0].len;
			msk->no_infinite = true;   /* a subflow's stream is no longer the data stream */
		} else {
			uint64_t lim = end < wnd_end ? end : wnd_end;

			if (msk->snd_nxt >= lim) {
				drained = end <= wnd_end;
				break;
			}
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
			{
				int given = 0;

				for (int i = 0; i < n; i++)
					given += give(all[i], from, (uint32_t)len);
				if (given == 0)
					break;
			}
		} else {
			sf = pick(msk);
			if (sf == NULL)
				break;
			r = room(sf);
			if (len > r)
				len = sf->tx_end > sf->sk->snd_una ? whole_segs(r, seg_payload(sf)) : r;
			if (len > MPTCP_CHUNK_MAX)
				len = whole_segs(MPTCP_CHUNK_MAX, seg_payload(sf));
			if (!give(sf, from, (uint32_t)len))
				break;      /* counted; the push of the next ACK or timer tries again */
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
	/* The client's window and a subflow's cwnd would take more than the pipe
	 * holds: it holds every byte until DATA_ACKed, across all subflows, so it
	 * must cover the sum of their flights (until the slowest one acks). */
	if (drained && !msk->snd_fin_queued && pick(msk) != NULL)
		tcp_txp_grow(m, max_srtt(msk));
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
	if (sf->ch_n == 0 && sf->ch != NULL)
		mptcp_chunks_free(sf);
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
		mptcp_chunks_free(sf);
}

bool mptcp_all_sent(const struct mptcp_sock *msk)
{
	const struct tcp_sock *m = msk->master ? msk->master->sk : NULL;

	return msk->n_rj == 0 && m && m->txp && msk->snd_nxt == m->txp->rx.nxt;
}

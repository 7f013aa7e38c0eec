/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP v1, the data level (RFC 8684 3.3, 3.7) and the lib/tcp ULP hooks
 * every subflow runs: received options dispatched (handshakes and mappings:
 * mptcp_subflow.c; addresses: mptcp_pm.c), DATA_ACK and the data-level
 * window, DATA_FIN both ways, MP_FAIL and fallback to TCP, the option writer
 * (DSS with one mapping per segment), and a subflow's end (mptcp_failover.c
 * when it was the first).
 *
 * Positions: data position d <-> DSN = IDSN + 1 + d (both directions). Every
 * subflow receives: the client may send on any, and its bytes meet in the
 * connection's rx pipe by DSN; what each subflow sends is the scheduler's
 * (mptcp_sched.c: chunks of the data stream mapped to subflow positions).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "mptcp/mptcp_internal.h"

/* Parse every MPTCP option of a segment; malformed ones are counted and ignored. */
void mptcp_parse_all(struct mptcp_ctx *ctx, const struct tcp_seg_opts *to, struct mptcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < to->n_mptcp; i++) {
		enum mptcp_parse_err e = mptcp_parse_option(to->mptcp[i], to->mptcp_len[i], o);

		if (e != MPTCP_PARSE_OK && e != MPTCP_PARSE_UNKNOWN)
			MPTCP_INC(ctx, MPTCP_MIB_OPTION_MALFORMED);
	}
}

/* RFC 8684 3.7: go on as plain TCP; data position = subflow position + rx_off. */
void mptcp_fallback(struct tcp_sock *sk, struct mptcp_subflow *sf, enum mptcp_mib why)
{
	struct mptcp_sock *msk = sf->msk;

	MPTCP_INC(msk->ctx, why);
	if (sf->map_valid)
		sk->rx_off = (int64_t)sf->map_data - (int64_t)sf->map_ssn;
	mptcp_csum_flush(sf);    /* bytes staged for their checksum are the stream's too */
	sk->ulp = NULL;
	sk->ulp_ctx = NULL;
	sk->flags &= ~TF_NO_TX_FREE;
	mptcp_msk_free(msk);   /* joined subflows cannot outlive a fallback: they are reset */
	mptcp_chunks_free(sf);
	free(sf);
}

/* The master subflow, which talks to the owner (the relay). */
static struct tcp_sock *owner(const struct mptcp_sock *msk)
{
	return msk->master->sk;
}

static uint64_t data_end(const struct mptcp_sock *msk)
{
	return msk->master->sk->txp->rx.nxt;
}

static void close_subflow(struct tcp_sock *sk)
{
	if (sk->state != TCP_CLOSED && !(sk->flags & TF_FIN_QUEUED)) {
		sk->flags |= TF_FIN_QUEUED;
		tcp_kick(sk);
	}
}

static void maybe_close_subflows(struct mptcp_sock *msk)
{
	struct mptcp_subflow *j;

	/* Both DATA_FINs done: the connection is over at data level; close every subflow. */
	if (!msk->snd_fin_acked || !msk->rcv_fin_done)
		return;
	LIST_FOREACH(j, &msk->joined, link)
		close_subflow(j->sk);
	close_subflow(msk->master->sk);
}

static void check_data_fin(struct mptcp_sock *msk)
{
	struct tcp_sock *m = msk->master->sk;

	if (!msk->rcv_fin_pending || msk->rcv_fin_done || m->rxp->rx.nxt != msk->rcv_fin_pos)
		return;
	msk->rcv_fin_done = true;
	MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_FIN_RX);
	tcp_ack_now(m);
	if (m->ops && m->ops->peer_fin)
		m->ops->peer_fin(m);
	if (m->state != TCP_CLOSED && m->ulp_ctx == msk->master)
		maybe_close_subflows(msk);
}

/*
 * Bytes from snd_una that no subflow holds in flight and no reinjection has
 * queued: their subflow acknowledged them, yet the DATA_ACK does not cover
 * them. 0 when snd_una's byte is still in flight somewhere (or nothing is out).
 */
static uint64_t hole_len(const struct mptcp_sock *msk)
{
	uint64_t una = msk->snd_una, end = msk->snd_nxt;
	const struct mptcp_subflow *sf;

	if (end > una + MPTCP_CHUNK_MAX)
		end = una + MPTCP_CHUNK_MAX;
	for (int i = 0; i < msk->n_rj; i++) {
		if (msk->rj[i].dpos <= una && una < msk->rj[i].dpos + msk->rj[i].len)
			return 0;
		if (msk->rj[i].dpos > una && msk->rj[i].dpos < end)
			end = msk->rj[i].dpos;
	}
	MPTCP_FOR_EACH_SF(msk, sf)
		for (uint16_t i = 0; i < sf->ch_n; i++) {
			const struct mptcp_chunk *c = &sf->ch[(sf->ch_head + i) % MPTCP_CHUNKS];

			if (c->dpos <= una && una < c->dpos + c->len)
				return 0;
			if (c->dpos > una && c->dpos < end)
				end = c->dpos;
		}
	return end > una ? end - una : 0;
}

/* The smallest smoothed RTT of the subflows (us), at least 1 ms; 10 ms before any sample. */
static uint64_t min_srtt(const struct mptcp_sock *msk)
{
	const struct mptcp_subflow *sf;
	uint64_t r = 0;

	MPTCP_FOR_EACH_SF(msk, sf)
		if (sf->sk->srtt_us && (r == 0 || sf->sk->srtt_us < r))
			r = sf->sk->srtt_us;
	return r == 0 ? 10000 : r < 1000 ? 1000 : r;
}

/*
 * A DATA_ACK that did not move. When the bytes at snd_una were acknowledged by
 * their subflow, the client had them and lost them above TCP (Linux drops a
 * subflow's received data when it resets the subflow, and a subflow that died
 * unseen cannot tell us). Waiting for the data-level timer (200 ms and more,
 * backed off) lets the other subflows fill the client's window with data past
 * the hole; a Linux client then stops taking data from its subflows once
 * out-of-order data fills its buffer, the hole's bytes sent again included,
 * and the connection never moves again (the soak stalled about one MPTCP
 * download in 10 000). So the hole goes out again after 3 such DATA_ACKs and one
 * smallest RTT, once per position (decision 36); the timer stays the fallback.
 * Counting is all a DATA_ACK costs until then: the subflows' mappings are
 * looked through (hole_len) once that much has passed, not on every ACK.
 */
static void hole_check(struct mptcp_sock *msk)
{
	uint64_t now = tcp_now(msk->master->sk), len;

	if (msk->hole_fixed == msk->snd_una + 1)
		return;
	if (msk->hole_acks == 0)
		msk->hole_since = now;
	if (msk->hole_acks < 255)
		msk->hole_acks++;
	if (msk->hole_acks < 3 || now - msk->hole_since < min_srtt(msk) || msk->n_rj == MPTCP_REINJECT_MAX)
		return;
	if ((len = hole_len(msk)) == 0) {
		msk->hole_acks = 0;      /* still in flight: count again from here */
		return;
	}
	/* First in the reinjection queue: nothing else matters before it. */
	memmove(&msk->rj[1], &msk->rj[0], msk->n_rj * sizeof(msk->rj[0]));
	msk->rj[0].dpos = msk->snd_una;
	msk->rj[0].len = (uint32_t)len;
	msk->n_rj++;
	msk->hole_fixed = msk->snd_una + 1;
	msk->hole_acks = 0;
	MPTCP_INC(msk->ctx, MPTCP_MIB_HOLE_RETRANS);
	mptcp_push(msk);
}

static void rx_data_ack(struct mptcp_sock *msk, const struct mptcp_opts *o)
{
	struct tcp_sock *m = msk->master->sk;
	uint64_t base = msk->local_idsn + 1;
	uint64_t ack = o->ack64 ? o->data_ack : dsn_expand32(base + msk->snd_una, (uint32_t)o->data_ack);
	uint64_t end = data_end(msk);
	uint64_t sent = msk->snd_nxt;    /* data positions given to subflows */
	int64_t apos = (int64_t)(ack - base);

	if (msk->snd_fin_sent)
		sent = end + 1;
	if (apos > (int64_t)sent) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_ACK_UNSENT);
		return;
	}
	if (apos < (int64_t)msk->snd_una)
		return;     /* old (reordered across subflows) */
	if (apos == (int64_t)msk->snd_una) {
		if (msk->snd_una < msk->snd_nxt)
			hole_check(msk);
		return;
	}
	msk->snd_una = (uint64_t)apos;
	msk->hole_acks = 0;
	tcp_pipe_consume(m->txp, msk->snd_una < end ? msk->snd_una : end);
	mptcp_rtx_arm(msk, true);
	if (msk->snd_fin_sent && msk->snd_una == end + 1) {
		msk->snd_fin_acked = true;
		tcp_ulp_timer(m, 0);
		maybe_close_subflows(msk);
	}
	if (m->state != TCP_CLOSED && m->ops && m->ops->writable)
		m->ops->writable(m);
	if (m->state != TCP_CLOSED)
		mptcp_push(msk);     /* the data-level window moved */
}

/*
 * MP_FAIL from the client (RFC 8684 3.7): our data arrived with a wrong
 * checksum. On the only subflow, with the subflow stream still the data
 * stream, we echo it and our next data carries an infinite mapping: TCP from
 * there. Otherwise the subflow is reset and its data goes on the others.
 * Returns 1 when the segment should not be processed further.
 */
static int rx_mp_fail(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;

	MPTCP_INC(msk->ctx, MPTCP_MIB_MP_FAIL_RX);
	if (msk->infinite_due || msk->fail_echo_seq)
		return 0;      /* answered already (or the echo of our own) */
	if (sf->master && msk->n_joined == 0 && !msk->no_infinite) {
		msk->infinite_due = true;
		msk->fail_echo_due = true;
		msk->fail_echo_seq = o->fail_seq;
		tcp_ack_now(sk);
		return 0;
	}
	sf->fail_rst = true;
	sf->fail_seq = o->fail_seq;
	tcp_reset(sk);
	return 1;
}

/* RFC 8684 3.1, 3.2: the SYN forms of MP_CAPABLE and MP_JOIN belong to SYNs
 * and SYN/ACKs, and MP_CAPABLE's ACK form to the first subflow, carrying the
 * connection's keys (its third ACK and first data, sent again when lost); 3.6:
 * MP_TCPRST to RSTs (mptcp_rx_reset). Seen anywhere else they are ignored. (A
 * repeated MP_JOIN third ACK is a lost fourth ACK, not an error.) */
static bool misplaced_opts(const struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	const struct mptcp_sock *msk = sf->msk;

	if (o->suboptions & (OPTION_MPTCP_MPC_SYN | OPTION_MPTCP_MPC_SYNACK |
			     OPTION_MPTCP_MPJ_SYN | OPTION_MPTCP_MPJ_SYNACK | OPTION_MPTCP_RST))
		return true;
	if (!(o->suboptions & OPTION_MPTCP_MPC_ACK))
		return false;
	return !sf->master || o->rcvr_key != msk->local_key || o->sndr_key != msk->remote_key;
}

/* What a part of ulp_rx_segment leaves of the segment. */
enum rx_verdict {
	RX_GO_ON,       /* the next part looks at it */
	RX_DONE,        /* lib/tcp takes it as it is; nothing more of MPTCP */
	RX_DROP,        /* lib/tcp drops it (the subflow may be gone) */
};

/* The handshakes first: nothing else a joining subflow carries is acted on
 * before its HMAC is verified. */
static enum rx_verdict rx_handshakes(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o,
				     const struct tcp_seg *seg)
{
	struct mptcp_sock *msk = sf->msk;

	if (sk->state == TCP_SYN_SENT)     /* the SYN/ACK of one of our subflows (client role) */
		return msk->client && mptcp_client_synack(sk, sf, o) < 0 ? RX_DROP : RX_DONE;
	if (sf->join_pending && msk->client) {
		if (seg->flags & RTE_TCP_SYN_FLAG) {
			/* The SYN/ACK again: our third ACK was lost. */
			sf->mpj_ack_due = true;
			tcp_ack_send(sk);
			return RX_DROP;
		}
		mptcp_client_join_acked(sf);     /* the fourth ACK */
	} else if (sf->join_pending) {
		if (mptcp_join_third_ack(sf, o) < 0)
			return RX_DROP;
	} else if (sf->master && msk->state == MSK_SYN_RCVD) {
		int r = mptcp_mpc_third_ack(sk, sf, o);

		if (r != 0)
			return r < 0 ? RX_DROP : RX_DONE;
	}
	/* Parked (break-before-make): no first subflow until this join resumes
	 * the connection when it is established; nothing more to do before. */
	return msk->master == NULL ? RX_DONE : RX_GO_ON;
}

/* MP_CAPABLE with data: the first data when the third ACK may be lost (3.1). */
static enum rx_verdict rx_mpc_data(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;

	if (o->rcvr_key != msk->local_key || o->sndr_key != msk->remote_key) {
		MPTCP_INC(ctx, MPTCP_MIB_BAD_KEY);
		tcp_reset(sk);
		return RX_DROP;
	}
	MPTCP_INC(ctx, MPTCP_MIB_MPCAPABLE_DATA_RX);
	if (msk->csum && !o->csum_present) {
		MPTCP_INC(ctx, MPTCP_MIB_DATA_CSUM_ERR);
		return RX_DROP;     /* dropped unacknowledged; the client resends it */
	}
	sf->map_valid = true;
	sf->map_data = 0;
	sf->map_ssn = 1;
	sf->map_len = o->mpc_data_len;
	msk->dss_seen = true;
	if (msk->csum)
		(void)mptcp_csum_map_rx(sk, sf, 1, 0, o->mpc_data_len, o->mpc_data_len, o->csum);
	return RX_GO_ON;
}

/* DSS (RFC 8684 3.3): the DATA_ACK with its window, then the mapping. */
static enum rx_verdict rx_dss(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o,
			      const struct tcp_seg *seg)
{
	struct mptcp_sock *msk = sf->msk;

	if (msk->client && !msk->fully_established && sf->master)
		mptcp_client_confirmed(msk);
	if (o->use_ack) {
		uint64_t base = msk->local_idsn + 1;
		uint64_t dack = o->ack64 ? o->data_ack :
				dsn_expand32(base + msk->snd_una, (uint32_t)o->data_ack);
		uint64_t edge = dack - base + ((uint64_t)seg->wnd << sk->snd_wscale);

		bool opened = false;

		/* RFC 8684 3.3.4: the window is relative to this DATA_ACK. */
		if (edge > msk->snd_edge && dack - base <= msk->snd_nxt + 1) {
			/* (mptcp_push keeps the end of the window free: any growth may unblock) */
			opened = msk->snd_edge != 0;
			msk->snd_edge = edge;
		}
		rx_data_ack(msk, o);
		if (opened && sk->state != TCP_CLOSED && sk->ulp_ctx == sf)
			mptcp_push(msk);    /* a window update alone can unblock us */
	}
	if (sk->state == TCP_CLOSED || sk->ulp_ctx != sf)
		return RX_DROP;
	if (o->use_map) {
		switch (mptcp_rx_mapping(sk, sf, o)) {
		case MAP_TAKEN:
			break;
		case MAP_FALLBACK:
			return RX_DONE;       /* plain TCP now: no DATA_FIN to check */
		case MAP_DROP:
		case MAP_RESET:
			return RX_DROP;
		}
	}
	check_data_fin(msk);
	if (sk->state == TCP_CLOSED || sk->ulp_ctx != sf)
		return RX_DROP;
	return RX_GO_ON;
}

/* tcp_ulp_ops.rx_segment: the MPTCP options of an acceptable segment, before
 * lib/tcp takes its ACK and data. Returns < 0 to drop it. */
static int ulp_rx_segment(struct tcp_sock *sk, const struct tcp_seg *seg)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx;
	struct mptcp_opts o;
	enum rx_verdict v;

	if (msk == NULL)
		return 0;   /* the connection is gone; the subflow is being reset */
	ctx = msk->ctx;
	mptcp_parse_all(ctx, &seg->opt, &o);
	if ((v = rx_handshakes(sk, sf, &o, seg)) != RX_GO_ON)
		return v == RX_DROP ? -1 : 0;
	if (misplaced_opts(sf, &o))
		MPTCP_INC(ctx, MPTCP_MIB_MISPLACED_OPT);
	if (!mptcp_pm_rx(sk, sf, &o))
		return -1;     /* this subflow went with its address (or with the connection) */
	if ((o.suboptions & OPTION_MPTCP_FAIL) && rx_mp_fail(sk, sf, &o) != 0)
		return sk->state == TCP_CLOSED ? -1 : 0;
	/* RFC 8684 3.5, the ACK form: with our key, every subflow is reset. */
	if ((o.suboptions & OPTION_MPTCP_FASTCLOSE) && mptcp_fastclose_rx(sf, o.fastclose_key)) {
		if (sk->state != TCP_CLOSED)
			tcp_reset(sk);
		return -1;
	}
	if (sf->master && (o.suboptions & OPTION_MPTCP_MPC_ACK) && o.mpc_has_data_len && seg->len &&
	    rx_mpc_data(sk, sf, &o) == RX_DROP)
		return -1;
	if ((o.suboptions & OPTION_MPTCP_DSS) && rx_dss(sk, sf, &o, seg) == RX_DROP)
		return -1;
	return 0;
}

static int ulp_rx_data(struct tcp_sock *sk, uint64_t pos, const uint8_t *data, uint32_t len,
		       const struct tcp_seg *seg)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;
	struct tcp_pipe *p = sk->rxp;
	struct tcp_sock *m;
	uint64_t dpos, old;
	int64_t adv;

	(void)seg;
	if (msk == NULL)
		return -ENOSPC;
	if (!sf->map_valid || pos < sf->map_ssn || pos + len > sf->map_ssn + sf->map_len) {
		if ((!msk->dss_seen || (msk->infinite_sent && pos >= sf->map_ssn + sf->map_len)) &&
		    sf->master && msk->n_joined == 0) {
			/* RFC 8684 3.7: data with no mapping before any DSS: the
			 * path strips options; go on as TCP. */
			mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_NO_DSS);
			/* lib/tcp reports readable: the socket is plain TCP from here on. */
			{
				int64_t w = tcp_pipe_write(p, (uint64_t)((int64_t)pos + sk->rx_off), data, len);

				return w < 0 ? (int)w : 0;
			}
		}
		MPTCP_INC(msk->ctx, MPTCP_MIB_DSS_NO_MATCH_TCP);
		tcp_reset(sk);
		return -EPROTO;
	}
	dpos = sf->map_data + (pos - sf->map_ssn);
	/* Bytes past the data-level window would be acked at subflow level and lost. */
	if (dpos + len > p->head + p->cap) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_OUT_OF_WINDOW);
		sf->map_valid = false;   /* a resend brings its mapping again; a bogus one is forgotten */
		return -ENOSPC;
	}
	if (msk->csum) {
		int r = mptcp_csum_data_rx(sk, sf, pos, data, len);

		if (r <= 0 || sk->ulp != &mptcp_ulp)
			return r < 0 ? r : 0;   /* waiting, refused, reset, or fell back */
		m = msk->master->sk;
		if (m->ops && m->ops->readable)
			m->ops->readable(m);
		if (sk->state != TCP_CLOSED && sk->ulp_ctx == sf && sf->msk)
			check_data_fin(msk);
		return 0;
	}
	old = p->rx.nxt;
	adv = tcp_pipe_write(p, dpos, data, len);
	if (adv < 0)
		return (int)adv;     /* -ENOSPC (ranges full) or -ENOMEM (no ring within the budget) */
	if (dpos + len <= old)
		MPTCP_INC(msk->ctx, MPTCP_MIB_DUPLICATE_DATA);
	else if (dpos > old)
		MPTCP_INC(msk->ctx, MPTCP_MIB_OFO_QUEUE);
	m = msk->master->sk;
	if (adv > 0 && m->ops && m->ops->readable)
		m->ops->readable(m);
	if (sk->state != TCP_CLOSED && sk->ulp_ctx == sf && sf->msk)
		check_data_fin(msk);
	return 0;
}

/* RFC 8684 3.5 / 3.6: an abort closes the whole connection with the peer's
 * key; any other reset tells why this subflow goes. */
static uint32_t tx_rst_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;

	if (msk->state != MSK_ESTABLISHED || sf->join_pending)
		return 0;
	memset(&o, 0, sizeof(o));
	if (msk->fastclose && !msk->fastclose_rx) {
		o.suboptions |= OPTION_MPTCP_FASTCLOSE;
		o.fastclose_key = msk->remote_key;
		MPTCP_INC(msk->ctx, MPTCP_MIB_FASTCLOSE_TX);
	}
	o.suboptions |= OPTION_MPTCP_RST;
	o.reset_reason = msk->fastclose ? MPTCP_RST_EUNSPEC : MPTCP_RST_EMPTCP;
	if (sf->fail_rst) {
		/* RFC 8684 3.7: the checksum failed here. */
		o.suboptions |= OPTION_MPTCP_FAIL;
		o.fail_seq = sf->fail_seq;
		o.reset_reason = MPTCP_RST_EMIDDLEBOX;
	}
	MPTCP_INC(msk->ctx, MPTCP_MIB_RST_TX);
	return (uint32_t)mptcp_write_options(opt, room, &o);
}

static uint32_t tx_syn_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;

	if (msk->client)
		return mptcp_client_syn_options(sf, opt, room);
	if (!sf->master)
		return (uint32_t)mptcp_join_synack_options(sf, opt, room);
	return mptcp_mpc_synack_options(msk->ctx, msk->local_key, msk->csum, opt, room);
}

/* The mapping of the len bytes at subflow position pos: one per segment,
 * exactly its bytes, so that a resend says the same. */
static void tx_mapping(struct mptcp_subflow *sf, uint64_t pos, uint32_t len, struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	const struct mptcp_chunk *c = mptcp_chunk_at(sf, pos);

	if (c == NULL)
		return;      /* cannot happen */
	o->use_map = true;
	o->dsn64 = true;
	o->data_seq = msk->local_idsn + 1 + c->dpos + (pos - c->ssn);
	o->subflow_seq = (uint32_t)pos;
	o->data_len = (uint16_t)len;
	o->csum_present = msk->csum;
	if (msk->infinite_due && sf->master) {
		/* RFC 8684 3.7: the answer to the client's MP_FAIL: from this
		 * byte on the subflow is the stream (length 0, checksum 0). */
		o->data_len = 0;
		o->ack64 = false;
		if (!msk->infinite_sent) {
			msk->infinite_sent = true;
			msk->infinite_pos = pos;
			MPTCP_INC(msk->ctx, MPTCP_MIB_INFINITE_MAP_TX);
		}
	} else if (msk->csum) {
		o->csum = mptcp_dss_csum_finish(o->data_seq, o->subflow_seq, o->data_len,
						mptcp_ring_sum(msk->master->sk->txp, c->dpos + (pos - c->ssn), len));
	}
}

/* RFC 8684 3.7: MP_FAIL with the DSN of the failed mapping (ours or the echo). */
static void tx_fail_echo(struct mptcp_sock *msk, struct mptcp_opts *o, uint32_t room)
{
	o->ack64 = false;
	o->suboptions |= OPTION_MPTCP_FAIL;
	o->fail_seq = msk->fail_echo_seq;
	if (mptcp_options_len(o) <= room)
		msk->fail_echo_due = false;
	else
		o->suboptions &= ~OPTION_MPTCP_FAIL;
}

/* RFC 8684 3.3.3: a DATA_FIN with no data: subflow sequence 0, length 1. */
static void tx_data_fin(struct mptcp_sock *msk, struct mptcp_opts *o)
{
	o->use_map = true;
	o->dsn64 = true;
	o->data_fin = true;
	o->data_seq = msk->local_idsn + 1 + data_end(msk);
	o->subflow_seq = 0;
	o->data_len = 1;
	o->csum_present = msk->csum;
	if (msk->csum)
		o->csum = mptcp_dss_csum_finish(o->data_seq, 0, 1, 0);
	if (!msk->snd_fin_sent) {
		msk->snd_fin_sent = true;
		MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_FIN_TX);
	}
}

/* tcp_ulp_ops.tx_options: the MPTCP options of every segment a subflow sends.
 * A pure ACK carries at most one of MP_FAIL, REMOVE_ADDR, ADD_ADDR and the
 * DATA_FIN (in that order of precedence), and MP_PRIO beside it. */
static uint32_t ulp_tx_options(struct tcp_sock *sk, uint8_t flags, uint64_t pos, uint32_t len,
			       uint8_t *opt, uint32_t room)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;

	if (msk == NULL)
		return 0;
	if (flags & RTE_TCP_RST_FLAG)
		return tx_rst_options(sf, opt, room);
	if (flags & RTE_TCP_SYN_FLAG)
		return tx_syn_options(sf, opt, room);
	if ((sf->mpc_ack_due || sf->mpj_ack_due) && len == 0)
		return mptcp_client_ack_options(sf, opt, room);    /* our third ACK (client role) */
	if (msk->state != MSK_ESTABLISHED)
		return 0;
	if (msk->infinite_sent && !(len > 0 && pos == msk->infinite_pos))
		return 0;      /* fell back with an infinite mapping: no MPTCP options any more */
	memset(&o, 0, sizeof(o));
	o.suboptions = OPTION_MPTCP_DSS;
	o.use_ack = true;
	/* A 32-bit DATA_ACK leaves room for a second SACK block when it matters. */
	o.ack64 = !(len == 0 && sk->rcv.n > 0);
	o.data_ack = msk->remote_idsn + 1 + sk->rxp->rx.nxt + (msk->rcv_fin_done ? 1 : 0);
	if (len > 0)
		tx_mapping(sf, pos, len, &o);
	else if (msk->fail_echo_due && sf->master)
		tx_fail_echo(msk, &o, room);
	else if (sf->master && !(flags & RTE_TCP_FIN_FLAG) && msk->rm_pending)
		mptcp_pm_tx_rm_addr(msk, &o, room);
	else if (sf->master && !(flags & RTE_TCP_FIN_FLAG) && mptcp_pm_add_addr_due(msk))
		mptcp_pm_tx_add_addr(msk, &o, room);
	else if (msk->snd_fin_queued && !msk->snd_fin_acked && pos == sf->tx_end && mptcp_all_sent(msk))
		tx_data_fin(msk, &o);   /* on any subflow with nothing of its own left: one may be dark */
	if (len == 0 && sf->prio_tx && !sf->join_pending && !(flags & RTE_TCP_FIN_FLAG))
		mptcp_pm_tx_prio(sf, &o, room);
	return (uint32_t)mptcp_write_options(opt, room, &o);
}

static uint32_t ulp_rcv_space(const struct tcp_sock *sk)
{
	uint32_t space, staged;

	if (sk->rxp == NULL)
		return 0;       /* a subflow that left its connection (mptcp_fastclose_rx) */
	space = tcp_pipe_space(sk->rxp);
	staged = mptcp_csum_staged(sk->ulp_ctx);

	/* Bytes waiting for their checksum will take pipe room too. */
	return space > staged ? space - staged : 0;
}

/* The relay freed room in the shared rx pipe: every subflow may announce it. */
static void ulp_space_freed(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx, *j;

	if (!sf->master || sf->msk == NULL)
		return;
	LIST_FOREACH(j, &sf->msk->joined, link)
		tcp_rx_space_freed(j->sk);
}

/* Every usable subflow sends a pure ACK now: each carries the DATA_FIN when due. */
void mptcp_data_fin_kick(struct mptcp_sock *msk)
{
	struct mptcp_subflow *j;

	tcp_ack_now(msk->master->sk);
	LIST_FOREACH(j, &msk->joined, link)
		if (!j->join_pending && j->sk->state != TCP_CLOSED)
			tcp_ack_now(j->sk);
}

/*
 * The data-level retransmission timer (on the first subflow): data given out
 * but not DATA_ACKed in time (the client may have dropped it at data level,
 * e.g. out of its window) is given out again; our DATA_FIN is resent. Restarted
 * by DATA_ACK progress, backed off like an RTO (Linux: mptcp_retransmit_timer).
 */
void mptcp_rtx_arm(struct mptcp_sock *msk, bool restart)
{
	struct tcp_sock *m;
	bool outstanding = msk->snd_una < msk->snd_nxt ||
			   (msk->snd_fin_queued && !msk->snd_fin_acked) || mptcp_pm_addr_pending(msk) >= 0;

	if (msk->master == NULL)
		return;      /* parked: armed again on the subflow that resumes it */
	m = msk->master->sk;
	if (!outstanding) {
		if (m->t_ulp)
			tcp_ulp_timer(m, 0);
		msk->rtx_us = 0;
		return;
	}
	if (m->t_ulp && !restart)
		return;
	if (restart || msk->rtx_us == 0)
		msk->rtx_us = m->rto_us > 200000 ? m->rto_us : 200000;
	tcp_ulp_timer(m, tcp_now(m) + msk->rtx_us);
}

static void ulp_shutdown(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;

	if (msk == NULL || !sf->master || msk->snd_fin_queued)
		return;
	msk->snd_fin_queued = true;
	mptcp_data_fin_kick(msk);
	mptcp_rtx_arm(msk, false);
}

/* Subflow bytes acknowledged: once all data is out, the DATA_FIN can go. */
static void ulp_acked(struct tcp_sock *sk, uint64_t pos)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;

	if (msk == NULL)
		return;
	if (msk->infinite_sent && pos > msk->infinite_pos && sf->master) {
		/* The client has our infinite mapping: plain TCP from here on both ways;
		 * what it acked is acked at data level too. */
		mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_CSUM);
		if (sk->txp)
			tcp_pipe_consume(sk->txp, (uint64_t)((int64_t)pos + sk->tx_off));
		return;
	}
	if (sf->stale) {
		sf->stale = false;
		MPTCP_INC(msk->ctx, MPTCP_MIB_SUBFLOW_RECOVER);
	}
	mptcp_chunks_acked(sf, pos);
	mptcp_push(msk);
	if (msk->snd_fin_queued && !msk->snd_fin_sent && mptcp_all_sent(msk) && sk->snd_nxt == sf->tx_end)
		tcp_ack_now(sk);
}

static uint64_t ulp_tx_end(const struct tcp_sock *sk)
{
	const struct mptcp_subflow *sf = sk->ulp_ctx;

	return sf->tx_end;
}

static void ulp_tx_read(const struct tcp_sock *sk, uint64_t pos, void *dst, uint32_t len)
{
	const struct mptcp_subflow *sf = sk->ulp_ctx;
	const struct mptcp_chunk *c = mptcp_chunk_at(sf, pos);

	/* The data may be DATA_ACKed (delivered by another subflow) and its ring room
	 * reused or freed: those bytes read as zeros (the DSS checksum is computed
	 * over the same zeros) and the peer drops them as old data. */
	if (c && sf->msk)
		tcp_pipe_read(owner(sf->msk)->txp, c->dpos + (pos - c->ssn), dst, len);
	else
		memset(dst, 0, len);
}

static uint32_t ulp_tx_seg_max(const struct tcp_sock *sk, uint64_t pos)
{
	const struct mptcp_subflow *sf = sk->ulp_ctx;
	const struct mptcp_chunk *c = mptcp_chunk_at(sf, pos);

	return c ? (uint32_t)(c->ssn + c->len - pos) : 0;
}

static void ulp_kick(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;

	if (sf->msk)
		mptcp_push(sf->msk);
}

static void ulp_timeout(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;

	if (msk == NULL || !sf->master)
		return;
	if (msk->snd_una < msk->snd_nxt && msk->n_rj < MPTCP_REINJECT_MAX) {
		uint64_t len = msk->snd_nxt - msk->snd_una;

		msk->rj[msk->n_rj].dpos = msk->snd_una;
		msk->rj[msk->n_rj].len = (uint32_t)(len < MPTCP_CHUNK_MAX ? len : MPTCP_CHUNK_MAX);
		msk->n_rj++;
		MPTCP_INC(msk->ctx, MPTCP_MIB_RETRANS);
		mptcp_push(msk);
	}
	if (msk->snd_fin_queued && !msk->snd_fin_acked)
		mptcp_data_fin_kick(msk);     /* resend the DATA_FIN until it is DATA_ACKed */
	else if (mptcp_pm_addr_pending(msk) >= 0) {
		msk->addr_due = true;   /* resend the ADD_ADDR not echoed yet */
		tcp_ack_now(sk);
	}
	msk->rtx_us = msk->rtx_us * 2 > 60000000u ? 60000000u : msk->rtx_us * 2;
	if (msk->snd_una < msk->snd_nxt || (msk->snd_fin_queued && !msk->snd_fin_acked) ||
	    mptcp_pm_addr_pending(msk) >= 0)
		tcp_ulp_timer(sk, tcp_now(sk) + msk->rtx_us);
}

/* A subflow's FIN: data EOF only when no other subflow can still carry data. */
static void ulp_peer_fin(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_sock *msk = sf->msk;

	if (msk == NULL || msk->rcv_fin_done || !sf->master || msk->n_joined)
		return;
	msk->rcv_fin_pending = true;
	msk->rcv_fin_pos = sk->rxp->rx.nxt;
	check_data_fin(msk);
}

static void ulp_abort(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;

	if (sf && sf->msk && sf->master)
		sf->msk->fastclose = true;
}

/* Break-before-make: the verified join of a parked connection is established. */
static void ulp_established(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;

	if (sf && sf->msk && sf->msk->client) {
		mptcp_client_established(sk, sf);
		return;
	}
	if (sf && sf->resume_pending && sf->msk && sf->msk->parked) {
		sf->resume_pending = false;
		mptcp_resume(sf->msk, sf);
	}
}

static void ulp_release(struct tcp_sock *sk)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;

	if (sf == NULL)
		return;
	sk->ulp_ctx = NULL;
	if (sf->msk && sf->master) {
		if (!mptcp_failover(sk, sf))
			mptcp_msk_free(sf->msk);      /* the connection ends with its last subflow */
	} else if (sf->msk) {
		struct mptcp_sock *msk = sf->msk;

		mptcp_reinject_from(sf, false);
		mptcp_join_unlink(msk, sf);
		mptcp_push(msk);
	}
	mptcp_csum_free(sf);
	mptcp_chunks_free(sf);
	free(sf);
}

const struct tcp_ulp_ops mptcp_ulp = {
	.rx_segment = ulp_rx_segment,
	.rx_reset = mptcp_rx_reset,
	.rx_data = ulp_rx_data,
	.tx_options = ulp_tx_options,
	.rcv_space = ulp_rcv_space,
	.acked = ulp_acked,
	.tx_end = ulp_tx_end,
	.tx_read = ulp_tx_read,
	.tx_seg_max = ulp_tx_seg_max,
	.kick = ulp_kick,
	.shutdown = ulp_shutdown,
	.peer_fin = ulp_peer_fin,
	.space_freed = ulp_space_freed,
	.timeout = ulp_timeout,
	.rto = mptcp_sf_rto,
	.abort = ulp_abort,
	.release = ulp_release,
	.established = ulp_established,
};

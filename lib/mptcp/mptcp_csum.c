/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DSS checksums (RFC 8684 3.3.1) and what follows a wrong one (3.7).
 *
 * Receive: a checksum covers a whole mapping, which the client may spread
 * over several segments (Linux maps a whole GSO skb, up to 64 KiB). A
 * subflow's bytes therefore wait in its stage (a ring by subflow position)
 * until every byte of their mapping is in; the sum is checked and only then
 * are the bytes written to the connection's pipe, where the relay sees them.
 * Nothing unverified reaches the server.
 *
 * A wrong sum on the only subflow of a connection that never had another one
 * and never resent data at data level: the client is told (MP_FAIL with the
 * mapping's DSN) and the subflow goes on as plain TCP from that mapping, with
 * the bytes as they arrived (a middlebox rewrote them; RFC 8684 3.7 keeps the
 * connection). Anywhere else the subflow is reset with MP_FAIL and
 * MP_TCPRST "middlebox interference"; the client resends the data elsewhere.
 *
 * Send: every mapping we send covers exactly one segment, so its checksum is
 * computed over that segment's bytes as they are read from the ring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/mptcp_internal.h"

/* The one's complement sum of len ring bytes from pos; consumed bytes (below head) count as zeros, as tcp_pipe_read gives them. */
uint32_t mptcp_ring_sum(const struct tcp_pipe *p, uint64_t pos, uint32_t len)
{
	uint32_t acc = 0, z = tcp_pipe_consumed(p, pos, len);
	bool odd = z & 1;

	pos += z;
	len -= z;
	while (len > 0) {
		uint32_t off = (uint32_t)pos & (p->cap - 1);
		uint32_t n = p->cap - off < len ? p->cap - off : len;

		acc = mptcp_csum_add(acc, p->buf + off, n, odd);
		odd ^= n & 1;
		pos += n;
		len -= n;
	}
	return acc;
}

void mptcp_csum_free(struct mptcp_subflow *sf)
{
	if (sf->crx == NULL)
		return;
	tcp_pipe_fini(&sf->crx->stage);
	free(sf->crx);
	sf->crx = NULL;
}

static struct mptcp_csum_rx *crx_get(struct tcp_sock *sk, struct mptcp_subflow *sf)
{
	struct mptcp_csum_rx *c = sf->crx;

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (tcp_pipe_init_tuned(&c->stage, 16384, sk->rxp->max_cap ? sk->rxp->max_cap : sk->rxp->cap,
				sk->rxp->mem) < 0) {
		free(c);
		return NULL;
	}
	/* Stream position 0 is the SYN: the first byte is 1. */
	c->stage.head = 1;
	c->stage.rx.nxt = 1;
	sf->crx = c;
	return c;
}

static void pop(struct mptcp_csum_rx *c)
{
	memmove(&c->m[0], &c->m[1], (size_t)--c->n * sizeof(c->m[0]));
}

int mptcp_csum_map_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, uint64_t ssn, uint64_t dpos,
		      uint32_t len, uint16_t wire_len, uint16_t csum)
{
	struct mptcp_csum_rx *c = crx_get(sk, sf);
	int i;

	if (c == NULL)
		return -ENOMEM;
	if (ssn < c->stage.head)
		return 0;    /* verified and delivered already: a retransmission */
	for (i = 0; i < c->n; i++) {
		const struct mptcp_rx_map *m = &c->m[i];

		if (m->ssn == ssn && m->len == len)
			return 0;    /* known */
		if (ssn < m->ssn + m->len && m->ssn < ssn + len)
			return 0;    /* overlaps another: that one's bytes and sum stand */
		if (m->ssn > ssn)
			break;
	}
	if (c->n == MPTCP_CSUM_MAPS)
		return -ENOSPC;  /* its bytes are refused until earlier mappings complete */
	memmove(&c->m[i + 1], &c->m[i], (size_t)(c->n - i) * sizeof(c->m[0]));
	c->m[i] = (struct mptcp_rx_map){ .ssn = ssn, .dpos = dpos, .len = len, .wire_len = wire_len,
					 .csum = csum };
	c->n++;
	return 0;
}

static bool covered(const struct mptcp_csum_rx *c, uint64_t pos, uint32_t len)
{
	for (int i = 0; i < c->n; i++)
		if (c->m[i].ssn <= pos && pos + len <= c->m[i].ssn + c->m[i].len)
			return true;
	return false;
}

/* Stage bytes [pos, pos + len) to the connection's pipe at dpos. */
static int64_t to_pipe(const struct tcp_pipe *st, uint64_t pos, uint64_t dpos, uint32_t len, struct tcp_pipe *p)
{
	int64_t adv = 0;

	while (len > 0) {
		uint32_t off = (uint32_t)pos & (st->cap - 1);
		uint32_t n = st->cap - off < len ? st->cap - off : len;
		int64_t a = tcp_pipe_write(p, dpos, st->buf + off, n);

		if (a < 0)
			return a;
		adv += a;
		pos += n;
		dpos += n;
		len -= n;
	}
	return adv;
}

/* Deliver [a, b) of the stage, received, through the mappings that cover it. */
static int64_t flush_range(struct mptcp_subflow *sf, uint64_t a, uint64_t b)
{
	const struct mptcp_csum_rx *c = sf->crx;
	int64_t adv = 0;

	for (int i = 0; i < c->n; i++) {
		const struct mptcp_rx_map *m = &c->m[i];
		uint64_t s = a > m->ssn ? a : m->ssn, e = b < m->ssn + m->len ? b : m->ssn + m->len;
		int64_t r;

		if (s >= e)
			continue;
		r = to_pipe(&c->stage, s, m->dpos + (s - m->ssn), (uint32_t)(e - s), sf->sk->rxp);
		if (r > 0)
			adv += r;
	}
	return adv;
}

/* Everything staged goes to the pipe unverified: the subflow falls back to TCP. */
static int64_t flush_all(struct mptcp_subflow *sf)
{
	const struct tcp_pipe *st = &sf->crx->stage;
	int64_t adv = flush_range(sf, st->head, st->rx.nxt);

	for (int i = 0; i < st->rx.n; i++)
		adv += flush_range(sf, st->rx.r[i].start, st->rx.r[i].end);
	return adv;
}

static int csum_failed(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_rx_map *bad)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;
	struct mptcp_rx_map m = *bad;
	uint64_t fail_seq = msk->remote_idsn + 1 + m.dpos;
	uint64_t old = sk->rxp->rx.nxt;

	MPTCP_INC(ctx, MPTCP_MIB_DATA_CSUM_ERR);
	MPTCP_INC(ctx, MPTCP_MIB_MP_FAIL_TX);
	if (sf->master && msk->n_joined == 0 && !msk->no_infinite) {
		/* RFC 8684 3.7: MP_FAIL on an ACK now (the client answers with an
		 * infinite mapping), then TCP from this mapping on. */
		msk->fail_echo_due = true;
		msk->fail_echo_seq = fail_seq;
		tcp_ack_send(sk);
		sf->map_valid = true;
		sf->map_data = m.dpos;
		sf->map_ssn = m.ssn;
		mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_CSUM);   /* staged bytes go to the pipe */
		if (sk->rxp->rx.nxt > old && sk->ops && sk->ops->readable)
			sk->ops->readable(sk);
		return 0;
	}
	sf->fail_rst = true;
	sf->fail_seq = fail_seq;
	tcp_reset(sk);
	return -EPROTO;
}

/* Verify and deliver every mapping whose bytes are all in, in order. */
static int drain(struct tcp_sock *sk, struct mptcp_subflow *sf)
{
	struct mptcp_csum_rx *c = sf->crx;
	struct tcp_pipe *st = &c->stage;
	struct mptcp_sock *msk = sf->msk;
	struct tcp_pipe *p = sk->rxp;
	bool moved = false;

	while (c->n > 0) {
		struct mptcp_rx_map *m = &c->m[0];
		uint64_t end = m->ssn + m->len, old = p->rx.nxt;
		uint32_t sum;
		int64_t adv;

		if (m->ssn < st->head) {
			pop(c);      /* overlapped what was delivered */
			continue;
		}
		if (m->ssn > st->head && st->rx.nxt > st->head) {
			/* Bytes held that no recorded mapping starts: cannot be verified. */
			MPTCP_INC(msk->ctx, MPTCP_MIB_DSS_NO_MATCH_TCP);
			tcp_reset(sk);
			return -EPROTO;
		}
		if (st->rx.nxt < end || m->ssn > st->head)
			break;       /* the rest of the mapping is still on its way */
		sum = mptcp_ring_sum(st, m->ssn, m->len);
		if (mptcp_dss_csum_finish(msk->remote_idsn + 1 + m->dpos, (uint32_t)m->ssn, m->wire_len, sum) !=
		    m->csum)
			return csum_failed(sk, sf, m);
		adv = to_pipe(st, m->ssn, m->dpos, m->len, p);
		if (adv < 0)
			return -ENOSPC;   /* kept staged: a resend of the segment retries */
		MPTCP_INC(msk->ctx, MPTCP_MIB_CSUM_OK);
		if (m->dpos + m->len <= old)
			MPTCP_INC(msk->ctx, MPTCP_MIB_DUPLICATE_DATA);
		else if (m->dpos > old)
			MPTCP_INC(msk->ctx, MPTCP_MIB_OFO_QUEUE);
		moved |= adv > 0;
		tcp_pipe_consume(st, end);
		pop(c);
	}
	return moved ? 1 : 0;
}

int mptcp_csum_data_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, uint64_t pos, const uint8_t *data,
		       uint32_t len)
{
	struct mptcp_csum_rx *c = sf->crx;
	struct tcp_pipe *st;

	if (c == NULL)
		return -ENOSPC;
	st = &c->stage;
	if (pos + len <= st->head)
		return 0;    /* delivered already */
	if (pos < st->head) {
		data += st->head - pos;
		len -= (uint32_t)(st->head - pos);
		pos = st->head;
	}
	if (!covered(c, pos, len))
		return -ENOSPC;   /* its mapping could not be recorded: dropped, resent */
	if (pos + len > st->head + st->cap)
		(void)tcp_pipe_grow(st, (uint32_t)(pos + len - st->head));
	if (pos + len > st->head + st->cap || tcp_pipe_write(st, pos, data, len) < 0)
		return -ENOSPC;
	return drain(sk, sf);
}

uint32_t mptcp_csum_staged(const struct mptcp_subflow *sf)
{
	return sf->crx ? (uint32_t)(sf->crx->stage.rx.nxt - sf->crx->stage.head) : 0;
}

void mptcp_csum_flush(struct mptcp_subflow *sf)
{
	if (sf->crx && sf->sk->rxp)
		flush_all(sf);
	mptcp_csum_free(sf);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_buf.h"

void seq_ranges_fini(struct seq_ranges *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
	s->last = 0;
}

/* The last held range went: give the table back. */
static void ranges_release_if_empty(struct seq_ranges *s)
{
	if (s->n == 0 && s->r != NULL)
		seq_ranges_fini(s);
}

int64_t seq_ranges_add(struct seq_ranges *s, uint64_t start, uint64_t end)
{
	uint64_t old = s->nxt;
	int i, j;

	if (end <= s->nxt || start >= end)
		return 0;
	if (start < s->nxt)
		start = s->nxt;

	if (start == s->nxt) {
		s->nxt = end;
		/* Absorb held ranges that now touch the contiguous end. */
		while (s->n > 0 && s->r[0].start <= s->nxt) {
			if (s->r[0].end > s->nxt)
				s->nxt = s->r[0].end;
			memmove(&s->r[0], &s->r[1], (size_t)(s->n - 1) * sizeof(s->r[0]));
			s->n--;
		}
		s->last = 0;
		ranges_release_if_empty(s);
		return (int64_t)(s->nxt - old);
	}

	/* Out of order: merge into the sorted list. */
	for (i = 0; i < s->n && s->r[i].end < start; i++)
		;
	if (i < s->n && s->r[i].start <= end) {
		/* Overlaps or touches r[i] (and maybe the ones after it). */
		if (start < s->r[i].start)
			s->r[i].start = start;
		if (end > s->r[i].end)
			s->r[i].end = end;
		for (j = i + 1; j < s->n && s->r[j].start <= s->r[i].end; j++)
			if (s->r[j].end > s->r[i].end)
				s->r[i].end = s->r[j].end;
		if (j > i + 1) {
			memmove(&s->r[i + 1], &s->r[j], (size_t)(s->n - j) * sizeof(s->r[0]));
			s->n -= (uint8_t)(j - i - 1);
		}
		s->last = (uint8_t)i;
		return 0;
	}
	if (s->n == SEQ_RANGES_MAX)
		return -1;
	if (s->r == NULL && (s->r = malloc(SEQ_RANGES_MAX * sizeof(s->r[0]))) == NULL)
		return -1;
	memmove(&s->r[i + 1], &s->r[i], (size_t)(s->n - i) * sizeof(s->r[0]));
	s->r[i].start = start;
	s->r[i].end = end;
	s->n++;
	s->last = (uint8_t)i;
	return 0;
}

void seq_ranges_advance(struct seq_ranges *s, uint64_t nxt)
{
	int keep = 0;

	if (nxt <= s->nxt)
		return;
	s->nxt = nxt;
	for (int i = 0; i < s->n; i++) {
		if (s->r[i].end <= nxt)
			continue;
		s->r[keep] = s->r[i];
		if (s->r[keep].start < nxt)
			s->r[keep].start = nxt;
		keep++;
	}
	s->n = (uint8_t)keep;
	if (s->last >= s->n)
		s->last = 0;
	ranges_release_if_empty(s);
}

uint64_t seq_ranges_bytes(const struct seq_ranges *s)
{
	uint64_t b = 0;

	for (int i = 0; i < s->n; i++)
		b += s->r[i].end - s->r[i].start;
	return b;
}

uint64_t seq_ranges_skip(const struct seq_ranges *s, uint64_t pos, uint64_t *lim)
{
	*lim = UINT64_MAX;
	for (int i = 0; i < s->n; i++) {
		if (pos < s->r[i].start) {
			*lim = s->r[i].start;
			return pos;
		}
		if (pos < s->r[i].end)
			pos = s->r[i].end;
	}
	return pos;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t c = 4096;

	while (c < v && c < (1u << 30))
		c <<= 1;
	return c;
}

int tcp_pipe_init_tuned(struct tcp_pipe *p, uint32_t init, uint32_t max, struct tcp_pipe_mem *mem)
{
	uint32_t c = pow2_at_least(init);

	memset(p, 0, sizeof(*p));
	p->max_cap = pow2_at_least(max > init ? max : init);
	/* Admission: refused only when the rings held now leave no room for this one's. */
	if (mem && mem->budget && mem->held + c > mem->budget) {
		mem->refused++;
		return -ENOSPC;
	}
	p->cap = c;          /* the ring comes with the first byte (ring_get) */
	p->mem = mem;
	if (mem)
		mem->used += c;
	return 0;
}

int tcp_pipe_init(struct tcp_pipe *p, uint32_t cap)
{
	return tcp_pipe_init_tuned(p, cap, cap, NULL);
}

/* The ring, allocated when the first byte arrives. */
static int ring_get(struct tcp_pipe *p)
{
	if (p->buf != NULL)
		return 0;
	if (p->mem && p->mem->budget && p->mem->held + p->cap > p->mem->budget) {
		/* Refused; but the pipe is empty, so it starts again smaller (down to
		 * 4096 bytes) for the next write rather than wait for room it may never
		 * get: a ring grown beyond what the budget has left would be refused
		 * for ever. This write is dropped whole (its sender sends it again);
		 * the writers clip to the smaller capacity from now on. */
		uint32_t cap = p->cap;

		while (cap > 4096 && p->mem->held + cap > p->mem->budget)
			cap >>= 1;
		p->mem->used -= p->cap - cap;
		p->cap = cap;
		p->mem->refused++;
		return -ENOMEM;
	}
	/* Up to the mmap threshold the heap's free chunks are reused: no page faults per connection. */
	p->buf = malloc(p->cap);
	if (p->buf == NULL) {
		if (p->mem)
			p->mem->refused++;
		return -ENOMEM;
	}
	if (p->mem)
		p->mem->held += p->cap;
	return 0;
}

static void ring_put(struct tcp_pipe *p)
{
	if (p->buf == NULL)
		return;
	free(p->buf);
	p->buf = NULL;
	if (p->mem)
		p->mem->held -= p->cap;
}

void tcp_pipe_fini(struct tcp_pipe *p)
{
	seq_ranges_fini(&p->rx);
	ring_put(p);
	if (p->mem)
		p->mem->used -= p->cap;
	p->cap = 0;
	p->mem = NULL;
}

int tcp_pipe_grow(struct tcp_pipe *p, uint32_t want)
{
	uint32_t nc = pow2_at_least(want);
	uint64_t end = p->rx.n ? p->rx.r[p->rx.n - 1].end : p->rx.nxt;
	uint8_t *nb;

	if (nc > p->max_cap)
		nc = p->max_cap;
	if (nc <= p->cap)
		return -ENOSPC;
	if (p->mem && p->mem->budget && p->buf != NULL && p->mem->held + (nc - p->cap) > p->mem->budget) {
		p->mem->refused++;
		return -ENOSPC;
	}
	if (p->buf == NULL) {     /* empty: only the capacity grows; ring_get checks the budget */
		if (p->mem)
			p->mem->used += nc - p->cap;
		p->cap = nc;
		return 0;
	}
	nb = malloc(nc);
	if (nb == NULL)
		return -ENOMEM;
	/* Every byte from head to the last one held moves to its place in the new ring. */
	for (uint64_t pos = p->head; pos < end;) {
		uint32_t off = (uint32_t)pos & (p->cap - 1), noff = (uint32_t)pos & (nc - 1);
		uint64_t n = end - pos;

		if (n > p->cap - off)
			n = p->cap - off;
		if (n > nc - noff)
			n = nc - noff;
		memcpy(nb + noff, p->buf + off, (size_t)n);
		pos += n;
	}
	free(p->buf);
	if (p->mem) {
		p->mem->used += nc - p->cap;
		p->mem->held += nc - p->cap;
	}
	p->buf = nb;
	p->cap = nc;
	return 0;
}

static void ring_copy_in(struct tcp_pipe *p, uint64_t pos, const uint8_t *src, uint32_t len)
{
	uint32_t off = (uint32_t)pos & (p->cap - 1);
	uint32_t first = p->cap - off;

	if (first > len)
		first = len;
	memcpy(p->buf + off, src, first);
	if (len > first)
		memcpy(p->buf, src + first, len - first);
}

int64_t tcp_pipe_write(struct tcp_pipe *p, uint64_t pos, const void *data, uint32_t len)
{
	const uint8_t *src = data;
	uint64_t end = pos + len, limit = p->head + p->cap;
	int64_t adv;

	if (pos < p->rx.nxt) {
		uint64_t skip = p->rx.nxt - pos;

		if (skip >= len) {
			p->dup_bytes += len;
			return 0;
		}
		p->dup_bytes += skip;
		src += skip;
		pos = p->rx.nxt;
	}
	if (end > limit)
		end = limit;
	if (end <= pos)
		return 0;
	if (ring_get(p) != 0)
		return -ENOMEM;
	adv = seq_ranges_add(&p->rx, pos, end);
	if (adv < 0)
		return -ENOSPC;
	ring_copy_in(p, pos, src, (uint32_t)(end - pos));
	return adv;
}

void tcp_pipe_read(const struct tcp_pipe *p, uint64_t pos, void *dst, uint32_t len)
{
	uint32_t z = tcp_pipe_consumed(p, pos, len), off, first;
	uint8_t *d = dst;

	memset(d, 0, z);          /* consumed: the ring may be reused or gone */
	d += z;
	pos += z;
	len -= z;
	if (len == 0)
		return;
	off = (uint32_t)pos & (p->cap - 1);
	first = p->cap - off;
	if (first > len)
		first = len;
	memcpy(d, p->buf + off, first);
	if (len > first)
		memcpy(d + first, p->buf, len - first);
}

void tcp_pipe_consume(struct tcp_pipe *p, uint64_t upto)
{
	if (upto > p->rx.nxt)
		upto = p->rx.nxt;
	if (upto > p->head)
		p->head = upto;
	if (p->head == p->rx.nxt && p->rx.n == 0)
		ring_put(p);
}

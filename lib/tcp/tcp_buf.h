/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte pipes between the two sides of a relayed connection.
 *
 * A pipe is written by the receiving side at stream positions (in order or
 * not) and read by the sending side of the other connection, which frees
 * bytes only when its peer acknowledged them. One copy in, one copy out, no
 * copy at the relay; the free space is what the receiving side advertises, so
 * a slow reader closes the writer's window and nothing is dropped.
 */
#ifndef HAG_TCP_BUF_H
#define HAG_TCP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEQ_RANGES_MAX 64

struct seq_range {
	uint64_t start, end;
};

/*
 * Received ranges beyond a contiguous prefix: the out-of-order bookkeeping.
 * The table (SEQ_RANGES_MAX slots) is allocated with the first out-of-order
 * range and freed when the last one goes: a connection receiving in order,
 * and an idle one, holds 24 bytes here instead of 1 KiB.
 */
struct seq_ranges {
	uint64_t nxt;                       /* first position not yet received in order */
	struct seq_range *r;                /* sorted, disjoint, all > nxt; NULL while n == 0 */
	uint8_t n;                          /* out-of-order ranges held */
	uint8_t last;                       /* index of the most recently changed range (SACK order) */
};

/*
 * Record [start, end) as received. Returns how far nxt advanced (0 when the
 * range is out of order or old), or -1 when an out-of-order range had to be
 * refused because SEQ_RANGES_MAX ranges are already held or the table could
 * not be allocated.
 */
int64_t seq_ranges_add(struct seq_ranges *s, uint64_t start, uint64_t end);

/* Free the table (the ranges are forgotten; nxt stays). */
void seq_ranges_fini(struct seq_ranges *s);

/* Move the contiguous end to nxt (>= the current one), dropping ranges below it. */
void seq_ranges_advance(struct seq_ranges *s, uint64_t nxt);

/* Bytes held in the out-of-order ranges. */
uint64_t seq_ranges_bytes(const struct seq_ranges *s);

/* pos, or past the ranges it falls in (adjacent ones too); *lim: the start of the next range above (UINT64_MAX: none). */
uint64_t seq_ranges_skip(const struct seq_ranges *s, uint64_t pos, uint64_t *lim);

/*
 * A memory budget shared by the pipes of one lcore. A pipe's ring exists
 * only while the pipe holds bytes: it is allocated (at the pipe's capacity)
 * by the first write and freed when the reader's peer has acknowledged
 * everything, so an idle connection holds no ring. The budget bounds what is
 * held: a new pipe, a ring or a growth that would pass it is refused (a
 * segment that finds no ring is dropped and counted; its sender sends it
 * again), as the kernel's tcp_mem does under pressure. used is the sum of the
 * pipes' capacities, what they would hold if every one filled at once.
 */
struct tcp_pipe_mem {
	uint64_t used;                      /* bytes of capacity: the sum of the pipes' windows */
	uint64_t budget;                    /* bound on held; 0: no limit */
	uint64_t refused;                   /* pipes, rings and growths refused by the budget or malloc */
	uint64_t held;                      /* bytes of ring allocated now */
};

struct tcp_pipe {
	uint8_t *buf;                       /* NULL while the pipe is empty (nothing between head and the last byte held) */
	uint32_t cap;                       /* power of two; the window cannot exceed it */
	uint32_t max_cap;                   /* what receive autotuning may grow it to */
	struct tcp_pipe_mem *mem;                /* accounting, or NULL */
	uint64_t head;                      /* oldest byte held: the reader has not had it acked */
	struct seq_ranges rx;               /* rx.nxt is the end of contiguous data */
	bool eof;                           /* the writer's stream ended at rx.nxt */
	uint64_t dup_bytes;                 /* bytes written that were already held */
	uint64_t tx_grown_us;               /* send buffer autotuning: last growth (tcp_txp_grow) */
};

/* A pipe of fixed capacity (rounded up to a power of two, at least 4096). */
int tcp_pipe_init(struct tcp_pipe *p, uint32_t cap);
/* A pipe that starts at init bytes and may grow to max, charged to mem. */
int tcp_pipe_init_tuned(struct tcp_pipe *p, uint32_t init, uint32_t max, struct tcp_pipe_mem *mem);
/*
 * Grow the ring to at least want bytes (power of two, at most max_cap),
 * keeping every byte and position (an empty pipe only raises its capacity).
 * Returns 0, -ENOSPC when max_cap or the budget forbids it (counted in
 * mem->refused), -ENOMEM.
 */
int tcp_pipe_grow(struct tcp_pipe *p, uint32_t want);
void tcp_pipe_fini(struct tcp_pipe *p);

/* Bytes between head and the end of contiguous data. */
static inline uint32_t tcp_pipe_used(const struct tcp_pipe *p)
{
	return (uint32_t)(p->rx.nxt - p->head);
}

/* Room after the contiguous data: what the writer side may advertise. */
static inline uint32_t tcp_pipe_space(const struct tcp_pipe *p)
{
	return p->cap - tcp_pipe_used(p);
}

/*
 * Store len bytes at position pos. Parts below rx.nxt are duplicates, parts at
 * or beyond head + cap are outside the window: both are skipped. Returns how
 * far the contiguous end advanced (>= 0), -ENOSPC when an out-of-order
 * piece could not be tracked, or -ENOMEM when the ring could not be
 * allocated (nothing stored in either case).
 */
int64_t tcp_pipe_write(struct tcp_pipe *p, uint64_t pos, const void *data, uint32_t len);

/* Of len bytes from pos, how many lie below head (consumed: read as zeros). */
static inline uint32_t tcp_pipe_consumed(const struct tcp_pipe *p, uint64_t pos, uint32_t len)
{
	return pos >= p->head ? 0 : p->head - pos < len ? (uint32_t)(p->head - pos) : len;
}

/*
 * Copy len bytes from position pos (pos + len <= rx.nxt). Bytes below head
 * were consumed and read as zeros: an MPTCP subflow resending bytes another
 * subflow delivered (the peer drops them as old data; their DSS checksum is
 * computed over the same zeros, mptcp_ring_sum).
 */
void tcp_pipe_read(const struct tcp_pipe *p, uint64_t pos, void *dst, uint32_t len);

/* The reader's peer acknowledged everything below upto: free it (and the ring once the pipe is empty). */
void tcp_pipe_consume(struct tcp_pipe *p, uint64_t upto);

#endif

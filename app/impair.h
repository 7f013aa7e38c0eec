/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only link impairment at the port layer: delay, jitter, reordering,
 * loss (independent, or in bursts from a Gilbert-Elliott chain), duplication,
 * corruption and a rate limit, for end-to-end tests on a machine without tc
 * netem (in the spirit of VPP's nsim).
 *
 * One struct hag_impair per port and direction, made only when the port's
 * config enables it; callers keep a NULL pointer otherwise, so the cost when
 * off is one predictable branch per burst. Not thread-safe: one lcore owns
 * an impairer. Time is passed in (microseconds, any monotonic origin).
 *
 * Packets are taken as whole Ethernet frames and handed back unchanged but
 * for corruption, which flips one bit and leaves every checksum wrong on
 * purpose: the receiver has to catch it.
 */
#ifndef HAG_IMPAIR_H
#define HAG_IMPAIR_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "config.h"

/* Counters of one impairer (netem's and nsim's notions). */
enum hag_impair_ctr {
	HAG_IMPAIR_IN,            /* packets given to hag_impair_process() */
	HAG_IMPAIR_OUT,           /* packets handed back, at once or by poll */
	HAG_IMPAIR_DROPPED_LOSS,  /* freed by loss_pct */
	HAG_IMPAIR_DROPPED_GILBERT, /* freed by the Gilbert-Elliott chain (either state) */
	HAG_IMPAIR_DUPLICATED,    /* extra copies made by dup_pct */
	HAG_IMPAIR_DUP_NOMEM,     /* copies not made: the mempool was empty */
	HAG_IMPAIR_REORDERED,     /* sent at once ahead of packets still held */
	HAG_IMPAIR_CORRUPTED,     /* packets with one bit flipped */
	HAG_IMPAIR_DROPPED_FULL,  /* freed because limit packets were held */
	HAG_IMPAIR_RATE_DELAYED,  /* released later than their delay because of rate_mbit */
	HAG_IMPAIR_CTR_MAX
};

extern const char *const hag_impair_ctr_names[HAG_IMPAIR_CTR_MAX];

struct hag_impair_stats {
	uint64_t ctr[HAG_IMPAIR_CTR_MAX];
	uint32_t held;            /* packets held now */
};

struct hag_impair;

/**
 * Make an impairer for one direction of a port.
 *
 * @param c
 *   The port's impair config. Two impairers made from the same config draw
 *   the same random sequence; give each its own seed for independent ones.
 * @param pool
 *   Where duplicates (and private copies of shared mbufs to corrupt) come from.
 * @param socket
 *   NUMA socket for the queue of held packets.
 * @return
 *   The impairer; NULL with rte_errno 0 when c is not enabled, NULL with
 *   rte_errno EINVAL (bad config: a value out of its range, a Gilbert chain
 *   that can enter its bad state but not leave it) or ENOMEM otherwise.
 */
struct hag_impair *hag_impair_create(const struct hag_impair_conf *c, struct rte_mempool *pool,
				     int socket);

/**
 * Several workers impair their shares of one link: their rate limits use one
 * serialization clock (nanoseconds, zero at start), reserved atomically per
 * frame, so the link keeps its rate whatever the number of workers. Test-only
 * code; the one place where workers write shared memory.
 */
void hag_impair_share_wire(struct hag_impair *imp, uint64_t *clock_ns);

/** Free imp and every packet it holds. NULL is a no-op. */
void hag_impair_free(struct hag_impair *imp);

/**
 * Impair a burst: free lost packets (the Gilbert chain moves once per packet,
 * then loss_pct), duplicate, corrupt, and schedule each
 * packet for release at now + delay +- jitter, spaced by the rate limit.
 * Without jitter and reordering, packets come out in the order they went in.
 *
 * @param pkts
 *   The burst; on return its first (return value) entries are the packets
 *   due now, in order. Every other packet of the burst is held or freed.
 * @return
 *   How many packets at the front of pkts are to be sent (or received) now.
 *   Packets held may already be due: call hag_impair_poll() right after
 *   handling these.
 */
uint16_t hag_impair_process(struct hag_impair *imp, struct rte_mbuf **pkts, uint16_t n,
			    uint64_t now_us);

/**
 * Held packets whose release time has come, in release-time order (arrival
 * order among equal times).
 *
 * @return
 *   How many were written to out (at most max).
 */
uint16_t hag_impair_poll(struct hag_impair *imp, struct rte_mbuf **out, uint16_t max,
			 uint64_t now_us);

/** A snapshot of imp's counters; safe to call from another thread (each is one word). */
void hag_impair_stats(const struct hag_impair *imp, struct hag_impair_stats *s);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link impairment for tests (see impair.h).
 *
 * A packet goes through, in order: Gilbert-Elliott loss, then independent
 * loss; duplication (a deep copy, which
 * then goes its own way); corruption; then it is given a release time:
 *   now                                  with reorder_pct (it jumps the queue,
 *                                        as netem's reorder does),
 *   now + delay + uniform(-jitter, +jitter), at least now, otherwise;
 * and with a rate, never before the previous release plus the time the
 * packet takes on the wire (a serialization clock, as netem's rate).
 * Held packets wait in a binary heap keyed by (release time, arrival
 * number), so equal times keep arrival order.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "impair.h"

const char *const hag_impair_ctr_names[HAG_IMPAIR_CTR_MAX] = {
	[HAG_IMPAIR_IN] = "in",
	[HAG_IMPAIR_OUT] = "out",
	[HAG_IMPAIR_DROPPED_LOSS] = "dropped_loss",
	[HAG_IMPAIR_DROPPED_GILBERT] = "dropped_gilbert",
	[HAG_IMPAIR_DUPLICATED] = "duplicated",
	[HAG_IMPAIR_DUP_NOMEM] = "dup_nomem",
	[HAG_IMPAIR_REORDERED] = "reordered",
	[HAG_IMPAIR_CORRUPTED] = "corrupted",
	[HAG_IMPAIR_DROPPED_FULL] = "dropped_full",
	[HAG_IMPAIR_RATE_DELAYED] = "rate_delayed",
};

struct held {
	uint64_t t;             /* release time, us */
	uint64_t seq;           /* arrival number */
	struct rte_mbuf *m;
};

struct hag_impair {
	uint64_t ctr[HAG_IMPAIR_CTR_MAX];
	uint64_t rng;           /* splitmix64 state */
	uint64_t seq;
	struct rte_mempool *pool;
	/* probabilities in [0, 1]; 0 disables the effect and draws nothing */
	double loss, dup, reorder, corrupt;
	/* Gilbert-Elliott: state, chance to leave it (good, bad), loss in it (good, bad) */
	bool ge_on, ge_bad;
	double ge_leave[2], ge_loss[2];
	double delay_us, jitter_us;
	double us_per_byte;     /* 8 / rate_mbit; 0 = unlimited */
	double wire_us;         /* release time of the last packet on the rate clock */
	uint64_t *shared_wire;  /* several workers on one link: their common rate clock (ns), or NULL */
	uint32_t n, cap;
	struct held heap[];
} __rte_cache_aligned;

/* splitmix64 (Steele, Lea, Flood 2014): deterministic, and fine from seed 0. */
static uint64_t rnd64(struct hag_impair *imp)
{
	uint64_t z = (imp->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rnd01(struct hag_impair *imp)
{
	return (double)(rnd64(imp) >> 11) * 0x1.0p-53;
}

static bool chance(struct hag_impair *imp, double p)
{
	return p > 0 && rnd01(imp) < p;
}

static bool before(const struct held *a, const struct held *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static bool heap_push(struct hag_impair *imp, struct rte_mbuf *m, uint64_t t)
{
	struct held e = { .t = t, .seq = imp->seq++, .m = m };
	uint32_t i;

	if (imp->n == imp->cap)
		return false;
	for (i = imp->n++; i > 0; ) {
		uint32_t parent = (i - 1) / 2;

		if (!before(&e, &imp->heap[parent]))
			break;
		imp->heap[i] = imp->heap[parent];
		i = parent;
	}
	imp->heap[i] = e;
	return true;
}

static struct rte_mbuf *heap_pop(struct hag_impair *imp)
{
	struct rte_mbuf *m = imp->heap[0].m;
	struct held last = imp->heap[--imp->n];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= imp->n)
			break;
		if (c + 1 < imp->n && before(&imp->heap[c + 1], &imp->heap[c]))
			c++;
		if (!before(&imp->heap[c], &last))
			break;
		imp->heap[i] = imp->heap[c];
		i = c;
	}
	imp->heap[i] = last;
	return m;
}

static bool pct_ok(double x)
{
	return x >= 0 && x <= 100;
}

/* What the config loader checks, for callers that fill the struct themselves. */
static bool gilbert_valid(const struct hag_impair_gilbert *g)
{
	return pct_ok(g->good_to_bad_pct) && pct_ok(g->bad_to_good_pct) &&
	       pct_ok(g->loss_good_pct) && pct_ok(g->loss_bad_pct) &&
	       !(g->good_to_bad_pct > 0 && g->bad_to_good_pct == 0);
}

/*
 * Whether the Gilbert-Elliott chain loses this packet: the packet meets the
 * link in its present state, then the chain takes its step (netem's
 * loss_gilb_ell does the same). One step per packet offered, lost or not.
 */
static bool gilbert_lost(struct hag_impair *imp)
{
	int s = imp->ge_bad;
	bool lost = chance(imp, imp->ge_loss[s]);

	if (chance(imp, imp->ge_leave[s]))
		imp->ge_bad = !s;
	return lost;
}

struct hag_impair *hag_impair_create(const struct hag_impair_conf *c, struct rte_mempool *pool,
				     int socket)
{
	struct hag_impair *imp;
	uint32_t cap;

	if (c == NULL || !c->enabled) {
		rte_errno = 0;
		return NULL;
	}
	cap = c->limit ? c->limit : HAG_IMPAIR_MAX_LIMIT;
	if (pool == NULL || cap > HAG_IMPAIR_MAX_LIMIT || !(c->delay_ms >= 0) ||
	    !(c->jitter_ms >= 0) || !(c->rate_mbit >= 0) || !gilbert_valid(&c->gilbert)) {
		rte_errno = EINVAL;
		return NULL;
	}
	imp = rte_zmalloc_socket("hag_impair", sizeof(*imp) + cap * sizeof(imp->heap[0]),
				 RTE_CACHE_LINE_SIZE, socket);
	if (imp == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	imp->rng = c->seed;
	imp->pool = pool;
	imp->loss = c->loss_pct / 100;
	imp->dup = c->dup_pct / 100;
	imp->reorder = c->reorder_pct / 100;
	imp->corrupt = c->corrupt_pct / 100;
	imp->ge_on = c->gilbert.good_to_bad_pct > 0 || c->gilbert.loss_good_pct > 0;
	imp->ge_leave[0] = c->gilbert.good_to_bad_pct / 100;
	imp->ge_leave[1] = c->gilbert.bad_to_good_pct / 100;
	imp->ge_loss[0] = c->gilbert.loss_good_pct / 100;
	imp->ge_loss[1] = c->gilbert.loss_bad_pct / 100;
	imp->delay_us = c->delay_ms * 1000;
	imp->jitter_us = c->jitter_ms * 1000;
	imp->us_per_byte = c->rate_mbit > 0 ? 8 / c->rate_mbit : 0;
	imp->cap = cap;
	return imp;
}

void hag_impair_free(struct hag_impair *imp)
{
	if (imp == NULL)
		return;
	while (imp->n)
		rte_pktmbuf_free(heap_pop(imp));
	rte_free(imp);
}

/*
 * The bytes worth corrupting: the TCP payload of an IPv4 frame when it has
 * one (so that the TCP checksum, not the IP or Ethernet layer, has to catch
 * it), else everything after the Ethernet header.
 */
static void corrupt_range(const struct rte_mbuf *m, uint32_t *from, uint32_t *to)
{
	struct rte_ether_hdr eb;
	struct rte_ipv4_hdr ib;
	struct rte_tcp_hdr tb;
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t len = rte_pktmbuf_pkt_len(m), ihl, end, pay;

	*from = RTE_ETHER_HDR_LEN;
	*to = len;
	eh = rte_pktmbuf_read(m, 0, sizeof(eb), &eb);
	if (eh == NULL || eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN, sizeof(ib), &ib);
	if (ip == NULL || (ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_TCP ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
		return;
	ihl = (ip->version_ihl & 0xf) * 4u;
	end = RTE_ETHER_HDR_LEN + rte_be_to_cpu_16(ip->total_length);
	if (end > len)
		end = len;
	*to = end;      /* never the Ethernet padding: a flip there is not corruption anyone sees */
	th = ihl >= sizeof(ib) ? rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN + ihl, sizeof(tb), &tb) : NULL;
	if (th == NULL)
		return;
	pay = RTE_ETHER_HDR_LEN + ihl + (th->data_off >> 4) * 4u;
	if (pay < end) {
		*from = pay;
		*to = end;
	}
}

/* Flips one random bit; m itself or, when its data is shared, a private copy. */
static struct rte_mbuf *corrupt(struct hag_impair *imp, struct rte_mbuf *m)
{
	struct rte_mbuf *s;
	uint32_t from, to, off;

	corrupt_range(m, &from, &to);
	if (from >= to)
		return m;
	for (s = m; s != NULL; s = s->next) {
		if (!RTE_MBUF_DIRECT(s) || rte_mbuf_refcnt_read(s) > 1) {
			/* Someone else (a retransmission queue) reads these bytes. */
			struct rte_mbuf *c = rte_pktmbuf_copy(m, imp->pool, 0, UINT32_MAX);

			if (c == NULL)
				return m;
			rte_pktmbuf_free(m);
			m = c;
			break;
		}
	}
	off = from + (uint32_t)(rnd64(imp) % (to - from));
	for (s = m; off >= s->data_len; s = s->next)
		off -= s->data_len;
	*rte_pktmbuf_mtod_offset(s, uint8_t *, off) ^= (uint8_t)(1u << (rnd64(imp) & 7));
	imp->ctr[HAG_IMPAIR_CORRUPTED]++;
	return m;
}

/*
 * Gives m its release time and puts it at pkts[*out] when it may go now
 * (slot free, due, nothing held due before it), in the heap otherwise.
 * slot_free: pkts[*out] has been read already.
 */
static void schedule(struct hag_impair *imp, struct rte_mbuf *m, struct rte_mbuf **pkts,
		     uint16_t *out, bool slot_free, uint64_t now)
{
	double d = imp->delay_us, t, wire = imp->wire_us;
	bool rate_delayed = false;
	uint64_t rt;

	if (chance(imp, imp->reorder)) {
		if (imp->n)
			imp->ctr[HAG_IMPAIR_REORDERED]++;
		if (slot_free)
			goto now;
		rt = now;
		goto hold;
	}
	if (imp->jitter_us > 0)
		d += (2 * rnd01(imp) - 1) * imp->jitter_us;
	t = (double)now + (d > 0 ? d : 0);
	if (imp->us_per_byte > 0 && imp->shared_wire != NULL) {
		/* One link, several workers: each frame reserves its slot on the common clock. */
		uint64_t old = __atomic_load_n(imp->shared_wire, __ATOMIC_RELAXED), rel;
		uint64_t len_ns = (uint64_t)(rte_pktmbuf_pkt_len(m) * imp->us_per_byte * 1000);

		do {
			rel = old + len_ns;
			if ((double)rel < t * 1000)
				rel = (uint64_t)(t * 1000);
		} while (!__atomic_compare_exchange_n(imp->shared_wire, &old, rel, false, __ATOMIC_RELAXED,
						      __ATOMIC_RELAXED));
		if ((double)rel > t * 1000) {
			t = (double)rel / 1000;
			rate_delayed = true;
		}
		wire = t;
	} else if (imp->us_per_byte > 0) {
		double w = wire + rte_pktmbuf_pkt_len(m) * imp->us_per_byte;

		if (w > t) {
			t = w;
			rate_delayed = true;
		}
		wire = t;
	}
	rt = (uint64_t)t;
	if (rt <= now && slot_free && (imp->n == 0 || imp->heap[0].t > rt)) {
		imp->wire_us = wire;
		goto now;
	}
hold:
	if (!heap_push(imp, m, rt)) {
		imp->ctr[HAG_IMPAIR_DROPPED_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	imp->wire_us = wire;
	if (rate_delayed)
		imp->ctr[HAG_IMPAIR_RATE_DELAYED]++;
	return;
now:
	pkts[(*out)++] = m;
	imp->ctr[HAG_IMPAIR_OUT]++;
}

uint16_t hag_impair_process(struct hag_impair *imp, struct rte_mbuf **pkts, uint16_t n,
			    uint64_t now_us)
{
	uint16_t out = 0;

	imp->ctr[HAG_IMPAIR_IN] += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m[2] = { pkts[i], NULL };

		if (imp->ge_on && gilbert_lost(imp)) {
			imp->ctr[HAG_IMPAIR_DROPPED_GILBERT]++;
			rte_pktmbuf_free(m[0]);
			continue;
		}
		if (chance(imp, imp->loss)) {
			imp->ctr[HAG_IMPAIR_DROPPED_LOSS]++;
			rte_pktmbuf_free(m[0]);
			continue;
		}
		if (chance(imp, imp->dup)) {
			m[1] = rte_pktmbuf_copy(m[0], imp->pool, 0, UINT32_MAX);
			imp->ctr[m[1] ? HAG_IMPAIR_DUPLICATED : HAG_IMPAIR_DUP_NOMEM]++;
		}
		for (int k = 0; k < 2 && m[k] != NULL; k++) {
			struct rte_mbuf *x = m[k];

			if (chance(imp, imp->corrupt))
				x = corrupt(imp, x);
			/* Slots up to i are read; a copy may find none left. */
			schedule(imp, x, pkts, &out, out <= i, now_us);
		}
	}
	return out;
}

uint16_t hag_impair_poll(struct hag_impair *imp, struct rte_mbuf **out, uint16_t max,
			 uint64_t now_us)
{
	uint16_t k = 0;

	while (k < max && imp->n && imp->heap[0].t <= now_us)
		out[k++] = heap_pop(imp);
	imp->ctr[HAG_IMPAIR_OUT] += k;
	return k;
}

void hag_impair_stats(const struct hag_impair *imp, struct hag_impair_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (imp == NULL)
		return;
	for (int i = 0; i < HAG_IMPAIR_CTR_MAX; i++)
		s->ctr[i] = imp->ctr[i];
	s->held = imp->n;
}

void hag_impair_share_wire(struct hag_impair *imp, uint64_t *clock_ns)
{
	imp->shared_wire = clock_ns;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link impairment (app/impair.c): each effect does what netem's would, with a
 * fixed seed so that every run sees the same packets lost, late or damaged;
 * statistical effects stay within five standard deviations of the binomial
 * mean (of the Markov chain's, for Gilbert-Elliott loss). Every test ends with
 * every mbuf back in the pool.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "impair.h"

#define POOL_MBUFS 8191
#define T0 1000000ull               /* test clock, microseconds */
#define HDRS (RTE_ETHER_HDR_LEN + 20 + 20)

static struct rte_mempool *pool;

static void eal_init(void)
{
	static bool done;
	char prefix[32];

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "imp%d", (int)getpid());
	char *argv[] = {"ut", "--no-huge", "--no-pci", "-m", "128", "--no-shconf", "--no-telemetry",
			"--log-level=*:error", "--file-prefix", prefix, "-l", "0", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
	rmdir(rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("imp_pool", POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool, "pktmbuf pool");
	done = true;
}

TestSuite(impair, .init = eal_init);

/* An impairer with every effect off; each test turns on what it tests. */
static struct hag_impair_conf base(void)
{
	return (struct hag_impair_conf){ .enabled = true, .direction = HAG_IMPAIR_BOTH,
					 .limit = HAG_IMPAIR_MAX_LIMIT, .seed = 1 };
}

static struct hag_impair *make(const struct hag_impair_conf *c)
{
	struct hag_impair *imp = hag_impair_create(c, pool, SOCKET_ID_ANY);

	cr_assert_not_null(imp, "create: %s", rte_strerror(rte_errno));
	return imp;
}

/* Frees imp (and what it holds); then nothing may be left out of the pool. */
static void finish(struct hag_impair *imp)
{
	hag_impair_free(imp);
	cr_assert_eq(rte_mempool_in_use_count(pool), 0, "%u mbufs leaked",
		     rte_mempool_in_use_count(pool));
}

static uint64_t ctr(const struct hag_impair *imp, enum hag_impair_ctr c)
{
	struct hag_impair_stats s;

	hag_impair_stats(imp, &s);
	return s.ctr[c];
}

static uint32_t held(const struct hag_impair *imp)
{
	struct hag_impair_stats s;

	hag_impair_stats(imp, &s);
	return s.held;
}

/*
 * Ethernet + IPv4 + TCP + payload, checksums right. The payload starts with
 * the packet's tag; frame_len is the whole frame (at least HDRS + 4).
 */
static struct rte_mbuf *tcp_pkt(uint32_t tag, uint16_t frame_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, frame_len);
	cr_assert_not_null(p);
	memset(p, 0, frame_len);

	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *pay = (uint8_t *)(th + 1);

	memset(&eh->dst_addr, 0x02, sizeof(eh->dst_addr));
	memset(&eh->src_addr, 0x04, sizeof(eh->src_addr));
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(frame_len - RTE_ETHER_HDR_LEN));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0x0a0a0102);
	ip->dst_addr = rte_cpu_to_be_32(0x0a0a0001);
	th->src_port = rte_cpu_to_be_16(40000);
	th->dst_port = rte_cpu_to_be_16(8080);
	th->sent_seq = rte_cpu_to_be_32(tag * 1000u);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	th->rx_win = rte_cpu_to_be_16(65535);
	if (frame_len >= HDRS + 4)
		memcpy(pay, &tag, sizeof(tag));
	for (uint32_t i = 4; HDRS + i < frame_len; i++)
		pay[i] = (uint8_t)(i * 7 + tag);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

static uint32_t tag_of(const struct rte_mbuf *m)
{
	uint32_t buf, tag;
	const void *p = rte_pktmbuf_read(m, HDRS, sizeof(tag), &buf);

	cr_assert_not_null(p);
	memcpy(&tag, p, sizeof(tag));
	return tag;
}

static void free_all(struct rte_mbuf **pkts, uint16_t n)
{
	rte_pktmbuf_free_bulk(pkts, n);
}

/* The offsets where a and b differ, bit by bit: how many bits and the first byte. */
static int bits_differ(const struct rte_mbuf *a, const struct rte_mbuf *b, uint32_t *at)
{
	uint8_t ba[2048], bb[2048];
	uint32_t len = rte_pktmbuf_pkt_len(a);
	const uint8_t *pa, *pb;
	int bits = 0;

	cr_assert_eq(len, rte_pktmbuf_pkt_len(b));
	cr_assert_leq(len, sizeof(ba));
	pa = rte_pktmbuf_read(a, 0, len, ba);
	pb = rte_pktmbuf_read(b, 0, len, bb);
	for (uint32_t i = 0; i < len; i++) {
		if (pa[i] != pb[i] && !bits)
			*at = i;
		bits += __builtin_popcount(pa[i] ^ pb[i]);
	}
	return bits;
}

static bool ip_cksum_ok(struct rte_ipv4_hdr *ip)
{
	uint16_t sum = ip->hdr_checksum;
	bool ok;

	ip->hdr_checksum = 0;
	ok = rte_ipv4_cksum(ip) == sum;
	ip->hdr_checksum = sum;
	return ok;
}

Test(impair, disabled_config_makes_no_impairer)
{
	struct hag_impair_conf c = base();

	c.enabled = false;
	c.loss_pct = 50;
	rte_errno = EAGAIN;
	cr_expect_null(hag_impair_create(&c, pool, SOCKET_ID_ANY));
	cr_expect_eq(rte_errno, 0, "not enabled is not an error");

	c = base();
	c.limit = HAG_IMPAIR_MAX_LIMIT + 1;
	cr_expect_null(hag_impair_create(&c, pool, SOCKET_ID_ANY));
	cr_expect_eq(rte_errno, EINVAL);
	c = base();
	cr_expect_null(hag_impair_create(&c, NULL, SOCKET_ID_ANY));
	cr_expect_eq(rte_errno, EINVAL);
	hag_impair_free(NULL);
	finish(NULL);
}

Test(impair, with_no_effect_a_burst_passes_at_once_in_order)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp = make(&c);
	struct rte_mbuf *pkts[32], *orig[32];

	for (uint32_t i = 0; i < 32; i++)
		orig[i] = pkts[i] = tcp_pkt(i, 100);
	cr_assert_eq(hag_impair_process(imp, pkts, 32, T0), 32);
	for (int i = 0; i < 32; i++)
		cr_expect_eq(pkts[i], orig[i], "the same mbufs, in the same order");
	cr_expect_eq(hag_impair_poll(imp, pkts, 32, T0 + 1000000), 0);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_IN), 32);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_OUT), 32);
	free_all(orig, 32);
	finish(imp);
}

/* Sends n packets in bursts of 32 (delay 0); returns how many came out, marking them. */
static uint32_t run_loss(const struct hag_impair_conf *c, uint32_t n, bool *passed)
{
	struct hag_impair *imp = make(c);
	struct rte_mbuf *pkts[32];
	uint32_t out = 0;

	for (uint32_t sent = 0; sent < n; sent += 32) {
		uint16_t b = (uint16_t)RTE_MIN(32u, n - sent), got;

		for (uint16_t i = 0; i < b; i++)
			pkts[i] = tcp_pkt(sent + i, 80);
		got = hag_impair_process(imp, pkts, b, T0 + sent);
		for (uint16_t i = 0; i < got; i++)
			passed[tag_of(pkts[i])] = true;
		out += got;
		free_all(pkts, got);
	}
	cr_expect_eq(held(imp), 0);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_IN), n);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_DROPPED_LOSS) + ctr(imp, HAG_IMPAIR_DROPPED_GILBERT), n - out);
	finish(imp);
	return out;
}

Test(impair, loss_drops_its_share_of_packets_and_counts_them)
{
	static bool a[10000], b[10000], d[10000];
	struct hag_impair_conf c = base();
	uint32_t n;

	c.loss_pct = 0;
	cr_expect_eq(run_loss(&c, 10000, a), 10000, "loss 0%% loses nothing");
	memset(a, 0, sizeof(a));
	c.loss_pct = 100;
	cr_expect_eq(run_loss(&c, 10000, a), 0, "loss 100%% loses everything");

	/* Binomial(10000, 0.7): mean 7000, sd 45.8. */
	c.loss_pct = 30;
	n = run_loss(&c, 10000, a);
	cr_expect(n >= 7000 - 229 && n <= 7000 + 229, "%u of 10000 passed at 30%% loss", n);
	cr_expect_eq(run_loss(&c, 10000, b), n, "same seed, same losses");
	cr_expect(!memcmp(a, b, sizeof(a)), "same seed, the same packets lost");
	c.seed = 2;
	run_loss(&c, 10000, d);
	cr_expect(memcmp(a, d, sizeof(a)), "another seed loses other packets");
}

Test(impair, delay_holds_packets_until_their_release_time_in_order)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];
	uint16_t n;

	c.delay_ms = 50;
	imp = make(&c);
	for (uint32_t burst = 0; burst < 3; burst++) {
		for (uint32_t i = 0; i < 10; i++)
			pkts[i] = tcp_pkt(burst * 10 + i, 200);
		/* Two bursts at the same time, one 100 us later. */
		cr_expect_eq(hag_impair_process(imp, pkts, 10, T0 + (burst == 2 ? 100 : 0)), 0);
	}
	cr_expect_eq(held(imp), 30);
	cr_expect_eq(hag_impair_poll(imp, pkts, 32, T0 + 49999), 0, "not before 50 ms");
	n = hag_impair_poll(imp, pkts, 32, T0 + 50000);
	cr_assert_eq(n, 20, "both bursts of T0 at T0 + 50 ms");
	for (uint16_t i = 0; i < n; i++)
		cr_expect_eq(tag_of(pkts[i]), i, "arrival order kept among equal release times");
	free_all(pkts, n);
	cr_expect_eq(hag_impair_poll(imp, pkts, 32, T0 + 50099), 0);
	n = hag_impair_poll(imp, pkts, 4, T0 + 60000);
	cr_assert_eq(n, 4, "poll gives at most max");
	for (uint16_t i = 0; i < n; i++)
		cr_expect_eq(tag_of(pkts[i]), 20 + i);
	free_all(pkts, n);
	n = hag_impair_poll(imp, pkts, 32, T0 + 60000);
	cr_assert_eq(n, 6);
	for (uint16_t i = 0; i < n; i++)
		cr_expect_eq(tag_of(pkts[i]), 24 + i);
	free_all(pkts, n);
	cr_expect_eq(held(imp), 0);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_OUT), 30);
	finish(imp);
}

/*
 * Drives imp like the poll loop: packet i arrives at T0 + i * gap_us, the
 * clock ticks by 1 us, process then poll. rel[tag] gets the release time,
 * order[] the order of release; returns how many came out.
 */
static uint32_t drive(struct hag_impair *imp, uint32_t n, uint32_t gap_us, uint64_t until_us,
		      uint64_t *rel, uint32_t *order)
{
	struct rte_mbuf *pkts[32];
	uint32_t next = 0, out = 0;

	for (uint64_t now = T0; now <= T0 + until_us; now++) {
		uint16_t got = 0;

		if (next < n && now == T0 + (uint64_t)next * gap_us) {
			pkts[0] = tcp_pkt(next++, 100);
			got = hag_impair_process(imp, pkts, 1, now);
		}
		got += hag_impair_poll(imp, pkts + got, (uint16_t)(32 - got), now);
		for (uint16_t i = 0; i < got; i++) {
			uint32_t t = tag_of(pkts[i]);

			rel[t] = now;
			order[out++] = t;
		}
		free_all(pkts, got);
	}
	return out;
}

static uint32_t inversions(const uint32_t *order, uint32_t n)
{
	uint32_t inv = 0;

	for (uint32_t i = 1; i < n; i++)
		inv += order[i] < order[i - 1];
	return inv;
}

Test(impair, jitter_spreads_release_times_within_plus_minus_jitter)
{
	static uint64_t rel[2000];
	static uint32_t order[2000];
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	uint64_t lo = UINT64_MAX, hi = 0;
	double sum = 0;

	c.delay_ms = 50;
	c.jitter_ms = 10;
	imp = make(&c);
	cr_assert_eq(drive(imp, 2000, 10, 100000, rel, order), 2000);
	for (uint32_t i = 0; i < 2000; i++) {
		uint64_t d = rel[i] - (T0 + i * 10ull);

		lo = RTE_MIN(lo, d);
		hi = RTE_MAX(hi, d);
		sum += (double)d;
	}
	cr_expect_geq(lo, 40000, "no packet earlier than delay - jitter (%lu us)", lo);
	cr_expect_leq(hi, 60000, "no packet later than delay + jitter (%lu us)", hi);
	/* Uniform over 20 ms: 2000 samples reach within 0.5 ms of both ends. */
	cr_expect_lt(lo, 40500, "min delay %lu us", lo);
	cr_expect_gt(hi, 59500, "max delay %lu us", hi);
	cr_expect(fabs(sum / 2000 - 50000) < 5 * 5774 / sqrt(2000), "mean %.0f us", sum / 2000);
	cr_expect_gt(inversions(order, 2000), 100, "jitter larger than the gap reorders");
	finish(imp);
}

Test(impair, without_jitter_delay_keeps_fifo_order)
{
	static uint64_t rel[500];
	static uint32_t order[500];
	struct hag_impair_conf c = base();
	struct hag_impair *imp;

	c.delay_ms = 5;
	imp = make(&c);
	cr_assert_eq(drive(imp, 500, 3, 10000, rel, order), 500);
	cr_expect_eq(inversions(order, 500), 0);
	for (uint32_t i = 0; i < 500; i++)
		cr_expect_eq(rel[i], T0 + i * 3ull + 5000);
	finish(imp);
}

Test(impair, reorder_sends_some_packets_ahead_of_those_held)
{
	static uint64_t rel[1000];
	static uint32_t order[1000];
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	uint32_t jumped = 0, last_delayed = 0;
	bool fifo_among_delayed = true;

	c.delay_ms = 10;
	c.reorder_pct = 25;
	imp = make(&c);
	cr_assert_eq(drive(imp, 1000, 100, 120000, rel, order), 1000);
	for (uint32_t k = 0; k < 1000; k++) {
		uint32_t t = order[k];

		if (rel[t] == T0 + t * 100ull) {
			jumped++;
		} else {
			cr_expect_eq(rel[t], T0 + t * 100ull + 10000);
			fifo_among_delayed &= t >= last_delayed;
			last_delayed = t;
		}
	}
	/* Binomial(1000, 0.25): mean 250, sd 13.7. */
	cr_expect(jumped >= 250 - 69 && jumped <= 250 + 69, "%u of 1000 jumped", jumped);
	cr_expect_gt(inversions(order, 1000), 100, "they overtook packets held");
	cr_expect(fifo_among_delayed, "the others keep their order");
	/* The first packet overtakes nobody, the queue being empty. */
	cr_expect_leq(ctr(imp, HAG_IMPAIR_REORDERED), jumped);
	cr_expect_geq(ctr(imp, HAG_IMPAIR_REORDERED), jumped - 1);
	finish(imp);
}

Test(impair, duplicates_are_identical_copies_right_behind_the_original)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32], *out[64];
	uint16_t n;
	uint32_t at;

	c.dup_pct = 100;
	imp = make(&c);
	for (uint32_t i = 0; i < 32; i++)
		pkts[i] = tcp_pkt(i, 300);
	n = hag_impair_process(imp, pkts, 32, T0);
	cr_assert_geq(n, 1);
	memcpy(out, pkts, n * sizeof(pkts[0]));
	/* No room left in the burst for copies: they wait for the same poll. */
	n += hag_impair_poll(imp, out + n, (uint16_t)(64 - n), T0);
	cr_assert_eq(n, 64);
	for (uint32_t i = 0; i < 32; i++) {
		struct rte_mbuf *a = out[2 * i], *b = out[2 * i + 1];

		cr_expect_eq(tag_of(a), i);
		cr_expect_eq(tag_of(b), i);
		cr_expect_neq(a, b, "a copy, not the same mbuf twice");
		cr_expect_neq(rte_pktmbuf_mtod(a, void *), rte_pktmbuf_mtod(b, void *),
			      "a deep copy");
		cr_expect_eq(bits_differ(a, b, &at), 0, "identical bytes");
	}
	cr_expect_eq(ctr(imp, HAG_IMPAIR_DUPLICATED), 32);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_OUT), 64);
	free_all(out, 64);
	finish(imp);
}

Test(impair, dup_percentage_adds_its_share_of_copies)
{
	static bool seen[10000];
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[64];
	uint32_t out = 0;

	c.dup_pct = 50;
	imp = make(&c);
	for (uint32_t sent = 0; sent < 10000; sent += 16) {
		uint16_t got;

		for (uint16_t i = 0; i < 16; i++)
			pkts[i] = tcp_pkt(sent + i, 80);
		got = hag_impair_process(imp, pkts, 16, T0 + sent);
		got += hag_impair_poll(imp, pkts + got, (uint16_t)(64 - got), T0 + sent);
		for (uint16_t i = 0; i < got; i++)
			seen[tag_of(pkts[i])] = true;
		out += got;
		free_all(pkts, got);
	}
	/* 10000 + Binomial(10000, 0.5): sd 50. */
	cr_expect(out >= 15000 - 250 && out <= 15000 + 250, "%u out of 10000 in", out);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_DUPLICATED), out - 10000);
	for (uint32_t i = 0; i < 10000; i++)
		cr_expect(seen[i], "packet %u lost", i);
	cr_expect_eq(held(imp), 0);
	finish(imp);
}

Test(impair, corruption_flips_one_bit_of_the_tcp_payload_and_keeps_checksums)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	uint32_t at, in_payload_hist[2] = { 0 };

	c.corrupt_pct = 100;
	imp = make(&c);
	for (uint32_t i = 0; i < 200; i++) {
		struct rte_mbuf *m = tcp_pkt(i, HDRS + 100), *ref = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
		struct rte_ipv4_hdr *ip;

		cr_assert_not_null(ref);
		cr_assert_eq(hag_impair_process(imp, &m, 1, T0), 1);
		cr_expect_eq(bits_differ(m, ref, &at), 1, "exactly one bit flipped");
		cr_expect(at >= HDRS && at < HDRS + 100, "byte %u is outside the TCP payload", at);
		in_payload_hist[at >= HDRS + 50]++;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		cr_expect(ip_cksum_ok(ip), "IP header untouched");
		cr_expect_neq(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0,
			      "TCP checksum not fixed: the receiver must catch it");
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(ref);
	}
	cr_expect(in_payload_hist[0] > 50 && in_payload_hist[1] > 50, "spread over the payload");
	cr_expect_eq(ctr(imp, HAG_IMPAIR_CORRUPTED), 200);
	finish(imp);
}

Test(impair, corruption_without_tcp_payload_hits_after_the_ethernet_header)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	uint32_t at;

	c.corrupt_pct = 100;
	imp = make(&c);
	for (uint32_t i = 0; i < 100; i++) {
		/* A pure ACK, then a frame that is not IPv4. */
		struct rte_mbuf *m = tcp_pkt(i, HDRS), *ref;

		if (i & 1) {
			rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
				rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		}
		ref = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
		cr_assert_eq(hag_impair_process(imp, &m, 1, T0), 1);
		cr_expect_eq(bits_differ(m, ref, &at), 1);
		cr_expect(at >= RTE_ETHER_HDR_LEN && at < HDRS, "byte %u", at);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(ref);
	}
	finish(imp);
}

Test(impair, corruption_copies_a_shared_mbuf_rather_than_damage_its_other_holder)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *m = tcp_pkt(7, HDRS + 64), *ref, *sent;
	uint32_t at;

	c.corrupt_pct = 100;
	imp = make(&c);
	ref = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
	rte_mbuf_refcnt_update(m, 1);   /* as a retransmission queue would hold it */
	sent = m;
	cr_assert_eq(hag_impair_process(imp, &sent, 1, T0), 1);
	cr_expect_neq(sent, m, "a private copy was damaged");
	cr_expect_eq(bits_differ(m, ref, &at), 0, "the shared data is intact");
	cr_expect_eq(bits_differ(sent, ref, &at), 1);
	cr_expect_eq(rte_mbuf_refcnt_read(m), 1, "the impairer let go of its reference");
	rte_pktmbuf_free(sent);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(ref);
	finish(imp);
}

Test(impair, corruption_reaches_every_segment_of_a_chain)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	uint32_t at, second = 0;

	c.corrupt_pct = 100;
	imp = make(&c);
	for (uint32_t i = 0; i < 100; i++) {
		/* Headers and 10 bytes in the first segment, 90 in the second. */
		struct rte_mbuf *m = tcp_pkt(i, HDRS + 100), *tail = rte_pktmbuf_alloc(pool), *ref;

		cr_assert_not_null(tail);
		memcpy(rte_pktmbuf_append(tail, 90), rte_pktmbuf_mtod_offset(m, void *, HDRS + 10), 90);
		rte_pktmbuf_trim(m, 90);
		cr_assert_eq(rte_pktmbuf_chain(m, tail), 0);
		ref = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
		cr_assert_eq(hag_impair_process(imp, &m, 1, T0), 1);
		cr_expect_eq(bits_differ(m, ref, &at), 1);
		cr_expect(at >= HDRS && at < HDRS + 100, "byte %u", at);
		second += at >= HDRS + 10;
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(ref);
	}
	cr_expect_gt(second, 50, "%u of 100 in the second segment", second);
	finish(imp);
}

Test(impair, rate_spaces_releases_by_size_over_rate)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];
	uint16_t n;

	/* 1500-byte frames at 12 Mbit/s: one per 1000 us; 750-byte ones per 500 us. */
	c.rate_mbit = 12;
	imp = make(&c);
	for (uint32_t i = 0; i < 10; i++)
		pkts[i] = tcp_pkt(i, i < 5 ? 1500 : 750);
	n = hag_impair_process(imp, pkts, 10, T0);
	cr_assert_eq(n, 1, "the link is idle: the first goes at once");
	cr_expect_eq(tag_of(pkts[0]), 0);
	rte_pktmbuf_free(pkts[0]);
	uint64_t due = T0;
	for (uint32_t i = 1; i < 10; i++) {
		due += i < 5 ? 1000 : 500;
		cr_expect_eq(hag_impair_poll(imp, pkts, 32, due - 1), 0, "packet %u early", i);
		n = hag_impair_poll(imp, pkts, 32, due);
		cr_assert_eq(n, 1, "packet %u at %lu", i, due - T0);
		cr_expect_eq(tag_of(pkts[0]), i);
		rte_pktmbuf_free(pkts[0]);
	}
	cr_expect_eq(ctr(imp, HAG_IMPAIR_RATE_DELAYED), 9);
	/* After the link has been idle long enough, no wait. */
	pkts[0] = tcp_pkt(10, 1500);
	cr_expect_eq(hag_impair_process(imp, pkts, 1, due + 1000), 1);
	rte_pktmbuf_free(pkts[0]);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_RATE_DELAYED), 9);
	finish(imp);
}

Test(impair, rate_adds_to_delay)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];

	c.rate_mbit = 12;
	c.delay_ms = 20;
	imp = make(&c);
	for (uint32_t i = 0; i < 3; i++)
		pkts[i] = tcp_pkt(i, 1500);
	cr_assert_eq(hag_impair_process(imp, pkts, 3, T0), 0);
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t due = T0 + 20000 + i * 1000;

		cr_expect_eq(hag_impair_poll(imp, pkts, 32, due - 1), 0);
		cr_assert_eq(hag_impair_poll(imp, pkts, 32, due), 1);
		cr_expect_eq(tag_of(pkts[0]), i);
		rte_pktmbuf_free(pkts[0]);
	}
	finish(imp);
}

Test(impair, a_full_queue_drops_and_counts)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];
	uint32_t out = 0;
	uint16_t n;

	c.delay_ms = 10;
	c.limit = 100;
	imp = make(&c);
	for (uint32_t sent = 0; sent < 150; sent += 30) {
		for (uint32_t i = 0; i < 30; i++)
			pkts[i] = tcp_pkt(sent + i, 100);
		cr_expect_eq(hag_impair_process(imp, pkts, 30, T0), 0);
	}
	cr_expect_eq(held(imp), 100);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_DROPPED_FULL), 50);
	cr_expect_eq(rte_mempool_in_use_count(pool), 100, "the dropped were freed");
	while ((n = hag_impair_poll(imp, pkts, 32, T0 + 10000)) > 0) {
		for (uint16_t i = 0; i < n; i++)
			cr_expect_eq(tag_of(pkts[i]), out + i, "the first 100 were kept");
		out += n;
		free_all(pkts, n);
	}
	cr_expect_eq(out, 100);
	finish(imp);
}

Test(impair, free_releases_every_held_packet)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];

	c.delay_ms = 1000;
	c.jitter_ms = 500;
	c.dup_pct = 20;
	imp = make(&c);
	for (uint32_t sent = 0; sent < 2048; sent += 32) {
		for (uint32_t i = 0; i < 32; i++)
			pkts[i] = tcp_pkt(sent + i, 100);
		cr_assert_eq(hag_impair_process(imp, pkts, 32, T0 + sent), 0);
	}
	cr_expect_eq(held(imp), 2048 + ctr(imp, HAG_IMPAIR_DUPLICATED), "%u held", held(imp));
	cr_expect_eq(rte_mempool_in_use_count(pool), held(imp));
	finish(imp);
}

/*
 * The Gilbert-Elliott chain's long-run figures (state 0 good, 1 bad; p and r
 * the chances of leaving them, e[s] the loss chance in state s):
 *   share of frames seen in each state  pi = (r, p) / (p + r)
 *   loss rate                           L = pi . e
 *   mean burst (lost frames per run of lost frames; a run ends where a lost
 *   frame is followed by a kept one)    L / sum_s sum_u pi_s e_s T(s,u) (1 - e_u)
 * With e = (0, 1) (Gilbert's model): L = p / (p + r), mean burst 1 / r.
 * The standard deviation of each estimate over n frames: the frames' losses
 * are correlated through the state, Cov(L_0, L_k) = (e_b - e_g)^2 pi_g pi_b
 * lambda^k with lambda = 1 - p - r, so Var(mean) = (L (1 - L) + 2 (e_b -
 * e_g)^2 pi_g pi_b lambda / (1 - lambda)) / n. A burst goes on with chance
 * at most q = max_s sum_u T(s,u) e_u, so its length is at most geometric:
 * E[len^2] <= (1 + q) / (1 - q)^2, over the n * P(burst ends) bursts.
 */
struct ge_theory {
	double loss, burst, loss_sd, burst_sd;
};

static struct ge_theory ge_theory(const struct hag_impair_gilbert *g, uint32_t n)
{
	double p = g->good_to_bad_pct / 100, r = g->bad_to_good_pct / 100;
	double e[2] = { g->loss_good_pct / 100, g->loss_bad_pct / 100 };
	double pi[2] = { r / (p + r), p / (p + r) };
	double T[2][2] = { { 1 - p, p }, { r, 1 - r } };
	double lambda = 1 - p - r, ends = 0, q = 0, de = e[1] - e[0];
	struct ge_theory t;

	t.loss = pi[0] * e[0] + pi[1] * e[1];
	for (int s = 0; s < 2; s++) {
		double qs = 0;

		for (int u = 0; u < 2; u++) {
			ends += pi[s] * e[s] * T[s][u] * (1 - e[u]);
			qs += T[s][u] * e[u];
		}
		q = fmax(q, qs);
	}
	t.burst = t.loss / ends;
	t.loss_sd = sqrt((t.loss * (1 - t.loss) + 2 * de * de * pi[0] * pi[1] * lambda / (1 - lambda)) / n);
	t.burst_sd = sqrt((1 + q) / ((1 - q) * (1 - q)) / (n * ends));
	return t;
}

/* Loss rate and mean burst length of what run_loss() marked as passed. */
static void measure(const bool *passed, uint32_t n, double *loss, double *burst)
{
	uint32_t lost = 0, bursts = 0;

	for (uint32_t i = 0; i < n; i++) {
		lost += !passed[i];
		bursts += !passed[i] && (i + 1 == n || passed[i + 1]);
	}
	*loss = (double)lost / n;
	*burst = bursts ? (double)lost / bursts : 0;
}

#define GE_FRAMES 400000

Test(impair, gilbert_loses_p_over_p_plus_r_in_bursts_of_mean_length_one_over_r)
{
	static bool a[GE_FRAMES], b[GE_FRAMES];
	struct hag_impair_conf c = base();
	struct ge_theory t;
	double loss, burst;

	/* Gilbert's model: the good state loses nothing, the bad state everything. */
	c.gilbert = (struct hag_impair_gilbert){ .good_to_bad_pct = 1, .bad_to_good_pct = 20,
						 .loss_good_pct = 0, .loss_bad_pct = 100 };
	t = ge_theory(&c.gilbert, GE_FRAMES);
	cr_assert_float_eq(t.loss, 0.01 / 0.21, 1e-12, "p / (p + r)");
	cr_assert_float_eq(t.burst, 5, 1e-9, "1 / r");
	run_loss(&c, GE_FRAMES, a);
	measure(a, GE_FRAMES, &loss, &burst);
	cr_expect(fabs(loss - t.loss) <= 5 * t.loss_sd, "loss rate %.5f, the chain's %.5f +- 5 * %.5f",
		  loss, t.loss, t.loss_sd);
	cr_expect(fabs(burst - t.burst) <= 5 * t.burst_sd, "mean burst %.3f, the chain's %.3f +- 5 * %.3f",
		  burst, t.burst, t.burst_sd);
	/* Independent loss of the same rate would make bursts of 1 / (1 - L) = 1.05 frames. */
	cr_expect(burst > 4, "bursts, not scattered losses: %.3f", burst);

	run_loss(&c, GE_FRAMES, b);
	cr_expect(!memcmp(a, b, sizeof(a)), "same seed, the same packets lost");
}

Test(impair, gilbert_elliott_with_loss_in_both_states_meets_the_chains_figures)
{
	static bool a[GE_FRAMES];
	struct hag_impair_conf c = base();
	struct ge_theory t;
	double loss, burst;

	c.gilbert = (struct hag_impair_gilbert){ .good_to_bad_pct = 2, .bad_to_good_pct = 10,
						 .loss_good_pct = 0.5, .loss_bad_pct = 60 };
	t = ge_theory(&c.gilbert, GE_FRAMES);
	run_loss(&c, GE_FRAMES, a);
	measure(a, GE_FRAMES, &loss, &burst);
	cr_expect(fabs(loss - t.loss) <= 5 * t.loss_sd, "loss rate %.5f, the chain's %.5f +- 5 * %.5f",
		  loss, t.loss, t.loss_sd);
	cr_expect(fabs(burst - t.burst) <= 5 * t.burst_sd, "mean burst %.3f, the chain's %.3f +- 5 * %.3f",
		  burst, t.burst, t.burst_sd);
}

Test(impair, gilbert_counts_its_own_drops_and_steps_for_every_packet)
{
	struct hag_impair_conf c = base();
	struct hag_impair *imp;
	struct rte_mbuf *pkts[32];
	uint32_t out = 0;

	/* loss_pct 50 on top: the chain still moves once per packet offered. */
	c.gilbert = (struct hag_impair_gilbert){ .good_to_bad_pct = 5, .bad_to_good_pct = 50,
						 .loss_bad_pct = 100 };
	c.loss_pct = 50;
	imp = make(&c);
	for (uint32_t sent = 0; sent < 3200; sent += 32) {
		uint16_t got;

		for (uint16_t i = 0; i < 32; i++)
			pkts[i] = tcp_pkt(sent + i, 80);
		got = hag_impair_process(imp, pkts, 32, T0 + sent);
		out += got;
		free_all(pkts, got);
	}
	cr_expect_gt(ctr(imp, HAG_IMPAIR_DROPPED_GILBERT), 0);
	cr_expect_gt(ctr(imp, HAG_IMPAIR_DROPPED_LOSS), 0);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_IN), 3200);
	cr_expect_eq(ctr(imp, HAG_IMPAIR_OUT) + ctr(imp, HAG_IMPAIR_DROPPED_LOSS) +
		     ctr(imp, HAG_IMPAIR_DROPPED_GILBERT), 3200, "in = out + dropped");
	cr_expect_eq(ctr(imp, HAG_IMPAIR_OUT), out);
	cr_expect_str_eq(hag_impair_ctr_names[HAG_IMPAIR_DROPPED_GILBERT], "dropped_gilbert");
	finish(imp);
}

Test(impair, gilbert_values_a_caller_cannot_mean_are_refused)
{
	struct hag_impair_conf c = base();

	c.gilbert = (struct hag_impair_gilbert){ .good_to_bad_pct = 1, .bad_to_good_pct = 0,
						 .loss_bad_pct = 100 };
	cr_expect_null(hag_impair_create(&c, pool, SOCKET_ID_ANY), "a bad state with no way out");
	cr_expect_eq(rte_errno, EINVAL);
	c.gilbert.bad_to_good_pct = 101;
	cr_expect_null(hag_impair_create(&c, pool, SOCKET_ID_ANY));
	cr_expect_eq(rte_errno, EINVAL);
	c.gilbert.bad_to_good_pct = 10;
	c.gilbert.loss_bad_pct = -1;
	cr_expect_null(hag_impair_create(&c, pool, SOCKET_ID_ANY));
	cr_expect_eq(rte_errno, EINVAL);
	finish(NULL);
}

/* ports[].impair.gilbert in the config loader (app/config.c). */
static struct hag_config cfg;
static char err[512];

#define GE_CONF(gilbert)                                                                     \
	"{\n"                                                                                \
	"  \"ports\": [\n"                                                                   \
	"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\",\n"          \
	"      \"impair\": { \"direction\": \"tx\", \"gilbert\": " gilbert " } },\n"          \
	"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n"           \
	"  ],\n"                                                                             \
	"  \"listeners\": [ { \"listen\": \"10.10.1.1:80\", \"upstream\": \"10.20.0.2:90\" } ]\n" \
	"}"

static void conf_fini(void)
{
	hag_config_free(&cfg);
}

Test(impair, gilbert_config_alone_turns_the_impairment_on, .fini = conf_fini)
{
	const struct hag_impair_gilbert *g = &cfg.ports[0].impair.gilbert;

	cr_assert_eq(hag_config_load_string(GE_CONF("{ \"good_to_bad_pct\": 0.25, \"bad_to_good_pct\": 25 }"),
					    "t.json", &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect(cfg.ports[0].impair.enabled);
	cr_expect_float_eq(g->good_to_bad_pct, 0.25, 1e-12);
	cr_expect_float_eq(g->bad_to_good_pct, 25, 1e-12);
	cr_expect_float_eq(g->loss_good_pct, 0, 1e-12, "good loses nothing by default");
	cr_expect_float_eq(g->loss_bad_pct, 100, 1e-12, "bad loses everything by default");
	cr_expect(!cfg.ports[1].impair.enabled);
	hag_config_free(&cfg);

	cr_assert_eq(hag_config_load_string(GE_CONF("{ \"good_to_bad_pct\": 0, \"bad_to_good_pct\": 0 }"),
					    "t.json", &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect(!cfg.ports[0].impair.enabled, "a chain that never leaves the good state loses nothing");
}

/* The load fails with one line naming the file, the key path and why. */
static void expect_refused(const char *gilbert_text, const char *path, const char *why)
{
	char text[1024];

	snprintf(text, sizeof(text), GE_CONF("%s"), gilbert_text);
	err[0] = '\0';
	cr_expect_eq(hag_config_load_string(text, "t.json", &cfg, err, sizeof(err)), -EINVAL,
		     "loaded: %s", gilbert_text);
	cr_expect(strstr(err, "t.json:4:"), "no line in: %s", err);
	cr_expect(strstr(err, path), "no \"%s\" in: %s", path, err);
	cr_expect(strstr(err, why), "no \"%s\" in: %s", why, err);
	hag_config_free(&cfg);
}

Test(impair, gilbert_bad_config_is_named_with_its_key_and_why, .fini = conf_fini)
{
	expect_refused("{ \"good_to_bad_pct\": 1 }", "ports[0].impair.gilbert.bad_to_good_pct",
		       "required key missing (a chain needs both good_to_bad_pct and bad_to_good_pct)");
	expect_refused("{ \"bad_to_good_pct\": 10 }", "ports[0].impair.gilbert.good_to_bad_pct",
		       "required key missing");
	expect_refused("{ \"good_to_bad_pct\": 1, \"bad_to_good_pct\": 0 }",
		       "ports[0].impair.gilbert.bad_to_good_pct",
		       "0 with good_to_bad_pct 1: the link would stay in the bad state for ever");
	expect_refused("{ \"good_to_bad_pct\": 1, \"bad_to_good_pct\": 10, \"loss_good_pct\": 5,"
		       " \"loss_bad_pct\": 2 }", "ports[0].impair.gilbert.loss_bad_pct",
		       "2 below loss_good_pct 5: the bad state is the one that loses more");
	expect_refused("{ \"good_to_bad_pct\": 101, \"bad_to_good_pct\": 10 }",
		       "ports[0].impair.gilbert.good_to_bad_pct", "101 out of range 0..100");
	expect_refused("{ \"good_to_bad_pct\": \"1\", \"bad_to_good_pct\": 10 }",
		       "ports[0].impair.gilbert.good_to_bad_pct",
		       "expected number, got string \"1\" (drop the quotes)");
	expect_refused("{ \"good_to_bad_pct\": 1, \"bad_to_good\": 10 }",
		       "ports[0].impair.gilbert.bad_to_good", "bad_to_good_pct");
	expect_refused("[1, 10]", "ports[0].impair.gilbert", "expected object, got array");
}

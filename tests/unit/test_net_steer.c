/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net steer: owner steering for N workers.
 * - The Toeplitz hash (Microsoft RSS specification) written here bit by bit
 *   from its definition agrees with DPDK's rte_softrss on the specification's
 *   verification suite, and net_steer_hash agrees with both.
 * - The upstream source port chosen by net_steer_pick_port makes the reply
 *   land on the owner's queue, as rte_softrss computes it independently,
 *   for every worker count 1..16.
 * - RFC 8684 3.1 tokens (SHA-256 of the key) map to workers by token % n;
 *   keys are redrawn until the token is the caller's and unused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/sha.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_thash.h>

#include "net/steer.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The key of the Microsoft RSS verification suite (also most NICs' default). */
static alignas(4) const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The suite's IPv4 rows: source, destination, hash of IPv4 alone, hash with TCP. */
static const struct {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t hash_ip, hash_tcp;
} ms_v4[] = {
	{ IP4(66, 9, 149, 187), IP4(161, 142, 100, 80), 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ IP4(199, 92, 111, 2), IP4(65, 69, 140, 83), 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ IP4(24, 19, 198, 95), IP4(12, 22, 207, 184), 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ IP4(38, 27, 205, 30), IP4(209, 142, 163, 6), 48228, 2217, 0x82989176, 0xafc7327f },
	{ IP4(153, 39, 163, 191), IP4(202, 188, 127, 2), 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

/*
 * Toeplitz from the specification: a 32-bit window starts on the key's
 * leftmost 32 bits; for each input bit, most significant first, XOR the
 * window into the result when the bit is 1, then slide the window one bit
 * to the right along the key.
 */
static uint32_t naive_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len)
{
	uint32_t result = 0;
	uint32_t window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
			  (uint32_t)key[2] << 8 | key[3];
	size_t i;
	unsigned b;

	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			uint8_t next = 4 + i < key_len ? key[4 + i] : 0;

			if (in[i] & (0x80 >> b))
				result ^= window;
			window = window << 1 | ((next >> (7 - b)) & 1);
		}
	}
	return result;
}

/* The IPv4+TCP hash input as bytes on the wire: saddr, daddr, sport, dport. */
static size_t tuple_bytes(uint8_t out[12], uint32_t saddr, uint32_t daddr, uint16_t sport,
			  uint16_t dport)
{
	out[0] = saddr >> 24; out[1] = saddr >> 16; out[2] = saddr >> 8; out[3] = saddr;
	out[4] = daddr >> 24; out[5] = daddr >> 16; out[6] = daddr >> 8; out[7] = daddr;
	out[8] = sport >> 8; out[9] = sport;
	out[10] = dport >> 8; out[11] = dport;
	return 12;
}

static uint32_t naive_tcp4(const uint8_t *key, size_t key_len, uint32_t saddr, uint32_t daddr,
			   uint16_t sport, uint16_t dport)
{
	uint8_t in[12];

	return naive_toeplitz(key, key_len, in, tuple_bytes(in, saddr, daddr, sport, dport));
}

/* DPDK's generic Toeplitz with the raw key: the reference the tests trust. */
static uint32_t dpdk_tcp4(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
			  uint16_t dport)
{
	struct rte_ipv4_tuple t = { .src_addr = saddr, .dst_addr = daddr };

	t.sport = sport;
	t.dport = dport;
	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

static uint16_t dpdk_queue(const uint8_t *key, const uint16_t *reta, unsigned reta_size,
			   uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport)
{
	return reta[dpdk_tcp4(key, saddr, daddr, sport, dport) % reta_size];
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void round_robin(uint16_t *reta, unsigned size, unsigned n)
{
	unsigned i;

	for (i = 0; i < size; i++)
		reta[i] = (uint16_t)(i % n);
}

TestSuite(toeplitz);
TestSuite(pick_port);
TestSuite(token);

Test(toeplitz, spec_vectors, .description =
     "the bit-by-bit Toeplitz and rte_softrss give the RSS verification suite's IPv4 and IPv4+TCP hashes")
{
	unsigned i;

	for (i = 0; i < RTE_DIM(ms_v4); i++) {
		uint8_t in[12];
		uint32_t l3[2] = { ms_v4[i].saddr, ms_v4[i].daddr };

		tuple_bytes(in, ms_v4[i].saddr, ms_v4[i].daddr, ms_v4[i].sport, ms_v4[i].dport);
		cr_assert_eq(naive_toeplitz(ms_key, sizeof(ms_key), in, 8), ms_v4[i].hash_ip,
			     "row %u IPv4: naive %08x", i, naive_toeplitz(ms_key, sizeof(ms_key), in, 8));
		cr_assert_eq(naive_toeplitz(ms_key, sizeof(ms_key), in, 12), ms_v4[i].hash_tcp,
			     "row %u TCP: naive %08x", i, naive_toeplitz(ms_key, sizeof(ms_key), in, 12));
		cr_assert_eq(rte_softrss(l3, RTE_THASH_V4_L3_LEN, ms_key), ms_v4[i].hash_ip, "row %u", i);
		cr_assert_eq(dpdk_tcp4(ms_key, ms_v4[i].saddr, ms_v4[i].daddr, ms_v4[i].sport,
				       ms_v4[i].dport), ms_v4[i].hash_tcp, "row %u", i);
	}
}

Test(toeplitz, steer_hash_matches, .description =
     "net_steer_hash (converted key, rte_softrss_be) equals the specification on the suite and on random tuples")
{
	struct net_steer_rss r;
	uint16_t reta[128];
	uint64_t seed = 1;
	unsigned i;

	round_robin(reta, RTE_DIM(reta), 4);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
	for (i = 0; i < RTE_DIM(ms_v4); i++)
		cr_assert_eq(net_steer_hash(&r, ms_v4[i].saddr, ms_v4[i].daddr, ms_v4[i].sport,
					    ms_v4[i].dport), ms_v4[i].hash_tcp, "row %u", i);
	for (i = 0; i < 10000; i++) {
		uint64_t a = splitmix64(&seed), b = splitmix64(&seed);
		uint32_t s = (uint32_t)a, d = (uint32_t)(a >> 32);
		uint16_t sp = (uint16_t)b, dp = (uint16_t)(b >> 16);

		cr_assert_eq(net_steer_hash(&r, s, d, sp, dp), naive_tcp4(ms_key, sizeof(ms_key), s, d, sp, dp));
		cr_assert_eq(net_steer_queue_of(&r, s, d, sp, dp),
			     dpdk_queue(ms_key, reta, RTE_DIM(reta), s, d, sp, dp));
	}
}

/* The suite's IPv6 rows (the same key): source, destination, IPv6 alone, with TCP. */
static const struct {
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t hash_ip, hash_tcp;
} ms_v6[] = {
	{ {0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, [15] = 0x07},
	  {0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, [15] = 0x01}, 2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ {0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab},
	  {0xff, 0x02, [15] = 0x01}, 14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ {0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf},
	  {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf}, 44251, 38024, 0x4b61e985,
	  0x02d1feef },
};

/* DPDK's generic Toeplitz over an IPv6+TCP tuple (rte_thash_load_v6_addrs' form), raw key. */
static uint32_t dpdk_tcp6(const uint8_t *key, const uint8_t s[16], const uint8_t d[16], uint16_t sp, uint16_t dp)
{
	struct rte_ipv6_hdr ip;
	union rte_thash_tuple t;

	memcpy(ip.src_addr, s, 16);
	memcpy(ip.dst_addr, d, 16);
	rte_thash_load_v6_addrs(&ip, &t);
	t.v6.sport = sp;
	t.v6.dport = dp;
	return rte_softrss((uint32_t *)&t.v6, RTE_THASH_V6_L4_LEN, key);
}

Test(toeplitz, ipv6_spec_vectors_and_random_tuples, .description =
     "net_steer_hash6 gives the suite's IPv6+TCP hashes and agrees with rte_softrss on random tuples and keys")
{
	struct net_steer_rss r;
	uint16_t reta[128];
	alignas(4) uint8_t key[52];
	uint64_t seed = 3;
	unsigned i;

	round_robin(reta, RTE_DIM(reta), 4);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
	cr_assert(r.v6, "a 40-byte key hashes IPv6+TCP");
	for (i = 0; i < RTE_DIM(ms_v6); i++) {
		cr_expect_eq(dpdk_tcp6(ms_key, ms_v6[i].saddr, ms_v6[i].daddr, ms_v6[i].sport, ms_v6[i].dport),
			     ms_v6[i].hash_tcp, "row %u: rte_softrss", i);
		cr_expect_eq(net_steer_hash6(&r, ms_v6[i].saddr, ms_v6[i].daddr, ms_v6[i].sport, ms_v6[i].dport),
			     ms_v6[i].hash_tcp, "row %u", i);
	}
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)splitmix64(&seed);
	cr_assert_eq(net_steer_rss_init(&r, key, sizeof(key), reta, RTE_DIM(reta)), 0);
	for (i = 0; i < 2000; i++) {
		uint8_t s6[16], d6[16];
		uint64_t w[4] = {splitmix64(&seed), splitmix64(&seed), splitmix64(&seed), splitmix64(&seed)};
		uint64_t b = splitmix64(&seed);

		memcpy(s6, w, 16);
		memcpy(d6, w + 2, 16);
		cr_assert_eq(net_steer_hash6(&r, s6, d6, (uint16_t)b, (uint16_t)(b >> 16)),
			     dpdk_tcp6(key, s6, d6, (uint16_t)b, (uint16_t)(b >> 16)), "tuple %u", i);
	}
	cr_assert_eq(net_steer_rss_init(&r, key, 36, reta, RTE_DIM(reta)), 0);
	cr_expect_not(r.v6, "a 36-byte key is too short for IPv6+TCP");
}

Test(toeplitz, long_key_big_reta, .description =
     "a 52-byte random key (i40e/ice size) and a 512-entry RETA: queue_of agrees with the specification")
{
	alignas(4) uint8_t key[52];
	uint16_t reta[512];
	struct net_steer_rss r;
	uint64_t seed = 7;
	unsigned i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)splitmix64(&seed);
	for (i = 0; i < RTE_DIM(reta); i++)
		reta[i] = (uint16_t)(splitmix64(&seed) % 11);
	cr_assert_eq(net_steer_rss_init(&r, key, sizeof(key), reta, RTE_DIM(reta)), 0);
	for (i = 0; i < 10000; i++) {
		uint64_t a = splitmix64(&seed), b = splitmix64(&seed);
		uint32_t s = (uint32_t)a, d = (uint32_t)(a >> 32);
		uint16_t sp = (uint16_t)b, dp = (uint16_t)(b >> 16);
		uint32_t h = naive_tcp4(key, sizeof(key), s, d, sp, dp);

		cr_assert_eq(net_steer_hash(&r, s, d, sp, dp), h);
		cr_assert_eq(net_steer_queue_of(&r, s, d, sp, dp), reta[h % RTE_DIM(reta)]);
	}
}

Test(toeplitz, init_rejects_unmodelled, .description =
     "keys shorter than 16 bytes or not whole words, and RETAs that are empty, too big or not a power of two, are refused")
{
	struct net_steer_rss r;
	uint16_t reta[1024] = { 0 };

	cr_assert_eq(net_steer_rss_init(&r, ms_key, 12, reta, 128), -EINVAL);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 38, reta, 128), -EINVAL);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 40, reta, 0), -EINVAL);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 40, reta, 96), -EINVAL);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 40, reta, 1024), -EINVAL);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 16, reta, 1), 0);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, 40, reta, 512), 0);
}

/* EAL with two vdevs: net_ring (no RSS at all) and net_null (a RETA, but no key size, no hashed fields). */
static void eal_with_vdevs(void)
{
	char prefix[32];
	char *argv[] = { "ut", "--no-huge", "--no-pci", "-m", "64", "--no-shconf", "--no-telemetry",
			 "--log-level=*:error", "--file-prefix", prefix, "-l", "0",
			 "--log-level=lib.ethdev:critical", /* quiet about the invalid port below */
			 "--vdev=net_null0", "--vdev=net_ring0", NULL };

	snprintf(prefix, sizeof(prefix), "ut%d", (int)getpid());
	cr_assert_geq(rte_eal_init((int)RTE_DIM(argv) - 1, argv), 0, "rte_eal_init failed");
	rmdir(rte_eal_get_runtime_dir());
}

Test(toeplitz, vdevs_fall_back, .description =
     "vdevs whose PMD gives no usable key or RETA yield -ENOTSUP: the caller steers in software")
{
	struct rte_eth_conf conf = {
		.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS,
		.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP,
	};
	struct net_steer_rss r;
	uint16_t port;

	eal_with_vdevs();
	cr_assert_eq(rte_eth_dev_get_port_by_name("net_ring0", &port), 0);
	cr_assert_eq(net_steer_rss_from_port(port, &r), -ENOTSUP);
	cr_assert_eq(rte_eth_dev_get_port_by_name("net_null0", &port), 0);
	cr_assert_eq(rte_eth_dev_configure(port, 4, 4, &conf), 0);
	cr_assert_eq(net_steer_rss_from_port(port, &r), -ENOTSUP);
	cr_assert_eq(net_steer_rss_from_port(RTE_MAX_ETHPORTS - 1, &r), -ENODEV);
	rte_eal_cleanup();
}

/* The first port from start (wrapping in [lo, hi]) whose reply rte_softrss puts on q and that is free. */
static int ref_pick(const uint8_t *key, const uint16_t *reta, unsigned reta_size, uint32_t laddr,
		    uint32_t raddr, uint16_t rport, uint16_t q, uint16_t lo, uint16_t hi,
		    uint16_t start, const uint8_t *busy)
{
	unsigned span = (unsigned)hi - lo + 1, i;
	uint16_t p = (start < lo || start > hi) ? lo : start;

	for (i = 0; i < span; i++) {
		if (dpdk_queue(key, reta, reta_size, raddr, laddr, rport, p) == q &&
		    (busy == NULL || !busy[p]))
			return p;
		p = p == hi ? lo : (uint16_t)(p + 1);
	}
	return -EADDRNOTAVAIL;
}

Test(pick_port, every_worker_count, .description =
     "for 1..16 workers (128-entry RETA, round robin) the chosen port's reply lands on each worker's queue")
{
	static const struct {
		uint32_t laddr, raddr;
		uint16_t rport, start;
	} flows[] = {
		{ IP4(10, 0, 2, 1), IP4(10, 0, 2, 2), 80, 32768 },
		{ IP4(192, 168, 1, 10), IP4(93, 184, 216, 34), 443, 50000 },
		{ IP4(172, 16, 0, 1), IP4(172, 16, 9, 9), 5201, 60990 },   /* wraps at hi */
		{ IP4(10, 1, 1, 1), IP4(8, 8, 8, 8), 53, 1 },              /* start below lo */
	};
	const uint16_t lo = 32768, hi = 60999;
	uint16_t reta[128];
	struct net_steer_rss r;
	unsigned n, q, f;

	for (n = 1; n <= 16; n++) {
		round_robin(reta, RTE_DIM(reta), n);
		cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
		for (q = 0; q < n; q++) {
			for (f = 0; f < RTE_DIM(flows); f++) {
				int p = net_steer_pick_port(&r, flows[f].laddr, flows[f].raddr,
							    flows[f].rport, (uint16_t)q, lo, hi,
							    flows[f].start, NULL, NULL);

				cr_assert(p >= lo && p <= hi, "n=%u q=%u flow %u: %d", n, q, f, p);
				cr_assert_eq(dpdk_queue(ms_key, reta, RTE_DIM(reta), flows[f].raddr,
							flows[f].laddr, flows[f].rport, (uint16_t)p), q,
					     "n=%u q=%u flow %u port %d", n, q, f, p);
				cr_assert_eq(p, ref_pick(ms_key, reta, RTE_DIM(reta), flows[f].laddr,
							 flows[f].raddr, flows[f].rport, (uint16_t)q,
							 lo, hi, flows[f].start, NULL),
					     "n=%u q=%u flow %u: not the first match", n, q, f);
			}
		}
	}
}

struct busy_ports {
	uint8_t busy[65536];
	const struct net_steer_rss *r;
	uint32_t laddr, raddr;
	uint16_t rport, q;
	unsigned asked;
};

/* in_use: asserts it is asked only about ports that already hash right. */
static bool busy_in_use(uint16_t port, void *arg)
{
	struct busy_ports *b = arg;

	b->asked++;
	cr_assert_eq(dpdk_queue(ms_key, b->r->reta, b->r->reta_size, b->raddr, b->laddr, b->rport,
				port), b->q, "asked about port %u which hashes elsewhere", port);
	return b->busy[port] != 0;
}

Test(pick_port, ports_in_use_are_skipped, .description =
     "a port in use is passed over for the next one that lands on the queue; in_use is asked only about those")
{
	static struct busy_ports b;
	const uint16_t lo = 40000, hi = 40999;
	uint16_t reta[128];
	struct net_steer_rss r;
	int p, i;

	round_robin(reta, RTE_DIM(reta), 8);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
	memset(&b, 0, sizeof(b));
	b.r = &r;
	b.laddr = IP4(10, 0, 2, 1);
	b.raddr = IP4(10, 0, 3, 2);
	b.rport = 8080;
	b.q = 5;
	/* Take ports one after another until the range is exhausted. */
	for (i = 0;; i++) {
		p = net_steer_pick_port(&r, b.laddr, b.raddr, b.rport, b.q, lo, hi, lo, busy_in_use, &b);
		cr_assert_eq(p, ref_pick(ms_key, reta, RTE_DIM(reta), b.laddr, b.raddr, b.rport, b.q,
					 lo, hi, lo, b.busy));
		if (p < 0)
			break;
		cr_assert_not(b.busy[p]);
		b.busy[p] = 1;
	}
	cr_assert_eq(p, -EADDRNOTAVAIL);
	/* 1000 ports, 1/8 of the RETA: about 125 usable ports. */
	cr_assert(i > 60 && i < 250, "%d ports", i);
	cr_assert_gt(b.asked, 0);
}

Test(pick_port, impossible_requests, .description =
     "a queue in no RETA entry, a range with no fitting port, or lo > hi yield errors, not a wrong port")
{
	uint16_t reta[128];
	struct net_steer_rss r;
	const uint32_t l = IP4(10, 0, 2, 1), s = IP4(10, 0, 3, 2);
	uint16_t good = 0, bad = 0;
	unsigned p;

	round_robin(reta, RTE_DIM(reta), 4);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
	cr_assert_eq(net_steer_pick_port(&r, l, s, 80, 4, 1024, 65535, 1024, NULL, NULL), -EADDRNOTAVAIL);
	cr_assert_eq(net_steer_pick_port(&r, l, s, 80, 0, 2000, 1000, 1500, NULL, NULL), -EINVAL);
	for (p = 50000; p < 50100 && (good == 0 || bad == 0); p++) {
		if (dpdk_queue(ms_key, reta, RTE_DIM(reta), s, l, 80, (uint16_t)p) == 2)
			good = (uint16_t)p;
		else
			bad = (uint16_t)p;
	}
	cr_assert(good != 0 && bad != 0);
	cr_assert_eq(net_steer_pick_port(&r, l, s, 80, 2, bad, bad, bad, NULL, NULL), -EADDRNOTAVAIL);
	cr_assert_eq(net_steer_pick_port(&r, l, s, 80, 2, good, good, 0, NULL, NULL), good);
}

static bool all_in_use(uint16_t port, void *arg)
{
	(void)port;
	(*(unsigned *)arg)++;
	return true;
}

#define BENCH_FLOWS 4096
#define BENCH_ROUNDS 7

/* The lowest of BENCH_ROUNDS timings: the machine is shared, the minimum is the code's cost. */
#define BENCH_MIN(best, ...)                                                  \
	do {                                                                   \
		unsigned round_;                                               \
		(best) = UINT64_MAX;                                           \
		for (round_ = 0; round_ < BENCH_ROUNDS; round_++) {            \
			uint64_t t0_ = rte_rdtsc_precise();                    \
			__VA_ARGS__;                                           \
			t0_ = rte_rdtsc_precise() - t0_;                       \
			(best) = RTE_MIN((best), t0_);                         \
		}                                                              \
	} while (0)

Test(pick_port, candidate_cost, .description =
     "reports the cycles spent per pick and per candidate port (printed, not asserted)")
{
	static struct {
		uint32_t raddr;
		uint16_t rport, start, q;
	} in[BENCH_FLOWS];
	const uint32_t laddr = IP4(10, 0, 2, 1);
	const uint16_t lo = 1024, hi = 65535;
	const unsigned n = 16, reps = 50;
	uint64_t seed = 3, cand = 0, t_pick, t_full, t_hash, t_soft;
	volatile uint32_t sink = 0;
	unsigned i, j, asked = 0;
	uint16_t reta[128];
	struct net_steer_rss r;

	round_robin(reta, RTE_DIM(reta), n);
	cr_assert_eq(net_steer_rss_init(&r, ms_key, sizeof(ms_key), reta, RTE_DIM(reta)), 0);
	for (i = 0; i < BENCH_FLOWS; i++) {
		uint64_t x = splitmix64(&seed);
		int p;

		in[i].raddr = (uint32_t)x;
		in[i].rport = (uint16_t)(x >> 32);
		in[i].start = (uint16_t)(lo + (x >> 48) % ((unsigned)hi - lo + 1));
		in[i].q = (uint16_t)(i % n);
		p = net_steer_pick_port(&r, laddr, in[i].raddr, in[i].rport, in[i].q, lo, hi,
					in[i].start, NULL, NULL);
		cr_assert_geq(p, lo);
		cand += (p >= in[i].start ? (unsigned)p - in[i].start :
			 (unsigned)p - lo + hi - in[i].start + 1) + 1;
	}

	/* Typical use: stop at the first port that lands on the queue. */
	BENCH_MIN(t_pick, {
		for (j = 0; j < reps; j++)
			for (i = 0; i < BENCH_FLOWS; i++)
				sink ^= (uint32_t)net_steer_pick_port(&r, laddr, in[i].raddr, in[i].rport,
								      in[i].q, lo, hi, in[i].start,
								      NULL, NULL);
	});
	/* Worst case: every fitting port in use, the whole range is scanned. */
	BENCH_MIN(t_full, {
		for (i = 0; i < 20; i++)
			sink ^= (uint32_t)net_steer_pick_port(&r, laddr, in[i].raddr, 443, 3, lo, hi, lo,
							      all_in_use, &asked);
	});
	/* The fixed part of a pick (tables), and DPDK's loop over set bits for comparison. */
	BENCH_MIN(t_hash, {
		for (i = 0; i < BENCH_FLOWS; i++)
			sink ^= net_steer_hash(&r, in[i].raddr, laddr, in[i].rport, in[i].start);
	});
	BENCH_MIN(t_soft, {
		for (i = 0; i < BENCH_FLOWS; i++) {
			uint32_t t[3] = { in[i].raddr, laddr, (uint32_t)in[i].rport << 16 | in[i].start };

			sink ^= rte_softrss_be(t, 3, (const uint8_t *)r.key);
		}
	});

	fprintf(stderr,
		"steer (TSC cycles): %.1f candidates/pick, %.1f cycles/pick; full scan %.2f cycles/candidate; "
		"hash of a tuple: tables %.1f, rte_softrss_be %.1f (sink %u, asked %u)\n",
		(double)cand / BENCH_FLOWS, (double)t_pick / (reps * BENCH_FLOWS),
		(double)t_full / (20.0 * (hi - lo + 1)), (double)t_hash / BENCH_FLOWS,
		(double)t_soft / BENCH_FLOWS, sink, asked);
}

/* RFC 8684 3.1: the token is the most significant 32 bits of SHA-256 of the key (8 bytes, big endian). */
static uint32_t sha_token(uint64_t key, void *arg)
{
	uint8_t in[8], md[SHA256_DIGEST_LENGTH];
	unsigned i;

	(void)arg;
	for (i = 0; i < 8; i++)
		in[i] = (uint8_t)(key >> (56 - 8 * i));
	SHA256(in, sizeof(in), md);
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

/* A token set (open addressing) and a key source, passed as the callbacks' arg. */
#define SET_SLOTS 32768
struct keyctx {
	uint32_t tok[SET_SLOTS];
	uint8_t full[SET_SLOTS];
	uint64_t seed;
	unsigned cycle;         /* != 0: keys repeat with this period */
	unsigned draws;
	bool always_used;
};

static bool set_has(const struct keyctx *k, uint32_t t)
{
	unsigned i = (t * 2654435761u) & (SET_SLOTS - 1);

	while (k->full[i]) {
		if (k->tok[i] == t)
			return true;
		i = (i + 1) & (SET_SLOTS - 1);
	}
	return false;
}

static void set_add(struct keyctx *k, uint32_t t)
{
	unsigned i = (t * 2654435761u) & (SET_SLOTS - 1);

	while (k->full[i])
		i = (i + 1) & (SET_SLOTS - 1);
	k->full[i] = 1;
	k->tok[i] = t;
}

static bool key_used(uint32_t token, void *arg)
{
	struct keyctx *k = arg;

	return k->always_used || set_has(k, token);
}

static uint64_t key_draw(void *arg)
{
	struct keyctx *k = arg;

	k->draws++;
	if (k->cycle != 0) {
		uint64_t s = k->draws % k->cycle;

		return splitmix64(&s);
	}
	return splitmix64(&k->seed);
}

Test(token, worker_is_token_mod_n, .description = "the owner of a token is token % n_workers")
{
	cr_assert_eq(net_steer_token_worker(0, 1), 0);
	cr_assert_eq(net_steer_token_worker(0xffffffffu, 1), 0);
	cr_assert_eq(net_steer_token_worker(17, 4), 1);
	cr_assert_eq(net_steer_token_worker(0xffffffffu, 16), 15);
	cr_assert_eq(net_steer_token_worker(0xffffffffu, 3), 0);
}

Test(token, keys_map_to_self_and_are_unique, .description =
     "10k keys drawn for workers in turn: each token is SHA-256 of its key, belongs to the asking worker, and is unique")
{
	static struct keyctx k;
	const unsigned n = 8;
	unsigned i;

	memset(&k, 0, sizeof(k));
	k.seed = 42;
	for (i = 0; i < 10000; i++) {
		uint32_t tok;
		uint64_t key;
		unsigned self = i % n;

		cr_assert_eq(net_steer_key_for_worker(self, n, key_used, &k, key_draw, sha_token,
						      &tok, &key, 32 * n), 0);
		cr_assert_eq(tok, sha_token(key, NULL));
		cr_assert_eq(net_steer_token_worker(tok, n), self);
		cr_assert_not(set_has(&k, tok), "token %08x handed out twice", tok);
		set_add(&k, tok);
	}
	/* Mean draws per key ~ n (geometric with p = 1/n). */
	cr_assert(k.draws > 10000 * n * 9 / 10 && k.draws < 10000 * n * 11 / 10,
		  "%u draws for 10000 keys, %u workers", k.draws, n);
}

Test(token, tokens_spread_evenly, .description =
     "the tokens of 10k random keys spread evenly over 2..16 workers (each within 20 %)")
{
	static uint32_t toks[10000];
	uint64_t seed = 99;
	unsigned i, n, w;

	for (i = 0; i < RTE_DIM(toks); i++)
		toks[i] = sha_token(splitmix64(&seed), NULL);
	for (n = 2; n <= 16; n++) {
		unsigned count[16] = { 0 };
		double expect = (double)RTE_DIM(toks) / n;

		for (i = 0; i < RTE_DIM(toks); i++)
			count[net_steer_token_worker(toks[i], n)]++;
		for (w = 0; w < n; w++)
			cr_assert(count[w] > 0.8 * expect && count[w] < 1.2 * expect,
				  "%u workers: worker %u has %u of %u", n, w, count[w], RTE_DIM(toks));
	}
}

Test(token, colliding_keys_are_redrawn, .description =
     "when the key source repeats, used tokens are redrawn until none is left, then -EAGAIN")
{
	static struct keyctx k;
	unsigned got = 0, mine = 0, i;
	uint32_t tok;
	uint64_t key;
	int ret;

	memset(&k, 0, sizeof(k));
	k.cycle = 64;   /* only 64 distinct keys exist */
	for (i = 0; i < k.cycle; i++) {
		uint64_t s = i;

		mine += net_steer_token_worker(sha_token(splitmix64(&s), NULL), 2) == 1;
	}
	while ((ret = net_steer_key_for_worker(1, 2, key_used, &k, key_draw, sha_token,
					       &tok, &key, 10000)) == 0) {
		cr_assert_not(set_has(&k, tok));
		cr_assert_eq(net_steer_token_worker(tok, 2), 1);
		set_add(&k, tok);
		got++;
	}
	cr_assert_eq(ret, -EAGAIN);
	cr_assert_eq(got, mine, "got %u keys, %u of the 64 belong to worker 1", got, mine);
}

Test(token, all_used_gives_eagain, .description =
     "when every token is in use the call gives up after max_tries draws with -EAGAIN; bad arguments are -EINVAL")
{
	static struct keyctx k;
	uint32_t tok;
	uint64_t key;

	memset(&k, 0, sizeof(k));
	k.seed = 5;
	k.always_used = true;
	cr_assert_eq(net_steer_key_for_worker(0, 1, key_used, &k, key_draw, sha_token, &tok, &key, 100),
		     -EAGAIN);
	cr_assert_eq(k.draws, 100);
	cr_assert_eq(net_steer_key_for_worker(0, 1, key_used, &k, key_draw, sha_token, &tok, &key, 0),
		     -EAGAIN);
	cr_assert_eq(net_steer_key_for_worker(2, 2, key_used, &k, key_draw, sha_token, &tok, &key, 10),
		     -EINVAL);
	cr_assert_eq(net_steer_key_for_worker(0, 0, key_used, &k, key_draw, sha_token, &tok, &key, 10),
		     -EINVAL);
	cr_assert_eq(net_steer_key_for_worker(0, 1, key_used, &k, NULL, sha_token, &tok, &key, 10),
		     -EINVAL);
	/* used may be NULL: any token of self will do. */
	cr_assert_eq(net_steer_key_for_worker(0, 1, NULL, &k, key_draw, sha_token, &tok, &key, 1), 0);
	cr_assert_eq(tok, sha_token(key, NULL));
}

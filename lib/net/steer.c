/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Owner steering: token -> worker, and the RSS-aware choice of an upstream
 * source port. The Toeplitz hash is the one of Microsoft's RSS
 * specification ("RSS hashing functions"): for every set bit i of the input
 * (most significant bit of the first byte is bit 0) XOR in the 32 key bits
 * starting at key bit i.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_thash.h>

#include "net/steer.h"

int net_steer_key_for_worker(unsigned self, unsigned n_workers,
			     bool (*used)(uint32_t token, void *arg), void *arg,
			     uint64_t (*random_key)(void *arg),
			     uint32_t (*token_of)(uint64_t key, void *arg),
			     uint32_t *token_out, uint64_t *key_out, unsigned max_tries)
{
	unsigned i;

	if (n_workers == 0 || self >= n_workers || random_key == NULL || token_of == NULL ||
	    token_out == NULL || key_out == NULL)
		return -EINVAL;
	for (i = 0; i < max_tries; i++) {
		uint64_t key = random_key(arg);
		uint32_t token = token_of(key, arg);

		if (net_steer_token_worker(token, n_workers) != self)
			continue;
		/* Linux (net/mptcp/token.c) also redraws a key whose token collides. */
		if (used != NULL && used(token, arg))
			continue;
		*token_out = token;
		*key_out = key;
		return 0;
	}
	return -EAGAIN;
}

/* The 32 key bits starting at bit `bit` (bit 0 = MSB of key byte 0); k converted. */
static uint32_t steer_key_window(const uint32_t *k, unsigned bit)
{
	unsigned w = bit / 32, s = bit % 32;

	if (s == 0)
		return k[w];
	return k[w] << s | k[w + 1] >> (32 - s);
}

int net_steer_rss_init(struct net_steer_rss *r, const uint8_t *key, unsigned key_len,
		       const uint16_t *reta, unsigned reta_size)
{
	uint32_t raw[NET_STEER_KEY_MAX / 4];
	unsigned i, v, b;

	if (r == NULL || key == NULL || reta == NULL || key_len % 4 != 0 ||
	    key_len < NET_STEER_KEY_MIN || key_len > NET_STEER_KEY_MAX ||
	    reta_size == 0 || reta_size > NET_STEER_RETA_MAX || (reta_size & (reta_size - 1)) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(raw, key, key_len);
	rte_convert_rss_key(raw, r->key, (int)key_len);
	r->key_len = (uint16_t)key_len;
	memcpy(r->reta, reta, reta_size * sizeof(reta[0]));
	r->reta_size = (uint16_t)reta_size;
	/* Input byte i, bit b (MSB first) is input bit 8i+b: it adds the key window there. */
	for (i = 0; i < NET_STEER_TUPLE_LEN; i++)
		for (v = 0; v < 256; v++)
			for (b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					r->tab[i][v] ^= steer_key_window(r->key, 8 * i + b);
	r->v6 = key_len >= NET_STEER_KEY6_MIN;
	for (i = 0; r->v6 && i < 4; i++)
		for (v = 0; v < 256; v++)
			for (b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					r->tab6[i][v] ^= steer_key_window(r->key, 8 * (32 + i) + b);
	return 0;
}

int net_steer_rss_from_port(uint16_t port_id, struct net_steer_rss *out)
{
	struct rte_eth_rss_reta_entry64 conf[NET_STEER_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	uint8_t key[NET_STEER_KEY_MAX];
	uint16_t reta[NET_STEER_RETA_MAX];
	struct rte_eth_rss_conf rss;
	struct rte_eth_dev_info info;
	unsigned i, key_len;
	bool key_set = false;
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0)
		return ret;
	/* vdevs report neither; a NIC beyond what is modelled is steered in software too */
	if (info.hash_key_size == 0 || info.reta_size == 0 ||
	    info.hash_key_size > NET_STEER_KEY_MAX || info.reta_size > NET_STEER_RETA_MAX)
		return -ENOTSUP;

	/* Some PMDs copy hash_key_size bytes whatever rss_key_len says: the buffer holds that. */
	memset(key, 0, sizeof(key));
	memset(&rss, 0, sizeof(rss));
	rss.rss_key = key;
	rss.rss_key_len = info.hash_key_size;
	ret = rte_eth_dev_rss_hash_conf_get(port_id, &rss);
	if (ret < 0)
		return ret;
	/* Without the port numbers in the hash the source port cannot choose the queue. */
	if (!(rss.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP))
		return -ENOTSUP;
	key_len = info.hash_key_size;
	if (rss.rss_key_len != 0 && rss.rss_key_len < key_len)
		key_len = rss.rss_key_len;
	for (i = 0; i < key_len; i++)
		key_set |= key[i] != 0;
	if (!key_set)
		return -ENOTSUP;        /* success without a key: nothing to compute with */

	memset(conf, 0, sizeof(conf));
	for (i = 0; i < info.reta_size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
	ret = rte_eth_dev_rss_reta_query(port_id, conf, info.reta_size);
	if (ret < 0)
		return ret;
	for (i = 0; i < info.reta_size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];

	ret = net_steer_rss_init(out, key, key_len, reta, info.reta_size);
	return ret == -EINVAL ? -ENOTSUP : ret;
}

static inline uint32_t steer_hash_u32(const uint32_t tab[][256], unsigned first, uint32_t x)
{
	return tab[first][x >> 24] ^ tab[first + 1][(x >> 16) & 0xff] ^
	       tab[first + 2][(x >> 8) & 0xff] ^ tab[first + 3][x & 0xff];
}

uint32_t net_steer_hash(const struct net_steer_rss *r, uint32_t saddr, uint32_t daddr,
			uint16_t sport, uint16_t dport)
{
	/* The same as rte_softrss_be() over the tuple, without its loop over set bits. */
	return steer_hash_u32(r->tab, 0, saddr) ^ steer_hash_u32(r->tab, 4, daddr) ^
	       steer_hash_u32(r->tab, 8, (uint32_t)sport << 16 | dport);
}

uint32_t net_steer_hash6(const struct net_steer_rss *r, const uint8_t saddr[16], const uint8_t daddr[16],
			 uint16_t sport, uint16_t dport)
{
	uint32_t h = r->tab6[0][sport >> 8] ^ r->tab6[1][sport & 0xff] ^ r->tab6[2][dport >> 8] ^
		     r->tab6[3][dport & 0xff];

	/* The 256 address bits: each set one adds the key window at its position. */
	for (unsigned i = 0; i < 32; i++) {
		uint8_t v = i < 16 ? saddr[i] : daddr[i - 16];

		for (unsigned b = 0; v != 0; b++, v = (uint8_t)(v << 1))
			if (v & 0x80u)
				h ^= steer_key_window(r->key, 8 * i + b);
	}
	return h;
}

uint16_t net_steer_queue_of(const struct net_steer_rss *r, uint32_t saddr, uint32_t daddr,
			    uint16_t sport, uint16_t dport)
{
	/* The NICs modelled index the RETA with the low bits of the hash. */
	return r->reta[net_steer_hash(r, saddr, daddr, sport, dport) & (r->reta_size - 1u)];
}

uint16_t net_steer_queue_of6(const struct net_steer_rss *r, const uint8_t saddr[16], const uint8_t daddr[16],
			     uint16_t sport, uint16_t dport)
{
	return r->reta[net_steer_hash6(r, saddr, daddr, sport, dport) & (r->reta_size - 1u)];
}

static bool steer_reta_holds(const struct net_steer_rss *r, uint16_t queue)
{
	unsigned i;

	for (i = 0; i < r->reta_size; i++)
		if (r->reta[i] == queue)
			return true;
	return false;
}

int net_steer_pick_port(const struct net_steer_rss *r, uint32_t laddr, uint32_t raddr,
			uint16_t rport, uint16_t want_queue, uint16_t lo, uint16_t hi,
			uint16_t start, bool (*in_use)(uint16_t port, void *arg), void *arg)
{
	uint32_t base, mask = r->reta_size - 1u;
	unsigned span, i;
	uint16_t p;

	if (lo > hi)
		return -EINVAL;
	/* Saves a full scan (65k candidates) when the queue is not in the RETA at all. */
	if (!steer_reta_holds(r, want_queue))
		return -EADDRNOTAVAIL;
	/* The reply's tuple: raddr:rport -> laddr:p; everything but p is fixed. */
	base = net_steer_hash(r, raddr, laddr, rport, 0);
	span = (unsigned)hi - lo + 1;
	p = (start < lo || start > hi) ? lo : start;
	for (i = 0; i < span; i++) {
		uint32_t h = base ^ r->tab[10][p >> 8] ^ r->tab[11][p & 0xff];

		if (r->reta[h & mask] == want_queue && (in_use == NULL || !in_use(p, arg)))
			return p;
		p = p == hi ? lo : (uint16_t)(p + 1);
	}
	return -EADDRNOTAVAIL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net steer: which worker lcore owns a connection, decided so that no
 * lookup shared between lcores is needed.
 *
 * - MPTCP: the owner is a function of the token (token % n_workers). The
 *   lcore answering an MP_CAPABLE SYN draws keys until the token maps to
 *   itself and is unused; an MP_JOIN carrying that token is then handed to
 *   the owner by whichever lcore received it.
 * - Upstream TCP: the owner picks its local port so that the NIC's RSS
 *   (Toeplitz over the IPv4+TCP 4-tuple, port key, RETA) sends the server's
 *   replies to the owner's own RX queue.
 *
 * Pure functions over caller-owned data: no global state, no EAL needed
 * except by net_steer_rss_from_port(). A struct net_steer_rss is built once
 * per port and read-only afterwards, so all lcores may read it.
 */
#ifndef HAG_NET_STEER_H
#define HAG_NET_STEER_H

#include <stdbool.h>
#include <stdint.h>

/* Token -> owning worker (0 .. n_workers-1). n_workers >= 1. */
static inline unsigned net_steer_token_worker(uint32_t token, unsigned n_workers)
{
	return token % n_workers;
}

/**
 * Draw a local MPTCP key whose token belongs to worker self and is unused.
 *
 * Keys come from random_key(arg); token_of(key, arg) gives the token
 * (RFC 8684 3.1: the most significant 32 bits of SHA-256 of the key, e.g.
 * mptcp_crypto_key_sha(); a callback so that lib/net does not depend on
 * lib/mptcp); used(token, arg) says whether a connection holds the token
 * (NULL: no token is in use).
 *
 * Tokens are uniform, so a key lands on self with probability 1/n_workers
 * and the number of draws is geometric with mean n_workers / (1 - u), u the
 * fraction of self's tokens already in use (about n_workers in practice).
 * The chance of max_tries draws all failing is (1 - 1/n)^max_tries, about
 * e^(-max_tries/n): max_tries = 32 * n_workers makes -EAGAIN a 1e-14 event.
 *
 * @param self       the worker that wants the key, < n_workers
 * @param n_workers  number of workers, >= 1
 * @param max_tries  keys drawn at most
 * @param token_out  the key's token (written on success)
 * @param key_out    the key (written on success)
 * @return 0; -EINVAL on bad arguments; -EAGAIN when max_tries keys all
 *         mapped elsewhere or to a used token.
 */
int net_steer_key_for_worker(unsigned self, unsigned n_workers,
			     bool (*used)(uint32_t token, void *arg), void *arg,
			     uint64_t (*random_key)(void *arg),
			     uint32_t (*token_of)(uint64_t key, void *arg),
			     uint32_t *token_out, uint64_t *key_out, unsigned max_tries);

#define NET_STEER_KEY_MAX 64    /* bytes; 40 on most NICs, 52 on i40e/ice */
#define NET_STEER_KEY_MIN 16    /* the IPv4+TCP input (12 bytes) needs 12+4 key bytes */
#define NET_STEER_RETA_MAX 512  /* RTE_ETH_RSS_RETA_SIZE_512 */

#define NET_STEER_TUPLE_LEN 12 /* IPv4+TCP hash input: saddr, daddr, sport, dport */
#define NET_STEER_TUPLE6_LEN 36 /* IPv6+TCP: the same with 16-byte addresses */
#define NET_STEER_KEY6_MIN 40   /* the IPv6+TCP input needs 36+4 key bytes */

/*
 * A port's RSS as the NIC computes it for IPv4+TCP: Toeplitz hash of
 * (saddr, daddr, sport, dport), the low log2(reta_size) bits of the hash
 * index the RETA, the entry names the RX queue. About 13 KiB, built once
 * per port, read-only after.
 */
struct net_steer_rss {
	/*
	 * tab[i][v]: the hash of an input whose byte i (network order: saddr
	 * 0-3, daddr 4-7, sport 8-9, dport 10-11) is v and all others 0.
	 * Toeplitz is linear over GF(2), so the hash of a tuple is the XOR of
	 * its 12 bytes' entries, and the hash of (s, d, sp, dp) is
	 * hash(s, d, sp, 0) ^ tab[10][dp >> 8] ^ tab[11][dp & 0xff].
	 */
	uint32_t tab[NET_STEER_TUPLE_LEN][256];
	/* IPv6+TCP (when the key has NET_STEER_KEY6_MIN bytes): the same for the
	 * ports, input bytes 32-35; the addresses go bit by bit (once per tuple). */
	uint32_t tab6[4][256];
	bool v6;
	uint32_t key[NET_STEER_KEY_MAX / 4]; /* converted for rte_softrss_be() */
	uint16_t reta[NET_STEER_RETA_MAX];   /* RX queue per entry */
	uint16_t reta_size;                  /* power of two */
	uint16_t key_len;                    /* bytes */
};

/**
 * Build the context from a raw RSS key (as given to or read from the NIC)
 * and a RETA (queue per entry).
 *
 * @return 0; -EINVAL when key_len is not a multiple of 4 in
 *         [NET_STEER_KEY_MIN, NET_STEER_KEY_MAX] or reta_size is not a power
 *         of two in [1, NET_STEER_RETA_MAX].
 */
int net_steer_rss_init(struct net_steer_rss *r, const uint8_t *key, unsigned key_len,
		       const uint16_t *reta, unsigned reta_size);

/**
 * Build the context from what port_id reports (rte_eth_dev_rss_hash_conf_get,
 * rte_eth_dev_rss_reta_query). The port must be configured with RSS
 * (RTE_ETH_MQ_RX_RSS; some PMDs answer only once started). DPDK 22.11 cannot report the hash function: Toeplitz is assumed.
 *
 * @return 0; -ENOTSUP when the PMD gives no key or RETA (vdevs: net_ring,
 *         net_null, af_packet, af_xdp, memif ...), does not hash IPv4+TCP on ports, or
 *         has a key or RETA this code cannot model: the caller then steers
 *         in software (hand-off through the owner's ring); another -errno
 *         from ethdev.
 */
int net_steer_rss_from_port(uint16_t port_id, struct net_steer_rss *out);

/* The Toeplitz hash the NIC computes for this IPv4+TCP tuple (host order): 12 table loads. */
uint32_t net_steer_hash(const struct net_steer_rss *r, uint32_t saddr, uint32_t daddr,
			uint16_t sport, uint16_t dport);

/* The Toeplitz hash of an IPv6+TCP tuple (addresses in network order, ports in
 * host order); r->v6 must be set. As rte_softrss over rte_thash_load_v6_addrs'
 * tuple. */
uint32_t net_steer_hash6(const struct net_steer_rss *r, const uint8_t saddr[16], const uint8_t daddr[16],
			 uint16_t sport, uint16_t dport);

/**
 * The RX queue the NIC delivers an IPv4+TCP packet to.
 * Host order arguments; the tuple as the NIC sees the packet (saddr/sport
 * are the packet's source).
 */
uint16_t net_steer_queue_of(const struct net_steer_rss *r, uint32_t saddr, uint32_t daddr,
			    uint16_t sport, uint16_t dport);

/* The same for an IPv6+TCP packet (addresses in network order); r->v6 must be set. */
uint16_t net_steer_queue_of6(const struct net_steer_rss *r, const uint8_t saddr[16], const uint8_t daddr[16],
			     uint16_t sport, uint16_t dport);

/**
 * Choose the local port of an upstream connection laddr:port -> raddr:rport
 * so that its return traffic (raddr:rport -> laddr:port) arrives on
 * want_queue.
 *
 * Candidates are scanned from start (start outside [lo, hi] means lo),
 * wrapping at hi back to lo; in_use(port, arg) is asked only for candidates
 * that hash right. With q of the reta_size entries holding want_queue, about
 * reta_size / q candidates are scanned per answer (n_workers for an even
 * RETA; fewer in practice, the fitting ports are spread evenly). Fixed cost per call: the hash of the reply tuple without its
 * destination port (10 table loads). Per candidate: two table loads, two
 * XORs, a mask and a RETA load, about 2-3 cycles (docs/performance.md).
 *
 * @return the port (host order), or -EADDRNOTAVAIL when no port in range
 *         both lands on want_queue and is free (e.g. want_queue is in no
 *         RETA entry); -EINVAL when lo > hi.
 */
int net_steer_pick_port(const struct net_steer_rss *r, uint32_t laddr, uint32_t raddr,
			uint16_t rport, uint16_t want_queue, uint16_t lo, uint16_t hi,
			uint16_t start, bool (*in_use)(uint16_t port, void *arg), void *arg);

#endif

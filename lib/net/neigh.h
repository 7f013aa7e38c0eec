/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's neighbour tables: ARP's (IPv4) and Neighbour Discovery's (IPv6),
 * one code for both. Fixed size, open addressing (linear probing), per worker
 * (no locks). At most NET_NEIGH_MAX entries, so that probe chains stay short;
 * when full, a new next hop evicts the entry it hurts least to lose: the
 * oldest unresolved one (a neighbour that never answered, or a spoofed
 * source), else the least recently used resolved one (it is asked for again).
 */
#ifndef HAG_NET_NEIGH_H
#define HAG_NET_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define NET_NEIGH_SLOTS 256         /* power of two */
#define NET_NEIGH_MAX 192           /* entries at most: 3/4 of the slots */
#define NET_NEIGH_PENDING 4         /* packets held per unresolved next hop */

/*
 * A neighbour's address as the table's key: an IPv6 address (network order),
 * or in ARP's table an IPv4 address in host order in the last word (ip) with
 * the rest zero. All zero: a free slot (neither 0.0.0.0 nor :: is a neighbour).
 */
union net_neigh_key {
	uint8_t a6[16];
	uint32_t w[4];
	struct {
		uint32_t zero_[3];
		uint32_t ip;
	};
};

/* ND's states (RFC 4861 7.3.2); ARP's entries use only resolved. */
enum net_nd_state {
	NET_ND_INCOMPLETE,          /* asked (multicast NS), no answer yet */
	NET_ND_REACHABLE,           /* confirmed within the reachable time */
	NET_ND_STALE,               /* known, not confirmed lately: used as is */
	NET_ND_DELAY,               /* stale and used: waiting for an upper-layer confirmation */
	NET_ND_PROBE,               /* asking it again (unicast NS) */
};

struct net_neigh {
	union {
		union net_neigh_key key;
		struct {
			uint32_t zero_[3];
			uint32_t ip;        /* ARP: the IPv4 address, host order */
		};
	};
	bool resolved;              /* mac is known */
	uint8_t state;              /* ND: enum net_nd_state */
	uint8_t probes;             /* ND: solicitations sent in this state */
	struct rte_ether_addr mac;
	uint64_t updated_us;        /* when resolved or last requested */
	uint64_t used_us;           /* when a packet last went to it (the caller sets it) */
	uint64_t timer_us;          /* ND: when the state's timer fires (0: none) */
	uint16_t port;
	uint8_t n_pending;
	struct rte_mbuf *pending[NET_NEIGH_PENDING];
};

struct net_neigh_table {
	struct net_neigh e[NET_NEIGH_SLOTS];
	uint32_t n;                 /* entries in use */
};

/* What an eviction took out: the caller frees (and counts) the packets it held. */
struct net_neigh_evicted {
	union {
		union net_neigh_key key;        /* all zero: nothing evicted */
		struct {
			uint32_t zero_[3];
			uint32_t ip;                /* ARP's */
		};
	};
	bool resolved;
	uint8_t n_pending;
	struct rte_mbuf *pending[NET_NEIGH_PENDING];
};

static inline bool net_neigh_key_empty(const union net_neigh_key *k)
{
	return (k->w[0] | k->w[1] | k->w[2] | k->w[3]) == 0;
}

/* Find the entry for key; NULL when absent. */
struct net_neigh *net_neigh_lookup(struct net_neigh_table *t, const union net_neigh_key *key);
/*
 * Find or create the entry for key (not empty). When the table is full: with
 * ev, another entry is evicted for it (described in *ev); without, NULL. The
 * entries' addresses may move when one is evicted: pointers from earlier
 * calls are stale.
 */
struct net_neigh *net_neigh_get(struct net_neigh_table *t, const union net_neigh_key *key,
				struct net_neigh_evicted *ev);

/* Hold m for e until it resolves; when NET_NEIGH_PENDING are held already the oldest is
 * freed: returns true then (the caller counts the drop). */
bool net_neigh_hold(struct net_neigh *e, struct rte_mbuf *m);
/* Remove e (an entry of t); pointers to other entries may be stale afterwards. */
void net_neigh_remove(struct net_neigh_table *t, struct net_neigh *e);

/* ARP's face: IPv4 addresses in host order, 0 never an entry. */
static inline union net_neigh_key net_neigh_key4(uint32_t ip)
{
	union net_neigh_key k = {.w = {0, 0, 0, 0}};

	k.ip = ip;
	return k;
}

static inline struct net_neigh *net_arp_lookup(struct net_neigh_table *t, uint32_t ip)
{
	union net_neigh_key k = net_neigh_key4(ip);

	return net_neigh_lookup(t, &k);
}

static inline struct net_neigh *net_arp_get(struct net_neigh_table *t, uint32_t ip, struct net_neigh_evicted *ev)
{
	union net_neigh_key k = net_neigh_key4(ip);

	return net_neigh_get(t, &k, ev);
}

/* ND's face: IPv6 addresses, 16 bytes in network order. */
static inline union net_neigh_key net_neigh_key6(const uint8_t a[16])
{
	union net_neigh_key k;

	memcpy(k.a6, a, 16);
	return k;
}

#endif

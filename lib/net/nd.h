/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: Neighbour Discovery's state machine for one neighbour-table entry
 * (RFC 4861 7.3, its Appendix C), pure: each event changes the entry and
 * answers with what its owner must do (send a solicitation, send or drop the
 * packets held). The owner keeps the table, builds the messages (ipv6.h) and
 * calls net_nd_timer when an entry's timer_us has passed.
 */
#ifndef HAG_NET_ND_H
#define HAG_NET_ND_H

#include "net/ipv6.h"
#include "net/neigh.h"

/* RFC 4861 10: protocol constants. */
#define NET_ND_MAX_MULTICAST_SOLICIT 3
#define NET_ND_MAX_UNICAST_SOLICIT 3
#define NET_ND_RETRANS_US 1000000u          /* RetransTimer */
#define NET_ND_REACHABLE_US 30000000u       /* REACHABLE_TIME (no router gives another) */
#define NET_ND_DELAY_US 5000000u            /* DELAY_FIRST_PROBE_TIME */

/* What the owner does after an event (a bitmask). */
enum net_nd_do {
	NET_ND_DO_NOTHING = 0,
	NET_ND_DO_MCAST_NS = 1,     /* a multicast NS for the entry (to its solicited-node address) */
	NET_ND_DO_UCAST_NS = 2,     /* a unicast NS to the entry's link-layer address */
	NET_ND_DO_SEND = 4,         /* send the packets held (its mac is known now) */
	NET_ND_DO_UNREACH = 8,      /* drop the packets held with ICMPv6 address unreachable, delete the entry */
	NET_ND_DO_DELETE = 16,      /* delete the entry (held packets, if any, dropped) */
};

/* A packet is to go to e: e new (state INCOMPLETE, probes 0) starts resolution;
 * a STALE one is used and waits for a confirmation (DELAY). */
unsigned net_nd_output(struct net_neigh *e, bool created, uint64_t now);
/* A Neighbour Advertisement about e's address (validated: net_nd_parse), 7.2.5. */
unsigned net_nd_advert(struct net_neigh *e, const struct net_nd_msg *na, uint64_t now);
/* A Neighbour Solicitation from e's address with a source link-layer option, or
 * another message naming its link-layer address (7.2.3, 7.3.3): e may be new. */
unsigned net_nd_learn(struct net_neigh *e, bool created, const struct rte_ether_addr *lla, uint64_t now);
/* An upper layer saw e answer (new data acknowledged, 7.3.1). */
void net_nd_confirm(struct net_neigh *e, uint64_t now);
/* e's timer passed (now >= e->timer_us > 0). */
unsigned net_nd_timer(struct net_neigh *e, uint64_t now);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: Neighbour Discovery's per-neighbour state machine (RFC 4861 7.3, Appendix C). */
#include "net/nd.h"

static void set_state(struct net_neigh *e, enum net_nd_state s, uint64_t timer_us)
{
	e->state = (uint8_t)s;
	e->probes = 0;
	e->timer_us = timer_us;
	e->resolved = s != NET_ND_INCOMPLETE;
}

unsigned net_nd_output(struct net_neigh *e, bool created, uint64_t now)
{
	e->used_us = now;
	if (created) {
		/* Appendix C: no entry -> INCOMPLETE, multicast NS, start the retransmit timer. */
		set_state(e, NET_ND_INCOMPLETE, now + NET_ND_RETRANS_US);
		e->probes = 1;
		e->updated_us = now;
		return NET_ND_DO_MCAST_NS;
	}
	switch (e->state) {
	case NET_ND_STALE:
		set_state(e, NET_ND_DELAY, now + NET_ND_DELAY_US);
		return NET_ND_DO_SEND;
	case NET_ND_INCOMPLETE:
		return NET_ND_DO_NOTHING;    /* the packet waits with the others */
	default:
		return NET_ND_DO_SEND;
	}
}

unsigned net_nd_advert(struct net_neigh *e, const struct net_nd_msg *na, uint64_t now)
{
	bool differs = na->has_lla && !rte_is_same_ether_addr(&na->lla, &e->mac);
	bool solicited = (na->flags & NET_ND_NA_SOLICITED) != 0;

	if (e->state == NET_ND_INCOMPLETE) {
		/* 7.2.5: without a target link-layer address the advertisement says nothing. */
		if (!na->has_lla)
			return NET_ND_DO_NOTHING;
		e->mac = na->lla;
		e->updated_us = now;
		set_state(e, solicited ? NET_ND_REACHABLE : NET_ND_STALE, solicited ? now + NET_ND_REACHABLE_US : 0);
		return NET_ND_DO_SEND;
	}
	if (!(na->flags & NET_ND_NA_OVERRIDE) && differs) {
		/* Not overriding a known address: only doubt it. */
		if (e->state == NET_ND_REACHABLE)
			set_state(e, NET_ND_STALE, 0);
		return NET_ND_DO_NOTHING;
	}
	if (differs) {
		e->mac = na->lla;
		e->updated_us = now;
	}
	if (solicited)
		set_state(e, NET_ND_REACHABLE, now + NET_ND_REACHABLE_US);
	else if (differs)
		set_state(e, NET_ND_STALE, 0);
	return NET_ND_DO_NOTHING;
}

unsigned net_nd_learn(struct net_neigh *e, bool created, const struct rte_ether_addr *lla, uint64_t now)
{
	if (created || e->state == NET_ND_INCOMPLETE) {
		bool held = !created && e->n_pending > 0;

		e->mac = *lla;
		e->updated_us = now;
		set_state(e, NET_ND_STALE, 0);
		return held ? NET_ND_DO_SEND : NET_ND_DO_NOTHING;
	}
	if (!rte_is_same_ether_addr(lla, &e->mac)) {
		e->mac = *lla;
		e->updated_us = now;
		set_state(e, NET_ND_STALE, 0);
	}
	return NET_ND_DO_NOTHING;
}

void net_nd_confirm(struct net_neigh *e, uint64_t now)
{
	if (e->state != NET_ND_INCOMPLETE)
		set_state(e, NET_ND_REACHABLE, now + NET_ND_REACHABLE_US);
}

unsigned net_nd_timer(struct net_neigh *e, uint64_t now)
{
	switch (e->state) {
	case NET_ND_INCOMPLETE:
		if (e->probes >= NET_ND_MAX_MULTICAST_SOLICIT)
			return NET_ND_DO_UNREACH;
		e->probes++;
		e->updated_us = now;
		e->timer_us = now + NET_ND_RETRANS_US;
		return NET_ND_DO_MCAST_NS;
	case NET_ND_REACHABLE:
		set_state(e, NET_ND_STALE, 0);
		return NET_ND_DO_NOTHING;
	case NET_ND_DELAY:
		set_state(e, NET_ND_PROBE, now + NET_ND_RETRANS_US);
		e->probes = 1;
		return NET_ND_DO_UCAST_NS;
	case NET_ND_PROBE:
		if (e->probes >= NET_ND_MAX_UNICAST_SOLICIT)
			return NET_ND_DO_DELETE;
		e->probes++;
		e->timer_us = now + NET_ND_RETRANS_US;
		return NET_ND_DO_UCAST_NS;
	default:
		e->timer_us = 0;            /* STALE has no timer */
		return NET_ND_DO_NOTHING;
	}
}

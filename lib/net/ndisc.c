/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: Neighbour Discovery for a worker (RFC 4861): NS and NA received
 * (answering for the ports' addresses, learning neighbours), next hops
 * resolved for what hagd sends over IPv6 (a few packets held, solicitations
 * sent again, given up), the state timers, unsolicited NAs at start. The
 * states themselves are nd.c's. Linux: net/ipv6/ndisc.c, net/core/neighbour.c.
 */
#include <errno.h>
#include <string.h>

#include "net/ip_internal.h"

const uint8_t net_ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static void nd_due(struct net_ip *n, const struct net_neigh *e)
{
	if (e->timer_us != 0 && (n->nd_due_us == 0 || e->timer_us < n->nd_due_us))
		n->nd_due_us = e->timer_us;
}

/* The neighbour cache entry of a (created when create: by eviction only when ev is
 * given, so that solicitations, spoofed or not, cannot churn the cache). */
static struct net_neigh *nd_entry(struct net_ip *n, const uint8_t a[16], bool create, bool *created,
				  struct net_neigh_evicted *ev)
{
	union net_neigh_key k = net_neigh_key6(a);
	struct net_neigh *e = net_neigh_lookup(&n->nd, &k);

	*created = false;
	if (ev != NULL)
		memset(&ev->key, 0, sizeof(ev->key));
	if (e == NULL && create && (e = net_neigh_get(&n->nd, &k, ev)) != NULL)
		*created = true;
	if (ev != NULL && !net_neigh_key_empty(&ev->key)) {
		n->mib[NET_MIB_ND_EVICTIONS]++;
		n->mib[NET_MIB_ND_PENDING_DROPS] += ev->n_pending;
		for (int i = 0; i < ev->n_pending; i++)
			rte_pktmbuf_free(ev->pending[i]);
	}
	return e;
}

/* A solicitation for e's address out of its port: to its solicited-node group, or
 * (unicast) to the address it has, from the port's global address. */
static void send_ns(struct net_ip *n, const struct net_neigh *e, bool unicast)
{
	const struct net_ip_port *p = &n->ports[e->port];
	struct rte_mbuf *m = rte_pktmbuf_alloc(n->pool);

	if (m == NULL)
		return;
	if (net_nd_build_ns(m, &p->mac, p->addr6, e->key.a6, unicast ? &e->mac : NULL) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	n->mib[NET_MIB_ICMP6_OUT_MSGS]++;
	n->mib[NET_MIB_ICMP6_OUT_NS]++;
	n->tx(n->arg, e->port, m);
}

/* m (Ethernet header in place) to e's link-layer address out of its port. */
static void nd_send(struct net_ip *n, const struct net_neigh *e, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eh->src_addr = n->ports[e->port].mac;
	eh->dst_addr = e->mac;
	n->tx(n->arg, e->port, m);
}

/*
 * The packets held for e are dropped and counted. When e never answered (failed),
 * RFC 4861 7.2.2: each routed one earns its sender an ICMPv6 destination unreachable,
 * code 3 (address unreachable), from the port that leads back to it; hagd's own (TCP)
 * get none (Linux reports the error to the socket; lib/tcp retransmits).
 */
static void drop_pending(struct net_ip *n, struct net_neigh *e, bool failed)
{
	n->mib[NET_MIB_ND_PENDING_DROPS] += e->n_pending;
	for (int i = 0; i < e->n_pending; i++) {
		struct rte_mbuf *m = e->pending[i];
		const uint16_t l3 = sizeof(struct rte_ether_hdr);
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
		struct net_ip6_info in;
		uint8_t nh[16];
		int back;

		if (failed && !net_ip6_is_local(n, ip->src_addr) && !net_ip6_is_linklocal(ip->src_addr) &&
		    (back = net_ip6_route(n, ip->src_addr, nh)) >= 0 && n->ports[back].v6 &&
		    net_ip6_check(m, l3, &in) == NET_IP6_OK) {
			n->mib[NET_MIB_IP6_ADDR_UNREACH]++;
			net_ip6_icmp_error(n, back, m, &in, NET_ICMP6_DEST_UNREACH, 3, 0);
		}
		rte_pktmbuf_free(m);
	}
	e->n_pending = 0;
}

/* What the state machine asked for. Returns false when e was removed. */
static bool nd_do(struct net_ip *n, struct net_neigh *e, unsigned what)
{
	if (what & NET_ND_DO_SEND) {
		for (int i = 0; i < e->n_pending; i++)
			nd_send(n, e, e->pending[i]);
		e->n_pending = 0;
	}
	if (what & NET_ND_DO_MCAST_NS)
		send_ns(n, e, false);
	if (what & NET_ND_DO_UCAST_NS)
		send_ns(n, e, true);
	if (what & (NET_ND_DO_UNREACH | NET_ND_DO_DELETE)) {
		n->mib[NET_MIB_ND_FAILED]++;
		drop_pending(n, e, true);
		net_neigh_remove(&n->nd, e);
		return false;
	}
	nd_due(n, e);
	return true;
}

void net_ip_nd_rx(struct net_ip *n, int port, struct rte_mbuf *m, const struct rte_ipv6_hdr *ip,
		  const struct net_nd_msg *msg, bool shared)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct net_ip_port *p = &n->ports[port];
	struct net_neigh *e;
	bool created, dad = net_ip6_is_unspecified(ip->src_addr);
	struct rte_ether_addr to;
	uint8_t dst[16];
	struct rte_mbuf *a;

	if (msg->type == NET_ICMP6_ND_NA) {
		/* Every worker resolves its own next hops: the one that asked may not be this one. */
		if (!shared) {
			n->mib[NET_MIB_ICMP6_IN_NA]++;
			if (n->ops->nd_learned != NULL)
				n->ops->nd_learned(n->arg, port, m);
		}
		e = nd_entry(n, msg->target, false, &created, NULL);
		if (e != NULL) {
			e->port = (uint16_t)port;
			nd_do(n, e, net_nd_advert(e, msg, net_ip_now(n)));
		}
		goto drop;
	}
	if (!shared)
		n->mib[NET_MIB_ICMP6_IN_NS]++;
	if (!net_ip6_is_port_addr(n, port, msg->target)) {
		if (!shared)
			n->mib[NET_MIB_ND_NOT_OURS]++;
		goto drop;
	}
	if (!shared && !dad && msg->has_lla && n->ops->nd_learned != NULL)
		n->ops->nd_learned(n->arg, port, m);
	/* 7.2.3: the solicitor's address is learnt (not from a DAD probe, which has none). */
	if (!dad && msg->has_lla && (e = nd_entry(n, ip->src_addr, true, &created, NULL)) != NULL) {
		e->port = (uint16_t)port;
		nd_do(n, e, net_nd_learn(e, created, &msg->lla, net_ip_now(n)));
	}
	if (shared)
		goto drop;
	/* 7.2.4: solicited, overriding, to the solicitor; a DAD probe's answer goes to all nodes. */
	if (dad) {
		memcpy(dst, net_ip6_all_nodes, 16);
		net_ip6_mcast_mac(dst, &to);
	} else {
		memcpy(dst, ip->src_addr, 16);
		to = msg->has_lla ? msg->lla : eh->src_addr;
	}
	if ((a = rte_pktmbuf_alloc(n->pool)) != NULL) {
		if (net_nd_build_na(a, &p->mac, &to, msg->target, dst, msg->target,
				    (uint8_t)(NET_ND_NA_OVERRIDE | (dad ? 0 : NET_ND_NA_SOLICITED))) != 0) {
			rte_pktmbuf_free(a);
		} else {
			n->mib[NET_MIB_ICMP6_OUT_MSGS]++;
			n->mib[NET_MIB_ICMP6_OUT_NA]++;
			n->tx(n->arg, port, a);
		}
	}
drop:
	rte_pktmbuf_free(m);
}

int net_ip6_route(const struct net_ip *n, const uint8_t dst[16], uint8_t nh[16])
{
	int best = -1, best_len = -1;

	for (int i = 0; i < n->n_ports; i++) {
		const struct net_ip_port *p = &n->ports[i];

		if (!p->v6 || p->prefixlen6 <= best_len || !net_ip6_in_prefix(dst, p->addr6, p->prefixlen6))
			continue;
		best = i;
		best_len = p->prefixlen6;
		memcpy(nh, dst, 16);
	}
	for (int i = 0; i < n->n_routes6; i++) {
		const struct net_ip_route6 *r = &n->routes6[i];

		if (r->prefixlen <= best_len || !net_ip6_in_prefix(dst, r->prefix, r->prefixlen))
			continue;
		best = r->port;
		best_len = r->prefixlen;
		memcpy(nh, r->via, 16);
	}
	return best;
}

bool net_ip_src_for6(const struct net_ip *n, const uint8_t dst[16], uint8_t src[16])
{
	uint8_t nh[16];
	int port = net_ip6_route(n, dst, nh);

	if (port < 0)
		return false;
	memcpy(src, n->ports[port].addr6, 16);
	return true;
}

int net_ip_output6(struct net_ip *n, struct rte_mbuf *m, const uint8_t dst[16])
{
	uint8_t nh[16];
	int port = net_ip6_route(n, dst, nh);

	if (port < 0) {
		n->mib[NET_MIB_IP6_OUT_NO_ROUTES]++;
		rte_pktmbuf_free(m);
		return -EHOSTUNREACH;
	}
	return net_ip_output6_via(n, m, port, nh);
}

int net_ip_output6_via(struct net_ip *n, struct rte_mbuf *m, int port, const uint8_t nh[16])
{
	struct net_neigh_evicted ev;
	struct net_neigh *e;
	bool created;
	unsigned what;

	if (rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr)) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	e = nd_entry(n, nh, true, &created, &ev);
	if (e == NULL) {
		n->mib[NET_MIB_ND_PENDING_DROPS]++;
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	if (created)
		e->port = (uint16_t)port;
	what = net_nd_output(e, created, net_ip_now(n));
	if (what & NET_ND_DO_SEND) {
		nd_send(n, e, m);
		nd_due(n, e);
		return 0;
	}
	/* Held until the answer; beyond NET_NEIGH_PENDING the oldest goes. */
	if (net_neigh_hold(e, m))
		n->mib[NET_MIB_ND_PENDING_DROPS]++;
	nd_do(n, e, what);
	return 0;
}

void net_ip_tick6(struct net_ip *n)
{
	uint64_t now = net_ip_now(n);

	if (n->nd_due_us == 0 || now < n->nd_due_us)
		return;
	n->nd_due_us = 0;
	/* A removal moves later entries of a chain back: the slot is looked at again. */
	for (uint32_t i = 0; i < NET_NEIGH_SLOTS; i++) {
		struct net_neigh *e = &n->nd.e[i];

		if (net_neigh_key_empty(&e->key) || e->timer_us == 0)
			continue;
		if (e->timer_us > now) {
			nd_due(n, e);
			continue;
		}
		if (!nd_do(n, e, net_nd_timer(e, now)))
			i--;
	}
}

void net_ip_announce6(struct net_ip *n)
{
	struct rte_ether_addr to;

	net_ip6_mcast_mac(net_ip6_all_nodes, &to);
	for (int i = 0; i < n->n_ports; i++) {
		const struct net_ip_port *p = &n->ports[i];
		const uint8_t *addrs[2] = {p->addr6, p->ll6};

		for (int k = 0; p->v6 && k < 2; k++) {
			struct rte_mbuf *a = rte_pktmbuf_alloc(n->pool);

			if (a == NULL)
				return;
			if (net_nd_build_na(a, &p->mac, &to, addrs[k], net_ip6_all_nodes, addrs[k], NET_ND_NA_OVERRIDE) != 0) {
				rte_pktmbuf_free(a);
				return;
			}
			n->mib[NET_MIB_ICMP6_OUT_MSGS]++;
			n->mib[NET_MIB_ICMP6_OUT_NA]++;
			n->tx(n->arg, i, a);
		}
	}
}

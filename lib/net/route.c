/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: a worker's ports, routes and local addresses, and where a packet goes. */
#include <errno.h>
#include <string.h>

#include "net/ip_internal.h"

const char *const net_mib_names[NET_MIB_MAX] = {
	[NET_MIB_IN_RECEIVES] = "InReceives",
	[NET_MIB_IN_HDR_ERRORS] = "InHdrErrors",
	[NET_MIB_IN_TRUNCATED] = "InTruncatedPkts",
	[NET_MIB_IN_ADDR_ERRORS] = "InAddrErrors",
	[NET_MIB_IN_UNKNOWN_PROTOS] = "InUnknownProtos",
	[NET_MIB_FRAG_DROPS] = "FragDrops",
	[NET_MIB_NO_ROUTE] = "OutNoRoutes",
	[NET_MIB_ARP_IN] = "ArpIn",
	[NET_MIB_ARP_OUT] = "ArpOut",
	[NET_MIB_ARP_PENDING_DROPS] = "ArpPendingDrops",
	[NET_MIB_ARP_EVICTIONS] = "ArpEvictions",
	[NET_MIB_ICMP_ECHO_IN] = "IcmpInEchos",
	[NET_MIB_ICMP_ECHO_OUT] = "IcmpOutEchoReps",
	[NET_MIB_ICMP_IN_ERRORS] = "IcmpInErrors",
	[NET_MIB_ICMP_DEST_UNREACH] = "IcmpInDestUnreachs",
	[NET_MIB_NON_IP] = "NonIP",
	[NET_MIB_INTERCEPTED] = "Intercepted",
	[NET_MIB_INTERCEPT_BYPASS] = "InterceptBypass",
	[NET_MIB_FORW_DATAGRAMS] = "ForwDatagrams",
	[NET_MIB_FORW_DROPPED] = "ForwDropped",
	[NET_MIB_IN_NO_ROUTES] = "InNoRoutes",
	[NET_MIB_TTL_EXCEEDED] = "TtlExceeded",
	[NET_MIB_FRAG_NEEDED] = "FragNeeded",
	[NET_MIB_FRAG_FAILS] = "FragFails",
	[NET_MIB_ICMP_OUT_ERRORS] = "IcmpOutErrors",
	[NET_MIB_ICMP_RATE_LIMITED] = "IcmpRateLimited",
	[NET_MIB_IP6_IN_RECEIVES] = "Ip6InReceives",
	[NET_MIB_IP6_IN_HDR_ERRORS] = "Ip6InHdrErrors",
	[NET_MIB_IP6_IN_TRUNCATED] = "Ip6InTruncatedPkts",
	[NET_MIB_IP6_IN_ADDR_ERRORS] = "Ip6InAddrErrors",
	[NET_MIB_IP6_IN_UNKNOWN_PROTOS] = "Ip6InUnknownProtos",
	[NET_MIB_IP6_IN_DISCARDS] = "Ip6InDiscards",
	[NET_MIB_IP6_FRAG_DROPS] = "Ip6FragDrops",
	[NET_MIB_IP6_EXT_DROPS] = "Ip6ExtDrops",
	[NET_MIB_IP6_ROUTING_DROPS] = "Ip6RoutingDrops",
	[NET_MIB_ICMP6_IN_MSGS] = "Icmp6InMsgs",
	[NET_MIB_ICMP6_IN_DEST_UNREACHS] = "Icmp6InDestUnreachs",
	[NET_MIB_ICMP6_IN_PKT_TOO_BIGS] = "Icmp6InPktTooBigs",
	[NET_MIB_ICMP6_IN_TIME_EXCDS] = "Icmp6InTimeExcds",
	[NET_MIB_ICMP6_IN_PARM_PROBLEMS] = "Icmp6InParmProblems",
	[NET_MIB_IP6_ADDR_UNREACH] = "Ip6AddrUnreach",
	[NET_MIB_ICMP6_IN_ERRORS] = "Icmp6InErrors",
	[NET_MIB_ICMP6_OUT_MSGS] = "Icmp6OutMsgs",
	[NET_MIB_ICMP6_IN_ECHOS] = "Icmp6InEchos",
	[NET_MIB_ICMP6_OUT_ECHO_REPLIES] = "Icmp6OutEchoReplies",
	[NET_MIB_ICMP6_IN_NS] = "Icmp6InNeighborSolicits",
	[NET_MIB_ICMP6_IN_NA] = "Icmp6InNeighborAdvertisements",
	[NET_MIB_ICMP6_OUT_NA] = "Icmp6OutNeighborAdvertisements",
	[NET_MIB_ICMP6_OUT_PARM_PROBLEMS] = "Icmp6OutParmProblems",
	[NET_MIB_ND_NOT_OURS] = "NdNotOurs",
	[NET_MIB_IP6_OUT_NO_ROUTES] = "Ip6OutNoRoutes",
	[NET_MIB_ICMP6_OUT_NS] = "Icmp6OutNeighborSolicits",
	[NET_MIB_ND_PENDING_DROPS] = "NdPendingDrops",
	[NET_MIB_ND_EVICTIONS] = "NdEvictions",
	[NET_MIB_ND_FAILED] = "NdFailed",
	[NET_MIB_IP6_FORW_DATAGRAMS] = "Ip6OutForwDatagrams",
	[NET_MIB_IP6_FORW_DROPPED] = "Ip6ForwDropped",
	[NET_MIB_IP6_IN_NO_ROUTES] = "Ip6InNoRoutes",
	[NET_MIB_IP6_HOP_LIMIT_EXCEEDED] = "Ip6HopLimitExceeded",
	[NET_MIB_IP6_IN_TOO_BIG] = "Ip6InTooBigErrors",
	[NET_MIB_ICMP6_OUT_ERRORS] = "Icmp6OutErrors",
};

void net_ip_init(struct net_ip *n, const struct net_ip_ops *ops, net_tx_fn *tx, void *arg,
		 struct rte_mempool *pool, const uint64_t *now_us)
{
	memset(n, 0, sizeof(*n));
	n->ops = ops;
	n->tx = tx;
	n->arg = arg;
	n->pool = pool;
	n->now_us = now_us;
	n->icmp_tokens = NET_ICMP_ERR_BURST;
	n->icmp_refill_us = *now_us;
}

int net_ip_add_port(struct net_ip *n, const struct rte_ether_addr *mac, uint32_t addr, uint8_t prefixlen,
		    uint16_t mtu)
{
	struct net_ip_port *p;

	if (n->n_ports == NET_MAX_PORTS)
		return -ENOSPC;
	p = &n->ports[n->n_ports++];
	p->mac = *mac;
	p->addr = addr;
	p->prefixlen = prefixlen;
	p->mtu = mtu;
	return 0;
}

int net_ip_add_port6(struct net_ip *n, int port, const uint8_t addr[16], uint8_t prefixlen)
{
	struct net_ip_port *p;
	const uint8_t *m;

	if (port < 0 || port >= n->n_ports || prefixlen > 128 || net_ip6_is_multicast(addr) ||
	    net_ip6_is_unspecified(addr) || net_ip6_is_linklocal(addr))
		return -EINVAL;
	p = &n->ports[port];
	p->v6 = true;
	memcpy(p->addr6, addr, 16);
	p->prefixlen6 = prefixlen;
	/* fe80::/64, then the MAC with ff:fe in its middle and the universal/local bit flipped. */
	memset(p->ll6, 0, 16);
	p->ll6[0] = 0xfe;
	p->ll6[1] = 0x80;
	m = p->mac.addr_bytes;
	p->ll6[8] = m[0] ^ 0x02;
	p->ll6[9] = m[1];
	p->ll6[10] = m[2];
	p->ll6[11] = 0xff;
	p->ll6[12] = 0xfe;
	p->ll6[13] = m[3];
	p->ll6[14] = m[4];
	p->ll6[15] = m[5];
	return 0;
}

int net_ip_add_route6(struct net_ip *n, const uint8_t prefix[16], uint8_t prefixlen, uint8_t port,
		      const uint8_t via[16])
{
	struct net_ip_route6 *r;

	if (n->n_routes6 == NET_MAX_ROUTES)
		return -ENOSPC;
	if (port >= n->n_ports || !n->ports[port].v6 || prefixlen > 128)
		return -EINVAL;
	r = &n->routes6[n->n_routes6++];
	memcpy(r->prefix, prefix, 16);
	memcpy(r->via, via, 16);
	r->prefixlen = prefixlen;
	r->port = port;
	return 0;
}

bool net_ip6_is_port_addr(const struct net_ip *n, int port, const uint8_t a[16])
{
	const struct net_ip_port *p = &n->ports[port];

	if (!p->v6)
		return false;
	if (memcmp(a, p->addr6, 16) == 0 || memcmp(a, p->ll6, 16) == 0)
		return true;
	for (int i = 0; i < n->n_local6; i++)
		if (((n->local6_nd >> i) & 1) && memcmp(a, n->local6[i], 16) == 0)
			return net_ip6_in_prefix(a, p->addr6, p->prefixlen6);
	return false;
}

_Static_assert(NET_MAX_LOCAL <= 8 * sizeof(((struct net_ip *)0)->local6_nd), "a bit per local IPv6 address");

bool net_ip6_is_local(const struct net_ip *n, const uint8_t a[16])
{
	for (int i = 0; i < n->n_ports; i++)
		if (n->ports[i].v6 && memcmp(a, n->ports[i].addr6, 16) == 0)
			return true;
	for (int i = 0; i < n->n_local6; i++)
		if (memcmp(a, n->local6[i], 16) == 0)
			return true;
	return false;
}

int net_ip_add_local6(struct net_ip *n, const uint8_t addr[16], bool nd)
{
	bool onlink = false;

	if (n->n_local6 == NET_MAX_LOCAL)
		return -ENOSPC;
	for (int i = 0; i < n->n_ports; i++)
		onlink |= n->ports[i].v6 && net_ip6_in_prefix(addr, n->ports[i].addr6, n->ports[i].prefixlen6);
	if (nd && !onlink)
		return -EINVAL;
	if (nd)
		n->local6_nd |= (uint16_t)(1u << n->n_local6);
	memcpy(n->local6[n->n_local6++], addr, 16);
	return 0;
}

int net_ip_add_route(struct net_ip *n, uint32_t prefix, uint8_t prefixlen, uint8_t port, uint32_t via)
{
	struct net_ip_route *r;

	if (n->n_routes == NET_MAX_ROUTES)
		return -ENOSPC;
	r = &n->routes[n->n_routes++];
	r->prefix = prefix;
	r->prefixlen = prefixlen;
	r->port = port;
	r->via = via;
	return 0;
}

int net_ip_add_local(struct net_ip *n, uint32_t addr, bool arp)
{
	if (n->n_local == NET_MAX_LOCAL)
		return -ENOSPC;
	n->local[n->n_local].addr = addr;
	n->local[n->n_local++].arp = arp;
	return 0;
}

bool net_ip_is_local(const struct net_ip *n, uint32_t addr)
{
	for (int i = 0; i < n->n_ports; i++)
		if (n->ports[i].addr == addr)
			return true;
	for (int i = 0; i < n->n_local; i++)
		if (n->local[i].addr == addr)
			return true;
	return false;
}

/* Connected prefixes first, then the static routes, longest prefix first. */
int net_ip_route(const struct net_ip *n, uint32_t dst, uint32_t *nh)
{
	int best = -1, best_len = -1;

	for (int i = 0; i < n->n_ports; i++)
		if (net_in_prefix(dst, n->ports[i].addr, n->ports[i].prefixlen) && n->ports[i].prefixlen > best_len) {
			best = i;
			best_len = n->ports[i].prefixlen;
			*nh = dst;
		}
	for (int i = 0; i < n->n_routes; i++)
		if (net_in_prefix(dst, n->routes[i].prefix, n->routes[i].prefixlen) &&
		    n->routes[i].prefixlen > best_len) {
			best = n->routes[i].port;
			best_len = n->routes[i].prefixlen;
			*nh = n->routes[i].via;
		}
	return best;
}

uint32_t net_ip_src_for(const struct net_ip *n, uint32_t dst)
{
	uint32_t nh;
	int port = net_ip_route(n, dst, &nh);

	return port < 0 ? 0 : n->ports[port].addr;
}

int net_ip_output(struct net_ip *n, struct rte_mbuf *m, uint32_t dst)
{
	uint32_t nh = 0;
	int port = net_ip_route(n, dst, &nh);

	if (port < 0) {
		n->mib[NET_MIB_NO_ROUTE]++;
		rte_pktmbuf_free(m);
		return -EHOSTUNREACH;
	}
	return net_ip_output_via(n, m, port, nh);
}

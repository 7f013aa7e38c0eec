/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: routing IPv6 that is not ours (RFC 8200 3, RFC 4443 errors): hop
 * limit, routes, the outgoing MTU (no fragmenting on the way: Packet Too Big);
 * and the ICMPv6 errors of both (net_ip6_icmp_error), under the ICMP token
 * bucket, routed back to the sender. Linux:
 * net/ipv6/ip6_output.c's ip6_forward.
 */
#include <string.h>

#include "net/ip_internal.h"

void net_ip6_icmp_error(struct net_ip *n, int in_port, struct rte_mbuf *m, const struct net_ip6_info *in,
			uint8_t type, uint8_t code, uint32_t param)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv6_hdr *orig = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	struct rte_ether_hdr *eh;
	struct rte_mbuf *e;
	uint8_t nh[16];

	if (!net_ip_icmp_token(n) || (e = rte_pktmbuf_alloc(n->pool)) == NULL)
		return;
	if (net_icmp6_error(e, orig, rte_pktmbuf_data_len(m) - l3, in, n->ports[in_port].addr6, type, code,
			    param) != 0) {
		rte_pktmbuf_free(e);
		return;
	}
	n->icmp_tokens--;
	n->mib[NET_MIB_ICMP6_OUT_MSGS]++;
	n->mib[type == NET_ICMP6_PARAM_PROBLEM ? NET_MIB_ICMP6_OUT_PARM_PROBLEMS : NET_MIB_ICMP6_OUT_ERRORS]++;
	if (net_ip6_route(n, orig->src_addr, nh) >= 0) {
		net_ip_output6(n, e, orig->src_addr);
		return;
	}
	/* A sender no route leads to (link-local): back where its frame came from. */
	eh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_prepend(e, l3);
	if (eh == NULL) {
		rte_pktmbuf_free(e);
		return;
	}
	eh->src_addr = n->ports[in_port].mac;
	eh->dst_addr = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	n->tx(n->arg, in_port, e);
}

void net_ip6_forward(struct net_ip *n, int in_port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3);
	uint32_t tot = NET_IP6_HLEN + rte_be_to_cpu_16(ip->payload_len);
	uint8_t nh[16];
	int out;

	/* Not to be routed: groups, link-local scope either way, the unspecified source. */
	if (net_ip6_is_multicast(ip->dst_addr) || net_ip6_is_linklocal(ip->dst_addr) ||
	    net_ip6_is_linklocal(ip->src_addr) || net_ip6_is_unspecified(ip->src_addr)) {
		n->mib[NET_MIB_IP6_IN_ADDR_ERRORS]++;
		goto drop;
	}
	if (!n->forward) {
		n->mib[NET_MIB_IP6_FORW_DROPPED]++;
		goto drop;
	}
	if (ip->hop_limits <= 1) {
		n->mib[NET_MIB_IP6_HOP_LIMIT_EXCEEDED]++;
		net_ip6_icmp_error(n, in_port, m, in, NET_ICMP6_TIME_EXCEEDED, 0, 0);
		goto drop;
	}
	out = net_ip6_route(n, ip->dst_addr, nh);
	if (out < 0) {
		n->mib[NET_MIB_IP6_IN_NO_ROUTES]++;
		net_ip6_icmp_error(n, in_port, m, in, NET_ICMP6_DEST_UNREACH, 0, 0);
		goto drop;
	}
	if (tot > n->ports[out].mtu) {
		n->mib[NET_MIB_IP6_IN_TOO_BIG]++;
		net_ip6_icmp_error(n, in_port, m, in, NET_ICMP6_PKT_TOO_BIG, 0, n->ports[out].mtu);
		goto drop;
	}
	ip->hop_limits--;
	rte_pktmbuf_adj(m, l3);
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	n->mib[NET_MIB_IP6_FORW_DATAGRAMS]++;
	net_ip_output6_via(n, m, out, nh);
	return;
drop:
	rte_pktmbuf_free(m);
}

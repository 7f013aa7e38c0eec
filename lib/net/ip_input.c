/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: a received frame: Ethernet demux, IPv4 checks, ICMP, ours or another host's. */
#include <rte_icmp.h>

#include "net/ip_internal.h"

/* An ICMP message to one of our addresses (IPv4 checked; Ethernet header in place). */
static void icmp_rx(struct net_ip *n, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4, tot = rte_be_to_cpu_16(ip->total_length);
	const uint8_t *ic = (const uint8_t *)ip + ihl;
	struct rte_ether_addr tmp;

	if (tot >= ihl + 8 && ic[0] == 3) {
		/* Destination unreachable about one of our segments (RFC 1191, 1122). */
		if (rte_raw_cksum(ic, tot - ihl) != 0xffff) {
			n->mib[NET_MIB_ICMP_IN_ERRORS]++;
			goto drop;
		}
		n->mib[NET_MIB_ICMP_DEST_UNREACH]++;
		n->ops->icmp_unreach(n->arg, port, m);
		goto drop;
	}
	if (net_icmp_echo_reply(m, l3) != 0) {
		n->mib[NET_MIB_ICMP_IN_ERRORS]++;
		goto drop;
	}
	n->mib[NET_MIB_ICMP_ECHO_IN]++;
	n->mib[NET_MIB_ICMP_ECHO_OUT]++;
	tmp = eh->src_addr;
	eh->src_addr = n->ports[port].mac;
	eh->dst_addr = tmp;
	n->tx(n->arg, port, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

static void ipv4_rx(struct net_ip *n, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip;

	n->mib[NET_MIB_IN_RECEIVES]++;
	switch (net_ipv4_check(m, l3)) {
	case NET_IP_OK:
		break;
	case NET_IP_TRUNCATED:
		n->mib[NET_MIB_IN_TRUNCATED]++;
		goto drop;
	case NET_IP_FRAGMENT:
		n->mib[NET_MIB_FRAG_DROPS]++;
		goto drop;
	default:
		n->mib[NET_MIB_IN_HDR_ERRORS]++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	if (!net_ip_is_local(n, rte_be_to_cpu_32(ip->dst_addr))) {
		switch (n->ops->transit ? n->ops->transit(n->arg, port, m) : NET_TRANSIT_NOT_OURS) {
		case NET_TRANSIT_TAKEN:
			return;
		case NET_TRANSIT_FORWARD:
			net_ip_forward(n, port, m);
			return;
		case NET_TRANSIT_NOT_OURS:
			break;
		}
		n->mib[NET_MIB_IN_ADDR_ERRORS]++;
		goto drop;
	}
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		n->ops->tcp_rx(n->arg, port, m);
		return;
	case IPPROTO_ICMP:
		icmp_rx(n, port, m);
		return;
	default:
		n->mib[NET_MIB_IN_UNKNOWN_PROTOS]++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

void net_ip_rx(struct net_ip *n, int port, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh)) {
		n->mib[NET_MIB_IN_TRUNCATED]++;
		rte_pktmbuf_free(m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		ipv4_rx(n, port, m);
		break;
	case RTE_ETHER_TYPE_ARP:
		net_ip_arp_rx(n, port, m, false);
		break;
	case RTE_ETHER_TYPE_IPV6:
		net_ip6_rx(n, port, m);
		break;
	default:
		n->mib[NET_MIB_NON_IP]++;
		rte_pktmbuf_free(m);
	}
}

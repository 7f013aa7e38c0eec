/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: routing what is not ours (RFC 1812) and the ICMP errors it sends. */
#include <rte_common.h>

#include "net/ip_internal.h"

bool net_ip_icmp_token(struct net_ip *n)
{
	uint64_t now = net_ip_now(n), add = (now - n->icmp_refill_us) * NET_ICMP_ERR_RATE / 1000000u;

	if (add > 0) {
		n->icmp_tokens = (uint32_t)RTE_MIN((uint64_t)NET_ICMP_ERR_BURST, n->icmp_tokens + add);
		n->icmp_refill_us = now;
	}
	if (n->icmp_tokens == 0) {
		n->mib[NET_MIB_ICMP_RATE_LIMITED]++;
		return false;
	}
	return true;
}

void net_ip_icmp_error(struct net_ip *n, int in_port, const struct rte_ipv4_hdr *ip, uint32_t len,
		       uint8_t type, uint8_t code, uint16_t mtu)
{
	struct rte_mbuf *m;

	if (!net_ip_icmp_token(n))
		return;
	m = rte_pktmbuf_alloc(n->pool);
	if (m == NULL)
		return;
	if (net_icmp_error(m, ip, len, n->ports[in_port].addr, type, code, mtu, n->icmp_ip_id++) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	n->icmp_tokens--;
	n->mib[NET_MIB_ICMP_OUT_ERRORS]++;
	net_ip_output(n, m, rte_be_to_cpu_32(ip->src_addr));
}

void net_ip_forward(struct net_ip *n, int in_port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
	const struct net_ip_port *p = &n->ports[in_port];
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr), src = rte_be_to_cpu_32(ip->src_addr), nh = 0;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t have = rte_pktmbuf_data_len(m) - l3;
	int out;

	if (!n->forward) {
		n->mib[NET_MIB_FORW_DROPPED]++;
		goto drop;
	}
	/* Not to be routed: broadcasts, multicast, martian sources (RFC 1812 5.3.7). */
	if (dst >= 0xe0000000u || (p->prefixlen <= 30 && dst == (p->addr | ~net_prefix_mask(p->prefixlen))) ||
	    src == 0 || (src >> 24) == 127 || src >= 0xe0000000u) {
		n->mib[NET_MIB_IN_ADDR_ERRORS]++;
		goto drop;
	}
	if (ip->time_to_live <= 1) {
		n->mib[NET_MIB_TTL_EXCEEDED]++;
		net_ip_icmp_error(n, in_port, ip, have, 11, 0, 0);
		goto drop;
	}
	out = net_ip_route(n, dst, &nh);
	if (out < 0) {
		n->mib[NET_MIB_IN_NO_ROUTES]++;
		net_ip_icmp_error(n, in_port, ip, have, 3, 0, 0);
		goto drop;
	}
	if (tot > n->ports[out].mtu) {
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
			n->mib[NET_MIB_FRAG_NEEDED]++;
			net_ip_icmp_error(n, in_port, ip, have, 3, 4, n->ports[out].mtu);
		} else {
			n->mib[NET_MIB_FRAG_FAILS]++;
		}
		goto drop;
	}
	net_ipv4_ttl_dec(ip);
	rte_pktmbuf_adj(m, l3);
	if (rte_pktmbuf_data_len(m) > tot)       /* Ethernet padding */
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - tot));
	/* The receive offload flags mean nothing on the way out; whether the buffer is
	 * external or attached stays (clearing that handed a NIC's external buffer back
	 * to the pool as the mbuf's own: found by the packet fuzzer once it ran this code). */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	n->mib[NET_MIB_FORW_DATAGRAMS]++;
	net_ip_output_via(n, m, out, nh);
	return;
drop:
	rte_pktmbuf_free(m);
}

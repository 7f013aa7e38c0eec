/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: a received IPv6 frame (RFC 8200): checked and walked, ours or not,
 * ICMPv6 (RFC 4443: echo; Parameter Problems through net_ip6_icmp_error;
 * NS and NA to ndisc.c), TCP handed to the owner. Linux:
 * net/ipv6/ip6_input.c and icmp.c. Packets for other hosts: ip6_forward.c.
 */
#include <string.h>

#include "net/ip_internal.h"

/* Addressed to hagd on port: one of hagd's global addresses (on any port), the port's
 * link-local one, the solicited-node group of one the port answers ND for, or all nodes. */
static bool for_port(const struct net_ip *n, int port, const uint8_t dst[16])
{
	const struct net_ip_port *p = &n->ports[port];
	uint8_t sn[16];

	if (net_ip6_is_port_addr(n, port, dst) || net_ip6_is_local(n, dst) ||
	    memcmp(dst, net_ip6_all_nodes, 16) == 0)
		return true;
	if (!net_ip6_is_solicited_node(dst))
		return false;
	net_ip6_solicited_node(p->addr6, sn);
	if (memcmp(dst, sn, 16) == 0)
		return true;
	net_ip6_solicited_node(p->ll6, sn);
	if (memcmp(dst, sn, 16) == 0)
		return true;
	/* The group of an extra address (SNAT) this port answers for. */
	for (int i = 0; i < n->n_local6; i++) {
		net_ip6_solicited_node(n->local6[i], sn);
		if (memcmp(dst, sn, 16) == 0 && net_ip6_is_port_addr(n, port, n->local6[i]))
			return true;
	}
	return false;
}

/* An answer made in place (IPv6 at l3, from the frame's source) goes back where the frame came from. */
static void reply(struct net_ip *n, int port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eh->dst_addr = eh->src_addr;
	eh->src_addr = n->ports[port].mac;
	n->mib[NET_MIB_ICMP6_OUT_MSGS]++;
	n->tx(n->arg, port, m);
}

static void icmp6_rx(struct net_ip *n, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, in->l4);
	struct net_nd_msg msg;
	uint8_t src[16];

	n->mib[NET_MIB_ICMP6_IN_MSGS]++;
	if (in->l4len < 4 || !net_ip6_l4_cksum_ok(ip, NET_PROTO_ICMPV6, ic, in->l4len)) {
		n->mib[NET_MIB_ICMP6_IN_ERRORS]++;
		goto drop;
	}
	switch (ic[0]) {
	case NET_ICMP6_ECHO_REQUEST:
		n->mib[NET_MIB_ICMP6_IN_ECHOS]++;
		/* To a group: answered from the port's own address. */
		memcpy(src, net_ip6_is_multicast(ip->dst_addr) ? n->ports[port].addr6 : ip->dst_addr, 16);
		if (net_icmp6_echo_reply(m, l3, in, src) != 0) {
			n->mib[NET_MIB_ICMP6_IN_ERRORS]++;
			goto drop;
		}
		n->mib[NET_MIB_ICMP6_OUT_ECHO_REPLIES]++;
		reply(n, port, m);
		return;
	case NET_ICMP6_ND_NS:
	case NET_ICMP6_ND_NA:
		if (net_nd_parse(ip, in, ic, &msg) != NET_ND_OK) {
			n->mib[NET_MIB_ICMP6_IN_ERRORS]++;
			goto drop;
		}
		net_ip_nd_rx(n, port, m, ip, &msg, false);
		return;
	case NET_ICMP6_DEST_UNREACH:
	case NET_ICMP6_PKT_TOO_BIG:
	case NET_ICMP6_TIME_EXCEEDED:
	case NET_ICMP6_PARAM_PROBLEM:
		/* Errors about our segments (RFC 4443 2.4): the owner judges the quote (lib/tcp). */
		n->mib[ic[0] == NET_ICMP6_DEST_UNREACH ? NET_MIB_ICMP6_IN_DEST_UNREACHS :
		       ic[0] == NET_ICMP6_PKT_TOO_BIG ? NET_MIB_ICMP6_IN_PKT_TOO_BIGS :
		       ic[0] == NET_ICMP6_TIME_EXCEEDED ? NET_MIB_ICMP6_IN_TIME_EXCDS : NET_MIB_ICMP6_IN_PARM_PROBLEMS]++;
		if (n->ops->icmp6_err && in->l4len >= 8)
			n->ops->icmp6_err(n->arg, port, m, in);
		goto drop;
	default:
		/* Echo replies, router messages: counted, dropped. */
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

void net_ip6_nd_rx_shared(struct net_ip *n, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv6_hdr *ip;
	struct net_ip6_info in;
	struct net_nd_msg msg;

	/* The worker that received it checked it: checked again, it passes. */
	if (!n->ports[port].v6 || net_ip6_check(m, l3, &in) != NET_IP6_OK || in.proto != NET_PROTO_ICMPV6)
		goto drop;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	if (net_nd_parse(ip, &in, rte_pktmbuf_mtod_offset(m, const uint8_t *, in.l4), &msg) != NET_ND_OK)
		goto drop;
	net_ip_nd_rx(n, port, m, ip, &msg, true);
	return;
drop:
	n->mib[NET_MIB_ICMP6_IN_ERRORS]++;      /* cannot happen: the worker that shared it checked it */
	rte_pktmbuf_free(m);
}

void net_ip6_rx(struct net_ip *n, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv6_hdr *ip;
	struct net_ip6_info in;
	enum net_ip6_verdict v;

	/* A port without IPv6 does not speak it: such frames count as before, with the non-IP ones. */
	if (!n->ports[port].v6) {
		n->mib[NET_MIB_NON_IP]++;
		goto drop;
	}
	n->mib[NET_MIB_IP6_IN_RECEIVES]++;
	v = net_ip6_check(m, l3, &in);
	switch (v) {
	case NET_IP6_OK:
		break;
	case NET_IP6_TRUNCATED:
		n->mib[NET_MIB_IP6_IN_TRUNCATED]++;
		goto drop;
	case NET_IP6_FRAGMENT:
		n->mib[NET_MIB_IP6_FRAG_DROPS]++;
		goto drop;
	case NET_IP6_TOO_MANY_EXT:
	case NET_IP6_BAD_OPTION:
		n->mib[NET_MIB_IP6_EXT_DROPS]++;
		goto drop;
	case NET_IP6_ROUTING_HDR:
		n->mib[NET_MIB_IP6_ROUTING_DROPS]++;
		/* fall through */
	case NET_IP6_PARAM_PROBLEM:   /* both answered with a Parameter Problem */
		n->mib[NET_MIB_IP6_IN_HDR_ERRORS]++;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
		if (for_port(n, port, ip->dst_addr))
			net_ip6_icmp_error(n, port, m, NULL, NET_ICMP6_PARAM_PROBLEM, in.pp_code, in.pp_ptr);
		goto drop;
	default:
		n->mib[NET_MIB_IP6_IN_HDR_ERRORS]++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	if (!for_port(n, port, ip->dst_addr)) {
		switch (n->ops->transit6 ? n->ops->transit6(n->arg, port, m, &in) : NET_TRANSIT_FORWARD) {
		case NET_TRANSIT_TAKEN:
			return;
		case NET_TRANSIT_NOT_OURS:
			n->mib[NET_MIB_IP6_IN_ADDR_ERRORS]++;
			goto drop;
		case NET_TRANSIT_FORWARD:
			break;
		}
		net_ip6_forward(n, port, m, &in);
		return;
	}
	switch (in.proto) {
	case NET_PROTO_ICMPV6:
		icmp6_rx(n, port, m, &in);
		return;
	case IPPROTO_TCP:
		if (n->ops->tcp6_rx == NULL || net_ip6_is_multicast(ip->dst_addr)) {
			n->mib[NET_MIB_IP6_IN_DISCARDS]++;
			goto drop;
		}
		n->ops->tcp6_rx(n->arg, port, m, &in);
		return;
	case NET_PROTO_NONE:
		n->mib[NET_MIB_IP6_IN_DISCARDS]++;   /* nothing follows the headers */
		goto drop;
	default:
		/* RFC 8200 4: an unrecognized Next Header, as Linux answers it. */
		n->mib[NET_MIB_IP6_IN_UNKNOWN_PROTOS]++;
		if (!net_ip6_is_multicast(ip->dst_addr))
			net_ip6_icmp_error(n, port, m, &in, NET_ICMP6_PARAM_PROBLEM, 1, in.nh_ptr);
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

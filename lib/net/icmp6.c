/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: ICMPv6 messages (RFC 4443) and Neighbour Discovery's NS and NA (RFC 4861). */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "net/ipv6.h"

/* ICMPv6's fixed part: type, code, checksum, and four bytes the type defines. */
struct icmp6_hdr {
	uint8_t type, code;
	rte_be16_t cksum;
	rte_be32_t data;
} __rte_packed;

/* NS and NA: the fixed part, the target, then options (RFC 4861 4.3, 4.4). */
struct nd_msg {
	struct icmp6_hdr h;               /* data: NA's flags in its first byte; reserved in an NS */
	uint8_t target[16];
} __rte_packed;

#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

static void ip6_fill(struct rte_ipv6_hdr *ip, const uint8_t src[16], const uint8_t dst[16], uint16_t plen,
		     uint8_t hops)
{
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = NET_PROTO_ICMPV6;
	ip->hop_limits = hops;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
}

static void icmp6_sum(const struct rte_ipv6_hdr *ip, struct icmp6_hdr *ic, uint32_t len)
{
	ic->cksum = 0;
	ic->cksum = net_ip6_l4_cksum(ip, NET_PROTO_ICMPV6, ic, len);
}

int net_icmp6_echo_reply(struct rte_mbuf *m, uint16_t l3, const struct net_ip6_info *in, const uint8_t src[16])
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3);
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, in->l4);
	uint16_t len = in->l4len;
	uint8_t peer[16];

	if (in->proto != NET_PROTO_ICMPV6 || len < sizeof(struct icmp6_hdr) || icmp[0] != NET_ICMP6_ECHO_REQUEST ||
	    icmp[1] != 0 || rte_pktmbuf_data_len(m) < in->l4 + len ||
	    !net_ip6_l4_cksum_ok(ip, NET_PROTO_ICMPV6, icmp, len))
		return -EINVAL;
	memcpy(peer, ip->src_addr, 16);
	/* The reply carries no extension header: the message moves up behind the IPv6 header. */
	if (in->l4 != l3 + NET_IP6_HLEN) {
		memmove((uint8_t *)ip + NET_IP6_HLEN, icmp, len);
		icmp = (uint8_t *)ip + NET_IP6_HLEN;
		rte_pktmbuf_trim(m, in->l4 - l3 - NET_IP6_HLEN);
	}
	ip6_fill(ip, src, peer, len, NET_IP6_HOP_LIMIT);
	icmp[0] = NET_ICMP6_ECHO_REPLY;
	icmp6_sum(ip, (struct icmp6_hdr *)(void *)icmp, len);
	return 0;
}

/* RFC 4443 2.4 e: whether an error about orig (orig_len bytes readable) may be sent. */
static bool error_allowed(const struct rte_ipv6_hdr *orig, uint32_t orig_len, const struct net_ip6_info *oin,
			  uint8_t type, uint8_t code)
{
	if (net_ip6_is_unspecified(orig->src_addr) || net_ip6_is_multicast(orig->src_addr))
		return false;
	if (net_ip6_is_multicast(orig->dst_addr) && type != NET_ICMP6_PKT_TOO_BIG &&
	    !(type == NET_ICMP6_PARAM_PROBLEM && code == 2))
		return false;
	/* Never about an ICMPv6 error (types below 128) or a redirect. One that could
	 * not be walked is judged by its first Next Header alone. */
	if (oin != NULL ? oin->proto == NET_PROTO_ICMPV6 : orig->proto == NET_PROTO_ICMPV6) {
		uint32_t at = oin != NULL ? oin->hlen : NET_IP6_HLEN;
		uint8_t t;

		if (orig_len <= at)
			return false;
		t = ((const uint8_t *)orig)[at];
		if (t < 128 || t == NET_ICMP6_ND_REDIRECT)
			return false;
	}
	return true;
}

int net_icmp6_error(struct rte_mbuf *m, const struct rte_ipv6_hdr *orig, uint32_t orig_len,
		    const struct net_ip6_info *oin, const uint8_t src[16], uint8_t type, uint8_t code,
		    uint32_t param)
{
	const uint32_t head = NET_IP6_HLEN + sizeof(struct icmp6_hdr);
	uint32_t quote = RTE_MIN(orig_len, NET_IP6_MIN_MTU - head);
	struct rte_ipv6_hdr *ip;
	struct icmp6_hdr *ic;

	if (orig_len < NET_IP6_HLEN || !error_allowed(orig, orig_len, oin, type, code))
		return -EINVAL;
	ip = (struct rte_ipv6_hdr *)(void *)rte_pktmbuf_append(m, (uint16_t)(head + quote));
	if (ip == NULL)
		return -ENOSPC;
	ic = (struct icmp6_hdr *)(ip + 1);
	ip6_fill(ip, src, orig->src_addr, (uint16_t)(sizeof(*ic) + quote), NET_IP6_HOP_LIMIT);
	ic->type = type;
	ic->code = code;
	ic->data = rte_cpu_to_be_32(type == NET_ICMP6_PKT_TOO_BIG || type == NET_ICMP6_PARAM_PROBLEM ? param : 0);
	memcpy(ic + 1, orig, quote);
	icmp6_sum(ip, ic, (uint32_t)sizeof(*ic) + quote);
	return 0;
}

/* The options after an NS or NA (len bytes at o): each of non-zero length, inside;
 * the link-layer address option of want kept. */
static enum net_nd_verdict nd_options(const uint8_t *o, uint32_t len, uint8_t want, struct net_nd_msg *out)
{
	for (uint32_t i = 0; i < len;) {
		uint32_t olen;

		if (len - i < 2 || o[i + 1] == 0)
			return NET_ND_BAD_OPTION;
		olen = o[i + 1] * 8u;
		if (olen > len - i)
			return NET_ND_BAD_OPTION;
		/* Ethernet's option is 8 bytes (RFC 2464 6); others are skipped (4861 4.6). */
		if (o[i] == want && olen == 8) {
			out->has_lla = true;
			memcpy(&out->lla, o + i + 2, RTE_ETHER_ADDR_LEN);
		}
		i += olen;
	}
	return NET_ND_OK;
}

enum net_nd_verdict net_nd_parse(const struct rte_ipv6_hdr *ip, const struct net_ip6_info *in,
				 const uint8_t *icmp, struct net_nd_msg *out)
{
	const struct nd_msg *nd = (const struct nd_msg *)(const void *)icmp;
	enum net_nd_verdict v;

	memset(out, 0, sizeof(*out));
	if (in->proto != NET_PROTO_ICMPV6 || in->l4len < 1 ||
	    (icmp[0] != NET_ICMP6_ND_NS && icmp[0] != NET_ICMP6_ND_NA))
		return NET_ND_NOT_ND;
	out->type = icmp[0];
	if (ip->hop_limits != NET_IP6_ND_HOP_LIMIT)
		return NET_ND_BAD_HOP_LIMIT;
	if (in->l4len < sizeof(*nd))
		return NET_ND_TRUNCATED;
	if (nd->h.code != 0)
		return NET_ND_BAD_CODE;
	if (!net_ip6_l4_cksum_ok(ip, NET_PROTO_ICMPV6, icmp, in->l4len))
		return NET_ND_BAD_CSUM;
	if (net_ip6_is_multicast(nd->target))
		return NET_ND_BAD_TARGET;
	memcpy(out->target, nd->target, 16);
	v = nd_options(icmp + sizeof(*nd), in->l4len - (uint32_t)sizeof(*nd),
		       out->type == NET_ICMP6_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, out);
	if (v != NET_ND_OK)
		return v;
	if (out->type == NET_ICMP6_ND_NS) {
		/* 7.1.1: Duplicate Address Detection's NS comes from :: to a solicited-node address, without SLLA. */
		if (net_ip6_is_unspecified(ip->src_addr) && (!net_ip6_is_solicited_node(ip->dst_addr) || out->has_lla))
			return NET_ND_BAD_DAD;
		return NET_ND_OK;
	}
	out->flags = (uint8_t)(rte_be_to_cpu_32(nd->h.data) >> 24) &
		     (NET_ND_NA_ROUTER | NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE);
	/* 7.1.2: an answer to a solicitation goes to the solicitor, not to a group. */
	if (net_ip6_is_multicast(ip->dst_addr) && (out->flags & NET_ND_NA_SOLICITED))
		return NET_ND_BAD_SOLICITED;
	return NET_ND_OK;
}

/* An NS or NA with its one link-layer address option (type opt, mac) into the empty m. */
static int nd_build(struct rte_mbuf *m, const struct rte_ether_addr *smac, const struct rte_ether_addr *dmac,
		    const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint32_t data,
		    const uint8_t target[16], uint8_t opt)
{
	const uint16_t len = (uint16_t)(sizeof(struct nd_msg) + 8);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	struct nd_msg *nd;
	uint8_t *o;

	eh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + NET_IP6_HLEN + len));
	if (eh == NULL)
		return -ENOSPC;
	eh->src_addr = *smac;
	eh->dst_addr = *dmac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip6_fill(ip, src, dst, len, NET_IP6_ND_HOP_LIMIT);
	nd = (struct nd_msg *)(ip + 1);
	nd->h.type = type;
	nd->h.code = 0;
	nd->h.data = rte_cpu_to_be_32(data);
	memcpy(nd->target, target, 16);
	o = (uint8_t *)(nd + 1);
	o[0] = opt;
	o[1] = 1;                         /* units of 8 bytes */
	memcpy(o + 2, smac, RTE_ETHER_ADDR_LEN);
	icmp6_sum(ip, &nd->h, len);
	return 0;
}

int net_nd_build_ns(struct rte_mbuf *m, const struct rte_ether_addr *smac, const uint8_t src[16],
		    const uint8_t target[16], const struct rte_ether_addr *dmac)
{
	struct rte_ether_addr group;
	uint8_t dst[16];

	if (dmac != NULL)
		return nd_build(m, smac, dmac, src, target, NET_ICMP6_ND_NS, 0, target, ND_OPT_SLLA);
	net_ip6_solicited_node(target, dst);
	net_ip6_mcast_mac(dst, &group);
	return nd_build(m, smac, &group, src, dst, NET_ICMP6_ND_NS, 0, target, ND_OPT_SLLA);
}

int net_nd_build_na(struct rte_mbuf *m, const struct rte_ether_addr *smac, const struct rte_ether_addr *dmac,
		    const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16], uint8_t flags)
{
	return nd_build(m, smac, dmac, src, dst, NET_ICMP6_ND_NA, (uint32_t)flags << 24, target, ND_OPT_TLLA);
}

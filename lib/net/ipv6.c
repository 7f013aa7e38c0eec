/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: the IPv6 header and its extension headers (RFC 8200), the upper-layer checksum. */
#include <string.h>

#include <rte_byteorder.h>

#include "net/ipv6.h"
#include "net/net.h"

void net_ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(out, pfx, sizeof(pfx));
	memcpy(out + 13, a + 13, 3);
}

bool net_ip6_is_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

void net_ip6_mcast_mac(const uint8_t a[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], a + 12, 4);
}

/*
 * The TLVs of a Hop-by-Hop or Destination Options header (RFC 8200 4.2), p[0..len)
 * with the two-byte header at p. Unknown options by their two high bits: skip,
 * discard, discard with a Parameter Problem code 2, the same unless the
 * destination is multicast. As Linux's ip6_parse_tlv: at most 7 bytes of padding
 * in a row, PadN's bytes zero, at most NET_IP6_MAX_OPTS other options.
 */
static enum net_ip6_verdict walk_tlvs(const uint8_t *p, uint32_t len, uint32_t at, bool dst_mcast,
				      struct net_ip6_info *in)
{
	uint32_t i = 2, pad = 0, n = 0;

	while (i < len) {
		uint8_t type = p[i], olen;

		if (type == 0) {            /* Pad1 */
			if (++pad > 7)
				return NET_IP6_BAD_OPTION;
			i++;
			continue;
		}
		if (i + 2 > len || i + 2u + p[i + 1] > len)
			return NET_IP6_BAD_OPTION;
		olen = p[i + 1];
		if (type == 1) {            /* PadN */
			pad += 2u + olen;
			if (pad > 7)
				return NET_IP6_BAD_OPTION;
			for (uint32_t k = 0; k < olen; k++)
				if (p[i + 2 + k] != 0)
					return NET_IP6_BAD_OPTION;
			i += 2u + olen;
			continue;
		}
		pad = 0;
		if (++n > NET_IP6_MAX_OPTS)
			return NET_IP6_BAD_OPTION;
		/* Router Alert (RFC 2711) asks routers to look: an end host skips it, as
		 * every option hagd does not know whose action is "skip". */
		switch (type >> 6) {
		case 0:
			break;
		case 1:
			return NET_IP6_BAD_OPTION;
		case 3:
			if (dst_mcast)
				return NET_IP6_BAD_OPTION;
			/* fall through */
		default:
			in->pp_code = 2;
			in->pp_ptr = at + i;
			return NET_IP6_PARAM_PROBLEM;
		}
		i += 2u + olen;
	}
	return NET_IP6_OK;
}

enum net_ip6_verdict net_ip6_check(struct rte_mbuf *m, uint16_t l3, struct net_ip6_info *in)
{
	uint32_t avail = rte_pktmbuf_pkt_len(m), dlen = rte_pktmbuf_data_len(m);
	const struct rte_ipv6_hdr *ip;
	const uint8_t *base;
	uint32_t plen, off, end;
	uint8_t next;
	bool dst_mcast;

	memset(in, 0, sizeof(*in));
	if (dlen < l3 + NET_IP6_HLEN)
		return NET_IP6_TRUNCATED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return NET_IP6_BAD_VERSION;
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (avail - l3 < NET_IP6_HLEN + plen)
		return NET_IP6_TRUNCATED;
	if (net_ip6_is_multicast(ip->src_addr))
		return NET_IP6_BAD_SRC;
	/* Ethernet pads short frames: the payload length is the truth. */
	if (avail - l3 > NET_IP6_HLEN + plen) {
		rte_pktmbuf_trim(m, avail - l3 - NET_IP6_HLEN - plen);
		dlen = rte_pktmbuf_data_len(m);
	}
	base = (const uint8_t *)ip;
	dst_mcast = net_ip6_is_multicast(ip->dst_addr);
	end = NET_IP6_HLEN + plen;            /* offsets below are from the IPv6 header */
	off = NET_IP6_HLEN;
	next = ip->proto;
	in->nh_ptr = 6;
	for (;;) {
		uint32_t hlen, room = RTE_MIN(end, dlen - l3) - off;
		const uint8_t *h = base + off;
		size_t elen;
		int nx;

		if (next != NET_PROTO_HOPOPTS && next != NET_PROTO_DSTOPTS && next != NET_PROTO_ROUTING &&
		    next != NET_PROTO_FRAGMENT && next != NET_PROTO_AH)
			break;
		if (next == NET_PROTO_HOPOPTS && in->n_ext > 0) {
			/* 4.3: Hop-by-Hop only right after the IPv6 header */
			in->pp_code = 1;
			in->pp_ptr = in->nh_ptr;
			return NET_IP6_PARAM_PROBLEM;
		}
		if (in->n_ext == NET_IP6_MAX_EXT)
			return NET_IP6_TOO_MANY_EXT;
		if (room < (next == NET_PROTO_FRAGMENT ? RTE_IPV6_FRAG_HDR_SIZE : 2u))
			return NET_IP6_TRUNCATED;
		nx = rte_ipv6_get_next_ext(h, next, &elen);
		hlen = (uint32_t)elen;
		if (nx < 0 || hlen > room)
			return NET_IP6_TRUNCATED;
		in->n_ext++;
		switch (next) {
		case NET_PROTO_HOPOPTS:
		case NET_PROTO_DSTOPTS: {
			enum net_ip6_verdict v = walk_tlvs(h, hlen, off, dst_mcast, in);

			if (v != NET_IP6_OK)
				return v;
			break;
		}
		case NET_PROTO_ROUTING:
			/* 4.4: segments left 0: ignore it; else hagd, a final destination that
			 * processes no routing type (RFC 5095 for type 0), refuses it at its type. */
			if (h[3] != 0) {
				in->routing_type = h[2];
				in->pp_code = 0;
				in->pp_ptr = off + 2;
				return NET_IP6_ROUTING_HDR;
			}
			break;
		case NET_PROTO_FRAGMENT: {
			uint16_t fd = rte_be_to_cpu_16(((const struct rte_ipv6_fragment_ext *)(const void *)h)->frag_data);

			/* RFC 6946: an atomic fragment (offset 0, no more) is the whole packet. */
			if ((fd >> RTE_IPV6_EHDR_FO_SHIFT) != 0 || (fd & RTE_IPV6_EHDR_MF_MASK) != 0)
				return NET_IP6_FRAGMENT;
			break;
		}
		default:                          /* AH: skipped, not verified */
			break;
		}
		in->nh_ptr = (uint16_t)off;       /* every extension header starts with its Next Header */
		next = (uint8_t)nx;
		off += hlen;
	}
	in->proto = next;
	in->l4 = (uint16_t)(l3 + off);
	in->hlen = (uint16_t)off;
	in->l4len = (uint16_t)(end - off);
	return NET_IP6_OK;
}

static uint32_t pseudo6(const struct rte_ipv6_hdr *ip, uint8_t proto, uint32_t l4len)
{
	uint32_t s = net_raw_cksum(ip->src_addr, 32);     /* source and destination, adjacent */
	rte_be32_t len = rte_cpu_to_be_32(l4len), nh = rte_cpu_to_be_32(proto);

	s += net_raw_cksum(&len, 4);
	s += net_raw_cksum(&nh, 4);
	return s;
}

static uint16_t fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t net_ip6_l4_cksum(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, uint32_t l4len)
{
	uint32_t s = pseudo6(ip, proto, l4len) + net_raw_cksum(l4, l4len);

	return (uint16_t)~fold(s);
}

bool net_ip6_l4_cksum_ok(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, uint32_t l4len)
{
	uint32_t s = pseudo6(ip, proto, l4len) + net_raw_cksum(l4, l4len);

	return fold(s) == 0xffff;
}

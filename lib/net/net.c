/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "net/net.h"

enum net_ip_verdict net_ipv4_check(struct rte_mbuf *m, uint16_t l3)
{
	uint32_t avail = rte_pktmbuf_pkt_len(m);
	const struct rte_ipv4_hdr *ip;
	uint16_t ihl, tot, frag;

	if (avail < l3 + sizeof(*ip) || rte_pktmbuf_data_len(m) < l3 + sizeof(*ip))
		return NET_IP_TRUNCATED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	if ((ip->version_ihl >> 4) != 4)
		return NET_IP_BAD_VERSION;
	ihl = (ip->version_ihl & 0xf) * 4;
	if (ihl < 20)
		return NET_IP_BAD_IHL;
	if (rte_pktmbuf_data_len(m) < l3 + ihl)
		return NET_IP_TRUNCATED;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl)
		return NET_IP_BAD_LEN;
	if (avail - l3 < tot)
		return NET_IP_TRUNCATED;
	/* A correct header sums to 0xffff; rte_ipv4_cksum returns its complement. */
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return NET_IP_BAD_CSUM;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if ((frag & RTE_IPV4_HDR_MF_FLAG) || (frag & RTE_IPV4_HDR_OFFSET_MASK))
		return NET_IP_FRAGMENT;
	/* Ethernet pads short frames: the IP length is the truth. */
	if (avail - l3 > tot)
		rte_pktmbuf_trim(m, avail - l3 - tot);
	return NET_IP_OK;
}

static uint32_t pseudo_sum(const struct rte_ipv4_hdr *ip, uint16_t l4len)
{
	uint32_t s = 0;
	const uint16_t *a = (const uint16_t *)&ip->src_addr;

	s += a[0] + a[1] + a[2] + a[3];
	s += rte_cpu_to_be_16((uint16_t)IPPROTO_TCP);
	s += rte_cpu_to_be_16(l4len);
	return s;
}

static uint16_t fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * The one's complement sum of buf, folded to 16 bits, native byte order (as
 * rte_raw_cksum). 32-bit words are added into 64-bit lanes (2^32 words
 * before one could overflow): SSE2 takes 32 bytes per step, about 80 TSC
 * cycles for a 1440-byte payload here where DPDK 22.11's __rte_raw_cksum adds
 * one 16-bit word at a time (several hundred). Folding is exact because
 * 2^16 = 1 modulo 2^16 - 1; an odd tail byte is the low byte of a word in
 * memory order, as in rte_raw_cksum.
 */
static uint64_t fold64(uint64_t a)
{
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffffffu) + (a >> 32);
	return a;
}

uint16_t net_raw_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = 0;
	uint32_t w;

#ifdef __SSE2__
	if (len >= 32) {
		__m128i a = _mm_setzero_si128(), b = _mm_setzero_si128(), z = _mm_setzero_si128();
		uint64_t s0, s1;

		for (; len >= 32; p += 32, len -= 32) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));

			a = _mm_add_epi64(a, _mm_unpacklo_epi32(x, z));
			b = _mm_add_epi64(b, _mm_unpackhi_epi32(x, z));
			a = _mm_add_epi64(a, _mm_unpacklo_epi32(y, z));
			b = _mm_add_epi64(b, _mm_unpackhi_epi32(y, z));
		}
		a = _mm_add_epi64(a, b);
		s0 = (uint64_t)_mm_cvtsi128_si64(a);
		s1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(a, a));
		s = fold64(s0) + fold64(s1);
	}
#endif
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t h = 0;

		memcpy(&h, p, 1);
		s += h;
	}
	return fold((uint32_t)fold64(s));
}

uint16_t net_tcp_cksum(const struct rte_ipv4_hdr *ip, const void *l4, uint16_t l4len)
{
	uint32_t s = pseudo_sum(ip, l4len);

	s += net_raw_cksum(l4, l4len);
	return (uint16_t)~fold(fold(s));
}

bool net_tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint16_t l4len)
{
	uint32_t s = pseudo_sum(ip, l4len);

	s += net_raw_cksum(l4, l4len);
	return fold(fold(s)) == 0xffff;
}

void net_arp_build(struct rte_mbuf *m, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		   const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	rte_pktmbuf_reset(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	ah = (struct rte_arp_hdr *)(eh + 1);
	rte_ether_addr_copy(sha, &eh->src_addr);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	else
		rte_ether_addr_copy(tha, &eh->dst_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	if (tha && op != RTE_ARP_OP_REQUEST)
		rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	else
		memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
}

int net_icmp_echo_reply(struct rte_mbuf *m, uint16_t l3)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	struct rte_icmp_hdr *ic;
	uint32_t tmp;

	if (tot < ihl + sizeof(*ic) || rte_pktmbuf_data_len(m) < l3 + tot)
		return -EINVAL;
	ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0)
		return -EINVAL;
	if (rte_raw_cksum(ic, tot - ihl) != 0xffff)
		return -EINVAL;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = ~rte_raw_cksum(ic, tot - ihl);
	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 0;
}

void net_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word of TTL and protocol. */
	uint16_t m_old = (uint16_t)(ip->time_to_live << 8 | ip->next_proto_id), m_new;
	uint32_t sum;

	ip->time_to_live--;
	m_new = (uint16_t)(ip->time_to_live << 8 | ip->next_proto_id);
	sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum) + (uint16_t)~m_old + m_new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/* RFC 1812 4.3.2.7: the source must name one host. */
static bool unique_host(uint32_t a)
{
	return a != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

int net_icmp_error(struct rte_mbuf *m, const struct rte_ipv4_hdr *orig, uint32_t orig_len, uint32_t src,
		   uint8_t type, uint8_t code, uint16_t mtu, uint16_t ip_id)
{
	uint32_t osrc = rte_be_to_cpu_32(orig->src_addr), odst = rte_be_to_cpu_32(orig->dst_addr);
	uint16_t ihl = (orig->version_ihl & 0xf) * 4, quote;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;

	if (orig_len < sizeof(*orig) || ihl < sizeof(*orig) || orig_len < ihl)
		return -EINVAL;
	if (!unique_host(osrc) || odst == 0xffffffffu || odst >= 0xe0000000u)
		return -EINVAL;
	if (orig->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return -EINVAL;           /* only about the first fragment */
	if (orig->next_proto_id == IPPROTO_ICMP) {
		const uint8_t *t = (const uint8_t *)orig + ihl;

		/* Never about an ICMP error (or what cannot be told apart from one). */
		if (orig_len < ihl + 1u || !(t[0] == 0 || t[0] == 8 || t[0] == 13 || t[0] == 14 || t[0] == 17 ||
					     t[0] == 18))
			return -EINVAL;
	}
	/* RFC 1812 4.3.2.3: as much of the packet as fits in 576 bytes. */
	quote = (uint16_t)RTE_MIN(orig_len, (uint32_t)RTE_MIN(rte_be_to_cpu_16(orig->total_length), 65535));
	quote = (uint16_t)RTE_MIN(quote, NET_ICMP_ERR_MAX - sizeof(*ip) - sizeof(*ic));
	if (quote < ihl)
		return -EINVAL;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + sizeof(*ic) + quote));
	if (ip == NULL)
		return -ENOSPC;
	ic = (struct rte_icmp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + quote));
	ip->packet_id = rte_cpu_to_be_16(ip_id);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = orig->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	/* The unused word; RFC 1191: the next-hop MTU in its low half for "fragmentation needed". */
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16(type == 3 && code == 4 ? mtu : 0);
	memcpy(ic + 1, orig, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: what a gateway needs below TCP: IPv4 header checks, ARP
 * messages and a small per-lcore ARP cache, ICMP echo. Pure helpers: no
 * port or queue handling (that is app/port.c).
 */
#ifndef HAG_NET_H
#define HAG_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net/neigh.h"

/* Why an IPv4 packet was refused by net_ipv4_check(). */
enum net_ip_verdict {
	NET_IP_OK = 0,
	NET_IP_TRUNCATED,     /* shorter than its header or total length */
	NET_IP_BAD_VERSION,
	NET_IP_BAD_IHL,
	NET_IP_BAD_LEN,       /* total length < IHL*4 */
	NET_IP_BAD_CSUM,
	NET_IP_FRAGMENT,      /* fragments are not reassembled: dropped, counted */
};

/*
 * Check the IPv4 header at offset l3 of m (RFC 791/1122): version, IHL,
 * total length against the frame, header checksum, fragments. Trims
 * Ethernet padding beyond the IP total length.
 */
enum net_ip_verdict net_ipv4_check(struct rte_mbuf *m, uint16_t l3);

/* One's complement sum of len bytes, folded to 16 bits, not complemented (= rte_raw_cksum). */
uint16_t net_raw_cksum(const void *buf, size_t len);
/* The one's complement checksum of the TCP segment (pseudo header from ip). */
uint16_t net_tcp_cksum(const struct rte_ipv4_hdr *ip, const void *l4, uint16_t l4len);

/* True when the TCP checksum of the segment following ip is right. */
bool net_tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint16_t l4len);

/* The ARP cache is a neighbour table (lib/net/neigh.h) keyed by IPv4 addresses. */
/*
 * Fill m with an ARP packet (Ethernet header included).
 * op is RTE_ARP_OP_REQUEST (tha zero, broadcast) or RTE_ARP_OP_REPLY.
 * Addresses in host order.
 */
void net_arp_build(struct rte_mbuf *m, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		   const struct rte_ether_addr *tha, uint32_t tip);

/*
 * Turn an ICMP echo request (IPv4 at l3) into its reply in place: swap
 * addresses, type 0, checksums fixed. Returns 0, or -EINVAL when it is not a
 * well-formed echo request (bad ICMP checksum included).
 */
int net_icmp_echo_reply(struct rte_mbuf *m, uint16_t l3);

/* Forwarding: TTL minus one, the header checksum updated (RFC 1624). */
void net_ipv4_ttl_dec(struct rte_ipv4_hdr *ip);

/* The largest ICMP error hagd sends (RFC 1812 4.3.2.3). */
#define NET_ICMP_ERR_MAX 576

/*
 * Append to the empty mbuf m an ICMP error about the packet orig (its IPv4
 * header; orig_len bytes of it are readable): IPv4 from src to orig's source,
 * type and code, the next-hop MTU when type 3 code 4 (RFC 1191), and as much
 * of orig as fits in NET_ICMP_ERR_MAX bytes. Returns 0; -EINVAL when RFC 1812
 * 4.3.2.7 forbids an error about it (an ICMP error, a non-initial fragment, a
 * source that is not one host, a broadcast or multicast destination);
 * -ENOSPC when m has no room.
 */
int net_icmp_error(struct rte_mbuf *m, const struct rte_ipv4_hdr *orig, uint32_t orig_len, uint32_t src,
		   uint8_t type, uint8_t code, uint16_t mtu, uint16_t ip_id);

/* Prefix helpers (host order). */
static inline uint32_t net_prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static inline bool net_in_prefix(uint32_t addr, uint32_t net, uint8_t len)
{
	return ((addr ^ net) & net_prefix_mask(len)) == 0;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: IPv6 as pure helpers on a frame, no tables: the header and its
 * extension headers checked (RFC 8200), the upper-layer checksum, ICMPv6
 * messages (RFC 4443) and Neighbour Discovery's (RFC 4861). The gateway
 * state that uses them (neighbour cache, routes) is lib/net/ip.h's.
 * Addresses are 16 bytes in network order, as in struct rte_ipv6_hdr.
 */
#ifndef HAG_NET_IPV6_H
#define HAG_NET_IPV6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net/net_params.h"

#define NET_IP6_HLEN 40u
#define NET_IP6_MIN_MTU 1280u         /* RFC 8200 5: every link carries this */
#define NET_IP6_MAX_EXT 8u            /* extension headers walked at most; a longer chain is dropped */
#define NET_IP6_MAX_OPTS 8u           /* options other than padding in one header (Linux's max_*_opts_number) */
#define NET_IP6_HOP_LIMIT 64u         /* of what hagd originates (Linux's default) */
#define NET_IP6_ND_HOP_LIMIT 255u     /* of every ND message, sent and accepted (RFC 4861 7.1) */

#define NET_PROTO_HOPOPTS 0
#define NET_PROTO_ROUTING 43
#define NET_PROTO_FRAGMENT 44
#define NET_PROTO_AH 51
#define NET_PROTO_ICMPV6 58
#define NET_PROTO_NONE 59
#define NET_PROTO_DSTOPTS 60

static inline bool net_ip6_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static inline bool net_ip6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* The solicited-node multicast address of a (RFC 4291 2.7.1): ff02::1:ffXX:XXXX. */
void net_ip6_solicited_node(const uint8_t a[16], uint8_t out[16]);
/* Whether a is a solicited-node multicast address. */
bool net_ip6_is_solicited_node(const uint8_t a[16]);
/* The Ethernet address of a multicast address (RFC 2464 7): 33:33 and its last 32 bits. */
void net_ip6_mcast_mac(const uint8_t a[16], struct rte_ether_addr *mac);

/* What net_ip6_check() found. */
enum net_ip6_verdict {
	NET_IP6_OK = 0,
	NET_IP6_TRUNCATED,        /* shorter than 40 bytes, its payload length, or a header in it */
	NET_IP6_BAD_VERSION,
	NET_IP6_BAD_SRC,          /* a multicast source (RFC 4291 2.7): dropped */
	NET_IP6_FRAGMENT,         /* a Fragment header (not atomic): not reassembled, dropped */
	NET_IP6_TOO_MANY_EXT,     /* more than NET_IP6_MAX_EXT extension headers: dropped */
	NET_IP6_BAD_OPTION,       /* an option to discard silently, malformed options, too much padding */
	NET_IP6_PARAM_PROBLEM,    /* discard with an ICMPv6 Parameter Problem (pp_code, pp_ptr) */
	NET_IP6_ROUTING_HDR,      /* a Routing header with segments left (type 0 included, RFC 5095):
				   * discard with a Parameter Problem at its type (pp_*) */
};

/* A walked packet. */
struct net_ip6_info {
	uint8_t proto;            /* the upper-layer protocol: the last Next Header */
	uint8_t n_ext;            /* extension headers walked */
	uint8_t routing_type;     /* NET_IP6_ROUTING_HDR: its type */
	uint8_t pp_code;          /* PARAM_PROBLEM / ROUTING_HDR: RFC 4443 3.4's code */
	uint16_t l4;              /* the upper-layer header's offset in the frame */
	uint16_t l4len;           /* its length, to the end of the payload */
	uint16_t hlen;            /* the IPv6 header and its extension headers: l4 - l3 */
	uint16_t nh_ptr;          /* offset (from the IPv6 header) of the Next Header field naming proto */
	uint32_t pp_ptr;          /* PARAM_PROBLEM / ROUTING_HDR: offset (from the IPv6 header) at fault */
};

/*
 * Check the IPv6 packet at offset l3 of m (RFC 8200): version, payload length
 * against the frame (Ethernet padding beyond it trimmed), a unicast or
 * unspecified source, then the extension headers in order, bounded: Hop-by-Hop
 * only first, its and Destination Options' TLVs by their action bits (4.2),
 * Routing headers with segments left refused (hagd is a final destination that
 * processes none, 4.4; RFC 5095 for type 0), atomic fragments processed as if
 * unfragmented (RFC 6946), other fragments refused (no reassembly), AH skipped.
 * Fills *in. The upper-layer protocol is not judged here: the caller drops what
 * it does not handle (a Parameter Problem code 1 at in->nh_ptr, as Linux).
 */
enum net_ip6_verdict net_ip6_check(struct rte_mbuf *m, uint16_t l3, struct net_ip6_info *in);

/* The upper-layer checksum over the RFC 8200 8.1 pseudo header (ip's addresses,
 * l4len, proto: the last Next Header, not ip->proto) and l4: the value to store. */
uint16_t net_ip6_l4_cksum(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, uint32_t l4len);
/* Whether the upper-layer checksum in l4 is right. */
bool net_ip6_l4_cksum_ok(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, uint32_t l4len);

/* ICMPv6 (RFC 4443). */
enum {
	NET_ICMP6_DEST_UNREACH = 1,
	NET_ICMP6_PKT_TOO_BIG = 2,
	NET_ICMP6_TIME_EXCEEDED = 3,
	NET_ICMP6_PARAM_PROBLEM = 4,
	NET_ICMP6_ECHO_REQUEST = 128,
	NET_ICMP6_ECHO_REPLY = 129,
	NET_ICMP6_ND_RS = 133,
	NET_ICMP6_ND_RA = 134,
	NET_ICMP6_ND_NS = 135,
	NET_ICMP6_ND_NA = 136,
	NET_ICMP6_ND_REDIRECT = 137,
};

/*
 * Turn the ICMPv6 echo request m (walked into *in; IPv6 at l3) into its reply
 * in place: from src (the address it was sent to, or one of ours when that was
 * multicast) to its source, hop limit NET_IP6_HOP_LIMIT, no extension headers,
 * type 129, checksum set. The Ethernet header is the caller's. Returns 0, or
 * -EINVAL when it is not a well-formed echo request (checksum included).
 */
int net_icmp6_echo_reply(struct rte_mbuf *m, uint16_t l3, const struct net_ip6_info *in, const uint8_t src[16]);

/*
 * Append to m (empty, or holding the Ethernet header the caller fills) an
 * ICMPv6 error about orig (orig_len bytes of it readable; walked into *oin, or
 * NULL when it could not be walked) from src: type, code, and param (the MTU
 * of a Packet Too Big, the pointer of a Parameter Problem), with as much of
 * orig as keeps the error within NET_IP6_MIN_MTU (RFC 4443 2.4 c). Returns 0;
 * -EINVAL when 2.4 e forbids it (orig is an ICMPv6 error or redirect; its source
 * is unspecified or multicast; its destination is multicast, except for a
 * Packet Too Big and a Parameter Problem code 2); -ENOSPC when m has no room.
 */
int net_icmp6_error(struct rte_mbuf *m, const struct rte_ipv6_hdr *orig, uint32_t orig_len,
		    const struct net_ip6_info *oin, const uint8_t src[16], uint8_t type, uint8_t code,
		    uint32_t param);

/* Neighbour Discovery (RFC 4861): Neighbour Solicitations and Advertisements. */
#define NET_ND_NA_ROUTER 0x80u
#define NET_ND_NA_SOLICITED 0x40u
#define NET_ND_NA_OVERRIDE 0x20u

enum net_nd_verdict {
	NET_ND_OK = 0,
	NET_ND_NOT_ND,            /* not an NS or NA */
	NET_ND_BAD_HOP_LIMIT,     /* not 255: it came through a router (7.1.1) */
	NET_ND_BAD_CODE,
	NET_ND_TRUNCATED,         /* shorter than 24 bytes */
	NET_ND_BAD_CSUM,
	NET_ND_BAD_TARGET,        /* a multicast target */
	NET_ND_BAD_OPTION,        /* an option of length 0 or past the end */
	NET_ND_BAD_DAD,           /* an NS from :: with a source link-layer option, or not to a solicited-node address */
	NET_ND_BAD_SOLICITED,     /* an NA to a multicast address with the Solicited flag */
};

/* An NS or NA as parsed. */
struct net_nd_msg {
	uint8_t type;             /* NET_ICMP6_ND_NS or _NA */
	uint8_t flags;            /* NA: NET_ND_NA_* */
	bool has_lla;             /* a source (NS) or target (NA) link-layer address option */
	uint8_t target[16];
	struct rte_ether_addr lla;
};

/* Validate the NS or NA of ip (walked into *in; ICMPv6 at icmp) as RFC 4861 7.1.1
 * and 7.1.2 ask, and parse it into *out. */
enum net_nd_verdict net_nd_parse(const struct rte_ipv6_hdr *ip, const struct net_ip6_info *in,
				 const uint8_t *icmp, struct net_nd_msg *out);

/* Fill the empty mbuf m with a Neighbour Solicitation (Ethernet header included) for
 * target from smac / src, with a source link-layer address option: to target's
 * solicited-node address, or with dmac to target itself (unicast, 7.3.3's probes).
 * 0 or -ENOSPC. */
int net_nd_build_ns(struct rte_mbuf *m, const struct rte_ether_addr *smac, const uint8_t src[16],
		    const uint8_t target[16], const struct rte_ether_addr *dmac);
/* Fill the empty mbuf m with a Neighbour Advertisement (Ethernet header included)
 * for target from smac / src to dmac / dst, flags NET_ND_NA_*, with a target
 * link-layer address option (smac). 0 or -ENOSPC. */
int net_nd_build_na(struct rte_mbuf *m, const struct rte_ether_addr *smac, const struct rte_ether_addr *dmac,
		    const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16], uint8_t flags);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net's gateway files between themselves (not for its users: lib/net/ip.h). */
#ifndef HAG_NET_IP_INTERNAL_H
#define HAG_NET_IP_INTERNAL_H

#include "net/ip.h"

/* arp.c: m (IPv4 at its start) out of port to the next hop nh: Ethernet added, ARP resolved. */
int net_ip_output_via(struct net_ip *n, struct rte_mbuf *m, int port, uint32_t nh);

/* ip6_input.c: a received IPv6 frame (Ethernet header at its start) from port. */
void net_ip6_rx(struct net_ip *n, int port, struct rte_mbuf *m);
/* ndisc.c: a validated NS or NA (ip its packet) received on port; m is freed. shared: a
 * copy another worker received, answered and counted: only learnt from here. */
void net_ip_nd_rx(struct net_ip *n, int port, struct rte_mbuf *m, const struct rte_ipv6_hdr *ip,
		  const struct net_nd_msg *msg, bool shared);
/* ndisc.c: m (IPv6 at its start) out of port to the next hop nh: Ethernet added, ND resolved. */
int net_ip_output6_via(struct net_ip *n, struct rte_mbuf *m, int port, const uint8_t nh[16]);
/* ip6_forward.c: an ICMPv6 error about the received m (Ethernet header in place; walked
 * into *in, or NULL when the walk stopped), from in_port's address, under the ICMP token
 * bucket: routed to the sender, or, when no route leads there (a link-local sender),
 * back to the frame's source on in_port. */
void net_ip6_icmp_error(struct net_ip *n, int in_port, struct rte_mbuf *m, const struct net_ip6_info *in,
			uint8_t type, uint8_t code, uint32_t param);
/* ff02::1 */
extern const uint8_t net_ip6_all_nodes[16];

/* ip_forward.c: an ICMP error about the received packet ip (len bytes readable), from the
 * address of in_port, under the token bucket. */
void net_ip_icmp_error(struct net_ip *n, int in_port, const struct rte_ipv4_hdr *ip, uint32_t len,
		       uint8_t type, uint8_t code, uint16_t mtu);

/* Whether the ICMP error token bucket (IPv4 and IPv6 errors together) lets one more
 * error go; false counts IcmpRateLimited. The caller takes the token (icmp_tokens--) when it sends. */
bool net_ip_icmp_token(struct net_ip *n);

/* ICMP errors sent at most, per second and worker, and the burst (Linux: 1000/s). */
#define NET_ICMP_ERR_RATE 1000u
#define NET_ICMP_ERR_BURST 100u
/* An unanswered ARP request is sent again after this long, when a packet waits. */
#define NET_ARP_RETRY_US 1000000u

static inline uint64_t net_ip_now(const struct net_ip *n)
{
	return *n->now_us;
}

#endif

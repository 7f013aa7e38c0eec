/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's gateway layer: what one worker does below TCP with a received
 * frame and with what it sends. Ethernet demux, ARP (RFC 826: answering,
 * learning, resolving next hops with a few packets held), IPv4 input checks,
 * ICMP (echo, destination unreachable handed up, errors sent under a token
 * bucket as RFC 1812 4.3.2.8 asks), routing (connected prefixes and static
 * routes, longest prefix) and RFC 1812 forwarding of what is not ours.
 * IPv6 (ip6_input.c, issue 17 so far): on a port given an address, packets
 * checked and walked (RFC 8200), ICMPv6 echo and Parameter Problems, NS
 * answered and the neighbour cache taught by NS and NA (RFC 4861).
 *
 * One struct net_ip per worker, no locks. Its owner (app/dispatch.c)
 * describes the ports, routes and local addresses once, and is called back
 * (struct net_ip_ops) for what lib/net does not decide: frames out, TCP
 * segments for our addresses, ICMP errors about our segments, packets for
 * other hosts (transparent interception), and ARP mappings learnt (so that
 * other workers learn them too). Linux splits the same work over
 * net/ipv4/{arp,route,ip_input,ip_forward,icmp}.c; lib/net over arp.c,
 * route.c, ip_input.c and ip_forward.c.
 */
#ifndef HAG_NET_IP_H
#define HAG_NET_IP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "net/ipv6.h"
#include "net/nd.h"
#include "net/net.h"

#define NET_MAX_PORTS 8
#define NET_MAX_ROUTES 32
#define NET_MAX_LOCAL 16          /* local addresses besides the ports' own */

/* Counters of the IP layer and below (kernel Ip/Icmp names where they fit). */
enum net_mib {
	NET_MIB_IN_RECEIVES,      /* InReceives: IPv4 packets received */
	NET_MIB_IN_HDR_ERRORS,    /* InHdrErrors: bad version, IHL, length or checksum */
	NET_MIB_IN_TRUNCATED,     /* InTruncatedPkts */
	NET_MIB_IN_ADDR_ERRORS,   /* InAddrErrors: not for one of our addresses */
	NET_MIB_IN_UNKNOWN_PROTOS,/* InUnknownProtos */
	NET_MIB_FRAG_DROPS,       /* hagd: fragments dropped (no reassembly) */
	NET_MIB_NO_ROUTE,         /* OutNoRoutes */
	NET_MIB_ARP_IN,           /* hagd: ARP packets received */
	NET_MIB_ARP_OUT,          /* hagd: ARP packets sent */
	NET_MIB_ARP_PENDING_DROPS,/* hagd: packets dropped waiting for ARP */
	NET_MIB_ARP_EVICTIONS,    /* hagd: ARP entries evicted to make room for a new next hop */
	NET_MIB_ICMP_ECHO_IN,     /* IcmpInEchos */
	NET_MIB_ICMP_ECHO_OUT,    /* IcmpOutEchoReps */
	NET_MIB_ICMP_IN_ERRORS,   /* IcmpInErrors: bad checksum or not an echo request */
	NET_MIB_ICMP_DEST_UNREACH,/* IcmpInDestUnreachs: handed to the owner (lib/tcp) */
	NET_MIB_NON_IP,           /* hagd: frames neither IPv4 nor ARP */
	NET_MIB_INTERCEPTED,      /* hagd: TCP segments to other hosts the owner took (transparent mode) */
	NET_MIB_INTERCEPT_BYPASS, /* hagd: ... the owner routed on instead (transparent.mptcp_only) */
	NET_MIB_FORW_DATAGRAMS,   /* ForwDatagrams: packets routed through */
	NET_MIB_FORW_DROPPED,     /* hagd: transit packets dropped: forwarding off */
	NET_MIB_IN_NO_ROUTES,     /* InNoRoutes: transit packets without a route (ICMP net unreachable) */
	NET_MIB_TTL_EXCEEDED,     /* hagd: transit packets with TTL <= 1 (ICMP time exceeded) */
	NET_MIB_FRAG_NEEDED,      /* hagd: transit packets too big with DF (ICMP fragmentation needed) */
	NET_MIB_FRAG_FAILS,       /* FragFails: transit packets too big without DF (no fragmenting) */
	NET_MIB_ICMP_OUT_ERRORS,  /* hagd: ICMP errors sent (time exceeded, unreachable) */
	NET_MIB_ICMP_RATE_LIMITED,/* hagd: ICMP errors not sent: over the rate limit */
	/* IPv6 (Linux's Ip6 and Icmp6 names where they fit) */
	NET_MIB_IP6_IN_RECEIVES,  /* Ip6InReceives: IPv6 packets received */
	NET_MIB_IP6_IN_HDR_ERRORS,/* Ip6InHdrErrors: bad version, multicast source, a header at fault (Parameter Problem) */
	NET_MIB_IP6_IN_TRUNCATED, /* Ip6InTruncatedPkts: shorter than its headers or payload length */
	NET_MIB_IP6_IN_ADDR_ERRORS,/* Ip6InAddrErrors: not for one of our addresses */
	NET_MIB_IP6_IN_UNKNOWN_PROTOS,/* Ip6InUnknownProtos: an upper layer hagd does not take (Parameter Problem) */
	NET_MIB_IP6_IN_DISCARDS,  /* Ip6InDiscards: TCP over IPv6 to a group or with no owner for it, No Next Header */
	NET_MIB_IP6_FRAG_DROPS,   /* hagd: fragments dropped (no reassembly) */
	NET_MIB_IP6_EXT_DROPS,    /* hagd: too many extension headers, options to discard or malformed */
	NET_MIB_IP6_ROUTING_DROPS,/* hagd: Routing headers with segments left (type 0 included) */
	NET_MIB_ICMP6_IN_MSGS,    /* Icmp6InMsgs: ICMPv6 messages to our addresses */
	NET_MIB_ICMP6_IN_ERRORS,  /* Icmp6InErrors: bad checksum, malformed or invalid ND */
	NET_MIB_ICMP6_OUT_MSGS,   /* Icmp6OutMsgs */
	NET_MIB_ICMP6_IN_ECHOS,   /* Icmp6InEchos */
	NET_MIB_ICMP6_OUT_ECHO_REPLIES,/* Icmp6OutEchoReplies */
	NET_MIB_ICMP6_IN_NS,      /* Icmp6InNeighborSolicits */
	NET_MIB_ICMP6_IN_NA,      /* Icmp6InNeighborAdvertisements */
	NET_MIB_ICMP6_OUT_NA,     /* Icmp6OutNeighborAdvertisements */
	NET_MIB_ICMP6_OUT_PARM_PROBLEMS,/* Icmp6OutParmProblems */
	NET_MIB_ND_NOT_OURS,      /* hagd: valid NS for a target that is none of the port's addresses */
	NET_MIB_IP6_OUT_NO_ROUTES,/* Ip6OutNoRoutes: IPv6 packets hagd would send with no prefix or route for them */
	NET_MIB_ICMP6_OUT_NS,     /* Icmp6OutNeighborSolicits */
	NET_MIB_ND_PENDING_DROPS, /* hagd: packets dropped waiting for ND (a fifth, an eviction, no answer) */
	NET_MIB_ND_EVICTIONS,     /* hagd: neighbour cache entries evicted for a new next hop */
	NET_MIB_ND_FAILED,        /* hagd: next hops that did not answer (INCOMPLETE or PROBE given up) */
	NET_MIB_IP6_FORW_DATAGRAMS,/* Ip6OutForwDatagrams: IPv6 packets routed through */
	NET_MIB_IP6_FORW_DROPPED, /* hagd: IPv6 transit packets dropped: forwarding off */
	NET_MIB_IP6_IN_NO_ROUTES, /* Ip6InNoRoutes: transit packets without a route (destination unreachable) */
	NET_MIB_IP6_HOP_LIMIT_EXCEEDED,/* hagd: transit packets with hop limit <= 1 (time exceeded) */
	NET_MIB_IP6_IN_TOO_BIG,   /* Ip6InTooBigErrors: transit packets over the outgoing MTU (Packet Too Big) */
	NET_MIB_ICMP6_OUT_ERRORS, /* hagd: ICMPv6 errors sent about packets hagd routes */
	NET_MIB_ICMP6_IN_DEST_UNREACHS,/* Icmp6InDestUnreachs: handed to the owner (lib/tcp), as the three below */
	NET_MIB_ICMP6_IN_PKT_TOO_BIGS,/* Icmp6InPktTooBigs */
	NET_MIB_ICMP6_IN_TIME_EXCDS,/* Icmp6InTimeExcds */
	NET_MIB_ICMP6_IN_PARM_PROBLEMS,/* Icmp6InParmProblems */
	NET_MIB_IP6_ADDR_UNREACH, /* hagd: routed packets held for a next hop that never answered (RFC 4861 7.2.2: ICMPv6 address unreachable) */
	NET_MIB_MAX
};

/* Their names in `hagctl stats` ("ip"). */
extern const char *const net_mib_names[NET_MIB_MAX];

/* What the owner of a packet for another host decided. */
enum net_transit {
	NET_TRANSIT_TAKEN,        /* the owner has it (counted there) */
	NET_TRANSIT_FORWARD,      /* route it on (net_ip_forward) */
	NET_TRANSIT_NOT_OURS,     /* drop it: InAddrErrors */
};

/* A frame (Ethernet header in place) out of port; m is handed over. The owner's
 * own function is called directly, with no trampoline between (one indirect call
 * per frame out). */
typedef void net_tx_fn(void *arg, int port, struct rte_mbuf *m);

/* The owner's part; arg is net_ip.arg. Every call that passes m hands it over. */
struct net_ip_ops {
	/* A TCP segment to one of our addresses, its IPv4 header checked (Ethernet header in place). */
	void (*tcp_rx)(void *arg, int port, struct rte_mbuf *m);
	/* An ICMP destination unreachable to one of our addresses, checked; m (Ethernet
	 * header in place) is only lent: lib/net frees it on return. */
	void (*icmp_unreach)(void *arg, int port, const struct rte_mbuf *m);
	/* A packet (IPv4 checked) to an address that is not ours; NULL: NET_TRANSIT_NOT_OURS. */
	enum net_transit (*transit)(void *arg, int port, struct rte_mbuf *m);
	/* The same for an IPv6 packet (walked into *in, lent for the call); NULL: forwarded. */
	enum net_transit (*transit6)(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in);
	/* A TCP segment over IPv6 to one of our addresses, walked into *in (Ethernet header in
	 * place); NULL: dropped and counted (Ip6InDiscards). */
	void (*tcp6_rx)(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in);
	/* An ICMPv6 error (destination unreachable, packet too big, time exceeded, parameter
	 * problem) to one of our addresses, its checksum right; m (Ethernet header in place)
	 * and in are lent for the call. May be NULL. */
	void (*icmp6_err)(void *arg, int port, const struct rte_mbuf *m, const struct net_ip6_info *in);
	/* An NS or NA taught (or may teach: an NA for another worker's next hop) a neighbour
	 * mapping (m lent); may be NULL. Several workers: the owner hands it to the others
	 * (net_ip6_nd_rx_shared), each resolving its own next hops as with ARP. */
	void (*nd_learned)(void *arg, int port, const struct rte_mbuf *m);
	/* An ARP packet taught a mapping (m lent, before it is turned into the reply); may be NULL. */
	void (*arp_learned)(void *arg, int port, const struct rte_mbuf *m);
};

struct net_ip_port {
	struct rte_ether_addr mac;
	uint32_t addr;                /* host order */
	uint8_t prefixlen;
	uint16_t mtu;
	bool v6;                      /* IPv6 on (net_ip_add_port6) */
	uint8_t prefixlen6;
	uint8_t addr6[16];            /* its global IPv6 address */
	uint8_t ll6[16];              /* its link-local address: fe80::/64 and the EUI-64 of mac */
};

struct net_ip_route {
	uint32_t prefix, via;         /* host order */
	uint8_t prefixlen;
	uint8_t port;
};

struct net_ip_route6 {
	uint8_t prefix[16], via[16];  /* network order */
	uint8_t prefixlen;
	uint8_t port;
};

struct net_ip_local {
	uint32_t addr;                /* host order */
	bool arp;                     /* answered in ARP on a port whose prefix holds it */
};

/* One worker's gateway state. */
struct net_ip {
	const struct net_ip_ops *ops;
	net_tx_fn *tx;                /* frames out */
	void *arg;
	struct rte_mempool *pool;     /* ARP requests and ICMP errors */
	const uint64_t *now_us;       /* the owner's clock */
	bool forward;                 /* route packets for other hosts (else NET_MIB_FORW_DROPPED) */
	uint8_t n_ports, n_routes, n_local;
	struct net_ip_port ports[NET_MAX_PORTS];
	struct net_ip_route routes[NET_MAX_ROUTES];
	uint8_t n_routes6;
	struct net_ip_route6 routes6[NET_MAX_ROUTES];
	struct net_ip_local local[NET_MAX_LOCAL];
	uint8_t n_local6;
	uint8_t local6[NET_MAX_LOCAL][16];   /* IPv6 addresses besides the ports' (SNAT, service addresses) */
	uint16_t local6_nd;           /* bit i: local6[i] is on a port's link (ND answered there) */
	struct net_neigh_table arp;
	struct net_neigh_table nd;    /* IPv6 neighbours (RFC 4861) */
	uint64_t mib[NET_MIB_MAX];
	/* ICMP errors sent: a token bucket. */
	uint32_t icmp_tokens;
	uint64_t icmp_refill_us;
	uint16_t icmp_ip_id;
	uint64_t nd_due_us;           /* the earliest ND timer (0: none): net_ip_tick6 sweeps then */
};

/* route.c: the tables. */
/* An empty net_ip: no ports, routes or local addresses; forwarding off. */
void net_ip_init(struct net_ip *n, const struct net_ip_ops *ops, net_tx_fn *tx, void *arg,
		 struct rte_mempool *pool, const uint64_t *now_us);
/* Add the next port (its index is the owner's port number), a route, a local address; -ENOSPC when full. */
int net_ip_add_port(struct net_ip *n, const struct rte_ether_addr *mac, uint32_t addr, uint8_t prefixlen,
		    uint16_t mtu);
int net_ip_add_route(struct net_ip *n, uint32_t prefix, uint8_t prefixlen, uint8_t port, uint32_t via);
int net_ip_add_local(struct net_ip *n, uint32_t addr, bool arp);
/* An IPv6 address of hagd besides the ports' own. nd (transparent mode's SNAT): on the
 * link of the port whose prefix holds it, which answers ND for it (-EINVAL when in no
 * port's IPv6 prefix); else (a service address the operator routes to hagd) no ND.
 * -ENOSPC when full. */
int net_ip_add_local6(struct net_ip *n, const uint8_t addr[16], bool nd);
/* Whether a is one of hagd's global IPv6 addresses (any port's, or a local one): packets
 * to it are hagd's on whichever port they arrive (the weak host model, as IPv4 here and
 * Linux for both; link-local addresses stay per port). */
bool net_ip6_is_local(const struct net_ip *n, const uint8_t a[16]);
/* The port that routes to dst (connected prefixes, then routes; longest prefix), its next hop in *nh; -1: none. */
int net_ip_route(const struct net_ip *n, uint32_t dst, uint32_t *nh);
/* One of our addresses: a port's or a local one. */
bool net_ip_is_local(const struct net_ip *n, uint32_t addr);
/* The address of the port that routes to dst; 0 when there is no route. */
uint32_t net_ip_src_for(const struct net_ip *n, uint32_t dst);
/* An IPv4 packet (at m's start) to dst: routed, Ethernet added, the next hop resolved. 0 or -errno (m freed). */
int net_ip_output(struct net_ip *n, struct rte_mbuf *m, uint32_t dst);

/* IPv6 on port: its global address addr/prefixlen, and the link-local address of its MAC
 * (RFC 4291 2.5.1, modified EUI-64). -EINVAL for a multicast, unspecified or link-local addr. */
int net_ip_add_port6(struct net_ip *n, int port, const uint8_t addr[16], uint8_t prefixlen);
/* One of port's IPv6 addresses (global or link-local). */
bool net_ip6_is_port_addr(const struct net_ip *n, int port, const uint8_t a[16]);

/* An IPv6 route: prefix/len via the neighbour via (on port's prefix, or link-local) out of
 * port. -ENOSPC when full, -EINVAL for a port without IPv6. */
int net_ip_add_route6(struct net_ip *n, const uint8_t prefix[16], uint8_t prefixlen, uint8_t port,
		      const uint8_t via[16]);

/* ndisc.c */
/* The port that routes dst (connected prefixes, then IPv6 routes; longest prefix), the next
 * hop in nh (dst itself on a connected prefix, the route's via otherwise); -1: none. */
int net_ip6_route(const struct net_ip *n, const uint8_t dst[16], uint8_t nh[16]);
/* The source of what hagd sends to dst over IPv6: the global address of the port
 * that routes it; false: no route. */
bool net_ip_src_for6(const struct net_ip *n, const uint8_t dst[16], uint8_t src[16]);
/* An IPv6 packet (at m's start) to dst: routed, Ethernet added, the next hop resolved with
 * ND (a few packets held while it is). 0 or -errno (m freed). */
int net_ip_output6(struct net_ip *n, struct rte_mbuf *m, const uint8_t dst[16]);
/* ND's timers (solicitations again, reachability, given up): the owner calls it every poll;
 * it costs a compare until one is due. */
void net_ip_tick6(struct net_ip *n);
/* Unsolicited Neighbour Advertisements of every port's IPv6 addresses to all nodes (RFC 4861
 * 7.2.6, Override set): at start, so neighbours that knew another MAC learn hagd's. */
void net_ip_announce6(struct net_ip *n);

/* ip_input.c */
/* A received frame (Ethernet header at its start) from port. */
void net_ip_rx(struct net_ip *n, int port, struct rte_mbuf *m);

/* An NS or NA another worker received, checked, answered and counted: only learnt from here; m freed. */
void net_ip6_nd_rx_shared(struct net_ip *n, int port, struct rte_mbuf *m);

/* arp.c */
/* An ARP frame from port; shared: a copy another worker received, answered and counted (only learnt here). */
void net_ip_arp_rx(struct net_ip *n, int port, struct rte_mbuf *m, bool shared);
/* Whether port answers ARP for tip: its own address, or a local one (arp) in its prefix. */
bool net_ip_arp_target(const struct net_ip *n, int port, uint32_t tip);
/* Free the packets held for unresolved next hops (at the end). */
void net_ip_arp_flush(struct net_ip *n);

/* ip_forward.c */
/* A packet for another host (Ethernet frame, IPv4 checked) routed on as RFC 1812 says, or dropped. */
void net_ip_forward(struct net_ip *n, int in_port, struct rte_mbuf *m);
/* ip6_forward.c: an IPv6 packet (walked into *in, Ethernet header in place) for another
 * host, routed on as RFC 8200 says (hop limit, Packet Too Big), or dropped. */
void net_ip6_forward(struct net_ip *n, int in_port, struct rte_mbuf *m, const struct net_ip6_info *in);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's gateway layer (lib/net/ip.h) on its own, with callbacks that
 * record what it hands its owner: which addresses ARP answers for (RFC 826),
 * the route lookup (connected prefixes, then routes, longest prefix), what
 * happens to a packet for another host by the owner's verdict, TCP to our
 * addresses handed up, next hops resolved with the packet held until the
 * reply. The whole worker (app/dispatch.c over it) is test_dispatch.c's.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>

#include "net/ip.h"
#include "seghelp.h"

#define DSL 0
#define UP 1
#define DSL_ADDR 0x0a0a0101u     /* 10.10.1.1/24 */
#define UP_ADDR 0x0a140001u      /* 10.20.0.1/24 */
#define SERVICE 0x0a0a0001u      /* 10.10.0.1: routed to us, not answered in ARP */
#define SNAT 0x0a140009u         /* 10.20.0.9: in up's prefix, answered in ARP */
#define SERVER 0x0a140002u       /* 10.20.0.2 */

static struct net_ip n;
static uint64_t now_us = 5000000;

/* What the owner was handed. */
static struct {
	unsigned tx, tcp, unreach, learned;
	enum net_transit verdict;
	unsigned transit;
	struct rte_mbuf *sent[16];
	int sent_port[16];
} ev;

static void on_tx(void *arg, int port, struct rte_mbuf *m)
{
	(void)arg;
	cr_assert_lt(ev.tx, 16u);
	ev.sent_port[ev.tx] = port;
	ev.sent[ev.tx++] = m;
}

static void on_tcp(void *arg, int port, struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	ev.tcp++;
	rte_pktmbuf_free(m);
}

static void on_unreach(void *arg, int port, const struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	(void)m;
	ev.unreach++;
}

static enum net_transit on_transit(void *arg, int port, struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	ev.transit++;
	if (ev.verdict == NET_TRANSIT_TAKEN)
		rte_pktmbuf_free(m);
	return ev.verdict;
}

static void on_learned(void *arg, int port, const struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	(void)m;
	ev.learned++;
}

static const struct net_ip_ops ops = {
	.tcp_rx = on_tcp, .icmp_unreach = on_unreach, .transit = on_transit,
	.arp_learned = on_learned,
};

static void sent_clear(void)
{
	for (unsigned i = 0; i < ev.tx; i++)
		rte_pktmbuf_free(ev.sent[i]);
	memset(&ev, 0, sizeof(ev));
}

static void setup(void)
{
	struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x10}};

	ut_eal_init();
	memset(&ev, 0, sizeof(ev));
	net_ip_init(&n, &ops, on_tx, NULL, ut_pool, &now_us);
	cr_assert_eq(net_ip_add_port(&n, &mac, DSL_ADDR, 24, 1500), 0);
	mac.addr_bytes[5] = 0x11;
	cr_assert_eq(net_ip_add_port(&n, &mac, UP_ADDR, 24, 1500), 0);
	cr_assert_eq(net_ip_add_route(&n, 0, 0, UP, 0x0a1400feu), 0);               /* default via 10.20.0.254 */
	cr_assert_eq(net_ip_add_route(&n, 0x0a630000u, 16, DSL, 0x0a0a01feu), 0);   /* 10.99/16 via 10.10.1.254 */
	cr_assert_eq(net_ip_add_local(&n, SERVICE, false), 0);
	cr_assert_eq(net_ip_add_local(&n, SNAT, true), 0);
}

static void teardown(void)
{
	sent_clear();
	net_ip_arp_flush(&n);
	ut_assert_no_leak();
}

TestSuite(net_ip, .init = setup, .fini = teardown);

/* An IPv4 packet (20-byte header, 20 bytes of payload) in an Ethernet frame. */
static struct rte_mbuf *ip_frame(uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;

	cr_assert_not_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ip) + 20);
	cr_assert_not_null(eh);
	memset(eh, 0, sizeof(*eh) + sizeof(*ip) + 20);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 20);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_mbuf *arp_frame(uint16_t op, uint32_t sip, uint8_t mac_last, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, mac_last}}, ours = {{0x02, 0, 0, 0, 0, 0x11}};

	cr_assert_not_null(m);
	net_arp_build(m, op, &mac, sip, op == RTE_ARP_OP_REPLY ? &ours : NULL, tip);
	return m;
}

Test(net_ip, arp_answers_for_the_port_and_its_snat_addresses,
     .description = "ARP is answered for a port's own address and a local address flagged arp in that port's prefix; not on another port, not for a service address or a neighbour's")
{
	cr_expect(net_ip_arp_target(&n, UP, UP_ADDR));
	cr_expect(net_ip_arp_target(&n, UP, SNAT), "a SNAT address in the port's prefix");
	cr_expect_not(net_ip_arp_target(&n, DSL, SNAT), "not on another port");
	cr_expect_not(net_ip_arp_target(&n, DSL, SERVICE), "a service address is routed to us, not answered");
	cr_expect_not(net_ip_arp_target(&n, UP, SERVER), "not a neighbour's");

	net_ip_rx(&n, UP, arp_frame(RTE_ARP_OP_REQUEST, SERVER, 0x22, SNAT));
	cr_assert_eq(ev.tx, 1u, "the request for the SNAT address is answered");
	cr_expect_eq(ev.sent_port[0], UP);
	cr_expect_eq(ev.learned, 1u, "the owner hears of the mapping (the other workers learn it)");
	cr_expect_eq(n.mib[NET_MIB_ARP_IN], 1u);
	cr_expect_eq(n.mib[NET_MIB_ARP_OUT], 1u);
	cr_expect_not_null(net_arp_lookup(&n.arp, SERVER));
	sent_clear();
	net_ip_rx(&n, DSL, arp_frame(RTE_ARP_OP_REQUEST, 0x0a0a0102u, 0x23, SERVICE));
	cr_expect_eq(ev.tx, 0u, "no answer for a service address");
	cr_expect_eq(ev.learned, 0u, "nor learning from a request that is not for us");
}

Test(net_ip, route_lookup_is_longest_prefix,
     .description = "connected prefixes first, then routes, the longest prefix wins; the next hop is the destination on a connected prefix, the route's via otherwise")
{
	uint32_t nh = 0;

	cr_expect_eq(net_ip_route(&n, SERVER, &nh), UP);
	cr_expect_eq(nh, SERVER, "connected: the destination itself");
	cr_expect_eq(net_ip_route(&n, 0x0a630005u, &nh), DSL, "10.99/16 beats the default route");
	cr_expect_eq(nh, 0x0a0a01feu);
	cr_expect_eq(net_ip_route(&n, 0x08080808u, &nh), UP, "the default route");
	cr_expect_eq(nh, 0x0a1400feu);
	cr_expect_eq(net_ip_src_for(&n, 0x0a630005u), DSL_ADDR);
	cr_expect(net_ip_is_local(&n, SERVICE));
	cr_expect(net_ip_is_local(&n, SNAT));
	cr_expect(net_ip_is_local(&n, DSL_ADDR));
	cr_expect_not(net_ip_is_local(&n, SERVER));
}

Test(net_ip, local_tcp_is_handed_up_and_unknown_protocols_counted,
     .description = "TCP to a local address goes to the owner's tcp_rx; another protocol is InUnknownProtos and freed")
{
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, SERVICE, IPPROTO_TCP, 64));
	cr_expect_eq(ev.tcp, 1u);
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, DSL_ADDR, IPPROTO_UDP, 64));
	cr_expect_eq(n.mib[NET_MIB_IN_UNKNOWN_PROTOS], 1u);
	cr_expect_eq(n.mib[NET_MIB_IN_RECEIVES], 2u);
	cr_expect_eq(ev.transit, 0u);
}

Test(net_ip, transit_follows_the_owners_verdict,
     .description = "a packet for another host: the owner takes it, or it is routed (forwarding on), dropped as ForwDropped (forwarding off) or as InAddrErrors (not ours)")
{
	ev.verdict = NET_TRANSIT_TAKEN;
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, SERVER, IPPROTO_TCP, 64));
	cr_expect_eq(ev.transit, 1u);
	cr_expect_eq(ev.tx, 0u);

	ev.verdict = NET_TRANSIT_NOT_OURS;
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, SERVER, IPPROTO_TCP, 64));
	cr_expect_eq(n.mib[NET_MIB_IN_ADDR_ERRORS], 1u);

	ev.verdict = NET_TRANSIT_FORWARD;
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, SERVER, IPPROTO_UDP, 64));
	cr_expect_eq(n.mib[NET_MIB_FORW_DROPPED], 1u, "forwarding is off by default");

	n.forward = true;
	net_ip_rx(&n, DSL, ip_frame(0x0a0a0102u, SERVER, IPPROTO_UDP, 64));
	cr_expect_eq(n.mib[NET_MIB_FORW_DATAGRAMS], 1u);
	cr_assert_eq(ev.tx, 1u, "an ARP request for the server: the packet waits for the reply");
	cr_expect_eq(n.mib[NET_MIB_ARP_OUT], 1u);
	net_ip_rx(&n, UP, arp_frame(RTE_ARP_OP_REPLY, SERVER, 0x22, UP_ADDR));
	cr_assert_eq(ev.tx, 2u, "the reply releases the held packet");
	cr_expect_eq(ev.sent_port[1], UP);
	{
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(ev.sent[1], const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);

		cr_expect_eq(eh->dst_addr.addr_bytes[5], 0x22, "to the server's MAC");
		cr_expect_eq(ip->time_to_live, 63, "TTL decremented");
		cr_expect_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff, "header checksum updated");
	}
	cr_expect_eq(ev.transit, 4u);
}

Test(net_ip, output_without_a_route_is_counted,
     .description = "net_ip_output with no route: -EHOSTUNREACH, OutNoRoutes, the packet freed")
{
	struct net_ip_ops none = ops;
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);

	cr_assert_not_null(m);
	cr_assert_not_null(rte_pktmbuf_append(m, 20));
	net_ip_init(&n, &none, on_tx, NULL, ut_pool, &now_us);      /* no ports, no routes */
	cr_expect_eq(net_ip_output(&n, m, SERVER), -EHOSTUNREACH);
	cr_expect_eq(n.mib[NET_MIB_NO_ROUTE], 1u);
}

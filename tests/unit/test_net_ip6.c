/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's gateway layer receiving IPv6 (lib/net/ip6_input.c): a port with
 * IPv6 answers echo requests and Neighbour Solicitations for its addresses
 * (global and link-local, DAD probes to all nodes), learns neighbours from
 * NS and NA, hands TCP to its owner, answers an unknown upper layer and a
 * header at fault with a Parameter Problem under the rate limit, and counts
 * every drop; a port without IPv6 drops it as before (NonIP).
 */
#include <errno.h>
#include <string.h>

#include "net/ip.h"
#include "seghelp.h"

#define DSL 0
#define UP 1
#define ETH 14u

static struct net_ip n;
static uint64_t now_us = 5000000;

static const uint8_t HAGD6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1};
static const uint8_t CLIENT6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0x22};
static const uint8_t OTHER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0x33};
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 1};
static const struct rte_ether_addr CLIENT_MAC = {{0x02, 0, 0, 0, 0, 0x22}};

static struct {
	unsigned tx, tcp6;
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
	rte_pktmbuf_free(m);
}

static void on_tcp6(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	(void)arg;
	(void)port;
	cr_expect_eq(in->proto, IPPROTO_TCP);
	ev.tcp6++;
	rte_pktmbuf_free(m);
}

static void on_unreach(void *arg, int port, const struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	(void)m;
}

static struct net_ip_ops ops = {.tcp_rx = on_tcp, .icmp_unreach = on_unreach};

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
	ops.tcp6_rx = NULL;
	net_ip_init(&n, &ops, on_tx, NULL, ut_pool, &now_us);
	cr_assert_eq(net_ip_add_port(&n, &mac, 0x0a0a0101u, 24, 1500), 0);
	mac.addr_bytes[5] = 0x11;
	cr_assert_eq(net_ip_add_port(&n, &mac, 0x0a140001u, 24, 1500), 0);
	cr_assert_eq(net_ip_add_port6(&n, DSL, HAGD6, 64), 0);
}

static void teardown(void)
{
	sent_clear();
	net_ip_arp_flush(&n);
	ut_assert_no_leak();
}

TestSuite(net_ip6, .init = setup, .fini = teardown);

/* A frame from CLIENT_MAC: IPv6 from src to dst, hop limit hl, next header nh, payload l4 (its
 * ICMPv6 checksum set when nh is ICMPv6). */
static struct rte_mbuf *frame6(const uint8_t src[16], const uint8_t dst[16], uint8_t hl, uint8_t nh,
			       const void *l4, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	uint8_t *p;

	cr_assert_not_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(ETH + NET_IP6_HLEN + len));
	cr_assert_not_null(eh);
	eh->src_addr = CLIENT_MAC;
	eh->dst_addr = n.ports[DSL].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = nh;
	ip->hop_limits = hl;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	p = (uint8_t *)(ip + 1);
	memcpy(p, l4, len);
	if (nh == NET_PROTO_ICMPV6) {
		rte_be16_t c;

		p[2] = p[3] = 0;
		c = net_ip6_l4_cksum(ip, NET_PROTO_ICMPV6, p, len);
		memcpy(p + 2, &c, 2);
	}
	return m;
}

/* An NS for target from src (with a source link-layer option unless src is ::), to
 * target's solicited-node group, or to to when given. */
static struct rte_mbuf *ns_to(const uint8_t src[16], const uint8_t target[16], const uint8_t *to)
{
	uint8_t b[32] = {NET_ICMP6_ND_NS}, dst[16];
	bool dad = net_ip6_is_unspecified(src);

	memcpy(b + 8, target, 16);
	b[24] = 1;
	b[25] = 1;
	memcpy(b + 26, &CLIENT_MAC, 6);
	if (to)
		memcpy(dst, to, 16);
	else
		net_ip6_solicited_node(target, dst);
	return frame6(src, dst, 255, NET_PROTO_ICMPV6, b, dad ? 24 : 32);
}

static struct rte_mbuf *ns(const uint8_t src[16], const uint8_t target[16])
{
	return ns_to(src, target, NULL);
}

static const struct rte_ipv6_hdr *ip6_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH);
}

/* The NA m holds, parsed. */
static struct net_nd_msg na_of(struct rte_mbuf *m)
{
	struct net_ip6_info in;
	struct net_nd_msg msg;

	cr_assert_eq(net_ip6_check(m, ETH, &in), NET_IP6_OK);
	cr_assert_eq(net_nd_parse(ip6_of(m), &in, rte_pktmbuf_mtod_offset(m, const uint8_t *, in.l4), &msg), NET_ND_OK);
	cr_assert_eq(msg.type, NET_ICMP6_ND_NA);
	return msg;
}

Test(net_ip6, link_local_address_from_the_mac,
     .description = "RFC 4291 2.5.1: fe80::/64 with the modified EUI-64 of the port's MAC; bad addresses refused")
{
	const uint8_t want[16] = {0xfe, 0x80, [8] = 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x10};
	const uint8_t ll[16] = {0xfe, 0x80, [15] = 5};

	cr_expect_arr_eq(n.ports[DSL].ll6, want, 16);
	cr_expect(net_ip6_is_port_addr(&n, DSL, HAGD6));
	cr_expect(net_ip6_is_port_addr(&n, DSL, want));
	cr_expect_not(net_ip6_is_port_addr(&n, UP, HAGD6));
	cr_expect_eq(net_ip_add_port6(&n, UP, ALL_NODES, 64), -EINVAL);
	cr_expect_eq(net_ip_add_port6(&n, UP, ll, 64), -EINVAL);
	cr_expect_eq(net_ip_add_port6(&n, 7, HAGD6, 64), -EINVAL);
}

Test(net_ip6, echo_requests_are_answered)
{
	const uint8_t req[16] = {NET_ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 1, 0, 1, 'h', 'a', 'g', 'd'};
	const struct rte_ipv6_hdr *ip;

	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_ICMPV6, req, sizeof(req)));
	cr_assert_eq(ev.tx, 1u);
	ip = ip6_of(ev.sent[0]);
	cr_expect_arr_eq(ip->src_addr, HAGD6, 16);
	cr_expect_arr_eq(ip->dst_addr, CLIENT6, 16);
	cr_expect(rte_is_same_ether_addr(&rte_pktmbuf_mtod(ev.sent[0], struct rte_ether_hdr *)->dst_addr, &CLIENT_MAC));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_ECHOS], 1);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_ECHO_REPLIES], 1);
	sent_clear();
	net_ip_rx(&n, DSL, frame6(CLIENT6, ALL_NODES, 64, NET_PROTO_ICMPV6, req, sizeof(req)));
	cr_assert_eq(ev.tx, 1u, "to all nodes too");
	cr_expect_arr_eq(ip6_of(ev.sent[0])->src_addr, HAGD6, 16, "from the port's global address");
}

Test(net_ip6, solicitations_of_our_addresses_are_answered_and_teach_the_solicitor,
     .description = "NS for the global or link-local address: a solicited, overriding NA to the solicitor, whose mapping is learnt (STALE)")
{
	struct net_nd_msg msg;
	union net_neigh_key k = net_neigh_key6(CLIENT6);
	struct net_neigh *e;

	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));
	cr_assert_eq(ev.tx, 1u);
	msg = na_of(ev.sent[0]);
	cr_expect_eq(msg.flags, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE);
	cr_expect_arr_eq(msg.target, HAGD6, 16);
	cr_expect(rte_is_same_ether_addr(&msg.lla, &n.ports[DSL].mac), "with our MAC");
	cr_expect_arr_eq(ip6_of(ev.sent[0])->dst_addr, CLIENT6, 16);
	cr_expect_eq(ip6_of(ev.sent[0])->hop_limits, 255);
	e = net_neigh_lookup(&n.nd, &k);
	cr_assert_not_null(e, "the solicitor is learnt");
	cr_expect_eq(e->state, NET_ND_STALE);
	cr_expect(rte_is_same_ether_addr(&e->mac, &CLIENT_MAC));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_NS], 1);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_NA], 1);
	sent_clear();
	net_ip_rx(&n, DSL, ns(CLIENT6, n.ports[DSL].ll6));
	cr_assert_eq(ev.tx, 1u, "the link-local address too");
	cr_expect_arr_eq(na_of(ev.sent[0]).target, n.ports[DSL].ll6, 16);
}

Test(net_ip6, a_dad_probe_is_answered_to_all_nodes,
     .description = "RFC 4861 7.2.4: an NS from :: for our address: an NA to all nodes, not solicited; nothing learnt")
{
	struct net_nd_msg msg;
	uint8_t zero[16] = {0};

	net_ip_rx(&n, DSL, ns(zero, HAGD6));
	cr_assert_eq(ev.tx, 1u);
	msg = na_of(ev.sent[0]);
	cr_expect_eq(msg.flags, NET_ND_NA_OVERRIDE);
	cr_expect_arr_eq(ip6_of(ev.sent[0])->dst_addr, ALL_NODES, 16);
	cr_expect_eq(n.nd.n, 0u);
}

Test(net_ip6, solicitations_for_others_and_invalid_ones_are_counted)
{
	struct rte_mbuf *m;

	net_ip_rx(&n, DSL, ns(CLIENT6, OTHER6));
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_ADDR_ERRORS], 1, "another host's solicited-node group");
	net_ip_rx(&n, DSL, ns_to(CLIENT6, OTHER6, HAGD6));
	cr_expect_eq(ev.tx, 0u);
	cr_expect_eq(n.mib[NET_MIB_ND_NOT_OURS], 1, "to us, for another host's address");
	m = ns(CLIENT6, HAGD6);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH)->hop_limits = 64;   /* through a router */
	net_ip_rx(&n, DSL, m);
	cr_expect_eq(ev.tx, 0u);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_ERRORS], 1, "hop limit 64");
	m = ns(CLIENT6, HAGD6);
	rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + NET_IP6_HLEN + 10)[0] ^= 1;
	net_ip_rx(&n, DSL, m);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_ERRORS], 2, "bad checksum");
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_MSGS], 3);
}

Test(net_ip6, advertisements_update_known_neighbours_only)
{
	uint8_t b[32] = {NET_ICMP6_ND_NA, 0, 0, 0, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE};
	const struct rte_ether_addr mac2 = {{0x02, 0, 0, 0, 0, 0x44}};
	union net_neigh_key k = net_neigh_key6(CLIENT6);
	struct net_neigh *e;

	memcpy(b + 8, CLIENT6, 16);
	b[24] = 2;
	b[25] = 1;
	memcpy(b + 26, &mac2, 6);
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 255, NET_PROTO_ICMPV6, b, sizeof(b)));
	cr_expect_eq(n.nd.n, 0u, "an NA creates no entry");
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_NA], 1);
	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 255, NET_PROTO_ICMPV6, b, sizeof(b)));
	e = net_neigh_lookup(&n.nd, &k);
	cr_assert_not_null(e);
	cr_expect_eq(e->state, NET_ND_REACHABLE, "solicited: reachable");
	cr_expect(rte_is_same_ether_addr(&e->mac, &mac2), "overriding: the new address");
}

Test(net_ip6, tcp_goes_to_the_owner_or_is_counted)
{
	const uint8_t tcp[20] = {0x9c, 0x40, 0, 80, [12] = 0x50, 0x02};

	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_DISCARDS], 1, "no owner for TCP over IPv6");
	ops.tcp6_rx = on_tcp6;
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(ev.tcp6, 1u);
	net_ip_rx(&n, DSL, frame6(CLIENT6, ALL_NODES, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(ev.tcp6, 1u, "not to a group");
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_DISCARDS], 2);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_RECEIVES], 3);
}

Test(net_ip6, an_unknown_upper_layer_earns_a_parameter_problem,
     .description = "UDP to hagd: Ip6InUnknownProtos and a Parameter Problem code 1 at the Next Header (offset 6), to the sender, routed (the sender a known neighbour)")
{
	const uint8_t udp[8] = {0x13, 0x88, 0x13, 0x88, 0, 8, 0, 0};
	const uint8_t *ic;

	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));          /* the sender known (STALE) */
	sent_clear();
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, IPPROTO_UDP, udp, sizeof(udp)));
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_UNKNOWN_PROTOS], 1);
	cr_assert_eq(ev.tx, 1u);
	cr_expect_arr_eq(ip6_of(ev.sent[0])->dst_addr, CLIENT6, 16);
	ic = rte_pktmbuf_mtod_offset(ev.sent[0], const uint8_t *, ETH + NET_IP6_HLEN);
	cr_expect_eq(ic[0], NET_ICMP6_PARAM_PROBLEM);
	cr_expect_eq(ic[1], 1);
	cr_expect_eq(ic[7], 6);
	cr_expect(net_ip6_l4_cksum_ok(ip6_of(ev.sent[0]), NET_PROTO_ICMPV6, ic,
				      rte_pktmbuf_pkt_len(ev.sent[0]) - ETH - NET_IP6_HLEN));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_PARM_PROBLEMS], 1);
}

Test(net_ip6, parameter_problems_are_rate_limited,
     .description = "the ICMP token bucket (100 at once) holds IPv6's errors too")
{
	const uint8_t udp[8] = {0};

	for (int i = 0; i < 150; i++) {
		net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, IPPROTO_UDP, udp, sizeof(udp)));
		if (ev.tx == 16)
			sent_clear();
	}
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_PARM_PROBLEMS], 100);
	cr_expect_eq(n.mib[NET_MIB_ICMP_RATE_LIMITED], 50);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_UNKNOWN_PROTOS], 150);
}

Test(net_ip6, header_drops_are_counted_by_reason)
{
	const uint8_t frag[28] = {IPPROTO_TCP, 0, 0, 1, 0, 0, 0, 9};
	const uint8_t rh0[24] = {IPPROTO_TCP, 2, 0, 1};
	const uint8_t badopt[28] = {IPPROTO_TCP, 0, 0x5e, 4, 0, 0, 0, 0};
	const uint8_t tcp[20] = {0};
	struct rte_mbuf *m;

	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_FRAGMENT, frag, sizeof(frag)));
	cr_expect_eq(n.mib[NET_MIB_IP6_FRAG_DROPS], 1);
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_ROUTING, rh0, sizeof(rh0)));
	cr_expect_eq(n.mib[NET_MIB_IP6_ROUTING_DROPS], 1);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_HDR_ERRORS], 1);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_PARM_PROBLEMS], 1, "a Parameter Problem at the routing type");
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_DSTOPTS, badopt, sizeof(badopt)));
	cr_expect_eq(n.mib[NET_MIB_IP6_EXT_DROPS], 1);
	m = frame6(CLIENT6, HAGD6, 64, IPPROTO_TCP, tcp, sizeof(tcp));
	rte_pktmbuf_trim(m, 4);
	net_ip_rx(&n, DSL, m);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_TRUNCATED], 1);
	net_ip_rx(&n, DSL, frame6(CLIENT6, OTHER6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(n.mib[NET_MIB_IP6_FORW_DROPPED], 1, "another host's address, forwarding off");
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_RECEIVES], 5);
}

Test(net_ip6, a_port_without_ipv6_drops_it_as_before)
{
	const uint8_t tcp[20] = {0};

	net_ip_rx(&n, UP, frame6(CLIENT6, HAGD6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(n.mib[NET_MIB_NON_IP], 1);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_RECEIVES], 0);
	cr_expect_eq(ev.tx, 0u);
}

Test(net_ip6, unsolicited_advertisements_at_start,
     .description = "RFC 4861 7.2.6: one NA per address of every IPv6 port, to all nodes, Override set, not solicited")
{
	net_ip_announce6(&n);
	cr_assert_eq(ev.tx, 2u, "the global and the link-local address of dsl; up has no IPv6");
	for (unsigned i = 0; i < 2; i++) {
		struct net_nd_msg msg = na_of(ev.sent[i]);

		cr_expect_eq(ev.sent_port[i], DSL);
		cr_expect_eq(msg.flags, NET_ND_NA_OVERRIDE);
		cr_expect_arr_eq(ip6_of(ev.sent[i])->dst_addr, ALL_NODES, 16);
	}
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_NA], 2);
}

/* An IPv6 packet of hagd's (40-byte header, 20 bytes of payload) to dst, without Ethernet. */
static struct rte_mbuf *own6(const uint8_t dst[16])
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ipv6_hdr *ip;

	cr_assert_not_null(m);
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(m, NET_IP6_HLEN + 20);
	cr_assert_not_null(ip);
	memset(ip, 0, NET_IP6_HLEN + 20);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(20);
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, HAGD6, 16);
	memcpy(ip->dst_addr, dst, 16);
	return m;
}

/* A solicited, overriding NA for target from its owner (mac), to hagd. */
static struct rte_mbuf *na_from(const uint8_t target[16], const struct rte_ether_addr *mac)
{
	uint8_t b[32] = {NET_ICMP6_ND_NA, 0, 0, 0, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE};

	memcpy(b + 8, target, 16);
	b[24] = 2;
	b[25] = 1;
	memcpy(b + 26, mac, 6);
	return frame6(target, HAGD6, 255, NET_PROTO_ICMPV6, b, sizeof(b));
}

/* ev.sent[i] is an NS for target: multicast (to its solicited-node group) or unicast. */
static void expect_ns(unsigned i, const uint8_t target[16], bool unicast)
{
	struct net_ip6_info in;
	struct net_nd_msg msg;
	uint8_t sn[16];

	cr_assert_lt(i, ev.tx);
	cr_assert_eq(net_ip6_check(ev.sent[i], ETH, &in), NET_IP6_OK);
	cr_assert_eq(net_nd_parse(ip6_of(ev.sent[i]), &in, rte_pktmbuf_mtod_offset(ev.sent[i], const uint8_t *, in.l4),
				  &msg), NET_ND_OK);
	cr_expect_eq(msg.type, NET_ICMP6_ND_NS);
	cr_expect_arr_eq(msg.target, target, 16);
	cr_expect(msg.has_lla, "with our link-layer address");
	net_ip6_solicited_node(target, sn);
	if (unicast)
		cr_expect_arr_eq(ip6_of(ev.sent[i])->dst_addr, target, 16);
	else
		cr_expect_arr_eq(ip6_of(ev.sent[i])->dst_addr, sn, 16);
}

Test(net_ip6, output_resolves_the_next_hop_and_sends_what_waited,
     .description = "net_ip_output6 to an unknown neighbour: a multicast NS, the packets held; the NA sends them to its MAC; later ones go at once")
{
	const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x55}};
	const struct rte_ether_hdr *eh;

	cr_assert_eq(net_ip_output6(&n, own6(CLIENT6), CLIENT6), 0);
	cr_assert_eq(net_ip_output6(&n, own6(CLIENT6), CLIENT6), 0);
	cr_assert_eq(ev.tx, 1u, "one NS, both packets held");
	expect_ns(0, CLIENT6, false);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_NS], 1);
	sent_clear();
	net_ip_rx(&n, DSL, na_from(CLIENT6, &mac));
	cr_assert_eq(ev.tx, 2u, "the NA lets both go");
	for (unsigned i = 0; i < 2; i++) {
		eh = rte_pktmbuf_mtod(ev.sent[i], const struct rte_ether_hdr *);
		cr_expect(rte_is_same_ether_addr(&eh->dst_addr, &mac));
		cr_expect(rte_is_same_ether_addr(&eh->src_addr, &n.ports[DSL].mac));
		cr_expect_eq(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6));
		cr_expect_eq(ev.sent_port[i], DSL);
	}
	sent_clear();
	cr_assert_eq(net_ip_output6(&n, own6(CLIENT6), CLIENT6), 0);
	cr_expect_eq(ev.tx, 1u, "resolved: sent at once");
	cr_expect_eq(n.mib[NET_MIB_ND_PENDING_DROPS], 0);
}

Test(net_ip6, an_unanswered_next_hop_is_given_up,
     .description = "three multicast NS a second apart, then the held packets are dropped and counted, the entry removed")
{
	cr_assert_eq(net_ip_output6(&n, own6(OTHER6), OTHER6), 0);
	cr_expect_eq(ev.tx, 1u);
	now_us += NET_ND_RETRANS_US / 2;
	net_ip_tick6(&n);
	cr_expect_eq(ev.tx, 1u, "not yet");
	for (int i = 1; i < NET_ND_MAX_MULTICAST_SOLICIT; i++) {
		now_us += NET_ND_RETRANS_US;
		net_ip_tick6(&n);
		cr_expect_eq(ev.tx, 1u + (unsigned)i, "solicitation %d", i + 1);
		expect_ns(ev.tx - 1, OTHER6, false);
	}
	now_us += NET_ND_RETRANS_US;
	net_ip_tick6(&n);
	cr_expect_eq(n.mib[NET_MIB_ND_FAILED], 1);
	cr_expect_eq(n.mib[NET_MIB_ND_PENDING_DROPS], 1);
	cr_expect_eq(n.nd.n, 0u);
	cr_expect_eq(n.nd_due_us, 0u, "no timer left");
}

Test(net_ip6, a_stale_neighbour_is_probed_by_unicast,
     .description = "used when stale: DELAY, then after 5 s a unicast NS (PROBE); a solicited NA makes it reachable")
{
	const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x55}};
	union net_neigh_key k = net_neigh_key6(CLIENT6);

	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));          /* learnt from its NS: STALE */
	sent_clear();
	cr_assert_eq(net_ip_output6(&n, own6(CLIENT6), CLIENT6), 0);
	cr_expect_eq(ev.tx, 1u, "a stale address is used");
	cr_expect_eq(net_neigh_lookup(&n.nd, &k)->state, NET_ND_DELAY);
	now_us += NET_ND_DELAY_US;
	net_ip_tick6(&n);
	cr_assert_eq(ev.tx, 2u);
	expect_ns(1, CLIENT6, true);
	cr_expect(rte_is_same_ether_addr(&rte_pktmbuf_mtod(ev.sent[1], struct rte_ether_hdr *)->dst_addr, &CLIENT_MAC));
	cr_expect_eq(net_neigh_lookup(&n.nd, &k)->state, NET_ND_PROBE);
	net_ip_rx(&n, DSL, na_from(CLIENT6, &mac));
	cr_expect_eq(net_neigh_lookup(&n.nd, &k)->state, NET_ND_REACHABLE);
}

Test(net_ip6, output_without_a_prefix_is_counted)
{
	const uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 1};

	cr_expect_eq(net_ip_output6(&n, own6(far), far), -EHOSTUNREACH);
	cr_expect_eq(n.mib[NET_MIB_IP6_OUT_NO_ROUTES], 1);
	cr_expect_eq(ev.tx, 0u);
}

Test(net_ip6, a_fifth_held_packet_drops_the_oldest)
{
	for (int i = 0; i < NET_NEIGH_PENDING + 1; i++)
		cr_assert_eq(net_ip_output6(&n, own6(CLIENT6), CLIENT6), 0);
	cr_expect_eq(n.mib[NET_MIB_ND_PENDING_DROPS], 1);
	cr_expect_eq(ev.tx, 1u, "one NS");
}

Test(net_ip6, routes_after_connected_prefixes,
     .description = "a connected prefix first, then the longest IPv6 route, whose via is the next hop resolved")
{
	const uint8_t def[16] = {0}, gw[16] = {0xfe, 0x80, [15] = 0xfe};
	const uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 7}, near48[16] = {0x20, 0x01, 0x0d, 0xb9};
	uint8_t nh[16];

	cr_assert_eq(net_ip_add_route6(&n, def, 0, DSL, gw), 0);
	cr_assert_eq(net_ip_add_route6(&n, near48, 48, DSL, CLIENT6), 0);
	cr_expect_eq(net_ip_add_route6(&n, def, 0, UP, gw), -EINVAL, "up has no IPv6");
	cr_expect_eq(net_ip6_route(&n, CLIENT6, nh), DSL);
	cr_expect_arr_eq(nh, CLIENT6, 16, "connected: the destination itself");
	cr_expect_eq(net_ip6_route(&n, far, nh), DSL);
	cr_expect_arr_eq(nh, CLIENT6, 16, "the /48 beats the default");
	cr_expect_eq(net_ip6_route(&n, ALL_NODES, nh), DSL);
	cr_expect_arr_eq(nh, gw, 16, "the default route's link-local router");
	cr_assert_eq(net_ip_output6(&n, own6(far), far), 0);
	expect_ns(0, CLIENT6, false);
}

/* A TCP packet of 20 + extra bytes from CLIENT6 to dst with hop limit hl, on dsl. */
static void transit6(const uint8_t dst[16], uint8_t hl, uint16_t extra)
{
	static uint8_t l4[1600];

	net_ip_rx(&n, DSL, frame6(CLIENT6, dst, hl, IPPROTO_TCP, l4, (uint16_t)(20 + extra)));
}

/* ev.sent[i], an ICMPv6 error to CLIENT6 (resolved: CLIENT6 is known on dsl), of type/code. */
static const uint8_t *error_sent(unsigned i, uint8_t type, uint8_t code)
{
	const uint8_t *ic;

	cr_assert_lt(i, ev.tx);
	cr_expect_arr_eq(ip6_of(ev.sent[i])->dst_addr, CLIENT6, 16);
	cr_expect_arr_eq(ip6_of(ev.sent[i])->src_addr, HAGD6, 16, "from the port it came in on");
	ic = rte_pktmbuf_mtod_offset(ev.sent[i], const uint8_t *, ETH + NET_IP6_HLEN);
	cr_expect_eq(ic[0], type);
	cr_expect_eq(ic[1], code);
	cr_expect(net_ip6_l4_cksum_ok(ip6_of(ev.sent[i]), NET_PROTO_ICMPV6, ic,
				      rte_pktmbuf_pkt_len(ev.sent[i]) - ETH - NET_IP6_HLEN));
	return ic;
}

Test(net_ip6, transit_is_routed_with_its_hop_limit_and_errors,
     .description = "forwarding on: routed out of the route's port with the hop limit one less; hop limit 1: time exceeded; "
		    "no route: unreachable; over the MTU: Packet Too Big with it; errors routed back to the sender")
{
	const uint8_t gw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0xfe};
	const uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 7}, p48[16] = {0x20, 0x01, 0x0d, 0xb9};
	const struct rte_ether_addr gw_mac = {{0x02, 0, 0, 0, 0, 0xfe}};
	const uint8_t nowhere[16] = {0x20, 0x01, 0x0d, 0xba, [15] = 1};

	n.forward = true;
	cr_assert_eq(net_ip_add_route6(&n, p48, 48, DSL, gw), 0);
	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));          /* CLIENT6 and the router known */
	net_ip_rx(&n, DSL, ns_to(gw, HAGD6, NULL));
	net_ip_rx(&n, DSL, na_from(gw, &gw_mac));
	sent_clear();

	transit6(far, 64, 0);
	cr_assert_eq(ev.tx, 1u);
	cr_expect_eq(ip6_of(ev.sent[0])->hop_limits, 63);
	cr_expect(rte_is_same_ether_addr(&rte_pktmbuf_mtod(ev.sent[0], struct rte_ether_hdr *)->dst_addr, &gw_mac));
	cr_expect_eq(n.mib[NET_MIB_IP6_FORW_DATAGRAMS], 1);
	sent_clear();

	transit6(far, 1, 0);
	cr_assert_eq(ev.tx, 1u);
	error_sent(0, NET_ICMP6_TIME_EXCEEDED, 0);
	cr_expect_eq(n.mib[NET_MIB_IP6_HOP_LIMIT_EXCEEDED], 1);
	sent_clear();

	transit6(nowhere, 64, 0);
	cr_assert_eq(ev.tx, 1u);
	error_sent(0, NET_ICMP6_DEST_UNREACH, 0);
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_NO_ROUTES], 1);
	sent_clear();

	transit6(far, 64, 1500 - 20 - 40 + 1);            /* 1 501 bytes, the MTU is 1 500 */
	cr_assert_eq(ev.tx, 1u);
	{
		const uint8_t *ic = error_sent(0, NET_ICMP6_PKT_TOO_BIG, 0);

		cr_expect_eq(ic[4] << 24 | ic[5] << 16 | ic[6] << 8 | ic[7], 1500, "the MTU");
	}
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_TOO_BIG], 1);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_ERRORS], 3);
	sent_clear();

	transit6(ALL_NODES, 64, 0);
	cr_expect_eq(ev.tx, 0u, "to a group: not routed");
	cr_expect_eq(n.mib[NET_MIB_IP6_FORW_DATAGRAMS], 1);
}

Test(net_ip6, errors_to_a_link_local_sender_go_back_to_its_frame,
     .description = "no route leads to a link-local sender: its Parameter Problem goes to the frame's source MAC at once; "
		    "No Next Header is dropped and counted")
{
	const uint8_t ll[16] = {0xfe, 0x80, [15] = 0x22};
	const uint8_t udp[8] = {0x13, 0x88, 0x13, 0x88, 0, 8, 0, 0};

	net_ip_rx(&n, DSL, frame6(ll, HAGD6, 64, IPPROTO_UDP, udp, sizeof(udp)));
	cr_assert_eq(ev.tx, 1u);
	cr_expect_arr_eq(ip6_of(ev.sent[0])->dst_addr, ll, 16);
	cr_expect(rte_is_same_ether_addr(&rte_pktmbuf_mtod(ev.sent[0], struct rte_ether_hdr *)->dst_addr, &CLIENT_MAC));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_OUT_PARM_PROBLEMS], 1);
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_NONE, udp, sizeof(udp)));
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_DISCARDS], 1);
	cr_expect_eq(ev.tx, 1u, "nothing answers No Next Header");
}

Test(net_ip6, a_full_neighbour_cache_evicts_for_a_new_next_hop,
     .description = "192 unresolved next hops fill the cache; the 193rd evicts the oldest with its held packet (NdEvictions, NdPendingDrops)")
{
	uint8_t a[16];

	memcpy(a, CLIENT6, 16);
	for (unsigned i = 0; i <= NET_NEIGH_MAX; i++) {
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)(0x40 + i);
		cr_assert_eq(net_ip_output6(&n, own6(a), a), 0, "next hop %u", i);
		sent_clear();
	}
	cr_expect_eq(n.nd.n, NET_NEIGH_MAX);
	cr_expect_eq(n.mib[NET_MIB_ND_EVICTIONS], 1);
	cr_expect_eq(n.mib[NET_MIB_ND_PENDING_DROPS], 1, "the evicted entry's held packet");
}

Test(net_ip6, an_extra_address_is_the_port_whose_prefix_holds_it,
     .description = "net_ip_add_local6 (a SNAT address): NS for it answered on dsl, whose prefix holds it, not on a "
		    "port without it; TCP to it delivered; an address in no port's prefix refused (EINVAL)")
{
	const uint8_t snat[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [14] = 1, [15] = 0};
	const uint8_t off[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 1};
	const uint8_t tcp[20] = {0x9c, 0x40, 0, 80, [12] = 0x50, 0x02};

	cr_assert_eq(net_ip_add_local6(&n, snat, true), 0);
	cr_expect_eq(net_ip_add_local6(&n, off, true), -EINVAL);
	net_ip_rx(&n, DSL, ns(CLIENT6, snat));
	cr_assert_eq(ev.tx, 1u, "NS to its solicited-node group answered");
	cr_expect_arr_eq(na_of(ev.sent[0]).target, snat, 16);
	sent_clear();
	cr_expect_not(net_ip6_is_port_addr(&n, UP, snat), "up has no IPv6 prefix holding it");
	ops.tcp6_rx = on_tcp6;
	net_ip_rx(&n, DSL, frame6(CLIENT6, snat, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(ev.tcp6, 1u, "TCP to it is hagd's");
}

static enum net_transit transit_verdict;
static unsigned transit_calls;

static enum net_transit on_transit6(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	(void)arg;
	(void)port;
	cr_expect_eq(in->proto, IPPROTO_TCP);
	transit_calls++;
	if (transit_verdict == NET_TRANSIT_TAKEN)
		rte_pktmbuf_free(m);
	return transit_verdict;
}

Test(net_ip6, the_owner_sees_transit_first,
     .description = "transit6: a packet to another host goes to the owner first (transparent interception): TAKEN is "
		    "its, NOT_OURS dropped (Ip6InAddrErrors), FORWARD routed")
{
	const uint8_t tcp[20] = {0x9c, 0x40, 0, 80, [12] = 0x50, 0x02};

	ops.transit6 = on_transit6;
	n.forward = true;
	transit_verdict = NET_TRANSIT_TAKEN;
	net_ip_rx(&n, DSL, frame6(CLIENT6, OTHER6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	transit_verdict = NET_TRANSIT_NOT_OURS;
	net_ip_rx(&n, DSL, frame6(CLIENT6, OTHER6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(n.mib[NET_MIB_IP6_IN_ADDR_ERRORS], 1);
	transit_verdict = NET_TRANSIT_FORWARD;
	net_ip_rx(&n, DSL, frame6(CLIENT6, OTHER6, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(transit_calls, 3u);
	cr_expect_eq(n.mib[NET_MIB_IP6_FORW_DATAGRAMS], 1, "FORWARD: routed");
	ops.transit6 = NULL;
	net_ip_arp_flush(&n);
}

static unsigned icmp6_errs;
static uint8_t icmp6_type;

static void on_icmp6_err(void *arg, int port, const struct rte_mbuf *m, const struct net_ip6_info *in)
{
	(void)arg;
	(void)port;
	icmp6_type = *rte_pktmbuf_mtod_offset(m, const uint8_t *, in->l4);
	icmp6_errs++;
}

Test(net_ip6, icmp6_errors_go_to_the_owner_counted_by_type,
     .description = "ICMPv6 errors to hagd (RFC 4443 2.4): counted by type (Icmp6InPktTooBigs, ...) and handed to the "
		    "owner (lib/tcp); a bad checksum is Icmp6InErrors and goes nowhere")
{
	uint8_t b[8 + 48] = {NET_ICMP6_PKT_TOO_BIG, 0, 0, 0, 0, 0, 0x05, 0x00};
	struct rte_mbuf *m;

	ops.icmp6_err = on_icmp6_err;
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_ICMPV6, b, sizeof(b)));
	cr_expect_eq(icmp6_errs, 1u);
	cr_expect_eq(icmp6_type, NET_ICMP6_PKT_TOO_BIG);
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_PKT_TOO_BIGS], 1);
	b[0] = NET_ICMP6_DEST_UNREACH;
	net_ip_rx(&n, DSL, frame6(CLIENT6, HAGD6, 64, NET_PROTO_ICMPV6, b, sizeof(b)));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_DEST_UNREACHS], 1);
	m = frame6(CLIENT6, HAGD6, 64, NET_PROTO_ICMPV6, b, sizeof(b));
	*rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + NET_IP6_HLEN + 2) ^= 0x40;
	net_ip_rx(&n, DSL, m);
	cr_expect_eq(icmp6_errs, 2u, "a bad checksum is not handed on");
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_ERRORS], 1);
	ops.icmp6_err = NULL;
}

Test(net_ip6, global_addresses_on_any_port_link_local_per_port,
     .description = "The weak host model: dsl's global address and a service address (no ND) are hagd's on any port; "
		    "NS for the service address unanswered (the operator routes it); dsl's link-local one is not up's")
{
	const uint8_t up6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x30, [15] = 1};
	const uint8_t svc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [15] = 1};
	const uint8_t tcp[20] = {0x9c, 0x40, 0, 80, [12] = 0x50, 0x02};
	struct rte_mbuf *m;

	cr_assert_eq(net_ip_add_port6(&n, UP, up6, 64), 0);
	cr_assert_eq(net_ip_add_local6(&n, svc, false), 0, "a service address needs no prefix");
	cr_expect(net_ip6_is_local(&n, HAGD6));
	cr_expect(net_ip6_is_local(&n, svc));
	cr_expect_not(net_ip6_is_local(&n, n.ports[DSL].ll6), "link-local: per port");
	cr_expect_not(net_ip6_is_port_addr(&n, DSL, svc), "no ND for it");
	ops.tcp6_rx = on_tcp6;
	m = frame6(CLIENT6, HAGD6, 64, IPPROTO_TCP, tcp, sizeof(tcp));
	net_ip_rx(&n, UP, m);
	cr_expect_eq(ev.tcp6, 1u, "dsl's address received on up");
	net_ip_rx(&n, UP, frame6(CLIENT6, svc, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	net_ip_rx(&n, DSL, frame6(CLIENT6, svc, 64, IPPROTO_TCP, tcp, sizeof(tcp)));
	cr_expect_eq(ev.tcp6, 3u, "the service address on either port");
	net_ip_rx(&n, DSL, ns(CLIENT6, svc));
	cr_expect_eq(ev.tx, 0u, "no NA for a routed service address");
	cr_expect_eq(n.mib[NET_MIB_ND_NOT_OURS], 1);
}

Test(net_ip6, a_routed_packet_for_a_dead_next_hop_earns_address_unreachable,
     .description = "RFC 4861 7.2.2: a routed packet held for a next hop that never answers: its sender gets ICMPv6 "
		    "destination unreachable code 3 (Ip6AddrUnreach); hagd's own held packets get none")
{
	const uint8_t gw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0xfe};
	const uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 7}, p48[16] = {0x20, 0x01, 0x0d, 0xb9};
	unsigned errors = 0;

	n.forward = true;
	cr_assert_eq(net_ip_add_route6(&n, p48, 48, DSL, gw), 0);
	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));          /* CLIENT6 known: the error can go back */
	sent_clear();
	transit6(far, 64, 0);                            /* held for gw, which never answers */
	cr_assert_eq(net_ip_output6(&n, own6(far), far), 0);   /* and one of hagd's own */
	for (int i = 0; i <= NET_ND_MAX_MULTICAST_SOLICIT; i++) {
		now_us += NET_ND_RETRANS_US;
		net_ip_tick6(&n);
	}
	cr_expect_eq(n.mib[NET_MIB_ND_FAILED], 1);
	cr_expect_eq(n.mib[NET_MIB_ND_PENDING_DROPS], 2);
	cr_expect_eq(n.mib[NET_MIB_IP6_ADDR_UNREACH], 1, "only the routed one");
	for (unsigned i = 0; i < ev.tx; i++) {
		const uint8_t *ic = rte_pktmbuf_mtod_offset(ev.sent[i], const uint8_t *, ETH + NET_IP6_HLEN);

		if (ip6_of(ev.sent[i])->proto == NET_PROTO_ICMPV6 && ic[0] == NET_ICMP6_DEST_UNREACH) {
			error_sent(i, NET_ICMP6_DEST_UNREACH, 3);
			errors++;
		}
	}
	cr_expect_eq(errors, 1u, "one address unreachable, to CLIENT6");
	net_ip_arp_flush(&n);
}

static unsigned nd_learned_calls;

static void on_nd_learned(void *arg, int port, const struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	(void)m;
	nd_learned_calls++;
}

Test(net_ip6, another_workers_nd_is_learnt_not_answered,
     .description = "Several workers: an NS or NA received is handed to the owner (nd_learned); a copy another worker "
		    "received (net_ip6_nd_rx_shared) teaches this worker's cache, completes its own resolution and "
		    "sends what waited, without an answer or a count")
{
	const struct rte_ether_addr other_mac = {{0x02, 0, 0, 0, 0, 0x33}};

	ops.nd_learned = on_nd_learned;
	net_ip_rx(&n, DSL, ns(CLIENT6, HAGD6));
	cr_expect_eq(nd_learned_calls, 1u, "a received NS is handed on");
	cr_expect_eq(ev.tx, 1u, "and answered here");
	sent_clear();
	/* This worker resolves OTHER6; the NA reaches another worker, which shares it. */
	cr_assert_eq(net_ip_output6(&n, own6(OTHER6), OTHER6), 0);
	cr_assert_eq(ev.tx, 1u, "an NS went out");
	sent_clear();
	net_ip6_nd_rx_shared(&n, DSL, na_from(OTHER6, &other_mac));
	cr_assert_eq(ev.tx, 1u, "the held packet went out once the shared NA arrived");
	cr_expect(rte_is_same_ether_addr(&rte_pktmbuf_mtod(ev.sent[0], struct rte_ether_hdr *)->dst_addr, &other_mac));
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_NA], 0, "counted by the worker that received it");
	cr_expect_eq(nd_learned_calls, 1u, "a shared copy is not handed on again");
	sent_clear();
	/* A shared NS: its solicitor learnt, no NA sent. */
	net_ip6_nd_rx_shared(&n, DSL, ns(OTHER6, HAGD6));
	cr_expect_eq(ev.tx, 0u, "not answered twice");
	cr_expect_eq(n.mib[NET_MIB_ICMP6_IN_NS], 1, "only the NS received here counts");
	ops.nd_learned = NULL;
	net_ip_arp_flush(&n);
}

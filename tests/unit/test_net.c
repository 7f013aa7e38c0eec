/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: the IPv4 header checks a gateway makes before TCP (RFC 791,
 * RFC 1122 3.2.1), the TCP checksum (RFC 9293 3.1), ICMP echo (RFC 792),
 * the ARP cache and ARP messages (RFC 826).
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "net/net.h"
#include "seghelp.h"

#define L3 RTE_ETHER_HDR_LEN

static void setup(void)
{
	ut_eal_init();
}

TestSuite(ipv4, .init = setup);
TestSuite(tcp_cksum, .init = setup);
TestSuite(icmp, .init = setup);
TestSuite(arp, .init = setup);

/* Every test ends by checking that all its mbufs went back to the pool. */
#define NET_TEST(suite, name, desc) UT_TEST(suite, name, desc, ut_assert_no_leak)

/* An Ethernet frame of frame_len bytes holding an IPv4 header (total length tot). */
static struct rte_mbuf *ip_frame(uint16_t frame_len, uint16_t tot, uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, frame_len);
	cr_assert_not_null(p);
	memset(p, 0, frame_len);
	ip = (struct rte_ipv4_hdr *)(p + L3);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(tot);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = 17;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(0xc0a80102);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3);
}

static void refix(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void expect_verdict(struct rte_mbuf *m, enum net_ip_verdict want, const char *what)
{
	enum net_ip_verdict v = net_ipv4_check(m, L3);

	cr_expect_eq(v, want, "%s: verdict %d, want %d", what, v, want);
	rte_pktmbuf_free(m);
}

NET_TEST(ipv4, good_header_passes, "A well-formed IPv4 header is accepted as it is")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	cr_expect_eq(net_ipv4_check(m, L3), NET_IP_OK);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), L3 + 40, "nothing trimmed");
	rte_pktmbuf_free(m);
}

NET_TEST(ipv4, dont_fragment_is_not_a_fragment, "DF alone is not a fragment")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	refix(m);
	expect_verdict(m, NET_IP_OK, "DF");
}

NET_TEST(ipv4, shorter_than_a_header_is_truncated,
	 "A frame that ends inside the IPv4 header is truncated")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	rte_pktmbuf_trim(m, 40 - 19);
	expect_verdict(m, NET_IP_TRUNCATED, "19 bytes of IP");
}

NET_TEST(ipv4, total_length_beyond_the_frame_is_truncated,
	 "A total length larger than the frame holds is truncated")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 41, IPPROTO_TCP);

	expect_verdict(m, NET_IP_TRUNCATED, "total 41 in 40");
}

NET_TEST(ipv4, version_6_refused, "Version 6 in the IPv4 path is refused")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->version_ihl = 0x65;
	refix(m);
	expect_verdict(m, NET_IP_BAD_VERSION, "version 6");
}

NET_TEST(ipv4, ihl_4_refused, "RFC 791: IHL below 5 words is refused")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->version_ihl = 0x44;
	expect_verdict(m, NET_IP_BAD_IHL, "IHL 4");
}

NET_TEST(ipv4, options_beyond_the_frame_are_truncated,
	 "An IHL whose options run past the frame is truncated")
{
	struct rte_mbuf *m = ip_frame(L3 + 24, 24, IPPROTO_TCP);

	ip_of(m)->version_ihl = 0x47;   /* 28 bytes of header in a 24-byte packet */
	expect_verdict(m, NET_IP_TRUNCATED, "IHL 7");
}

NET_TEST(ipv4, total_length_below_ihl_refused,
	 "A total length shorter than the header is a bad length")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 16, IPPROTO_TCP);

	expect_verdict(m, NET_IP_BAD_LEN, "total 16");
}

NET_TEST(ipv4, bad_checksum_refused, "A header whose checksum does not add up is refused")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->time_to_live--;      /* changed after the checksum was computed */
	expect_verdict(m, NET_IP_BAD_CSUM, "TTL changed");
}

NET_TEST(ipv4, more_fragments_refused, "A first fragment (MF set) is not reassembled")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	refix(m);
	expect_verdict(m, NET_IP_FRAGMENT, "MF");
}

NET_TEST(ipv4, fragment_offset_refused, "A later fragment (offset > 0) is not reassembled")
{
	struct rte_mbuf *m = ip_frame(L3 + 40, 40, IPPROTO_TCP);

	ip_of(m)->fragment_offset = rte_cpu_to_be_16(185);   /* 1480 bytes in, last fragment */
	refix(m);
	expect_verdict(m, NET_IP_FRAGMENT, "offset 185");
}

NET_TEST(ipv4, ethernet_padding_trimmed,
	 "A 60-byte minimum frame carrying 40 bytes of IP is trimmed to the IP length")
{
	struct rte_mbuf *m = ip_frame(60, 40, IPPROTO_TCP);

	cr_expect_eq(net_ipv4_check(m, L3), NET_IP_OK);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), L3 + 40);
	cr_expect_eq(rte_pktmbuf_data_len(m), L3 + 40);
	rte_pktmbuf_free(m);
}

/* TCP checksum */

/* IPv4 + TCP header + payload of paylen bytes, TCP checksum field zero. */
static struct rte_mbuf *tcp_packet(uint16_t paylen)
{
	struct rte_mbuf *m = ip_frame((uint16_t)(L3 + 40 + paylen), (uint16_t)(40 + paylen), IPPROTO_TCP);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip_of(m) + 1);
	uint8_t *pl = (uint8_t *)(th + 1);

	th->src_port = rte_cpu_to_be_16(40000);
	th->dst_port = rte_cpu_to_be_16(80);
	th->sent_seq = rte_cpu_to_be_32(0xdeadbeef);
	th->recv_ack = rte_cpu_to_be_32(0x01020304);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	th->rx_win = rte_cpu_to_be_16(29200);
	ut_fill(pl, 0, paylen);
	return m;
}

NET_TEST(tcp_cksum, matches_dpdk_and_verifies,
	 "net_tcp_cksum equals DPDK's checksum, and net_tcp_cksum_ok accepts the result")
{
	const uint16_t lens[] = {0, 1, 21, 100, 1459};

	for (unsigned int i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct rte_mbuf *m = tcp_packet(lens[i]);
		struct rte_ipv4_hdr *ip = ip_of(m);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint16_t l4len = (uint16_t)(20 + lens[i]);
		uint16_t mine = net_tcp_cksum(ip, th, l4len);

		cr_expect_eq(mine, rte_ipv4_udptcp_cksum(ip, th), "payload %u: 0x%04x vs DPDK 0x%04x",
			     lens[i], mine, rte_ipv4_udptcp_cksum(ip, th));
		th->cksum = mine;
		cr_expect(net_tcp_cksum_ok(ip, th, l4len), "payload %u: own checksum refused", lens[i]);
		cr_expect_eq(rte_ipv4_udptcp_cksum_verify(ip, th), 0, "payload %u: DPDK disagrees", lens[i]);
		rte_pktmbuf_free(m);
	}
}

NET_TEST(tcp_cksum, corrupted_byte_detected,
	 "One changed payload byte, header byte or address makes the checksum fail")
{
	struct rte_mbuf *m = tcp_packet(101);
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(th + 1);

	th->cksum = net_tcp_cksum(ip, th, 121);
	cr_assert(net_tcp_cksum_ok(ip, th, 121));
	pl[100] ^= 0x01;    /* the odd last byte */
	cr_expect_not(net_tcp_cksum_ok(ip, th, 121), "last payload byte");
	pl[100] ^= 0x01;
	th->rx_win ^= rte_cpu_to_be_16(0x0100);
	cr_expect_not(net_tcp_cksum_ok(ip, th, 121), "window");
	th->rx_win ^= rte_cpu_to_be_16(0x0100);
	ip->src_addr ^= rte_cpu_to_be_32(1);
	cr_expect_not(net_tcp_cksum_ok(ip, th, 121), "pseudo header: source address");
	ip->src_addr ^= rte_cpu_to_be_32(1);
	cr_expect(net_tcp_cksum_ok(ip, th, 121), "restored");
	cr_expect_not(net_tcp_cksum_ok(ip, th, 120), "pseudo header: length");
	rte_pktmbuf_free(m);
}

/* ICMP echo */

static struct rte_mbuf *echo_request(uint16_t paylen)
{
	uint16_t tot = (uint16_t)(20 + sizeof(struct rte_icmp_hdr) + paylen);
	struct rte_mbuf *m = ip_frame((uint16_t)(L3 + tot), tot, IPPROTO_ICMP);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);

	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_ident = rte_cpu_to_be_16(0x4242);
	ic->icmp_seq_nb = rte_cpu_to_be_16(7);
	ut_fill((uint8_t *)(ic + 1), 0, paylen);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, tot - 20);
	return m;
}

NET_TEST(icmp, echo_reply_built_in_place,
	 "RFC 792: the reply is type 0, addresses swapped, data kept, checksums valid")
{
	struct rte_mbuf *m = echo_request(57);
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t want[57];

	ut_fill(want, 0, sizeof(want));
	cr_assert_eq(net_icmp_echo_reply(m, L3), 0);
	cr_expect_eq(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	cr_expect_eq(ic->icmp_code, 0);
	cr_expect_eq(rte_be_to_cpu_32(ip->src_addr), 0x0a000001);
	cr_expect_eq(rte_be_to_cpu_32(ip->dst_addr), 0xc0a80102);
	cr_expect_eq(rte_be_to_cpu_16(ic->icmp_ident), 0x4242);
	cr_expect_eq(rte_be_to_cpu_16(ic->icmp_seq_nb), 7);
	cr_expect_arr_eq((uint8_t *)(ic + 1), want, sizeof(want));
	cr_expect_eq(rte_raw_cksum(ip, 20), 0xffff, "IPv4 header checksum");
	cr_expect_eq(rte_raw_cksum(ic, sizeof(*ic) + 57), 0xffff, "ICMP checksum");
	cr_expect_eq(net_ipv4_check(m, L3), NET_IP_OK);
	rte_pktmbuf_free(m);
}

NET_TEST(icmp, bad_icmp_checksum_refused, "An echo request with a bad checksum gets no reply")
{
	struct rte_mbuf *m = echo_request(16);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);

	ic->icmp_cksum ^= 0x0101;
	cr_expect_eq(net_icmp_echo_reply(m, L3), -EINVAL);
	cr_expect_eq(ic->icmp_type, RTE_IP_ICMP_ECHO_REQUEST, "not turned into a reply");
	cr_expect_eq(rte_be_to_cpu_32(ip_of(m)->src_addr), 0xc0a80102, "addresses not swapped");
	rte_pktmbuf_free(m);
}

NET_TEST(icmp, not_an_echo_request_refused, "An echo reply or a truncated message is refused")
{
	struct rte_mbuf *m = echo_request(16);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);

	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + 16);
	cr_expect_eq(net_icmp_echo_reply(m, L3), -EINVAL, "an echo reply");
	rte_pktmbuf_free(m);

	m = echo_request(0);
	ip_of(m)->total_length = rte_cpu_to_be_16(20 + 4);
	refix(m);
	cr_expect_eq(net_icmp_echo_reply(m, L3), -EINVAL, "4 bytes of ICMP");
	rte_pktmbuf_free(m);
}

/* ARP cache */

NET_TEST(arp, get_creates_lookup_finds, "net_arp_get creates an entry that lookup then finds")
{
	static struct net_neigh_table t;
	struct net_neigh *e;

	memset(&t, 0, sizeof(t));
	cr_expect_null(net_arp_lookup(&t, 0x0a000002));
	e = net_arp_get(&t, 0x0a000002, NULL);
	cr_assert_not_null(e);
	cr_expect_eq(e->ip, 0x0a000002);
	cr_expect_not(e->resolved);
	e->resolved = true;
	e->mac.addr_bytes[5] = 0x42;
	cr_expect_eq(net_arp_lookup(&t, 0x0a000002), e);
	cr_expect_eq(net_arp_get(&t, 0x0a000002, NULL), e, "get of a known address returns it");
	cr_expect(e->resolved, "and does not reset it");
	cr_expect_eq(e->mac.addr_bytes[5], 0x42);
	cr_expect_null(net_arp_lookup(&t, 0x0a000003));
}

NET_TEST(arp, collisions_and_a_full_table,
	 "NET_NEIGH_MAX addresses fit despite collisions; without eviction one more is refused")
{
	static struct net_neigh_table t;
	struct net_neigh *seen[NET_NEIGH_MAX];

	memset(&t, 0, sizeof(t));
	/* Addresses of a /24 plus more: slots collide long before the table is full. */
	for (uint32_t i = 0; i < NET_NEIGH_MAX; i++) {
		seen[i] = net_arp_get(&t, 0x0a000001 + i * 256, NULL);
		cr_assert_not_null(seen[i], "address %u refused before the table is full", i);
		for (uint32_t j = 0; j < i; j++)
			cr_assert_neq(seen[i], seen[j], "two addresses share entry (%u, %u)", i, j);
	}
	cr_expect_eq(t.n, NET_NEIGH_MAX);
	cr_expect_null(net_arp_get(&t, 0xc0a80001, NULL), "full table");
	for (uint32_t i = 0; i < NET_NEIGH_MAX; i++)
		cr_expect_eq(net_arp_lookup(&t, 0x0a000001 + i * 256), seen[i], "lookup %u", i);
	cr_expect_null(net_arp_lookup(&t, 0xc0a80001));
}

/* A full table of colliding addresses, each resolved and used at time i (or unresolved, asked at time i). */
static void arp_fill(struct net_neigh_table *t, bool resolved)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < NET_NEIGH_MAX; i++) {
		struct net_neigh *e = net_arp_get(t, 0x0a000001 + i * 256, NULL);

		cr_assert_not_null(e);
		e->resolved = resolved;
		e->used_us = e->updated_us = 1000 + i;
	}
}

/* Every address of the table is found, and its entry holds it. */
static void arp_expect_consistent(struct net_neigh_table *t, uint32_t skip)
{
	uint32_t found = 0;

	for (uint32_t i = 0; i < NET_NEIGH_MAX; i++) {
		uint32_t ip = 0x0a000001 + i * 256;
		struct net_neigh *e = net_arp_lookup(t, ip);

		if (ip == skip) {
			cr_expect_null(e, "the evicted %08x is still found", ip);
			continue;
		}
		cr_expect_not_null(e, "address %u lost by the eviction", i);
		if (e)
			found += e->ip == ip;
	}
	cr_expect_eq(found, NET_NEIGH_MAX - (skip != 0));
}

NET_TEST(arp, full_table_evicts_the_least_recently_used,
	 "Full of resolved entries: a new next hop evicts the one used longest ago; every other entry is still found (the probe chains are repaired)")
{
	static struct net_neigh_table t;
	struct net_neigh_evicted ev;
	struct net_neigh *e;

	arp_fill(&t, true);
	net_arp_lookup(&t, 0x0a000001)->used_us = 5000;   /* the first one was used lately */
	e = net_arp_get(&t, 0xc0a80001, &ev);
	cr_assert_not_null(e);
	cr_expect_eq(e->ip, 0xc0a80001);
	cr_expect_not(e->resolved);
	cr_expect_eq(ev.ip, 0x0a000001 + 256, "the least recently used one went (%08x)", ev.ip);
	cr_expect(ev.resolved);
	cr_expect_eq(t.n, NET_NEIGH_MAX);
	arp_expect_consistent(&t, ev.ip);
	cr_expect_eq(net_arp_lookup(&t, 0xc0a80001), e);
}

NET_TEST(arp, unresolved_entries_go_first_with_their_packets,
	 "A full table with one unresolved entry among resolved ones: that one is evicted, however recent, and its held packets are handed back")
{
	static struct net_neigh_table t;
	struct net_neigh_evicted ev;
	struct net_neigh *u;
	struct rte_mbuf *fake = (struct rte_mbuf *)&t;    /* never dereferenced */

	arp_fill(&t, true);
	u = net_arp_lookup(&t, 0x0a000001 + 100 * 256);
	u->resolved = false;
	u->updated_us = 999999;
	u->n_pending = 2;
	u->pending[0] = u->pending[1] = fake;
	cr_assert_not_null(net_arp_get(&t, 0xc0a80001, &ev));
	cr_expect_eq(ev.ip, 0x0a000001 + 100 * 256);
	cr_expect_not(ev.resolved);
	cr_expect_eq(ev.n_pending, 2);
	cr_expect_eq(ev.pending[1], fake);
	arp_expect_consistent(&t, ev.ip);
	/* All unresolved: the oldest request goes. */
	arp_fill(&t, false);
	cr_assert_not_null(net_arp_get(&t, 0xc0a80001, &ev));
	cr_expect_eq(ev.ip, 0x0a000001);
	arp_expect_consistent(&t, ev.ip);
}

NET_TEST(arp, churn_keeps_the_table_whole,
	 "10 000 new next hops through a full table: it stays at NET_NEIGH_MAX entries, the newest are all found")
{
	static struct net_neigh_table t;
	struct net_neigh_evicted ev;

	arp_fill(&t, true);
	for (uint32_t i = 0; i < 10000; i++) {
		struct net_neigh *e = net_arp_get(&t, 0x0b000001 + i * 97, &ev);

		cr_assert_not_null(e);
		e->resolved = true;
		e->used_us = 100000 + i;
		cr_assert_neq(ev.ip, 0, "a full table evicts");
		cr_assert_null(net_arp_lookup(&t, ev.ip));
	}
	cr_expect_eq(t.n, NET_NEIGH_MAX);
	for (uint32_t i = 10000 - NET_NEIGH_MAX; i < 10000; i++)
		cr_expect_not_null(net_arp_lookup(&t, 0x0b000001 + i * 97), "recent %u", i);
}

static const struct rte_ether_addr mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct rte_ether_addr mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};

NET_TEST(arp, build_request, "RFC 826 request: broadcast, opcode 1, target MAC zero")
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	const struct rte_ether_addr zero = {{0}}, bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	cr_assert_not_null(m);
	net_arp_build(m, RTE_ARP_OP_REQUEST, &mac_a, 0x0a000001, &mac_b, 0x0a000002);
	cr_assert_eq(rte_pktmbuf_data_len(m), sizeof(*eh) + sizeof(*ah));
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ah = (struct rte_arp_hdr *)(eh + 1);
	cr_expect(rte_is_same_ether_addr(&eh->dst_addr, &bcast));
	cr_expect(rte_is_same_ether_addr(&eh->src_addr, &mac_a));
	cr_expect_eq(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_ARP);
	cr_expect_eq(rte_be_to_cpu_16(ah->arp_hardware), RTE_ARP_HRD_ETHER);
	cr_expect_eq(rte_be_to_cpu_16(ah->arp_protocol), RTE_ETHER_TYPE_IPV4);
	cr_expect_eq(ah->arp_hlen, 6);
	cr_expect_eq(ah->arp_plen, 4);
	cr_expect_eq(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REQUEST);
	cr_expect(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &mac_a));
	cr_expect_eq(rte_be_to_cpu_32(ah->arp_data.arp_sip), 0x0a000001);
	cr_expect(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &zero));
	cr_expect_eq(rte_be_to_cpu_32(ah->arp_data.arp_tip), 0x0a000002);
	rte_pktmbuf_free(m);
}

NET_TEST(arp, build_reply, "RFC 826 reply: unicast to the asker, opcode 2, target filled")
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	cr_assert_not_null(m);
	/* Reuse of an mbuf that held something else: the builder starts afresh. */
	cr_assert_not_null(rte_pktmbuf_append(m, 300));
	net_arp_build(m, RTE_ARP_OP_REPLY, &mac_a, 0x0a000001, &mac_b, 0x0a000002);
	cr_assert_eq(rte_pktmbuf_data_len(m), sizeof(*eh) + sizeof(*ah));
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ah = (struct rte_arp_hdr *)(eh + 1);
	cr_expect(rte_is_same_ether_addr(&eh->dst_addr, &mac_b));
	cr_expect(rte_is_same_ether_addr(&eh->src_addr, &mac_a));
	cr_expect_eq(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REPLY);
	cr_expect(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &mac_a));
	cr_expect_eq(rte_be_to_cpu_32(ah->arp_data.arp_sip), 0x0a000001);
	cr_expect(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &mac_b));
	cr_expect_eq(rte_be_to_cpu_32(ah->arp_data.arp_tip), 0x0a000002);
	rte_pktmbuf_free(m);
}

NET_TEST(tcp_cksum, raw_sum_matches_dpdk_at_every_length_and_alignment,
	 "net_raw_cksum equals rte_raw_cksum for lengths 0..2048 at byte offsets 0..7, random and all-ones data")
{
	static uint8_t buf[2048 + 8];
	uint64_t x = 0x243f6a8885a308d3ull;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = pass ? 0xff : (uint8_t)(x >> 56);
		}
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 2048; len++)
				cr_assert_eq(net_raw_cksum(buf + off, len), rte_raw_cksum(buf + off, len),
					     "pass %d offset %zu length %zu", pass, off, len);
	}
}

/* Forwarding (transparent mode): TTL and ICMP errors, RFC 1812. */
TestSuite(forward, .init = setup);

NET_TEST(forward, ttl_decrement_keeps_the_checksum_right,
	 "RFC 1624 incremental update after TTL - 1 equals a full recomputation, over 100 000 random headers")
{
	uint64_t seed = 88172645463325252ull;

	for (int i = 0; i < 100000; i++) {
		struct rte_ipv4_hdr ip;
		uint8_t *b = (uint8_t *)&ip;

		for (size_t k = 0; k < sizeof(ip); k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			b[k] = (uint8_t)seed;
		}
		ip.version_ihl = 0x45;
		if (ip.time_to_live < 2)
			ip.time_to_live = 2;
		ip.hdr_checksum = 0;
		ip.hdr_checksum = rte_ipv4_cksum(&ip);
		net_ipv4_ttl_dec(&ip);
		cr_assert_eq(rte_raw_cksum(&ip, sizeof(ip)), 0xffff, "header %d: checksum wrong after TTL - 1", i);
		uint16_t inc = ip.hdr_checksum;
		ip.hdr_checksum = 0;
		cr_assert_eq(rte_ipv4_cksum(&ip) == 0 ? 0xffff : rte_ipv4_cksum(&ip), inc == 0 ? 0xffff : inc,
			     "header %d", i);
	}
}

/* An IPv4 packet (no Ethernet) of tot bytes from src to dst. */
static struct rte_mbuf *ip_pkt(uint32_t src, uint32_t dst, uint8_t proto, uint16_t tot)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ipv4_hdr *ip;

	cr_assert_not_null(m);
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, tot);
	cr_assert_not_null(ip);
	memset(ip, 0, tot);
	for (uint16_t k = sizeof(*ip); k < tot; k++)
		((uint8_t *)ip)[k] = (uint8_t)k;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(tot);
	ip->time_to_live = 1;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

NET_TEST(forward, time_exceeded_quotes_the_packet,
	 "ICMP time exceeded: from the given address to the packet's source, type 11 code 0, checksums right, the packet quoted up to 576 bytes in all")
{
	struct rte_mbuf *orig = ip_pkt(0x0a0a0102, 0x0a140002, IPPROTO_UDP, 1400);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *ic;

	cr_assert_eq(net_icmp_error(m, oip, 1400, 0x0a0a0101, 11, 0, 0, 7), 0);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	cr_expect_eq(rte_pktmbuf_data_len(m), 576);
	cr_expect_eq(rte_be_to_cpu_16(ip->total_length), 576);
	cr_expect_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	cr_expect_eq(ip->next_proto_id, IPPROTO_ICMP);
	cr_expect_eq(rte_be_to_cpu_32(ip->src_addr), 0x0a0a0101);
	cr_expect_eq(rte_be_to_cpu_32(ip->dst_addr), 0x0a0a0102);
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	cr_expect_eq(ic->icmp_type, 11);
	cr_expect_eq(ic->icmp_code, 0);
	cr_expect_eq(rte_raw_cksum(ic, 576 - sizeof(*ip)), 0xffff, "ICMP checksum");
	cr_expect_eq(memcmp(ic + 1, oip, 576 - 28), 0, "the quote is the packet's start");
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(orig);
}

NET_TEST(forward, frag_needed_carries_the_mtu,
	 "ICMP fragmentation needed (type 3 code 4) carries the next-hop MTU (RFC 1191); a short packet is quoted whole")
{
	struct rte_mbuf *orig = ip_pkt(0x0a0a0102, 0x0a140002, IPPROTO_TCP, 60);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	const struct rte_icmp_hdr *ic;

	cr_assert_eq(net_icmp_error(m, rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *), 60, 0x0a0a0101, 3, 4,
				    1400, 1), 0);
	cr_expect_eq(rte_pktmbuf_data_len(m), 20 + 8 + 60);
	ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, 20);
	cr_expect_eq(ic->icmp_type, 3);
	cr_expect_eq(ic->icmp_code, 4);
	cr_expect_eq(rte_be_to_cpu_16(ic->icmp_seq_nb), 1400);
	cr_expect_eq(rte_raw_cksum(ic, 8 + 60), 0xffff);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(orig);
}

NET_TEST(forward, no_error_about_errors_fragments_or_odd_sources,
	 "RFC 1812 4.3.2.7: no ICMP error about an ICMP error, a non-initial fragment, a multicast destination or a source that is not one host; an echo request may get one")
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_mbuf *o;
	struct rte_ipv4_hdr *ip;
	uint8_t *icmp;

	o = ip_pkt(0x0a0a0102, 0x0a140002, IPPROTO_ICMP, 60);
	ip = rte_pktmbuf_mtod(o, struct rte_ipv4_hdr *);
	icmp = (uint8_t *)(ip + 1);
	icmp[0] = 3;                                   /* an unreachable */
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL);
	icmp[0] = 11;                                  /* a time exceeded */
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL);
	icmp[0] = 8;                                   /* an echo request: yes */
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), 0);
	rte_pktmbuf_reset(m);
	ip->next_proto_id = IPPROTO_UDP;
	ip->fragment_offset = rte_cpu_to_be_16(100);
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL, "a later fragment");
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), 0, "the first fragment");
	rte_pktmbuf_reset(m);
	ip->fragment_offset = 0;
	ip->dst_addr = rte_cpu_to_be_32(0xe0000001);
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL, "multicast destination");
	ip->dst_addr = rte_cpu_to_be_32(0x0a140002);
	ip->src_addr = 0;
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL, "source 0.0.0.0");
	ip->src_addr = rte_cpu_to_be_32(0x7f000001);
	cr_expect_eq(net_icmp_error(m, ip, 60, 1, 11, 0, 0, 0), -EINVAL, "loopback source");
	cr_expect_eq(net_icmp_error(m, ip, 10, 1, 11, 0, 0, 0), -EINVAL, "truncated");
	cr_expect_eq(rte_pktmbuf_data_len(m), 0, "nothing appended when refused");
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(o);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's IPv6 helpers (lib/net/ipv6.h): the header checks and the
 * extension header walker (every header type, chains, truncation, the bound),
 * the options' action bits (RFC 8200 4.2), the upper-layer checksum against a
 * packet scapy built and against DPDK's, ICMPv6 echo and errors (RFC 4443),
 * and Neighbour Discovery's NS and NA (RFC 4861 7.1), built byte for byte as
 * scapy builds them.
 */
#include <errno.h>
#include <string.h>

#include "net/ipv6.h"
#include "seghelp.h"

#define ETH 14u

static const uint8_t A_CLIENT[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
static const uint8_t A_HAGD[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t A_ALLNODES[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

/* scapy: IPv6(src="2001:db8:1::10", dst="2001:db8:2::1", hlim=64) /
 * IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) / TCP(sport=40000,
 * dport=80, seq=1, flags="S", window=65535) / b"hello": TCP checksum 0x73f4. */
static const uint8_t TCP6_DSTOPT[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x21, 0x3c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x40, 0x00,
	0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x73, 0xf4, 0x00, 0x00,
	0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* scapy: Ether(src="02:00:00:00:00:01", dst="33:33:ff:00:00:02") / IPv6(src="fe80::1",
 * dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::2") /
 * ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01") */
static const uint8_t NS_FRAME[] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff,
	0x00, 0x00, 0x02, 0x87, 0x00, 0x4b, 0x5f, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x01,
};

/* scapy: Ether(src="02:00:00:00:00:10", dst="02:00:00:00:00:01") / IPv6(src="2001:db8::2",
 * dst="fe80::1", hlim=255) / ICMPv6ND_NA(tgt="2001:db8::2", R=0, S=1, O=1) /
 * ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:10") */
static const uint8_t NA_FRAME[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x10, 0x86, 0xdd, 0x60, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x88, 0x00, 0xb9, 0x9b, 0x60, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x10,
};

static struct rte_mbuf *held[32];
static unsigned n_held;

static void setup(void)
{
	ut_eal_init();
	n_held = 0;
}

static void teardown(void)
{
	for (unsigned i = 0; i < n_held; i++)
		rte_pktmbuf_free(held[i]);
	cr_expect_eq(rte_mempool_in_use_count(ut_pool), 0, "mbufs left");
}

static struct rte_mbuf *keep(struct rte_mbuf *m)
{
	cr_assert_not_null(m);
	cr_assert_lt(n_held, 32);
	held[n_held++] = m;
	return m;
}

/* A frame: an Ethernet header, then bytes (an IPv6 packet as given). */
static struct rte_mbuf *frame(const void *bytes, size_t len)
{
	struct rte_mbuf *m = keep(rte_pktmbuf_alloc(ut_pool));
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + len));
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)(void *)p;

	cr_assert_not_null(p);
	memset(eh, 0, ETH);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	memcpy(p + ETH, bytes, len);
	return m;
}

/* An IPv6 packet from A_CLIENT to dst: the first Next Header, then ext (its
 * headers, each starting with its Next Header) and an upper-layer payload. */
static size_t pkt(uint8_t *out, const uint8_t dst[16], uint8_t next, const void *ext, size_t ext_len,
		  const void *l4, size_t l4_len)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(void *)out;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(ext_len + l4_len));
	ip->proto = next;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, A_CLIENT, 16);
	memcpy(ip->dst_addr, dst, 16);
	memcpy(out + NET_IP6_HLEN, ext, ext_len);
	memcpy(out + NET_IP6_HLEN + ext_len, l4, l4_len);
	return NET_IP6_HLEN + ext_len + l4_len;
}

static const uint8_t TCP20[20] = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff};

static enum net_ip6_verdict walk(const uint8_t dst[16], uint8_t next, const void *ext, size_t ext_len,
				 struct net_ip6_info *in)
{
	uint8_t b[512];
	size_t n = pkt(b, dst, next, ext, ext_len, TCP20, sizeof(TCP20));

	return net_ip6_check(frame(b, n), ETH, in);
}

TestSuite(net_ipv6, .init = setup, .fini = teardown);

Test(net_ipv6, a_packet_scapy_built_walks_and_checks,
     .description = "a Destination Options header then TCP: walked, and its TCP checksum is scapy's 0x73f4")
{
	struct rte_mbuf *m = frame(TCP6_DSTOPT, sizeof(TCP6_DSTOPT));
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH);
	struct net_ip6_info in;
	uint8_t tcp[25];

	cr_assert_eq(net_ip6_check(m, ETH, &in), NET_IP6_OK);
	cr_expect_eq(in.proto, IPPROTO_TCP);
	cr_expect_eq(in.n_ext, 1);
	cr_expect_eq(in.hlen, 48);
	cr_expect_eq(in.l4, ETH + 48);
	cr_expect_eq(in.l4len, 25);
	cr_expect_eq(in.nh_ptr, 40, "TCP is named by the options header's Next Header");
	cr_expect(net_ip6_l4_cksum_ok(ip, in.proto, rte_pktmbuf_mtod_offset(m, void *, in.l4), in.l4len));
	memcpy(tcp, TCP6_DSTOPT + 48, sizeof(tcp));
	tcp[16] = tcp[17] = 0;
	cr_expect_eq(rte_be_to_cpu_16(net_ip6_l4_cksum(ip, IPPROTO_TCP, tcp, sizeof(tcp))), 0x73f4);
	cr_expect_not(net_ip6_l4_cksum_ok(ip, IPPROTO_UDP, TCP6_DSTOPT + 48, 25), "the protocol is in the sum");
}

Test(net_ipv6, checksum_agrees_with_dpdk,
     .description = "without extension headers the checksum is rte_ipv6_udptcp_cksum's, for every length 0..300")
{
	uint8_t b[512], l4[320];

	for (size_t i = 0; i < sizeof(l4); i++)
		l4[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 20; len <= 300; len++) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(void *)b;

		memset(l4 + 16, 0, 2);
		pkt(b, A_HAGD, IPPROTO_TCP, l4, 0, l4, len);
		cr_assert_eq(net_ip6_l4_cksum(ip, IPPROTO_TCP, b + NET_IP6_HLEN, (uint32_t)len),
			     rte_ipv6_udptcp_cksum(ip, b + NET_IP6_HLEN), "length %zu", len);
	}
}

Test(net_ipv6, header_checks)
{
	uint8_t b[128];
	size_t n = pkt(b, A_HAGD, IPPROTO_TCP, TCP20, 0, TCP20, sizeof(TCP20));
	struct net_ip6_info in;
	struct rte_mbuf *m;

	cr_expect_eq(net_ip6_check(frame(b, 39), ETH, &in), NET_IP6_TRUNCATED, "39 bytes");
	b[0] = 0x40;
	cr_expect_eq(net_ip6_check(frame(b, n), ETH, &in), NET_IP6_BAD_VERSION);
	b[0] = 0x60;
	cr_expect_eq(net_ip6_check(frame(b, n - 1), ETH, &in), NET_IP6_TRUNCATED, "payload length beyond the frame");
	memset(b + n, 0, 6);
	m = frame(b, n + 6);
	cr_expect_eq(net_ip6_check(m, ETH, &in), NET_IP6_OK);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), ETH + n, "Ethernet padding trimmed");
	cr_expect_eq(in.l4len, 20);
	b[8] = 0xff;
	cr_expect_eq(net_ip6_check(frame(b, n), ETH, &in), NET_IP6_BAD_SRC, "a multicast source");
}

Test(net_ipv6, every_extension_header_in_one_chain,
     .description = "Hop-by-Hop, Destination Options, Routing (0 segments left), an atomic Fragment, AH: all walked")
{
	const uint8_t ext[] = {
		NET_PROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0,                         /* HBH, PadN */
		NET_PROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0,                         /* Destination Options */
		NET_PROTO_FRAGMENT, 0, 4, 0, 0, 0, 0, 0,                        /* Routing type 4, 0 left */
		NET_PROTO_AH, 0, 0, 0, 0, 0, 0, 9,                              /* atomic fragment */
		IPPROTO_TCP, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,                   /* AH, 12 bytes */
	};
	struct net_ip6_info in;

	cr_assert_eq(walk(A_HAGD, NET_PROTO_HOPOPTS, ext, sizeof(ext), &in), NET_IP6_OK);
	cr_expect_eq(in.n_ext, 5);
	cr_expect_eq(in.proto, IPPROTO_TCP);
	cr_expect_eq(in.hlen, NET_IP6_HLEN + sizeof(ext));
	cr_expect_eq(in.nh_ptr, NET_IP6_HLEN + 32, "the AH names TCP");
	cr_expect_eq(in.l4len, 20);
}

Test(net_ipv6, no_next_header)
{
	const uint8_t ext[] = {NET_PROTO_NONE, 0, 1, 4, 0, 0, 0, 0};
	struct net_ip6_info in;

	cr_assert_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, ext, sizeof(ext), &in), NET_IP6_OK);
	cr_expect_eq(in.proto, NET_PROTO_NONE);
	cr_expect_eq(in.l4len, 20, "what follows is not looked at");
}

Test(net_ipv6, hop_by_hop_only_first,
     .description = "RFC 8200 4.3: a Hop-by-Hop after another header: Parameter Problem code 1 at the Next Header naming it")
{
	const uint8_t ext[] = {NET_PROTO_HOPOPTS, 0, 1, 4, 0, 0, 0, 0, IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0};
	struct net_ip6_info in;

	cr_assert_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, ext, sizeof(ext), &in), NET_IP6_PARAM_PROBLEM);
	cr_expect_eq(in.pp_code, 1);
	cr_expect_eq(in.pp_ptr, NET_IP6_HLEN);
}

Test(net_ipv6, routing_headers_with_segments_left,
     .description = "type 0 (RFC 5095) and any other type with segments left: refused at the type field; 0 left: ignored")
{
	uint8_t ext[24] = {IPPROTO_TCP, 2, 0, 1};
	struct net_ip6_info in;

	cr_assert_eq(walk(A_HAGD, NET_PROTO_ROUTING, ext, sizeof(ext), &in), NET_IP6_ROUTING_HDR);
	cr_expect_eq(in.routing_type, 0);
	cr_expect_eq(in.pp_code, 0);
	cr_expect_eq(in.pp_ptr, NET_IP6_HLEN + 2);
	ext[2] = 4;
	cr_expect_eq(walk(A_HAGD, NET_PROTO_ROUTING, ext, sizeof(ext), &in), NET_IP6_ROUTING_HDR);
	cr_expect_eq(in.routing_type, 4);
	ext[2] = 0;
	ext[3] = 0;
	cr_expect_eq(walk(A_HAGD, NET_PROTO_ROUTING, ext, sizeof(ext), &in), NET_IP6_OK, "type 0, no segment left");
}

Test(net_ipv6, fragments_are_refused_unless_atomic,
     .description = "no reassembly: a first fragment (M set) or a later one is refused; offset 0 without M is the packet (RFC 6946)")
{
	uint8_t ext[8] = {IPPROTO_TCP, 0, 0, 1, 0, 0, 0, 7};
	struct net_ip6_info in;

	cr_expect_eq(walk(A_HAGD, NET_PROTO_FRAGMENT, ext, sizeof(ext), &in), NET_IP6_FRAGMENT, "M set");
	ext[2] = 0;
	ext[3] = 8;                 /* offset 1 (8 bytes), M clear */
	cr_expect_eq(walk(A_HAGD, NET_PROTO_FRAGMENT, ext, sizeof(ext), &in), NET_IP6_FRAGMENT, "a later fragment");
	ext[3] = 0;
	cr_expect_eq(walk(A_HAGD, NET_PROTO_FRAGMENT, ext, sizeof(ext), &in), NET_IP6_OK, "atomic");
	cr_expect_eq(in.proto, IPPROTO_TCP);
}

Test(net_ipv6, the_chain_is_bounded,
     .description = "8 extension headers are walked, a ninth is refused")
{
	uint8_t ext[9 * 8];
	struct net_ip6_info in;

	for (int i = 0; i < 9; i++) {
		const uint8_t h[8] = {NET_PROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0};

		memcpy(ext + i * 8, h, 8);
	}
	ext[7 * 8] = IPPROTO_TCP;
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, ext, 8 * 8, &in), NET_IP6_OK);
	cr_expect_eq(in.n_ext, 8);
	ext[7 * 8] = NET_PROTO_DSTOPTS;
	ext[8 * 8] = IPPROTO_TCP;
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, ext, 9 * 8, &in), NET_IP6_TOO_MANY_EXT);
}

Test(net_ipv6, truncated_extension_headers)
{
	const uint8_t longer[8] = {IPPROTO_TCP, 1, 1, 4, 0, 0, 0, 0};   /* says 16 bytes */
	uint8_t b[128];
	struct net_ip6_info in;
	size_t n;

	n = pkt(b, A_HAGD, NET_PROTO_DSTOPTS, longer, sizeof(longer), TCP20, 0);
	cr_expect_eq(net_ip6_check(frame(b, n), ETH, &in), NET_IP6_TRUNCATED, "a header past the payload");
	n = pkt(b, A_HAGD, NET_PROTO_DSTOPTS, longer, 1, TCP20, 0);
	cr_expect_eq(net_ip6_check(frame(b, n), ETH, &in), NET_IP6_TRUNCATED, "one byte of a header");
	n = pkt(b, A_HAGD, NET_PROTO_FRAGMENT, longer, 4, TCP20, 0);
	cr_expect_eq(net_ip6_check(frame(b, n), ETH, &in), NET_IP6_TRUNCATED, "half a Fragment header");
}

/* A Destination Options header holding one option of type t (4 data bytes) and padding. */
static enum net_ip6_verdict one_option(uint8_t t, const uint8_t dst[16], struct net_ip6_info *in)
{
	const uint8_t ext[8] = {IPPROTO_TCP, 0, t, 4, 1, 2, 3, 4};

	return walk(dst, NET_PROTO_DSTOPTS, ext, sizeof(ext), in);
}

Test(net_ipv6, options_by_their_action_bits,
     .description = "RFC 8200 4.2: 00 skipped, 01 discarded, 10 Parameter Problem code 2, 11 the same unless to multicast")
{
	struct net_ip6_info in;

	cr_expect_eq(one_option(0x1e, A_HAGD, &in), NET_IP6_OK);
	cr_expect_eq(one_option(0x05, A_HAGD, &in), NET_IP6_OK, "Router Alert: skipped by an end host");
	cr_expect_eq(one_option(0x5e, A_HAGD, &in), NET_IP6_BAD_OPTION);
	cr_expect_eq(one_option(0x9e, A_HAGD, &in), NET_IP6_PARAM_PROBLEM);
	cr_expect_eq(in.pp_code, 2);
	cr_expect_eq(in.pp_ptr, NET_IP6_HLEN + 2, "at the option's type");
	cr_expect_eq(one_option(0x9e, A_ALLNODES, &in), NET_IP6_PARAM_PROBLEM, "10: even to a group");
	cr_expect_eq(one_option(0xde, A_HAGD, &in), NET_IP6_PARAM_PROBLEM);
	cr_expect_eq(one_option(0xde, A_ALLNODES, &in), NET_IP6_BAD_OPTION, "11: silent to a group");
	cr_expect_eq(one_option(0xc2, A_HAGD, &in), NET_IP6_PARAM_PROBLEM, "Jumbo Payload: not supported");
}

Test(net_ipv6, malformed_options)
{
	const uint8_t past_end[8] = {IPPROTO_TCP, 0, 0x1e, 9, 0, 0, 0, 0};
	const uint8_t pad8[16] = {IPPROTO_TCP, 1, 1, 6, 0, 0, 0, 0, 0, 0, 0x1e, 4, 0, 0, 0, 0};
	const uint8_t pad_data[8] = {IPPROTO_TCP, 0, 1, 4, 0, 0, 1, 0};
	const uint8_t pad1s[16] = {IPPROTO_TCP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	uint8_t many[32] = {IPPROTO_TCP, 3};
	struct net_ip6_info in;

	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, past_end, 8, &in), NET_IP6_BAD_OPTION, "an option past the header");
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, pad8, 16, &in), NET_IP6_BAD_OPTION, "8 bytes of PadN");
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, pad_data, 8, &in), NET_IP6_BAD_OPTION, "PadN with data");
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, pad1s, 16, &in), NET_IP6_BAD_OPTION, "14 Pad1 in a row");
	for (int i = 0; i < 10; i++) {             /* ten empty unknown options of action 00 */
		many[2 + 3 * i] = 0x1e;
		many[3 + 3 * i] = 1;
	}
	cr_expect_eq(walk(A_HAGD, NET_PROTO_DSTOPTS, many, 32, &in), NET_IP6_BAD_OPTION, "more than 8 options");
}

/* An ICMPv6 echo request (id 7, seq 1, data) from A_CLIENT to dst, after ext. */
static struct rte_mbuf *echo_request(const uint8_t dst[16], const void *ext, size_t ext_len, uint8_t next)
{
	uint8_t b[256], icmp[24] = {NET_ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 7, 0, 1, 'p', 'i', 'n', 'g'};
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(void *)b;
	size_t n = pkt(b, dst, ext_len ? next : NET_PROTO_ICMPV6, ext_len ? ext : icmp, ext_len, icmp, sizeof(icmp));
	rte_be16_t c = net_ip6_l4_cksum(ip, NET_PROTO_ICMPV6, icmp, sizeof(icmp));

	memcpy(b + n - sizeof(icmp) + 2, &c, 2);
	return frame(b, n);
}

Test(net_ipv6, echo_reply_in_place,
     .description = "an echo request becomes its reply: addresses, type 129, hop limit 64, checksum; extension headers dropped")
{
	const uint8_t ext[8] = {NET_PROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0};

	for (int with_ext = 0; with_ext < 2; with_ext++) {
		struct rte_mbuf *m = echo_request(A_HAGD, ext, with_ext ? 8 : 0, NET_PROTO_DSTOPTS);
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH);
		const uint8_t *ic = (const uint8_t *)(ip + 1);
		struct net_ip6_info in;

		cr_assert_eq(net_ip6_check(m, ETH, &in), NET_IP6_OK);
		cr_assert_eq(net_icmp6_echo_reply(m, ETH, &in, A_HAGD), 0);
		cr_expect_eq(rte_pktmbuf_pkt_len(m), ETH + NET_IP6_HLEN + 24);
		cr_expect_eq(ip->proto, NET_PROTO_ICMPV6);
		cr_expect_eq(rte_be_to_cpu_16(ip->payload_len), 24);
		cr_expect_eq(ip->hop_limits, 64);
		cr_expect_arr_eq(ip->src_addr, A_HAGD, 16);
		cr_expect_arr_eq(ip->dst_addr, A_CLIENT, 16);
		cr_expect_eq(ic[0], NET_ICMP6_ECHO_REPLY);
		cr_expect_eq(ic[5], 7, "identifier kept");
		cr_expect_eq(memcmp(ic + 8, "ping", 4), 0, "data kept");
		cr_expect(net_ip6_l4_cksum_ok(ip, NET_PROTO_ICMPV6, ic, 24));
	}
}

Test(net_ipv6, echo_reply_refuses_a_bad_request)
{
	struct rte_mbuf *m = echo_request(A_HAGD, NULL, 0, 0);
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + NET_IP6_HLEN);
	struct net_ip6_info in;

	cr_assert_eq(net_ip6_check(m, ETH, &in), NET_IP6_OK);
	ic[9] ^= 1;
	cr_expect_eq(net_icmp6_echo_reply(m, ETH, &in, A_HAGD), -EINVAL, "bad checksum");
	ic[9] ^= 1;
	ic[0] = NET_ICMP6_ECHO_REPLY;
	cr_expect_eq(net_icmp6_echo_reply(m, ETH, &in, A_HAGD), -EINVAL, "not a request");
}

/* An error about a TCP packet of len bytes to dst, into a fresh mbuf. */
static int error_about(const uint8_t dst[16], size_t len, uint8_t type, uint8_t code, uint32_t param,
		       struct rte_mbuf **out)
{
	static uint8_t b[1600], payload[1600];
	struct net_ip6_info in;
	struct rte_mbuf *orig, *m = keep(rte_pktmbuf_alloc(ut_pool));
	size_t n;

	memset(payload, 0xab, sizeof(payload));
	n = pkt(b, dst, IPPROTO_TCP, payload, 0, payload, len - NET_IP6_HLEN);
	orig = frame(b, n);
	cr_assert_eq(net_ip6_check(orig, ETH, &in), NET_IP6_OK);
	*out = m;
	return net_icmp6_error(m, rte_pktmbuf_mtod_offset(orig, const struct rte_ipv6_hdr *, ETH), (uint32_t)n, &in,
			       A_HAGD, type, code, param);
}

Test(net_ipv6, errors_quote_the_packet_within_1280_bytes,
     .description = "RFC 4443 2.4 c: as much of the packet as fits in 1280 bytes; a Packet Too Big carries its MTU")
{
	struct rte_mbuf *m;
	const struct rte_ipv6_hdr *ip;
	const uint8_t *ic;

	cr_assert_eq(error_about(A_HAGD, 100, NET_ICMP6_DEST_UNREACH, 4, 0, &m), 0);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), NET_IP6_HLEN + 8 + 100, "a short packet whole");
	cr_assert_eq(error_about(A_HAGD, 1500, NET_ICMP6_PKT_TOO_BIG, 0, 1400, &m), 0);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), NET_IP6_MIN_MTU);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	ic = (const uint8_t *)(ip + 1);
	cr_expect_arr_eq(ip->src_addr, A_HAGD, 16);
	cr_expect_arr_eq(ip->dst_addr, A_CLIENT, 16);
	cr_expect_eq(rte_be_to_cpu_16(ip->payload_len), NET_IP6_MIN_MTU - NET_IP6_HLEN);
	cr_expect_eq(ic[0], NET_ICMP6_PKT_TOO_BIG);
	cr_expect_eq(ic[6] << 8 | ic[7], 1400, "the MTU");
	cr_expect_eq(ic[8], 0x60, "the packet follows");
	cr_expect(net_ip6_l4_cksum_ok(ip, NET_PROTO_ICMPV6, ic, NET_IP6_MIN_MTU - NET_IP6_HLEN));
	cr_assert_eq(error_about(A_HAGD, 100, NET_ICMP6_PARAM_PROBLEM, 0, 42, &m), 0);
	ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, NET_IP6_HLEN);
	cr_expect_eq(ic[7], 42, "the pointer");
}

Test(net_ipv6, errors_that_must_not_be_sent,
     .description = "RFC 4443 2.4 e: not about an ICMPv6 error or a redirect, a multicast or unspecified source, "
		    "a packet to a group (but Packet Too Big and Parameter Problem code 2)")
{
	struct rte_mbuf *m, *orig;
	struct net_ip6_info in;
	uint8_t b[128], ic[8] = {NET_ICMP6_DEST_UNREACH};
	size_t n;

	cr_expect_eq(error_about(A_ALLNODES, 100, NET_ICMP6_DEST_UNREACH, 4, 0, &m), -EINVAL);
	cr_expect_eq(error_about(A_ALLNODES, 100, NET_ICMP6_PARAM_PROBLEM, 0, 4, &m), -EINVAL);
	cr_expect_eq(error_about(A_ALLNODES, 100, NET_ICMP6_PARAM_PROBLEM, 2, 4, &m), 0);
	cr_expect_eq(error_about(A_ALLNODES, 1500, NET_ICMP6_PKT_TOO_BIG, 0, 1280, &m), 0);
	for (int t = 0; t < 3; t++) {
		const uint8_t types[3] = {NET_ICMP6_DEST_UNREACH, NET_ICMP6_ND_REDIRECT, NET_ICMP6_ECHO_REQUEST};

		ic[0] = types[t];
		n = pkt(b, A_HAGD, NET_PROTO_ICMPV6, ic, 0, ic, sizeof(ic));
		orig = frame(b, n);
		cr_assert_eq(net_ip6_check(orig, ETH, &in), NET_IP6_OK);
		m = keep(rte_pktmbuf_alloc(ut_pool));
		cr_expect_eq(net_icmp6_error(m, rte_pktmbuf_mtod_offset(orig, const struct rte_ipv6_hdr *, ETH),
					     (uint32_t)n, &in, A_HAGD, NET_ICMP6_PARAM_PROBLEM, 0, 0),
			     t == 2 ? 0 : -EINVAL, "about ICMPv6 type %u", types[t]);
	}
	n = pkt(b, A_HAGD, IPPROTO_TCP, TCP20, 0, TCP20, sizeof(TCP20));
	memset(b + 8, 0, 16);                       /* from :: */
	orig = frame(b, n);
	m = keep(rte_pktmbuf_alloc(ut_pool));
	cr_expect_eq(net_icmp6_error(m, rte_pktmbuf_mtod_offset(orig, const struct rte_ipv6_hdr *, ETH), (uint32_t)n,
				     NULL, A_HAGD, NET_ICMP6_DEST_UNREACH, 0, 0), -EINVAL, "from the unspecified address");
}

/* The NS or NA frame f (Ethernet header in place) parsed, after edit. */
static enum net_nd_verdict nd(const uint8_t *f, size_t len, void (*edit)(uint8_t *p), bool resum,
			      struct net_nd_msg *msg)
{
	uint8_t b[128];
	struct rte_mbuf *m;
	struct rte_ipv6_hdr *ip;
	struct net_ip6_info in;
	enum net_ip6_verdict v;

	memcpy(b, f + ETH, len - ETH);
	if (edit)
		edit(b);
	ip = (struct rte_ipv6_hdr *)(void *)b;
	if (resum) {
		b[NET_IP6_HLEN + 2] = b[NET_IP6_HLEN + 3] = 0;
		rte_be16_t c = net_ip6_l4_cksum(ip, NET_PROTO_ICMPV6, b + NET_IP6_HLEN, (uint32_t)(len - ETH - NET_IP6_HLEN));
		memcpy(b + NET_IP6_HLEN + 2, &c, 2);
	}
	m = frame(b, len - ETH);
	v = net_ip6_check(m, ETH, &in);
	cr_assert_eq(v, NET_IP6_OK);
	return net_nd_parse(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH), &in,
			    rte_pktmbuf_mtod_offset(m, const uint8_t *, in.l4), msg);
}

static void hop254(uint8_t *p) { p[7] = 254; }
static void code1(uint8_t *p) { p[NET_IP6_HLEN + 1] = 1; }
static void flip(uint8_t *p) { p[NET_IP6_HLEN + 30] ^= 1; }
static void mcast_target(uint8_t *p) { p[NET_IP6_HLEN + 8] = 0xff; }
static void opt_len0(uint8_t *p) { p[NET_IP6_HLEN + 25] = 0; }
static void from_unspecified(uint8_t *p) { memset(p + 8, 0, 16); }
static void to_all_nodes(uint8_t *p) { memcpy(p + 24, A_ALLNODES, 16); }

Test(net_ipv6, neighbour_solicitation_parsed_and_validated,
     .description = "RFC 4861 7.1.1 on scapy's NS: hop limit 255, code 0, checksum, target not multicast, options, DAD's form")
{
	struct net_nd_msg msg;
	const struct rte_ether_addr mac = {{2, 0, 0, 0, 0, 1}};

	cr_assert_eq(nd(NS_FRAME, sizeof(NS_FRAME), NULL, false, &msg), NET_ND_OK);
	cr_expect_eq(msg.type, NET_ICMP6_ND_NS);
	cr_expect_eq(msg.target[15], 2);
	cr_expect(msg.has_lla);
	cr_expect(rte_is_same_ether_addr(&msg.lla, &mac));
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), hop254, false, &msg), NET_ND_BAD_HOP_LIMIT);
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), code1, true, &msg), NET_ND_BAD_CODE);
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), flip, false, &msg), NET_ND_BAD_CSUM);
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), mcast_target, true, &msg), NET_ND_BAD_TARGET);
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), opt_len0, true, &msg), NET_ND_BAD_OPTION);
	cr_expect_eq(nd(NS_FRAME, sizeof(NS_FRAME), from_unspecified, true, &msg), NET_ND_BAD_DAD,
		     "DAD with a source link-layer option");
}

static void cut_option_from_unspecified(uint8_t *p)
{
	p[5] = 24;                                  /* payload length: no option */
	memset(p + 8, 0, 16);
}

Test(net_ipv6, duplicate_address_detection_form)
{
	uint8_t f[sizeof(NS_FRAME)];
	struct net_nd_msg msg;

	memcpy(f, NS_FRAME, sizeof(f));
	cr_expect_eq(nd(f, sizeof(f) - 8, cut_option_from_unspecified, true, &msg), NET_ND_OK,
		     "from :: to the solicited-node address, no option");
	cr_expect_not(msg.has_lla);
}

Test(net_ipv6, neighbour_advertisement_parsed_and_validated)
{
	struct net_nd_msg msg;
	const struct rte_ether_addr mac = {{2, 0, 0, 0, 0, 0x10}};

	cr_assert_eq(nd(NA_FRAME, sizeof(NA_FRAME), NULL, false, &msg), NET_ND_OK);
	cr_expect_eq(msg.type, NET_ICMP6_ND_NA);
	cr_expect_eq(msg.flags, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE);
	cr_expect(msg.has_lla);
	cr_expect(rte_is_same_ether_addr(&msg.lla, &mac));
	cr_expect_eq(nd(NA_FRAME, sizeof(NA_FRAME), to_all_nodes, true, &msg), NET_ND_BAD_SOLICITED,
		     "a solicited answer to a group");
}

Test(net_ipv6, neighbour_messages_built_as_scapy_builds_them)
{
	const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 0x10}};
	const uint8_t ll1[16] = {0xfe, 0x80, [15] = 1};
	const uint8_t target[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	struct rte_mbuf *m = keep(rte_pktmbuf_alloc(ut_pool));

	cr_assert_eq(net_nd_build_ns(m, &a, ll1, target, NULL), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), sizeof(NS_FRAME));
	cr_expect_arr_eq(rte_pktmbuf_mtod(m, const uint8_t *), NS_FRAME, sizeof(NS_FRAME));
	m = keep(rte_pktmbuf_alloc(ut_pool));
	cr_assert_eq(net_nd_build_na(m, &b, &a, target, ll1, target, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), sizeof(NA_FRAME));
	cr_expect_arr_eq(rte_pktmbuf_mtod(m, const uint8_t *), NA_FRAME, sizeof(NA_FRAME));
}

Test(net_ipv6, multicast_helpers)
{
	const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [13] = 0xab, 0xcd, 0xef};
	const uint8_t want[16] = {0xff, 0x02, [11] = 1, 0xff, 0xab, 0xcd, 0xef};
	uint8_t sn[16];
	struct rte_ether_addr mac;

	net_ip6_solicited_node(a, sn);
	cr_expect_arr_eq(sn, want, 16);
	cr_expect(net_ip6_is_solicited_node(sn));
	cr_expect_not(net_ip6_is_solicited_node(A_ALLNODES));
	net_ip6_mcast_mac(sn, &mac);
	cr_expect_eq(mac.addr_bytes[0], 0x33);
	cr_expect_eq(mac.addr_bytes[1], 0x33);
	cr_expect_eq(mac.addr_bytes[2], 0xff);
	cr_expect_eq(mac.addr_bytes[5], 0xef);
	cr_expect(net_ip6_is_multicast(sn));
	cr_expect_not(net_ip6_is_multicast(a));
	cr_expect(net_ip6_is_unspecified((const uint8_t[16]){0}));
}

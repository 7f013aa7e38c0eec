/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's receive path and output (app/dispatch.c, with the relay of
 * app/proxy.c), its ports replaced by port_out below: crafted frames in,
 * the frames hagd sends out checked, and the counters of the transit path
 * (RFC 1812 forwarding, ICMP errors and their rate limit, the ARP table) and
 * of the relay's refusals asserted.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "hagd.h"
#include "seghelp.h"

static const char conf_json[] =
	"{\n"
	"  \"ports\": [\n"
	"    { \"name\": \"dsl\", \"dev\": \"net_null0\", \"addr\": \"10.98.1.1/24\" },\n"
	"    { \"name\": \"lte\", \"dev\": \"net_null1\", \"addr\": \"10.98.2.1/24\" },\n"
	"    { \"name\": \"upstream\", \"dev\": \"net_null2\", \"addr\": \"10.20.0.1/24\", \"mtu\": 1400 }\n"
	"  ],\n"
	"  \"addresses\": [\"10.10.0.1\"],\n"
	"  \"routes\": [ { \"prefix\": \"198.51.100.0/24\", \"via\": \"10.20.0.254\", \"port\": \"upstream\" } ],\n"
	"  \"listeners\": [ { \"listen\": \"10.10.0.1:8080\", \"upstream\": \"10.20.0.2:9000\" } ],\n"
	"  \"tcp\": { \"max_conns\": 64 },\n"
	"  \"transparent\": { \"ingress\": [\"dsl\", \"lte\"],\n"
	"                   \"intercept\": [ { \"prefix\": \"203.0.113.0/24\", \"ports\": [80] } ] }\n"
	"}\n";

#define MAX_OUT 512
#define DSL 0
#define UPSTREAM 2
#define CLIENT 0x0a620102u       /* 10.98.1.2, on dsl */
#define GW 0x0a1400feu           /* 10.20.0.254, the routes' next hop */
#define FAR 0xc6336405u          /* 198.51.100.5, behind it */

static struct hag_config cfg;
static struct hag_lcore *lc;
static uint64_t now_us = 1000000000ull;

/* What hagd sent out of its ports. */
static struct {
	int port;
	struct rte_mbuf *m;
} out[MAX_OUT];
static unsigned n_out;

static void port_out(void *l, int port, struct rte_mbuf *m)
{
	(void)l;
	cr_assert_lt(n_out, MAX_OUT, "more than %d frames out", MAX_OUT);
	out[n_out].port = port;
	out[n_out].m = m;
	n_out++;
}

static void out_clear(void)
{
	for (unsigned i = 0; i < n_out; i++)
		rte_pktmbuf_free(out[i].m);
	n_out = 0;
}

/* A worker on conf_json, with its config changed by edit (may be NULL). */
static void start(void (*edit)(struct hag_config *))
{
	char err[512];
	struct tcp_stack_conf tc = {.socket_id = SOCKET_ID_ANY};

	ut_eal_init();
	cr_assert_eq(hag_config_load_string(conf_json, "test_dispatch", &cfg, err, sizeof(err)), 0, "%s", err);
	if (edit)
		edit(&cfg);
	cr_assert_eq(hag_proxy_global_init(&cfg), 0);
	lc = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*lc), RTE_CACHE_LINE_SIZE));
	cr_assert_not_null(lc);
	hag_lcore_bare(lc, &cfg, ut_pool, now_us, port_out);
	cr_assert_eq(hag_engine_init(lc, &tc), 0);
}

static void stop(void)
{
	out_clear();
	hag_proxy_abort_all(lc);
	tcp_stack_poll(lc->tcp, lc->now_us + 1000);
	out_clear();
	hag_engine_fini(lc);
	cr_expect_eq(rte_mempool_in_use_count(ut_pool), 0, "%u mbufs not back in the pool", rte_mempool_in_use_count(ut_pool));
	free(lc);
	hag_proxy_global_fini();
	hag_config_free(&cfg);
}

static uint64_t ip_ctr(enum net_mib c)
{
	return lc->ip.mib[c];
}

/* An Ethernet + IPv4 frame: proto, src -> dst, ttl, DF, payload_len bytes after the IPv4 header. */
static struct rte_mbuf *ip_frame(uint8_t proto, uint32_t src, uint32_t dst, uint8_t ttl, bool df,
				 uint16_t payload_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint8_t *p;

	cr_assert_not_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + sizeof(*ip) + payload_len));
	cr_assert_not_null(eh, "frame of %u bytes", payload_len);
	memset(eh, 0, sizeof(*eh));
	eh->dst_addr.addr_bytes[5] = 0x10;
	eh->src_addr.addr_bytes[5] = 0xaa;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + payload_len));
	ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p = (uint8_t *)(ip + 1);
	for (uint16_t i = 0; i < payload_len; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	if (proto == IPPROTO_UDP && payload_len >= sizeof(struct rte_udp_hdr)) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)p;

		u->src_port = rte_cpu_to_be_16(5000);
		u->dst_port = rte_cpu_to_be_16(53);
		u->dgram_len = rte_cpu_to_be_16(payload_len);
		u->dgram_cksum = 0;
	}
	return m;
}

static void rx(int port, struct rte_mbuf *m)
{
	lc->now_us = now_us;
	hag_rx_one(lc, port, m);
}

/* The neighbour ip on port tells its MAC (an ARP request to hagd's address): hagd learns it. */
static void neighbour(int port, uint32_t ip, uint8_t mac_last)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, mac_last}};

	cr_assert_not_null(m);
	net_arp_build(m, RTE_ARP_OP_REQUEST, &mac, ip, NULL, cfg.ports[port].addr);
	rx(port, m);
	out_clear();      /* hagd's ARP reply */
}

/* The IPv4 header of frame i sent, checked: an IPv4 frame, a right header checksum. */
static const struct rte_ipv4_hdr *out_ip(unsigned i)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out[i].m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);

	cr_assert_eq(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4), "frame %u is not IPv4", i);
	cr_assert_eq(rte_raw_cksum(ip, (ip->version_ihl & 0xf) * 4u), 0xffff, "frame %u: bad IPv4 checksum", i);
	return ip;
}

/* Frame i is an ICMP error of type/code to the client, quoting the packet it is about. */
static const uint8_t *expect_icmp(unsigned i, uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *ip = out_ip(i);
	const uint8_t *ic = (const uint8_t *)ip + (ip->version_ihl & 0xf) * 4u;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);

	cr_assert_eq(out[i].port, DSL, "the ICMP error goes back where the packet came from");
	cr_expect_eq(ip->next_proto_id, IPPROTO_ICMP);
	cr_expect_eq(rte_be_to_cpu_32(ip->src_addr), cfg.ports[DSL].addr, "from the address of the port it came in on");
	cr_expect_eq(rte_be_to_cpu_32(ip->dst_addr), CLIENT);
	cr_expect_eq(ic[0], type);
	cr_expect_eq(ic[1], code);
	cr_expect_eq(rte_raw_cksum(ic, tot - 20u), 0xffff, "ICMP checksum");
	cr_expect_eq(((const struct rte_ipv4_hdr *)(ic + 8))->dst_addr != 0, true, "quotes the packet");
	return ic;
}

TestSuite(forward, .fini = stop);

Test(forward, routed_with_ttl_decremented,
     .description = "A UDP datagram to a host behind a route: out of the upstream port to the route's next hop, TTL 63, checksum right (ForwDatagrams)")
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_ether_hdr *eh;

	start(NULL);
	neighbour(UPSTREAM, GW, 0x77);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 100));
	cr_assert_eq(n_out, 1);
	cr_expect_eq(out[0].port, UPSTREAM);
	eh = rte_pktmbuf_mtod(out[0].m, const struct rte_ether_hdr *);
	cr_expect_eq(eh->dst_addr.addr_bytes[5], 0x77, "to the next hop's MAC");
	ip = out_ip(0);
	cr_expect_eq(ip->time_to_live, 63);
	cr_expect_eq(rte_be_to_cpu_32(ip->dst_addr), FAR);
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DATAGRAMS), 1);
}

Test(forward, ttl_exceeded,
     .description = "TTL 1: dropped, ICMP time exceeded to the sender (TtlExceeded, IcmpOutErrors)")
{
	start(NULL);
	neighbour(DSL, CLIENT, 0x22);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 1, true, 100));
	cr_assert_eq(n_out, 1);
	expect_icmp(0, 11, 0);
	cr_expect_eq(ip_ctr(NET_MIB_TTL_EXCEEDED), 1);
	cr_expect_eq(ip_ctr(NET_MIB_ICMP_OUT_ERRORS), 1);
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DATAGRAMS), 0);
}

Test(forward, no_route_is_net_unreachable,
     .description = "No route to the destination: ICMP net unreachable (InNoRoutes)")
{
	start(NULL);
	neighbour(DSL, CLIENT, 0x22);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, 0x08080808u, 64, true, 100));
	cr_assert_eq(n_out, 1);
	expect_icmp(0, 3, 0);
	cr_expect_eq(ip_ctr(NET_MIB_IN_NO_ROUTES), 1);
}

Test(forward, too_big_with_df_is_frag_needed,
     .description = "1500 bytes with DF toward the 1400-byte upstream port: ICMP fragmentation needed carrying MTU 1400 (FragNeeded); without DF dropped (FragFails), hagd does not fragment")
{
	const uint8_t *ic;

	start(NULL);
	neighbour(DSL, CLIENT, 0x22);
	neighbour(UPSTREAM, GW, 0x77);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 1480));
	cr_assert_eq(n_out, 1);
	ic = expect_icmp(0, 3, 4);
	cr_expect_eq(ic[6] << 8 | ic[7], 1400, "next-hop MTU (RFC 1191)");
	cr_expect_eq(ip_ctr(NET_MIB_FRAG_NEEDED), 1);
	out_clear();
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, false, 1480));
	cr_expect_eq(n_out, 0, "dropped, no answer");
	cr_expect_eq(ip_ctr(NET_MIB_FRAG_FAILS), 1);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 1380));
	cr_expect_eq(n_out, 1, "1400 bytes fit");
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DATAGRAMS), 1);
}

static void drop_other(struct hag_config *c)
{
	c->transparent.route_other = false;
}

Test(forward, other_traffic_dropped_by_config,
     .description = "transparent.other drop: what is not intercepted is dropped silently (ForwDropped)")
{
	start(drop_other);
	neighbour(UPSTREAM, GW, 0x77);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 100));
	cr_expect_eq(n_out, 0);
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DROPPED), 1);
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DATAGRAMS), 0);
}

Test(forward, martians_are_not_routed,
     .description = "RFC 1812 5.3.7: sources 0, 127/8 or multicast and multicast destinations are dropped (InAddrErrors)")
{
	start(NULL);
	neighbour(UPSTREAM, GW, 0x77);
	rx(DSL, ip_frame(IPPROTO_UDP, 0x7f000001u, FAR, 64, true, 100));
	rx(DSL, ip_frame(IPPROTO_UDP, 0, FAR, 64, true, 100));
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, 0xe0000001u, 64, true, 100));
	cr_expect_eq(n_out, 0);
	cr_expect_eq(ip_ctr(NET_MIB_IN_ADDR_ERRORS), 3);
}

Test(forward, icmp_errors_are_rate_limited,
     .description = "150 packets with TTL 1 at once: 100 ICMP errors (the burst), 50 not sent (IcmpRateLimited); a second later there are tokens again")
{
	start(NULL);
	neighbour(DSL, CLIENT, 0x22);
	for (int i = 0; i < 150; i++) {
		rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 1, true, 40));
		out_clear();
	}
	cr_expect_eq(ip_ctr(NET_MIB_TTL_EXCEEDED), 150);
	cr_expect_eq(ip_ctr(NET_MIB_ICMP_OUT_ERRORS), 100);
	cr_expect_eq(ip_ctr(NET_MIB_ICMP_RATE_LIMITED), 50);
	now_us += 1000000;
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 1, true, 40));
	cr_expect_eq(n_out, 1);
	cr_expect_eq(ip_ctr(NET_MIB_ICMP_OUT_ERRORS), 101);
}

/* ARP: the table and what waits for it */

TestSuite(arp, .fini = stop);

Test(arp, held_until_resolved,
     .description = "A packet to an unresolved next hop waits while hagd asks (one request); the reply sends it")
{
	start(NULL);
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 100));
	cr_assert_eq(n_out, 1, "the ARP request");
	cr_expect_eq(rte_pktmbuf_mtod(out[0].m, const struct rte_ether_hdr *)->ether_type,
		     rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	cr_expect_eq(out[0].port, UPSTREAM);
	out_clear();
	neighbour(UPSTREAM, GW, 0x77);   /* answers by asking: hagd learns and sends what waited */
	cr_expect_eq(ip_ctr(NET_MIB_FORW_DATAGRAMS), 1);
}

Test(arp, full_table_evicts,
     .description = "200 on-link next hops that never answer on a 192-entry table: the oldest are evicted with their packets (ArpEvictions, ArpPendingDrops); a resolved neighbour in use stays")
{
	start(NULL);
	neighbour(UPSTREAM, GW, 0x77);
	for (uint32_t i = 0; i < 200; i++) {
		now_us += 10;
		rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, 0x0a140010u + i, 64, true, 40));   /* 10.20.0.16+ */
		out_clear();
		if (i % 50 == 0) {
			rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 40));   /* the gateway in use */
			cr_expect_eq(n_out, 1, "sent at once to the resolved gateway (%u)", i);
			out_clear();
		}
	}
	cr_expect_eq(lc->ip.arp.n, NET_NEIGH_MAX);
	cr_expect_eq(ip_ctr(NET_MIB_ARP_EVICTIONS), 200 + 1 - NET_NEIGH_MAX, "evictions: %lu",
		     (unsigned long)ip_ctr(NET_MIB_ARP_EVICTIONS));
	cr_expect_eq(ip_ctr(NET_MIB_ARP_PENDING_DROPS), 200 + 1 - NET_NEIGH_MAX, "their held packets");
	rx(DSL, ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 40));
	cr_expect_eq(n_out, 1, "the gateway was kept");
}

/* A frame in an external buffer (as some PMDs hand them over) forwarded: the
 * buffer goes back through its own free callback, not into the pool. */
static unsigned ext_freed;

static void ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
	ext_freed++;
}

Test(arp, forwarded_external_buffer_freed_as_such,
     .description = "A forwarded packet in an external buffer keeps it: freeing it calls the buffer's free callback (ip_forward once cleared the flag)")
{
	struct rte_mbuf *src, *m;
	struct rte_mbuf_ext_shared_info *sh = calloc(1, sizeof(*sh));
	uint16_t len;
	uint8_t *buf;

	start(NULL);
	neighbour(UPSTREAM, GW, 0x77);
	src = ip_frame(IPPROTO_UDP, CLIENT, FAR, 64, true, 100);
	len = rte_pktmbuf_data_len(src);
	buf = malloc(RTE_PKTMBUF_HEADROOM + len);
	cr_assert(sh && buf);
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	m = rte_pktmbuf_alloc(ut_pool);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, (uint16_t)(RTE_PKTMBUF_HEADROOM + len), sh);
	m->data_off = RTE_PKTMBUF_HEADROOM;
	memcpy(buf + RTE_PKTMBUF_HEADROOM, rte_pktmbuf_mtod(src, void *), len);
	m->data_len = m->pkt_len = len;
	rte_pktmbuf_free(src);
	rx(DSL, m);
	cr_assert_eq(n_out, 1);
	cr_expect(RTE_MBUF_HAS_EXTBUF(out[0].m), "still an external buffer");
	out_clear();
	cr_expect_eq(ext_freed, 1);
}

/* The relay's refusals */

TestSuite(relay, .fini = stop);

/* A SYN from the client (port sport) to dst:dport. */
static struct rte_mbuf *syn(uint32_t dst, uint16_t dport, uint16_t sport)
{
	struct rte_mbuf *m = ip_frame(IPPROTO_TCP, CLIENT, dst, 64, true, sizeof(struct rte_tcp_hdr));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	th->rx_win = rte_cpu_to_be_16(65535);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

/* The flags of the TCP segments hagd sent to the client since the last clear, as a string ("SA", "R"). */
static void client_answers(char *buf, size_t size)
{
	buf[0] = 0;
	for (unsigned i = 0; i < n_out; i++) {
		const struct rte_ipv4_hdr *ip = out_ip(i);
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);

		if (ip->next_proto_id != IPPROTO_TCP || rte_be_to_cpu_32(ip->dst_addr) != CLIENT)
			continue;
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s%s", buf[0] ? "," : "",
			 (th->tcp_flags & RTE_TCP_SYN_FLAG) ? "S" : "", (th->tcp_flags & RTE_TCP_RST_FLAG) ? "R" :
			 (th->tcp_flags & RTE_TCP_ACK_FLAG) ? "A" : "");
	}
}

static void one_connection(struct hag_config *c)
{
	c->limit_conns = 1;
}

Test(relay, connection_limit_refuses_with_a_reset,
     .description = "limits.connections 1: the first SYN is relayed (the upstream SYN goes out), the second refused with a RST (LimitRefused)")
{
	char ans[64];

	start(one_connection);
	neighbour(DSL, CLIENT, 0x22);
	neighbour(UPSTREAM, 0x0a140002u, 0x33);
	rx(DSL, syn(0x0a0a0001u, 8080, 40001));
	cr_expect_eq(lc->relay_mib[RELAY_MIB_ACCEPTED], 1);
	cr_expect_eq(lc->relay_active, 1);
	out_clear();
	rx(DSL, syn(0x0a0a0001u, 8080, 40002));
	client_answers(ans, sizeof(ans));
	cr_expect_str_eq(ans, "R", "answered %s", ans);
	cr_expect_eq(lc->relay_mib[RELAY_MIB_LIMIT_REFUSED], 1);
	cr_expect_eq(lc->relay_active, 1);
}

Test(relay, intercepted_without_a_route_is_refused,
     .description = "Transparent: a SYN to an intercepted destination with no route on: RST (NoRouteRefused), nothing relayed")
{
	char ans[64];

	start(NULL);
	neighbour(DSL, CLIENT, 0x22);
	rx(DSL, syn(0xcb007105u, 80, 40003));     /* 203.0.113.5: intercepted, no route */
	cr_expect_eq(ip_ctr(NET_MIB_INTERCEPTED), 1);
	client_answers(ans, sizeof(ans));
	cr_expect_str_eq(ans, "R", "answered %s", ans);
	cr_expect_eq(lc->relay_mib[RELAY_MIB_NO_ROUTE], 1);
	cr_expect_eq(lc->relay_active, 0);
}

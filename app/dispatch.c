/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker does with a received frame above lib/net's gateway layer
 * (lib/net/ip.h: Ethernet, ARP, IPv4 checks, ICMP, routing, forwarding):
 * lib/net's callbacks for TCP segments to our addresses (to the worker that
 * owns the flow, or to lib/tcp), ICMP errors (to lib/tcp, and to the other
 * workers), packets to other hosts (transparent interception) and ARP
 * mappings (to the other workers); and the hand-over between workers.
 * app/lcore.c wraps it in the poll loop with the ethdev ports; the packet
 * fuzzer (tests/fuzz/fuzz_packet.c) and tests/unit/test_dispatch.c link it
 * with a port_tx of their own, so all three run the same code.
 */
#include <rte_ip.h>
#include <rte_ring.h>

#include "hagd.h"
#include "mptcp/mptcp_options.h"

const char *const hag_handoff_mib_names[HANDOFF_MIB_MAX] = {
	[HANDOFF_MIB_TX] = "HandoffTx",
	[HANDOFF_MIB_RX] = "HandoffRx",
	[HANDOFF_MIB_RING_FULL] = "HandoffRingFull",
	[HANDOFF_MIB_SHARED_TX] = "SharedTx",
	[HANDOFF_MIB_SHARED_FAIL] = "SharedFail",
	[HANDOFF_MIB_SHARED_RX] = "SharedRx",
	[HANDOFF_MIB_CTL_TX] = "SteerNewsTx",
	[HANDOFF_MIB_CTL_FULL] = "SteerNewsLost",
};

/* A frame in a worker's inbox carries its port in hash.usr; copies of ARP and
 * ICMP errors (every worker learns them, one answers) also carry this flag. */
#define HAG_HO_SHARED 0x80000000u
/* ... and a segment to another host that transparent mode intercepts, this one. */
#define HAG_HO_INTERCEPT 0x40000000u

/* Enqueue the hand-offs gathered for worker w; what its inbox cannot take is counted and freed. */
static void handoff_send(struct hag_lcore *lc, unsigned w)
{
	unsigned n = lc->ho_n[w], k = rte_ring_mp_enqueue_burst(lc->all[w].inbox, (void **)lc->ho[w], n, NULL);

	lc->handoff_mib[HANDOFF_MIB_TX] += k;
	if (k < n) {
		lc->handoff_mib[HANDOFF_MIB_RING_FULL] += n - k;
		rte_pktmbuf_free_bulk(&lc->ho[w][k], n - k);
	}
	lc->ho_n[w] = 0;
}

/* Hand a received frame (Ethernet header in place) to worker w; sent after the burst. */
static void handoff(struct hag_lcore *lc, unsigned w, int port, struct rte_mbuf *m, uint32_t flags)
{
	m->hash.usr = (uint32_t)port | flags;
	lc->ho[w][lc->ho_n[w]++] = m;
	if (lc->ho_n[w] == HAG_BURST)
		handoff_send(lc, w);
}

void hag_handoff_flush(struct hag_lcore *lc)
{
	for (unsigned w = 0; w < lc->n_workers; w++)
		if (lc->ho_n[w])
			handoff_send(lc, w);
}

/* An ICMP destination unreachable (ip: its IPv4 header, checked) to lib/tcp. */
static void icmp_to_tcp(struct hag_lcore *lc, const struct rte_ipv4_hdr *ip)
{
	uint16_t ihl = (ip->version_ihl & 0xf) * 4, tot = rte_be_to_cpu_16(ip->total_length);
	const uint8_t *ic = (const uint8_t *)ip + ihl;

	tcp_icmp_input(lc->tcp, ic[0], ic[1], (uint16_t)(ic[6] << 8 | ic[7]), ic + 8, (uint32_t)(tot - ihl - 8),
		       lc->now_us);
}

/* Copy a frame every worker must see (ARP, ICMP errors) to the other workers. */
static void share(struct hag_lcore *lc, int port, const struct rte_mbuf *m)
{
	for (unsigned w = 0; w < lc->n_workers; w++) {
		struct rte_mbuf *c;

		if (w == lc->worker)
			continue;
		c = rte_pktmbuf_copy(m, lc->pool, 0, UINT32_MAX);
		if (c == NULL) {
			lc->handoff_mib[HANDOFF_MIB_SHARED_FAIL]++;
			continue;
		}
		c->hash.usr = (uint32_t)port | HAG_HO_SHARED;
		if (rte_ring_mp_enqueue(lc->all[w].inbox, c) != 0) {
			lc->handoff_mib[HANDOFF_MIB_SHARED_FAIL]++;
			rte_pktmbuf_free(c);
			continue;
		}
		lc->handoff_mib[HANDOFF_MIB_SHARED_TX]++;
	}
}

/*
 * A TCP segment to another host that transparent.intercept matches, on the
 * worker that owns its flow. With mptcp_only, what is not (part of) an MPTCP
 * connection hagd terminates is routed on instead.
 */
static void rx_intercepted(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u, tot = rte_be_to_cpu_16(ip->total_length);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);

	if (lc->cfg->transparent.mptcp_only && tot >= ihl + sizeof(*th) &&
	    tcp_flow_find(lc->tcp, rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_16(th->dst_port),
			  rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port)) == NULL) {
		uint32_t doff = (uint32_t)(th->data_off >> 4) * 4;
		bool syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG;

		if (!syn || doff < sizeof(*th) || ihl + doff > tot ||
		    !mptcp_syn_is_multipath((const uint8_t *)(th + 1), doff - sizeof(*th))) {
			lc->ip.mib[NET_MIB_INTERCEPT_BYPASS]++;
			net_ip_forward(&lc->ip, port, m);
			return;
		}
	}
	lc->ip.mib[NET_MIB_INTERCEPTED]++;
	rte_pktmbuf_adj(m, l3);
	tcp_input_intercepted(lc->tcp, m, NULL, lc->now_us);
}

/* The same for an IPv6 segment (m's Ethernet header in place, walked into *in). */
static void rx_intercepted6(struct hag_lcore *lc, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, in->l4);

	if (lc->cfg->transparent.mptcp_only && in->l4len >= sizeof(*th) &&
	    tcp_flow_find6(lc->tcp, ip->dst_addr, rte_be_to_cpu_16(th->dst_port), ip->src_addr,
			   rte_be_to_cpu_16(th->src_port)) == NULL) {
		uint32_t doff = (uint32_t)(th->data_off >> 4) * 4;
		bool syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG;

		if (!syn || doff < sizeof(*th) || doff > in->l4len ||
		    !mptcp_syn_is_multipath((const uint8_t *)(th + 1), doff - sizeof(*th))) {
			lc->ip.mib[NET_MIB_INTERCEPT_BYPASS]++;
			net_ip6_forward(&lc->ip, port, m, in);
			return;
		}
	}
	lc->ip.mib[NET_MIB_INTERCEPTED]++;
	rte_pktmbuf_adj(m, l3);
	tcp_input_intercepted6(lc->tcp, m, in->hlen, in->l4len, NULL, lc->now_us);
}

/* lib/net: an IPv6 packet to an address that is not hagd's: intercepted as the IPv4 ones are. */
static enum net_transit ip_transit6(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	struct hag_lcore *lc = arg;
	const struct hag_transparent_conf *t = &lc->cfg->transparent;
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, in->l4);

	if (!t->enabled)
		return NET_TRANSIT_FORWARD;
	if (in->proto == IPPROTO_TCP && (t->ingress >> port & 1) && in->l4len >= 4 &&
	    hag_config_intercepts6(lc->cfg, ip->dst_addr, rte_be_to_cpu_16(th->dst_port))) {
		if (lc->n_workers > 1) {
			unsigned w = hag_steer_owner6(&lc->steer, ip, th, in->l4len, true);

			if (w != lc->worker) {
				handoff(lc, w, port, m, HAG_HO_INTERCEPT);
				return NET_TRANSIT_TAKEN;
			}
		}
		rx_intercepted6(lc, port, m, in);
		return NET_TRANSIT_TAKEN;
	}
	return NET_TRANSIT_FORWARD;
}

/* lib/net: a packet to an address that is not hagd's. */
static enum net_transit ip_transit(void *arg, int port, struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct hag_transparent_conf *t = &lc->cfg->transparent;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u, tot = rte_be_to_cpu_16(ip->total_length);

	if (!t->enabled)
		return NET_TRANSIT_NOT_OURS;
	if (ip->next_proto_id == IPPROTO_TCP && (t->ingress >> port & 1) && tot >= ihl + 4) {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);

		if (hag_config_intercepts(lc->cfg, rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_16(th->dst_port))) {
			if (lc->n_workers > 1) {
				unsigned w = hag_steer_owner(&lc->steer, ip, th, tot - ihl, true);

				if (w != lc->worker) {
					handoff(lc, w, port, m, HAG_HO_INTERCEPT);
					return NET_TRANSIT_TAKEN;
				}
			}
			rx_intercepted(lc, port, m);
			return NET_TRANSIT_TAKEN;
		}
	}
	return NET_TRANSIT_FORWARD;
}

/* lib/net: a TCP segment to one of our addresses, to the worker that owns its flow. */
static void ip_tcp_rx(void *arg, int port, struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;
	const uint16_t l3 = sizeof(struct rte_ether_hdr);

	if (lc->n_workers > 1) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
		uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
		uint32_t len = RTE_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
				       (uint32_t)rte_pktmbuf_data_len(m) - l3) - ihl;
		unsigned w = hag_steer_owner(&lc->steer, ip, (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl),
					     len, false);

		if (w != lc->worker) {
			handoff(lc, w, port, m, 0);
			return;
		}
	}
	rte_pktmbuf_adj(m, l3);
	tcp_input(lc->tcp, m, NULL, lc->now_us);
}

/* lib/net: a TCP segment over IPv6 to one of our addresses, to the worker that owns its flow. */
static void ip_tcp6_rx(void *arg, int port, struct rte_mbuf *m, const struct net_ip6_info *in)
{
	struct hag_lcore *lc = arg;
	const uint16_t l3 = sizeof(struct rte_ether_hdr);

	if (lc->n_workers > 1) {
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
		unsigned w = hag_steer_owner6(&lc->steer, ip, rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, in->l4),
					      in->l4len, false);

		if (w != lc->worker) {
			handoff(lc, w, port, m, 0);
			return;
		}
	}
	rte_pktmbuf_adj(m, l3);
	tcp_input6(lc->tcp, m, in->hlen, in->l4len, NULL, lc->now_us);
}

/* An ICMPv6 error (IPv6 at l3 of m, walked into *in) to lib/tcp. */
static void icmp6_to_tcp(struct hag_lcore *lc, const struct rte_mbuf *m, const struct net_ip6_info *in)
{
	const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, in->l4);

	tcp_icmp6_input(lc->tcp, ic[0], ic[1], (uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 | (uint32_t)ic[6] << 8 | ic[7],
			ic + 8, in->l4len - 8u, lc->now_us);
}

/* lib/net: an ICMPv6 error; the segment it quotes may be any worker's: all of them look. */
static void ip_icmp6_err(void *arg, int port, const struct rte_mbuf *m, const struct net_ip6_info *in)
{
	struct hag_lcore *lc = arg;

	if (lc->n_workers > 1)
		share(lc, port, m);
	icmp6_to_tcp(lc, m, in);
}

/* lib/net: an ICMP destination unreachable; the segment it quotes may be any worker's: all of them look. */
static void ip_icmp_unreach(void *arg, int port, const struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;

	if (lc->n_workers > 1)
		share(lc, port, m);
	icmp_to_tcp(lc, rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr)));
}

/* lib/net: an NS or NA; every worker keeps its own neighbour cache and resolves its own next hops. */
static void ip_nd_learned(void *arg, int port, const struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;

	if (lc->n_workers > 1)
		share(lc, port, m);
}

/* lib/net: an ARP mapping learnt; every worker keeps its own table. */
static void ip_arp_learned(void *arg, int port, const struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;

	if (lc->n_workers > 1)
		share(lc, port, m);
}

static const struct net_ip_ops ip_ops = {
	.tcp_rx = ip_tcp_rx,
	.tcp6_rx = ip_tcp6_rx,
	.icmp6_err = ip_icmp6_err,
	.icmp_unreach = ip_icmp_unreach,
	.transit = ip_transit,
	.transit6 = ip_transit6,
	.arp_learned = ip_arp_learned,
	.nd_learned = ip_nd_learned,
};

/* What the config holds fits lib/net's tables. */
_Static_assert(HAG_MAX_PORTS <= NET_MAX_PORTS, "ports fit lib/net");
_Static_assert(HAG_MAX_ROUTES <= NET_MAX_ROUTES, "routes fit lib/net");
_Static_assert(HAG_MAX_ADDRS + HAG_MAX_SNAT <= NET_MAX_LOCAL, "addresses and SNAT addresses fit lib/net");

int hag_dispatch_init(struct hag_lcore *lc)
{
	const struct hag_config *cfg = lc->cfg;
	int r = 0;

	net_ip_init(&lc->ip, &ip_ops, lc->port_tx, lc, lc->pool, &lc->now_us);
	lc->ip.forward = cfg->transparent.route_other;
	for (int i = 0; i < cfg->n_ports && r == 0; i++)
		r = net_ip_add_port(&lc->ip, &lc->ports[i].mac, cfg->ports[i].addr, cfg->ports[i].prefixlen,
				    cfg->ports[i].mtu);
	for (int i = 0; i < cfg->n_ports && r == 0; i++)
		if (cfg->ports[i].has_addr6)
			r = net_ip_add_port6(&lc->ip, i, cfg->ports[i].addr6, cfg->ports[i].prefixlen6);
	for (int i = 0; i < cfg->n_routes && r == 0; i++)
		r = cfg->routes[i].v6 ?
			    net_ip_add_route6(&lc->ip, cfg->routes[i].prefix6, cfg->routes[i].prefixlen,
					      (uint8_t)cfg->routes[i].port, cfg->routes[i].via6) :
			    net_ip_add_route(&lc->ip, cfg->routes[i].prefix, cfg->routes[i].prefixlen,
					     (uint8_t)cfg->routes[i].port, cfg->routes[i].via);
	/* Service addresses are routed to hagd; SNAT addresses sit in a port's prefix and answer ARP. */
	for (int i = 0; i < cfg->n_addrs && r == 0; i++)
		r = net_ip_add_local(&lc->ip, cfg->addrs[i], false);
	for (int i = 0; i < cfg->n_addrs6 && r == 0; i++)
		r = net_ip_add_local6(&lc->ip, cfg->addrs6[i], false);
	for (int i = 0; i < cfg->transparent.n_snat && r == 0; i++)
		r = net_ip_add_local(&lc->ip, cfg->transparent.snat[i], true);
	for (int i = 0; i < cfg->transparent.n_snat6 && r == 0; i++)
		r = net_ip_add_local6(&lc->ip, cfg->transparent.snat6[i], true);
	return r;
}

void hag_rx_one(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	net_ip_rx(&lc->ip, port, m);
}

/*
 * A frame another worker handed over: a TCP segment it checked and found to
 * be ours, or a copy of an ARP packet or ICMP error it already handled.
 */
void hag_rx_handed(struct hag_lcore *lc, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	int port = (int)(m->hash.usr & 0xffff);
	bool shared = (m->hash.usr & HAG_HO_SHARED) != 0;

	lc->handoff_mib[shared ? HANDOFF_MIB_SHARED_RX : HANDOFF_MIB_RX]++;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		net_ip_arp_rx(&lc->ip, port, m, true);
		return;
	}
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		/* The worker that received it walked it already: walked again for the offsets, it passes. */
		struct net_ip6_info in;

		if (net_ip6_check(m, l3, &in) != NET_IP6_OK) {
			lc->ip.mib[NET_MIB_IP6_IN_HDR_ERRORS]++;   /* cannot happen: the same bytes passed */
			rte_pktmbuf_free(m);
			return;
		}
		if (shared) {     /* an NS / NA, or an ICMPv6 error, the receiving worker handled */
			const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, in.l4);

			if (in.proto == NET_PROTO_ICMPV6 && in.l4len >= 4 && (ic[0] == NET_ICMP6_ND_NS || ic[0] == NET_ICMP6_ND_NA)) {
				net_ip6_nd_rx_shared(&lc->ip, port, m);
				return;
			}
			icmp6_to_tcp(lc, m, &in);
			rte_pktmbuf_free(m);
			return;
		}
		if (m->hash.usr & HAG_HO_INTERCEPT) {
			rx_intercepted6(lc, port, m, &in);
			return;
		}
		rte_pktmbuf_adj(m, l3);
		tcp_input6(lc->tcp, m, in.hlen, in.l4len, NULL, lc->now_us);
		return;
	}
	if (m->hash.usr & HAG_HO_INTERCEPT) {
		rx_intercepted(lc, port, m);
		return;
	}
	if (shared) {     /* an ICMP error the receiving worker checked */
		icmp_to_tcp(lc, rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3));
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, l3);
	tcp_input(lc->tcp, m, NULL, lc->now_us);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker does with a received frame, and how what it sends finds its
 * way out, apart from the ports themselves: Ethernet and ARP (with the
 * neighbour table), the IPv4 checks, ICMP (echo, errors to lib/tcp, errors
 * sent, rate limited), transparent interception and RFC 1812 forwarding, the
 * hand-over to the worker that owns a flow, and the TCP/MPTCP engine's setup.
 * app/lcore.c wraps it in the poll loop with the ethdev ports; the packet
 * fuzzer (tests/fuzz/fuzz_packet.c) and tests/unit/test_dispatch.c link it
 * with a hag_port_tx of their own, so all three run the same code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ring.h>

#include "hagd.h"
#include "mptcp/mptcp_options.h"

#define ARP_RETRY_US 1000000u

const char *const hag_ip_mib_names[IP_MIB_MAX] = {
	[IP_MIB_IN_RECEIVES] = "InReceives",
	[IP_MIB_IN_HDR_ERRORS] = "InHdrErrors",
	[IP_MIB_IN_TRUNCATED] = "InTruncatedPkts",
	[IP_MIB_IN_ADDR_ERRORS] = "InAddrErrors",
	[IP_MIB_IN_UNKNOWN_PROTOS] = "InUnknownProtos",
	[IP_MIB_FRAG_DROPS] = "FragDrops",
	[IP_MIB_NO_ROUTE] = "OutNoRoutes",
	[IP_MIB_ARP_IN] = "ArpIn",
	[IP_MIB_ARP_OUT] = "ArpOut",
	[IP_MIB_ARP_PENDING_DROPS] = "ArpPendingDrops",
	[IP_MIB_ARP_EVICTIONS] = "ArpEvictions",
	[IP_MIB_ICMP_ECHO_IN] = "IcmpInEchos",
	[IP_MIB_ICMP_ECHO_OUT] = "IcmpOutEchoReps",
	[IP_MIB_ICMP_IN_ERRORS] = "IcmpInErrors",
	[IP_MIB_ICMP_DEST_UNREACH] = "IcmpInDestUnreachs",
	[IP_MIB_NON_IP] = "NonIP",
	[IP_MIB_INTERCEPTED] = "Intercepted",
	[IP_MIB_INTERCEPT_BYPASS] = "InterceptBypass",
	[IP_MIB_FORW_DATAGRAMS] = "ForwDatagrams",
	[IP_MIB_FORW_DROPPED] = "ForwDropped",
	[IP_MIB_IN_NO_ROUTES] = "InNoRoutes",
	[IP_MIB_TTL_EXCEEDED] = "TtlExceeded",
	[IP_MIB_FRAG_NEEDED] = "FragNeeded",
	[IP_MIB_FRAG_FAILS] = "FragFails",
	[IP_MIB_ICMP_OUT_ERRORS] = "IcmpOutErrors",
	[IP_MIB_ICMP_RATE_LIMITED] = "IcmpRateLimited",
};

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

/* ICMP errors sent at most, per second and worker, and the burst (Linux: 1000/s). */
#define ICMP_ERR_RATE 1000u
#define ICMP_ERR_BURST 100u

bool hag_is_local_addr(const struct hag_lcore *lc, uint32_t addr)
{
	for (int i = 0; i < lc->cfg->n_ports; i++)
		if (lc->cfg->ports[i].addr == addr)
			return true;
	for (int i = 0; i < lc->cfg->n_addrs; i++)
		if (lc->cfg->addrs[i] == addr)
			return true;
	for (int i = 0; i < lc->cfg->transparent.n_snat; i++)
		if (lc->cfg->transparent.snat[i] == addr)
			return true;
	return false;
}

/* Connected prefixes first, then the static routes, longest prefix first. */
int hag_route_lookup(const struct hag_lcore *lc, uint32_t dst, uint32_t *nh)
{
	const struct hag_config *cfg = lc->cfg;
	int best = -1, best_len = -1;

	for (int i = 0; i < cfg->n_ports; i++)
		if (net_in_prefix(dst, cfg->ports[i].addr, cfg->ports[i].prefixlen) &&
		    cfg->ports[i].prefixlen > best_len) {
			best = i;
			best_len = cfg->ports[i].prefixlen;
			*nh = dst;
		}
	for (int i = 0; i < cfg->n_routes; i++)
		if (net_in_prefix(dst, cfg->routes[i].prefix, cfg->routes[i].prefixlen) &&
		    cfg->routes[i].prefixlen > best_len) {
			best = cfg->routes[i].port;
			best_len = cfg->routes[i].prefixlen;
			*nh = cfg->routes[i].via;
		}
	return best;
}


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

static void arp_request(struct hag_lcore *lc, int port, uint32_t ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);

	if (m == NULL)
		return;
	net_arp_build(m, RTE_ARP_OP_REQUEST, &lc->ports[port].mac, lc->cfg->ports[port].addr, NULL, ip);
	lc->ip_mib[IP_MIB_ARP_OUT]++;
	hag_port_tx(lc, port, m);
}

static void eth_fill(struct rte_mbuf *m, const struct rte_ether_addr *src, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(src, &eh->src_addr);
	rte_ether_addr_copy(dst, &eh->dst_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

/* lib/tcp's output: route, resolve the next hop, add Ethernet, queue for TX. */
static int output_via(struct hag_lcore *lc, struct rte_mbuf *m, int port, uint32_t nh);

int hag_output(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	struct hag_lcore *lc = arg;
	uint32_t nh = 0;
	int port;

	(void)route;
	port = hag_route_lookup(lc, dst, &nh);
	if (port < 0) {
		lc->ip_mib[IP_MIB_NO_ROUTE]++;
		rte_pktmbuf_free(m);
		return -EHOSTUNREACH;
	}
	return output_via(lc, m, port, nh);
}

/* m (IPv4 at its start) out of port to the next hop nh: Ethernet added, ARP resolved. */
static int output_via(struct hag_lcore *lc, struct rte_mbuf *m, int port, uint32_t nh)
{
	struct net_arp_evicted ev;
	struct net_arp_entry *e;

	if (rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr)) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	e = net_arp_get(&lc->arp, nh, &ev);
	if (ev.ip != 0) {
		lc->ip_mib[IP_MIB_ARP_EVICTIONS]++;
		lc->ip_mib[IP_MIB_ARP_PENDING_DROPS] += ev.n_pending;
		for (int i = 0; i < ev.n_pending; i++)
			rte_pktmbuf_free(ev.pending[i]);
	}
	if (e == NULL) {
		lc->ip_mib[IP_MIB_ARP_PENDING_DROPS]++;
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	if (e->resolved) {
		e->used_us = lc->now_us;
		eth_fill(m, &lc->ports[port].mac, &e->mac);
		hag_port_tx(lc, port, m);
		return 0;
	}
	/* Hold a few packets until the reply; drop the oldest beyond that. */
	if (e->n_pending == NET_ARP_PENDING) {
		lc->ip_mib[IP_MIB_ARP_PENDING_DROPS]++;
		rte_pktmbuf_free(e->pending[0]);
		memmove(&e->pending[0], &e->pending[1], (NET_ARP_PENDING - 1) * sizeof(e->pending[0]));
		e->n_pending--;
	}
	e->pending[e->n_pending++] = m;
	e->port = (uint16_t)port;
	if (e->updated_us == 0 || lc->now_us - e->updated_us >= ARP_RETRY_US) {
		e->updated_us = lc->now_us;
		arp_request(lc, port, nh);
	}
	return 0;
}

static void arp_learn(struct hag_lcore *lc, int port, uint32_t ip, const struct rte_ether_addr *mac)
{
	/* Learning never evicts: ARP from spoofed senders cannot churn the table. */
	struct net_arp_entry *e = net_arp_get(&lc->arp, ip, NULL);

	if (e == NULL)
		return;
	e->resolved = true;
	e->mac = *mac;
	e->port = (uint16_t)port;
	e->updated_us = lc->now_us;
	for (int i = 0; i < e->n_pending; i++) {
		eth_fill(e->pending[i], &lc->ports[port].mac, mac);
		hag_port_tx(lc, port, e->pending[i]);
	}
	e->n_pending = 0;
}

/* shared: a copy from the worker that received it, which answers and counts it. */
static void rx_arp(struct hag_lcore *lc, int port, struct rte_mbuf *m, bool shared)
{
	const struct hag_port_conf *pc = &lc->cfg->ports[port];
	struct rte_arp_hdr *ah;
	uint32_t sip, tip;
	struct rte_ether_addr sha;

	if (!shared)
		lc->ip_mib[IP_MIB_ARP_IN]++;
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ah))
		goto drop;
	ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ah->arp_hlen != 6 || ah->arp_plen != 4)
		goto drop;
	sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	sha = ah->arp_data.arp_sha;
	if (!hag_config_arp_target(lc->cfg, port, tip))
		goto drop;
	/* RFC 826: the target merges the sender's mapping; every worker keeps its own table. */
	if (sip != 0 && net_in_prefix(sip, pc->addr, pc->prefixlen)) {
		if (!shared && lc->n_workers > 1)
			share(lc, port, m);
		arp_learn(lc, port, sip, &sha);
	}
	if (shared)
		goto drop;
	if (ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		net_arp_build(m, RTE_ARP_OP_REPLY, &lc->ports[port].mac, tip, &sha, sip);
		lc->ip_mib[IP_MIB_ARP_OUT]++;
		hag_port_tx(lc, port, m);
		return;
	}
drop:
	rte_pktmbuf_free(m);
}

/*
 * An ICMP error about the received packet ip (len bytes of it readable) from
 * the address of the port it came in on; at most ICMP_ERR_RATE a second.
 */
static void icmp_error(struct hag_lcore *lc, int in_port, const struct rte_ipv4_hdr *ip, uint32_t len,
		       uint8_t type, uint8_t code, uint16_t mtu)
{
	uint64_t add = (lc->now_us - lc->icmp_refill_us) * ICMP_ERR_RATE / 1000000u;
	struct rte_mbuf *m;

	if (add > 0) {
		lc->icmp_tokens = (uint32_t)RTE_MIN((uint64_t)ICMP_ERR_BURST, lc->icmp_tokens + add);
		lc->icmp_refill_us = lc->now_us;
	}
	if (lc->icmp_tokens == 0) {
		lc->ip_mib[IP_MIB_ICMP_RATE_LIMITED]++;
		return;
	}
	m = rte_pktmbuf_alloc(lc->pool);
	if (m == NULL)
		return;
	if (net_icmp_error(m, ip, len, lc->cfg->ports[in_port].addr, type, code, mtu, lc->icmp_ip_id++) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	lc->icmp_tokens--;
	lc->ip_mib[IP_MIB_ICMP_OUT_ERRORS]++;
	hag_output(lc, m, rte_be_to_cpu_32(ip->src_addr), NULL);
}

/*
 * A packet for another host that hagd does not terminate (transparent mode):
 * routed as RFC 1812 says (TTL, checksum, ICMP errors), or dropped by config.
 * m holds the Ethernet frame, its IPv4 header checked.
 */
static void ip_forward(struct hag_lcore *lc, int in_port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
	const struct hag_port_conf *pc = &lc->cfg->ports[in_port];
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr), src = rte_be_to_cpu_32(ip->src_addr), nh = 0;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t have = rte_pktmbuf_data_len(m) - l3;
	int out;

	if (!lc->cfg->transparent.route_other) {
		lc->ip_mib[IP_MIB_FORW_DROPPED]++;
		goto drop;
	}
	/* Not to be routed: broadcasts, multicast, martian sources (RFC 1812 5.3.7). */
	if (dst >= 0xe0000000u || (pc->prefixlen <= 30 && dst == (pc->addr | ~net_prefix_mask(pc->prefixlen))) ||
	    src == 0 || (src >> 24) == 127 || src >= 0xe0000000u) {
		lc->ip_mib[IP_MIB_IN_ADDR_ERRORS]++;
		goto drop;
	}
	if (ip->time_to_live <= 1) {
		lc->ip_mib[IP_MIB_TTL_EXCEEDED]++;
		icmp_error(lc, in_port, ip, have, 11, 0, 0);
		goto drop;
	}
	out = hag_route_lookup(lc, dst, &nh);
	if (out < 0) {
		lc->ip_mib[IP_MIB_IN_NO_ROUTES]++;
		icmp_error(lc, in_port, ip, have, 3, 0, 0);
		goto drop;
	}
	if (tot > lc->cfg->ports[out].mtu) {
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
			lc->ip_mib[IP_MIB_FRAG_NEEDED]++;
			icmp_error(lc, in_port, ip, have, 3, 4, lc->cfg->ports[out].mtu);
		} else {
			lc->ip_mib[IP_MIB_FRAG_FAILS]++;
		}
		goto drop;
	}
	net_ipv4_ttl_dec(ip);
	rte_pktmbuf_adj(m, l3);
	if (rte_pktmbuf_data_len(m) > tot)       /* Ethernet padding */
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - tot));
	/* The receive offload flags mean nothing on the way out; whether the buffer is
	 * external or attached stays (clearing that handed a NIC's external buffer back
	 * to the pool as the mbuf's own: found by the packet fuzzer once it ran this code). */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	lc->ip_mib[IP_MIB_FORW_DATAGRAMS]++;
	output_via(lc, m, out, nh);
	return;
drop:
	rte_pktmbuf_free(m);
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
			lc->ip_mib[IP_MIB_INTERCEPT_BYPASS]++;
			ip_forward(lc, port, m);
			return;
		}
	}
	lc->ip_mib[IP_MIB_INTERCEPTED]++;
	rte_pktmbuf_adj(m, l3);
	tcp_input_intercepted(lc->tcp, m, NULL, lc->now_us);
}

/* A packet to an address that is not hagd's. */
static void rx_transit(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	const struct hag_transparent_conf *t = &lc->cfg->transparent;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u, tot = rte_be_to_cpu_16(ip->total_length);

	if (!t->enabled) {
		lc->ip_mib[IP_MIB_IN_ADDR_ERRORS]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (ip->next_proto_id == IPPROTO_TCP && (t->ingress >> port & 1) && tot >= ihl + 4) {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);

		if (hag_config_intercepts(lc->cfg, rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_16(th->dst_port))) {
			if (lc->n_workers > 1) {
				unsigned w = hag_steer_owner(&lc->steer, ip, th, tot - ihl, true);

				if (w != lc->worker) {
					handoff(lc, w, port, m, HAG_HO_INTERCEPT);
					return;
				}
			}
			rx_intercepted(lc, port, m);
			return;
		}
	}
	ip_forward(lc, port, m);
}

static void rx_ipv4(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip;
	uint32_t dst;

	lc->ip_mib[IP_MIB_IN_RECEIVES]++;
	switch (net_ipv4_check(m, l3)) {
	case NET_IP_OK:
		break;
	case NET_IP_TRUNCATED:
		lc->ip_mib[IP_MIB_IN_TRUNCATED]++;
		goto drop;
	case NET_IP_FRAGMENT:
		lc->ip_mib[IP_MIB_FRAG_DROPS]++;
		goto drop;
	default:
		lc->ip_mib[IP_MIB_IN_HDR_ERRORS]++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (!hag_is_local_addr(lc, dst)) {
		rx_transit(lc, port, m);
		return;
	}
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (lc->n_workers > 1) {
			uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
			uint32_t len = RTE_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
					       (uint32_t)rte_pktmbuf_data_len(m) - l3) - ihl;
			unsigned w = hag_steer_owner(&lc->steer, ip,
						     (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl), len, false);

			if (w != lc->worker) {
				handoff(lc, w, port, m, 0);
				return;
			}
		}
		rte_pktmbuf_adj(m, l3);
		tcp_input(lc->tcp, m, NULL, lc->now_us);
		return;
	case IPPROTO_ICMP: {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		uint16_t ihl = (ip->version_ihl & 0xf) * 4, tot = rte_be_to_cpu_16(ip->total_length);
		const uint8_t *ic = (const uint8_t *)ip + ihl;
		struct rte_ether_addr tmp;

		if (tot >= ihl + 8 && ic[0] == 3) {
			/* Destination unreachable about one of our segments (RFC 1191, 1122). */
			if (rte_raw_cksum(ic, tot - ihl) != 0xffff) {
				lc->ip_mib[IP_MIB_ICMP_IN_ERRORS]++;
				goto drop;
			}
			lc->ip_mib[IP_MIB_ICMP_DEST_UNREACH]++;
			/* The segment it quotes may be any worker's: all of them look. */
			if (lc->n_workers > 1)
				share(lc, port, m);
			icmp_to_tcp(lc, ip);
			goto drop;
		}
		if (net_icmp_echo_reply(m, l3) != 0) {
			lc->ip_mib[IP_MIB_ICMP_IN_ERRORS]++;
			goto drop;
		}
		lc->ip_mib[IP_MIB_ICMP_ECHO_IN]++;
		lc->ip_mib[IP_MIB_ICMP_ECHO_OUT]++;
		tmp = eh->src_addr;
		eh->src_addr = lc->ports[port].mac;
		eh->dst_addr = tmp;
		hag_port_tx(lc, port, m);
		return;
	}
	default:
		lc->ip_mib[IP_MIB_IN_UNKNOWN_PROTOS]++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

void hag_rx_one(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh)) {
		lc->ip_mib[IP_MIB_IN_TRUNCATED]++;
		rte_pktmbuf_free(m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		rx_ipv4(lc, port, m);
		break;
	case RTE_ETHER_TYPE_ARP:
		rx_arp(lc, port, m, false);
		break;
	default:
		lc->ip_mib[IP_MIB_NON_IP]++;
		rte_pktmbuf_free(m);
	}
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
		rx_arp(lc, port, m, true);
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


uint32_t hag_src_addr_for(const struct hag_lcore *lc, uint32_t dst)
{
	uint32_t nh;
	int port = hag_route_lookup(lc, dst, &nh);

	return port < 0 ? 0 : lc->cfg->ports[port].addr;
}

uint32_t hag_snat_addr_for(const struct hag_lcore *lc, uint32_t client, uint32_t dst)
{
	const struct hag_transparent_conf *t = &lc->cfg->transparent;

	if (t->n_snat == 0)
		return hag_src_addr_for(lc, dst);
	/* One client address always leaves from the same SNAT address. */
	return t->snat[((client * 2654435761u) >> 16) % (uint32_t)t->n_snat];
}


/* The receiving side of a worker's ARP table: packets still held for a next hop are freed. */
void hag_arp_flush(struct hag_lcore *lc)
{
	for (uint32_t i = 0; i < NET_ARP_SLOTS; i++) {
		struct net_arp_entry *e = &lc->arp.e[i];

		for (int k = 0; k < e->n_pending; k++)
			rte_pktmbuf_free(e->pending[k]);
		e->n_pending = 0;
	}
}

/* A stateless SYN/ACK's MPTCP option (lib/tcp SYN cookies). */
static int syncookie_opts(void *arg, const struct tcp_sock *tmp, const struct tcp_seg *syn, uint8_t *opt,
			  uint32_t room, bool *bit)
{
	struct hag_lcore *lc = arg;

	return mptcp_syncookie_opts(lc->mptcp, tmp, syn, opt, room, bit);
}

void hag_lcore_bare(struct hag_lcore *lc, const struct hag_config *cfg, struct rte_mempool *pool, uint64_t now_us)
{
	memset(lc, 0, sizeof(*lc));
	lc->cfg = cfg;
	lc->pool = pool;
	lc->n_workers = 1;
	lc->all = lc;
	lc->n_ports = cfg->n_ports;
	lc->now_us = now_us;
	for (int i = 0; i < cfg->n_ports; i++)
		lc->ports[i].mac.addr_bytes[5] = (uint8_t)(0x10 + i);
}

int hag_engine_init(struct hag_lcore *lc, struct tcp_stack_conf *tc)
{
	const struct hag_config *cfg = lc->cfg;

	tc->pool = lc->pool;
	tc->max_conns = cfg->tcp_max_conns;
	tc->rcvbuf = cfg->tcp_rcvbuf > cfg->tcp_sndbuf ? cfg->tcp_rcvbuf : cfg->tcp_sndbuf;
	tc->timewait_us = cfg->tcp_timewait_ms * 1000u;
	tc->syn_retries = cfg->tcp_syn_retries;
	tc->max_timewait = cfg->tcp_max_timewait;
	if (tc->output == NULL) {
		tc->output = hag_output;
		tc->output_arg = lc;
	}
	tc->syn_backlog = cfg->tcp_syn_backlog;
	tc->syncookies = (uint8_t)cfg->tcp_syncookies;
	tc->ecn = (uint8_t)cfg->tcp_ecn;
	tc->syncookie_opts = cfg->mptcp_enabled ? syncookie_opts : NULL;
	tc->syncookie_arg = lc;
	if (tc->mss == 0) {
		uint16_t mtu = 65535;

		for (int i = 0; i < cfg->n_ports; i++)
			if (cfg->ports[i].mtu < mtu)
				mtu = cfg->ports[i].mtu;
		tc->mss = (uint16_t)(mtu - 40);
	}
	/* Replies to our active opens carry their owner in the port: each worker
	 * has its block of tcp.local_ports (docs/performance.md). */
	hag_port_block(cfg->local_port_lo, cfg->local_port_hi, lc->n_workers, lc->worker, &tc->port_lo,
		       &tc->port_hi);
	lc->mem.budget = (uint64_t)cfg->tcp_mem_budget_mb << 20;
	lc->icmp_tokens = ICMP_ERR_BURST;
	lc->icmp_refill_us = lc->now_us;
	lc->tcp = tcp_stack_create(tc);
	if (lc->tcp == NULL)
		return -ENOMEM;
	lc->mptcp = mptcp_ctx_create(cfg->tcp_max_conns, tc->socket_id);
	if (lc->mptcp == NULL)
		return -ENOMEM;
	/* Tokens this worker hands out map to it (token % workers): joins find their owner. */
	mptcp_ctx_set_worker(lc->mptcp, lc->worker, lc->n_workers);
	mptcp_ctx_set_max_subflows(lc->mptcp, cfg->mptcp_max_subflows);
	mptcp_ctx_set_cc(lc->mptcp, mptcp_cc_find(cfg->mptcp_cc));
	mptcp_ctx_set_scheduler(lc->mptcp, (enum mptcp_sched_kind)mptcp_sched_by_name(cfg->mptcp_scheduler));
	mptcp_ctx_set_checksum(lc->mptcp, (enum mptcp_csum_mode)cfg->mptcp_checksum);
	mptcp_ctx_set_deny_join_initial(lc->mptcp, cfg->mptcp_deny_join_initial);
	mptcp_ctx_set_resume_timeout(lc->mptcp, cfg->mptcp_resume_timeout_ms);
	for (int i = 0; i < cfg->n_announce; i++)
		mptcp_ctx_add_announce(lc->mptcp, cfg->mptcp_announce[i]);
	for (int i = 0; i < cfg->n_access; i++)
		mptcp_ctx_add_access(lc->mptcp, cfg->access[i].prefix, cfg->access[i].prefixlen,
				     cfg->access[i].cost, cfg->access[i].backup);
	return hag_proxy_listen(lc);
}

void hag_engine_fini(struct hag_lcore *lc)
{
	tcp_stack_free(lc->tcp);
	mptcp_ctx_free(lc->mptcp);
	lc->tcp = NULL;
	lc->mptcp = NULL;
	hag_arp_flush(lc);
}

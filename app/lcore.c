/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll loop of a worker lcore: RX burst on every port, Ethernet/ARP,
 * IPv4 checks, ICMP echo, TCP demux into lib/tcp, timers, TX flush.
 */
#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "hagd.h"
#include "mptcp/mptcp_options.h"

volatile bool hag_quit;
volatile bool hag_draining;

/* After the drain timeout's orderly closes, what is still open after this is reset. */
#define DRAIN_GRACE_US 5000000u
/* ... and hagd exits this much later, once every worker sent its RSTs. */
#define DRAIN_RESET_US 200000u

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
static int route_lookup(const struct hag_lcore *lc, uint32_t dst, uint32_t *nh)
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

static void tx(struct hag_lcore *lc, int port, struct rte_mbuf *m)
{
	struct hag_port *p = &lc->ports[port];

	/* Test-only impairment: the frame may be held (hag_lcore_run sends it later) or dropped. */
	if (unlikely(p->imp_tx != NULL) && hag_impair_process(p->imp_tx, &m, 1, lc->now_us) == 0)
		return;
	rte_eth_tx_buffer(p->port_id, p->queue, p->txb, m);
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

static void handoff_flush(struct hag_lcore *lc)
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

/*
 * lib/tcp made or freed a socket. A subflow to a listener that this worker
 * owns although the flow hashes elsewhere (a join for this worker's token):
 * every worker must send its segments here, so all of them are told, through
 * their control rings, before the SYN/ACK leaves.
 */
static void flow_event(void *arg, const struct tcp_sock *sk, bool added)
{
	struct hag_lcore *lc = arg;
	struct hag_steer_msg msg = {
		.laddr = sk->laddr, .raddr = sk->raddr, .lport = sk->lport, .rport = sk->rport,
		.owner = (uint8_t)lc->worker, .learn = added,
	};

	if (!hag_steer_is_listener(&lc->steer, sk->lport) ||
	    hag_steer_flow_worker(&lc->steer, sk->laddr, sk->lport, sk->raddr, sk->rport) == lc->worker)
		return;
	for (unsigned w = 0; w < lc->n_workers; w++) {
		if (w == lc->worker) {
			if (added)
				hag_steer_learn(&lc->steer, msg.laddr, msg.lport, msg.raddr, msg.rport, w);
			else
				hag_steer_forget(&lc->steer, msg.laddr, msg.lport, msg.raddr, msg.rport);
		} else if (rte_ring_mp_enqueue_elem(lc->all[w].ctl, &msg, sizeof(msg)) != 0) {
			lc->handoff_mib[HANDOFF_MIB_CTL_FULL]++;
		} else {
			lc->handoff_mib[HANDOFF_MIB_CTL_TX]++;
		}
	}
}

/*
 * lib/tcp's condition on an upstream connection's ephemeral port: on a port
 * whose RSS hagd can model (a NIC's Toeplitz key and RETA), the reply tuple
 * must hash to this worker's queue, so replies need no hand-off. Ports
 * without a model (vdevs) take any port; software steering handles them.
 */
static bool port_ok(void *arg, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct hag_lcore *lc = arg;
	uint32_t nh;
	int port = route_lookup(lc, raddr, &nh);

	if (port < 0 || lc->rss[port] == NULL)
		return true;
	return hag_steer_queue_of(lc->rss[port], raddr, laddr, rport, lport) == lc->ports[port].queue;
}

/* Each port's RSS model (several workers only): logged once, by worker 0. True when one port has one. */
static bool rss_init(struct hag_lcore *lc)
{
	bool any = false;

	for (int i = 0; i < lc->n_ports; i++) {
		struct hag_steer_rss *r = malloc(sizeof(*r));
		int e = r ? hag_steer_rss_from_port(lc->ports[i].port_id, r) : -ENOMEM;

		if (e == 0) {
			lc->rss[i] = r;
			any = true;
		} else {
			free(r);
			lc->rss[i] = NULL;
		}
		if (lc->worker == 0)
			HAG_LOG(INFO, "port %s: %s", lc->cfg->ports[i].name,
				e == 0 ? "RSS modelled: upstream ports chosen so that replies reach their worker's queue" :
				"no RSS model (vdev, or a key or RETA that cannot be read): replies handed over in software");
	}
	return any;
}

/* Apply the other workers' steering news: all of it, before this poll's RX. */
static unsigned ctl_drain(struct hag_lcore *lc)
{
	struct hag_steer_msg msgs[64];
	unsigned n, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst_elem(lc->ctl, msgs, sizeof(msgs[0]), RTE_DIM(msgs), NULL);
		for (unsigned i = 0; i < n; i++) {
			const struct hag_steer_msg *m = &msgs[i];

			if (m->learn)
				hag_steer_learn(&lc->steer, m->laddr, m->lport, m->raddr, m->rport, m->owner);
			else
				hag_steer_forget(&lc->steer, m->laddr, m->lport, m->raddr, m->rport);
		}
		total += n;
	} while (n == RTE_DIM(msgs));
	return total;
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
	tx(lc, port, m);
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
	port = route_lookup(lc, dst, &nh);
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
	struct net_arp_entry *e;

	if (rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr)) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	e = net_arp_get(&lc->arp, nh);
	if (e == NULL) {
		lc->ip_mib[IP_MIB_ARP_PENDING_DROPS]++;
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	if (e->resolved) {
		eth_fill(m, &lc->ports[port].mac, &e->mac);
		tx(lc, port, m);
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
	struct net_arp_entry *e = net_arp_get(&lc->arp, ip);

	if (e == NULL)
		return;
	e->resolved = true;
	e->mac = *mac;
	e->port = (uint16_t)port;
	e->updated_us = lc->now_us;
	for (int i = 0; i < e->n_pending; i++) {
		eth_fill(e->pending[i], &lc->ports[port].mac, mac);
		tx(lc, port, e->pending[i]);
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
		tx(lc, port, m);
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
	out = route_lookup(lc, dst, &nh);
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
	m->ol_flags = 0;
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
		tx(lc, port, m);
		return;
	}
	default:
		lc->ip_mib[IP_MIB_IN_UNKNOWN_PROTOS]++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

static void rx_one(struct hag_lcore *lc, int port, struct rte_mbuf *m)
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
static void rx_handed(struct hag_lcore *lc, struct rte_mbuf *m)
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

/* The rate clocks of impaired links, shared by the workers (test only). */
static uint64_t wire_clock[HAG_MAX_PORTS][2];

/* ports[].impair: one impairer per impaired direction (test only). */
static int impair_init(struct hag_lcore *lc)
{
	for (int i = 0; i < lc->n_ports; i++) {
		const struct hag_impair_conf *ic = &lc->cfg->ports[i].impair;
		struct hag_impair_conf txc = *ic, rxc = *ic;
		struct hag_port *p = &lc->ports[i];

		if (!ic->enabled)
			continue;
		/* Same seed, other stream: rx and tx losses must not coincide; nor two workers'. */
		txc.seed = ~ic->seed + lc->worker * 0x9e3779b97f4a7c15ull;
		rxc.seed = ic->seed + lc->worker * 0x9e3779b97f4a7c15ull;
		if ((ic->direction & HAG_IMPAIR_RX) &&
		    (p->imp_rx = hag_impair_create(&rxc, lc->pool, (int)rte_socket_id())) == NULL)
			return -rte_errno;
		if ((ic->direction & HAG_IMPAIR_TX) &&
		    (p->imp_tx = hag_impair_create(&txc, lc->pool, (int)rte_socket_id())) == NULL)
			return -rte_errno;
		if (lc->n_workers > 1) {
			if (p->imp_rx)
				hag_impair_share_wire(p->imp_rx, &wire_clock[i][0]);
			if (p->imp_tx)
				hag_impair_share_wire(p->imp_tx, &wire_clock[i][1]);
		}
		HAG_LOG(WARNING, "port %s: TEST-ONLY impairment on %s: delay %.3g ms jitter %.3g ms "
			"loss %.3g%% dup %.3g%% reorder %.3g%% corrupt %.3g%% rate %.6g Mbit/s seed %" PRIu64,
			lc->cfg->ports[i].name, ic->direction == HAG_IMPAIR_BOTH ? "rx+tx" :
			ic->direction == HAG_IMPAIR_RX ? "rx" : "tx", ic->delay_ms, ic->jitter_ms,
			ic->loss_pct, ic->dup_pct, ic->reorder_pct, ic->corrupt_pct, ic->rate_mbit,
			ic->seed);
	}
	return 0;
}

/* A stateless SYN/ACK's MPTCP option (lib/tcp SYN cookies). */
static int syncookie_opts(void *arg, const struct tcp_sock *tmp, const struct tcp_seg *syn, uint8_t *opt,
			  uint32_t room, bool *bit)
{
	struct hag_lcore *lc = arg;

	return mptcp_syncookie_opts(lc->mptcp, tmp, syn, opt, room, bit);
}

int hag_lcore_init(struct hag_lcore *lc, const struct hag_config *cfg, const struct hag_port *ports,
		   struct rte_mempool *pool, struct hag_lcore *all, unsigned worker)
{
	struct tcp_stack_conf tc = {
		.pool = pool,
		.max_conns = cfg->tcp_max_conns,
		.rcvbuf = cfg->tcp_rcvbuf > cfg->tcp_sndbuf ? cfg->tcp_rcvbuf : cfg->tcp_sndbuf,
		.timewait_us = cfg->tcp_timewait_ms * 1000u,
		.syn_retries = cfg->tcp_syn_retries,
		.max_timewait = cfg->tcp_max_timewait,
		.output = hag_output,
		.output_arg = lc,
		.socket_id = (int)rte_socket_id(),
		/* Replies to our active opens carry their owner in the port: each worker
		 * has its block of tcp.local_ports (docs/performance.md). */
		.flow_event = cfg->workers > 1 ? flow_event : NULL,
		.flow_arg = lc,
		.syn_backlog = cfg->tcp_syn_backlog,
		.syncookies = (uint8_t)cfg->tcp_syncookies,
		.syncookie_opts = cfg->mptcp_enabled ? syncookie_opts : NULL,
		.syncookie_arg = lc,
	};
	char name[RTE_RING_NAMESIZE];
	uint16_t mtu = 65535;
	int r;

	memset(lc, 0, sizeof(*lc));
	lc->lcore_id = rte_lcore_id();
	lc->cfg = cfg;
	lc->pool = pool;
	lc->worker = worker;
	lc->n_workers = cfg->workers;
	lc->all = all;
	lc->n_ports = cfg->n_ports;
	for (int i = 0; i < cfg->n_ports; i++) {
		r = hag_port_worker_init(&lc->ports[i], &ports[i], (uint16_t)worker);
		if (r != 0)
			return r;
	}
	/* Other workers hand segments over: many producers, this worker the one consumer. */
	snprintf(name, sizeof(name), "hag_inbox_%u", worker);
	lc->inbox = rte_ring_create(name, 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (lc->inbox == NULL)
		return -rte_errno;
	snprintf(name, sizeof(name), "hag_ctl_%u", worker);
	lc->ctl = rte_ring_create_elem(name, sizeof(struct hag_steer_msg), 16384, (int)rte_socket_id(),
				       RING_F_SC_DEQ);
	if (lc->ctl == NULL)
		return -rte_errno;
	/* Every worker's redirect table can hold the joined subflows of all workers. */
	r = hag_steer_init(&lc->steer, worker, cfg->workers, cfg->tcp_max_conns * cfg->workers,
			   (int)rte_socket_id(), cfg->local_port_lo, cfg->local_port_hi);
	if (r != 0)
		return r;
	for (int i = 0; i < cfg->n_listeners; i++)
		if ((r = hag_steer_add_listener(&lc->steer, cfg->listeners[i].port)) != 0)
			return r;
	/* Without a port whose RSS is modelled, any ephemeral port will do: no per-port check. */
	if (cfg->workers > 1 && rss_init(lc))
		tc.port_ok = port_ok;
	r = impair_init(lc);
	if (r != 0)
		return r;
	for (int i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].mtu < mtu)
			mtu = cfg->ports[i].mtu;
	tc.mss = (uint16_t)(mtu - 40);
	hag_port_block(cfg->local_port_lo, cfg->local_port_hi, cfg->workers, worker, &tc.port_lo, &tc.port_hi);
	tc.output_arg = lc;
	lc->mem.budget = (uint64_t)cfg->tcp_mem_budget_mb << 20;
	lc->tcp = tcp_stack_create(&tc);
	if (lc->tcp == NULL)
		return -ENOMEM;
	lc->mptcp = mptcp_ctx_create(cfg->tcp_max_conns, (int)rte_socket_id());
	if (lc->mptcp == NULL)
		return -ENOMEM;
	/* Tokens this worker hands out map to it (token % workers): joins find their owner. */
	mptcp_ctx_set_worker(lc->mptcp, worker, cfg->workers);
	mptcp_ctx_set_max_subflows(lc->mptcp, cfg->mptcp_max_subflows);
	if (strcmp(cfg->mptcp_cc, "lia") == 0)
		mptcp_ctx_set_cc(lc->mptcp, &mptcp_cc_lia);
	else if (strcmp(cfg->mptcp_cc, "olia") == 0)
		mptcp_ctx_set_cc(lc->mptcp, &mptcp_cc_olia);
	mptcp_ctx_set_scheduler(lc->mptcp, (enum mptcp_sched_kind)mptcp_sched_by_name(cfg->mptcp_scheduler));
	mptcp_ctx_set_checksum(lc->mptcp, cfg->mptcp_checksum == HAG_CSUM_OFF ? MPTCP_CSUM_OFF :
					  cfg->mptcp_checksum == HAG_CSUM_REQUIRE ? MPTCP_CSUM_REQUIRE :
					  MPTCP_CSUM_ACCEPT);
	mptcp_ctx_set_deny_join_initial(lc->mptcp, cfg->mptcp_deny_join_initial);
	mptcp_ctx_set_resume_timeout(lc->mptcp, cfg->mptcp_resume_timeout_ms);
	for (int i = 0; i < cfg->n_announce; i++)
		mptcp_ctx_add_announce(lc->mptcp, cfg->mptcp_announce[i]);
	for (int i = 0; i < cfg->n_access; i++)
		mptcp_ctx_add_access(lc->mptcp, cfg->access[i].prefix, cfg->access[i].prefixlen,
				     cfg->access[i].cost, cfg->access[i].backup);
	return hag_proxy_listen(lc);
}

void hag_lcore_fini(struct hag_lcore *lc)
{
	struct rte_mbuf *m;

	tcp_stack_free(lc->tcp);
	mptcp_ctx_free(lc->mptcp);
	lc->tcp = NULL;
	lc->mptcp = NULL;
	for (int i = 0; i < lc->n_ports; i++) {
		hag_impair_free(lc->ports[i].imp_rx);
		hag_impair_free(lc->ports[i].imp_tx);
		lc->ports[i].imp_rx = lc->ports[i].imp_tx = NULL;
		hag_port_worker_fini(&lc->ports[i]);
	}
	if (lc->inbox != NULL) {
		while (rte_ring_sc_dequeue(lc->inbox, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->inbox);
		lc->inbox = NULL;
	}
	rte_ring_free(lc->ctl);
	lc->ctl = NULL;
	hag_steer_fini(&lc->steer);
	for (int i = 0; i < HAG_MAX_PORTS; i++) {
		free(lc->rss[i]);
		lc->rss[i] = NULL;
	}
}

static void rx_burst(struct hag_lcore *lc, int port, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		rx_one(lc, port, pkts[i]);
	}
}

/*
 * Stopping (docs/config.md, lifecycle): new connections are refused (proxy.c),
 * relayed ones go on until none is left or the drain timeout, which closes
 * them in order; worker 0 ends every worker once all are drained, or the
 * grace after the timeout has passed.
 */
static void drain_step(struct hag_lcore *lc)
{
	bool all = true;

	if (!lc->draining) {
		lc->draining = true;
		lc->drain_deadline_us = lc->now_us + (uint64_t)lc->cfg->drain_timeout_ms * 1000u;
		HAG_LOG(INFO, "worker %u draining: %u connections, new ones refused, %u ms at most", lc->worker,
			lc->relay_active, lc->cfg->drain_timeout_ms);
	}
	if (!lc->drain_closed && lc->relay_active > 0 && lc->now_us >= lc->drain_deadline_us) {
		lc->drain_closed = true;
		HAG_LOG(INFO, "worker %u: drain timeout: %u connections closed in order", lc->worker,
			hag_proxy_close_all(lc));
	}
	if (!lc->drain_reset && lc->relay_active > 0 && lc->now_us >= lc->drain_deadline_us + DRAIN_GRACE_US) {
		/* Past the grace: the peers learn it now (RST), not from their timeouts. */
		lc->drain_reset = true;
		HAG_LOG(WARNING, "worker %u: %u connections still open %u s after the drain timeout: reset",
			lc->worker, hag_proxy_abort_all(lc), DRAIN_GRACE_US / 1000000u);
	}
	if (lc->worker != 0)
		return;
	/* Another worker's count, read as telemetry reads it (an aligned word). */
	for (unsigned w = 0; w < lc->n_workers; w++)
		all &= __atomic_load_n(&lc->all[w].relay_active, __ATOMIC_RELAXED) == 0;
	if (all) {
		HAG_LOG(INFO, "drained: no connection left");
		hag_quit = true;
	} else if (lc->now_us >= lc->drain_deadline_us + DRAIN_GRACE_US + DRAIN_RESET_US) {
		/* The workers reset what was left DRAIN_RESET_US ago and sent the RSTs. */
		HAG_LOG(WARNING, "drain: exit with connections reset");
		hag_quit = true;
	}
}

int hag_lcore_run(void *arg)
{
	struct hag_lcore *lc = arg;
	const uint64_t hz_per_us = rte_get_tsc_hz() / 1000000 ? rte_get_tsc_hz() / 1000000 : 1;
	const uint32_t idle_us = lc->cfg->idle_sleep_us;
	struct rte_mbuf *pkts[HAG_BURST];
	uint32_t idle = 0;

	/* Short sleeps must stay short: the default 50 us timer slack would triple them. */
	if (idle_us)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	HAG_LOG(INFO, "lcore %u polling %d ports", lc->lcore_id, lc->n_ports);
	while (!hag_quit) {
		uint32_t got = 0;
		uint64_t t0 = rte_get_tsc_cycles();

		lc->now_us = t0 / hz_per_us;
		/* Steering news first: it was sent before any segment it is about. */
		if (lc->n_workers > 1)
			got += ctl_drain(lc);
		for (int p = 0; p < lc->n_ports; p++) {
			struct hag_port *hp = &lc->ports[p];
			uint16_t n = rte_eth_rx_burst(hp->port_id, hp->queue, pkts, HAG_BURST);

			got += n;
			if (unlikely(hp->imp_rx != NULL)) {
				/* Test-only impairment: what is due now, then what was held. */
				n = hag_impair_process(hp->imp_rx, pkts, n, lc->now_us);
				rx_burst(lc, p, pkts, n);
				n = hag_impair_poll(hp->imp_rx, pkts, HAG_BURST, lc->now_us);
				got += n;
			}
			rx_burst(lc, p, pkts, n);
		}
		if (lc->n_workers > 1) {
			unsigned n;

			handoff_flush(lc);
			n = rte_ring_sc_dequeue_burst(lc->inbox, (void **)pkts, HAG_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				rx_handed(lc, pkts[i]);
			got += n;
		}
		tcp_stack_poll(lc->tcp, lc->now_us);
		mptcp_ctx_tick(lc->mptcp, lc->now_us);   /* parked connections past their wait */
		if (unlikely(hag_draining))
			drain_step(lc);
		for (int p = 0; p < lc->n_ports; p++) {
			struct hag_port *hp = &lc->ports[p];

			if (unlikely(hp->imp_tx != NULL)) {
				uint16_t n = hag_impair_poll(hp->imp_tx, pkts, HAG_BURST, lc->now_us);

				for (uint16_t i = 0; i < n; i++)
					rte_eth_tx_buffer(hp->port_id, hp->queue, hp->txb, pkts[i]);
				got += n;
			}
			rte_eth_tx_buffer_flush(hp->port_id, hp->queue, hp->txb);
		}
		if (unlikely(__atomic_load_n(&lc->addr_req, __ATOMIC_ACQUIRE))) {
			lc->addr_req_result = mptcp_ctx_withdraw(lc->mptcp, lc->addr_req_addr, lc->addr_req == 1);
			__atomic_store_n(&lc->addr_req, 0, __ATOMIC_RELEASE);
		}
		if (unlikely(__atomic_load_n(&lc->snap_req, __ATOMIC_ACQUIRE))) {
			hag_proxy_snapshot(lc);
			__atomic_store_n(&lc->snap_req, 0, __ATOMIC_RELEASE);
		}
		lc->polls++;
		if (got) {
			/* The engine benchmark's figure: TSC cycles of polls that had work. */
			lc->busy_cycles += rte_get_tsc_cycles() - t0;
			lc->busy_polls++;
			idle = 0;
		} else if (idle_us && ++idle > 64) {
			struct timespec ts = {0, (long)idle_us * 1000};

			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

uint32_t hag_src_addr_for(const struct hag_lcore *lc, uint32_t dst)
{
	uint32_t nh;
	int port = route_lookup(lc, dst, &nh);

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

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: ARP (RFC 826) for a worker: answering, learning, resolving next hops. */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>

#include "net/ip_internal.h"

static void eth_fill(struct rte_mbuf *m, const struct rte_ether_addr *src, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(src, &eh->src_addr);
	rte_ether_addr_copy(dst, &eh->dst_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

static void arp_request(struct net_ip *n, int port, uint32_t ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(n->pool);

	if (m == NULL)
		return;
	net_arp_build(m, RTE_ARP_OP_REQUEST, &n->ports[port].mac, n->ports[port].addr, NULL, ip);
	n->mib[NET_MIB_ARP_OUT]++;
	n->tx(n->arg, port, m);
}

int net_ip_output_via(struct net_ip *n, struct rte_mbuf *m, int port, uint32_t nh)
{
	struct net_neigh_evicted ev;
	struct net_neigh *e;
	uint64_t now = net_ip_now(n);

	if (rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr)) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	e = net_arp_get(&n->arp, nh, &ev);
	if (ev.ip != 0) {
		n->mib[NET_MIB_ARP_EVICTIONS]++;
		n->mib[NET_MIB_ARP_PENDING_DROPS] += ev.n_pending;
		for (int i = 0; i < ev.n_pending; i++)
			rte_pktmbuf_free(ev.pending[i]);
	}
	if (e == NULL) {
		n->mib[NET_MIB_ARP_PENDING_DROPS]++;
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	if (e->resolved) {
		e->used_us = now;
		eth_fill(m, &n->ports[port].mac, &e->mac);
		n->tx(n->arg, port, m);
		return 0;
	}
	/* Hold a few packets until the reply; drop the oldest beyond that. */
	if (net_neigh_hold(e, m))
		n->mib[NET_MIB_ARP_PENDING_DROPS]++;
	e->port = (uint16_t)port;
	if (e->updated_us == 0 || now - e->updated_us >= NET_ARP_RETRY_US) {
		e->updated_us = now;
		arp_request(n, port, nh);
	}
	return 0;
}

static void arp_learn(struct net_ip *n, int port, uint32_t ip, const struct rte_ether_addr *mac)
{
	/* Learning never evicts: ARP from spoofed senders cannot churn the table. */
	struct net_neigh *e = net_arp_get(&n->arp, ip, NULL);

	if (e == NULL)
		return;
	e->resolved = true;
	e->mac = *mac;
	e->port = (uint16_t)port;
	e->updated_us = net_ip_now(n);
	for (int i = 0; i < e->n_pending; i++) {
		eth_fill(e->pending[i], &n->ports[port].mac, mac);
		n->tx(n->arg, port, e->pending[i]);
	}
	e->n_pending = 0;
}

bool net_ip_arp_target(const struct net_ip *n, int port, uint32_t tip)
{
	const struct net_ip_port *p = &n->ports[port];

	if (tip == p->addr)
		return true;
	for (int i = 0; i < n->n_local; i++)
		if (n->local[i].arp && n->local[i].addr == tip && net_in_prefix(tip, p->addr, p->prefixlen))
			return true;
	return false;
}

void net_ip_arp_rx(struct net_ip *n, int port, struct rte_mbuf *m, bool shared)
{
	const struct net_ip_port *p = &n->ports[port];
	struct rte_arp_hdr *ah;
	uint32_t sip, tip;
	struct rte_ether_addr sha;

	if (!shared)
		n->mib[NET_MIB_ARP_IN]++;
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ah))
		goto drop;
	ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ah->arp_hlen != 6 || ah->arp_plen != 4)
		goto drop;
	sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	sha = ah->arp_data.arp_sha;
	if (!net_ip_arp_target(n, port, tip))
		goto drop;
	/* RFC 826: the target merges the sender's mapping; every worker keeps its own table. */
	if (sip != 0 && net_in_prefix(sip, p->addr, p->prefixlen)) {
		if (!shared && n->ops->arp_learned != NULL)
			n->ops->arp_learned(n->arg, port, m);
		arp_learn(n, port, sip, &sha);
	}
	if (shared)
		goto drop;
	if (ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		net_arp_build(m, RTE_ARP_OP_REPLY, &p->mac, tip, &sha, sip);
		n->mib[NET_MIB_ARP_OUT]++;
		n->tx(n->arg, port, m);
		return;
	}
drop:
	rte_pktmbuf_free(m);
}

void net_ip_arp_flush(struct net_ip *n)
{
	struct net_neigh_table *t[2] = {&n->arp, &n->nd};

	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < NET_NEIGH_SLOTS; i++) {
			struct net_neigh *e = &t[k]->e[i];

			for (int j = 0; j < e->n_pending; j++)
				rte_pktmbuf_free(e->pending[j]);
			e->n_pending = 0;
		}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's engine from its config: the gateway below TCP (lib/net, set up
 * by app/dispatch.c), the TCP stack, the MPTCP context and the relay's
 * listeners (app/proxy.c). app/lcore.c calls it for a worker with ports;
 * tests/unit/test_dispatch.c and the packet fuzzer for a bare one.
 */
#include <errno.h>
#include <string.h>

#include "hagd.h"

/* lib/tcp's output: lib/net routes it and resolves the next hop. */
static int ip_output(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	(void)route;
	return net_ip_output(arg, m, dst);
}

static int ip_output6(void *arg, struct rte_mbuf *m, const uint8_t dst[16], void *route)
{
	(void)route;
	return net_ip_output6(arg, m, dst);
}

/* A stateless SYN/ACK's MPTCP option (lib/tcp SYN cookies). */
static int syncookie_opts(void *arg, const struct tcp_sock *tmp, const struct tcp_seg *syn, uint8_t *opt,
			  uint32_t room, bool *bit)
{
	struct hag_lcore *lc = arg;

	return mptcp_syncookie_opts(lc->mptcp, tmp, syn, opt, room, bit);
}

void hag_lcore_bare(struct hag_lcore *lc, const struct hag_config *cfg, struct rte_mempool *pool, uint64_t now_us,
		    net_tx_fn *port_tx)
{
	memset(lc, 0, sizeof(*lc));
	lc->port_tx = port_tx;
	lc->cfg = cfg;
	lc->pool = pool;
	lc->n_workers = 1;
	lc->all = lc;
	lc->n_ports = cfg->n_ports;
	lc->now_us = now_us;
	for (int i = 0; i < cfg->n_ports; i++)
		lc->ports[i].mac.addr_bytes[5] = (uint8_t)(0x10 + i);
}

/* Every access network may take an IPv4 and an IPv6 prefix in lib/mptcp. */
_Static_assert(2 * HAG_MAX_ACCESS <= MPTCP_MAX_ACCESS, "access prefixes fit lib/mptcp");

int hag_engine_init(struct hag_lcore *lc, struct tcp_stack_conf *tc)
{
	const struct hag_config *cfg = lc->cfg;
	int r;

	if ((r = hag_dispatch_init(lc)) != 0)
		return r;
	tc->pool = lc->pool;
	tc->max_conns = cfg->tcp_max_conns;
	tc->rcvbuf = cfg->tcp_rcvbuf > cfg->tcp_sndbuf ? cfg->tcp_rcvbuf : cfg->tcp_sndbuf;
	tc->timewait_us = cfg->tcp_timewait_ms * 1000u;
	tc->syn_retries = cfg->tcp_syn_retries;
	tc->max_timewait = cfg->tcp_max_timewait;
	if (tc->output == NULL) {
		tc->output = ip_output;
		tc->output6 = ip_output6;
		tc->output_arg = &lc->ip;
	}
	/* IPv6 sockets (a second flow table) once a port speaks IPv6. */
	for (int i = 0; i < cfg->n_ports; i++)
		tc->ipv6 = tc->ipv6 || cfg->ports[i].has_addr6;
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
	lc->tcp = tcp_stack_create(tc);
	if (lc->tcp == NULL)
		return -ENOMEM;
	lc->mptcp = mptcp_ctx_create(cfg->tcp_max_conns, tc->socket_id);
	if (lc->mptcp == NULL)
		return -ENOMEM;
	/* Tokens this worker hands out map to it (token % workers): joins find their owner. */
	mptcp_ctx_set_worker(lc->mptcp, lc->worker, lc->n_workers);
	mptcp_ctx_set_max_subflows(lc->mptcp, cfg->mptcp_max_subflows);
	mptcp_ctx_set_cc(lc->mptcp, mptcp_cc_of((enum mptcp_cc_kind)cfg->mptcp_cc));
	mptcp_ctx_set_scheduler(lc->mptcp, (enum mptcp_sched_kind)cfg->mptcp_scheduler);
	mptcp_ctx_set_checksum(lc->mptcp, (enum mptcp_csum_mode)cfg->mptcp_checksum);
	mptcp_ctx_set_deny_join_initial(lc->mptcp, cfg->mptcp_deny_join_initial);
	mptcp_ctx_set_resume_timeout(lc->mptcp, cfg->mptcp_resume_timeout_ms);
	for (int i = 0; i < cfg->n_announce; i++)
		if (cfg->mptcp_announce_is6[i])
			mptcp_ctx_add_announce6(lc->mptcp, cfg->mptcp_announce6[i]);
		else
			mptcp_ctx_add_announce(lc->mptcp, cfg->mptcp_announce[i]);
	for (int i = 0; i < cfg->n_access; i++) {
		const struct hag_access_conf *a = &cfg->access[i];

		if (a->has4)
			mptcp_ctx_add_access(lc->mptcp, a->prefix, a->prefixlen, a->cost, a->backup);
		if (a->has6)
			mptcp_ctx_add_access6(lc->mptcp, a->prefix6, a->prefixlen6, a->cost, a->backup);
	}
	return hag_proxy_listen(lc);
}

void hag_engine_fini(struct hag_lcore *lc)
{
	tcp_stack_free(lc->tcp);
	mptcp_ctx_free(lc->mptcp);
	lc->tcp = NULL;
	lc->mptcp = NULL;
	net_ip_arp_flush(&lc->ip);
}

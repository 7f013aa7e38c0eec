/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll loop of a worker lcore: RX burst on every port (each frame to
 * app/dispatch.c's hag_rx_one), the hand-over inboxes, steering news, timers,
 * TX flush; the ports themselves (port_tx) and their test-only impairment.
 */
#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "hagd.h"

volatile bool hag_quit;
volatile bool hag_draining;

/* After the drain timeout's orderly closes, what is still open after this is reset. */
#define DRAIN_GRACE_US 5000000u
/* ... and hagd exits this much later, once every worker sent its RSTs. */
#define DRAIN_RESET_US 200000u

/* A frame out of a port (lc->port_tx, lib/net's tx): buffered, flushed once per poll. */
static void port_tx(void *arg, int port, struct rte_mbuf *m)
{
	struct hag_lcore *lc = arg;
	struct hag_port *p = &lc->ports[port];

	/* Test-only impairment: the frame may be held (hag_lcore_run sends it later) or dropped. */
	if (unlikely(p->imp_tx != NULL) && hag_impair_process(p->imp_tx, &m, 1, lc->now_us) == 0)
		return;
	rte_eth_tx_buffer(p->port_id, p->queue, p->txb, m);
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
	const struct tcp_tuple t = tcp_sock_tuple(sk);
	struct hag_steer_msg msg = {
		.laddr = t.laddr, .raddr = t.raddr, .lport = t.lport, .rport = t.rport,
		.owner = (uint8_t)lc->worker, .learn = added,
	};

	if (!hag_steer_is_listener(&lc->steer, t.lport) ||
	    hag_steer_flow_worker(&lc->steer, t.laddr, t.lport, t.raddr, t.rport) == lc->worker)
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
	int port = net_ip_route(&lc->ip, raddr, &nh);

	if (port < 0 || lc->rss[port] == NULL)
		return true;
	return net_steer_queue_of(lc->rss[port], raddr, laddr, rport, lport) == lc->ports[port].queue;
}

/* port_ok for an IPv6 upstream connection: a port whose model covers IPv6 decides, any other takes any port. */
static bool port_ok6(void *arg, const uint8_t laddr[16], uint16_t lport, const uint8_t raddr[16], uint16_t rport)
{
	struct hag_lcore *lc = arg;
	uint8_t nh[16];
	int port = net_ip6_route(&lc->ip, raddr, nh);

	if (port < 0 || lc->rss[port] == NULL || !lc->rss[port]->v6)
		return true;
	return net_steer_queue_of6(lc->rss[port], raddr, laddr, rport, lport) == lc->ports[port].queue;
}

/* Each port's RSS model (several workers only): logged once, by worker 0. True when one port has one. */
static bool rss_init(struct hag_lcore *lc)
{
	bool any = false;

	for (int i = 0; i < lc->n_ports; i++) {
		struct net_steer_rss *r = malloc(sizeof(*r));
		int e = r ? net_steer_rss_from_port(lc->ports[i].port_id, r) : -ENOMEM;

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
			"loss %.3g%% gilbert %.3g/%.3g%% (loss %.3g/%.3g%%) dup %.3g%% reorder %.3g%% "
			"corrupt %.3g%% rate %.6g Mbit/s seed %" PRIu64,
			lc->cfg->ports[i].name, ic->direction == HAG_IMPAIR_BOTH ? "rx+tx" :
			ic->direction == HAG_IMPAIR_RX ? "rx" : "tx", ic->delay_ms, ic->jitter_ms,
			ic->loss_pct, ic->gilbert.good_to_bad_pct, ic->gilbert.bad_to_good_pct,
			ic->gilbert.loss_good_pct, ic->gilbert.loss_bad_pct, ic->dup_pct, ic->reorder_pct,
			ic->corrupt_pct, ic->rate_mbit, ic->seed);
	}
	return 0;
}

int hag_lcore_init(struct hag_lcore *lc, const struct hag_config *cfg, const struct hag_port *ports,
		   struct rte_mempool *pool, struct hag_lcore *all, unsigned worker)
{
	struct tcp_stack_conf tc = {
		.socket_id = (int)rte_socket_id(),
		.flow_event = cfg->workers > 1 ? flow_event : NULL,
		.flow_arg = lc,
	};
	char name[RTE_RING_NAMESIZE];
	int r;

	memset(lc, 0, sizeof(*lc));
	lc->lcore_id = rte_lcore_id();
	lc->port_tx = port_tx;
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
	if (cfg->workers > 1 && rss_init(lc)) {
		tc.port_ok = port_ok;
		tc.port_ok6 = port_ok6;
	}
	r = impair_init(lc);
	if (r != 0)
		return r;
	return hag_engine_init(lc, &tc);
}

void hag_lcore_fini(struct hag_lcore *lc)
{
	struct rte_mbuf *m;

	hag_engine_fini(lc);
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
		hag_rx_one(lc, port, pkts[i]);
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
	/* IPv6 neighbours that knew another MAC for our addresses learn ours (RFC 4861
	 * 7.2.6): once, by the first worker; flushed with the first poll. */
	if (lc->worker == 0)
		net_ip_announce6(&lc->ip);
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

			hag_handoff_flush(lc);
			n = rte_ring_sc_dequeue_burst(lc->inbox, (void **)pkts, HAG_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				hag_rx_handed(lc, pkts[i]);
			got += n;
		}
		tcp_stack_poll(lc->tcp, lc->now_us);
		net_ip_tick6(&lc->ip);                 /* ND's timers: a compare until one is due */
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
			lc->addr_req_result = lc->addr_req_v6 ?
				mptcp_ctx_withdraw6(lc->mptcp, lc->addr_req_addr6, lc->addr_req == 1) :
				mptcp_ctx_withdraw(lc->mptcp, lc->addr_req_addr, lc->addr_req == 1);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagd's telemetry commands (DPDK telemetry v2 socket; read with hagctl).
 * The telemetry thread reads counters the worker writes: each is one
 * aligned 64-bit word, so a reader sees an old or a new value, never a torn
 * one (x86-64 and arm64); no lock on the data path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <jansson.h>

#include "hagd.h"

static struct hag_lcore *g_lcs;
static int g_n;

static struct rte_tel_data *dict(void)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d)
		rte_tel_data_start_dict(d);
	return d;
}

static void add(struct rte_tel_data *parent, const char *name, struct rte_tel_data *child)
{
	if (child)
		rte_tel_data_add_dict_container(parent, name, child, 0);
}

/* Port p's traffic and drops, summed over the workers (af_xdp with several
 * workers: an ethdev per worker). */
static void port_traffic(struct rte_tel_data *pd, int p)
{
	const struct hag_port *hp = &g_lcs[0].ports[p];
	struct rte_eth_stats es;
	uint64_t txd = 0;

	memset(&es, 0, sizeof(es));
	for (int i = 0; i < g_n; i++) {
		uint16_t id = g_lcs[i].ports[p].port_id;
		struct rte_eth_stats one;

		txd += g_lcs[i].ports[p].tx_dropped;
		if ((i > 0 && id == hp->port_id) || rte_eth_stats_get(id, &one) != 0)
			continue;
		es.ipackets += one.ipackets;
		es.ibytes += one.ibytes;
		es.imissed += one.imissed + one.rx_nombuf;
		es.ierrors += one.ierrors;
		es.opackets += one.opackets;
		es.obytes += one.obytes;
		es.oerrors += one.oerrors;
	}
	rte_tel_data_add_dict_u64(pd, "rx_packets", es.ipackets);
	rte_tel_data_add_dict_u64(pd, "rx_bytes", es.ibytes);
	rte_tel_data_add_dict_u64(pd, "rx_dropped", es.imissed);
	rte_tel_data_add_dict_u64(pd, "rx_errors", es.ierrors);
	rte_tel_data_add_dict_u64(pd, "tx_packets", es.opackets);
	rte_tel_data_add_dict_u64(pd, "tx_bytes", es.obytes);
	rte_tel_data_add_dict_u64(pd, "tx_dropped", txd);
	rte_tel_data_add_dict_u64(pd, "tx_errors", es.oerrors);
}

/* A port direction's impairment counters, summed over the workers; NULL when it is not impaired. */
static struct rte_tel_data *impair_dict(int port, bool rx)
{
	struct hag_impair_stats s, one;
	struct rte_tel_data *d;
	bool any = false;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < g_n; i++) {
		const struct hag_impair *imp = rx ? g_lcs[i].ports[port].imp_rx : g_lcs[i].ports[port].imp_tx;

		if (imp == NULL)
			continue;
		any = true;
		hag_impair_stats(imp, &one);
		for (int c = 0; c < HAG_IMPAIR_CTR_MAX; c++)
			s.ctr[c] += one.ctr[c];
		s.held += one.held;
	}
	if (!any || (d = dict()) == NULL)
		return NULL;
	for (int c = 0; c < HAG_IMPAIR_CTR_MAX; c++)
		rte_tel_data_add_dict_u64(d, hag_impair_ctr_names[c], s.ctr[c]);
	rte_tel_data_add_dict_u64(d, "held", s.held);
	return d;
}

static int stats_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *t, *mp, *ip, *rl, *ports, *pool, *st;
	uint64_t conns = 0, mconns = 0, active = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	t = dict();
	mp = dict();
	ip = dict();
	rl = dict();
	ports = dict();
	pool = dict();
	st = dict();
	if (!t || !mp || !ip || !rl || !ports || !pool || !st)
		return -ENOMEM;
	for (int c = 0; c < TCP_MIB_MAX; c++) {
		uint64_t v = 0;

		for (int i = 0; i < g_n; i++)
			v += tcp_mib_get(g_lcs[i].tcp, c);
		rte_tel_data_add_dict_u64(t, tcp_mib_names[c], v);
	}
	for (int i = 0; i < g_n; i++) {
		conns += tcp_stack_conns(g_lcs[i].tcp);
		mconns += mptcp_ctx_conns(g_lcs[i].mptcp);
		active += g_lcs[i].relay_active;
	}
	rte_tel_data_add_dict_u64(t, "CurrConns", conns);
	for (int c = 0; c < MPTCP_MIB_MAX; c++) {
		uint64_t v = 0;

		for (int i = 0; i < g_n; i++)
			v += mptcp_mib_get(g_lcs[i].mptcp, c);
		rte_tel_data_add_dict_u64(mp, mptcp_mib_names[c], v);
	}
	rte_tel_data_add_dict_u64(mp, "CurrEstab", mconns);
	for (int c = 0; c < NET_MIB_MAX; c++) {
		uint64_t v = 0;

		for (int i = 0; i < g_n; i++)
			v += g_lcs[i].ip.mib[c];
		rte_tel_data_add_dict_u64(ip, net_mib_names[c], v);
	}
	for (int c = 0; c < RELAY_MIB_MAX; c++) {
		uint64_t v = 0;

		for (int i = 0; i < g_n; i++)
			v += g_lcs[i].relay_mib[c];
		rte_tel_data_add_dict_u64(rl, hag_relay_mib_names[c], v);
	}
	rte_tel_data_add_dict_u64(rl, "Active", active);
	rte_tel_data_add_dict_u64(rl, "Draining", hag_draining ? 1 : 0);
	for (int p = 0; p < g_lcs[0].n_ports; p++) {
		const struct hag_port *hp = &g_lcs[0].ports[p];
		struct rte_tel_data *pd = dict();

		if (pd == NULL)
			break;
		port_traffic(pd, p);
		if (hp->imp_rx != NULL || hp->imp_tx != NULL) {
			struct rte_tel_data *im = dict();

			if (im != NULL) {
				add(im, "rx", impair_dict(p, true));
				add(im, "tx", impair_dict(p, false));
				add(pd, "impair", im);
			}
		}
		add(ports, hp->conf->name, pd);
	}
	rte_tel_data_add_dict_u64(pool, "in_use", rte_mempool_in_use_count(g_lcs[0].pool));
	rte_tel_data_add_dict_u64(pool, "size", g_lcs[0].pool->size);
	rte_tel_data_add_dict_u64(pool, "available", rte_mempool_avail_count(g_lcs[0].pool));
	{
		uint64_t used = 0, budget = 0, refused = 0, held = 0;

		for (int i = 0; i < g_n; i++) {
			used += g_lcs[i].mem.used;
			budget += g_lcs[i].mem.budget;
			refused += g_lcs[i].mem.refused;
			held += g_lcs[i].mem.held;
		}
		rte_tel_data_add_dict_u64(pool, "pipe_bytes", used);
		rte_tel_data_add_dict_u64(pool, "pipe_held", held);
		rte_tel_data_add_dict_u64(pool, "pipe_budget", budget);
		rte_tel_data_add_dict_u64(pool, "pipe_refused", refused);
	}
	/* Steering between workers: what went to another worker and why. */
	{
		uint64_t v, redirects = 0;

		for (int c = 0; c < STEER_MIB_MAX; c++) {
			v = 0;
			for (int i = 0; i < g_n; i++)
				v += g_lcs[i].steer.mib[c];
			rte_tel_data_add_dict_u64(st, hag_steer_mib_names[c], v);
		}
		for (int c = 0; c < HANDOFF_MIB_MAX; c++) {
			v = 0;
			for (int i = 0; i < g_n; i++)
				v += g_lcs[i].handoff_mib[c];
			rte_tel_data_add_dict_u64(st, hag_handoff_mib_names[c], v);
		}
		for (int i = 0; i < g_n; i++)
			redirects += hag_steer_redirects(&g_lcs[i].steer);
		rte_tel_data_add_dict_u64(st, "Redirects", redirects);
		rte_tel_data_add_dict_u64(st, "Workers", (uint64_t)g_n);
	}
	add(d, "tcp", t);
	add(d, "mptcp", mp);
	add(d, "ip", ip);
	add(d, "relay", rl);
	add(d, "ports", ports);
	add(d, "mempool", pool);
	add(d, "steer", st);
	/* One dict per worker: how the load spreads. */
	{
		struct rte_tel_data *ws = dict();

		for (int i = 0; ws != NULL && i < g_n; i++) {
			const struct hag_lcore *lc = &g_lcs[i];
			struct rte_tel_data *wd = dict();
			char key[16];

			if (wd == NULL)
				break;
			rte_tel_data_add_dict_u64(wd, "lcore", lc->lcore_id);
			rte_tel_data_add_dict_u64(wd, "Accepted", lc->relay_mib[RELAY_MIB_ACCEPTED]);
			rte_tel_data_add_dict_u64(wd, "Active", lc->relay_active);
			rte_tel_data_add_dict_u64(wd, "CurrConns", tcp_stack_conns(lc->tcp));
			rte_tel_data_add_dict_u64(wd, "InSegs", tcp_mib_get(lc->tcp, TCP_MIB_IN_SEGS));
			rte_tel_data_add_dict_u64(wd, "HandoffRx", lc->handoff_mib[HANDOFF_MIB_RX]);
			rte_tel_data_add_dict_u64(wd, "HandoffTx", lc->handoff_mib[HANDOFF_MIB_TX]);
			rte_tel_data_add_dict_u64(wd, "Redirects", hag_steer_redirects(&lc->steer));
			rte_tel_data_add_dict_u64(wd, "polls", lc->polls);
			rte_tel_data_add_dict_u64(wd, "busy_polls", lc->busy_polls);
			rte_tel_data_add_dict_u64(wd, "busy_cycles", lc->busy_cycles);
			snprintf(key, sizeof(key), "%d", i);
			add(ws, key, wd);
		}
		add(d, "workers", ws);
		rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	}
	return 0;
}

/*
 * Per-connection state: the worker copies it on request between two polls
 * (connections come and go there; reading them from this thread is unsafe).
 */
static int conns_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	/* The reply: {"/hagd/conns":{...}} within HAG_TEL_REPLY_MAX, room kept for "omitted". */
	struct hag_snap_room room = {
		.bytes = HAG_TEL_REPLY_MAX - sizeof("{\"/hagd/conns\":}") - sizeof("{}") - 48,
		.entries = RTE_TEL_MAX_DICT_ENTRIES - 1,
	};

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int i = 0; i < g_n; i++) {
		struct hag_lcore *lc = &g_lcs[i];
		size_t all = room.bytes, share;

		__atomic_store_n(&lc->snap_req, 1, __ATOMIC_RELEASE);
		for (int w = 0; w < 200 && __atomic_load_n(&lc->snap_req, __ATOMIC_ACQUIRE); w++)
			usleep(1000);
		if (__atomic_load_n(&lc->snap_req, __ATOMIC_ACQUIRE))
			return -EBUSY;      /* the worker did not answer in 200 ms */
		/* An even share of what is left, so that every worker's connections are seen. */
		share = all / (size_t)(g_n - i);
		room.bytes = share;
		hag_proxy_snap_format(lc, d, &room);
		room.bytes = all - (share - room.bytes);
	}
	/* Connections hagd has but did not list: {"omitted": {"conns": N}}, only then. */
	if (room.left > 0) {
		struct rte_tel_data *o = dict();

		if (o == NULL)
			return -ENOMEM;
		rte_tel_data_add_dict_u64(o, "conns", room.left);
		add(d, "omitted", o);
	}
	return 0;
}

/*
 * /hagd/withdraw,ADDR and /hagd/announce,ADDR (IPv4 or IPv6): the operator takes an
 * announced address out of service (REMOVE_ADDR to every client, its
 * subflows reset) or offers it again (ADD_ADDR). The workers do it.
 */
static int addr_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	bool withdraw = strcmp(cmd, "/hagd/withdraw") == 0;
	struct in_addr a;
	uint8_t a6[16];
	bool v6 = false;
	int64_t told = 0;

	rte_tel_data_start_dict(d);
	if (params == NULL || (inet_pton(AF_INET, params, &a) != 1 && !(v6 = inet_pton(AF_INET6, params, a6) == 1))) {
		rte_tel_data_add_dict_string(d, "error", "expected an address: /hagd/withdraw,A.B.C.D or an IPv6 one");
		return 0;
	}
	for (int i = 0; i < g_n; i++) {
		struct hag_lcore *lc = &g_lcs[i];

		lc->addr_req_v6 = v6;
		if (v6)
			memcpy(lc->addr_req_addr6, a6, 16);
		else
			lc->addr_req_addr = rte_be_to_cpu_32(a.s_addr);
		__atomic_store_n(&lc->addr_req, withdraw ? 1 : 2, __ATOMIC_RELEASE);
		for (int w = 0; w < 200 && __atomic_load_n(&lc->addr_req, __ATOMIC_ACQUIRE); w++)
			usleep(1000);
		if (__atomic_load_n(&lc->addr_req, __ATOMIC_ACQUIRE))
			return -EBUSY;
		if (lc->addr_req_result == -ENOENT) {
			rte_tel_data_add_dict_string(d, "error", "not an address of mptcp.announce");
			return 0;
		}
		if (lc->addr_req_result > 0)
			told += lc->addr_req_result;
	}
	rte_tel_data_add_dict_string(d, "address", params);
	rte_tel_data_add_dict_string(d, "state", withdraw ? "withdrawn" : "announced");
	rte_tel_data_add_dict_u64(d, "connections", (uint64_t)told);
	return 0;
}

/* /hagd/ports: what each port is (device, address, MAC, link, MTU, queues) and its traffic. */
static int ports_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int p = 0; p < g_lcs[0].n_ports; p++) {
		const struct hag_port *hp = &g_lcs[0].ports[p];
		const struct hag_port_conf *pc = hp->conf;
		struct rte_tel_data *pd = dict();
		struct rte_eth_link link;
		char buf[64];
		int up = 0;

		if (pd == NULL)
			return -ENOMEM;
		rte_tel_data_add_dict_string(pd, "dev", pc->dev);
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", pc->addr >> 24, (pc->addr >> 16) & 255,
			 (pc->addr >> 8) & 255, pc->addr & 255, pc->prefixlen);
		rte_tel_data_add_dict_string(pd, "addr", buf);
		if (pc->has_addr6) {
			inet_ntop(AF_INET6, pc->addr6, buf, sizeof(buf));
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", pc->prefixlen6);
			rte_tel_data_add_dict_string(pd, "addr6", buf);
		}
		rte_ether_format_addr(buf, sizeof(buf), &hp->mac);
		rte_tel_data_add_dict_string(pd, "mac", buf);
		rte_tel_data_add_dict_u64(pd, "mtu", pc->mtu);
		rte_tel_data_add_dict_u64(pd, "queues", (uint64_t)g_n);
		/* Every worker's ethdev (af_xdp: one per queue) must be up for the port to be. */
		memset(&link, 0, sizeof(link));
		for (int i = 0; i < g_n && up >= 0; i++) {
			uint16_t id = g_lcs[i].ports[p].port_id;

			if (i > 0 && id == hp->port_id)
				continue;
			memset(&link, 0, sizeof(link));
			up = rte_eth_link_get_nowait(id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP ? 1 : -1;
		}
		rte_tel_data_add_dict_string(pd, "link", up > 0 ? "up" : "down");
		rte_tel_data_add_dict_u64(pd, "speed_mbps",
					  link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed);
		port_traffic(pd, p);
		add(d, pc->name, pd);
	}
	return 0;
}

/*
 * /hagd/config: the effective config (every default filled in) as one JSON
 * string: the reply's single string, the only telemetry value that may be
 * longer than 128 bytes (RTE_TEL_MAX_SINGLE_STRING_LEN).
 */
static int config_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *j = hag_config_to_json(g_lcs[0].cfg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	(void)cmd;
	(void)params;
	json_decref(j);
	if (text == NULL)
		return -ENOMEM;
	if (strlen(text) >= RTE_TEL_MAX_SINGLE_STRING_LEN) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "error", "the config is longer than a telemetry reply: read its file");
	} else {
		rte_tel_data_string(d, text);
	}
	free(text);
	return 0;
}

int hag_telemetry_init(struct hag_lcore *lcs, int n)
{
	g_lcs = lcs;
	g_n = n;
	if (rte_telemetry_register_cmd("/hagd/withdraw", addr_cb,
				       "take an announced address out of service: REMOVE_ADDR. Param: A.B.C.D or an IPv6 address") != 0 ||
	    rte_telemetry_register_cmd("/hagd/announce", addr_cb,
				       "offer a withdrawn address again: ADD_ADDR. Param: A.B.C.D or an IPv6 address") != 0)
		return -1;
	if (rte_telemetry_register_cmd("/hagd/conns", conns_cb,
				       "hagd connections: sockets, subflows, pipes (32 a worker)") != 0 ||
	    rte_telemetry_register_cmd("/hagd/ports", ports_cb,
				       "hagd ports: device, address, MAC, link, MTU, queues, traffic") != 0 ||
	    rte_telemetry_register_cmd("/hagd/config", config_cb,
				       "the effective config, every default filled in (JSON in a string)") != 0)
		return -1;
	return rte_telemetry_register_cmd("/hagd/stats", stats_cb,
					  "hagd counters: tcp, mptcp, ip, relay, ports, mempool");
}

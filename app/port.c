/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet ports: one RX and one TX queue per worker on every port. The
 * device is set up once (hag_ports_init); each worker then gets its own copy
 * of the port with its queue number and TX buffer (hag_port_worker_init).
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "hagd.h"

static void tx_drop_cb(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct hag_port *p = userdata;

	p->tx_dropped += unsent;
	rte_pktmbuf_free_bulk(pkts, unsent);
}

int hag_port_vdev_args(const struct hag_port_conf *pc, unsigned workers, char (*out)[HAG_VDEV_ARG_LEN])
{
	size_t base = strcspn(pc->dev, ",");

	if (!pc->is_vdev)
		return 0;
	if (workers > 1 && strncmp(pc->dev, "net_af_xdp", 10) == 0 && strstr(pc->dev, "queue_count") == NULL &&
	    strstr(pc->dev, "start_queue") == NULL) {
		for (unsigned w = 0; w < workers; w++) {
			/* net_af_xdp0, net_af_xdp0q1, ...: the vdev bus matches the driver by prefix. */
			if (w == 0)
				snprintf(out[w], HAG_VDEV_ARG_LEN, "%s,start_queue=0,queue_count=1", pc->dev);
			else
				snprintf(out[w], HAG_VDEV_ARG_LEN, "%.*sq%u%s,start_queue=%u,queue_count=1", (int)base,
					 pc->dev, w, pc->dev + base, w);
		}
		return (int)workers;
	}
	if (workers > 1 && strncmp(pc->dev, "net_af_packet", 13) == 0 && strstr(pc->dev, "qpairs") == NULL)
		snprintf(out[0], HAG_VDEV_ARG_LEN, "%s,qpairs=%u", pc->dev, workers);
	else
		snprintf(out[0], HAG_VDEV_ARG_LEN, "%s", pc->dev);
	return 1;
}

/* The ethdev name in vdev devargs: up to the first comma. */
static void dev_name(const char *dev, char *out, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, dev, n);
	out[n] = '\0';
}

static int txb_init(struct hag_port *p)
{
	p->txb = rte_zmalloc_socket("txb", RTE_ETH_TX_BUFFER_SIZE(HAG_BURST), 0,
				    rte_eth_dev_socket_id(p->port_id));
	if (p->txb == NULL)
		return -ENOMEM;
	rte_eth_tx_buffer_init(p->txb, HAG_BURST);
	rte_eth_tx_buffer_set_err_callback(p->txb, tx_drop_cb, p);
	return 0;
}

static int dev_init(struct hag_port *p, const struct hag_port_conf *pc, const char *dev, struct rte_mempool *pool,
		    uint16_t nq)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t rxd = pc->rx_desc, txd = pc->tx_desc;
	int r;

	dev_name(dev, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		HAG_LOG(ERR, "port %s: no ethdev named %s (is the device present?)", pc->name, name);
		return -ENODEV;
	}
	p->conf = pc;
	r = rte_eth_dev_info_get(p->port_id, &info);
	if (r != 0)
		return r;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		HAG_LOG(ERR, "port %s: %u workers need %u RX and TX queues, %s has %u and %u "
			"(af_xdp: the interface needs %u channels, e.g. a veth made with numrxqueues/numtxqueues %u)",
			pc->name, nq, nq, name, info.max_rx_queues, info.max_tx_queues, nq, nq);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	/* Several queues: let the device spread flows when it can (hashing IPv4/TCP);
	 * vdevs on veths are spread by the kernel, and software steering fixes the rest. */
	if (nq > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
						   (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4);
	}
	r = rte_eth_dev_configure(p->port_id, nq, nq, &conf);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: configure %u queues: %s", pc->name, nq, strerror(-r));
		return r;
	}
	r = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (r != 0)
		return r;
	for (uint16_t q = 0; q < nq; q++) {
		r = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id), NULL, pool);
		if (r != 0) {
			HAG_LOG(ERR, "port %s: rx queue %u: %s", pc->name, q, strerror(-r));
			return r;
		}
		r = rte_eth_tx_queue_setup(p->port_id, q, txd, rte_eth_dev_socket_id(p->port_id), NULL);
		if (r != 0) {
			HAG_LOG(ERR, "port %s: tx queue %u: %s", pc->name, q, strerror(-r));
			return r;
		}
	}
	/* vdevs on veths take the MTU of the kernel interface; not all can set it. */
	r = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
	if (r != 0 && r != -ENOTSUP)
		HAG_LOG(WARNING, "port %s: set mtu %u: %s (kept the device's)", pc->name, pc->mtu, strerror(-r));
	r = rte_eth_dev_start(p->port_id);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: start: %s", pc->name, strerror(-r));
		return r;
	}
	rte_eth_macaddr_get(p->port_id, &p->mac);
	HAG_LOG(INFO, "port %s: ethdev %u (%s, %s) mac " RTE_ETHER_ADDR_PRT_FMT " addr %u.%u.%u.%u/%u, %u queue%s%s",
		pc->name, p->port_id, name, info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac),
		pc->addr >> 24, (pc->addr >> 16) & 255, (pc->addr >> 8) & 255, pc->addr & 255, pc->prefixlen,
		nq, nq > 1 ? "s" : "", conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? " (RSS)" : "");
	return 0;
}

int hag_ports_init(struct hag_port *ports, const struct hag_config *cfg, struct rte_mempool *pool)
{
	static char args[HAG_MAX_WORKERS][HAG_VDEV_ARG_LEN];

	for (int i = 0; i < cfg->n_ports; i++) {
		const struct hag_port_conf *pc = &cfg->ports[i];
		int nv = hag_port_vdev_args(pc, cfg->workers, args), r;

		memset(&ports[i], 0, sizeof(ports[i]));
		if (nv <= 1) {
			r = dev_init(&ports[i], pc, nv ? args[0] : pc->dev, pool, (uint16_t)cfg->workers);
			if (r != 0)
				return r;
			continue;
		}
		/* One single-queue ethdev per worker on the same interface. */
		for (int w = 0; w < nv; w++) {
			struct hag_port one;

			memset(&one, 0, sizeof(one));
			r = dev_init(&one, pc, args[w], pool, 1);
			if (r != 0)
				return r;
			if (w == 0)
				ports[i] = one;
			ports[i].split_id[w] = one.port_id;
		}
		ports[i].n_split = (uint8_t)nv;
	}
	return 0;
}

int hag_port_worker_init(struct hag_port *dst, const struct hag_port *src, uint16_t queue)
{
	memset(dst, 0, sizeof(*dst));
	dst->conf = src->conf;
	dst->mac = src->mac;
	if (src->n_split) {
		dst->port_id = src->split_id[queue];
		dst->queue = 0;
	} else {
		dst->port_id = src->port_id;
		dst->queue = queue;
	}
	return txb_init(dst);
}

void hag_port_worker_fini(struct hag_port *p)
{
	rte_free(p->txb);
	p->txb = NULL;
}

void hag_ports_close(struct hag_port *ports, int n)
{
	for (int i = 0; i < n; i++) {
		for (int w = 1; w < ports[i].n_split; w++) {
			rte_eth_dev_stop(ports[i].split_id[w]);
			rte_eth_dev_close(ports[i].split_id[w]);
		}
		rte_eth_dev_stop(ports[i].port_id);
		rte_eth_dev_close(ports[i].port_id);
	}
}

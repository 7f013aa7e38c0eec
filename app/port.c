/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet ports: one RX and one TX queue each for the single worker. */
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

/* The ethdev name of a port: a vdev's name is its devargs up to the first comma. */
static void dev_name(const struct hag_port_conf *pc, char *out, size_t len)
{
	size_t n = strcspn(pc->dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, pc->dev, n);
	out[n] = '\0';
}

static int port_init(struct hag_port *p, const struct hag_port_conf *pc, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t rxd = pc->rx_desc, txd = pc->tx_desc;
	int r;

	dev_name(pc, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		HAG_LOG(ERR, "port %s: no ethdev named %s (is the device present?)", pc->name, name);
		return -ENODEV;
	}
	p->conf = pc;
	r = rte_eth_dev_info_get(p->port_id, &info);
	if (r != 0)
		return r;
	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: configure: %s", pc->name, strerror(-r));
		return r;
	}
	r = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (r != 0)
		return r;
	r = rte_eth_rx_queue_setup(p->port_id, 0, rxd, rte_eth_dev_socket_id(p->port_id), NULL, pool);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: rx queue: %s", pc->name, strerror(-r));
		return r;
	}
	r = rte_eth_tx_queue_setup(p->port_id, 0, txd, rte_eth_dev_socket_id(p->port_id), NULL);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: tx queue: %s", pc->name, strerror(-r));
		return r;
	}
	/* vdevs on veths take the MTU of the kernel interface; not all can set it. */
	r = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
	if (r != 0 && r != -ENOTSUP)
		HAG_LOG(WARNING, "port %s: set mtu %u: %s (kept the device's)", pc->name, pc->mtu, strerror(-r));
	p->txb = rte_zmalloc_socket("txb", RTE_ETH_TX_BUFFER_SIZE(HAG_BURST), 0,
				    rte_eth_dev_socket_id(p->port_id));
	if (p->txb == NULL)
		return -ENOMEM;
	rte_eth_tx_buffer_init(p->txb, HAG_BURST);
	rte_eth_tx_buffer_set_err_callback(p->txb, tx_drop_cb, p);
	r = rte_eth_dev_start(p->port_id);
	if (r != 0) {
		HAG_LOG(ERR, "port %s: start: %s", pc->name, strerror(-r));
		return r;
	}
	rte_eth_macaddr_get(p->port_id, &p->mac);
	HAG_LOG(INFO, "port %s: ethdev %u (%s, %s) mac " RTE_ETHER_ADDR_PRT_FMT " addr %u.%u.%u.%u/%u",
		pc->name, p->port_id, name, info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac),
		pc->addr >> 24, (pc->addr >> 16) & 255, (pc->addr >> 8) & 255, pc->addr & 255, pc->prefixlen);
	return 0;
}

int hag_ports_init(struct hag_port *ports, const struct hag_config *cfg, struct rte_mempool *pool)
{
	for (int i = 0; i < cfg->n_ports; i++) {
		int r = port_init(&ports[i], &cfg->ports[i], pool);

		if (r != 0)
			return r;
	}
	return 0;
}

void hag_ports_close(struct hag_port *ports, int n)
{
	for (int i = 0; i < n; i++) {
		rte_eth_dev_stop(ports[i].port_id);
		rte_eth_dev_close(ports[i].port_id);
		rte_free(ports[i].txb);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mbuf pool of hagd and hag-linkem. net_af_xdp (DPDK 22.11) registers the
 * pool's memory as the AF_XDP UMEM, sized populated_size * object size from
 * the first object: it takes the objects to follow each other without gaps.
 * Without hugepages the mempool would give every object a 4 KiB page of its
 * own (objects must not cross a page unless told that IOVA contiguity does
 * not matter), so the objects past about 58 % of the pool lie outside the
 * UMEM. The kernel then drops the TX descriptors that point there without
 * completing them (xsk tx_invalid_descs: frames lost, mbufs leaked) and
 * consumes the fill-ring entries that do without receiving into them, until
 * the fill ring is empty and every frame is dropped (the veth's rx dropped).
 * A process meets this once it has cycled through that much of the pool: a
 * forwarder after some 55 000 frames a port (bench/results/
 * 2026-12-07-tcp-loss-jitter-stall.txt). No device does DMA into --no-huge
 * memory, so the objects are packed. (DPDK 24.03 sizes the UMEM from the
 * pool's memory range instead.)
 */
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "mbuf_pool.h"

struct rte_mempool *hag_mbuf_pool_create(const char *name, uint32_t n, int socket)
{
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE };
	unsigned int flags = rte_eal_has_hugepages() ? 0 : RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	struct rte_mempool *mp;
	int r;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      256, sizeof(priv), socket, flags);
	if (mp == NULL)
		return NULL;
	r = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (r == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		r = rte_mempool_populate_default(mp);
	}
	if (r < 0) {
		rte_mempool_free(mp);
		rte_errno = -r;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

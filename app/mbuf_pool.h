/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HAG_MBUF_POOL_H
#define HAG_MBUF_POOL_H

#include <stdint.h>

#include <rte_mempool.h>

/*
 * An mbuf pool of n mbufs (RTE_MBUF_DEFAULT_BUF_SIZE each) that net_af_xdp can
 * register whole as its UMEM, with or without hugepages (see mbuf_pool.c).
 * NULL and rte_errno set on failure.
 */
struct rte_mempool *hag_mbuf_pool_create(const char *name, uint32_t n, int socket);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering of received TCP segments between worker lcores
 * (docs/performance.md "Software steering rules"). Each worker owns one
 * struct hag_steer and writes it alone; deciding the owner of a segment
 * reads nothing another worker writes. Every worker decides the same owner
 * for a segment, whichever queue it arrived on:
 *
 *   - a reply to one of our active opens (to one of our addresses, the
 *     destination port not a listener's): the worker whose block of
 *     tcp.local_ports holds the port (hag_port_block);
 *   - a segment hagd intercepts (transparent mode, to another host's address)
 *     is steered as a segment to a listener is, below;
 *   - an MP_JOIN SYN to a listener: the owner of its token, token % n;
 *   - any other segment to a listener: the worker of the redirect table when
 *     the 4-tuple is there (a joined subflow owned by its token's worker),
 *     else the flow's hash worker, hag_steer_flow_worker() (a new
 *     connection's SYN and everything after it).
 *
 * The redirect table holds the subflows whose owner is not their hash worker.
 * The owner tells every worker when it creates such a subflow's socket and
 * when it frees it (hag_steer_learn / hag_steer_forget, through each worker's
 * control ring, which a worker reads before its RX queues: the news is there
 * before the subflow's next segment can be).
 */
#ifndef HAG_STEER_APP_H
#define HAG_STEER_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_tcp.h>

enum hag_steer_mib {
	STEER_MIB_JOIN_HANDOFF,     /* join SYNs for another worker's token */
	STEER_MIB_REDIRECT,         /* segments of joined subflows owned by another worker */
	STEER_MIB_REPLY_HANDOFF,    /* replies to another worker's active open */
	STEER_MIB_REDIRECT_FULL,    /* subflows that could not be remembered (table full) */
	STEER_MIB_FLOW_HANDOFF,     /* segments of connections hashed to another worker */
	STEER_MIB_MAX
};

extern const char *const hag_steer_mib_names[STEER_MIB_MAX];

struct hag_steer {
	unsigned self, n;
	uint64_t listen[65536 / 64];             /* bit p: port p (host order) is a listener's */
	uint16_t port_lo, port_hi;               /* tcp.local_ports, split in n blocks */
	struct rte_hash *redirect;                 /* 4-tuple -> owner; NULL with one worker */
	uint64_t mib[STEER_MIB_MAX];
};

/* Worker self of n; max_flows redirect entries; the workers' upstream ports are
 * the blocks of port_lo..port_hi (hag_port_block). 0, or -ENOMEM / -EINVAL. */
int hag_steer_init(struct hag_steer *s, unsigned self, unsigned n, uint32_t max_flows, int socket_id,
		   uint16_t port_lo, uint16_t port_hi);
/* The worker whose block of upstream ports holds port (self when outside the range). */
unsigned hag_steer_port_owner(const struct hag_steer *s, uint16_t port);
void hag_steer_fini(struct hag_steer *s);
/* A listener port (host order). 0 or -ENOSPC. */
int hag_steer_add_listener(struct hag_steer *s, uint16_t port);
bool hag_steer_is_listener(const struct hag_steer *s, uint16_t port);

/*
 * The worker that must process this IPv4/TCP segment (ip and th point into
 * the received frame; tcp_len is the TCP header and payload length present;
 * intercepted: the destination is another host's, transparent mode).
 * A malformed header is this worker's to count and drop.
 */
unsigned hag_steer_owner(struct hag_steer *s, const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th,
			 uint32_t tcp_len, bool intercepted);
/*
 * The same for an IPv6/TCP segment (th after any extension headers). IPv6
 * tuples are steered by their addresses' folds (tcp_ip6_fold), the 32-bit
 * hints lib/tcp keeps in an IPv6 socket's laddr / raddr, so the redirect
 * table and the flow hash take both families (decision 57).
 */
unsigned hag_steer_owner6(struct hag_steer *s, const struct rte_ipv6_hdr *ip, const struct rte_tcp_hdr *th,
			  uint32_t tcp_len, bool intercepted);
/* The hash worker of a connection to a listener (our address and port, the client's). */
unsigned hag_steer_flow_worker(const struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
			       uint16_t rport);
/* Worker `owner` holds this subflow although it is not its hash worker. 0 or -ENOSPC (counted). */
int hag_steer_learn(struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
		    unsigned owner);
/* The subflow is gone: forget its redirect. */
void hag_steer_forget(struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
/* Redirect entries held. */
uint32_t hag_steer_redirects(const struct hag_steer *s);

#endif

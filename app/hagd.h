/* SPDX-License-Identifier: BSD-3-Clause */
/* hagd application internals: ports, the per-lcore context, the relay. */
#ifndef HAG_HAGD_H
#define HAG_HAGD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <sys/queue.h>

#include <rte_ring.h>

#include "config.h"
#include "impair.h"
#include "steer.h"
#include "net/steer.h"
#include "mptcp/mptcp.h"
#include "net/ip.h"
#include "net/net.h"
#include "tcp/tcp.h"

extern int hag_logtype;
#define HAG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, hag_logtype, "hagd: " fmt "\n", ##__VA_ARGS__)

#define HAG_BURST 32

enum hag_relay_mib {
	RELAY_MIB_ACCEPTED,          /* client connections accepted */
	RELAY_MIB_MPTCP,             /* of which MPTCP at accept */
	RELAY_MIB_UPSTREAM_CONNECTS, /* upstream connections established */
	RELAY_MIB_UPSTREAM_FAILURES, /* upstream refused / unreachable / timed out: client reset */
	RELAY_MIB_CLIENT_RESETS,     /* client side reset or timed out: upstream reset */
	RELAY_MIB_UPSTREAM_RESETS,   /* upstream reset after establishment: client reset */
	RELAY_MIB_NO_MEMORY,         /* connections refused for want of memory */
	RELAY_MIB_BYTES_UP,          /* bytes delivered upstream (acked by the server) */
	RELAY_MIB_BYTES_DOWN,        /* bytes delivered to clients (acked at data level) */
	RELAY_MIB_COMPLETED,         /* connections closed in order on both sides */
	RELAY_MIB_DRAIN_REFUSED,     /* new connections refused (RST) while draining */
	RELAY_MIB_DRAIN_CLOSED,      /* connections closed in order at the drain timeout */
	RELAY_MIB_TRANSPARENT,       /* of the accepted, intercepted (transparent mode) */
	RELAY_MIB_LIMIT_REFUSED,     /* refused (RST): limits.connections reached */
	RELAY_MIB_CLIENT_LIMIT_REFUSED, /* refused (RST): limits.per_client reached for that address */
	RELAY_MIB_CLIENT_TABLE_FULL, /* accepted uncounted: the per-client table had no slot */
	RELAY_MIB_NO_ROUTE,          /* refused (RST): no route to the intercepted destination */
	RELAY_MIB_MAX
};

/*
 * Hand-offs between workers (docs/performance.md "Software steering rules").
 * The receiving worker counts the TX side, the owner the RX side.
 */
enum hag_handoff_mib {
	HANDOFF_MIB_TX,          /* segments this worker passed to their owner */
	HANDOFF_MIB_RX,          /* segments other workers passed to this one */
	HANDOFF_MIB_RING_FULL,   /* dropped: the owner's inbox was full (the peer retransmits) */
	HANDOFF_MIB_SHARED_TX,   /* ARP and ICMP errors copied to the other workers */
	HANDOFF_MIB_SHARED_FAIL, /* copies not made: no mbuf or the inbox full */
	HANDOFF_MIB_SHARED_RX,   /* such copies from the other workers */
	HANDOFF_MIB_CTL_TX,      /* steering news sent: a joined subflow made or freed here */
	HANDOFF_MIB_CTL_FULL,    /* steering news lost: a worker's control ring was full */
	HANDOFF_MIB_MAX
};

/* Steering news between workers (a control ring element). */
struct hag_steer_msg {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t owner;
	bool learn;               /* true: subflow made at owner; false: freed */
	uint8_t pad[2];
};

/* A port as one worker sees it: the device, this worker's queue and TX buffer. */
struct hag_port {
	uint16_t port_id;
	uint16_t queue;               /* this worker's RX and TX queue */
	uint8_t n_split;              /* ports[] of hag_ports_init: ethdevs per worker (af_xdp), else 0 */
	uint16_t split_id[HAG_MAX_WORKERS]; /* ... worker w's ethdev */
	const struct hag_port_conf *conf;
	struct rte_ether_addr mac;
	struct rte_eth_dev_tx_buffer *txb;
	uint64_t tx_dropped;
	struct hag_impair *imp_rx;    /* test-only impairment (ports[].impair); NULL when off */
	struct hag_impair *imp_tx;
};

struct hag_lcore;

struct hag_listener {
	struct hag_lcore *lc;
	const struct hag_listener_conf *conf;
};

#define HAG_CONN_SNAPS 32
/* MPTCP subflows a worker copies for hagctl conns, over all its listed connections. */
#define HAG_SF_SNAPS 128
/*
 * DPDK's telemetry writes a reply into 16 KiB (lib/telemetry MAX_OUTPUT_LEN)
 * and leaves out, without a word, what does not fit: /hagd/conns measures
 * its connections and stays within it.
 */
#define HAG_TEL_REPLY_MAX (16 * 1024)

struct hag_sock_snap {
	bool valid, mptcp;
	struct tcp_sock_info i;       /* lib/tcp's copy (tcp_sock_get_info) */
};

/* One subflow of a listed MPTCP connection. */
struct hag_sf_snap {
	bool v6;                      /* raddr6 is the peer */
	uint8_t raddr6[16];
	uint32_t raddr, cwnd, srtt_us;
	const char *cc;               /* congestion control (a static name) */
	uint32_t keep_ms, idle_ms;
	uint16_t rport, mappings;
	uint8_t state;
	bool stale, backup;
	uint64_t given, acked;
};

struct hag_pipe_snap {
	uint64_t head, end;
	uint32_t cap;
	uint8_t ooo;
};

struct hag_conn_snap {
	uint64_t id;
	bool has_mp, parked;
	struct mptcp_conn_info mp;
	uint16_t sf_first;            /* its subflows: lc->sf_snap[sf_first, sf_first + sf_n) */
	uint8_t sf_n;                 /* of mp.subflows (fewer when sf_snap ran out) */
	struct hag_sock_snap client, server;
	struct hag_pipe_snap up, down;
};

/* Everything one lcore owns; passed first everywhere. */
struct hag_lcore {
	unsigned int lcore_id;
	const struct hag_config *cfg;
	struct rte_mempool *pool;
	unsigned worker, n_workers;   /* this worker's index; how many there are */
	struct hag_lcore *all;        /* every worker's context, all[0..n_workers) */
	struct rte_ring *inbox;       /* segments handed over by other workers (MP/SC) */
	struct rte_ring *ctl;         /* steering news from other workers (struct hag_steer_msg) */
	struct hag_steer steer;       /* which worker owns a received segment */
	struct net_steer_rss *rss[HAG_MAX_PORTS]; /* the port's RSS, when it can be modelled (NICs) */
	uint64_t handoff_mib[HANDOFF_MIB_MAX];
	uint16_t ho_n[HAG_MAX_WORKERS];                    /* hand-offs gathered in this burst */
	struct rte_mbuf *ho[HAG_MAX_WORKERS][HAG_BURST];
	int n_ports;
	struct hag_port ports[HAG_MAX_PORTS];
	struct tcp_stack *tcp;
	struct mptcp_ctx *mptcp;
	struct net_ip ip;             /* the gateway below TCP: ARP, routes, ICMP, the IP MIB */
	/* A frame (Ethernet header in place) out of port: app/lcore.c's through ethdev
	 * (hag_lcore_init), a test's or the fuzzer's own (hag_lcore_bare). */
	net_tx_fn *port_tx;           /* arg: the lcore */
	struct hag_listener listeners[HAG_MAX_LISTENERS];
	uint64_t now_us;
	uint64_t relay_mib[RELAY_MIB_MAX];
	uint32_t relay_active;
	TAILQ_HEAD(, hag_conn) conns;     /* relayed connections, for hagctl conns */
	struct tcp_sock_conf access_conf; /* tcp.*_access: client connections and all their subflows */
	/* hagctl conns: the telemetry thread sets snap_req, the worker fills snap and clears it. */
	volatile int snap_req;
	/* hagctl withdraw/announce: 1 withdraw, 2 offer again addr_req_addr; the worker answers in addr_req_result. */
	volatile int addr_req;
	uint32_t addr_req_addr;
	bool addr_req_v6;             /* the request is for addr_req_addr6 */
	uint8_t addr_req_addr6[16];
	int addr_req_result;
	int n_snap;
	uint32_t n_snap_left;         /* connections past snap[], not copied */
	struct hag_conn_snap snap[HAG_CONN_SNAPS];
	uint16_t n_sf_snap;
	struct hag_sf_snap sf_snap[HAG_SF_SNAPS];
	struct tcp_pipe_mem mem;           /* relay pipes of this worker and their budget */
	uint64_t polls, busy_polls, busy_cycles;
	/* Stopping (SIGTERM): see hag_lcore_drain. */
	bool draining, drain_closed, drain_reset;
	uint64_t drain_deadline_us;
	struct hag_listener transparent;  /* the intercepting listeners' argument (conf NULL) */
} __rte_cache_aligned;

extern const char *const hag_relay_mib_names[RELAY_MIB_MAX];
/* Draining: close every relayed connection in order (DATA_FIN/FIN both ways); returns how many. */
unsigned hag_proxy_close_all(struct hag_lcore *lc);
/* Draining past its grace: reset every relayed connection (RST both ways); returns how many. */
unsigned hag_proxy_abort_all(struct hag_lcore *lc);
/* State the workers' relays share (limits.per_client): before they start, after they end. */
int hag_proxy_global_init(const struct hag_config *cfg);
void hag_proxy_global_fini(void);
extern const char *const hag_handoff_mib_names[HANDOFF_MIB_MAX];

/* port.c */
#define HAG_VDEV_ARG_LEN 320
/*
 * The --vdev arguments of a port (0 when it is a PCI device). One, except
 * net_af_xdp with several workers: one ethdev per worker, each bound to its
 * own queue of the interface (start_queue=w, queue_count=1; DPDK 22.11's
 * af_xdp wants "combined" channels for more queues on one ethdev, which veths
 * do not have). A dev that sets start_queue or queue_count itself stays one
 * ethdev; net_af_packet gets qpairs=workers unless it sets qpairs.
 */
int hag_port_vdev_args(const struct hag_port_conf *pc, unsigned workers, char (*out)[HAG_VDEV_ARG_LEN]);
/* Configure and start every port with cfg->workers queues; ports[] get no TX buffer. */
int hag_ports_init(struct hag_port *ports, const struct hag_config *cfg, struct rte_mempool *pool);
/* One worker's view of a started port: its queue and its own TX buffer. */
int hag_port_worker_init(struct hag_port *dst, const struct hag_port *src, uint16_t queue);
void hag_port_worker_fini(struct hag_port *p);
void hag_ports_close(struct hag_port *ports, int n);

/* lcore.c */
/*
 * Worker `worker` of cfg->workers; all[] is the array lc belongs to (its
 * inboxes are used to hand segments over). ports[] are the started devices.
 */
int hag_lcore_init(struct hag_lcore *lc, const struct hag_config *cfg, const struct hag_port *ports,
		   struct rte_mempool *pool, struct hag_lcore *all, unsigned worker);
int hag_lcore_run(void *arg);
void hag_lcore_fini(struct hag_lcore *lc);

/* dispatch.c: a worker's receive path above lib/net, without the ports (they go through lc->port_tx). */
/* lc->ip from lc's config and ports (their MACs): lib/net calling back into dispatch.c. 0 or -ENOSPC. */
int hag_dispatch_init(struct hag_lcore *lc);
/* A received frame (Ethernet header at its start) from port. */
void hag_rx_one(struct hag_lcore *lc, int port, struct rte_mbuf *m);
/* A frame another worker handed over (port and flags in m->hash.usr). */
void hag_rx_handed(struct hag_lcore *lc, struct rte_mbuf *m);
/* Send the hand-overs gathered during a burst to their workers' inboxes. */
void hag_handoff_flush(struct hag_lcore *lc);

/* engine.c */
/*
 * The gateway (hag_dispatch_init), TCP stack and MPTCP context of lc (cfg,
 * pool, worker, n_workers, ports' MACs and now_us set) from its config, and
 * the relay's listeners. tc holds what the caller decides (socket_id,
 * flow_event, port_ok; output when not lib/net's; mss when not from the
 * ports' MTU); the rest comes from lc->cfg.
 */
int hag_engine_init(struct hag_lcore *lc, struct tcp_stack_conf *tc);
/* lc as the one worker of cfg without ports (their MACs 00:..:10+i, frames out to port_tx): tests and fuzzing. */
void hag_lcore_bare(struct hag_lcore *lc, const struct hag_config *cfg, struct rte_mempool *pool, uint64_t now_us,
		    net_tx_fn *port_tx);
/* ... and their end (ARP packets still held are freed too). */
void hag_engine_fini(struct hag_lcore *lc);
extern volatile bool hag_quit;
extern volatile bool hag_draining;  /* the first SIGTERM/SIGINT: finish, refuse new, then quit */

/* proxy.c */
int hag_proxy_listen(struct hag_lcore *lc);
struct rte_tel_data;
/* Worker side: copy the state of the first HAG_CONN_SNAPS connections into lc->snap. */
void hag_proxy_snapshot(struct hag_lcore *lc);
/* What is left of a /hagd/conns reply: JSON bytes and dict entries; and the
 * connections that were not listed (past snap[] or past the room). */
struct hag_snap_room {
	size_t bytes;
	unsigned entries;
	uint64_t left;
};
/*
 * Telemetry side: lc->snap as one dict per connection into d, in order, as
 * many as fit in room (which shrinks by what they take); the others are
 * counted in room->left.
 */
void hag_proxy_snap_format(const struct hag_lcore *lc, struct rte_tel_data *d, struct hag_snap_room *room);

/* telemetry.c */
int hag_telemetry_init(struct hag_lcore *lcs, int n);

#endif

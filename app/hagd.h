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

#include "config.h"
#include "impair.h"
#include "mptcp/mptcp.h"
#include "net/net.h"
#include "tcp/tcp.h"

extern int hag_logtype;
#define HAG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, hag_logtype, "hagd: " fmt "\n", ##__VA_ARGS__)

#define HAG_BURST 32

/* Counters of the IP layer and below (kernel Ip/Icmp names where they fit). */
enum hag_ip_mib {
	IP_MIB_IN_RECEIVES,      /* InReceives: IPv4 packets received */
	IP_MIB_IN_HDR_ERRORS,    /* InHdrErrors: bad version, IHL, length or checksum */
	IP_MIB_IN_TRUNCATED,     /* InTruncatedPkts */
	IP_MIB_IN_ADDR_ERRORS,   /* InAddrErrors: not for one of our addresses */
	IP_MIB_IN_UNKNOWN_PROTOS,/* InUnknownProtos */
	IP_MIB_FRAG_DROPS,       /* hagd: fragments dropped (no reassembly) */
	IP_MIB_NO_ROUTE,         /* OutNoRoutes */
	IP_MIB_ARP_IN,           /* hagd: ARP packets received */
	IP_MIB_ARP_OUT,          /* hagd: ARP packets sent */
	IP_MIB_ARP_PENDING_DROPS,/* hagd: packets dropped waiting for ARP */
	IP_MIB_ICMP_ECHO_IN,     /* IcmpInEchos */
	IP_MIB_ICMP_ECHO_OUT,    /* IcmpOutEchoReps */
	IP_MIB_ICMP_IN_ERRORS,   /* IcmpInErrors: bad checksum or not an echo request */
	IP_MIB_ICMP_DEST_UNREACH,/* IcmpInDestUnreachs: handed to lib/tcp */
	IP_MIB_NON_IP,           /* hagd: frames neither IPv4 nor ARP */
	IP_MIB_MAX
};

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
	RELAY_MIB_MAX
};

struct hag_port {
	uint16_t port_id;
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

struct hag_sock_snap {
	bool valid, mptcp;
	uint8_t state, retries, ooo;
	uint32_t raddr, snd_wnd, cwnd, srtt_us;
	uint16_t rport;
	uint64_t snd_una, snd_nxt, snd_max, rcv_nxt;
};

struct hag_pipe_snap {
	uint64_t head, end;
	uint32_t cap;
	uint8_t ooo;
};

struct hag_conn_snap {
	uint64_t id;
	bool has_mp;
	struct mptcp_conn_info mp;
	struct hag_sock_snap client, server;
	struct hag_pipe_snap up, down;
};

/* Everything one lcore owns; passed first everywhere. */
struct hag_lcore {
	unsigned int lcore_id;
	const struct hag_config *cfg;
	struct rte_mempool *pool;
	int n_ports;
	struct hag_port *ports;
	struct tcp_stack *tcp;
	struct mptcp_ctx *mptcp;
	struct net_arp_table arp;
	struct hag_listener listeners[HAG_MAX_LISTENERS];
	uint64_t now_us;
	uint64_t ip_mib[IP_MIB_MAX];
	uint64_t relay_mib[RELAY_MIB_MAX];
	uint32_t relay_active;
	TAILQ_HEAD(, hag_conn) conns;     /* relayed connections, for hagctl conns */
	/* hagctl conns: the telemetry thread sets snap_req, the worker fills snap and clears it. */
	volatile int snap_req;
	/* hagctl withdraw/announce: 1 withdraw, 2 offer again addr_req_addr; the worker answers in addr_req_result. */
	volatile int addr_req;
	uint32_t addr_req_addr;
	int addr_req_result;
	int n_snap;
	struct hag_conn_snap snap[HAG_CONN_SNAPS];
	struct hag_mem mem;           /* relay pipes of this worker and their budget */
	uint64_t polls, busy_polls;
} __rte_cache_aligned;

extern const char *const hag_ip_mib_names[IP_MIB_MAX];
extern const char *const hag_relay_mib_names[RELAY_MIB_MAX];

/* port.c */
int hag_ports_init(struct hag_port *ports, const struct hag_config *cfg, struct rte_mempool *pool);
void hag_ports_close(struct hag_port *ports, int n);

/* lcore.c */
int hag_lcore_init(struct hag_lcore *lc, const struct hag_config *cfg, struct hag_port *ports,
		   struct rte_mempool *pool);
int hag_lcore_run(void *arg);
void hag_lcore_fini(struct hag_lcore *lc);
int hag_output(void *arg, struct rte_mbuf *m, uint32_t dst, void *route);
bool hag_is_local_addr(const struct hag_lcore *lc, uint32_t addr);
/* The address of the port that routes to dst; 0 when there is no route. */
uint32_t hag_src_addr_for(const struct hag_lcore *lc, uint32_t dst);
extern volatile bool hag_quit;

/* proxy.c */
int hag_proxy_listen(struct hag_lcore *lc);
struct rte_tel_data;
/* Worker side: copy the state of the first HAG_CONN_SNAPS connections into lc->snap. */
void hag_proxy_snapshot(struct hag_lcore *lc);
/* Telemetry side: lc->snap as one dict per connection into d. */
void hag_proxy_snap_format(const struct hag_lcore *lc, struct rte_tel_data *d);

/* telemetry.c */
int hag_telemetry_init(struct hag_lcore *lcs, int n);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagd configuration: one validated struct, loaded from JSON (jansson).
 * See docs/config.md for every key, its type, default and range.
 */
#ifndef HAG_CONFIG_H
#define HAG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "mptcp/mptcp_params.h"
#include "tcp/tcp_params.h"
#include "net/net_params.h"

#define HAG_MAX_PORTS      8
#define HAG_MAX_WORKERS    64
#define HAG_MAX_ROUTES     32
#define HAG_MAX_LISTENERS  64   /* each a lib/tcp listener: TCP_MAX_LISTENERS */
#define HAG_MAX_EAL_ARGS   64
#define HAG_MAX_ADDRS      8   /* extra local (service) addresses */
#define HAG_NAME_LEN       32
#define HAG_DEVARGS_LEN    256

/* Which of a port's directions an impairment applies to (a bitmask). */
enum hag_impair_dir {
	HAG_IMPAIR_RX = 1,            /* packets hagd receives on the port */
	HAG_IMPAIR_TX = 2,            /* packets hagd sends on the port */
	HAG_IMPAIR_BOTH = 3,
};

#define HAG_IMPAIR_MAX_LIMIT 65536

/*
 * Gilbert-Elliott loss (netem's "loss gemodel"): the link is good or bad; after
 * each frame it moves from good to bad with good_to_bad_pct (p) and back with
 * bad_to_good_pct (r), and each state loses frames with its own chance. The
 * bad state holds 1/r frames on average; in the long run the link is bad for
 * p / (p + r) of the frames. On when good_to_bad_pct or loss_good_pct is non-zero.
 */
struct hag_impair_gilbert {
	double good_to_bad_pct;       /* 0..100 */
	double bad_to_good_pct;       /* 0..100, not 0 when good_to_bad_pct is not */
	double loss_good_pct;         /* default 0 */
	double loss_bad_pct;          /* default 100, not below loss_good_pct */
};

/*
 * Test-only link impairment of a port (app/impair.c), in the spirit of netem
 * and VPP's nsim; off unless ports[].impair sets some effect.
 */
struct hag_impair_conf {
	bool enabled;                 /* the object is present and some effect is non-zero */
	uint8_t direction;            /* enum hag_impair_dir, default both */
	uint32_t limit;               /* most packets held at once, default 65536 */
	double delay_ms;              /* 0..10000 */
	double jitter_ms;             /* 0..10000: delay +- uniform(jitter) */
	double loss_pct;              /* 0..100 each */
	struct hag_impair_gilbert gilbert; /* burst loss, before loss_pct */
	double dup_pct;
	double reorder_pct;           /* sent at once, ahead of those held */
	double corrupt_pct;           /* one bit flipped, checksums left alone */
	double rate_mbit;             /* 0 = unlimited, up to 100000 */
	uint64_t seed;                /* PRNG seed, default 1 */
};

/* Addresses are IPv4 in host byte order throughout the config. */
struct hag_port_conf {
	char name[HAG_NAME_LEN];      /* "dsl", "lte", "upstream": used in logs and stats */
	char dev[HAG_DEVARGS_LEN];    /* vdev devargs ("net_af_xdp0,iface=dsl-gw") or PCI address */
	bool is_vdev;                 /* dev names a vdev (starts with "net_") */
	uint32_t addr;                /* the port's own IPv4 address */
	uint8_t prefixlen;            /* its connected prefix length */
	uint16_t mtu;                 /* default 1500, range 576..9000 */
	bool has_addr6;               /* addr6 given: IPv6 on this port (issue 17) */
	uint8_t prefixlen6;
	uint8_t addr6[16];            /* the port's global IPv6 address, network order */
	uint16_t rx_desc, tx_desc;    /* default 1024 each, power of two 64..16384 */
	struct hag_impair_conf impair; /* test-only; off by default */
};

struct hag_route_conf {
	uint32_t prefix;              /* network, host order */
	uint8_t prefixlen;
	uint32_t via;                 /* next hop, host order */
	int port;                     /* index into ports[] (resolved from the port name) */
	bool v6;                      /* an IPv6 route: prefix6/prefixlen via via6 */
	uint8_t prefix6[16], via6[16];/* network order */
};

struct hag_listener_conf {
	uint32_t addr;                /* 0 = any of hagd's own addresses */
	uint16_t port;
	uint32_t upstream_addr;
	uint16_t upstream_port;
	/* IPv6 (issue 17; decision 57): which family the listener takes: 4 ("A.B.C.D:PORT",
	 * "0.0.0.0:PORT"), 6 ("[ADDR]:PORT", "[::]:PORT": addr6 all zero) or 0 (":PORT":
	 * any of hagd's addresses of either family). */
	uint8_t family;
	uint8_t addr6[16];            /* network order */
	bool upstream_v6;             /* "[ADDR]:PORT": the server is upstream_addr6 */
	uint8_t upstream_addr6[16];
};

#define HAG_MAX_ACCESS 16

/* An access network (client-side prefix) for the cost scheduler. */
struct hag_access_conf {
	char name[HAG_NAME_LEN];
	bool has4, has6;              /* which prefixes the network has (issue 17: either or both) */
	uint32_t prefix;              /* host order */
	uint8_t prefixlen;
	uint8_t prefix6[16];          /* network order */
	uint8_t prefixlen6;
	uint32_t cost;                /* relative cost per byte, default 1 */
	bool backup;                  /* subflows from here only when no other can send */
};

#define HAG_MAX_INTERCEPT      16
#define HAG_MAX_INTERCEPT_PORTS 16
#define HAG_MAX_SNAT           8

/* One transparent.intercept rule: destinations in prefix, to these ports. */
struct hag_intercept_conf {
	uint32_t prefix;              /* host order */
	uint8_t prefixlen;
	bool v6;                      /* an IPv6 rule: prefix6/prefixlen (issue 17) */
	uint8_t prefix6[16];
	int n_ports;                  /* 0: every port */
	struct { uint16_t lo, hi; } ports[HAG_MAX_INTERCEPT_PORTS];
};

/* Transparent mode (TR-348 HAG): SYNs through hagd to other hosts are terminated. */
struct hag_transparent_conf {
	bool enabled;                 /* the section is present */
	uint32_t ingress;             /* bit i: ports[i] is an access port (SYNs intercepted there) */
	int n_intercept;
	struct hag_intercept_conf intercept[HAG_MAX_INTERCEPT];
	bool mptcp_only;              /* only MPTCP SYNs are terminated; plain TCP is routed */
	int n_snat;                   /* 0: the upstream port's own address */
	uint32_t snat[HAG_MAX_SNAT];  /* upstream source addresses, host order */
	int n_snat6;                  /* IPv6 ones (0: the upstream port's addr6) */
	uint8_t snat6[HAG_MAX_SNAT][16];
	bool route_other;             /* other traffic: routed (default) or dropped */
};

enum hag_log_level { HAG_LOG_ERR = 0, HAG_LOG_WARN, HAG_LOG_INFO, HAG_LOG_DEBUG, HAG_LOG_LEVELS };

/*
 * The words of the config's keys whose values are modes, indexed by the enum
 * (designated in config.c, or lib/'s *_NAMES) and NULL-terminated: the loader
 * accepts them, the dump writes them.
 */
extern const char *const hag_words_syncookies[TCP_SYNCOOKIES_MODES + 1];   /* tcp.syncookies */
extern const char *const hag_words_ecn[TCP_ECN_MODES + 1];                 /* tcp.ecn */
extern const char *const hag_words_tcp_cc[TCP_CC_KINDS + 1];               /* tcp.cc_access, cc_upstream */
extern const char *const hag_words_csum[MPTCP_CSUM_MODES + 1];             /* mptcp.checksum */
extern const char *const hag_words_sched[MPTCP_SCHED_KINDS + 1];           /* mptcp.scheduler */
extern const char *const hag_words_mptcp_cc[MPTCP_CC_KINDS + 1];           /* mptcp.cc */
extern const char *const hag_words_log_level[HAG_LOG_LEVELS + 1];          /* log.level */
extern const char *const hag_words_other[3];         /* transparent.other: "route" (route_other), "drop" */
extern const char *const hag_words_impair_dir[HAG_IMPAIR_BOTH + 1];        /* ports[].impair.direction (from 1) */

/*
 * A section's scalar key (a number, a boolean or a word): its bounds, default and
 * field in struct hag_config. The defaults (hag_config_defaults), the loader, its
 * list of known keys and the dump (config_dump.c) all read this one table, so a key
 * is its field, one row and its line in docs/config.md.
 */
enum hag_key_kind {
	HAG_KEY_U32,                  /* uint32_t in min..max */
	HAG_KEY_BOOL,                 /* bool */
	HAG_KEY_WORD,                 /* int: the index of one of words */
};
struct hag_config_key {
	const char *section, *key;
	enum hag_key_kind kind;
	uint32_t min, max;            /* HAG_KEY_U32 */
	uint32_t def;                 /* the default: a number, 0/1, a word's index */
	const char *const *words;     /* HAG_KEY_WORD */
	size_t off;                   /* the field */
};
extern const struct hag_config_key hag_config_keys[];
extern const size_t hag_config_n_keys;

struct hag_config {
	char path[512];               /* the file it was loaded from */

	/* dpdk */
	int n_eal_args;
	char *eal_args[HAG_MAX_EAL_ARGS];  /* strdup'ed; freed by hag_config_free() */
	uint32_t mbufs;               /* mempool size, default 65535 */
	uint32_t idle_sleep_us;       /* sleep after idle polls; 0 = busy poll (default) */
	uint32_t workers;             /* worker lcores, each with its own queue on every port; default 1 */

	int n_ports;
	struct hag_port_conf ports[HAG_MAX_PORTS];

	int n_addrs;                  /* extra local addresses (service addresses) */
	uint32_t addrs[HAG_MAX_ADDRS];
	int n_addrs6;                 /* IPv6 ones (issue 17; n_addrs + n_addrs6 <= HAG_MAX_ADDRS) */
	uint8_t addrs6[HAG_MAX_ADDRS][16];

	int n_routes;
	struct hag_route_conf routes[HAG_MAX_ROUTES];

	int n_listeners;
	struct hag_listener_conf listeners[HAG_MAX_LISTENERS];

	/* mptcp */
	bool mptcp_enabled;           /* default true */
	int mptcp_scheduler;          /* enum mptcp_sched_kind, default minrtt */
	uint32_t mptcp_max_subflows;  /* per connection, default 8, 1..32 */
	int mptcp_cc;                 /* enum mptcp_cc_kind, default uncoupled */
	int mptcp_checksum;           /* enum mptcp_csum_mode, default MPTCP_CSUM_ACCEPT */
	bool mptcp_deny_join_initial; /* MP_CAPABLE "C" flag (RFC 8684 3.1); default false */
	uint32_t mptcp_resume_timeout_ms; /* no subflow left: wait this long for a join; default 30000 */
	int n_announce;
	uint32_t mptcp_announce[MPTCP_MAX_ANNOUNCE];   /* own addresses announced with ADD_ADDR (host order) */
	bool mptcp_announce_is6[MPTCP_MAX_ANNOUNCE];   /* an IPv6 one: mptcp_announce6[i] (issue 17) */
	uint8_t mptcp_announce6[MPTCP_MAX_ANNOUNCE][16];

	int n_access;
	struct hag_access_conf access[HAG_MAX_ACCESS];

	/* tcp */
	uint32_t tcp_rcvbuf;          /* bytes per direction per connection, default 4 MiB */
	uint32_t tcp_sndbuf;          /* default 4 MiB */
	uint32_t tcp_rcvbuf_init;     /* bytes a connection's buffer starts with, default 131072 */
	uint32_t tcp_mem_budget_mb;   /* relay buffers per worker at most, MiB, default 2048; 0 = no limit */
	uint32_t tcp_max_conns;       /* default 65536 */
	uint32_t tcp_timewait_ms;     /* default 2000 (TIME_WAIT duration) */
	uint32_t tcp_syn_retries;     /* default 5 */
	uint32_t tcp_connect_timeout_ms; /* upstream connect timeout, default 10000 */
	uint32_t tcp_keepalive_access_ms;   /* idle time before keepalives toward clients, default 60000; 0 off */
	uint32_t tcp_keepalive_upstream_ms; /* toward servers, default 0 (off) */
	uint32_t tcp_keepalive_interval_ms; /* between probes, default 10000 */
	uint32_t tcp_keepalive_probes;      /* unanswered probes before reset, default 6 */
	uint32_t tcp_idle_timeout_access_ms;   /* reset a client connection idle this long; 0 = never (default) */
	uint32_t tcp_idle_timeout_upstream_ms; /* the same upstream; 0 = never (default) */
	uint32_t tcp_max_timewait;          /* TIME_WAIT sockets at most, default 16384 */
	int tcp_cc_access;            /* enum tcp_cc_kind toward clients, default cubic */
	int tcp_cc_upstream;          /* toward servers, default cubic */
	uint32_t tcp_syn_backlog;     /* half-open connections per worker before SYN cookies, default 1024 */
	int tcp_syncookies;           /* enum tcp_syncookies, default TCP_SYNCOOKIES_AUTO */
	int tcp_ecn;                  /* enum tcp_ecn, default TCP_ECN_ACCEPT */

	int log_level;                /* enum hag_log_level, default info */

	uint32_t drain_timeout_ms;    /* lifecycle: SIGTERM lets transfers finish this long, default 30000 */

	/* tcp.local_ports: the source ports of upstream connections, split into one
	 * contiguous block per worker; default 32768-60999 */
	uint16_t local_port_lo, local_port_hi;

	struct hag_transparent_conf transparent;

	/* limits */
	uint32_t limit_conns;         /* relayed connections at most, 0 = tcp.max_conns decides (default) */
	uint32_t limit_per_client;    /* per client address at most, 0 = no limit (default) */
};

/* transparent.intercept: a TCP segment to dst:dport (host order) is terminated by hagd. */
bool hag_config_intercepts(const struct hag_config *c, uint32_t dst, uint16_t dport);
/* The same for an IPv6 destination (network order): the IPv6 rules. */
bool hag_config_intercepts6(const struct hag_config *c, const uint8_t dst[16], uint16_t dport);

/* Worker w's block of n in lo..hi (both included): *blo..*bhi. A port p of
 * the range belongs to worker (p - lo) * n / (hi - lo + 1). */
void hag_port_block(uint16_t lo, uint16_t hi, unsigned n, unsigned w, uint16_t *blo, uint16_t *bhi);

/*
 * Load and validate a config file. On error returns -errno (and leaves cfg in a
 * state safe for hag_config_free) and writes one line into err:
 *   "FILE:LINE:COL: KEY.PATH: why"   (LINE/COL when the parser knows them).
 */
int hag_config_load(const char *path, struct hag_config *cfg, char *err, size_t errlen);
/* The same from a string already in memory (tests); name is used in messages. */
int hag_config_load_string(const char *text, const char *name, struct hag_config *cfg,
			   char *err, size_t errlen);
void hag_config_defaults(struct hag_config *cfg);
void hag_config_free(struct hag_config *cfg);

/* The effective config, every default filled in, in the file's JSON schema
 * (hag_config_load reads it back to the same values); NULL without memory. */
struct json_t;
struct json_t *hag_config_to_json(const struct hag_config *cfg);

#endif

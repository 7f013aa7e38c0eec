/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/mptcp public API: server side of MPTCP v1 (RFC 8684) on top of
 * lib/tcp. An accepted subflow gets the MPTCP ULP, which maps its bytes to
 * the data level (DSS), keeps the 64-bit DATA_ACKs and DATA_FINs, and falls
 * back to plain TCP when the peer does not speak MPTCP.
 *
 * The data level uses the same pipes as plain TCP: the subflow's rxp/txp,
 * with pipe positions = data-level offsets (DSN - IDSN - 1).
 */
#ifndef HAG_MPTCP_H
#define HAG_MPTCP_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"
#include "mptcp/mptcp_params.h"

/* Counters; names follow the kernel's MPTcpExt* without the prefix where they mean the same. */
enum mptcp_mib {
	MPTCP_MIB_MPCAPABLE_SYN_RX,     /* MPCapableSYNRX: SYNs with MP_CAPABLE */
	MPTCP_MIB_MPCAPABLE_ACK_RX,     /* MPCapableACKRX: third ACKs with MP_CAPABLE */
	MPTCP_MIB_MPCAPABLE_DATA_RX,    /* hagd: first data carrying MP_CAPABLE (third ACK lost or repeated) */
	MPTCP_MIB_FALLBACK_ACK,         /* MPCapableFallbackACK: third ACK without MP_CAPABLE -> TCP */
	MPTCP_MIB_PLAIN_SYN_RX,         /* hagd: SYNs without MP_CAPABLE served as plain TCP */
	MPTCP_MIB_CSUM_REFUSED,         /* hagd: SYN asked for DSS checksums, mptcp.checksum "off": plain TCP */
	MPTCP_MIB_BAD_KEY,              /* hagd: third ACK echoed a key that is not ours: reset */
	MPTCP_MIB_EARLY_DSS,            /* hagd: DSS before the client's key (reordered): dropped, resent */
	MPTCP_MIB_MPJOIN_SYN_RX,        /* MPJoinSynRx */
	MPTCP_MIB_MPJOIN_NO_TOKEN,      /* MPJoinNoTokenFound */
	MPTCP_MIB_MPJOIN_REFUSED,       /* hagd: joins refused (subflow limit, connection not established or fallen back) */
	MPTCP_MIB_MPJOIN_SYN_BACKUP_RX, /* MPJoinSynBackupRx: join SYNs with the backup bit */
	MPTCP_MIB_MPJOIN_ACK_RX,        /* MPJoinAckRx: third ACKs of joins, HMAC verified */
	MPTCP_MIB_MPJOIN_ACK_HMAC_FAIL, /* MPJoinAckHMacFailure: third ACK with a wrong HMAC: reset */
	MPTCP_MIB_MPJOIN_ACK_MISSING,   /* hagd: join third ACK without MP_JOIN: reset */
	MPTCP_MIB_DSS_NOT_MATCHING,     /* DSSNotMatching: mapping disagrees with an earlier one */
	MPTCP_MIB_DSS_NO_MATCH_TCP,     /* DSSNoMatchTCP: data not covered by any mapping */
	MPTCP_MIB_FALLBACK_NO_DSS,      /* hagd: data without DSS before any mapping -> TCP (RFC 8684 3.7) */
	MPTCP_MIB_DUPLICATE_DATA,       /* DuplicateData: data-level bytes already received */
	MPTCP_MIB_OFO_QUEUE,            /* OFOQueue: data placed out of order at data level */
	MPTCP_MIB_DATA_FIN_RX,          /* hagd: DATA_FINs received */
	MPTCP_MIB_DATA_FIN_TX,          /* hagd: DATA_FINs sent (first transmissions) */
	MPTCP_MIB_OPTION_MALFORMED,     /* hagd: MPTCP options with a bad length, truncated or bad version */
	MPTCP_MIB_FASTCLOSE_RX,         /* MPFastcloseRx: MP_FASTCLOSE with our key: the connection closed */
	MPTCP_MIB_FASTCLOSE_BAD_KEY,    /* hagd: MP_FASTCLOSE with a key that is not ours: ignored */
	MPTCP_MIB_FASTCLOSE_TX,         /* MPFastcloseTx: connections aborted with MP_FASTCLOSE */
	MPTCP_MIB_RST_TX,               /* MPRstTx: subflow RSTs with MP_TCPRST */
	MPTCP_MIB_ADD_ADDR_TX,          /* AddAddrTx: ADD_ADDR sent (first sends and resends) */
	MPTCP_MIB_ECHO_ADD_RX,          /* EchoAdd: ADD_ADDR echoes received */
	MPTCP_MIB_ADD_ADDR_RX,          /* AddAddr: ADD_ADDR from the client (not used by a server; counted) */
	MPTCP_MIB_ADD_ADDR_DROP,        /* AddAddrDrop: ADD_ADDR given up after its resends */
	MPTCP_MIB_MP_PRIO_RX,           /* MPPrioRx: MP_PRIO received (backup flag of a subflow changed) */
	MPTCP_MIB_RM_ADDR_RX,           /* RmAddr: REMOVE_ADDR received */
	MPTCP_MIB_RM_SUBFLOW,           /* RmSubflow: subflows closed because their address was removed */
	MPTCP_MIB_RST_RX,               /* MPRstRx: RSTs received with MP_TCPRST */
	/* ... by reason (RFC 8684 3.6), in enum mptcp_rst_reason's order: */
	MPTCP_MIB_RST_RX_UNSPEC,        /* hagd: unspecified error */
	MPTCP_MIB_RST_RX_MPTCP,         /* hagd: MPTCP-specific error */
	MPTCP_MIB_RST_RX_RESOURCE,      /* hagd: lack of resources */
	MPTCP_MIB_RST_RX_PROHIBIT,      /* hagd: administratively prohibited */
	MPTCP_MIB_RST_RX_WQ2BIG,        /* hagd: too much outstanding data */
	MPTCP_MIB_RST_RX_BADPERF,       /* hagd: unacceptable performance */
	MPTCP_MIB_RST_RX_MIDDLEBOX,     /* hagd: middlebox interference */
	MPTCP_MIB_RST_RX_UNKNOWN,       /* hagd: a reason code RFC 8684 does not define */
	MPTCP_MIB_ESTAB,                /* hagd: MPTCP connections established */
	MPTCP_MIB_REINJECT,             /* hagd: data ranges of a dead or stale subflow given to the others */
	MPTCP_MIB_RETRANS,              /* MPTCPRetrans: data-level retransmissions (DATA_ACK stalled) */
	MPTCP_MIB_SCHED_JOINED,         /* hagd: mappings the scheduler gave to joined subflows */
	MPTCP_MIB_SUBFLOW_STALE,        /* SubflowStale: subflows set aside after repeated RTOs */
	MPTCP_MIB_SUBFLOW_RECOVER,      /* SubflowRecover: stale subflows that got ACKs again */
	MPTCP_MIB_TAKEOVER,             /* hagd: first subflow died, a joined one took the connection over */
	MPTCP_MIB_CSUM_CONNS,           /* hagd: connections that use DSS checksums (RFC 8684 3.3.1) */
	MPTCP_MIB_CSUM_OK,              /* hagd: received mappings whose checksum was verified */
	MPTCP_MIB_DATA_CSUM_ERR,        /* DataCsumErr: received mappings with a wrong checksum */
	MPTCP_MIB_MP_FAIL_TX,           /* MPFailTx */
	MPTCP_MIB_MP_FAIL_RX,           /* MPFailRx */
	MPTCP_MIB_INFINITE_MAP_TX,      /* InfiniteMapTx: we fell back with an infinite mapping (3.7) */
	MPTCP_MIB_INFINITE_MAP_RX,      /* InfiniteMapRx */
	MPTCP_MIB_FALLBACK_CSUM,        /* hagd: a checksum failure on the only subflow: TCP from there (3.7) */
	MPTCP_MIB_ADD_ADDR_HMAC_FAIL,   /* hagd: ADD_ADDR from a client with a wrong HMAC: ignored */
	MPTCP_MIB_DATA_FIN_INVALID,     /* hagd: DATA_FIN before bytes already received, past the window, or moved */
	MPTCP_MIB_DATA_OUT_OF_WINDOW,   /* hagd: mapped bytes beyond the data-level receive window: refused */
	MPTCP_MIB_RM_ADDR_TX,           /* RmAddrTx: connections told an address is withdrawn (REMOVE_ADDR) */
	MPTCP_MIB_MP_PRIO_TX,           /* MPPrioTx: MP_PRIO sent (a backup access network, mptcp access[].backup) */
	MPTCP_MIB_PARKED,               /* hagd: connections that lost their last subflow and wait for a join */
	MPTCP_MIB_RESUMED,              /* hagd: parked connections a join brought back */
	MPTCP_MIB_PARK_EXPIRED,         /* hagd: parked connections nobody joined in time: ended */
	/* Client role (mptcp_connect, mptcp_join: hagperf, a CPE). */
	MPTCP_MIB_MPCAPABLE_SYN_TX,     /* MPCapableSYNTX: connections opened with MP_CAPABLE */
	MPTCP_MIB_MPCAPABLE_SYNACK_RX,  /* MPCapableSYNACKRX: SYN/ACKs with the server's key */
	MPTCP_MIB_FALLBACK_SYNACK,      /* MPCapableFallbackSYNACK: SYN/ACK without MP_CAPABLE -> TCP */
	MPTCP_MIB_MPJOIN_SYN_TX,        /* MPJoinSynTx: subflows opened with MP_JOIN */
	MPTCP_MIB_MPJOIN_SYNACK_RX,     /* MPJoinSynAckRx: join SYN/ACKs, HMAC verified */
	MPTCP_MIB_MPJOIN_SYNACK_HMAC_FAIL, /* MPJoinSynAckHMacFailure: join SYN/ACK with a wrong HMAC: reset */
	MPTCP_MIB_SCHED_NO_MEMORY,      /* SchedNoMemory: a subflow's mapping table could not be allocated: data waits */
	MPTCP_MIB_MISPLACED_OPT,        /* hagd: options where RFC 8684 gives them no meaning (MP_CAPABLE or
	                                 * MP_JOIN SYN forms after the handshake, ADD_ADDR or DSS in a SYN): ignored */
	MPTCP_MIB_DATA_ACK_UNSENT,      /* hagd: DATA_ACKs past the data hagd sent: ignored (RFC 8684 3.3.2) */
	MPTCP_MIB_HOLE_RETRANS,         /* hagd: data its subflow acknowledged but the DATA_ACK never covered, sent
	                                 * again at once (the client dropped it at data level) */
	MPTCP_MIB_MAX
};

extern const char *const mptcp_mib_names[MPTCP_MIB_MAX];

struct mptcp_ctx;

/* Per-lcore MPTCP state: token table and counters. NULL + rte_errno on error. */
struct mptcp_ctx *mptcp_ctx_create(uint32_t max_conns, int socket_id);
void mptcp_ctx_free(struct mptcp_ctx *ctx);

/* What mptcp_accept made of a SYN (or of the ACK that completes a SYN cookie). */
enum mptcp_accept_verdict {
	MPTCP_ACCEPT_REFUSE = -1, /* refuse it with a RST (unknown token, too many subflows, bad cookie key) */
	MPTCP_ACCEPT_PLAIN = 0,   /* sk goes on as plain TCP */
	MPTCP_ACCEPT_MPTCP = 1,   /* MPTCP attached: the SYN/ACK carries our key; the owner then sets
				   * rxp/txp/ops as for plain TCP */
	MPTCP_ACCEPT_JOINED = 2,  /* an MP_JOIN joined an existing connection: lib/mptcp owns sk (its
				   * pipes are the connection's); the owner does nothing */
};

/* A SYN arrived on an MPTCP-enabled listener; sk is the new connection in SYN_RCVD. */
enum mptcp_accept_verdict mptcp_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct tcp_seg *syn);

/*
 * SYN cookies (lib/tcp's tcp_stack_conf.syncookie_opts): the MP_CAPABLE of a
 * stateless SYN/ACK for the SYN syn to tmp. Our key is derived from a secret
 * of ctx, the 4-tuple and the client's ISN (and belongs to this worker), so
 * that mptcp_accept rebuilds the connection from the handshake's ACK, which
 * echoes it with the client's key (RFC 8684 3.1; Linux does the same). *bit:
 * DSS checksums in use. Returns the option's length, 0 for a SYN served as
 * plain TCP, -1 for an MP_JOIN (it needs state). mptcp_accept on a socket
 * made from a cookie (sk->syncookie) reads the ACK instead of the SYN.
 */
int mptcp_syncookie_opts(struct mptcp_ctx *ctx, const struct tcp_sock *tmp, const struct tcp_seg *syn,
			 uint8_t *opt, uint32_t room, bool *bit);

/*
 * Client role (RFC 8684 as the initiator: hagperf's load, a CPE). Opens an
 * MPTCP connection from laddr to raddr:rport on stack st: the SYN carries
 * MP_CAPABLE, the SYN/ACK's key is taken, the third ACK carries both keys.
 * The owner's pipes, ops and user are as tcp_connect's (the returned socket is
 * the first subflow; the owner sees one connection). If the server answers
 * without MP_CAPABLE the socket goes on as plain TCP. NULL with rte_errno set.
 */
struct tcp_sock *mptcp_connect(struct mptcp_ctx *ctx, struct tcp_stack *st, uint32_t laddr, uint32_t raddr,
			       uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			       const struct tcp_sock_ops *ops, void *user, uint64_t now_us);
/*
 * Client role: a new subflow from laddr (MP_JOIN) for the connection whose
 * first subflow is first, once it is established. Opened once the server has
 * confirmed our key (its first DSS; until then the join waits). The SYN/ACK's HMAC is
 * verified (a wrong one resets the subflow), the third ACK carries ours; the
 * scheduler uses the subflow from the server's next segment on (the fourth
 * ACK). 0, or -EINVAL (not an established MPTCP client connection), -ENOSPC
 * (subflow limit), -errno of the connect.
 */
int mptcp_join(struct tcp_sock *first, uint32_t laddr, bool backup, uint64_t now_us);
/* Client role: joins asked for and not yet usable (waiting for the server's
 * confirmation or in their handshake); -ENOENT when sk carries no MPTCP connection. */
int mptcp_joins_pending(const struct tcp_sock *sk);

/* Subflows per connection, the first included (RFC 8684 leaves it to policy; default 8). */
void mptcp_ctx_set_max_subflows(struct mptcp_ctx *ctx, uint32_t n);

/* Which subflow carries data toward the client (mptcp_sched.c). */
void mptcp_ctx_set_scheduler(struct mptcp_ctx *ctx, enum mptcp_sched_kind kind);
/* A word of MPTCP_SCHED_NAMES -> its kind; NULL: the default; -1 when unknown. */
int mptcp_sched_by_name(const char *name);
/* An access network (client addresses prefix/len, host order) with its cost and
 * backup class; subflows from it get them. Returns 0 or -ENOSPC (16 at most). */
int mptcp_ctx_add_access(struct mptcp_ctx *ctx, uint32_t prefix, uint8_t len, uint32_t cost, bool backup);
/* The same for an IPv6 prefix (network order); an access network of both families adds both. */
int mptcp_ctx_add_access6(struct mptcp_ctx *ctx, const uint8_t prefix[16], uint8_t len, uint32_t cost, bool backup);
/* The access prefix (its index in the order added) holding sk's remote address, of sk's
 * family, the longest; -1: none (the subflow gets cost 1, not backup). */
int mptcp_ctx_access_of(const struct mptcp_ctx *ctx, const struct tcp_sock *sk);
/* An address (host order) announced to every client with ADD_ADDR (RFC 8684 3.4.1),
 * address id = its order from 1. Returns 0 or -ENOSPC (MPTCP_MAX_ANNOUNCE at most). */
int mptcp_ctx_add_announce(struct mptcp_ctx *ctx, uint32_t addr);
/* The same for an IPv6 address (network order): ADD_ADDR with 16 bytes (issue 17). */
int mptcp_ctx_add_announce6(struct mptcp_ctx *ctx, const uint8_t addr[16]);
/*
 * The operator takes an announced address out of service (withdraw true):
 * every connection is sent REMOVE_ADDR for it (RFC 8684 3.4.2) and its
 * subflows on it are reset (their data goes on the others); new connections
 * are not offered it. withdraw false offers it again (ADD_ADDR to every
 * connection). Returns the connections told, or -ENOENT when addr is not
 * announced.
 */
int mptcp_ctx_withdraw(struct mptcp_ctx *ctx, uint32_t addr, bool withdraw);
/* The same for an announced IPv6 address. */
int mptcp_ctx_withdraw6(struct mptcp_ctx *ctx, const uint8_t addr[16], bool withdraw);

/* DSS checksums: enum mptcp_csum_mode (mptcp_params.h). */
void mptcp_ctx_set_checksum(struct mptcp_ctx *ctx, enum mptcp_csum_mode mode);
/* RFC 8684 3.1 flag C: clients must not join the address of the first subflow
 * (hagd behind a load balancer); they join what mptcp.announce gives them. */
void mptcp_ctx_set_deny_join_initial(struct mptcp_ctx *ctx, bool deny);
/* Break-before-make: a connection whose last subflow dies waits this long
 * for a join (its owner hears it through mptcp_ctx_set_parked's fn); 0: it
 * ends with the subflow. */
void mptcp_ctx_set_resume_timeout(struct mptcp_ctx *ctx, uint32_t ms);
/*
 * The owners' break-before-make event (user: the owner's pointer of the
 * connection's first subflow): the connection lost its last subflow and
 * waits for a join (sk NULL, err 0); a join resumed it (sk the new subflow,
 * now the owner's); or it ended (sk NULL, the last call, as closed()): err
 * -ETIMEDOUT, nobody came; -ECONNRESET, the client closed it (MP_FASTCLOSE).
 * Without it (NULL, the default) no connection is parked.
 */
typedef void (*mptcp_parked_fn)(void *user, struct tcp_sock *sk, int err);
void mptcp_ctx_set_parked(struct mptcp_ctx *ctx, mptcp_parked_fn fn);
/* Ends the parked connections whose time ran out; call it now and then (ms). */
void mptcp_ctx_tick(struct mptcp_ctx *ctx, uint64_t now_us);
/* Connections waiting for a join now. */
uint32_t mptcp_ctx_parked(const struct mptcp_ctx *ctx);
/* This context is worker self of n: its tokens satisfy token % n == self
 * (lib/net/steer.h), so any worker can tell a join's owner. Default 0 of 1. */
void mptcp_ctx_set_worker(struct mptcp_ctx *ctx, unsigned self, unsigned n);

/* True while sk carries MPTCP (not fallen back). */
bool mptcp_active(const struct tcp_sock *sk);

/* LIA (RFC 6356) coupled congestion control for MPTCP subflows; a plain TCP
 * socket using it behaves like NewReno. */
extern const struct tcp_cc_ops mptcp_cc_lia;
/* LIA's alpha for sk's connection, and the sum of its subflows' windows. */
double mptcp_lia_alpha(const struct tcp_sock *sk, uint64_t *cwnd_total);
/* OLIA (Khalili et al., CoNEXT 2012; draft-khalili-mptcp-congestion-control) coupled
 * congestion control for MPTCP subflows; a plain TCP socket using it behaves like NewReno. */
extern const struct tcp_cc_ops mptcp_cc_olia;
/* A word of MPTCP_CC_NAMES -> the coupled control ("lia", "olia"; their ops' names), or
 * NULL for "uncoupled" and any other word. */
const struct tcp_cc_ops *mptcp_cc_find(const char *name);
/* The coupled control of a kind (the config's mptcp.cc); NULL for uncoupled. */
const struct tcp_cc_ops *mptcp_cc_of(enum mptcp_cc_kind kind);
/* OLIA's alpha_r for sk among its connection's subflows: > 0 on a best path without the
 * largest window, < 0 on the largest windows while such a path exists, else 0. */
double mptcp_olia_alpha(const struct tcp_sock *sk);
/* Congestion control for MPTCP subflows: NULL (each subflow uses the socket's own, as set
 * by its owner) or a coupled one. */
void mptcp_ctx_set_cc(struct mptcp_ctx *ctx, const struct tcp_cc_ops *cc);
/*
 * The owner's settings for sk (the relay: the access side's congestion
 * control, keepalive and idle timeout), applied to sk now and, when sk
 * carries MPTCP, kept for its connection: every join gets them once verified,
 * and a subflow that takes the connection over (walk-out, break-before-make)
 * gets the keepalive and idle timeout again. On an established MPTCP
 * connection the coupled control (mptcp_ctx_set_cc) takes c->cc's place;
 * c->cc stays for plain TCP and after a fallback. c is copied.
 */
void mptcp_sock_configure(struct tcp_sock *sk, const struct tcp_sock_conf *c);

/* Data-level state of the connection sk belongs to (for hagctl conns). */
struct mptcp_conn_info {
	uint64_t snd_una, snd_nxt, snd_edge, rcv_nxt;   /* data positions */
	uint8_t subflows, pending_reinject;
	bool fin_sent, fin_acked, rcv_fin;
	struct { uint16_t mappings; uint8_t state; bool stale, backup, master; uint64_t given, acked; uint32_t cwnd; }
		sf[4];                                        /* the first subflows */
};
/* Returns 0, or -ENOENT when sk carries no MPTCP connection. */
int mptcp_conn_info(const struct tcp_sock *sk, struct mptcp_conn_info *ci);

/* One subflow of a connection, for hagctl conns. */
struct mptcp_subflow_info {
	const struct tcp_sock *sk;    /* addresses, state, srtt, cwnd */
	uint64_t given;               /* bytes the scheduler gave it (subflow stream end) */
	uint16_t mappings;            /* mappings in flight */
	bool stale, backup, master;
};
/* The subflows of sk's MPTCP connection, the first one first: fills out[0..n)
 * and returns how many there are, or -ENOENT when sk carries no MPTCP connection. */
int mptcp_subflows(const struct tcp_sock *sk, struct mptcp_subflow_info *out, int n);

uint64_t mptcp_mib_get(const struct mptcp_ctx *ctx, enum mptcp_mib c);
/* MPTCP connections alive on this lcore. */
uint32_t mptcp_ctx_conns(const struct mptcp_ctx *ctx);

#endif

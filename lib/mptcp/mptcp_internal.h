/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/mptcp internals. */
#ifndef HAG_MPTCP_INTERNAL_H
#define HAG_MPTCP_INTERNAL_H

#include <rte_hash.h>

#include "mptcp/mptcp.h"
#include "tcp/tcp_sock.h"
#include "mptcp/mptcp_crypto.h"
#include "mptcp/mptcp_options.h"

#include <sys/queue.h>

#define MPTCP_CHUNKS 64            /* mappings in flight per subflow */
#define MPTCP_CHUNK_MAX 65536      /* bytes per mapping at most */
#define MPTCP_REINJECT_MAX 32
#define MPTCP_SUBFLOWS_MAX 32      /* per connection, whatever the configuration says */
#define MPTCP_PRIO_SENDS 3         /* MP_PRIO rides on this many pure ACKs (no ACK of its own) */

enum msk_state {
	MSK_SYN_RCVD,       /* SYN/ACK with our key sent, waiting for the client's key */
	MSK_ESTABLISHED,    /* both keys known: DSS both ways, joins accepted */
	MSK_SYN_SENT,       /* client role: SYN with MP_CAPABLE sent, waiting for the server's key */
};

struct mptcp_sock;

/*
 * Checksummed receive (RFC 8684 3.3.1): the checksum covers a whole mapping,
 * so a subflow's bytes wait here, by subflow position, until every byte of
 * their mapping is in and the sum is right; only then do they reach the
 * connection's pipe (and the relay). Allocated on a subflow's first data.
 */
#define MPTCP_CSUM_MAPS 32
struct mptcp_csum_rx {
	struct tcp_pipe stage;          /* positions = subflow positions */
	uint8_t n;                      /* mappings below, sorted by ssn */
	struct mptcp_rx_map {
		uint64_t ssn, dpos;     /* first byte: subflow and data positions */
		uint32_t len;           /* payload bytes */
		uint16_t wire_len;      /* data-level length as sent (counts a DATA_FIN) */
		uint16_t csum;
	} m[MPTCP_CSUM_MAPS];
};

/* One DSS mapping a subflow sent (struct mptcp_subflow's ch). */
struct mptcp_chunk {
	uint64_t ssn;                   /* subflow position of the first byte */
	uint64_t dpos;                  /* its data position */
	uint32_t len;
};

/* Per subflow state (sk->ulp_ctx). */
struct mptcp_subflow {
	struct mptcp_sock *msk;         /* NULL once detached (connection gone) */
	struct tcp_sock *sk;
	bool master;                    /* the MP_CAPABLE subflow: carries our data and DATA_FIN */
	bool join_pending;              /* MP_JOIN: third ACK's HMAC not yet verified */
	bool backup;                    /* B flag of the join SYN */
	bool stale;                     /* repeated RTOs: not scheduled while others can send */
	bool resume_pending;            /* verified join of a parked connection: resumes once established */
	uint8_t prio_tx;                /* pure ACKs still to carry MP_PRIO (backup) */
	uint32_t cost;                  /* of the client's access network (cost scheduler) */
	uint8_t remote_id, local_id;    /* address ids */
	uint32_t local_nonce, remote_nonce;
	bool mpc_ack_due;               /* client: the third ACK carries MP_CAPABLE with both keys */
	bool mpj_ack_due;               /* client join: the third ACK carries our HMAC */

	/* Current receive mapping, in data positions (pipe) and subflow positions. */
	bool map_valid;
	uint64_t map_data;              /* data position of the mapping's first byte */
	uint64_t map_ssn;               /* subflow position of the same byte */
	uint32_t map_len;               /* bytes (the DATA_FIN excluded) */
	LIST_ENTRY(mptcp_subflow) link; /* joined subflows of the connection */
	struct mptcp_csum_rx *crx;      /* checksums: bytes waiting for their mapping's sum */
	bool fail_rst;                  /* our RST carries MP_FAIL (checksum failure, 3.7) */
	uint64_t fail_seq;              /* its DSN */

	/* Send side: the data-level ranges the scheduler gave this subflow, in
	 * subflow order; each is one DSS mapping, never changed once sent. A ring
	 * of MPTCP_CHUNKS, allocated when the subflow is given data and freed when
	 * its peer has acknowledged all of it: an idle subflow holds none. */
	struct mptcp_chunk *ch;
	uint16_t ch_head, ch_n;
	uint64_t tx_end;                /* subflow position after the last byte given */
};

struct mptcp_sock {
	struct mptcp_ctx *ctx;
	struct mptcp_subflow *master;   /* owns the connection toward the relay */
	LIST_HEAD(, mptcp_subflow) joined;
	uint8_t n_joined;
	uint8_t state;
	bool client;                    /* we opened it (mptcp_connect) */
	bool fully_established;         /* client: the server confirmed our key (its first DSS) */
	uint32_t join_laddr;            /* client: a join asked for before that (0: none) */
	uint32_t remote_token;          /* client: the server's token, for our join SYNs */
	bool join_backup;
	bool dss_seen;                  /* a DSS mapping was received: no silent fallback any more */
	bool csum;                      /* DSS checksums in use (RFC 8684 3.3.1) */
	bool no_infinite;               /* a join or a data-level resend happened: no infinite mapping (3.7) */
	bool fail_echo_due;             /* MP_FAIL to send on the next ACK (echo or our own) */
	bool infinite_due;              /* the client's MP_FAIL: our next data carries an infinite mapping */
	bool infinite_sent;             /* ... it did: no MPTCP options from us any more */
	uint64_t infinite_pos;          /* subflow position of that segment */
	uint64_t fail_echo_seq;
	uint64_t local_key, remote_key;
	uint32_t local_token;
	uint64_t local_idsn, remote_idsn;

	/* DATA_FIN received: its data position, applied when the bytes before it are in. */
	bool rcv_fin_pending, rcv_fin_done;
	uint64_t rcv_fin_pos;

	/* Our DATA_FIN: queued by shutdown, sent on pure ACKs until acked. */
	bool snd_fin_queued, snd_fin_acked, snd_fin_sent;
	uint64_t snd_una;               /* data position acknowledged by DATA_ACK */
	uint64_t snd_nxt;               /* data position the scheduler gives out next */
	uint64_t snd_edge;              /* right edge of the client's data-level window (0: not yet known) */
	uint32_t rtx_us;                /* data-level retransmission interval (backs off) */
	/* A hole at snd_una: its bytes acknowledged by their subflow, not by DATA_ACK. */
	uint8_t hole_acks;              /* DATA_ACKs at snd_una that did not move it, since hole_since */
	uint64_t hole_since;            /* us, when the first of them came */
	uint64_t hole_fixed;            /* snd_una + 1 when its hole was sent again (0: none) */
	bool pushing;                   /* mptcp_push is running */
	bool fastclose;                 /* the owner aborts: RSTs carry MP_FASTCLOSE (RFC 8684 3.5) */
	bool fastclose_rx;              /* ... or the client did (fastclose set too): ours carry MP_TCPRST only */
	uint8_t addr_echoed;            /* bit i: announce[i] was echoed */
	uint8_t rm_pending;             /* bit i: announce[i] withdrawn, REMOVE_ADDR to send */
	uint8_t rm_tries;               /* pure ACKs that carried it so far */
	uint8_t addr_tries;             /* ADD_ADDR sends so far (all addresses) */
	bool addr_due;                  /* an ADD_ADDR should ride on the next pure ACK */
	/* Break-before-make: no subflow left (master NULL); what the owner had. */
	bool parked;
	uint64_t park_deadline;         /* us */
	struct mptcp_owner {
		const struct tcp_sock_ops *ops;
		void *user;
		struct tcp_pipe *txp, *rxp;
		int64_t tx_off;
	} parked_owner;
	struct tcp_sock_conf sk_conf;   /* the owner's settings for every subflow (mptcp_sock_configure) */
	uint32_t first_laddr;           /* address of the first subflow (join address id 0; IPv6: its fold) */
	bool first_v6;                  /* ... an IPv6 one (in the hole before park_link) */
	TAILQ_ENTRY(mptcp_sock) park_link;
	uint8_t n_rj;                   /* data ranges of a dead subflow, to send again */
	struct { uint64_t dpos; uint32_t len; } rj[MPTCP_REINJECT_MAX];
};

/* Every subflow of msk: the first (master, when there is one), then the joined ones. */
#define MPTCP_FOR_EACH_SF(msk, sf) \
	for ((sf) = (msk)->master; (sf) != NULL; \
	     (sf) = (sf) == (msk)->master ? LIST_FIRST(&(msk)->joined) : LIST_NEXT((sf), link))

struct mptcp_access {
	uint32_t prefix, cost;
	uint8_t len;
	bool backup;
	bool v6;                        /* prefix6/len, not prefix */
	uint8_t prefix6[16];
};

struct mptcp_ctx {
	struct rte_hash *tokens;
	uint32_t n_conns;
	uint32_t max_subflows;          /* per connection, the MP_CAPABLE one included */
	enum mptcp_sched_kind sched;
	enum mptcp_csum_mode csum;
	bool deny_join_initial;         /* C flag in our SYN/ACKs; joins to the first address refused */
	uint32_t resume_us;             /* break-before-make wait; 0 = off */
	mptcp_parked_fn parked_fn;      /* the owners' break-before-make event; NULL: off */
	uint16_t worker, n_workers;     /* tokens of this context: token % n_workers == worker */
	uint32_t n_parked;
	TAILQ_HEAD(, mptcp_sock) parked;
	const struct tcp_cc_ops *cc;    /* coupled control for subflows, or NULL */
	uint8_t n_access;
	struct mptcp_access access[MPTCP_MAX_ACCESS];
	uint8_t n_announce;
	uint32_t announce[MPTCP_MAX_ANNOUNCE];  /* addresses to announce (host order; IPv6: the fold), id = index + 1 */
	uint8_t announce6[MPTCP_MAX_ANNOUNCE][16]; /* announce[i] when bit i of announce_v6 (network order) */
	uint8_t announce_v6;            /* bit i: announce[i] is an IPv6 address */
	uint8_t withdrawn;              /* bit i: announce[i] withdrawn by the operator */
	uint64_t cookie_secret[2];      /* SYN cookies: the keys of stateless SYN/ACKs derive from it */
	uint64_t mib[MPTCP_MIB_MAX];
};

/* One bit per announced address in these masks. */
_Static_assert(MPTCP_MAX_ANNOUNCE <= 8 * sizeof(((struct mptcp_ctx *)0)->withdrawn) &&
	       MPTCP_MAX_ANNOUNCE <= 8 * sizeof(((struct mptcp_ctx *)0)->announce_v6),
	       "mptcp_ctx.withdrawn has a bit per announced address");
_Static_assert(MPTCP_MAX_ANNOUNCE <= 8 * sizeof(((struct mptcp_sock *)0)->addr_echoed) &&
	       MPTCP_MAX_ANNOUNCE <= 8 * sizeof(((struct mptcp_sock *)0)->rm_pending),
	       "mptcp_sock.addr_echoed and rm_pending have a bit per announced address");
_Static_assert(MPTCP_MAX_ANNOUNCE < 256, "address ids are 8 bits, n_announce too");

#define MPTCP_INC(ctx, c) ((ctx)->mib[(c)]++)

extern const struct tcp_ulp_ops mptcp_ulp;

/* mptcp_ctx.c: the context, and the end of a connection */
/* The connection leaves its context: unparked, joins detached, token freed. */
void mptcp_msk_free(struct mptcp_sock *msk);

/* mptcp_proto.c: the data level */
void mptcp_parse_all(struct mptcp_ctx *ctx, const struct tcp_seg_opts *to, struct mptcp_opts *o);
/* RFC 8684 3.7: sk goes on as plain TCP (sf and, with it, the connection are freed). */
void mptcp_fallback(struct tcp_sock *sk, struct mptcp_subflow *sf, enum mptcp_mib why);
/* Every usable subflow sends a pure ACK now: each carries the DATA_FIN when due. */
void mptcp_data_fin_kick(struct mptcp_sock *msk);

/* mptcp_pm.c: address signalling (RFC 8684 3.4) */
/* Whether sk's local address is announce[i] (of its family). */
bool mptcp_pm_is_announced(const struct mptcp_ctx *ctx, const struct tcp_sock *sk, int i);
/* Whether sk's local address is the first subflow's (address id 0). */
bool mptcp_pm_is_first_addr(const struct mptcp_sock *msk, const struct tcp_sock *sk);
/* The address id of sk's local address: 0 for the first subflow's, an announced
 * address's index + 1, else 1 + MPTCP_MAX_ANNOUNCE (an address never announced). */
uint8_t mptcp_pm_local_id(const struct mptcp_sock *msk, const struct tcp_sock *sk);
/* The next announced address the client has not echoed yet (and may still be sent), or -1. */
int mptcp_pm_addr_pending(const struct mptcp_sock *msk);
/* The client's REMOVE_ADDR: its subflows from those address ids are reset. */
void mptcp_pm_rm_addrs(struct mptcp_sock *msk, const struct mptcp_opts *o);
/* The client's MP_PRIO, REMOVE_ADDR, ADD_ADDR (and echo); false when sk went with its address. */
bool mptcp_pm_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o);
/* The option writer's part (o: a pure ACK's DSS; room: what the segment has left). */
void mptcp_pm_tx_rm_addr(struct mptcp_sock *msk, struct mptcp_opts *o, uint32_t room);
bool mptcp_pm_add_addr_due(const struct mptcp_sock *msk);
void mptcp_pm_tx_add_addr(struct mptcp_sock *msk, struct mptcp_opts *o, uint32_t room);
void mptcp_pm_tx_prio(struct mptcp_subflow *sf, struct mptcp_opts *o, uint32_t room);

/* mptcp_failover.c: stale subflows, take-over, break-before-make */
/* tcp_ulp_ops.rto: a subflow that timed out again is stale; its data goes on the others. */
void mptcp_sf_rto(struct tcp_sock *sk);
/* The first subflow (old, sf) is gone: take-over or park; false when the connection ends. */
bool mptcp_failover(struct tcp_sock *old, struct mptcp_subflow *sf);
/* A parked connection ends now: freed, then its owner's last call (parked, sk NULL, err). */
void mptcp_park_end(struct mptcp_sock *msk, int err);
/* A verified join of a parked connection becomes its first subflow. */
void mptcp_resume(struct mptcp_sock *msk, struct mptcp_subflow *j);

/* mptcp_reset.c: the peer's MP_FASTCLOSE and MP_TCPRST (RFC 8684 3.5, 3.6) */
/* tcp_ulp_ops.rx_reset: an acceptable RST on a subflow. */
void mptcp_rx_reset(struct tcp_sock *sk, const struct tcp_seg *seg);
/* MP_FASTCLOSE with key came on sf: false when the key is not ours (counted,
 * nothing done); true when it is: the connection ends. sf's socket is the
 * caller's to close (a RST: lib/tcp; an ACK: reset it); the other subflows
 * are reset and the owner told, now or, when sf is the first, as it closes. */
bool mptcp_fastclose_rx(struct mptcp_subflow *sf, uint64_t key);

/* mptcp_csum.c: DSS checksums (RFC 8684 3.3.1) */
uint32_t mptcp_ring_sum(const struct tcp_pipe *p, uint64_t pos, uint32_t len);
/* Record a received mapping with its checksum: 0, -ENOMEM, -ENOSPC (too many waiting). */
int mptcp_csum_map_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, uint64_t ssn, uint64_t dpos,
		      uint32_t len, uint16_t wire_len, uint16_t csum);
/* Stage subflow bytes; complete mappings are verified and delivered. Returns 1
 * when the connection's pipe got bytes, 0, or <0 as ulp rx_data (after a
 * failure the subflow is reset, or it fell back to TCP and 0 is returned). */
int mptcp_csum_data_rx(struct tcp_sock *sk, struct mptcp_subflow *sf, uint64_t pos, const uint8_t *data,
		       uint32_t len);
uint32_t mptcp_csum_staged(const struct mptcp_subflow *sf);
/* Deliver whatever is staged unverified (a fallback) and free the stage. */
void mptcp_csum_flush(struct mptcp_subflow *sf);
void mptcp_csum_free(struct mptcp_subflow *sf);

/* mptcp_subflow.c: MP_CAPABLE (RFC 8684 3.1), MP_JOIN (3.2), DSS mappings (3.3.1) */
/* The MP_CAPABLE third ACK on the first subflow (SYN_RCVD at data level): < 0 drop, 1 fell back, 0 on. */
int mptcp_mpc_third_ack(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o);
/* Our MP_CAPABLE SYN/ACK (RFC 8684 3.1): key, H = HMAC-SHA256, A when checksums are used,
 * C when joins to the first address are denied; stateful or from a SYN cookie. */
uint32_t mptcp_mpc_synack_options(const struct mptcp_ctx *ctx, uint64_t key, bool csum, uint8_t *opt,
				  uint32_t room);
/* What a DSS mapping (RFC 8684 3.3.1) leaves of its segment. */
enum map_verdict {
	MAP_TAKEN,      /* recorded (or a DATA_FIN alone, or one ignored): the segment goes on */
	MAP_FALLBACK,   /* an infinite mapping: the subflow is plain TCP from here */
	MAP_DROP,       /* the segment is dropped unacknowledged (no checksum where one is due) */
	MAP_RESET,      /* the subflow was reset */
};
enum map_verdict mptcp_rx_mapping(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o);
enum mptcp_accept_verdict mptcp_join_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct mptcp_opts *o);
int mptcp_join_synack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room);
int mptcp_join_third_ack(struct mptcp_subflow *sf, const struct mptcp_opts *o);
/* The owner's settings (msk->sk_conf) on a subflow; with_cc false leaves its congestion control. */
void mptcp_sf_configure(const struct mptcp_sock *msk, struct tcp_sock *sk, bool with_cc);
/* mptcp_client.c: the initiator's handshakes. */
uint32_t mptcp_client_syn_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room);
uint32_t mptcp_client_ack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room);
int mptcp_client_synack(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o);
void mptcp_client_established(struct tcp_sock *sk, struct mptcp_subflow *sf);
void mptcp_client_join_acked(struct mptcp_subflow *sf);
void mptcp_client_confirmed(struct mptcp_sock *msk);
void mptcp_join_detach_all(struct mptcp_sock *msk);
/* A joined subflow leaves the connection's list (it stays msk's until sf->msk is cleared). */
static inline void mptcp_join_unlink(struct mptcp_sock *msk, struct mptcp_subflow *sf)
{
	LIST_REMOVE(sf, link);
	msk->n_joined--;
}

/* A joined subflow leaves the connection for good, before it is reset: it also lets go
 * of the connection's receive pipe, which may end with the connection before the
 * subflow's own RST is built (its window then reads 0; docs/security.md finding 6). */
static inline void mptcp_join_leave(struct mptcp_sock *msk, struct mptcp_subflow *sf)
{
	mptcp_join_unlink(msk, sf);
	sf->msk = NULL;
	sf->sk->rxp = NULL;
}

/* mptcp_sched.c: which subflow sends which data-level bytes */
void mptcp_push(struct mptcp_sock *msk);
void mptcp_rtx_arm(struct mptcp_sock *msk, bool restart);
const struct mptcp_chunk *mptcp_chunk_at(const struct mptcp_subflow *sf, uint64_t pos);
void mptcp_chunks_acked(struct mptcp_subflow *sf, uint64_t una);
/* Forget the subflow's mappings and free their table. */
void mptcp_chunks_free(struct mptcp_subflow *sf);
void mptcp_reinject_from(struct mptcp_subflow *sf, bool keep);
bool mptcp_all_sent(const struct mptcp_sock *msk);
void mptcp_classify(struct mptcp_ctx *ctx, struct mptcp_subflow *sf);

/* mptcp_token.c */
int mptcp_token_new(struct mptcp_ctx *ctx, struct mptcp_sock *msk);
struct mptcp_sock *mptcp_token_lookup(struct mptcp_ctx *ctx, uint32_t token);
void mptcp_token_del(struct mptcp_ctx *ctx, uint32_t token);

/* LIA's and OLIA's state in tcp_sock.cc_priv: bytes acked not yet added to cwnd
 * (acc); OLIA's bytes acked since the last loss (l1) and between the last two (l2). */
struct mptcp_lia_state {
	double acc;
};

struct mptcp_olia_state {
	double acc;
	uint64_t l1, l2;
};

_Static_assert(sizeof(struct mptcp_lia_state) <= sizeof(((struct tcp_sock *)0)->cc_priv), "LIA's state fits");
_Static_assert(sizeof(struct mptcp_olia_state) <= sizeof(((struct tcp_sock *)0)->cc_priv), "OLIA's state fits");

static inline struct mptcp_lia_state *mptcp_lia_of(const struct tcp_sock *sk)
{
	return (struct mptcp_lia_state *)(uintptr_t)sk->cc_priv;
}

static inline struct mptcp_olia_state *mptcp_olia_of(const struct tcp_sock *sk)
{
	return (struct mptcp_olia_state *)(uintptr_t)sk->cc_priv;
}

#endif

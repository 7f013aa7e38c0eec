/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/mptcp internals. */
#ifndef HAG_MPTCP_INTERNAL_H
#define HAG_MPTCP_INTERNAL_H

#include <rte_hash.h>

#include "mptcp/mptcp.h"
#include "mptcp/mptcp_crypto.h"
#include "mptcp/mptcp_options.h"

#include <sys/queue.h>

#define MPTCP_CHUNKS 64            /* mappings in flight per subflow */
#define MPTCP_CHUNK_MAX 65536      /* bytes per mapping at most */
#define MPTCP_REINJECT_MAX 32
#define MPTCP_SUBFLOWS_MAX 32      /* per connection, whatever the configuration says */

enum msk_state {
	MSK_SYN_RCVD,       /* SYN/ACK with our key sent, waiting for the client's key */
	MSK_ESTABLISHED,    /* both keys known: DSS both ways, joins accepted */
};

struct mptcp_sock;

/* Per subflow state (sk->ulp_ctx). */
struct mptcp_subflow {
	struct mptcp_sock *msk;         /* NULL once detached (connection gone) */
	struct tcp_sock *sk;
	bool master;                    /* the MP_CAPABLE subflow: carries our data and DATA_FIN */
	bool join_pending;              /* MP_JOIN: third ACK's HMAC not yet verified */
	bool backup;                    /* B flag of the join SYN */
	bool stale;                     /* repeated RTOs: not scheduled while others can send */
	uint32_t cost;                  /* of the client's access network (cost scheduler) */
	uint8_t remote_id, local_id;    /* address ids */
	uint32_t local_nonce, remote_nonce;

	/* Current receive mapping, in data positions (pipe) and subflow positions. */
	bool map_valid;
	uint64_t map_data;              /* data position of the mapping's first byte */
	uint64_t map_ssn;               /* subflow position of the same byte */
	uint32_t map_len;               /* bytes (the DATA_FIN excluded) */
	LIST_ENTRY(mptcp_subflow) link; /* joined subflows of the connection */

	/* Send side: the data-level ranges the scheduler gave this subflow, in
	 * subflow order; each is one DSS mapping, never changed once sent. */
	struct mptcp_chunk {
		uint64_t ssn;           /* subflow position of the first byte */
		uint64_t dpos;          /* its data position */
		uint32_t len;
	} ch[MPTCP_CHUNKS];
	uint16_t ch_head, ch_n;
	uint64_t tx_end;                /* subflow position after the last byte given */
};

struct mptcp_sock {
	struct mptcp_ctx *ctx;
	struct mptcp_subflow *master;   /* owns the connection toward the relay */
	LIST_HEAD(, mptcp_subflow) joined;
	uint8_t n_joined;
	uint8_t state;
	bool dss_seen;                  /* a DSS mapping was received: no silent fallback any more */
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
	bool pushing;                   /* mptcp_push is running */
	bool fastclose;                 /* the owner aborts: RSTs carry MP_FASTCLOSE (RFC 8684 3.5) */
	uint8_t addr_echoed;            /* bit i: announce[i] was echoed */
	uint8_t addr_tries;             /* ADD_ADDR sends so far (all addresses) */
	bool addr_due;                  /* an ADD_ADDR should ride on the next pure ACK */
	uint8_t n_rj;                   /* data ranges of a dead subflow, to send again */
	struct { uint64_t dpos; uint32_t len; } rj[MPTCP_REINJECT_MAX];
};

struct mptcp_access {
	uint32_t prefix, cost;
	uint8_t len;
	bool backup;
};

struct mptcp_ctx {
	struct rte_hash *tokens;
	uint32_t n_conns;
	uint32_t max_subflows;          /* per connection, the MP_CAPABLE one included */
	enum mptcp_sched_kind sched;
	const struct tcp_cc_ops *cc;    /* coupled control for subflows, or NULL */
	uint8_t n_access;
	struct mptcp_access access[16];
	uint8_t n_announce;
	uint32_t announce[8];           /* addresses to announce (host order), id = index + 1 */
	uint64_t mib[MPTCP_MIB_MAX];
};

#define MPTCP_INC(ctx, c) ((ctx)->mib[(c)]++)

extern const struct tcp_ulp_ops mptcp_ulp;

/* mptcp_proto.c */
void mptcp_parse_all(struct mptcp_ctx *ctx, const struct tcp_seg_opts *to, struct mptcp_opts *o);

/* mptcp_subflow.c: MP_JOIN (RFC 8684 3.2) */
int mptcp_join_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct mptcp_opts *o);
int mptcp_join_synack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room);
int mptcp_join_third_ack(struct mptcp_subflow *sf, const struct mptcp_opts *o);
void mptcp_join_detach_all(struct mptcp_sock *msk);

/* mptcp_sched.c: which subflow sends which data-level bytes */
void mptcp_push(struct mptcp_sock *msk);
void mptcp_rtx_arm(struct mptcp_sock *msk, bool restart);
const struct mptcp_chunk *mptcp_chunk_at(const struct mptcp_subflow *sf, uint64_t pos);
void mptcp_chunks_acked(struct mptcp_subflow *sf, uint64_t una);
void mptcp_reinject_from(struct mptcp_subflow *sf, bool keep);
bool mptcp_all_sent(const struct mptcp_sock *msk);
void mptcp_classify(struct mptcp_ctx *ctx, struct mptcp_subflow *sf);

/* mptcp_token.c */
int mptcp_token_new(struct mptcp_ctx *ctx, struct mptcp_sock *msk);
struct mptcp_sock *mptcp_token_lookup(struct mptcp_ctx *ctx, uint32_t token);
void mptcp_token_del(struct mptcp_ctx *ctx, uint32_t token);

#endif

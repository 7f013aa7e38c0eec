/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subflows, passive side: how one starts and what it may carry.
 * MP_CAPABLE (RFC 8684 3.1): one classifier for SYNs, answered with a key
 * whose token names this worker, statefully or from a SYN cookie (the third
 * ACK echoes the keys and rebuilds the connection); the third ACK makes the
 * connection. MP_JOIN (3.2): a SYN with a token joins the connection that
 * owns it on this lcore; the SYN/ACK carries our nonce and the truncated
 * HMAC; the third ACK's 160-bit HMAC proves the client knows both keys, and
 * our next ACK (the fourth) confirms the subflow. A joined subflow shares the
 * connection's receive pipe, and the scheduler gives it data to send once the
 * join is verified. Every subflow gets the settings the owner gave the
 * connection (mptcp_sf_configure). DSS mappings (3.3.1) are checked here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "mptcp/mptcp_internal.h"
#include "net/steer.h"

enum mptcp_accept_verdict mptcp_join_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct mptcp_opts *o)
{
	struct mptcp_subflow *sf;
	struct mptcp_sock *msk;
	struct tcp_sock *m;

	MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYN_RX);
	if (o->backup)
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_SYN_BACKUP_RX);
	msk = mptcp_token_lookup(ctx, o->token);
	if (msk == NULL) {
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_NO_TOKEN);
		return MPTCP_ACCEPT_REFUSE;
	}
	m = msk->master ? msk->master->sk : NULL;     /* NULL: parked, waiting for this join */
	/* Only an established connection, still open at data level, within the limit. */
	if (msk->state != MSK_ESTABLISHED || msk->rcv_fin_done ||
	    (msk->snd_fin_queued && !msk->parked) ||
	    (m && m->state != TCP_ESTABLISHED && m->state != TCP_CLOSE_WAIT) ||
	    1u + msk->n_joined >= msk->ctx->max_subflows ||
	    (ctx->deny_join_initial && mptcp_pm_is_first_addr(msk, sk))) {   /* we said C (RFC 8684 3.1) */
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_REFUSED);
		return MPTCP_ACCEPT_REFUSE;
	}
	sf = calloc(1, sizeof(*sf));
	if (sf == NULL) {
		MPTCP_INC(ctx, MPTCP_MIB_MPJOIN_REFUSED);
		return MPTCP_ACCEPT_REFUSE;
	}
	sf->msk = msk;
	sf->sk = sk;
	sf->join_pending = true;
	sf->backup = o->backup;
	sf->remote_id = o->join_id;
	sf->remote_nonce = o->nonce;
	sf->local_nonce = (uint32_t)rte_rand();
	sf->tx_end = 1;
	/* Address id 0 is the address of the initial subflow (RFC 8684 3.2). */
	sf->local_id = mptcp_pm_local_id(msk, sk);
	LIST_INSERT_HEAD(&msk->joined, sf, link);
	msk->n_joined++;
	msk->no_infinite = true;     /* RFC 8684 3.7: no fallback once a second subflow was opened */
	sk->ulp = &mptcp_ulp;
	sk->ulp_ctx = sf;
	sk->flags |= TF_NO_TX_FREE;
	sk->rxp = m ? m->rxp : msk->parked_owner.rxp;   /* the connection's bytes, by DSN */
	sk->txp = NULL;         /* its bytes come from the scheduler (mptcp_sched.c) */
	sk->ops = NULL;
	sk->user = NULL;
	mptcp_classify(ctx, sf);
	return MPTCP_ACCEPT_JOINED;
}

int mptcp_join_synack_options(struct mptcp_subflow *sf, uint8_t *opt, uint32_t room)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_opts o;

	memset(&o, 0, sizeof(o));
	o.suboptions = OPTION_MPTCP_MPJ_SYNACK;
	o.join_id = sf->local_id;
	o.nonce = sf->local_nonce;
	/* Leftmost 64 bits of HMAC(Key-B || Key-A, R-B || R-A), we being B. */
	o.thmac = mptcp_crypto_join_thmac(msk->local_key, msk->remote_key, sf->local_nonce,
					  sf->remote_nonce);
	return (int)mptcp_write_options(opt, room, &o);
}

int mptcp_join_third_ack(struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	uint8_t want[32];

	if (!(o->suboptions & OPTION_MPTCP_MPJ_ACK)) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_MISSING);
		tcp_reset(sf->sk);
		return -1;
	}
	/* Leftmost 160 bits of HMAC(Key-A || Key-B, R-A || R-B). */
	mptcp_crypto_join_hmac(msk->remote_key, msk->local_key, sf->remote_nonce, sf->local_nonce, want);
	if (memcmp(want, o->hmac, sizeof(o->hmac)) != 0) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_HMAC_FAIL);
		tcp_reset(sf->sk);
		return -1;
	}
	sf->join_pending = false;
	mptcp_sf_configure(msk, sf->sk, true);
	MPTCP_INC(msk->ctx, MPTCP_MIB_MPJOIN_ACK_RX);
	tcp_ack_now(sf->sk);     /* the fourth ACK: the subflow is fully established */
	if (msk->parked) {
		sf->resume_pending = true;   /* it carries the connection once established */
		return 0;
	}
	mptcp_push(msk);
	return 0;
}

/*
 * RFC 8684 leaves a subflow's settings to the implementation. As Linux does
 * (net/mptcp/sockopt.c: what the application set on the MPTCP socket is
 * synced to every subflow), each subflow gets the owner's: its keepalive keeps
 * the NAT state of its own path alive, its idle timeout ends it like a TCP
 * connection. The coupled control replaces the owner's once both keys are
 * known (RFC 6356 couples the subflows of one connection).
 */
void mptcp_sf_configure(const struct mptcp_sock *msk, struct tcp_sock *sk, bool with_cc)
{
	struct tcp_sock_conf c = msk->sk_conf;

	if (!with_cc)
		c.cc = NULL;
	else if (msk->ctx->cc && msk->state == MSK_ESTABLISHED)
		c.cc = msk->ctx->cc;
	tcp_sock_configure(sk, &c);
}

void mptcp_sock_configure(struct tcp_sock *sk, const struct tcp_sock_conf *c)
{
	struct mptcp_subflow *sf = sk->ulp == &mptcp_ulp ? sk->ulp_ctx : NULL;

	if (sf == NULL || sf->msk == NULL) {
		tcp_sock_configure(sk, c);
		return;
	}
	sf->msk->sk_conf = *c;
	mptcp_sf_configure(sf->msk, sk, true);
}

/* The connection is going: joined subflows are reset (RFC 8684 3.3.3 "abrupt close"). */
void mptcp_join_detach_all(struct mptcp_sock *msk)
{
	struct mptcp_subflow *j;

	while ((j = LIST_FIRST(&msk->joined)) != NULL) {
		mptcp_join_leave(msk, j);
		tcp_reset(j->sk);
	}
}

/*
 * The key of a stateless SYN/ACK to this 4-tuple and client ISN: 64 bits of
 * HMAC-SHA256(secret, 4-tuple || ISN || i), for the first i whose token is
 * this worker's (joins are steered by token). 0 when none is found.
 */
static uint64_t cookie_key(const struct mptcp_ctx *ctx, const struct tcp_sock *sk, uint32_t irs)
{
	for (uint32_t i = 0; i < 64u * (ctx->n_workers ? ctx->n_workers : 1u); i++) {
		uint8_t msg[20], mac[32];
		uint64_t key = 0, idsn;
		uint32_t token;

		memcpy(msg, &sk->laddr, 4);
		memcpy(msg + 4, &sk->raddr, 4);
		memcpy(msg + 8, &sk->lport, 2);
		memcpy(msg + 10, &sk->rport, 2);
		memcpy(msg + 12, &irs, 4);
		memcpy(msg + 16, &i, 4);
		mptcp_crypto_hmac_sha(ctx->cookie_secret[0], ctx->cookie_secret[1], msg, sizeof(msg), mac);
		for (int k = 0; k < 8; k++)
			key = key << 8 | mac[k];
		if (key == 0)
			continue;
		mptcp_crypto_key_sha(key, &token, &idsn);
		if (ctx->n_workers <= 1 || net_steer_token_worker(token, ctx->n_workers) == ctx->worker)
			return key;
	}
	return 0;
}

/* MP_CAPABLE flags of a SYN we serve as MPTCP, or -1 to serve it as plain TCP. */
static int mpc_syn_ok(struct mptcp_ctx *ctx, const struct mptcp_opts *o)
{
	/* H (HMAC-SHA256) is the only crypto RFC 8684 defines; a client asking
	 * for checksums (A) is served as TCP when they are configured off. */
	if (!(o->mpc_flags & MPTCP_CAP_HMAC_SHA256)) {
		MPTCP_INC(ctx, MPTCP_MIB_PLAIN_SYN_RX);
		return -1;
	}
	if ((o->mpc_flags & MPTCP_CAP_CHECKSUM_REQD) && ctx->csum == MPTCP_CSUM_OFF) {
		MPTCP_INC(ctx, MPTCP_MIB_CSUM_REFUSED);
		return -1;
	}
	return o->mpc_flags;
}

/* What a SYN asks for (RFC 8684 3.1, 3.2), and its counters: one classifier for
 * the stateful path (mptcp_accept) and the stateless one (mptcp_syncookie_opts). */
enum syn_kind {
	SYN_PLAIN,      /* no MP_CAPABLE (or one we serve as plain TCP) */
	SYN_MPC,        /* MP_CAPABLE we serve; *flags are its flags */
	SYN_JOIN,       /* MP_JOIN */
};

static enum syn_kind classify_syn(struct mptcp_ctx *ctx, const struct mptcp_opts *o, int *flags)
{
	/* RFC 8684: a SYN carries MP_CAPABLE or MP_JOIN and nothing else of MPTCP. */
	if (o->suboptions & ~(OPTION_MPTCP_MPC_SYN | OPTION_MPTCP_MPJ_SYN))
		MPTCP_INC(ctx, MPTCP_MIB_MISPLACED_OPT);
	if (o->suboptions & OPTION_MPTCP_MPJ_SYN)
		return SYN_JOIN;
	if (!(o->suboptions & OPTION_MPTCP_MPC_SYN)) {
		MPTCP_INC(ctx, MPTCP_MIB_PLAIN_SYN_RX);
		return SYN_PLAIN;
	}
	MPTCP_INC(ctx, MPTCP_MIB_MPCAPABLE_SYN_RX);
	*flags = mpc_syn_ok(ctx, o);
	return *flags < 0 ? SYN_PLAIN : SYN_MPC;
}

/* RFC 8684 3.1: checksums are used when either side sets A (flags: the client's). */
static bool mpc_csum(const struct mptcp_ctx *ctx, int flags)
{
	return (flags & MPTCP_CAP_CHECKSUM_REQD) || ctx->csum == MPTCP_CSUM_REQUIRE;
}

uint32_t mptcp_mpc_synack_options(const struct mptcp_ctx *ctx, uint64_t key, bool csum, uint8_t *opt,
				  uint32_t room)
{
	struct mptcp_opts w;

	memset(&w, 0, sizeof(w));
	w.suboptions = OPTION_MPTCP_MPC_SYNACK;
	w.mpc_version = 1;
	w.mpc_flags = MPTCP_CAP_HMAC_SHA256 | (csum ? MPTCP_CAP_CHECKSUM_REQD : 0) |
		      (ctx->deny_join_initial ? MPTCP_CAP_DENY_JOIN_ID0 : 0);
	w.sndr_key = key;
	return (uint32_t)mptcp_write_options(opt, room, &w);
}

int mptcp_syncookie_opts(struct mptcp_ctx *ctx, const struct tcp_sock *tmp, const struct tcp_seg *syn,
			 uint8_t *opt, uint32_t room, bool *bit)
{
	struct mptcp_opts o;
	uint64_t key;
	int flags = 0;

	mptcp_parse_all(ctx, &syn->opt, &o);
	/* A join needs its connection's state: lib/tcp gives it a socket, and
	 * mptcp_accept classifies (and counts) it then. */
	if (o.suboptions & OPTION_MPTCP_MPJ_SYN)
		return -1;
	if (classify_syn(ctx, &o, &flags) != SYN_MPC)
		return 0;
	key = cookie_key(ctx, tmp, syn->seq);
	if (key == 0)
		return 0;
	*bit = mpc_csum(ctx, flags);
	return (int)mptcp_mpc_synack_options(ctx, key, *bit, opt, room);
}

/* The handshake's ACK of a SYN answered with a cookie: the connection is made
 * from the keys it echoes. */
static enum mptcp_accept_verdict accept_cookie(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct mptcp_opts *o,
			 struct mptcp_sock **out)
{
	struct mptcp_sock *msk;
	uint64_t idsn, key;
	uint32_t token;

	if (!(o->suboptions & OPTION_MPTCP_MPC_ACK))
		return MPTCP_ACCEPT_PLAIN;       /* the SYN/ACK was plain TCP, or the client fell back */
	key = cookie_key(ctx, sk, sk->irs);
	if (key == 0 || o->rcvr_key != key) {
		MPTCP_INC(ctx, MPTCP_MIB_BAD_KEY);
		return MPTCP_ACCEPT_REFUSE;
	}
	mptcp_crypto_key_sha(key, &token, &idsn);
	msk = calloc(1, sizeof(*msk));
	if (msk == NULL)
		return MPTCP_ACCEPT_REFUSE;
	/* Another connection with this token (a 2^-32 chance): refused, the client retries. */
	if (rte_hash_lookup(ctx->tokens, &token) >= 0 || rte_hash_add_key_data(ctx->tokens, &token, msk) < 0) {
		free(msk);
		return MPTCP_ACCEPT_REFUSE;
	}
	msk->local_key = key;
	msk->local_token = token;
	msk->local_idsn = idsn;
	*out = msk;
	return MPTCP_ACCEPT_MPTCP;
}

enum mptcp_accept_verdict mptcp_accept(struct mptcp_ctx *ctx, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	struct mptcp_subflow *sf;
	struct mptcp_sock *msk = NULL;
	struct mptcp_opts o;
	int flags = 0;

	mptcp_parse_all(ctx, &syn->opt, &o);
	if (sk->syncookie) {
		enum mptcp_accept_verdict r = accept_cookie(ctx, sk, &o, &msk);

		if (r != MPTCP_ACCEPT_MPTCP)
			return r;
		flags = sk->syncookie_bit ? MPTCP_CAP_CHECKSUM_REQD : 0;
	} else {
		switch (classify_syn(ctx, &o, &flags)) {
		case SYN_JOIN:
			return mptcp_join_accept(ctx, sk, &o);
		case SYN_PLAIN:
			return MPTCP_ACCEPT_PLAIN;
		case SYN_MPC:
			break;
		}
	}
	if (msk == NULL)
		msk = calloc(1, sizeof(*msk));
	sf = calloc(1, sizeof(*sf));
	if (msk == NULL || sf == NULL) {
		if (msk && msk->local_token)
			mptcp_token_del(ctx, msk->local_token);
		free(msk);
		free(sf);
		return sk->syncookie ? MPTCP_ACCEPT_REFUSE : MPTCP_ACCEPT_PLAIN;
	}
	msk->ctx = ctx;
	if (!sk->syncookie && mptcp_token_new(ctx, msk) < 0) {
		free(msk);
		free(sf);
		return MPTCP_ACCEPT_PLAIN;   /* no token: serve as plain TCP rather than refuse */
	}
	LIST_INIT(&msk->joined);
	ctx->n_conns++;
	msk->master = sf;
	msk->first_laddr = sk->laddr;
	msk->first_v6 = sk->v6;
	msk->state = MSK_SYN_RCVD;
	msk->csum = mpc_csum(ctx, flags);
	if (msk->csum)
		MPTCP_INC(ctx, MPTCP_MIB_CSUM_CONNS);
	sf->msk = msk;
	sf->sk = sk;
	sf->master = true;
	sf->tx_end = 1;     /* stream position 1: the first data byte after the SYN */
	sk->ulp = &mptcp_ulp;
	sk->ulp_ctx = sf;
	sk->flags |= TF_NO_TX_FREE;
	mptcp_classify(ctx, sf);
	return 1;
}

/* Third ACK of the MP_CAPABLE handshake (RFC 8684 3.1). Returns <0 to drop. */
int mptcp_mpc_third_ack(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;
	uint32_t tok;

	if (o->suboptions & OPTION_MPTCP_MPC_ACK) {
		if (o->rcvr_key != msk->local_key) {
			MPTCP_INC(ctx, MPTCP_MIB_BAD_KEY);
			tcp_reset(sk);
			return -1;
		}
		msk->remote_key = o->sndr_key;
		mptcp_crypto_key_sha(msk->remote_key, &tok, &msk->remote_idsn);
		msk->state = MSK_ESTABLISHED;
		if (ctx->cc)
			tcp_set_cc(sk, ctx->cc);   /* coupled from now on (the owner chose one for TCP) */
		if (sf->prio_tx)
			tcp_ack_now(sk);           /* carries MP_PRIO */
		MPTCP_INC(ctx, MPTCP_MIB_MPCAPABLE_ACK_RX);
		MPTCP_INC(ctx, MPTCP_MIB_ESTAB);
		if (ctx->n_announce) {
			msk->addr_due = true;
			tcp_ack_now(sk);    /* carries the first ADD_ADDR */
			mptcp_rtx_arm(msk, false);
		}
		return 0;
	}
	if (o->suboptions == 0) {
		/* RFC 8684 3.1: no MP_CAPABLE on the third ACK -> plain TCP. */
		mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_ACK);
		return 1;
	}
	if (o->suboptions & OPTION_MPTCP_DSS) {
		/* Reordered ahead of the third ACK (or of the MP_CAPABLE with data):
		 * we cannot map it yet; dropped unacknowledged, the client resends it. */
		MPTCP_INC(ctx, MPTCP_MIB_EARLY_DSS);
		return -1;
	}
	/* MPTCP options but no key: we cannot map its data. */
	MPTCP_INC(ctx, MPTCP_MIB_BAD_KEY);
	tcp_reset(sk);
	return -1;
}

/* A DSS mapping (RFC 8684 3.3.1). */
enum map_verdict mptcp_rx_mapping(struct tcp_sock *sk, struct mptcp_subflow *sf, const struct mptcp_opts *o)
{
	struct mptcp_sock *msk = sf->msk;
	uint64_t base = msk->remote_idsn + 1;
	uint64_t dsn = o->dsn64 ? o->data_seq : dsn_expand32(base + sk->rxp->rx.nxt, (uint32_t)o->data_seq);
	uint64_t dpos = dsn - base, ssn;
	uint32_t len = o->data_len;

	if (o->data_len == 0 && !o->data_fin) {
		/* Infinite mapping (RFC 8684 3.7): the rest of the subflow is the stream. */
		MPTCP_INC(msk->ctx, MPTCP_MIB_INFINITE_MAP_RX);
		if (!sf->master || msk->n_joined) {
			MPTCP_INC(msk->ctx, MPTCP_MIB_DSS_NOT_MATCHING);
			tcp_reset(sk);   /* only a lone subflow can fall back */
			return MAP_RESET;
		}
		sf->map_valid = true;
		sf->map_data = dpos;
		sf->map_ssn = seq_extend(sk->rcv.nxt, o->subflow_seq);
		mptcp_fallback(sk, sf, MPTCP_MIB_FALLBACK_NO_DSS);
		return MAP_FALLBACK;
	}
	if (o->data_fin && len > 0)
		len--;   /* the DATA_FIN takes the last byte of the data-level length */
	if (msk->csum && !o->csum_present) {
		/* RFC 8684 3.3.1: every mapping carries the checksum once negotiated. */
		MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_CSUM_ERR);
		return MAP_DROP;
	}
	if (msk->csum && len == 0 &&
	    mptcp_dss_csum_finish(dsn, o->subflow_seq, o->data_len, 0) != o->csum) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_CSUM_ERR);
		return MAP_TAKEN;      /* a DATA_FIN with a wrong sum is ignored; it is resent */
	}
	if (o->data_fin) {
		uint64_t fpos = dpos + len;
		const struct tcp_pipe *p = sk->rxp;

		/* Nothing can follow the end of the stream, and there is only one end. */
		if (fpos < p->rx.nxt || fpos > p->head + p->cap ||
		    (msk->rcv_fin_pending && fpos != msk->rcv_fin_pos)) {
			MPTCP_INC(msk->ctx, MPTCP_MIB_DATA_FIN_INVALID);
		} else {
			msk->rcv_fin_pending = true;
			msk->rcv_fin_pos = fpos;
		}
	}
	msk->dss_seen = true;
	if (len == 0)
		return MAP_TAKEN;   /* a DATA_FIN alone (subflow sequence 0) */
	ssn = seq_extend(sk->rcv.nxt, o->subflow_seq);
	/* A mapping that overlaps the current one must say the same thing. */
	if (sf->map_valid && ssn < sf->map_ssn + sf->map_len && sf->map_ssn < ssn + len &&
	    (int64_t)(dpos - ssn) != (int64_t)(sf->map_data - sf->map_ssn)) {
		MPTCP_INC(msk->ctx, MPTCP_MIB_DSS_NOT_MATCHING);
		tcp_reset(sk);
		return MAP_RESET;
	}
	sf->map_valid = true;
	sf->map_data = dpos;
	sf->map_ssn = ssn;
	sf->map_len = len;
	if (msk->csum)
		(void)mptcp_csum_map_rx(sk, sf, ssn, dpos, len, o->data_len, o->csum);   /* unrecorded: bytes refused */
	return MAP_TAKEN;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the peer's resets say (RFC 8684 3.5, 3.6). lib/tcp hands a RST over
 * once RFC 5961 3.2 made it acceptable (tcp_ulp_ops.rx_reset) and closes the
 * subflow itself when we return; here its MPTCP options are read:
 *   MP_TCPRST: counted by reason; the subflow ends as on any RST (its data
 *     goes on the others, a joined subflow takes over, or the connection parks).
 *   MP_FASTCLOSE with our key: the whole connection ends at once and its owner
 *     hears of it (the relay resets upstream): no takeover, no park.
 * MP_FASTCLOSE on an ACK (3.5's other form) comes to mptcp_fastclose_rx too.
 */
#include <errno.h>

#include "mptcp/mptcp_internal.h"

_Static_assert(MPTCP_MIB_RST_RX_UNKNOWN - MPTCP_MIB_RST_RX_UNSPEC == MPTCP_RST_REASONS,
	       "one MPRstRx* counter per enum mptcp_rst_reason code, in its order, then MPRstRxUnknown");

bool mptcp_fastclose_rx(struct mptcp_subflow *sf, uint64_t key)
{
	struct mptcp_sock *msk = sf->msk;
	struct mptcp_ctx *ctx = msk->ctx;

	/* RFC 8684 3.5: the option carries its receiver's key; only ours closes. */
	if (key != msk->local_key) {
		MPTCP_INC(ctx, MPTCP_MIB_FASTCLOSE_BAD_KEY);
		return false;
	}
	MPTCP_INC(ctx, MPTCP_MIB_FASTCLOSE_RX);
	msk->fastclose = true;          /* closed, not lost: heir() and park() say no */
	msk->fastclose_rx = true;
	if (sf->master)
		return true;            /* its end (the caller's) ends the rest, and tells the owner */
	/* A joined subflow leaves first (the caller closes it, nobody resets it), letting go
	 * of the connection's pipe, which ends with the rest below. */
	mptcp_join_leave(msk, sf);
	if (msk->parked)
		mptcp_park_end(msk, -ECONNRESET);
	else
		tcp_reset(msk->master->sk);     /* the others go with the first subflow */
	return true;
}

void mptcp_rx_reset(struct tcp_sock *sk, const struct tcp_seg *seg)
{
	struct mptcp_subflow *sf = sk->ulp_ctx;
	struct mptcp_ctx *ctx;
	struct mptcp_opts o;

	if (sf == NULL || sf->msk == NULL)
		return;         /* the connection is gone already */
	ctx = sf->msk->ctx;
	mptcp_parse_all(ctx, &seg->opt, &o);
	if (o.suboptions & OPTION_MPTCP_RST) {
		MPTCP_INC(ctx, MPTCP_MIB_RST_RX);
		MPTCP_INC(ctx, o.reset_reason < MPTCP_RST_REASONS ? MPTCP_MIB_RST_RX_UNSPEC + o.reset_reason
								   : MPTCP_MIB_RST_RX_UNKNOWN);
	}
	/* RFC 8684 3.7: the client reset this subflow over a checksum failure. */
	if (o.suboptions & OPTION_MPTCP_FAIL)
		MPTCP_INC(ctx, MPTCP_MIB_MP_FAIL_RX);
	if (o.suboptions & OPTION_MPTCP_FASTCLOSE)
		(void)mptcp_fastclose_rx(sf, o.fastclose_key);
}

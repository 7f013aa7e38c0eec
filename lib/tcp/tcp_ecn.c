/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Explicit Congestion Notification (RFC 3168) for lib/tcp:
 *   - the handshake (6.1.1): tcp_ecn_syn_rcvd (passive), tcp_ecn_syn_sent_rcv
 *     (active), tcp_ecn_out puts ECE/CWR on our SYN or SYN/ACK;
 *   - the sender (6.1.2): new data goes out ECT(0); an ECE reduces cwnd as a
 *     loss would (the congestion control's on_congestion) but resends
 *     nothing, once per window of data; CWR rides on the next new data;
 *   - the receiver (6.1.3): a CE puts ECE on everything we send until a CWR.
 * The stack's conf.ecn says what a handshake may do (enum tcp_ecn).
 */
#include "tcp/tcp_internal.h"


#define ECE_CWR (RTE_TCP_ECE_FLAG | RTE_TCP_CWR_FLAG)

/* A SYN opened sk (passive): an ECN-setup SYN carries ECE and CWR (6.1.1). */
void tcp_ecn_syn_rcvd(struct tcp_sock *sk, const struct tcp_seg *syn)
{
	if (sk->stack->conf.ecn == TCP_ECN_OFF || (syn->flags & ECE_CWR) != ECE_CWR)
		return;
	sk->ecn = TE_OK;        /* our SYN/ACK says yes with ECE alone */
	TCP_INC(sk->stack, TCP_MIB_ECN_NEGOTIATED);
}

/* A SYN/ACK (or a simultaneous open's SYN) in SYN_SENT: only an ECN-setup
 * SYN/ACK, ECE without CWR, answers our ECN-setup SYN (6.1.1). */
void tcp_ecn_syn_sent_rcv(struct tcp_sock *sk, const struct tcp_seg *seg)
{
	if (!(sk->ecn & TE_OK))
		return;
	if ((seg->flags & (RTE_TCP_ACK_FLAG | ECE_CWR)) != (RTE_TCP_ACK_FLAG | RTE_TCP_ECE_FLAG)) {
		sk->ecn = 0;
		return;
	}
	TCP_INC(sk->stack, TCP_MIB_ECN_NEGOTIATED);
}

/*
 * An acceptable segment on a synchronized connection, after its ACK field
 * was processed (snd_una was prior_una before). Without ECN negotiated its
 * ECE, CWR and CE mean nothing (6.1.1: a host that did not agree ignores them).
 */
void tcp_ecn_rcv(struct tcp_sock *sk, const struct tcp_seg *seg, uint64_t prior_una)
{
	struct tcp_stack *st = sk->stack;
	if (!(sk->ecn & TE_OK))
		return;
	/* 6.1.3: a CWR ends the echo; a CE (also on that segment) starts it again. */
	if (seg->flags & RTE_TCP_CWR_FLAG)
		sk->ecn &= ~TE_ECE;
	if (seg->ecn == IP_ECN_CE) {
		TCP_INC(st, TCP_MIB_ECN_CE_RX);
		if (!(sk->ecn & TE_ECE)) {
			/* The first mark of an episode is told at once (Linux's quick ACK). */
			sk->ecn |= TE_ECE;
			sk->flags |= TF_ACK_NOW;
			tcp_mark_dirty(sk);
		}
	}
	if (!(seg->flags & RTE_TCP_ECE_FLAG))
		return;
	TCP_INC(st, TCP_MIB_ECN_ECE_RX);
	/* The network signalled congestion: a loss episode's cut stands even if
	 * its retransmissions turn out spurious (Linux clears prior_ssthresh). */
	sk->undo_marker = 0;
	if (sk->snd_una > prior_una) {
		uint64_t acked = sk->snd_una - prior_una - (prior_una == 0 ? 1 : 0);   /* our SYN is not data */

		st->mib[TCP_MIB_DELIVERED_CE] += (acked + sk->mss - 1) / sk->mss;
	}
	/* 6.1.2: one reduction per window of data: an ACK of nothing sent after
	 * the last reduction echoes marks that reduction answered. A loss
	 * recovery under way reduced for this window. Either way: CWR. */
	if (sk->snd_una <= sk->ecn_high)
		return;
	sk->ecn_high = sk->snd_nxt;
	sk->ecn |= TE_CWR;
	if (sk->flags & (TF_RECOVERY | TF_LOSS))
		return;
	sk->cc_ops->on_congestion(sk);
	sk->cwnd = sk->ssthresh;        /* as a loss would, but nothing is resent */
}

/*
 * The ECN marks of a segment tcp_xmit is about to send (payload [pos, pos +
 * len)): ECE/CWR are added to *flags, the IPv4 ECN field is returned.
 */
uint8_t tcp_ecn_out(struct tcp_sock *sk, uint64_t pos, uint32_t len, uint8_t *flags)
{
	if (*flags & RTE_TCP_RST_FLAG)
		return 0;
	/* 6.1.1: SYNs and SYN/ACKs are never ECT. */
	if (*flags & RTE_TCP_SYN_FLAG) {
		if (*flags & RTE_TCP_ACK_FLAG) {
			if (sk->ecn & TE_OK)
				*flags |= RTE_TCP_ECE_FLAG;
		} else if (sk->state == TCP_SYN_SENT && sk->stack->conf.ecn == TCP_ECN_ON && sk->retries == 0) {
			/* 6.1.1.1: a resent SYN goes without ECE/CWR, in case a
			 * middlebox drops ECN-setup SYNs (Linux does the same);
			 * an ECN-setup SYN/ACK to the first one is still taken. */
			sk->ecn = TE_OK;
			*flags |= ECE_CWR;
		}
		return 0;
	}
	if (!(sk->ecn & TE_OK))
		return 0;
	if (sk->ecn & TE_ECE)
		*flags |= RTE_TCP_ECE_FLAG;
	/* 6.1.4 pure ACKs, 6.1.5 retransmissions, 6.1.6 window probes: not ECT. */
	if (len == 0 || pos < sk->snd_max)
		return 0;
	if (sk->ecn & TE_CWR) {
		sk->ecn &= ~TE_CWR;
		*flags |= RTE_TCP_CWR_FLAG;
		TCP_INC(sk->stack, TCP_MIB_ECN_CWR_TX);
	}
	return IP_ECN_ECT0;
}

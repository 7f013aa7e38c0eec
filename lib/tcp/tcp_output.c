/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment output: data within min(cwnd, peer window), FIN, ACKs, SYN and
 * SYN/ACK, RSTs. Payload is copied from the tx pipe into a fresh mbuf
 * behind the headers (one copy out; see docs/decisions.md).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "net/ipv6.h"
#include "net/net.h"
#include "tcp/tcp_internal.h"

#define TCPOPT_NOP 1

static uint32_t ts_now(const struct tcp_stack *st)
{
	return (uint32_t)(st->now_us / 1000);   /* RFC 7323 TSval clock: 1 ms */
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Window to put in the header: never shrink the right edge already offered. */
static uint16_t rcv_window(struct tcp_sock *sk, bool syn)
{
	uint64_t space = tcp_rcv_space(sk), edge;
	uint32_t w;

	if (syn)
		return (uint16_t)(space > 65535 ? 65535 : space);
	edge = sk->rcv.nxt + space;
	/* RFC 9293: the right edge offered never moves left. A ULP window (MPTCP)
	 * is relative to the data level (RFC 8684 3.3.4), whose edge never moves
	 * left by construction; holding the subflow-level edge would stretch it. */
	if (edge < sk->rcv_adv && !(sk->ulp && sk->ulp->rcv_space))
		edge = sk->rcv_adv;
	space = edge - sk->rcv.nxt;
	w = (uint32_t)(space >> sk->rcv_wscale);
	if (w > 65535)
		w = 65535;
	edge = sk->rcv.nxt + ((uint64_t)w << sk->rcv_wscale);
	if (edge > sk->rcv_adv)
		sk->rcv_adv = edge;
	return (uint16_t)w;
}

/* Options other than the ULP's: SYN set, or timestamps; SACK blocks appended later. */
static uint32_t base_options(struct tcp_sock *sk, uint8_t flags, uint8_t *o)
{
	struct tcp_stack *st = sk->stack;
	uint32_t n = 0;

	if (flags & RTE_TCP_SYN_FLAG) {
		bool synack = flags & RTE_TCP_ACK_FLAG;

		o[n++] = 2; o[n++] = 4;
		o[n++] = (uint8_t)(tcp_own_mss(st, sk->v6) >> 8); o[n++] = (uint8_t)tcp_own_mss(st, sk->v6);
		/* On a SYN/ACK offer only what the peer offered (RFC 7323, RFC 2018). */
		if (!synack || (sk->flags & TF_SACK_OK)) {
			o[n++] = 4; o[n++] = 2;
		} else {
			o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP;
		}
		if (!synack || (sk->flags & TF_TS_OK)) {
			o[n++] = 8; o[n++] = 10;
			/* A stateless SYN/ACK carries the options it agreed to in its TSval. */
			put32(o + n, synack && sk->ts_cookie ? sk->ts_cookie : ts_now(st)); n += 4;
			put32(o + n, sk->ts_recent); n += 4;
		}
		if (!synack || (sk->flags & TF_WS_OK)) {
			o[n++] = TCPOPT_NOP;
			o[n++] = 3; o[n++] = 3; o[n++] = sk->rcv_wscale;
		}
		return n;
	}
	if (sk->flags & TF_TS_OK) {
		o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP;
		o[n++] = 8; o[n++] = 10;
		put32(o + n, ts_now(st)); n += 4;
		put32(o + n, sk->ts_recent); n += 4;
	}
	return n;
}

uint32_t tcp_seg_payload(const struct tcp_sock *sk, uint32_t ulp_opt_len)
{
	/* As tcp_xmit: timestamps and the ULP's options, padded, out of the MSS (RFC 6691). */
	uint32_t olen = (((sk->flags & TF_TS_OK) ? 12u : 0u) + ulp_opt_len + 3) & ~3u;

	return sk->mss > olen ? sk->mss - olen : 1;
}

/*
 * RFC 2018 4: SACK blocks, the one holding the latest arrival first, then the
 * ones of the arrivals before it, then the rest in sequence order. RFC 2883 4:
 * a pending D-SACK block goes first, once; when the duplicate lies above the
 * cumulative ACK, the block holding it comes second.
 */
static uint32_t sack_options(struct tcp_sock *sk, uint8_t *o, uint32_t room)
{
	const struct seq_ranges *r = &sk->rcv;
	uint32_t dsack = tcp_dsack_pending(sk) ? 1 : 0;
	uint32_t nblk, n = 0;
	uint8_t order[SEQ_RANGES_MAX];
	bool used[SEQ_RANGES_MAX] = {false};
	uint8_t k = 0;

	if (!(sk->flags & TF_SACK_OK) || r->n + dsack == 0 || room < 12)
		return 0;
	nblk = (room - 4) / 8;
	if (nblk > r->n + dsack)
		nblk = r->n + dsack;
	for (uint8_t i = 0; dsack && nblk > 1 && i < r->n; i++)
		if (sk->dsack_start >= r->r[i].start && sk->dsack_start < r->r[i].end) {
			used[i] = true;
			order[k++] = i;
			break;
		}
	for (int h = 0; h < 3 && k < nblk - dsack; h++)
		for (uint8_t i = 0; i < r->n; i++)
			if (!used[i] && sk->sack_recent[h] >= r->r[i].start && sk->sack_recent[h] < r->r[i].end) {
				used[i] = true;
				order[k++] = i;
				break;
			}
	for (uint8_t i = 0; i < r->n && k < nblk - dsack; i++)
		if (!used[i])
			order[k++] = i;
	o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP;
	o[n++] = 5; o[n++] = (uint8_t)(2 + 8 * nblk);
	if (dsack) {
		put32(o + n, sk->irs + (uint32_t)sk->dsack_start); n += 4;
		put32(o + n, sk->irs + (uint32_t)sk->dsack_end); n += 4;
		sk->dsack_start = sk->dsack_end = 0;
	}
	for (uint32_t b = 0; b < k; b++) {
		put32(o + n, sk->irs + (uint32_t)r->r[order[b]].start); n += 4;
		put32(o + n, sk->irs + (uint32_t)r->r[order[b]].end); n += 4;
	}
	return n;
}

/*
 * Build and send one segment: flags, payload [pos, pos + len) from the tx
 * pipe. Returns the payload bytes sent, or -ENOMEM.
 */
static int tcp_xmit(struct tcp_sock *sk, uint64_t pos, uint32_t len, uint8_t flags)
{
	struct tcp_stack *st = sk->stack;
	uint8_t opt[TCP_HDR_MAX_OPT];
	uint32_t olen, ulen = 0, hlen, max_payload;
	uint32_t l3len = sk->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint8_t tos;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t *p;

	m = rte_pktmbuf_alloc(st->conf.pool);
	if (m == NULL) {
		TCP_INC(st, TCP_MIB_NO_MBUF);
		return -ENOMEM;
	}
	if (len && sk->ulp && sk->ulp->tx_seg_max) {
		uint32_t mx = sk->ulp->tx_seg_max(sk, pos);

		if (len > mx)
			len = mx;
	}
	olen = base_options(sk, flags, opt);
	if (sk->ulp && sk->ulp->tx_options)
		ulen = sk->ulp->tx_options(sk, flags, pos, len, opt + olen, TCP_HDR_MAX_OPT - olen);
	/* RFC 6691: options come out of the segment's payload allowance. A ULP
	 * option (a DSS mapping) describes the payload, so it is written again for
	 * the shorter length; SACK blocks only take what room is left. */
	max_payload = sk->mss > ((olen + ulen + 3) & ~3u) ? sk->mss - ((olen + ulen + 3) & ~3u) : 1;
	if (len > max_payload) {
		len = max_payload;
		if (ulen)
			ulen = sk->ulp->tx_options(sk, flags, pos, len, opt + olen, TCP_HDR_MAX_OPT - olen);
	}
	olen += ulen;
	if (!(flags & RTE_TCP_SYN_FLAG)) {
		uint32_t room = TCP_HDR_MAX_OPT - olen;

		if (sk->mss - len < olen + room)
			room = sk->mss - len > olen ? sk->mss - len - olen : 0;
		olen += sack_options(sk, opt + olen, room >= ((4 - olen % 4) % 4) ? room - ((4 - olen % 4) % 4) : 0);
	}
	while (olen % 4)
		opt[olen++] = TCPOPT_NOP;

	hlen = l3len + sizeof(*th) + olen;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		TCP_INC(st, TCP_MIB_NO_MBUF);
		return -ENOMEM;
	}
	th = (struct rte_tcp_hdr *)(p + l3len);
	memcpy(th + 1, opt, olen);
	if (len && sk->ulp && sk->ulp->tx_read)
		sk->ulp->tx_read(sk, pos, p + hlen, len);
	else if (len)
		tcp_pipe_read(sk->txp, (uint64_t)((int64_t)pos + sk->tx_off), p + hlen, len);

	tos = tcp_ecn_out(sk, pos, len, &flags);   /* before th->tcp_flags: ECE, CWR */
	if (sk->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(hlen - l3len + len));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, tcp_sk6(sk)->laddr6, 16);
		memcpy(ip6->dst_addr, tcp_sk6(sk)->raddr6, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->type_of_service = tos;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + len));
		ip->packet_id = rte_cpu_to_be_16(st->ip_id++);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(sk->laddr);
		ip->dst_addr = rte_cpu_to_be_32(sk->raddr);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}

	th->src_port = rte_cpu_to_be_16(sk->lport);
	th->dst_port = rte_cpu_to_be_16(sk->rport);
	th->sent_seq = rte_cpu_to_be_32(tcp_seq_of(sk, pos));
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(tcp_ack_of(sk)) : 0;
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(rcv_window(sk, flags & RTE_TCP_SYN_FLAG));
	th->cksum = 0;
	th->tcp_urp = 0;
	th->cksum = sk->v6 ? net_ip6_l4_cksum((const struct rte_ipv6_hdr *)p, IPPROTO_TCP, th, sizeof(*th) + olen + len)
			   : net_tcp_cksum((const struct rte_ipv4_hdr *)p, th, (uint16_t)(sizeof(*th) + olen + len));

	if (flags & RTE_TCP_ACK_FLAG) {
		sk->flags &= ~(TF_ACK_NOW | TF_DELACK);
		sk->unacked_segs = 0;
		sk->t_delack = 0;
	}
	if (pos < sk->snd_max && (len || (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG))))
		TCP_INC(st, TCP_MIB_RETRANS_SEGS);
	if (pos && (len || (flags & RTE_TCP_FIN_FLAG)) && !(flags & RTE_TCP_SYN_FLAG)) {
		tcp_rack_sent(sk, pos, pos + len + ((flags & RTE_TCP_FIN_FLAG) ? 1 : 0));
		tcp_prr_sent(sk, len ? len : 1);
	}
	if (len && sk->idle_ms)
		sk->t_idle = st->now_us + sk->idle_ms * 1000ull;   /* later than filed: the wheel re-files lazily */
	TCP_INC(st, TCP_MIB_OUT_SEGS);
	if (sk->v6)
		st->conf.output6(st->conf.output_arg, m, tcp_sk6(sk)->raddr6, sk->route);
	else
		st->conf.output(st->conf.output_arg, m, sk->raddr, sk->route);
	return (int)len;
}

int tcp_send_synack_stateless(struct tcp_sock *tmp)
{
	return tcp_xmit(tmp, 0, 0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) < 0 ? -ENOMEM : 0;
}

int tcp_send_syn(struct tcp_sock *sk, bool synack)
{
	uint8_t flags = RTE_TCP_SYN_FLAG | (synack ? RTE_TCP_ACK_FLAG : 0);
	int r;

	if (sk->snd_max == 0)
		sk->rtt_ts = sk->stack->now_us;
	r = tcp_xmit(sk, 0, 0, flags);

	if (sk->snd_nxt < 1)
		sk->snd_nxt = 1;
	if (sk->snd_max < 1)
		sk->snd_max = 1;
	if (sk->t_rto == 0)
		tcp_rto_arm(sk);
	return r < 0 ? r : 0;
}

void tcp_send_ack(struct tcp_sock *sk)
{
	if (sk->state == TCP_SYN_RCVD) {
		tcp_xmit(sk, 0, 0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		return;
	}
	tcp_xmit(sk, sk->snd_nxt, 0, RTE_TCP_ACK_FLAG);
	/* RFC 2883 4: a D-SACK is for the next ACK only, even one without room for it. */
	sk->dsack_start = sk->dsack_end = 0;
}

void tcp_send_rst(struct tcp_sock *sk)
{
	uint8_t flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;

	TCP_INC(sk->stack, TCP_MIB_OUT_RSTS);
	tcp_xmit(sk, sk->snd_nxt, 0, flags);
}

/* RFC 9293 3.10.7.1: the RST for a segment that belongs to no connection. */
void tcp_send_rst_for(struct tcp_stack *st, const struct tcp_seg *seg, void *route)
{
	const uint8_t *l3 = rte_pktmbuf_mtod(seg->m, const uint8_t *);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(l3 + seg->l4off);
	uint32_t l3len = seg->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct rte_tcp_hdr *oth;
	struct rte_mbuf *m;
	uint8_t flags = th->tcp_flags, *p;

	if (flags & RTE_TCP_RST_FLAG)
		return;
	m = rte_pktmbuf_alloc(st->conf.pool);
	if (m == NULL) {
		TCP_INC(st, TCP_MIB_NO_MBUF);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l3len + sizeof(*oth)));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, l3len + sizeof(*oth));
	oth = (struct rte_tcp_hdr *)(p + l3len);
	oth->src_port = th->dst_port;
	oth->dst_port = th->src_port;
	oth->data_off = 5 << 4;
	if (flags & RTE_TCP_ACK_FLAG) {
		oth->sent_seq = th->recv_ack;
		oth->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		uint32_t len = seg->len + ((flags & RTE_TCP_SYN_FLAG) ? 1 : 0) + ((flags & RTE_TCP_FIN_FLAG) ? 1 : 0);

		oth->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + len);
		oth->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	TCP_INC(st, TCP_MIB_OUT_RSTS);
	TCP_INC(st, TCP_MIB_OUT_SEGS);
	if (seg->v6) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;
		struct rte_ipv6_hdr *oip = (struct rte_ipv6_hdr *)p;

		oip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		oip->payload_len = rte_cpu_to_be_16(sizeof(*oth));
		oip->proto = IPPROTO_TCP;
		oip->hop_limits = 64;
		memcpy(oip->src_addr, ip->dst_addr, 16);
		memcpy(oip->dst_addr, ip->src_addr, 16);
		oth->cksum = net_ip6_l4_cksum(oip, IPPROTO_TCP, oth, sizeof(*oth));
		st->conf.output6(st->conf.output_arg, m, ip->src_addr, route);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
		struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)p;

		oip->version_ihl = 0x45;
		oip->total_length = rte_cpu_to_be_16(sizeof(*oip) + sizeof(*oth));
		oip->packet_id = rte_cpu_to_be_16(st->ip_id++);
		oip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		oip->time_to_live = 64;
		oip->next_proto_id = IPPROTO_TCP;
		oip->src_addr = ip->dst_addr;
		oip->dst_addr = ip->src_addr;
		oip->hdr_checksum = rte_ipv4_cksum(oip);
		oth->cksum = net_tcp_cksum(oip, oth, sizeof(*oth));
		st->conf.output(st->conf.output_arg, m, rte_be_to_cpu_32(ip->src_addr), route);
	}
}

/* Resend the first unacknowledged segment (fast retransmit, partial ACK). */
void tcp_retransmit_una(struct tcp_sock *sk)
{
	uint64_t end = tcp_tx_end(sk);

	if (sk->snd_una < end) {
		uint64_t len = end - sk->snd_una;

		tcp_xmit(sk, sk->snd_una, (uint32_t)(len > sk->mss ? sk->mss : len),
			 RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	} else if ((sk->flags & TF_FIN_SENT) && sk->snd_una == end) {
		tcp_xmit(sk, end, 0, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG);
	}
	sk->rtt_pos = 0;    /* Karn: no sample from a retransmitted range */
}

/* A data segment again (tail loss probe). */
int tcp_xmit_data(struct tcp_sock *sk, uint64_t pos, uint32_t len)
{
	return tcp_xmit(sk, pos, len, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
}

/* A segment one below snd_una: the peer must answer with an ACK and its window. */
void tcp_send_probe_seq(struct tcp_sock *sk)
{
	tcp_xmit(sk, sk->snd_una - 1, 0, RTE_TCP_ACK_FLAG);
}

/* Zero-window probe (RFC 9293 3.8.6.1). */
void tcp_send_probe(struct tcp_sock *sk)
{
	TCP_INC(sk->stack, TCP_MIB_WIN_PROBE);
	tcp_send_probe_seq(sk);
}

static void fin_sent(struct tcp_sock *sk)
{
	if (sk->flags & TF_FIN_SENT)
		return;
	sk->flags |= TF_FIN_SENT;
	if (sk->state == TCP_ESTABLISHED)
		tcp_set_state(sk, TCP_FIN_WAIT_1);
	else if (sk->state == TCP_CLOSE_WAIT)
		tcp_set_state(sk, TCP_LAST_ACK);
}

/*
 * RFC 7661: note whether cwnd limited this round's flight. A sender held
 * back by the peer's window, by its pipe or by the scheduler of a ULP must
 * not grow cwnd past anything it ever sent (an MPTCP scheduler would give a
 * subflow with an inflated cwnd far more than it can send).
 */
static void cwnd_validate(struct tcp_sock *sk)
{
	uint64_t flight = tcp_flight(sk);
	bool limited = flight + sk->mss > sk->cwnd;

	if (sk->snd_una >= sk->cwnd_round || (limited && !sk->cwnd_limited)) {
		sk->cwnd_limited = limited;
		sk->max_flight = (uint32_t)flight;
		sk->cwnd_round = sk->snd_nxt;
	} else if (flight > sk->max_flight) {
		sk->max_flight = (uint32_t)flight;
	}
}

void tcp_output(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;
	bool sent = false;

	switch (sk->state) {
	case TCP_ESTABLISHED: case TCP_CLOSE_WAIT: case TCP_FIN_WAIT_1: case TCP_CLOSING:
	case TCP_LAST_ACK: case TCP_FIN_WAIT_2: case TCP_TIME_WAIT:
		break;
	case TCP_SYN_RCVD:
		if (sk->flags & TF_ACK_NOW)
			tcp_send_ack(sk);
		return;
	default:
		return;
	}

	/* RFC 6675 NextSeg rule 1 with RACK's IsLost (RFC 8985): what is marked
	 * lost goes first, as far as the pipe allows; the first one of a recovery
	 * at once (RFC 6675 5 step 4.3). F-RTO's step 2b (RFC 5682) sends new
	 * data instead, once. */
	if ((sk->flags & TF_SACK_OK) && !(sk->rflags & TR_FRTO_NEW)) {
		uint64_t lpos, llen;

		while ((tcp_pipe(sk) + sk->mss <= sk->cwnd || (sk->flags & TF_RTX_FIRST)) &&
		       tcp_lost_next(sk, &lpos, &llen)) {
			uint64_t end = tcp_tx_end(sk);
			int n;

			sk->flags &= ~TF_RTX_FIRST;
			if (lpos >= end) {
				/* Only our FIN is lost. */
				if (!(sk->flags & TF_FIN_SENT) ||
				    tcp_xmit(sk, end, 0, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG) < 0)
					break;
				n = 1;
			} else {
				n = tcp_xmit(sk, lpos, (uint32_t)RTE_MIN(RTE_MIN(llen, (uint64_t)sk->mss), end - lpos),
					     RTE_TCP_ACK_FLAG);
				if (n <= 0)
					break;
			}
			tcp_lost_remove(sk, lpos, lpos + (uint64_t)n);
			if (sk->flags & TF_RECOVERY)
				TCP_INC(st, TCP_MIB_FAST_RETRANS);
			sent = true;
		}
	}

	for (;;) {
		uint64_t end = tcp_tx_end(sk);
		uint64_t wnd = sk->snd_wnd < sk->cwnd ? sk->snd_wnd : sk->cwnd;
		uint64_t limit = sk->snd_una + wnd;
		uint8_t flags = RTE_TCP_ACK_FLAG;
		int n;

		if ((sk->flags & TF_SACK_OK) &&
		    ((sk->flags & (TF_RECOVERY | TF_LOSS)) || sk->sacked.n || sk->lost.n)) {
			/* RFC 6675 NextSeg rule 2: new data once nothing lost waits, within
			 * the peer's window, while the pipe (not snd_una + cwnd) allows. */
			limit = sk->snd_una + sk->snd_wnd;
			if ((sk->lost.n && !(sk->rflags & TR_FRTO_NEW)) || tcp_pipe(sk) + sk->mss > sk->cwnd)
				limit = sk->snd_nxt;
		}
		if (sk->snd_nxt < sk->snd_max && sk->sacked.n) {
			/* Resending after an RTO: what the peer holds is not sent again. */
			uint64_t lim, nx = tcp_sack_skip(sk, sk->snd_nxt, &lim);

			if (nx > sk->snd_nxt) {
				sk->snd_nxt = nx < sk->snd_max ? nx : sk->snd_max;
				continue;
			}
			if (lim < limit)
				limit = lim;
		}
		if ((sk->txp || (sk->ulp && sk->ulp->tx_read)) && sk->snd_nxt < end && sk->snd_nxt < limit) {
			uint64_t len = end - sk->snd_nxt;

			if (len > limit - sk->snd_nxt)
				len = limit - sk->snd_nxt;
			if (len > sk->mss)
				len = sk->mss;
			/* RFC 9293 3.8.6.2.1 sender SWS avoidance: no runt segment just
			 * because the window is nearly full, while data is in flight. */
			if (sk->snd_nxt >= sk->snd_max && len < sk->mss && len < end - sk->snd_nxt &&
			    tcp_flight(sk) > 0 && len < sk->snd_wnd / 2)
				break;
			if (sk->snd_nxt + len == end)
				flags |= RTE_TCP_PSH_FLAG;
			n = tcp_xmit(sk, sk->snd_nxt, (uint32_t)len, flags);
			if (n <= 0)
				break;
			if (sk->rtt_pos == 0 && sk->snd_nxt >= sk->snd_max) {
				sk->rtt_pos = sk->snd_nxt + (uint64_t)n;
				sk->rtt_ts = st->now_us;
			}
			sk->snd_nxt += (uint64_t)n;
			if (sk->snd_nxt > sk->snd_max)
				sk->snd_max = sk->snd_nxt;
			if (sk->t_rto == 0)
				tcp_rto_arm(sk);
			sent = true;
			continue;
		}
		if ((sk->flags & TF_FIN_QUEUED) && sk->snd_nxt == end &&
		    (sk->state == TCP_ESTABLISHED || sk->state == TCP_CLOSE_WAIT ||
		     (sk->flags & TF_FIN_SENT))) {
			if (tcp_xmit(sk, end, 0, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG) < 0)
				break;
			fin_sent(sk);
			sk->snd_nxt = end + 1;
			if (sk->snd_nxt > sk->snd_max)
				sk->snd_max = sk->snd_nxt;
			if (sk->t_rto == 0)
				tcp_rto_arm(sk);
			sent = true;
		}
		break;
	}
	sk->rflags &= (uint8_t)~TR_FRTO_NEW;
	/* A D-SACK that no data segment had room for goes in an ACK of its own. */
	if ((!sent && (sk->flags & TF_ACK_NOW)) || tcp_dsack_pending(sk))
		tcp_send_ack(sk);
	if (sent)
		tcp_loss_timer_arm(sk);
	/* RFC 9293 3.8.6.1: a closed peer window with data waiting needs probes. */
	if (sk->snd_wnd == 0 && tcp_tx_end(sk) > sk->snd_nxt && tcp_flight(sk) == 0 &&
	    sk->t_persist == 0) {
		sk->t_persist = st->now_us + (sk->rto_us > TCP_PERSIST_MIN_US ? sk->rto_us : TCP_PERSIST_MIN_US);
		tcp_timer_update(sk);
	}
	cwnd_validate(sk);
	/* All of the pipe is out and the windows allow more: the pipe may be the limit. */
	if (sk->txp && !sk->ulp && !(sk->flags & (TF_FIN_QUEUED | TF_RECOVERY)) &&
	    (sk->state == TCP_ESTABLISHED || sk->state == TCP_CLOSE_WAIT) &&
	    sk->snd_nxt >= tcp_tx_end(sk) &&
	    tcp_flight(sk) + sk->mss <= (sk->snd_wnd < sk->cwnd ? sk->snd_wnd : sk->cwnd))
		tcp_txp_grow(sk, sk->srtt_us);
}

/*
 * The tx pipe is also the retransmission queue: a byte stays in it until the
 * peer acknowledged it, so the pipe caps the flight. Receive autotuning on
 * the writing side does not see that (its own peer, e.g. a server one LAN
 * hop away, delivers little per RTT because the pipe is full). Linux grows
 * sk_sndbuf to about twice the cwnd for the same reason (tcp_sndbuf_expand);
 * here the pipe doubles while it is the limit, once per RTT of the sender.
 */
void tcp_txp_grow(struct tcp_sock *sk, uint64_t rtt_us)
{
	struct tcp_pipe *p = sk->txp;
	uint64_t now = sk->stack->now_us;
	int r;

	if (p == NULL || p->cap >= p->max_cap || tcp_pipe_space(p) >= p->cap / 4 ||
	    (p->tx_grown_us && now - p->tx_grown_us < (rtt_us ? rtt_us : 1000)))
		return;
	p->tx_grown_us = now;
	r = tcp_pipe_grow(p, p->cap * 2);
	if (r == -ENOSPC)
		TCP_INC(sk->stack, TCP_MIB_RCVBUF_LIMITED);
	if (r != 0)
		return;
	TCP_INC(sk->stack, TCP_MIB_SNDBUF_GROWN);
	if (sk->ops && sk->ops->writable)
		sk->ops->writable(sk);
}

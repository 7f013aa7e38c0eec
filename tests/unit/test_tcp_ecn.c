/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ECN (RFC 3168) in lib/tcp, driven with crafted segments (seghelp.h): the
 * ECN-setup handshake both ways and per tcp.ecn, ECT(0) on new data only,
 * the receiver's ECE until CWR, the sender's reduction on ECE (once per
 * window, nothing resent, CWR on the next new data), and nothing of it on a
 * connection that did not agree.
 */
#include <string.h>

#include "seghelp.h"
#include "tcp/tcp_internal.h"

#define MIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define ECE RTE_TCP_ECE_FLAG
#define CWR RTE_TCP_CWR_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define ECT0 0x02
#define CE 0x03
#define MSS 1460

static void start(enum tcp_ecn mode, uint32_t syn_retries)
{
	struct tcp_stack_conf c = ut_conf();

	c.ecn = (uint8_t)mode;
	c.syn_retries = syn_retries;
	ut_start_listening(&c);
}

/* The IPv4 ECN field of captured segment i. */
static uint8_t ecn_of(unsigned int i)
{
	cr_assert_lt(i, ut_ncap);
	return rte_pktmbuf_mtod(ut_cap[i], const struct rte_ipv4_hdr *)->type_of_service & 3;
}

/* A client segment at seq carrying ecn in its IPv4 header. */
static void send_ip_ecn(uint32_t seq, uint8_t flags, const void *data, uint16_t len, uint8_t ecn)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = seq, .ack = ut_cl.rcv_nxt, .flags = flags, .wnd = ut_cl.wnd, .data = data, .len = len,
	};
	struct rte_mbuf *m = ut_build(&s);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	ip->type_of_service = ecn;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp_input(ut_st, m, NULL, ut_now);
	ut_poll();
}

/* The client's next MSS of data, with extra flags and an IPv4 ECN field. */
static void send_data(uint8_t extra, uint8_t ecn)
{
	static uint8_t buf[MSS];
	uint32_t seq = ut_cl.snd_nxt;

	ut_fill(buf, seq - ut_cl.isn - 1, MSS);
	ut_cl.snd_nxt += MSS;
	send_ip_ecn(seq, ACK | extra, buf, MSS, ecn);
}

/* The client acknowledges the stack's stream up to offset off (flags: ECE or not). */
static void ack_to(uint32_t off, uint8_t extra)
{
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + off;
	send_ip_ecn(ut_cl.snd_nxt, ACK | extra, NULL, 0, 0);
}

/* The client's SYN with extra flags (ECE | CWR: an ECN-setup SYN); returns the SYN/ACK. */
static struct ut_seg syn(uint8_t extra)
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg_spec s = ut_syn_spec(&o);
	struct ut_seg sa;

	s.flags |= extra;
	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_clear();
	ut_inject(&s);
	cr_assert_eq(ut_ncap, 1, "one SYN/ACK expected, %u sent", ut_ncap);
	sa = ut_last();
	cr_expect_eq(ecn_of(0), 0, "RFC 3168 6.1.1: a SYN/ACK is never ECT");
	ut_cl.peer_isn = sa.seq;
	ut_cl.rcv_nxt = sa.seq + 1;
	return sa;
}

static void establish(uint8_t extra)
{
	syn(extra);
	ut_now += 10000;
	ut_send(ACK, NULL, 0, NULL);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	ut_clear();
}

/*
 * Every captured segment: ECT(0) exactly on the first transmission of new
 * data (RFC 3168 6.1.2); retransmissions (6.1.5), pure ACKs (6.1.4) and
 * SYNs (6.1.1) not. Returns how many were ECT.
 */
static unsigned int check_ect(bool negotiated)
{
	uint32_t hi = ut_cl.peer_isn + 1;
	unsigned int n = 0;

	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		bool fresh = s.len > 0 && !(s.flags & SYN) && seq_geq(s.seq, hi);

		if (fresh)
			hi = s.seq + s.len;
		cr_expect_eq(ecn_of(i), fresh && negotiated ? ECT0 : 0, "segment %u (seq +%u, len %u): ECN field %u", i,
			     s.seq - ut_cl.peer_isn - 1, s.len, ecn_of(i));
		n += ecn_of(i) == ECT0;
	}
	return n;
}

UT_TEST(handshake, accept_answers_ecn_setup_syn,
	"RFC 3168 6.1.1: with tcp.ecn accept an ECN-setup SYN (ECE, CWR) gets an ECN-setup SYN/ACK (ECE alone), not ECT",
	ut_stop)
{
	struct ut_seg sa;

	start(TCP_ECN_ACCEPT, 0);
	sa = syn(ECE | CWR);
	cr_expect_eq(sa.flags, SYN | ACK | ECE, "SYN/ACK flags 0x%x", sa.flags);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 1);
}

UT_TEST(handshake, on_answers_ecn_setup_syn, "tcp.ecn on answers an ECN-setup SYN as accept does", ut_stop)
{
	start(TCP_ECN_ON, 0);
	cr_expect_eq(syn(ECE | CWR).flags, SYN | ACK | ECE);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 1);
}

UT_TEST(handshake, off_refuses, "RFC 3168 6.1.1: with tcp.ecn off an ECN-setup SYN gets a plain SYN/ACK", ut_stop)
{
	start(TCP_ECN_OFF, 0);
	cr_expect_eq(syn(ECE | CWR).flags, SYN | ACK);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 0);
}

UT_TEST(handshake, ece_alone_is_no_setup, "A SYN with ECE but without CWR is no ECN-setup SYN: plain SYN/ACK", ut_stop)
{
	start(TCP_ECN_ACCEPT, 0);
	cr_expect_eq(syn(ECE).flags, SYN | ACK);
	cr_expect_eq(syn(0).flags, SYN | ACK);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 0);
}

/* Active open: the stack's SYN, answered by the client with flags. */
static struct ut_seg connect_answered(uint8_t synack_flags)
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg s;

	ut_connect();
	cr_assert_eq(ut_ncap, 1);
	s = ut_last();
	ut_cl.peer_isn = s.seq;
	ut_cl.rcv_nxt = s.seq + 1;
	ut_cl.snd_nxt = ut_cl.isn;
	ut_now += 5000;
	ut_send(synack_flags, NULL, 0, &o);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	return s;
}

UT_TEST(handshake, on_requests_and_is_accepted,
	"RFC 3168 6.1.1: tcp.ecn on sends an ECN-setup SYN (ECE, CWR, not ECT); an ECN-setup SYN/ACK makes data ECT(0)",
	ut_stop)
{
	struct ut_seg s;

	start(TCP_ECN_ON, 0);
	s = connect_answered(SYN | ACK | ECE);
	cr_expect_eq(s.flags, SYN | ECE | CWR, "SYN flags 0x%x", s.flags);
	cr_expect_eq(ecn_of(0), 0, "the SYN is not ECT");
	cr_expect_eq(MIB(ECN_NEGOTIATED), 1);
	ut_clear();
	ut_queue_tx(2 * MSS);
	ut_poll();
	cr_expect_eq(check_ect(true), 2);
}

UT_TEST(handshake, accept_does_not_request, "tcp.ecn accept sends a plain SYN", ut_stop)
{
	start(TCP_ECN_ACCEPT, 0);
	cr_expect_eq(connect_answered(SYN | ACK | ECE).flags, SYN);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 0, "an ECE on a SYN/ACK we did not ask for means nothing");
	ut_clear();
	ut_queue_tx(MSS);
	ut_poll();
	cr_expect_eq(check_ect(false), 0);
}

UT_TEST(handshake, plain_or_both_bits_synack_refuses,
	"RFC 3168 6.1.1: a SYN/ACK without ECE, or with ECE and CWR, is no ECN-setup SYN/ACK: no ECN", ut_stop)
{
	start(TCP_ECN_ON, 0);
	connect_answered(SYN | ACK | ECE | CWR);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 0);
	ut_clear();
	ut_queue_tx(MSS);
	ut_poll();
	cr_expect_eq(check_ect(false), 0);
}

UT_TEST(handshake, resent_syn_is_plain,
	"RFC 3168 6.1.1.1: a resent SYN goes without ECE/CWR; an ECN-setup SYN/ACK to the first is still taken", ut_stop)
{
	struct ut_opts o = ut_std_opts();

	start(TCP_ECN_ON, 2);
	ut_connect();
	ut_advance(1000000);
	cr_assert_eq(ut_ncap, 2);
	cr_expect_eq(ut_seg(0).flags, SYN | ECE | CWR);
	cr_expect_eq(ut_seg(1).flags, SYN, "resent SYN flags 0x%x", ut_seg(1).flags);
	ut_cl.peer_isn = ut_seg(0).seq;
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1;
	ut_cl.snd_nxt = ut_cl.isn;
	ut_send(SYN | ACK | ECE, NULL, 0, &o);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(MIB(ECN_NEGOTIATED), 1);
}

UT_TEST(sender, ect_on_new_data_only,
	"RFC 3168 6.1.2, 6.1.4, 6.1.5: ECT(0) on new data; not on pure ACKs nor on retransmissions (RTO)", ut_stop)
{
	start(TCP_ECN_ACCEPT, 0);
	establish(ECE | CWR);
	ut_queue_tx(3 * MSS);
	ut_poll();
	cr_expect_eq(check_ect(true), 3);
	send_data(0, 0);            /* the client's data: our ACK is no ECT */
	send_data(0, 0);
	ut_advance(2000000);        /* nothing acknowledged: resent after the RTO */
	cr_expect_gt(MIB(RETRANS_SEGS), 0);
	cr_expect_eq(check_ect(true), 3, "only the three first transmissions are ECT");
	for (unsigned int i = 0; i < ut_ncap; i++)
		cr_expect_eq(ut_seg(i).flags & (ECE | CWR), 0, "segment %u flags 0x%x", i, ut_seg(i).flags);
}

UT_TEST(receiver, ce_echoed_until_cwr,
	"RFC 3168 6.1.3: a CE is answered at once with ECE, and ECE stays on every segment until the peer's CWR", ut_stop)
{
	uint32_t data_off;

	start(TCP_ECN_ACCEPT, 0);
	establish(ECE | CWR);
	send_data(0, CE);
	cr_expect_eq(MIB(ECN_CE_RX), 1);
	cr_assert_eq(ut_ncap, 1, "the first CE is acknowledged at once");
	cr_expect_eq(ut_last().flags, ACK | ECE);
	cr_expect_eq(ecn_of(0), 0, "a pure ACK is no ECT");
	ut_clear();
	send_data(0, ECT0);
	send_data(0, ECT0);         /* two segments: an ACK */
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, ACK | ECE, "still ECE without a CWR");
	ut_clear();
	data_off = (uint32_t)ut_txp.rx.nxt;
	ut_queue_tx(MSS);           /* our data carries ECE too */
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & ECE, ECE);
	cr_expect_eq(ecn_of(0), ECT0);
	ack_to(data_off + MSS, 0);
	ut_clear();
	send_data(CWR, ECT0);       /* the peer reduced: the echo ends */
	send_data(0, ECT0);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & ECE, 0, "no ECE after the CWR, flags 0x%x", ut_last().flags);
	ut_clear();
	send_data(CWR, CE);         /* a CE on a CWR segment starts a new episode */
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, ACK | ECE);
	cr_expect_eq(MIB(ECN_CE_RX), 2);
}

UT_TEST(sender, ece_reduces_once_per_window,
	"RFC 3168 6.1.2: an ECE halves as a loss would (on_congestion) without resending, once per window; "
	"CWR on the next new data segment only; the next window's ECE reduces again", ut_stop)
{
	struct tcp_sock *sk;
	uint32_t cwnd0, ss1, cwr_segs = 0;

	start(TCP_ECN_ACCEPT, 0);
	establish(ECE | CWR);
	sk = ut_ev.sk;
	ut_queue_tx(30 * MSS);
	ut_poll();
	cr_assert_eq(ut_ncap, 10, "initial window: 10 segments, %u sent", ut_ncap);
	cwnd0 = sk->cwnd;
	ack_to(MSS, ECE);
	cr_expect_eq(MIB(ECN_ECE_RX), 1);
	cr_expect_eq(MIB(DELIVERED_CE), 1);
	ss1 = sk->ssthresh;
	cr_expect_lt(ss1, cwnd0, "ssthresh %u from cwnd %u", ss1, cwnd0);
	cr_expect_leq(sk->cwnd, ss1, "cwnd %u down to ssthresh %u", sk->cwnd, ss1);
	for (uint32_t k = 2; k <= 10; k++)
		ack_to(k * MSS, ECE);   /* the same window: no further reduction */
	cr_expect_eq(sk->ssthresh, ss1, "ssthresh %u, want %u", sk->ssthresh, ss1);
	cr_expect_eq(MIB(ECN_ECE_RX), 10);
	cr_expect_eq(MIB(DELIVERED_CE), 10);
	cr_expect_eq(MIB(RETRANS_SEGS), 0, "an ECE resends nothing");
	cr_expect_eq(MIB(SACK_RECOVERY) + MIB(RENO_RECOVERY), 0);
	for (unsigned int i = 0; i < ut_ncap; i++)
		if (ut_seg(i).flags & CWR) {
			cwr_segs++;
			cr_expect_gt(ut_seg(i).len, 0, "CWR on a data segment");
			cr_expect_eq(ut_seg(i).seq, ut_cl.peer_isn + 1 + 10 * MSS, "CWR on the first new segment");
		}
	cr_expect_eq(cwr_segs, 1);
	cr_expect_eq(MIB(ECN_CWR_TX), 1);
	check_ect(true);
	/* Data sent after the reduction is acknowledged: a new window. */
	cr_assert_gt(ut_txp.rx.nxt, 0);
	ack_to((uint32_t)(ut_ev.sk->snd_max - 1), ECE);
	cr_expect_lt(sk->ssthresh, ss1, "a second window's ECE reduces again: ssthresh %u", sk->ssthresh);
	cr_expect_eq(MIB(ECN_CWR_TX), 2);
}

UT_TEST(sender, ece_in_recovery_only_cwr,
	"RFC 3168 6.1.2: an ECE while a loss recovery runs does not reduce again, but CWR still goes out", ut_stop)
{
	struct tcp_sock *sk;
	uint32_t ss;

	start(TCP_ECN_ACCEPT, 0);
	establish(ECE | CWR);
	sk = ut_ev.sk;
	ut_queue_tx(30 * MSS);
	ut_poll();
	sk->flags |= TF_RECOVERY;   /* as a recovery would have it, cwnd already reduced */
	sk->recover = sk->snd_max;
	ss = sk->ssthresh;
	ack_to(MSS, ECE);
	cr_expect_eq(sk->ssthresh, ss);
	cr_expect_eq(MIB(ECN_ECE_RX), 1);
	cr_expect(MIB(ECN_CWR_TX) == 1 || (sk->ecn & TE_CWR), "CWR sent or queued for the next new data");
}

UT_TEST(off, no_ecn_when_not_negotiated,
	"RFC 3168 6.1.1: on a connection that did not agree, no ECT; ECE and CE are ignored", ut_stop)
{
	struct tcp_sock *sk;

	start(TCP_ECN_ACCEPT, 0);
	establish(0);
	sk = ut_ev.sk;
	ut_queue_tx(10 * MSS);
	ut_poll();
	ack_to(MSS, ECE);
	ack_to(2 * MSS, ECE);
	cr_expect_eq(sk->ssthresh, UINT32_MAX, "ssthresh %u: no reduction", sk->ssthresh);
	send_data(0, CE);
	send_data(CWR, CE);
	check_ect(false);
	for (unsigned int i = 0; i < ut_ncap; i++)
		cr_expect_eq(ut_seg(i).flags & (ECE | CWR), 0, "segment %u flags 0x%x", i, ut_seg(i).flags);
	cr_expect_eq(MIB(ECN_ECE_RX) + MIB(ECN_CE_RX) + MIB(ECN_CWR_TX) + MIB(DELIVERED_CE) + MIB(ECN_NEGOTIATED), 0);
}

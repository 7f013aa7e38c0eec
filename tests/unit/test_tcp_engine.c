/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp driven with crafted segments: a scripted client (seghelp.h) talks
 * to the stack, every segment the stack sends is captured and checked, and
 * time only moves when the test says so. Each test ends by freeing the
 * stack and checking that no mbuf leaked.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "seghelp.h"

#define MIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define DELACK_US 40000

static int64_t force_iss = -1;   /* >= 0: the ISS our side uses (wrap tests) */

static int accept_plain(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	(void)arg;
	(void)syn;
	ut_adopt(sk);
	if (force_iss >= 0)
		sk->iss = (uint32_t)force_iss;
	return 0;
}

static void setup_passive(void)
{
	ut_start(NULL);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
}

static void setup_active(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.syn_retries = 2;
	ut_start(&c);
}

TestSuite(passive, .init = setup_passive);
TestSuite(rx, .init = setup_passive);
TestSuite(closing, .init = setup_passive);
TestSuite(tx, .init = setup_passive);
TestSuite(errors, .init = setup_passive);
TestSuite(active, .init = setup_active);

#define ENGINE_TEST(suite, name, desc) UT_TEST(suite, name, desc, ut_stop)

/* tcp_parse_options (pure) */

Test(options, syn_options,
     .description = "MSS, WS, SACK-permitted and TS of a SYN; RFC 9293 3.7.1 / RFC 7323 2.2: only TS later")
{
	const uint8_t p[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 3};
	struct tcp_seg_opts o;

	cr_assert_eq(tcp_parse_options(p, sizeof(p), true, &o), 0);
	cr_expect_eq(o.mss, 1460);
	cr_expect_eq(o.wscale, 7);
	cr_expect(o.sack_ok);
	cr_expect(o.ts);
	cr_expect_eq(o.tsval, 9);
	cr_expect_eq(o.tsecr, 3);
	cr_expect_eq(o.n_sack + o.n_mptcp, 0);
	cr_assert_eq(tcp_parse_options(p, sizeof(p), false, &o), 0);
	cr_expect_eq(o.mss, 0, "MSS outside a SYN");
	cr_expect_eq(o.wscale, -1, "WS outside a SYN");
	cr_expect_not(o.sack_ok, "SACK-permitted outside a SYN");
	cr_expect(o.ts, "timestamps are in every segment");
}

Test(options, sack_blocks, .description = "RFC 2018 3: SACK blocks are read in order, at most four")
{
	const uint8_t two[] = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5};
	uint8_t four[36] = {1, 1, 5, 34};
	struct tcp_seg_opts o;

	cr_assert_eq(tcp_parse_options(two, sizeof(two), false, &o), 0);
	cr_assert_eq(o.n_sack, 2);
	cr_expect_eq(o.sack[0][0], 10);
	cr_expect_eq(o.sack[0][1], 20);
	cr_expect_eq(o.sack[1][0], 0xfffffff0u);
	cr_expect_eq(o.sack[1][1], 5);
	for (int b = 0; b < 4; b++) {
		ut_put32(four + 4 + 8 * b, 100u * (uint32_t)b);
		ut_put32(four + 8 + 8 * b, 100u * (uint32_t)b + 50);
	}
	cr_assert_eq(tcp_parse_options(four, sizeof(four), false, &o), 0);
	cr_assert_eq(o.n_sack, 4);
	cr_expect_eq(o.sack[3][0], 300);
	cr_expect_eq(o.sack[3][1], 350);
}

Test(options, mptcp_options_pointed_at, .description = "MPTCP options (kind 30) are handed on as pointers")
{
	const uint8_t p[] = {30, 4, 0x01, 0x01, 1, 30, 3, 0x20, 1, 1, 1, 1};
	struct tcp_seg_opts o;

	cr_assert_eq(tcp_parse_options(p, sizeof(p), true, &o), 0);
	cr_assert_eq(o.n_mptcp, 2);
	cr_expect_eq(o.mptcp[0], p);
	cr_expect_eq(o.mptcp_len[0], 4);
	cr_expect_eq(o.mptcp[1], p + 5);
	cr_expect_eq(o.mptcp_len[1], 3);
}

Test(options, nop_eol_and_unknown_kinds,
     .description = "RFC 9293 3.1: NOPs are skipped, EOL ends the list, unknown kinds are skipped by length")
{
	const uint8_t p[] = {1, 1, 1, 2, 4, 0x02, 0x18, 0, 4, 2, 3, 3, 9};
	const uint8_t q[] = {99, 6, 2, 4, 0x05, 0xb4, 4, 2};
	struct tcp_seg_opts o;

	cr_assert_eq(tcp_parse_options(p, sizeof(p), true, &o), 0);
	cr_expect_eq(o.mss, 536);
	cr_expect_not(o.sack_ok, "after EOL");
	cr_expect_eq(o.wscale, -1, "after EOL");
	cr_assert_eq(tcp_parse_options(q, sizeof(q), true, &o), 0);
	cr_expect_eq(o.mss, 0, "the bytes inside the unknown option are not an MSS option");
	cr_expect(o.sack_ok);
}

Test(options, bad_lengths, .description = "An option running past the header, or of length 0 or 1, is -EINVAL")
{
	const uint8_t past[] = {1, 8, 10, 0, 0, 0, 1};
	const uint8_t no_len[] = {1, 1, 1, 2};
	const uint8_t zero[] = {99, 0, 1, 1};
	const uint8_t one[] = {2, 1, 1, 1};
	struct tcp_seg_opts o;

	cr_expect_eq(tcp_parse_options(past, sizeof(past), false, &o), -EINVAL, "past the end");
	cr_expect_eq(tcp_parse_options(no_len, sizeof(no_len), true, &o), -EINVAL, "no length byte");
	cr_expect_eq(tcp_parse_options(zero, sizeof(zero), true, &o), -EINVAL, "length 0");
	cr_expect_eq(tcp_parse_options(one, sizeof(one), true, &o), -EINVAL, "length 1");
}

Test(options, window_scale_absent_or_clamped,
     .description = "No WS option: -1; RFC 7323 2.3: a shift above 14 is used as 14")
{
	const uint8_t p[] = {3, 3, 15, 1};
	struct tcp_seg_opts o;

	cr_assert_eq(tcp_parse_options(NULL, 0, true, &o), 0);
	cr_expect_eq(o.wscale, -1);
	cr_expect_eq(o.mss, 0);
	cr_assert_eq(tcp_parse_options(p, sizeof(p), true, &o), 0);
	cr_expect_eq(o.wscale, 14);
}

/* Passive open (RFC 9293 3.5) */

ENGINE_TEST(passive, synack_echoes_offered_options,
	    "SYN with MSS, SACK-permitted, TS and WS -> SYN/ACK with all four, TS echoed; SYN_RCVD")
{
	struct ut_opts o = {0};
	const uint8_t *p;
	uint8_t len;
	struct ut_seg sa;

	ut_opt_mss(&o, 1400);
	ut_opt_sackok(&o);
	ut_opt_ts(&o, 5000, 0);
	ut_opt_ws(&o, 7);
	sa = ut_syn(&o);
	cr_expect_eq(sa.ack, ut_cl.isn + 1);
	cr_expect_eq(sa.sport, UT_SPORT);
	cr_expect_eq(sa.dport, UT_CPORT);
	cr_expect_eq(sa.saddr, UT_SADDR);
	cr_expect_eq(sa.daddr, UT_CADDR);
	cr_expect_eq(sa.wnd, 65535, "RFC 7323 2.2: the SYN/ACK window is not scaled");
	p = ut_find_opt(&sa, 2, &len);
	cr_assert_not_null(p, "MSS");
	cr_expect_eq(len, 4);
	cr_expect_eq(p[2] << 8 | p[3], 1460, "our MSS, not the peer's");
	cr_expect_not_null(ut_find_opt(&sa, 4, NULL), "SACK permitted");
	p = ut_find_opt(&sa, 8, &len);
	cr_assert_not_null(p, "timestamps");
	cr_expect_eq(ut_get32(p + 6), 5000, "TSecr echoes the SYN's TSval");
	p = ut_find_opt(&sa, 3, &len);
	cr_assert_not_null(p, "window scale");
	cr_expect_eq(len, 3);
	cr_expect_eq(p[2], 1, "shift for a 64 KiB buffer");
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	cr_expect_eq(ut_ev.established, 0);
	cr_expect_eq(ut_ev.sk->mss, 1400, "send MSS is the smaller of the two");
}

ENGINE_TEST(passive, synack_without_unoffered_options,
	    "SYN without options -> SYN/ACK with MSS only: no WS, TS or SACK-permitted (RFC 7323 1.3)")
{
	struct ut_seg sa = ut_syn(NULL);

	cr_expect_not_null(ut_find_opt(&sa, 2, NULL), "MSS is always sent");
	cr_expect_null(ut_find_opt(&sa, 3, NULL), "window scale not offered by the peer");
	cr_expect_null(ut_find_opt(&sa, 8, NULL), "timestamps not offered by the peer");
	cr_expect_null(ut_find_opt(&sa, 4, NULL), "SACK not offered by the peer");
	cr_expect_eq(ut_ev.sk->mss, 536, "RFC 9293 3.7.1: no MSS option means 536");
}

ENGINE_TEST(passive, third_ack_establishes, "The third ACK -> ESTABLISHED and the established callback")
{
	struct ut_opts o = ut_std_opts();

	ut_syn(&o);
	ut_clear();
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.established, 1);
	cr_expect_eq(MIB(PASSIVE_OPENS), 1);
	cr_expect_eq(ut_ncap, 0, "nothing to say to a pure ACK");
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
}

ENGINE_TEST(passive, bad_third_ack_gets_rst,
	    "RFC 9293 3.10.7.4: an ACK in SYN_RCVD that acks the wrong thing gets <SEQ=SEG.ACK><CTL=RST>")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg r;

	ut_syn(&o);
	ut_clear();
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1000;
	ut_send(ACK, NULL, 0, NULL);
	cr_assert_eq(ut_ncap, 1);
	r = ut_last();
	cr_expect_eq(r.flags & RST, RST);
	cr_expect_eq(r.seq, ut_cl.peer_isn + 1000);
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	cr_expect_eq(ut_ev.established, 0);
}

/* Receiving */

ENGINE_TEST(rx, in_order_data_and_delayed_ack,
	    "In-order data lands in the rx pipe; one segment is ACKed by the 40 ms delayed-ACK timer")
{
	struct ut_seg a;

	ut_establish(65535);
	ut_send_data_at(0, 1000, PSH);
	ut_expect_rx(0, 1000);
	cr_expect_eq(ut_ev.readable, 1);
	cr_expect_eq(ut_ncap, 0, "no ACK for a single segment right away");
	ut_advance(39000);
	cr_expect_eq(ut_ncap, 0, "no ACK before 40 ms");
	ut_advance(1000);
	a = ut_one_ack(ut_cl.isn + 1001, "delayed ACK");
	cr_expect_eq((uint32_t)a.wnd << 1, 65536 - 1000, "window = free pipe space, shift 1");
	cr_expect_eq(MIB(DELAYED_ACKS), 1);
}

ENGINE_TEST(rx, ack_every_second_segment, "RFC 9293 3.8.6.3: the second full segment is ACKed at once")
{
	ut_establish(65535);
	ut_send_data_at(0, 1460, 0);
	cr_expect_eq(ut_ncap, 0);
	ut_send_data_at(1460, 1460, 0);
	ut_one_ack(ut_cl.isn + 1 + 2920, "ACK of two segments");
	cr_expect_eq(MIB(DELAYED_ACKS), 0);
	ut_expect_rx(0, 2920);
}

ENGINE_TEST(rx, out_of_order_dup_ack_with_sack_then_fill,
	    "RFC 5681 4.2 / RFC 2018: out-of-order data -> immediate dup ACK with SACK; filling the hole -> "
	    "immediate cumulative ACK")
{
	struct ut_seg a;
	const uint8_t *sack;
	uint8_t len;

	ut_establish(65535);
	ut_send_data_at(500, 500, 0);
	a = ut_one_ack(ut_cl.isn + 1, "immediate duplicate ACK");
	sack = ut_find_opt(&a, 5, &len);
	cr_assert_not_null(sack, "SACK block for the held range");
	cr_expect_eq(len, 10);
	cr_expect_eq(ut_get32(sack + 2), ut_cl.isn + 501);
	cr_expect_eq(ut_get32(sack + 6), ut_cl.isn + 1001);
	cr_expect_eq(MIB(OFO_QUEUE), 1);
	cr_expect_eq(ut_rxp.rx.nxt, 0, "held, not readable");
	cr_expect_eq(ut_ev.readable, 0);

	ut_clear();
	ut_send_data_at(0, 500, 0);
	ut_expect_rx(0, 1000);
	cr_expect_eq(ut_ev.readable, 1);
	cr_expect_eq(ut_ncap, 1, "RFC 5681 4.2: a segment that fills a hole SHOULD be ACKed at once");
	if (ut_ncap == 0)
		ut_advance(DELACK_US);
	cr_assert_geq(ut_ncap, 1);
	a = ut_last();
	ut_expect_pure_ack(&a, ut_cl.isn + 1001, "cumulative ACK");
	cr_expect_null(ut_find_opt(&a, 5, NULL), "no SACK once the hole is filled");
}

ENGINE_TEST(rx, no_ring_within_the_budget_drops_and_acks,
	    "An in-window segment whose pipe cannot have its ring within the memory budget is dropped (TCPRcvQDrop), the ACK repeats rcv.nxt; once there is room the resend is taken")
{
	static struct tcp_pipe_mem mem;                  /* outlives the test: the pipe is freed in the teardown */

	mem = (struct tcp_pipe_mem){.budget = 1024};     /* less than the pipe's ring */
	ut_establish(65535);
	ut_rxp.mem = &mem;                          /* no byte yet: the ring comes with the first */
	ut_send_data_at(0, 1000, PSH);
	cr_expect_eq(MIB(RCVQ_DROP), 1);
	cr_expect_eq(MIB(OFO_DROP), 0, "not an out-of-order drop");
	cr_expect_eq(mem.refused, 1);
	cr_expect_eq(ut_rxp.rx.nxt, 0, "nothing stored");
	ut_one_ack(ut_cl.isn + 1, "ACK of what we have");
	ut_clear();
	mem.budget = 0;                             /* pressure gone */
	ut_send_data_at(0, 1000, PSH);
	ut_expect_rx(0, 1000);
	cr_expect_eq(MIB(RCVQ_DROP), 1);
	ut_rxp.mem = NULL;
}

ENGINE_TEST(rx, outside_the_window, "RFC 9293 3.10.7.4: a segment beyond the window gets an ACK, no data stored")
{
	ut_establish(65535);
	ut_send_data_at(70000, 100, 0);
	ut_one_ack(ut_cl.isn + 1, "ACK of an unacceptable segment");
	cr_expect_eq(MIB(OUT_OF_WINDOW), 1);
	cr_expect_eq(ut_rxp.rx.nxt, 0);
	cr_expect_eq(ut_rxp.rx.n, 0, "nothing held out of order");
	cr_expect_eq(ut_ev.readable, 0);
}

ENGINE_TEST(rx, window_reopens_when_the_reader_frees_space,
	    "A full rx pipe advertises a zero window; freeing a quarter of it sends a window update")
{
	struct ut_seg a;

	ut_establish(65535);
	for (uint32_t off = 0; off < 65536; off += 1024)
		ut_send_data_at(off, 1024, 0);
	ut_expect_rx(0, 65536);
	a = ut_last();
	cr_expect_eq(a.wnd, 0, "the pipe is full");
	ut_send_data_at(65536, 100, 0);
	cr_expect_eq(ut_rxp.rx.nxt, 65536, "nothing beyond the window is stored");
	ut_clear();
	tcp_pipe_consume(&ut_rxp, 20000);
	tcp_rx_space_freed(ut_ev.sk);
	ut_poll();
	a = ut_one_ack(ut_cl.isn + 1 + 65536, "window update");
	cr_expect_eq((uint32_t)a.wnd << 1, 20000);
}

ENGINE_TEST(rx, rst_exact_sequence_resets, "RFC 5961 3.2: a RST at exactly RCV.NXT closes with -ECONNRESET")
{
	ut_establish(65535);
	ut_send(RST, NULL, 0, NULL);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_expect_eq(MIB(ESTAB_RESETS), 1);
	cr_expect_eq(ut_ncap, 0, "a RST is never answered");
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(rx, rst_in_window_gets_challenge_ack,
	    "RFC 5961 3.2: a RST in the window but not at RCV.NXT gets a challenge ACK and changes nothing")
{
	ut_establish(65535);
	ut_send_seq(ut_cl.snd_nxt + 100, RST, NULL, 0, NULL);
	ut_one_ack(ut_cl.isn + 1, "challenge ACK");
	cr_expect_eq(MIB(CHALLENGE_ACK), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.closed, 0);
}

ENGINE_TEST(rx, syn_in_established_gets_challenge_ack,
	    "RFC 5961 4.2: a SYN on an established connection gets a challenge ACK")
{
	ut_establish(65535);
	ut_send_seq(ut_cl.snd_nxt, SYN, NULL, 0, NULL);
	ut_one_ack(ut_cl.isn + 1, "challenge ACK");
	cr_expect_eq(MIB(CHALLENGE_ACK), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(MIB(PASSIVE_OPENS), 1, "no new connection");
}

/* Closing (RFC 9293 3.6) */

ENGINE_TEST(closing, fin_to_close_wait, "A FIN -> CLOSE_WAIT, peer_fin callback, the FIN ACKed at once")
{
	ut_establish(65535);
	ut_send_data_at(0, 100, 0);
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_CLOSE_WAIT);
	cr_expect_eq(ut_ev.peer_fin, 1);
	ut_one_ack(ut_cl.isn + 1 + 100 + 1, "ACK of the FIN");
	ut_expect_rx(0, 100);
}

ENGINE_TEST(closing, fin_out_of_order_waits,
	    "RFC 9293 3.10.7.4: a FIN that arrives before the data in front of it takes effect after that data")
{
	ut_establish(65535);
	ut_send_data_at(500, 500, FIN);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.peer_fin, 0);
	ut_clear();
	ut_send_data_at(0, 500, 0);
	ut_expect_rx(0, 1000);
	cr_expect_eq(ut_state(), TCP_CLOSE_WAIT);
	cr_expect_eq(ut_ev.peer_fin, 1);
	ut_one_ack(ut_cl.isn + 1 + 1000 + 1, "ACK of the data and the FIN");
}

ENGINE_TEST(closing, passive_close, "shutdown in CLOSE_WAIT sends FIN (LAST_ACK); its ACK -> closed(0)")
{
	struct ut_seg f;

	ut_establish(65535);
	ut_send(FIN | ACK, NULL, 0, NULL);
	ut_clear();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	f = ut_last();
	cr_expect_eq(f.flags, FIN | ACK);
	cr_expect_eq(f.seq, ut_cl.peer_isn + 1);
	cr_expect_eq(f.ack, ut_cl.isn + 2);
	cr_expect_eq(ut_state(), TCP_LAST_ACK);
	ut_ack_upto(1 + 0);    /* the FIN takes one number after 0 bytes of data */
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(closing, active_close_through_time_wait,
	    "shutdown: FIN_WAIT_1 -> (ACK) FIN_WAIT_2 -> (FIN) TIME_WAIT: closed(0) to the owner at once, the socket gone after the timewait")
{
	struct ut_seg a;

	ut_establish(65535);
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, FIN | ACK);
	cr_expect_eq(ut_state(), TCP_FIN_WAIT_1);
	ut_ack_upto(1);
	cr_expect_eq(ut_state(), TCP_FIN_WAIT_2);
	ut_clear();
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
	cr_expect_eq(ut_ev.peer_fin, 1);
	a = ut_one_ack(ut_cl.isn + 2, "ACK of the peer's FIN");
	cr_expect_eq(a.seq, ut_cl.peer_isn + 2);
	cr_expect_eq(ut_ev.closed, 1, "the owner is done: told at TIME_WAIT");
	cr_expect_eq(ut_ev.closed_err, 0);
	cr_expect_null(ut_ev.sk->ops, "the socket lingers without its owner");
	cr_expect_null(ut_ev.sk->rxp);
	cr_expect_null(ut_ev.sk->txp);
	ut_advance(55000);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "still in TIME_WAIT before 60 ms");
	ut_advance(10000);
	cr_expect_eq(ut_ev.closed, 1, "no second closed()");
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	ut_ev.sk = NULL;
}

/* Active open */

ENGINE_TEST(active, connect_sends_syn_synack_establishes,
	    "tcp_connect sends a SYN with our options; the SYN/ACK -> ESTABLISHED and an ACK")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg s;

	ut_connect();
	cr_assert_eq(ut_ncap, 1);
	s = ut_last();
	cr_expect_eq(s.flags, SYN);
	cr_expect_eq(s.dport, UT_CPORT);
	cr_expect_not_null(ut_find_opt(&s, 2, NULL), "MSS");
	cr_expect_not_null(ut_find_opt(&s, 4, NULL), "SACK permitted");
	cr_expect_not_null(ut_find_opt(&s, 8, NULL), "timestamps");
	cr_expect_not_null(ut_find_opt(&s, 3, NULL), "window scale");
	cr_expect_eq(ut_state(), TCP_SYN_SENT);
	cr_expect_eq(MIB(ACTIVE_OPENS), 1);
	ut_cl.peer_isn = s.seq;
	ut_cl.rcv_nxt = s.seq + 1;
	ut_cl.snd_nxt = ut_cl.isn;
	ut_clear();
	ut_now += 5000;
	ut_send(SYN | ACK, NULL, 0, &o);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.established, 1);
	s = ut_one_ack(ut_cl.isn + 1, "ACK of the SYN/ACK");
	cr_expect_eq(s.seq, ut_cl.peer_isn + 1);
}

ENGINE_TEST(active, rst_ack_refuses, "RST/ACK to our SYN -> closed(-ECONNREFUSED), AttemptFails")
{
	ut_connect();
	ut_cl.rcv_nxt = ut_last().seq + 1;
	ut_clear();
	ut_send_seq(0, RST | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNREFUSED);
	cr_expect_eq(MIB(ATTEMPT_FAILS), 1);
	cr_expect_eq(ut_ncap, 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(active, syn_backoff_and_abort,
	    "RFC 6298 5.5: SYNs at 0, 1 s, 3 s; with syn_retries 2 the connect fails at 7 s (-ETIMEDOUT)")
{
	uint64_t t0 = ut_now;

	ut_connect();
	ut_advance(999000);
	cr_expect_eq(ut_ncap, 1, "no retransmission before 1 s");
	ut_advance(1000);
	cr_assert_eq(ut_ncap, 2);
	ut_advance(2000000);
	cr_assert_eq(ut_ncap, 3);
	for (unsigned int i = 0; i < 3; i++) {
		cr_expect_eq(ut_seg(i).flags, SYN);
		cr_expect_eq(ut_seg(i).seq, ut_seg(0).seq, "same ISN");
	}
	cr_expect_eq(ut_seg(1).t - t0, 1000000, "second SYN after the initial RTO");
	cr_expect_eq(ut_seg(2).t - t0, 3000000, "third SYN after a doubled RTO");
	cr_expect_eq(MIB(RETRANS_SEGS), 2);
	cr_expect_eq(MIB(TIMEOUTS), 2);
	ut_advance(3999000);
	cr_expect_eq(ut_ev.closed, 0, "the last wait is 4 s");
	ut_advance(1000);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(MIB(ATTEMPT_FAILS), 1);
	cr_expect_eq(ut_ncap, 3, "no fourth SYN");
}

/* Sending */

ENGINE_TEST(tx, respects_the_peer_window,
	    "RFC 9293 3.8.6: no more than the peer's window is in flight; an ACK opens room")
{
	ut_establish(750);     /* 3000 bytes with shift 2 */
	ut_queue_tx(10000);
	ut_poll();
	cr_assert_eq(ut_ncap, 2, "two full segments fit in 3000 bytes (no runt, RFC 9293 3.8.6.2.1)");
	ut_expect_tx(0, 0, 1460);
	ut_expect_tx(1, 1460, 1460);
	ut_clear();
	ut_ack_upto(1460);
	cr_assert_eq(ut_ncap, 1, "1460 acked: room for one more segment");
	ut_expect_tx(0, 2920, 1460);
}

ENGINE_TEST(tx, initial_window_then_slow_start,
	    "RFC 6928: 10 segments before the first ACK; RFC 5681 3.1: an ACK of 2 segments opens 4 more")
{
	struct ut_seg s;

	ut_establish(65535);
	ut_queue_tx(30000);
	ut_poll();
	cr_assert_eq(ut_ncap, 10, "initial cwnd of 10 segments");
	for (unsigned int i = 0; i < 10; i++) {
		s = ut_expect_tx(i, 1460 * i, 1460);
		cr_expect_eq(s.flags & ACK, ACK);
	}
	ut_clear();
	ut_ack_upto(2920);
	cr_assert_eq(ut_ncap, 4, "cwnd 10 + 2 segments, 8 still in flight");
	for (unsigned int i = 0; i < 4; i++)
		ut_expect_tx(i, 14600 + 1460 * i, 1460);
	cr_expect_eq(MIB(RETRANS_SEGS), 0);
}

ENGINE_TEST(tx, window_limited_flight_keeps_cwnd,
	    "RFC 7661: ACKs of flights that the peer's window, not cwnd, limited grow cwnd no further than twice the flight")
{
	ut_establish(2190);                 /* scaled by 4: 8760 bytes, 6 segments */
	ut_queue_tx(60000);
	ut_poll();
	cr_assert_eq(ut_ncap, 6, "the peer's window: 6 segments of the initial 10");
	for (uint32_t r = 1; r <= 5; r++) {
		ut_clear();
		ut_ack_upto(8760 * r);
		cr_assert_eq(ut_ncap, 6, "round %u: the window again", r);
	}
	/* In slow start cwnd may reach twice the largest flight (as Linux), no more:
	 * without validation each of these ACKs would have added 2 segments (29200). */
	cr_expect_leq(ut_ev.sk->cwnd, 2 * 8760u, "cwnd %u: at most twice the window", ut_ev.sk->cwnd);
}

ENGINE_TEST(tx, rto_retransmits_first_unacked,
	    "RFC 6298 5.4-5.5: on RTO the first unacked segment is resent and the RTO doubles")
{
	struct ut_opts o = {0};

	/* A peer without SACK: no RACK-TLP (RFC 8985 needs SACK), the RTO alone recovers. */
	ut_opt_mss(&o, 1460);
	ut_opt_ws(&o, 2);
	ut_establish_with(&o, 65535);
	ut_queue_tx(14600);
	ut_poll();
	cr_assert_eq(ut_ncap, 10);
	ut_clear();
	ut_advance(199000);
	cr_expect_eq(ut_ncap, 0, "RTO is 200 ms (RTO_MIN) after a 10 ms handshake");
	ut_advance(1000);
	cr_assert_eq(ut_ncap, 1, "one segment (loss window, RFC 5681 3.1)");
	ut_expect_tx(0, 0, 1460);
	cr_expect_eq(MIB(RETRANS_SEGS), 1);
	cr_expect_eq(MIB(TIMEOUTS), 1);
	ut_advance(399000);
	cr_expect_eq(ut_ncap, 1, "backed-off RTO is 400 ms");
	ut_advance(1000);
	cr_assert_eq(ut_ncap, 2);
	ut_expect_tx(1, 0, 1460);
	cr_expect_eq(MIB(RETRANS_SEGS), 2);
	cr_expect_eq(MIB(TIMEOUTS), 2);
}

ENGINE_TEST(tx, three_dup_acks_fast_retransmit,
	    "RFC 5681 3.2 / RFC 6582: without SACK the third duplicate ACK resends the first unacked segment")
{
	struct ut_opts o = {0};

	ut_opt_mss(&o, 1460);
	ut_opt_ws(&o, 2);
	ut_establish_with(&o, 65535);
	ut_queue_tx(30000);
	ut_poll();
	cr_assert_eq(ut_ncap, 10);
	ut_ack_upto(1460);
	ut_clear();
	ut_send(ACK, NULL, 0, NULL);
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_ncap, 0, "two duplicates are not enough");
	ut_send(ACK, NULL, 0, NULL);
	cr_assert_geq(ut_ncap, 1, "nothing resent on the third duplicate ACK");
	ut_expect_tx(0, 1460, 1460);
	cr_expect_eq(MIB(FAST_RETRANS), 1);
	cr_expect_eq(MIB(RETRANS_SEGS), 1);
	cr_expect_eq(MIB(TIMEOUTS), 0);
}

ENGINE_TEST(tx, sack_recovery_resends_the_hole_at_once,
	    "RFC 6675 5 (4.3): entering SACK recovery retransmits the first unacked segment at once")
{
	uint32_t blk[1][2];

	ut_establish(65535);
	ut_queue_tx(30000);
	ut_poll();
	cr_assert_eq(ut_ncap, 10);
	ut_ack_upto(1460);                  /* segment 1 (1460..2919) is lost */
	ut_clear();
	for (int k = 1; k <= 3; k++) {      /* segments 2, 3, 4 arrive: SACKed */
		struct ut_opts o = {0};

		blk[0][0] = ut_cl.peer_isn + 1 + 2920;
		blk[0][1] = ut_cl.peer_isn + 1 + 2920 + 1460u * (uint32_t)k;
		ut_opt_sack(&o, 1, blk);
		ut_send(ACK, NULL, 0, &o);
	}
	cr_expect_eq(MIB(SACK_RECOVERY), 1);
	cr_assert_geq(ut_ncap, 1, "the hole was not resent when recovery started");
	ut_expect_tx(0, 1460, 1460);
	cr_expect_geq(MIB(FAST_RETRANS), 1);
	cr_expect_eq(MIB(TIMEOUTS), 0);
}

/* An ACK of offset ack from the client with SACK blocks of segments [a, b) (of 1460 bytes). */
static void sack_segs(uint32_t ack, int n, const int (*seg)[2])
{
	uint32_t blk[4][2];
	struct ut_opts o = {0};

	for (int i = 0; i < n; i++) {
		blk[i][0] = ut_cl.peer_isn + 1 + 1460u * (uint32_t)seg[i][0];
		blk[i][1] = ut_cl.peer_isn + 1 + 1460u * (uint32_t)seg[i][1];
	}
	ut_opt_sack(&o, n, blk);
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + ack;
	ut_send(ACK, NULL, 0, &o);
}

/* Was the segment at offset off among the captured ones? */
static bool sent_at(uint32_t off)
{
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);

		if (s.len && s.seq == ut_cl.peer_isn + 1 + off)
			return true;
	}
	return false;
}

ENGINE_TEST(tx, lost_retransmission_resent_without_rto,
	    "RFC 8985 6.2: data sent after a retransmission is SACKed while the retransmission is not: it is lost, resent at once")
{
	const int s1[][2] = {{1, 2}}, s2[][2] = {{1, 3}}, s3[][2] = {{1, 4}}, s4[][2] = {{1, 5}},
		  s5[][2] = {{1, 6}}, s6[][2] = {{10, 11}, {1, 6}};

	ut_establish(65535);
	ut_queue_tx(30000);
	ut_poll();
	cr_assert_eq(ut_ncap, 10);
	ut_clear();
	ut_advance(10000);
	sack_segs(0, 1, s1);                /* segment 0 lost, 1.. arrive */
	sack_segs(0, 1, s2);
	sack_segs(0, 1, s3);
	cr_expect_eq(MIB(SACK_RECOVERY), 1, "three segments SACKed above the hole: recovery");
	cr_assert(sent_at(0), "the hole resent at once");
	ut_clear();
	sack_segs(0, 1, s4);                /* the resend is lost too; 4 and 5 arrive */
	sack_segs(0, 1, s5);
	cr_assert(sent_at(14600), "PRR: new data for what was delivered");
	cr_expect(!sent_at(0));
	ut_clear();
	ut_advance(10000);
	sack_segs(0, 2, s6);                /* segment 10, sent after the resend, arrived */
	cr_expect(sent_at(0), "the lost resend was sent again before any RTO");
	cr_expect_eq(MIB(LOST_RETRANSMIT), 1);
	cr_expect_eq(MIB(TIMEOUTS), 0);
}

ENGINE_TEST(tx, rto_resends_only_what_the_peer_lacks,
	    "RFC 6675 5.1: after an RTO the holes are resent in slow start; SACKed segments never again")
{
	const int s1[][2] = {{2, 10}};

	ut_establish(65535);
	ut_queue_tx(14600);
	ut_poll();
	cr_assert_eq(ut_ncap, 10);
	ut_advance(10000);
	sack_segs(0, 1, s1);                /* 0 and 1 lost: resent in recovery, lost again */
	cr_assert(sent_at(0));
	ut_clear();
	ut_advance(400000);
	cr_expect_eq(MIB(TIMEOUTS), 1, "nothing sent after the resends: only the RTO finds them");
	cr_expect_eq(MIB(SACK_FAILURES), 1);
	cr_assert(sent_at(0), "the first hole after the RTO");
	ut_clear();
	ut_ack_upto(1460);
	cr_expect(sent_at(1460), "the second hole");
	for (uint32_t k = 2; k < 10; k++)
		cr_expect(!sent_at(1460 * k), "SACKed segment %u sent again", k);
	ut_clear();
	ut_ack_upto(14600);
	cr_expect_eq(ut_ev.sk->snd_una, ut_ev.sk->snd_max, "all delivered");
}

ENGINE_TEST(tx, zero_window_probe_then_open,
	    "RFC 9293 3.8.6.1: a zero window stops data; the persist timer sends a probe; an opening ACK "
	    "lets data flow")
{
	struct ut_seg s;
	uint32_t total = 0;

	ut_establish(0);
	ut_queue_tx(5000);
	ut_poll();
	cr_expect_eq(ut_ncap, 0, "nothing fits in a zero window");
	ut_advance(199000);
	cr_expect_eq(ut_ncap, 0);
	ut_advance(1000);
	cr_assert_eq(ut_ncap, 1, "window probe after 200 ms");
	s = ut_seg(0);
	cr_expect_eq(s.flags, ACK);
	cr_expect_eq(s.len, 0);
	cr_expect_eq(s.seq, ut_cl.peer_isn, "SND.UNA - 1: the peer must answer with its window");
	cr_expect_eq(MIB(WIN_PROBE), 1);
	ut_clear();
	ut_cl.wnd = 65535;
	ut_ack_upto(0);
	cr_assert_eq(ut_ncap, 4, "5000 bytes in 4 segments");
	for (unsigned int i = 0; i < 4; i++) {
		s = ut_expect_tx(i, total, (uint16_t)(i < 3 ? 1460 : 620));
		total += s.len;
	}
	cr_expect_eq(total, 5000);
}

/* Errors */

ENGINE_TEST(errors, bad_checksum_dropped, "A segment with a bad TCP checksum is dropped: InCsumErrors")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg_spec s = ut_syn_spec(&o);
	struct rte_mbuf *m = ut_build(&s);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 20);

	th->cksum ^= 0x0400;
	tcp_input(ut_st, m, NULL, ut_now);
	ut_poll();
	cr_expect_eq(ut_ncap, 0, "no SYN/ACK, no RST");
	cr_expect_eq(MIB(IN_CSUM_ERRORS), 1);
	cr_expect_eq(MIB(IN_ERRS), 1);
	cr_expect_eq(MIB(IN_SEGS), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(errors, malformed_option_dropped, "A SYN whose option length is below 2 is dropped: InErrs")
{
	const uint8_t bad[] = {1, 1, 2, 1};
	struct ut_opts o = {0};
	struct ut_seg_spec s;

	ut_opt_bytes(&o, bad, sizeof(bad));
	s = ut_syn_spec(&o);
	ut_inject(&s);
	cr_expect_eq(ut_ncap, 0);
	cr_expect_eq(MIB(IN_ERRS), 1);
	cr_expect_eq(MIB(IN_CSUM_ERRORS), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(errors, no_listener_gets_rst, "RFC 9293 3.10.7.1: segments to no connection get a RST (NoPort)")
{
	struct ut_seg_spec s = ut_syn_spec(NULL);
	struct ut_seg r;

	s.dport = 81;
	ut_inject(&s);
	cr_assert_eq(ut_ncap, 1);
	r = ut_last();
	cr_expect_eq(r.flags, RST | ACK, "a SYN gets <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>");
	cr_expect_eq(r.seq, 0);
	cr_expect_eq(r.ack, ut_cl.isn + 1);
	cr_expect_eq(r.sport, 81);
	cr_expect_eq(r.dport, UT_CPORT);
	cr_expect_eq(r.daddr, UT_CADDR);
	s.flags = ACK;
	s.ack = 0x12345678;
	ut_inject(&s);
	cr_assert_eq(ut_ncap, 2);
	r = ut_last();
	cr_expect_eq(r.flags, RST, "an ACK gets <SEQ=SEG.ACK><CTL=RST>");
	cr_expect_eq(r.seq, 0x12345678);
	s.flags = RST;
	ut_inject(&s);
	cr_expect_eq(ut_ncap, 2, "a RST is never answered");
	cr_expect_eq(MIB(NO_PORT), 2);
	cr_expect_eq(MIB(OUT_RSTS), 2);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

/* Sequence wrap (RFC 9293 3.4) */

TestSuite(wrap, .init = setup_passive);

ENGINE_TEST(wrap, receive_across_the_wrap,
	    "Client ISN near 2^32: data across the wrap, out of order, is delivered intact")
{
	struct ut_seg a;
	const uint8_t *sack;

	ut_cl.isn = 0xFFFFFF00u;
	ut_establish(65535);
	ut_send_data_at(400, 200, 0);
	a = ut_one_ack(ut_cl.isn + 1, "duplicate ACK");
	sack = ut_find_opt(&a, 5, NULL);
	cr_assert_not_null(sack);
	cr_expect_eq(ut_get32(sack + 2), 0x00000091u, "SACK left edge after the wrap");
	cr_expect_eq(ut_get32(sack + 6), 0x00000159u);
	ut_send_data_at(0, 200, 0);
	ut_send_data_at(200, 200, 0);      /* 0xFFFFFFC9 .. 0x00000091 */
	ut_advance(DELACK_US);
	ut_expect_rx(0, 600);
	a = ut_last();
	ut_expect_pure_ack(&a, 0x00000159u, "ACK after the wrap: ISN + 1 + 600");
}

ENGINE_TEST(wrap, send_across_the_wrap, "Our ISS near 2^32: data across the wrap, acked after it, frees the pipe")
{
	struct ut_seg s;
	uint32_t off = 0;

	force_iss = 0xFFFFF000u;
	ut_establish(65535);
	cr_assert_eq(ut_cl.peer_isn, 0xFFFFF000u);
	ut_queue_tx(10000);
	ut_poll();
	cr_assert_eq(ut_ncap, 7);
	for (unsigned int i = 0; i < 7; i++) {
		s = ut_expect_tx(i, off, (uint16_t)(i < 6 ? 1460 : 10000 - 6 * 1460));
		off += s.len;
	}
	ut_ack_upto(10000);
	cr_expect_eq(ut_cl.rcv_nxt, 0x00001711u);
	cr_expect_eq(ut_txp.head, 10000, "all acknowledged bytes freed");
	cr_expect_geq(ut_ev.writable, 1);
}

/* Timers */

TestSuite(timers, .init = setup_passive);

/* app/proxy.c's server_closed: the upstream failed, so the client is aborted. */
static void upstream_closed(struct tcp_sock *sk, int err)
{
	struct tcp_sock *client = sk->user;

	(void)err;
	ut_ev.sk = NULL;
	tcp_abort(client);
}

static const struct tcp_sock_ops upstream_ops = {.closed = upstream_closed};

ENGINE_TEST(timers, abort_from_a_timer_callback_keeps_the_wheel,
	    "A socket aborted by another's expiry in the same 1 ms slot leaves the timer wheel intact")
{
	struct tcp_sock *up;
	uint64_t slot_us;

	ut_establish(65535);
	/* Upstream connect that times out at +40 ms, filed first in that slot... */
	up = tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, &ut_txp, &ut_rxp, &upstream_ops, ut_ev.sk,
			 NULL, ut_now);
	cr_assert_not_null(up);
	tcp_connect_timeout(up, ut_now + 40000);
	/* ...and the client's delayed ACK due in the same slot, filed after it. */
	ut_send_data_at(0, 100, 0);
	slot_us = ut_now + 40000;
	ut_clear();
	ut_advance(40000);
	cr_expect_eq(MIB(ATTEMPT_FAILS), 1);
	cr_expect_eq(ut_ev.sk, NULL);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	/* One wheel turn later a new connection's delayed ACK falls in the same slot. */
	ut_advance(slot_us + 4096000 - 40000 - ut_now - 10000);
	ut_cl = (struct ut_client){.isn = 0x5000, .wnd = 65535};
	ut_establish(65535);
	ut_send_data_at(0, 100, 0);
	cr_assert_eq((ut_now + 40000) / 1000 % 4096, slot_us / 1000 % 4096, "test setup: not the same slot");
	ut_clear();
	ut_advance(100000);
	cr_expect_eq(ut_ncap, 1, "the delayed ACK filed in that slot never fired");
}

static void setup_strided(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.port_stride = 4;
	c.port_offset = 1;
	ut_start(&c);
}

TestSuite(strided, .init = setup_strided);

/* 64 active opens to one server: their ephemeral ports, checked distinct. */
static void connect_64(uint16_t ports[64])
{
	for (int i = 0; i < 64; i++) {
		struct tcp_sock *sk = tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, NULL, NULL, NULL, NULL,
						  NULL, ut_now);

		cr_assert_not_null(sk);
		ports[i] = sk->lport;
		for (int j = 0; j < i; j++)
			cr_expect_neq(ports[i], ports[j]);
	}
}

ENGINE_TEST(strided, ephemeral_ports_of_this_worker,
	"port_stride 4, offset 1 (worker 1 of 4): every ephemeral port p has p % 4 == 1, all distinct")
{
	uint16_t ports[64];

	connect_64(ports);
	for (int i = 0; i < 64; i++)
		cr_expect_eq(ports[i] % 4, 1, "port %u", ports[i]);
	cr_expect_eq(tcp_stack_conns(ut_st), 64);
}

/* flow_event: the app's steering hears of every 4-tuple entering and leaving the table. */
static int fe_added, fe_removed;
static uint16_t fe_rport;

static void count_flow_event(void *arg, const struct tcp_sock *sk, bool added)
{
	(void)arg;
	fe_rport = sk->rport;
	if (added)
		fe_added++;
	else
		fe_removed++;
}

static void setup_flow_events(void)
{
	struct tcp_stack_conf c = ut_conf();

	fe_added = fe_removed = 0;
	c.flow_event = count_flow_event;
	ut_start(&c);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
}

TestSuite(flow_events, .init = setup_flow_events);

ENGINE_TEST(flow_events, told_at_syn_and_at_reset,
	"A passive open tells flow_event once when the SYN makes the socket, once when a RST frees it")
{
	ut_syn(NULL);
	cr_expect_eq(fe_added, 1);
	cr_expect_eq(fe_removed, 0);
	cr_expect_eq(fe_rport, UT_CPORT);
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(fe_added, 1, "establishing is not a new flow");
	ut_send(RST, NULL, 0, NULL);
	cr_expect_eq(fe_removed, 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(flow_events, told_for_active_open_and_abort,
	"An active open is told when made and when aborted, like a passive one")
{
	struct tcp_sock *sk = tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, NULL, NULL, NULL, NULL, NULL, ut_now);

	cr_assert_not_null(sk);
	cr_expect_eq(fe_added, 1, "active opens are told too");
	tcp_abort(sk);
	ut_poll();
	cr_expect_eq(fe_removed, 1);
}

/* port_ok: the app's RSS condition on ephemeral ports, on top of the stride. */
static bool port_div7(void *arg, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	(void)arg;
	(void)laddr;
	(void)raddr;
	(void)rport;
	return lport % 7 == 3;
}

static void setup_port_ok(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.port_stride = 2;
	c.port_offset = 1;
	c.port_ok = port_div7;
	ut_start(&c);
}

TestSuite(port_ok, .init = setup_port_ok);

ENGINE_TEST(port_ok, ephemeral_ports_satisfy_stride_and_condition,
	"port_ok narrows the ephemeral ports further: every one is odd (worker 1 of 2) and 3 modulo 7, all distinct")
{
	uint16_t ports[64];

	connect_64(ports);
	for (int i = 0; i < 64; i++) {
		cr_expect_eq(ports[i] % 2, 1, "port %u", ports[i]);
		cr_expect_eq(ports[i] % 7, 3, "port %u", ports[i]);
	}
}

/* port_lo / port_hi: a worker's block of the configured ephemeral range. */
static void setup_port_block(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.port_lo = 40000;
	c.port_hi = 40009;
	ut_start(&c);
}

TestSuite(port_block, .init = setup_port_block);

ENGINE_TEST(port_block, ephemeral_ports_stay_in_the_block_until_it_is_used_up,
	"A 10-port block gives 10 distinct ports in 40000-40009, then EADDRNOTAVAIL; a freed one is used again")
{
	struct tcp_sock *sk[10];
	bool seen[10] = {false};

	for (int i = 0; i < 10; i++) {
		sk[i] = tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, NULL, NULL, NULL, NULL, NULL, ut_now);
		cr_assert_not_null(sk[i], "connect %d", i);
		cr_assert(sk[i]->lport >= 40000 && sk[i]->lport <= 40009, "port %u", sk[i]->lport);
		cr_expect_not(seen[sk[i]->lport - 40000], "port %u twice", sk[i]->lport);
		seen[sk[i]->lport - 40000] = true;
	}
	cr_expect_null(tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, NULL, NULL, NULL, NULL, NULL, ut_now));
	cr_expect_eq(rte_errno, EADDRNOTAVAIL);
	/* Another server: the same ports make other 4-tuples. */
	cr_expect_not_null(tcp_connect(ut_st, UT_SADDR, 0, 0x0a00000a, 443, NULL, NULL, NULL, NULL, NULL, ut_now));
	uint16_t freed = sk[3]->lport;
	tcp_abort(sk[3]);
	ut_poll();
	struct tcp_sock *again = tcp_connect(ut_st, UT_SADDR, 0, 0x0a000009, 443, NULL, NULL, NULL, NULL, NULL,
					     ut_now);
	cr_assert_not_null(again);
	cr_expect_eq(again->lport, freed);
}

Test(port_block, inverted_range_is_refused, .description = "port_hi below port_lo: tcp_stack_create fails with EINVAL")
{
	struct tcp_stack_conf c;

	ut_eal_init();
	c = ut_conf();
	c.port_lo = 5000;
	c.port_hi = 4000;
	cr_expect_null(tcp_stack_create(&c));
	cr_expect_eq(rte_errno, EINVAL);
}

/* Interception (transparent mode): listeners for SYNs to other hosts. */
#define IC_DST 0x0a140002u   /* 10.20.0.2: a server, not one of ours */
static int ic_which;

static int accept_ic_any(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	ic_which = 1;
	return accept_plain(arg, sk, syn);
}

static int accept_ic_port(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	ic_which = 2;
	return accept_plain(arg, sk, syn);
}

static void setup_intercept(void)
{
	ut_start(NULL);
	ic_which = 0;
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
	cr_assert_eq(tcp_listen_intercept(ut_st, 0, accept_ic_any, NULL), 0);
	cr_assert_eq(tcp_listen_intercept(ut_st, 9000, accept_ic_port, NULL), 0);
	cr_assert_eq(tcp_listen_intercept(ut_st, 9000, accept_ic_port, NULL), -EADDRINUSE);
}

TestSuite(intercept, .init = setup_intercept);

static struct ut_seg ic_syn(uint32_t daddr, uint16_t dport, bool intercepted)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = daddr, .sport = UT_CPORT, .dport = dport,
		.seq = 1000, .flags = SYN, .wnd = 65535,
	};

	ut_clear();
	if (intercepted)
		tcp_input_intercepted(ut_st, ut_build(&s), NULL, ut_now);
	else
		tcp_input(ut_st, ut_build(&s), NULL, ut_now);
	ut_poll();
	return ut_last();
}

ENGINE_TEST(intercept, syn_to_another_host_answers_as_that_host,
	"An intercepted SYN to 10.20.0.2:9000 is accepted by the port's intercepting listener; the SYN/ACK comes from 10.20.0.2:9000")
{
	struct ut_seg sa = ic_syn(IC_DST, 9000, true);

	cr_expect_eq(sa.flags, SYN | ACK);
	cr_expect_eq(sa.saddr, IC_DST);
	cr_expect_eq(sa.sport, 9000);
	cr_expect_eq(sa.daddr, UT_CADDR);
	cr_expect_eq(ic_which, 2, "the exact port's listener, not the any-port one");
	struct tcp_sock *sk = tcp_flow_find(ut_st, IC_DST, 9000, UT_CADDR, UT_CPORT);
	cr_assert_not_null(sk);
	cr_expect_eq(sk->state, TCP_SYN_RCVD);
	cr_expect_null(tcp_flow_find(ut_st, IC_DST, 9001, UT_CADDR, UT_CPORT));
}

ENGINE_TEST(intercept, any_port_listener_takes_the_other_ports,
	"An intercepted SYN to a port without its own intercepting listener goes to the any-port one")
{
	struct ut_seg sa = ic_syn(IC_DST, 443, true);

	cr_expect_eq(sa.flags, SYN | ACK);
	cr_expect_eq(sa.sport, 443);
	cr_expect_eq(ic_which, 1);
}

ENGINE_TEST(intercept, the_two_kinds_of_listener_do_not_mix,
	"A SYN through tcp_input to port 9000 finds no listener (RST, NoPorts) although intercepting ones exist; an intercepted SYN to port 80 is not given to the ordinary listener on 80")
{
	uint64_t noport = MIB(NO_PORT);
	struct ut_seg r = ic_syn(UT_SADDR, 9000, false);

	cr_expect(r.flags & RST);
	cr_expect_eq(MIB(NO_PORT), noport + 1);
	cr_expect_eq(ic_which, 0);
	r = ic_syn(IC_DST, UT_SPORT, true);
	cr_expect_eq(r.flags, SYN | ACK);
	cr_expect_eq(ic_which, 1, "port 80 intercepted goes to the any-port intercepting listener");
}

/* SYN cookies (RFC 4987 3.6): past the backlog, no state until the ACK. */
static void setup_cookies_always(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.syncookies = TCP_SYNCOOKIES_ALWAYS;
	ut_start(&c);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
}

TestSuite(cookies, .init = setup_cookies_always);

/* The timestamp option of s (TSval, TSecr); false when absent. */
static bool seg_ts(const struct ut_seg *s, uint32_t *val, uint32_t *ecr)
{
	uint8_t len;
	const uint8_t *o = ut_find_opt(s, 8, &len);

	if (o == NULL || len != 10)
		return false;
	*val = ut_get32(o + 2);
	*ecr = ut_get32(o + 6);
	return true;
}

/* The client's ACK to a cookie SYN/ACK sa, echoing its TSval when it had one. */
static void cookie_ack(const struct ut_seg *sa, uint32_t ack_delta)
{
	struct ut_opts o = {0};
	uint32_t val, ecr;
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = ut_cl.isn + 1, .ack = sa->seq + 1 + ack_delta, .flags = ACK, .wnd = 1000,
	};

	if (seg_ts(sa, &val, &ecr))
		ut_opt_ts(&o, 5000, val);
	s.opt = o.b;
	s.optlen = o.n;
	ut_clear();
	ut_inject(&s);
}

ENGINE_TEST(cookies, handshake_without_state_until_the_ack,
	"syncookies always: the SYN/ACK leaves no socket; the ACK with the cookie makes one, ESTABLISHED, with the SYN's MSS (its cookie class), window scale and SACK from the echoed TSval; data then flows")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg sa;
	uint32_t val, ecr;

	ut_opt_ts(&o, 4000, 0);
	sa = ut_syn(&o);
	cr_expect_eq(tcp_stack_conns(ut_st), 0, "no socket for a cookie SYN/ACK");
	cr_expect_eq(MIB(SYNCOOKIES_SENT), 1);
	cr_assert(seg_ts(&sa, &val, &ecr), "the SYN/ACK has timestamps");
	cr_expect_eq(ecr, 4000);
	cr_expect(val & 0x20, "TSval %#x marks a cookie", val);
	cr_expect_eq(val & 0x0f, 2, "window scale 2 in the TSval");
	cr_expect(val & 0x10, "SACK-permitted in the TSval");
	cr_expect_leq(val, (uint32_t)(ut_now / 1000), "not ahead of the clock");
	cr_expect_not_null(ut_find_opt(&sa, 3, NULL), "our window scale offered");
	cookie_ack(&sa, 0);
	cr_expect_eq(MIB(SYNCOOKIES_RECV), 1);
	cr_expect_eq(MIB(PASSIVE_OPENS), 1);
	cr_assert_eq(tcp_stack_conns(ut_st), 1);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect(ut_ev.sk->syncookie);
	cr_expect_eq(ut_ev.sk->mss, 1460);
	cr_expect_eq(ut_ev.sk->snd_wscale, 2);
	cr_expect(ut_ev.sk->flags & TF_SACK_OK);
	cr_expect(ut_ev.sk->flags & TF_TS_OK);
	cr_expect_eq(ut_ev.established, 1);
	/* Data both ways. */
	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_cl.rcv_nxt = sa.seq + 1;
	ut_cl.peer_isn = sa.seq;
	ut_send_data_at(0, 100, 0);
	ut_expect_rx(0, 100);
}

ENGINE_TEST(cookies, a_forged_ack_makes_nothing,
	"An ACK whose number is no cookie of ours: SyncookiesFailed, a RST, no socket")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg sa = ut_syn(&o);

	cookie_ack(&sa, 12345);
	cr_expect_eq(MIB(SYNCOOKIES_FAILED), 1);
	cr_expect_eq(MIB(SYNCOOKIES_RECV), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_assert_eq(ut_ncap, 1);
	cr_expect(ut_last().flags & RST);
}

ENGINE_TEST(cookies, no_timestamps_no_window_scale_or_sack,
	"Without timestamps the cookie cannot carry window scale and SACK: the SYN/ACK offers neither, the connection has neither, the MSS class is kept (1360 for an MSS of 1380)")
{
	struct ut_opts o = {0};
	struct ut_seg sa;

	ut_opt_mss(&o, 1380);
	ut_opt_sackok(&o);
	ut_opt_ws(&o, 5);
	sa = ut_syn(&o);
	cr_expect_null(ut_find_opt(&sa, 3, NULL), "no window scale offered");
	cr_expect_null(ut_find_opt(&sa, 4, NULL), "no SACK-permitted offered");
	cookie_ack(&sa, 0);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.sk->mss, 1360);
	cr_expect_not(ut_ev.sk->flags & (TF_SACK_OK | TF_WS_OK | TF_TS_OK));
	cr_expect_eq(ut_ev.sk->rcv_wscale, 0);
}

ENGINE_TEST(cookies, a_cookie_expires,
	"A cookie is good for about two minutes (two 67 s counts), not after")
{
	struct ut_opts o = ut_std_opts();
	struct ut_seg sa = ut_syn(&o);

	ut_now += 3ull << 26;
	/* AUTO would not even look; ALWAYS checks and fails. */
	cookie_ack(&sa, 0);
	cr_expect_eq(MIB(SYNCOOKIES_FAILED), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

static void setup_cookies_auto(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.syn_backlog = 2;
	ut_start(&c);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
}

static void setup_cookies_off(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.syn_backlog = 2;
	c.syncookies = TCP_SYNCOOKIES_OFF;
	ut_start(&c);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_plain, NULL), 0);
}

TestSuite(backlog, .init = setup_cookies_auto);
TestSuite(backlog_off, .init = setup_cookies_off);

/* A SYN from client port cport; returns how many segments answered it. */
static unsigned syn_from(uint16_t cport)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = cport, .dport = UT_SPORT,
		.seq = 777, .flags = SYN, .wnd = 65535,
	};

	ut_clear();
	ut_inject(&s);
	return ut_ncap;
}

ENGINE_TEST(backlog, cookies_start_at_the_backlog,
	"syn_backlog 2: two SYNs make half-open sockets, the third is answered with a cookie and makes none; once one completes, the next SYN has state again")
{
	cr_expect_eq(syn_from(41000), 1);
	cr_expect_eq(syn_from(41001), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 2);
	cr_expect_eq(MIB(SYNCOOKIES_SENT), 0);
	cr_expect_eq(syn_from(41002), 1, "answered");
	cr_expect_eq(MIB(SYNCOOKIES_SENT), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 2, "without a socket");
	/* The first completes its handshake: one half-open left. */
	struct ut_seg_spec a = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = 41000, .dport = UT_SPORT,
		.seq = 778, .flags = ACK, .wnd = 65535,
	};
	struct tcp_sock *sk = tcp_flow_find(ut_st, UT_SADDR, UT_SPORT, UT_CADDR, 41000);

	cr_assert_not_null(sk);
	a.ack = sk->iss + 1;
	ut_inject(&a);
	cr_expect_eq(sk->state, TCP_ESTABLISHED);
	cr_expect_eq(syn_from(41003), 1);
	cr_expect_eq(MIB(SYNCOOKIES_SENT), 1, "state again");
	cr_expect_eq(tcp_stack_conns(ut_st), 3);
}

ENGINE_TEST(backlog, an_ack_without_recent_cookies_is_not_checked,
	"No cookie sent lately: an ACK to the listener is answered with a RST (NoPorts) and not counted as a failed cookie")
{
	struct ut_seg_spec a = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = 41010, .dport = UT_SPORT,
		.seq = 5, .ack = 77, .flags = ACK, .wnd = 65535,
	};

	ut_clear();
	ut_inject(&a);
	cr_expect_eq(MIB(SYNCOOKIES_FAILED), 0);
	cr_expect_eq(MIB(NO_PORT), 1);
	cr_expect(ut_last().flags & RST);
}

ENGINE_TEST(backlog_off, without_cookies_the_backlog_drops,
	"syncookies off, syn_backlog 2: the third SYN is dropped (TCPReqQFullDrop), no answer, no socket")
{
	cr_expect_eq(syn_from(42000), 1);
	cr_expect_eq(syn_from(42001), 1);
	cr_expect_eq(syn_from(42002), 0);
	cr_expect_eq(MIB(REQ_QFULL_DROP), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 2);
}

ENGINE_TEST(passive, segment_without_ack_to_a_listener_is_dropped,
	"RFC 9293 3.10.7.2 (LISTEN, fourth): a segment with neither SYN, RST nor ACK (no flags, FIN, PSH) is dropped without a RST, counted NoAckDrops; to a port without a listener it gets a RST")
{
	static const uint8_t flags[] = { 0, FIN, PSH };

	for (size_t i = 0; i < sizeof(flags); i++) {
		struct ut_seg_spec s = {
			.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = (uint16_t)(43000 + i), .dport = UT_SPORT,
			.seq = 5, .flags = flags[i], .wnd = 1000,
		};

		ut_clear();
		ut_inject(&s);
		cr_expect_eq(ut_ncap, 0, "flags %#x answered", flags[i]);
	}
	cr_expect_eq(MIB(NO_ACK_DROP), 3);
	cr_expect_eq(MIB(NO_PORT), 0);
	struct ut_seg_spec closed = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = 43010, .dport = UT_SPORT + 1, .seq = 5, .wnd = 1000,
	};
	ut_inject(&closed);
	cr_expect_eq(ut_ncap, 1, "CLOSED (no listener): RST");
	cr_expect_eq(MIB(NO_PORT), 1);
}

ENGINE_TEST(passive, rst_without_a_connection_is_ignored_and_counted,
	"RFC 9293 3.10.7.1-2: a RST (alone, with SYN, or with every flag) to a listener or to a closed port gets no answer and opens nothing, counted RstNoSocket")
{
	static const uint8_t flags[] = { RST, SYN | RST, SYN | ACK | RST | FIN | PSH | RTE_TCP_URG_FLAG };

	for (size_t i = 0; i < sizeof(flags); i++) {
		for (uint16_t port = UT_SPORT; port <= UT_SPORT + 1; port++) {
			struct ut_seg_spec s = {
				.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = (uint16_t)(43100 + i), .dport = port,
				.seq = 5, .ack = 9, .flags = flags[i], .wnd = 1000,
			};

			ut_clear();
			ut_inject(&s);
			cr_expect_eq(ut_ncap, 0, "flags %#x to port %u answered", flags[i], port);
		}
	}
	cr_expect_eq(MIB(RST_NO_SOCKET), 6);
	cr_expect_eq(MIB(NO_PORT), 0);
	cr_expect_eq(MIB(PASSIVE_OPENS), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

ENGINE_TEST(rx, mptcp_options_on_a_plain_connection_are_counted,
	"RFC 8684 3.1: MPTCP options on a connection opened without MP_CAPABLE (no ULP) are ignored, counted MptcpOptOnPlain; its data is taken")
{
	static const uint8_t mpc[20] = { 30, 20, 0x01, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct ut_opts o = {0};

	ut_establish(65535);
	ut_opt_bytes(&o, mpc, sizeof(mpc));
	ut_send_data_opts(0, 100, 0, &o);
	ut_expect_rx(0, 100);
	cr_expect_eq(MIB(MPTCP_OPT_PLAIN), 1);
	ut_send_data_at(100, 100, 0);
	cr_expect_eq(MIB(MPTCP_OPT_PLAIN), 1, "segments without them are not counted");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

ENGINE_TEST(rx, rst_outside_the_window_is_counted,
	"RFC 5961 3.2: a RST outside the window is ignored, counted RstOutOfWindow; the connection stays")
{
	ut_establish(65535);
	ut_send_seq(ut_cl.snd_nxt + 10000000, RST, NULL, 0, NULL);
	cr_expect_eq(MIB(RST_OUT_OF_WINDOW), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ncap, 0, "no answer");
}

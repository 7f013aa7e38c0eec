/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 9293 3.3.2 state diagram, one transition per test: every state is
 * reached by the segments a peer would send, then one event is applied and
 * the resulting state (or the close and its error) is checked.
 */
#include <errno.h>
#include <string.h>

#include "seghelp.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG

static void setup_passive(void)
{
	ut_start_listening(NULL);
}

static void setup_active(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.syn_retries = 2;
	ut_start(&c);
}

TestSuite(state, .init = setup_passive);
TestSuite(state_active, .init = setup_active);

#define STATE_TEST(suite, name, desc) UT_TEST(suite, name, desc, ut_stop)

static void expect_closed(int err)
{
	cr_expect_eq(ut_ev.closed, 1, "closed() once");
	cr_expect_eq(ut_ev.closed_err, err, "error %d, want %d", ut_ev.closed_err, err);
}

/* Paths to each state (passive side). */
static void to_syn_rcvd(void)
{
	struct ut_opts o = ut_std_opts();

	ut_syn(&o);
	cr_assert_eq(ut_state(), TCP_SYN_RCVD);
}

static void to_established(void)
{
	ut_establish(65535);
}

static void to_fin_wait_1(void)
{
	to_established();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_state(), TCP_FIN_WAIT_1);
	ut_clear();
}

static void to_fin_wait_2(void)
{
	to_fin_wait_1();
	ut_ack_upto(1);     /* our FIN is stream offset 0 + 1 */
	cr_assert_eq(ut_state(), TCP_FIN_WAIT_2);
	ut_clear();
}

static void to_close_wait(void)
{
	to_established();
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_assert_eq(ut_state(), TCP_CLOSE_WAIT);
	ut_clear();
}

static void to_last_ack(void)
{
	to_close_wait();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_state(), TCP_LAST_ACK);
	ut_clear();
}

static void to_closing(void)
{
	to_fin_wait_1();
	ut_send(FIN | ACK, NULL, 0, NULL);    /* the peer's FIN, not yet acking ours */
	cr_assert_eq(ut_state(), TCP_CLOSING);
	ut_clear();
}

static void to_time_wait(void)
{
	to_fin_wait_2();
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_assert_eq(ut_state(), TCP_TIME_WAIT);
	ut_clear();
}

STATE_TEST(state, listen_syn_to_syn_rcvd, "LISTEN + SYN -> SYN_RCVD, SYN/ACK sent")
{
	to_syn_rcvd();
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
}

STATE_TEST(state, syn_rcvd_ack_to_established, "SYN_RCVD + ACK of our SYN -> ESTABLISHED")
{
	to_syn_rcvd();
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.established, 1);
}

STATE_TEST(state, syn_rcvd_rst_closes, "SYN_RCVD + RST at RCV.NXT -> CLOSED (-ECONNREFUSED)")
{
	to_syn_rcvd();
	ut_send(RST, NULL, 0, NULL);
	expect_closed(-ECONNREFUSED);
}

STATE_TEST(state, syn_rcvd_syn_again, "SYN_RCVD + the SYN again -> SYN_RCVD, the SYN/ACK resent")
{
	struct ut_seg_spec s;
	struct ut_opts o = ut_std_opts();

	to_syn_rcvd();
	ut_clear();
	s = ut_syn_spec(&o);
	ut_inject(&s);
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, SYN | ACK);
}

STATE_TEST(state, established_fin_to_close_wait, "ESTABLISHED + FIN -> CLOSE_WAIT")
{
	to_close_wait();
	cr_expect_eq(ut_ev.peer_fin, 1);
}

STATE_TEST(state, established_close_to_fin_wait_1, "ESTABLISHED + close -> FIN_WAIT_1, FIN sent")
{
	to_established();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_expect_eq(ut_state(), TCP_FIN_WAIT_1);
	cr_expect_eq(ut_last().flags, FIN | ACK);
}

STATE_TEST(state, established_rst_closes, "ESTABLISHED + RST -> CLOSED (-ECONNRESET)")
{
	to_established();
	ut_send(RST, NULL, 0, NULL);
	expect_closed(-ECONNRESET);
}

STATE_TEST(state, fin_wait_1_ack_to_fin_wait_2, "FIN_WAIT_1 + ACK of our FIN -> FIN_WAIT_2")
{
	to_fin_wait_2();
}

STATE_TEST(state, fin_wait_1_fin_to_closing, "FIN_WAIT_1 + FIN (ours unacked) -> CLOSING (simultaneous close)")
{
	to_closing();
	cr_expect_eq(ut_ev.peer_fin, 1);
}

STATE_TEST(state, fin_wait_1_fin_ack_to_time_wait, "FIN_WAIT_1 + FIN acking our FIN -> TIME_WAIT")
{
	to_fin_wait_1();
	ut_cl.rcv_nxt = ut_cl.peer_isn + 2;
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
}

STATE_TEST(state, fin_wait_2_fin_to_time_wait, "FIN_WAIT_2 + FIN -> TIME_WAIT")
{
	to_time_wait();
}

STATE_TEST(state, fin_wait_2_still_receives, "FIN_WAIT_2 + data -> FIN_WAIT_2, data delivered (half close)")
{
	to_fin_wait_2();
	ut_send_data_at(0, 700, RTE_TCP_PSH_FLAG);
	cr_expect_eq(ut_state(), TCP_FIN_WAIT_2);
	ut_expect_rx(0, 700);
}

STATE_TEST(state, fin_wait_2_rst_closes, "FIN_WAIT_2 + RST -> CLOSED (-ECONNRESET)")
{
	to_fin_wait_2();
	ut_send(RST, NULL, 0, NULL);
	expect_closed(-ECONNRESET);
}

STATE_TEST(state, close_wait_close_to_last_ack, "CLOSE_WAIT + close -> LAST_ACK, FIN sent")
{
	to_last_ack();
}

STATE_TEST(state, close_wait_still_sends, "CLOSE_WAIT: our data still flows after the peer's FIN")
{
	to_close_wait();
	ut_queue_tx(1000);
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	ut_expect_tx(0, 0, 1000);
	cr_expect_eq(ut_state(), TCP_CLOSE_WAIT);
}

STATE_TEST(state, close_wait_rst_closes, "CLOSE_WAIT + RST -> CLOSED (-ECONNRESET)")
{
	to_close_wait();
	ut_cl.snd_nxt = ut_cl.isn + 2;      /* after its FIN */
	ut_send(RST, NULL, 0, NULL);
	expect_closed(-ECONNRESET);
}

STATE_TEST(state, closing_ack_to_time_wait, "CLOSING + ACK of our FIN -> TIME_WAIT")
{
	to_closing();
	ut_ack_upto(1);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
}

STATE_TEST(state, last_ack_ack_closes, "LAST_ACK + ACK of our FIN -> CLOSED (0)")
{
	to_last_ack();
	ut_ack_upto(1);
	expect_closed(0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

STATE_TEST(state, last_ack_rst_closes, "LAST_ACK + RST -> CLOSED")
{
	to_last_ack();
	ut_cl.snd_nxt = ut_cl.isn + 2;
	ut_send(RST, NULL, 0, NULL);
	cr_expect_eq(ut_ev.closed, 1);
}

STATE_TEST(state, time_wait_fin_again_acked, "TIME_WAIT + the FIN again -> TIME_WAIT, ACKed, 2MSL restarted")
{
	to_time_wait();
	ut_advance(50000);
	ut_clear();
	ut_send_seq(ut_cl.isn + 1, FIN | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
	cr_expect_geq(ut_ncap, 1, "the lost ACK is sent again");
	ut_advance(50000);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "timer restarted by the FIN");
	ut_advance(20000);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	expect_closed(0);
	ut_ev.sk = NULL;
}

STATE_TEST(state, time_wait_times_out, "TIME_WAIT + timeout -> CLOSED (0)")
{
	to_time_wait();
	ut_advance(70000);
	expect_closed(0);
}

STATE_TEST(state, time_wait_rst_ends_quietly, "TIME_WAIT + RST -> CLOSED without an error (the streams were complete)")
{
	to_time_wait();
	ut_cl.snd_nxt = ut_cl.isn + 2;
	ut_send(RST, NULL, 0, NULL);
	expect_closed(0);
}

/* Active side. */
static struct ut_seg to_syn_sent(void)
{
	struct ut_seg s;

	ut_connect();
	cr_assert_eq(ut_ncap, 1);
	s = ut_last();
	cr_assert_eq(ut_state(), TCP_SYN_SENT);
	ut_cl.peer_isn = s.seq;
	ut_cl.rcv_nxt = s.seq + 1;
	ut_cl.snd_nxt = ut_cl.isn;
	ut_clear();
	return s;
}

STATE_TEST(state_active, syn_sent_synack_to_established, "SYN_SENT + SYN/ACK -> ESTABLISHED, ACK sent")
{
	struct ut_opts o = ut_std_opts();

	to_syn_sent();
	ut_send(SYN | ACK, NULL, 0, &o);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(ut_ev.established, 1);
}

STATE_TEST(state_active, syn_sent_syn_to_syn_rcvd, "SYN_SENT + SYN (simultaneous open) -> SYN_RCVD, SYN/ACK sent")
{
	struct ut_opts o = ut_std_opts();

	to_syn_sent();
	ut_send(SYN, NULL, 0, &o);
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, SYN | ACK);
	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

STATE_TEST(state_active, syn_sent_rst_refused, "SYN_SENT + RST/ACK -> CLOSED (-ECONNREFUSED)")
{
	to_syn_sent();
	ut_send(RST | ACK, NULL, 0, NULL);
	expect_closed(-ECONNREFUSED);
}

STATE_TEST(state_active, syn_sent_bad_ack_ignored, "SYN_SENT + ACK of something else -> SYN_SENT (RFC 9293 3.10.7.3)")
{
	to_syn_sent();
	ut_cl.rcv_nxt += 1000;
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_SYN_SENT);
	cr_expect_eq(ut_ev.closed, 0);
}

STATE_TEST(state_active, syn_sent_timeout, "SYN_SENT + SYN retries exhausted -> CLOSED (-ETIMEDOUT)")
{
	to_syn_sent();
	for (int i = 0; i < 10 && ut_ev.closed == 0; i++)
		ut_advance(4000000);
	expect_closed(-ETIMEDOUT);
}

static void setup_tw_limit(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.max_timewait = 1;
	ut_start_listening(&c);
}

TestSuite(tw_limit, .init = setup_tw_limit);

/* A segment of a second connection (client port UT_CPORT + 1). */
static void second_send(uint8_t flags, uint32_t seq, uint32_t ack, const struct ut_opts *o)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT + 1, .dport = UT_SPORT,
		.seq = seq, .ack = ack, .flags = flags, .wnd = 65535,
		.opt = o ? o->b : NULL, .optlen = o ? o->n : 0,
	};

	ut_clear();
	ut_inject(&s);
}

STATE_TEST(tw_limit, full_time_wait_table_closes_at_once,
	"TIME_WAIT table full (tcp max_timewait): the next connection to reach it closes at once (TCPTimeWaitOverflow)")
{
	struct ut_opts o = ut_std_opts();
	struct tcp_sock *b;
	uint32_t b_isn;

	to_time_wait();                       /* the first connection holds the only slot */
	second_send(SYN, 0x5000, 0, &o);
	cr_assert_eq(ut_ncap, 1);
	b_isn = ut_last().seq;
	second_send(ACK, 0x5001, b_isn + 1, NULL);
	b = ut_ev.sk;
	cr_assert_eq(b->state, TCP_ESTABLISHED);
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
	cr_assert_eq(ut_ev.closed, 1, "the first one's owner was told at TIME_WAIT");
	tcp_shutdown(b);
	ut_poll();
	second_send(FIN | ACK, 0x5001, b_isn + 2, NULL);
	cr_expect_eq(tcp_mib_get(ut_st, TCP_MIB_TW_OVERFLOW), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "only the first connection, in TIME_WAIT, is left");
	cr_expect_eq(ut_ev.closed, 2, "the second closed at once");
	cr_expect_eq(ut_ev.closed_err, 0);
}

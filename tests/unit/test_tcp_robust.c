/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp against old duplicates, idle peers and ICMP: PAWS (RFC 7323 5),
 * keepalive (RFC 9293 3.8.4), idle timeouts, path MTU (RFC 1191, RFC 5927),
 * ICMP hard errors on connect, challenge ACK rate limit (RFC 5961 7), too old
 * ACKs (RFC 5961 5.2).
 */
#include <errno.h>
#include <string.h>

#include "seghelp.h"

#define MIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

static struct tcp_stack_conf robust_conf;

static void setup_passive(void)
{
	robust_conf = ut_conf();
	robust_conf.challenge_ack_limit = 2;
	ut_start_listening(&robust_conf);
}

static void setup_active(void)
{
	ut_start(NULL);
}

TestSuite(paws, .init = setup_passive);
TestSuite(idle, .init = setup_passive);
TestSuite(icmp, .init = setup_passive);
TestSuite(icmp_connect, .init = setup_active);
TestSuite(challenge, .init = setup_passive);
TestSuite(timewait, .init = setup_passive);

#define ROBUST_TEST(suite, name, desc) UT_TEST(suite, name, desc, ut_stop)

static struct ut_opts ts_opts(uint32_t val)
{
	struct ut_opts o = {0};

	ut_opt_ts(&o, val, 0);
	return o;
}

/* Handshake with timestamps negotiated (client TSval 1000). */
static void establish_ts(void)
{
	struct ut_opts o = ut_std_opts();
	struct ut_opts t = ts_opts(1001);

	ut_opt_ts(&o, 1000, 0);
	ut_syn(&o);
	ut_now += 10000;
	ut_send(ACK, NULL, 0, &t);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	ut_clear();
}

ROBUST_TEST(paws, old_timestamp_is_dropped_and_acked,
	    "RFC 7323 5.3: a segment whose TSval is older than TS.Recent (beyond the reordering tolerance) is an old duplicate: ACK, no data")
{
	struct ut_opts now = ts_opts(5000), old = ts_opts(1500);

	establish_ts();
	ut_send_data_opts(0, 500, PSH, &now);
	ut_expect_rx(0, 500);
	ut_poll();
	ut_clear();
	/* An old duplicate carrying new-looking data at the right sequence. */
	ut_send_data_opts(500, 500, PSH, &old);
	cr_expect_eq(ut_rxp.rx.nxt, 500, "PAWS-rejected bytes must not be stored");
	cr_expect_eq(MIB(PAWS_ESTAB), 1);
	ut_one_ack(ut_cl.isn + 501, "ACK for the rejected segment");
	/* The same bytes with a current timestamp are accepted. */
	ut_clear();
	now = ts_opts(5001);
	ut_send_data_opts(500, 500, PSH, &now);
	ut_expect_rx(500, 500);
}

ROBUST_TEST(paws, equal_timestamp_is_accepted,
	    "RFC 7323 5.3: TSval equal to TS.Recent passes (several segments per clock tick)")
{
	struct ut_opts t = ts_opts(3000);

	establish_ts();
	ut_send_data_opts(0, 100, PSH, &t);
	ut_send_data_opts(100, 100, PSH, &t);
	ut_expect_rx(0, 200);
	cr_expect_eq(MIB(PAWS_ESTAB), 0);
}

ROBUST_TEST(idle, keepalive_probes_then_reset,
	    "RFC 9293 3.8.4: after the idle time, probes at SND.NXT-1 every interval; unanswered -> RST, -ETIMEDOUT")
{
	struct ut_seg p;

	ut_establish(65535);
	tcp_set_keepalive(ut_ev.sk, 1000, 100, 3);
	ut_advance(999000);
	cr_expect_eq(ut_ncap, 0, "nothing before the idle time");
	ut_advance(2000);
	cr_assert_eq(ut_ncap, 1, "one probe");
	p = ut_last();
	cr_expect_eq(p.len, 0);
	cr_expect_eq(p.seq, ut_cl.peer_isn, "probe at SND.NXT - 1");
	cr_expect_eq(MIB(KEEPALIVE), 1);
	ut_advance(100000);
	ut_advance(100000);
	cr_expect_eq(MIB(KEEPALIVE), 3);
	cr_expect_eq(ut_ev.closed, 0);
	ut_advance(100000);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(MIB(KEEPALIVE_ABORT), 1);
	cr_expect_eq(ut_last().flags & RST, RST, "the peer is told with a RST");
}

ROBUST_TEST(idle, long_keepalive_and_idle_times,
	    "Linux's default keepalive time (7200 s) and a day's idle timeout (the config's maximum) are armed as given: no wrap of a 32-bit microsecond count at 71.6 min")
{
	ut_establish(65535);
	tcp_set_keepalive(ut_ev.sk, 7200000, 75000, 9);
	cr_expect_eq(ut_ev.sk->t_keep - ut_now, 7200000000ull, "keepalive deadline %llu us away",
		     (unsigned long long)(ut_ev.sk->t_keep - ut_now));
	tcp_set_idle_timeout(ut_ev.sk, 86400000);
	cr_expect_eq(ut_ev.sk->t_idle - ut_now, 86400000000ull, "idle deadline %llu us away",
		     (unsigned long long)(ut_ev.sk->t_idle - ut_now));
	ut_advance(10000);
	cr_expect_eq(ut_ncap, 0, "nothing sent early");
}

ROBUST_TEST(idle, keepalive_answer_restarts_the_idle_time,
	    "An answer to a probe (any segment) resets the probe count and the idle timer")
{
	ut_establish(65535);
	tcp_set_keepalive(ut_ev.sk, 1000, 100, 2);
	ut_advance(1001000);
	cr_expect_eq(MIB(KEEPALIVE), 1);
	ut_send(ACK, NULL, 0, NULL);          /* the peer answers */
	ut_clear();
	ut_advance(900000);
	cr_expect_eq(ut_ncap, 0, "idle time restarted by the answer");
	ut_advance(150000);
	cr_expect_eq(MIB(KEEPALIVE), 2, "probing again after a full idle time (probes %llu, sent %u)",
		     (unsigned long long)MIB(KEEPALIVE), ut_ncap);
	cr_expect_eq(ut_ev.closed, 0);
}

ROBUST_TEST(idle, idle_timeout_resets,
	    "No payload either way for the idle timeout: RST, closed(-ETIMEDOUT), IdleTimeouts")
{
	ut_establish(65535);
	tcp_set_idle_timeout(ut_ev.sk, 500);
	ut_advance(300000);
	ut_send_data_at(0, 100, PSH);         /* payload restarts it */
	ut_advance(400000);
	cr_expect_eq(ut_ev.closed, 0, "payload 400 ms ago");
	ut_advance(150000);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(MIB(IDLE_TIMEOUT), 1);
}

/* An ICMP error quoting captured segment i (IPv4 header + 8 bytes of TCP). */
static void icmp_about(unsigned int i, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq_delta)
{
	uint8_t q[28];

	cr_assert_lt(i, ut_ncap);
	memcpy(q, rte_pktmbuf_mtod(ut_cap[i], const uint8_t *), sizeof(q));
	if (seq_delta) {
		uint32_t seq = ut_get32(q + 24) + seq_delta;

		ut_put32(q + 24, seq);
	}
	tcp_icmp_input(ut_st, type, code, mtu, q, sizeof(q), ut_now);
}

ROBUST_TEST(icmp, frag_needed_lowers_the_mss_and_resends,
	    "RFC 1191: fragmentation needed with MTU 1000 -> segments of at most 960 bytes, resent from SND.UNA")
{
	ut_establish(65535);
	ut_queue_tx(4000);
	ut_poll();
	cr_assert_geq(ut_ncap, 2);
	icmp_about(0, 3, 4, 1000, 0);
	cr_expect_eq(MIB(ICMP_FRAG_NEEDED), 1);
	ut_clear();
	ut_poll();
	cr_assert_geq(ut_ncap, 1, "resent at once");
	ut_expect_tx(0, 0, 960);
	for (unsigned int i = 0; i < ut_ncap; i++)
		cr_expect_leq(ut_seg(i).len, 960, "segment %u exceeds the new path MSS", i);
}

ROBUST_TEST(icmp, bogus_errors_are_ignored,
	    "RFC 5927: an ICMP error quoting data not in flight, or a tiny MTU, changes nothing")
{
	ut_establish(65535);
	ut_queue_tx(2000);
	ut_poll();
	cr_assert_eq(ut_ncap, 2);
	icmp_about(0, 3, 4, 1000, 100000);     /* sequence far beyond SND.MAX */
	icmp_about(0, 3, 4, 300, 0);           /* MTU below 576 */
	icmp_about(0, 3, 1, 0, 0);             /* host unreachable on an established connection */
	cr_expect_eq(MIB(ICMP_FRAG_NEEDED), 0);
	cr_expect_eq(MIB(ICMP_IGNORED), 3);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	ut_clear();
	ut_poll();
	cr_expect_eq(ut_ncap, 0, "nothing is resent");
	ut_queue_tx(3000);
	ut_poll();
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_seg(0).len, 1460, "the MSS is unchanged");
}

ROBUST_TEST(icmp_connect, port_unreachable_fails_the_connect,
	    "RFC 1122 4.2.3.9: port unreachable in SYN_SENT -> closed(-ECONNREFUSED)")
{
	ut_connect();
	cr_assert_eq(ut_ncap, 1);
	icmp_about(0, 3, 3, 0, 0);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNREFUSED);
	cr_expect_eq(MIB(ICMP_REFUSED), 1);
	cr_expect_eq(MIB(ATTEMPT_FAILS), 1);
}

ROBUST_TEST(challenge, acks_are_rate_limited,
	    "RFC 5961 7: at most challenge_ack_limit challenge ACKs per second; the rest are counted")
{
	ut_establish(65535);
	for (int i = 0; i < 4; i++)
		ut_send_seq(ut_cl.snd_nxt + 100, RST, NULL, 0, NULL);
	cr_expect_eq(ut_ncap, 2, "limit 2 per second");
	cr_expect_eq(MIB(CHALLENGE_ACK), 2);
	cr_expect_eq(MIB(CHALLENGE_THROTTLED), 2);
	ut_clear();
	ut_advance(1000000);
	ut_send_seq(ut_cl.snd_nxt + 100, RST, NULL, 0, NULL);
	cr_expect_eq(ut_ncap, 1, "a new second, a new budget");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

ROBUST_TEST(challenge, too_old_ack_is_dropped,
	    "RFC 5961 5.2: a segment whose ACK is below SND.UNA - MAX.SND.WND is dropped with a challenge ACK; one within it is taken")
{
	struct ut_opts o = ut_std_opts();
	uint32_t acked;

	ut_cl.wnd = 250;                /* the SYN's 250, then 250 << 2: MAX.SND.WND is 1000 */
	ut_establish_with(&o, 250);
	for (int i = 0; i < 3; i++) {
		ut_queue_tx(1000);
		ut_poll();
		cr_assert_eq(ut_ncap, 1, "round %d: one segment of the window", i);
		cr_assert_eq(ut_last().len, 1000);
		ut_cl.rcv_nxt += 1000;
		ut_send(ACK, NULL, 0, NULL);
		ut_clear();
	}
	acked = ut_cl.rcv_nxt;          /* SND.UNA = 3001 */

	ut_cl.rcv_nxt = acked - 1001;   /* one byte older than the largest window */
	ut_send_data_at(0, 100, PSH);
	cr_expect_eq(ut_rxp.rx.nxt, 0, "the data of a segment with a too old ACK is not taken");
	cr_expect_eq(MIB(TOO_OLD_ACK), 1);
	cr_expect_eq(MIB(CHALLENGE_ACK), 1);
	ut_one_ack(ut_cl.isn + 1, "challenge ACK");
	cr_expect_eq(ut_last().seq, acked, "at SND.NXT");

	ut_clear();
	ut_cl.rcv_nxt = acked - 1000;   /* exactly SND.UNA - MAX.SND.WND: acceptable (old, not new) */
	ut_send_data_at(0, 100, PSH);
	ut_expect_rx(0, 100);
	cr_expect_eq(MIB(TOO_OLD_ACK), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

ROBUST_TEST(challenge, too_old_ack_before_the_iss,
	    "RFC 5961 5.2 in sequence space: early on, an ACK far below SND.UNA lies before the ISS; it is too old all the same")
{
	uint32_t acked;

	ut_establish(65535);            /* MAX.SND.WND 65535 << 2, SND.UNA = ISS + 1 */
	acked = ut_cl.rcv_nxt;
	ut_cl.rcv_nxt = acked - 300000;
	ut_send_data_at(0, 100, PSH);
	cr_expect_eq(ut_rxp.rx.nxt, 0);
	cr_expect_eq(MIB(TOO_OLD_ACK), 1);
	ut_one_ack(ut_cl.isn + 1, "challenge ACK");
	ut_clear();
	ut_cl.rcv_nxt = acked;
	ut_send_data_at(0, 100, PSH);
	ut_expect_rx(0, 100);
}

static struct tcp_pipe_mem tune_mem;

static int accept_tuned(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	(void)arg;
	(void)syn;
	ut_adopt(sk);
	tcp_pipe_fini(&ut_rxp);
	memset(&tune_mem, 0, sizeof(tune_mem));
	cr_assert_eq(tcp_pipe_init_tuned(&ut_rxp, 4096, 65536, &tune_mem), 0);
	return 0;
}

static void setup_tuned(void)
{
	ut_start(NULL);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_tuned, NULL), 0);
}

TestSuite(autotune, .init = setup_tuned);

ROBUST_TEST(autotune, window_limited_peer_gets_a_bigger_buffer,
	    "A peer that delivers half the buffer within an RTT was window-limited: the buffer grows, an ACK says so")
{
	struct ut_seg a;

	ut_establish(65535);             /* handshake RTT sample: 10 ms */
	cr_assert_eq(ut_rxp.cap, 4096);
	ut_send_data_at(0, 1400, PSH);   /* starts the measurement */
	tcp_pipe_consume(&ut_rxp, ut_rxp.rx.nxt);
	ut_send_data_at(1400, 1400, PSH);
	ut_send_data_at(2800, 1400, PSH);
	tcp_pipe_consume(&ut_rxp, ut_rxp.rx.nxt);
	ut_advance(10000);
	ut_clear();
	ut_send_data_at(4200, 1000, PSH);
	cr_expect_eq(MIB(RCVBUF_GROWN), 1);
	cr_expect_eq(ut_rxp.cap, 16384, "4 x 3800 delivered in one RTT, rounded to a power of two");
	cr_expect_eq(tune_mem.used, 16384);
	ut_expect_rx(4200, 1000);
	ut_poll();
	cr_assert_geq(ut_ncap, 1, "an ACK announces the room at once");
	a = ut_last();
	cr_expect_gt((uint32_t)a.wnd << 1, 4096u, "window beyond the old buffer: %u", (uint32_t)a.wnd << 1);
}

ROBUST_TEST(autotune, slow_peer_keeps_a_small_buffer,
	    "A peer that delivers little per RTT does not make the buffer grow")
{
	ut_establish(65535);
	for (int i = 0; i < 10; i++) {
		ut_send_data_at((uint32_t)i * 500, 500, PSH);
		tcp_pipe_consume(&ut_rxp, ut_rxp.rx.nxt);
		ut_advance(20000);
	}
	cr_expect_eq(MIB(RCVBUF_GROWN), 0);
	cr_expect_eq(ut_rxp.cap, 4096);
}

/* Our side closes first and sits in TIME_WAIT (client timestamps optional). */
static void into_time_wait(const struct ut_opts *tsopt)
{
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	ut_cl.rcv_nxt = ut_cl.peer_isn + 2;
	ut_send(ACK, NULL, 0, tsopt);
	ut_send(RTE_TCP_FIN_FLAG | ACK, NULL, 0, tsopt);
	cr_assert_eq(ut_state(), TCP_TIME_WAIT);
	ut_clear();
}

ROBUST_TEST(timewait, higher_sequence_syn_reuses_the_tuple,
	    "RFC 6191 (no timestamps): a SYN above the old sequence space ends TIME_WAIT and opens anew")
{
	struct ut_seg sa;

	ut_establish(65535);
	into_time_wait(NULL);
	ut_cl.isn += 100000;
	sa = ut_syn(NULL);
	cr_expect_eq(MIB(TW_RECYCLED), 1);
	cr_expect_eq(ut_ev.closed, 1, "the TIME_WAIT socket ended quietly");
	cr_expect_eq(ut_ev.closed_err, 0);
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	cr_expect_eq(sa.ack, ut_cl.isn + 1);
}

ROBUST_TEST(timewait, older_syn_is_answered_by_time_wait,
	    "A SYN below the old sequence space does not end TIME_WAIT: it gets an ACK")
{
	ut_establish(65535);
	into_time_wait(NULL);
	ut_cl.isn -= 100000;
	ut_send_seq(ut_cl.isn, SYN, NULL, 0, NULL);
	cr_expect_eq(MIB(TW_RECYCLED), 0);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, ACK);
}

ROBUST_TEST(timewait, newer_timestamp_reuses_even_with_a_lower_sequence,
	    "RFC 6191: with timestamps on both sides a newer TSval decides, whatever the sequence number")
{
	struct ut_opts o = ut_std_opts(), t = ts_opts(1002), syn = ut_std_opts();

	ut_opt_ts(&o, 1000, 0);
	ut_syn(&o);
	ut_now += 10000;
	ut_send(ACK, NULL, 0, &t);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	into_time_wait(&t);
	ut_cl.isn -= 100000;
	ut_opt_ts(&syn, 5000, 0);
	ut_syn(&syn);
	cr_expect_eq(MIB(TW_RECYCLED), 1);
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
}

ROBUST_TEST(paws, reordering_within_tolerance_is_accepted,
	    "A TSval a little older than TS.Recent (access-link jitter) is not taken for an old duplicate")
{
	struct ut_opts now = ts_opts(5000), late = ts_opts(4990);

	establish_ts();
	ut_send_data_opts(0, 500, PSH, &now);
	ut_send_data_opts(500, 500, PSH, &late);
	ut_expect_rx(0, 1000);
	cr_expect_eq(MIB(PAWS_ESTAB), 0);
}

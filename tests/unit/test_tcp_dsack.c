/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp as a receiver sending D-SACK (RFC 2883): a scripted client sends
 * data twice and the ACKs are read block by block. Each test ends by freeing
 * the stack and checking that no mbuf leaked.
 */
#include "seghelp.h"

#define MIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define DELACK_US 40000

static void setup(void)
{
	ut_start_listening(NULL);
}

TestSuite(dsack, .init = setup);

#define DSACK_TEST(name, desc) UT_TEST(dsack, name, desc, ut_stop)

/* The SACK blocks of s as client stream offsets {left, right}; how many (0: no SACK option). */
static int blocks_of(const struct ut_seg *s, uint32_t (*b)[2])
{
	uint8_t len;
	const uint8_t *p = ut_find_opt(s, 5, &len);

	if (p == NULL)
		return 0;
	cr_assert_eq((len - 2) % 8, 0, "SACK option length %u", len);
	for (int i = 0; i < (len - 2) / 8; i++) {
		b[i][0] = ut_get32(p + 2 + 8 * i) - (ut_cl.isn + 1);
		b[i][1] = ut_get32(p + 6 + 8 * i) - (ut_cl.isn + 1);
	}
	return (len - 2) / 8;
}

static void expect_block(const uint32_t (*b)[2], int i, uint32_t from, uint32_t to, const char *what)
{
	cr_expect(b[i][0] == from && b[i][1] == to, "%s: block %d is [%u, %u), want [%u, %u)", what, i, b[i][0],
		  b[i][1], from, to);
}

/* Handshake with SACK, window scale and timestamps; the client stamps every segment after it. */
static void establish_ts(void)
{
	struct ut_opts o = ut_std_opts(), t = {0};

	ut_opt_ts(&o, 1000, 0);
	ut_syn(&o);
	ut_now += 10000;
	ut_opt_ts(&t, 1001, 0);
	ut_send(ACK, NULL, 0, &t);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	ut_cl.ts = true;
	ut_cl.tsval = 2000;
	ut_clear();
}

/* Client bytes [0, 2000) in two segments, ACKed at once (the second of two). */
static void receive_2000(void)
{
	ut_send_data_at(0, 1000, 0);
	ut_send_data_at(1000, 1000, 0);
	ut_expect_rx(0, 2000);
	ut_one_ack(ut_cl.isn + 2001, "ACK of two segments");
	ut_clear();
}

DSACK_TEST(old_duplicate_is_the_first_block_once,
	   "RFC 2883 4: a segment wholly below RCV.NXT -> an ACK at once whose first SACK block is it (TCPDSACKOldSent); the next ACK has no D-SACK")
{
	struct ut_seg a;
	uint32_t b[4][2];

	ut_establish(65535);
	receive_2000();
	ut_send_data_at(0, 1000, 0);
	a = ut_one_ack(ut_cl.isn + 2001, "duplicate ACK");
	cr_assert_eq(blocks_of(&a, b), 1, "one block: the D-SACK");
	expect_block(b, 0, 0, 1000, "D-SACK");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
	cr_expect_eq(MIB(DSACK_OFO_SENT), 0);
	cr_expect_eq(ut_rxp.rx.nxt, 2000, "nothing stored twice");

	ut_clear();
	ut_send_data_at(2000, 1000, 0);
	ut_send_data_at(3000, 1000, 0);
	a = ut_one_ack(ut_cl.isn + 4001, "next ACK");
	cr_expect_null(ut_find_opt(&a, 5, NULL), "the D-SACK was reported once");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
}

DSACK_TEST(straddling_segment_reports_its_old_head,
	   "RFC 2883 4: a segment across RCV.NXT -> D-SACK of the part below it, the new part is taken, the ACK goes at once")
{
	struct ut_seg a;
	uint32_t b[4][2];

	ut_establish(65535);
	ut_send_data_at(0, 1000, 0);
	ut_advance(DELACK_US);
	ut_one_ack(ut_cl.isn + 1001, "delayed ACK");
	ut_clear();
	ut_send_data_at(500, 1000, PSH);
	ut_expect_rx(0, 1500);
	a = ut_one_ack(ut_cl.isn + 1501, "ACK of the new part, not delayed");
	cr_assert_eq(blocks_of(&a, b), 1);
	expect_block(b, 0, 500, 1000, "D-SACK of the old head");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
}

DSACK_TEST(ofo_duplicate_then_its_block,
	   "RFC 2883 4.1.3: data held out of order received again -> D-SACK first, the block holding it second, the other blocks after (TCPDSACKOfoSent)")
{
	struct ut_seg a;
	uint32_t b[4][2];

	ut_establish(65535);
	ut_send_data_at(3000, 500, 0);
	ut_send_data_at(1000, 500, 0);
	ut_send_data_at(1500, 500, 0);
	ut_clear();
	ut_send_data_at(1000, 500, 0);
	a = ut_one_ack(ut_cl.isn + 1, "duplicate ACK");
	cr_assert_eq(blocks_of(&a, b), 3);
	expect_block(b, 0, 1000, 1500, "D-SACK");
	expect_block(b, 1, 1000, 2000, "the block holding it");
	expect_block(b, 2, 3000, 3500, "the other block");
	cr_expect_eq(MIB(DSACK_OFO_SENT), 1);
	cr_expect_eq(MIB(DSACK_OLD_SENT), 0);

	ut_clear();
	ut_send_data_at(500, 100, 0);
	a = ut_one_ack(ut_cl.isn + 1, "next duplicate ACK");
	cr_assert_eq(blocks_of(&a, b), 3);
	expect_block(b, 0, 500, 600, "RFC 2018: the latest arrival, no D-SACK any more");
	expect_block(b, 1, 1000, 2000, "the arrival before");
	cr_expect_eq(MIB(DSACK_OFO_SENT), 1);
}

DSACK_TEST(in_order_segment_overlapping_the_queue,
	   "RFC 2883 4: an in-order segment that repeats part of the queued data -> D-SACK of that part (below the new cumulative ACK)")
{
	struct ut_seg a;
	uint32_t b[4][2];

	ut_establish(65535);
	ut_send_data_at(500, 500, 0);
	ut_clear();
	ut_send_data_at(0, 700, 0);
	ut_expect_rx(0, 1000);
	a = ut_one_ack(ut_cl.isn + 1001, "cumulative ACK");
	cr_assert_eq(blocks_of(&a, b), 1);
	expect_block(b, 0, 500, 700, "D-SACK");
	cr_expect_eq(MIB(DSACK_OFO_SENT), 1);
}

DSACK_TEST(no_sack_no_dsack, "RFC 2883 4: without SACK-permitted on the SYN, duplicates get a plain ACK")
{
	struct ut_opts o = {0};
	struct ut_seg a;

	ut_opt_mss(&o, 1460);
	ut_opt_ws(&o, 2);
	ut_establish_with(&o, 65535);
	receive_2000();
	ut_send_data_at(0, 1000, 0);
	a = ut_one_ack(ut_cl.isn + 2001, "duplicate ACK");
	cr_expect_null(ut_find_opt(&a, 5, NULL), "no SACK option");
	ut_clear();
	ut_send_data_at(3000, 500, 0);
	ut_send_data_at(3000, 500, 0);
	cr_expect_eq(ut_ncap, 2);
	for (unsigned int i = 0; i < ut_ncap; i++) {
		a = ut_seg(i);
		cr_expect_null(ut_find_opt(&a, 5, NULL), "ACK %u: no SACK option", i);
	}
	cr_expect_eq(MIB(DSACK_OLD_SENT) + MIB(DSACK_OFO_SENT), 0);
}

DSACK_TEST(timestamps_leave_room_for_dsack_and_two,
	   "RFC 2883 4 / RFC 2018 3: with timestamps the option space holds the D-SACK and the two most recent blocks")
{
	struct ut_seg a;
	uint32_t b[4][2];

	establish_ts();
	ut_send_data_at(1000, 100, 0);
	ut_send_data_at(2000, 100, 0);
	ut_send_data_at(3000, 100, 0);
	ut_clear();
	ut_send_data_at(2000, 100, 0);
	a = ut_one_ack(ut_cl.isn + 1, "duplicate of held data");
	cr_expect_not_null(ut_find_opt(&a, 8, NULL), "timestamps");
	cr_expect_eq(a.optlen, 40, "options fill the header");
	cr_assert_eq(blocks_of(&a, b), 3);
	expect_block(b, 0, 2000, 2100, "D-SACK");
	expect_block(b, 1, 2000, 2100, "the block holding it");
	expect_block(b, 2, 3000, 3100, "the most recent other");

	ut_clear();
	ut_send_data_at(0, 500, 0);
	a = ut_one_ack(ut_cl.isn + 501, "ACK of part of the hole");
	cr_assert_eq(blocks_of(&a, b), 3, "three blocks, none a D-SACK");
	expect_block(b, 0, 2000, 2100, "latest out-of-order arrival");

	ut_clear();
	ut_send_data_at(0, 500, 0);
	a = ut_one_ack(ut_cl.isn + 501, "duplicate below RCV.NXT");
	cr_assert_eq(blocks_of(&a, b), 3);
	expect_block(b, 0, 0, 500, "D-SACK");
	expect_block(b, 1, 2000, 2100, "first SACK block");
	expect_block(b, 2, 3000, 3100, "second SACK block");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
	cr_expect_eq(MIB(DSACK_OFO_SENT), 1);
}

DSACK_TEST(keepalives,
	   "As Linux: a keepalive without payload at RCV.NXT-1 gets a plain ACK; one with a garbage byte gets a D-SACK of that byte")
{
	struct ut_seg a;
	uint32_t b[4][2];

	ut_establish(65535);
	receive_2000();
	ut_send_seq(ut_cl.isn + 2000, ACK, NULL, 0, NULL);
	a = ut_one_ack(ut_cl.isn + 2001, "keepalive answer");
	cr_expect_null(ut_find_opt(&a, 5, NULL), "no D-SACK for zero bytes");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 0);
	ut_clear();
	ut_send_data_at(1999, 1, 0);
	a = ut_one_ack(ut_cl.isn + 2001, "answer to a 1-byte keepalive");
	cr_assert_eq(blocks_of(&a, b), 1);
	expect_block(b, 0, 1999, 2000, "D-SACK of the byte");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
}

DSACK_TEST(paws_rejected_duplicate,
	   "RFC 7323 5.3 with RFC 2883 4 (Linux's tcp_send_dupack): an old duplicate dropped by PAWS is D-SACKed too")
{
	struct ut_seg a;
	uint32_t b[4][2];

	establish_ts();
	ut_send_data_at(0, 500, PSH);
	ut_advance(DELACK_US);
	ut_clear();
	ut_cl.tsval = 100;            /* older than TS.Recent by more than the tolerance */
	ut_send_data_at(0, 500, PSH);
	cr_expect_eq(MIB(PAWS_ESTAB), 1);
	a = ut_one_ack(ut_cl.isn + 501, "ACK of the rejected segment");
	cr_assert_eq(blocks_of(&a, b), 1);
	expect_block(b, 0, 0, 500, "D-SACK");
}

DSACK_TEST(full_data_segments_leave_it_to_an_ack,
	   "A D-SACK due while full-sized data goes out (no option room in those) is sent in a pure ACK of its own, once")
{
	uint32_t b[4][2];
	unsigned int data = 0, with_sack = 0;

	ut_establish(65535);
	receive_2000();
	ut_queue_tx(30000);
	ut_poll();
	cr_assert_geq(ut_ncap, 2, "a window of data out");
	ut_clear();
	/* A retransmission straddling RCV.NXT that also acknowledges two of our segments. */
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + 2920;
	ut_send_data_at(1500, 1000, 0);
	ut_expect_rx(0, 2500);
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);

		if (s.len)
			data++;
		if (blocks_of(&s, b) == 0)
			continue;
		with_sack++;
		cr_expect_eq(s.ack, ut_cl.isn + 2501, "segment %u acknowledges the new part", i);
		expect_block(b, 0, 1500, 2000, "D-SACK");
	}
	cr_expect_gt(data, 0, "the ACK opened the window: data went out");
	cr_expect_eq(with_sack, 1, "exactly one segment carries the D-SACK");
	cr_expect_eq(MIB(DSACK_OLD_SENT), 1);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering between workers (app/steer.c): which worker processes a
 * received segment, from the segment alone and the receiving worker's own
 * redirect table; and the hand-off of an MP_JOIN SYN through the owner's ring.
 */
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_ring.h>

#include "mptcp/mptcp_options.h"
#include "config.h"
#include "steer.h"

#define SVC_ADDR 0x0a0a0001u     /* 10.10.0.1: the listener */
#define SVC_PORT 8080
#define CLI_ADDR 0x0a0a0202u

static void eal(void)
{
	static bool done;
	char prefix[32];

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "st%d", (int)getpid());
	char *argv[] = {"ut", "--no-huge", "--no-pci", "-m", "64", "--no-shconf", "--no-telemetry",
			"--log-level=*:error", "--file-prefix", prefix, "-l", "0", NULL};

	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	rmdir(rte_eal_get_runtime_dir());
	done = true;
}

/* An IPv4/TCP segment from the client (or from a server when to_port is ours). */
struct seg {
	struct rte_ipv4_hdr ip;
	struct rte_tcp_hdr th;
	uint8_t opt[40];
} __attribute__((packed));

static struct seg mkseg(uint32_t src, uint16_t sport, uint16_t dport, uint8_t flags, const uint8_t *opt,
			uint8_t optlen)
{
	struct seg s;

	memset(&s, 0, sizeof(s));
	s.ip.version_ihl = 0x45;
	s.ip.next_proto_id = IPPROTO_TCP;
	s.ip.src_addr = rte_cpu_to_be_32(src);
	s.ip.dst_addr = rte_cpu_to_be_32(SVC_ADDR);
	s.th.src_port = rte_cpu_to_be_16(sport);
	s.th.dst_port = rte_cpu_to_be_16(dport);
	s.th.tcp_flags = flags;
	s.th.data_off = (uint8_t)(((sizeof(s.th) + optlen + 3) / 4) << 4);
	if (optlen)
		memcpy(s.opt, opt, optlen);
	return s;
}

static unsigned owner_of(struct hag_steer *st, const struct seg *s)
{
	return hag_steer_owner(st, &s->ip, &s->th, (uint32_t)((s->th.data_off >> 4) * 4), false);
}

/* MP_JOIN SYN option with this token. */
static void join_opt(uint8_t o[12], uint32_t token)
{
	const uint8_t h[4] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_JOIN << 4, 1};

	memcpy(o, h, 4);
	o[4] = (uint8_t)(token >> 24);
	o[5] = (uint8_t)(token >> 16);
	o[6] = (uint8_t)(token >> 8);
	o[7] = (uint8_t)token;
	memset(o + 8, 0x5a, 4);
}

static struct hag_steer w[2];

static void two_workers(void)
{
	eal();
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(hag_steer_init(&w[i], i, 2, 1024, SOCKET_ID_ANY, 32768, 60999), 0);
		cr_assert_eq(hag_steer_add_listener(&w[i], SVC_PORT), 0);
	}
}

static void two_done(void)
{
	hag_steer_fini(&w[0]);
	hag_steer_fini(&w[1]);
}

TestSuite(steering, .init = two_workers, .fini = two_done);

Test(steering, one_worker_keeps_everything, .description = "With one worker every segment is its own")
{
	struct hag_steer one;
	uint8_t o[12];
	struct seg s;

	join_opt(o, 0x12345679);
	s = mkseg(CLI_ADDR, 40000, SVC_PORT, RTE_TCP_SYN_FLAG, o, 12);
	cr_assert_eq(hag_steer_init(&one, 0, 1, 64, SOCKET_ID_ANY, 32768, 60999), 0);
	cr_expect_eq(owner_of(&one, &s), 0);
	hag_steer_fini(&one);
	cr_expect_eq(hag_steer_init(&one, 2, 2, 64, SOCKET_ID_ANY, 32768, 60999), -EINVAL);
}

Test(steering, replies_go_to_the_port_owner,
     .description = "A reply to an active open goes to the worker whose block of tcp.local_ports holds its destination port")
{
	struct seg low = mkseg(0x0a140002, 9000, 40001, RTE_TCP_ACK_FLAG, NULL, 0);
	struct seg high = mkseg(0x0a140002, 9000, 50000, RTE_TCP_ACK_FLAG, NULL, 0);

	/* 32768-60999 in two blocks: 32768-46883 and 46884-60999. */
	cr_expect_eq(owner_of(&w[0], &low), 0);
	cr_expect_eq(owner_of(&w[0], &high), 1);
	cr_expect_eq(owner_of(&w[1], &high), 1);
	cr_expect_eq(owner_of(&w[1], &low), 0);
	cr_expect_eq(w[0].mib[STEER_MIB_REPLY_HANDOFF], 1);
	cr_expect_eq(w[1].mib[STEER_MIB_REPLY_HANDOFF], 1);
}

Test(steering, port_blocks_agree_with_the_config_split,
     .description = "For several ranges and worker counts, every port of a worker's block (hag_port_block) steers to that worker; blocks are contiguous, disjoint and cover the range")
{
	static const uint16_t ranges[][2] = { {32768, 60999}, {1024, 65535}, {40000, 40063}, {10000, 10130} };
	static const unsigned ns[] = { 1, 2, 3, 7, 64 };

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
			unsigned n = ns[k];
			struct hag_steer st;
			uint32_t next = ranges[r][0];

			if ((uint32_t)ranges[r][1] - ranges[r][0] + 1 < n)
				continue;
			cr_assert_eq(hag_steer_init(&st, 0, n, 64, SOCKET_ID_ANY, ranges[r][0], ranges[r][1]), 0);
			for (unsigned wk = 0; wk < n; wk++) {
				uint16_t lo, hi;

				hag_port_block(ranges[r][0], ranges[r][1], n, wk, &lo, &hi);
				cr_assert_eq(lo, next, "range %u-%u, %u workers: block %u starts at %u", ranges[r][0],
					     ranges[r][1], n, wk, lo);
				cr_assert_geq(hi, lo);
				for (uint32_t p = lo; p <= hi; p++)
					cr_assert_eq(hag_steer_port_owner(&st, (uint16_t)p), wk, "port %u", p);
				next = (uint32_t)hi + 1;
			}
			cr_assert_eq(next, (uint32_t)ranges[r][1] + 1, "the blocks cover the range");
			hag_steer_fini(&st);
		}
}

Test(steering, intercepted_segments_are_steered_like_a_listener_s,
     .description = "Transparent mode: a segment to another host's port (not a listener's) is steered by its flow hash or join token, not as a reply")
{
	uint8_t o[12];
	struct seg data = mkseg(CLI_ADDR, 40001, 50000, RTE_TCP_ACK_FLAG, NULL, 0);
	unsigned h = hag_steer_flow_worker(&w[0], SVC_ADDR, 50000, CLI_ADDR, 40001);

	cr_expect_eq(hag_steer_owner(&w[0], &data.ip, &data.th, 20, true), h);
	cr_expect_eq(hag_steer_owner(&w[1], &data.ip, &data.th, 20, true), h);
	join_opt(o, 0xabcdef01);      /* odd: worker 1 */
	struct seg syn = mkseg(CLI_ADDR, 40002, 50000, RTE_TCP_SYN_FLAG, o, 12);
	cr_expect_eq(hag_steer_owner(&w[0], &syn.ip, &syn.th, 32, true), 1);
}

Test(steering, join_follows_its_token_and_the_subflow_its_owner,
     .description = "A join SYN for worker 1's token goes to 1 from any worker; its later segments follow once 1 has told every worker")
{
	uint8_t o[12];
	struct seg syn, ack;
	unsigned hashed = hag_steer_flow_worker(&w[0], SVC_ADDR, SVC_PORT, CLI_ADDR, 40100);

	join_opt(o, 0xabcdef01);      /* odd: worker 1 */
	syn = mkseg(CLI_ADDR, 40100, SVC_PORT, RTE_TCP_SYN_FLAG, o, 12);
	ack = mkseg(CLI_ADDR, 40100, SVC_PORT, RTE_TCP_ACK_FLAG, NULL, 0);
	cr_expect_eq(owner_of(&w[0], &syn), 1);
	cr_expect_eq(owner_of(&w[1], &syn), 1);
	cr_expect_eq(w[0].mib[STEER_MIB_JOIN_HANDOFF], 1);
	cr_expect_eq(w[1].mib[STEER_MIB_JOIN_HANDOFF], 0);
	cr_expect_eq(owner_of(&w[0], &ack), hashed, "not told yet: the hash worker");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(hag_steer_learn(&w[i], SVC_ADDR, SVC_PORT, CLI_ADDR, 40100, 1), 0);
	cr_expect_eq(owner_of(&w[0], &ack), 1, "the subflow's ACK follows its owner");
	cr_expect_eq(owner_of(&w[1], &ack), 1);
	cr_expect_eq(hag_steer_redirects(&w[0]), 1);
	for (int i = 0; i < 2; i++)
		hag_steer_forget(&w[i], SVC_ADDR, SVC_PORT, CLI_ADDR, 40100);
	cr_expect_eq(owner_of(&w[0], &ack), hashed, "forgotten once the subflow is gone");
	cr_expect_eq(hag_steer_redirects(&w[0]), 0);
}

Test(steering, every_worker_picks_the_same_owner,
     .description = "MP_CAPABLE SYNs, plain segments and SYN/ACK-like segments: both workers name the same owner, the hash worker; the hash spreads flows")
{
	const uint8_t mpc[4] = {TCPOPT_MPTCP, 4, 0x01, 0x01};
	uint8_t o[12];
	unsigned per[2] = {0, 0};

	join_opt(o, 0xabcdef03);
	for (uint16_t p = 1024; p < 1024 + 4000; p++) {
		struct seg cap = mkseg(CLI_ADDR + (p & 7), p, SVC_PORT, RTE_TCP_SYN_FLAG, mpc, 4);
		struct seg data = mkseg(CLI_ADDR + (p & 7), p, SVC_PORT, RTE_TCP_ACK_FLAG, NULL, 0);
		struct seg synack = mkseg(CLI_ADDR + (p & 7), p, SVC_PORT, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, o, 12);
		unsigned h = hag_steer_flow_worker(&w[0], SVC_ADDR, SVC_PORT, CLI_ADDR + (p & 7), p);

		cr_assert_eq(owner_of(&w[0], &cap), h);
		cr_assert_eq(owner_of(&w[1], &cap), h);
		cr_assert_eq(owner_of(&w[1], &data), h);
		cr_assert_eq(owner_of(&w[0], &synack), h, "only a SYN without ACK is a join to steer");
		per[h]++;
	}
	cr_expect_eq(w[0].mib[STEER_MIB_JOIN_HANDOFF] + w[1].mib[STEER_MIB_JOIN_HANDOFF], 0);
	cr_expect_eq(w[0].mib[STEER_MIB_FLOW_HANDOFF], 2 * per[1], "worker 0 handed over what hashes to 1");
	cr_expect(per[0] > 1800 && per[1] > 1800, "spread %u/%u", per[0], per[1]);
}

Test(steering, redirect_table_full_is_counted,
     .description = "More subflows than the redirect table holds: refused with -ENOSPC and counted, never lost silently")
{
	unsigned refused = 0;

	for (uint32_t i = 0; i < 8192; i++)
		if (hag_steer_learn(&w[0], SVC_ADDR, SVC_PORT, CLI_ADDR + (i >> 12), (uint16_t)(1024 + (i & 4095)), 1) ==
		    -ENOSPC)
			refused++;
	cr_expect_gt(refused, 0);
	cr_expect_eq(w[0].mib[STEER_MIB_REDIRECT_FULL], refused);
	cr_expect_eq(hag_steer_redirects(&w[0]) + refused, 8192);
}

Test(steering, malformed_header_stays, .description = "A TCP header length past the segment: this worker counts and drops it")
{
	struct seg s = mkseg(CLI_ADDR, 40300, SVC_PORT, RTE_TCP_ACK_FLAG, NULL, 0);

	s.th.data_off = 0xf0;     /* 60 bytes claimed */
	cr_expect_eq(hag_steer_owner(&w[0], &s.ip, &s.th, 20, false), 0);
	cr_expect_eq(hag_steer_owner(&w[0], &s.ip, &s.th, 10, false), 0);
}

Test(steering, join_handed_over_a_ring, .description = "Worker 0 hands a join SYN over worker 1's ring; worker 1 finds it its own")
{
	struct rte_ring *r = rte_ring_create("steer_r1", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	uint8_t o[12];
	struct seg syn;
	void *got = NULL;

	cr_assert_not_null(r);
	join_opt(o, 0x00000007);      /* odd: worker 1 */
	syn = mkseg(CLI_ADDR, 40400, SVC_PORT, RTE_TCP_SYN_FLAG, o, 12);
	cr_assert_eq(owner_of(&w[0], &syn), 1);
	cr_assert_eq(rte_ring_mp_enqueue(r, &syn), 0);
	cr_assert_eq(rte_ring_sc_dequeue(r, &got), 0);
	cr_expect_eq(got, &syn);
	cr_expect_eq(owner_of(&w[1], got), 1, "the owner processes it: no ping-pong");
	cr_expect_eq(w[1].mib[STEER_MIB_JOIN_HANDOFF], 0);
	rte_ring_free(r);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the unit tests that need mbufs: EAL start (once per test
 * process; Criterion runs every test in its own process), one pktmbuf pool,
 * a segment builder (IPv4 + TCP with correct checksums, computed by DPDK,
 * not by the code under test), a parser for what the stack sends, the
 * capture of that output, and a scripted peer ("the client") for lib/tcp.
 *
 * Everything is static inline: each test file uses only part of it and
 * links only the libraries it needs.
 */
#ifndef HAG_UT_SEGHELP_H
#define HAG_UT_SEGHELP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "tcp/tcp.h"
#include "tcp/tcp_sock.h"

/*
 * A test whose body is followed by a check that runs in the test itself
 * (Criterion 2.4 does not fail a test for an assertion in .fini), e.g.
 * UT_TEST(tcp, passive_open, "...", ut_stop) { ... }
 */
#define UT_TEST(suite, name, desc, finish)                                   \
	static void ut_body_##suite##_##name(void);                          \
	Test(suite, name, .description = desc)                               \
	{                                                                     \
		ut_body_##suite##_##name();                                  \
		finish();                                                     \
	}                                                                     \
	static void ut_body_##suite##_##name(void)

#define UT_POOL_MBUFS 4096
#define UT_MAX_CAPTURE 1024

static struct rte_mempool *ut_pool;

/* Start EAL in this process (no hugepages, no PCI, no shared files) and make the pool. */
static inline void ut_eal_init(void)
{
	static bool done;
	char prefix[32];

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "ut%d", (int)getpid());
	char *argv[] = {"ut", "--no-huge", "--no-pci", "-m", "64", "--no-shconf", "--no-telemetry",
			"--log-level=*:error", "--file-prefix", prefix, "-l", "0", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
	/* With --no-shconf nothing is put in the runtime directory: do not leave it behind. */
	rmdir(rte_eal_get_runtime_dir());
	ut_pool = rte_pktmbuf_pool_create("ut_pool", UT_POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	cr_assert_not_null(ut_pool, "pktmbuf pool");
	done = true;
}

/* Teardown: every mbuf is back in the pool. */
static inline void ut_assert_no_leak(void)
{
	cr_assert_eq(rte_mempool_in_use_count(ut_pool), 0, "%u mbufs leaked",
		     rte_mempool_in_use_count(ut_pool));
}

/* Output capture: the stack's conf.output. */
static struct rte_mbuf *ut_cap[UT_MAX_CAPTURE];
static uint64_t ut_cap_t[UT_MAX_CAPTURE];
static unsigned int ut_ncap, ut_cap_lost;
static uint64_t ut_now = 1000000;     /* test clock, microseconds */

static inline int ut_capture(void *arg, struct rte_mbuf *m, uint32_t dst_ip, void *route)
{
	(void)arg;
	(void)dst_ip;
	(void)route;
	if (ut_ncap == UT_MAX_CAPTURE) {
		ut_cap_lost++;
		rte_pktmbuf_free(m);
		return 0;
	}
	ut_cap_t[ut_ncap] = ut_now;
	ut_cap[ut_ncap++] = m;
	return 0;
}

/* Forget (and free) everything captured so far. */
static inline void ut_clear(void)
{
	for (unsigned int i = 0; i < ut_ncap; i++)
		rte_pktmbuf_free(ut_cap[i]);
	ut_ncap = 0;
}

/* Byte buffer of TCP options. */
struct ut_opts {
	uint8_t b[40];
	uint8_t n;
};

static inline void ut_opt_bytes(struct ut_opts *o, const void *p, uint8_t n)
{
	cr_assert_leq(o->n + n, 40, "options overflow");
	memcpy(o->b + o->n, p, n);
	o->n = (uint8_t)(o->n + n);
}

static inline void ut_opt_mss(struct ut_opts *o, uint16_t mss)
{
	const uint8_t b[] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};

	ut_opt_bytes(o, b, sizeof(b));
}

static inline void ut_opt_ws(struct ut_opts *o, uint8_t shift)
{
	const uint8_t b[] = {1, 3, 3, shift};

	ut_opt_bytes(o, b, sizeof(b));
}

static inline void ut_opt_sackok(struct ut_opts *o)
{
	const uint8_t b[] = {1, 1, 4, 2};

	ut_opt_bytes(o, b, sizeof(b));
}

static inline void ut_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t ut_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ut_get64(const uint8_t *p)
{
	return (uint64_t)ut_get32(p) << 32 | ut_get32(p + 4);
}

static inline void ut_opt_ts(struct ut_opts *o, uint32_t val, uint32_t ecr)
{
	uint8_t b[12] = {1, 1, 8, 10};

	ut_put32(b + 4, val);
	ut_put32(b + 8, ecr);
	ut_opt_bytes(o, b, sizeof(b));
}

/* SACK blocks (RFC 2018 3) as absolute sequence numbers {left, right}. */
static inline void ut_opt_sack(struct ut_opts *o, int n, const uint32_t (*blk)[2])
{
	uint8_t b[36] = {1, 1, 5, (uint8_t)(2 + 8 * n)};

	for (int i = 0; i < n; i++) {
		ut_put32(b + 4 + 8 * i, blk[i][0]);
		ut_put32(b + 8 + 8 * i, blk[i][1]);
	}
	ut_opt_bytes(o, b, (uint8_t)(4 + 8 * n));
}

/* A segment to feed in: host byte order everywhere. */
struct ut_seg_spec {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opt;       /* padded with NOPs to a multiple of 4 */
	uint8_t optlen;
	const void *data;
	uint16_t len;
};

/* Build IPv4 + TCP in one mbuf, data at the IPv4 header, checksums right. */
static inline struct rte_mbuf *ut_build(const struct ut_seg_spec *s)
{
	uint8_t olen = (uint8_t)((s->optlen + 3) & ~3);
	uint16_t hlen = (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + olen);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	cr_assert_not_null(m, "mbuf for an input segment");
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + s->len));
	cr_assert_not_null(p);
	ip = (struct rte_ipv4_hdr *)p;
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + s->len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(s->saddr);
	ip->dst_addr = rte_cpu_to_be_32(s->daddr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = rte_cpu_to_be_16(s->sport);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd);
	th->tcp_urp = 0;
	th->cksum = 0;
	memset(th + 1, 1, olen);
	if (s->optlen)
		memcpy(th + 1, s->opt, s->optlen);
	if (s->len)
		memcpy(p + hlen, s->data, s->len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

/* A segment the stack sent, decoded. */
struct ut_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opt;
	uint8_t optlen;
	const uint8_t *data;
	uint16_t len;
	uint64_t t;               /* ut_now when it was sent */
};

/* Decode captured packet i; the IPv4 and TCP checksums must be right. */
static inline struct ut_seg ut_seg(unsigned int i)
{
	struct ut_seg s;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint16_t tot, doff;

	cr_assert_lt(i, ut_ncap, "segment %u not sent (only %u)", i, ut_ncap);
	ip = rte_pktmbuf_mtod(ut_cap[i], const struct rte_ipv4_hdr *);
	cr_assert_eq(ip->version_ihl, 0x45);
	cr_assert_eq(ip->next_proto_id, IPPROTO_TCP);
	cr_assert_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff, "segment %u: IPv4 checksum", i);
	tot = rte_be_to_cpu_16(ip->total_length);
	cr_assert_eq(tot, rte_pktmbuf_data_len(ut_cap[i]), "segment %u: IP length vs mbuf", i);
	th = (const struct rte_tcp_hdr *)(ip + 1);
	doff = (uint16_t)((th->data_off >> 4) * 4);
	cr_assert_geq(doff, 20);
	cr_assert_leq(doff, tot - 20);
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, th), 0, "segment %u: TCP checksum", i);
	s.saddr = rte_be_to_cpu_32(ip->src_addr);
	s.daddr = rte_be_to_cpu_32(ip->dst_addr);
	s.sport = rte_be_to_cpu_16(th->src_port);
	s.dport = rte_be_to_cpu_16(th->dst_port);
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.flags = th->tcp_flags;
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.opt = (const uint8_t *)(th + 1);
	s.optlen = (uint8_t)(doff - 20);
	s.data = (const uint8_t *)th + doff;
	s.len = (uint16_t)(tot - 20 - doff);
	s.t = ut_cap_t[i];
	return s;
}

/* The last segment sent. */
static inline struct ut_seg ut_last(void)
{
	cr_assert_gt(ut_ncap, 0, "nothing was sent");
	return ut_seg(ut_ncap - 1);
}

/*
 * The nth (from 0) option of this kind in s, walked independently of
 * tcp_parse_options; NULL when absent. *len gets its length byte.
 */
static inline const uint8_t *ut_find_opt_n(const struct ut_seg *s, uint8_t kind, int nth, uint8_t *len)
{
	uint8_t i = 0;

	while (i < s->optlen) {
		uint8_t k = s->opt[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		cr_assert_lt(i + 1, s->optlen, "option %u runs past the header", k);
		cr_assert_geq(s->opt[i + 1], 2, "option %u: length < 2", k);
		cr_assert_leq(i + s->opt[i + 1], s->optlen, "option %u runs past the header", k);
		if (k == kind && nth-- == 0) {
			if (len)
				*len = s->opt[i + 1];
			return s->opt + i;
		}
		i = (uint8_t)(i + s->opt[i + 1]);
	}
	return NULL;
}

static inline const uint8_t *ut_find_opt(const struct ut_seg *s, uint8_t kind, uint8_t *len)
{
	return ut_find_opt_n(s, kind, 0, len);
}

/*
 * The scripted peer. "Client" is the test's side, "server" the stack's;
 * for an active open the roles of who sent the SYN are swapped, the names
 * stay. Sequence numbers are the client's wire values.
 */
#define UT_CADDR 0x0a000002u   /* 10.0.0.2 */
#define UT_SADDR 0x0a000001u   /* 10.0.0.1 */
#define UT_CPORT 40000
#define UT_SPORT 80

struct ut_events {
	int established, readable, writable, peer_fin, closed, replaced;
	int parked, resumed, park_ended;   /* MPTCP break-before-make */
	int closed_err;
	struct tcp_sock *sk;       /* NULL once closed() was delivered */
};

static struct ut_events ut_ev;
static struct tcp_stack *ut_st;
static struct tcp_pipe ut_rxp, ut_txp;      /* the stack side's pipes */

/* The client's view. */
struct ut_client {
	uint32_t isn, snd_nxt;     /* our (client) sequence */
	uint32_t peer_isn, rcv_nxt; /* the stack's sequence, what we acknowledge */
	uint16_t wnd;
	bool ts;                   /* add a timestamp option to every segment */
	uint32_t tsval;
};

static struct ut_client ut_cl = {.isn = 0x1000, .snd_nxt = 0x1000, .wnd = 65535};

static inline void ut_ev_established(struct tcp_sock *sk)
{
	(void)sk;
	ut_ev.established++;
}

static inline void ut_ev_readable(struct tcp_sock *sk)
{
	(void)sk;
	ut_ev.readable++;
}

static inline void ut_ev_writable(struct tcp_sock *sk)
{
	(void)sk;
	ut_ev.writable++;
}

static inline void ut_ev_peer_fin(struct tcp_sock *sk)
{
	(void)sk;
	ut_ev.peer_fin++;
}

static inline void ut_ev_closed(struct tcp_sock *sk, int err)
{
	cr_assert_eq(sk, ut_ev.sk, "closed() for an unknown socket");
	ut_ev.closed++;
	ut_ev.closed_err = err;
	/* A plain socket entering TIME_WAIT tells its owner then, and lingers
	 * ownerless for 2MSL: the tests still look at its state until it goes. */
	if (sk->state != TCP_TIME_WAIT)
		ut_ev.sk = NULL;
}

static inline void ut_ev_replaced(struct tcp_sock *sk, struct tcp_sock *by)
{
	cr_assert_eq(sk, ut_ev.sk, "replaced() for an unknown socket");
	ut_ev.replaced++;
	ut_ev.sk = by;
}

/* lib/mptcp's break-before-make event (mptcp_ctx_set_parked). */
static inline void ut_ev_parked(void *user, struct tcp_sock *sk, int err)
{
	(void)user;
	if (sk != NULL) {
		ut_ev.resumed++;
		ut_ev.sk = sk;
	} else if (err == 0) {
		ut_ev.parked++;
		ut_ev.sk = NULL;
	} else {
		ut_ev.park_ended++;
		ut_ev.closed_err = err;
	}
}

static const struct tcp_sock_ops ut_ops = {
	.replaced = ut_ev_replaced,
	.established = ut_ev_established,
	.readable = ut_ev_readable,
	.writable = ut_ev_writable,
	.peer_fin = ut_ev_peer_fin,
	.closed = ut_ev_closed,
};

/* The state of the stack side's socket (which must still be open). */
static inline enum tcp_state ut_state(void)
{
	cr_assert_not_null(ut_ev.sk, "the socket was already closed");
	return (enum tcp_state)ut_ev.sk->state;
}

/* What an accept function does for the stack side, as app/proxy.c does. */
static inline void ut_adopt(struct tcp_sock *sk)
{
	sk->ops = &ut_ops;
	sk->user = NULL;
	sk->rxp = &ut_rxp;
	sk->txp = &ut_txp;
	ut_ev.sk = sk;
}

/* The accept function of a plain listener: the stack side adopts every connection. */
static inline int ut_accept_plain(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	(void)arg;
	(void)syn;
	ut_adopt(sk);
	return 0;
}

static inline struct tcp_stack_conf ut_conf(void)
{
	struct tcp_stack_conf c = {
		.pool = ut_pool,
		.max_conns = 64,
		.rcvbuf = 65536,
		.timewait_us = 60000,
		.syn_retries = 0,
		.max_retries = 0,
		.mss = 1460,
		.output = ut_capture,
		.output_arg = NULL,
		.socket_id = SOCKET_ID_ANY,
	};
	return c;
}

/* EAL, pipes and a stack with conf (NULL: ut_conf()). */
static inline void ut_start(const struct tcp_stack_conf *conf)
{
	struct tcp_stack_conf c;

	ut_eal_init();
	c = conf ? *conf : ut_conf();
	c.pool = ut_pool;
	cr_assert_eq(tcp_pipe_init(&ut_rxp, 65536), 0);
	cr_assert_eq(tcp_pipe_init(&ut_txp, 65536), 0);
	ut_st = tcp_stack_create(&c);
	cr_assert_not_null(ut_st, "tcp_stack_create");
}

/* Teardown: free what was captured, the stack and the pipes; no mbuf may be left out. */
/* A stack (conf, or the defaults when NULL) listening on UT_SPORT with ut_accept_plain. */
static inline void ut_start_listening(const struct tcp_stack_conf *conf)
{
	ut_start(conf);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, ut_accept_plain, NULL), 0);
}

static inline void ut_stop(void)
{
	ut_clear();
	tcp_stack_free(ut_st);
	ut_st = NULL;
	tcp_pipe_fini(&ut_rxp);
	tcp_pipe_fini(&ut_txp);
	cr_assert_eq(ut_cap_lost, 0, "capture overflowed");
	ut_assert_no_leak();
}

static inline void ut_poll(void)
{
	tcp_stack_poll(ut_st, ut_now);
}

/* Let time pass, polling every millisecond as the lcore loop would. */
static inline void ut_advance(uint64_t us)
{
	uint64_t end = ut_now + us;

	while (ut_now < end) {
		ut_now = ut_now + 1000 < end ? ut_now + 1000 : end;
		ut_poll();
	}
}

/* Feed one segment from the client (any seq/ack) and flush. */
static inline void ut_inject(const struct ut_seg_spec *s)
{
	tcp_input(ut_st, ut_build(s), NULL, ut_now);
	ut_poll();
}

/* A client segment at sequence seq with the client's current ack and window. */
static inline void ut_send_seq(uint32_t seq, uint8_t flags, const void *data, uint16_t len,
			       const struct ut_opts *extra)
{
	struct ut_opts o = {0};
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = seq, .ack = (flags & RTE_TCP_ACK_FLAG) ? ut_cl.rcv_nxt : 0, .flags = flags,
		.wnd = ut_cl.wnd, .data = data, .len = len,
	};

	if (ut_cl.ts)
		ut_opt_ts(&o, ++ut_cl.tsval, 0);
	if (extra)
		ut_opt_bytes(&o, extra->b, extra->n);
	s.opt = o.b;
	s.optlen = o.n;
	ut_inject(&s);
}

/* The client's next in-order segment; advances its snd_nxt. */
static inline void ut_send(uint8_t flags, const void *data, uint16_t len, const struct ut_opts *extra)
{
	uint32_t seq = ut_cl.snd_nxt;

	ut_cl.snd_nxt += len + ((flags & RTE_TCP_SYN_FLAG) ? 1 : 0) + ((flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	ut_send_seq(seq, flags, data, len, extra);
}

/* Client sends SYN with opts; returns the SYN/ACK and learns the stack's ISN. */
static inline struct ut_seg ut_syn(const struct ut_opts *opts)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = ut_cl.isn, .flags = RTE_TCP_SYN_FLAG, .wnd = ut_cl.wnd,
		.opt = opts ? opts->b : NULL, .optlen = opts ? opts->n : 0,
	};
	struct ut_seg sa;

	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_clear();
	ut_inject(&s);
	cr_assert_eq(ut_ncap, 1, "one SYN/ACK expected, %u sent", ut_ncap);
	sa = ut_last();
	cr_assert_eq(sa.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, "SYN/ACK flags 0x%x", sa.flags);
	ut_cl.peer_isn = sa.seq;
	ut_cl.rcv_nxt = sa.seq + 1;
	return sa;
}

/* Payload byte i of the test pattern. */
static inline uint8_t ut_pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + 1);
}

static inline void ut_fill(uint8_t *p, uint64_t from, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = ut_pattern(from + i);
}

/* Steps and checks the tests share. */

/* MSS 1460, SACK permitted, window scale 2: what most tests negotiate. */
static inline struct ut_opts ut_std_opts(void)
{
	struct ut_opts o = {0};

	ut_opt_mss(&o, 1460);
	ut_opt_sackok(&o);
	ut_opt_ws(&o, 2);
	return o;
}

/* Three-way handshake with SYN options o; the third ACK 10 ms after the SYN, offering wnd. */
static inline void ut_establish_with(const struct ut_opts *o, uint16_t wnd)
{
	ut_syn(o);
	ut_now += 10000;
	ut_cl.wnd = wnd;
	ut_send(RTE_TCP_ACK_FLAG, NULL, 0, NULL);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	ut_clear();
}

/* The same with ut_std_opts() (window scale 2: wnd is scaled by 4). */
static inline void ut_establish(uint16_t wnd)
{
	struct ut_opts o = ut_std_opts();

	ut_establish_with(&o, wnd);
}

/* A SYN from the client, not yet sent. */
static inline struct ut_seg_spec ut_syn_spec(const struct ut_opts *o)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = ut_cl.isn, .flags = RTE_TCP_SYN_FLAG, .wnd = 65535,
		.opt = o ? o->b : NULL, .optlen = o ? o->n : 0,
	};
	return s;
}


/* Active open from the stack side to the client (the client's ports, roles reversed). */
static inline void ut_connect(void)
{
	struct tcp_sock *sk = tcp_connect(ut_st, UT_SADDR, UT_SPORT, UT_CADDR, UT_CPORT, &ut_rxp, &ut_txp,
					  &ut_ops, NULL, NULL, ut_now);

	cr_assert_not_null(sk);
	ut_ev.sk = sk;
}

static inline void ut_expect_pure_ack(const struct ut_seg *s, uint32_t ack, const char *what)
{
	cr_expect_eq(s->flags, RTE_TCP_ACK_FLAG, "%s: flags 0x%x", what, s->flags);
	cr_expect_eq(s->len, 0, "%s: payload %u", what, s->len);
	cr_expect_eq(s->ack, ack, "%s: ack %u, want %u", what, s->ack, ack);
}

/* Exactly one segment was sent since the last ut_clear(): a pure ACK of ack. */
static inline struct ut_seg ut_one_ack(uint32_t ack, const char *what)
{
	struct ut_seg a;

	cr_assert_eq(ut_ncap, 1, "%s: %u segments sent, want one", what, ut_ncap);
	a = ut_last();
	ut_expect_pure_ack(&a, ack, what);
	return a;
}

/* Client payload at stream offset off (pattern bytes), sequence isn + 1 + off, with options. */
static inline void ut_send_data_opts(uint32_t off, uint16_t len, uint8_t extra_flags,
				     const struct ut_opts *extra)
{
	static uint8_t buf[2048];
	uint32_t seq = ut_cl.isn + 1 + off;

	ut_fill(buf, off, len);
	if (seq_gt(seq + len, ut_cl.snd_nxt))
		ut_cl.snd_nxt = seq + len;
	ut_send_seq(seq, RTE_TCP_ACK_FLAG | extra_flags, buf, len, extra);
}

static inline void ut_send_data_at(uint32_t off, uint16_t len, uint8_t extra_flags)
{
	ut_send_data_opts(off, len, extra_flags, NULL);
}

static inline void ut_expect_rx(uint32_t off, uint32_t len)
{
	static uint8_t got[65536], want[65536];

	cr_assert_geq(ut_rxp.rx.nxt, off + len, "only %llu bytes in the rx pipe",
		      (unsigned long long)ut_rxp.rx.nxt);
	tcp_pipe_read(&ut_rxp, off, got, len);
	ut_fill(want, off, len);
	cr_expect_arr_eq(got, want, len, "rx pipe bytes %u..%u differ", off, off + len);
}

/* The owner has len more bytes to send. */
static inline void ut_queue_tx(uint32_t len)
{
	static uint8_t buf[65536];

	ut_fill(buf, ut_txp.rx.nxt, len);
	cr_assert_eq(tcp_pipe_write(&ut_txp, ut_txp.rx.nxt, buf, len), len);
	tcp_kick(ut_ev.sk);
}

/* A data segment from the stack: its payload is the pattern at its stream offset. */
static inline void ut_expect_tx_data(const struct ut_seg *s, uint32_t off, uint16_t len)
{
	uint8_t want[1500];

	cr_expect_eq(s->seq, ut_cl.peer_isn + 1 + off, "seq of offset %u", off);
	cr_assert_eq(s->len, len, "segment at offset %u: %u bytes, want %u", off, s->len, len);
	ut_fill(want, off, len);
	cr_expect_arr_eq(s->data, want, len, "payload at offset %u", off);
}

/* Captured segment i is our data at stream offset off, len bytes; returned. */
static inline struct ut_seg ut_expect_tx(unsigned int i, uint32_t off, uint16_t len)
{
	struct ut_seg s = ut_seg(i);

	ut_expect_tx_data(&s, off, len);
	return s;
}

/* Client acknowledges our stream up to offset off. */
static inline void ut_ack_upto(uint32_t off)
{
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + off;
	ut_send(RTE_TCP_ACK_FLAG, NULL, 0, NULL);
}

#endif

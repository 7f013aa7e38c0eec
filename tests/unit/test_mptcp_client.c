/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/mptcp's client role (mptcp_client.c) against its server role, in one
 * process: two lib/tcp stacks whose outputs feed each other's input through
 * a queue. The client opens an MPTCP connection (MP_CAPABLE), joins a second
 * subflow from another address (MP_JOIN, HMACs checked by the server's own
 * code), both sides move data and close with DATA_FIN; what arrives is
 * compared byte for byte. A forged join SYN/ACK HMAC is refused with a RST.
 */
#include <string.h>

#include "mptcp/mptcp.h"
#include "net/net.h"
#include "seghelp.h"

#define SRV_ADDR 0x0a0a0001u      /* 10.10.0.1 */
#define CLI_DSL 0x0a0a0102u       /* 10.10.1.2 */
#define CLI_LTE 0x0a0a0202u       /* 10.10.2.2 */
#define SRV_PORT 8080
#define BYTES (600u * 1024)
#define QMAX 8192

static struct tcp_stack *cst, *sst;           /* client and server stacks */
static struct mptcp_ctx *cctx, *sctx;
static struct rte_mbuf *q[QMAX];
static unsigned qh, qn;
static uint64_t now = 1000000;
static bool forge_join_synack;                 /* flip a bit of the join SYN/ACK's HMAC */

struct end {
	struct tcp_sock *sk;
	struct tcp_pipe rx, tx;
	uint64_t got, sent;
	uint8_t *seen;                          /* what arrived */
	bool eof, closed;
	int err;
};
static struct end cli, srv;

static uint8_t pat(uint64_t i, bool from_client)
{
	return (uint8_t)(i * 31 + (from_client ? 7 : 101) + (i >> 9));
}

static int to_peer(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	(void)arg;
	(void)dst;
	(void)route;
	if (qn == QMAX) {
		rte_pktmbuf_free(m);
		return 0;
	}
	q[(qh + qn++) % QMAX] = m;
	return 0;
}

/* A join SYN/ACK from the server: change one bit of its truncated HMAC, fix the TCP checksum. */
static void forge(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *o = (uint8_t *)(th + 1), *end = (uint8_t *)th + (th->data_off >> 4) * 4;
	uint16_t l4 = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));

	while (o < end && *o != 0) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o[0] == 30 && o[1] == 16 && (o[2] >> 4) == 1) {    /* MP_JOIN SYN/ACK: HMAC at 4 */
			o[4] ^= 0x01;
			th->cksum = 0;
			th->cksum = net_tcp_cksum(ip, th, l4);
			forge_join_synack = false;
			return;
		}
		o += o[1] ? o[1] : 1;
	}
}

static void pump(unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		unsigned n = qn;

		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = q[qh];
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
			const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
			bool to_srv = rte_be_to_cpu_32(ip->dst_addr) == SRV_ADDR;

			qh = (qh + 1) % QMAX;
			qn--;
			if (!to_srv && forge_join_synack && (th->tcp_flags & RTE_TCP_SYN_FLAG) &&
			    rte_be_to_cpu_32(ip->dst_addr) == CLI_LTE)
				forge(m);
			tcp_input(to_srv ? sst : cst, m, NULL, now);
		}
		now += 100;
		tcp_stack_poll(sst, now);
		tcp_stack_poll(cst, now);
		mptcp_ctx_tick(sctx, now);
		mptcp_ctx_tick(cctx, now);
	}
}

static void fill(struct end *e, bool from_client)
{
	while (e->sent < BYTES && tcp_pipe_space(&e->tx) > 0) {
		uint8_t buf[1024];
		uint32_t k = tcp_pipe_space(&e->tx);

		if (k > sizeof(buf))
			k = sizeof(buf);
		if (k > BYTES - e->sent)
			k = (uint32_t)(BYTES - e->sent);
		for (uint32_t i = 0; i < k; i++)
			buf[i] = pat(e->sent + i, from_client);
		tcp_pipe_write(&e->tx, e->tx.rx.nxt, buf, k);
		e->sent += k;
	}
	if (e->sent == BYTES && !(e->sk->flags & TF_FIN_QUEUED))
		tcp_shutdown(e->sk);
	tcp_kick(e->sk);
}

static struct end *end_of(struct tcp_sock *sk)
{
	return sk->user;
}

static void ev_established(struct tcp_sock *sk)
{
	struct end *e = end_of(sk);

	if (e == &cli)
		cr_expect_eq(mptcp_join(sk, CLI_LTE, false, now), 0, "the join is opened");
	fill(e, e == &cli);
}

static void ev_readable(struct tcp_sock *sk)
{
	struct end *e = end_of(sk);
	uint32_t n = tcp_pipe_used(&e->rx);

	if (e->got + n <= BYTES)
		tcp_pipe_read(&e->rx, e->rx.head, e->seen + e->got, n);
	e->got += n;
	tcp_pipe_consume(&e->rx, e->rx.rx.nxt);
	tcp_rx_space_freed(sk);
}

static void ev_writable(struct tcp_sock *sk)
{
	struct end *e = end_of(sk);

	fill(e, e == &cli);
}

static void ev_peer_fin(struct tcp_sock *sk)
{
	end_of(sk)->eof = true;
}

static void ev_closed(struct tcp_sock *sk, int err)
{
	struct end *e = end_of(sk);

	e->closed = true;
	e->err = err;
	e->sk = NULL;
}

static void ev_replaced(struct tcp_sock *sk, struct tcp_sock *by)
{
	end_of(sk)->sk = by;
}

static const struct tcp_sock_ops ops = {
	.established = ev_established,
	.readable = ev_readable,
	.writable = ev_writable,
	.peer_fin = ev_peer_fin,
	.closed = ev_closed,
	.replaced = ev_replaced,
};

static int on_accept(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	enum mptcp_accept_verdict r = mptcp_accept(arg, sk, syn);

	if (r == MPTCP_ACCEPT_JOINED)
		return 0;
	if (r == MPTCP_ACCEPT_REFUSE)
		return -1;
	cr_assert_null(srv.sk, "one connection only");
	srv.sk = sk;
	sk->ops = &ops;
	sk->user = &srv;
	sk->rxp = &srv.rx;
	sk->txp = &srv.tx;
	return 0;
}

static struct tcp_stack *stack(void)
{
	struct tcp_stack_conf c = {
		.pool = ut_pool, .max_conns = 64, .rcvbuf = 1 << 20, .timewait_us = 2000, .mss = 1460,
		.output = to_peer, .socket_id = SOCKET_ID_ANY,
	};
	struct tcp_stack *st = tcp_stack_create(&c);

	cr_assert_not_null(st);
	return st;
}

static void setup(void)
{
	ut_eal_init();
	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	qh = qn = 0;
	forge_join_synack = false;
	cst = stack();
	sst = stack();
	cctx = mptcp_ctx_create(64, SOCKET_ID_ANY);
	sctx = mptcp_ctx_create(64, SOCKET_ID_ANY);
	cr_assert(cctx && sctx);
	mptcp_ctx_set_max_subflows(cctx, 2);
	cr_assert_eq(tcp_listen(sst, SRV_ADDR, SRV_PORT, on_accept, sctx), 0);
	for (int i = 0; i < 2; i++) {
		struct end *e = i ? &srv : &cli;

		cr_assert_eq(tcp_pipe_init(&e->rx, 65536), 0);
		cr_assert_eq(tcp_pipe_init(&e->tx, 65536), 0);
		e->seen = calloc(1, BYTES);
		cr_assert_not_null(e->seen);
	}
}

static void teardown(void)
{
	while (qn) {
		rte_pktmbuf_free(q[qh]);
		qh = (qh + 1) % QMAX;
		qn--;
	}
	tcp_stack_free(cst);
	tcp_stack_free(sst);
	cr_expect_eq(mptcp_ctx_conns(cctx), 0, "a client connection outlived its subflows");
	cr_expect_eq(mptcp_ctx_conns(sctx), 0, "a server connection outlived its subflows");
	mptcp_ctx_free(cctx);
	mptcp_ctx_free(sctx);
	for (int i = 0; i < 2; i++) {
		struct end *e = i ? &srv : &cli;

		tcp_pipe_fini(&e->rx);
		tcp_pipe_fini(&e->tx);
		free(e->seen);
	}
	ut_assert_no_leak();
}

TestSuite(client, .init = setup, .fini = teardown);

static void expect_stream(const struct end *e, bool from_client, const char *what)
{
	uint64_t bad = BYTES;

	cr_expect_eq(e->got, BYTES, "%s: %lu bytes, want %u", what, (unsigned long)e->got, BYTES);
	for (uint64_t i = 0; i < BYTES && i < e->got; i++)
		if (e->seen[i] != pat(i, from_client)) {
			bad = i;
			break;
		}
	cr_expect_eq(bad, BYTES, "%s: first wrong byte at %lu", what, (unsigned long)bad);
}

Test(client, connects_joins_moves_data_and_closes,
     .description = "MP_CAPABLE from the client role, an MP_JOIN verified both ways, 600 KiB each way intact, DATA_FIN close")
{
	cli.sk = mptcp_connect(cctx, cst, CLI_DSL, SRV_ADDR, SRV_PORT, &cli.rx, &cli.tx, &ops, &cli, now);
	cr_assert_not_null(cli.sk);
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPCAPABLE_SYN_TX), 1);
	for (int i = 0; i < 4000 && !(cli.closed && srv.closed); i++)
		pump(1);
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPCAPABLE_SYN_RX), 1, "the server saw MP_CAPABLE");
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPCAPABLE_SYNACK_RX), 1, "the client took the server's key");
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPCAPABLE_ACK_RX), 1, "the server took the client's key");
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPJOIN_SYN_TX), 1);
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPJOIN_SYN_RX), 1, "the join SYN's token was the connection's");
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPJOIN_SYNACK_RX), 1, "the server's HMAC verified");
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPJOIN_ACK_RX), 1, "the client's HMAC verified");
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPJOIN_ACK_HMAC_FAIL), 0);
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPJOIN_REFUSED), 0,
		     "asked for at once, the join waited until the server had our key");
	cr_expect_gt(mptcp_mib_get(sctx, MPTCP_MIB_DATA_FIN_RX), 0, "the client's DATA_FIN");
	cr_expect_gt(mptcp_mib_get(cctx, MPTCP_MIB_DATA_FIN_RX), 0, "the server's DATA_FIN");
	expect_stream(&srv, true, "client -> server");
	expect_stream(&cli, false, "server -> client");
	cr_expect(cli.eof && srv.eof, "both ends saw the other's end of stream");
	cr_expect(cli.closed && srv.closed, "both closed");
	cr_expect_eq(cli.err, 0);
	cr_expect_eq(srv.err, 0);
}

Test(client, forged_join_synack_is_reset,
     .description = "A join SYN/ACK whose HMAC does not match: RST, MPJoinSynAckHMacFailure; the connection goes on on its first subflow")
{
	forge_join_synack = true;
	cli.sk = mptcp_connect(cctx, cst, CLI_DSL, SRV_ADDR, SRV_PORT, &cli.rx, &cli.tx, &ops, &cli, now);
	cr_assert_not_null(cli.sk);
	for (int i = 0; i < 4000 && !(cli.closed && srv.closed); i++)
		pump(1);
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPJOIN_SYNACK_HMAC_FAIL), 1);
	cr_expect_eq(mptcp_mib_get(cctx, MPTCP_MIB_MPJOIN_SYNACK_RX), 0);
	cr_expect_eq(mptcp_mib_get(sctx, MPTCP_MIB_MPJOIN_ACK_RX), 0, "the join never completed");
	expect_stream(&srv, true, "client -> server");
	expect_stream(&cli, false, "server -> client");
	cr_expect(cli.closed && srv.closed, "both closed");
	cr_expect_eq(cli.err, 0);
}

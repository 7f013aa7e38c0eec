/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/mptcp on a lib/tcp subflow, driven by a scripted MPTCP v1 client
 * (RFC 8684): the MP_CAPABLE handshake, DSS mappings and DATA_ACKs both
 * ways, DATA_FIN, fallback to TCP and the resets the RFC asks for. Our
 * segments' MPTCP options are decoded with mptcp_parse_option; the
 * client's are written byte by byte from the RFC's figures.
 */
#include <errno.h>
#include <string.h>

#include "mptcp/mptcp.h"
#include "mptcp/mptcp_crypto.h"
#include "mptcp/mptcp_options.h"
#include "seghelp.h"

#define MPMIB(c) mptcp_mib_get(ctx, MPTCP_MIB_##c)
#define TCPMIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG

static struct mptcp_ctx *ctx;
static int accept_ret = 99;                       /* what mptcp_accept returned (99: not called) */
static uint64_t key_c = 0x0123456789abcdefull;    /* the client's key */
static uint64_t key_k;                            /* ours, from the SYN/ACK */
static uint64_t idsn_c, idsn_k;
static const struct tcp_sock_conf *owner_conf;    /* set: the owner's settings, given as app/proxy.c does */
static struct tcp_sock *joined_sk;                /* the last subflow that joined */

static int accept_mptcp(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn)
{
	struct tcp_sock *first = ut_ev.sk;

	ut_adopt(sk);
	accept_ret = mptcp_accept(arg, sk, syn);
	if (accept_ret == MPTCP_ACCEPT_JOINED) {
		ut_ev.sk = first;   /* lib/mptcp owns a joined subflow; the owner keeps the first */
		joined_sk = sk;
		return 0;
	}
	if (accept_ret != MPTCP_ACCEPT_REFUSE && owner_conf)
		mptcp_sock_configure(sk, owner_conf);
	if (accept_ret == MPTCP_ACCEPT_REFUSE) {
		/* As app/proxy.c: lib/tcp frees a refused socket. */
		sk->ops = NULL;
		sk->rxp = sk->txp = NULL;
		ut_ev.sk = NULL;
		return -1;
	}
	return 0;
}

static void setup(void)
{
	ut_start(NULL);
	ctx = mptcp_ctx_create(64, SOCKET_ID_ANY);
	cr_assert_not_null(ctx);
	mptcp_ctx_set_parked(ctx, ut_ev_parked);    /* the owner of app/proxy.c's kind */
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_mptcp, ctx), 0);
}

/* Free the stack first (it releases the ULP), then the context; nothing may be left. */
static void mp_stop(void)
{
	ut_clear();
	tcp_stack_free(ut_st);
	ut_st = NULL;
	cr_assert_eq(mptcp_ctx_conns(ctx), 0, "an MPTCP connection outlived its subflow");
	mptcp_ctx_free(ctx);
	ut_stop();
}

TestSuite(handshake, .init = setup);
TestSuite(dss, .init = setup);
TestSuite(fallback, .init = setup);
TestSuite(resets, .init = setup);
TestSuite(data_fin, .init = setup);

#define MP_TEST(suite, name, desc) UT_TEST(suite, name, desc, mp_stop)

static void put64(uint8_t *p, uint64_t v)
{
	ut_put32(p, (uint32_t)(v >> 32));
	ut_put32(p + 4, (uint32_t)v);
}

/* MP_CAPABLE (RFC 8684 3.1, figure 4): length 4 (SYN), 20 (ACK) or 22 (ACK + data length). */
static uint8_t mpc_extra_flags;     /* e.g. MPTCP_CAP_CHECKSUM_REQD: the client asks for checksums */

static void opt_mpc(struct ut_opts *o, uint8_t len, uint64_t sndr, uint64_t rcvr, uint16_t dlen)
{
	uint8_t b[22] = {TCPOPT_MPTCP, len, MPTCPOPT_MP_CAPABLE << 4 | 1,
			 (uint8_t)(MPTCP_CAP_HMAC_SHA256 | mpc_extra_flags)};

	put64(b + 4, sndr);
	put64(b + 12, rcvr);
	b[20] = (uint8_t)(dlen >> 8);
	b[21] = (uint8_t)dlen;
	ut_opt_bytes(o, b, len);
}

/* DSS (RFC 8684 3.3, figure 7), with a checksum when csum is set. */
struct dss {
	bool ack, ack32;
	uint64_t data_ack;
	bool map, dsn32, fin;
	uint64_t dsn;
	uint32_t ssn;
	uint16_t len;
	bool csum;
	uint16_t csum_val;
};

static void opt_dss(struct ut_opts *o, const struct dss *d)
{
	uint8_t b[30] = {TCPOPT_MPTCP, 0, MPTCPOPT_DSS << 4, 0};
	uint8_t n = 4;

	b[3] = (uint8_t)((d->fin ? MPTCP_DSS_DATA_FIN : 0) | (d->ack ? MPTCP_DSS_HAS_ACK : 0) |
			 (d->ack && !d->ack32 ? MPTCP_DSS_ACK64 : 0) | (d->map ? MPTCP_DSS_HAS_MAP : 0) |
			 (d->map && !d->dsn32 ? MPTCP_DSS_DSN64 : 0));
	if (d->ack && d->ack32) {
		ut_put32(b + n, (uint32_t)d->data_ack);
		n += 4;
	} else if (d->ack) {
		put64(b + n, d->data_ack);
		n += 8;
	}
	if (d->map) {
		if (d->dsn32) {
			ut_put32(b + n, (uint32_t)d->dsn);
			n += 4;
		} else {
			put64(b + n, d->dsn);
			n += 8;
		}
		ut_put32(b + n, d->ssn);
		b[n + 4] = (uint8_t)(d->len >> 8);
		b[n + 5] = (uint8_t)d->len;
		n += 6;
		if (d->csum) {
			b[n] = (uint8_t)(d->csum_val >> 8);
			b[n + 1] = (uint8_t)d->csum_val;
			n += 2;
		}
	}
	b[1] = n;
	ut_opt_bytes(o, b, n);
}

/* Every MPTCP option of a segment we sent, parsed into one struct. */
static struct mptcp_opts mp_opts_of(const struct ut_seg *s)
{
	struct mptcp_opts o;
	const uint8_t *p;
	uint8_t len;

	memset(&o, 0, sizeof(o));
	for (int i = 0; (p = ut_find_opt_n(s, TCPOPT_MPTCP, i, &len)) != NULL; i++)
		cr_assert_eq(mptcp_parse_option(p, len, &o), MPTCP_PARSE_OK, "our MPTCP option %d refused", i);
	return o;
}

static struct ut_opts syn_opts(bool mp_capable)
{
	struct ut_opts o = {0};

	ut_opt_mss(&o, 1460);
	ut_opt_sackok(&o);
	ut_opt_ws(&o, 2);
	if (mp_capable)
		opt_mpc(&o, 4, 0, 0, 0);
	return o;
}

/* SYN with options o (MP_CAPABLE among them); learns our key K from the SYN/ACK, and both IDSNs. */
static struct ut_seg mp_syn_with(const struct ut_opts *o)
{
	struct ut_seg sa = ut_syn(o);
	struct mptcp_opts m = mp_opts_of(&sa);
	uint32_t token;

	key_k = m.sndr_key;
	mptcp_crypto_key_sha(key_k, &token, &idsn_k);
	mptcp_crypto_key_sha(key_c, &token, &idsn_c);
	return sa;
}

static struct ut_seg mp_syn(void)
{
	struct ut_opts o = syn_opts(true);

	return mp_syn_with(&o);
}

/* The MP_CAPABLE handshake with the third ACK carrying both keys. */
static void mp_establish(void)
{
	struct ut_opts o = {0};

	mp_syn();
	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_now += 10000;
	ut_send(ACK, NULL, 0, &o);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_assert(mptcp_active(ut_ev.sk));
	ut_clear();
}

/* Client data at data offset off (= subflow offset - 1) mapped by a DSS of exactly its bytes. */
static void mp_send(uint32_t off, uint16_t len, uint32_t acked)
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .data_ack = idsn_k + 1 + acked, .map = true,
			.dsn = idsn_c + 1 + off, .ssn = 1 + off, .len = len};

	opt_dss(&o, &d);
	ut_send_data_opts(off, len, 0, &o);
}

/* A pure ACK from the client carrying DSS d. */
static void mp_send_dss(const struct dss *d)
{
	struct ut_opts o = {0};

	opt_dss(&o, d);
	ut_send(ACK, NULL, 0, &o);
}

/* Handshake (RFC 8684 3.1) */

MP_TEST(handshake, synack_carries_our_key,
	"MP_CAPABLE SYN (v1, H) -> SYN/ACK carries MP_CAPABLE length 12 with the sender's key")
{
	struct ut_seg sa = mp_syn();
	struct mptcp_opts m = mp_opts_of(&sa);
	uint8_t len = 0;

	cr_assert_not_null(ut_find_opt(&sa, TCPOPT_MPTCP, &len));
	cr_expect_eq(len, 12);
	cr_expect_eq(m.suboptions, OPTION_MPTCP_MPC_SYNACK);
	cr_expect_eq(m.mpc_version, 1);
	cr_expect_eq(m.mpc_flags & MPTCP_CAP_HMAC_SHA256, MPTCP_CAP_HMAC_SHA256);
	cr_expect_eq(m.mpc_flags & MPTCP_CAP_CHECKSUM_REQD, 0, "no checksums asked for");
	cr_expect_neq(key_k, 0);
	cr_expect_eq(accept_ret, MPTCP_ACCEPT_MPTCP);
	cr_expect(mptcp_active(ut_ev.sk));
	cr_expect_eq(mptcp_ctx_conns(ctx), 1);
	cr_expect_eq(MPMIB(MPCAPABLE_SYN_RX), 1);
}

MP_TEST(handshake, third_ack_with_both_keys,
	"Third ACK with MP_CAPABLE (client key, our key) -> established at both levels")
{
	mp_establish();
	cr_expect_eq(ut_ev.established, 1);
	cr_expect_eq(MPMIB(MPCAPABLE_SYN_RX), 1);
	cr_expect_eq(MPMIB(MPCAPABLE_ACK_RX), 1);
	cr_expect_eq(MPMIB(FALLBACK_ACK), 0);
}

MP_TEST(handshake, third_ack_with_a_wrong_key_resets,
	"A third ACK echoing a key that is not ours is reset")
{
	struct ut_opts o = {0};

	mp_syn();
	opt_mpc(&o, 20, key_c, key_k ^ 1, 0);
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(BAD_KEY), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_assert_geq(ut_ncap, 2);
	cr_expect_eq(ut_last().flags & RST, RST);
}

MP_TEST(handshake, mp_capable_with_data_when_third_ack_lost,
	"RFC 8684 3.1: MP_CAPABLE with data (length 22) as the first data -> established, data accepted")
{
	struct ut_opts o = {0};
	struct mptcp_opts m;
	struct ut_seg a;

	mp_syn();
	ut_clear();
	opt_mpc(&o, 22, key_c, key_k, 500);
	ut_now += 10000;
	ut_send_data_opts(0, 500, RTE_TCP_PSH_FLAG, &o);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect(mptcp_active(ut_ev.sk));
	cr_expect_eq(MPMIB(MPCAPABLE_DATA_RX), 1);
	ut_expect_rx(0, 500);
	ut_advance(40000);
	cr_assert_eq(ut_ncap, 1);
	a = ut_last();
	m = mp_opts_of(&a);
	cr_expect_eq(a.ack, ut_cl.isn + 501);
	cr_expect(m.use_ack && m.ack64);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 500);
}

MP_TEST(handshake, first_data_repeats_mp_capable,
	"RFC 8684 3.1: after the third ACK, the first data carries MP_CAPABLE with its length (as Linux sends)")
{
	struct ut_opts o = {0};

	mp_establish();
	opt_mpc(&o, 22, key_c, key_k, 300);
	ut_send_data_opts(0, 300, 0, &o);
	cr_expect_eq(MPMIB(MPCAPABLE_DATA_RX), 1);
	cr_expect_eq(MPMIB(DSS_NO_MATCH_TCP) + MPMIB(FALLBACK_NO_DSS), 0);
	cr_expect(mptcp_active(ut_ev.sk));
	ut_expect_rx(0, 300);
	mp_send(300, 200, 0);
	ut_expect_rx(0, 500);
}

MP_TEST(handshake, timestamps_and_dss_share_the_option_space,
	"With TCP timestamps, our data segments carry TS and a full DSS and still fit the MSS")
{
	struct ut_opts o = syn_opts(true), ack = {0};
	struct ut_seg sa;
	uint32_t off = 0;

	ut_opt_ts(&o, 1, 0);
	sa = mp_syn_with(&o);
	cr_assert_not_null(ut_find_opt(&sa, 8, NULL), "TS echoed");
	ut_cl.ts = true;
	opt_mpc(&ack, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &ack);
	cr_assert(mptcp_active(ut_ev.sk));
	ut_clear();
	ut_queue_tx(3000);
	ut_poll();
	cr_assert_geq(ut_ncap, 3);
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		cr_expect_not_null(ut_find_opt(&s, 8, NULL), "segment %u: timestamps", i);
		cr_expect(m.use_map && m.use_ack, "segment %u: full DSS", i);
		cr_expect_eq(m.data_seq, idsn_k + 1 + off);
		cr_expect_eq(m.data_len, s.len);
		cr_expect_leq(s.len + s.optlen, 1460, "segment %u: %u + %u bytes exceed the MSS", i, s.len,
			      s.optlen);
		ut_expect_tx_data(&s, off, s.len);
		off += s.len;
	}
	cr_expect_eq(off, 3000);
}

MP_TEST(handshake, plain_syn_plain_synack, "A SYN without MP_CAPABLE gets a SYN/ACK without MPTCP options")
{
	struct ut_opts o = syn_opts(false);
	struct ut_seg sa = ut_syn(&o);

	cr_expect_null(ut_find_opt(&sa, TCPOPT_MPTCP, NULL));
	cr_expect_eq(accept_ret, MPTCP_ACCEPT_PLAIN);
	cr_expect_not(mptcp_active(ut_ev.sk));
	cr_expect_eq(MPMIB(PLAIN_SYN_RX), 1);
	cr_expect_eq(MPMIB(MPCAPABLE_SYN_RX), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(handshake, mp_join_refused_with_rst,
	"MP_JOIN SYN with an unknown token -> refused with RST (MPJoinSynRx, MPJoinNoTokenFound)")
{
	const uint8_t join[] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_JOIN << 4, 0, 0xde, 0xad, 0xbe, 0xef,
				0x01, 0x02, 0x03, 0x04};
	struct ut_opts o = syn_opts(false);
	struct ut_seg_spec s = {
		.saddr = UT_CADDR, .daddr = UT_SADDR, .sport = UT_CPORT, .dport = UT_SPORT,
		.seq = ut_cl.isn, .flags = RTE_TCP_SYN_FLAG, .wnd = 65535,
	};
	struct ut_seg r;

	ut_opt_bytes(&o, join, sizeof(join));
	s.opt = o.b;
	s.optlen = o.n;
	ut_inject(&s);
	cr_expect_eq(accept_ret, MPTCP_ACCEPT_REFUSE);
	cr_assert_eq(ut_ncap, 1);
	r = ut_last();
	cr_expect_eq(r.flags, RST | ACK);
	cr_expect_eq(r.ack, ut_cl.isn + 1);
	cr_expect_eq(MPMIB(MPJOIN_SYN_RX), 1);
	cr_expect_eq(MPMIB(MPJOIN_NO_TOKEN), 1);
	cr_expect_eq(TCPMIB(LISTEN_DROPS), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
}

MP_TEST(handshake, malformed_mp_capable_in_syn,
	"A SYN whose MP_CAPABLE has a bad length is counted (OptionMalformed) and served as plain TCP")
{
	const uint8_t bad[] = {TCPOPT_MPTCP, 5, MPTCPOPT_MP_CAPABLE << 4 | 1, MPTCP_CAP_HMAC_SHA256, 0};
	struct ut_opts o = syn_opts(false);
	struct ut_seg sa;

	ut_opt_bytes(&o, bad, sizeof(bad));
	sa = ut_syn(&o);
	cr_expect_eq(MPMIB(OPTION_MALFORMED), 1);
	cr_expect_eq(MPMIB(PLAIN_SYN_RX), 1);
	cr_expect_null(ut_find_opt(&sa, TCPOPT_MPTCP, NULL));
}

/* Data sequence mappings (RFC 8684 3.3) */

MP_TEST(dss, client_data_mapped_and_data_acked,
	"Client data with DSS mappings lands in the rx pipe; our ACK carries DATA_ACK = IDSN(C) + 1 + N")
{
	struct ut_seg a;
	struct mptcp_opts m;

	mp_establish();
	mp_send(0, 700, 0);
	mp_send(700, 700, 0);
	ut_expect_rx(0, 1400);
	cr_expect_eq(ut_ev.readable, 2);
	cr_assert_eq(ut_ncap, 1, "ACK after the second segment");
	a = ut_last();
	ut_expect_pure_ack(&a, ut_cl.isn + 1 + 1400, "subflow ACK");
	m = mp_opts_of(&a);
	cr_expect_eq(m.suboptions, OPTION_MPTCP_DSS);
	cr_expect(m.use_ack);
	cr_expect(m.ack64, "64-bit DATA_ACK");
	cr_expect_eq(m.data_ack, idsn_c + 1 + 1400, "DATA_ACK 0x%llx, want 0x%llx",
		     (unsigned long long)m.data_ack, (unsigned long long)(idsn_c + 1 + 1400));
	cr_expect_not(m.use_map, "a pure ACK maps nothing");
	cr_expect_eq(MPMIB(DSS_NOT_MATCHING) + MPMIB(DSS_NO_MATCH_TCP), 0);
}

MP_TEST(dss, our_data_carries_mappings,
	"Data we send carries DSS mappings DSN = IDSN(K) + 1 + offset, subflow seq = offset + 1, len = payload")
{
	uint32_t off = 0;

	mp_establish();
	ut_queue_tx(3000);
	ut_poll();
	cr_assert_eq(ut_ncap, 3, "3000 bytes: the DSS option takes room from each segment");
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		cr_assert_gt(s.len, 0);
		ut_expect_tx_data(&s, off, s.len);
		cr_expect_leq(s.len + s.optlen, 1460, "options come out of the MSS (RFC 6691)");
		cr_assert(m.suboptions & OPTION_MPTCP_DSS);
		cr_expect(m.use_map && m.dsn64);
		cr_expect_eq(m.data_seq, idsn_k + 1 + off, "segment %u: DSN", i);
		cr_expect_eq(m.subflow_seq, 1 + off, "segment %u: subflow sequence", i);
		cr_expect_eq(m.data_len, s.len, "segment %u: mapping length", i);
		cr_expect_not(m.data_fin);
		cr_expect(m.use_ack);
		cr_expect_eq(m.data_ack, idsn_c + 1);
		off += s.len;
	}
	cr_expect_eq(off, 3000);
}

MP_TEST(dss, only_data_ack_frees_the_tx_pipe,
	"A subflow ACK does not free sent bytes; a DATA_ACK does, up to what it acknowledges")
{
	struct dss d = {.ack = true};

	mp_establish();
	ut_queue_tx(3000);
	ut_poll();
	ut_clear();
	ut_ack_upto(3000);
	cr_expect_eq(ut_txp.head, 0, "subflow-level ACK freed data-level bytes");
	d.data_ack = idsn_k + 1 + 1000;
	mp_send_dss(&d);
	cr_expect_eq(ut_txp.head, 1000);
	d.data_ack = idsn_k + 1 + 3000;
	mp_send_dss(&d);
	cr_expect_eq(ut_txp.head, 3000);
	cr_expect_geq(ut_ev.writable, 1);
	d.data_ack = idsn_k + 1 + 5000;
	mp_send_dss(&d);
	cr_expect_eq(ut_txp.head, 3000, "a DATA_ACK for bytes never sent is ignored");
}

MP_TEST(dss, dsn32_across_the_wrap,
	"32-bit DSNs and DATA_ACKs are expanded to 64 bits, also across the 2^32 boundary")
{
	uint32_t token;
	struct ut_seg a;
	struct mptcp_opts m;

	/* Found offline: IDSN(C) + 1 = 0x49ecefe7fffff288, 3448 bytes before the low 32 bits wrap. */
	key_c = 0x0123456789b02b0full;
	mptcp_crypto_key_sha(key_c, &token, &idsn_c);
	cr_assert_geq((uint32_t)(idsn_c + 1), 0xfffff000u, "the key no longer gives a DSN near the wrap");
	mp_establish();
	for (uint32_t off = 0; off < 5000; off += 1250) {
		struct ut_opts o = {0};
		struct dss d = {.ack = true, .ack32 = true, .data_ack = idsn_k + 1, .map = true,
				.dsn32 = true, .dsn = idsn_c + 1 + off, .ssn = 1 + off, .len = 1250};

		opt_dss(&o, &d);
		ut_send_data_opts(off, 1250, 0, &o);
	}
	ut_expect_rx(0, 5000);
	cr_expect_eq(MPMIB(DSS_NOT_MATCHING) + MPMIB(DSS_NO_MATCH_TCP) + MPMIB(OFO_QUEUE), 0);
	a = ut_last();
	m = mp_opts_of(&a);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 5000, "DATA_ACK past the 32-bit wrap");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(dss, malformed_dss_counted_and_ignored,
	"A DSS with an impossible length is counted (OptionMalformed) and ignored, not a crash")
{
	const uint8_t bad[] = {TCPOPT_MPTCP, 5, MPTCPOPT_DSS << 4, MPTCP_DSS_HAS_ACK, 0};
	struct ut_opts o = {0};

	mp_establish();
	ut_opt_bytes(&o, bad, sizeof(bad));
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(OPTION_MALFORMED), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect(mptcp_active(ut_ev.sk));
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

MP_TEST(resets, mp_fastclose_with_our_key,
	"RFC 8684 3.5: MP_FASTCLOSE carrying our key -> RST; with another key it is ignored (MPFastcloseBadKey)")
{
	uint8_t fc[12] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_FASTCLOSE << 4, 0};
	struct ut_opts o = {0};

	mp_establish();
	put64(fc + 4, key_k ^ 0x100);
	ut_opt_bytes(&o, fc, sizeof(fc));
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(ut_ev.closed, 0, "a wrong key closes nothing");
	put64(fc + 4, key_k);
	o.n = 0;
	ut_opt_bytes(&o, fc, sizeof(fc));
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(FASTCLOSE_BAD_KEY), 1);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & RST, RST);
}

/* Fallback (RFC 8684 3.7) */

MP_TEST(fallback, third_ack_without_mp_capable,
	"RFC 8684 3.1: a third ACK without MP_CAPABLE -> plain TCP (MPCapableFallbackACK); data flows")
{
	struct ut_seg a;

	mp_syn();
	ut_clear();
	ut_send(ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect_eq(MPMIB(FALLBACK_ACK), 1);
	cr_expect_not(mptcp_active(ut_ev.sk));
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	ut_send_data_at(0, 1000, 0);
	ut_send_data_at(1000, 1000, 0);
	ut_expect_rx(0, 2000);
	cr_assert_eq(ut_ncap, 1);
	a = ut_last();
	ut_expect_pure_ack(&a, ut_cl.isn + 2001, "plain ACK");
	cr_expect_null(ut_find_opt(&a, TCPOPT_MPTCP, NULL), "no DSS after fallback");
	ut_clear();
	ut_queue_tx(1000);
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	a = ut_last();
	ut_expect_tx_data(&a, 0, 1000);
	cr_expect_null(ut_find_opt(&a, TCPOPT_MPTCP, NULL));
	ut_ack_upto(1000);
	cr_expect_eq(ut_txp.head, 1000, "subflow ACKs free the pipe again");
}

MP_TEST(fallback, data_without_dss_before_any_mapping,
	"RFC 8684 3.7: data without a DSS before any mapping -> fall back to TCP, data kept")
{
	mp_establish();
	ut_send_data_at(0, 500, 0);
	cr_expect_eq(MPMIB(FALLBACK_NO_DSS), 1);
	cr_expect_not(mptcp_active(ut_ev.sk));
	cr_expect_eq(ut_ev.closed, 0);
	ut_expect_rx(0, 500);
	ut_send_data_at(500, 500, 0);
	ut_expect_rx(0, 1000);
}

MP_TEST(fallback, infinite_mapping,
	"RFC 8684 3.7: an infinite mapping (data-level length 0) -> fall back to TCP, data kept")
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .data_ack = idsn_k + 1, .map = true, .ssn = 1, .len = 0};

	mp_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1;
	opt_dss(&o, &d);
	ut_send_data_opts(0, 500, 0, &o);
	cr_expect_eq(ut_ev.closed, 0, "the connection was reset");
	cr_expect_eq(MPMIB(DSS_NO_MATCH_TCP), 0);
	cr_expect_not(ut_ev.sk && mptcp_active(ut_ev.sk), "still MPTCP after an infinite mapping");
	cr_expect_eq(ut_rxp.rx.nxt, 500, "the mapped data was not kept");
}

/* Resets */

MP_TEST(resets, conflicting_mapping,
	"RFC 8684 3.3.1: a mapping that disagrees with the current one -> DSSNotMatching and RST")
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .map = true, .ssn = 1, .len = 1000};

	mp_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1;
	opt_dss(&o, &d);
	ut_send_data_opts(0, 500, 0, &o);     /* first half of a 1000-byte mapping */
	ut_expect_rx(0, 500);
	ut_clear();
	o.n = 0;
	d.dsn = idsn_c + 1 + 700;            /* subflow 501 said to be data 700: it is data 500 */
	d.ssn = 501;
	d.len = 500;
	opt_dss(&o, &d);
	ut_send_data_opts(500, 500, 0, &o);
	cr_expect_eq(MPMIB(DSS_NOT_MATCHING), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & RST, RST);
	cr_expect_eq(ut_rxp.rx.nxt, 500, "the conflicting bytes were not delivered");
}

MP_TEST(resets, data_outside_the_mapping,
	"Data not covered by the mapping, after DSS was seen -> DSSNoMatchTCP and RST")
{
	mp_establish();
	mp_send(0, 500, 0);
	ut_clear();
	ut_send_data_at(500, 500, 0);
	cr_expect_eq(MPMIB(DSS_NO_MATCH_TCP), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & RST, RST);
	cr_expect_eq(ut_rxp.rx.nxt, 500);
}

/* DATA_FIN (RFC 8684 3.3.3) */

static void data_fin_from_client(uint32_t at, uint32_t our_acked)
{
	struct dss d = {.ack = true, .data_ack = idsn_k + 1 + our_acked, .map = true, .fin = true,
			.dsn = idsn_c + 1 + at, .ssn = 0, .len = 1};

	mp_send_dss(&d);
}

MP_TEST(data_fin, received_after_all_data,
	"A DATA_FIN (ssn 0, len 1) ends the stream only once all data before it is in; DATA_ACK covers it")
{
	struct ut_seg a;
	struct mptcp_opts m;

	mp_establish();
	mp_send(0, 500, 0);
	ut_cl.snd_nxt = ut_cl.isn + 1 + 1000;   /* bytes 500..999 are lost for now */
	data_fin_from_client(1000, 0);
	cr_expect_eq(ut_ev.peer_fin, 0, "data 500..999 is still missing");
	mp_send(500, 500, 0);
	cr_expect_eq(ut_ev.peer_fin, 1);
	cr_expect_eq(MPMIB(DATA_FIN_RX), 1);
	ut_expect_rx(0, 1000);
	a = ut_last();
	m = mp_opts_of(&a);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 1000 + 1, "the DATA_FIN takes one data sequence number");
	cr_expect_eq(a.flags & FIN, 0, "no subflow FIN: our side has not ended");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(data_fin, on_the_last_data_segment,
	"A DATA_FIN on the last data segment (data-level length = bytes + 1) ends the stream after them")
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .map = true, .fin = true, .ssn = 1, .len = 501};
	struct mptcp_opts m;
	struct ut_seg a;

	mp_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1;
	opt_dss(&o, &d);
	ut_send_data_opts(0, 500, 0, &o);
	ut_expect_rx(0, 500);
	cr_expect_eq(ut_ev.peer_fin, 1);
	cr_assert_geq(ut_ncap, 1, "the DATA_FIN is acknowledged at once");
	a = ut_last();
	m = mp_opts_of(&a);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 501);
}

MP_TEST(data_fin, retransmitted_until_data_acked,
	"Our DATA_FIN is sent again, with backoff, until a DATA_ACK covers it")
{
	struct dss d = {.ack = true};
	uint64_t t0;

	mp_establish();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	t0 = ut_now;
	cr_assert_eq(ut_ncap, 1);
	ut_advance(1000000);
	cr_assert_geq(ut_ncap, 3, "DATA_FIN not retransmitted");
	for (unsigned int i = 0; i < 3; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		cr_expect(m.data_fin && m.data_seq == idsn_k + 1, "segment %u is not our DATA_FIN", i);
	}
	cr_expect_gt(ut_seg(2).t - ut_seg(1).t, ut_seg(1).t - t0, "no backoff");
	cr_expect_eq(MPMIB(DATA_FIN_TX), 1, "counted once");
	d.data_ack = idsn_k + 2;
	mp_send_dss(&d);
	ut_clear();
	ut_advance(5000000);
	cr_expect_eq(ut_ncap, 0, "DATA_FIN sent again after its DATA_ACK");
}

MP_TEST(data_fin, shutdown_sends_data_fin,
	"tcp_shutdown on an MPTCP socket -> a pure ACK with DATA_FIN (ssn 0, len 1), not a TCP FIN")
{
	struct ut_seg a;
	struct mptcp_opts m;

	mp_establish();
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_ncap, 1);
	a = ut_last();
	cr_expect_eq(a.flags, ACK, "no FIN flag");
	cr_expect_eq(a.len, 0);
	m = mp_opts_of(&a);
	cr_assert(m.suboptions & OPTION_MPTCP_DSS);
	cr_expect(m.data_fin);
	cr_expect(m.use_map);
	cr_expect_eq(m.subflow_seq, 0);
	cr_expect_eq(m.data_len, 1);
	cr_expect_eq(m.data_seq, idsn_k + 1, "DATA_FIN right after 0 bytes of data");
	cr_expect_eq(MPMIB(DATA_FIN_TX), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(data_fin, both_data_fins_then_subflow_fin,
	"After our DATA_FIN is DATA_ACKed and the client's arrives, the subflow sends a TCP FIN and closes")
{
	struct ut_seg a;
	struct mptcp_opts m;
	struct dss d = {.ack = true};

	mp_establish();
	ut_queue_tx(100);
	tcp_shutdown(ut_ev.sk);
	ut_poll();
	cr_assert_eq(ut_ncap, 1, "the data");
	ut_clear();
	ut_ack_upto(100);
	cr_assert_eq(ut_ncap, 1, "the DATA_FIN once all data is acknowledged");
	a = ut_last();
	cr_expect_eq(a.flags, ACK);
	m = mp_opts_of(&a);
	cr_expect(m.data_fin);
	cr_expect_eq(m.data_seq, idsn_k + 1 + 100);
	ut_clear();
	d.data_ack = idsn_k + 1 + 100 + 1;
	mp_send_dss(&d);
	cr_expect_eq(ut_txp.head, 100);
	cr_expect_eq(ut_ncap, 0, "no FIN while the client's stream is open");
	data_fin_from_client(0, 101);
	cr_expect_eq(ut_ev.peer_fin, 1);
	cr_assert_eq(ut_ncap, 1);
	a = ut_last();
	cr_expect_eq(a.flags, FIN | ACK);
	cr_expect_eq(a.seq, ut_cl.peer_isn + 1 + 100);
	m = mp_opts_of(&a);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 1, "acks the client's DATA_FIN");
	cr_expect_eq(ut_state(), TCP_FIN_WAIT_1);
	ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + 100 + 1;
	ut_send(FIN | ACK, NULL, 0, NULL);
	cr_expect_eq(ut_state(), TCP_TIME_WAIT);
	cr_expect_eq(ut_ev.peer_fin, 1, "the subflow FIN is not a second end of stream");
	ut_advance(70000);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, 0);
}

/* MP_JOIN (RFC 8684 3.2): a second subflow from another client port. */

static uint32_t check_mapped(uint16_t dport, uint32_t *first_off);

TestSuite(join, .init = setup);

#define J_PORT 40001
#define J_ISN 0x7000000u

static uint32_t j_peer_isn;       /* our ISN on the joined subflow */
static uint32_t j_nonce_b;        /* our nonce from the SYN/ACK */

static void opt_join_syn(struct ut_opts *o, uint32_t token, uint32_t nonce, bool backup)
{
	uint8_t b[12] = {TCPOPT_MPTCP, 12, (uint8_t)(MPTCPOPT_MP_JOIN << 4 | (backup ? 1 : 0)), 1};

	ut_put32(b + 4, token);
	ut_put32(b + 8, nonce);
	ut_opt_bytes(o, b, 12);
}

static void opt_join_ack(struct ut_opts *o, const uint8_t hmac[20])
{
	uint8_t b[24] = {TCPOPT_MPTCP, 24, MPTCPOPT_MP_JOIN << 4, 0};

	memcpy(b + 4, hmac, 20);
	ut_opt_bytes(o, b, 24);
}

/* A segment on the joined subflow; returns how many segments we answered with. */
static unsigned int j_send(uint32_t seq, uint32_t ack, uint8_t flags, const struct ut_opts *o,
			   const void *data, uint16_t len)
{
	struct ut_seg_spec s = {
		.saddr = UT_CADDR + 1, .daddr = UT_SADDR, .sport = J_PORT, .dport = UT_SPORT,
		.seq = seq, .ack = ack, .flags = flags, .wnd = 65535,
		.opt = o ? o->b : NULL, .optlen = o ? o->n : 0, .data = data, .len = len,
	};

	ut_clear();
	ut_inject(&s);
	return ut_ncap;
}

/* The join SYN for our token; returns the SYN/ACK's parsed MP_JOIN. */
static struct mptcp_opts j_syn(uint32_t nonce_a, bool backup)
{
	struct ut_opts o = syn_opts(false);
	uint32_t token;
	uint64_t idsn;
	struct ut_seg sa;
	struct mptcp_opts m;

	mptcp_crypto_key_sha(key_k, &token, &idsn);
	opt_join_syn(&o, token, nonce_a, backup);
	cr_assert_eq(j_send(J_ISN, 0, RTE_TCP_SYN_FLAG, &o, NULL, 0), 1, "one SYN/ACK");
	sa = ut_last();
	cr_assert_eq(sa.flags, RTE_TCP_SYN_FLAG | ACK);
	cr_assert_eq(sa.dport, J_PORT);
	j_peer_isn = sa.seq;
	m = mp_opts_of(&sa);
	j_nonce_b = m.nonce;
	return m;
}

MP_TEST(join, synack_carries_the_truncated_hmac,
	"MP_JOIN SYN with our token -> SYN/ACK with MP_JOIN: our nonce and HMAC(Kb||Ka, Rb||Ra) leftmost 64 bits")
{
	struct mptcp_opts m;

	mp_establish();
	m = j_syn(0x11223344, false);
	cr_expect_eq(m.suboptions, OPTION_MPTCP_MPJ_SYNACK);
	cr_expect_eq(m.thmac, mptcp_crypto_join_thmac(key_k, key_c, j_nonce_b, 0x11223344));
	cr_expect_eq(m.join_id, 0, "the initial address has id 0");
	cr_expect_eq(accept_ret, MPTCP_ACCEPT_JOINED);
	cr_expect_eq(MPMIB(MPJOIN_SYN_RX), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 1, "a join is not a new connection");
}

MP_TEST(join, third_ack_hmac_verified_then_data_flows,
	"Third ACK with HMAC(Ka||Kb, Ra||Rb) leftmost 160 bits -> MPJoinAckRx, the fourth ACK, and DSS data on it lands in order")
{
	struct ut_opts o = {0}, d = {0};
	uint8_t h[32], buf[600];
	struct dss m = {.ack = true, .data_ack = 0, .map = true, .len = 600};

	mp_establish();
	j_syn(0xa1a2a3a4, true);
	cr_expect_eq(MPMIB(MPJOIN_SYN_BACKUP_RX), 1);
	mptcp_crypto_join_hmac(key_c, key_k, 0xa1a2a3a4, j_nonce_b, h);
	opt_join_ack(&o, h);
	cr_assert_geq(j_send(J_ISN + 1, j_peer_isn + 1, ACK, &o, NULL, 0), 1, "the fourth ACK");
	cr_expect_eq(MPMIB(MPJOIN_ACK_RX), 1);
	cr_expect_eq(ut_last().flags, ACK);
	/* The client sends data offset 0..599 on the new subflow. */
	m.data_ack = idsn_k + 1;
	m.dsn = idsn_c + 1;
	m.ssn = 1;
	opt_dss(&d, &m);
	ut_fill(buf, 0, 600);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK | RTE_TCP_PSH_FLAG, &d, buf, 600);
	ut_expect_rx(0, 600);
	cr_expect_eq(ut_ev.readable, 1, "the owner hears of it through the first subflow");
	/* Then the first subflow carries the next bytes: they join up by DSN. */
	mp_send(600, 400, 0);
	ut_expect_rx(0, 1000);
}

MP_TEST(join, bad_hmac_resets_the_subflow,
	"A third ACK with a wrong HMAC -> MPJoinAckHMacFailure and a RST; the connection goes on")
{
	struct ut_opts o = {0};
	uint8_t h[32];

	mp_establish();
	j_syn(0x55667788, false);
	mptcp_crypto_join_hmac(key_c, key_k, 0x55667788, j_nonce_b, h);
	h[7] ^= 0x40;
	opt_join_ack(&o, h);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, &o, NULL, 0);
	cr_expect_eq(MPMIB(MPJOIN_ACK_HMAC_FAIL), 1);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & RST, RST);
	cr_expect_eq(ut_last().dport, J_PORT);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED, "the first subflow is untouched");
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

MP_TEST(join, third_ack_without_mp_join_resets,
	"A join's third ACK without MP_JOIN cannot fall back: reset (MPJoinAckMissing)")
{
	mp_establish();
	j_syn(1, false);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, NULL, NULL, 0);
	cr_expect_eq(MPMIB(MPJOIN_ACK_MISSING), 1);
	cr_expect_eq(ut_last().flags & RST, RST);
}

MP_TEST(join, subflow_limit_refuses,
	"With a limit of 1 subflow per connection a join is refused with a RST (MPJoinRefused)")
{
	struct ut_opts o = syn_opts(false);
	uint32_t token;
	uint64_t idsn;

	mptcp_ctx_set_max_subflows(ctx, 1);
	mp_establish();
	mptcp_crypto_key_sha(key_k, &token, &idsn);
	opt_join_syn(&o, token, 9, false);
	j_send(J_ISN, 0, RTE_TCP_SYN_FLAG, &o, NULL, 0);
	cr_expect_eq(MPMIB(MPJOIN_REFUSED), 1);
	cr_assert_eq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags & RST, RST);
}

MP_TEST(join, joined_subflow_takes_over_when_the_first_dies,
	"Walk-out: the first subflow is reset, the joined one carries the connection on; the owner follows it")
{
	struct ut_opts o = {0};
	uint8_t h[32];
	uint32_t first;

	mp_establish();
	j_syn(0x0badcafe, false);
	mptcp_crypto_join_hmac(key_c, key_k, 0x0badcafe, j_nonce_b, h);
	opt_join_ack(&o, h);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, &o, NULL, 0);
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
	ut_clear();
	ut_send(RST, NULL, 0, NULL);          /* the first subflow is reset by the client */
	cr_expect_eq(ut_ev.closed, 0, "the connection did not end");
	cr_expect_eq(ut_ev.replaced, 1, "the owner was told which socket carries it now");
	cr_expect_eq(MPMIB(TAKEOVER), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 1);
	/* New data from the relay leaves on the joined subflow. */
	ut_clear();
	ut_queue_tx(3000);
	ut_poll();
	cr_expect_eq(check_mapped(J_PORT, &first), 3000);
	cr_expect_eq(first, 0);
	/* The last subflow goes: now the connection ends. */
	ut_clear();
	j_send(J_ISN + 1, j_peer_isn + 1, RST, NULL, NULL, 0);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

/* A verified join; the joined subflow is ESTABLISHED with a near-zero RTT sample. */
static void j_establish(void)
{
	struct ut_opts o = {0};
	uint8_t h[32];

	j_syn(0x31415926, false);
	mptcp_crypto_join_hmac(key_c, key_k, 0x31415926, j_nonce_b, h);
	opt_join_ack(&o, h);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, &o, NULL, 0);
	cr_assert_eq(MPMIB(MPJOIN_ACK_RX), 1);
}

/* Check every data segment sent since the last clear: its DSS maps exactly its bytes, which
 * are the pattern at that data offset. Returns the bytes sent on port dport. */
static uint32_t check_mapped(uint16_t dport, uint32_t *first_off)
{
	uint32_t total = 0;

	*first_off = UINT32_MAX;
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m;
		uint8_t want[1500];
		uint64_t off;

		if (s.len == 0 || s.dport != dport)
			continue;
		m = mp_opts_of(&s);
		cr_assert(m.use_map, "data without a mapping");
		cr_expect_eq(m.data_len, s.len, "one mapping per segment");
		off = m.data_seq - idsn_k - 1;
		ut_fill(want, off, s.len);
		cr_expect_arr_eq(s.data, want, s.len, "bytes at data offset %llu", (unsigned long long)off);
		if (off < *first_off)
			*first_off = (uint32_t)off;
		total += s.len;
	}
	return total;
}

MP_TEST(join, scheduler_uses_both_subflows,
	"minrtt: data goes first to the subflow with the lower RTT and room, the rest to the other; DSS maps every byte")
{
	uint32_t on_join, on_master, first_join, first_master;

	mp_establish();
	j_establish();
	ut_clear();
	ut_queue_tx(40000);
	ut_poll();
	on_join = check_mapped(J_PORT, &first_join);
	on_master = check_mapped(UT_CPORT, &first_master);
	cr_expect_gt(on_join, 0, "the joined subflow (lower RTT) carried data (%u segments, master %u bytes)",
		     ut_ncap, on_master);
	cr_expect_gt(on_master, 0, "the first subflow carried the rest its window allowed");
	cr_expect_eq(first_join, 0, "the lowest RTT gets the first bytes");
	cr_expect_eq(on_join + on_master, 2 * 10 * 1460, "each subflow sent its initial window");
	cr_expect_gt(MPMIB(SCHED_JOINED), 0);
}

MP_TEST(join, dead_subflow_data_is_reinjected,
	"A joined subflow reset with unacknowledged data: its bytes go again on the other, same data sequence numbers")
{
	uint32_t first, on_master;

	mp_establish();
	j_establish();
	ut_queue_tx(14600);         /* exactly the joined subflow's initial window */
	ut_poll();
	ut_clear();
	j_send(J_ISN + 1, j_peer_isn + 1, RST, NULL, NULL, 0);
	cr_expect_eq(MPMIB(REINJECT), 1);
	ut_poll();
	on_master = check_mapped(UT_CPORT, &first);
	cr_expect_eq(on_master, 14600, "all of it again on the first subflow");
	cr_expect_eq(first, 0, "from data offset 0");
}

MP_TEST(join, hole_acked_by_its_subflow_is_sent_again,
	"Bytes a joined subflow acknowledged that the DATA_ACK never covers (the client lost them above TCP): after 3 such DATA_ACKs and an RTT they go again on the other subflow from the hole, once (HoleRetrans)")
{
	struct dss d = {.ack = true};
	uint32_t first, on_master, first_j, on_join;

	mp_establish();
	j_establish();
	ut_queue_tx(14600);          /* all on the joined subflow (lower RTT) */
	ut_poll();
	d.data_ack = idsn_k + 1;
	for (int i = 0; i < 4; i++)
		mp_send_dss(&d);
	cr_expect_eq(MPMIB(HOLE_RETRANS), 0, "in flight on the joined subflow: no hole");
	j_send(J_ISN + 1, j_peer_isn + 1 + 14600, ACK, NULL, NULL, 0);   /* acknowledged by the subflow */
	ut_clear();
	mp_send_dss(&d);
	mp_send_dss(&d);
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(HOLE_RETRANS), 0, "not within an RTT (the DATA_ACK may lag)");
	ut_now += 20000;
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(HOLE_RETRANS), 1);
	ut_poll();
	on_master = check_mapped(UT_CPORT, &first);
	on_join = check_mapped(J_PORT, &first_j);
	cr_expect_eq(on_master + on_join, 14600, "the hole sent again, where the scheduler chose (%u + %u)",
		     on_master, on_join);
	cr_expect_eq(first < first_j ? first : first_j, 0, "from data offset 0");
	/* Acknowledged again by its subflow, still not by DATA_ACK: not a second time (the timer's job). */
	if (on_join)
		j_send(J_ISN + 1, j_peer_isn + 1 + 2 * 14600, ACK, NULL, NULL, 0);
	else
		ut_cl.rcv_nxt = ut_cl.peer_isn + 1 + 14600;
	for (int i = 0; i < 4; i++) {
		ut_now += 20000;
		mp_send_dss(&d);
	}
	cr_expect_eq(MPMIB(HOLE_RETRANS), 1);
	d.data_ack = idsn_k + 1 + 14600;
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(HOLE_RETRANS), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(join, end_of_the_window_kept_free_with_two_subflows,
	"Two subflows, a data-level window of 20 000 bytes: data fills it but for 1/16 of it and two segments (decision 36); a DATA_ACK moves it on")
{
	struct dss d = {.ack = true};
	uint32_t first, first_j, sent, keep, mss;

	mp_establish();
	j_establish();
	mss = ut_ev.sk->mss;
	ut_cl.wnd = 5000;            /* << 2 (the client's window scale): 20 000 bytes */
	d.data_ack = idsn_k + 1;
	mp_send_dss(&d);
	ut_clear();
	ut_queue_tx(60000);
	ut_poll();
	sent = check_mapped(UT_CPORT, &first) + check_mapped(J_PORT, &first_j);
	keep = 20000 / 16 + 2 * mss;
	cr_expect_leq(sent, 20000 - keep, "sent %u of a 20000-byte window (keep %u)", sent, keep);
	cr_expect_geq(sent, 20000 - keep - mss, "sent %u: the window minus what is kept, in whole segments", sent);
	ut_clear();
	d.data_ack = idsn_k + 1 + sent;
	mp_send_dss(&d);
	ut_poll();
	cr_expect_gt(check_mapped(UT_CPORT, &first) + check_mapped(J_PORT, &first_j), 0, "the DATA_ACK opened room");
}

MP_TEST(join, stale_subflow_data_goes_on_the_other,
	"A subflow with repeated RTOs is stale: its unacknowledged bytes go again on the other subflow; an ACK makes it live again")
{
	uint32_t first, on_master;

	mp_establish();
	j_establish();
	ut_queue_tx(14600);          /* all on the joined subflow (lower RTT) */
	ut_poll();
	ut_clear();
	ut_advance(700000);          /* two RTOs (200 ms, then 400 ms) with no ACK */
	cr_expect_eq(MPMIB(SUBFLOW_STALE), 1);
	cr_expect_geq(MPMIB(REINJECT), 1);
	on_master = check_mapped(UT_CPORT, &first);
	cr_expect_geq(on_master, 14600, "the first subflow carried all of it (%u, resends included)", on_master);
	cr_expect_eq(first, 0);
	/* The joined subflow's path comes back: its ACK makes it live again. */
	j_send(J_ISN + 1, j_peer_isn + 1 + 14600, ACK, NULL, NULL, 0);
	cr_expect_eq(MPMIB(SUBFLOW_RECOVER), 1);
}

MP_TEST(handshake, dss_ahead_of_the_third_ack_is_dropped_not_reset,
	"A DSS segment that overtakes the third ACK cannot be mapped yet: dropped unacknowledged (EarlyDSS), no reset; the MP_CAPABLE with data then establishes")
{
	struct ut_opts o = {0}, mpc = {0};
	struct dss d = {.ack = true, .data_ack = 0, .map = true, .len = 500};
	uint8_t buf[500];

	mp_syn();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1 + 500;
	d.ssn = 501;
	opt_dss(&o, &d);
	ut_fill(buf, 500, 500);
	ut_clear();
	ut_send_seq(ut_cl.isn + 1 + 500, ACK, buf, 500, &o);
	cr_expect_eq(MPMIB(EARLY_DSS), 1);
	cr_expect_eq(ut_ev.closed, 0, "not reset");
	cr_expect_eq(ut_state(), TCP_SYN_RCVD);
	opt_mpc(&mpc, 22, key_c, key_k, 500);
	ut_send_data_opts(0, 500, 0, &mpc);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	ut_expect_rx(0, 500);
}

MP_TEST(join, cost_scheduler_fills_the_cheap_path_first,
	"cost: the cheap access network gets the bytes first although the dear one has the lower RTT")
{
	uint32_t on_join, on_master, fj, fm;

	mptcp_ctx_set_scheduler(ctx, MPTCP_SCHED_COST);
	cr_assert_eq(mptcp_ctx_add_access(ctx, UT_CADDR, 32, 1, false), 0);       /* the "dsl" client address */
	cr_assert_eq(mptcp_ctx_add_access(ctx, UT_CADDR + 1, 32, 10, false), 0);  /* the "lte" one */
	mp_establish();
	j_establish();
	ut_clear();
	ut_queue_tx(40000);
	ut_poll();
	on_master = check_mapped(UT_CPORT, &fm);
	on_join = check_mapped(J_PORT, &fj);
	cr_expect_eq(fm, 0, "the cheap path starts the stream");
	cr_expect_eq(on_master, 10 * 1460, "the cheap path's whole window");
	cr_expect_eq(on_join, 10 * 1460, "the dear one only for what the cheap one cannot take now");
	cr_expect_eq(fj, 10 * 1460);
}

MP_TEST(join, redundant_scheduler_sends_everything_twice,
	"redundant: every byte goes on every subflow with room, same data sequence numbers")
{
	uint32_t on_join, on_master, fj, fm;

	mptcp_ctx_set_scheduler(ctx, MPTCP_SCHED_REDUNDANT);
	mp_establish();
	j_establish();
	ut_clear();
	ut_queue_tx(5000);
	ut_poll();
	on_master = check_mapped(UT_CPORT, &fm);
	on_join = check_mapped(J_PORT, &fj);
	cr_expect_eq(on_master, 5000);
	cr_expect_eq(on_join, 5000);
	cr_expect_eq(fm, 0);
	cr_expect_eq(fj, 0);
}

MP_TEST(join, backup_access_network_waits_for_the_other,
	"An access network marked backup gets data only when the other subflows have no room")
{
	uint32_t on_join, fj;

	cr_assert_eq(mptcp_ctx_add_access(ctx, UT_CADDR + 1, 32, 1, true), 0);
	mp_establish();
	j_establish();
	ut_clear();
	ut_queue_tx(4000);
	ut_poll();
	on_join = check_mapped(J_PORT, &fj);
	cr_expect_eq(on_join, 0, "the first subflow had room for all of it");
}

MP_TEST(resets, owner_abort_sends_mp_fastclose,
	"RFC 8684 3.5: aborting the connection sends a RST carrying MP_FASTCLOSE with the client's key and MP_TCPRST")
{
	struct mptcp_opts m;
	struct ut_seg r;
	struct tcp_sock *sk;

	mp_establish();
	ut_clear();
	sk = ut_ev.sk;
	ut_ev.sk = NULL;            /* an abort gives no closed() */
	tcp_abort(sk);
	cr_assert_eq(ut_ncap, 1);
	r = ut_last();
	cr_expect_eq(r.flags & RST, RST);
	m = mp_opts_of(&r);
	cr_expect(m.suboptions & OPTION_MPTCP_FASTCLOSE, "MP_FASTCLOSE on the RST");
	cr_expect_eq(m.fastclose_key, key_c, "with the receiver's key");
	cr_expect(m.suboptions & OPTION_MPTCP_RST, "MP_TCPRST too");
	cr_expect_eq(MPMIB(FASTCLOSE_TX), 1);
}

TestSuite(addr, .init = setup);

/* Every segment sent since the last clear that carries an ADD_ADDR; the last one into *m. */
static int add_addrs_sent(struct mptcp_opts *m)
{
	int n = 0;

	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts o = mp_opts_of(&s);

		if (o.suboptions & OPTION_MPTCP_ADD_ADDR) {
			*m = o;
			n++;
		}
	}
	return n;
}

/* The handshake, what the stack sent before its third ACK cleared: the ADD_ADDR rides after it. */
static void mp_handshake_cleared(void)
{
	struct ut_opts o = {0};

	mp_syn();
	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_now += 10000;
	ut_clear();
	ut_send(ACK, NULL, 0, &o);
}

MP_TEST(addr, add_addr_with_hmac_until_echoed,
	"RFC 8684 3.4.1: a configured address is announced with the rightmost 64 bits of HMAC(Kb||Ka, id||addr||port), resent until echoed")
{
	struct mptcp_opts m;
	struct ut_opts e = {0};
	uint8_t echo[8] = {TCPOPT_MPTCP, 8, MPTCPOPT_ADD_ADDR << 4 | 1, 1, 10, 0, 0, 9};

	cr_assert_eq(mptcp_ctx_add_announce(ctx, 0x0a000009), 0);
	mp_handshake_cleared();
	cr_assert_eq(add_addrs_sent(&m), 1, "announced once right after the handshake");
	cr_expect_eq(m.addr_id, 1);
	cr_expect_eq(rte_be_to_cpu_32(m.addr4), 0x0a000009);
	cr_expect(!m.add_addr_echo);
	cr_expect_eq(m.add_addr_hmac, mptcp_crypto_add_addr_hmac4(key_k, key_c, 1, rte_cpu_to_be_32(0x0a000009), 0));
	cr_expect_eq(MPMIB(ADD_ADDR_TX), 1);
	/* No echo: resent by the data-level timer. */
	ut_clear();
	ut_advance(1100000);
	cr_expect_geq(add_addrs_sent(&m), 1, "resent without an echo");
	/* The echo (E bit, no HMAC) stops it. */
	ut_opt_bytes(&e, echo, 8);
	ut_send(ACK, NULL, 0, &e);
	cr_expect_eq(MPMIB(ECHO_ADD_RX), 1);
	ut_clear();
	ut_advance(5000000);
	cr_expect_eq(add_addrs_sent(&m), 0, "nothing after the echo");
}

MP_TEST(addr, add_addr_ipv6_on_an_ipv4_connection,
	"An announced IPv6 address (mixed families, RFC 8684 3.4.1): 28 bytes on a pure ACK without its DSS (as Linux), "
	"HMAC over the 16 address bytes; an echo of another IPv6 address does not count, its own echo stops it")
{
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 1};
	uint8_t echo[20] = {TCPOPT_MPTCP, 20, MPTCPOPT_ADD_ADDR << 4 | 1, 1};
	struct mptcp_opts m;
	struct ut_opts e = {0}, wrong = {0};
	uint8_t len;

	cr_assert_eq(mptcp_ctx_add_announce6(ctx, a6), 0);
	mp_handshake_cleared();
	cr_assert_eq(add_addrs_sent(&m), 1, "announced right after the handshake");
	cr_expect_eq(m.add_addr_ipver, 6);
	cr_expect_eq(m.addr_id, 1);
	cr_expect_arr_eq(m.addr6, a6, 16);
	cr_expect_eq(m.add_addr_hmac, mptcp_crypto_add_addr_hmac6(key_k, key_c, 1, a6, 0));
	cr_expect_not(m.suboptions & OPTION_MPTCP_DSS, "no DSS beside it: 28 bytes and timestamps fill the space");
	{
		struct ut_seg s = ut_last();
		const uint8_t *opt = ut_find_opt(&s, TCPOPT_MPTCP, &len);

		cr_assert_not_null(opt);
		cr_expect_eq(len, 28, "ADD_ADDR with an IPv6 address and its HMAC");
	}
	/* An echo naming another IPv6 address under the same id: not ours. */
	memcpy(echo + 4, a6, 16);
	echo[19] ^= 1;
	ut_opt_bytes(&wrong, echo, 20);
	ut_send(ACK, NULL, 0, &wrong);
	cr_expect_eq(MPMIB(ECHO_ADD_RX), 0);
	echo[19] ^= 1;
	ut_opt_bytes(&e, echo, 20);
	ut_send(ACK, NULL, 0, &e);
	cr_expect_eq(MPMIB(ECHO_ADD_RX), 1);
	ut_clear();
	ut_advance(5000000);
	cr_expect_eq(add_addrs_sent(&m), 0, "nothing after the echo");
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

MP_TEST(addr, access_prefixes_by_family,
	"The cost scheduler's access prefixes match a subflow's client address in its own family, the longest first; "
	"an IPv6 address whose fold equals an IPv4 prefix's address never takes that IPv4 network")
{
	const uint8_t p64[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20}, p32[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct tcp_sock6 s6;
	struct tcp_sock s4;

	memset(&s6, 0, sizeof(s6));
	memset(&s4, 0, sizeof(s4));
	cr_assert_eq(mptcp_ctx_add_access(ctx, 0x0a0a0200u, 24, 10, false), 0);
	cr_assert_eq(mptcp_ctx_add_access6(ctx, p64, 64, 5, true), 0);
	cr_assert_eq(mptcp_ctx_add_access6(ctx, p32, 32, 2, false), 0);
	s6.sk.v6 = true;
	memcpy(s6.raddr6, p64, 16);
	s6.raddr6[15] = 2;                       /* 2001:db8:20::2 */
	s6.sk.raddr = tcp_ip6_fold(s6.raddr6);
	cr_expect_eq(mptcp_ctx_access_of(ctx, &s6.sk), 1, "the /64 before the /32");
	s6.raddr6[5] = 0x99;                     /* 2001:db8:99::2 */
	cr_expect_eq(mptcp_ctx_access_of(ctx, &s6.sk), 2);
	memset(s6.raddr6, 0, 16);
	s6.raddr6[12] = 10, s6.raddr6[13] = 10, s6.raddr6[14] = 2, s6.raddr6[15] = 5;   /* ::10.10.2.5 */
	s6.sk.raddr = tcp_ip6_fold(s6.raddr6);
	cr_expect_eq(s6.sk.raddr, 0x0a0a0205u, "its fold is an address of the IPv4 prefix");
	cr_expect_eq(mptcp_ctx_access_of(ctx, &s6.sk), -1, "but it is no IPv4 subflow");
	s4.raddr = 0x0a0a0207u;
	cr_expect_eq(mptcp_ctx_access_of(ctx, &s4), 0);
	mp_establish();
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

MP_TEST(addr, withdraw_ipv6_announce,
	"mptcp_ctx_withdraw6 names an announced IPv6 address (REMOVE_ADDR with its id); an IPv4 address with the same "
	"fold, or one never announced, is -ENOENT")
{
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 1};
	const uint8_t other[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 2};

	cr_assert_eq(mptcp_ctx_add_announce(ctx, 0x0a000009), 0);
	cr_assert_eq(mptcp_ctx_add_announce6(ctx, a6), 0);
	mp_establish();
	cr_expect_eq(mptcp_ctx_withdraw(ctx, tcp_ip6_fold(a6), true), -ENOENT, "the fold is no IPv4 address");
	cr_expect_eq(mptcp_ctx_withdraw6(ctx, other, true), -ENOENT);
	ut_clear();
	cr_expect_eq(mptcp_ctx_withdraw6(ctx, a6, true), 1, "one connection told");
	ut_poll();
	{
		bool rm2 = false;

		for (unsigned int i = 0; i < ut_ncap; i++) {
			struct ut_seg s = ut_seg(i);
			struct mptcp_opts o = mp_opts_of(&s);

			if ((o.suboptions & OPTION_MPTCP_RM_ADDR) && o.rm_count == 1 && o.rm_ids[0] == 2)
				rm2 = true;
		}
		cr_expect(rm2, "REMOVE_ADDR for id 2, the IPv6 address");
	}
}

MP_TEST(forged, add_addr_ipv6_hmac_checked,
	"ADD_ADDR with an IPv6 address from the client: its HMAC over the 16 bytes is checked (AddAddr, AddAddrHMacFailure)")
{
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 2};
	uint8_t b[28] = {TCPOPT_MPTCP, 28, MPTCPOPT_ADD_ADDR << 4, 5};
	uint64_t h;
	struct ut_opts o = {0}, bad = {0};

	mp_establish();
	memcpy(b + 4, a6, 16);
	h = mptcp_crypto_add_addr_hmac6(key_c, key_k, 5, a6, 0);
	put64(b + 20, h);
	ut_opt_bytes(&o, b, 28);
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(ADD_ADDR_RX), 1);
	cr_expect_eq(MPMIB(ADD_ADDR_HMAC_FAIL), 0);
	put64(b + 20, h ^ 1);
	ut_opt_bytes(&bad, b, 28);
	ut_send(ACK, NULL, 0, &bad);
	cr_expect_eq(MPMIB(ADD_ADDR_HMAC_FAIL), 1);
}

TestSuite(lia, .init = setup);

MP_TEST(lia, one_subflow_is_plain_tcp,
	"RFC 6356: with one subflow alpha = 1, and LIA grows the window by about one MSS per window like TCP")
{
	uint64_t total;
	uint32_t before;

	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	mp_establish();
	cr_expect_eq(ut_ev.sk->cc_ops, &mptcp_cc_lia, "the subflow uses LIA once established");
	cr_expect_float_eq(mptcp_lia_alpha(ut_ev.sk, &total), 1.0, 1e-9);
	cr_expect_eq(total, ut_ev.sk->cwnd);
	ut_ev.sk->ssthresh = 1;                    /* congestion avoidance */
	before = ut_ev.sk->cwnd;
	for (uint32_t acked = 0; acked < before; acked += 1460)
		ut_ev.sk->cc_ops->on_ack(ut_ev.sk, 1460);
	/* acked * MSS / cwnd per ACK while cwnd grows: a little under one MSS per window. */
	cr_expect(ut_ev.sk->cwnd >= before + ut_ev.sk->mss * 9 / 10 && ut_ev.sk->cwnd <= before + ut_ev.sk->mss,
		  "one window of ACKs: about +1 MSS (%u -> %u)", before, ut_ev.sk->cwnd);
}

MP_TEST(lia, alpha_follows_rfc6356,
	"RFC 6356: alpha = cwnd_total * max(cwnd_i / rtt_i^2) / (sum cwnd_i / rtt_i)^2 over the subflows")
{
	uint64_t total;
	double alpha, r1, w = 10.0 * 1460;

	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	mp_establish();
	j_establish();
	alpha = mptcp_lia_alpha(ut_ev.sk, &total);
	cr_expect_eq(total, 2 * 10 * 1460, "two initial windows");
	/* Equal windows; the joined subflow's RTT sample is microseconds, the first's r1. */
	r1 = ut_ev.sk->srtt_us / 1e6;
	cr_assert_gt(r1, 0.001);
	/* alpha = 2w * (w / r2^2) / (w / r1 + w / r2)^2 = 2 / (1 + r2 / r1)^2 -> 2 as r2 << r1 */
	cr_expect(alpha > 2.0 / ((1 + 20e-6 / r1) * (1 + 20e-6 / r1)) && alpha <= 2.0,
		  "alpha %f for r1 %f s (w %f)", alpha, r1, w);
}

MP_TEST(join, mp_prio_makes_a_subflow_backup,
	"RFC 8684 3.3.8: MP_PRIO with B on the joined subflow makes it backup: the scheduler leaves it alone")
{
	struct ut_opts p = {0};
	uint8_t prio[3] = {TCPOPT_MPTCP, 3, MPTCPOPT_MP_PRIO << 4 | 1};
	uint32_t on_join, fj;

	mp_establish();
	j_establish();
	ut_opt_bytes(&p, prio, 3);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, &p, NULL, 0);
	cr_expect_eq(MPMIB(MP_PRIO_RX), 1);
	ut_clear();
	ut_queue_tx(4000);
	ut_poll();
	on_join = check_mapped(J_PORT, &fj);
	cr_expect_eq(on_join, 0, "a backup subflow with a regular one beside it gets nothing");
}

MP_TEST(join, remove_addr_closes_its_subflow,
	"RFC 8684 3.4.2: REMOVE_ADDR of the joined subflow's address id resets that subflow; the connection goes on")
{
	struct ut_opts r = {0};
	uint8_t rm[4] = {TCPOPT_MPTCP, 4, MPTCPOPT_RM_ADDR << 4, 1};    /* id 1: the join's */

	mp_establish();
	j_establish();
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
	ut_opt_bytes(&r, rm, 4);
	ut_send(ACK, NULL, 0, &r);            /* sent on the first subflow */
	cr_expect_eq(MPMIB(RM_ADDR_RX), 1);
	cr_expect_eq(MPMIB(RM_SUBFLOW), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "the joined subflow is gone");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

/* DSS checksums (RFC 8684 3.3.1) and MP_FAIL (3.7) */

TestSuite(csum, .init = setup);

/* The checksum of the client's mapping of data offsets [off, off + len), its bytes the pattern. */
static uint16_t client_csum(uint32_t off, uint16_t len, uint16_t wire_len)
{
	static uint8_t b[65536];

	ut_fill(b, off, len);
	return mptcp_dss_csum(idsn_c + 1 + off, 1 + off, wire_len, b, len);
}

/* Handshake with the client asking for checksums (A in its SYN). */
static struct mptcp_opts csum_establish(void)
{
	struct ut_opts o = {0};
	struct ut_seg sa;
	struct mptcp_opts m;

	mpc_extra_flags = MPTCP_CAP_CHECKSUM_REQD;
	sa = mp_syn();
	m = mp_opts_of(&sa);
	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &o);
	cr_assert(mptcp_active(ut_ev.sk));
	ut_clear();
	return m;
}

/* Client bytes [off, off + len) inside its mapping [moff, moff + mlen), with checksum sum. */
static void csum_send(uint32_t off, uint16_t len, uint32_t moff, uint16_t mlen, uint16_t sum)
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .data_ack = idsn_k + 1, .map = true, .dsn = idsn_c + 1 + moff,
			.ssn = 1 + moff, .len = mlen, .csum = true, .csum_val = sum};

	opt_dss(&o, &d);
	ut_send_data_opts(off, len, 0, &o);
}

MP_TEST(csum, client_request_is_accepted,
	"SYN with A (checksums) -> SYN/ACK echoes A; the connection uses checksums (ChecksumConns)")
{
	struct mptcp_opts m = csum_establish();

	cr_expect_eq(m.mpc_flags & MPTCP_CAP_CHECKSUM_REQD, MPTCP_CAP_CHECKSUM_REQD);
	cr_expect_eq(MPMIB(CSUM_CONNS), 1);
	cr_expect_eq(MPMIB(CSUM_REFUSED), 0);
}

MP_TEST(csum, off_serves_plain_tcp,
	"mptcp.checksum off: a SYN asking for checksums is served as plain TCP (MPCapableChecksumRefused)")
{
	struct ut_opts o;
	struct ut_seg sa;

	mptcp_ctx_set_checksum(ctx, MPTCP_CSUM_OFF);
	mpc_extra_flags = MPTCP_CAP_CHECKSUM_REQD;
	o = syn_opts(true);
	sa = ut_syn(&o);
	cr_expect_null(ut_find_opt(&sa, TCPOPT_MPTCP, NULL));
	cr_expect_eq(MPMIB(CSUM_REFUSED), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(csum, require_asks_in_synack,
	"mptcp.checksum require: a SYN without A gets A in the SYN/ACK; our data then carries checksums")
{
	struct ut_seg sa;
	struct mptcp_opts m;
	struct ut_opts o = {0};

	mptcp_ctx_set_checksum(ctx, MPTCP_CSUM_REQUIRE);
	sa = mp_syn();
	m = mp_opts_of(&sa);
	cr_expect_eq(m.mpc_flags & MPTCP_CAP_CHECKSUM_REQD, MPTCP_CAP_CHECKSUM_REQD);
	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &o);
	ut_clear();
	ut_queue_tx(1000);
	ut_poll();
	cr_assert_geq(ut_ncap, 1);
	sa = ut_seg(0);
	m = mp_opts_of(&sa);
	cr_expect(m.csum_present);
}

MP_TEST(csum, our_mappings_carry_correct_checksums,
	"Every data segment we send has a DSS checksum that verifies over its bytes (RFC 8684 3.3.1)")
{
	unsigned int n = 0;

	csum_establish();
	ut_queue_tx(5000);
	ut_poll();
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		if (s.len == 0)
			continue;
		cr_assert(m.use_map && m.csum_present, "segment %u: mapping with checksum", i);
		cr_expect_eq(mptcp_dss_csum(m.data_seq, m.subflow_seq, m.data_len, s.data, s.len), m.csum,
			     "segment %u: checksum", i);
		cr_expect_leq(s.len + s.optlen, 1460);
		n++;
	}
	cr_expect_geq(n, 4);
}

MP_TEST(csum, mapping_held_until_complete,
	"A mapping spread over two segments: nothing reaches the relay until all its bytes are in and its sum is right")
{
	struct mptcp_opts m;
	struct ut_seg a;
	uint16_t sum;

	csum_establish();
	sum = client_csum(0, 2000, 2000);
	csum_send(0, 1000, 0, 2000, sum);
	cr_expect_eq(ut_rxp.rx.nxt, 0, "half a mapping is not delivered");
	cr_expect_eq(MPMIB(CSUM_OK), 0);
	csum_send(1000, 1000, 0, 2000, sum);
	cr_expect_eq(MPMIB(CSUM_OK), 1);
	ut_expect_rx(0, 2000);
	ut_advance(40000);
	a = ut_last();
	m = mp_opts_of(&a);
	cr_expect_eq(m.data_ack, idsn_c + 1 + 2000, "DATA_ACK after verification");
	cr_expect(mptcp_active(ut_ev.sk));
}

MP_TEST(csum, later_mapping_first,
	"The second mapping's segment arrives first: it waits, and both are delivered when the first completes")
{
	csum_establish();
	csum_send(1000, 500, 1000, 500, client_csum(1000, 500, 500));
	cr_expect_eq(ut_rxp.rx.nxt, 0);
	csum_send(0, 1000, 0, 1000, client_csum(0, 1000, 1000));
	ut_expect_rx(0, 1500);
	cr_expect_eq(MPMIB(CSUM_OK), 2);
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 0);
}

MP_TEST(csum, mapping_without_checksum_refused,
	"On a checksummed connection a mapping without the checksum is counted (DataCsumErr) and its bytes not taken")
{
	csum_establish();
	mp_send(0, 500, 0);
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 1);
	cr_expect_eq(ut_rxp.rx.nxt, 0);
}

MP_TEST(csum, bad_sum_alone_falls_back_with_mp_fail,
	"RFC 8684 3.7: a wrong sum on the only subflow -> MP_FAIL with the mapping's DSN, then TCP with the bytes as they came")
{
	bool saw_fail = false;

	csum_establish();
	csum_send(0, 800, 0, 800, client_csum(0, 800, 800));
	csum_send(800, 700, 800, 700, (uint16_t)(client_csum(800, 700, 700) ^ 0x1234));
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 1);
	cr_expect_eq(MPMIB(MP_FAIL_TX), 1);
	cr_expect_eq(MPMIB(FALLBACK_CSUM), 1);
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg a = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&a);

		if (m.suboptions & OPTION_MPTCP_FAIL) {
			saw_fail = true;
			cr_expect_eq(m.fail_seq, idsn_c + 1 + 800, "MP_FAIL names the failed mapping");
			cr_expect_eq(a.flags & RST, 0, "on an ACK, not a reset");
		}
	}
	cr_expect(saw_fail, "an ACK carried MP_FAIL");
	cr_expect_not(mptcp_active(ut_ev.sk), "plain TCP now");
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	ut_expect_rx(0, 1500);
	/* The client has fallen back too: plain segments go on. */
	ut_send_data_at(1500, 500, 0);
	ut_expect_rx(0, 2000);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(csum, bad_sum_on_a_joined_subflow_resets_it,
	"RFC 8684 3.7: a wrong sum with several subflows -> that subflow is reset with MP_FAIL and MP_TCPRST 6; data not delivered")
{
	struct ut_opts o = {0};
	uint8_t buf[600];
	struct dss d = {.ack = true, .map = true, .ssn = 1, .len = 600, .csum = true};
	struct mptcp_opts m;
	struct ut_seg r;

	csum_establish();
	j_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1;
	ut_fill(buf, 0, 600);
	d.csum_val = (uint16_t)(mptcp_dss_csum(idsn_c + 1, 1, 600, buf, 600) ^ 0xffff);
	opt_dss(&o, &d);
	j_send(J_ISN + 1, j_peer_isn + 1, ACK, &o, buf, 600);
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 1);
	cr_assert_geq(ut_ncap, 1);
	r = ut_last();
	cr_expect_eq(r.flags & RST, RST);
	cr_expect_eq(r.sport, UT_SPORT);
	cr_expect_eq(r.dport, J_PORT);
	m = mp_opts_of(&r);
	cr_expect(m.suboptions & OPTION_MPTCP_FAIL);
	cr_expect_eq(m.fail_seq, idsn_c + 1);
	cr_expect(m.suboptions & OPTION_MPTCP_RST);
	cr_expect_eq(m.reset_reason, 6, "middlebox interference");
	cr_expect_eq(ut_rxp.rx.nxt, 0, "the failed bytes were not delivered");
	cr_expect(mptcp_active(ut_ev.sk), "the first subflow goes on");
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
}

MP_TEST(csum, mp_fail_from_client_gets_infinite_mapping,
	"RFC 8684 3.7: the client's MP_FAIL on the only subflow -> echoed; our next data carries an infinite mapping, then plain TCP")
{
	struct ut_opts o = {0};
	uint8_t fail[12] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_FAIL << 4, 0};
	bool echoed = false, infinite = false;
	struct ut_seg s;
	struct mptcp_opts m;

	csum_establish();
	ut_queue_tx(1000);
	ut_poll();
	ut_ack_upto(1000);
	ut_clear();
	ut_put32(fail + 4, (uint32_t)((idsn_k + 1) >> 32));
	ut_put32(fail + 8, (uint32_t)(idsn_k + 1));
	ut_opt_bytes(&o, fail, 12);
	ut_send(ACK, NULL, 0, &o);
	ut_poll();
	cr_expect_eq(MPMIB(MP_FAIL_RX), 1);
	ut_queue_tx(1200);
	ut_poll();
	for (unsigned int i = 0; i < ut_ncap; i++) {
		s = ut_seg(i);
		m = mp_opts_of(&s);
		echoed |= (m.suboptions & OPTION_MPTCP_FAIL) && m.fail_seq == idsn_k + 1;
		if (s.len > 0 && (m.suboptions & OPTION_MPTCP_DSS) && m.use_map) {
			cr_expect_eq(m.data_len, 0, "an infinite mapping");
			cr_expect_eq(m.data_seq, idsn_k + 1 + 1000);
			infinite = true;
		}
	}
	cr_expect(echoed, "MP_FAIL echoed");
	cr_expect(infinite, "infinite mapping on our next data");
	cr_expect_eq(MPMIB(INFINITE_MAP_TX), 1);
	/* The client acks at TCP level only (it fell back): we are plain TCP from here. */
	ut_ack_upto(2200);
	cr_expect_not(mptcp_active(ut_ev.sk));
	ut_clear();
	ut_queue_tx(500);
	ut_poll();
	cr_assert_geq(ut_ncap, 1);
	s = ut_seg(0);
	cr_expect_null(ut_find_opt(&s, TCPOPT_MPTCP, NULL), "no MPTCP options after the fallback");
	ut_expect_tx_data(&s, 2200, 500);
}

MP_TEST(csum, stale_subflow_resends_what_the_other_delivered,
	"A stale subflow resends bytes the other subflow delivered and the client DATA_ACKed: the pipe is drained and its ring freed, so they go as zeros under their first mapping, with a DSS checksum over those zeros")
{
	struct dss d = {.ack = true};
	unsigned int resent = 0;

	csum_establish();
	j_establish();
	ut_queue_tx(14600);          /* all on the joined subflow (lower RTT) */
	ut_poll();
	ut_advance(700000);          /* two RTOs: stale, its bytes go again on the first subflow */
	cr_assert_eq(MPMIB(SUBFLOW_STALE), 1);
	ut_ack_upto(14600);
	d.data_ack = idsn_k + 1 + 14600;
	mp_send_dss(&d);
	cr_assert_eq(ut_txp.head, 14600, "all of it DATA_ACKed");
	cr_expect_null(ut_txp.buf, "the pipe is empty: its ring is freed");
	ut_clear();
	ut_advance(2000000);         /* the joined subflow's next RTO */
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg sg = ut_seg(i);
		struct mptcp_opts m;
		uint8_t zero[1500] = {0};

		if (sg.dport != J_PORT || sg.len == 0)
			continue;
		m = mp_opts_of(&sg);
		cr_assert(m.use_map && m.csum_present);
		cr_expect(m.data_seq >= idsn_k + 1 && m.data_seq + sg.len <= idsn_k + 1 + 14600,
			  "its first mappings: the delivered data offsets");
		cr_expect_arr_eq(sg.data, zero, sg.len, "delivered bytes read as zeros");
		cr_expect_eq(m.csum, mptcp_dss_csum(m.data_seq, m.subflow_seq, m.data_len, sg.data, sg.len),
			     "the checksum covers the bytes sent");
		resent++;
	}
	cr_expect_gt(resent, 0, "the stale subflow resent");
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 0);
}

MP_TEST(csum, data_fin_checksum_checked,
	"A DATA_FIN alone carries a checksum over its pseudo header: a wrong one is ignored (DataCsumErr), a right one taken")
{
	struct dss d = {.ack = true, .map = true, .fin = true, .ssn = 0, .len = 1, .csum = true};

	csum_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1 + 300;
	csum_send(0, 300, 0, 300, client_csum(0, 300, 300));
	d.csum_val = (uint16_t)(mptcp_dss_csum(idsn_c + 1 + 300, 0, 1, NULL, 0) ^ 1);
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_CSUM_ERR), 1);
	cr_expect_eq(ut_ev.peer_fin, 0);
	d.csum_val = mptcp_dss_csum(idsn_c + 1 + 300, 0, 1, NULL, 0);
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_FIN_RX), 1);
	cr_expect_eq(ut_ev.peer_fin, 1);
}

MP_TEST(join, c_flag_refuses_joins_to_the_first_address,
	"mptcp.deny_join_initial: SYN/ACK carries C (RFC 8684 3.1) and a join to the first address is refused")
{
	struct ut_opts o = syn_opts(false), ack = {0};
	struct ut_seg sa;
	struct mptcp_opts m;
	uint32_t token;
	uint64_t idsn;

	mptcp_ctx_set_deny_join_initial(ctx, true);
	sa = mp_syn();
	m = mp_opts_of(&sa);
	cr_expect_eq(m.mpc_flags & MPTCP_CAP_DENY_JOIN_ID0, MPTCP_CAP_DENY_JOIN_ID0);
	opt_mpc(&ack, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &ack);
	cr_assert(mptcp_active(ut_ev.sk));
	mptcp_crypto_key_sha(key_k, &token, &idsn);
	opt_join_syn(&o, token, 0x5555, false);
	cr_assert_eq(j_send(J_ISN, 0, RTE_TCP_SYN_FLAG, &o, NULL, 0), 1);
	cr_expect_eq(ut_last().flags & RST, RST);
	cr_expect_eq(MPMIB(MPJOIN_REFUSED), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
}

/* Forged or misplaced signals (each counted; the connection goes on) */

TestSuite(forged, .init = setup);

MP_TEST(forged, data_fin_before_received_bytes_ignored,
	"A DATA_FIN at a DSN below bytes already received, or moved after a first one, is ignored (DataFinInvalid)")
{
	struct dss d = {.ack = true, .map = true, .fin = true, .ssn = 0, .len = 1};

	mp_establish();
	mp_send(0, 500, 0);
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1 + 200;         /* bytes 200..499 are already in */
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_FIN_INVALID), 1);
	cr_expect_eq(ut_ev.peer_fin, 0);
	d.dsn = idsn_c + 1 + 900;         /* a later end is possible: taken (pending) */
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_FIN_INVALID), 1);
	d.dsn = idsn_c + 1 + 700;         /* ... but not a second, different one */
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_FIN_INVALID), 2);
	mp_send(500, 400, 0);
	ut_expect_rx(0, 900);
	cr_expect_eq(ut_ev.peer_fin, 1, "the DATA_FIN at 900 applies once the bytes before it are in");
	cr_expect_eq(MPMIB(DATA_FIN_RX), 1);
}

MP_TEST(forged, mapping_beyond_the_window_refused,
	"Bytes mapped far past the data-level window are refused unacknowledged (DataOutOfWindow); the connection goes on")
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .map = true, .ssn = 1, .len = 300};

	mp_establish();
	d.data_ack = idsn_k + 1;
	d.dsn = idsn_c + 1 + (1ull << 30);
	opt_dss(&o, &d);
	ut_send_data_opts(0, 300, 0, &o);
	cr_expect_eq(MPMIB(DATA_OUT_OF_WINDOW), 1);
	cr_expect_eq(ut_rxp.rx.nxt, 0);
	ut_advance(40000);
	cr_expect_eq(ut_last().ack, ut_cl.isn + 1, "the subflow bytes were not acknowledged");
	mp_send(0, 300, 0);
	ut_expect_rx(0, 300);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

MP_TEST(forged, add_addr_with_a_bad_hmac_counted,
	"ADD_ADDR from the client: a right HMAC counts AddAddr, a wrong one AddAddrHMacFailure (RFC 8684 3.4.1)")
{
	uint8_t b[16] = {TCPOPT_MPTCP, 16, MPTCPOPT_ADD_ADDR << 4, 5, 10, 10, 2, 2};
	uint32_t addr = rte_cpu_to_be_32(0x0a0a0202);
	uint64_t h;
	struct ut_opts o = {0}, bad = {0};

	mp_establish();
	h = mptcp_crypto_add_addr_hmac4(key_c, key_k, 5, addr, 0);
	put64(b + 8, h);
	ut_opt_bytes(&o, b, 16);
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(ADD_ADDR_RX), 1);
	cr_expect_eq(MPMIB(ADD_ADDR_HMAC_FAIL), 0);
	put64(b + 8, h ^ 0x8000);
	ut_opt_bytes(&bad, b, 16);
	ut_send(ACK, NULL, 0, &bad);
	cr_expect_eq(MPMIB(ADD_ADDR_HMAC_FAIL), 1);
	cr_expect_eq(MPMIB(ADD_ADDR_RX), 1);
	mp_send(0, 100, 0);
	ut_expect_rx(0, 100);
}

MP_TEST(forged, misplaced_options_ignored_and_counted,
	"MP_CAPABLE (SYN form, or ACK form with other keys) and MP_JOIN's SYN form on data of an established connection: ignored, counted MisplacedOption; the data is taken; the third ACK's MP_CAPABLE again is not counted")
{
	struct ut_opts o = {0};
	struct dss d = {.ack = true, .ack32 = true, .map = true, .dsn32 = true};   /* 18 bytes: room for 20 */
	uint8_t mpj[12] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_JOIN << 4, 0, 1, 2, 3, 4, 5, 6, 7, 8};

	mp_establish();
	d.data_ack = idsn_k + 1;
	/* Each: 100 bytes mapped by a DSS, with the misplaced option beside it. */
	for (int i = 0; i < 4; i++) {
		memset(&o, 0, sizeof(o));
		d.dsn = idsn_c + 1 + 100 * i;
		d.ssn = 1 + 100 * i;
		d.len = 100;
		opt_dss(&o, &d);
		if (i == 0)
			opt_mpc(&o, 4, 0, 0, 0);
		else if (i == 1)
			opt_mpc(&o, 20, key_c ^ 1, key_k, 0);
		else if (i == 2)
			ut_opt_bytes(&o, mpj, sizeof(mpj));
		else
			opt_mpc(&o, 20, key_c, key_k, 0);    /* the third ACK's option, sent again: fine */
		ut_send_data_opts(100 * i, 100, 0, &o);
	}
	ut_expect_rx(0, 400);
	cr_expect_eq(MPMIB(MISPLACED_OPT), 3);
	cr_expect_eq(MPMIB(BAD_KEY), 0);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

/* A SYN with MP_CAPABLE and an ADD_ADDR (which belongs on no SYN): answered as MPTCP,
 * the ADD_ADDR ignored and counted MisplacedOption once. */
static void syn_with_add_addr_is_counted(void)
{
	uint8_t aa[16] = {TCPOPT_MPTCP, 16, MPTCPOPT_ADD_ADDR << 4, 5, 10, 10, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8};
	struct ut_opts o = syn_opts(true);

	ut_opt_bytes(&o, aa, sizeof(aa));
	mp_syn_with(&o);
	cr_expect_eq(MPMIB(MPCAPABLE_SYN_RX), 1);
	cr_expect_eq(MPMIB(MISPLACED_OPT), 1);
	cr_expect_eq(MPMIB(ADD_ADDR_RX), 0);
}

MP_TEST(forged, add_addr_in_a_syn_is_counted,
	"A SYN with MP_CAPABLE and ADD_ADDR: the connection opens as MPTCP, the ADD_ADDR is ignored, counted MisplacedOption")
{
	syn_with_add_addr_is_counted();
}

MP_TEST(forged, data_ack_past_what_was_sent_is_counted,
	"A DATA_ACK past the data hagd sent frees nothing, counted DataAckUnsent; an old one is not counted; the right one frees")
{
	struct dss d = {.ack = true};

	mp_establish();
	ut_queue_tx(1000);
	ut_poll();
	d.data_ack = idsn_k + 1 + (1ull << 40);
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_ACK_UNSENT), 1);
	d.data_ack = idsn_k + 1;
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_ACK_UNSENT), 1, "an old DATA_ACK is not an error");
	d.data_ack = idsn_k + 1 + 1000;
	mp_send_dss(&d);
	cr_expect_eq(MPMIB(DATA_ACK_UNSENT), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
}

/* Break-before-make (RFC 8684 3.3.3: a connection may lose every subflow and go on) */

TestSuite(park, .init = setup);

MP_TEST(park, last_subflow_reset_parks_and_a_join_resumes,
	"The only subflow is reset: the connection waits (Parked); a join with its token resumes it and gets the unacked data")
{
	uint32_t fj, on_join;

	mptcp_ctx_set_resume_timeout(ctx, 5000);
	mp_establish();
	ut_queue_tx(3000);
	ut_poll();
	cr_assert_geq(ut_ncap, 2);
	ut_send(RST, NULL, 0, NULL);
	cr_expect_eq(ut_ev.parked, 1);
	cr_expect_eq(ut_ev.closed, 0, "the owner is not closed");
	cr_expect_eq(mptcp_ctx_conns(ctx), 1);
	cr_expect_eq(mptcp_ctx_parked(ctx), 1);
	cr_expect_eq(MPMIB(PARKED), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	/* The client joins from its other address. */
	j_establish();
	ut_poll();
	cr_expect_eq(ut_ev.resumed, 1);
	cr_expect_eq(MPMIB(RESUMED), 1);
	cr_expect_eq(mptcp_ctx_parked(ctx), 0);
	cr_assert_not_null(ut_ev.sk);
	cr_expect(mptcp_active(ut_ev.sk));
	on_join = check_mapped(J_PORT, &fj);
	cr_expect_eq(on_join, 3000, "the data the dead subflow had not delivered goes on the join");
	cr_expect_eq(fj, 0);
	/* The client's bytes arrive on the join into the same pipe. */
	{
		struct ut_opts o = {0};
		struct dss d = {.ack = true, .map = true, .ssn = 1, .len = 400};
		uint8_t buf[400];

		d.data_ack = idsn_k + 1 + 3000;
		d.dsn = idsn_c + 1;
		opt_dss(&o, &d);
		ut_fill(buf, 0, 400);
		j_send(J_ISN + 1, j_peer_isn + 1 + 3000, ACK, &o, buf, 400);
		ut_expect_rx(0, 400);
	}
}

MP_TEST(park, nobody_joins_in_time,
	"A parked connection nobody joins ends when mptcp.resume_timeout_ms runs out (ParkExpired, -ETIMEDOUT)")
{
	mptcp_ctx_set_resume_timeout(ctx, 2000);
	mp_establish();
	ut_send(RST, NULL, 0, NULL);
	cr_assert_eq(ut_ev.parked, 1);
	mptcp_ctx_tick(ctx, ut_now + 1000000);
	cr_expect_eq(ut_ev.park_ended, 0, "still waiting after 1 s");
	mptcp_ctx_tick(ctx, ut_now + 2100000);
	cr_expect_eq(ut_ev.park_ended, 1);
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(MPMIB(PARK_EXPIRED), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	/* Its token is gone: a late join is refused. */
	{
		struct ut_opts o = syn_opts(false);
		uint32_t token;
		uint64_t idsn;

		mptcp_crypto_key_sha(key_k, &token, &idsn);
		opt_join_syn(&o, token, 0x77, false);
		cr_assert_eq(j_send(J_ISN, 0, RTE_TCP_SYN_FLAG, &o, NULL, 0), 1);
		cr_expect_eq(ut_last().flags & RST, RST);
		cr_expect_eq(MPMIB(MPJOIN_NO_TOKEN), 1);
	}
}

MP_TEST(park, off_by_default_and_after_fastclose,
	"Without a resume timeout, or when the connection was aborted, the last subflow's end ends the connection")
{
	mp_establish();
	ut_send(RST, NULL, 0, NULL);
	cr_expect_eq(ut_ev.parked, 0);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(join, backup_access_network_sends_mp_prio,
	"A join from an access network of the backup class: hagd tells the client with MP_PRIO (B) on its ACKs (MPPrioTx)")
{
	bool prio = false;

	cr_assert_eq(mptcp_ctx_add_access(ctx, UT_CADDR + 1, 32, 10, true), 0);
	mp_establish();
	j_establish();      /* its last segment: our fourth ACK */
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		if (s.dport == J_PORT && (m.suboptions & OPTION_MPTCP_PRIO)) {
			prio = true;
			cr_expect(m.prio_backup, "B set");
		}
	}
	cr_expect(prio, "the fourth ACK carries MP_PRIO");
	cr_expect_eq(MPMIB(MP_PRIO_TX), 1);
	/* The first subflow (not backup) carries no MP_PRIO. */
	ut_clear();
	mp_send(0, 100, 0);
	ut_advance(40000);
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		cr_expect_not(s.dport == UT_CPORT && (m.suboptions & OPTION_MPTCP_PRIO));
	}
}

MP_TEST(join, withdrawn_address_sends_remove_addr,
	"The operator withdraws an announced address: REMOVE_ADDR on the first subflow, its subflows reset; offered again later")
{
	bool rm = false, add = false;

	cr_assert_eq(mptcp_ctx_add_announce(ctx, UT_SADDR), 0);
	mp_establish();
	j_establish();                     /* joined to UT_SADDR: on the announced address */
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
	ut_clear();
	cr_expect_eq(mptcp_ctx_withdraw(ctx, UT_SADDR + 9, true), -ENOENT);
	cr_expect_eq(mptcp_ctx_withdraw(ctx, UT_SADDR, true), 1);
	ut_poll();
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		if (s.dport == UT_CPORT && (m.suboptions & OPTION_MPTCP_RM_ADDR)) {
			rm = true;
			cr_expect_eq(m.rm_count, 1);
			cr_expect_eq(m.rm_ids[0], 1);
		}
	}
	cr_expect(rm, "REMOVE_ADDR id 1 on the first subflow");
	cr_expect_eq(MPMIB(RM_ADDR_TX), 1);
	cr_expect_eq(MPMIB(RM_SUBFLOW), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "the subflow on the withdrawn address was reset");
	cr_expect(mptcp_active(ut_ev.sk));
	/* Offered again: ADD_ADDR for id 1. */
	ut_clear();
	cr_expect_eq(mptcp_ctx_withdraw(ctx, UT_SADDR, false), 1);
	ut_poll();
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m = mp_opts_of(&s);

		add |= (m.suboptions & OPTION_MPTCP_ADD_ADDR) && m.addr_id == 1 && !m.add_addr_echo;
	}
	cr_expect(add, "ADD_ADDR again");
}

MP_TEST(addr, add_addr_given_up_without_echo,
	"An ADD_ADDR never echoed is resent with backoff, then given up (AddAddrDrop); nothing more is sent for it")
{
	struct mptcp_opts m;
	int sent = 0;

	cr_assert_eq(mptcp_ctx_add_announce(ctx, 0x0a000009), 0);
	mp_establish();
	for (int i = 0; i < 400 && MPMIB(ADD_ADDR_DROP) == 0; i++) {
		ut_clear();
		ut_advance(1000000);
		sent += add_addrs_sent(&m);
		ut_ack_upto(0);    /* the client is alive and acks at TCP level, never echoes */
	}
	cr_expect_eq(MPMIB(ADD_ADDR_DROP), 1);
	cr_expect_eq(MPMIB(ADD_ADDR_TX), 8, "8 sends in all");
	ut_clear();
	ut_advance(30000000);
	cr_expect_eq(add_addrs_sent(&m), 0, "given up");
	cr_expect(mptcp_active(ut_ev.sk));
	cr_expect_geq(sent, 6);
}

MP_TEST(handshake, tokens_belong_to_their_worker,
	"Worker 3 of 4: every key hagd picks has token % 4 == 3 (lib/net/steer.h), all tokens distinct")
{
	uint32_t tokens[40];

	mptcp_ctx_set_worker(ctx, 3, 4);
	for (int i = 0; i < 40; i++) {
		struct ut_opts o = syn_opts(true);
		struct ut_seg sa;
		uint64_t idsn;

		ut_cl.isn += 100000;
		ut_cl.snd_nxt = ut_cl.isn;
		sa = ut_syn(&o);
		cr_assert_eq(accept_ret, MPTCP_ACCEPT_MPTCP);
		key_k = mp_opts_of(&sa).sndr_key;
		mptcp_crypto_key_sha(key_k, &tokens[i], &idsn);
		cr_expect_eq(tokens[i] % 4, 3, "token %08x", tokens[i]);
		for (int j = 0; j < i; j++)
			cr_expect_neq(tokens[i], tokens[j]);
		ut_send(RST, NULL, 0, NULL);   /* free it: the next SYN is a new connection */
		ut_clear();
	}
}

/* SYN cookies with MPTCP (RFC 8684 3.1: the third ACK carries both keys). */
static int cookie_opts_cb(void *arg, const struct tcp_sock *tmp, const struct tcp_seg *syn, uint8_t *opt,
			  uint32_t room, bool *bit)
{
	return mptcp_syncookie_opts(arg, tmp, syn, opt, room, bit);
}

static void setup_cookie(void)
{
	struct tcp_stack_conf c = ut_conf();

	ut_eal_init();
	ctx = mptcp_ctx_create(64, SOCKET_ID_ANY);
	cr_assert_not_null(ctx);
	mptcp_ctx_set_parked(ctx, ut_ev_parked);    /* the owner of app/proxy.c's kind */
	c.syncookies = TCP_SYNCOOKIES_ALWAYS;
	c.syncookie_opts = cookie_opts_cb;
	c.syncookie_arg = ctx;
	ut_start(&c);
	cr_assert_eq(tcp_listen(ut_st, 0, UT_SPORT, accept_mptcp, ctx), 0);
}

TestSuite(cookie, .init = setup_cookie);

MP_TEST(cookie, mptcp_connection_rebuilt_from_the_third_ack,
	"syncookies always: the MP_CAPABLE SYN/ACK carries a key and leaves no state (no socket, no MPTCP connection); the third ACK echoing it with the client's key makes the connection, MPTCP, and data flows with DSS")
{
	struct ut_seg sa = mp_syn();

	cr_expect_eq(TCPMIB(SYNCOOKIES_SENT), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	cr_expect_neq(key_k, 0, "the SYN/ACK carries our key");
	cr_expect_eq(mp_opts_of(&sa).suboptions, OPTION_MPTCP_MPC_SYNACK);
	struct ut_opts o = {0};

	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &o);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_assert(mptcp_active(ut_ev.sk));
	cr_expect_eq(TCPMIB(SYNCOOKIES_RECV), 1);
	cr_expect_eq(MPMIB(MPCAPABLE_ACK_RX), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 1);
	mp_send(0, 200, 0);
	ut_expect_rx(0, 200);
}

MP_TEST(cookie, misplaced_option_in_a_syn_is_counted,
	"syncookies always: a SYN with MP_CAPABLE and ADD_ADDR is answered statelessly as MPTCP and counted MisplacedOption, as without cookies (one SYN classifier)")
{
	syn_with_add_addr_is_counted();
	cr_expect_eq(TCPMIB(SYNCOOKIES_SENT), 1);
	cr_expect_neq(key_k, 0, "the SYN/ACK carries our key");
}

MP_TEST(cookie, a_second_syn_gets_the_same_key,
	"The key is derived, not drawn: the same SYN again (a retransmission) gets the same key, another client ISN another one")
{
	uint64_t k1, k2;

	mp_syn();
	k1 = key_k;
	mp_syn();
	k2 = key_k;
	cr_expect_eq(k1, k2);
	ut_cl.isn += 1000;
	mp_syn();
	cr_expect_neq(key_k, k1);
}

MP_TEST(cookie, a_wrong_echoed_key_is_refused,
	"A third ACK with a valid cookie but another receiver key: refused with a RST (mptcp.MPCapableBadKey), nothing left")
{
	struct ut_opts o = {0};

	mp_syn();
	opt_mpc(&o, 20, key_c, key_k ^ 1, 0);
	ut_clear();
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(BAD_KEY), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	cr_assert_geq(ut_ncap, 1);
	cr_expect(ut_last().flags & RST);
}

MP_TEST(cookie, checksums_ride_in_the_cookie,
	"A client asking for DSS checksums (A): the SYN/ACK says A, and the connection rebuilt at the ACK uses them")
{
	struct ut_opts o = {0};
	struct ut_seg sa;

	mpc_extra_flags = MPTCP_CAP_CHECKSUM_REQD;
	sa = mp_syn();
	cr_expect(mp_opts_of(&sa).mpc_flags & MPTCP_CAP_CHECKSUM_REQD);
	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &o);
	mpc_extra_flags = 0;
	cr_assert(mptcp_active(ut_ev.sk));
	cr_expect_eq(MPMIB(CSUM_CONNS), 1);
}

MP_TEST(cookie, plain_tcp_and_joins_still_work,
	"Under cookies a plain TCP SYN is answered without MPTCP and made at its ACK; an MP_JOIN SYN keeps state (its HMACs need the nonces) and joins")
{
	mp_syn();
	struct ut_opts o = {0};

	opt_mpc(&o, 20, key_c, key_k, 0);
	ut_send(ACK, NULL, 0, &o);
	cr_assert(mptcp_active(ut_ev.sk));
	j_establish();
	cr_expect_eq(TCPMIB(SYNCOOKIES_SENT), 1, "the join did not get a cookie");
	cr_expect_eq(tcp_stack_conns(ut_st), 2);
}

MP_TEST(park, a_client_fastclose_is_no_path_loss,
	"With a resume timeout, the client's MP_FASTCLOSE (our key) still ends the connection at once: closed, not parked (RFC 8684 3.5)")
{
	uint8_t fc[12] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_FASTCLOSE << 4, 0};
	struct ut_opts o = {0};

	mptcp_ctx_set_resume_timeout(ctx, 5000);
	mp_establish();
	put64(fc + 4, key_k);
	ut_opt_bytes(&o, fc, sizeof(fc));
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(ut_ev.parked, 0, "not parked");
	cr_expect_eq(MPMIB(PARKED), 0);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

/*
 * The owner's settings on every subflow (mptcp_sock_configure). RFC 8684
 * leaves them to the implementation; like Linux, which syncs what was set on
 * the MPTCP socket to each subflow, the relay's access-side congestion
 * control, keepalive (RFC 9293 3.8.4) and idle timeout hold for the first
 * subflow, each verified join and the one that takes the connection over.
 */

/* The relay's access side as hagd's config would give it: tcp.cc_access newreno,
 * keepalive after 10 s (3 probes 1 s apart), idle timeout 30 s. */
static struct tcp_sock_conf owner = {
	.cc = &tcp_cc_newreno, .keep_idle_ms = 10000, .keep_intvl_ms = 1000, .keep_probes = 3,
	.idle_ms = 30000,
};

static void setup_owner(void)
{
	setup();
	owner_conf = &owner;
}

TestSuite(owner, .init = setup_owner);

/* The first subflow, then a verified join of it; the join's settings are checked by the caller. */
static void owner_two_subflows(void)
{
	joined_sk = NULL;
	mp_establish();
	j_establish();
	cr_assert_not_null(joined_sk);
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
}

/* The client resets the first subflow: the join carries the connection on (walk-out). */
static void owner_takeover(void)
{
	ut_clear();
	ut_send(RST, NULL, 0, NULL);
	cr_assert_eq(MPMIB(TAKEOVER), 1);
	cr_assert_eq(ut_ev.sk, joined_sk, "the owner follows the joined subflow");
}

static void expect_owner_timers(const struct tcp_sock *sk, const char *which)
{
	cr_expect_eq(sk->keep_idle_ms, owner.keep_idle_ms, "%s: keepalive idle time", which);
	cr_expect_eq(sk->keep_intvl_ms, owner.keep_intvl_ms, "%s: keepalive interval", which);
	cr_expect_eq(sk->keep_probes, owner.keep_probes, "%s: keepalive probes", which);
	cr_expect_eq(sk->idle_ms, owner.idle_ms, "%s: idle timeout", which);
}

/* Probes at SND.NXT - 1 on the joined subflow among what was captured. */
static unsigned int join_probes(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);

		if (s.dport == J_PORT && s.len == 0 && !(s.flags & RST) && s.seq == j_peer_isn)
			n++;
	}
	return n;
}

MP_TEST(owner, join_runs_the_owner_cc,
	"Without a coupled control a verified join runs the owner's congestion control (tcp.cc_access), as the first subflow does")
{
	owner_two_subflows();
	cr_expect_eq(ut_ev.sk->cc_ops, &tcp_cc_newreno, "the first subflow");
	cr_expect_eq(joined_sk->cc_ops, &tcp_cc_newreno, "the join, not the stack's default (cubic)");
}

MP_TEST(owner, join_runs_the_coupled_cc,
	"RFC 6356: with a coupled control (mptcp.cc) the first subflow and every verified join run it in place of the owner's")
{
	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	owner_two_subflows();
	cr_expect_eq(ut_ev.sk->cc_ops, &mptcp_cc_lia, "the first subflow");
	cr_expect_eq(joined_sk->cc_ops, &mptcp_cc_lia, "the join");
}

MP_TEST(owner, join_probes_its_path_when_silent,
	"RFC 9293 3.8.4 on each path: a join silent for the owner's keepalive time is probed at SND.NXT - 1, every interval")
{
	owner_two_subflows();
	expect_owner_timers(joined_sk, "join");
	ut_clear();
	ut_advance(owner.keep_idle_ms * 1000ull - 2000);
	cr_expect_eq(join_probes(), 0, "nothing before the keepalive time");
	ut_advance(3000);
	cr_expect_eq(join_probes(), 1, "a probe on the join's own path");
	ut_advance(owner.keep_intvl_ms * 1000ull);
	cr_expect_eq(join_probes(), 2, "the next one an interval later");
}

MP_TEST(owner, join_without_payload_times_out,
	"A join that carries no payload for the owner's idle timeout is reset (IdleTimeouts); the connection goes on on the first")
{
	owner.keep_idle_ms = 0;           /* the idle timeout alone */
	owner_two_subflows();
	expect_owner_timers(joined_sk, "join");
	ut_advance(owner.idle_ms * 1000ull / 2);
	mp_send(0, 100, 0);               /* payload on the first subflow only */
	ut_expect_rx(0, 100);
	ut_clear();
	ut_advance(owner.idle_ms * 1000ull / 2 + 2000);
	cr_expect_eq(TCPMIB(IDLE_TIMEOUT), 1, "the join timed out");
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
	cr_expect_eq(ut_ev.closed, 0, "the connection did not end");
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	mp_send(100, 100, 0);
	ut_expect_rx(0, 200);
}

MP_TEST(owner, promoted_subflow_keeps_the_owner_cc,
	"Walk-out without a coupled control: the join that takes the connection over runs the owner's congestion control")
{
	owner_two_subflows();
	owner_takeover();
	cr_expect_eq(ut_ev.sk->cc_ops, &tcp_cc_newreno);
}

MP_TEST(owner, promoted_subflow_keeps_the_coupled_cc_and_its_window,
	"Walk-out with LIA: the join that takes the connection over stays coupled, with the window it had (not restarted)")
{
	uint64_t priv[TCP_CC_PRIV_U64];
	uint32_t cwnd, ssthresh;
	double acc = 1000.0;

	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	owner_two_subflows();
	joined_sk->cwnd = 7 * joined_sk->mss;   /* as after a loss on its path */
	joined_sk->ssthresh = 5 * joined_sk->mss;
	memcpy(joined_sk->cc_priv, &acc, sizeof(acc));   /* LIA's first word: bytes not yet added */
	memcpy(priv, joined_sk->cc_priv, sizeof(priv));
	cwnd = joined_sk->cwnd;
	ssthresh = joined_sk->ssthresh;
	owner_takeover();
	cr_expect_eq(ut_ev.sk->cc_ops, &mptcp_cc_lia);
	cr_expect_eq(ut_ev.sk->cwnd, cwnd);
	cr_expect_eq(ut_ev.sk->ssthresh, ssthresh);
	cr_expect_eq(memcmp(ut_ev.sk->cc_priv, priv, sizeof(priv)), 0, "LIA's state not reset");
}

MP_TEST(owner, promoted_subflow_keeps_the_keepalive,
	"RFC 9293 3.8.4 after a walk-out: the new first subflow probes its silent path, and unanswered probes end the connection")
{
	owner.idle_ms = 0;                /* the keepalive alone */
	owner_two_subflows();
	owner_takeover();
	expect_owner_timers(ut_ev.sk, "promoted");
	ut_clear();
	ut_advance(owner.keep_idle_ms * 1000ull);
	cr_expect_geq(join_probes(), 1, "probed after the keepalive time");
	ut_advance((uint64_t)owner.keep_probes * owner.keep_intvl_ms * 1000 + 2000);
	cr_expect_eq(TCPMIB(KEEPALIVE_ABORT), 1);
	cr_expect_eq(ut_ev.closed, 1, "the owner hears the connection end");
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(owner, promoted_subflow_keeps_the_idle_timeout,
	"After a walk-out the owner's idle timeout ends the connection, counted from the join's last payload (the takeover does not restart it)")
{
	uint64_t deadline;

	owner.keep_idle_ms = 0;           /* the idle timeout alone */
	owner_two_subflows();
	deadline = joined_sk->t_idle;
	cr_assert_eq(deadline, ut_now + owner.idle_ms * 1000ull, "armed when the join was verified");
	ut_advance(owner.idle_ms * 1000ull / 3);
	owner_takeover();
	expect_owner_timers(ut_ev.sk, "promoted");
	cr_expect_eq(ut_ev.sk->t_idle, deadline, "the same deadline");
	ut_advance(deadline - ut_now - 2000);
	cr_expect_eq(ut_ev.closed, 0, "not before it");
	ut_advance(4000);
	cr_expect_eq(TCPMIB(IDLE_TIMEOUT), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ETIMEDOUT);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(owner, resumed_connection_runs_the_owner_settings,
	"Break-before-make: the join that resumes a parked connection runs the coupled control, the keepalive and the idle timeout")
{
	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	mptcp_ctx_set_resume_timeout(ctx, 5000);
	mp_establish();
	ut_send(RST, NULL, 0, NULL);
	cr_assert_eq(ut_ev.parked, 1);
	joined_sk = NULL;
	j_establish();
	ut_poll();
	cr_assert_eq(ut_ev.resumed, 1);
	cr_assert_eq(ut_ev.sk, joined_sk);
	cr_expect_eq(ut_ev.sk->cc_ops, &mptcp_cc_lia);
	expect_owner_timers(ut_ev.sk, "resumed");
}

MP_TEST(owner, plain_tcp_client_gets_the_owner_settings,
	"A client without MP_CAPABLE is plain TCP with the owner's congestion control, keepalive and idle timeout")
{
	mptcp_ctx_set_cc(ctx, &mptcp_cc_lia);
	ut_establish(65535);
	cr_assert(!mptcp_active(ut_ev.sk));
	cr_expect_eq(ut_ev.sk->cc_ops, &tcp_cc_newreno, "not the coupled control: one path");
	expect_owner_timers(ut_ev.sk, "plain");
}

/* A peer's resets (RFC 8684 3.5, 3.6): what a Linux client puts on the RSTs of
 * a connection whose application died (MP_TCPRST, MP_FASTCLOSE), read once
 * RFC 5961 3.2 made the RST acceptable. */

static void opt_fastclose(struct ut_opts *o, uint64_t key)
{
	uint8_t b[12] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_FASTCLOSE << 4, 0};

	put64(b + 4, key);
	ut_opt_bytes(o, b, sizeof(b));
}

static void opt_tcprst(struct ut_opts *o, uint8_t flags, uint8_t reason)
{
	const uint8_t b[4] = {TCPOPT_MPTCP, 4, (uint8_t)(MPTCPOPT_MP_TCPRST << 4 | flags), reason};

	ut_opt_bytes(o, b, sizeof(b));
}

/* RSTs we sent to the client's port dport since the last clear. */
static unsigned int rsts_to(uint16_t dport)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);

		n += s.dport == dport && (s.flags & RST);
	}
	return n;
}

static uint64_t rst_reasons_counted(void)
{
	uint64_t n = 0;

	for (int c = MPTCP_MIB_RST_RX_UNSPEC; c <= MPTCP_MIB_RST_RX_UNKNOWN; c++)
		n += mptcp_mib_get(ctx, c);
	return n;
}

MP_TEST(resets, rst_with_fastclose_ends_the_connection_at_once,
	"RFC 8684 3.5: a RST with MP_FASTCLOSE (our key) on the first subflow, a join up, a resume timeout set: the connection ends at once (no takeover, no park), the owner hears -ECONNRESET, the joined subflow is reset, the RST is not answered")
{
	struct ut_opts o = {0};

	mptcp_ctx_set_resume_timeout(ctx, 5000);
	mp_establish();
	j_establish();
	cr_assert_eq(tcp_stack_conns(ut_st), 2);
	ut_clear();
	opt_tcprst(&o, 0, MPTCP_RST_EUNSPEC);
	opt_fastclose(&o, key_k);
	ut_send(RST, NULL, 0, &o);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 1);
	cr_expect_eq(ut_ev.closed, 1, "the owner (the relay) is told at once: it resets upstream");
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_expect_eq(ut_ev.replaced + ut_ev.parked, 0, "no takeover, no park");
	cr_expect_eq(MPMIB(TAKEOVER) + MPMIB(PARKED), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	cr_expect_eq(rsts_to(J_PORT), 1, "the joined subflow is reset");
	cr_expect_eq(rsts_to(UT_CPORT), 0, "a RST is never answered with a RST");
	cr_expect_eq(MPMIB(FASTCLOSE_TX), 0, "the client's close is not ours");
	cr_expect_eq(MPMIB(RST_RX), 1);
	cr_expect_eq(MPMIB(RST_RX_UNSPEC), 1);
}

MP_TEST(resets, rst_with_fastclose_on_a_joined_subflow,
	"RFC 8684 3.5: the same RST on a joined subflow first: the first subflow is reset (MP_TCPRST, no MP_FASTCLOSE back), the owner hears -ECONNRESET, nothing is left")
{
	struct ut_opts o = {0};
	bool seen = false;

	mp_establish();
	j_establish();
	opt_tcprst(&o, 0, MPTCP_RST_EUNSPEC);
	opt_fastclose(&o, key_k);
	j_send(J_ISN + 1, j_peer_isn + 1, RST, &o, NULL, 0);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	cr_expect_eq(rsts_to(J_PORT), 0, "a RST is never answered with a RST");
	cr_expect_eq(rsts_to(UT_CPORT), 1, "the first subflow is reset");
	for (unsigned int i = 0; i < ut_ncap; i++) {
		struct ut_seg s = ut_seg(i);
		struct mptcp_opts m;

		if (s.dport != UT_CPORT || !(s.flags & RST))
			continue;
		m = mp_opts_of(&s);
		seen = true;
		cr_expect(m.suboptions & OPTION_MPTCP_RST, "MP_TCPRST on it");
		cr_expect_not(m.suboptions & OPTION_MPTCP_FASTCLOSE, "the client's key is not sent back");
	}
	cr_expect(seen);
	cr_expect_eq(MPMIB(FASTCLOSE_TX), 0);
}

MP_TEST(resets, rst_reason_counted,
	"RFC 8684 3.6: MP_TCPRST on a RST is counted by reason (MPRstRx, MPRstRxBadPerf; an undefined code: MPRstRxUnknown); the subflow ends as on any RST, the connection goes on; on an ACK it means nothing (MisplacedOption)")
{
	struct ut_opts o = {0};

	mp_establish();
	j_establish();
	opt_tcprst(&o, 1, MPTCP_RST_EBADPERF);      /* T: transient */
	j_send(J_ISN + 1, j_peer_isn + 1, RST, &o, NULL, 0);
	cr_expect_eq(MPMIB(RST_RX), 1);
	cr_expect_eq(MPMIB(RST_RX_BADPERF), 1);
	cr_expect_eq(rst_reasons_counted(), 1);
	cr_expect_eq(tcp_stack_conns(ut_st), 1, "that subflow is gone");
	cr_expect_eq(mptcp_ctx_conns(ctx), 1, "the connection is not");
	cr_expect_eq(ut_ev.closed, 0);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	/* Only a RST gives MP_TCPRST a meaning. */
	o.n = 0;
	opt_tcprst(&o, 0, MPTCP_RST_EMIDDLEBOX);
	ut_send(ACK, NULL, 0, &o);
	cr_expect_eq(MPMIB(MISPLACED_OPT), 1);
	cr_expect_eq(MPMIB(RST_RX), 1);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	o.n = 0;
	opt_tcprst(&o, 0, 0x2a);
	ut_send(RST, NULL, 0, &o);
	cr_expect_eq(MPMIB(RST_RX), 2);
	cr_expect_eq(MPMIB(RST_RX_UNKNOWN), 1);
	cr_expect_eq(rst_reasons_counted(), 2);
	cr_expect_eq(ut_ev.closed, 1);
}

MP_TEST(resets, rst_with_a_wrong_fastclose_key_is_an_ordinary_reset,
	"RFC 8684 3.5: a RST whose MP_FASTCLOSE carries another key than ours (here the client's own) is counted (MPFastcloseBadKey) and is an ordinary subflow reset: the joined subflow takes over")
{
	struct ut_opts o = {0};

	mp_establish();
	j_establish();
	opt_fastclose(&o, key_c);
	ut_send(RST, NULL, 0, &o);
	cr_expect_eq(MPMIB(FASTCLOSE_BAD_KEY), 1);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 0);
	cr_expect_eq(MPMIB(TAKEOVER), 1);
	cr_expect_eq(ut_ev.replaced, 1);
	cr_expect_eq(ut_ev.closed, 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 1);
}

MP_TEST(resets, unacceptable_rst_with_fastclose_is_not_read,
	"RFC 5961 3.2 before RFC 8684 3.5: a RST with MP_FASTCLOSE (our key) in the window but not at RCV.NXT gets a challenge ACK, one outside the window is dropped; neither is read. The exact one is")
{
	struct ut_opts o = {0};

	mp_establish();
	opt_tcprst(&o, 0, MPTCP_RST_EUNSPEC);
	opt_fastclose(&o, key_k);
	ut_send_seq(ut_cl.snd_nxt + 100, RST, NULL, 0, &o);
	cr_expect_eq(TCPMIB(CHALLENGE_ACK), 1);
	cr_assert_geq(ut_ncap, 1);
	cr_expect_eq(ut_last().flags, ACK, "a challenge ACK");
	ut_clear();
	ut_send_seq(ut_cl.snd_nxt + 0x40000000u, RST, NULL, 0, &o);
	cr_expect_eq(TCPMIB(RST_OUT_OF_WINDOW), 1);
	cr_expect_eq(ut_ncap, 0);
	cr_expect_eq(MPMIB(FASTCLOSE_RX) + MPMIB(FASTCLOSE_BAD_KEY) + MPMIB(RST_RX), 0, "not read");
	cr_expect_eq(ut_ev.closed, 0);
	cr_expect_eq(ut_state(), TCP_ESTABLISHED);
	cr_expect(mptcp_active(ut_ev.sk));
	ut_send(RST, NULL, 0, &o);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 1);
	cr_expect_eq(ut_ev.closed, 1);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
}

MP_TEST(park, rst_with_fastclose_ends_a_parked_connection,
	"A parked connection's joining subflow reset with MP_FASTCLOSE (our key): the connection ends at once (the owner's last call, -ECONNRESET), not at the resume timeout")
{
	struct ut_opts o = {0};

	mptcp_ctx_set_resume_timeout(ctx, 5000);
	mp_establish();
	ut_send(RST, NULL, 0, NULL);
	cr_assert_eq(ut_ev.parked, 1);
	j_syn(0x2468ace0, false);
	opt_tcprst(&o, 0, MPTCP_RST_EUNSPEC);
	opt_fastclose(&o, key_k);
	j_send(J_ISN + 1, 0, RST, &o, NULL, 0);
	cr_expect_eq(MPMIB(FASTCLOSE_RX), 1);
	cr_expect_eq(ut_ev.park_ended, 1);
	cr_expect_eq(ut_ev.closed_err, -ECONNRESET);
	cr_expect_eq(MPMIB(PARK_EXPIRED), 0);
	cr_expect_eq(mptcp_ctx_parked(ctx), 0);
	cr_expect_eq(mptcp_ctx_conns(ctx), 0);
	cr_expect_eq(tcp_stack_conns(ut_st), 0);
	cr_expect_eq(ut_ncap, 0, "a RST is never answered with a RST");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp over IPv6 (issue 17), driven with crafted IPv6 segments: the
 * handshake both ways, data, extension headers before TCP, the pseudo-header
 * checksum (checked by DPDK's rte_ipv6_udptcp_cksum, not by the code under
 * test), RSTs for what has no socket, listeners per family, SYN cookies,
 * ICMPv6 Packet Too Big and unreachables, ECN in the Traffic Class, and a
 * stack without IPv6. Each test frees the stack and checks no mbuf leaked.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "net/ipv6.h"
#include "seghelp.h"

#define MIB(c) tcp_mib_get(ut_st, TCP_MIB_##c)
#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* The client 2001:db8:10::2, the stack 2001:db8:10::1 (as the testbed's dsl leg). */
static const uint8_t C6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t S6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t OTHER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static uint8_t cap_dst6[UT_MAX_CAPTURE][16];   /* output6's dst for each capture */
static unsigned int n_out4;                     /* segments that went out through the IPv4 output */

static int capture6(void *arg, struct rte_mbuf *m, const uint8_t dst[16], void *route)
{
	if (ut_ncap < UT_MAX_CAPTURE)
		memcpy(cap_dst6[ut_ncap], dst, 16);
	return ut_capture(arg, m, 0, route);
}

static int capture4(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	n_out4++;
	return ut_capture(arg, m, dst, route);
}

static struct tcp_stack_conf conf6(void)
{
	struct tcp_stack_conf c = ut_conf();

	c.output = capture4;
	c.output6 = capture6;
	c.ipv6 = true;
	c.syn_retries = 2;
	return c;
}

static void setup6(void)
{
	struct tcp_stack_conf c = conf6();

	n_out4 = 0;
	ut_start(&c);
	cr_assert_eq(tcp_listen6(ut_st, S6, UT_SPORT, ut_accept_plain, NULL), 0);
}

TestSuite(tcp6, .init = setup6);

#define T6(name, desc) UT_TEST(tcp6, name, desc, ut_stop)

/* An IPv6 segment from the client: ext bytes of extension headers (an
 * 8-byte Destination Options header of PadN when ext is 8) before TCP. */
struct seg6 {
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, tclass;
	uint16_t wnd;
	const struct ut_opts *opt;
	const void *data;
	uint16_t len;
	uint8_t ext;
	bool bad_cksum;
};

static struct rte_mbuf *build6(const struct seg6 *s, uint16_t *l4off, uint16_t *l4len)
{
	uint8_t olen = s->opt ? (uint8_t)((s->opt->n + 3) & ~3) : 0;
	uint16_t tl = (uint16_t)(sizeof(struct rte_tcp_hdr) + olen + s->len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ut_pool);
	struct rte_ipv6_hdr *ip, ph;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(40 + s->ext + tl));
	cr_assert_not_null(p);
	ip = (struct rte_ipv6_hdr *)p;
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)s->tclass << 20);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(s->ext + tl));
	ip->proto = s->ext ? 60 : IPPROTO_TCP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, s->src ? s->src : C6, 16);
	memcpy(ip->dst_addr, s->dst ? s->dst : S6, 16);
	if (s->ext) {
		memset(p + 40, 0, s->ext);
		p[40] = IPPROTO_TCP;
		p[41] = (uint8_t)(s->ext / 8 - 1);
		p[42] = 1;                       /* PadN */
		p[43] = (uint8_t)(s->ext - 4);
	}
	th = (struct rte_tcp_hdr *)(p + 40 + s->ext);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(s->sport ? s->sport : UT_CPORT);
	th->dst_port = rte_cpu_to_be_16(s->dport ? s->dport : UT_SPORT);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd ? s->wnd : 65535);
	memset(th + 1, 1, olen);
	if (s->opt)
		memcpy(th + 1, s->opt->b, s->opt->n);
	if (s->len)
		memcpy((uint8_t *)(th + 1) + olen, s->data, s->len);
	/* The pseudo header names the upper-layer length and protocol (RFC 8200 8.1): DPDK's sum over a copy that says so. */
	ph = *ip;
	ph.payload_len = rte_cpu_to_be_16(tl);
	ph.proto = IPPROTO_TCP;
	th->cksum = rte_ipv6_udptcp_cksum(&ph, th);
	if (s->bad_cksum)
		th->cksum ^= 0x0100;
	*l4off = (uint16_t)(40 + s->ext);
	*l4len = tl;
	return m;
}

static void inject6(const struct seg6 *s)
{
	uint16_t off, len;
	struct rte_mbuf *m = build6(s, &off, &len);

	tcp_input6(ut_st, m, off, len, NULL, ut_now);
	ut_poll();
}

/* Captured segment i, which must be IPv6 with a right checksum (DPDK's). */
struct out6 {
	uint8_t src[16], dst[16];
	uint8_t tclass;
	struct ut_seg s;
};

static struct out6 seg6_at(unsigned int i)
{
	struct out6 o;
	const struct rte_ipv6_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint16_t pl, doff;

	cr_assert_lt(i, ut_ncap, "segment %u not sent (only %u)", i, ut_ncap);
	ip = rte_pktmbuf_mtod(ut_cap[i], const struct rte_ipv6_hdr *);
	cr_assert_eq(rte_be_to_cpu_32(ip->vtc_flow) >> 28, 6, "segment %u is not IPv6", i);
	cr_assert_eq(ip->proto, IPPROTO_TCP);
	cr_assert_eq(ip->hop_limits, 64);
	pl = rte_be_to_cpu_16(ip->payload_len);
	cr_assert_eq(pl + 40u, rte_pktmbuf_data_len(ut_cap[i]), "segment %u: payload length vs mbuf", i);
	th = (const struct rte_tcp_hdr *)(ip + 1);
	cr_assert_eq(rte_ipv6_udptcp_cksum_verify(ip, th), 0, "segment %u: TCP checksum over the IPv6 pseudo header", i);
	cr_assert_eq(memcmp(cap_dst6[i], ip->dst_addr, 16), 0, "output6 is given the destination");
	memcpy(o.src, ip->src_addr, 16);
	memcpy(o.dst, ip->dst_addr, 16);
	o.tclass = (uint8_t)(rte_be_to_cpu_32(ip->vtc_flow) >> 20);
	doff = (uint16_t)((th->data_off >> 4) * 4);
	o.s.sport = rte_be_to_cpu_16(th->src_port);
	o.s.dport = rte_be_to_cpu_16(th->dst_port);
	o.s.seq = rte_be_to_cpu_32(th->sent_seq);
	o.s.ack = rte_be_to_cpu_32(th->recv_ack);
	o.s.flags = th->tcp_flags;
	o.s.wnd = rte_be_to_cpu_16(th->rx_win);
	o.s.opt = (const uint8_t *)(th + 1);
	o.s.optlen = (uint8_t)(doff - 20);
	o.s.data = (const uint8_t *)th + doff;
	o.s.len = (uint16_t)(pl - doff);
	return o;
}

static struct out6 last6(void)
{
	cr_assert_gt(ut_ncap, 0, "nothing was sent");
	return seg6_at(ut_ncap - 1);
}

static uint16_t mss_of(const struct ut_seg *s)
{
	uint8_t l;
	const uint8_t *o = ut_find_opt(s, 2, &l);

	cr_assert_not_null(o, "no MSS option");
	return (uint16_t)(o[2] << 8 | o[3]);
}

/* The client's SYN (MSS 1440, SACK, wscale 2); returns the SYN/ACK. */
static struct out6 syn6(void)
{
	struct ut_opts o = {0};
	struct seg6 s = {.seq = ut_cl.isn, .flags = SYN, .opt = &o};
	struct out6 sa;

	ut_opt_mss(&o, 1440);
	ut_opt_sackok(&o);
	ut_opt_ws(&o, 2);
	ut_clear();
	inject6(&s);
	cr_assert_eq(ut_ncap, 1, "one SYN/ACK expected, %u sent", ut_ncap);
	sa = last6();
	cr_assert_eq(sa.s.flags, SYN | ACK);
	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_cl.peer_isn = sa.s.seq;
	ut_cl.rcv_nxt = sa.s.seq + 1;
	return sa;
}

static void ack6(const void *data, uint16_t len, uint8_t ext)
{
	struct seg6 s = {.seq = ut_cl.snd_nxt, .ack = ut_cl.rcv_nxt, .flags = ACK | (len ? PSH : 0),
			 .data = data, .len = len, .ext = ext};

	ut_cl.snd_nxt += len;
	inject6(&s);
}

T6(passive_open_and_data, "A SYN to [2001:db8:10::1]:80 is answered over IPv6 (addresses swapped, checksum right, "
			  "MSS 1460 - 20), the ACK establishes, data is delivered and acknowledged; a v6 socket says so")
{
	struct out6 sa = syn6();
	uint8_t buf[100], got[100];
	struct tcp_sock_info info;

	cr_assert_eq(memcmp(sa.src, S6, 16), 0);
	cr_assert_eq(memcmp(sa.dst, C6, 16), 0);
	cr_assert_eq(sa.s.sport, UT_SPORT);
	cr_assert_eq(sa.s.dport, UT_CPORT);
	cr_assert_eq(sa.s.ack, ut_cl.isn + 1);
	cr_assert_eq(mss_of(&sa.s), 1440, "our MSS over IPv6 is the port's MTU less 60");
	cr_assert_eq(n_out4, 0, "nothing went out through the IPv4 output");
	ut_now += 10000;
	ack6(NULL, 0, 0);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_assert_eq(ut_ev.established, 1);
	cr_assert(tcp_sock_is_v6(ut_ev.sk));
	cr_assert_eq(memcmp(tcp_sock_laddr6(ut_ev.sk), S6, 16), 0);
	cr_assert_eq(memcmp(tcp_sock_raddr6(ut_ev.sk), C6, 16), 0);
	cr_assert_eq(tcp_flow_find6(ut_st, S6, UT_SPORT, C6, UT_CPORT), ut_ev.sk);
	cr_assert_null(tcp_flow_find(ut_st, tcp_ip6_fold(S6), UT_SPORT, tcp_ip6_fold(C6), UT_CPORT),
		       "an IPv6 socket is not in the IPv4 table under its folds");
	tcp_sock_get_info(ut_ev.sk, &info);
	cr_assert(info.v6);
	cr_assert_eq(memcmp(info.raddr6, C6, 16), 0);
	cr_assert_eq(ut_ev.sk->mss, 1440, "the send MSS: the peer's 1440, ours 1440");

	ut_fill(buf, 0, sizeof(buf));
	ut_clear();
	ack6(buf, sizeof(buf), 0);
	cr_assert_eq(ut_ev.readable, 1);
	cr_assert_eq(tcp_pipe_used(&ut_rxp), sizeof(got));
	tcp_pipe_read(&ut_rxp, 0, got, sizeof(got));
	cr_assert_eq(memcmp(got, buf, sizeof(buf)), 0, "bytes intact");
	ut_advance(50000);   /* the delayed ACK */
	cr_assert_geq(ut_ncap, 1);
	cr_assert_eq(last6().s.ack, ut_cl.snd_nxt, "the data is acknowledged over IPv6");
	cr_assert_eq(n_out4, 0);
}

T6(data_after_extension_header, "A segment with a Destination Options header before TCP is read at the offset the "
				"walk gives (l4off 48): its payload reaches the pipe intact")
{
	uint8_t buf[64], got[64];

	syn6();
	ack6(NULL, 0, 8);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	ut_fill(buf, 0, sizeof(buf));
	ack6(buf, sizeof(buf), 8);
	cr_assert_eq(tcp_pipe_used(&ut_rxp), sizeof(got));
	tcp_pipe_read(&ut_rxp, 0, got, sizeof(got));
	cr_assert_eq(memcmp(got, buf, sizeof(buf)), 0);
	cr_assert_eq(MIB(IN_ERRS), 0);
}

T6(bad_checksum_counted, "A segment whose checksum is wrong over the IPv6 pseudo header is dropped and counted "
			 "(InCsumErrors, InErrs), nothing answered")
{
	struct seg6 s = {.seq = ut_cl.isn, .flags = SYN, .bad_cksum = true};

	inject6(&s);
	cr_assert_eq(ut_ncap, 0);
	cr_assert_eq(MIB(IN_CSUM_ERRORS), 1);
	cr_assert_eq(MIB(IN_ERRS), 1);
	cr_assert_eq(tcp_stack_conns(ut_st), 0);
}

T6(truncated_header_counted, "An l4len shorter than a TCP header, or running past the frame, is InErrs, no crash")
{
	struct seg6 s = {.seq = ut_cl.isn, .flags = SYN};
	uint16_t off, len;
	struct rte_mbuf *m = build6(&s, &off, &len);

	tcp_input6(ut_st, m, off, 12, NULL, ut_now);
	m = build6(&s, &off, &len);
	tcp_input6(ut_st, m, off, (uint16_t)(len + 100), NULL, ut_now);
	cr_assert_eq(MIB(IN_ERRS), 2);
	cr_assert_eq(ut_ncap, 0);
}

T6(rst_for_no_listener, "A SYN to a port nobody listens on, and an ACK to no socket, get their RSTs over IPv6 "
			"(RFC 9293 3.10.7.1), counted NoPort")
{
	struct seg6 s = {.seq = 5000, .flags = SYN, .dport = 81};
	struct seg6 a = {.seq = 6000, .ack = 777, .flags = ACK, .dport = UT_SPORT, .sport = 40001};
	struct out6 r;

	inject6(&s);
	r = last6();
	cr_assert_eq(r.s.flags, RST | ACK);
	cr_assert_eq(r.s.ack, 5001);
	cr_assert_eq(r.s.sport, 81);
	cr_assert_eq(memcmp(r.dst, C6, 16), 0);
	cr_assert_eq(memcmp(r.src, S6, 16), 0);
	ut_clear();
	inject6(&a);
	r = last6();
	cr_assert_eq(r.s.flags, RST);
	cr_assert_eq(r.s.seq, 777, "<SEQ=SEG.ACK><CTL=RST>");
	cr_assert_eq(MIB(NO_PORT), 2);
	cr_assert_eq(MIB(OUT_RSTS), 2);
}

T6(listeners_by_family, "An IPv6 SYN finds only IPv6 listeners: a v4 listener on 0.0.0.0:81 does not take it; an "
			"IPv6 'any' listener takes what the exact one does not; the same address twice is EADDRINUSE")
{
	struct seg6 s = {.seq = 100, .flags = SYN, .dport = 81};
	struct seg6 o = {.seq = 100, .flags = SYN, .dst = OTHER6};

	cr_assert_eq(tcp_listen(ut_st, 0, 81, ut_accept_plain, NULL), 0);
	cr_assert_eq(tcp_listen6(ut_st, S6, UT_SPORT, ut_accept_plain, NULL), -EADDRINUSE);
	cr_assert_eq(tcp_listen6(ut_st, NULL, UT_SPORT, ut_accept_plain, NULL), 0);
	inject6(&s);
	cr_assert_eq(last6().s.flags, RST | ACK, "no IPv6 listener on 81");
	cr_assert_eq(tcp_stack_conns(ut_st), 0);
	ut_clear();
	inject6(&o);
	cr_assert_eq(last6().s.flags, SYN | ACK, "the IPv6 'any' listener takes [2001:db8:20::1]:80");
	cr_assert_eq(memcmp(last6().src, OTHER6, 16), 0, "answered from the address the SYN was sent to");
	cr_assert_eq(tcp_stack_conns(ut_st), 1);
}

static int n_port_ok6;

static bool port_ok6_even(void *arg, const uint8_t laddr[16], uint16_t lport, const uint8_t raddr[16],
			  uint16_t rport)
{
	(void)arg;
	cr_assert_eq(memcmp(laddr, S6, 16), 0);
	cr_assert_eq(memcmp(raddr, C6, 16), 0);
	cr_assert_eq(rport, 443);
	n_port_ok6++;
	return lport % 2 == 0;
}

T6(active_open, "tcp_connect6 sends its SYN to the IPv6 server through output6 from an ephemeral port port_ok6 "
		"chose; the SYN/ACK establishes it and data flows out")
{
	struct tcp_sock *sk;
	struct out6 syn;
	struct ut_opts o = {0};
	struct seg6 sa;
	uint8_t buf[300];

	ut_stop();
	{
		struct tcp_stack_conf c = conf6();

		c.port_ok6 = port_ok6_even;
		ut_start(&c);
	}
	sk = tcp_connect6(ut_st, S6, 0, C6, 443, &ut_rxp, &ut_txp, &ut_ops, NULL, NULL, ut_now);
	cr_assert_not_null(sk, "tcp_connect6: %s", rte_strerror(rte_errno));
	ut_ev.sk = sk;
	cr_assert_gt(n_port_ok6, 0);
	cr_assert_eq(sk->lport % 2, 0);
	syn = last6();
	cr_assert_eq(syn.s.flags, SYN);
	cr_assert_eq(syn.s.dport, 443);
	cr_assert_eq(memcmp(syn.dst, C6, 16), 0);
	cr_assert_eq(mss_of(&syn.s), 1440);
	ut_opt_mss(&o, 1220);
	sa = (struct seg6){.sport = 443, .dport = sk->lport, .seq = 9000, .ack = syn.s.seq + 1, .flags = SYN | ACK,
			   .opt = &o};
	ut_clear();
	inject6(&sa);
	cr_assert_eq(sk->state, TCP_ESTABLISHED);
	cr_assert_eq(ut_ev.established, 1);
	cr_assert_eq(sk->mss, 1220, "the peer's smaller MSS");
	ut_fill(buf, 0, sizeof(buf));
	cr_assert_eq(tcp_pipe_write(&ut_txp, ut_txp.rx.nxt, buf, sizeof(buf)), sizeof(buf));
	tcp_kick(sk);
	ut_poll();
	cr_assert_eq(last6().s.len, sizeof(buf));
	cr_assert_eq(memcmp(last6().s.data, buf, sizeof(buf)), 0);
	cr_assert_eq(n_out4, 0);
}

T6(syncookies, "With SYN cookies always on, an IPv6 SYN gets a stateless SYN/ACK; the ACK that echoes it makes the "
	       "connection; the same ACK from another IPv6 source fails the check (SyncookiesFailed)")
{
	struct out6 sa;
	struct seg6 bad;

	ut_stop();
	{
		struct tcp_stack_conf c = conf6();

		c.syncookies = TCP_SYNCOOKIES_ALWAYS;
		ut_start(&c);
		cr_assert_eq(tcp_listen6(ut_st, S6, UT_SPORT, ut_accept_plain, NULL), 0);
	}
	sa = syn6();
	cr_assert_eq(tcp_stack_conns(ut_st), 0, "no state for the SYN");
	cr_assert_eq(MIB(SYNCOOKIES_SENT), 1);
	cr_assert_eq(memcmp(sa.dst, C6, 16), 0);
	bad = (struct seg6){.src = OTHER6, .seq = ut_cl.snd_nxt, .ack = ut_cl.rcv_nxt, .flags = ACK};
	inject6(&bad);
	cr_assert_eq(MIB(SYNCOOKIES_FAILED), 1, "the cookie is bound to the IPv6 source");
	cr_assert_eq(tcp_stack_conns(ut_st), 0);
	ack6(NULL, 0, 0);
	cr_assert_eq(MIB(SYNCOOKIES_RECV), 1);
	cr_assert_eq(ut_state(), TCP_ESTABLISHED);
	cr_assert(tcp_sock_is_v6(ut_ev.sk));
}

/* An ICMPv6 error quoting the stack's last segment. */
static void icmp6_about_last(uint8_t type, uint8_t code, uint32_t info)
{
	uint8_t q[48];

	memcpy(q, rte_pktmbuf_mtod(ut_cap[ut_ncap - 1], const uint8_t *), sizeof(q));
	tcp_icmp6_input(ut_st, type, code, info, q, sizeof(q), ut_now);
}

T6(packet_too_big, "ICMPv6 Packet Too Big (RFC 8201) lowers the path MSS to MTU - 60 and resends; an MTU under "
		   "1280 counts as 1280; one that is no decrease, or quotes a sequence not in flight, is ignored")
{
	uint8_t buf[3000];
	uint8_t q[48];

	syn6();
	ack6(NULL, 0, 0);
	ut_fill(buf, 0, sizeof(buf));
	cr_assert_eq(tcp_pipe_write(&ut_txp, ut_txp.rx.nxt, buf, sizeof(buf)), sizeof(buf));
	tcp_kick(ut_ev.sk);
	ut_poll();
	cr_assert_eq(last6().s.len, 3000 - 2 * 1440, "three segments: 1440, 1440, 120");
	memcpy(q, rte_pktmbuf_mtod(ut_cap[1], const uint8_t *), sizeof(q));   /* the first data segment */
	icmp6_about_last(NET_ICMP6_PKT_TOO_BIG, 0, 1400);
	cr_assert_eq(ut_ev.sk->mss, 1340);
	cr_assert_eq(MIB(ICMP_FRAG_NEEDED), 1);
	ut_clear();
	ut_poll();
	cr_assert_geq(ut_ncap, 1, "sent again in the new size");
	cr_assert_eq(seg6_at(0).s.len, 1340);
	icmp6_about_last(NET_ICMP6_PKT_TOO_BIG, 0, 1000);
	cr_assert_eq(ut_ev.sk->mss, 1220, "never below the minimum link MTU's");
	icmp6_about_last(NET_ICMP6_PKT_TOO_BIG, 0, 1500);
	cr_assert_eq(ut_ev.sk->mss, 1220, "no decrease: ignored");
	cr_assert_eq(MIB(ICMP_IGNORED), 1);
	ut_cl.rcv_nxt += 3000;
	ack6(NULL, 0, 0);                 /* everything acknowledged: the old quote is out of the window */
	tcp_icmp6_input(ut_st, NET_ICMP6_PKT_TOO_BIG, 0, 1300, q, sizeof(q), ut_now);
	cr_assert_eq(MIB(ICMP_IGNORED), 2, "a sequence number not in flight (RFC 5927 4.1)");
	cr_assert_eq(ut_ev.sk->mss, 1220);
}

T6(unreachable_fails_connect, "ICMPv6 port unreachable fails a connect in SYN_SENT (ECONNREFUSED); address "
			      "unreachable is soft (the SYN timer decides)")
{
	struct tcp_sock *sk = tcp_connect6(ut_st, S6, 0, C6, 443, &ut_rxp, &ut_txp, &ut_ops, NULL, NULL, ut_now);

	cr_assert_not_null(sk);
	ut_ev.sk = sk;
	icmp6_about_last(1, 3, 0);
	cr_assert_eq(ut_ev.closed, 0);
	cr_assert_eq(MIB(ICMP_IGNORED), 1);
	icmp6_about_last(1, 4, 0);
	cr_assert_eq(ut_ev.closed, 1);
	cr_assert_eq(ut_ev.closed_err, -ECONNREFUSED);
	cr_assert_eq(MIB(ICMP_REFUSED), 1);
	cr_assert_eq(MIB(ATTEMPT_FAILS), 1);
}

T6(ecn_in_traffic_class, "ECN over IPv6: negotiated on the SYN, data sent ECT(0) in the Traffic Class, a CE mark "
			 "there is answered with ECE")
{
	struct ut_opts o = {0};
	struct seg6 s = {.seq = ut_cl.isn, .flags = SYN | RTE_TCP_ECE_FLAG | RTE_TCP_CWR_FLAG, .opt = &o};
	struct seg6 d;
	uint8_t buf[10] = {0};

	ut_stop();
	{
		struct tcp_stack_conf c = conf6();

		c.ecn = TCP_ECN_ON;
		ut_start(&c);
		cr_assert_eq(tcp_listen6(ut_st, S6, UT_SPORT, ut_accept_plain, NULL), 0);
	}
	ut_opt_mss(&o, 1440);
	inject6(&s);
	cr_assert_eq(last6().s.flags, SYN | ACK | RTE_TCP_ECE_FLAG, "ECN agreed");
	ut_cl.snd_nxt = ut_cl.isn + 1;
	ut_cl.rcv_nxt = last6().s.seq + 1;
	ack6(NULL, 0, 0);
	cr_assert_eq(MIB(ECN_NEGOTIATED), 1);
	cr_assert_eq(tcp_pipe_write(&ut_txp, ut_txp.rx.nxt, buf, sizeof(buf)), sizeof(buf));
	tcp_kick(ut_ev.sk);
	ut_poll();
	cr_assert_eq(last6().tclass & 3, 2, "ECT(0) in the Traffic Class");
	ut_clear();
	d = (struct seg6){.seq = ut_cl.snd_nxt, .ack = ut_cl.rcv_nxt, .flags = ACK, .data = buf, .len = 10,
			  .tclass = 3};
	ut_cl.snd_nxt += 10;
	inject6(&d);
	cr_assert_eq(MIB(ECN_CE_RX), 1);
	cr_assert_geq(ut_ncap, 1);
	cr_assert(last6().s.flags & RTE_TCP_ECE_FLAG, "CE answered with ECE");
}

T6(both_families_apart, "An IPv4 socket whose addresses equal an IPv6 socket's folds is another connection: each "
			"table finds its own, and closing one leaves the other")
{
	struct tcp_sock *s6, *s4;

	s6 = tcp_connect6(ut_st, S6, 5555, C6, 443, NULL, NULL, NULL, NULL, NULL, ut_now);
	s4 = tcp_connect(ut_st, tcp_ip6_fold(S6), 5555, tcp_ip6_fold(C6), 443, NULL, NULL, NULL, NULL, NULL, ut_now);
	cr_assert_not_null(s6);
	cr_assert_not_null(s4);
	cr_assert_neq(s6, s4);
	cr_assert_eq(n_out4, 1, "the IPv4 SYN went out through the IPv4 output");
	cr_assert_eq(tcp_flow_find6(ut_st, S6, 5555, C6, 443), s6);
	cr_assert_eq(tcp_flow_find(ut_st, tcp_ip6_fold(S6), 5555, tcp_ip6_fold(C6), 443), s4);
	tcp_abort(s6);
	ut_poll();
	cr_assert_null(tcp_flow_find6(ut_st, S6, 5555, C6, 443));
	cr_assert_eq(tcp_flow_find(ut_st, tcp_ip6_fold(S6), 5555, tcp_ip6_fold(C6), 443), s4);
	cr_assert_eq(tcp_stack_conns(ut_st), 1);
	tcp_abort(s4);
}

static void setup_v4only(void)
{
	ut_start(NULL);
}

TestSuite(tcp6_off, .init = setup_v4only);

UT_TEST(tcp6_off, refused_without_ipv6, "A stack made without conf.ipv6 refuses IPv6: tcp_listen6 -EAFNOSUPPORT, "
					"tcp_connect6 NULL (EAFNOSUPPORT), tcp_input6 counted InErrs and freed", ut_stop)
{
	struct seg6 s = {.seq = 1, .flags = SYN};
	uint16_t off, len;
	struct rte_mbuf *m;

	cr_assert_eq(tcp_listen6(ut_st, NULL, 80, ut_accept_plain, NULL), -EAFNOSUPPORT);
	cr_assert_null(tcp_connect6(ut_st, S6, 0, C6, 443, NULL, NULL, NULL, NULL, NULL, ut_now));
	cr_assert_eq(rte_errno, EAFNOSUPPORT);
	m = build6(&s, &off, &len);
	tcp_input6(ut_st, m, off, len, NULL, ut_now);
	cr_assert_eq(tcp_mib_get(ut_st, TCP_MIB_IN_ERRS), 1);
	cr_assert_null(tcp_flow_find6(ut_st, S6, 80, C6, 1));
}

Test(tcp6_off, ipv6_without_output6_refused, .description = "conf.ipv6 without output6: tcp_stack_create fails (EINVAL)")
{
	struct tcp_stack_conf c = ut_conf();

	ut_eal_init();
	c.pool = ut_pool;
	c.ipv6 = true;
	cr_assert_null(tcp_stack_create(&c));
	cr_assert_eq(rte_errno, EINVAL);
}

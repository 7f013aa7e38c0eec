/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6): when the half-open sockets reach the backlog, a
 * SYN is answered without keeping anything, its SYN/ACK's ISS a cookie that
 * the handshake's ACK brings back (ACK - 1) and from which the socket is made
 * then. The cookie (32 bits):
 *
 *   31..30  the time count (now >> 26 us, about 67 s) modulo 4: a cookie is
 *           good in the count it was made and the next one
 *   29..27  the peer's MSS, as an index into mss_tab
 *   26      a bit of the ULP's (MPTCP: checksums in use)
 *   25..0   SipHash-2-4 of the 4-tuple, the peer's ISN, the full count, the
 *           MSS index and the bit, under a per-stack random key
 *
 * Window scale and SACK-permitted cannot fit: as Linux does, they ride in the
 * low bits of the SYN/ACK's TSval, which the ACK echoes (TSecr); without
 * timestamps the connection goes without them. The SYN/ACK's TSval is made a
 * little older than the clock so that later ones never go back in time.
 */
#include <string.h>

#include "tcp/tcp_internal.h"

#define COOKIE_COUNT_SHIFT 26
#define COOKIE_HASH_MASK   0x03ffffffu
/* TSval bits of a stateless SYN/ACK: 5 set (it is one), 4 SACK, 3..0 wscale (15: none). */
#define TSC_MARK  0x20u
#define TSC_SACK  0x10u
#define TSC_NOWS  0x0fu
#define TSC_BITS  0x3fu

static const uint16_t mss_tab[8] = { 536, 1220, 1300, 1360, 1400, 1440, 1460, 8960 };

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                     \
	do {                                                                         \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);            \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                               \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                               \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);            \
	} while (0)

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 (Aumasson, Bernstein) of exactly 32 bytes. */
uint64_t tcp_siphash32(const uint64_t key[2], const uint8_t msg[32])
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
	uint64_t b = (uint64_t)32 << 56;

	for (int i = 0; i < 4; i++) {
		uint64_t m = le64(msg + 8 * i);

		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The cookie's MAC over t, the SYN's sequence number, the time slot and what
 * the cookie encodes. An IPv6 tuple's 32 address bytes are first reduced to
 * a keyed 64-bit digest (SipHash again, so the key covers every bit of them),
 * which takes the place of the two IPv4 addresses.
 */
static uint32_t cookie_hash(const struct tcp_stack *st, const struct tcp_4tuple *t, uint32_t irs, uint64_t count,
			    uint32_t mssidx, bool bit)
{
	uint8_t m[32] = {0};

	if (t->v6) {
		uint8_t a[32];
		uint64_t d;

		memcpy(a, t->laddr6, 16);
		memcpy(a + 16, t->raddr6, 16);
		d = tcp_siphash32(st->cookie_key, a);
		memcpy(m, &d, 8);
		m[26] = 6;
	} else {
		memcpy(m, &t->laddr, 4);
		memcpy(m + 4, &t->raddr, 4);
	}
	memcpy(m + 8, &t->lport, 2);
	memcpy(m + 10, &t->rport, 2);
	memcpy(m + 12, &irs, 4);
	memcpy(m + 16, &count, 8);
	m[24] = (uint8_t)mssidx;
	m[25] = bit;
	return (uint32_t)tcp_siphash32(st->cookie_key, m) & COOKIE_HASH_MASK;
}

/* A stateless SYN/ACK's ULP options ride on this pseudo ULP. */
struct cookie_ulp_opts {
	uint8_t b[40];
	uint32_t n;
};

static uint32_t cookie_tx_options(struct tcp_sock *sk, uint8_t flags, uint64_t pos, uint32_t len, uint8_t *opt,
				  uint32_t room)
{
	const struct cookie_ulp_opts *o = sk->ulp_ctx;

	(void)flags;
	(void)pos;
	(void)len;
	if (o->n > room)
		return 0;
	memcpy(opt, o->b, o->n);
	return o->n;
}

static uint32_t cookie_rcv_space(const struct tcp_sock *sk)
{
	(void)sk;
	return 65535;     /* a SYN's window is not scaled */
}

static const struct tcp_ulp_ops cookie_ulp = {
	.tx_options = cookie_tx_options,
	.rcv_space = cookie_rcv_space,
};

int tcp_cookie_synack(struct tcp_stack *st, const struct tcp_seg *seg, const struct tcp_4tuple *t, void *route)
{
	struct cookie_ulp_opts uo = { .n = 0 };
	struct tcp_sock6 tmp6;        /* an IPv4 SYN uses only its struct tcp_sock */
	struct tcp_sock *tmp = &tmp6.sk;
	uint16_t peer_mss = seg->opt.mss ? seg->opt.mss : t->v6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS;
	uint32_t mssidx = 0, ts = (uint32_t)(st->now_us / 1000);
	uint64_t count = st->now_us >> COOKIE_COUNT_SHIFT;
	bool bit = false;

	memset(&tmp6, 0, sizeof(tmp6));
	tmp->stack = st;
	tmp->laddr = t->laddr;
	tmp->lport = t->lport;
	tmp->raddr = t->raddr;
	tmp->rport = t->rport;
	if (t->v6) {
		tmp->v6 = true;
		memcpy(tmp6.laddr6, t->laddr6, 16);
		memcpy(tmp6.raddr6, t->raddr6, 16);
	}
	tmp->route = route;
	tmp->irs = seg->seq;
	tmp->rcv.nxt = 1;
	tmp->mss = tcp_own_mss(st, t->v6);
	for (uint32_t i = 0; i < 8; i++)
		if (mss_tab[i] <= peer_mss)
			mssidx = i;
	if (seg->opt.ts) {
		uint32_t bits = TSC_MARK;

		tmp->flags |= TF_TS_OK;
		tmp->ts_recent = seg->opt.tsval;
		if (seg->opt.sack_ok) {
			tmp->flags |= TF_SACK_OK;
			bits |= TSC_SACK;
		}
		if (seg->opt.wscale >= 0) {
			tmp->flags |= TF_WS_OK;
			tmp->rcv_wscale = tcp_wscale_for(st->conf.rcvbuf);
			bits |= (uint32_t)(seg->opt.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : seg->opt.wscale);
		} else {
			bits |= TSC_NOWS;
		}
		tmp->ts_cookie = ((ts - 64) & ~TSC_BITS) | bits;
	}
	if (st->conf.syncookie_opts) {
		int n = st->conf.syncookie_opts(st->conf.syncookie_arg, tmp, seg, uo.b, sizeof(uo.b), &bit);

		if (n < 0)
			return n;
		uo.n = (uint32_t)n;
	}
	tmp->iss = (uint32_t)(count & 3) << 30 | mssidx << 27 | (uint32_t)bit << 26 |
		  cookie_hash(st, t, seg->seq, count, mssidx, bit);
	tmp->ulp = &cookie_ulp;
	tmp->ulp_ctx = &uo;
	if (tcp_send_synack_stateless(tmp) != 0)
		return 0;      /* no mbuf: as a lost SYN/ACK; counted by tcp_xmit */
	st->cookie_last_us = st->now_us ? st->now_us : 1;
	TCP_INC(st, TCP_MIB_SYNCOOKIES_SENT);
	return 0;
}

bool tcp_cookie_check(struct tcp_stack *st, const struct tcp_seg *seg, const struct tcp_4tuple *t,
		      struct tcp_seg_opts *o, bool *bit)
{
	uint32_t cookie = seg->ack - 1, irs = seg->seq - 1, mssidx = (cookie >> 27) & 7;
	uint64_t now = st->now_us >> COOKIE_COUNT_SHIFT;

	if (st->conf.syncookies == TCP_SYNCOOKIES_OFF)
		return false;
	/* None sent lately: the ACK is no answer to a cookie (Linux: tcp_synq_no_recent_overflow). */
	if (st->conf.syncookies == TCP_SYNCOOKIES_AUTO &&
	    (st->cookie_last_us == 0 || st->now_us - st->cookie_last_us > (2ull << COOKIE_COUNT_SHIFT)))
		return false;
	*bit = (cookie >> 26) & 1;
	for (uint64_t d = 0; d < 2 && d <= now; d++) {
		uint64_t count = now - d;

		if ((count & 3) != cookie >> 30 ||
		    cookie_hash(st, t, irs, count, mssidx, *bit) != (cookie & COOKIE_HASH_MASK))
			continue;
		memset(o, 0, sizeof(*o));
		o->mss = mss_tab[mssidx];
		o->wscale = -1;
		if (seg->opt.ts && (seg->opt.tsecr & TSC_MARK)) {
			o->ts = true;
			o->tsval = seg->opt.tsval;
			o->sack_ok = seg->opt.tsecr & TSC_SACK;
			if ((seg->opt.tsecr & TSC_NOWS) != TSC_NOWS)
				o->wscale = (int8_t)(seg->opt.tsecr & TSC_NOWS);
		}
		return true;
	}
	TCP_INC(st, TCP_MIB_SYNCOOKIES_FAILED);
	return false;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_packet's fix-ups (packet_fix.h): what the harness learns from the
 * segments hagd sends (its sequence numbers, timestamps, MPTCP keys, nonces
 * and data sequence numbers, its active opens) and how it rewrites a received
 * frame with them, so that captured conversations and their mutations get
 * past hagd's random ISNs, keys and nonces. The meaning of each FIX_* bit is
 * at the top of fuzz_packet.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "mptcp/mptcp_crypto.h"
#include "mptcp/mptcp_options.h"
#include "packet_fix.h"

#define FZ_FLOWS 64
#define FZ_CONNS 16

/* What the harness learnt from hagd's output, for the fix-ups. */
struct fz_flow {
	bool used;
	uint32_t laddr, raddr;         /* hagd's side first, host order */
	uint16_t lport, rport;
	bool have_snd, have_ts, active;
	uint32_t snd_max;              /* highest sequence hagd sent + 1 */
	uint32_t tsval;                /* hagd's last timestamp */
	int conn;                      /* index into conns, -1 none */
	bool have_cnonce, have_snonce;
	uint32_t cnonce, snonce;       /* MP_JOIN: the client's, hagd's */
	unsigned seq;                  /* order of active opens */
};

struct fz_conn {
	uint64_t key, idsn;            /* hagd's */
	uint32_t token;
	uint64_t data_snd_max;         /* hagd's DSN + 1 of the last byte (or DATA_FIN) sent */
	bool have_ckey;
	uint64_t ckey, cidsn;          /* the client's */
	uint64_t cdsn_ref;             /* a recent client DSN, to widen 32-bit ones */
};

static struct fz_flow flows[FZ_FLOWS];
static struct fz_conn conns[FZ_CONNS];
static int n_conns;
static unsigned open_seq;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* The 64-bit value with these low 32 bits nearest to ref. */
static uint64_t widen32(uint64_t ref, uint32_t low)
{
	uint64_t v = (ref & ~0xffffffffull) | low;

	if (v + 0x80000000ull < ref)
		v += 0x100000000ull;
	else if (v > ref + 0x80000000ull && v >= 0x100000000ull)
		v -= 0x100000000ull;
	return v;
}

static struct fz_flow *flow_find(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport, bool make)
{
	struct fz_flow *free_slot = NULL;

	for (int i = 0; i < FZ_FLOWS; i++) {
		struct fz_flow *f = &flows[i];

		if (!f->used) {
			if (free_slot == NULL)
				free_slot = f;
			continue;
		}
		if (f->laddr == laddr && f->lport == lport && f->raddr == raddr && f->rport == rport)
			return f;
	}
	if (!make || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	*free_slot = (struct fz_flow){.used = true, .laddr = laddr, .lport = lport, .raddr = raddr,
				      .rport = rport, .conn = -1};
	return free_slot;
}

static int conn_by_token(uint32_t token)
{
	for (int i = 0; i < n_conns; i++)
		if (conns[i].token == token)
			return i;
	return -1;
}

void fz_each_option(uint8_t *p, uint32_t len, fz_opt_fn fn, void *arg)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t kind = p[i];

		if (kind == 0)
			return;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return;
		fn(p + i, p[i + 1], arg);
		i += p[i + 1];
	}
}

void fz_fix_reset(void)
{
	memset(flows, 0, sizeof(flows));
	memset(conns, 0, sizeof(conns));
	n_conns = 0;
	open_seq = 0;
}

/* Learning from what hagd sends. */

struct out_ctx {
	struct fz_flow *f;
	bool syn_ack;
};

static void learn_option(uint8_t *opt, uint8_t len, void *arg)
{
	struct out_ctx *oc = arg;
	struct fz_flow *f = oc->f;
	struct mptcp_opts mo;

	if (opt[0] == 8 && len == 10) {
		f->tsval = get32(opt + 2);
		f->have_ts = true;
		return;
	}
	if (opt[0] != TCPOPT_MPTCP)
		return;
	memset(&mo, 0, sizeof(mo));
	CHECK(mptcp_parse_option(opt, len, &mo) == MPTCP_PARSE_OK, "hagd sent an MPTCP option it cannot parse "
	      "(subtype %u, length %u)", opt[2] >> 4, len);
	/* A SYN/ACK with our key: a new connection (or the 4-tuple's next one). */
	if ((mo.suboptions & OPTION_MPTCP_MPC_SYNACK) && oc->syn_ack &&
	    (f->conn < 0 || conns[f->conn].key != mo.sndr_key) && n_conns < FZ_CONNS) {
		struct fz_conn *c = &conns[n_conns];

		memset(c, 0, sizeof(*c));
		c->key = mo.sndr_key;
		mptcp_crypto_key_sha(c->key, &c->token, &c->idsn);
		c->data_snd_max = c->idsn + 1;
		f->conn = n_conns++;
	}
	if (mo.suboptions & OPTION_MPTCP_MPJ_SYNACK) {
		f->snonce = mo.nonce;
		f->have_snonce = true;
	}
	if ((mo.suboptions & OPTION_MPTCP_DSS) && mo.use_map && f->conn >= 0) {
		struct fz_conn *c = &conns[f->conn];
		uint64_t dsn = mo.dsn64 ? mo.data_seq : widen32(c->data_snd_max, (uint32_t)mo.data_seq);

		if (dsn + mo.data_len > c->data_snd_max)
			c->data_snd_max = dsn + mo.data_len;
	}
}

void fz_learn_output(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th)
{
	uint16_t doff = (uint16_t)((th->data_off >> 4) * 4);
	uint16_t plen = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20 - doff);
	struct out_ctx oc;
	uint32_t end;

	oc.f = flow_find(rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port),
			 rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_16(th->dst_port),
			 !(th->tcp_flags & RTE_TCP_RST_FLAG));
	if (oc.f == NULL)
		return;
	oc.syn_ack = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	if (!(th->tcp_flags & RTE_TCP_RST_FLAG)) {
		end = rte_be_to_cpu_32(th->sent_seq) + plen + !!(th->tcp_flags & RTE_TCP_SYN_FLAG) +
		      !!(th->tcp_flags & RTE_TCP_FIN_FLAG);
		if (!oc.f->have_snd || (int32_t)(end - oc.f->snd_max) > 0)
			oc.f->snd_max = end;
		oc.f->have_snd = true;
		if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
			oc.f->active = true;
			oc.f->seq = ++open_seq;
		}
	}
	fz_each_option((uint8_t *)(uintptr_t)(th + 1), doff - 20u, learn_option, &oc);
}

/* Fix-ups on the frame's bytes (see the top of fuzz_packet.c). */

struct fix_ctx {
	uint8_t ctl;
	struct fz_flow *f;
	const uint8_t *payload;
	uint32_t plen;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	bool syn;
};

static struct fz_conn *flow_conn(const struct fz_flow *f)
{
	return f != NULL && f->conn >= 0 ? &conns[f->conn] : NULL;
}

static void fix_mptcp_option(uint8_t *o, uint8_t len, struct fix_ctx *x)
{
	struct fz_conn *c = flow_conn(x->f);
	bool fix = x->ctl & FIX_MPTCP;
	unsigned sub = o[2] >> 4;

	switch (sub) {
	case MPTCPOPT_MP_CAPABLE:
		if (len < 20)
			break;
		if (fix && c != NULL)
			put64(o + 12, c->key);
		if (c != NULL) {
			c->ckey = get64(o + 4);
			c->have_ckey = true;
			{
				uint32_t t;

				mptcp_crypto_key_sha(c->ckey, &t, &c->cidsn);
			}
			c->cdsn_ref = c->cidsn + 1;
			/* Length 24: the checksum of the first bytes (DSN = IDSN + 1, subflow 1). */
			if (fix && len == 24 && get16(o + 20) == x->plen)
				put16(o + 22, mptcp_dss_csum(c->cidsn + 1, 1, get16(o + 20), x->payload, x->plen));
		}
		break;
	case MPTCPOPT_MP_JOIN:
		if (len == 12 && x->syn) {
			int k = -1;

			if (fix && n_conns > 0) {
				k = (int)(get32(o + 4) % (uint32_t)n_conns);
				put32(o + 4, conns[k].token);
			} else {
				k = conn_by_token(get32(o + 4));
			}
			/* The SYN makes the flow: remember whose it is and the client's nonce. */
			x->f = flow_find(x->daddr, x->dport, x->saddr, x->sport, true);
			if (x->f != NULL) {
				x->f->conn = k;
				x->f->cnonce = get32(o + 8);
				x->f->have_cnonce = true;
				x->f->have_snonce = false;
			}
		} else if (len == 24 && fix && c != NULL && c->have_ckey && x->f->have_cnonce &&
			   x->f->have_snonce) {
			uint8_t h[32];

			mptcp_crypto_join_hmac(c->ckey, c->key, x->f->cnonce, x->f->snonce, h);
			memcpy(o + 4, h, 20);
		}
		break;
	case MPTCPOPT_DSS: {
		uint8_t fl = o[3];
		unsigned need = 4, at = 4;

		need += (fl & MPTCP_DSS_HAS_ACK) ? ((fl & MPTCP_DSS_ACK64) ? 8 : 4) : 0;
		need += (fl & MPTCP_DSS_HAS_MAP) ? ((fl & MPTCP_DSS_DSN64) ? 8 : 4) + 6 : 0;
		if (len < need || c == NULL)
			break;
		if (fl & MPTCP_DSS_HAS_ACK) {
			if (fix && (fl & MPTCP_DSS_ACK64))
				put64(o + at, c->data_snd_max);
			else if (fix)
				put32(o + at, (uint32_t)c->data_snd_max);
			at += (fl & MPTCP_DSS_ACK64) ? 8 : 4;
		}
		if ((fl & MPTCP_DSS_HAS_MAP) && c->have_ckey) {
			bool d64 = fl & MPTCP_DSS_DSN64;
			uint64_t dsn = d64 ? get64(o + at) : widen32(c->cdsn_ref, get32(o + at));
			uint32_t ssn = get32(o + at + (d64 ? 8 : 4));
			uint16_t dlen = get16(o + at + (d64 ? 12 : 8));
			uint32_t fin = (fl & MPTCP_DSS_DATA_FIN) ? 1 : 0;

			c->cdsn_ref = dsn;
			if (fix && len == need + 2 && dlen == x->plen + fin)
				put16(o + need, mptcp_dss_csum(dsn, ssn, dlen, x->payload, x->plen));
		}
		break;
	}
	case MPTCPOPT_ADD_ADDR:
		/* IPv4 with the HMAC (E = 0): the client signs with its key first. */
		if (fix && !(o[2] & 1) && (len == 16 || len == 18) && c != NULL && c->have_ckey) {
			uint32_t a;

			memcpy(&a, o + 4, 4);
			put64(o + len - 8, mptcp_crypto_add_addr_hmac4(c->ckey, c->key, o[3], a,
								       len == 18 ? get16(o + 8) : 0));
		}
		break;
	case MPTCPOPT_MP_FASTCLOSE:
		if (fix && len == 12 && c != NULL)
			put64(o + 4, c->key);
		break;
	default:
		break;
	}
}

static void fix_option(uint8_t *opt, uint8_t len, void *arg)
{
	struct fix_ctx *x = arg;

	if (opt[0] == 8 && len == 10 && (x->ctl & FIX_ACK) && x->f != NULL && x->f->have_ts)
		put32(opt + 6, x->f->tsval);
	else if (opt[0] == 5 && len >= 10 && (x->ctl & FIX_ACK) && x->f != NULL && x->f->have_snd)
		/* SACK edges: offsets back from the highest sequence hagd sent. */
		for (uint8_t i = 2; i + 4 <= len; i += 4)
			put32(opt + i, x->f->snd_max - (get32(opt + i) & 0xffff));
	else if (opt[0] == TCPOPT_MPTCP && len >= 3)
		fix_mptcp_option(opt, len, x);
}

static void find_sack(uint8_t *opt, uint8_t len, void *arg)
{
	if (opt[0] == 5 && len >= 10)
		*(bool *)arg = true;
}

/* The most recent active open of hagd to addr:port. */
static struct fz_flow *active_to(uint32_t raddr, uint16_t rport)
{
	struct fz_flow *best = NULL;

	for (int i = 0; i < FZ_FLOWS; i++)
		if (flows[i].used && flows[i].active && flows[i].raddr == raddr && flows[i].rport == rport &&
		    (best == NULL || flows[i].seq > best->seq))
			best = &flows[i];
	return best;
}

static void fix_tcp(uint8_t ctl, struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t l4len)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	struct fix_ctx x = {.ctl = ctl};
	uint32_t doff;

	if (l4len < sizeof(*th))
		return;
	if (ctl & FIX_PORT) {
		struct fz_flow *a = active_to(rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port));

		if (a != NULL) {
			ip->dst_addr = rte_cpu_to_be_32(a->laddr);
			th->dst_port = rte_cpu_to_be_16(a->lport);
		}
	}
	x.saddr = rte_be_to_cpu_32(ip->src_addr);
	x.daddr = rte_be_to_cpu_32(ip->dst_addr);
	x.sport = rte_be_to_cpu_16(th->src_port);
	x.dport = rte_be_to_cpu_16(th->dst_port);
	x.syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
	x.f = flow_find(x.daddr, x.dport, x.saddr, x.sport, false);
	doff = (uint32_t)(th->data_off >> 4) * 4;
	if (doff < sizeof(*th) || doff > l4len)
		doff = 0;
	if ((ctl & FIX_ACK) && x.f != NULL && x.f->have_snd && (th->tcp_flags & RTE_TCP_ACK_FLAG)) {
		bool sack = false;

		if (doff)
			fz_each_option((uint8_t *)(th + 1), doff - (uint32_t)sizeof(*th), find_sack, &sack);
		/* With SACK blocks (a loss to recover from) the ack is an offset
		 * back from hagd's highest sequence too; else all of it. */
		th->recv_ack = rte_cpu_to_be_32(x.f->snd_max - (sack ? rte_be_to_cpu_32(th->recv_ack) & 0xffff : 0));
	}
	if (doff == 0)
		return;
	x.payload = (const uint8_t *)th + doff;
	x.plen = l4len - doff;
	fz_each_option((uint8_t *)(th + 1), doff - (uint32_t)sizeof(*th), fix_option, &x);
}

/* ICMP destination unreachable quoting one of hagd's segments: a sequence number it has in flight. */
static void fix_icmp(uint8_t ctl, struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t l4len)
{
	uint8_t *ic = (uint8_t *)ip + ihl;
	struct rte_ipv4_hdr *in;
	struct rte_tcp_hdr *th;
	struct fz_flow *f;
	uint32_t iihl;

	if (!(ctl & (FIX_ACK | FIX_PORT)) || l4len < 8 + sizeof(*in) || ic[0] != 3)
		return;
	in = (struct rte_ipv4_hdr *)(ic + 8);
	iihl = (uint32_t)(in->version_ihl & 0xf) * 4;
	if (iihl < sizeof(*in) || l4len < 8 + iihl + 8)
		return;
	th = (struct rte_tcp_hdr *)((uint8_t *)in + iihl);
	if (ctl & FIX_PORT) {
		/* The quoted segment is one of hagd's active opens: its source is hagd's side. */
		struct fz_flow *a = active_to(rte_be_to_cpu_32(in->dst_addr), rte_be_to_cpu_16(th->dst_port));

		if (a != NULL) {
			in->src_addr = rte_cpu_to_be_32(a->laddr);
			th->src_port = rte_cpu_to_be_16(a->lport);
		}
	}
	f = flow_find(rte_be_to_cpu_32(in->src_addr), rte_be_to_cpu_16(th->src_port), rte_be_to_cpu_32(in->dst_addr),
		      rte_be_to_cpu_16(th->dst_port), false);
	if ((ctl & FIX_ACK) && f != NULL && f->have_snd)
		th->sent_seq = rte_cpu_to_be_32(f->snd_max - 1);
}

void fz_fix_frame(uint8_t ctl, uint8_t *p, uint32_t len)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot, l4len;

	if (len < sizeof(*eh) + sizeof(*ip) || eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ihl > len - sizeof(*eh))
		return;
	if (ctl & FIX_LEN)
		ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eh)));
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || tot > len - sizeof(*eh))
		return;
	l4len = tot - ihl;
	if (ip->next_proto_id == IPPROTO_TCP)
		fix_tcp(ctl, ip, ihl, l4len);
	else if (ip->next_proto_id == IPPROTO_ICMP)
		fix_icmp(ctl, ip, ihl, l4len);
	if (!(ctl & FIX_CSUM))
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
	if (ip->next_proto_id == IPPROTO_TCP && l4len >= sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
		uint32_t s;

		th->cksum = 0;
		s = rte_ipv4_phdr_cksum(ip, 0);
		/* The pseudo header takes the length from total_length and the header's IHL. */
		s += rte_raw_cksum(th, l4len);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		th->cksum = (uint16_t)~s;
	} else if (ip->next_proto_id == IPPROTO_ICMP && l4len >= 4) {
		uint8_t *ic = (uint8_t *)ip + ihl;

		ic[2] = ic[3] = 0;
		put16(ic + 2, rte_be_to_cpu_16((uint16_t)~rte_raw_cksum(ic, l4len)));
	}
}

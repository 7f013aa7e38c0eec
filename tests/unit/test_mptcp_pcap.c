/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every MPTCP option a real Linux 6.18 peer sent (tests/data/pcap, see its
 * README) goes through mptcp_parse_option; what the traces prove (keys,
 * tokens, join HMACs, the ADD_ADDR HMAC, DSS checksums) is recomputed with
 * hagd's own code, and every option is written back byte for byte.
 *
 * The pcap reader is the smallest that does: classic pcap (either byte
 * order, usec or nsec), link types Ethernet, raw IPv4, Linux cooked SLL and
 * SLL2, IPv4 + TCP only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mptcp/mptcp_crypto.h"
#include "mptcp/mptcp_options.h"

#ifndef HAG_TESTDATA
#error "HAG_TESTDATA must name the testdata directory"
#endif

#define TWO_SUBFLOWS "mptcp-v1-two-subflows.pcap"
#define DSS_CHECKSUM "mptcp-v1-dss-checksum.pcap"
#define BACKUP       "mptcp-v1-backup-subflow.pcap"
#define ADD_ADDR     "mptcp-v1-add-addr.pcap"
#define PLAIN_TCP    "plain-tcp.pcap"

#define LINKTYPE_ETHERNET  1
#define LINKTYPE_RAW       101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_LINUX_SLL2 276

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_ACK 0x10

#define MAX_MPTCP_OPTS 8
#define MAX_FLOWS 16

struct trace {
	uint8_t *buf;
	size_t len;
	size_t off;          /* next record */
	bool big_endian;
	uint32_t linktype;
};

struct pkt {
	uint32_t saddr, daddr;       /* as on the wire */
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const uint8_t *opts;         /* TCP options, all captured */
	size_t opts_len;
	const uint8_t *payload;
	size_t payload_len;          /* from the IP total length */
	size_t payload_cap;          /* how much of it the capture holds */
};

static uint32_t rd32(const struct trace *t, size_t off)
{
	const uint8_t *p = t->buf + off;

	if (t->big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void trace_open(struct trace *t, const char *name)
{
	static const uint8_t le_us[4] = {0xd4, 0xc3, 0xb2, 0xa1}, le_ns[4] = {0x4d, 0x3c, 0xb2, 0xa1};
	static const uint8_t be_us[4] = {0xa1, 0xb2, 0xc3, 0xd4}, be_ns[4] = {0xa1, 0xb2, 0x3c, 0x4d};
	char path[512];
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/pcap/%s", HAG_TESTDATA, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	cr_assert_gt(size, 24, "%s: no pcap header", path);
	rewind(f);
	t->buf = malloc((size_t)size);
	cr_assert_not_null(t->buf);
	cr_assert_eq(fread(t->buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	t->len = (size_t)size;

	if (!memcmp(t->buf, le_us, 4) || !memcmp(t->buf, le_ns, 4))
		t->big_endian = false;
	else if (!memcmp(t->buf, be_us, 4) || !memcmp(t->buf, be_ns, 4))
		t->big_endian = true;
	else
		cr_assert_fail("%s: not a classic pcap file", name);
	t->linktype = rd32(t, 20) & 0x0fffffff;
	t->off = 24;
}

static void trace_close(struct trace *t)
{
	free(t->buf);
	t->buf = NULL;
}

/* Link-layer header length and where the EtherType-like protocol sits. */
static size_t link_hdr(const struct trace *t, const uint8_t *frame, size_t cap, uint16_t *proto)
{
	switch (t->linktype) {
	case LINKTYPE_ETHERNET:
		cr_assert_geq(cap, 14);
		*proto = be16(frame + 12);
		return 14;
	case LINKTYPE_RAW:
		*proto = 0x0800;
		return 0;
	case LINKTYPE_LINUX_SLL:
		cr_assert_geq(cap, 16);
		*proto = be16(frame + 14);
		return 16;
	case LINKTYPE_LINUX_SLL2:
		cr_assert_geq(cap, 20);
		*proto = be16(frame);
		return 20;
	default:
		cr_assert_fail("link type %u not supported", t->linktype);
		return 0;
	}
}

/* The next IPv4/TCP packet of the trace; false at the end. Anything else
 * (ARP, IPv6, UDP) is skipped. */
static bool trace_next(struct trace *t, struct pkt *p)
{
	while (t->off + 16 <= t->len) {
		uint32_t incl = rd32(t, t->off + 8);
		const uint8_t *frame = t->buf + t->off + 16, *ip, *tcp;
		size_t cap, ihl, tot, doff;
		uint16_t proto;

		cr_assert_leq(t->off + 16 + incl, t->len, "record overruns the file");
		t->off += 16 + incl;

		cap = incl;
		ip = frame + link_hdr(t, frame, cap, &proto);
		cap -= (size_t)(ip - frame);
		if (proto != 0x0800 || cap < 20 || (ip[0] >> 4) != 4 || ip[9] != 6)
			continue;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		tot = be16(ip + 2);
		cr_assert_geq(ihl, 20);
		cr_assert_geq(cap, ihl + 20, "TCP header not captured");
		cr_assert_eq(be16(ip + 6) & 0x1fff, 0, "fragment");

		tcp = ip + ihl;
		doff = (size_t)(tcp[12] >> 4) * 4;
		cr_assert_geq(doff, 20);
		cr_assert_geq(cap, ihl + doff, "TCP options not captured");
		cr_assert_geq(tot, ihl + doff);

		memcpy(&p->saddr, ip + 12, 4);
		memcpy(&p->daddr, ip + 16, 4);
		p->sport = be16(tcp);
		p->dport = be16(tcp + 2);
		p->seq = be32(tcp + 4);
		p->flags = tcp[13];
		p->opts = tcp + 20;
		p->opts_len = doff - 20;
		p->payload = tcp + doff;
		p->payload_len = tot - ihl - doff;
		p->payload_cap = cap - ihl - doff;
		if (p->payload_cap > p->payload_len)
			p->payload_cap = p->payload_len;   /* Ethernet padding */
		return true;
	}
	return false;
}

/* Pointers to the MPTCP options (kind 30) of a packet; the walk itself
 * asserts the option block is well formed. */
static size_t mptcp_opts_of(const struct pkt *p, const uint8_t *out[MAX_MPTCP_OPTS])
{
	size_t i = 0, n = 0;

	while (i < p->opts_len) {
		uint8_t kind = p->opts[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		cr_assert_lt(i + 1, p->opts_len, "option kind %u without length", kind);
		len = p->opts[i + 1];
		cr_assert_geq(len, 2, "option kind %u length %u", kind, len);
		cr_assert_leq(i + len, p->opts_len, "option kind %u overruns the header", kind);
		if (kind == TCPOPT_MPTCP) {
			cr_assert_lt(n, MAX_MPTCP_OPTS);
			out[n++] = p->opts + i;
		}
		i += len;
	}
	return n;
}

struct flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t isn;
};

/* What one trace shows, gathered in one pass. */
struct summary {
	size_t packets, options, refused;
	size_t rewritten, non_canonical, rewrite_differs;
	size_t mpc_syn, mpc_synack, mpc_ack, mpc_data;
	size_t mpj_syn, mpj_synack, mpj_ack;
	size_t dss, dss_ack, dss_map, data_fin, dss_csum;
	size_t add_addr, add_addr_echo, other;

	uint16_t server_port;
	bool have_client_key, have_server_key;
	uint64_t client_key, server_key;         /* from the MP_CAPABLE ACK */
	uint64_t synack_key;                     /* from the MP_CAPABLE SYN/ACK */
	uint16_t mpc_data_len;

	bool join_syn, join_synack, join_ack, join_backup;
	uint32_t join_token, r_a, r_b;
	uint64_t join_thmac;
	uint8_t join_hmac[20];

	bool have_add_addr, add_addr_from_server;
	struct mptcp_opts add;

	bool have_server_data_ack;
	uint64_t server_data_ack;                /* the server's first DATA_ACK */

	size_t csum_verified, csum_failed, csum_not_checkable;

	struct flow flows[MAX_FLOWS];
	size_t nflows;
};

static struct flow *flow_of(struct summary *s, const struct pkt *p)
{
	for (size_t i = 0; i < s->nflows; i++) {
		struct flow *f = &s->flows[i];

		if (f->saddr == p->saddr && f->daddr == p->daddr && f->sport == p->sport &&
		    f->dport == p->dport)
			return f;
	}
	return NULL;
}

/* Does rewriting this option have to give the same bytes? Only if the
 * sender left reserved bits zero and used the RFC 8684 form. */
static bool canonical(const uint8_t *opt)
{
	uint8_t len = opt[1], sub = opt[2] >> 4;

	switch (sub) {
	case MPTCPOPT_MP_CAPABLE:
		return (opt[2] & 0x0f) == 1;
	case MPTCPOPT_MP_JOIN:
		return len == 24 ? (opt[2] & 0x0f) == 0 && opt[3] == 0 : (opt[2] & 0x0e) == 0;
	case MPTCPOPT_DSS:
		return (opt[2] & 0x0f) == 0 && (opt[3] & 0xe0) == 0;
	case MPTCPOPT_ADD_ADDR:
		return (opt[2] & 0x0e) == 0;
	case MPTCPOPT_RM_ADDR:
		return (opt[2] & 0x0f) == 0;
	case MPTCPOPT_MP_PRIO:
		return len == 3 && (opt[2] & 0x0e) == 0;
	case MPTCPOPT_MP_FAIL:
	case MPTCPOPT_MP_FASTCLOSE:
		return (opt[2] & 0x0f) == 0 && opt[3] == 0;
	default:
		return true;
	}
}

/* RFC 8684 3.3.1: check a checksummed mapping if the capture holds all of
 * its payload and the mapping starts at this segment. */
static void check_csum(struct summary *s, const struct pkt *p, uint64_t dsn, uint32_t ssn,
		       uint16_t data_len, bool data_fin, uint16_t csum)
{
	size_t bytes = data_len - (data_fin ? 1 : 0);
	struct flow *f = flow_of(s, p);

	if (p->payload_len != bytes || p->payload_cap < bytes ||
	    (bytes > 0 && (!f || p->seq - f->isn != ssn))) {
		s->csum_not_checkable++;
		return;
	}
	if (mptcp_dss_csum(dsn, ssn, data_len, p->payload, bytes) == csum)
		s->csum_verified++;
	else
		s->csum_failed++;
}

static void count(struct summary *s, const struct mptcp_opts *o)
{
	uint32_t b = o->suboptions;

	s->mpc_syn += !!(b & OPTION_MPTCP_MPC_SYN);
	s->mpc_synack += !!(b & OPTION_MPTCP_MPC_SYNACK);
	s->mpc_ack += (b & OPTION_MPTCP_MPC_ACK) && !o->mpc_has_data_len;
	s->mpc_data += (b & OPTION_MPTCP_MPC_ACK) && o->mpc_has_data_len;
	s->mpj_syn += !!(b & OPTION_MPTCP_MPJ_SYN);
	s->mpj_synack += !!(b & OPTION_MPTCP_MPJ_SYNACK);
	s->mpj_ack += !!(b & OPTION_MPTCP_MPJ_ACK);
	if (b & OPTION_MPTCP_DSS) {
		s->dss++;
		s->dss_ack += o->use_ack;
		s->dss_map += o->use_map;
		s->data_fin += o->data_fin;
		s->dss_csum += o->csum_present;
	}
	if (b & OPTION_MPTCP_ADD_ADDR) {
		s->add_addr += !o->add_addr_echo;
		s->add_addr_echo += o->add_addr_echo;
	}
	if (b & ~(OPTION_MPTCP_MPC_SYN | OPTION_MPTCP_MPC_SYNACK | OPTION_MPTCP_MPC_ACK |
		  OPTION_MPTCP_MPJ_SYN | OPTION_MPTCP_MPJ_SYNACK | OPTION_MPTCP_MPJ_ACK |
		  OPTION_MPTCP_DSS | OPTION_MPTCP_ADD_ADDR))
		s->other++;
}

static void learn(struct summary *s, const struct pkt *p, const struct mptcp_opts *o)
{
	bool from_server = s->server_port && p->sport == s->server_port;
	uint32_t b = o->suboptions;

	if (b & OPTION_MPTCP_MPC_SYN)
		s->server_port = p->dport;
	if (b & OPTION_MPTCP_MPC_SYNACK)
		s->synack_key = o->sndr_key;
	if ((b & OPTION_MPTCP_MPC_ACK) && !s->have_client_key) {
		s->have_client_key = s->have_server_key = true;
		s->client_key = o->sndr_key;
		s->server_key = o->rcvr_key;
	}
	if ((b & OPTION_MPTCP_MPC_ACK) && o->mpc_has_data_len)
		s->mpc_data_len = o->mpc_data_len;
	if (b & OPTION_MPTCP_MPJ_SYN) {
		s->join_syn = true;
		s->join_backup = o->backup;
		s->join_token = o->token;
		s->r_a = o->nonce;
	}
	if (b & OPTION_MPTCP_MPJ_SYNACK) {
		s->join_synack = true;
		s->join_thmac = o->thmac;
		s->r_b = o->nonce;
	}
	if (b & OPTION_MPTCP_MPJ_ACK) {
		s->join_ack = true;
		memcpy(s->join_hmac, o->hmac, sizeof(s->join_hmac));
	}
	if ((b & OPTION_MPTCP_ADD_ADDR) && !o->add_addr_echo) {
		s->have_add_addr = true;
		s->add_addr_from_server = from_server;
		s->add = *o;
	}
	if ((b & OPTION_MPTCP_DSS) && o->use_ack && from_server && !s->have_server_data_ack) {
		s->have_server_data_ack = true;
		s->server_data_ack = o->data_ack;
	}

	/* Checksums: a DSS mapping, or MP_CAPABLE with data (DSN = IDSN + 1,
	 * subflow sequence number 1, RFC 8684 3.1). */
	if ((b & OPTION_MPTCP_DSS) && o->use_map && o->csum_present) {
		if (o->dsn64)
			check_csum(s, p, o->data_seq, o->subflow_seq, o->data_len, o->data_fin,
				   o->csum);
		else
			s->csum_not_checkable++;   /* would need the 64-bit DSN */
	}
	if ((b & OPTION_MPTCP_MPC_ACK) && o->csum_present) {
		uint64_t idsn;

		mptcp_crypto_key_sha(o->sndr_key, NULL, &idsn);
		check_csum(s, p, idsn + 1, 1, o->mpc_data_len, false, o->csum);
	}
}

static void analyse(const char *name, struct summary *s)
{
	struct trace t;
	struct pkt p;

	memset(s, 0, sizeof(*s));
	trace_open(&t, name);
	while (trace_next(&t, &p)) {
		const uint8_t *opts[MAX_MPTCP_OPTS];
		size_t n = mptcp_opts_of(&p, opts);
		struct mptcp_opts all = {0};

		s->packets++;
		if ((p.flags & TCP_SYN) && !flow_of(s, &p)) {
			cr_assert_lt(s->nflows, MAX_FLOWS);
			s->flows[s->nflows++] = (struct flow){p.saddr, p.daddr, p.sport, p.dport,
							      p.seq};
		}
		for (size_t i = 0; i < n; i++) {
			const uint8_t *opt = opts[i];
			struct mptcp_opts one = {0};
			enum mptcp_parse_err err;
			uint8_t out[40];
			size_t w;

			s->options++;
			err = mptcp_parse_option(opt, opt[1], &one);
			cr_expect_eq(err, MPTCP_PARSE_OK, "%s packet %zu: %u-byte option refused: %s",
				     name, s->packets, opt[1], mptcp_parse_strerror(err));
			if (err != MPTCP_PARSE_OK) {
				s->refused++;
				continue;
			}
			cr_expect_eq(mptcp_parse_option(opt, opt[1], &all), MPTCP_PARSE_OK);
			count(s, &one);
			learn(s, &p, &one);

			if (!canonical(opt)) {
				s->non_canonical++;
				continue;
			}
			w = mptcp_write_options(out, sizeof(out), &one);
			s->rewritten++;
			if (w != opt[1] || memcmp(out, opt, w)) {
				s->rewrite_differs++;
				cr_expect_fail("%s packet %zu: rewrite of a %u-byte subtype %u differs",
					       name, s->packets, opt[1], opt[2] >> 4);
			}
		}
	}
	trace_close(&t);
}

static const char *const mptcp_traces[] = {TWO_SUBFLOWS, DSS_CHECKSUM, BACKUP, ADD_ADDR};

Test(pcap, every_option_parses,
     .description = "every MPTCP option in every trace parses, and plain TCP carries none")
{
	struct summary s;

	for (size_t i = 0; i < 4; i++) {
		analyse(mptcp_traces[i], &s);
		cr_expect_gt(s.packets, 0, "%s: no packets", mptcp_traces[i]);
		cr_expect_gt(s.options, 0, "%s: no MPTCP options", mptcp_traces[i]);
		cr_expect_eq(s.refused, 0, "%s: %zu refused", mptcp_traces[i], s.refused);
	}
	analyse(PLAIN_TCP, &s);
	cr_expect_gt(s.packets, 0);
	cr_expect_eq(s.options, 0, "plain TCP carried MPTCP options");
}

Test(pcap, rewriting_gives_the_same_bytes,
     .description = "writing back each parsed option gives Linux's bytes exactly")
{
	struct summary s;

	for (size_t i = 0; i < 4; i++) {
		analyse(mptcp_traces[i], &s);
		cr_expect_eq(s.rewrite_differs, 0, "%s", mptcp_traces[i]);
		cr_expect_eq(s.non_canonical, 0, "%s: Linux used a non-canonical form",
			     mptcp_traces[i]);
		cr_expect_eq(s.rewritten, s.options, "%s", mptcp_traces[i]);
	}
}

/* What each trace carries, counted independently from the raw bytes. */
static const struct {
	const char *name;
	size_t packets, mpc_syn, mpc_synack, mpc_ack, mpc_data, mpj_syn, mpj_synack, mpj_ack;
	size_t dss, dss_ack, dss_map, data_fin, dss_csum, add_addr, add_addr_echo;
} expected[] = {
	{TWO_SUBFLOWS, 93, 1, 1, 1, 1, 1, 1, 1, 86, 86, 40, 4, 0, 0, 0},
	{DSS_CHECKSUM, 76, 1, 1, 1, 1, 1, 1, 1, 69, 69, 32, 4, 32, 0, 0},
	{BACKUP, 66, 1, 1, 1, 1, 1, 1, 1, 59, 59, 28, 5, 0, 0, 0},
	{ADD_ADDR, 62, 1, 1, 1, 1, 1, 0, 0, 54, 54, 25, 2, 0, 1, 1},
	{PLAIN_TCP, 34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

Test(pcap, suboption_counts,
     .description = "each trace holds the handshakes, mappings, DATA_FINs and addresses it should")
{
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *n = expected[i].name;
		struct summary s;

		analyse(n, &s);
		cr_expect_eq(s.packets, expected[i].packets, "%s packets %zu", n, s.packets);
		cr_expect_eq(s.mpc_syn, expected[i].mpc_syn, "%s MP_CAPABLE SYN", n);
		cr_expect_eq(s.mpc_synack, expected[i].mpc_synack, "%s MP_CAPABLE SYN/ACK", n);
		cr_expect_eq(s.mpc_ack, expected[i].mpc_ack, "%s MP_CAPABLE ACK", n);
		cr_expect_eq(s.mpc_data, expected[i].mpc_data, "%s MP_CAPABLE with data", n);
		cr_expect_eq(s.mpj_syn, expected[i].mpj_syn, "%s MP_JOIN SYN", n);
		cr_expect_eq(s.mpj_synack, expected[i].mpj_synack, "%s MP_JOIN SYN/ACK", n);
		cr_expect_eq(s.mpj_ack, expected[i].mpj_ack, "%s MP_JOIN ACK", n);
		cr_expect_eq(s.dss, expected[i].dss, "%s DSS %zu", n, s.dss);
		cr_expect_eq(s.dss_ack, expected[i].dss_ack, "%s DATA_ACK %zu", n, s.dss_ack);
		cr_expect_eq(s.dss_map, expected[i].dss_map, "%s mappings %zu", n, s.dss_map);
		cr_expect_eq(s.data_fin, expected[i].data_fin, "%s DATA_FIN %zu", n, s.data_fin);
		cr_expect_eq(s.dss_csum, expected[i].dss_csum, "%s checksums %zu", n, s.dss_csum);
		cr_expect_eq(s.add_addr, expected[i].add_addr, "%s ADD_ADDR", n);
		cr_expect_eq(s.add_addr_echo, expected[i].add_addr_echo, "%s ADD_ADDR echo", n);
		cr_expect_eq(s.other, 0, "%s other suboptions", n);
	}
}

Test(pcap, two_subflows_keys_match_readme,
     .description = "MP_CAPABLE in two-subflows carries key A (client) and key B (server)")
{
	struct summary s;

	analyse(TWO_SUBFLOWS, &s);
	cr_assert(s.have_client_key);
	cr_expect_eq(s.client_key, 0xedea6b097dad369eull);
	cr_expect_eq(s.server_key, 0xc3f8f50ae11d9bf5ull);
	cr_expect_eq(s.synack_key, s.server_key, "SYN/ACK key is the server's");
	cr_expect_eq(s.mpc_data_len, 17);
	cr_expect_eq(s.join_token, 0x7ac558fbu);
	cr_expect_eq(s.r_a, 0x52885cb9u);
	cr_expect_eq(s.r_b, 0xdfbc8020u);
}

Test(pcap, join_syn_carries_the_servers_token,
     .description = "RFC 8684 3.2: the MP_JOIN SYN carries token(server key)")
{
	const char *const traces[] = {TWO_SUBFLOWS, DSS_CHECKSUM, BACKUP, ADD_ADDR};

	for (size_t i = 0; i < 4; i++) {
		struct summary s;
		uint32_t token;

		analyse(traces[i], &s);
		cr_assert(s.join_syn, "%s has no join", traces[i]);
		mptcp_crypto_key_sha(s.server_key, &token, NULL);
		cr_expect_eq(token, s.join_token, "%s: token(server) %#x, join SYN %#x", traces[i],
			     token, s.join_token);
	}
}

Test(pcap, join_hmacs_verify,
     .description = "RFC 8684 3.2: the join SYN/ACK and third ACK HMACs are what Linux sent")
{
	const char *const traces[] = {TWO_SUBFLOWS, DSS_CHECKSUM, BACKUP};

	for (size_t i = 0; i < 3; i++) {
		struct summary s;
		uint8_t mac[32];

		analyse(traces[i], &s);
		cr_assert(s.join_synack && s.join_ack, "%s: incomplete join", traces[i]);
		/* The server (B) answers with HMAC(B||A, R_B||R_A). */
		cr_expect_eq(mptcp_crypto_join_thmac(s.server_key, s.client_key, s.r_b, s.r_a),
			     s.join_thmac, "%s SYN/ACK", traces[i]);
		/* The client (A) proves itself with HMAC(A||B, R_A||R_B). */
		mptcp_crypto_join_hmac(s.client_key, s.server_key, s.r_a, s.r_b, mac);
		cr_expect_arr_eq(mac, s.join_hmac, 20, "%s third ACK", traces[i]);
	}
}

Test(pcap, two_subflows_join_values_match_readme,
     .description = "the two-subflows join HMACs are the README's values")
{
	static const uint8_t third_ack[20] = {0x19, 0x31, 0x48, 0x45, 0x52, 0x71, 0x7d,
					      0x6e, 0x2e, 0xbd, 0xfe, 0xb8, 0xe1, 0xe1,
					      0x81, 0xd5, 0x63, 0x5d, 0xb1, 0x9d};
	struct summary s;

	analyse(TWO_SUBFLOWS, &s);
	cr_expect_eq(s.join_thmac, 0x58d31c120449801eull);
	cr_expect_arr_eq(s.join_hmac, third_ack, 20);
}

Test(pcap, backup_bit_only_in_the_backup_trace,
     .description = "RFC 8684 3.2: the backup trace's join SYN has B set, the others do not")
{
	struct summary s;

	analyse(BACKUP, &s);
	cr_expect(s.join_backup);
	analyse(TWO_SUBFLOWS, &s);
	cr_expect_not(s.join_backup);
}

Test(pcap, add_addr_hmac_verifies,
     .description = "RFC 8684 3.4.1: the server's ADD_ADDR HMAC verifies with key server||client")
{
	struct summary s;
	uint64_t mac;

	analyse(ADD_ADDR, &s);
	cr_assert(s.have_add_addr);
	cr_expect(s.add_addr_from_server);
	cr_expect_eq(s.server_key, 0x4cf2ab41553fb920ull);
	cr_expect_eq(s.client_key, 0x96766314ef9ea9a2ull);
	cr_expect_eq(s.add.addr_id, 1);
	cr_expect_eq(s.add.add_addr_ipver, 4);
	cr_assert(s.add.add_addr_has_hmac);
	mac = mptcp_crypto_add_addr_hmac4(s.server_key, s.client_key, s.add.addr_id, s.add.addr4,
					  s.add.add_addr_has_port ? s.add.add_addr_port : 0);
	cr_expect_eq(mac, s.add.add_addr_hmac, "computed %#llx, sent %#llx",
		     (unsigned long long)mac, (unsigned long long)s.add.add_addr_hmac);
	cr_expect_eq(mac, 0x48939a6e46bd2f94ull);
}

Test(pcap, first_data_ack_acknowledges_the_mp_capable_data,
     .description = "RFC 8684 3.1: the server's first DATA_ACK is IDSN(client) + 1 + the 17 bytes")
{
	for (size_t i = 0; i < 4; i++) {
		struct summary s;
		uint64_t idsn;

		analyse(mptcp_traces[i], &s);
		cr_assert(s.have_server_data_ack, "%s", mptcp_traces[i]);
		mptcp_crypto_key_sha(s.client_key, NULL, &idsn);
		cr_expect_eq(s.server_data_ack, idsn + 1 + s.mpc_data_len, "%s", mptcp_traces[i]);
	}
}

Test(pcap, dss_checksums_verify,
     .description = "RFC 8684 3.3.1: every DSS checksum whose payload the capture holds verifies")
{
	struct summary s;

	analyse(DSS_CHECKSUM, &s);
	cr_expect_eq(s.csum_failed, 0, "%zu checksums failed", s.csum_failed);
	/* Five DSS mappings (one 80-byte segment, four bare DATA_FINs) and the
	 * MP_CAPABLE with data are fully captured; the rest are cut at 256. */
	cr_expect_eq(s.csum_verified, 6, "verified %zu", s.csum_verified);
	cr_expect_eq(s.csum_verified + s.csum_failed + s.csum_not_checkable, s.dss_csum + 1);

	for (size_t i = 0; i < 4; i++) {
		analyse(mptcp_traces[i], &s);
		if (strcmp(mptcp_traces[i], DSS_CHECKSUM))
			cr_expect_eq(s.dss_csum, 0, "%s: checksum not negotiated", mptcp_traces[i]);
		else
			cr_expect_eq(s.dss_csum, s.dss_map, "every mapping carries a checksum");
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP v1 option wire format (RFC 8684 section 3): parse one option into
 * struct mptcp_opts, write the suboptions a struct asks for. No connection
 * state here; what a value means for the connection is the caller's call.
 */
#include <string.h>

#include <rte_ip.h>

#include "mptcp/mptcp_options.h"

/* Option lengths, RFC 8684 section 3. */
#define MPC_LEN_SYN        4
#define MPC_LEN_SYNACK     12
#define MPC_LEN_ACK        20
#define MPC_LEN_ACK_DATA   22
#define MPC_LEN_ACK_CSUM   24
#define MPJ_LEN_SYN        12
#define MPJ_LEN_SYNACK     16
#define MPJ_LEN_ACK        24
#define DSS_LEN_BASE       4
#define DSS_LEN_CSUM       2
#define ADD_ADDR_LEN_BASE  4    /* kind, length, subtype/E, address id */
#define ADD_ADDR_LEN_PORT  2
#define ADD_ADDR_LEN_HMAC  8
#define RM_ADDR_LEN_BASE   3
#define PRIO_LEN           3
#define PRIO_LEN_ADDR_ID   4
#define FAIL_LEN           12
#define FASTCLOSE_LEN      12
#define TCPRST_LEN         4

#define MPTCP_VERSION      1
#define MPTCP_VERSION_MASK 0x0f
#define MPJ_BACKUP         0x01
#define ADD_ADDR_ECHO      0x01
#define PRIO_BACKUP        0x01
#define TCPRST_FLAGS_MASK  0x0f
#define DSS_FLAGS_MASK     0x1f

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline uint8_t *put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	return put_be32(p + 4, (uint32_t)v);
}

/* First three bytes of every MPTCP option: kind, length, subtype nibble + 4 bits. */
static inline uint8_t *put_head(uint8_t *p, size_t len, unsigned int subtype, uint8_t low)
{
	p[0] = TCPOPT_MPTCP;
	p[1] = (uint8_t)len;
	p[2] = (uint8_t)(subtype << 4 | (low & 0x0f));
	return p + 3;
}

/* RFC 8684 3.1: the length alone says which handshake step this is. */
static enum mptcp_parse_err parse_mp_capable(const uint8_t *opt, size_t len,
					     struct mptcp_opts *o)
{
	uint8_t version = opt[2] & MPTCP_VERSION_MASK;
	uint32_t bit;

	switch (len) {
	case MPC_LEN_SYN:
		bit = OPTION_MPTCP_MPC_SYN;
		break;
	case MPC_LEN_SYNACK:
		bit = OPTION_MPTCP_MPC_SYNACK;
		break;
	case MPC_LEN_ACK:
	case MPC_LEN_ACK_DATA:
	case MPC_LEN_ACK_CSUM:
		bit = OPTION_MPTCP_MPC_ACK;
		break;
	default:
		return len < MPC_LEN_SYN ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN;
	}

	/* RFC 8684 3.1: the SYN offers the highest version the sender speaks
	 * and the listener answers with one no higher, so a SYN above v1 is
	 * still an offer of v1. Every later step must say 1; v0 (RFC 6824)
	 * has a different handshake and is refused. */
	if (len == MPC_LEN_SYN ? version < MPTCP_VERSION : version != MPTCP_VERSION)
		return MPTCP_PARSE_BAD_VERSION;

	o->mpc_version = version;
	o->mpc_flags = opt[3];
	o->sndr_key = len >= MPC_LEN_SYNACK ? get_be64(opt + 4) : 0;
	o->rcvr_key = len >= MPC_LEN_ACK ? get_be64(opt + 12) : 0;
	o->mpc_has_data_len = len >= MPC_LEN_ACK_DATA;
	o->mpc_data_len = o->mpc_has_data_len ? get_be16(opt + 20) : 0;
	o->csum_present = len == MPC_LEN_ACK_CSUM;
	o->csum = o->csum_present ? get_be16(opt + 22) : 0;
	o->suboptions |= bit;
	return MPTCP_PARSE_OK;
}

/* RFC 8684 3.2: SYN, SYN/ACK and third ACK differ in length. */
static enum mptcp_parse_err parse_mp_join(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	switch (len) {
	case MPJ_LEN_SYN:
		o->backup = opt[2] & MPJ_BACKUP;
		o->join_id = opt[3];
		o->token = get_be32(opt + 4);
		o->nonce = get_be32(opt + 8);
		o->suboptions |= OPTION_MPTCP_MPJ_SYN;
		return MPTCP_PARSE_OK;
	case MPJ_LEN_SYNACK:
		o->backup = opt[2] & MPJ_BACKUP;
		o->join_id = opt[3];
		o->thmac = get_be64(opt + 4);
		o->nonce = get_be32(opt + 12);
		o->suboptions |= OPTION_MPTCP_MPJ_SYNACK;
		return MPTCP_PARSE_OK;
	case MPJ_LEN_ACK:
		memcpy(o->hmac, opt + 4, sizeof(o->hmac));
		o->suboptions |= OPTION_MPTCP_MPJ_ACK;
		return MPTCP_PARSE_OK;
	default:
		return len < MPJ_LEN_SYN ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN;
	}
}

/* RFC 8684 3.3: the length follows from the flags alone (plus
 * the checksum, which only a mapping carries). */
static size_t dss_len(bool use_ack, bool ack64, bool use_map, bool dsn64)
{
	size_t len = DSS_LEN_BASE;

	if (use_ack)
		len += ack64 ? 8 : 4;
	if (use_map)
		len += (dsn64 ? 8 : 4) + 4 + 2;
	return len;
}

static enum mptcp_parse_err parse_dss(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	const uint8_t *p = opt + DSS_LEN_BASE;
	uint8_t flags;
	size_t want;
	bool csum;

	if (len < DSS_LEN_BASE)
		return MPTCP_PARSE_TRUNCATED;
	flags = opt[3] & DSS_FLAGS_MASK;
	o->data_fin = flags & MPTCP_DSS_DATA_FIN;
	o->dsn64 = flags & MPTCP_DSS_DSN64;
	o->use_map = flags & MPTCP_DSS_HAS_MAP;
	o->ack64 = flags & MPTCP_DSS_ACK64;
	o->use_ack = flags & MPTCP_DSS_HAS_ACK;

	want = dss_len(o->use_ack, o->ack64, o->use_map, o->dsn64);
	csum = o->use_map && len == want + DSS_LEN_CSUM;
	if (len != want && !csum)
		return MPTCP_PARSE_BAD_LEN;

	o->dss_flags = flags;
	o->data_ack = 0;
	if (o->use_ack) {
		o->data_ack = o->ack64 ? get_be64(p) : get_be32(p);
		p += o->ack64 ? 8 : 4;
	}
	o->data_seq = 0;
	o->subflow_seq = 0;
	o->data_len = 0;
	if (o->use_map) {
		o->data_seq = o->dsn64 ? get_be64(p) : get_be32(p);
		p += o->dsn64 ? 8 : 4;
		o->subflow_seq = get_be32(p);
		o->data_len = get_be16(p + 4);
		p += 6;
	}
	o->csum_present = csum;
	o->csum = csum ? get_be16(p) : 0;
	o->suboptions |= OPTION_MPTCP_DSS;
	return MPTCP_PARSE_OK;
}

/* RFC 8684 3.4.1: no IPVer field in v1, the length tells the
 * family; the truncated HMAC is there iff E = 0. */
static enum mptcp_parse_err parse_add_addr(const uint8_t *opt, size_t len,
					   struct mptcp_opts *o)
{
	bool echo = opt[2] & ADD_ADDR_ECHO;
	size_t rest, hmac = echo ? 0 : ADD_ADDR_LEN_HMAC;
	const uint8_t *p = opt + ADD_ADDR_LEN_BASE;
	uint8_t ipver;

	if (len < ADD_ADDR_LEN_BASE + 4)
		return MPTCP_PARSE_TRUNCATED;
	if (len < ADD_ADDR_LEN_BASE + hmac)
		return MPTCP_PARSE_BAD_LEN;
	rest = len - ADD_ADDR_LEN_BASE - hmac;
	if (rest == 4 || rest == 4 + ADD_ADDR_LEN_PORT)
		ipver = 4;
	else if (rest == 16 || rest == 16 + ADD_ADDR_LEN_PORT)
		ipver = 6;
	else
		return MPTCP_PARSE_BAD_LEN;

	o->add_addr_echo = echo;
	o->add_addr_ipver = ipver;
	o->addr_id = opt[3];
	o->addr4 = 0;
	memset(o->addr6, 0, sizeof(o->addr6));
	if (ipver == 4) {
		memcpy(&o->addr4, p, 4);
		p += 4;
	} else {
		memcpy(o->addr6, p, 16);
		p += 16;
	}
	o->add_addr_has_port = rest == 4 + ADD_ADDR_LEN_PORT || rest == 16 + ADD_ADDR_LEN_PORT;
	o->add_addr_port = 0;
	if (o->add_addr_has_port) {
		o->add_addr_port = get_be16(p);
		p += 2;
	}
	o->add_addr_has_hmac = !echo;
	o->add_addr_hmac = echo ? 0 : get_be64(p);
	o->suboptions |= OPTION_MPTCP_ADD_ADDR;
	return MPTCP_PARSE_OK;
}

/* RFC 8684 3.4.2: at least one address id. */
static enum mptcp_parse_err parse_rm_addr(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	size_t n;

	if (len < RM_ADDR_LEN_BASE + 1)
		return MPTCP_PARSE_TRUNCATED;
	n = len - RM_ADDR_LEN_BASE;
	if (n > MPTCP_RM_ADDR_MAX)
		return MPTCP_PARSE_BAD_LEN;
	o->rm_count = (uint8_t)n;
	memset(o->rm_ids, 0, sizeof(o->rm_ids));
	memcpy(o->rm_ids, opt + RM_ADDR_LEN_BASE, n);
	o->suboptions |= OPTION_MPTCP_RM_ADDR;
	return MPTCP_PARSE_OK;
}

/* RFC 8684 3.3.8; RFC 6824 senders may append an address id. */
static enum mptcp_parse_err parse_prio(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	if (len != PRIO_LEN && len != PRIO_LEN_ADDR_ID)
		return MPTCP_PARSE_BAD_LEN;
	o->prio_backup = opt[2] & PRIO_BACKUP;
	o->suboptions |= OPTION_MPTCP_PRIO;
	return MPTCP_PARSE_OK;
}

/* MP_FAIL (RFC 8684 3.7) and MP_FASTCLOSE (3.5) share a shape:
 * 4 header bytes then a 64-bit value. */
static enum mptcp_parse_err parse_u64_option(const uint8_t *opt, size_t len, uint64_t *val)
{
	if (len < FAIL_LEN)
		return MPTCP_PARSE_TRUNCATED;
	if (len != FAIL_LEN)
		return MPTCP_PARSE_BAD_LEN;
	*val = get_be64(opt + 4);
	return MPTCP_PARSE_OK;
}

/* RFC 8684 3.6: U V W T flags and a reason code. */
static enum mptcp_parse_err parse_tcprst(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	if (len < TCPRST_LEN)
		return MPTCP_PARSE_TRUNCATED;
	if (len != TCPRST_LEN)
		return MPTCP_PARSE_BAD_LEN;
	o->reset_flags = opt[2] & TCPRST_FLAGS_MASK;
	o->reset_reason = opt[3];
	o->suboptions |= OPTION_MPTCP_RST;
	return MPTCP_PARSE_OK;
}

enum mptcp_parse_err mptcp_parse_option(const uint8_t *opt, size_t len, struct mptcp_opts *o)
{
	enum mptcp_parse_err err;
	struct mptcp_opts t;

	if (len < 3)
		return MPTCP_PARSE_TRUNCATED;

	/* Work on a copy so that a refused option leaves o as it was. */
	t = *o;
	switch (opt[2] >> 4) {
	case MPTCPOPT_MP_CAPABLE:
		err = parse_mp_capable(opt, len, &t);
		break;
	case MPTCPOPT_MP_JOIN:
		err = parse_mp_join(opt, len, &t);
		break;
	case MPTCPOPT_DSS:
		err = parse_dss(opt, len, &t);
		break;
	case MPTCPOPT_ADD_ADDR:
		err = parse_add_addr(opt, len, &t);
		break;
	case MPTCPOPT_RM_ADDR:
		err = parse_rm_addr(opt, len, &t);
		break;
	case MPTCPOPT_MP_PRIO:
		err = parse_prio(opt, len, &t);
		break;
	case MPTCPOPT_MP_FAIL:
		err = parse_u64_option(opt, len, &t.fail_seq);
		if (err == MPTCP_PARSE_OK)
			t.suboptions |= OPTION_MPTCP_FAIL;
		break;
	case MPTCPOPT_MP_FASTCLOSE:
		err = parse_u64_option(opt, len, &t.fastclose_key);
		if (err == MPTCP_PARSE_OK)
			t.suboptions |= OPTION_MPTCP_FASTCLOSE;
		break;
	case MPTCPOPT_MP_TCPRST:
		err = parse_tcprst(opt, len, &t);
		break;
	default:
		/* RFC 8684 3: unknown subtypes are ignored, not an error. */
		return MPTCP_PARSE_UNKNOWN;
	}
	if (err == MPTCP_PARSE_OK)
		*o = t;
	return err;
}

static size_t mpc_ack_len(const struct mptcp_opts *o)
{
	if (!o->mpc_has_data_len)
		return MPC_LEN_ACK;
	return o->csum_present ? MPC_LEN_ACK_CSUM : MPC_LEN_ACK_DATA;
}

static size_t add_addr_len(const struct mptcp_opts *o)
{
	size_t len = ADD_ADDR_LEN_BASE + (o->add_addr_ipver == 6 ? 16 : 4);

	if (o->add_addr_has_port)
		len += ADD_ADDR_LEN_PORT;
	if (o->add_addr_has_hmac)
		len += ADD_ADDR_LEN_HMAC;
	return len;
}

static size_t rm_addr_count(const struct mptcp_opts *o)
{
	return o->rm_count < MPTCP_RM_ADDR_MAX ? o->rm_count : MPTCP_RM_ADDR_MAX;
}

static size_t dss_write_len(const struct mptcp_opts *o)
{
	size_t len = dss_len(o->use_ack, o->ack64, o->use_map, o->dsn64);

	if (o->use_map && o->csum_present)
		len += DSS_LEN_CSUM;
	return len;
}

size_t mptcp_options_len(const struct mptcp_opts *o)
{
	uint32_t s = o->suboptions;
	size_t len = 0;

	if (s & OPTION_MPTCP_MPC_SYN)
		len += MPC_LEN_SYN;
	if (s & OPTION_MPTCP_MPC_SYNACK)
		len += MPC_LEN_SYNACK;
	if (s & OPTION_MPTCP_MPC_ACK)
		len += mpc_ack_len(o);
	if (s & OPTION_MPTCP_MPJ_SYN)
		len += MPJ_LEN_SYN;
	if (s & OPTION_MPTCP_MPJ_SYNACK)
		len += MPJ_LEN_SYNACK;
	if (s & OPTION_MPTCP_MPJ_ACK)
		len += MPJ_LEN_ACK;
	if (s & OPTION_MPTCP_DSS)
		len += dss_write_len(o);
	if (s & OPTION_MPTCP_ADD_ADDR)
		len += add_addr_len(o);
	if ((s & OPTION_MPTCP_RM_ADDR) && rm_addr_count(o) > 0)
		len += RM_ADDR_LEN_BASE + rm_addr_count(o);
	if (s & OPTION_MPTCP_PRIO)
		len += PRIO_LEN;
	if (s & OPTION_MPTCP_FAIL)
		len += FAIL_LEN;
	if (s & OPTION_MPTCP_FASTCLOSE)
		len += FASTCLOSE_LEN;
	if (s & OPTION_MPTCP_RST)
		len += TCPRST_LEN;
	return len;
}

static uint8_t *write_mp_capable(uint8_t *p, size_t len, const struct mptcp_opts *o)
{
	uint8_t *q = put_head(p, len, MPTCPOPT_MP_CAPABLE, MPTCP_VERSION);

	*q++ = o->mpc_flags;
	if (len >= MPC_LEN_SYNACK)
		q = put_be64(q, o->sndr_key);
	if (len >= MPC_LEN_ACK)
		q = put_be64(q, o->rcvr_key);
	if (len >= MPC_LEN_ACK_DATA)
		q = put_be16(q, o->mpc_data_len);
	if (len >= MPC_LEN_ACK_CSUM)
		q = put_be16(q, o->csum);
	return q;
}

static uint8_t *write_dss(uint8_t *p, const struct mptcp_opts *o)
{
	uint8_t flags = 0;
	uint8_t *q;

	/* The flag bits go out as the bools say, even a / m without A / M,
	 * so any parsed DSS writes back unchanged. */
	if (o->data_fin)
		flags |= MPTCP_DSS_DATA_FIN;
	if (o->dsn64)
		flags |= MPTCP_DSS_DSN64;
	if (o->use_map)
		flags |= MPTCP_DSS_HAS_MAP;
	if (o->ack64)
		flags |= MPTCP_DSS_ACK64;
	if (o->use_ack)
		flags |= MPTCP_DSS_HAS_ACK;

	q = put_head(p, dss_write_len(o), MPTCPOPT_DSS, 0);
	*q++ = flags;
	if (o->use_ack)
		q = o->ack64 ? put_be64(q, o->data_ack) : put_be32(q, (uint32_t)o->data_ack);
	if (o->use_map) {
		q = o->dsn64 ? put_be64(q, o->data_seq) : put_be32(q, (uint32_t)o->data_seq);
		q = put_be32(q, o->subflow_seq);
		q = put_be16(q, o->data_len);
		if (o->csum_present)
			q = put_be16(q, o->csum);
	}
	return q;
}

static uint8_t *write_add_addr(uint8_t *p, const struct mptcp_opts *o)
{
	uint8_t *q = put_head(p, add_addr_len(o), MPTCPOPT_ADD_ADDR,
			      o->add_addr_echo ? ADD_ADDR_ECHO : 0);

	*q++ = o->addr_id;
	if (o->add_addr_ipver == 6) {
		memcpy(q, o->addr6, 16);
		q += 16;
	} else {
		memcpy(q, &o->addr4, 4);
		q += 4;
	}
	if (o->add_addr_has_port)
		q = put_be16(q, o->add_addr_port);
	if (o->add_addr_has_hmac)
		q = put_be64(q, o->add_addr_hmac);
	return q;
}

/*
 * Which option goes on which segment (RFC 8684 3.1-3.7):
 *
 *   MP_CAPABLE   SYN 4, SYN/ACK 12, third ACK 20, first data 22/24
 *   MP_JOIN      SYN 12, SYN/ACK 16, third ACK 24
 *   DSS          any segment after the handshake (ACK, mapping, DATA_FIN)
 *   ADD_ADDR     any established segment; the echo carries no HMAC
 *   RM_ADDR, MP_PRIO, MP_FAIL   established segments
 *   MP_FASTCLOSE ACK or RST;  MP_TCPRST  RST only
 *
 * Written in that order; the caller pads the block to 4 bytes with NOPs.
 */
size_t mptcp_write_options(uint8_t *p, size_t room, const struct mptcp_opts *o)
{
	size_t need = mptcp_options_len(o);
	uint32_t s = o->suboptions;
	uint8_t *q = p;
	size_t n;

	if (need > room)
		return 0;

	if (s & OPTION_MPTCP_MPC_SYN)
		q = write_mp_capable(q, MPC_LEN_SYN, o);
	if (s & OPTION_MPTCP_MPC_SYNACK)
		q = write_mp_capable(q, MPC_LEN_SYNACK, o);
	if (s & OPTION_MPTCP_MPC_ACK)
		q = write_mp_capable(q, mpc_ack_len(o), o);

	if (s & OPTION_MPTCP_MPJ_SYN) {
		q = put_head(q, MPJ_LEN_SYN, MPTCPOPT_MP_JOIN, o->backup ? MPJ_BACKUP : 0);
		*q++ = o->join_id;
		q = put_be32(q, o->token);
		q = put_be32(q, o->nonce);
	}
	if (s & OPTION_MPTCP_MPJ_SYNACK) {
		q = put_head(q, MPJ_LEN_SYNACK, MPTCPOPT_MP_JOIN, o->backup ? MPJ_BACKUP : 0);
		*q++ = o->join_id;
		q = put_be64(q, o->thmac);
		q = put_be32(q, o->nonce);
	}
	if (s & OPTION_MPTCP_MPJ_ACK) {
		q = put_head(q, MPJ_LEN_ACK, MPTCPOPT_MP_JOIN, 0);
		*q++ = 0;
		memcpy(q, o->hmac, sizeof(o->hmac));
		q += sizeof(o->hmac);
	}

	if (s & OPTION_MPTCP_DSS)
		q = write_dss(q, o);
	if (s & OPTION_MPTCP_ADD_ADDR)
		q = write_add_addr(q, o);

	n = rm_addr_count(o);
	if ((s & OPTION_MPTCP_RM_ADDR) && n > 0) {
		q = put_head(q, RM_ADDR_LEN_BASE + n, MPTCPOPT_RM_ADDR, 0);
		memcpy(q, o->rm_ids, n);
		q += n;
	}
	if (s & OPTION_MPTCP_PRIO)
		q = put_head(q, PRIO_LEN, MPTCPOPT_MP_PRIO, o->prio_backup ? PRIO_BACKUP : 0);
	if (s & OPTION_MPTCP_FAIL) {
		q = put_head(q, FAIL_LEN, MPTCPOPT_MP_FAIL, 0);
		*q++ = 0;
		q = put_be64(q, o->fail_seq);
	}
	if (s & OPTION_MPTCP_FASTCLOSE) {
		q = put_head(q, FASTCLOSE_LEN, MPTCPOPT_MP_FASTCLOSE, 0);
		*q++ = 0;
		q = put_be64(q, o->fastclose_key);
	}
	if (s & OPTION_MPTCP_RST) {
		q = put_head(q, TCPRST_LEN, MPTCPOPT_MP_TCPRST, o->reset_flags);
		*q++ = o->reset_reason;
	}
	return (size_t)(q - p);
}

const char *mptcp_parse_strerror(enum mptcp_parse_err e)
{
	switch (e) {
	case MPTCP_PARSE_OK:
		return "ok";
	case MPTCP_PARSE_TRUNCATED:
		return "option shorter than its subtype needs";
	case MPTCP_PARSE_BAD_LEN:
		return "option length not allowed for its subtype and flags";
	case MPTCP_PARSE_BAD_VERSION:
		return "MP_CAPABLE version not 1";
	case MPTCP_PARSE_UNKNOWN:
		return "unknown MPTCP subtype";
	}
	return "unknown parse error";
}

/* Even-sized slices keep rte_raw_cksum's 32-bit accumulator from
 * overflowing and keep 16-bit word alignment across slices. */
#define CSUM_SLICE 32768

uint32_t mptcp_csum_add(uint32_t acc, const void *buf, size_t len, bool odd)
{
	const uint8_t *b = buf;

	while (len > 0) {
		size_t n = len < CSUM_SLICE ? len : CSUM_SLICE;
		uint32_t s = __rte_raw_cksum_reduce(__rte_raw_cksum(b, n, 0));

		/* Bytes that start at an odd stream offset sit in the other half
		 * of every 16-bit word: their sum is byte-swapped (RFC 1071 2(B)). */
		if (odd)
			s = ((s & 0xff) << 8) | (s >> 8);
		acc = __rte_raw_cksum_reduce(acc + s);
		b += n;
		len -= n;
	}
	return acc;
}

uint16_t mptcp_dss_csum_finish(uint64_t dsn, uint32_t ssn, uint16_t data_len, uint32_t payload_sum)
{
	uint8_t pseudo[16];
	uint32_t sum;

	/* RFC 8684 3.3.1: DSN (always 64 bits), subflow sequence number,
	 * data-level length, and a zero checksum field. */
	put_be64(pseudo, dsn);
	put_be32(pseudo + 8, ssn);
	put_be16(pseudo + 12, data_len);
	put_be16(pseudo + 14, 0);
	sum = __rte_raw_cksum_reduce(rte_raw_cksum(pseudo, sizeof(pseudo)) + payload_sum);
	/* rte_raw_cksum sums words in host order; the folded complement stored
	 * in host order is the wire bytes, so read it back as big-endian. */
	return rte_be_to_cpu_16((uint16_t)~sum);
}

uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t data_len, const void *payload,
			size_t payload_len)
{
	return mptcp_dss_csum_finish(dsn, ssn, data_len, mptcp_csum_add(0, payload, payload_len, false));
}

/* The first MPTCP option in a SYN's raw options (its offset), or -1. */
static long first_mptcp_opt(const uint8_t *opts, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opts[i], olen;

		if (kind == 0)                  /* end of option list */
			return -1;
		if (kind == 1) {                /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = opts[i + 1]) < 2 || i + olen > len)
			return -1;              /* truncated or malformed */
		if (kind == TCPOPT_MPTCP && olen >= 3)
			return (long)i;
		i += olen;
	}
	return -1;
}

bool mptcp_join_syn_token(const uint8_t *opts, size_t len, uint32_t *token)
{
	long i = first_mptcp_opt(opts, len);

	if (i < 0 || opts[i + 1] != 12 || (opts[i + 2] >> 4) != MPTCPOPT_MP_JOIN)
		return false;
	*token = get_be32(opts + i + 4);
	return true;
}

bool mptcp_syn_is_multipath(const uint8_t *opts, size_t len)
{
	long i = first_mptcp_opt(opts, len);

	return i >= 0 && ((opts[i + 2] >> 4) == MPTCPOPT_MP_CAPABLE || (opts[i + 2] >> 4) == MPTCPOPT_MP_JOIN);
}

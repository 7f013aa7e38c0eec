/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP v1 (RFC 8684) option wire format: pure parse and write, no
 * connection state. Parsers take the bytes of one TCP option (kind 30),
 * fill struct mptcp_opts and set a bit in ->suboptions; writers emit
 * from the struct.
 */
#ifndef HAG_MPTCP_OPTIONS_H
#define HAG_MPTCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPOPT_MPTCP 30

/* Subtype numbers (RFC 8684 Table 1). */
enum {
	MPTCPOPT_MP_CAPABLE = 0x0,
	MPTCPOPT_MP_JOIN = 0x1,
	MPTCPOPT_DSS = 0x2,
	MPTCPOPT_ADD_ADDR = 0x3,
	MPTCPOPT_RM_ADDR = 0x4,
	MPTCPOPT_MP_PRIO = 0x5,
	MPTCPOPT_MP_FAIL = 0x6,
	MPTCPOPT_MP_FASTCLOSE = 0x7,
	MPTCPOPT_MP_TCPRST = 0x8,
};

/* Bits of struct mptcp_opts.suboptions. */
#define OPTION_MPTCP_MPC_SYN     (1u << 0)   /* MP_CAPABLE, length 4 (v1 SYN) */
#define OPTION_MPTCP_MPC_SYNACK  (1u << 1)   /* MP_CAPABLE, length 12 (one key) */
#define OPTION_MPTCP_MPC_ACK     (1u << 2)   /* MP_CAPABLE, length 20/22/24 (two keys) */
#define OPTION_MPTCP_MPJ_SYN     (1u << 3)   /* MP_JOIN length 12 */
#define OPTION_MPTCP_MPJ_SYNACK  (1u << 4)   /* MP_JOIN length 16 */
#define OPTION_MPTCP_MPJ_ACK     (1u << 5)   /* MP_JOIN length 24 */
#define OPTION_MPTCP_DSS         (1u << 6)
#define OPTION_MPTCP_ADD_ADDR    (1u << 7)
#define OPTION_MPTCP_RM_ADDR     (1u << 8)
#define OPTION_MPTCP_PRIO        (1u << 9)
#define OPTION_MPTCP_FAIL        (1u << 10)
#define OPTION_MPTCP_FASTCLOSE   (1u << 11)
#define OPTION_MPTCP_RST         (1u << 12)

/* MP_CAPABLE flags byte (RFC 8684 3.1). */
#define MPTCP_CAP_CHECKSUM_REQD  0x80   /* A */
#define MPTCP_CAP_EXTENSIBILITY  0x40   /* B */
#define MPTCP_CAP_DENY_JOIN_ID0  0x20   /* C */
#define MPTCP_CAP_HMAC_SHA256    0x01   /* H */
#define MPTCP_CAP_FLAG_MASK      0x1f   /* D..H: crypto algorithm bits; v1 defines only H */

/* DSS flags (low byte of the second octet pair). */
#define MPTCP_DSS_DATA_FIN   0x10   /* F */
#define MPTCP_DSS_DSN64      0x08   /* m */
#define MPTCP_DSS_HAS_MAP    0x04   /* M */
#define MPTCP_DSS_ACK64      0x02   /* a */
#define MPTCP_DSS_HAS_ACK    0x01   /* A */

#define MPTCP_RM_ADDR_MAX 8

/* MP_TCPRST reason codes (RFC 8684 3.6; Linux's MPTCP_RST_*). */
enum mptcp_rst_reason {
	MPTCP_RST_EUNSPEC = 0x00,       /* unspecified error */
	MPTCP_RST_EMPTCP = 0x01,        /* MPTCP-specific error */
	MPTCP_RST_ERESOURCE = 0x02,     /* lack of resources */
	MPTCP_RST_EPROHIBIT = 0x03,     /* administratively prohibited */
	MPTCP_RST_EWQ2BIG = 0x04,       /* too much outstanding data */
	MPTCP_RST_EBADPERF = 0x05,      /* unacceptable performance */
	MPTCP_RST_EMIDDLEBOX = 0x06,    /* middlebox interference */
	MPTCP_RST_REASONS               /* codes from here on are not defined */
};

struct mptcp_opts {
	uint32_t suboptions;           /* OPTION_MPTCP_* bits seen or to write */

	/* MP_CAPABLE */
	uint8_t mpc_version;           /* as received: 1, or >= 1 in a SYN (RFC 8684 3.1) */
	uint8_t mpc_flags;             /* A B C D E F G H */
	uint64_t sndr_key;             /* present in SYN/ACK (12) and ACK (20+) */
	uint64_t rcvr_key;             /* present in ACK (20+) */
	uint16_t mpc_data_len;         /* length 22/24: data-level length */
	bool mpc_has_data_len;         /* length 22 or 24 */

	/* MP_JOIN */
	bool backup;                   /* B flag */
	uint8_t join_id;               /* address id */
	uint32_t token;                /* SYN */
	uint32_t nonce;                /* SYN, SYN/ACK */
	uint64_t thmac;                /* SYN/ACK: truncated (leftmost 64 bits) HMAC */
	uint8_t hmac[20];              /* ACK: leftmost 160 bits of HMAC */

	/* DSS */
	uint8_t dss_flags;             /* MPTCP_DSS_* as on the wire */
	bool data_fin;
	bool use_ack, ack64;
	bool use_map, dsn64;
	uint64_t data_ack;             /* 32-bit on wire when !ack64 (then upper bits 0) */
	uint64_t data_seq;             /* 32-bit on wire when !dsn64 */
	uint32_t subflow_seq;          /* relative to the subflow ISN */
	uint16_t data_len;

	/* Checksum, for MP_CAPABLE with data (length 24) and DSS with mapping. */
	bool csum_present;
	uint16_t csum;

	/* ADD_ADDR (IPv4 only in this release; IPv6 parsed and length-checked).
	 * RFC 8684 3.4.1: the HMAC is present iff E = 0; the parser enforces
	 * that, the writer emits exactly what add_addr_has_hmac says. */
	bool add_addr_echo;
	uint8_t add_addr_ipver;        /* 4 or 6 */
	uint8_t addr_id;
	uint32_t addr4;                /* network byte order as on the wire */
	uint8_t addr6[16];
	bool add_addr_has_port;
	uint16_t add_addr_port;        /* host order */
	bool add_addr_has_hmac;
	uint64_t add_addr_hmac;

	/* REMOVE_ADDR (the writer skips it when rm_count is 0) */
	uint8_t rm_count;
	uint8_t rm_ids[MPTCP_RM_ADDR_MAX];

	/* MP_PRIO (written with length 3; RFC 6824's length 4 with an address id
	 * is accepted and the id ignored) */
	bool prio_backup;

	/* MP_FAIL */
	uint64_t fail_seq;

	/* MP_FASTCLOSE */
	uint64_t fastclose_key;

	/* MP_TCPRST */
	uint8_t reset_flags;           /* U V W T */
	uint8_t reset_reason;          /* enum mptcp_rst_reason (other codes kept as received) */
};

/* Why a parse failed; each maps to a counter in the caller. */
enum mptcp_parse_err {
	MPTCP_PARSE_OK = 0,
	MPTCP_PARSE_TRUNCATED,     /* option shorter than its subtype needs */
	MPTCP_PARSE_BAD_LEN,       /* length not one the RFC allows for this subtype/flags */
	MPTCP_PARSE_BAD_VERSION,   /* MP_CAPABLE version != 1 */
	MPTCP_PARSE_UNKNOWN,       /* unknown subtype (ignored by the caller, RFC 8684 3) */
};

/*
 * Parse one MPTCP option. opt points at the kind byte (30); len is the
 * option's length byte, already checked by the TCP option walker to fit in
 * the header (len >= 2). Sets the matching OPTION_MPTCP_* bit in o->suboptions
 * on success and every field of that subtype (absent ones zeroed). Returns
 * MPTCP_PARSE_OK or the reason it refused the option; on refusal o is not
 * changed. TRUNCATED: len below the subtype's shortest form; BAD_LEN: any
 * other length the subtype (and, for DSS, its flags) does not allow.
 * MP_CAPABLE: a SYN (length 4) with a version above 1 is accepted, since the
 * listener answers with the highest version it supports (RFC 8684 3.1); any
 * other form must be version 1. Flags are not judged here.
 */
enum mptcp_parse_err mptcp_parse_option(const uint8_t *opt, size_t len, struct mptcp_opts *o);

/*
 * Bytes the suboptions set in o->suboptions need on the wire (sum of the
 * options' lengths, not padded). DSS length follows use_ack/ack64/use_map/
 * dsn64/csum_present; MP_CAPABLE ACK is 20, 22 with mpc_has_data_len, 24
 * with a checksum too.
 */
size_t mptcp_options_len(const struct mptcp_opts *o);

/*
 * Write the suboptions set in o->suboptions into p (room bytes). Returns the
 * bytes written (== mptcp_options_len(o)), or 0 if room is too small. No
 * padding: the TCP option writer pads the whole option block with NOPs.
 */
size_t mptcp_write_options(uint8_t *p, size_t room, const struct mptcp_opts *o);

/*
 * Steering (issue 5): the token of an MP_JOIN SYN, read from a SYN's raw TCP
 * options (opts, len bytes after the 20-byte header) without parsing the
 * rest, so that the worker receiving it can hand it to the token's owner.
 * Returns true and *token (host order) for a well-formed MP_JOIN of length 12;
 * false for anything else, malformed options included (lib/tcp then counts
 * and answers them on whichever worker got them).
 */
bool mptcp_join_syn_token(const uint8_t *opts, size_t len, uint32_t *token);

/* Transparent mode's mptcp_only: a SYN's raw options carry MP_CAPABLE or
 * MP_JOIN (its first MPTCP option; not validated further: lib/mptcp does). */
bool mptcp_syn_is_multipath(const uint8_t *opts, size_t len);

/* Human-readable name of a parse error, for logs. */
const char *mptcp_parse_strerror(enum mptcp_parse_err e);

/*
 * RFC 8684 3.3.1 DSS checksum: the one's complement of the one's complement
 * sum over the pseudo header (64-bit data sequence number, 32-bit relative
 * subflow sequence number, 16-bit data-level length, 16-bit zero) and the
 * payload bytes of the mapping. data_len is the mapping's length as on the
 * wire (it counts a DATA_FIN, the payload does not). The DSN is the full
 * 64-bit one even when the option carries 32 bits; for MP_CAPABLE with data
 * it is IDSN + 1 and the subflow sequence number is 1. Returns the value in
 * host order, comparable with the csum field the parser fills (the option
 * carries it big-endian).
 */
uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t data_len, const void *payload,
			size_t payload_len);

/*
 * The same checksum over a payload held in pieces (a ring): mptcp_csum_add
 * folds len bytes into the running 16-bit sum acc (0 to start); odd says the
 * piece starts at an odd offset of the payload. mptcp_dss_csum_finish adds
 * the pseudo header and returns what mptcp_dss_csum would.
 */
uint32_t mptcp_csum_add(uint32_t acc, const void *buf, size_t len, bool odd);
uint16_t mptcp_dss_csum_finish(uint64_t dsn, uint32_t ssn, uint16_t data_len, uint32_t payload_sum);

#endif

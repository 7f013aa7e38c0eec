/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP v1 option wire format (RFC 8684 section 3): known encodings (most
 * taken byte for byte from the Linux traces in testdata/), write -> parse
 * round trips for every form, and every malformed length refused without
 * touching the result.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mptcp/mptcp_options.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_OPT 40   /* the whole TCP option space */

/* Parse one option whose bytes are exactly b[0..n). */
static enum mptcp_parse_err parse_bytes(const uint8_t *b, size_t n, struct mptcp_opts *o)
{
	return mptcp_parse_option(b, n, o);
}

/* Write o, then parse back every option in the block into *out (zeroed). */
static size_t write_parse(const struct mptcp_opts *o, uint8_t *buf, size_t room,
			  struct mptcp_opts *out)
{
	size_t n = mptcp_write_options(buf, room, o), i = 0;

	cr_assert_eq(n, mptcp_options_len(o), "written %zu, mptcp_options_len %zu", n,
		     mptcp_options_len(o));
	memset(out, 0, sizeof(*out));
	while (i < n) {
		cr_assert_eq(buf[i], TCPOPT_MPTCP, "kind at %zu", i);
		cr_assert_geq(buf[i + 1], 3);
		cr_assert_leq(i + buf[i + 1], n, "option at %zu overruns the block", i);
		cr_assert_eq(mptcp_parse_option(buf + i, buf[i + 1], out), MPTCP_PARSE_OK,
			     "option at %zu (len %u) refused", i, buf[i + 1]);
		i += buf[i + 1];
	}
	return n;
}

/* Parse known bytes, then check that writing the result gives them back. */
static void parse_and_rewrite(const uint8_t *b, size_t n, struct mptcp_opts *o)
{
	uint8_t out[MAX_OPT];

	memset(o, 0, sizeof(*o));
	cr_assert_eq(parse_bytes(b, n, o), MPTCP_PARSE_OK, "known encoding refused");
	cr_assert_eq(mptcp_options_len(o), n);
	cr_assert_eq(mptcp_write_options(out, sizeof(out), o), n);
	cr_assert_arr_eq(out, b, n, "rewrite differs from the original bytes");
}

/* A refused option must leave the struct exactly as it was. */
static void expect_refused(const uint8_t *b, size_t n, enum mptcp_parse_err want)
{
	struct mptcp_opts o, before;
	enum mptcp_parse_err err;

	memset(&o, 0xa5, sizeof(o));
	memcpy(&before, &o, sizeof(o));
	err = mptcp_parse_option(b, n, &o);
	cr_expect_eq(err, want, "len %zu subtype %u: got %s, want %s", n, n >= 3 ? b[2] >> 4 : 0,
		     mptcp_parse_strerror(err), mptcp_parse_strerror(want));
	cr_expect_arr_eq(&o, &before, sizeof(o), "len %zu: refused parse changed the struct", n);
}

/* An option buffer of length len with the given subtype byte and flags byte;
 * the rest is filler. */
static void make_opt(uint8_t *b, size_t len, uint8_t byte2, uint8_t byte3)
{
	memset(b, 0x5a, MAX_OPT);
	b[0] = TCPOPT_MPTCP;
	b[1] = (uint8_t)len;
	b[2] = byte2;
	b[3] = byte3;
}

/* MP_CAPABLE, RFC 8684 3.1 */

Test(mp_capable, syn_carries_version_and_flags_only,
     .description = "MP_CAPABLE SYN (length 4) carries version 1 and the flags, no key")
{
	const uint8_t syn[] = {0x1e, 0x04, 0x01, 0x01};   /* two-subflows.pcap #0 */
	struct mptcp_opts o;

	parse_and_rewrite(syn, sizeof(syn), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPC_SYN);
	cr_expect_eq(o.mpc_version, 1);
	cr_expect_eq(o.mpc_flags, MPTCP_CAP_HMAC_SHA256);
	cr_expect_eq(o.sndr_key, 0);
	cr_expect_not(o.mpc_has_data_len);
}

Test(mp_capable, syn_with_checksum_required_flag,
     .description = "MP_CAPABLE SYN with A set asks for DSS checksums")
{
	const uint8_t syn[] = {0x1e, 0x04, 0x01, 0x81};   /* dss-checksum.pcap #0 */
	struct mptcp_opts o;

	parse_and_rewrite(syn, sizeof(syn), &o);
	cr_expect_eq(o.mpc_flags, MPTCP_CAP_CHECKSUM_REQD | MPTCP_CAP_HMAC_SHA256);
}

Test(mp_capable, synack_carries_the_senders_key,
     .description = "MP_CAPABLE SYN/ACK carries the sender's key")
{
	const uint8_t synack[] = {0x1e, 0x0c, 0x01, 0x01, 0xc3, 0xf8, 0xf5, 0x0a,
				  0xe1, 0x1d, 0x9b, 0xf5};
	struct mptcp_opts o;

	parse_and_rewrite(synack, sizeof(synack), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPC_SYNACK);
	cr_expect_eq(o.sndr_key, 0xc3f8f50ae11d9bf5ull);
	cr_expect_eq(o.rcvr_key, 0);
}

Test(mp_capable, third_ack_carries_both_keys,
     .description = "MP_CAPABLE third ACK carries both keys, the ACK sender's first")
{
	const uint8_t ack[] = {0x1e, 0x14, 0x01, 0x01, 0xed, 0xea, 0x6b, 0x09, 0x7d, 0xad,
			       0x36, 0x9e, 0xc3, 0xf8, 0xf5, 0x0a, 0xe1, 0x1d, 0x9b, 0xf5};
	struct mptcp_opts o;

	parse_and_rewrite(ack, sizeof(ack), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPC_ACK);
	cr_expect_eq(o.sndr_key, 0xedea6b097dad369eull);
	cr_expect_eq(o.rcvr_key, 0xc3f8f50ae11d9bf5ull);
	cr_expect_not(o.mpc_has_data_len);
	cr_expect_not(o.csum_present);
}

Test(mp_capable, first_data_carries_the_data_level_length,
     .description = "MP_CAPABLE on the first data segment (length 22) carries the data-level length")
{
	const uint8_t data[] = {0x1e, 0x16, 0x01, 0x01, 0xed, 0xea, 0x6b, 0x09, 0x7d, 0xad, 0x36,
				0x9e, 0xc3, 0xf8, 0xf5, 0x0a, 0xe1, 0x1d, 0x9b, 0xf5, 0x00, 0x11};
	struct mptcp_opts o;

	parse_and_rewrite(data, sizeof(data), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPC_ACK);
	cr_expect(o.mpc_has_data_len);
	cr_expect_eq(o.mpc_data_len, 17);
	cr_expect_not(o.csum_present);
}

Test(mp_capable, first_data_with_checksum,
     .description = "MP_CAPABLE with data and checksums negotiated (length 24) carries the checksum")
{
	/* dss-checksum.pcap #3 */
	const uint8_t data[] = {0x1e, 0x18, 0x01, 0x81, 0x0c, 0xd2, 0x56, 0xe4, 0xfb, 0x17,
				0xff, 0x64, 0xda, 0x98, 0x84, 0x4d, 0x96, 0x47, 0x23, 0xf6,
				0x00, 0x11, 0x20, 0x55};
	struct mptcp_opts o;

	parse_and_rewrite(data, sizeof(data), &o);
	cr_expect_eq(o.sndr_key, 0x0cd256e4fb17ff64ull);
	cr_expect_eq(o.rcvr_key, 0xda98844d964723f6ull);
	cr_expect_eq(o.mpc_data_len, 17);
	cr_expect(o.csum_present);
	cr_expect_eq(o.csum, 0x2055);
}

Test(mp_capable, round_trip_every_length,
     .description = "MP_CAPABLE written at every length (4, 12, 20, 22, 24) parses back the same")
{
	static const struct {
		uint32_t bit;
		bool data_len, csum;
		size_t len;
	} forms[] = {
		{OPTION_MPTCP_MPC_SYN, false, false, 4},
		{OPTION_MPTCP_MPC_SYNACK, false, false, 12},
		{OPTION_MPTCP_MPC_ACK, false, false, 20},
		{OPTION_MPTCP_MPC_ACK, true, false, 22},
		{OPTION_MPTCP_MPC_ACK, true, true, 24},
	};

	for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
		struct mptcp_opts in = {0}, out;
		uint8_t buf[MAX_OPT];

		in.suboptions = forms[i].bit;
		in.mpc_flags = MPTCP_CAP_CHECKSUM_REQD | MPTCP_CAP_HMAC_SHA256;
		in.sndr_key = forms[i].len >= 12 ? 0x0102030405060708ull : 0;
		in.rcvr_key = forms[i].len >= 20 ? 0xf1f2f3f4f5f6f7f8ull : 0;
		in.mpc_has_data_len = forms[i].data_len;
		in.mpc_data_len = forms[i].data_len ? 1400 : 0;
		in.csum_present = forms[i].csum;
		in.csum = forms[i].csum ? 0xbeef : 0;

		cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), forms[i].len);
		cr_expect_eq(buf[1], forms[i].len);
		cr_expect_eq(buf[2], 0x01, "subtype 0, version 1");
		cr_expect_eq(out.suboptions, in.suboptions);
		cr_expect_eq(out.mpc_version, 1);
		cr_expect_eq(out.mpc_flags, in.mpc_flags);
		cr_expect_eq(out.sndr_key, in.sndr_key);
		cr_expect_eq(out.rcvr_key, in.rcvr_key);
		cr_expect_eq(out.mpc_has_data_len, in.mpc_has_data_len);
		cr_expect_eq(out.mpc_data_len, in.mpc_data_len);
		cr_expect_eq(out.csum_present, in.csum_present);
		cr_expect_eq(out.csum, in.csum);
	}
}

Test(mp_capable, any_other_length_is_refused,
     .description = "MP_CAPABLE of any length but 4, 12, 20, 22, 24 is refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 3; len <= MAX_OPT; len++) {
		if (len == 4 || len == 12 || len == 20 || len == 22 || len == 24)
			continue;
		make_opt(b, len, 0x01, 0x01);
		expect_refused(b, len, len < 4 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
	}
}

Test(mp_capable, version_0_is_refused,
     .description = "MP_CAPABLE version 0 (RFC 6824) is refused at every length")
{
	const size_t lens[] = {4, 12, 20, 22, 24};
	uint8_t b[MAX_OPT];

	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		make_opt(b, lens[i], 0x00, 0x01);
		expect_refused(b, lens[i], MPTCP_PARSE_BAD_VERSION);
	}
}

Test(mp_capable, later_steps_must_say_version_1,
     .description = "MP_CAPABLE SYN/ACK and ACK must carry version 1 exactly")
{
	const size_t lens[] = {12, 20, 22, 24};
	uint8_t b[MAX_OPT];

	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		make_opt(b, lens[i], 0x02, 0x01);
		expect_refused(b, lens[i], MPTCP_PARSE_BAD_VERSION);
		make_opt(b, lens[i], 0x0f, 0x01);
		expect_refused(b, lens[i], MPTCP_PARSE_BAD_VERSION);
	}
}

Test(mp_capable, syn_offering_a_higher_version_is_an_offer_of_v1,
     .description = "RFC 8684 3.1: a SYN offering a version above 1 is accepted; the reply says 1")
{
	const uint8_t syn[] = {0x1e, 0x04, 0x02, 0x01};
	struct mptcp_opts o = {0};
	uint8_t out[4];

	cr_assert_eq(parse_bytes(syn, sizeof(syn), &o), MPTCP_PARSE_OK);
	cr_expect_eq(o.mpc_version, 2);
	cr_assert_eq(mptcp_write_options(out, sizeof(out), &o), 4);
	cr_expect_eq(out[2], 0x01, "the writer always speaks version 1");
}

/* MP_JOIN, RFC 8684 3.2 */

Test(mp_join, syn_carries_token_and_nonce,
     .description = "MP_JOIN SYN carries the receiver's token and the sender's random number")
{
	/* two-subflows.pcap #5 */
	const uint8_t syn[] = {0x1e, 0x0c, 0x10, 0x01, 0x7a, 0xc5, 0x58, 0xfb,
			       0x52, 0x88, 0x5c, 0xb9};
	struct mptcp_opts o;

	parse_and_rewrite(syn, sizeof(syn), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPJ_SYN);
	cr_expect_not(o.backup);
	cr_expect_eq(o.join_id, 1);
	cr_expect_eq(o.token, 0x7ac558fbu);
	cr_expect_eq(o.nonce, 0x52885cb9u);
}

Test(mp_join, syn_backup_bit,
     .description = "MP_JOIN SYN with B set asks for a backup subflow")
{
	/* backup-subflow.pcap #5 */
	const uint8_t syn[] = {0x1e, 0x0c, 0x11, 0x01, 0x11, 0x6f, 0x70, 0x6a,
			       0x29, 0x87, 0x0b, 0xc7};
	struct mptcp_opts o;

	parse_and_rewrite(syn, sizeof(syn), &o);
	cr_expect(o.backup);
	cr_expect_eq(o.token, 0x116f706au);
}

Test(mp_join, synack_carries_truncated_hmac_and_nonce,
     .description = "MP_JOIN SYN/ACK carries a 64-bit truncated HMAC and the responder's random number")
{
	/* two-subflows.pcap #6 */
	const uint8_t synack[] = {0x1e, 0x10, 0x10, 0x00, 0x58, 0xd3, 0x1c, 0x12,
				  0x04, 0x49, 0x80, 0x1e, 0xdf, 0xbc, 0x80, 0x20};
	struct mptcp_opts o;

	parse_and_rewrite(synack, sizeof(synack), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPJ_SYNACK);
	cr_expect_eq(o.join_id, 0);
	cr_expect_eq(o.thmac, 0x58d31c120449801eull);
	cr_expect_eq(o.nonce, 0xdfbc8020u);
}

Test(mp_join, third_ack_carries_160_bit_hmac,
     .description = "MP_JOIN third ACK carries 160 bits of HMAC")
{
	/* two-subflows.pcap #7 */
	const uint8_t ack[] = {0x1e, 0x18, 0x10, 0x00, 0x19, 0x31, 0x48, 0x45, 0x52, 0x71, 0x7d, 0x6e,
			       0x2e, 0xbd, 0xfe, 0xb8, 0xe1, 0xe1, 0x81, 0xd5, 0x63, 0x5d, 0xb1, 0x9d};
	struct mptcp_opts o;

	parse_and_rewrite(ack, sizeof(ack), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_MPJ_ACK);
	cr_expect_arr_eq(o.hmac, ack + 4, 20);
}

Test(mp_join, round_trip_all_three,
     .description = "MP_JOIN SYN, SYN/ACK and ACK written then parsed give the same values")
{
	struct mptcp_opts in = {0}, out;
	uint8_t buf[MAX_OPT];

	in.suboptions = OPTION_MPTCP_MPJ_SYN;
	in.backup = true;
	in.join_id = 7;
	in.token = 0xdeadbeef;
	in.nonce = 0x01020304;
	cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), 12);
	cr_expect_eq(out.suboptions, OPTION_MPTCP_MPJ_SYN);
	cr_expect(out.backup);
	cr_expect_eq(out.join_id, 7);
	cr_expect_eq(out.token, 0xdeadbeef);
	cr_expect_eq(out.nonce, 0x01020304);

	memset(&in, 0, sizeof(in));
	in.suboptions = OPTION_MPTCP_MPJ_SYNACK;
	in.join_id = 3;
	in.thmac = 0x1122334455667788ull;
	in.nonce = 0xcafef00d;
	cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), 16);
	cr_expect_eq(out.suboptions, OPTION_MPTCP_MPJ_SYNACK);
	cr_expect_not(out.backup);
	cr_expect_eq(out.join_id, 3);
	cr_expect_eq(out.thmac, 0x1122334455667788ull);
	cr_expect_eq(out.nonce, 0xcafef00d);

	memset(&in, 0, sizeof(in));
	in.suboptions = OPTION_MPTCP_MPJ_ACK;
	for (int i = 0; i < 20; i++)
		in.hmac[i] = (uint8_t)(0xa0 + i);
	cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), 24);
	cr_expect_eq(out.suboptions, OPTION_MPTCP_MPJ_ACK);
	cr_expect_arr_eq(out.hmac, in.hmac, 20);
}

Test(mp_join, any_other_length_is_refused,
     .description = "MP_JOIN of any length but 12, 16, 24 is refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 3; len <= MAX_OPT; len++) {
		if (len == 12 || len == 16 || len == 24)
			continue;
		make_opt(b, len, 0x10, 0x01);
		expect_refused(b, len, len < 12 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
	}
}

/* DSS, RFC 8684 3.3 */

static size_t dss_expected_len(uint8_t flags, bool csum)
{
	size_t len = 4;

	if (flags & MPTCP_DSS_HAS_ACK)
		len += (flags & MPTCP_DSS_ACK64) ? 8 : 4;
	if (flags & MPTCP_DSS_HAS_MAP)
		len += ((flags & MPTCP_DSS_DSN64) ? 8 : 4) + 4 + 2 + (csum ? 2 : 0);
	return len;
}

Test(dss, data_ack_only,
     .description = "DSS with A and a carries a 64-bit Data ACK and nothing else")
{
	/* two-subflows.pcap #4: the server acknowledges IDSN(A) + 18 */
	const uint8_t b[] = {0x1e, 0x0c, 0x20, 0x03, 0xb1, 0x38, 0x0a, 0xed, 0x90, 0x71, 0x23, 0xa3};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_DSS);
	cr_expect(o.use_ack);
	cr_expect(o.ack64);
	cr_expect_eq(o.data_ack, 0xb1380aed907123a3ull);
	cr_expect_not(o.use_map);
	cr_expect_not(o.data_fin);
	cr_expect_not(o.csum_present);
}

Test(dss, data_ack_32,
     .description = "DSS with A but not a carries a 32-bit Data ACK")
{
	const uint8_t b[] = {0x1e, 0x08, 0x20, 0x01, 0x12, 0x34, 0x56, 0x78};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect(o.use_ack);
	cr_expect_not(o.ack64);
	cr_expect_eq(o.data_ack, 0x12345678);
}

Test(dss, mapping_with_64_bit_dsn,
     .description = "DSS with M and m carries a 64-bit DSN, the subflow sequence number and the length")
{
	/* two-subflows.pcap #9: flags m M A */
	const uint8_t b[] = {0x1e, 0x16, 0x20, 0x0d, 0x6c, 0x60, 0x24, 0x5e, 0xb1, 0x38, 0x0a,
			     0xed, 0x90, 0x71, 0x23, 0xa3, 0x00, 0x00, 0x00, 0x12, 0x7a, 0x60};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect(o.use_ack);
	cr_expect_not(o.ack64);
	cr_expect_eq(o.data_ack, 0x6c60245e);
	cr_expect(o.use_map);
	cr_expect(o.dsn64);
	cr_expect_eq(o.data_seq, 0xb1380aed907123a3ull);
	cr_expect_eq(o.subflow_seq, 0x12);
	cr_expect_eq(o.data_len, 0x7a60);
	cr_expect_not(o.csum_present);
	cr_expect_not(o.data_fin);
	cr_expect_eq(o.dss_flags, 0x0d);
}

Test(dss, data_fin_counts_in_the_length,
     .description = "DSS with F: the DATA_FIN takes one byte of the mapping (subflow seq 0, length 1)")
{
	/* two-subflows.pcap #83: flags F m M a A */
	const uint8_t b[] = {0x1e, 0x1a, 0x20, 0x1f, 0xb1, 0x38, 0x0a, 0xed, 0x90, 0x75, 0x23,
			     0xa4, 0xb4, 0x9a, 0x5e, 0xe9, 0x6c, 0x64, 0x24, 0x7e, 0x00, 0x00,
			     0x00, 0x00, 0x00, 0x01};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect(o.data_fin);
	cr_expect(o.ack64);
	cr_expect_eq(o.data_ack, 0xb1380aed907523a4ull);
	cr_expect_eq(o.data_seq, 0xb49a5ee96c64247eull);
	cr_expect_eq(o.subflow_seq, 0);
	cr_expect_eq(o.data_len, 1);
}

Test(dss, mapping_with_checksum,
     .description = "DSS mapping two bytes longer than its flags need carries the checksum")
{
	/* dss-checksum.pcap #42: flags m M a A + checksum */
	const uint8_t b[] = {0x1e, 0x1c, 0x20, 0x0f, 0x59, 0x99, 0x62, 0xd3, 0xb9, 0xfd,
			     0x69, 0x3e, 0x18, 0xbd, 0xc5, 0x23, 0xa1, 0x30, 0xb7, 0x74,
			     0x00, 0x00, 0x00, 0x01, 0x1c, 0x48, 0xd9, 0x6e};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect(o.csum_present);
	cr_expect_eq(o.csum, 0xd96e);
	cr_expect_eq(o.data_len, 0x1c48);
	cr_expect_eq(o.subflow_seq, 1);
}

Test(dss, round_trip_every_flag_combination,
     .description = "DSS written for all 32 combinations of F m M a A, with and without checksum, "
		    "parses back the same")
{
	for (unsigned int flags = 0; flags < 32; flags++) {
		for (int c = 0; c < 2; c++) {
			struct mptcp_opts in = {0}, out;
			uint8_t buf[MAX_OPT];
			size_t want;

			in.suboptions = OPTION_MPTCP_DSS;
			in.data_fin = flags & MPTCP_DSS_DATA_FIN;
			in.dsn64 = flags & MPTCP_DSS_DSN64;
			in.use_map = flags & MPTCP_DSS_HAS_MAP;
			in.ack64 = flags & MPTCP_DSS_ACK64;
			in.use_ack = flags & MPTCP_DSS_HAS_ACK;
			in.dss_flags = (uint8_t)flags;
			if (in.use_ack)
				in.data_ack = in.ack64 ? 0x8877665544332211ull : 0x44332211;
			if (in.use_map) {
				in.data_seq = in.dsn64 ? 0x0123456789abcdefull : 0x89abcdef;
				in.subflow_seq = 0x00c0ffee;
				in.data_len = 1448;
			}
			in.csum_present = c && in.use_map;
			in.csum = in.csum_present ? 0x7e57 : 0;
			want = dss_expected_len((uint8_t)flags, in.csum_present);

			cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), want,
				     "flags %#x csum %d", flags, c);
			cr_expect_eq(buf[1], want);
			cr_expect_eq(buf[2], 0x20);
			cr_expect_eq(buf[3], flags, "flags byte");
			cr_expect_eq(out.suboptions, OPTION_MPTCP_DSS);
			cr_expect_eq(out.dss_flags, flags);
			cr_expect_eq(out.data_fin, in.data_fin);
			cr_expect_eq(out.dsn64, in.dsn64);
			cr_expect_eq(out.use_map, in.use_map);
			cr_expect_eq(out.ack64, in.ack64);
			cr_expect_eq(out.use_ack, in.use_ack);
			cr_expect_eq(out.data_ack, in.data_ack, "flags %#x", flags);
			cr_expect_eq(out.data_seq, in.data_seq, "flags %#x", flags);
			cr_expect_eq(out.subflow_seq, in.subflow_seq);
			cr_expect_eq(out.data_len, in.data_len);
			cr_expect_eq(out.csum_present, in.csum_present);
			cr_expect_eq(out.csum, in.csum);
		}
	}
}

Test(dss, every_wrong_length_is_refused,
     .description = "DSS whose length is neither what its flags need nor that plus a checksum is refused")
{
	uint8_t b[MAX_OPT];

	for (unsigned int flags = 0; flags < 32; flags++) {
		size_t plain = dss_expected_len((uint8_t)flags, false);
		size_t with_csum = dss_expected_len((uint8_t)flags, true);

		for (size_t len = 3; len <= MAX_OPT; len++) {
			if (len == plain || len == with_csum)
				continue;
			make_opt(b, len, 0x20, (uint8_t)flags);
			expect_refused(b, len, len < 4 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
		}
	}
}

Test(dss, no_checksum_without_a_mapping,
     .description = "RFC 8684 3.3.1: only a mapping carries a checksum; a Data ACK plus 2 is refused")
{
	uint8_t b[MAX_OPT];

	make_opt(b, 10, 0x20, MPTCP_DSS_HAS_ACK);
	expect_refused(b, 10, MPTCP_PARSE_BAD_LEN);
	make_opt(b, 6, 0x20, MPTCP_DSS_DATA_FIN);
	expect_refused(b, 6, MPTCP_PARSE_BAD_LEN);
}

Test(dss, reserved_bits_are_ignored,
     .description = "DSS reserved bits are ignored on receipt and sent as zero")
{
	const uint8_t b[] = {0x1e, 0x08, 0x2f, 0xe1, 0x00, 0x00, 0x10, 0x00};
	struct mptcp_opts o = {0};
	uint8_t out[8];

	cr_assert_eq(parse_bytes(b, sizeof(b), &o), MPTCP_PARSE_OK);
	cr_expect_eq(o.dss_flags, MPTCP_DSS_HAS_ACK);
	cr_expect_eq(o.data_ack, 0x1000);
	cr_assert_eq(mptcp_write_options(out, sizeof(out), &o), 8);
	cr_expect_eq(out[2], 0x20);
	cr_expect_eq(out[3], 0x01);
}

/* ADD_ADDR, RFC 8684 3.4.1 */

Test(add_addr, ipv4_with_hmac,
     .description = "ADD_ADDR for an IPv4 address carries id, address and a 64-bit truncated HMAC")
{
	/* add-addr.pcap #5: id 1, 10.98.2.1 */
	const uint8_t b[] = {0x1e, 0x10, 0x30, 0x01, 0x0a, 0x62, 0x02, 0x01,
			     0x48, 0x93, 0x9a, 0x6e, 0x46, 0xbd, 0x2f, 0x94};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_ADD_ADDR);
	cr_expect_not(o.add_addr_echo);
	cr_expect_eq(o.add_addr_ipver, 4);
	cr_expect_eq(o.addr_id, 1);
	cr_expect_eq(o.addr4, htonl(0x0a620201));
	cr_expect_not(o.add_addr_has_port);
	cr_expect(o.add_addr_has_hmac);
	cr_expect_eq(o.add_addr_hmac, 0x48939a6e46bd2f94ull);
}

Test(add_addr, echo_has_no_hmac,
     .description = "ADD_ADDR echo (E set) repeats id and address without HMAC")
{
	/* add-addr.pcap #6 */
	const uint8_t b[] = {0x1e, 0x08, 0x31, 0x01, 0x0a, 0x62, 0x02, 0x01};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect(o.add_addr_echo);
	cr_expect_eq(o.add_addr_ipver, 4);
	cr_expect_eq(o.addr4, htonl(0x0a620201));
	cr_expect_not(o.add_addr_has_hmac);
}

Test(add_addr, ipv4_with_port_exact_bytes,
     .description = "ADD_ADDR with a port puts it after the address, before the HMAC")
{
	const uint8_t want[] = {0x1e, 0x12, 0x30, 0x05, 192, 0, 2, 1, 0x1b, 0x59,
				0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	struct mptcp_opts in = {0};
	uint8_t out[MAX_OPT];

	in.suboptions = OPTION_MPTCP_ADD_ADDR;
	in.add_addr_ipver = 4;
	in.addr_id = 5;
	in.addr4 = htonl(0xc0000201);
	in.add_addr_has_port = true;
	in.add_addr_port = 7001;
	in.add_addr_has_hmac = true;
	in.add_addr_hmac = 0x0102030405060708ull;
	cr_assert_eq(mptcp_write_options(out, sizeof(out), &in), sizeof(want));
	cr_expect_arr_eq(out, want, sizeof(want));
}

Test(add_addr, round_trip_every_form,
     .description = "ADD_ADDR IPv4/IPv6, with and without port, announce and echo, parse back the same")
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

	for (int form = 0; form < 8; form++) {
		bool ipv6 = form & 1, port = form & 2, echo = form & 4;
		struct mptcp_opts in = {0}, out;
		uint8_t buf[MAX_OPT];
		size_t want = (ipv6 ? 20 : 8) + (port ? 2 : 0) + (echo ? 0 : 8);

		in.suboptions = OPTION_MPTCP_ADD_ADDR;
		in.add_addr_echo = echo;
		in.add_addr_ipver = ipv6 ? 6 : 4;
		in.addr_id = (uint8_t)(10 + form);
		if (ipv6)
			memcpy(in.addr6, v6, 16);
		else
			in.addr4 = htonl(0x0a620201);
		in.add_addr_has_port = port;
		in.add_addr_port = port ? 8080 : 0;
		in.add_addr_has_hmac = !echo;
		in.add_addr_hmac = echo ? 0 : 0xfedcba9876543210ull;

		cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), want, "form %d", form);
		cr_expect_eq(buf[2], echo ? 0x31 : 0x30);
		cr_expect_eq(out.suboptions, OPTION_MPTCP_ADD_ADDR);
		cr_expect_eq(out.add_addr_echo, echo);
		cr_expect_eq(out.add_addr_ipver, in.add_addr_ipver);
		cr_expect_eq(out.addr_id, in.addr_id);
		cr_expect_eq(out.addr4, in.addr4);
		cr_expect_arr_eq(out.addr6, in.addr6, 16);
		cr_expect_eq(out.add_addr_has_port, port);
		cr_expect_eq(out.add_addr_port, in.add_addr_port);
		cr_expect_eq(out.add_addr_has_hmac, !echo);
		cr_expect_eq(out.add_addr_hmac, in.add_addr_hmac);
	}
}

Test(add_addr, hmac_presence_must_match_the_echo_bit,
     .description = "RFC 8684 3.4.1: an announcement without HMAC, or an echo with one, is refused")
{
	const size_t announce[] = {16, 18, 28, 30}, echo[] = {8, 10, 20, 22};
	uint8_t b[MAX_OPT];

	for (size_t i = 0; i < 4; i++) {
		make_opt(b, echo[i], 0x30, 1);
		expect_refused(b, echo[i], MPTCP_PARSE_BAD_LEN);
		make_opt(b, announce[i], 0x31, 1);
		expect_refused(b, announce[i], MPTCP_PARSE_BAD_LEN);
	}
}

Test(add_addr, any_other_length_is_refused,
     .description = "ADD_ADDR of a length no address family gives is refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 3; len <= MAX_OPT; len++) {
		bool ok_announce = len == 16 || len == 18 || len == 28 || len == 30;
		bool ok_echo = len == 8 || len == 10 || len == 20 || len == 22;
		enum mptcp_parse_err want = len < 8 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN;

		if (!ok_announce) {
			make_opt(b, len, 0x30, 1);
			expect_refused(b, len, want);
		}
		if (!ok_echo) {
			make_opt(b, len, 0x31, 1);
			expect_refused(b, len, want);
		}
	}
}

/* REMOVE_ADDR, MP_PRIO, MP_FAIL, MP_FASTCLOSE, MP_TCPRST */

Test(rm_addr, carries_a_list_of_ids,
     .description = "REMOVE_ADDR carries one or more address ids")
{
	const uint8_t one[] = {0x1e, 0x04, 0x40, 0x03};
	const uint8_t three[] = {0x1e, 0x06, 0x40, 0x01, 0x02, 0x09};
	struct mptcp_opts o;

	parse_and_rewrite(one, sizeof(one), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_RM_ADDR);
	cr_expect_eq(o.rm_count, 1);
	cr_expect_eq(o.rm_ids[0], 3);

	parse_and_rewrite(three, sizeof(three), &o);
	cr_expect_eq(o.rm_count, 3);
	cr_expect_arr_eq(o.rm_ids, three + 3, 3);
}

Test(rm_addr, round_trip_up_to_the_maximum,
     .description = "REMOVE_ADDR with 1..8 ids parses back the same")
{
	for (uint8_t n = 1; n <= MPTCP_RM_ADDR_MAX; n++) {
		struct mptcp_opts in = {0}, out;
		uint8_t buf[MAX_OPT];

		in.suboptions = OPTION_MPTCP_RM_ADDR;
		in.rm_count = n;
		for (uint8_t i = 0; i < n; i++)
			in.rm_ids[i] = (uint8_t)(i * 3 + 1);
		cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), 3u + n);
		cr_expect_eq(out.rm_count, n);
		cr_expect_arr_eq(out.rm_ids, in.rm_ids, n);
	}
}

Test(rm_addr, without_ids_or_with_too_many_is_refused,
     .description = "REMOVE_ADDR with no id is truncated; more ids than we keep is refused")
{
	uint8_t b[MAX_OPT];

	make_opt(b, 3, 0x40, 0);
	expect_refused(b, 3, MPTCP_PARSE_TRUNCATED);
	for (size_t len = 3 + MPTCP_RM_ADDR_MAX + 1; len <= MAX_OPT; len++) {
		make_opt(b, len, 0x40, 1);
		expect_refused(b, len, MPTCP_PARSE_BAD_LEN);
	}
}

Test(rm_addr, writer_skips_an_empty_list,
     .description = "a REMOVE_ADDR with no ids is not written")
{
	struct mptcp_opts in = {0};
	uint8_t buf[MAX_OPT];

	in.suboptions = OPTION_MPTCP_RM_ADDR;
	cr_expect_eq(mptcp_options_len(&in), 0);
	cr_expect_eq(mptcp_write_options(buf, sizeof(buf), &in), 0);
}

Test(mp_prio, carries_the_backup_bit,
     .description = "MP_PRIO (length 3) carries the backup bit")
{
	const uint8_t backup[] = {0x1e, 0x03, 0x51};
	const uint8_t regular[] = {0x1e, 0x03, 0x50};
	const uint8_t v0_with_id[] = {0x1e, 0x04, 0x51, 0x02};
	struct mptcp_opts o;

	parse_and_rewrite(backup, sizeof(backup), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_PRIO);
	cr_expect(o.prio_backup);
	parse_and_rewrite(regular, sizeof(regular), &o);
	cr_expect_not(o.prio_backup);

	memset(&o, 0, sizeof(o));
	cr_assert_eq(parse_bytes(v0_with_id, sizeof(v0_with_id), &o), MPTCP_PARSE_OK,
		     "length 4 (with an address id) accepted");
	cr_expect(o.prio_backup);
}

Test(mp_prio, other_lengths_are_refused,
     .description = "MP_PRIO of a length other than 3 or 4 is refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 5; len <= MAX_OPT; len++) {
		make_opt(b, len, 0x51, 0);
		expect_refused(b, len, MPTCP_PARSE_BAD_LEN);
	}
}

Test(mp_fail, carries_a_64_bit_dsn,
     .description = "MP_FAIL carries the 64-bit data sequence number where the checksum failed")
{
	const uint8_t b[] = {0x1e, 0x0c, 0x60, 0x00, 0x01, 0x02, 0x03, 0x04,
			     0x05, 0x06, 0x07, 0x08};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_FAIL);
	cr_expect_eq(o.fail_seq, 0x0102030405060708ull);
}

Test(mp_fastclose, carries_the_receivers_key,
     .description = "MP_FASTCLOSE carries the option receiver's key")
{
	const uint8_t b[] = {0x1e, 0x0c, 0x70, 0x00, 0xc3, 0xf8, 0xf5, 0x0a,
			     0xe1, 0x1d, 0x9b, 0xf5};
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_FASTCLOSE);
	cr_expect_eq(o.fastclose_key, 0xc3f8f50ae11d9bf5ull);
}

Test(mp_fail, fail_and_fastclose_other_lengths_are_refused,
     .description = "MP_FAIL and MP_FASTCLOSE of a length other than 12 are refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 3; len <= MAX_OPT; len++) {
		if (len == 12)
			continue;
		make_opt(b, len, 0x60, 0);
		expect_refused(b, len, len < 12 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
		make_opt(b, len, 0x70, 0);
		expect_refused(b, len, len < 12 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
	}
}

Test(mp_tcprst, carries_flags_and_reason,
     .description = "MP_TCPRST carries the U V W T flags and a reason code")
{
	const uint8_t b[] = {0x1e, 0x04, 0x81, 0x05};   /* T set, reason 5 */
	struct mptcp_opts o;

	parse_and_rewrite(b, sizeof(b), &o);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_RST);
	cr_expect_eq(o.reset_flags, 0x1);
	cr_expect_eq(o.reset_reason, 5);
}

Test(mp_tcprst, other_lengths_are_refused,
     .description = "MP_TCPRST of a length other than 4 is refused")
{
	uint8_t b[MAX_OPT];

	for (size_t len = 3; len <= MAX_OPT; len++) {
		if (len == 4)
			continue;
		make_opt(b, len, 0x81, 0);
		expect_refused(b, len, len < 4 ? MPTCP_PARSE_TRUNCATED : MPTCP_PARSE_BAD_LEN);
	}
}

Test(misc, round_trip_prio_fail_fastclose_tcprst,
     .description = "MP_PRIO, MP_FAIL, MP_FASTCLOSE and MP_TCPRST parse back the same")
{
	struct mptcp_opts in = {0}, out;
	uint8_t buf[MAX_OPT];

	in.suboptions = OPTION_MPTCP_PRIO | OPTION_MPTCP_FAIL | OPTION_MPTCP_FASTCLOSE |
			OPTION_MPTCP_RST;
	in.prio_backup = true;
	in.fail_seq = 0xabcdef0123456789ull;
	in.fastclose_key = 0x1234;
	in.reset_flags = 0x0a;
	in.reset_reason = 0x06;
	cr_assert_eq(write_parse(&in, buf, sizeof(buf), &out), 3 + 12 + 12 + 4);
	cr_expect_eq(out.suboptions, in.suboptions);
	cr_expect(out.prio_backup);
	cr_expect_eq(out.fail_seq, in.fail_seq);
	cr_expect_eq(out.fastclose_key, in.fastclose_key);
	cr_expect_eq(out.reset_flags, in.reset_flags);
	cr_expect_eq(out.reset_reason, in.reset_reason);
}

/* Everything else */

Test(misc, unknown_subtype_is_ignored,
     .description = "RFC 8684 3: an unknown subtype is reported as unknown and changes nothing")
{
	uint8_t b[MAX_OPT];

	for (unsigned int sub = 9; sub <= 15; sub++) {
		make_opt(b, 8, (uint8_t)(sub << 4), 0);
		expect_refused(b, 8, MPTCP_PARSE_UNKNOWN);
	}
}

Test(misc, option_shorter_than_a_subtype_is_truncated,
     .description = "an MPTCP option of length 2 (no subtype byte) is truncated")
{
	const uint8_t b[] = {0x1e, 0x02, 0x00};

	expect_refused(b, 2, MPTCP_PARSE_TRUNCATED);
	expect_refused(b, 0, MPTCP_PARSE_TRUNCATED);
}

Test(misc, parser_never_reads_past_len,
     .description = "the parser reads only len bytes (the rest of the buffer is out of bounds)")
{
	/* Each valid option copied to the very end of a heap block so that
	 * reading past len would trip ASan/valgrind; values must not change
	 * with what would follow. */
	static const uint8_t opts[][MAX_OPT] = {
		{0x1e, 0x04, 0x01, 0x01},
		{0x1e, 0x18, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 17, 1, 2},
		{0x1e, 0x0c, 0x10, 0x01, 1, 2, 3, 4, 5, 6, 7, 8},
		{0x1e, 0x1c, 0x20, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 1, 2, 3},
		{0x1e, 0x1e, 0x30, 0x01, 0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80, 1, 2, 3, 4, 5, 6, 7, 8},
		{0x1e, 0x0b, 0x40, 1, 2, 3, 4, 5, 6, 7, 8},
		{0x1e, 0x03, 0x51},
	};

	for (size_t i = 0; i < ARRAY_LEN(opts); i++) {
		size_t len = opts[i][1];
		uint8_t *p = malloc(len);
		struct mptcp_opts o = {0};

		cr_assert_not_null(p);
		memcpy(p, opts[i], len);
		cr_expect_eq(mptcp_parse_option(p, len, &o), MPTCP_PARSE_OK, "option %zu", i);
		free(p);
	}
}

Test(misc, several_options_parse_into_one_struct,
     .description = "options of one segment accumulate their bits in one struct")
{
	const uint8_t dss[] = {0x1e, 0x0c, 0x20, 0x03, 0xb1, 0x38, 0x0a, 0xed, 0x90, 0x71, 0x23, 0xa3};
	const uint8_t add[] = {0x1e, 0x08, 0x31, 0x01, 0x0a, 0x62, 0x02, 0x01};
	struct mptcp_opts o = {0};

	cr_assert_eq(parse_bytes(dss, sizeof(dss), &o), MPTCP_PARSE_OK);
	cr_assert_eq(parse_bytes(add, sizeof(add), &o), MPTCP_PARSE_OK);
	cr_expect_eq(o.suboptions, OPTION_MPTCP_DSS | OPTION_MPTCP_ADD_ADDR);
	cr_expect_eq(o.data_ack, 0xb1380aed907123a3ull);
	cr_expect_eq(o.addr_id, 1);
}

Test(writer, writes_in_rfc_order,
     .description = "several suboptions are written MP_CAPABLE, MP_JOIN, DSS, ADD_ADDR, RM_ADDR, "
		    "PRIO, FAIL, FASTCLOSE, TCPRST")
{
	struct mptcp_opts in = {0};
	uint8_t buf[128];
	const uint8_t subtypes[] = {0x0, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8};
	size_t n, i = 0, k = 0;

	/* More than fits in a TCP header: the writer does not care. */
	in.suboptions = OPTION_MPTCP_RST | OPTION_MPTCP_FASTCLOSE | OPTION_MPTCP_FAIL |
			OPTION_MPTCP_PRIO | OPTION_MPTCP_RM_ADDR | OPTION_MPTCP_ADD_ADDR |
			OPTION_MPTCP_DSS | OPTION_MPTCP_MPC_SYN;
	in.use_ack = true;
	in.rm_count = 1;
	in.add_addr_echo = true;
	n = mptcp_write_options(buf, sizeof(buf), &in);
	cr_assert_eq(n, 4 + 8 + 8 + 4 + 3 + 12 + 12 + 4);
	while (i < n) {
		cr_assert_lt(k, sizeof(subtypes));
		cr_expect_eq(buf[i + 2] >> 4, subtypes[k], "option %zu", k);
		i += buf[i + 1];
		k++;
	}
	cr_expect_eq(k, sizeof(subtypes));
}

Test(writer, no_room_writes_nothing,
     .description = "the writer returns 0 and leaves the buffer alone when the options do not fit")
{
	struct mptcp_opts in = {0};
	uint8_t buf[24];

	in.suboptions = OPTION_MPTCP_MPJ_ACK;
	memset(buf, 0xee, sizeof(buf));
	cr_expect_eq(mptcp_write_options(buf, 23, &in), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_expect_eq(buf[i], 0xee);
	cr_expect_eq(mptcp_write_options(buf, 24, &in), 24);
}

Test(writer, empty_set_writes_nothing,
     .description = "no suboption set, no bytes")
{
	struct mptcp_opts in = {0};
	uint8_t buf[4];

	cr_expect_eq(mptcp_options_len(&in), 0);
	cr_expect_eq(mptcp_write_options(buf, sizeof(buf), &in), 0);
}

Test(misc, strerror_names_every_error,
     .description = "every parse error has its own name")
{
	const enum mptcp_parse_err all[] = {MPTCP_PARSE_OK, MPTCP_PARSE_TRUNCATED,
					    MPTCP_PARSE_BAD_LEN, MPTCP_PARSE_BAD_VERSION,
					    MPTCP_PARSE_UNKNOWN};

	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		cr_assert_not_null(mptcp_parse_strerror(all[i]));
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(mptcp_parse_strerror(all[i]), mptcp_parse_strerror(all[j]));
	}
	cr_expect_not_null(mptcp_parse_strerror((enum mptcp_parse_err)99));
}

/* DSS checksum, RFC 8684 3.3.1 */

/* Reference: byte-wise big-endian one's complement sum, no DPDK. */
static uint16_t ref_csum(uint64_t dsn, uint32_t ssn, uint16_t len, const uint8_t *p, size_t n)
{
	uint8_t hdr[16] = {0};
	uint32_t sum = 0;

	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(dsn >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (uint8_t)(ssn >> (24 - 8 * i));
	hdr[12] = (uint8_t)(len >> 8);
	hdr[13] = (uint8_t)len;
	for (size_t i = 0; i < 16; i += 2)
		sum += (uint32_t)(hdr[i] << 8 | hdr[i + 1]);
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

Test(dss_csum, matches_linux_on_a_data_fin,
     .description = "DSS checksum of a DATA_FIN (length 1, no payload) matches Linux")
{
	/* dss-checksum.pcap #38 */
	cr_expect_eq(mptcp_dss_csum(0x599962d3b9fd693dull, 0, 1, NULL, 0), 0x2057);
}

Test(dss_csum, matches_linux_on_mp_capable_data,
     .description = "RFC 8684 3.1: MP_CAPABLE data is checksummed with DSN = IDSN + 1, subflow seq 1")
{
	/* dss-checksum.pcap #3: client key 0x0cd256e4fb17ff64, IDSN 0x599962d3b9fb692b */
	const uint8_t payload[17] = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};

	cr_expect_eq(mptcp_dss_csum(0x599962d3b9fb692bull + 1, 1, 17, payload, sizeof(payload)),
		     0x2055);
}

Test(dss_csum, matches_linux_on_a_mapping,
     .description = "DSS checksum over an 80-byte mapping matches Linux")
{
	/* dss-checksum.pcap #35 */
	static const char hex[] =
		"4dbd51aaebfcbb191151cd808691ef5eed7fff379bcf22f785eed3883b49bf6b"
		"4dbd51aaebfcbb191151cd808691ef5eed7fff379bcf22f785eed3883b49bf6b"
		"4dbd51aaebfcbb191151cd808691ef5e";
	uint8_t payload[80];

	for (size_t i = 0; i < sizeof(payload); i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};

		payload[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	cr_expect_eq(mptcp_dss_csum(0x599962d3b9fd68edull, 0x18689, 80, payload, 80), 0xc8b5);
}

Test(dss_csum, agrees_with_a_plain_reference,
     .description = "DSS checksum agrees with a byte-wise reference for odd and even lengths")
{
	static uint8_t payload[70000];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(payload); i++) {
		x = x * 1103515245u + 12345u;
		payload[i] = (uint8_t)(x >> 16);
	}
	for (size_t n = 0; n < 300; n++)
		cr_expect_eq(mptcp_dss_csum(0x0102030405060708ull + n, (uint32_t)n, (uint16_t)n,
					    payload, n),
			     ref_csum(0x0102030405060708ull + n, (uint32_t)n, (uint16_t)n, payload, n),
			     "length %zu", n);
	/* Longer than one internal slice, and odd. */
	cr_expect_eq(mptcp_dss_csum(~0ull, ~0u, 0xffff, payload, 65535),
		     ref_csum(~0ull, ~0u, 0xffff, payload, 65535));
	cr_expect_eq(mptcp_dss_csum(7, 8, 9, payload, sizeof(payload)),
		     ref_csum(7, 8, 9, payload, sizeof(payload)));
}

/* Steering: the token of an MP_JOIN SYN from raw TCP options. */

Test(join_token, found_among_other_options, .description = "MSS, NOPs, SACK-permitted, then MP_JOIN SYN: its token")
{
	const uint8_t o[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2,
			     TCPOPT_MPTCP, 12, MPTCPOPT_MP_JOIN << 4 | 1, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
	uint32_t t = 0;

	cr_assert(mptcp_join_syn_token(o, sizeof(o), &t));
	cr_expect_eq(t, 0xdeadbeef);
}

Test(join_token, none_for_mp_capable_or_join_ack, .description = "MP_CAPABLE, or MP_JOIN of length 16/24: no token")
{
	const uint8_t mpc[] = {TCPOPT_MPTCP, 4, 0x01, 0x01};
	uint8_t ack[24] = {TCPOPT_MPTCP, 24, MPTCPOPT_MP_JOIN << 4, 0};
	uint32_t t = 7;

	cr_expect_not(mptcp_join_syn_token(mpc, sizeof(mpc), &t));
	cr_expect_not(mptcp_join_syn_token(ack, sizeof(ack), &t));
	cr_expect_eq(t, 7, "untouched");
}

Test(join_token, malformed_or_truncated_gives_none, .description = "a zero length, a length past the end, an EOL before it: no token, no overread")
{
	const uint8_t zero[] = {3, 0, TCPOPT_MPTCP, 12, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	const uint8_t past[] = {TCPOPT_MPTCP, 12, 0x10, 0, 1, 2, 3, 4};
	const uint8_t eol[] = {0, 0, TCPOPT_MPTCP, 12, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	const uint8_t lone[] = {1, 1, 1, TCPOPT_MPTCP};
	uint32_t t;

	cr_expect_not(mptcp_join_syn_token(zero, sizeof(zero), &t));
	cr_expect_not(mptcp_join_syn_token(past, sizeof(past), &t));
	cr_expect_not(mptcp_join_syn_token(eol, sizeof(eol), &t));
	cr_expect_not(mptcp_join_syn_token(lone, sizeof(lone), &t));
	cr_expect_not(mptcp_join_syn_token(NULL, 0, &t));
}

/* Transparent mode's mptcp_only: is a SYN an MPTCP one? */
Test(join_token, syn_is_multipath_for_mp_capable_and_join_only,
     .description = "MP_CAPABLE (after MSS, SACK-permitted, timestamps) and MP_JOIN SYNs are multipath; a plain SYN, a DSS-only option list and a truncated MPTCP option are not")
{
	const uint8_t mpc[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
			       TCPOPT_MPTCP, 4, 0x01, 0x81};
	const uint8_t join[] = {TCPOPT_MPTCP, 12, MPTCPOPT_MP_JOIN << 4, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	const uint8_t plain[] = {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7};
	const uint8_t dss[] = {TCPOPT_MPTCP, 4, MPTCPOPT_DSS << 4, 0};
	const uint8_t cut[] = {1, 1, TCPOPT_MPTCP, 4, 0x01};

	cr_expect(mptcp_syn_is_multipath(mpc, sizeof(mpc)));
	cr_expect(mptcp_syn_is_multipath(join, sizeof(join)));
	cr_expect_not(mptcp_syn_is_multipath(plain, sizeof(plain)));
	cr_expect_not(mptcp_syn_is_multipath(dss, sizeof(dss)));
	cr_expect_not(mptcp_syn_is_multipath(cut, sizeof(cut)));
	cr_expect_not(mptcp_syn_is_multipath(mpc, 0));
}

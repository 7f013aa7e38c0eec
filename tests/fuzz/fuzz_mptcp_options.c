/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the MPTCP v1 option parser and writer (lib/mptcp
 * mptcp_options.c), RFC 8684 section 3.
 *
 * Input: the MPTCP options of one segment, one after the other, each read as
 * the TCP option walker hands it over: kind 30, its own length byte (at least
 * 2, at most what is left and 40, as in a TCP header). Each is copied into a
 * buffer of exactly its length and parsed into one struct, as lib/mptcp
 * parses all the MPTCP options of a segment.
 *
 * Checked besides memory safety (mptcp_options.h):
 * - a refused option leaves the struct as it was; an accepted one sets its bit;
 * - write(parse(x)) is as long as mptcp_options_len says, and parses back to
 *   the same values (the writer's own choices aside: MP_CAPABLE version 1,
 *   MP_PRIO length 3, reserved bits zero);
 * - a buffer one byte too small is refused by the writer;
 * - the struct of all the options together writes out options that parse;
 * - the whole input read as a SYN's option block: mptcp_join_syn_token finds
 *   a token only where mptcp_syn_is_multipath says MPTCP (lib/net steering).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/mptcp_options.h"
#include "fuzz_check.h"

#define TCP_OPT_MAX 40


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields a subtype's parser fills, compared one by one (no padding compared). */
static bool same(const struct mptcp_opts *a, const struct mptcp_opts *b)
{
#define EQ(f) (a->f == b->f)
	return EQ(suboptions) && EQ(mpc_version) && EQ(mpc_flags) && EQ(sndr_key) && EQ(rcvr_key) &&
	       EQ(mpc_data_len) && EQ(mpc_has_data_len) && EQ(backup) && EQ(join_id) && EQ(token) &&
	       EQ(nonce) && EQ(thmac) && !memcmp(a->hmac, b->hmac, sizeof(a->hmac)) && EQ(dss_flags) &&
	       EQ(data_fin) && EQ(use_ack) && EQ(ack64) && EQ(use_map) && EQ(dsn64) && EQ(data_ack) &&
	       EQ(data_seq) && EQ(subflow_seq) && EQ(data_len) && EQ(csum_present) && EQ(csum) &&
	       EQ(add_addr_echo) && EQ(add_addr_ipver) && EQ(addr_id) && EQ(addr4) &&
	       !memcmp(a->addr6, b->addr6, sizeof(a->addr6)) && EQ(add_addr_has_port) &&
	       EQ(add_addr_port) && EQ(add_addr_has_hmac) && EQ(add_addr_hmac) && EQ(rm_count) &&
	       !memcmp(a->rm_ids, b->rm_ids, sizeof(a->rm_ids)) && EQ(prio_backup) && EQ(fail_seq) &&
	       EQ(fastclose_key) && EQ(reset_flags) && EQ(reset_reason);
#undef EQ
}

/* Parse every option of the written block p[0..n) into o; all must be accepted. */
static void parse_written(const uint8_t *p, size_t n, struct mptcp_opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < n) {
		uint8_t l = p[i + 1];

		CHECK(i + 2 <= n && p[i] == TCPOPT_MPTCP && l >= 3 && i + l <= n);
		CHECK(mptcp_parse_option(p + i, l, o) == MPTCP_PARSE_OK);
		i += l;
	}
}

/* Write o into a buffer of exactly mptcp_options_len(o) bytes; returns it (n: its size). */
static uint8_t *write_exact(const struct mptcp_opts *o, size_t *n)
{
	size_t need = mptcp_options_len(o);
	uint8_t *w = malloc(need ? need : 1);

	CHECK(w != NULL);
	if (need > 0)
		CHECK(mptcp_write_options(w, need - 1, o) == 0);   /* one byte short: refused */
	CHECK(mptcp_write_options(w, need, o) == need);
	*n = need;
	return w;
}

/* One option alone: write it back, parse that, compare. */
static void round_trip(const uint8_t *opt, size_t len)
{
	struct mptcp_opts t, r;
	size_t n;
	uint8_t *w;

	memset(&t, 0, sizeof(t));
	if (mptcp_parse_option(opt, len, &t) != MPTCP_PARSE_OK)
		return;
	w = write_exact(&t, &n);
	parse_written(w, n, &r);
	/* The writer speaks v1 (a SYN may offer more, RFC 8684 3.1). */
	if (t.suboptions & OPTION_MPTCP_MPC_SYN)
		t.mpc_version = 1;
	CHECK(same(&t, &r));
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mptcp_opts acc, before;
	size_t off = 0, n;
	uint8_t *w;

	memset(&acc, 0, sizeof(acc));
	while (size - off >= 2) {
		size_t left = size - off, len = data[off + 1];
		enum mptcp_parse_err e;
		uint8_t *opt;

		if (len < 2)
			len = 2;
		if (len > left)
			len = left;
		if (len > TCP_OPT_MAX)
			len = TCP_OPT_MAX;
		opt = malloc(len);
		CHECK(opt != NULL);
		memcpy(opt, data + off, len);
		opt[0] = TCPOPT_MPTCP;
		opt[1] = (uint8_t)len;         /* what the walker guarantees */

		before = acc;
		e = mptcp_parse_option(opt, len, &acc);
		CHECK(e == MPTCP_PARSE_OK || e == MPTCP_PARSE_TRUNCATED || e == MPTCP_PARSE_BAD_LEN ||
		      e == MPTCP_PARSE_BAD_VERSION || e == MPTCP_PARSE_UNKNOWN);
		CHECK(mptcp_parse_strerror(e) != NULL);
		if (e != MPTCP_PARSE_OK)
			CHECK(same(&before, &acc));
		else
			CHECK(acc.suboptions != 0 && (acc.suboptions & before.suboptions) == before.suboptions);
		round_trip(opt, len);
		free(opt);
		off += len;
	}

	/* The same bytes as a SYN's raw option block, as the steering helpers read it. */
	{
		uint8_t *blk = malloc(size ? size : 1);
		uint32_t token;

		CHECK(blk != NULL);
		memcpy(blk, data, size);
		if (mptcp_join_syn_token(blk, size, &token))
			CHECK(mptcp_syn_is_multipath(blk, size));
		free(blk);
	}

	/* Everything the segment carried, as one struct: the writer emits each
	 * suboption once, and each parses. */
	w = write_exact(&acc, &n);
	{
		struct mptcp_opts r;

		parse_written(w, n, &r);
		CHECK(r.suboptions == acc.suboptions);
	}
	free(w);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the TCP option walker (lib/tcp tcp_parse_options), as
 * tcp_input calls it, and the MPTCP options it hands on (mptcp_parse_option,
 * and the steering helpers that read a SYN's raw options).
 *
 * Input: one byte of flags (bit 0: the segment is a SYN), then the option
 * block, at most 40 bytes as in a TCP header (longer inputs are cut there:
 * tcp_input never passes more). The block is copied into a buffer of exactly
 * its size so that a sanitizer sees any read past it.
 *
 * Checked besides memory safety: the walker's promises (tcp.h, RFC 9293 3.2,
 * RFC 7323 2.3): every MPTCP option it returns lies inside the block with its
 * own length byte, wscale is -1 or 0..14, at most 4 SACK blocks and 4 MPTCP
 * options, MSS/WS/SACK-permitted only on a SYN; and the steering helpers
 * agree with the walker on well-formed blocks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/mptcp_options.h"
#include "tcp/tcp.h"
#include "fuzz_check.h"

#define TCP_OPT_MAX 40


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_seg_opts o;
	bool syn, multipath;
	uint32_t token = 0;
	uint8_t *p;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	syn = data[0] & 1;
	len = size - 1 > TCP_OPT_MAX ? TCP_OPT_MAX : size - 1;
	p = malloc(len ? len : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data + 1, len);

	rc = tcp_parse_options(p, (uint32_t)len, syn, &o);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		CHECK(o.wscale == -1 || (o.wscale >= 0 && o.wscale <= 14));
		CHECK(o.n_sack <= 4);
		CHECK(o.n_mptcp <= 4);
		if (!syn)
			CHECK(o.mss == 0 && o.wscale == -1 && !o.sack_ok);
		for (int i = 0; i < o.n_mptcp; i++) {
			const uint8_t *m = o.mptcp[i];
			struct mptcp_opts mo;

			CHECK(m >= p && m + 2 <= p + len);
			CHECK(m[0] == TCPOPT_MPTCP && m[1] == o.mptcp_len[i]);
			CHECK(o.mptcp_len[i] >= 2 && m + o.mptcp_len[i] <= p + len);
			/* What lib/mptcp then does with each one. */
			memset(&mo, 0, sizeof(mo));
			(void)mptcp_parse_option(m, o.mptcp_len[i], &mo);
		}
	}

	/* Steering (lib/net/steer.c) and transparent mode read the SYN's raw options. */
	multipath = mptcp_syn_is_multipath(p, len);
	if (mptcp_join_syn_token(p, len, &token))
		CHECK(multipath);
	if (rc == 0 && multipath) {
		/* The helpers stop at the first option that is not well-formed, the
		 * walker rejects the whole block: on a block the walker took, the
		 * first MPTCP option (of length >= 3) they found is one it returned. */
		bool seen = false;

		for (int i = 0; i < o.n_mptcp; i++)
			seen |= o.mptcp_len[i] >= 3;
		CHECK(seen || o.n_mptcp == 4);
	}
	free(p);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option parsing (RFC 9293 3.2, RFC 7323, RFC 2018): pure, no state. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "tcp/tcp.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOPT_MPTCP 30

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int tcp_parse_options(const uint8_t *p, uint32_t len, bool syn, struct tcp_seg_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			/* RFC 9293 3.7.1: only in SYNs; ignored elsewhere. */
			if (olen == 4 && syn)
				o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case TCPOPT_WS:
			if (olen == 3 && syn)
				o->wscale = (int8_t)(p[i + 2] > 14 ? 14 : p[i + 2]);  /* RFC 7323 2.3 */
			break;
		case TCPOPT_SACK_PERM:
			if (olen == 2 && syn)
				o->sack_ok = true;
			break;
		case TCPOPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				uint8_t n = (uint8_t)((olen - 2) / 8);

				for (uint8_t b = 0; b < n && o->n_sack < 4; b++, o->n_sack++) {
					o->sack[o->n_sack][0] = get32(p + i + 2 + 8 * b);
					o->sack[o->n_sack][1] = get32(p + i + 6 + 8 * b);
				}
			}
			break;
		case TCPOPT_TS:
			if (olen == 10) {
				o->ts = true;
				o->tsval = get32(p + i + 2);
				o->tsecr = get32(p + i + 6);
			}
			break;
		case TCPOPT_MPTCP:
			if (o->n_mptcp < 4) {
				o->mptcp[o->n_mptcp] = p + i;
				o->mptcp_len[o->n_mptcp] = olen;
				o->n_mptcp++;
			}
			break;
		default:
			break;  /* unknown options are skipped (RFC 9293 3.2) */
		}
		i += olen;
	}
	return 0;
}

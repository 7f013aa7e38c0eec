/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's helpers the configuration shares: plain C, no dependencies, so
 * app/config.c (built without DPDK) checks addresses as lib/net uses them.
 */
#ifndef HAG_NET_PARAMS_H
#define HAG_NET_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whether the IPv6 address a (16 bytes, network order) lies in prefix p/len. */
static inline bool net_ip6_in_prefix(const uint8_t a[16], const uint8_t p[16], unsigned len)
{
	unsigned full = len / 8u, rest = len % 8u;

	if (len > 128 || memcmp(a, p, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ p[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

/* Link-local (fe80::/10). */
static inline bool net_ip6_is_linklocal(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

#endif

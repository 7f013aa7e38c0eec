/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/mptcp's limits and modes that the configuration shares: plain constants
 * and enums, no dependencies, so app/config.c (built without DPDK) validates
 * and stores the same values the engine takes.
 */
#ifndef HAG_MPTCP_PARAMS_H
#define HAG_MPTCP_PARAMS_H

/* Addresses a context announces at most (mptcp.announce): the per-connection
 * bitmasks follow it (asserted in mptcp_internal.h). */
#define MPTCP_MAX_ANNOUNCE 8

/* DSS checksums (RFC 8684 3.3.1): never (a client asking for them is served as
 * plain TCP), when the client asks (default), or always (we ask in the SYN/ACK). */
enum mptcp_csum_mode { MPTCP_CSUM_OFF, MPTCP_CSUM_ACCEPT, MPTCP_CSUM_REQUIRE, MPTCP_CSUM_MODES };

#endif

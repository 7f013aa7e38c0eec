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
/* Access prefixes of the cost scheduler (an access network of both families takes two). */
#define MPTCP_MAX_ACCESS 32

/* DSS checksums (RFC 8684 3.3.1): never (a client asking for them is served as
 * plain TCP), when the client asks (default), or always (we ask in the SYN/ACK). */
enum mptcp_csum_mode { MPTCP_CSUM_OFF, MPTCP_CSUM_ACCEPT, MPTCP_CSUM_REQUIRE, MPTCP_CSUM_MODES };

/* The packet scheduler (mptcp_sched.c): which subflow sends the next bytes. */
enum mptcp_sched_kind {
	MPTCP_SCHED_MINRTT,      /* lowest smoothed RTT with window room (default) */
	MPTCP_SCHED_REDUNDANT,   /* every byte on every subflow with room */
	MPTCP_SCHED_COST,        /* the cheapest access network first; dearer ones for what it cannot take now */
	MPTCP_SCHED_KINDS
};

/* Congestion control of the subflows (mptcp_cc.c): each on its own, or coupled. */
enum mptcp_cc_kind {
	MPTCP_CC_UNCOUPLED,      /* each subflow its plain TCP algorithm (default) */
	MPTCP_CC_LIA,            /* RFC 6356 */
	MPTCP_CC_OLIA,           /* Khalili et al., IETF draft */
	MPTCP_CC_KINDS
};

/* Their words, indexed by the enums and NULL-terminated: one spelling for
 * lib/mptcp and app/config.c's loader and dump. */
#define MPTCP_SCHED_NAMES { [MPTCP_SCHED_MINRTT] = "minrtt", [MPTCP_SCHED_REDUNDANT] = "redundant", \
			    [MPTCP_SCHED_COST] = "cost", [MPTCP_SCHED_KINDS] = NULL }
#define MPTCP_CC_NAMES { [MPTCP_CC_UNCOUPLED] = "uncoupled", [MPTCP_CC_LIA] = "lia", \
			 [MPTCP_CC_OLIA] = "olia", [MPTCP_CC_KINDS] = NULL }

#endif

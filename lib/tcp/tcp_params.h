/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp's modes that the configuration shares: enums only, no dependencies,
 * so app/config.c (built without DPDK) stores the values the engine takes.
 */
#ifndef HAG_TCP_PARAMS_H
#define HAG_TCP_PARAMS_H

/* SYN cookies (RFC 4987 3.6; tcp_cookie.c): when a listener answers statelessly. */
enum tcp_syncookies {
	TCP_SYNCOOKIES_AUTO,        /* once syn_backlog half-open sockets exist (default) */
	TCP_SYNCOOKIES_OFF,         /* never: SYNs beyond the backlog are dropped */
	TCP_SYNCOOKIES_ALWAYS,      /* every SYN (tests) */
	TCP_SYNCOOKIES_MODES
};

/* ECN (RFC 3168), as Linux's net.ipv4.tcp_ecn: a passive open answers an
 * ECN-setup SYN unless off; an active open requests ECN when on. */
enum tcp_ecn {
	TCP_ECN_ACCEPT,             /* answer ECN-setup SYNs, request nothing (default; Linux's 2) */
	TCP_ECN_OFF,                /* no ECN */
	TCP_ECN_ON,                 /* also request ECN in our SYNs (Linux's 1) */
	TCP_ECN_MODES
};

/* Congestion control of a plain TCP socket (tcp_cc.c; tcp_cc_of). */
enum tcp_cc_kind {
	TCP_CC_CUBIC,               /* RFC 9438 (default) */
	TCP_CC_NEWRENO,             /* RFC 6582 / 5681 */
	TCP_CC_KINDS
};
/* Their words in the config, indexed by the enum and NULL-terminated: one
 * spelling for lib/tcp's lookup and app/config.c's loader and dump. */
#define TCP_CC_NAMES { [TCP_CC_CUBIC] = "cubic", [TCP_CC_NEWRENO] = "newreno", [TCP_CC_KINDS] = NULL }

#endif

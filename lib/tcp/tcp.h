/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp public API: a per-lcore TCP engine (struct tcp_stack) with
 * connections (struct tcp_sock) whose bytes live in relay pipes.
 *
 * Time is passed in as microseconds (now_us) read once per poll iteration.
 * Nothing here is shared between lcores.
 */
#ifndef HAG_TCP_H
#define HAG_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tcp/tcp_buf.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_params.h"

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_STATE_MAX
};

const char *tcp_state_name(enum tcp_state s);

/* Counters; names follow the kernel's Tcp / TcpExt MIBs where they mean the same. */
enum tcp_mib {
	TCP_MIB_ACTIVE_OPENS,       /* ActiveOpens: connects started */
	TCP_MIB_PASSIVE_OPENS,      /* PassiveOpens: SYNs accepted on a listener */
	TCP_MIB_ATTEMPT_FAILS,      /* AttemptFails: connects that failed (RST or timeout) */
	TCP_MIB_ESTAB_RESETS,       /* EstabResets: established connections reset */
	TCP_MIB_IN_SEGS,            /* InSegs */
	TCP_MIB_OUT_SEGS,           /* OutSegs */
	TCP_MIB_RETRANS_SEGS,       /* RetransSegs */
	TCP_MIB_IN_ERRS,            /* InErrs: malformed segments (bad header, options) */
	TCP_MIB_IN_CSUM_ERRORS,     /* InCsumErrors */
	TCP_MIB_OUT_RSTS,           /* OutRsts */
	TCP_MIB_IN_RSTS,            /* hagd: RSTs accepted */
	TCP_MIB_TIMEOUTS,           /* TCPTimeouts: RTO expirations */
	TCP_MIB_FAST_RETRANS,       /* TCPFastRetrans */
	TCP_MIB_ABORT_ON_TIMEOUT,   /* TCPAbortOnTimeout */
	TCP_MIB_OFO_QUEUE,          /* TCPOFOQueue: segments held out of order */
	TCP_MIB_OFO_DROP,           /* TCPOFODrop: out-of-order segments dropped (tracking full) */
	TCP_MIB_DUP_DATA,           /* hagd: segments whose bytes were all received already */
	TCP_MIB_OUT_OF_WINDOW,      /* hagd: unacceptable segments answered with an ACK */
	TCP_MIB_CHALLENGE_ACK,      /* TCPChallengeACK (RFC 5961) */
	TCP_MIB_WIN_PROBE,          /* TCPWinProbe: zero-window probes sent */
	TCP_MIB_DELAYED_ACKS,       /* DelayedACKs */
	TCP_MIB_NO_PORT,            /* hagd: segments to no connection and no listener (answered RST) */
	TCP_MIB_LISTEN_DROPS,       /* ListenDrops: SYNs refused (limits, memory) */
	TCP_MIB_TW_RECYCLED,        /* TWRecycled: TIME_WAIT ended early by a new SYN */
	TCP_MIB_NO_MBUF,            /* hagd: segments not sent for want of an mbuf */
	TCP_MIB_SACK_RECOVERY,      /* TCPSackRecovery: recoveries driven by SACK (RFC 6675) */
	TCP_MIB_RENO_RECOVERY,      /* TCPRenoRecovery: NewReno recoveries (peer without SACK) */
	TCP_MIB_DSACK_RECV,         /* TCPDSACKRecv: D-SACK blocks received (RFC 2883) */
	TCP_MIB_DSACK_OLD_SENT,     /* TCPDSACKOldSent: D-SACKs sent for data below rcv.nxt (RFC 2883 4) */
	TCP_MIB_DSACK_OFO_SENT,     /* TCPDSACKOfoSent: D-SACKs sent for data already held out of order */
	TCP_MIB_SACK_DISCARD,       /* TCPSACKDiscard: SACK blocks outside the sent range */
	TCP_MIB_LOSS_PROBES,        /* TCPLossProbes: tail loss probes sent (RFC 8985 7) */
	TCP_MIB_RACK_RECOVERY,      /* hagd: recoveries started by the reordering timer (RFC 8985 6) */
	TCP_MIB_LOST_RETRANSMIT,    /* TCPLostRetransmit: a retransmission found lost (RFC 8985 6.2) */
	TCP_MIB_SACK_FAILURES,      /* TCPSackFailures: RTOs during a SACK recovery */
	TCP_MIB_LOSS_FAILURES,      /* TCPLossFailures: RTOs again while resending after an RTO */
	TCP_MIB_SACK_REORDER,       /* TCPSACKReorder: reordering seen in SACKs (RFC 8985 RACK.reordering_seen) */
	TCP_MIB_RACK_LOST,          /* hagd: segments marked lost (RACK, RFC 8985 6.2; or not SACKed at an RTO) */
	TCP_MIB_RACK_LOG_NO_MEMORY, /* hagd: transmit logs not allocated: RACK blind, the RTO repairs */
	TCP_MIB_LOSS_PROBE_RECOVERY,/* TCPLossProbeRecovery: losses a tail loss probe repaired (RFC 8985 7.4) */
	TCP_MIB_DSACK_UNDO,         /* TCPDSACKUndo: reductions undone: D-SACKs showed every retransmission spurious */
	TCP_MIB_FULL_UNDO,          /* TCPFullUndo: reductions undone at recovery's end: timestamps showed it spurious */
	TCP_MIB_PARTIAL_UNDO,       /* TCPPartialUndo: reductions undone on a partial ACK: the hole was filled by the delayed original */
	TCP_MIB_LOSS_UNDO,          /* TCPLossUndo: RTO reductions undone (D-SACK or timestamps) */
	TCP_MIB_SPURIOUS_RTOS,      /* TCPSpuriousRTOs: RTOs F-RTO (RFC 5682) found spurious, reduction undone */
	TCP_MIB_DSACK_IGNORED,      /* TCPDSACKIgnoredNoUndo: D-SACKs for data not retransmitted in an episode */
	TCP_MIB_PAWS_ESTAB,         /* PAWSEstabRejected: old timestamp, segment dropped (RFC 7323 5) */
	TCP_MIB_KEEPALIVE,          /* TCPKeepAlive: keepalive probes sent */
	TCP_MIB_KEEPALIVE_ABORT,    /* hagd: connections closed after unanswered keepalives */
	TCP_MIB_IDLE_TIMEOUT,       /* hagd: connections reset by the idle timeout */
	TCP_MIB_TW_OVERFLOW,        /* TCPTimeWaitOverflow: TIME_WAIT skipped, the table was full */
	TCP_MIB_CHALLENGE_THROTTLED,/* hagd: challenge ACKs not sent (RFC 5961 7 rate limit) */
	TCP_MIB_TOO_OLD_ACK,        /* hagd: segments dropped, ACK below SND.UNA - MAX.SND.WND (RFC 5961 5.2; Linux's drop reason TCP_TOO_OLD_ACK) */
	TCP_MIB_ICMP_FRAG_NEEDED,   /* hagd: ICMP fragmentation-needed accepted: path MSS lowered */
	TCP_MIB_ICMP_IGNORED,       /* hagd: ICMP errors ignored (no connection, bad sequence, bogus MTU) */
	TCP_MIB_ICMP_REFUSED,       /* hagd: connects failed by ICMP port/protocol unreachable */
	TCP_MIB_RCVBUF_GROWN,       /* hagd: receive windows grown by autotuning */
	TCP_MIB_RCVBUF_LIMITED,     /* hagd: growths refused by the memory budget */
	TCP_MIB_RCVQ_DROP,          /* TCPRcvQDrop: in-window segments dropped: no ring within the memory budget */
	TCP_MIB_SNDBUF_GROWN,       /* hagd: tx pipes grown: the flight was capped by the pipe (tcp_txp_grow) */
	TCP_MIB_HYSTART_EXIT,       /* hagd: initial slow starts ended by HyStart++ after its CSS rounds (RFC 9406 4.2) */
	TCP_MIB_HYSTART_DELAY_DETECT, /* TCPHystartDelayDetect: RTT rises that ended standard slow start (into CSS) */
	TCP_MIB_HYSTART_DELAY_CWND, /* TCPHystartDelayCwnd: sum of cwnd (segments) at those RTT rises */
	TCP_MIB_HYSTART_CSS_SPURIOUS, /* hagd: CSS left for slow start again: the RTT fell below its baseline */
	TCP_MIB_SYNCOOKIES_SENT,    /* SyncookiesSent: SYN/ACKs sent without state (SYN cookies) */
	TCP_MIB_SYNCOOKIES_RECV,    /* SyncookiesRecv: ACKs with a valid cookie: connections made */
	TCP_MIB_SYNCOOKIES_FAILED,  /* SyncookiesFailed: ACKs to a listener with no valid cookie */
	TCP_MIB_REQ_QFULL_DROP,     /* TCPReqQFullDrop: SYNs dropped, half-open table full, no cookies */
	TCP_MIB_NO_ACK_DROP,        /* hagd: segments without ACK (nor a lone SYN) dropped (RFC 9293 3.10.7) */
	TCP_MIB_RST_OUT_OF_WINDOW,  /* hagd: RSTs outside the window, ignored (RFC 5961 3.2) */
	TCP_MIB_RST_NO_SOCKET,      /* hagd: RSTs to a listener or a closed port, ignored (RFC 9293 3.10.7.1-2) */
	TCP_MIB_MPTCP_OPT_PLAIN,    /* hagd: segments with MPTCP options on a plain TCP connection, ignored */
	TCP_MIB_ECN_NEGOTIATED,     /* hagd: handshakes that agreed on ECN (RFC 3168 6.1.1) */
	TCP_MIB_ECN_CE_RX,          /* hagd: segments received with CE on an ECN connection (answered with ECE) */
	TCP_MIB_ECN_ECE_RX,         /* hagd: segments received with ECE on an ECN connection */
	TCP_MIB_ECN_CWR_TX,         /* hagd: segments sent with CWR: cwnd reduced for ECE (RFC 3168 6.1.2) */
	TCP_MIB_DELIVERED_CE,       /* TCPDeliveredCE: segments acknowledged by ACKs carrying ECE */
	TCP_MIB_MAX
};

extern const char *const tcp_mib_names[TCP_MIB_MAX];

struct tcp_sock;
struct tcp_stack;
struct tcp_txlog;

/* Options parsed from one segment (RFC 9293 3.1, RFC 7323, RFC 2018). */
struct tcp_seg_opts {
	uint16_t mss;               /* 0 = absent */
	int8_t wscale;              /* -1 = absent */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	uint32_t sack[4][2];
	/* MPTCP options (kind 30): pointers into the segment, parsed by lib/mptcp */
	uint8_t n_mptcp;
	const uint8_t *mptcp[4];
	uint8_t mptcp_len[4];
};

/* One received segment, as lib/tcp hands it to an upper layer. */
struct tcp_seg {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;              /* RTE_TCP_*_FLAG */
	uint8_t ecn;                /* the IP header's ECN field (RFC 3168 5) */
	bool v6;                    /* m's data is an IPv6 header, else IPv4 */
	uint16_t l4off;             /* the TCP header's offset in m's data */
	uint16_t len;               /* payload bytes */
	const uint8_t *data;
	struct tcp_seg_opts opt;
	struct rte_mbuf *m;
};

/* Events to the owner of a socket (the relay, or lib/mptcp for a subflow). */
struct tcp_sock_ops {
	void (*established)(struct tcp_sock *sk);
	void (*readable)(struct tcp_sock *sk);      /* rx pipe got contiguous bytes */
	void (*writable)(struct tcp_sock *sk);      /* tx pipe bytes were acknowledged and freed */
	void (*peer_fin)(struct tcp_sock *sk);      /* the peer ended its stream */
	/* Last call: the socket is freed when this returns. err: 0, -ECONNRESET,
	 * -ECONNREFUSED, -ETIMEDOUT, -ENOMEM. */
	void (*closed)(struct tcp_sock *sk, int err);
	/* The ULP moved the owner's connection to another socket (an MPTCP subflow
	 * took over from the one that died); sk is then freed without closed(). */
	void (*replaced)(struct tcp_sock *sk, struct tcp_sock *by);
};

/*
 * Upper layer protocol hooks (lib/mptcp on a subflow). All optional.
 */
struct tcp_ulp_ops {
	/* Every accepted segment, before ACK and data processing. Return <0 to drop it.
	 * Not a RST: rx_reset sees those. */
	int (*rx_segment)(struct tcp_sock *sk, const struct tcp_seg *seg);
	/* A RST that passed the RFC 5961 3.2 checks (exactly at RCV.NXT), before sk
	 * closes: the ULP reads the options it carries. It may end other sockets,
	 * never sk: lib/tcp closes sk when this returns, as for any RST. */
	void (*rx_reset)(struct tcp_sock *sk, const struct tcp_seg *seg);
	/* In-window payload at subflow stream position pos (instead of the rx pipe).
	 * Returns 0, or -ENOSPC to refuse it (then it is not acknowledged). */
	int (*rx_data)(struct tcp_sock *sk, uint64_t pos, const uint8_t *data, uint32_t len,
		       const struct tcp_seg *seg);
	/* Options for an outgoing segment: payload at stream position pos, len bytes
	 * (len 0: a pure ACK / SYN / FIN). Returns bytes written into opt (<= room). */
	uint32_t (*tx_options)(struct tcp_sock *sk, uint8_t flags, uint64_t pos, uint32_t len,
			       uint8_t *opt, uint32_t room);
	/* Where our send stream ends (replaces the tx pipe: the ULP schedules bytes). */
	uint64_t (*tx_end)(const struct tcp_sock *sk);
	/* Copy the payload at stream position pos (replaces the tx pipe read). */
	void (*tx_read)(const struct tcp_sock *sk, uint64_t pos, void *dst, uint32_t len);
	/* Most bytes one segment may carry from pos (a mapping must not be crossed). */
	uint32_t (*tx_seg_max)(const struct tcp_sock *sk, uint64_t pos);
	/* The owner queued bytes (tcp_kick): the ULP decides which subflow sends them. */
	void (*kick)(struct tcp_sock *sk);
	/* Bytes the receive window may offer (replaces the rx pipe's space). */
	uint32_t (*rcv_space)(const struct tcp_sock *sk);
	/* Our send stream was acknowledged up to pos (subflow level). */
	void (*acked)(struct tcp_sock *sk, uint64_t pos);
	/* The owner ended its stream (tcp_shutdown): the ULP decides how (DATA_FIN). */
	void (*shutdown)(struct tcp_sock *sk);
	/* The subflow's FIN arrived (the owner's peer_fin is not called while a ULP is set). */
	void (*peer_fin)(struct tcp_sock *sk);
	/* The owner freed room in the rx pipe (tcp_rx_space_freed on this socket). */
	void (*space_freed)(struct tcp_sock *sk);
	/* The owner aborts the connection (tcp_abort), before the RST goes out. */
	void (*abort)(struct tcp_sock *sk);
	/* A retransmission timeout fired (sk->retries counts them): the ULP may stop using sk. */
	void (*rto)(struct tcp_sock *sk);
	/* The ULP timer (tcp_ulp_timer) expired. */
	void (*timeout)(struct tcp_sock *sk);
	/* The socket is being freed. */
	void (*release)(struct tcp_sock *sk);
	/* A passive open completed (after the owner's established()); an active
	 * open (tcp_connect_ulp) completed (before the owner's established()). */
	void (*established)(struct tcp_sock *sk);
};

/* Where an outgoing segment goes: the owner's output routine resolves it. */
typedef int (*tcp_output_fn)(void *arg, struct rte_mbuf *m, uint32_t dst_ip, void *route);
/* The same for an IPv6 segment (dst: 16 bytes, network order). */
typedef int (*tcp_output6_fn)(void *arg, struct rte_mbuf *m, const uint8_t dst[16], void *route);

struct tcp_stack_conf {
	struct rte_mempool *pool;
	uint32_t max_conns;
	uint32_t rcvbuf;              /* the largest receive buffer: it sets our window scale */
	uint32_t timewait_us;
	uint32_t syn_retries;
	uint32_t max_retries;       /* data retransmissions before abort (default 15) */
	uint16_t mss;               /* our MSS: port MTU - 40 */
	const struct tcp_cc_ops *cc; /* default congestion control for new sockets (NULL: cubic) */
	uint32_t max_timewait;      /* TIME_WAIT sockets at most (0: no limit) */
	uint32_t challenge_ack_limit; /* challenge ACKs per second at most (0: 1000) */
	/* Several workers (issue 5): this stack's ephemeral ports p satisfy
	 * p % port_stride == port_offset, so any worker can tell the owner of a
	 * reply from its destination port (software steering). 0 or 1: all ports. */
	uint16_t port_stride, port_offset;
	/* The ephemeral range, both ends included (0, 0: 32768-60999). Several
	 * workers each get a block of the configured range (app/steer.c). */
	uint16_t port_lo, port_hi;
	/* SYN flood defence (RFC 4987 3.6): half-open (SYN_RCVD) sockets at most
	 * before SYN/ACKs go out stateless, with a cookie as ISS (0: 1024). */
	uint32_t syn_backlog;
	uint8_t syncookies;         /* enum tcp_syncookies */
	uint8_t ecn;                /* enum tcp_ecn */
	/*
	 * A stateless SYN/ACK's ULP options (MPTCP's MP_CAPABLE): write them for
	 * the SYN syn to tmp (4-tuple, irs, the options the SYN offered) into opt
	 * and return their length, setting *bit to a bit the cookie carries back
	 * (tcp_sock.syncookie_bit at the ACK). Return < 0 when this SYN needs
	 * state (an MP_JOIN): it is then opened as usual while the backlog
	 * allows. NULL: no ULP options in cookie SYN/ACKs.
	 */
	int (*syncookie_opts)(void *arg, const struct tcp_sock *tmp, const struct tcp_seg *syn, uint8_t *opt,
			      uint32_t room, bool *bit);
	void *syncookie_arg;
	/* Told when a socket's 4-tuple enters (added) and leaves the stack's flow
	 * table; NULL: not told. Several workers: the app's software steering. */
	void (*flow_event)(void *arg, const struct tcp_sock *sk, bool added);
	void *flow_arg;
	/* An ephemeral port for an active open must also satisfy this (NULL: any;
	 * called with flow_arg): the app makes the NIC's RSS deliver the replies
	 * to this worker's queue. */
	bool (*port_ok)(void *arg, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
	/* The same for an IPv6 active open (addresses 16 bytes, network order). */
	bool (*port_ok6)(void *arg, const uint8_t laddr[16], uint16_t lport, const uint8_t raddr[16],
			 uint16_t rport);
	tcp_output_fn output;
	tcp_output6_fn output6;     /* IPv6 segments (with ipv6); both take output_arg */
	void *output_arg;
	/* IPv6 sockets too (issue 17): the stack gets a second flow table, keyed
	 * by IPv6 4-tuples (max_conns entries as the IPv4 one); output6 is needed. */
	bool ipv6;
	int socket_id;
};

/* A connection. Its fields are lib/tcp's and its ULP's (lib/tcp/tcp_sock.h);
 * an owner uses the functions below. */
struct tcp_sock;

struct tcp_listener;

/* Congestion control (lib/tcp/tcp_cc.c). */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_sock *sk);
	/* snd_una advanced by acked bytes outside recovery: grow cwnd. */
	void (*on_ack)(struct tcp_sock *sk, uint64_t acked);
	/* Loss detected (recovery starts, or an RTO): set ssthresh. */
	void (*on_congestion)(struct tcp_sock *sk);
	/* The last congestion event was spurious (RFC 9438 4.9): put back the
	 * cwnd, ssthresh and state it saved. NULL: the module cannot undo. */
	void (*undo)(struct tcp_sock *sk);
};

extern const struct tcp_cc_ops tcp_cc_newreno, tcp_cc_cubic;
/* RFC 5681 slow start with RFC 3465 ABC (L = 2) for CC modules: returns the
 * acked bytes left for congestion avoidance (0 while below ssthresh). */
uint64_t tcp_cc_slow_start(struct tcp_sock *sk, uint64_t acked);
/* RFC 5681 eq. 4 for CC modules: ssthresh = max(flight / 2, 2 MSS). */
void tcp_cc_halve(struct tcp_sock *sk);
/* A word of TCP_CC_NAMES or "reno" (NULL: the default, cubic); NULL when unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/* The algorithm of a kind (the config's tcp.cc_*); cubic for an unknown one. */
const struct tcp_cc_ops *tcp_cc_of(enum tcp_cc_kind kind);
/* Choose sk's congestion control (before or right after the handshake). */
void tcp_set_cc(struct tcp_sock *sk, const struct tcp_cc_ops *ops);

/* A new connection on a listener: set sk->ops/user (and ulp) or return <0 to refuse (RST). */
typedef int (*tcp_accept_fn)(void *arg, struct tcp_sock *sk, const struct tcp_seg *syn);

struct tcp_stack *tcp_stack_create(const struct tcp_stack_conf *conf);
void tcp_stack_free(struct tcp_stack *st);

/* Listen on addr:port (host order; addr 0 = any). Returns 0 or -errno. */
int tcp_listen(struct tcp_stack *st, uint32_t addr, uint16_t port, tcp_accept_fn fn, void *arg);

/*
 * Transparent interception: a listener for SYNs the owner hands over with
 * tcp_input_intercepted() (addressed to somebody else, to port `port`; 0 =
 * any port). The accepted socket's local address and port are the original
 * destination's. Intercepting listeners never see tcp_input()'s SYNs and
 * ordinary listeners never see intercepted ones. Returns 0 or -errno.
 */
int tcp_listen_intercept(struct tcp_stack *st, uint16_t port, tcp_accept_fn fn, void *arg);

/*
 * IPv6 (issue 17). Addresses are 16 bytes in network order, as lib/net's;
 * the stack must have been created with conf.ipv6. An IPv6 socket is used
 * through the same functions as an IPv4 one.
 */
/* Listen on [addr]:port (NULL or :: = any of ours). Returns 0 or -errno (-EAFNOSUPPORT: no conf.ipv6). */
int tcp_listen6(struct tcp_stack *st, const uint8_t addr[16], uint16_t port, tcp_accept_fn fn, void *arg);
/*
 * Receive one IPv6/TCP packet: m's data starts at the IPv6 header, checked
 * by net_ip6_check, whose walk put the TCP header at offset l4off (after
 * any extension headers) and l4len bytes of it before the end of the payload.
 * Takes ownership of m.
 */
void tcp_input6(struct tcp_stack *st, struct rte_mbuf *m, uint16_t l4off, uint16_t l4len, void *route,
		uint64_t now_us);
/* The same for a segment to an address that is not ours (tcp_input_intercepted). */
void tcp_input_intercepted6(struct tcp_stack *st, struct rte_mbuf *m, uint16_t l4off, uint16_t l4len,
			    void *route, uint64_t now_us);
/* The socket of this IPv6 4-tuple (l = our side), or NULL. */
struct tcp_sock *tcp_flow_find6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
				const uint8_t raddr[16], uint16_t rport);
/* tcp_connect and tcp_connect_ulp over IPv6 (lport 0: ephemeral, port_ok6 asked). */
struct tcp_sock *tcp_connect6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
			      const uint8_t raddr[16], uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			      const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us);
struct tcp_sock *tcp_connect_ulp6(struct tcp_stack *st, const uint8_t laddr[16], uint16_t lport,
				  const uint8_t raddr[16], uint16_t rport, struct tcp_pipe *rxp,
				  struct tcp_pipe *txp, const struct tcp_sock_ops *ops, void *user, void *route,
				  uint64_t now_us, const struct tcp_ulp_ops *ulp, void *ulp_ctx);
/* The 32-bit hint an IPv6 socket keeps in its tuple's laddr / raddr (tcp_sock_tuple,
 * tcp_sock_info): its address's words xored; never an IPv4 address. */
static inline uint32_t tcp_ip6_fold(const uint8_t a[16])
{
	uint32_t h = 0;

	for (int i = 0; i < 16; i += 4)
		h ^= (uint32_t)a[i] << 24 | (uint32_t)a[i + 1] << 16 | (uint32_t)a[i + 2] << 8 | a[i + 3];
	return h;
}

/* Whether sk is an IPv6 connection; its addresses (network order). */
bool tcp_sock_is_v6(const struct tcp_sock *sk);
const uint8_t *tcp_sock_laddr6(const struct tcp_sock *sk);
const uint8_t *tcp_sock_raddr6(const struct tcp_sock *sk);
/*
 * An ICMPv6 error about one of our segments: inner is the quoted IPv6 header
 * (40 bytes, then at least 8 bytes of TCP: hagd sends no extension headers),
 * inner_len bytes in all; info is the message's 32-bit field (the MTU of a
 * Packet Too Big). Packet Too Big (RFC 8201) lowers the path MSS, never below
 * the IPv6 minimum MTU's; port unreachable, and a Parameter Problem about the
 * Next Header, fail a connect in SYN_SENT.
 */
void tcp_icmp6_input(struct tcp_stack *st, uint8_t type, uint8_t code, uint32_t info, const uint8_t *inner,
		     uint32_t inner_len, uint64_t now_us);

/*
 * Receive one IPv4/TCP packet (m's data starts at the IPv4 header, already
 * checked by net_ipv4_check). Takes ownership of m. route is the owner's
 * handle for answering (used for new connections and RSTs).
 */
void tcp_input(struct tcp_stack *st, struct rte_mbuf *m, void *route, uint64_t now_us);
/* The same for a segment to an address that is not ours, which the owner
 * intercepts: a SYN finds an intercepting listener (tcp_listen_intercept). */
void tcp_input_intercepted(struct tcp_stack *st, struct rte_mbuf *m, void *route, uint64_t now_us);
/* The socket of this 4-tuple (host order; l = our side), or NULL. */
struct tcp_sock *tcp_flow_find(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			       uint16_t rport);

/* Run timers and send what the last burst made due. Call once per poll. */
void tcp_stack_poll(struct tcp_stack *st, uint64_t now_us);

/*
 * Active open from laddr:lport to raddr:rport (lport 0: pick an ephemeral
 * port). Received bytes go to rxp, bytes to send come from txp (pipe
 * position = stream position - 1). The socket reports through ops. Returns NULL with rte_errno set.
 */
struct tcp_sock *tcp_connect(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
			     uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
			     const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us);

/*
 * tcp_connect for a ULP's socket (an MPTCP client's subflow): ulp and ulp_ctx
 * are attached before the SYN is built, so that its options ride on it. The
 * ULP then sees the SYN/ACK (rx_segment, in SYN_SENT: return < 0 to drop it;
 * it may reset the socket) and is told when the socket is established.
 */
struct tcp_sock *tcp_connect_ulp(struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
				 uint16_t rport, struct tcp_pipe *rxp, struct tcp_pipe *txp,
				 const struct tcp_sock_ops *ops, void *user, void *route, uint64_t now_us,
				 const struct tcp_ulp_ops *ulp, void *ulp_ctx);

/* Give up a connect that is not established by absolute time at (us). */
void tcp_connect_timeout(struct tcp_sock *sk, uint64_t at);
/* New bytes are in the tx pipe: send them when the window allows. */
void tcp_kick(struct tcp_sock *sk);
/* Space was freed in the rx pipe: advertise it if that matters. */
void tcp_rx_space_freed(struct tcp_sock *sk);
/*
 * Send buffer autotuning: sk sent everything its tx pipe holds while its
 * windows allow more. If the pipe is nearly full of bytes the peer has not
 * acknowledged, it is the limit: it doubles (at most once per rtt_us, up to
 * its max_cap and within the memory budget; tcp.SndBufGrown) and the owner
 * is told (writable) so that the writing side announces the room. Plain
 * sockets call it from their output; a ULP scheduling the pipe itself
 * (MPTCP, on the first subflow) calls it when its subflows could take more.
 */
void tcp_txp_grow(struct tcp_sock *sk, uint64_t rtt_us);
/* Payload of a full data segment of sk that carries ulp_opt_len bytes of ULP
 * options besides the timestamps (what tcp_xmit cuts a segment to). */
uint32_t tcp_seg_payload(const struct tcp_sock *sk, uint32_t ulp_opt_len);
/* End our stream after the bytes in the tx pipe (send FIN). */
void tcp_shutdown(struct tcp_sock *sk);
/* Keepalive (RFC 9293 3.8.4): after idle_ms without a segment from the peer,
 * up to probes probes every intvl_ms, then the connection is reset. 0: off. */
void tcp_set_keepalive(struct tcp_sock *sk, uint32_t idle_ms, uint32_t intvl_ms, uint8_t probes);
/* Reset the connection after ms without payload either way. 0: off. */
void tcp_set_idle_timeout(struct tcp_sock *sk, uint32_t ms);
/* What an owner may show of a socket (as Linux's tcp_get_info): a copy, read on the socket's worker. */
struct tcp_sock_info {
	uint8_t state, retries;
	uint8_t ooo;                  /* out-of-order ranges held */
	uint32_t laddr, raddr;        /* host order (IPv6: tcp_ip6_fold's hint) */
	uint16_t lport, rport;
	bool v6;                      /* IPv6: the addresses are these */
	uint8_t laddr6[16], raddr6[16];
	uint32_t snd_wnd, cwnd, srtt_us;
	uint64_t snd_una, snd_nxt, snd_max, rcv_nxt;   /* stream positions */
	const char *cc;               /* congestion control's name (static) */
	uint32_t keep_ms, idle_ms;    /* keepalive idle time, idle timeout; 0: off */
};
void tcp_sock_get_info(const struct tcp_sock *sk, struct tcp_sock_info *o);
/* The owner's side of a socket, set by a listener's fn for a new connection
 * (tcp_connect takes the same four): its events, its pointer, its pipes. */
void tcp_sock_set_owner(struct tcp_sock *sk, const struct tcp_sock_ops *ops, void *user, struct tcp_pipe *rxp,
			struct tcp_pipe *txp);
/* The owner's pointer. */
void *tcp_sock_user(const struct tcp_sock *sk);
/* The 4-tuple, host order. */
struct tcp_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};
struct tcp_tuple tcp_sock_tuple(const struct tcp_sock *sk);
enum tcp_state tcp_sock_state(const struct tcp_sock *sk);
/* What an owner sets on its sockets, as one template (hagd: the access side's,
 * for a client connection and every MPTCP subflow of it). */
struct tcp_sock_conf {
	const struct tcp_cc_ops *cc;           /* NULL: the socket keeps its own */
	uint32_t keep_idle_ms, keep_intvl_ms;  /* tcp_set_keepalive; keep_idle_ms 0: off */
	uint8_t keep_probes;
	uint32_t idle_ms;                      /* tcp_set_idle_timeout; 0: off */
};
/* Apply c to sk: congestion control, keepalive and idle timeout. A setting sk
 * already has is left as it runs (its window, its timers' deadlines). */
void tcp_sock_configure(struct tcp_sock *sk, const struct tcp_sock_conf *c);
/*
 * An ICMP error about one of our segments: inner is the quoted IPv4 header
 * (with at least 8 bytes of TCP after it, inner_len bytes in all).
 * Fragmentation needed (type 3 code 4, RFC 1191) lowers the path MSS;
 * port/protocol unreachable fails a connect in SYN_SENT.
 */
void tcp_icmp_input(struct tcp_stack *st, uint8_t type, uint8_t code, uint16_t mtu,
		    const uint8_t *inner, uint32_t inner_len, uint64_t now_us);
/* Arm (at > 0) or stop (0) the ULP's timer, in absolute microseconds. */
void tcp_ulp_timer(struct tcp_sock *sk, uint64_t at);
/* The stack's current time (the last now_us passed in). */
uint64_t tcp_now(const struct tcp_sock *sk);
/* Queue an ACK for the next flush. */
void tcp_ack_now(struct tcp_sock *sk);
/* Send an ACK at once (a ULP about to detach needs its options on it). */
void tcp_ack_send(struct tcp_sock *sk);
/* Protocol error: send RST and close; the owner gets closed(-ECONNRESET). */
void tcp_reset(struct tcp_sock *sk);
/* Abort: send RST, free; closed(-ECONNRESET) is NOT called for an abort the owner asked for. */
void tcp_abort(struct tcp_sock *sk);

uint64_t tcp_mib_get(const struct tcp_stack *st, enum tcp_mib c);
uint32_t tcp_stack_conns(const struct tcp_stack *st);
/* Bump a counter from outside lib/tcp (e.g. checksum errors found earlier). */
void tcp_mib_inc(struct tcp_stack *st, enum tcp_mib c);
struct rte_mempool *tcp_stack_pool(struct tcp_stack *st);

/*
 * Parse the TCP options of a header (pure; tested alone). Returns 0, or
 * -EINVAL when an option's length runs past the header or is < 2.
 */
int tcp_parse_options(const uint8_t *p, uint32_t len, bool syn, struct tcp_seg_opts *o);

#endif

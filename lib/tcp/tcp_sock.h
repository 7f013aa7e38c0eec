/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct tcp_sock itself: lib/tcp's and its upper layer's (lib/mptcp, a ULP
 * that drives subflows as Linux's net/mptcp drives struct tcp_sock) and the
 * unit tests'. An owner (app/) uses lib/tcp/tcp.h's functions instead.
 */
#ifndef HAG_TCP_SOCK_H
#define HAG_TCP_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "tcp/tcp.h"

/* The flags of struct tcp_sock.flags. */
#define TF_ACK_NOW      0x0001  /* send an ACK at the next flush */
#define TF_DELACK       0x0002  /* an ACK is owed; delayed-ACK timer running */
#define TF_FIN_QUEUED   0x0004  /* our stream ends at txp end (shutdown called) */
#define TF_FIN_SENT     0x0008
#define TF_SACK_OK      0x0010
#define TF_TS_OK        0x0020
#define TF_WS_OK        0x0040
#define TF_IN_DIRTY     0x0080  /* on the stack's flush list */
#define TF_RECOVERY     0x0100  /* NewReno fast recovery */
#define TF_NO_TX_FREE   0x0200  /* acked bytes are freed by the ULP (MPTCP data level) */
#define TF_LOSS         0x0400  /* after an RTO (SACK): resending what is marked lost, up to recover */
#define TF_PEER_FIN     0x0800  /* FIN received (in order) */
#define TF_CLOSED_CB    0x1000  /* closed() delivered */
#define TF_RTX_FIRST    0x4000  /* recovery just started: resend the first hole whatever the pipe */
#define TF_RACK_TIMER   0x2000  /* t_loss is RACK's reordering timer, not a loss probe */
#define TF_TLP_SENT     0x8000  /* a tail loss probe is out for this flight */

/* 64-bit words of congestion control state in each socket (CUBIC needs 9). */
#define TCP_CC_PRIV_U64 9

struct tcp_sock {
	/* Identity, host byte order. An IPv6 socket (v6) is a struct tcp_sock6:
	 * its addresses are there, and laddr / raddr hold a fold of them
	 * (tcp_ip6_fold), a hint for hashing, never an IPv4 address. */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t state;
	uint8_t retries;            /* consecutive RTOs */
	uint16_t flags;

	/* Send side: 64-bit stream positions, wire seq = iss + pos (0 = SYN, data from 1). */
	uint32_t iss;
	bool v6;                    /* an IPv6 connection: a struct tcp_sock6 (in the hole before snd_una) */
	uint64_t snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd;           /* peer's window, scaled */
	uint32_t max_snd_wnd;       /* the largest it advertised (RFC 5961 5.2 MAX.SND.WND) */
	uint64_t snd_wl1;           /* rcv position of the last window update */
	uint64_t snd_wl2;           /* snd position of the last window update */
	uint8_t snd_wscale, rcv_wscale;
	bool syncookie;             /* made from a SYN cookie at the handshake's ACK */
	bool syncookie_bit;         /* the ULP's bit of that cookie (syncookie_opts) */
	uint32_t ts_cookie;         /* a stateless SYN/ACK's TSval (options encoded) */
	uint16_t mss;               /* effective send MSS (payload per segment, options excluded) */
	uint16_t peer_mss;
	uint32_t cwnd, ssthresh;
	/* Congestion window validation (RFC 7661; Linux's tcp_cwnd_validate): cwnd
	 * grows only while it limits the flight. A round ends once snd_una passes
	 * the snd_nxt it began with. */
	bool cwnd_limited;          /* the flight reached cwnd in the current round */
	uint32_t max_flight;        /* the largest flight of the current round */
	uint64_t cwnd_round;        /* where the current round ends */
	/* HyStart++ (RFC 9406), in the initial slow start only (tcp_cc.c): a
	 * round's smallest RTT an eighth (4..16 ms) above the previous round's
	 * leads into conservative slow start (CSS), and after 5 rounds of it to
	 * congestion avoidance. */
	uint32_t hs_round_end;      /* windowEnd: low 32 bits of the position that ends the round */
	uint32_t hs_last_min;       /* smallest RTT sample of the previous round, us (0: none) */
	uint32_t hs_cur_min;        /* ... of the current round */
	uint32_t hs_sample;         /* this ACK's RTT sample, counted after the round check (0: none) */
	uint32_t hs_css_base;       /* cssBaselineMinRtt: the round's smallest RTT when CSS began */
	uint8_t hs_samples;         /* RTT samples in the current round */
	uint8_t hs_css;             /* the CSS round we are in (1..5), 0: not in CSS */
	const struct tcp_cc_ops *cc_ops;
	/* The congestion control's own state: each algorithm's struct, checked to
	 * fit (tcp_internal.h: NewReno's and CUBIC's; lib/mptcp's LIA and OLIA), as
	 * Linux's icsk_ca_priv. */
	uint64_t cc_priv[TCP_CC_PRIV_U64];
	uint64_t recover;           /* recovery point (RFC 6582 / RFC 6675 RecoveryPoint) */
	uint64_t ecn_high;          /* RFC 3168 6.1.2: no cwnd reduction for ECE until snd_una reaches it */
	uint8_t dupacks;
	uint8_t ecn;                /* TE_* (tcp_internal.h): RFC 3168 state */
	struct seq_ranges sacked;   /* scoreboard: sacked.nxt = snd_una, r[] = SACKed ranges */
	struct seq_ranges lost;     /* marked lost (RACK, RTO), not SACKed, not resent since (lost.nxt = snd_una) */
	struct tcp_txlog *txlog;    /* transmit times of what is in flight (tcp_recovery.c); NULL: none */
	uint8_t reo_mult;           /* RFC 8985 reo_wnd_mult: grows with D-SACKs (reordering seen) */
	bool rack_reord;            /* RFC 8985 RACK.reordering_seen: an original segment SACKed below the highest SACK */
	uint8_t reo_persist;        /* RFC 8985 RACK.reo_wnd_persist: recoveries left before reo_mult falls back to 1 */
	uint8_t rflags;             /* TR_* (tcp_internal.h): loss probe, F-RTO and undo state */
	uint64_t rack_dsack_round;  /* RFC 8985 RACK.dsack_round: one reo_mult step per round trip (0: none) */
	uint64_t tlp_end;           /* RFC 8985 TLP.end_seq: snd_max after the probe (TF_TLP_SENT) */
	/* Undo (RFC 2883 / RFC 3708 D-SACK, RFC 3522 timestamps, RFC 5682 F-RTO):
	 * cwnd and ssthresh before the episode's reduction, the TSval of its first
	 * retransmission, and how many of its retransmissions are not yet known
	 * to have been spurious. undo_marker 0: nothing to undo. */
	uint64_t undo_marker, frto_high;
	uint32_t prior_cwnd, prior_ssthresh;
	uint32_t retrans_stamp;
	int32_t undo_retrans;
	/* RFC 8985 RACK: the most recently sent segment delivered (its transmit
	 * time and end), the RTT it measured, the smallest RTT seen. */
	uint64_t rack_ts, rack_end;
	uint32_t rack_rtt_us, rack_min_rtt_us;
	/* RFC 6937 PRR: bytes delivered and sent since recovery began, the flight then. */
	uint64_t prr_delivered, prr_out, recover_fs;

	/* RTT (RFC 6298), microseconds. */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint64_t rtt_pos;           /* timed segment end, 0 = none */
	uint64_t rtt_ts;

	/* Receive side. */
	uint32_t irs;
	uint64_t rcv_adv;           /* right edge of the window we advertised (rx position) */
	struct seq_ranges rcv;      /* rcv.nxt: next expected rx position */
	uint32_t ts_recent;
	uint16_t unacked_segs;      /* full segments received since our last ACK */
	int64_t rcv_fin_pos;        /* position of a FIN received out of order, -1 none */
	uint64_t sack_recent[3];    /* starts of the latest out-of-order arrivals (RFC 2018 4 order) */
	uint64_t dsack_start, dsack_end;   /* RFC 2883: data received twice, for the next ACK (equal: none) */

	/* Bytes: rx pipe written at rx position + rx_off; tx pipe read at tx position + tx_off. */
	struct tcp_pipe *rxp, *txp;
	int64_t rx_off, tx_off;

	/* Timers (absolute microseconds, 0 = off). */
	uint64_t t_rto, t_delack, t_persist, t_tw, t_conn, t_ulp;
	uint64_t t_loss;            /* RACK reordering window or TLP probe timeout */
	uint64_t t_keep, t_idle;    /* keepalive, idle timeout */
	uint32_t keep_idle_ms, keep_intvl_ms, idle_ms;   /* ms: a day's worth fits (us would wrap at 71 min) */
	uint8_t keep_probes, keep_sent;
	uint64_t at_pos, at_ts;     /* receive autotuning: rx ring end (rx.nxt) at at_ts */
	uint64_t t_sched;           /* when the wheel will look at us */
	TAILQ_ENTRY(tcp_sock) tq;   /* timer wheel slot */
	TAILQ_ENTRY(tcp_sock) dq;   /* flush list */

	const struct tcp_sock_ops *ops;
	void *user;                 /* the owner's */
	const struct tcp_ulp_ops *ulp;
	void *ulp_ctx;
	void *route;                /* the owner's output route handle */
	struct tcp_stack *stack;
	int err;
};

/*
 * An IPv6 connection (issue 17; decision 55): the IPv4 socket and the two
 * addresses, as Linux's tcp6_sock extends tcp_sock, so that an IPv4 socket
 * carries nothing of IPv6.
 */
struct tcp_sock6 {
	struct tcp_sock sk;
	uint8_t laddr6[16], raddr6[16];   /* network order */
};

static inline struct tcp_sock6 *tcp_sk6(const struct tcp_sock *sk)
{
	return (struct tcp_sock6 *)(uintptr_t)sk;
}

#endif

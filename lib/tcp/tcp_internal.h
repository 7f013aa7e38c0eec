/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcp internals: shared by tcp*.c only. */
#ifndef HAG_TCP_INTERNAL_H
#define HAG_TCP_INTERNAL_H

#include <rte_hash.h>
#include <rte_tcp.h>
#include <rte_ip.h>

#include "tcp/tcp.h"
#include "tcp/tcp_sock.h"

/* RFC 6298 2.1 / 2.4 / 5.5, RFC 9293 default MSS (536 for IPv4 when absent). */
#define TCP_RTO_INIT_US     1000000u
#define TCP_RTO_MIN_US      200000u      /* as Linux, below RFC 6298's 1 s; see docs/decisions.md */
#define TCP_RTO_MAX_US      60000000u
#define TCP_DELACK_US       40000u
#define TCP_WC_DELACK_US    200000u      /* RFC 8985 7.2 WCDelAckT: a peer's longest delayed ACK */
#define TCP_DEFAULT_MSS     536
#define TCP_DEFAULT_MSS6    1220         /* IPv6's minimum MTU less 60 */
#define TCP_MAX_WSCALE      14
#define TCP_INIT_CWND_SEGS  10           /* RFC 6928 */
#define TCP_HDR_MAX_OPT     40
#define TCP_PERSIST_MIN_US  200000u
/* PAWS tolerance in peer clock ticks: reordering on an access link (jitter) must not
 * look like an old duplicate; wrapped sequence numbers are tens of seconds apart. */
#define TCP_PAWS_WINDOW     1000

/* The ECN field of the IPv4 TOS byte and of the IPv6 Traffic Class (RFC 3168 5). */
#define IP_ECN_MASK 0x03
#define IP_ECN_ECT0 0x02
#define IP_ECN_CE   0x03

/* Wheel: 1 ms slots over ~4 s; later deadlines wait in the last slot and are re-filed. */
#define TW_SLOTS 4096
#define TW_TICK_US 1000u

TAILQ_HEAD(tcp_sock_list, tcp_sock);

struct tcp_flow_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
} __attribute__((packed));

/* The IPv6 flow table's key (addresses in network order). */
struct tcp_flow_key6 {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
} __attribute__((packed));

/*
 * A 4-tuple of either family on the slow paths (demux misses, passive opens,
 * cookies, RSTs): IPv4 addresses in host order, IPv6 ones pointed at (into a
 * packet or a socket). The fast path keeps its family's own key.
 */
struct tcp_4tuple {
	bool v6;
	uint32_t laddr, raddr;          /* IPv4 (IPv6: the folds) */
	const uint8_t *laddr6, *raddr6; /* IPv6 */
	uint16_t lport, rport;
};

struct tcp_listener {
	uint32_t addr;
	uint16_t port;
	bool intercept;             /* tcp_listen_intercept: for intercepted SYNs only (either family) */
	bool v6;                    /* tcp_listen6: addr6 (all zero: any) */
	uint8_t addr6[16];
	tcp_accept_fn fn;
	void *arg;
};

#define TCP_MAX_LISTENERS 64

/* NewReno's and CUBIC's state in tcp_sock.cc_priv. */
struct tcp_cc_reno {
	uint64_t acc;
	/* cwnd and ssthresh before the last congestion event, for undo (0: none saved) */
	uint32_t prior_cwnd, prior_ssthresh;
};

struct tcp_cc_cubic {
	double w_max, k, w_est, acc;   /* segments; k in seconds */
	uint64_t epoch_us;             /* start of the avoidance epoch, 0 = none */
	/* RFC 9438 4.6 cwnd_prior (bytes; also 4.9's prior_cwnd) and the
	 * rest of the state before the last congestion event, for undo
	 * (4.9; prior_ssthresh 0: none saved). */
	uint32_t cwnd_prior, prior_ssthresh;
	float prior_w_max, prior_k, prior_w_est;
	uint64_t prior_epoch_us;
};

_Static_assert(sizeof(struct tcp_cc_reno) <= sizeof(((struct tcp_sock *)0)->cc_priv), "NewReno's state fits");
_Static_assert(sizeof(struct tcp_cc_cubic) <= sizeof(((struct tcp_sock *)0)->cc_priv), "CUBIC's state fits");

/* The state in sk (const or not, as Linux's inet_csk_ca). */
static inline struct tcp_cc_reno *tcp_reno(const struct tcp_sock *sk)
{
	return (struct tcp_cc_reno *)(uintptr_t)sk->cc_priv;
}

static inline struct tcp_cc_cubic *tcp_cubic(const struct tcp_sock *sk)
{
	return (struct tcp_cc_cubic *)(uintptr_t)sk->cc_priv;
}


struct tcp_stack {
	struct tcp_stack_conf conf;
	struct rte_hash *flows;
	struct rte_hash *flows6;               /* IPv6 sockets (conf.ipv6), else NULL */
	uint32_t n_conns;
	uint16_t next_port;
	bool in_intercepted;                   /* tcp_input_intercepted is running */
	uint16_t ip_id;                        /* IPv4 identification of our packets */
	int n_listeners;
	struct tcp_listener listeners[TCP_MAX_LISTENERS];
	struct tcp_sock_list dirty;            /* sockets with something to send this poll */
	uint64_t now_us;
	uint64_t wheel_tick;                   /* last tick processed */
	struct tcp_sock_list wheel[TW_SLOTS];
	struct tcp_sock_list free_later;       /* closed sockets freed at the end of the poll */
	uint32_t n_timewait;
	uint64_t chal_window_us;               /* challenge ACK rate limit: this second's start */
	uint32_t chal_sent;                    /* and how many went out in it */
	uint32_t n_synrcvd;                    /* half-open passive sockets */
	uint64_t cookie_key[2];                /* SipHash key of the SYN cookies */
	uint64_t cookie_last_us;               /* when the last cookie went out (0: never) */
	uint64_t mib[TCP_MIB_MAX];
};

#define TCP_INC(st, c) ((st)->mib[(c)]++)

/* tcp.c */
/* A socket for t of either family (NULL: rte_errno set). */
struct tcp_sock *tcp_sock_new(struct tcp_stack *st, const struct tcp_4tuple *t);
/* t's socket, or NULL. */
struct tcp_sock *tcp_flow_lookup(struct tcp_stack *st, const struct tcp_4tuple *t);
/* Our MSS on sk's family: the port MTU's, less IPv6's 20 more header bytes. */
static inline uint16_t tcp_own_mss(const struct tcp_stack *st, bool v6)
{
	return (uint16_t)(st->conf.mss - (v6 ? 20 : 0));
}
void tcp_set_state(struct tcp_sock *sk, enum tcp_state s);
void tcp_done(struct tcp_sock *sk, int err);
void tcp_mark_dirty(struct tcp_sock *sk);
uint32_t tcp_rcv_space(const struct tcp_sock *sk);
uint8_t tcp_wscale_for(uint32_t space);

/* tcp_cookie.c: SYN cookies (RFC 4987 3.6) */
struct tcp_listener;
/* Answer the SYN seg to l without state. Returns 0, or < 0 when it needs state. */
int tcp_cookie_synack(struct tcp_stack *st, const struct tcp_seg *seg, const struct tcp_4tuple *t, void *route);
/* The ACK seg found no socket: is it the answer to one of our cookies? Then
 * *o holds the SYN's options it encodes and *bit the ULP's bit. A failed check
 * while cookies are in use counts SyncookiesFailed. */
bool tcp_cookie_check(struct tcp_stack *st, const struct tcp_seg *seg, const struct tcp_4tuple *t,
		      struct tcp_seg_opts *o, bool *bit);
/* SipHash-2-4 of 32 bytes, for the cookies (and their tests). */
uint64_t tcp_siphash32(const uint64_t key[2], const uint8_t msg[32]);

/* tcp_output.c */
void tcp_output(struct tcp_sock *sk);
void tcp_send_ack(struct tcp_sock *sk);
int tcp_send_syn(struct tcp_sock *sk, bool synack);
/* The SYN/ACK of a socket that exists only for it (tcp_cookie.c). */
int tcp_send_synack_stateless(struct tcp_sock *tmp);
/* RFC 9293 3.10.7: the RST answering seg (either family), which has no connection. */
void tcp_send_rst_for(struct tcp_stack *st, const struct tcp_seg *seg, void *route);
void tcp_send_rst(struct tcp_sock *sk);
void tcp_retransmit_una(struct tcp_sock *sk);
void tcp_send_probe(struct tcp_sock *sk);
void tcp_send_probe_seq(struct tcp_sock *sk);
int tcp_xmit_data(struct tcp_sock *sk, uint64_t pos, uint32_t len);

void tcp_challenge_ack(struct tcp_sock *sk);

/* What one ACK told a SACK sender: tcp_sack_ack fills it, tcp_recovery_ack reads it. */
struct tcp_ackinfo {
	uint64_t delivered;         /* RFC 6937 DeliveredData: bytes newly ACKed or SACKed */
	uint64_t prior_una;         /* snd_una before the ACK */
	uint64_t dsack_s, dsack_e;  /* its D-SACK block (RFC 2883); dsack_e > dsack_s when it had one */
	uint32_t tsecr;             /* its TSecr (0: none) */
	bool news;                  /* the scoreboard grew */
	uint64_t orig_lo;           /* the lowest never-retransmitted byte it ACKed or SACKed (UINT64_MAX: none) */
	bool dup;                   /* a duplicate ACK: no data, same window, snd_una unmoved (RFC 5681 2) */
};

/* tcp_sack.c: the scoreboard (RFC 6675) */
void tcp_sack_ack(struct tcp_sock *sk, const struct tcp_seg *seg, uint64_t ack, struct tcp_ackinfo *ai);
uint64_t tcp_sack_high(const struct tcp_sock *sk);
uint64_t tcp_pipe(const struct tcp_sock *sk);
uint64_t tcp_sack_skip(const struct tcp_sock *sk, uint64_t pos, uint64_t *lim);

/* tcp_recovery.c: transmit log, RACK-TLP (RFC 8985), PRR (RFC 6937), loss after an RTO */
void tcp_rack_sent(struct tcp_sock *sk, uint64_t pos, uint64_t end);
uint64_t tcp_rack_delivered(struct tcp_sock *sk, uint64_t a, uint64_t b, const struct tcp_seg *seg, uint64_t fack);
void tcp_txlog_free(struct tcp_sock *sk);
/* The RTT (us) an ACK of [a, b) measures, if none of it was retransmitted; 0: none. */
uint32_t tcp_rack_rtt(const struct tcp_sock *sk, uint64_t a, uint64_t b);
void tcp_lost_remove(struct tcp_sock *sk, uint64_t a, uint64_t b);
bool tcp_lost_next(const struct tcp_sock *sk, uint64_t *pos, uint64_t *len);
void tcp_recovery_ack(struct tcp_sock *sk, const struct tcp_ackinfo *ai);
/* An RTO is about to cut cwnd: remember what to undo (RFC 5682 F-RTO). */
void tcp_undo_rto(struct tcp_sock *sk);
void tcp_prr_sent(struct tcp_sock *sk, uint32_t len);
void tcp_rack_rto(struct tcp_sock *sk);
void tcp_rack_rto_resend(struct tcp_sock *sk);
void tcp_enter_recovery(struct tcp_sock *sk);
void tcp_loss_timer_arm(struct tcp_sock *sk);
void tcp_loss_timer(struct tcp_sock *sk);

/* The bits of struct tcp_sock.rflags (tcp_recovery.c). */
#define TR_TLP_RTX   0x01   /* the outstanding loss probe was a retransmission (RFC 8985 TLP.is_retrans) */
#define TR_FRTO      0x02   /* F-RTO (RFC 5682) runs after this RTO */
#define TR_FRTO_NEW  0x04   /* F-RTO step 2b: the next output sends new data, not lost data */

/* tcp_ecn.c: ECN (RFC 3168). The bits of struct tcp_sock.ecn: */
#define TE_OK   0x01    /* ECN in use (in SYN_SENT: our SYN asked for it) */
#define TE_ECE  0x02    /* a CE arrived: ECE on what we send until the peer's CWR */
#define TE_CWR  0x04    /* cwnd was reduced: CWR on the next new data segment */
void tcp_ecn_syn_rcvd(struct tcp_sock *sk, const struct tcp_seg *syn);
void tcp_ecn_syn_sent_rcv(struct tcp_sock *sk, const struct tcp_seg *seg);
void tcp_ecn_rcv(struct tcp_sock *sk, const struct tcp_seg *seg, uint64_t prior_una);
uint8_t tcp_ecn_out(struct tcp_sock *sk, uint64_t pos, uint32_t len, uint8_t *flags);

/* tcp_timer.c */
void tcp_timer_update(struct tcp_sock *sk);
void tcp_timer_remove(struct tcp_sock *sk);
void tcp_timers_run(struct tcp_stack *st, uint64_t now_us);
void tcp_rto_arm(struct tcp_sock *sk);
void tcp_rtt_sample(struct tcp_sock *sk, uint32_t rtt_us);

/* Stream positions: 0 is the SYN, data starts at 1, the FIN follows the data. */
static inline uint32_t tcp_seq_of(const struct tcp_sock *sk, uint64_t pos)
{
	return sk->iss + (uint32_t)pos;
}

static inline uint32_t tcp_ack_of(const struct tcp_sock *sk)
{
	return sk->irs + (uint32_t)sk->rcv.nxt + ((sk->flags & TF_PEER_FIN) ? 1 : 0);
}

static inline uint64_t tcp_flight(const struct tcp_sock *sk)
{
	return sk->snd_nxt - sk->snd_una;
}

/* A D-SACK block (RFC 2883) waits for the next ACK. */
static inline bool tcp_dsack_pending(const struct tcp_sock *sk)
{
	return sk->dsack_start < sk->dsack_end;
}

/* End of the bytes the owner put in the tx pipe, as a tx stream position. */
static inline uint64_t tcp_tx_end(const struct tcp_sock *sk)
{
	if (sk->ulp && sk->ulp->tx_end)
		return sk->ulp->tx_end(sk);
	return sk->txp ? (uint64_t)((int64_t)sk->txp->rx.nxt - sk->tx_off) : 0;
}

/* tcp_input.c */
void tcp_apply_syn_options(struct tcp_sock *sk, const struct tcp_seg *seg);
/* A segment for sk (past the demux): RFC 9293 3.10.7.4's checks, ACK, data, FIN. */
void tcp_rcv(struct tcp_sock *sk, struct tcp_seg *seg);

/* tcp_listen.c */
/* The most specific listener for laddr:lport; NULL: none. */
struct tcp_listener *tcp_listener_find(struct tcp_stack *st, const struct tcp_4tuple *t);
/* A SYN to no socket: a new connection in SYN_RCVD (or a cookie SYN/ACK), or a RST. */
void tcp_passive_open(struct tcp_stack *st, struct tcp_seg *seg, const struct tcp_4tuple *t, void *route);
/* An ACK to no socket that echoes a SYN cookie: the connection made and the ACK processed; false: no cookie. */
bool tcp_cookie_open(struct tcp_stack *st, struct tcp_seg *seg, const struct tcp_4tuple *t, void *route);

/* tcp_recovery.c: a retransmission still in flight (Linux's retrans_out > 0). */
bool tcp_rtx_in_flight(const struct tcp_sock *sk);

/* tcp_undo.c */
/* A loss episode begins: what its reduction may have to give back. */
void tcp_undo_init(struct tcp_sock *sk);
/* An episode ends without a D-SACK: RACK's reordering window narrows again after 16. */
void tcp_reo_episode_end(struct tcp_sock *sk);
/* Undo the episode's reduction, counted in c. */
void tcp_undo(struct tcp_sock *sk, enum tcp_mib c);
/* Every resend came back as a duplicate, or the echo predates the first resend. */
bool tcp_may_undo(const struct tcp_sock *sk, const struct tcp_ackinfo *ai);
/* A partial ACK of a delayed original; true: this ACK marks nothing more lost. */
bool tcp_partial_undo(struct tcp_sock *sk, const struct tcp_ackinfo *ai);
/* The ACK's D-SACK: the reordering window, undo's count, the loss probe's. */
void tcp_dsack_rcv(struct tcp_sock *sk, const struct tcp_ackinfo *ai);
/* What became of the tail loss probe. */
void tcp_tlp_ack(struct tcp_sock *sk, const struct tcp_ackinfo *ai);
/* After an RTO: F-RTO's proof, or D-SACKs for every resend, undid it. */
bool tcp_rto_undone(struct tcp_sock *sk, const struct tcp_ackinfo *ai);

#endif

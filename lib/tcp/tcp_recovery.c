/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss detection and recovery of a SACK sender:
 *   - the transmit log: when each byte in flight was last sent (original
 *     sends as a ring of bursts, retransmissions as ranges);
 *   - RACK (RFC 8985 6): a segment sent before the most recently sent
 *     segment the peer got, and older than RACK.rtt + reo_wnd, is lost; this
 *     finds lost retransmissions too (TCPLostRetransmit), which RFC 6675
 *     alone leaves to the RTO;
 *   - entering recovery on the first loss so marked (TCPSackRecovery), with
 *     PRR (RFC 6937) setting cwnd on each ACK of it;
 *   - after an RTO, everything not SACKed is marked lost and resent first
 *     (RFC 6675 5.1, Linux's tcp_enter_loss), never what the peer holds;
 *   - one timer: RACK's reordering window, or a tail loss probe (RFC 8985 7).
 * Undo, F-RTO and the loss probe's outcome are tcp_undo.c's.
 * Call chain: tcp_input.c rcv_ack -> tcp_sack_ack (tcp_sack.c: scoreboard,
 * tcp_rack_delivered) -> tcp_recovery_ack (-> tcp_undo.c); tcp_output -> tcp_rack_sent.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_internal.h"

/* Original sends: [previous end, end) last sent at ts. Retransmissions: [start, end) at ts. */
#define TXLOG_N 256
#define RTXLOG_N 64

struct txrtx {
	uint64_t start, end, ts;
};

struct tcp_txlog {
	uint16_t head, n;               /* ring o[] of original sends, oldest at head */
	uint16_t nx;                    /* retransmitted ranges in x[], sorted, disjoint */
	uint64_t t0;                    /* when the newest o[] entry began */
	uint64_t start;                 /* first byte o[head] covers */
	struct { uint64_t end, ts; } o[TXLOG_N];
	struct txrtx x[RTXLOG_N];
};

void tcp_txlog_free(struct tcp_sock *sk)
{
	free(sk->txlog);
	sk->txlog = NULL;
}

/* Halve the ring's resolution: neighbours merge, with the later time (a byte looks newer: found lost later, never earlier). */
static void txlog_coarsen(struct tcp_txlog *l)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < l->n; i += 2) {
		uint16_t a = (uint16_t)((l->head + i) % TXLOG_N);
		uint16_t b = (uint16_t)((l->head + (i + 1 < l->n ? i + 1 : i)) % TXLOG_N);
		uint16_t d = (uint16_t)((l->head + k) % TXLOG_N);

		l->o[d].end = l->o[b].end;
		l->o[d].ts = l->o[a].ts > l->o[b].ts ? l->o[a].ts : l->o[b].ts;
		k++;
	}
	l->n = k;
}

/* Record a retransmission of [s, e) at ts (the log of retransmissions stays sorted and disjoint). */
static void rtx_record(struct tcp_txlog *l, uint64_t s, uint64_t e, uint64_t ts)
{
	struct txrtx t[2 * RTXLOG_N + 1];
	int n = 0, done = 0;

	for (int i = 0; i < l->nx; i++) {
		if (!done && l->x[i].start >= s) {
			t[n].start = s; t[n].end = e; t[n++].ts = ts;
			done = 1;
		}
		if (l->x[i].start < s) {
			t[n] = l->x[i];
			if (t[n].end > s)
				t[n].end = s;
			n++;
		}
		if (l->x[i].end > e) {
			if (!done) {
				t[n].start = s; t[n].end = e; t[n++].ts = ts;
				done = 1;
			}
			t[n] = l->x[i];
			if (t[n].start < e)
				t[n].start = e;
			n++;
		}
	}
	if (!done) {
		t[n].start = s; t[n].end = e; t[n++].ts = ts;
	}
	/* Too many: the two closest neighbours become one, with the later time (found lost later, never earlier). */
	while (n > RTXLOG_N) {
		int b = 0;

		for (int i = 1; i + 1 < n; i++)
			if (t[i + 1].start - t[i].end < t[b + 1].start - t[b].end)
				b = i;
		t[b].end = t[b + 1].end;
		if (t[b + 1].ts > t[b].ts)
			t[b].ts = t[b + 1].ts;
		memmove(&t[b + 1], &t[b + 2], (size_t)(n - b - 2) * sizeof(t[0]));
		n--;
	}
	memcpy(l->x, t, (size_t)n * sizeof(t[0]));
	l->nx = (uint16_t)n;
}

/* Forget what lies below una. */
static void txlog_trim(struct tcp_txlog *l, uint64_t una)
{
	int k = 0;

	while (l->n > 1 && l->o[l->head].end <= una) {
		l->start = l->o[l->head].end;
		l->head = (uint16_t)((l->head + 1) % TXLOG_N);
		l->n--;
	}
	for (int i = 0; i < l->nx; i++)
		if (l->x[i].end > una)
			l->x[k++] = l->x[i];
	l->nx = (uint16_t)k;
}

/*
 * [pos, end) left now (end = pos + len, + 1 for a FIN): below snd_max it is
 * a retransmission, above an original send. Bursts of one poll (and any
 * within a 32nd of an RTT) share an entry, so the ring covers a flight of
 * thousands of segments with a few dozen entries.
 */
void tcp_rack_sent(struct tcp_sock *sk, uint64_t pos, uint64_t end)
{
	struct tcp_txlog *l = sk->txlog;
	uint64_t now = sk->stack->now_us, gran;

	if (!(sk->flags & TF_SACK_OK) || end <= pos)
		return;
	if (l == NULL) {
		l = sk->txlog = malloc(sizeof(*l));
		if (l == NULL) {
			/* RACK stays blind: the RTO repairs */
			TCP_INC(sk->stack, TCP_MIB_RACK_LOG_NO_MEMORY);
			return;
		}
		l->head = 0;
		l->n = 0;
		l->nx = 0;
		l->start = sk->snd_una;
	}
	if (pos < sk->snd_max) {
		uint64_t re = end < sk->snd_max ? end : sk->snd_max;

		rtx_record(l, pos, re, now);
		if (sk->undo_marker) {
			/* Undo's count of this episode's retransmissions, and when the first went out. */
			if (sk->undo_retrans < 0) {
				sk->undo_retrans = 0;
				sk->retrans_stamp = (uint32_t)(now / 1000);   /* the TSval it carries */
			}
			sk->undo_retrans += (int32_t)((re - pos + sk->mss - 1) / sk->mss);
		}
		if (end <= sk->snd_max)
			return;
		pos = sk->snd_max;
	}
	if (l->n == 0)
		l->start = pos;
	gran = sk->srtt_us / 32 > 50 ? sk->srtt_us / 32 : 50;
	if (l->n && now - l->t0 < gran) {
		uint16_t last = (uint16_t)((l->head + l->n - 1) % TXLOG_N);

		l->o[last].end = end;
		l->o[last].ts = now;
		return;
	}
	if (l->n == TXLOG_N)
		txlog_coarsen(l);
	l->o[(l->head + l->n) % TXLOG_N].end = end;
	l->o[(l->head + l->n) % TXLOG_N].ts = now;
	l->n++;
	l->t0 = now;
}

/* When byte pos was last sent, and whether that was a retransmission; 0: unknown. */
static uint64_t ts_of(const struct tcp_sock *sk, uint64_t pos, bool *rtx, uint64_t *piece_end)
{
	const struct tcp_txlog *l = sk->txlog;
	uint64_t next_x = UINT64_MAX;
	int lo, hi;

	*rtx = false;
	*piece_end = UINT64_MAX;
	if (l == NULL)
		return 0;
	for (int i = 0; i < l->nx; i++) {
		if (l->x[i].start <= pos && pos < l->x[i].end) {
			*rtx = true;
			*piece_end = l->x[i].end;
			return l->x[i].ts;
		}
		if (l->x[i].start > pos) {
			next_x = l->x[i].start;
			break;
		}
	}
	if (l->n == 0)
		return 0;
	/* The first entry whose end is above pos (ends rise along the ring). */
	lo = 0;
	hi = l->n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (l->o[(l->head + mid) % TXLOG_N].end > pos)
			hi = mid;
		else
			lo = mid + 1;
	}
	*piece_end = l->o[(l->head + lo) % TXLOG_N].end;
	if (*piece_end <= pos)
		*piece_end = UINT64_MAX;    /* past the log (not expected): one piece to the end */
	if (*piece_end > next_x)
		*piece_end = next_x;
	return l->o[(l->head + lo) % TXLOG_N].ts;
}

/*
 * RFC 8985 6.2 step 2 for bytes [a, b) the peer just got (cumulatively or
 * by SACK): the most recent transmission among them updates RACK.rtt and,
 * if it was sent after RACK's segment, becomes it. A retransmission younger
 * than the smallest RTT, or older than the echoed timestamp, is ambiguous
 * (the original got through) and is left out. Step 3: an original segment
 * delivered below fack (the highest SACKed byte before this ACK) was
 * reordered. Returns where the first never-retransmitted byte among them
 * is (UINT64_MAX: none), for F-RTO.
 */
uint64_t tcp_rack_delivered(struct tcp_sock *sk, uint64_t a, uint64_t b, const struct tcp_seg *seg, uint64_t fack)
{
	uint64_t now = sk->stack->now_us, best_ts = 0, best_end = 0, p = a, orig = UINT64_MAX;
	bool best_rtx = false;

	if (sk->txlog == NULL || b <= a)
		return UINT64_MAX;
	while (p < b) {
		bool rtx;
		uint64_t pe, ts = ts_of(sk, p, &rtx, &pe);

		if (pe > b)
			pe = b;
		if (ts && !rtx && p < orig)
			orig = p;
		if (ts && (ts > best_ts || (ts == best_ts && pe > best_end))) {
			best_ts = ts;
			best_end = pe;
			best_rtx = rtx;
		}
		if (!rtx && pe <= fack && !sk->rack_reord) {
			sk->rack_reord = true;
			TCP_INC(sk->stack, TCP_MIB_SACK_REORDER);
		}
		p = pe;
	}
	if (best_ts == 0)
		return orig;
	if (best_rtx) {
		if (now - best_ts < sk->rack_min_rtt_us)
			return orig;
		if ((sk->flags & TF_TS_OK) && seg && seg->opt.ts && seg->opt.tsecr &&
		    (int32_t)(seg->opt.tsecr - (uint32_t)(best_ts / 1000)) < 0)
			return orig;
	}
	sk->rack_rtt_us = (uint32_t)(now - best_ts);
	if (!best_rtx && (sk->rack_min_rtt_us == 0 || sk->rack_rtt_us < sk->rack_min_rtt_us))
		sk->rack_min_rtt_us = sk->rack_rtt_us ? sk->rack_rtt_us : 1;
	if (best_ts > sk->rack_ts || (best_ts == sk->rack_ts && best_end > sk->rack_end)) {
		sk->rack_ts = best_ts;
		sk->rack_end = best_end;
	}
	return orig;
}

uint32_t tcp_rack_rtt(const struct tcp_sock *sk, uint64_t a, uint64_t b)
{
	const struct tcp_txlog *l = sk->txlog;
	uint64_t pe, ts;
	bool rtx;

	if (l == NULL || b <= a)
		return 0;
	for (int i = 0; i < l->nx; i++)
		if (l->x[i].start < b && l->x[i].end > a)
			return 0;           /* Karn: a retransmission was acknowledged */
	ts = ts_of(sk, a, &rtx, &pe);
	if (ts == 0 || rtx || ts > sk->stack->now_us)
		return 0;
	return sk->stack->now_us - ts ? (uint32_t)(sk->stack->now_us - ts) : 1;
}

/* The lost set keeps nxt at 0: its ranges are only ever added, cut and trimmed here. */
static void lost_cut(struct seq_ranges *r, uint64_t a, uint64_t b)
{
	int k = 0;
	struct seq_range tail = {0, 0};

	for (int i = 0; i < r->n; i++) {
		struct seq_range x = r->r[i];

		if (x.end <= a || x.start >= b) {
			r->r[k++] = x;
			continue;
		}
		if (x.start < a)
			r->r[k++] = (struct seq_range){x.start, a};
		if (x.end > b) {
			if (k <= i)
				r->r[k++] = (struct seq_range){b, x.end};
			else
				tail = (struct seq_range){b, x.end};   /* a split: one slot short */
		}
	}
	r->n = (uint8_t)k;
	if (tail.end)
		seq_ranges_add(r, tail.start, tail.end);
	if (r->n == 0)
		seq_ranges_fini(r);
}

void tcp_lost_remove(struct tcp_sock *sk, uint64_t a, uint64_t b)
{
	if (sk->lost.n)
		lost_cut(&sk->lost, a, b);
}

/* The cumulative ACK reached una: nothing below it is in flight. */
static void lost_trim(struct tcp_sock *sk, uint64_t una)
{
	if (sk->lost.n)
		lost_cut(&sk->lost, 0, una);
	if (sk->txlog)
		txlog_trim(sk->txlog, una);
}

static void mark_lost(struct tcp_sock *sk, uint64_t a, uint64_t b, bool rtx)
{
	struct tcp_stack *st = sk->stack;

	sk->lost.nxt = 0;
	if (seq_ranges_add(&sk->lost, a, b) < 0)
		return;     /* the table is full: these wait for the RTO */
	st->mib[TCP_MIB_RACK_LOST] += (b - a + sk->mss - 1) / sk->mss;
	if (rtx)
		TCP_INC(st, TCP_MIB_LOST_RETRANSMIT);
}

/* RFC 8985 6.2 step 4: zero once DupThresh segments are SACKed or in recovery, unless reordering was seen. */
static uint64_t reo_wnd(const struct tcp_sock *sk)
{
	uint64_t w;

	if (!sk->rack_reord && sk->reo_mult <= 1 &&
	    ((sk->flags & (TF_RECOVERY | TF_LOSS)) || seq_ranges_bytes(&sk->sacked) >= 3u * sk->mss))
		return 0;
	w = (uint64_t)sk->rack_min_rtt_us / 4 * (sk->reo_mult ? sk->reo_mult : 1);
	return w < sk->srtt_us ? w : sk->srtt_us;
}

/*
 * RFC 8985 6.2 step 5: walk what is neither SACKed nor marked lost, in
 * pieces of one transmit time; a piece sent before RACK's segment and older
 * than RACK.rtt + reo_wnd is lost. Returns the time until the youngest
 * such piece would be (the reordering timer), 0 when none waits.
 */
static uint64_t rack_detect(struct tcp_sock *sk)
{
	uint64_t now = sk->stack->now_us, reo = reo_wnd(sk), timeout = 0, p = sk->snd_una;
	const struct seq_ranges *sa = &sk->sacked, *lo = &sk->lost;
	int i = 0, j = 0;

	if (sk->txlog == NULL || sk->rack_ts == 0)
		return 0;
	while (p < sk->snd_max) {
		uint64_t skip = 0, stop = sk->snd_max, pe, ts;
		bool rtx;

		/* Step over SACKed and lost ranges; the piece ends at the next one. */
		while (i < sa->n && sa->r[i].end <= p)
			i++;
		while (j < lo->n && lo->r[j].end <= p)
			j++;
		if (i < sa->n && sa->r[i].start <= p)
			skip = sa->r[i].end;
		if (j < lo->n && lo->r[j].start <= p && lo->r[j].end > skip)
			skip = lo->r[j].end;
		if (skip) {
			p = skip;
			continue;
		}
		if (i < sa->n && sa->r[i].start < stop)
			stop = sa->r[i].start;
		if (j < lo->n && lo->r[j].start < stop)
			stop = lo->r[j].start;
		ts = ts_of(sk, p, &rtx, &pe);
		if (pe > stop)
			pe = stop;
		if (ts == 0)
			break;
		if (ts < sk->rack_ts || (ts == sk->rack_ts && pe <= sk->rack_end)) {
			uint64_t due = ts + sk->rack_rtt_us + reo;

			if (due <= now) {
				mark_lost(sk, p, pe, rtx);
				lo = &sk->lost;
				j = 0;
			} else if (due - now > timeout) {
				timeout = due - now;
			}
		} else if (!rtx) {
			/* Originals from here on were all sent after RACK's segment: only
			 * a retransmission further up may still be older. */
			const struct tcp_txlog *l = sk->txlog;
			int k = 0;

			while (k < l->nx && l->x[k].end <= pe)
				k++;
			if (k == l->nx)
				break;
			if (l->x[k].start > pe)
				pe = l->x[k].start;
		}
		p = pe;
	}
	return timeout;
}

/* A retransmission still in flight: resent, above snd_una, neither SACKed nor marked lost again (Linux's retrans_out). */
bool tcp_rtx_in_flight(const struct tcp_sock *sk)
{
	const struct tcp_txlog *l = sk->txlog;

	if (l == NULL)
		return false;
	for (int i = 0; i < l->nx; i++) {
		uint64_t p = l->x[i].start > sk->snd_una ? l->x[i].start : sk->snd_una;

		while (p < l->x[i].end) {
			uint64_t lim, q = seq_ranges_skip(&sk->lost, seq_ranges_skip(&sk->sacked, p, &lim), &lim);

			if (q == p)
				return true;
			p = q;
		}
	}
	return false;
}

/* RFC 6675 5 / RFC 6937: a loss was found; cwnd follows PRR from here on. */
void tcp_enter_recovery(struct tcp_sock *sk)
{
	tcp_undo_init(sk);
	/* An ECE already reduced for this window (RFC 3168 6.1.2; Linux's
	 * tcp_in_cwnd_reduction): the loss is the same congestion, ssthresh stays. */
	if (!((sk->ecn & TE_OK) && sk->snd_una < sk->ecn_high))
		sk->cc_ops->on_congestion(sk);
	else
		sk->undo_marker = 0;        /* a signalled congestion is not undone */
	sk->recover = sk->snd_max;
	sk->recover_fs = sk->snd_max - sk->snd_una;    /* RFC 6937bis: RecoverFS = SND.NXT - SND.UNA */
	sk->prr_delivered = 0;
	sk->prr_out = 0;
	sk->cwnd = (uint32_t)tcp_pipe(sk) + sk->mss;  /* the fast retransmit (RFC 6675 5 step 4.3) */
	sk->flags |= TF_RECOVERY | TF_RTX_FIRST;
	sk->rtt_pos = 0;
	TCP_INC(sk->stack, TCP_MIB_SACK_RECOVERY);
	tcp_mark_dirty(sk);
}

/*
 * RFC 6937 PRR: while the pipe is above ssthresh, send ssthresh/RecoverFS of
 * what was delivered (a proportional reduction); below it, slow start back
 * up to ssthresh, no faster than delivery plus one segment (PRR-SSRB).
 */
static void prr_ack(struct tcp_sock *sk, uint64_t delivered)
{
	uint64_t pipe = tcp_pipe(sk), ss = sk->ssthresh;
	int64_t sndcnt;

	sk->prr_delivered += delivered;
	if (pipe > ss) {
		uint64_t fs = sk->recover_fs ? sk->recover_fs : 1;

		sndcnt = (int64_t)((sk->prr_delivered * ss + fs - 1) / fs) - (int64_t)sk->prr_out;
	} else {
		int64_t lim = (int64_t)sk->prr_delivered - (int64_t)sk->prr_out;

		if (lim < (int64_t)delivered)
			lim = (int64_t)delivered;
		lim += sk->mss;
		sndcnt = (int64_t)(ss - pipe) < lim ? (int64_t)(ss - pipe) : lim;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	sk->cwnd = (uint32_t)(pipe + (uint64_t)sndcnt);
	if (sk->cwnd < sk->mss && sk->prr_out == 0)
		sk->cwnd = sk->mss;
}

/* Bytes sent while in recovery (PRR's prr_out). */
void tcp_prr_sent(struct tcp_sock *sk, uint32_t len)
{
	if (sk->flags & TF_RECOVERY)
		sk->prr_out += len;
}

/*
 * An RTO, before the congestion control's cut (Linux's tcp_enter_loss): a
 * new episode saves what undo would restore; F-RTO watches the ACKs unless
 * the RTO ends a fast recovery the first time (its resends were lost, not late).
 */
void tcp_undo_rto(struct tcp_sock *sk)
{
	bool in_recovery = sk->flags & TF_RECOVERY;

	if (!(sk->flags & (TF_RECOVERY | TF_LOSS)) || sk->undo_marker == 0)
		tcp_undo_init(sk);
	sk->rflags &= (uint8_t)~(TR_FRTO | TR_FRTO_NEW);
	if ((sk->flags & TF_SACK_OK) && (!in_recovery || sk->retries > 1)) {
		sk->rflags |= TR_FRTO;
		sk->frto_high = sk->snd_max;
	}
	sk->flags &= (uint16_t)~TF_TLP_SENT;
}

/*
 * After an RTO (RFC 6675 5.1, RFC 8985 6.3, Linux's tcp_enter_loss):
 * everything in flight that the peer does not hold is lost; it is resent
 * first, in order, as cwnd (slow start from one segment) allows. SACKed
 * ranges are never resent.
 */
void tcp_rack_rto(struct tcp_sock *sk)
{
	const struct seq_ranges *sa = &sk->sacked;
	uint64_t p = sk->snd_una;

	if (sk->flags & TF_RECOVERY)
		TCP_INC(sk->stack, TCP_MIB_SACK_FAILURES);
	else if (sk->flags & TF_LOSS)
		TCP_INC(sk->stack, TCP_MIB_LOSS_FAILURES);
	seq_ranges_fini(&sk->lost);
	for (int i = 0; i <= sa->n; i++) {
		uint64_t e = i < sa->n ? sa->r[i].start : sk->snd_max;

		if (e > p)
			mark_lost(sk, p, e, false);
		if (i < sa->n)
			p = sa->r[i].end;
	}
	sk->recover = sk->snd_max;
	sk->flags |= TF_LOSS;
	sk->flags &= ~TF_RACK_TIMER;
	sk->rack_reord = false;
}

/* After tcp_rack_rto and the flag reset of the RTO: the first lost segment
 * goes out whatever the pipe says (a range the full lost table could not
 * hold still counts as in flight). */
void tcp_rack_rto_resend(struct tcp_sock *sk)
{
	if (sk->lost.n)
		sk->flags |= TF_RTX_FIRST;
}

/* The first lost byte and how much is lost from there on, if any. */
bool tcp_lost_next(const struct tcp_sock *sk, uint64_t *pos, uint64_t *len)
{
	if (sk->lost.n == 0)
		return false;
	*pos = sk->lost.r[0].start;
	*len = sk->lost.r[0].end - sk->lost.r[0].start;
	return true;
}

/*
 * Every ACK of a SACK connection, after the scoreboard took it in
 * (delivered: RFC 6937 DeliveredData): loss detection, recovery, PRR, and
 * the one timer.
 */
void tcp_recovery_ack(struct tcp_sock *sk, const struct tcp_ackinfo *ai)
{
	struct tcp_stack *st = sk->stack;
	uint64_t timeout, delivered = ai->delivered;
	bool delayed;

	tcp_dsack_rcv(sk, ai);
	tcp_tlp_ack(sk, ai);
	lost_trim(sk, sk->snd_una);
	if ((sk->flags & TF_LOSS) && tcp_rto_undone(sk, ai)) {
		/* The RTO was spurious (Linux's tcp_try_undo_loss): no loss
		 * detection on this ACK, the rest of the flight's ACKs are on their
		 * way; RACK would call all of it lost, being older than the resend. */
		sk->flags &= (uint16_t)~TF_RACK_TIMER;
		tcp_loss_timer_arm(sk);
		return;
	}
	if ((sk->flags & TF_LOSS) && sk->snd_una >= sk->recover)
		sk->flags &= ~TF_LOSS;
	delayed = tcp_partial_undo(sk, ai);
	if (sk->undo_marker) {
		if ((sk->flags & TF_RECOVERY) && sk->undo_retrans == 0) {
			tcp_undo(sk, TCP_MIB_DSACK_UNDO);
		} else if (!(sk->flags & (TF_RECOVERY | TF_LOSS))) {
			/* The episode ended this ACK (RFC 3522 / 3708 at its end). */
			if (tcp_may_undo(sk, ai)) {
				tcp_undo(sk, TCP_MIB_FULL_UNDO);
			} else {
				sk->undo_marker = 0;
				tcp_reo_episode_end(sk);
			}
			sk->rflags &= (uint8_t)~(TR_FRTO | TR_FRTO_NEW);
		}
	}
	if (sk->snd_una >= sk->snd_max) {
		tcp_txlog_free(sk);
		seq_ranges_fini(&sk->lost);
		sk->flags &= ~(TF_LOSS | TF_RACK_TIMER | TF_TLP_SENT);
		sk->t_loss = 0;
		return;
	}
	if (delayed && (sk->flags & TF_RECOVERY)) {
		/* Resends of a hole the original filled are still out: no loss
		 * detection on this ACK (Linux returns likewise), PRR goes on
		 * (unless D-SACKs just undid the episode). */
		prr_ack(sk, delivered);
		if (delivered)
			tcp_mark_dirty(sk);
		tcp_loss_timer_arm(sk);
		return;
	}
	timeout = rack_detect(sk);
	if (sk->lost.n && !(sk->flags & (TF_RECOVERY | TF_LOSS)))
		tcp_enter_recovery(sk);
	if (sk->flags & TF_RECOVERY)
		prr_ack(sk, delivered);
	if (sk->lost.n || (delivered && (sk->flags & (TF_RECOVERY | TF_LOSS))))
		tcp_mark_dirty(sk);     /* PRR (or slow start) lets more out */
	if (timeout) {
		sk->flags |= TF_RACK_TIMER;
		sk->t_loss = st->now_us + timeout;
		tcp_timer_update(sk);
	} else if (sk->flags & TF_RACK_TIMER) {
		sk->flags &= ~TF_RACK_TIMER;
		sk->t_loss = 0;
	}
	tcp_loss_timer_arm(sk);
}

/*
 * The tail loss probe (RFC 8985 7): a flight with no SACK and no progress
 * for a probe timeout (2 srtt, at least 10 ms) gets a probe, so that a lost
 * tail is repaired by recovery instead of a retransmission timeout. Not in
 * recovery and not while RACK's reordering timer runs.
 */
void tcp_loss_timer_arm(struct tcp_sock *sk)
{
	uint64_t now = sk->stack->now_us, srtt = sk->srtt_us ? sk->srtt_us : TCP_RTO_INIT_US / 4;
	uint64_t at;

	if (sk->flags & TF_RACK_TIMER)
		return;
	if (!(sk->flags & TF_SACK_OK) || (sk->flags & (TF_RECOVERY | TF_LOSS | TF_TLP_SENT)) ||
	    sk->snd_max <= sk->snd_una || sk->sacked.n || sk->lost.n ||
	    (sk->state != TCP_ESTABLISHED && sk->state != TCP_CLOSE_WAIT &&
	     sk->state != TCP_FIN_WAIT_1 && sk->state != TCP_CLOSING && sk->state != TCP_LAST_ACK)) {
		sk->t_loss = 0;
		return;
	}
	/* RFC 8985 7.2: PTO = 2 SRTT (at least 10 ms, Linux's floor), plus the
	 * worst-case delayed ACK when one segment is all that is out. */
	at = 2 * srtt > 10000 ? 2 * srtt : 10000;
	if (sk->snd_max - sk->snd_una <= sk->mss)
		at += TCP_WC_DELACK_US;
	at += now;
	if (sk->t_rto && at >= sk->t_rto) {
		sk->t_loss = 0;
		return;     /* the RTO comes first anyway */
	}
	sk->t_loss = at;
	tcp_timer_update(sk);
}

void tcp_loss_timer(struct tcp_sock *sk)
{
	struct tcp_stack *st = sk->stack;

	if (sk->snd_max <= sk->snd_una)
		return;
	if (sk->flags & TF_RACK_TIMER) {
		/* RFC 8985 6.3: the reordering window ran out. */
		uint64_t timeout;

		sk->flags &= ~TF_RACK_TIMER;
		timeout = rack_detect(sk);
		if (sk->lost.n && !(sk->flags & (TF_RECOVERY | TF_LOSS))) {
			TCP_INC(st, TCP_MIB_RACK_RECOVERY);
			tcp_enter_recovery(sk);
		}
		if (sk->flags & TF_RECOVERY)
			prr_ack(sk, 0);
		if (sk->lost.n)
			tcp_mark_dirty(sk);
		if (timeout) {
			sk->flags |= TF_RACK_TIMER;
			sk->t_loss = st->now_us + timeout;
		}
		return;
	}
	if (sk->flags & (TF_RECOVERY | TF_LOSS))
		return;
	/* Tail loss probe: new data if the window allows, else the last segment again. */
	TCP_INC(st, TCP_MIB_LOSS_PROBES);
	sk->flags |= TF_TLP_SENT;
	sk->rflags &= (uint8_t)~TR_TLP_RTX;
	if (tcp_tx_end(sk) > sk->snd_nxt && sk->snd_nxt < sk->snd_una + sk->snd_wnd) {
		uint32_t cwnd = sk->cwnd;

		sk->cwnd = (uint32_t)(sk->snd_nxt - sk->snd_una) + sk->mss;   /* room for one segment */
		tcp_output(sk);
		sk->cwnd = cwnd;
	} else {
		uint64_t end = tcp_tx_end(sk), last = sk->snd_max;

		if ((sk->flags & TF_FIN_SENT) && last == end + 1)
			last = end;     /* probe with the last data byte(s), not the FIN */
		if (last > sk->snd_una) {
			uint64_t from = last > sk->snd_una + sk->mss ? last - sk->mss : sk->snd_una;

			tcp_xmit_data(sk, from, (uint32_t)(last - from));
		} else {
			tcp_retransmit_una(sk);
		}
		sk->rflags |= TR_TLP_RTX;
	}
	sk->tlp_end = sk->snd_max;      /* RFC 8985 7.3: TLP.end_seq = SND.NXT */
}

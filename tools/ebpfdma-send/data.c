// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send: one session's rounds (see send.h).  DATA goes out in
 * batches: blocks are queued, sealed side by side under counters never
 * used before, and handed to net.c, which sends them over the flows with
 * one sendmmsg() per run (UDP GSO cuts equal ones).  What is in flight is
 * at most the receiver's credit and the congestion window (cc.c), paced
 * over the round trip; a block is declared lost when one sent after it is
 * acknowledged and it is overdue (flight.c), and sent again before
 * anything new; when nothing is acknowledged for a probe timeout, the
 * oldest outstanding blocks go again and the timeout doubles.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/ebpfdma-send/digest.h"
#include "tools/ebpfdma-send/net.h"
#include "tools/ebpfdma-send/send.h"
#include "tools/ebpfdma-send/source.h"
#include "tools/lib/control.h"
#include "tools/lib/wire2.h"
#include "uapi/ebpfdma_wire.h"

#define BATCH_MAX 1024U
#define BATCH_BYTES (8U << 20) /* sealed datagrams of one batch */
#define PACE_BURST 64U /* datagrams that may leave back to back */
#define PACE_BURST_US 2000U /* ... or that pacing sends in this long */
#define PROBES 2U /* blocks sent again when the probe timeout expires */
#define PERSISTENT_PTOS 3U /* expiries in a row: persistent congestion */

static struct {
	uint32_t seq[BATCH_MAX];
	unsigned int n, max;
	uint8_t *buf; /* max sealed datagrams of unit bytes, side by side */
	uint32_t unit; /* header, a full block, trailer */
	uint32_t len[BATCH_MAX]; /* each one's length */
	unsigned int nnew; /* of them, blocks never sent before */
} Q;

void data_setup(void)
{
	uint32_t unit = EBPFDMA_WIRE2_HDR_LEN + T.o.block_size +
			EBPFDMA_WIRE2_TRAILER_LEN;

	if (Q.buf && Q.unit == unit)
		return;
	free(Q.buf); /* the block size changed with the path MTU */
	Q.unit = unit;
	Q.max = BATCH_BYTES / Q.unit;
	if (Q.max > BATCH_MAX)
		Q.max = BATCH_MAX;
	if (!Q.max)
		Q.max = 1;
	Q.buf = malloc((size_t)Q.max * Q.unit);
	if (!Q.buf)
		die(EXIT_LOCAL, "out of memory");
	net_gso(T.o.gso, Q.unit);
}

/* Bytes of body of block @seq: the last is the rest, padded. */
static uint32_t data_len(uint32_t seq)
{
	uint64_t off = T.origin + (uint64_t)seq * T.o.block_size;

	return off + T.o.block_size > T.padded_end ? T.padded_end - off :
						     T.o.block_size;
}

uint32_t data_seal(uint32_t seq, uint8_t *buf)
{
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_DATA, .session = T.session,
		.flags = T.o.fua ? EBPFDMA_WIRE2_F_FUA : 0,
	};
	uint64_t off = T.origin + (uint64_t)seq * T.o.block_size;
	int ret;

	w.counter = ++T.counter;
	w.index = seq - T.base;
	w.len = data_len(seq);
	ret = source_read(off, T.scratch, w.len);
	if (!ret)
		ret = digest_feed(off, T.scratch, w.len, T.end);
	if (ret == -ENODATA)
		input_changed();
	if (ret)
		die(EXIT_USAGE, "%s: %s", T.o.file, strerror(-ret));
	if (seq < T.f.next)
		T.resends++;
	else
		T.bytes_sent += w.len;
	T.sends++;
	return edma_wire2_seal(buf, &w, T.scratch, T.protect, T.keys.data);
}

/* Seal every queued block, each under a counter never used before. */
static void send_queued(void)
{
	uint64_t now = now_us();
	uint32_t i;

	if (T.mtu_fell) { /* none of them fits the path */
		Q.n = Q.nnew = 0;
		return;
	}
	for (i = 0; i < Q.n; i++) {
		Q.len[i] = data_seal(Q.seq[i], Q.buf + (size_t)i * Q.unit);
		flight_sent(&T.f, Q.seq[i], now);
	}
	if (Q.n && net_send_batch(Q.buf, Q.len, Q.n, Q.unit) == -EMSGSIZE)
		T.mtu_fell = true; /* main.c decides */
	Q.n = Q.nnew = 0;
}

static void queue_data(uint32_t seq)
{
	Q.seq[Q.n++] = seq;
	if (Q.n == Q.max)
		send_queued();
}

void data_send_commit(void)
{
	struct edma_commit2 c = { .blocks = T.n - T.base };
	uint8_t buf[EDMA_COMMIT2_LEN];
	size_t len;
	int ret;

	/* A file's every session ends with it; a stream's last chunk's. */
	if (T.file || T.eof) {
		ret = digest_final(T.end, c.digest);
		if (ret == -ENODATA)
			input_changed();
		if (ret)
			die(EXIT_USAGE, "%s: %s", T.o.file, strerror(-ret));
		c.last = true;
		c.lba = T.o.offset;
		c.length = T.end;
	}
	len = edma_commit2_build(buf, T.session, ++T.counter, &c, T.protect,
				 T.keys.data);
	net_send(buf, len);
}

/* Session-relative [@first, @end) of an ACK, as blocks of the numbering. */
static void ack_range(uint32_t first, uint32_t end, struct flight_ack *fa)
{
	uint32_t span = T.n - T.base;

	if (first >= span || first >= end)
		return;
	if (end > span)
		end = span;
	flight_ack_range(&T.f, T.base + first, T.base + end, fa);
}

/*
 * An ACK that verified: what is durable now, a round-trip sample from its
 * newest block, the window's growth, CE marks.
 */
static void on_ack(const struct edma_ack2 *a)
{
	struct flight_ack fa = { 0 };
	uint64_t now = now_us();
	uint32_t newest = a->newest < T.n - T.base ? T.base + a->newest :
							 UINT32_MAX;
	int64_t rtt = flight_rtt(&T.f, newest, now);
	struct cc_sample cs;
	unsigned int i;

	/* What lies above its last range, the ACK says nothing of. */
	T.f.reported = 0;
	ack_range(0, a->durable, &fa);
	for (i = 0; i < a->nr_ranges; i++)
		ack_range(a->ranges[i][0], a->ranges[i][1], &fa);
	/*
	 * Nothing new: nothing to learn, CE marks included (their count is
	 * cumulative: the next ACK that acknowledges something carries
	 * them; RFC 9000, 13.4.2.1, processes ECN counts the same way).
	 */
	if (!fa.newly)
		return;
	cs = (struct cc_sample){
		.newly = fa.newly, .sent_us = fa.newest_sent_us,
		.prior_delivered = fa.prior_delivered,
		.app_limited = fa.app_limited, .cwnd_limited = T.cwnd_limited,
	};
	flight_ack_end(&T.f, &fa, now, &cs.delivered, &cs.interval_us);
	cs.total_delivered = T.f.delivered;
	cs.in_flight = T.f.in_flight;
	/* The newest block's sample counts only if this ACK made it durable. */
	if (rtt >= 0 && (uint64_t)rtt <= now - T.resumed_us &&
	    flight_is_acked(&T.f, newest))
		cc_rtt_sample(&T.cc, rtt, a->ack_delay_us);
	cc_on_ack(&T.cc, &cs, now);
	cc_on_ce(&T.cc, a->ce_count, fa.newest_sent_us, now);
	T.cwnd_limited = false;
	T.pto_backoff = 0;
}

int data_read_acks(uint64_t timeout_us)
{
	uint8_t buf[EDMA_ACK2_MAX + 64];
	struct pollfd p = { .fd = net_fd(), .events = POLLIN };
	struct timespec ts = { timeout_us / 1000000,
			       timeout_us % 1000000 * 1000 };
	struct edma_ack2 a;
	int got = 0, ret;
	ssize_t n;

	if (ppoll(&p, 1, &ts, NULL) <= 0)
		return 0;
	while ((n = recv(net_fd(), buf, sizeof(buf), MSG_DONTWAIT)) >= 0 ||
	       errno == ECONNREFUSED) {
		if (n < 0)
			continue;
		ret = edma_ack2_parse(buf, n, T.session, &a, T.protect,
				      T.keys.ack);
		if (ret == -ENOENT)
			continue; /* not an ACK of this session */
		if (ret) {
			T.forged++; /* does not verify, or malformed */
			continue;
		}
		/* An older ACK (reordered, or replayed) says nothing new. */
		if (a.counter <= T.ack_counter)
			continue;
		T.ack_counter = a.counter;
		got++;
		T.acks++;
		T.last_ack_ms = now_ms();
		T.credit = a.credit;
		/*
		 * A failed session's last ACK (E_IO) still says what is
		 * durable: believed, then the transfer ends.
		 */
		on_ack(&a);
		if (a.status) {
			T.status = a.status;
			return got;
		}
		/* Complete only when it says every block is durable. */
		if ((a.flags & EBPFDMA_WIRE2_ACK_COMPLETE) &&
		    a.durable == T.n - T.base && T.f.acked == T.n)
			T.committed = true;
	}
	return got;
}

/* Pacing: the datagrams that may leave now (RFC 9002, 7.7). */
static uint32_t pace_allows(uint64_t now)
{
	uint64_t ns = cc_pace_ns(&T.cc);

	if (!ns) { /* unpaced: a full burst when pacing begins */
		T.tokens = PACE_BURST;
		T.tokens_us = now;
		return UINT32_MAX;
	}
	T.tokens += (double)(now - T.tokens_us) * 1000 / ns;
	T.tokens_us = now;
	if (T.tokens > PACE_BURST)
		T.tokens = PACE_BURST;
	return T.tokens >= 1 ? (uint32_t)T.tokens : 0;
}

/*
 * Nothing heard for a probe timeout: the oldest in flight go again (the
 * lost ones go in any case, first).
 */
static void probe(uint64_t now)
{
	uint32_t sent, from = 0;

	if (!flight_unacked(&T.f) ||
	    now - T.f.last_sent_us < cc_pto_us(&T.cc, T.pto_backoff))
		return;
	if (++T.pto_backoff == PERSISTENT_PTOS) {
		T.lost += flight_all_lost(&T.f);
		cc_on_persistent_congestion(&T.cc);
	}
	for (sent = 0; sent < PROBES && flight_next_resend(&T.f, &from, true);
	     sent++, from++) {
		queue_data(from);
		T.probes++;
	}
	/* The timer restarts with the probes, or with the lost blocks sent. */
	T.f.last_sent_us = now;
}

uint64_t data_round(double *budget)
{
	uint64_t now = now_us(), sent_us, wait = 0;
	uint32_t lost, cwnd, pace, burst, from = 0, seq;

	lost = flight_detect_lost(&T.f, now, cc_loss_delay_us(&T.cc),
				  &sent_us);
	if (lost) {
		T.lost += lost;
		cc_lost(&T.cc, lost);
		cc_on_congestion(&T.cc, sent_us, now);
	}
	probe(now);
	cwnd = T.o.window && T.o.window < T.cc.cwnd ? T.o.window : T.cc.cwnd;
	pace = pace_allows(now);
	/*
	 * Paced datagrams leave in bursts of an eighth of the window or of
	 * what the pacing rate sends in PACE_BURST_US, whichever is more (up
	 * to PACE_BURST): batches the kernel segments in one call (GSO), not
	 * a system call and a timer per datagram or two.
	 */
	burst = cwnd / 8;
	if (cc_pace_ns(&T.cc) && PACE_BURST_US * 1000 / cc_pace_ns(&T.cc) > burst)
		burst = PACE_BURST_US * 1000 / cc_pace_ns(&T.cc);
	burst = burst < 1 ? 1 : burst > PACE_BURST ? PACE_BURST : burst;
	if (!T.f.lost && T.f.next >= T.n) {
		send_queued(); /* all sent: only ACKs are awaited */
		return 1000;
	}
	if (pace < burst && !Q.n)
		return (burst - T.tokens) * cc_pace_ns(&T.cc) / 1000 + 1;
	for (;;) {
		if (T.f.in_flight + Q.n >= cwnd) {
			T.cwnd_limited = true;
			wait = 1000; /* until an ACK opens the window */
			break;
		}
		if (!pace) { /* until the next datagram's turn */
			wait = (1 - T.tokens) * cc_pace_ns(&T.cc) / 1000 + 1;
			break;
		}
		if (T.o.rate > 0 && *budget < T.o.block_size) {
			wait = 1000;
			flight_app_limited(&T.f);
			break;
		}
		if (T.mtu_fell)
			break;
		if (T.f.lost && flight_next_resend(&T.f, &from, false)) {
			/* Lost: again, before anything new, within the credit. */
			if (T.f.in_flight + Q.n >= T.credit) {
				wait = 1000;
				break;
			}
			seq = from++;
		} else if (T.f.next + Q.nnew >= T.n) {
			wait = 1000; /* everything has been sent */
			flight_app_limited(&T.f);
			break;
		} else if (T.f.next + Q.nnew - T.f.cum > T.f.mask ||
			   flight_unacked(&T.f) + Q.n >= T.credit) {
			wait = 1000; /* the receiver's credit, the oldest block */
			flight_app_limited(&T.f);
			break;
		} else {
			seq = T.f.next + Q.nnew++;
		}
		queue_data(seq);
		if (pace != UINT32_MAX) {
			pace--;
			T.tokens--;
		}
		*budget -= T.o.block_size;
	}
	send_queued();
	return wait;
}

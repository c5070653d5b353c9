// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's model-based congestion control (see cc.h): after BBR,
 * version 1 (Cardwell, Cheng, Gunn, Hassas Yeganeh, Jacobson, "BBR:
 * Congestion-Based Congestion Control", ACM Queue 14(5), 2016, and
 * draft-cardwell-iccrg-bbr-congestion-control-00), written for blocks
 * that are acknowledged once durable:
 *
 *   - the bottleneck bandwidth is the largest delivery rate of the last
 *     BBR_BW_ROUNDS round trips (rates of blocks sent while the sender had
 *     less to send than it might count only when they raise it); the
 *     round trip is the smallest sample of the last ten seconds;
 *   - STARTUP doubles the rate each round trip (gain 2/ln 2) until the
 *     bandwidth grows by less than a quarter three rounds in a row; DRAIN
 *     empties the queue that built; PROBE_BW cycles its gain through
 *     5/4, 3/4 and six rounds of 1; PROBE_RTT, when the smallest round
 *     trip is ten seconds old, keeps four blocks in flight for 200 ms to
 *     measure it again;
 *   - the window is twice the bandwidth times the round trip and the
 *     receiver's ACK hold (and three blocks), the pacing rate the gain
 *     times the bandwidth.
 * A few losses do not move it (a lossy path is not a full one), but a
 * round trip that lost more than one block in 32 (a queue that
 * overflows, as BBR version 2 bounds it) or that brought CE marks cuts
 * the bandwidth by a seventh, once per round trip, and goes on to the
 * phase that drains; the receiver's credit bounds what is in flight.
 */
#include "tools/ebpfdma-send/cc.h"

#define STARTUP_GAIN 2.885 /* 2 / ln 2 */
#define PROBE_RTT_US 200000U
#define RTPROP_US 10000000U /* how long a minimum round trip stands */
#define MIN_WINDOW 4U
#define CYCLE 8U

static const double cycle_gain[CYCLE] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

void bbr_init(struct cc *c)
{
	struct bbr *b = &c->bbr;

	*b = (struct bbr){
		.mode = BBR_STARTUP,
		.pacing_gain = STARTUP_GAIN,
		.cwnd_gain = STARTUP_GAIN,
	};
}

/* The bandwidth-delay product at @gain, in blocks (0: no model yet). */
static double bdp(const struct bbr *b, double gain)
{
	if (!b->btl_bw || !b->rtprop_us)
		return 0;
	return gain * b->btl_bw * b->rtprop_us / 1e6;
}

static void update_bw(struct bbr *b, const struct cc_sample *s)
{
	double rate;
	unsigned int i, slot;

	if (!s->interval_us || !s->delivered)
		return;
	rate = s->delivered * 1e6 / s->interval_us;
	/* Less than what it could have been: only a rise is believed. */
	if (s->app_limited && rate < b->btl_bw)
		return;
	slot = b->round % BBR_BW_ROUNDS;
	if (rate > b->bw[slot])
		b->bw[slot] = rate;
	b->btl_bw = 0;
	for (i = 0; i < BBR_BW_ROUNDS; i++)
		if (b->bw[i] > b->btl_bw)
			b->btl_bw = b->bw[i];
}

/* A round trip ends when a block sent after it began is acknowledged. */
static void update_round(struct bbr *b, const struct cc_sample *s)
{
	b->round_start = false;
	b->round_delivered += s->newly;
	if (s->prior_delivered < b->next_round_delivered)
		return;
	b->next_round_delivered = s->total_delivered;
	b->round++;
	b->round_start = true;
	/* The filter's oldest round gives way to the new one. */
	b->bw[b->round % BBR_BW_ROUNDS] = 0;
}

static void check_full_pipe(struct bbr *b)
{
	if (b->filled || !b->round_start || !b->btl_bw)
		return;
	if (b->btl_bw >= b->full_bw * 1.25) {
		b->full_bw = b->btl_bw;
		b->full_rounds = 0;
		return;
	}
	if (++b->full_rounds >= 3)
		b->filled = true;
}

static void enter_probe_bw(struct bbr *b, uint64_t now_us, unsigned int phase)
{
	b->mode = BBR_PROBE_BW;
	b->cwnd_gain = 2;
	b->cycle = phase % CYCLE;
	b->cycle_stamp_us = now_us;
	b->pacing_gain = cycle_gain[b->cycle];
}

static void advance_cycle(struct bbr *b, const struct cc_sample *s,
			  uint64_t now_us)
{
	bool elapsed = now_us - b->cycle_stamp_us > b->rtprop_us;
	double gain = cycle_gain[b->cycle];

	/* Probing up lasts a round trip and until the queue it needs is there;
	 * draining ends early once what is in flight is one BDP. */
	if (gain > 1 && (!elapsed || s->in_flight < bdp(b, gain)))
		return;
	if (gain < 1 && !elapsed && s->in_flight > bdp(b, 1))
		return;
	if (gain == 1 && !elapsed)
		return;
	b->cycle = (b->cycle + 1) % CYCLE;
	b->cycle_stamp_us = now_us;
	b->pacing_gain = cycle_gain[b->cycle];
}

static void update_rtprop(struct cc *c, uint64_t now_us)
{
	struct bbr *b = &c->bbr;
	uint64_t rtt = c->latest_path_us;
	bool expired = now_us - b->rtprop_stamp_us > RTPROP_US;

	if (rtt && (!b->rtprop_us || rtt <= b->rtprop_us || expired)) {
		b->rtprop_us = rtt;
		b->rtprop_stamp_us = now_us;
	}
	if (expired && b->mode != BBR_PROBE_RTT && b->filled) {
		b->mode = BBR_PROBE_RTT;
		b->pacing_gain = 1;
		b->cwnd_gain = 1;
		b->probe_rtt_done_us = now_us + PROBE_RTT_US;
	}
}

/*
 * The window: the gain times the bandwidth over the round trip and the
 * receiver's ACK hold.  The receiver acknowledges in groups (a flush's
 * worth, at most every 10 ms), so blocks are acknowledged in bursts that
 * long apart: a window of the bare bandwidth-delay product would leave
 * the sender waiting for them (the "ACK aggregation" Linux's BBR allows
 * for with its extra_acked).
 */
static double window_target(const struct cc *c)
{
	const struct bbr *b = &c->bbr;

	if (!b->btl_bw || !b->rtprop_us)
		return 0;
	return b->cwnd_gain * b->btl_bw *
		       (b->rtprop_us + c->max_ack_delay_us) / 1e6 + 3;
}

static void set_window(struct cc *c, const struct cc_sample *s)
{
	struct bbr *b = &c->bbr;
	double target = window_target(c);
	uint32_t w;

	if (b->mode == BBR_PROBE_RTT) {
		c->cwnd = MIN_WINDOW;
		return;
	}
	if (!bdp(b, 1)) { /* no model yet: grow as slow start does */
		c->cwnd += s->newly;
		return;
	}
	w = target > (double)(1U << 20) ? 1U << 20 : (uint32_t)target;
	/* Startup grows towards its target with what is acknowledged. */
	if (!b->filled && c->cwnd + s->newly < w)
		w = c->cwnd + s->newly;
	c->cwnd = w < MIN_WINDOW ? MIN_WINDOW : w;
}

void bbr_on_ack(struct cc *c, const struct cc_sample *s, uint64_t now_us)
{
	struct bbr *b = &c->bbr;

	update_round(b, s);
	if (b->round_start) {
		/* More than one in 32 lost: a queue overflowed. */
		if (b->round_lost * 32 > b->round_delivered + b->round_lost)
			bbr_cut(c, now_us);
		b->round_lost = b->round_delivered = 0;
	}
	update_bw(b, s);
	check_full_pipe(b);
	update_rtprop(c, now_us);
	switch (b->mode) {
	case BBR_STARTUP:
		if (b->filled) {
			b->mode = BBR_DRAIN;
			b->pacing_gain = 1 / STARTUP_GAIN;
			b->cwnd_gain = STARTUP_GAIN;
		}
		break;
	case BBR_DRAIN:
		if (s->in_flight <= bdp(b, 1))
			enter_probe_bw(b, now_us, 2);
		break;
	case BBR_PROBE_BW:
		advance_cycle(b, s, now_us);
		break;
	case BBR_PROBE_RTT:
		if (now_us >= b->probe_rtt_done_us) {
			b->rtprop_stamp_us = now_us;
			enter_probe_bw(b, now_us, 2);
		}
		break;
	}
	set_window(c, s);
}

/* CE marks, or losses: the path is fuller than the model says. */
void bbr_cut(struct cc *c, uint64_t now_us)
{
	struct bbr *b = &c->bbr;
	unsigned int i;
	double target;

	if (b->cut_round == b->round && b->round)
		return;
	b->cut_round = b->round;
	for (i = 0; i < BBR_BW_ROUNDS; i++)
		b->bw[i] *= 6.0 / 7;
	b->btl_bw *= 6.0 / 7;
	b->filled = true;
	/* Drain what queued: the 3/4 phase of the cycle. */
	enter_probe_bw(b, now_us, 1);
	target = window_target(c);
	if (target && c->cwnd > target)
		c->cwnd = target < MIN_WINDOW ? MIN_WINDOW : (uint32_t)target;
}

/* Nothing acknowledged for three probe timeouts: the model is stale. */
void bbr_on_persistent_congestion(struct cc *c)
{
	bbr_init(c);
	c->cwnd = MIN_WINDOW;
}

uint64_t bbr_pace_ns(const struct cc *c)
{
	const struct bbr *b = &c->bbr;
	double rate = b->pacing_gain * b->btl_bw; /* blocks per second */

	return rate > 0 ? (uint64_t)(1e9 / rate) + 1 : 0;
}

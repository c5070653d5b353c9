// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of the sender's congestion logic.  cc.c: the
 * round-trip estimator
 * against values worked by hand from RFC 9002's formulas (5.3), the ack
 * delay subtracted only where it keeps the sample above the minimum, the
 * probe timeout and its backoff and cap, the loss delay, NewReno's slow
 * start (a window doubles each loss-free round trip), congestion avoidance
 * (one datagram per window), one halving per recovery period whatever the
 * number of losses in it, CE marks counted once, the minimum window, and
 * pacing.  flight.c: blocks acknowledged by the cumulative mark and by
 * ranges, only what was sent counted, a round-trip sample only of a block
 * sent once, overdue blocks sent before an acknowledged one declared lost
 * (not those sent after it, not those still within the loss delay), lost
 * ones sent again first, the span bounded by the ring, a new session.
 */
#include <stdio.h>

#include "tools/ebpfdma-send/cc.h"
#include "tools/ebpfdma-send/flight.h"
#include "tools/testing/selftests/tap.h"

static void rtt(void)
{
	unsigned int i;
	struct cc c;

	cc_init(&c, CC_NEWRENO);
	tap_ok(c.cwnd == CC_INITIAL_WINDOW && !c.have_rtt &&
		       cc_pto_us(&c, 0) == 300000,
	       "before a sample: window %u, probe timeout 3 x the initial 100 ms (%llu us)",
	       c.cwnd, (unsigned long long)cc_pto_us(&c, 0));
	cc_rtt_sample(&c, 10000, 0);
	tap_ok(c.srtt_us == 10000 && c.rttvar_us == 5000 &&
		       c.min_rtt_us == 10000 && cc_pto_us(&c, 0) == 30000,
	       "first sample 10 ms: srtt 10000, rttvar 5000, min 10000, pto 30000 (%llu %llu %llu %llu)",
	       (unsigned long long)c.srtt_us, (unsigned long long)c.rttvar_us,
	       (unsigned long long)c.min_rtt_us,
	       (unsigned long long)cc_pto_us(&c, 0));
	/* 20 ms, of which the receiver held its ACK 8 ms: 12 ms adjusted. */
	cc_rtt_sample(&c, 20000, 8000);
	tap_ok(c.srtt_us == 10250 && c.rttvar_us == 4250 &&
		       c.max_ack_delay_us == 8000 &&
		       cc_pto_us(&c, 0) == 10250 + 17000 + 8000,
	       "20 ms with an ack delay of 8 ms: srtt 10250, rttvar 4250, pto 35250 (%llu %llu %llu)",
	       (unsigned long long)c.srtt_us, (unsigned long long)c.rttvar_us,
	       (unsigned long long)cc_pto_us(&c, 0));
	/* 12 ms less 8 would go below the 10 ms minimum: kept whole. */
	cc_rtt_sample(&c, 12000, 8000);
	tap_ok(c.srtt_us == (7 * 10250 + 12000) / 8 &&
		       c.rttvar_us == (3 * 4250 + 1750) / 4,
	       "an ack delay that would take the sample below the minimum is not subtracted (srtt %llu)",
	       (unsigned long long)c.srtt_us);
	cc_rtt_sample(&c, 6000, 0);
	tap_ok(c.min_rtt_us == 6000 && c.latest_rtt_us == 6000,
	       "a smaller sample lowers the minimum");
	tap_ok(cc_loss_delay_us(&c) == c.srtt_us + 4 * c.rttvar_us &&
		       c.srtt_us + 4 * c.rttvar_us > c.srtt_us * 9 / 8,
	       "loss delay: srtt + 4 rttvar where that is more than 9/8 of the larger of srtt and the latest (%llu)",
	       (unsigned long long)cc_loss_delay_us(&c));
	for (i = 0; i < 40; i++) /* steady: rttvar decays */
		cc_rtt_sample(&c, 8000, 0);
	tap_ok(cc_loss_delay_us(&c) == c.srtt_us * 9 / 8 &&
		       c.srtt_us * 9 / 8 >= c.srtt_us + 4 * c.rttvar_us,
	       "... and 9/8 of the round trip once it is steady (%llu, srtt %llu, rttvar %llu)",
	       (unsigned long long)cc_loss_delay_us(&c),
	       (unsigned long long)c.srtt_us,
	       (unsigned long long)c.rttvar_us);
	tap_ok(cc_pto_us(&c, 1) == 2 * cc_pto_us(&c, 0) &&
		       cc_pto_us(&c, 3) == 8 * cc_pto_us(&c, 0) &&
		       cc_pto_us(&c, 30) == CC_PTO_MAX_US,
	       "the probe timeout doubles with each expiry, up to %u us",
	       CC_PTO_MAX_US);
	cc_init(&c, CC_NEWRENO);
	cc_rtt_sample(&c, 100, 0);
	tap_ok(cc_loss_delay_us(&c) == CC_GRANULARITY_US,
	       "the loss delay is never below the timer granularity");
}

static void window(void)
{
	struct cc c;
	uint64_t t = 1000;
	unsigned int round;

	cc_init(&c, CC_NEWRENO);
	cc_rtt_sample(&c, 10000, 0);
	/* Loss-free rounds: every datagram of the window acknowledged. */
	for (round = 0; round < 6; round++)
		cc_on_acked(&c, c.cwnd, t += 10000, true);
	tap_ok(c.cwnd == CC_INITIAL_WINDOW << 6,
	       "slow start: the window doubles each loss-free round trip (%u after 6)",
	       c.cwnd);
	cc_on_acked(&c, 100, t += 10000, false);
	tap_ok(c.cwnd == CC_INITIAL_WINDOW << 6,
	       "no growth when the window did not limit the sender");
	cc_on_congestion(&c, t, t + 5000);
	tap_ok(c.cwnd == 320 && c.ssthresh == 320 && c.congestion_events == 1,
	       "a loss halves the window (%u)", c.cwnd);
	cc_on_congestion(&c, t - 1, t + 6000);
	cc_on_congestion(&c, t + 5000, t + 7000);
	tap_ok(c.cwnd == 320 && c.congestion_events == 1,
	       "losses of datagrams sent before recovery began do not halve it again");
	cc_on_acked(&c, 320, t + 5000, true);
	tap_ok(c.cwnd == 320, "nor does it grow on their acknowledgement");
	t += 20000;
	cc_on_acked(&c, 319, t, true);
	tap_ok(c.cwnd == 320,
	       "congestion avoidance: 319 acknowledged, 320 still");
	cc_on_acked(&c, 1, t, true);
	tap_ok(c.cwnd == 321, "... the 320th adds one datagram (%u)", c.cwnd);
	cc_on_congestion(&c, t + 1, t + 2);
	tap_ok(c.cwnd == 160 && c.congestion_events == 2,
	       "a loss of a datagram sent after recovery began halves it again (%u)",
	       c.cwnd);
	cc_on_ce(&c, 0, t + 10, t + 20);
	tap_ok(c.cwnd == 160 && !c.ce_events,
	       "a CE count of 0 changes nothing");
	cc_on_ce(&c, 5, t + 10, t + 20);
	tap_ok(c.cwnd == 80 && c.ce_events == 1,
	       "a CE count that grew halves the window (%u)", c.cwnd);
	cc_on_ce(&c, 5, t + 30, t + 40);
	tap_ok(c.cwnd == 80 && c.ce_events == 1,
	       "the same CE count again changes nothing");
	cc_on_ce(&c, 6, t + 15, t + 50);
	tap_ok(c.cwnd == 80 && c.ce_events == 1 && c.ce_seen == 6,
	       "a CE count that grew for a datagram sent before recovery began: no second halving, no CE event counted");
	for (round = 0; round < 20; round++, t += 100)
		cc_on_congestion(&c, t + 50, t + 60);
	tap_ok(c.cwnd == CC_MIN_WINDOW,
	       "repeated losses stop at the minimum window (%u)", c.cwnd);
	cc_init(&c, CC_NEWRENO);
	cc_on_acked(&c, 90, 5, true);
	cc_on_persistent_congestion(&c);
	tap_ok(c.cwnd == CC_MIN_WINDOW,
	       "persistent congestion leaves the minimum window");
	cc_on_acked(&c, 3, 10, true);
	tap_ok(c.cwnd == CC_MIN_WINDOW + 3,
	       "... and slow start again from it (%u)", c.cwnd);
}

static void pacing(void)
{
	struct cc c;

	cc_init(&c, CC_NEWRENO);
	tap_ok(!cc_pace_ns(&c), "no pacing before a round-trip sample");
	cc_rtt_sample(&c, 10000, 0);
	c.cwnd = 8;
	tap_ok(cc_pace_ns(&c) == 1000000,
	       "8 datagrams over 10 ms at 1.25 times the rate: one per 1 ms (%llu ns)",
	       (unsigned long long)cc_pace_ns(&c));
}

static void flight(void)
{
	struct flight_ack a = { 0 };
	struct flight f;
	uint64_t sent;
	uint32_t seq, from;

	if (!tap_ok(!flight_init(&f, 100, 20) && f.mask == 31,
		    "a ring of 32 entries for a window of 20"))
		return;
	for (seq = 0; seq < 10; seq++)
		flight_sent(&f, seq, 1000 + seq);
	tap_ok(f.next == 10 && f.in_flight == 10 && f.tx == 10 &&
		       f.last_sent_us == 1009,
	       "10 blocks sent: 10 in flight");
	tap_ok(flight_rtt(&f, 3, 5000) == 5000 - 1003 &&
		       flight_rtt(&f, 10, 5000) == -1,
	       "the round trip of a block sent once; none of one never sent");
	flight_ack_range(&f, 0, 5, &a);
	tap_ok(a.newly == 5 && f.cum == 5 && f.acked == 5 && f.in_flight == 5 &&
		       f.largest_acked_tx == 5 && a.newest_sent_us == 1004,
	       "[0, 5) acknowledged: the mark at 5, the newest transmission 5, sent at 1004");
	tap_ok(flight_rtt(&f, 3, 6000) == -1 && flight_is_acked(&f, 3),
	       "no second sample of an acknowledged block");
	a = (struct flight_ack){ 0 };
	flight_ack_range(&f, 7, 8, &a);
	flight_ack_range(&f, 0, 5, &a);
	tap_ok(a.newly == 1 && f.cum == 5 && f.largest_acked_tx == 8,
	       "a range above the mark: one block more, the mark stays; again what was acknowledged: nothing new");
	a = (struct flight_ack){ 0 };
	flight_ack_range(&f, 12, 90, &a);
	tap_ok(!a.newly && f.acked == 6,
	       "blocks never sent, said durable: not counted");
	tap_ok(!flight_detect_lost(&f, 1500, 1000, &sent),
	       "within the loss delay, nothing is lost");
	tap_ok(flight_detect_lost(&f, 3000, 1000, &sent) == 2 && sent == 1006 &&
		       f.lost == 2 && f.in_flight == 2,
	       "overdue and sent before the newest acknowledged: 5 and 6 lost, not 8 and 9 (sent after)");
	from = 0;
	tap_ok(flight_next_resend(&f, &from, false) && from == 5 &&
		       (from = 6, flight_next_resend(&f, &from, false)) &&
		       from == 6 &&
		       (from = 7, !flight_next_resend(&f, &from, false)),
	       "the lost ones are found in order, and only they");
	from = 0;
	tap_ok(flight_next_resend(&f, &from, true) && from == 8,
	       "... the oldest in flight when asked (a probe), not the lost ones, which go anyway");
	flight_sent(&f, 5, 4000);
	tap_ok(f.lost == 1 && f.in_flight == 3 && flight_rtt(&f, 5, 5000) == -1,
	       "sent again: in flight once more, no round-trip sample of it (Karn)");
	a = (struct flight_ack){ 0 };
	flight_ack_range(&f, 0, 10, &a);
	tap_ok(a.newly == 4 && f.cum == 10 && !f.in_flight && !f.lost &&
		       f.acked == 10,
	       "[0, 10) durable, the lost one too: nothing outstanding");
	for (seq = 10; flight_can_open(&f); seq++)
		flight_sent(&f, seq, 5000);
	tap_ok(f.next == 42 && f.in_flight == 32,
	       "the span from the oldest outstanding block is the ring's 32");
	tap_ok(flight_all_lost(&f) == 32 && f.lost == 32 && !f.in_flight,
	       "persistent congestion: every block in flight lost");
	flight_reset(&f, 50);
	tap_ok(!f.next && !f.cum && !f.acked && !f.lost && !f.in_flight &&
		       !f.tx && f.n == 50 && flight_can_open(&f),
	       "blocks numbered anew: nothing sent, nothing acknowledged");
	flight_free(&f);
}

/*
 * The receiver restarted: a new session from the first block not
 * acknowledged keeps the prefix acknowledged and sends everything from it
 * again, first (also what was acknowledged above it: the new session
 * commits only what it holds).
 */
static void resession(void)
{
	struct flight_ack a = { 0 };
	struct flight f;
	uint32_t seq, from = 0, again = 0;

	flight_init(&f, 100, 64);
	for (seq = 0; seq < 40; seq++)
		flight_sent(&f, seq, 1000 + seq);
	flight_ack_range(&f, 0, 10, &a);
	flight_ack_range(&f, 20, 30, &a);
	flight_sent(&f, 12, 3000); /* a retransmission */
	again = flight_resession(&f);
	tap_ok(again == 30 && f.lost == 30 && !f.in_flight && f.acked == 10 &&
		       f.cum == 10 && f.next == 40,
	       "a new session: the 30 blocks sent from the first not acknowledged are to go again, the 10 below it stay acknowledged (lost %u, acked %u)",
	       f.lost, f.acked);
	while (flight_next_resend(&f, &from, false)) {
		again += from >= 10 && from < 40;
		from++;
	}
	tap_ok(again == 60, "... exactly those, in order from block 10 (%u)",
	       again - 30);
	flight_sent(&f, 12, 9000);
	tap_ok(flight_rtt(&f, 12, 9500) == 500 && f.in_flight == 1 &&
		       f.lost == 29,
	       "... the first transmission in the new session gives a round-trip sample, even of a block sent twice before");
	a = (struct flight_ack){ 0 };
	flight_ack_range(&f, 0, 100, &a);
	tap_ok(a.newly == 30 && f.cum == 40 && !f.lost && !f.in_flight &&
		       f.acked == 40,
	       "... and acknowledging them leaves nothing outstanding (%u newly)",
	       a.newly);
	flight_free(&f);
}

/*
 * The model-based controller on a made-up path with a round trip of
 * 10 ms: an ACK every millisecond acknowledges what the path delivered
 * in it (@rate blocks per second), and the block it names was sent when
 * 10 ms of deliveries ago had been delivered.
 */
static uint64_t bbr_t, bbr_d, bbr_hold;

static void bbr_feed(struct cc *c, unsigned int acks, uint32_t rate,
		     bool app_limited, uint32_t in_flight)
{
	struct cc_sample s;

	while (acks--) {
		bbr_t += 1000;
		bbr_d += rate / 1000;
		s = (struct cc_sample){
			.newly = rate / 1000, .sent_us = bbr_t - 10000,
			.delivered = rate / 100, .interval_us = 10000,
			.prior_delivered = bbr_d - rate / 100,
			.total_delivered = bbr_d, .app_limited = app_limited,
			.in_flight = in_flight,
		};
		cc_rtt_sample(c, 10000 + bbr_hold, bbr_hold);
		cc_on_ack(c, &s, bbr_t);
	}
}

static void bbr(void)
{
	struct cc c;
	uint32_t w;

	cc_init(&c, CC_BBR);
	bbr_t = 1000000;
	bbr_d = 1000;
	tap_ok(c.bbr.mode == BBR_STARTUP && c.cwnd == CC_INITIAL_WINDOW &&
		       !cc_pace_ns(&c),
	       "bbr: starts in STARTUP, an initial window of %u, unpaced until a round trip is measured",
	       c.cwnd);
	/* The rate samples double each round trip, then stay. */
	bbr_feed(&c, 10, 1000, false, 20);
	bbr_feed(&c, 10, 2000, false, 40);
	bbr_feed(&c, 10, 4000, false, 80);
	tap_ok(c.bbr.mode == BBR_STARTUP && c.bbr.btl_bw == 4000 &&
		       c.bbr.round >= 3,
	       "bbr: the bandwidth is the largest rate seen (%.0f), still in STARTUP while it grows (round %llu)",
	       c.bbr.btl_bw, (unsigned long long)c.bbr.round);
	bbr_feed(&c, 50, 4000, false, 80);
	tap_ok(c.bbr.filled && c.bbr.mode == BBR_DRAIN,
	       "bbr: three rounds without a quarter's growth fill the pipe: DRAIN while more than a BDP is in flight (mode %d)",
	       c.bbr.mode);
	bbr_feed(&c, 5, 4000, false, 35);
	tap_ok(c.bbr.mode == BBR_PROBE_BW && c.bbr.btl_bw == 4000 &&
		       c.bbr.rtprop_us == 10000,
	       "bbr: drained, it probes (mode %d, %.0f blocks/s, round trip %llu us)",
	       c.bbr.mode, c.bbr.btl_bw,
	       (unsigned long long)c.bbr.rtprop_us);
	tap_ok(c.cwnd == 2 * 40 + 3,
	       "bbr: the window is twice the bandwidth-delay product (40 blocks) and 3 (%u)",
	       c.cwnd);
	tap_ok(cc_pace_ns(&c) == (uint64_t)(1e9 / (c.bbr.pacing_gain * 4000)) + 1,
	       "bbr: paced at the gain (%.2f) times the bandwidth: %llu ns a block",
	       c.bbr.pacing_gain, (unsigned long long)cc_pace_ns(&c));
	w = c.cwnd;
	cc_on_congestion(&c, bbr_t - 5000, bbr_t);
	cc_on_congestion(&c, bbr_t - 4000, bbr_t + 1);
	tap_ok(c.cwnd == w && c.bbr.btl_bw == 4000 && c.congestion_events == 1,
	       "bbr: losses are counted (one recovery period) but move neither the window nor the rate");
	bbr_feed(&c, 20, 1000, true, 40);
	tap_ok(c.bbr.btl_bw == 4000,
	       "bbr: slower samples of blocks sent while the sender had less to send do not lower it (%.0f)",
	       c.bbr.btl_bw);
	bbr_feed(&c, 200, 2000, false, 40);
	tap_ok(c.bbr.btl_bw == 2000 && c.cwnd == 2 * 20 + 3,
	       "bbr: once ten round trips passed, the bandwidth and the window follow a slower path (%.0f, %u)",
	       c.bbr.btl_bw, c.cwnd);
	cc_on_ce(&c, 3, bbr_t - 100, bbr_t);
	tap_ok(c.bbr.btl_bw > 1714 && c.bbr.btl_bw < 1715 &&
		       c.ce_events == 1 && c.bbr.pacing_gain == 0.75,
	       "bbr: a CE count that grew cuts the bandwidth by a seventh (%.1f) and drains",
	       c.bbr.btl_bw);
	cc_on_ce(&c, 5, bbr_t - 50, bbr_t + 10);
	tap_ok(c.bbr.btl_bw > 1714 && c.bbr.btl_bw < 1715 && c.ce_events == 1,
	       "bbr: ... once per round trip");
	/* The receiver holds its ACKs 10 ms: the window covers that too. */
	cc_init(&c, CC_BBR);
	bbr_d = 1000;
	bbr_hold = 10000;
	bbr_feed(&c, 200, 4000, false, 35);
	bbr_hold = 0;
	tap_ok(c.bbr.rtprop_us == 10000 && c.cwnd == 2 * 80 + 3,
	       "bbr: with ACKs held 10 ms, the window is twice the bandwidth over the round trip and the hold (%u)",
	       c.cwnd);
	cc_on_persistent_congestion(&c);
	tap_ok(c.bbr.mode == BBR_STARTUP && c.cwnd == 4 && !c.bbr.btl_bw,
	       "bbr: persistent congestion: the model starts over from four blocks");
}

int main(void)
{
	tap_begin();
	rtt();
	window();
	pacing();
	flight();
	resession();
	bbr();
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Round-trip estimate, loss thresholds and NewReno's window for
 * ebpfdma-send, and the calls into the model-based controller (bbr.c);
 * see cc.h.  Section numbers are RFC 9002's.
 */
#include "tools/ebpfdma-send/cc.h"

#define CC_WINDOW_MAX (1U << 20) /* datagrams: far above any credit */

void cc_init(struct cc *c, enum cc_algo algo)
{
	*c = (struct cc){
		.algo = algo,
		.cwnd = CC_INITIAL_WINDOW,
		.ssthresh = UINT32_MAX,
	};
	if (algo == CC_BBR)
		bbr_init(c);
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* 5.3: the first sample sets the estimate, later ones move it. */
void cc_rtt_sample(struct cc *c, uint64_t latest_us, uint64_t ack_delay_us)
{
	uint64_t adjusted = latest_us, diff;

	if (!latest_us)
		latest_us = adjusted = 1;
	c->latest_rtt_us = latest_us;
	/* The receiver's hold, as QUIC's peer's max_ack_delay: decaying. */
	c->max_ack_delay_us = max64(
		ack_delay_us, c->max_ack_delay_us - c->max_ack_delay_us / 8);
	/* The model's round trip: the receiver's hold always comes off. */
	c->latest_path_us = latest_us > ack_delay_us ? latest_us - ack_delay_us :
						      latest_us;
	if (!c->have_rtt) {
		c->have_rtt = true;
		c->min_rtt_us = latest_us;
		c->srtt_us = latest_us;
		c->rttvar_us = latest_us / 2;
		return;
	}
	if (latest_us < c->min_rtt_us)
		c->min_rtt_us = latest_us;
	/* The delay comes off unless that would go below the minimum. */
	if (latest_us >= c->min_rtt_us + ack_delay_us)
		adjusted = latest_us - ack_delay_us;
	diff = c->srtt_us > adjusted ? c->srtt_us - adjusted :
				       adjusted - c->srtt_us;
	c->rttvar_us = (3 * c->rttvar_us + diff) / 4;
	c->srtt_us = (7 * c->srtt_us + adjusted) / 8;
}

/* 7.3.1: no growth for what was sent before recovery began. */
static bool in_recovery(const struct cc *c, uint64_t sent_us)
{
	return sent_us <= c->recovery_start_us;
}

void cc_on_acked(struct cc *c, uint32_t n, uint64_t sent_us, bool limited)
{
	if (!n || in_recovery(c, sent_us) || !limited)
		return;
	if (c->cwnd < c->ssthresh) { /* 7.3.1, slow start */
		c->cwnd = c->cwnd + n > CC_WINDOW_MAX ? CC_WINDOW_MAX :
							c->cwnd + n;
		return;
	}
	/* 7.3.3, congestion avoidance: one datagram per window acked. */
	c->ca_acked += n;
	while (c->ca_acked >= c->cwnd && c->cwnd < CC_WINDOW_MAX) {
		c->ca_acked -= c->cwnd;
		c->cwnd++;
	}
}

void cc_on_ack(struct cc *c, const struct cc_sample *s, uint64_t now_us)
{
	if (c->algo == CC_BBR)
		bbr_on_ack(c, s, now_us);
	else
		cc_on_acked(c, s->newly, s->sent_us, s->cwnd_limited);
}

/*
 * 7.3.2: once per round trip of losses, the window halves.  The model
 * takes losses for what they are on a lossy path, not for congestion: it
 * counts the recovery period, and its rate stays.
 */
void cc_on_congestion(struct cc *c, uint64_t sent_us, uint64_t now_us)
{
	if (in_recovery(c, sent_us))
		return;
	c->recovery_start_us = now_us;
	if (c->algo == CC_BBR) {
		c->congestion_events++;
		return;
	}
	c->ssthresh = c->cwnd / 2 > CC_MIN_WINDOW ? c->cwnd / 2 : CC_MIN_WINDOW;
	c->cwnd = c->ssthresh;
	c->ca_acked = 0;
	c->congestion_events++;
}

void cc_lost(struct cc *c, uint32_t n)
{
	if (c->algo == CC_BBR)
		c->bbr.round_lost += n;
}

/* 7.1, 13.4.2: a CE count that grew is a congestion event. */
void cc_on_ce(struct cc *c, uint64_t ce_count, uint64_t sent_us,
	      uint64_t now_us)
{
	uint64_t events = c->congestion_events;

	if (ce_count <= c->ce_seen)
		return;
	c->ce_seen = ce_count;
	cc_on_congestion(c, sent_us, now_us);
	/* Of the congestion events, those a CE mark began. */
	if (c->congestion_events == events)
		return;
	c->ce_events++;
	if (c->algo == CC_BBR)
		bbr_cut(c, now_us);
}

/* 7.6.2 */
void cc_on_persistent_congestion(struct cc *c)
{
	if (c->algo == CC_BBR) {
		bbr_on_persistent_congestion(c);
		return;
	}
	c->cwnd = CC_MIN_WINDOW;
	c->ca_acked = 0;
	c->recovery_start_us = 0;
}

static uint64_t srtt(const struct cc *c)
{
	return c->have_rtt ? c->srtt_us : CC_INITIAL_RTT_US;
}

/*
 * 6.1.2, and no less than RFC 6298's retransmission timeout without its
 * floor (srtt + 4 rttvar): blocks become durable, and are acknowledged,
 * in the order the receiver's writes complete, and a write may take longer
 * than the average round trip without being lost; a time threshold of
 * 9/8 of it alone would declare such blocks lost, and send them again,
 * whenever the disk's latency varies.
 */
uint64_t cc_loss_delay_us(const struct cc *c)
{
	uint64_t rtt = max64(srtt(c), c->have_rtt ? c->latest_rtt_us : 0);
	uint64_t var = c->have_rtt ? srtt(c) + 4 * c->rttvar_us : 0;

	return max64(max64(rtt * 9 / 8, var), CC_GRANULARITY_US);
}

/* 6.2.1 */
uint64_t cc_pto_us(const struct cc *c, unsigned int backoff)
{
	uint64_t var = c->have_rtt ? c->rttvar_us : CC_INITIAL_RTT_US / 2;
	uint64_t pto = srtt(c) + max64(4 * var, CC_GRANULARITY_US) +
		       c->max_ack_delay_us;

	while (backoff-- && pto < CC_PTO_MAX_US)
		pto *= 2;
	return pto < CC_PTO_MAX_US ? pto : CC_PTO_MAX_US;
}

/* 7.7: interval = srtt / (1.25 * cwnd); the model paces at its rate. */
uint64_t cc_pace_ns(const struct cc *c)
{
	if (c->algo == CC_BBR && c->bbr.btl_bw > 0)
		return bbr_pace_ns(c);
	if (!c->have_rtt)
		return 0; /* the window alone limits the first round trip */
	return srtt(c) * 1000 * 4 / (5 * (uint64_t)c->cwnd);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sender's round-trip estimate, loss detection and congestion window,
 * after QUIC's (RFC 9002, which keeps RFC 6298's estimator): pure logic
 * over times in microseconds and counts of datagrams, no I/O, so that the
 * host unit tests drive it with made-up ACKs.
 *
 * An ACK of wire version 2 says which blocks are durable, which block was
 * made durable last (@newest) and how long the receiver held its ACK after
 * that block's write completed (@ack_delay_us).  A round-trip sample is
 * the time from that block's (only) transmission to the ACK, less the
 * delay: network and disk write time, so a slow flush or a batched ACK is
 * not taken for loss.  The window is NewReno's (RFC 9002, section 7): slow
 * start, congestion avoidance, one halving per round trip of losses or of
 * CE marks (ECN), no growth while the sender is not limited by it.
 */
#ifndef EBPFDMA_SEND_CC_H
#define EBPFDMA_SEND_CC_H

#include <stdbool.h>
#include <stdint.h>

#define CC_INITIAL_WINDOW 10U /* datagrams (RFC 9002, 7.2) */
#define CC_MIN_WINDOW 2U
#define CC_PACKET_THRESHOLD 3U /* reordering tolerated (RFC 9002, 6.1.1) */
#define CC_GRANULARITY_US 1000U /* timer granularity (RFC 9002, 6.1.2) */
#define CC_INITIAL_RTT_US 100000U /* before any sample (a data center's) */
#define CC_PTO_MAX_US 2000000U /* the backed-off probe timeout's cap */

struct cc {
	/* Round trip (RFC 9002, 5.3), once @have_rtt. */
	bool have_rtt;
	uint64_t latest_rtt_us, min_rtt_us, srtt_us, rttvar_us;
	uint64_t max_ack_delay_us; /* the largest recent ack delay, decaying */
	/* Window, in datagrams; @ca_acked accumulates congestion avoidance. */
	uint32_t cwnd, ssthresh, ca_acked;
	/* Datagrams sent after this time end the recovery period. */
	uint64_t recovery_start_us;
	bool in_recovery;
	uint64_t ce_seen; /* the receiver's CE count last seen */
	uint64_t congestion_events; /* recovery periods begun */
	uint64_t ce_events; /* of them, begun by a CE count that grew */
};

void cc_init(struct cc *c);
/*
 * A round-trip sample: @latest_us from a block's only transmission to the
 * ACK that first says it is durable, @ack_delay_us what that ACK reports.
 */
void cc_rtt_sample(struct cc *c, uint64_t latest_us, uint64_t ack_delay_us);
/*
 * @n datagrams newly acknowledged, the newest of them sent at @sent_us;
 * @limited: the window, not the receiver's credit or the data, limited
 * the sender when they were sent.
 */
void cc_on_acked(struct cc *c, uint32_t n, uint64_t sent_us, bool limited);
/*
 * A datagram sent at @sent_us was lost (or marked CE): a congestion event
 * unless it was sent before the current recovery period began.
 */
void cc_on_congestion(struct cc *c, uint64_t sent_us, uint64_t now_us);
/* The receiver's CE count @ce_count in an ACK whose newest was sent at @sent_us. */
void cc_on_ce(struct cc *c, uint64_t ce_count, uint64_t sent_us,
	      uint64_t now_us);
/* Every datagram in flight timed out: only the minimum window is left. */
void cc_on_persistent_congestion(struct cc *c);
/*
 * How long after it was sent a datagram that a later-sent one overtook
 * counts as lost (RFC 9002, 6.1.2: 9/8 of the larger round trip; here
 * also at least srtt + 4 rttvar, as the disk's latency varies).
 */
uint64_t cc_loss_delay_us(const struct cc *c);
/* The probe timeout after @backoff expiries in a row (RFC 9002, 6.2.1). */
uint64_t cc_pto_us(const struct cc *c, unsigned int backoff);
/*
 * Nanoseconds between datagrams so that a window goes out over a round
 * trip at 1.25 times its rate (RFC 9002, 7.7).
 */
uint64_t cc_pace_ns(const struct cc *c);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sender's round-trip estimate, loss thresholds and congestion
 * control, after QUIC's (RFC 9002, which keeps RFC 6298's estimator):
 * pure logic over times in microseconds and counts of datagrams, no I/O,
 * so that the host unit tests drive it with made-up ACKs.
 *
 * An ACK of wire version 2 says which blocks are durable, which block was
 * made durable last (@newest) and how long the receiver held its ACK after
 * that block's write completed (@ack_delay_us).  A round-trip sample is
 * the time from that block's (only) transmission to the ACK, less the
 * delay: network and disk write time, so a slow flush or a batched ACK is
 * not taken for loss.
 *
 * Two congestion controllers, chosen by --cc:
 *   - newreno (RFC 9002, section 7): slow start, congestion avoidance,
 *     one halving per round trip of losses or of CE marks (ECN), no
 *     growth while the sender is not limited by it;
 *   - bbr (bbr.c): a model of the path, its bottleneck bandwidth (the
 *     largest delivery rate of the last ten round trips) and its round
 *     trip (the smallest of the last ten seconds), after BBR (Cardwell et
 *     al., "BBR: Congestion-Based Congestion Control", ACM Queue 2016;
 *     draft-cardwell-iccrg-bbr-congestion-control): it paces at that
 *     bandwidth, keeps twice the bandwidth-delay product in flight, and
 *     probes for more; a loss that is not congestion (a lossy link) does
 *     not slow it down, but a round trip that lost more than one block in
 *     32 or had CE marks does (by a seventh of the bandwidth, once per
 *     round trip).
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
#define BBR_BW_ROUNDS 10U /* the bandwidth filter's window, round trips */

enum cc_algo { CC_NEWRENO, CC_BBR };

/* What one ACK tells the controller. */
struct cc_sample {
	uint32_t newly; /* blocks newly acknowledged */
	uint64_t sent_us; /* the newest of them's transmission time */
	/* The delivery rate: blocks delivered over a time since it was sent. */
	uint64_t delivered, interval_us;
	uint64_t prior_delivered; /* blocks delivered when it was sent */
	uint64_t total_delivered; /* blocks delivered now */
	bool app_limited; /* it went while the sender had less to send */
	bool cwnd_limited; /* the window held the sender back meanwhile */
	uint32_t in_flight; /* blocks in flight now */
};

/* The model-based controller's state (bbr.c). */
struct bbr {
	enum { BBR_STARTUP, BBR_DRAIN, BBR_PROBE_BW, BBR_PROBE_RTT } mode;
	double bw[BBR_BW_ROUNDS]; /* the largest rate of each recent round */
	double btl_bw; /* their maximum: blocks per second */
	uint64_t rtprop_us, rtprop_stamp_us; /* the smallest round trip */
	uint64_t round, next_round_delivered;
	bool round_start;
	double full_bw; /* startup: the bandwidth when it last grew by 1/4 */
	unsigned int full_rounds; /* rounds since */
	bool filled; /* the pipe is full: startup is over */
	unsigned int cycle; /* the gain cycle's phase, in PROBE_BW */
	uint64_t cycle_stamp_us;
	double pacing_gain, cwnd_gain;
	uint64_t probe_rtt_done_us;
	uint64_t cut_round; /* the round of the last cut (CE marks, losses) */
	uint32_t round_lost, round_delivered; /* blocks, this round so far */
};

struct cc {
	enum cc_algo algo;
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
	uint64_t latest_path_us; /* the latest sample less its ack delay */
	struct bbr bbr;
};

void cc_init(struct cc *c, enum cc_algo algo);
/* An ACK that acknowledged something new, at @now_us. */
void cc_on_ack(struct cc *c, const struct cc_sample *s, uint64_t now_us);
/*
 * A round-trip sample: @latest_us from a block's only transmission to the
 * ACK that first says it is durable, @ack_delay_us what that ACK reports.
 */
void cc_rtt_sample(struct cc *c, uint64_t latest_us, uint64_t ack_delay_us);
/*
 * NewReno: @n datagrams newly acknowledged, the newest of them sent at
 * @sent_us; @limited: the window, not the receiver's credit or the data,
 * limited the sender when they were sent.
 */
void cc_on_acked(struct cc *c, uint32_t n, uint64_t sent_us, bool limited);
/*
 * A datagram sent at @sent_us was lost (or marked CE): a congestion event
 * unless it was sent before the current recovery period began.
 */
void cc_on_congestion(struct cc *c, uint64_t sent_us, uint64_t now_us);
/* @n datagrams were declared lost (the model counts them per round). */
void cc_lost(struct cc *c, uint32_t n);
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

/* bbr.c, through the cc_* calls above. */
void bbr_init(struct cc *c);
void bbr_on_ack(struct cc *c, const struct cc_sample *s, uint64_t now_us);
void bbr_cut(struct cc *c, uint64_t now_us);
void bbr_on_persistent_congestion(struct cc *c);
uint64_t bbr_pace_ns(const struct cc *c);

#endif

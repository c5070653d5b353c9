/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma-send's per-datagram state, bounded by the window, not by the
 * file: a ring of FLIGHT entries covers the blocks from the lowest one not
 * yet acknowledged (@cum) to the next never sent (@next).  Each entry
 * knows when and as which transmission its block last went out; every
 * transmission has a number of its own, so that a block acknowledged
 * tells which ones sent before it are overdue (RFC 9002, 6.1.2: a time
 * threshold; there is no packet threshold, as the receiver acknowledges in
 * the order its writes become durable, not the order they arrived).
 * Pure logic, no I/O: the host unit tests drive it.
 */
#ifndef EBPFDMA_SEND_FLIGHT_H
#define EBPFDMA_SEND_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>

struct flight_entry {
	uint64_t sent_us; /* last transmission */
	uint64_t tx; /* its number, from 1 */
	/* At that transmission: blocks delivered so far, and when last. */
	uint64_t delivered, delivered_us;
	uint8_t app_limited; /* sent while the sender had less to send */
	uint32_t sends; /* transmissions of the block in this session */
	uint8_t acked; /* durable: acknowledged */
	uint8_t lost; /* declared lost, waiting to be sent again */
};

struct flight {
	struct flight_entry *e;
	uint32_t mask; /* the ring's size - 1: a power of two */
	uint32_t n; /* blocks of the transfer */
	uint32_t cum; /* every block below it is acknowledged */
	uint32_t next; /* the first block never sent */
	uint32_t acked; /* blocks acknowledged */
	uint32_t in_flight; /* sent, neither acknowledged nor declared lost */
	uint32_t lost; /* declared lost and not sent again yet */
	uint64_t tx; /* transmissions so far */
	uint64_t largest_acked_tx; /* the newest transmission acknowledged */
	/*
	 * Blocks at or above it the ACKs since it was last zeroed said
	 * nothing of (an ACK lists a limited number of ranges): none of them
	 * is declared lost.  flight_ack_range() raises it.
	 */
	uint32_t reported;
	uint64_t last_sent_us; /* the newest transmission's time */
	/*
	 * Delivery rate (draft-cheng-iccrg-delivery-rate-estimation): blocks
	 * acknowledged so far and when the last were; while the sender has
	 * less to send than it may, the count past which that ends.
	 */
	uint64_t delivered, delivered_us, app_limited;
};

/* What an ACK changed. */
struct flight_ack {
	uint32_t newly; /* blocks newly acknowledged */
	uint64_t newest_sent_us; /* the newest of them's transmission time */
	/* That transmission's delivered count and time, and whether it was
	 * sent while the sender had less to send than it might. */
	uint64_t prior_delivered, prior_delivered_us;
	bool app_limited;
};

/* A ring of at least @window entries for @n blocks.  0 or -ENOMEM. */
int flight_init(struct flight *f, uint32_t n, uint32_t window);
void flight_free(struct flight *f);
/* Blocks numbered anew, @n of them: nothing sent, nothing acknowledged. */
void flight_reset(struct flight *f, uint32_t n);
/*
 * A new session from block @cum on (the receiver lost the last one): the
 * blocks below it stay acknowledged (durable); every block sent from it
 * on is to be sent again, first, also one acknowledged above it (the new
 * session is committed only once each of its blocks is durable in it),
 * and its next transmission counts as its first (a round-trip sample).
 * Not a loss: the congestion logic is not told.  Returns how many.
 */
uint32_t flight_resession(struct flight *f);
/* May block @next go out for the first time (its entry is free)? */
bool flight_can_open(const struct flight *f);
/* Block @seq went out now (@seq == @next: for the first time). */
void flight_sent(struct flight *f, uint32_t seq, uint64_t now_us);
/*
 * The round trip of block @seq if an ACK saying it is durable arrived now:
 * -1 unless it is outstanding and was sent once (Karn: a retransmitted
 * block's ACK may be of either transmission).
 */
int64_t flight_rtt(const struct flight *f, uint32_t seq, uint64_t now_us);
/* Is block @seq acknowledged? */
bool flight_is_acked(const struct flight *f, uint32_t seq);
/* Blocks [@first, @end) are durable; what changed is added to @a. */
void flight_ack_range(struct flight *f, uint32_t first, uint32_t end,
		      struct flight_ack *a);
/*
 * The ACK's ranges are all in (at @now_us): the delivery rate it shows,
 * blocks over microseconds, in *@delivered and *@interval_us (0 when it
 * acknowledged nothing new).
 */
void flight_ack_end(struct flight *f, const struct flight_ack *a,
		    uint64_t now_us, uint64_t *delivered,
		    uint64_t *interval_us);
/*
 * The sender stopped for want of data or credit, not for the window or
 * pacing: what it sends until what is in flight now is delivered gives
 * rate samples that say less than the path could.
 */
void flight_app_limited(struct flight *f);
/*
 * Declare lost every outstanding block below @reported sent before the
 * newest acknowledged transmission and more than @loss_delay_us ago; how
 * many, and in *@sent_us the latest transmission time among them.
 */
uint32_t flight_detect_lost(struct flight *f, uint64_t now_us,
			    uint64_t loss_delay_us, uint64_t *sent_us);
/* Declare lost every block in flight (persistent congestion); how many. */
uint32_t flight_all_lost(struct flight *f);
/*
 * The lowest block at or above *@from that is declared lost (to send
 * again), or with @in_flight, that is in flight (to probe with); false
 * when there is none.
 */
bool flight_next_resend(const struct flight *f, uint32_t *from,
			bool in_flight);
/* Blocks sent and not yet acknowledged (what the receiver's credit counts). */
static inline uint32_t flight_unacked(const struct flight *f)
{
	return f->in_flight + f->lost;
}

#endif

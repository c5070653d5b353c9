/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma-send's state, shared by main.c (the transfer and its sessions)
 * and data.c (one session's rounds: DATA out, ACKs in).
 *
 * Blocks are numbered from @origin, a byte offset of the input: block i
 * is the @o.block_size bytes at origin + i * block_size, up to @end.
 * Numbering starts at 0 (or where --resume found the durable part to
 * end); it starts anew at the durable prefix when the block size must
 * change (the path MTU fell), and at each chunk of a stream.  A session
 * covers the blocks [@base, @n): the wire's index of block i is
 * i - base.  When the receiver loses a session (it restarted), the next
 * one begins at the first block not acknowledged and covers the rest:
 * blocks above it that the lost session acknowledged are sent again, as
 * a COMMIT covers only what its own session made durable.
 */
#ifndef EBPFDMA_SEND_H
#define EBPFDMA_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/ebpfdma-send/cc.h"
#include "tools/ebpfdma-send/flight.h"
#include "tools/ebpfdma-send/opts.h"
#include "tools/lib/handshake.h"

struct send_state {
	struct opts o;
	bool block_auto; /* no --block-size: from the path MTU and receiver */
	uint8_t secret[EBPFDMA_WIRE2_KEY_LEN], k_hs[EBPFDMA_WIRE2_KEY_LEN];
	uint8_t *scratch; /* a block's plaintext, read from the source */
	/* The input and its numbering. */
	bool file; /* a regular file, else a stream read in chunks */
	bool eof; /* a stream: its last chunk is the current one */
	uint64_t origin, end; /* bytes: block 0 starts at origin; the end */
	uint64_t padded_end; /* end, rounded up to the volume's unit */
	uint64_t resumed_at; /* bytes durable before this run (--resume) */
	uint64_t transfer; /* its id in every HELLO, random (or --resume's) */
	uint32_t n; /* blocks in [origin, end) */
	uint32_t base; /* the session's first block */
	uint32_t mtu, fit; /* the path MTU; the longest body it carries */
	bool mtu_fell; /* a datagram was refused as longer than the path MTU */
	const char *name; /* the file's name in a file store ("": none) */
	bool store; /* the volume is a file store (the WELCOME said so) */
	/* The session, from its WELCOME. */
	uint64_t session;
	uint32_t protect, unit, max_block, credit;
	struct edma_keys keys;
	uint64_t counter; /* the last DATA or COMMIT counter used */
	uint64_t ack_counter; /* the newest ACK's believed */
	struct flight f; /* what is in flight, what is acknowledged */
	struct cc cc; /* round trip and congestion window */
	bool cwnd_limited; /* the window held the sender back since the last ACK */
	unsigned int pto_backoff; /* probe timeouts in a row */
	double tokens; /* pacing: datagrams that may leave now */
	uint64_t tokens_us;
	int status; /* a failure the receiver reported */
	bool committed;
	/* Over the whole run. */
	uint64_t sends, resends, acks, forged, sessions;
	uint64_t lost, probes, congestion, ce; /* of sessions past */
	uint64_t bytes_sent; /* distinct bytes of data sent */
	uint64_t last_ack_ms, t0;
	uint64_t progress_ms; /* when the acknowledged count last grew */
	uint64_t resumed_us; /* when it last went on after being stopped */
};

extern struct send_state T;

uint64_t now_us(void);
uint64_t now_ms(void);
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* The input file changed while it was sent: exit 2, nothing committed. */
void input_changed(void) __attribute__((noreturn));

/* data.c: one session's rounds. */
/* Sized for the session's block size (after each WELCOME). */
void data_setup(void);
/*
 * Seal block @seq as DATA of the session into @buf (room for a header,
 * a block and a trailer) under a counter never used before, feeding the
 * digest; counted as sent (again, if @seq < @T.f.next).  The caller tells
 * flight_sent() when it leaves.  Returns the datagram's length.
 */
uint32_t data_seal(uint32_t seq, uint8_t *buf);
/*
 * Called once a session is granted, before its first round; NULL: none.
 * The benchmark's load generator (tools/bench/blast.c) sets it in a
 * build of its own; ebpfdma-send itself never does.
 */
extern void (*send_session_hook)(void);
/*
 * Declare lost what is overdue, probe when nothing was heard for a probe
 * timeout, then send what was lost and new blocks as far as the
 * congestion window, the credit, pacing and @budget (--rate) allow.
 * Returns how long to wait for an ACK before the next round (us).
 */
uint64_t data_round(double *budget);
/*
 * Read every datagram waiting, after waiting up to @timeout_us for one:
 * the ACKs that verify; returns how many were new.
 */
int data_read_acks(uint64_t timeout_us);
void data_send_commit(void);

#endif

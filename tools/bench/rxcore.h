/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol side shared by the baseline receivers of the benchmarks
 * (udp_pwrite, udp_direct, af_xdp): they speak wire version 2
 * (uapi/PROTOCOL.md) to the same sender, ebpfdma-send, with the same
 * protection as ebpfdma (--protect: a DATA is verified, and under "aead"
 * decrypted, with libsodium in the buffer that is written), and differ only
 * in how a DATA datagram's body reaches the disk.  This part admits
 * sessions (HELLO, WELCOME), checks and opens datagrams as the kfunc does
 * (session, index, length, trailer, duplicates), keeps each session's
 * durable set, answers COMMIT, sends ACKs, and measures.
 *
 * A receiver's loop: rx_datagram() on every datagram; for DATA it says
 * where the body goes; once the write is durable (per the receiver's
 * policy) rx_durable(); rx_tick() often (ACKs, COMMITs).  SIGINT/SIGTERM
 * set rx_stopping; rx_report() prints the receiver's figures as one JSON
 * line.
 */
#ifndef EBPFDMA_BENCH_RXCORE_H
#define EBPFDMA_BENCH_RXCORE_H

#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tools/lib/handshake.h"
#include "tools/lib/seqset.h"
#include "tools/lib/wire2.h"

#define RX_MAX_VOLUMES 8
#define RX_MAX_SESSIONS 64
#define RX_LAT_BUCKETS 16 /* as the module's: [2^(i-1), 2^i) us */

struct rx_session {
	uint32_t volume;
	uint64_t id;
	struct sockaddr_in6 peer;
	uint8_t nonce_c[EDMA_NONCE_LEN];
	uint8_t welcome[EDMA_WELCOME_LEN]; /* repeated to a repeated HELLO */
	struct edma_keys keys;
	uint64_t lba; /* first block of the transfer, window-relative */
	uint64_t length; /* bytes */
	uint32_t block_size, nblocks;
	uint64_t ack_counter;
	bool dirty; /* durable set grew since the last ACK */
	bool commit_pending, complete;
	struct seqset durable;
	uint64_t last_ack_ms;
};

/* Where a DATA body goes. */
struct rx_write {
	struct rx_session *s;
	uint32_t seq; /* the block's index */
	uint64_t off; /* byte offset on the disk */
	uint32_t len;
	const uint8_t *body;
};

struct rx_config {
	const char *disk;
	uint16_t port;
	uint32_t volumes; /* ids 1..volumes, side by side on the disk */
	uint64_t blocks; /* per volume, of block_size */
	uint32_t block_size; /* logical */
	uint32_t max_len; /* the longest body announced */
	uint32_t protect; /* EBPFDMA_PROTECT_* */
	uint8_t secret[EBPFDMA_WIRE2_KEY_LEN], k_hs[EBPFDMA_WIRE2_KEY_LEN];
	int cpu; /* pin the receiver to this CPU, or -1 */
};

struct rx {
	struct rx_config c;
	int sock; /* UDP, dual stack: control datagrams and ACKs */
	struct rx_session *sess[RX_MAX_SESSIONS];
	unsigned int nr_sess;
	/* figures */
	uint64_t bytes, blocks, dup, refused, auth_errors, acks;
	uint64_t lat[RX_LAT_BUCKETS];
	uint64_t commits;
};

extern volatile sig_atomic_t rx_stopping;

/*
 * Parse the common options (--disk --port --volumes --blocks --block-size
 * --max-len --key-file --protect --cpu) from @argv, leaving the others in place (argv
 * is compacted; *argc updated); open the socket, pin the CPU, install the
 * signal handlers.  Exits with a message on a bad option.
 */
void rx_init(struct rx *rx, int *argc, char **argv);
/* CLOCK_MONOTONIC in ns and ms. */
uint64_t rx_now_ns(void);
uint64_t rx_now_ms(void);
/*
 * One datagram (UDP payload) of @n bytes from @from: its header at @hdr, its
 * body and trailer at @body (NULL: right after the header).  1 with *@w
 * filled for a valid DATA, verified and opened in place at @body; 0 for
 * anything else (answered or counted here).
 */
int rx_datagram(struct rx *rx, const uint8_t *hdr, uint8_t *body,
		uint32_t n, const struct sockaddr_in6 *from,
		struct rx_write *w);
/* Read and handle every control datagram waiting on rx->sock. */
void rx_read_control(struct rx *rx);
/*
 * @seq of @s is durable since @now_ns (rx_now_ns(), one reading for a
 * batch); it arrived at @arrival_ns.
 */
void rx_durable(struct rx *rx, struct rx_session *s, uint32_t seq,
		uint64_t arrival_ns, uint64_t now_ns);
/*
 * Send due ACKs; a pending COMMIT is answered once @all_durable says that
 * nothing written is waiting for durability (the receiver made it so).
 */
void rx_tick(struct rx *rx, bool all_durable);
/* Is a COMMIT waiting (the receiver should make everything durable)? */
bool rx_commit_waiting(const struct rx *rx);
/* One JSON line of figures on standard output; @extra: more "k":v pairs. */
void rx_report(const struct rx *rx, const char *name, const char *extra);
/* Convert an IPv4 address (network order) to the v4-mapped form. */
void rx_v4_mapped(struct sockaddr_in6 *a, uint32_t addr, uint16_t port);

#endif

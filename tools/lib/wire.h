/* SPDX-License-Identifier: GPL-2.0 */
/* Building ebpfdma wire headers (uapi/ebpfdma_wire.h) in user space. */
#ifndef EBPFDMA_WIRE_LIB_H
#define EBPFDMA_WIRE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seqset.h"
#include "uapi/ebpfdma_wire.h"

struct edma_wire {
	uint8_t type; /* EBPFDMA_WIRE_* */
	uint16_t flags; /* EBPFDMA_WIRE_F_* */
	uint32_t volume;
	uint32_t session;
	uint64_t token;
	uint64_t lba;
	uint32_t seq;
	uint32_t status;
	uint32_t crc; /* edma_wire_parse() only; edma_wire_fill() computes it */
};

/*
 * Fill @h for @body of @len bytes; with EBPFDMA_WIRE_F_CRC in w->flags the
 * body's CRC32C goes into h->crc.
 */
void edma_wire_fill(struct ebpfdma_wire_hdr *h, const struct edma_wire *w,
		    const void *body, uint32_t len);

/*
 * Read the header of a datagram of @n bytes into @w (host order) and the
 * body's length into *@len: 0, or -1 when it is not a datagram of this
 * version (short, wrong magic or version, len not the rest of it).
 */
int edma_wire_parse(const void *buf, size_t n, struct edma_wire *w,
		    uint32_t *len);

/*
 * Does a parsed DATA header follow the rules the kfunc checks
 * (kmod/wire.c): known flags only, status 0, no CRC without its flag, a
 * body?  (Block size, window and token are the volume's to check.)
 */
bool edma_wire_data_ok(const struct edma_wire *w, uint32_t len);

/* What an ACK says. */
struct edma_ack {
	uint32_t volume, session;
	uint32_t status; /* EBPFDMA_WIRE_OK or EBPFDMA_WIRE_E_* */
	const struct seqset *durable; /* cumulative mark + runs; may be NULL */
	bool committed; /* answers a COMMIT: seq = commit_seq */
	uint32_t commit_seq;
	/* The volume's geometry (zeros in a refusal of the token). */
	uint64_t window_blocks;
	uint32_t block_size, max_len;
};

#define EDMA_ACK_MAX                                                     \
	(sizeof(struct ebpfdma_wire_hdr) + sizeof(struct ebpfdma_wire_info) + \
	 EBPFDMA_WIRE_ACK_RANGES_MAX * sizeof(struct ebpfdma_wire_range))

/* Build the ACK @a into @buf (EDMA_ACK_MAX bytes); returns its length. */
size_t edma_wire_ack(void *buf, const struct edma_ack *a);

#endif

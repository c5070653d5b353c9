/* SPDX-License-Identifier: GPL-2.0 */
/* Building ebpfdma wire headers (uapi/ebpfdma_wire.h) in user space. */
#ifndef EBPFDMA_WIRE_LIB_H
#define EBPFDMA_WIRE_LIB_H

#include <stdint.h>

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
};

/*
 * Fill @h for @body of @len bytes; with EBPFDMA_WIRE_F_CRC in w->flags the
 * body's CRC32C goes into h->crc.
 */
void edma_wire_fill(struct ebpfdma_wire_hdr *h, const struct edma_wire *w,
		    const void *body, uint32_t len);

#endif

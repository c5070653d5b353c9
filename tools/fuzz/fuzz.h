/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: the key every seed is sealed under,
 * and the input's first byte, which says how the rest is to be taken.
 *
 * A datagram target's input is one byte of mode, then a datagram. With
 * FUZZ_SEAL clear the datagram is handed to the parser as it came (an
 * attacker without the key: everything must be refused, early). With it
 * set, the target first seals the datagram under FUZZ_KEY with the
 * protection the mode names (the header's fields as they are, its length
 * made the body's): what a holder of the key could send, which reaches
 * the checks behind the trailer's. The mode's protection bits select
 * AEAD, MAC or CRC (3 is CRC again).
 */
#ifndef EBPFDMA_FUZZ_H
#define EBPFDMA_FUZZ_H

#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lib/wire2.h"
#include "uapi/ebpfdma_wire.h"

#define FUZZ_SEAL 0x01
#define FUZZ_MODE(seal, protect) ((seal) | (protect) << 1)
/* A datagram's bytes, at most: the largest a 9000-byte MTU carries. */
#define FUZZ_DGRAM_MAX 9000

static const uint8_t FUZZ_KEY[EBPFDMA_WIRE2_KEY_LEN] = {
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
};

/* A property every input must keep was broken: report it and abort. */
#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: broken: %s\n", __FILE__,  \
				__LINE__, #cond);                          \
			abort();                                           \
		}                                                          \
	} while (0)

/* The protection a mode byte names. */
static inline uint32_t fuzz_protect(uint8_t mode)
{
	static const uint32_t p[4] = { EBPFDMA_PROTECT_AEAD, EBPFDMA_PROTECT_MAC,
				       EBPFDMA_PROTECT_CRC, EBPFDMA_PROTECT_CRC };

	return p[mode >> 1 & 3];
}

/* libsodium once, before the first input. */
static inline void fuzz_init(void)
{
	static int done;

	if (!done && edma_wire2_init())
		abort();
	done = 1;
}

/*
 * The datagram of @data (@size bytes, the mode byte first) into @dgram
 * (FUZZ_DGRAM_MAX + trailer bytes): returns its length, or 0 when there is
 * none. Sealed: @key's, its header's fields as they came but its length.
 */
static inline size_t fuzz_dgram(uint8_t *dgram, const uint8_t *data,
				size_t size, const uint8_t *key)
{
	struct ebpfdma_wire2_hdr hdr, *h = &hdr;
	uint8_t mode;
	struct edma_wire2 w;
	size_t n;

	if (!size || size - 1 > FUZZ_DGRAM_MAX)
		return 0;
	mode = data[0];
	n = size - 1;
	if (!(mode & FUZZ_SEAL)) {
		memcpy(dgram, data + 1, n);
		return n;
	}
	if (n < EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN)
		return 0;
	memcpy(&hdr, data + 1, sizeof(hdr)); /* the input is not aligned */
	w = (struct edma_wire2){
		.type = h->type,
		.flags = be16toh(h->flags),
		.session = be64toh(h->session),
		.counter = be64toh(h->counter),
		.index = be32toh(h->index),
		.len = n - EBPFDMA_WIRE2_HDR_LEN - EBPFDMA_WIRE2_TRAILER_LEN,
	};
	return edma_wire2_seal(dgram, &w, data + 1 + EBPFDMA_WIRE2_HDR_LEN,
			       fuzz_protect(mode), key);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire version 2 sessions for the selftests that run the XDP program:
 * installed with EBPFDMA_IOC_SESSION_ADD under a fresh random id and key,
 * and frames of their DATA sealed by libsodium (tools/lib/wire2.c), each
 * under a counter of its own.
 */
#ifndef EBPFDMA_SELFTEST_SESS_H
#define EBPFDMA_SELFTEST_SESS_H

#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "tools/lib/ebpfdma.h"
#include "tools/lib/wire2.h"
#include "tools/testing/selftests/pkt.h"

struct sess {
	uint64_t id;
	uint32_t protect; /* EBPFDMA_PROTECT_* */
	uint8_t key[EBPFDMA_WIRE2_KEY_LEN];
	uint32_t bs; /* block size */
	uint64_t length, lba; /* bytes of the transfer; its first block */
	uint64_t counter; /* the sender's next */
};

static inline uint32_t sess_blocks(const struct sess *s)
{
	return (s->length + s->bs - 1) / s->bs;
}

/* Bytes of block @index: the last is the rest, whole 512-byte blocks. */
static inline uint32_t sess_len(const struct sess *s, uint32_t index)
{
	uint64_t last = s->length - (uint64_t)(sess_blocks(s) - 1) * s->bs;

	if (index + 1 < sess_blocks(s))
		return s->bs;
	return (last + 511) / 512 * 512;
}

/* Window-relative first 512-byte block of block @index. */
static inline uint64_t sess_lba(const struct sess *s, uint32_t index)
{
	return s->lba + (uint64_t)index * (s->bs / 512);
}

/*
 * A session of volume @volume under id @id (0: a random one) and a random
 * key, with EBPFDMA_SESSION_F_* @flags: 0, or -1 with errno (SESSION_ADD's).
 */
static inline int sess_add_id(const struct edma *e, uint32_t volume,
			      struct sess *s, uint64_t id, uint32_t protect,
			      uint32_t bs, uint64_t length, uint64_t lba,
			      uint32_t idle_ms, uint32_t flags)
{
	struct ebpfdma_session_add a = {
		.id = id, .volume = volume, .protect = protect,
		.idle_ms = idle_ms, .block_size = bs, .lba = lba,
		.length = length, .flags = flags,
	};

	*s = (struct sess){ .protect = protect, .bs = bs, .length = length,
			    .lba = lba, .counter = 1 };
	if ((!a.id && getrandom(&a.id, sizeof(a.id), 0) != sizeof(a.id)) ||
	    (protect != EBPFDMA_PROTECT_CRC &&
	     getrandom(s->key, sizeof(s->key), 0) != sizeof(s->key)))
		return -1;
	s->id = a.id;
	memcpy(a.key, s->key, sizeof(a.key));
	return ioctl(e->fd, EBPFDMA_IOC_SESSION_ADD, &a);
}

static inline int sess_add(const struct edma *e, uint32_t volume,
			   struct sess *s, uint32_t protect, uint32_t bs,
			   uint64_t length, uint64_t lba, uint32_t idle_ms)
{
	return sess_add_id(e, volume, s, 0, protect, bs, length, lba, idle_ms,
			   0);
}

static inline int sess_del(const struct edma *e, uint64_t id)
{
	struct ebpfdma_session_del d = { .id = id };

	return ioctl(e->fd, EBPFDMA_IOC_SESSION_DEL, &d);
}

/* A sealed DATA of block @index of @s (body @len bytes) in @dgram; its length. */
static inline size_t sess_seal(uint8_t *dgram, struct sess *s, uint32_t index,
			       const void *body, uint32_t len, uint16_t flags)
{
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_DATA, .flags = flags, .session = s->id,
		.counter = s->counter++, .len = len, .index = index,
	};

	return edma_wire2_seal(dgram, &w, body, s->protect, s->key);
}

/* ... as a frame from @src, in @pkt; its length, the payload's at *@udp_off. */
static inline size_t sess_frame(uint8_t *pkt, struct sess *s, uint32_t index,
				const void *body, uint32_t len, uint16_t flags,
				const struct pkt *src, size_t *udp_off)
{
	static uint8_t dgram[16384 + EBPFDMA_WIRE2_HDR_LEN +
			     EBPFDMA_WIRE2_TRAILER_LEN];

	return build(pkt, src, dgram, sess_seal(dgram, s, index, body, len, flags),
		     udp_off);
}

#endif

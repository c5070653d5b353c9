/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map of nonzero 64-bit ids to pointers, of a capacity fixed when it is
 * made: open addressing with linear probing (Knuth, TAOCP vol. 3, 6.4,
 * algorithm L) and deletion by shifting the entries after it back
 * (algorithm R), so that no tombstones accumulate.  The table is kept at
 * most half full; lookups take one probe on average.  serve finds its
 * sessions by id in one, for every completion and every slow-path
 * datagram.
 */
#ifndef EBPFDMA_IDMAP_H
#define EBPFDMA_IDMAP_H

#include <stdint.h>

struct idmap {
	uint64_t *keys; /* 0: a free entry */
	void **vals;
	unsigned int shift; /* 64 - log2(entries) */
	unsigned int mask; /* entries - 1 */
	unsigned int count, max;
};

/* A map for at most @max ids (1 .. 2^24); 0, or -ENOMEM / -EINVAL. */
int idmap_init(struct idmap *m, unsigned int max);
void idmap_free(struct idmap *m);
/* The value of @id, or NULL. */
void *idmap_get(const struct idmap *m, uint64_t id);
/*
 * Add @id (nonzero) with @val (not NULL): 0; -EEXIST when it is there
 * already, -ENOSPC when the map holds @max ids, -EINVAL for id 0 or NULL.
 */
int idmap_put(struct idmap *m, uint64_t id, void *val);
/* Take @id out: its value, or NULL when it was not there. */
void *idmap_del(struct idmap *m, uint64_t id);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of sequence numbers (0 .. 2^32-1) as a growable bitmap with a
 * cumulative mark: every number below @cum is in the set.  The receiver
 * keeps one per session of what is durable, the sender one of what was
 * acknowledged; ACKs carry the mark and the runs above it.
 */
#ifndef EBPFDMA_SEQSET_H
#define EBPFDMA_SEQSET_H

#include <stddef.h>
#include <stdint.h>

struct seqset {
	uint64_t *bits;
	size_t words; /* allocated */
	uint32_t cum; /* every number below it is in the set */
	uint32_t count; /* numbers in the set */
};

void seqset_init(struct seqset *s);
void seqset_free(struct seqset *s);
/* Add @seq; 1 if it was new, 0 if it was there, -1 out of memory. */
int seqset_add(struct seqset *s, uint32_t seq);
/* Add [first, end); returns how many were new, -1 out of memory. */
long seqset_add_range(struct seqset *s, uint32_t first, uint32_t end);
int seqset_has(const struct seqset *s, uint32_t seq);
/*
 * The runs of the set at or above @from, in ascending order: at most @max
 * pairs [first, end); returns how many were written.
 */
unsigned int seqset_runs(const struct seqset *s, uint32_t from,
			 uint32_t (*runs)[2], unsigned int max);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma completion ring: index arithmetic.
 *
 * The ring's head is written by user space, so every computation here takes
 * it as untrusted: a head that claims more entries consumed than were
 * produced makes the ring look full, never emptier than it is.
 */
#include <linux/log2.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"

/**
 * ebpfdma_ring_entries_for() - ring size for a pool of @nr_slots slots
 * @nr_slots: slots in the pool (>= 1)
 *
 * A slot is in at most one write at a time and every write completes once,
 * so one entry per slot, rounded up to a power of two, is enough.
 */
u32 ebpfdma_ring_entries_for(unsigned int nr_slots)
{
	return roundup_pow_of_two(nr_slots);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_entries_for);

/**
 * ebpfdma_ring_used() - entries produced and not yet consumed
 * @head: consumer index (from user space: untrusted)
 * @tail: producer index
 * @entries: ring size, a power of two
 *
 * Indices are free-running and wrap at 2^32.
 * Return: tail - head, or @entries when @head is ahead of @tail or further
 * behind than @entries (a corrupt head: the ring is treated as full).
 */
u32 ebpfdma_ring_used(u32 head, u32 tail, u32 entries)
{
	u32 used = tail - head;

	return used > entries ? entries : used;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_used);

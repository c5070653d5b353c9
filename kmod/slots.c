// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma slot allocator.
 *
 * Free slots are bits of an sbitmap_queue (the allocator blk-mq uses for
 * tags): allocation and release are lock-free, spread over per-CPU hints,
 * and safe from any context, XDP's softirq included.  Beside it, one word
 * per slot says who holds the slot, changed only by cmpxchg, so that a
 * double free or a free by the wrong holder is refused rather than
 * corrupting the bitmap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sbitmap.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"

/**
 * ebpfdma_slots_init() - make an allocator of @nr free slots
 * @s: the allocator
 * @nr: number of slots, >= 1
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL if @nr is 0, or -ENOMEM.
 */
int ebpfdma_slots_init(struct ebpfdma_slots *s, unsigned int nr)
{
	int ret;

	if (!nr)
		return -EINVAL;
	s->holder = kvcalloc(nr, sizeof(*s->holder), GFP_KERNEL);
	if (!s->holder)
		return -ENOMEM;
	ret = sbitmap_queue_init_node(&s->free, nr, -1, false, GFP_KERNEL,
				      NUMA_NO_NODE);
	if (ret) {
		kvfree(s->holder);
		return ret;
	}
	s->nr = nr;
	atomic_set(&s->in_use, 0);
	atomic_set(&s->high_water, 0);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_init);

/**
 * ebpfdma_slots_destroy() - free the allocator; every slot must be free
 * @s: the allocator
 */
void ebpfdma_slots_destroy(struct ebpfdma_slots *s)
{
	WARN_ON_ONCE(atomic_read(&s->in_use));
	sbitmap_queue_free(&s->free);
	kvfree(s->holder);
	s->holder = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_destroy);

/**
 * ebpfdma_slot_get() - take a free slot for @holder
 * @s: the allocator
 * @holder: who will hold it: an address (never 0) or EBPFDMA_HOLDER_*
 *
 * Context: any; never sleeps.
 * Return: the slot index, or -ENOBUFS when every slot is taken.
 */
int ebpfdma_slot_get(struct ebpfdma_slots *s, unsigned long holder)
{
	int in_use, hw, nr;

	nr = __sbitmap_queue_get(&s->free);
	if (nr < 0)
		return -ENOBUFS;
	/* The bit was clear, so nobody holds the slot. */
	WARN_ON_ONCE(atomic_long_xchg(&s->holder[nr], holder));
	in_use = atomic_inc_return(&s->in_use);
	hw = atomic_read(&s->high_water);
	while (in_use > hw && !atomic_try_cmpxchg(&s->high_water, &hw, in_use))
		;
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_get);

/**
 * ebpfdma_slot_pass() - hand a held slot from @from to @to
 * @s: the allocator
 * @nr: slot index
 * @from: its holder now
 * @to: its next holder (not 0)
 *
 * Context: any; never sleeps.
 * Return: 0; -ERANGE if @nr is not a slot; -EINVAL if it is free; -EPERM if
 * @from does not hold it.
 */
int ebpfdma_slot_pass(struct ebpfdma_slots *s, unsigned int nr,
		      unsigned long from, unsigned long to)
{
	unsigned long old;

	if (nr >= s->nr)
		return -ERANGE;
	old = atomic_long_cmpxchg(&s->holder[nr], from, to);
	if (old == from)
		return 0;
	return old ? -EPERM : -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_pass);

/**
 * ebpfdma_slot_put() - free a slot that @holder holds
 * @s: the allocator
 * @nr: slot index
 * @holder: its holder
 *
 * Context: any; never sleeps.
 * Return: as ebpfdma_slot_pass(); on error the slot is left as it was.
 */
int ebpfdma_slot_put(struct ebpfdma_slots *s, unsigned int nr,
		     unsigned long holder)
{
	int ret;

	ret = ebpfdma_slot_pass(s, nr, holder, 0);
	if (ret)
		return ret;
	atomic_dec(&s->in_use);
	sbitmap_queue_clear(&s->free, nr, raw_smp_processor_id());
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_put);

/**
 * ebpfdma_slots_put_all() - free every slot that @holder holds
 * @s: the allocator
 * @holder: the holder going away
 *
 * Context: process context (walks every slot).
 * Return: the number of slots freed.
 */
unsigned int ebpfdma_slots_put_all(struct ebpfdma_slots *s,
				   unsigned long holder)
{
	unsigned int nr, freed = 0;

	for (nr = 0; nr < s->nr; nr++) {
		if (atomic_long_read(&s->holder[nr]) != holder)
			continue;
		if (!ebpfdma_slot_put(s, nr, holder))
			freed++;
	}
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_put_all);

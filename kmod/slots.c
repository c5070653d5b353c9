// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma slot allocator.
 *
 * Free slots are bits of an sbitmap_queue (the allocator blk-mq uses for
 * tags): lock-free, spread over per-CPU hints, safe from any context.  In
 * front of it each CPU keeps a small cache of free slots under a lock of
 * its own: a slot freed on a CPU is taken again from that CPU's cache, so
 * the receive path and its completions, which run on the same CPU, take
 * and free slots without touching a cache line another CPU writes.  The
 * caches refill from, and spill half of themselves back to, the bitmap;
 * when the bitmap is empty a CPU takes a slot from another CPU's cache, so
 * a slot is never stranded.
 *
 * Beside them, one word per slot says who holds the slot, changed only by
 * cmpxchg, so that a double free or a free by the wrong holder is refused
 * rather than corrupting the allocator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/percpu.h>
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
 * Each CPU caches at most a quarter of its share of the slots (and at
 * most EBPFDMA_SLOT_CACHE_MAX), so caches never hold most of a small pool.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL if @nr is 0, or -ENOMEM.
 */
int ebpfdma_slots_init(struct ebpfdma_slots *s, unsigned int nr)
{
	int ret, cpu;

	if (!nr)
		return -EINVAL;
	s->holder = kvcalloc(nr, sizeof(*s->holder), GFP_KERNEL);
	if (!s->holder)
		return -ENOMEM;
	ret = sbitmap_queue_init_node(&s->free, nr, -1, false, GFP_KERNEL,
				      NUMA_NO_NODE);
	if (ret)
		goto err_free_holder;
	s->cache = alloc_percpu(struct ebpfdma_slot_cache);
	if (!s->cache) {
		ret = -ENOMEM;
		goto err_free_bitmap;
	}
	for_each_possible_cpu(cpu) {
		struct ebpfdma_slot_cache *c = per_cpu_ptr(s->cache, cpu);

		spin_lock_init(&c->lock);
		c->nr = 0;
	}
	s->cache_max =
		min(EBPFDMA_SLOT_CACHE_MAX, nr / (4 * num_possible_cpus()));
	s->nr = nr;
	atomic_set(&s->taken, 0);
	atomic_set(&s->high_water, 0);
	return 0;

err_free_bitmap:
	sbitmap_queue_free(&s->free);
err_free_holder:
	kvfree(s->holder);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_init);

/**
 * ebpfdma_slots_in_use() - slots someone holds
 * @s: the allocator
 *
 * Exact when nothing changes meanwhile; a snapshot otherwise.
 */
unsigned int ebpfdma_slots_in_use(struct ebpfdma_slots *s)
{
	int cached = 0, cpu;

	for_each_possible_cpu(cpu)
		cached += READ_ONCE(per_cpu_ptr(s->cache, cpu)->nr);
	return max(atomic_read(&s->taken) - cached, 0);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_in_use);

/**
 * ebpfdma_slots_destroy() - free the allocator; every slot must be free
 * @s: the allocator
 */
void ebpfdma_slots_destroy(struct ebpfdma_slots *s)
{
	WARN_ON_ONCE(ebpfdma_slots_in_use(s));
	free_percpu(s->cache);
	sbitmap_queue_free(&s->free);
	kvfree(s->holder);
	s->holder = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slots_destroy);

static void count_taken(struct ebpfdma_slots *s, int n)
{
	int taken = atomic_add_return(n, &s->taken);
	int hw = atomic_read(&s->high_water);

	while (taken > hw && !atomic_try_cmpxchg(&s->high_water, &hw, taken))
		;
}

/* Refill @c (empty, locked) with up to half a cache from the bitmap. */
static void cache_refill(struct ebpfdma_slots *s, struct ebpfdma_slot_cache *c)
{
	unsigned int want = max(s->cache_max / 2, 1U);
	int nr;

	while (c->nr < want) {
		nr = __sbitmap_queue_get(&s->free);
		if (nr < 0)
			break;
		c->idx[c->nr++] = nr;
	}
	if (c->nr)
		count_taken(s, c->nr);
}

/* Take a free slot: this CPU's cache, the bitmap, or another cache. */
static int slot_take(struct ebpfdma_slots *s)
{
	struct ebpfdma_slot_cache *c;
	unsigned long flags;
	int nr = -1, cpu;

	if (!s->cache_max) {
		nr = __sbitmap_queue_get(&s->free);
		if (nr >= 0)
			count_taken(s, 1);
		return nr;
	}
	/* Any CPU's cache is correct under its lock; ours is the cheap one. */
	c = raw_cpu_ptr(s->cache);
	spin_lock_irqsave(&c->lock, flags);
	if (!c->nr)
		cache_refill(s, c);
	if (c->nr)
		nr = c->idx[--c->nr];
	spin_unlock_irqrestore(&c->lock, flags);
	if (nr >= 0)
		return nr;
	/* The bitmap is empty; our lock is not held, so no two CPUs deadlock. */
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(s->cache, cpu);
		spin_lock_irqsave(&c->lock, flags);
		if (c->nr)
			nr = c->idx[--c->nr];
		spin_unlock_irqrestore(&c->lock, flags);
		if (nr >= 0)
			break;
	}
	return nr;
}

/* Give a free slot back: to this CPU's cache, spilling half when full. */
static void slot_give(struct ebpfdma_slots *s, unsigned int nr)
{
	struct ebpfdma_slot_cache *c;
	unsigned long flags;
	unsigned int keep;

	if (!s->cache_max) {
		atomic_dec(&s->taken);
		sbitmap_queue_clear(&s->free, nr, raw_smp_processor_id());
		return;
	}
	c = raw_cpu_ptr(s->cache);
	spin_lock_irqsave(&c->lock, flags);
	if (c->nr == s->cache_max) {
		keep = s->cache_max / 2;
		atomic_sub(c->nr - keep, &s->taken);
		while (c->nr > keep)
			sbitmap_queue_clear(&s->free, c->idx[--c->nr],
					    raw_smp_processor_id());
	}
	c->idx[c->nr++] = nr;
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * ebpfdma_slot_get() - take a free slot for @holder
 * @s: the allocator
 * @holder: who will hold it: an address (never 0) or EBPFDMA_HOLDER_*
 *
 * Context: any but hard interrupt; never sleeps.
 * Return: the slot index, or -ENOBUFS when every slot is taken.
 */
int ebpfdma_slot_get(struct ebpfdma_slots *s, unsigned long holder)
{
	int nr = slot_take(s);

	if (nr < 0)
		return -ENOBUFS;
	/* The slot was free, so nobody holds it. */
	WARN_ON_ONCE(atomic_long_xchg(&s->holder[nr], holder));
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
 * Context: any but hard interrupt; never sleeps.
 * Return: as ebpfdma_slot_pass(); on error the slot is left as it was.
 */
int ebpfdma_slot_put(struct ebpfdma_slots *s, unsigned int nr,
		     unsigned long holder)
{
	int ret;

	ret = ebpfdma_slot_pass(s, nr, holder, 0);
	if (ret)
		return ret;
	slot_give(s, nr);
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

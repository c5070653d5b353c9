// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma completion ring: the object an open descriptor's writes and
 * flushes complete into.  This file owns it whole: allocation, the user
 * mapping, credits, posting, waking, poll and its lifetime.
 *
 * Lifetime: @users is a percpu_ref held by the descriptor and by each
 * queued write and flush (taken on a CPU-local counter).  Closing the
 * descriptor kills it; when the last write has completed, the ring, and
 * with it the reference to the pool whose slots those writes used, is
 * freed from a work item.
 *
 * Credits: a write or flush is accepted only with a credit, one entry of
 * the ring set aside for its completion, so a post always has room and a
 * completion is never dropped.  Credits live in a shared counter and, a
 * batch at a time, in per-CPU caches; the shared counter is refilled from
 * the entries user space has consumed (its head, taken in under @lock,
 * never trusted further than the tail), and, when even that is empty, from
 * the other CPUs' caches.  Posting takes @lock once per batch of
 * completions.
 *
 * The ring's head is written by user space, so it is untrusted: a head
 * ahead of the tail frees nothing and is counted in the header's overflow
 * field; the ring then looks full until the head is sane again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

/* Rings are freed here, after their last write: see ebpfdma_ring_exit(). */
static struct workqueue_struct *ring_wq;

/**
 * ebpfdma_ring_entries_for() - ring size for a pool of @nr_slots slots
 * @nr_slots: slots in the pool (>= 1)
 *
 * A slot is in at most one write at a time, so one entry per slot,
 * rounded up to a power of two, lets every slot be in flight at once.
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

static void ring_free_work(struct work_struct *work)
{
	struct ebpfdma_ring *r =
		container_of(to_rcu_work(work), struct ebpfdma_ring, free_work);

	percpu_ref_exit(&r->users);
	free_percpu(r->cache);
	vfree(r->hdr);
	if (r->pool)
		ebpfdma_pool_put(r->pool);
	kfree(r);
}

/*
 * The last user is gone (any context): free from process context, after a
 * grace period, as a reader may still hold the ring it found under RCU
 * (percpu_ref implies no grace period between kill and release).
 */
static void ring_release(struct percpu_ref *ref)
{
	struct ebpfdma_ring *r = container_of(ref, struct ebpfdma_ring, users);

	queue_rcu_work(ring_wq, &r->free_work);
}

/**
 * ebpfdma_ring_create() - a ring of @nr_entries completions
 * @pool: the pool whose slots its writes use (a reference is taken), or
 *	  NULL (KUnit)
 * @nr_entries: a power of two
 *
 * Each CPU takes credits in batches of at most 32, and at most an eighth
 * of its share of the ring, so the caches never hold most of a small ring.
 *
 * Context: process context, may sleep.
 * Return: the ring, holding the caller's reference (end it with
 * ebpfdma_ring_close()), or NULL when out of memory.
 */
struct ebpfdma_ring *ebpfdma_ring_create(struct ebpfdma_pool *pool,
					 u32 nr_entries)
{
	struct ebpfdma_ring *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	r->nr_entries = nr_entries;
	r->bytes = PAGE_ALIGN(sizeof(*r->hdr) +
			      (size_t)nr_entries * sizeof(struct ebpfdma_cqe));
	r->hdr = vmalloc_user(r->bytes);
	if (!r->hdr)
		goto err_free_ring;
	r->hdr->entries = nr_entries;
	r->entries = (void *)r->hdr + sizeof(*r->hdr);
	r->cache = alloc_percpu(atomic_t);
	if (!r->cache)
		goto err_free_hdr;
	if (percpu_ref_init(&r->users, ring_release, 0, GFP_KERNEL))
		goto err_free_cache;
	r->credit_batch =
		clamp(nr_entries / (8 * num_possible_cpus()), 1U, 32U);
	atomic_set(&r->credits, nr_entries);
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wait);
	INIT_RCU_WORK(&r->free_work, ring_free_work);
	r->pool = pool;
	if (pool)
		ebpfdma_pool_get(pool);
	return r;

err_free_cache:
	free_percpu(r->cache);
err_free_hdr:
	vfree(r->hdr);
err_free_ring:
	kfree(r);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_create);

/**
 * ebpfdma_ring_close() - drop the creator's reference
 * @r: the ring
 *
 * Writes still queued keep it until they complete into it.
 * Context: any.
 */
void ebpfdma_ring_close(struct ebpfdma_ring *r)
{
	percpu_ref_kill(&r->users);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_close);

/* A reference for a write, unless the ring is closing.  Under RCU. */
bool ebpfdma_ring_tryget(struct ebpfdma_ring *r)
{
	return percpu_ref_tryget_live_rcu(&r->users);
}

/* A reference for a write to a ring the caller holds.  Context: any. */
void ebpfdma_ring_get(struct ebpfdma_ring *r)
{
	percpu_ref_get(&r->users);
}

void ebpfdma_ring_put_many(struct ebpfdma_ring *r, unsigned long n)
{
	percpu_ref_put_many(&r->users, n);
}

/* Take up to @want credits from the shared counter; how many were taken. */
static int take_credits(struct ebpfdma_ring *r, int want)
{
	int avail = atomic_read(&r->credits), n;

	do {
		if (avail <= 0)
			return 0;
		n = min(avail, want);
		ebpfdma_fault_delay(EBPFDMA_FAULT_RING_RESERVE);
	} while (!atomic_try_cmpxchg(&r->credits, &avail, avail - n));
	return n;
}

/* Entries user space consumed since last time become credits again. */
static void take_in_head(struct ebpfdma_ring *r)
{
	unsigned long flags;
	u32 head, done;

	spin_lock_irqsave(&r->lock, flags);
	head = READ_ONCE(r->hdr->head);
	done = head - r->consumed;
	if (done > r->tail - r->consumed) {
		/* Ahead of the tail: frees nothing. */
		WRITE_ONCE(r->hdr->overflow, r->hdr->overflow + 1);
	} else if (done) {
		r->consumed = head;
		atomic_add(done, &r->credits);
	}
	spin_unlock_irqrestore(&r->lock, flags);
}

/* Every CPU's cached credits go back to the shared counter. */
static void gather_credits(struct ebpfdma_ring *r)
{
	int cpu, n;

	for_each_possible_cpu(cpu) {
		n = atomic_xchg(per_cpu_ptr(r->cache, cpu), 0);
		if (n)
			atomic_add(n, &r->credits);
	}
}

/**
 * ebpfdma_ring_reserve() - take a credit for one completion
 * @r: the ring the completion will be posted to
 *
 * Context: any but hard interrupt; never sleeps.
 * Return: 0, or -EAGAIN when every entry of the ring is posted and not
 * consumed, or set aside for another completion.
 */
int ebpfdma_ring_reserve(struct ebpfdma_ring *r)
{
	int n;

	/* Any CPU's cache is correct (atomics); ours is the cheap one. */
	if (atomic_dec_if_positive(raw_cpu_ptr(r->cache)) >= 0)
		return 0;
	/*
	 * Credits taken but not yet cached are in no counter another CPU
	 * can gather from: no preemption in between.
	 */
	preempt_disable();
	n = take_credits(r, r->credit_batch);
	if (!n) {
		take_in_head(r);
		n = take_credits(r, r->credit_batch);
	}
	if (!n) {
		gather_credits(r);
		n = take_credits(r, r->credit_batch);
	}
	if (n > 1)
		atomic_add(n - 1, this_cpu_ptr(r->cache));
	preempt_enable();
	return n ? 0 : -EAGAIN;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_reserve);

/* Give back a credit that will not be posted.  Context: any. */
void ebpfdma_ring_unreserve(struct ebpfdma_ring *r)
{
	atomic_inc(raw_cpu_ptr(r->cache));
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_unreserve);

/* Give back @n credits: completions merged into others.  Context: any. */
void ebpfdma_ring_unreserve_many(struct ebpfdma_ring *r, unsigned int n)
{
	atomic_add(n, raw_cpu_ptr(r->cache));
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_unreserve_many);

/**
 * ebpfdma_cqe_merge() - fold @next into @run when it continues the run
 * @run: the completion of a session's block, or of a run of its blocks
 * @next: the completion that follows it
 * @block_shift: log2 of the volume's logical block size
 *
 * Only for sessions added with EBPFDMA_SESSION_F_RUNS (the caller checks).
 * @next continues @run when both are of the same session and volume, both
 * succeeded, their flags are the same and @next's block starts where the
 * run ends; @run's @len then grows by @next's, which is never more than
 * U32_MAX in all.
 *
 * Context: any.
 * Return: true when @next was folded in (it is not to be posted), false
 * when it needs an entry of its own.
 */
bool ebpfdma_cqe_merge(struct ebpfdma_cqe *run, const struct ebpfdma_cqe *next,
		       unsigned int block_shift)
{
	if (!(run->flags & EBPFDMA_CQE_SESSION) || run->flags != next->flags ||
	    run->cookie != next->cookie || run->volume != next->volume ||
	    run->status || next->status ||
	    run->lba + (run->len >> block_shift) != next->lba ||
	    next->len > U32_MAX - run->len)
		return false;
	run->len += next->len;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_cqe_merge);

/**
 * ebpfdma_ring_post() - post @n completions, each holding a credit
 * @r: the ring
 * @cqe: the completions, in order
 * @n: how many
 *
 * The caller wakes the pollers (ebpfdma_ring_wake()) once it has posted
 * what it had.
 *
 * Context: any; never sleeps.
 */
void ebpfdma_ring_post(struct ebpfdma_ring *r, const struct ebpfdma_cqe *cqe,
		       unsigned int n)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&r->lock, flags);
	/* The credits guarantee room: an entry past it is a bug here. */
	WARN_ON_ONCE(r->tail + n - r->consumed > r->nr_entries);
	for (i = 0; i < n; i++)
		r->entries[(r->tail + i) & (r->nr_entries - 1)] = cqe[i];
	r->tail += n;
	/* Entries before the index that publishes them. */
	smp_store_release(&r->hdr->tail, r->tail);
	spin_unlock_irqrestore(&r->lock, flags);
	ebpfdma_fault_delay(EBPFDMA_FAULT_RING_POST);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_ring_post);

/*
 * Wake @r's pollers: completions were posted.  The full barrier in
 * wq_has_sleeper() orders the tail's store before the check, and pairs
 * with the one ebpfdma_ring_poll() issues after poll_wait().
 * Context: any.
 */
void ebpfdma_ring_wake(struct ebpfdma_ring *r)
{
	if (wq_has_sleeper(&r->wait))
		wake_up_interruptible(&r->wait);
}

__poll_t ebpfdma_ring_poll(struct ebpfdma_ring *r, struct file *file,
			   poll_table *wait)
{
	poll_wait(file, &r->wait, wait);
	/* Pairs with the barrier in ebpfdma_ring_wake(). */
	smp_mb();
	/* The tail's entries are visible to whoever reads them after this. */
	if (READ_ONCE(r->hdr->head) != smp_load_acquire(&r->hdr->tail))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/* Map the whole ring: exactly @r->bytes.  Context: mmap_lock held. */
int ebpfdma_ring_mmap(struct ebpfdma_ring *r, struct vm_area_struct *vma)
{
	if (vma->vm_end - vma->vm_start != r->bytes)
		return -EINVAL;
	return remap_vmalloc_range(vma, r->hdr, 0);
}

int ebpfdma_ring_init(void)
{
	ring_wq = alloc_workqueue(KBUILD_MODNAME "_ring", WQ_MEM_RECLAIM, 0);
	return ring_wq ? 0 : -ENOMEM;
}

/*
 * Every ring is closed before this (the module is unloaded with no
 * descriptor open).  A release may still come from an RCU callback of
 * percpu_ref_kill(), and it queues the free after one more grace period:
 * two barriers, then the frees they queued.
 */
void ebpfdma_ring_exit(void)
{
	rcu_barrier();
	rcu_barrier();
	destroy_workqueue(ring_wq);
}

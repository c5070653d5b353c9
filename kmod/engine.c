// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma submission engine, shared by user-space SUBMIT and the XDP path.
 *
 * Producers (any context, softirq included) push a slot's write record onto
 * their CPU's lock-free llist, and kick the engine's work item when that
 * list was empty (a kick is pending otherwise): no lock and no shared
 * cache line per write.  The work item (process
 * context, one instance at a time) moves them to its backlog in queue order
 * and, under a blk_plug, builds bios straight from the slot pages, one bio
 * per run of writes that continue each other on the same volume, while
 * fewer than max_in_flight bios are in flight.  A bio's completion only
 * queues it for the completion work item, which posts one completion per
 * write to the submitter's ring, frees the slots, wakes each ring's
 * pollers once per batch, and kicks the engine again if the backlog
 * waits.  Nothing is copied: the device reads the DMA-coherent slots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/workqueue.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

static struct {
	struct workqueue_struct *wq;
	struct work_struct submit_work; /* runs one instance at a time */
	struct work_struct done_work;
	struct llist_head __percpu *queue; /* writes queued, per CPU */
	struct llist_head done; /* completed bios (their first write) */
	struct list_head backlog; /* queued writes, submit_work only */
	atomic_t backlog_len;
	atomic_t in_flight; /* bios submitted and not yet completed */
} eng;

static void engine_end_io(struct bio *bio)
{
	struct ebpfdma_io *first = bio->bi_private;

	first->status = bio->bi_status;
	bio_put(bio);
	llist_add(&first->done_node, &eng.done);
	queue_work(eng.wq, &eng.done_work);
}

static unsigned int io_segs(struct ebpfdma_io *io)
{
	void *addr = ebpfdma_slot_addr(io->pool, io->slot, 0);

	return DIV_ROUND_UP(offset_in_page(addr) + io->len, PAGE_SIZE);
}

static void engine_submit_run(struct ebpfdma_io **ios, unsigned int n)
{
	struct ebpfdma_io *first = ios[0];
	struct ebpfdma_volume *v = first->vol;
	blk_opf_t opf = REQ_OP_WRITE;
	unsigned int i, off, len, segs = 0;
	struct bio *bio;
	void *addr;

	for (i = 0; i < n; i++)
		segs += ios[i]->ext.segs;
	if ((first->ext.flags & EBPFDMA_DESC_FUA) ||
	    (v->flags & EBPFDMA_VOL_FUA) || READ_ONCE(ebpfdma_fua))
		opf |= REQ_FUA;
	/* GFP_NOIO from the bio mempool cannot fail. */
	bio = bio_alloc(v->bdev, segs, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = (v->start + first->ext.lba)
				 << (v->block_shift - SECTOR_SHIFT);
	for (i = 0; i < n; i++) {
		struct ebpfdma_io *io = ios[i];

		io->run_next = i + 1 < n ? ios[i + 1] : NULL;
		for (off = 0; off < io->len; off += len) {
			addr = ebpfdma_slot_addr(io->pool, io->slot, off);
			len = min_t(unsigned int, io->len - off,
				    PAGE_SIZE - offset_in_page(addr));
			if (WARN_ON_ONCE(
				    bio_add_page(
					    bio,
					    ebpfdma_slot_page(io->pool,
							      io->slot, off),
					    len, offset_in_page(addr)) != len))
				break;
		}
	}
	first->run_len = n;
	bio->bi_private = first;
	bio->bi_end_io = engine_end_io;
	atomic64_inc(&v->bios);
	atomic64_add(n - 1, &v->merges);
	atomic_inc(&eng.in_flight);
	submit_bio(bio);
}

static void engine_submit_work(struct work_struct *work)
{
	struct ebpfdma_extent *ext[EBPFDMA_BATCH_MAX];
	struct ebpfdma_io *ios[EBPFDMA_BATCH_MAX];
	unsigned int n, run, i, batch;
	struct ebpfdma_io *io, *tmp;
	struct llist_node *list;
	struct blk_plug plug;
	int cpu;

	for_each_possible_cpu(cpu) {
		list = llist_del_all(per_cpu_ptr(eng.queue, cpu));
		list = llist_reverse_order(list);
		llist_for_each_entry_safe(io, tmp, list, node) {
			io->ext.segs = io_segs(io);
			list_add_tail(&io->backlog, &eng.backlog);
			atomic_inc(&eng.backlog_len);
		}
	}

	batch = READ_ONCE(ebpfdma_batch);
	blk_start_plug(&plug);
	while (!list_empty(&eng.backlog) &&
	       atomic_read(&eng.in_flight) < READ_ONCE(ebpfdma_max_in_flight)) {
		n = 0;
		list_for_each_entry(io, &eng.backlog, backlog) {
			ios[n] = io;
			ext[n] = &io->ext;
			if (++n == batch)
				break;
		}
		run = ebpfdma_plan_run(
			(const struct ebpfdma_extent *const *)ext, n, batch,
			BIO_MAX_VECS);
		for (i = 0; i < run; i++)
			list_del(&ios[i]->backlog);
		atomic_sub(run, &eng.backlog_len);
		engine_submit_run(ios, run);
	}
	blk_finish_plug(&plug);
}

/*
 * Post a write's completion and let go of everything it held but its
 * descriptor, which it returns with the reference the write held: the
 * caller wakes the descriptor's pollers once for a batch of completions,
 * and drops that reference then.  @now: local_clock() of this batch of
 * completions, against the write's queued_ns for the latency histogram.
 */
static struct ebpfdma_file *complete_io(struct ebpfdma_io *io, int err, u64 now)
{
	struct ebpfdma_cqe cqe = {
		.cookie = io->cookie,
		.lba = io->ext.lba,
		.volume = io->ext.volume,
		.len = io->len,
		.status = err,
		.flags = io->cqe_flags,
	};
	struct ebpfdma_volume *v = io->vol;
	struct ebpfdma_file *f = io->f;
	/* Two CPUs' clocks may disagree by a little: never below 0. */
	u64 us = now > io->queued_ns ?
			 div_u64(now - io->queued_ns, NSEC_PER_USEC) :
			 0;
	int ret;

	atomic64_inc(&v->latency[min_t(unsigned int, fls64(us),
				       EBPFDMA_LAT_BUCKETS - 1)]);
	atomic64_add(us, &v->latency_sum_us);
	if (err)
		atomic64_inc(&v->errors);
	else
		atomic64_add(cqe.len, &v->bytes);
	/* Written where nothing volatile holds it: durable now. */
	if (!err && !bdev_write_cache(v->bdev))
		cqe.flags |= EBPFDMA_CQE_STABLE;
	/*
	 * Free the slot first: once user space sees the completion, the slot
	 * is free.  The record may be reused from here on; only the copies
	 * above are used.
	 */
	ret = ebpfdma_slot_put(&io->pool->slots, io->slot,
			       EBPFDMA_HOLDER_ENGINE);
	WARN_ON_ONCE(ret);
	ebpfdma_file_post_quiet(f, &cqe);
	ebpfdma_volume_write_done(v);
	ebpfdma_volume_put(v);
	return f;
}

/* Wake @f's pollers and drop the reference complete_io() handed over. */
static void wake_file(struct ebpfdma_file *f)
{
	if (!f)
		return;
	ebpfdma_file_wake(f);
	ebpfdma_file_put(f);
}

static bool engine_queued(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (!llist_empty(per_cpu_ptr(eng.queue, cpu)))
			return true;
	return false;
}

/*
 * Completions are posted in batches: a poller (serve) is woken once per
 * descriptor and batch, when the batch's completions are all in its ring,
 * not once per write, which would have it reap them one at a time.
 */
static void engine_done_work(struct work_struct *work)
{
	struct ebpfdma_io *first, *io, *next, *tmp;
	struct ebpfdma_file *waking = NULL, *f;
	struct llist_node *list;
	unsigned int n, i;
	u64 now;
	int err;

	list = llist_del_all(&eng.done);
	/* One clock read for the batch: they all complete now. */
	now = local_clock();
	llist_for_each_entry_safe(first, tmp, list, done_node) {
		err = blk_status_to_errno(first->status);
		n = first->run_len;
		for (io = first, i = 0; i < n; i++, io = next) {
			next = io->run_next;
			f = complete_io(io, err, now);
			/* Keep one reference per descriptor to wake. */
			if (f == waking) {
				ebpfdma_file_put(f);
			} else {
				wake_file(waking);
				waking = f;
			}
		}
		atomic_dec(&eng.in_flight);
	}
	wake_file(waking);
	if (atomic_read(&eng.backlog_len) || engine_queued())
		queue_work(eng.wq, &eng.submit_work);
}

/**
 * ebpfdma_engine_queue() - queue a write and make sure the engine runs
 * @io: the slot's write record, filled in, holding a volume write count
 *	(ebpfdma_volume_get()), a file reference and the slot as
 *	EBPFDMA_HOLDER_ENGINE
 *
 * Any CPU's list is correct (llist_add() is safe against every other
 * producer); the local one keeps producers apart.  The producer that finds
 * a list empty kicks the work item, whose next run empties every list, so a
 * producer that finds it non-empty has nothing to do.
 *
 * Context: any; never sleeps.
 */
void ebpfdma_engine_queue(struct ebpfdma_io *io)
{
	if (llist_add(&io->node, raw_cpu_ptr(eng.queue)))
		queue_work(eng.wq, &eng.submit_work);
}

/* Run @work on the engine's workqueue (drained before the module goes). */
void ebpfdma_engine_run(struct work_struct *work)
{
	queue_work(eng.wq, work);
}

unsigned int ebpfdma_engine_in_flight(void)
{
	return atomic_read(&eng.in_flight);
}

int ebpfdma_engine_init(void)
{
	int cpu;

	eng.queue = alloc_percpu(struct llist_head);
	if (!eng.queue)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		init_llist_head(per_cpu_ptr(eng.queue, cpu));
	init_llist_head(&eng.done);
	INIT_LIST_HEAD(&eng.backlog);
	INIT_WORK(&eng.submit_work, engine_submit_work);
	INIT_WORK(&eng.done_work, engine_done_work);
	eng.wq =
		alloc_workqueue(KBUILD_MODNAME, WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!eng.wq) {
		free_percpu(eng.queue);
		return -ENOMEM;
	}
	return 0;
}

/* Every volume must be gone (so every write completed) before this. */
void ebpfdma_engine_exit(void)
{
	destroy_workqueue(eng.wq);
	free_percpu(eng.queue);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma submission engine, shared by user-space SUBMIT and the XDP path,
 * one per CPU.
 *
 * A producer (any context, softirq included) pushes its writes onto its
 * CPU's lock-free llist and, when that list was empty, queues the CPU's
 * submit work item on that same CPU (a bound workqueue): no lock, no
 * global work item, no counter shared between CPUs.  The submit work
 * moves them to its backlog in queue order and, under a blk_plug, builds
 * bios straight from the slot pages, one bio per run of writes that
 * continue each other on the same volume, while fewer than max_in_flight
 * of its bios are in flight.  Submitting from the CPU that received the
 * data lets blk-mq use that CPU's hardware queue.
 *
 * A bio's end_io (usually on the same CPU) queues it on its submitting
 * CPU's done list; the done work posts the completions to the rings in
 * order, a batch per ring under one lock (a run of a session's blocks
 * as one entry, when the session asked for that), frees the slots into
 * the CPU's slot cache, drops page-cache pages the writes made stale,
 * wakes each ring's pollers once, ends the writes in their barrier
 * generations (only after their completions are posted, so a barrier's
 * completion always follows them), and kicks the submit work if its
 * backlog waits.
 * Nothing is copied: the device reads the DMA-coherent slots.
 *
 * A file volume's run is one direct write into the file instead of a bio
 * (engine_submit_file()), from the same work item and completed the same
 * way; its file system keeps its own page cache coherent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

struct engine_cpu {
	struct llist_head queue; /* writes queued on this CPU */
	struct llist_head done; /* completed bios (their first write) */
	atomic_t in_flight; /* this CPU's bios submitted, not completed */
	int cpu;
	struct work_struct submit_work;
	struct work_struct done_work;
	struct list_head backlog; /* queued writes, submit_work only */
};

static DEFINE_PER_CPU_ALIGNED(struct engine_cpu, engine_cpus);
/* Bound (per-CPU) workqueue: each CPU's work runs on that CPU. */
static struct workqueue_struct *engine_wq;

/* The run @first leads ended with @err: hand it to its CPU's done work. */
static void engine_run_end(struct ebpfdma_io *first, int err)
{
	struct engine_cpu *ec = per_cpu_ptr(&engine_cpus, first->cpu);

	first->err = err;
	if (llist_add(&first->done_node, &ec->done))
		queue_work_on(ec->cpu, engine_wq, &ec->done_work);
}

static void engine_end_io(struct bio *bio)
{
	struct ebpfdma_io *first = bio->bi_private;
	int err = blk_status_to_errno(bio->bi_status);

	bio_put(bio);
	engine_run_end(first, err);
}

/*
 * A run of writes to a file volume: one direct write (IOCB_DIRECT) from
 * the slots' pages, described by a bvec iterator, completed
 * asynchronously, as the NVMe target's file backend does
 * (drivers/nvme/target/io-cmd-file.c).  The file system allocates blocks,
 * converts unwritten extents and keeps its page cache coherent.
 */
struct file_run {
	struct kiocb iocb;
	struct ebpfdma_io *first;
	size_t len; /* bytes in @bvec */
	struct bio_vec bvec[];
};

/*
 * ki_complete, or the submitter when the file system finished there and
 * then: any context (the file system's bio or its workqueue).  Ends the
 * freeze protection the submitter took (kiocb_end_write()).
 */
static void file_run_end(struct kiocb *iocb, long ret)
{
	struct file_run *fr = container_of(iocb, struct file_run, iocb);
	struct ebpfdma_io *first = fr->first;
	/* Never a short write reported whole. */
	int err = ret == fr->len ? 0 : ret < 0 ? ret : -EIO;

	kiocb_end_write(iocb);
	kfree(fr);
	engine_run_end(first, err);
}

static unsigned int io_segs(struct ebpfdma_io *io)
{
	void *addr = ebpfdma_slot_addr(io->pool, io->slot, 0);

	return DIV_ROUND_UP(offset_in_page(addr) + io->len, PAGE_SIZE);
}

/* Add every page of @io to @bio; false when the bio refuses one. */
static bool bio_add_io(struct bio *bio, struct ebpfdma_io *io)
{
	unsigned int off, len;
	void *addr;

	for (off = 0; off < io->len; off += len) {
		addr = ebpfdma_slot_addr(io->pool, io->slot, off);
		len = min_t(unsigned int, io->len - off,
			    PAGE_SIZE - offset_in_page(addr));
		if (ebpfdma_fault_fail(EBPFDMA_FAULT_BIO_ADD))
			return false;
		/* The bio was sized for every segment: this cannot fail. */
		if (WARN_ON_ONCE(bio_add_page(bio,
					      ebpfdma_slot_page(io->pool,
								io->slot, off),
					      len,
					      offset_in_page(addr)) != len))
			return false;
	}
	return true;
}

/* Describe every page of @io in @bv; the number of entries used. */
static unsigned int bvec_add_io(struct bio_vec *bv, struct ebpfdma_io *io)
{
	unsigned int off, len, i = 0;
	void *addr;

	for (off = 0; off < io->len; off += len, i++) {
		addr = ebpfdma_slot_addr(io->pool, io->slot, off);
		len = min_t(unsigned int, io->len - off,
			    PAGE_SIZE - offset_in_page(addr));
		bv[i] = (struct bio_vec){
			.bv_page = ebpfdma_slot_page(io->pool, io->slot, off),
			.bv_len = len,
			.bv_offset = offset_in_page(addr),
		};
	}
	return i;
}

/*
 * Write the run @ios[0..@n) of @segs pages into its file volume, with
 * the file's ->write_iter() as the NVMe target does (the window was
 * checked against the file system's limits when the volume was added).
 * Freeze protection is taken as aio takes it for an asynchronous write,
 * but without waiting: a run that finds the file system frozen fails
 * with -EAGAIN instead of stalling this CPU's engine for every volume.
 * The file system may complete the write before ->write_iter() returns,
 * or there and then (an extending write is synchronous on ext4): both
 * end in file_run_end().  Context: the submit work, may sleep.
 */
static void engine_submit_file(struct ebpfdma_io **ios, unsigned int n,
			       unsigned int segs, blk_opf_t opf)
{
	struct ebpfdma_io *first = ios[0];
	struct ebpfdma_volume *v = first->gen->vol;
	struct file *file = v->file;
	struct iov_iter iter;
	struct file_run *fr;
	unsigned int i, nr = 0;
	ssize_t ret;

	fr = kmalloc(struct_size(fr, bvec, segs), GFP_NOIO);
	if (!fr || ebpfdma_fault_fail(EBPFDMA_FAULT_BIO_ADD)) {
		kfree(fr);
		engine_run_end(first, -ENOMEM);
		return;
	}
	if (!sb_start_write_trylock(file_inode(file)->i_sb)) {
		kfree(fr);
		engine_run_end(first, -EAGAIN);
		return;
	}
	/* Released by another context: lockdep takes it back there. */
	__sb_writers_release(file_inode(file)->i_sb, SB_FREEZE_WRITE);
	fr->first = first;
	fr->len = 0;
	for (i = 0; i < n; i++) {
		nr += bvec_add_io(fr->bvec + nr, ios[i]);
		fr->len += ios[i]->len;
	}
	iov_iter_bvec(&iter, ITER_SOURCE, fr->bvec, nr, fr->len);
	memset(&fr->iocb, 0, sizeof(fr->iocb));
	fr->iocb.ki_filp = file;
	fr->iocb.ki_pos = (v->start + first->ext.lba) << v->block_shift;
	/* The volume's own open: O_DSYNC only where the inode is IS_SYNC. */
	fr->iocb.ki_flags = file->f_iocb_flags | IOCB_DIRECT | IOCB_WRITE |
			    (opf & REQ_FUA ? IOCB_DSYNC : 0);
	fr->iocb.ki_complete = file_run_end;
	/*
	 * Its completion may end the volume's last write, and a VOLUME_DEL
	 * drop the volume's file, while the file system still returns.
	 */
	get_file(file);
	ret = file->f_op->write_iter(&fr->iocb, &iter);
	if (ret != -EIOCBQUEUED)
		file_run_end(&fr->iocb, ret);
	fput(file);
}

static void engine_submit_run(struct engine_cpu *ec, struct ebpfdma_io **ios,
			      unsigned int n)
{
	struct ebpfdma_io *first = ios[0];
	struct ebpfdma_volume *v = first->gen->vol;
	struct ebpfdma_vol_stats __percpu *st = v->stats;
	unsigned int i, segs = 0;
	bool whole = true;
	struct bio *bio;
	blk_opf_t opf;

	for (i = 0; i < n; i++) {
		segs += ios[i]->ext.segs;
		ios[i]->run_next = i + 1 < n ? ios[i + 1] : NULL;
	}
	opf = ebpfdma_write_opf(first->ext.flags, v->flags,
				READ_ONCE(ebpfdma_fua));
	first->run_len = n;
	this_cpu_inc(st->bios);
	this_cpu_add(st->merges, n - 1);
	atomic_inc(&ec->in_flight);
	if (v->flags & EBPFDMA_VOL_FILE) {
		engine_submit_file(ios, n, segs, opf);
		return;
	}
	/* GFP_NOIO from the bio mempool cannot fail. */
	bio = bio_alloc(v->bdev, segs, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = (v->start + first->ext.lba)
				 << (v->block_shift - SECTOR_SHIFT);
	for (i = 0; i < n && whole; i++)
		whole = bio_add_io(bio, ios[i]);
	bio->bi_private = first;
	bio->bi_end_io = engine_end_io;
	if (unlikely(!whole)) {
		/* Never a short write reported whole: every write fails. */
		bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
		return;
	}
	submit_bio(bio);
}

static void engine_submit_work(struct work_struct *work)
{
	struct engine_cpu *ec =
		container_of(work, struct engine_cpu, submit_work);
	struct ebpfdma_extent *ext[EBPFDMA_BATCH_MAX];
	struct ebpfdma_io *ios[EBPFDMA_BATCH_MAX];
	unsigned int n, run, i, batch, max;
	struct ebpfdma_io *io, *tmp;
	struct llist_node *list;
	struct blk_plug plug;

	list = llist_reverse_order(llist_del_all(&ec->queue));
	llist_for_each_entry_safe(io, tmp, list, node) {
		io->ext.segs = io_segs(io);
		list_add_tail(&io->backlog, &ec->backlog);
	}

	batch = READ_ONCE(ebpfdma_batch);
	max = READ_ONCE(ebpfdma_max_in_flight);
	blk_start_plug(&plug);
	while (!list_empty(&ec->backlog)) {
		if (atomic_read(&ec->in_flight) >= max) {
			/*
			 * Pairs with the barrier in engine_done_work(): either
			 * it sees the backlog, or this sees its decrement.
			 */
			smp_mb();
			if (atomic_read(&ec->in_flight) >= max)
				break;
		}
		n = 0;
		list_for_each_entry(io, &ec->backlog, backlog) {
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
		engine_submit_run(ec, ios, run);
	}
	blk_finish_plug(&plug);
}

/*
 * Completions waiting to be posted to one ring, and what they hold: entry
 * i completes writes[i] writes of generation gen[i] (more than one when
 * a run of session runs[i] was merged into it: non-NULL when the session
 * asked for that), each of which holds a credit and a reference of the
 * ring.
 */
#define POST_BATCH 16

struct post_batch {
	struct ebpfdma_ring *ring;
	unsigned int n;
	struct ebpfdma_cqe cqe[POST_BATCH];
	struct ebpfdma_gen *gen[POST_BATCH];
	unsigned int writes[POST_BATCH];
	/* runs[i]: the session whose run it may be (compared, never used) */
	const struct ebpfdma_session *runs[POST_BATCH];
};

/* Post, wake once, then let go of the ring and the generations. */
static void post_flush(struct post_batch *b)
{
	unsigned int i, j, writes, total = 0;

	if (!b->n)
		return;
	ebpfdma_ring_post(b->ring, b->cqe, b->n);
	ebpfdma_ring_wake(b->ring);
	for (i = 0; i < b->n; i = j) {
		writes = b->writes[i];
		for (j = i + 1; j < b->n && b->gen[j] == b->gen[i]; j++)
			writes += b->writes[j];
		ebpfdma_write_end(b->gen[i], writes);
		total += writes;
	}
	/* The credits of the merged writes were not used: give them back. */
	if (total > b->n)
		ebpfdma_ring_unreserve_many(b->ring, total - b->n);
	ebpfdma_ring_put_many(b->ring, total);
	b->n = 0;
}

/*
 * Account a completed write, free its slot and queue its completion in
 * @b.  @now: local_clock() of this batch of completions, against the
 * write's queued_ns for the latency histogram.
 */
static void complete_io(struct post_batch *b, struct ebpfdma_io *io, int err,
			u64 now)
{
	struct ebpfdma_gen *g = io->gen;
	struct ebpfdma_volume *v = g->vol;
	struct ebpfdma_vol_stats __percpu *st = v->stats;
	struct ebpfdma_ring *ring = io->ring;
	const struct ebpfdma_session *runs =
		io->session && io->session->runs ? io->session : NULL;
	unsigned int shift = v->block_shift;
	/* Two CPUs' clocks may disagree by a little: never below 0. */
	u64 us = now > io->queued_ns ?
			 div_u64(now - io->queued_ns, NSEC_PER_USEC) :
			 0;
	struct ebpfdma_cqe cqe = {
		.cookie = io->cookie,
		.lba = io->ext.lba,
		.volume = io->volume,
		.len = io->len,
		.status = err,
		.flags = io->cqe_flags,
	};

	this_cpu_inc(st->latency[min_t(unsigned int, fls64(us),
				       EBPFDMA_LAT_BUCKETS - 1)]);
	this_cpu_add(st->latency_sum_us, us);
	this_cpu_inc(st->completed);
	if (err)
		this_cpu_inc(st->errors);
	else
		this_cpu_add(st->bytes, cqe.len);
	/* Written where nothing volatile holds it: durable now. */
	if (!err && ebpfdma_volume_stable(v))
		cqe.flags |= EBPFDMA_CQE_STABLE;
	if (io->session) {
		/* A block that failed may be sent, and placed, again. */
		if (err)
			ebpfdma_session_unplace(io->session, io->index);
		ebpfdma_session_put(io->session);
	}
	/*
	 * Free the slot first: once user space sees the completion, the slot
	 * is free.  The record may be reused from here on; only the copies
	 * above are used.
	 */
	WARN_ON_ONCE(ebpfdma_slot_put(&io->pool->slots, io->slot,
				      EBPFDMA_HOLDER_ENGINE));
	/* A session's run: one entry, if the session asked for that. */
	if (runs && b->ring == ring && b->n && b->runs[b->n - 1] == runs &&
	    b->gen[b->n - 1] == g &&
	    ebpfdma_cqe_merge(&b->cqe[b->n - 1], &cqe, shift)) {
		b->writes[b->n - 1]++;
		return;
	}
	if (b->ring != ring || b->n == POST_BATCH) {
		post_flush(b);
		b->ring = ring;
	}
	b->cqe[b->n] = cqe;
	b->gen[b->n] = g;
	b->writes[b->n] = 1;
	b->runs[b->n] = runs;
	b->n++;
}

static void engine_done_work(struct work_struct *work)
{
	struct engine_cpu *ec =
		container_of(work, struct engine_cpu, done_work);
	struct ebpfdma_io *first, *io, *next, *tmp;
	struct post_batch b = { .n = 0 };
	struct llist_node *list;
	unsigned int n, i;
	u64 now, blocks;
	int err;

	/* Oldest first: completions are posted in the order bios ended. */
	list = llist_reverse_order(llist_del_all(&ec->done));
	/* One clock read for the batch: they all complete now. */
	now = local_clock();
	llist_for_each_entry_safe(first, tmp, list, done_node) {
		err = first->err;
		n = first->run_len;
		/*
		 * Before the completions: a reader then sees the new data (a
		 * file's own direct write keeps its page cache coherent).
		 */
		if (!err && !(first->gen->vol->flags & EBPFDMA_VOL_FILE)) {
			for (io = first, blocks = 0; io; io = io->run_next)
				blocks += io->ext.blocks;
			ebpfdma_volume_invalidate(first->gen->vol,
						  first->ext.lba, blocks);
		}
		for (io = first, i = 0; i < n; i++, io = next) {
			next = io->run_next;
			complete_io(&b, io, err, now);
		}
		atomic_dec(&ec->in_flight);
	}
	post_flush(&b);
	/* Pairs with the barrier in engine_submit_work(). */
	smp_mb__after_atomic();
	if (!list_empty(&ec->backlog))
		queue_work_on(ec->cpu, engine_wq, &ec->submit_work);
}

/**
 * ebpfdma_engine_queue() - queue writes and make sure the engine runs
 * @ios: the slots' write records, filled in, each holding a reference of
 *	 its generation (ebpfdma_write_begin()) and of its ring, and its
 *	 slot as EBPFDMA_HOLDER_ENGINE
 * @n: how many, >= 1; they are submitted in this order
 *
 * They go onto this CPU's list in one llist_add_batch(); the producer that
 * finds the list empty kicks the CPU's submit work, whose next run
 * empties it, so a producer that finds it non-empty has nothing to do.
 *
 * Context: any but hard interrupt; never sleeps.
 */
void ebpfdma_engine_queue(struct ebpfdma_io **ios, unsigned int n)
{
	struct engine_cpu *ec;
	u64 now = local_clock();
	unsigned int i;
	int cpu;

	/* Newest first: the submit work reverses the list. */
	for (i = 0; i < n; i++) {
		ios[i]->queued_ns = now;
		ios[i]->node.next = i ? &ios[i - 1]->node : NULL;
		this_cpu_inc(ios[i]->gen->vol->stats->queued);
	}
	cpu = get_cpu();
	ec = per_cpu_ptr(&engine_cpus, cpu);
	for (i = 0; i < n; i++)
		ios[i]->cpu = cpu;
	if (llist_add_batch(&ios[n - 1]->node, &ios[0]->node, &ec->queue))
		queue_work_on(cpu, engine_wq, &ec->submit_work);
	put_cpu();
}

/* Bios submitted and not completed, every CPU's. */
unsigned int ebpfdma_engine_in_flight(void)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += atomic_read(&per_cpu_ptr(&engine_cpus, cpu)->in_flight);
	return n;
}

int ebpfdma_engine_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct engine_cpu *ec = per_cpu_ptr(&engine_cpus, cpu);

		init_llist_head(&ec->queue);
		init_llist_head(&ec->done);
		atomic_set(&ec->in_flight, 0);
		ec->cpu = cpu;
		INIT_LIST_HEAD(&ec->backlog);
		INIT_WORK(&ec->submit_work, engine_submit_work);
		INIT_WORK(&ec->done_work, engine_done_work);
	}
	/*
	 * Bound, so a CPU's work runs on it (a CPU that goes offline hands
	 * its pending work to others); high priority, as it stands between
	 * the NIC and the disk; a rescuer, as it writes.
	 */
	engine_wq = alloc_workqueue(KBUILD_MODNAME "_engine",
				    WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	return engine_wq ? 0 : -ENOMEM;
}

/* Every volume must be gone (so every write completed) before this. */
void ebpfdma_engine_exit(void)
{
	destroy_workqueue(engine_wq);
}

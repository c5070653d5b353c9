// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma volumes: windows of a block device or of a regular file that
 * writes may land in, their liveness, their barrier generations and their
 * flushes.  A block device is written with bios and flushed with an empty
 * REQ_PREFLUSH bio; a file (on a file system with direct I/O) with direct
 * kiocbs (engine.c) and flushed with vfs_fsync(), which also makes its
 * size and extents durable.
 *
 * The table is read under RCU (the XDP path looks volumes up from
 * softirq) and changed under volumes_lock.
 *
 * Liveness, on the kernel's own primitives:
 *  - a write holds a reference of its volume's current *generation*
 *    (struct ebpfdma_gen, a percpu_ref: a CPU-local increment per write,
 *    no shared counter);
 *  - a generation, a flush in flight and the table each hold the volume's
 *    kref; VOLUME_DEL unpublishes the volume, kills its last generation,
 *    drops the table's reference and waits on the completion the last
 *    put signals.  complete() and wait_for_completion() serialise on the
 *    completion's own lock, so the waker is done with the volume before
 *    the deleter frees it.
 *
 * Barrier FLUSH: the current generation is ended (a new one published,
 * the old one killed) and carries the flush.  When the old generation's
 * last write completes, and the generation before it has ended too (each
 * generation holds a reference of its successor until then), a work item
 * issues the flush bio, asynchronously; its end_io posts the completion.
 * Nothing waits: a barrier covers exactly the writes queued before it,
 * under any load, and any number of barriers can be pending.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uaccess.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

static DEFINE_MUTEX(volumes_lock);
/* Published volumes: written under volumes_lock, read under RCU. */
static struct ebpfdma_volume __rcu *volumes[EBPFDMA_MAX_VOLUMES];
/*
 * Volumes being deleted, whose writes may still be in flight, under
 * volumes_lock: their ids are not free and their windows not either.
 */
static LIST_HEAD(volumes_dying);
/* Serial numbers of volumes, under volumes_lock. */
static u64 volumes_serial;
/* Generations end and barrier flushes are issued here. */
static struct workqueue_struct *volume_wq;

/* A FLUSH's completion: where it goes, what it holds. */
struct ebpfdma_flush_req {
	struct ebpfdma_volume *vol; /* reference held */
	struct ebpfdma_ring *ring; /* reference and credit held */
	u64 cookie;
	struct work_struct work; /* drops the references, after end_io */
};

static void volume_release(struct kref *ref)
{
	struct ebpfdma_volume *v =
		container_of(ref, struct ebpfdma_volume, ref);

	ebpfdma_fault_delay(EBPFDMA_FAULT_VOLUME_RELEASE);
	complete(&v->released);
}

static void volume_get(struct ebpfdma_volume *v)
{
	kref_get(&v->ref);
}

/* Context: any. */
static void volume_put(struct ebpfdma_volume *v)
{
	kref_put(&v->ref, volume_release);
}

/**
 * ebpfdma_volume_lookup() - the volume with id @id
 * @id: volume id (untrusted)
 *
 * Context: under rcu_read_lock(); the volume stays valid until it is
 * unlocked, or while a generation or flush of it holds it.
 * Return: the volume (perhaps being deleted), or NULL.
 */
struct ebpfdma_volume *ebpfdma_volume_lookup(u32 id)
{
	if (id >= EBPFDMA_MAX_VOLUMES)
		return NULL;
	return rcu_dereference(volumes[id]);
}

/**
 * ebpfdma_write_begin() - count a write in @v's current generation
 * @v: a volume from ebpfdma_volume_lookup()
 *
 * A barrier publishes the next generation before it kills the current
 * one, and deletion publishes NULL before it kills the last one, so a
 * failed tryget is always followed by a new pointer: the loop ends.
 *
 * Context: under rcu_read_lock(); never sleeps.
 * Return: the generation, whose reference keeps the volume (end the write
 * with ebpfdma_write_end()), or NULL when the volume is being deleted.
 */
struct ebpfdma_gen *ebpfdma_write_begin(struct ebpfdma_volume *v)
{
	struct ebpfdma_gen *g;

	for (;;) {
		g = rcu_dereference(v->gen);
		if (!g || percpu_ref_tryget_live_rcu(&g->writes))
			return g;
		/* Seen killed: read the pointer published before the kill. */
		smp_rmb();
		cpu_relax();
	}
}

/* @n writes of generation @g have completed.  Context: any. */
void ebpfdma_write_end(struct ebpfdma_gen *g, unsigned long n)
{
	percpu_ref_put_many(&g->writes, n);
}

/*
 * The last reference of a volume lets its deletion, and so the module's
 * unload, go on: it is dropped from the module's workqueue, which the
 * unload drains, not from an end_io that might still be running module
 * code when the deleter wakes.
 */
static void flush_done_work(struct work_struct *work)
{
	struct ebpfdma_flush_req *r =
		container_of(work, struct ebpfdma_flush_req, work);

	ebpfdma_ring_put(r->ring);
	volume_put(r->vol);
	kfree(r);
}

/* Post @r's completion with @err.  Context: any. */
static void flush_post(struct ebpfdma_flush_req *r, int err)
{
	struct ebpfdma_cqe cqe = {
		.cookie = r->cookie,
		.volume = r->vol->id,
		.status = err,
		.flags = EBPFDMA_CQE_FLUSH,
	};

	ebpfdma_ring_post(r->ring, &cqe, 1);
	ebpfdma_ring_wake(r->ring);
}

static void flush_end_io(struct bio *bio)
{
	struct ebpfdma_flush_req *r = bio->bi_private;
	int err = blk_status_to_errno(bio->bi_status);

	bio_put(bio);
	flush_post(r, err);
	queue_work(volume_wq, &r->work);
}

/*
 * A file volume's flush: its data, size and extents to stable media
 * (vfs_fsync() writes back and flushes the device's cache).  Context:
 * process, sleeps until done.
 */
static void flush_file(struct ebpfdma_flush_req *r)
{
	flush_post(r, vfs_fsync(r->vol->file, 0));
	flush_done_work(&r->work);
}

static void flush_file_work(struct work_struct *work)
{
	flush_file(container_of(work, struct ebpfdma_flush_req, work));
}

/*
 * Issue @r's flush.  A block device's: an empty REQ_PREFLUSH bio,
 * completed asynchronously (on a device without a volatile cache the
 * block layer completes it at once); GFP_NOIO from the bio mempool cannot
 * fail.  A file's: vfs_fsync() here and now when @wait (a barrier, from
 * the generation's end work, so barriers complete in order), else from
 * the volume workqueue.  Context: process.
 */
static void flush_issue(struct ebpfdma_flush_req *r, bool wait)
{
	struct bio *bio;

	if (r->vol->flags & EBPFDMA_VOL_FILE) {
		if (wait) {
			flush_file(r);
		} else {
			INIT_WORK(&r->work, flush_file_work);
			queue_work(volume_wq, &r->work);
		}
		return;
	}
	bio = bio_alloc(r->vol->bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC,
			GFP_NOIO);
	bio->bi_private = r;
	bio->bi_end_io = flush_end_io;
	submit_bio(bio);
}

/* Every write of @g completed, and every generation before it ended. */
static void gen_end_work(struct work_struct *work)
{
	struct ebpfdma_gen *g = container_of(work, struct ebpfdma_gen, work);
	struct ebpfdma_volume *v = g->vol;

	/* Issued before the next barrier's can be: they complete in order. */
	if (g->flush)
		flush_issue(g->flush, true);
	if (g->next)
		percpu_ref_put(&g->next->writes);
	percpu_ref_exit(&g->writes);
	/* A writer may still read @g under RCU and find it dead. */
	kfree_rcu(g, rcu);
	volume_put(v);
}

static void gen_release(struct percpu_ref *ref)
{
	struct ebpfdma_gen *g = container_of(ref, struct ebpfdma_gen, writes);

	queue_work(volume_wq, &g->work);
}

/* A new generation of @v, holding @v.  Context: process, may sleep. */
static struct ebpfdma_gen *gen_alloc(struct ebpfdma_volume *v)
{
	struct ebpfdma_gen *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	if (percpu_ref_init(&g->writes, gen_release, 0, GFP_KERNEL)) {
		kfree(g);
		return NULL;
	}
	INIT_WORK(&g->work, gen_end_work);
	g->vol = v;
	volume_get(v);
	return g;
}

/* Undo gen_alloc() of a generation never published. */
static void gen_free(struct ebpfdma_gen *g)
{
	percpu_ref_exit(&g->writes);
	volume_put(g->vol);
	kfree(g);
}

/*
 * End @v's current generation: with @flush to issue when its writes are
 * done (a barrier; @next the generation that follows, holding one more
 * reference for its predecessor), or for good (deletion: both NULL).
 * Return: -ENODEV when the volume is already being deleted.
 */
static int gen_end(struct ebpfdma_volume *v, struct ebpfdma_gen *next,
		   struct ebpfdma_flush_req *flush)
{
	struct ebpfdma_gen *old;

	mutex_lock(&v->gen_lock);
	old = rcu_dereference_protected(v->gen, lockdep_is_held(&v->gen_lock));
	if (!old) {
		mutex_unlock(&v->gen_lock);
		return -ENODEV;
	}
	old->next = next;
	old->flush = flush;
	rcu_assign_pointer(v->gen, next);
	percpu_ref_kill(&old->writes);
	mutex_unlock(&v->gen_lock);
	return 0;
}

/**
 * ebpfdma_volume_flush() - FLUSH volume @id, completing into @ring
 * @id: volume id (untrusted)
 * @ring: the caller's ring, which must have a credit reserved for the
 *	  completion (a reference is taken)
 * @cookie: returned in the completion
 * @now: flush at once (EBPFDMA_FLUSH_NOW); else a barrier behind every
 *	 write already queued to the volume
 *
 * Context: process context, may sleep.
 * Return: 0 (the completion will be posted); -ENODEV: no such volume, or
 * being deleted; -ENOMEM.
 */
int ebpfdma_volume_flush(u32 id, struct ebpfdma_ring *ring, u64 cookie,
			 bool now)
{
	struct ebpfdma_flush_req *r;
	struct ebpfdma_volume *v;
	struct ebpfdma_gen *next;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rcu_read_lock();
	v = ebpfdma_volume_lookup(id);
	if (v &&
	    (!rcu_access_pointer(v->gen) || !kref_get_unless_zero(&v->ref)))
		v = NULL;
	rcu_read_unlock();
	if (!v) {
		ret = -ENODEV;
		goto err_free;
	}
	r->vol = v;
	r->ring = ring;
	r->cookie = cookie;
	INIT_WORK(&r->work, flush_done_work);
	if (now) {
		ebpfdma_ring_get(ring);
		flush_issue(r, false);
		return 0;
	}
	next = gen_alloc(v);
	if (!next) {
		ret = -ENOMEM;
		goto err_put_volume;
	}
	/* Held until the generation before it has ended. */
	percpu_ref_get(&next->writes);
	ebpfdma_ring_get(ring);
	ret = gen_end(v, next, r);
	if (ret)
		goto err_free_gen;
	return 0;

err_free_gen:
	ebpfdma_ring_put(ring);
	percpu_ref_put(&next->writes);
	gen_free(next);
err_put_volume:
	volume_put(v);
err_free:
	kfree(r);
	return ret;
}

/* Number of volumes that exist. */
unsigned int ebpfdma_volumes_count(void)
{
	unsigned int id, n = 0;

	rcu_read_lock();
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++)
		n += !!rcu_dereference(volumes[id]);
	rcu_read_unlock();
	return n;
}

/* The sum over every CPU of the counter at @offset of the stats. */
u64 ebpfdma_volume_stat(struct ebpfdma_volume *v, size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((void *)per_cpu_ptr(v->stats, cpu) + offset);
	return sum;
}

/* Writes queued and not completed; a snapshot, never below 0. */
u64 ebpfdma_volume_in_flight(struct ebpfdma_volume *v)
{
	/* Completed first: a write counted there was counted queued before. */
	u64 completed = EBPFDMA_VOL_STAT(v, completed);
	u64 queued;

	/* The completed counts read before the queued ones. */
	smp_rmb();
	queued = EBPFDMA_VOL_STAT(v, queued);
	return queued > completed ? queued - completed : 0;
}

/**
 * ebpfdma_volume_stable() - is a completed write of @v durable already?
 * @v: the volume
 *
 * True when the device reports no volatile write cache.  An administrator
 * can say "write through" in sysfs while the hardware caches; that is
 * trusted (it is the administrator's word) but logged, once per volume.
 * Context: any.
 */
bool ebpfdma_volume_stable(struct ebpfdma_volume *v)
{
	struct request_queue *q = bdev_get_queue(v->bdev);

	/* A file's new blocks and size are durable only after a flush. */
	if (v->flags & EBPFDMA_VOL_FILE || bdev_write_cache(v->bdev))
		return false;
	if (test_bit(QUEUE_FLAG_HW_WC, &q->queue_flags) &&
	    !READ_ONCE(v->wc_warned)) {
		WRITE_ONCE(v->wc_warned, true);
		pr_warn("volume %u: %pg has a volatile write cache but write_cache says 'write through': writes are reported durable without a flush\n",
			v->id, v->bdev);
	}
	return true;
}

/**
 * ebpfdma_volume_invalidate() - drop the device's cached pages of a range
 * @v: the volume
 * @lba: first block written, relative to the window
 * @blocks: blocks written
 *
 * Writes go to the device in bios, beside its page cache: as after a
 * direct write, cached pages of the range are dropped, so a later buffered
 * read sees what was written.
 * Context: process context, may sleep.
 */
void ebpfdma_volume_invalidate(struct ebpfdma_volume *v, u64 lba, u64 blocks)
{
	struct address_space *mapping = ebpfdma_bdev_mapping(v->bdev);
	loff_t start = (v->start + lba) << v->block_shift;
	loff_t end = start + (blocks << v->block_shift) - 1;

	if (!mapping->nrpages)
		return;
	invalidate_inode_pages2_range(mapping, start >> PAGE_SHIFT,
				      end >> PAGE_SHIFT);
}

/*
 * A file volume's own open of the file @file names, for writing only
 * (O_LARGEFILE: the window may lie anywhere the file system allows): no
 * flag the caller sets later on its descriptor (O_APPEND through fcntl())
 * reaches the volume's writes, and the volume's fsync() alone consumes
 * its write-back errors.  @block_size: the file's direct I/O alignment
 * (STATX_DIOALIGN), the volume's block; @max_blocks: of them, the largest
 * file the file system allows.
 */
static int volume_file_open(struct file *file, struct file **priv,
			    u32 *block_size, u64 *max_blocks)
{
	struct inode *inode = file_inode(file);
	struct kstat st = {};
	struct file *f;
	int ret;

	if (IS_SWAPFILE(inode))
		return -ETXTBSY;
	if (IS_IMMUTABLE(inode) || IS_APPEND(inode))
		return -EPERM;
	ret = vfs_getattr(&file->f_path, &st, STATX_DIOALIGN,
			  AT_STATX_SYNC_AS_STAT);
	if (ret)
		return ret;
	/*
	 * The pool's pages serve any memory alignment up to the smallest
	 * slot; a block is at most a page (a slot may be one).
	 */
	if (!(st.result_mask & STATX_DIOALIGN) || !st.dio_offset_align ||
	    !is_power_of_2(st.dio_offset_align) ||
	    st.dio_offset_align < SECTOR_SIZE ||
	    st.dio_offset_align > PAGE_SIZE ||
	    EBPFDMA_SLOT_SIZE_MIN % st.dio_mem_align || !inode->i_sb->s_bdev)
		return -EOPNOTSUPP;
	f = dentry_open(&file->f_path, O_WRONLY | O_LARGEFILE, file->f_cred);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (!(f->f_mode & FMODE_CAN_ODIRECT) || !f->f_op->write_iter) {
		fput(f);
		return -EOPNOTSUPP;
	}
	*priv = f;
	*block_size = st.dio_offset_align;
	*max_blocks = inode->i_sb->s_maxbytes >> ilog2(st.dio_offset_align);
	return 0;
}

/*
 * The target behind @fd, as the caller opened it: a block device opened
 * for writing and exclusively, or a regular file opened for writing (not
 * for appending) on a file system that does direct I/O (the volume's own
 * open of it, volume_file_open()).  @block_size and @max_blocks: its
 * geometry.
 */
static int volume_target(int fd, struct file **filep, bool *is_file,
			 u32 *block_size, u64 *max_blocks)
{
	struct file *file = fget(fd);
	struct block_device *bdev;
	struct inode *inode;
	int ret;

	if (!file)
		return -EBADF;
	inode = file_inode(file);
	*is_file = S_ISREG(inode->i_mode);
	ret = -ENOTBLK;
	if (!S_ISBLK(inode->i_mode) && !*is_file)
		goto err_fput;
	ret = -EACCES;
	if (!(file->f_mode & FMODE_WRITE) ||
	    (!*is_file && !(file->f_mode & FMODE_EXCL)))
		goto err_fput;
	if (*is_file) {
		ret = -EINVAL;
		if (file->f_flags & O_APPEND)
			goto err_fput;
		ret = volume_file_open(file, filep, block_size, max_blocks);
		fput(file);
		return ret;
	}
	bdev = ebpfdma_file_bdev(file);
	*block_size = bdev_logical_block_size(bdev);
	*max_blocks = bdev_nr_sectors(bdev) >> (ilog2(*block_size) - 9);
	*filep = file;
	return 0;

err_fput:
	fput(file);
	return ret;
}

/* What two volumes must not share a block of: the device, or the file. */
static void *volume_backing(struct file *file, bool is_file)
{
	return is_file ? (void *)file_inode(file) :
			 (void *)ebpfdma_file_bdev(file);
}

static bool window_overlaps(const struct ebpfdma_volume *v, void *backing,
			    u64 start, u64 blocks, unsigned int shift)
{
	return volume_backing(v->file, v->flags & EBPFDMA_VOL_FILE) ==
		       backing &&
	       ebpfdma_windows_overlap(v->start << v->block_shift,
				       v->blocks << v->block_shift,
				       start << shift, blocks << shift);
}

/*
 * Does a volume on @backing (volume_backing()), published or still
 * draining its writes, overlap [start, +blocks)?  Under volumes_lock.
 */
static bool volume_overlaps(void *backing, u64 start, u64 blocks,
			    unsigned int shift)
{
	struct ebpfdma_volume *v;
	u32 id;

	lockdep_assert_held(&volumes_lock);
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++) {
		v = rcu_dereference_protected(volumes[id],
					      lockdep_is_held(&volumes_lock));
		if (v && window_overlaps(v, backing, start, blocks, shift))
			return true;
	}
	list_for_each_entry(v, &volumes_dying, dying)
		if (window_overlaps(v, backing, start, blocks, shift))
			return true;
	return false;
}

/* Is volume id @id being deleted?  Under volumes_lock. */
static bool volume_id_dying(u32 id)
{
	struct ebpfdma_volume *v;

	lockdep_assert_held(&volumes_lock);
	list_for_each_entry(v, &volumes_dying, dying)
		if (v->id == id)
			return true;
	return false;
}

static struct ebpfdma_volume *volume_alloc(const struct ebpfdma_volume_add *req,
					   struct file *file, bool is_file)
{
	struct ebpfdma_volume *v = kzalloc(sizeof(*v), GFP_KERNEL);
	struct ebpfdma_gen *g;

	if (!v)
		return NULL;
	v->stats = alloc_percpu(struct ebpfdma_vol_stats);
	if (!v->stats)
		goto err_free_volume;
	kref_init(&v->ref);
	init_completion(&v->released);
	mutex_init(&v->gen_lock);
	v->id = req->id;
	v->flags = req->flags | (is_file ? EBPFDMA_VOL_FILE : 0);
	v->start = req->start;
	v->blocks = req->blocks;
	v->block_shift = ilog2(req->block_size);
	v->file = file;
	v->bdev = is_file ? file_inode(file)->i_sb->s_bdev :
			    ebpfdma_file_bdev(file);
	g = gen_alloc(v);
	if (!g)
		goto err_free_stats;
	RCU_INIT_POINTER(v->gen, g);
	return v;

err_free_stats:
	free_percpu(v->stats);
err_free_volume:
	kfree(v);
	return NULL;
}

/* Free a volume whose references are all gone. */
static void volume_free(struct ebpfdma_volume *v)
{
	free_percpu(v->stats);
	fput(v->file);
	mutex_destroy(&v->gen_lock);
	kfree(v);
}

/*
 * Write back and drop the device's cached pages of the window, so that
 * neither old dirty pages written back later nor stale clean ones hide
 * what the volume writes.  (A file's direct writes do that themselves.)
 */
static int volume_sync_window(struct ebpfdma_volume *v)
{
	struct address_space *mapping = ebpfdma_bdev_mapping(v->bdev);
	loff_t start = v->start << v->block_shift;
	loff_t end = start + (v->blocks << v->block_shift) - 1;
	int ret;

	if (v->flags & EBPFDMA_VOL_FILE)
		return 0;
	ret = filemap_write_and_wait_range(mapping, start, end);
	if (ret)
		return ret;
	ebpfdma_volume_invalidate(v, 0, v->blocks);
	return 0;
}

/**
 * ebpfdma_ioctl_volume_add() - EBPFDMA_IOC_VOLUME_ADD
 * @arg: struct ebpfdma_volume_add (user)
 * @parent: the kobject its sysfs directory goes under
 *
 * Context: process context.
 * Return: 0 or the errno the ABI documents.
 */
long ebpfdma_ioctl_volume_add(void __user *arg, struct kobject *parent)
{
	struct ebpfdma_volume_add req;
	struct block_device *bdev;
	struct ebpfdma_volume *v;
	struct file *file;
	u64 dev_blocks;
	unsigned int i;
	bool is_file;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(req.reserved); i++)
		if (req.reserved[i])
			return -EINVAL;
	if (req.reserved0)
		return -EINVAL;
	/* block_size is an output: whatever it holds on input is ignored. */
	if (req.id >= EBPFDMA_MAX_VOLUMES || req.flags & ~EBPFDMA_VOL_FLAGS_ALL)
		return -EINVAL;
	ret = volume_target(req.fd, &file, &is_file, &req.block_size,
			    &dev_blocks);
	if (ret)
		return ret;
	bdev = is_file ? file_inode(file)->i_sb->s_bdev :
			 ebpfdma_file_bdev(file);
	ret = ebpfdma_window_check(dev_blocks, req.start, req.blocks);
	if (ret)
		goto err_fput;

	v = volume_alloc(&req, file, is_file);
	if (!v) {
		ret = -ENOMEM;
		goto err_fput;
	}
	ret = volume_sync_window(v);
	if (ret)
		goto err_free_volume;

	mutex_lock(&volumes_lock);
	if (rcu_access_pointer(volumes[req.id]) || volume_id_dying(req.id)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	if (volume_overlaps(volume_backing(file, is_file), req.start,
			    req.blocks, v->block_shift)) {
		ret = -EBUSY;
		goto err_unlock;
	}
	ret = ebpfdma_volume_sysfs_add(v, parent);
	if (ret)
		goto err_unlock;
	v->serial = ++volumes_serial;
	/* Under the lock: once it is dropped, a VOLUME_DEL may free @v. */
	if (is_file)
		pr_info("volume %u: file %pD on %pg, blocks [%llu, +%llu) of %u bytes\n",
			v->id, file, bdev, v->start, v->blocks, req.block_size);
	else
		pr_info("volume %u: %pg blocks [%llu, +%llu) of %u bytes\n",
			v->id, bdev, v->start, v->blocks, req.block_size);
	rcu_assign_pointer(volumes[req.id], v);
	mutex_unlock(&volumes_lock);

	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT; /* the volume exists; LIST shows it */
	return 0;

err_unlock:
	mutex_unlock(&volumes_lock);
err_free_volume:
	gen_free(rcu_dereference_protected(v->gen, true));
	/* Only the volume's own reference is left. */
	WARN_ON_ONCE(!kref_put(&v->ref, volume_release));
	volume_free(v);
	return ret;
err_fput:
	fput(file);
	return ret;
}

/*
 * Delete volume @id: unpublish it, end its last generation, wait for
 * every write and flush of it, free it.  Called with volumes_lock held;
 * drops it while waiting (its id and window stay taken meanwhile, on the
 * dying list).
 */
static int volume_del_locked(u32 id)
{
	struct ebpfdma_volume *v;

	lockdep_assert_held(&volumes_lock);
	v = rcu_dereference_protected(volumes[id],
				      lockdep_is_held(&volumes_lock));
	if (!v)
		return -ENODEV;
	RCU_INIT_POINTER(volumes[id], NULL);
	list_add(&v->dying, &volumes_dying);
	mutex_unlock(&volumes_lock);

	WARN_ON_ONCE(gen_end(v, NULL, NULL));
	volume_put(v);
	wait_for_completion(&v->released);
	/* No lookup that found it is still looking (xdp.c, SUBMIT). */
	synchronize_rcu();
	pr_info("volume %u deleted: %llu bytes written, %llu errors\n", id,
		EBPFDMA_VOL_STAT(v, bytes), EBPFDMA_VOL_STAT(v, errors));
	ebpfdma_volume_sysfs_del(v);

	mutex_lock(&volumes_lock);
	list_del(&v->dying);
	volume_free(v);
	return 0;
}

long ebpfdma_ioctl_volume_del(void __user *arg)
{
	struct ebpfdma_volume_del req;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.pad || req.reserved[0])
		return -EINVAL;
	if (req.id >= EBPFDMA_MAX_VOLUMES)
		return -ENODEV;
	mutex_lock(&volumes_lock);
	ret = volume_del_locked(req.id);
	mutex_unlock(&volumes_lock);
	return ret;
}

/* A volume's flags as VOLUME_LIST reports them. */
static u32 volume_info_flags(struct ebpfdma_volume *v)
{
	/* No volatile cache: a completed write is on stable media. */
	return v->flags | (ebpfdma_volume_stable(v) ? EBPFDMA_VOL_STABLE : 0);
}

/* Copied under RCU into a kernel array, then to user space unlocked. */
long ebpfdma_ioctl_volume_list(void __user *arg)
{
	struct ebpfdma_volume_info *info;
	struct ebpfdma_volume_list req;
	struct ebpfdma_volume *v;
	u32 id, n = 0;
	int ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.pad || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	info = kcalloc(EBPFDMA_MAX_VOLUMES, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	rcu_read_lock();
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++) {
		v = rcu_dereference(volumes[id]);
		if (!v)
			continue;
		info[n++] = (struct ebpfdma_volume_info){
			.id = v->id,
			.flags = volume_info_flags(v),
			.start = v->start,
			.blocks = v->blocks,
			.block_size = 1U << v->block_shift,
			.major = MAJOR(v->bdev->bd_dev),
			.minor = MINOR(v->bdev->bd_dev),
			.in_flight = ebpfdma_volume_in_flight(v),
			.bytes = EBPFDMA_VOL_STAT(v, bytes),
			.errors = EBPFDMA_VOL_STAT(v, errors),
		};
	}
	rcu_read_unlock();
	if (copy_to_user(u64_to_user_ptr(req.vols), info,
			 min(n, req.count) * sizeof(*info)))
		ret = -EFAULT;
	kfree(info);
	if (ret)
		return ret;
	req.count = n;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

/* Module unload: delete every volume, waiting for their writes. */
void ebpfdma_volumes_del_all(void)
{
	u32 id;

	mutex_lock(&volumes_lock);
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++)
		volume_del_locked(id);
	mutex_unlock(&volumes_lock);
}

int ebpfdma_volumes_init(void)
{
	volume_wq =
		alloc_workqueue(KBUILD_MODNAME "_volume", WQ_MEM_RECLAIM, 0);
	return volume_wq ? 0 : -ENOMEM;
}

/* Every volume is deleted (so every generation has ended) before this. */
void ebpfdma_volumes_exit(void)
{
	rcu_barrier();
	destroy_workqueue(volume_wq);
}

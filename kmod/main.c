// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma: land network-received file blocks on disk from XDP, through a
 * pool of DMA-coherent buffers, with no copy through user space.
 *
 * This file holds the module's life cycle and the /dev/ebpfdma misc device:
 * open / mmap / ioctl / release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

/* Most slot indices one SLOTS_ALLOC / SLOTS_FREE call takes. */
#define EBPFDMA_MAX_BATCH 256U

/* A file's slots are held under the address of its state. */
static unsigned long file_holder(struct ebpfdma_file *f)
{
	return (unsigned long)f;
}

static int ebpfdma_open(struct inode *inode, struct file *file)
{
	struct ebpfdma_file *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	kref_init(&f->ref);
	spin_lock_init(&f->ring_lock);
	init_waitqueue_head(&f->wait);

	mutex_lock(&ebpfdma_dev.lock);
	f->pool = ebpfdma_dev.pool;
	ebpfdma_pool_get(f->pool);
	mutex_unlock(&ebpfdma_dev.lock);

	f->ring_entries = ebpfdma_ring_entries_for(f->pool->nr_slots);
	f->ring_bytes = PAGE_ALIGN(sizeof(struct ebpfdma_ring_hdr) +
				   (size_t)f->ring_entries *
					   sizeof(struct ebpfdma_cqe));
	f->ring = vmalloc_user(f->ring_bytes);
	if (!f->ring) {
		ret = -ENOMEM;
		goto err_put_pool;
	}
	f->ring->entries = f->ring_entries;

	file->private_data = f;
	return nonseekable_open(inode, file);

err_put_pool:
	ebpfdma_pool_put(f->pool);
	kfree(f);
	return ret;
}

static void file_release(struct kref *ref)
{
	struct ebpfdma_file *f = container_of(ref, struct ebpfdma_file, ref);

	vfree(f->ring);
	ebpfdma_pool_put(f->pool);
	kfree(f);
}

/* Context: process context (may free the ring and the pool). */
void ebpfdma_file_put(struct ebpfdma_file *f)
{
	kref_put(&f->ref, file_release);
}

/*
 * Closing frees the slots the descriptor holds; its queued writes keep the
 * state (and so their completion ring) until they complete.
 */
static int ebpfdma_release(struct inode *inode, struct file *file)
{
	struct ebpfdma_file *f = file->private_data;

	ebpfdma_volumes_unbind(f);
	ebpfdma_slots_put_all(&f->pool->slots, file_holder(f));
	ebpfdma_file_put(f);
	return 0;
}

/**
 * ebpfdma_file_post_quiet() - post a completion to @f's ring, waking no one
 * @f: the descriptor whose write completed
 * @cqe: the completion
 *
 * Every queued write reserved its entry (file_reserve()), so the ring has
 * room unless user space moved its head past the tail; then the completion
 * is counted in the ring's overflow field instead.  The caller wakes the
 * pollers (ebpfdma_file_wake()) once it has posted a batch.
 *
 * Context: any; never sleeps.
 */
void ebpfdma_file_post_quiet(struct ebpfdma_file *f,
			     const struct ebpfdma_cqe *cqe)
{
	struct ebpfdma_cqe *entries = (void *)f->ring + sizeof(*f->ring);
	unsigned long flags;
	u32 head;

	spin_lock_irqsave(&f->ring_lock, flags);
	head = READ_ONCE(f->ring->head);
	if (ebpfdma_ring_used(head, f->ring_tail, f->ring_entries) >=
	    f->ring_entries) {
		WRITE_ONCE(f->ring->overflow, f->ring->overflow + 1);
	} else {
		entries[f->ring_tail & (f->ring_entries - 1)] = *cqe;
		f->ring_tail++;
		/* Entries before the index that publishes them. */
		smp_store_release(&f->ring->tail, f->ring_tail);
	}
	spin_unlock_irqrestore(&f->ring_lock, flags);
	atomic_dec(&f->ring_reserved);
}

/* Wake @f's pollers: completions were posted.  Context: any. */
void ebpfdma_file_wake(struct ebpfdma_file *f)
{
	wake_up_interruptible(&f->wait);
}

/* Post one completion and wake the pollers.  Context: any. */
void ebpfdma_file_post(struct ebpfdma_file *f, const struct ebpfdma_cqe *cqe)
{
	ebpfdma_file_post_quiet(f, cqe);
	ebpfdma_file_wake(f);
}

/**
 * ebpfdma_file_reserve() - reserve a completion entry for one more write
 * @f: the descriptor the completion will be posted to
 *
 * Context: any; never sleeps.
 * Return: 0, or -EAGAIN when every entry of the ring is used or reserved.
 */
int ebpfdma_file_reserve(struct ebpfdma_file *f)
{
	u32 used = ebpfdma_ring_used(READ_ONCE(f->ring->head),
				     READ_ONCE(f->ring_tail), f->ring_entries);

	if (atomic_inc_return(&f->ring_reserved) + used > f->ring_entries) {
		atomic_dec(&f->ring_reserved);
		return -EAGAIN;
	}
	return 0;
}

/* Give back an entry ebpfdma_file_reserve() took.  Context: any. */
void ebpfdma_file_unreserve(struct ebpfdma_file *f)
{
	atomic_dec(&f->ring_reserved);
}

static __poll_t ebpfdma_poll(struct file *file, poll_table *wait)
{
	struct ebpfdma_file *f = file->private_data;

	poll_wait(file, &f->wait, wait);
	if (READ_ONCE(f->ring->head) != READ_ONCE(f->ring_tail))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static int ebpfdma_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ebpfdma_file *f = file->private_data;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;

	/*
	 * VM_MAYSHARE, not VM_SHARED: mmap() drops VM_SHARED from a shared
	 * mapping of a descriptor that is not open for writing.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (off >= EBPFDMA_MMAP_POOL)
		return ebpfdma_pool_mmap(f->pool, vma);
	if (off != EBPFDMA_MMAP_RING ||
	    vma->vm_end - vma->vm_start != f->ring_bytes)
		return -EINVAL;
	return remap_vmalloc_range(vma, f->ring, 0);
}

static long ioctl_get_info(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_info info = {
		.abi_version = EBPFDMA_ABI_VERSION,
		.features = EBPFDMA_F_ALL,
		.nr_slots = pool->nr_slots,
		.slot_size = pool->slot_size,
		.chunk_bytes = pool->chunk_bytes,
		.pool_chunks = pool->nr_chunks,
		.pool_offset = EBPFDMA_MMAP_POOL,
		.ring_offset = EBPFDMA_MMAP_RING,
		.ring_bytes = f->ring_bytes,
		.ring_entries = f->ring_entries,
		.ring_entry_size = sizeof(struct ebpfdma_cqe),
		.ring_entries_offset = sizeof(struct ebpfdma_ring_hdr),
		.max_batch = EBPFDMA_MAX_BATCH,
	};

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/* Copy in a struct ebpfdma_slot_batch and check its fixed fields. */
static int slots_arg(void __user *arg, struct ebpfdma_slot_batch *req)
{
	if (copy_from_user(req, arg, sizeof(*req)))
		return -EFAULT;
	if (req->reserved[0] || req->reserved[1] || req->done)
		return -EINVAL;
	if (!req->count || req->count > EBPFDMA_MAX_BATCH)
		return -EINVAL;
	return 0;
}

static long ioctl_slots_alloc(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_slot_batch req;
	u32 idx[EBPFDMA_MAX_BATCH];
	unsigned int i;
	int ret, nr;

	ret = slots_arg(arg, &req);
	if (ret)
		return ret;
	for (i = 0; i < req.count; i++) {
		nr = ebpfdma_slot_get(&f->pool->slots, file_holder(f));
		if (nr < 0)
			break;
		idx[i] = nr;
	}
	if (!i)
		return -ENOBUFS;
	req.done = i;
	if (copy_to_user(u64_to_user_ptr(req.slots), idx, i * sizeof(idx[0])) ||
	    copy_to_user(arg, &req, sizeof(req))) {
		while (i--)
			ebpfdma_slot_put(&f->pool->slots, idx[i],
					 file_holder(f));
		return -EFAULT;
	}
	return 0;
}

static long ioctl_slots_free(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_slot_batch req;
	u32 idx[EBPFDMA_MAX_BATCH];
	int ret;

	ret = slots_arg(arg, &req);
	if (ret)
		return ret;
	if (copy_from_user(idx, u64_to_user_ptr(req.slots),
			   req.count * sizeof(idx[0])))
		return -EFAULT;
	for (req.done = 0; req.done < req.count; req.done++) {
		ret = ebpfdma_slot_put(&f->pool->slots, idx[req.done],
				       file_holder(f));
		if (ret)
			break;
	}
	/* done tells how far it got, also when an index was refused. */
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

/* Check one SUBMIT entry and queue it; the errors are the ABI's. */
static int submit_one(struct ebpfdma_file *f, const struct ebpfdma_desc *d)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_volume *v;
	struct ebpfdma_io *io;
	int ret;

	if (d->flags & ~EBPFDMA_DESC_FUA)
		return -EINVAL;
	if (d->slot >= pool->nr_slots)
		return -ERANGE;
	v = ebpfdma_volume_get(d->volume);
	if (!v)
		return -ENODEV;
	ret = -EINVAL;
	if (!d->len || d->len > pool->slot_size ||
	    d->len & ((1U << v->block_shift) - 1))
		goto err_put_volume;
	ret = ebpfdma_window_check(v->blocks, d->lba, d->len >> v->block_shift);
	if (ret)
		goto err_put_volume;
	ret = ebpfdma_file_reserve(f);
	if (ret)
		goto err_put_volume;
	ret = ebpfdma_slot_pass(&pool->slots, d->slot, file_holder(f),
				EBPFDMA_HOLDER_ENGINE);
	if (ret)
		goto err_unreserve;

	io = &pool->ios[d->slot];
	io->ext = (struct ebpfdma_extent){
		.volume = d->volume,
		.flags = d->flags,
		.lba = d->lba,
		.blocks = d->len >> v->block_shift,
	};
	io->vol = v;
	io->f = f;
	kref_get(&f->ref);
	io->cookie = d->cookie;
	io->cqe_flags = 0;
	io->len = d->len;
	io->queued_ns = local_clock();
	ebpfdma_volume_write_start(v);
	ebpfdma_engine_queue(io);
	return 0;

err_unreserve:
	ebpfdma_file_unreserve(f);
err_put_volume:
	ebpfdma_volume_put(v);
	return ret;
}

static long ioctl_submit(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_submit req;
	struct ebpfdma_desc *d;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved[0] || req.reserved[1] || req.done || !req.count ||
	    req.count > EBPFDMA_MAX_BATCH)
		return -EINVAL;
	d = memdup_user(u64_to_user_ptr(req.descs), req.count * sizeof(*d));
	if (IS_ERR(d))
		return PTR_ERR(d);
	for (; req.done < req.count; req.done++) {
		ret = submit_one(f, &d[req.done]);
		if (ret)
			break;
	}
	kfree(d);
	/* done tells how many were queued, also when one was refused. */
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

/* A FLUSH waiting for its volume's earlier writes, then flushing. */
struct flush_req {
	struct work_struct work;
	struct ebpfdma_volume *vol; /* counted in vol->in_flight */
	struct ebpfdma_file *f; /* reference held */
	u64 cookie;
	bool now; /* EBPFDMA_FLUSH_NOW: do not wait for queued writes */
};

static void flush_req_work(struct work_struct *work)
{
	struct flush_req *r = container_of(work, struct flush_req, work);
	struct ebpfdma_volume *v = r->vol;
	struct ebpfdma_cqe cqe = {
		.cookie = r->cookie,
		.volume = v->id,
		.flags = EBPFDMA_CQE_FLUSH,
	};

	/* No data write left: earlier writes are done. */
	if (!r->now)
		wait_event(v->drained, !atomic_read(&v->writes));
	cqe.status = blkdev_issue_flush(v->bdev);
	ebpfdma_file_post(r->f, &cqe);
	ebpfdma_volume_put(v);
	ebpfdma_file_put(r->f);
	kfree(r);
}

static long ioctl_flush(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_flush req;
	struct flush_req *r;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~EBPFDMA_FLUSH_NOW || req.reserved[0] ||
	    req.reserved[1])
		return -EINVAL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->vol = ebpfdma_volume_get(req.volume);
	if (!r->vol) {
		ret = -ENODEV;
		goto err_free;
	}
	ret = ebpfdma_file_reserve(f);
	if (ret)
		goto err_put_volume;
	r->f = f;
	kref_get(&f->ref);
	r->cookie = req.cookie;
	r->now = req.flags & EBPFDMA_FLUSH_NOW;
	INIT_WORK(&r->work, flush_req_work);
	ebpfdma_engine_run(&r->work);
	return 0;

err_put_volume:
	ebpfdma_volume_put(r->vol);
err_free:
	kfree(r);
	return ret;
}

static long ioctl_get_stats(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_stats st = {
		.nr_slots = pool->nr_slots,
		.free_slots = pool->nr_slots - atomic_read(&pool->slots.in_use),
		.high_water = atomic_read(&pool->slots.high_water),
		.in_flight_bios = ebpfdma_engine_in_flight(),
		.volumes = ebpfdma_volumes_count(),
	};

	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long ebpfdma_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct ebpfdma_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case EBPFDMA_IOC_GET_INFO:
		return ioctl_get_info(f, uarg);
	case EBPFDMA_IOC_SLOTS_ALLOC:
		return ioctl_slots_alloc(f, uarg);
	case EBPFDMA_IOC_SLOTS_FREE:
		return ioctl_slots_free(f, uarg);
	case EBPFDMA_IOC_VOLUME_ADD:
		return ebpfdma_ioctl_volume_add(uarg);
	case EBPFDMA_IOC_VOLUME_DEL:
		return ebpfdma_ioctl_volume_del(uarg);
	case EBPFDMA_IOC_VOLUME_LIST:
		return ebpfdma_ioctl_volume_list(uarg);
	case EBPFDMA_IOC_SUBMIT:
		return ioctl_submit(f, uarg);
	case EBPFDMA_IOC_FLUSH:
		return ioctl_flush(f, uarg);
	case EBPFDMA_IOC_GET_STATS:
		return ioctl_get_stats(f, uarg);
	case EBPFDMA_IOC_VOLUME_BIND:
		return ebpfdma_ioctl_volume_bind(f, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ebpfdma_fops = {
	.owner = THIS_MODULE,
	.open = ebpfdma_open,
	.release = ebpfdma_release,
	.mmap = ebpfdma_mmap,
	.poll = ebpfdma_poll,
	.unlocked_ioctl = ebpfdma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice ebpfdma_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = EBPFDMA_DEV_NAME,
	.fops = &ebpfdma_fops,
	.mode = 0600,
	.groups = ebpfdma_dev_groups,
};

/* Parent of the volumes' sysfs directories; valid while loaded. */
struct kobject *ebpfdma_dev_kobj(void)
{
	return &ebpfdma_misc.this_device->kobj;
}

static void __init abi_size_checks(void)
{
	BUILD_BUG_ON(sizeof(struct ebpfdma_info) != 136);
	BUILD_BUG_ON(sizeof(struct ebpfdma_ring_hdr) != 192);
	BUILD_BUG_ON(sizeof(struct ebpfdma_cqe) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_slot_batch) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_volume_add) != 72);
	BUILD_BUG_ON(sizeof(struct ebpfdma_volume_info) != 56);
	BUILD_BUG_ON(sizeof(struct ebpfdma_volume_list) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_volume_del) != 16);
	BUILD_BUG_ON(sizeof(struct ebpfdma_desc) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_submit) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_flush) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_stats) != 56);
	BUILD_BUG_ON(sizeof(struct ebpfdma_volume_bind) != 24);
	BUILD_BUG_ON(sizeof(struct ebpfdma_wire_hdr) != EBPFDMA_WIRE_HDR_LEN);
	BUILD_BUG_ON(sizeof(struct ebpfdma_wire_range) != 8);
	BUILD_BUG_ON(sizeof(struct ebpfdma_wire_info) != 16);
}

static int __init ebpfdma_init(void)
{
	struct platform_device *pdev;
	struct ebpfdma_pool *pool;
	unsigned int nr_slots, slot_size;
	int ret;

	abi_size_checks();

	pdev = platform_device_register_simple(KBUILD_MODNAME,
					       PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		pr_err("cannot register the platform device: %ld\n",
		       PTR_ERR(pdev));
		return PTR_ERR(pdev);
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		pr_err("cannot set a 64-bit DMA mask: %d\n", ret);
		goto err_unregister_pdev;
	}

	mutex_lock(&ebpfdma_dev.lock);
	nr_slots = ebpfdma_nr_slots;
	slot_size = ebpfdma_slot_size;
	pool = ebpfdma_pool_create(&pdev->dev, nr_slots, slot_size);
	if (IS_ERR(pool)) {
		mutex_unlock(&ebpfdma_dev.lock);
		ret = PTR_ERR(pool);
		if (ret == -E2BIG)
			pr_err("pool of %u slots x %u bytes exceeds %llu bytes\n",
			       nr_slots, slot_size, EBPFDMA_POOL_BYTES_MAX);
		goto err_unregister_pdev;
	}
	ebpfdma_dev.pdev = pdev;
	ebpfdma_dev.pool = pool;
	mutex_unlock(&ebpfdma_dev.lock);

	ret = ebpfdma_engine_init();
	if (ret) {
		pr_err("cannot start the submission engine: %d\n", ret);
		goto err_put_pool;
	}

	/* Before the device appears; a registration has nothing to undo. */
	ret = ebpfdma_xdp_init();
	if (ret) {
		pr_err("cannot register the XDP kfuncs: %d\n", ret);
		goto err_stop_engine;
	}

	ret = misc_register(&ebpfdma_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", EBPFDMA_DEV_NAME, ret);
		goto err_stop_engine;
	}

	pr_info("loaded: /dev/%s, pool of %u slots x %u bytes in %u DMA-coherent chunks\n",
		EBPFDMA_DEV_NAME, nr_slots, slot_size, pool->nr_chunks);
	return 0;

err_stop_engine:
	ebpfdma_engine_exit();
err_put_pool:
	mutex_lock(&ebpfdma_dev.lock);
	ebpfdma_dev.pool = NULL;
	mutex_unlock(&ebpfdma_dev.lock);
	ebpfdma_pool_put(pool);
err_unregister_pdev:
	platform_device_unregister(pdev);
	return ret;
}

static void __exit ebpfdma_exit(void)
{
	misc_deregister(&ebpfdma_misc);
	/* Waits for every write: their completions need the engine. */
	ebpfdma_volumes_del_all();
	ebpfdma_engine_exit();
	/*
	 * The module cannot go while a descriptor is open (the misc device's
	 * fops hold it) nor while a chunk is mapped (the mapping holds the
	 * file), so this is the last reference.
	 */
	mutex_lock(&ebpfdma_dev.lock);
	ebpfdma_pool_put(ebpfdma_dev.pool);
	ebpfdma_dev.pool = NULL;
	mutex_unlock(&ebpfdma_dev.lock);
	platform_device_unregister(ebpfdma_dev.pdev);
	pr_info("unloaded\n");
}

module_init(ebpfdma_init);
module_exit(ebpfdma_exit);

MODULE_DESCRIPTION(
	"DMA-coherent buffer pool fed from XDP and written to block devices");
MODULE_AUTHOR("The ebpfdma authors");
MODULE_LICENSE("GPL");
/* crc32c() comes from libcrc32c, which needs a crc32c transform. */
MODULE_SOFTDEP("pre: crc32c");

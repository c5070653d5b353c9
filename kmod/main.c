// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma: land network-received file blocks on disk from XDP, through a
 * pool of DMA-coherent buffers, with no copy through user space.
 *
 * This file holds the module's life cycle and the /dev/ebpfdma misc device:
 * open / mmap / poll / ioctl / release.  Nothing below calls back into it.
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
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

/* Most slot indices one SLOTS_ALLOC / SLOTS_FREE call takes. */
#define EBPFDMA_MAX_BATCH 256U

static struct kobject *ebpfdma_dev_kobj(void);

/* An open /dev/ebpfdma. */
struct ebpfdma_file {
	struct ebpfdma_pool *pool; /* opened: a reference and a user */
	struct ebpfdma_ring *ring; /* the creator's reference */
};

/* A file's slots are held under the address of its state. */
static unsigned long file_holder(struct ebpfdma_file *f)
{
	return (unsigned long)f;
}

static int ebpfdma_open(struct inode *inode, struct file *file)
{
	struct ebpfdma_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->pool = ebpfdma_pool_open();
	f->ring = ebpfdma_ring_create(
		f->pool, ebpfdma_ring_entries_for(f->pool->nr_slots));
	if (!f->ring) {
		ebpfdma_pool_close(f->pool);
		kfree(f);
		return -ENOMEM;
	}
	file->private_data = f;
	return nonseekable_open(inode, file);
}

/*
 * Closing frees the slots the descriptor holds; its queued writes keep
 * the ring (and the pool) until they complete.  No XDP reader can find the
 * ring once the descriptor's sessions are deleted, so its users are killed
 * after that.
 */
static int ebpfdma_release(struct inode *inode, struct file *file)
{
	struct ebpfdma_file *f = file->private_data;

	ebpfdma_sessions_del_owner(file_holder(f));
	ebpfdma_slots_put_all(&f->pool->slots, file_holder(f));
	ebpfdma_ring_close(f->ring);
	ebpfdma_pool_close(f->pool);
	kfree(f);
	return 0;
}

static __poll_t ebpfdma_poll(struct file *file, poll_table *wait)
{
	struct ebpfdma_file *f = file->private_data;

	return ebpfdma_ring_poll(f->ring, file, wait);
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
	if (off != EBPFDMA_MMAP_RING)
		return -EINVAL;
	return ebpfdma_ring_mmap(f->ring, vma);
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
		.ring_bytes = f->ring->bytes,
		.ring_entries = f->ring->nr_entries,
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

/*
 * Check one SUBMIT entry and take what its write holds; the errors are
 * the ABI's.  Return: the filled write record, or an ERR_PTR.
 */
static struct ebpfdma_io *submit_one(struct ebpfdma_file *f,
				     const struct ebpfdma_desc *d)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_volume *v;
	struct ebpfdma_gen *g;
	struct ebpfdma_io *io;
	int ret;

	if (d->flags & ~EBPFDMA_DESC_FUA)
		return ERR_PTR(-EINVAL);
	if (d->slot >= pool->nr_slots)
		return ERR_PTR(-ERANGE);
	rcu_read_lock();
	v = ebpfdma_volume_lookup(d->volume);
	g = v ? ebpfdma_write_begin(v) : NULL;
	rcu_read_unlock();
	if (!g)
		return ERR_PTR(-ENODEV);
	v = g->vol;
	ret = -EINVAL;
	if (!d->len || d->len > pool->slot_size ||
	    d->len & ((1U << v->block_shift) - 1))
		goto err_end_write;
	ret = ebpfdma_window_check(v->blocks, d->lba, d->len >> v->block_shift);
	if (ret)
		goto err_end_write;
	ret = ebpfdma_ring_reserve(f->ring);
	if (ret)
		goto err_end_write;
	ret = ebpfdma_slot_pass(&pool->slots, d->slot, file_holder(f),
				EBPFDMA_HOLDER_ENGINE);
	if (ret)
		goto err_unreserve;

	io = &pool->ios[d->slot];
	ebpfdma_ring_get(f->ring);
	ebpfdma_io_init(io, g, f->ring, d->lba, d->len, d->flags, NULL, 0,
			d->cookie, 0);
	return io;

err_unreserve:
	ebpfdma_ring_unreserve(f->ring);
err_end_write:
	ebpfdma_write_end(g, 1);
	return ERR_PTR(ret);
}

/*
 * Check one SESSION_SUBMIT entry, a block of a version 2 session that
 * user space verified, and take what its write holds.  All under RCU, as
 * the kfunc places: once SESSION_DEL returned, nothing more is placed.
 */
static struct ebpfdma_io *session_place(struct ebpfdma_file *f,
					const struct ebpfdma_session_desc *d)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_session *s;
	struct ebpfdma_volume *v;
	struct ebpfdma_gen *g;
	struct ebpfdma_io *io;
	int ret;

	s = ebpfdma_session_of(d->session, file_holder(f));
	if (!s || !ebpfdma_session_tryget(s))
		return ERR_PTR(-ENOENT);
	v = ebpfdma_volume_lookup(s->vol_id);
	g = v && v->serial == s->vol_serial ? ebpfdma_write_begin(v) : NULL;
	ret = -ENODEV;
	if (!g)
		goto err_put_session;
	ret = ebpfdma_session_check(s, d->index, d->len);
	if (ret)
		goto err_end_write;
	ret = ebpfdma_ring_reserve(f->ring);
	if (ret)
		goto err_end_write;
	ret = ebpfdma_slot_pass(&pool->slots, d->slot, file_holder(f),
				EBPFDMA_HOLDER_ENGINE);
	if (ret)
		goto err_unreserve;
	ret = ebpfdma_session_place(s, d->index);
	if (ret)
		goto err_pass_back;

	io = &pool->ios[d->slot];
	ebpfdma_ring_get(f->ring);
	ebpfdma_io_init(io, g, f->ring, ebpfdma_session_lba(s, d->index),
			d->len, d->flags, s, d->index, s->id,
			EBPFDMA_CQE_SESSION);
	return io;

err_pass_back:
	WARN_ON_ONCE(ebpfdma_slot_pass(&pool->slots, d->slot,
				       EBPFDMA_HOLDER_ENGINE, file_holder(f)));
err_unreserve:
	ebpfdma_ring_unreserve(f->ring);
err_end_write:
	ebpfdma_write_end(g, 1);
err_put_session:
	ebpfdma_session_put(s);
	return ERR_PTR(ret);
}

static struct ebpfdma_io *
session_submit_one(struct ebpfdma_file *f, const struct ebpfdma_session_desc *d)
{
	struct ebpfdma_io *io;

	if (d->flags & ~EBPFDMA_DESC_FUA || d->reserved)
		return ERR_PTR(-EINVAL);
	if (d->slot >= f->pool->nr_slots)
		return ERR_PTR(-ERANGE);
	rcu_read_lock();
	io = session_place(f, d);
	rcu_read_unlock();
	if (IS_ERR(io) && PTR_ERR(io) == -EALREADY)
		ebpfdma_rx_count(EBPFDMA_RX_DUPLICATE, 1);
	return io;
}

/*
 * SUBMIT and SESSION_SUBMIT: a batch of descriptors of @size bytes each,
 * checked one by one by @one; what was accepted is queued, in order, also
 * when one was refused.
 */
static long submit_batch(struct ebpfdma_file *f, void __user *arg, size_t size,
			 struct ebpfdma_io *(*one)(struct ebpfdma_file *,
						   const void *))
{
	struct ebpfdma_io **ios;
	struct ebpfdma_submit req;
	void *d;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved[0] || req.reserved[1] || req.done || !req.count ||
	    req.count > EBPFDMA_MAX_BATCH)
		return -EINVAL;
	d = memdup_user(u64_to_user_ptr(req.descs), req.count * size);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ios = kmalloc_array(req.count, sizeof(*ios), GFP_KERNEL);
	if (!ios) {
		kfree(d);
		return -ENOMEM;
	}
	for (; req.done < req.count; req.done++) {
		ios[req.done] = one(f, d + req.done * size);
		if (IS_ERR(ios[req.done])) {
			ret = PTR_ERR(ios[req.done]);
			break;
		}
	}
	if (req.done)
		ebpfdma_engine_queue(ios, req.done);
	kfree(ios);
	kfree(d);
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

static struct ebpfdma_io *submit_one_desc(struct ebpfdma_file *f, const void *d)
{
	return submit_one(f, d);
}

static struct ebpfdma_io *session_submit_one_desc(struct ebpfdma_file *f,
						  const void *d)
{
	return session_submit_one(f, d);
}

static long ioctl_flush(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_flush req;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~EBPFDMA_FLUSH_NOW || req.reserved[0] ||
	    req.reserved[1])
		return -EINVAL;
	ret = ebpfdma_ring_reserve(f->ring);
	if (ret)
		return ret;
	ret = ebpfdma_volume_flush(req.volume, f->ring, req.cookie,
				   req.flags & EBPFDMA_FLUSH_NOW);
	if (ret)
		ebpfdma_ring_unreserve(f->ring);
	return ret;
}

static long ioctl_get_stats(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_pool *pool = f->pool;
	struct ebpfdma_stats st = {
		.nr_slots = pool->nr_slots,
		.free_slots =
			pool->nr_slots - ebpfdma_slots_in_use(&pool->slots),
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
		return ebpfdma_ioctl_volume_add(uarg, ebpfdma_dev_kobj());
	case EBPFDMA_IOC_VOLUME_DEL:
		return ebpfdma_ioctl_volume_del(uarg);
	case EBPFDMA_IOC_VOLUME_LIST:
		return ebpfdma_ioctl_volume_list(uarg);
	case EBPFDMA_IOC_SUBMIT:
		return submit_batch(f, uarg, sizeof(struct ebpfdma_desc),
				    submit_one_desc);
	case EBPFDMA_IOC_SESSION_SUBMIT:
		return submit_batch(f, uarg,
				    sizeof(struct ebpfdma_session_desc),
				    session_submit_one_desc);
	case EBPFDMA_IOC_SESSION_ADD:
		return ebpfdma_ioctl_session_add(f->ring, file_holder(f),
						 f->pool->slot_size, uarg);
	case EBPFDMA_IOC_SESSION_DEL:
		return ebpfdma_ioctl_session_del(file_holder(f), uarg);
	case EBPFDMA_IOC_FLUSH:
		return ioctl_flush(f, uarg);
	case EBPFDMA_IOC_GET_STATS:
		return ioctl_get_stats(f, uarg);
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

static const struct attribute_group *ebpfdma_dev_groups[] = {
	&ebpfdma_pool_group,
	&ebpfdma_engine_group,
	&ebpfdma_rx_group,
	NULL,
};

static struct miscdevice ebpfdma_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = EBPFDMA_DEV_NAME,
	.fops = &ebpfdma_fops,
	.mode = 0600,
	.groups = ebpfdma_dev_groups,
};

/* Parent of the volumes' sysfs directories; valid while loaded. */
static struct kobject *ebpfdma_dev_kobj(void)
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
	BUILD_BUG_ON(sizeof(struct ebpfdma_wire2_hdr) != EBPFDMA_WIRE2_HDR_LEN);
	BUILD_BUG_ON(sizeof(struct ebpfdma_session_add) != 104);
	BUILD_BUG_ON(sizeof(struct ebpfdma_session_del) != 32);
	BUILD_BUG_ON(sizeof(struct ebpfdma_session_desc) != 32);
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
	ret = ebpfdma_crypto_init();
	if (ret)
		goto err_unregister_pdev;
	ret = ebpfdma_ring_init();
	if (ret)
		goto err_crypto_exit;
	ret = ebpfdma_sessions_init();
	if (ret)
		goto err_ring_exit;
	ret = ebpfdma_volumes_init();
	if (ret)
		goto err_sessions_exit;
	ret = ebpfdma_engine_init();
	if (ret) {
		pr_err("cannot start the submission engine: %d\n", ret);
		goto err_volumes_exit;
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
		goto err_engine_exit;
	}
	ebpfdma_dev.pdev = pdev;
	ebpfdma_dev.pool = pool;
	mutex_unlock(&ebpfdma_dev.lock);

	/* Before the device appears; a registration has nothing to undo. */
	ret = ebpfdma_xdp_init();
	if (ret) {
		pr_err("cannot register the XDP kfuncs: %d\n", ret);
		goto err_put_pool;
	}

	ret = misc_register(&ebpfdma_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", EBPFDMA_DEV_NAME, ret);
		goto err_put_pool;
	}

	pr_info("loaded: /dev/%s, pool of %u slots x %u bytes in %u DMA-coherent chunks\n",
		EBPFDMA_DEV_NAME, nr_slots, slot_size, pool->nr_chunks);
	return 0;

err_put_pool:
	mutex_lock(&ebpfdma_dev.lock);
	ebpfdma_dev.pool = NULL;
	mutex_unlock(&ebpfdma_dev.lock);
	ebpfdma_pool_put(pool);
err_engine_exit:
	ebpfdma_engine_exit();
err_volumes_exit:
	ebpfdma_volumes_exit();
err_sessions_exit:
	ebpfdma_sessions_exit();
err_ring_exit:
	ebpfdma_ring_exit();
err_crypto_exit:
	ebpfdma_crypto_exit();
err_unregister_pdev:
	platform_device_unregister(pdev);
	return ret;
}

/*
 * The module cannot go while a descriptor is open (the misc device's fops
 * hold it), while a chunk is mapped (the mapping holds the file) or while
 * an XDP program uses the kfunc.  Each exit waits for the work the layer
 * above it may still have queued.
 */
static void __exit ebpfdma_exit(void)
{
	misc_deregister(&ebpfdma_misc);
	/* Waits for every write and flush: they need the engine. */
	ebpfdma_volumes_del_all();
	ebpfdma_volumes_exit();
	ebpfdma_engine_exit();
	/* Every descriptor closed: every session deleted; freed now. */
	ebpfdma_sessions_exit();
	/* Frees the rings, and with them their pool references. */
	ebpfdma_ring_exit();
	ebpfdma_crypto_exit();
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
#ifndef EBPFDMA_VERSION
#define EBPFDMA_VERSION "unknown"
#endif
/* The package's version, dkms.conf's (modinfo, /sys/module/ebpfdma/version). */
MODULE_VERSION(EBPFDMA_VERSION);
/* crc32c() comes from libcrc32c, which needs a crc32c transform. */
MODULE_SOFTDEP("pre: crc32c");

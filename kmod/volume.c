// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma volumes: a block device window that writes may land in.
 *
 * The table is read under RCU (the XDP path looks volumes up from
 * softirq) and changed under ebpfdma_volumes_lock.  A write counts itself
 * in the volume's in_flight before it checks that the volume is not dying;
 * deletion marks it dying, waits for an RCU grace period and then for
 * in_flight to drain, so no write starts after VOLUME_DEL returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

static DEFINE_MUTEX(ebpfdma_volumes_lock);
/* Published volumes: written under ebpfdma_volumes_lock, read under RCU. */
static struct ebpfdma_volume __rcu *ebpfdma_volumes[EBPFDMA_MAX_VOLUMES];

/**
 * ebpfdma_volume_get() - start a write to volume @id
 * @id: volume id (untrusted)
 *
 * Context: any; never sleeps.
 * Return: the volume, counted in its in_flight (end the write with
 * ebpfdma_volume_put()), or NULL when there is no such volume or it is
 * being deleted.
 */
struct ebpfdma_volume *ebpfdma_volume_get(u32 id)
{
	struct ebpfdma_volume *v;

	if (id >= EBPFDMA_MAX_VOLUMES)
		return NULL;
	rcu_read_lock();
	v = rcu_dereference(ebpfdma_volumes[id]);
	if (v) {
		atomic_inc(&v->in_flight);
		smp_mb__after_atomic(); /* pairs with the barrier in del */
		if (READ_ONCE(v->dying)) {
			ebpfdma_volume_put(v);
			v = NULL;
		}
	}
	rcu_read_unlock();
	return v;
}

/**
 * ebpfdma_volume_put() - end a write started with ebpfdma_volume_get()
 * @v: the volume
 *
 * Context: any.
 */
void ebpfdma_volume_put(struct ebpfdma_volume *v)
{
	/* 0 ends a deletion's wait. */
	if (!atomic_dec_return(&v->in_flight))
		wake_up_all(&v->drained);
}

/*
 * A data write (not a flush) of a volume started with ebpfdma_volume_get()
 * is queued / has completed: barrier FLUSHes wait for these alone, so two
 * flushes never wait for each other.  Context: any.
 */
void ebpfdma_volume_write_start(struct ebpfdma_volume *v)
{
	atomic_inc(&v->writes);
}

void ebpfdma_volume_write_done(struct ebpfdma_volume *v)
{
	if (atomic_dec_and_test(&v->writes))
		wake_up_all(&v->drained);
}

/* Number of volumes that exist. */
unsigned int ebpfdma_volumes_count(void)
{
	unsigned int id, n = 0;

	rcu_read_lock();
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++)
		n += !!rcu_dereference(ebpfdma_volumes[id]);
	rcu_read_unlock();
	return n;
}

/* Open the block device behind @fd as the caller opened it. */
static int volume_bdev(int fd, struct file **filep)
{
	struct file *file = fget(fd);

	if (!file)
		return -EBADF;
	if (!S_ISBLK(file_inode(file)->i_mode)) {
		fput(file);
		return -ENOTBLK;
	}
	if (!(file->f_mode & FMODE_WRITE) || !(file->f_mode & FMODE_EXCL)) {
		fput(file);
		return -EACCES;
	}
	*filep = file;
	return 0;
}

long ebpfdma_ioctl_volume_add(void __user *arg)
{
	struct ebpfdma_volume_add req;
	struct ebpfdma_volume *v;
	struct block_device *bdev;
	struct file *file;
	u64 dev_blocks;
	unsigned int i;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(req.reserved); i++)
		if (req.reserved[i])
			return -EINVAL;
	/* block_size is an output: whatever it holds on input is ignored. */
	if (req.id >= EBPFDMA_MAX_VOLUMES || req.flags & ~EBPFDMA_VOL_FLAGS_ALL)
		return -EINVAL;
	ret = volume_bdev(req.fd, &file);
	if (ret)
		return ret;
	bdev = ebpfdma_file_bdev(file);
	req.block_size = bdev_logical_block_size(bdev);
	dev_blocks = bdev_nr_sectors(bdev) >> (ilog2(req.block_size) - 9);
	ret = ebpfdma_window_check(dev_blocks, req.start, req.blocks);
	if (ret)
		goto err_fput;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		ret = -ENOMEM;
		goto err_fput;
	}
	v->id = req.id;
	v->flags = req.flags;
	v->start = req.start;
	v->blocks = req.blocks;
	v->token = req.token;
	v->block_shift = ilog2(req.block_size);
	v->file = file;
	v->bdev = bdev;
	init_waitqueue_head(&v->drained);

	mutex_lock(&ebpfdma_volumes_lock);
	if (rcu_access_pointer(ebpfdma_volumes[req.id])) {
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = ebpfdma_volume_sysfs_add(v, ebpfdma_dev_kobj());
	if (ret)
		goto err_unlock;
	rcu_assign_pointer(ebpfdma_volumes[req.id], v);
	mutex_unlock(&ebpfdma_volumes_lock);

	pr_info("volume %u: %pg blocks [%llu, +%llu) of %u bytes\n", v->id,
		bdev, v->start, v->blocks, req.block_size);
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT; /* the volume exists; LIST shows it */
	return 0;

err_unlock:
	mutex_unlock(&ebpfdma_volumes_lock);
	kfree(v);
err_fput:
	fput(file);
	return ret;
}

/* Unpublish volume @id, wait for its writes, free it.  Under the lock. */
static int volume_del_locked(u32 id)
{
	struct ebpfdma_volume *v;

	v = rcu_dereference_protected(ebpfdma_volumes[id],
				      lockdep_is_held(&ebpfdma_volumes_lock));
	if (!v)
		return -ENODEV;
	WRITE_ONCE(v->dying, true);
	RCU_INIT_POINTER(ebpfdma_volumes[id], NULL);
	/* Every lookup that could miss "dying" has ended; a full barrier. */
	synchronize_rcu();
	wait_event(v->drained, !atomic_read(&v->in_flight));
	pr_info("volume %u deleted: %llu bytes written, %llu errors\n", id,
		(u64)atomic64_read(&v->bytes), (u64)atomic64_read(&v->errors));
	ebpfdma_volume_sysfs_del(v);
	fput(v->file);
	kfree(v);
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
	mutex_lock(&ebpfdma_volumes_lock);
	ret = volume_del_locked(req.id);
	mutex_unlock(&ebpfdma_volumes_lock);
	return ret;
}

/* A volume's flags as VOLUME_LIST reports them. */
static u32 volume_info_flags(const struct ebpfdma_volume *v)
{
	/* No volatile cache: a completed write is on stable media. */
	return v->flags | (bdev_write_cache(v->bdev) ? 0 : EBPFDMA_VOL_STABLE);
}

long ebpfdma_ioctl_volume_list(void __user *arg)
{
	struct ebpfdma_volume_list req;
	struct ebpfdma_volume_info info;
	struct ebpfdma_volume_info __user *out;
	struct ebpfdma_volume *v;
	u32 id, n = 0;
	int ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.pad || req.reserved[0] || req.reserved[1])
		return -EINVAL;
	out = u64_to_user_ptr(req.vols);
	mutex_lock(&ebpfdma_volumes_lock);
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++) {
		v = rcu_dereference_protected(
			ebpfdma_volumes[id],
			lockdep_is_held(&ebpfdma_volumes_lock));
		if (!v)
			continue;
		if (n < req.count) {
			info = (struct ebpfdma_volume_info){
				.id = v->id,
				.flags = volume_info_flags(v),
				.start = v->start,
				.blocks = v->blocks,
				.block_size = 1U << v->block_shift,
				.major = MAJOR(v->bdev->bd_dev),
				.minor = MINOR(v->bdev->bd_dev),
				.in_flight = atomic_read(&v->in_flight),
				.bytes = atomic64_read(&v->bytes),
				.errors = atomic64_read(&v->errors),
			};
			if (copy_to_user(&out[n], &info, sizeof(info))) {
				ret = -EFAULT;
				break;
			}
		}
		n++;
	}
	mutex_unlock(&ebpfdma_volumes_lock);
	if (ret)
		return ret;
	req.count = n;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

long ebpfdma_ioctl_volume_bind(struct ebpfdma_file *f, void __user *arg)
{
	struct ebpfdma_volume_bind req;
	struct ebpfdma_file *bound;
	struct ebpfdma_volume *v;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~EBPFDMA_BIND_RELEASE || req.reserved[0] ||
	    req.reserved[1])
		return -EINVAL;
	if (req.id >= EBPFDMA_MAX_VOLUMES)
		return -ENODEV;
	mutex_lock(&ebpfdma_volumes_lock);
	v = rcu_dereference_protected(ebpfdma_volumes[req.id],
				      lockdep_is_held(&ebpfdma_volumes_lock));
	if (!v) {
		ret = -ENODEV;
		goto out_unlock;
	}
	bound = rcu_dereference_protected(
		v->listener, lockdep_is_held(&ebpfdma_volumes_lock));
	if (req.flags & EBPFDMA_BIND_RELEASE) {
		if (bound != f) {
			ret = -ENOENT;
			goto out_unlock;
		}
		RCU_INIT_POINTER(v->listener, NULL);
	} else if (bound && bound != f) {
		ret = -EBUSY;
	} else {
		rcu_assign_pointer(v->listener, f);
	}
out_unlock:
	mutex_unlock(&ebpfdma_volumes_lock);
	/* A reader that saw @f holds a reference before this returns. */
	if (!ret && (req.flags & EBPFDMA_BIND_RELEASE))
		synchronize_rcu();
	return ret;
}

/**
 * ebpfdma_volumes_unbind() - unbind @f from every volume it is bound to
 * @f: a descriptor being closed
 *
 * When this returns, no reader of a volume's listener can find @f any
 * more, and every one that found it took its reference.
 *
 * Context: process context, may sleep.
 */
void ebpfdma_volumes_unbind(struct ebpfdma_file *f)
{
	struct ebpfdma_volume *v;
	bool found = false;
	u32 id;

	mutex_lock(&ebpfdma_volumes_lock);
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++) {
		v = rcu_dereference_protected(
			ebpfdma_volumes[id],
			lockdep_is_held(&ebpfdma_volumes_lock));
		if (v && rcu_access_pointer(v->listener) == f) {
			RCU_INIT_POINTER(v->listener, NULL);
			found = true;
		}
	}
	mutex_unlock(&ebpfdma_volumes_lock);
	if (found)
		synchronize_rcu();
}

/* Module unload: delete every volume, waiting for their writes. */
void ebpfdma_volumes_del_all(void)
{
	u32 id;

	mutex_lock(&ebpfdma_volumes_lock);
	for (id = 0; id < EBPFDMA_MAX_VOLUMES; id++)
		volume_del_locked(id);
	mutex_unlock(&ebpfdma_volumes_lock);
}

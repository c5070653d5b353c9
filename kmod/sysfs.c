// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma read-only statistics in sysfs, under /sys/class/misc/ebpfdma/
 * (documented in uapi/ABI-sysfs): the pool's, and one directory per
 * volume.  Tunables are the module parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "ebpfdma.h"

/* Show one number of the current pool, read under ebpfdma_dev.lock. */
static ssize_t pool_show(char *buf, unsigned int (*get)(struct ebpfdma_pool *))
{
	unsigned int val = 0;

	mutex_lock(&ebpfdma_dev.lock);
	if (ebpfdma_dev.pool)
		val = get(ebpfdma_dev.pool);
	mutex_unlock(&ebpfdma_dev.lock);
	return sysfs_emit(buf, "%u\n", val);
}

static unsigned int get_slots(struct ebpfdma_pool *p)
{
	return p->nr_slots;
}

static unsigned int get_free(struct ebpfdma_pool *p)
{
	return p->nr_slots - atomic_read(&p->slots.in_use);
}

static unsigned int get_high_water(struct ebpfdma_pool *p)
{
	return atomic_read(&p->slots.high_water);
}

static unsigned int get_slot_size(struct ebpfdma_pool *p)
{
	return p->slot_size;
}

/*
 * Bytes the pool holds: its DMA-coherent chunks, a write record and a
 * holder word per slot, the slot bitmap (a bit per slot, rounded up).
 * At most 1 GiB of chunks (ebpfdma_check_pool_geometry()), so it fits.
 */
static unsigned int get_memory(struct ebpfdma_pool *p)
{
	return p->nr_chunks * p->chunk_bytes +
	       p->nr_chunks * sizeof(*p->chunks) +
	       p->nr_slots * (sizeof(*p->ios) + sizeof(atomic_long_t)) +
	       DIV_ROUND_UP(p->nr_slots, BITS_PER_LONG) * sizeof(long);
}

static ssize_t pool_slots_show(struct device *d, struct device_attribute *a,
			       char *buf)
{
	return pool_show(buf, get_slots);
}

static ssize_t pool_free_slots_show(struct device *d,
				    struct device_attribute *a, char *buf)
{
	return pool_show(buf, get_free);
}

static ssize_t pool_high_water_show(struct device *d,
				    struct device_attribute *a, char *buf)
{
	return pool_show(buf, get_high_water);
}

static ssize_t pool_slot_size_show(struct device *d, struct device_attribute *a,
				   char *buf)
{
	return pool_show(buf, get_slot_size);
}

static ssize_t pool_memory_bytes_show(struct device *d,
				      struct device_attribute *a, char *buf)
{
	return pool_show(buf, get_memory);
}

static ssize_t in_flight_bios_show(struct device *d, struct device_attribute *a,
				   char *buf)
{
	return sysfs_emit(buf, "%u\n", ebpfdma_engine_in_flight());
}

static DEVICE_ATTR_RO(pool_slots);
static DEVICE_ATTR_RO(pool_free_slots);
static DEVICE_ATTR_RO(pool_high_water);
static DEVICE_ATTR_RO(pool_slot_size);
static DEVICE_ATTR_RO(pool_memory_bytes);
static DEVICE_ATTR_RO(in_flight_bios);

static struct attribute *ebpfdma_dev_attrs[] = {
	&dev_attr_pool_slots.attr,
	&dev_attr_pool_free_slots.attr,
	&dev_attr_pool_high_water.attr,
	&dev_attr_pool_slot_size.attr,
	&dev_attr_pool_memory_bytes.attr,
	&dev_attr_in_flight_bios.attr,
	NULL,
};

static const struct attribute_group ebpfdma_dev_group = {
	.attrs = ebpfdma_dev_attrs,
};

const struct attribute_group *ebpfdma_dev_groups[] = {
	&ebpfdma_dev_group,
	&ebpfdma_rx_group,
	NULL,
};

/* Per volume: a kobject whose attributes read the volume's counters. */
struct volume_kobj {
	struct kobject kobj;
	struct ebpfdma_volume *v; /* outlives the kobject's files */
};

static struct ebpfdma_volume *to_vol(struct kobject *kobj)
{
	return container_of(kobj, struct volume_kobj, kobj)->v;
}

#define VOL_COUNTER(name, expr)                                         \
	static ssize_t name##_show(struct kobject *kobj,                \
				   struct kobj_attribute *a, char *buf) \
	{                                                               \
		struct ebpfdma_volume *v = to_vol(kobj);                \
		return sysfs_emit(buf, "%llu\n", (u64)(expr));          \
	}                                                               \
	static struct kobj_attribute name##_attr = __ATTR_RO(name)

VOL_COUNTER(bytes, atomic64_read(&v->bytes));
VOL_COUNTER(bios, atomic64_read(&v->bios));
VOL_COUNTER(merges, atomic64_read(&v->merges));
VOL_COUNTER(errors, atomic64_read(&v->errors));
VOL_COUNTER(in_flight, atomic_read(&v->in_flight));
VOL_COUNTER(latency_sum_us, atomic64_read(&v->latency_sum_us));

/* "<upper bound in µs> <count>" per bucket; the last bound is "+Inf". */
static ssize_t latency_us_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	struct ebpfdma_volume *v = to_vol(kobj);
	int i, len = 0;

	for (i = 0; i < EBPFDMA_LAT_BUCKETS; i++) {
		u64 n = atomic64_read(&v->latency[i]);

		if (i == EBPFDMA_LAT_BUCKETS - 1)
			len += sysfs_emit_at(buf, len, "+Inf %llu\n", n);
		else
			len += sysfs_emit_at(buf, len, "%llu %llu\n", 1ULL << i,
					     n);
	}
	return len;
}

static struct kobj_attribute latency_us_attr = __ATTR_RO(latency_us);

static struct attribute *volume_attrs[] = {
	&bytes_attr.attr,	   &bios_attr.attr,
	&merges_attr.attr,	   &errors_attr.attr,
	&in_flight_attr.attr,	   &latency_us_attr.attr,
	&latency_sum_us_attr.attr, NULL,
};
ATTRIBUTE_GROUPS(volume);

static void volume_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct volume_kobj, kobj));
}

static struct kobj_type volume_ktype = {
	.release = volume_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = volume_groups,
};

/**
 * ebpfdma_volume_sysfs_add() - publish @v's counters as .../volume<id>/
 * @v: the volume
 * @parent: the misc device's kobject
 *
 * Return: 0 or a negative errno.
 */
int ebpfdma_volume_sysfs_add(struct ebpfdma_volume *v, struct kobject *parent)
{
	struct volume_kobj *vk = kzalloc(sizeof(*vk), GFP_KERNEL);
	int ret;

	if (!vk)
		return -ENOMEM;
	vk->v = v;
	ret = kobject_init_and_add(&vk->kobj, &volume_ktype, parent, "volume%u",
				   v->id);
	if (ret) {
		kobject_put(&vk->kobj);
		return ret;
	}
	v->kobj = &vk->kobj;
	return 0;
}

/*
 * Remove the directory; when this returns no reader is inside a show
 * function any more, so the volume may be freed.
 */
void ebpfdma_volume_sysfs_del(struct ebpfdma_volume *v)
{
	kobject_del(v->kobj);
	kobject_put(v->kobj);
	v->kobj = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma sysfs: the current pool's geometry and use, in
 * /sys/class/misc/ebpfdma/pool_* (documented in uapi/ABI-sysfs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
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
	return p->nr_slots - ebpfdma_slots_in_use(&p->slots);
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
 * Bytes the pool holds: its chunks, a write record and a holder word per
 * slot, the slot bitmap (a bit per slot, rounded up) and the per-CPU slot
 * caches.  At most 1 GiB of chunks (ebpfdma_check_pool_geometry()), so it
 * fits.
 */
static unsigned int get_memory(struct ebpfdma_pool *p)
{
	return p->nr_chunks * p->chunk_bytes +
	       p->nr_chunks * sizeof(*p->chunks) +
	       p->nr_slots * (sizeof(*p->ios) + sizeof(atomic_long_t)) +
	       DIV_ROUND_UP(p->nr_slots, BITS_PER_LONG) * sizeof(long) +
	       num_possible_cpus() * sizeof(struct ebpfdma_slot_cache);
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

static DEVICE_ATTR_RO(pool_slots);
static DEVICE_ATTR_RO(pool_free_slots);
static DEVICE_ATTR_RO(pool_high_water);
static DEVICE_ATTR_RO(pool_slot_size);
static DEVICE_ATTR_RO(pool_memory_bytes);

static struct attribute *ebpfdma_pool_attrs[] = {
	&dev_attr_pool_slots.attr,	  &dev_attr_pool_free_slots.attr,
	&dev_attr_pool_high_water.attr,	  &dev_attr_pool_slot_size.attr,
	&dev_attr_pool_memory_bytes.attr, NULL,
};

const struct attribute_group ebpfdma_pool_group = {
	.attrs = ebpfdma_pool_attrs,
};

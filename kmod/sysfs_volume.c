// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma sysfs: one directory per volume, /sys/class/misc/ebpfdma/
 * volume<id>/ (documented in uapi/ABI-sysfs), reading its per-CPU
 * counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "ebpfdma.h"

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

VOL_COUNTER(bytes, EBPFDMA_VOL_STAT(v, bytes));
VOL_COUNTER(bios, EBPFDMA_VOL_STAT(v, bios));
VOL_COUNTER(merges, EBPFDMA_VOL_STAT(v, merges));
VOL_COUNTER(errors, EBPFDMA_VOL_STAT(v, errors));
VOL_COUNTER(in_flight, ebpfdma_volume_in_flight(v));
VOL_COUNTER(latency_sum_us, EBPFDMA_VOL_STAT(v, latency_sum_us));

/* "<upper bound in µs> <count>" per bucket; the last bound is "+Inf". */
static ssize_t latency_us_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	struct ebpfdma_volume *v = to_vol(kobj);
	int i, len = 0;

	for (i = 0; i < EBPFDMA_LAT_BUCKETS; i++) {
		u64 n = EBPFDMA_VOL_STAT(v, latency[i]);

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

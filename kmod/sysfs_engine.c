// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma sysfs: the submission engine's state, in
 * /sys/class/misc/ebpfdma/in_flight_bios (documented in uapi/ABI-sysfs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/sysfs.h>

#include "ebpfdma.h"

static ssize_t in_flight_bios_show(struct device *d, struct device_attribute *a,
				   char *buf)
{
	return sysfs_emit(buf, "%u\n", ebpfdma_engine_in_flight());
}

static DEVICE_ATTR_RO(in_flight_bios);

static struct attribute *ebpfdma_engine_attrs[] = {
	&dev_attr_in_flight_bios.attr,
	NULL,
};

const struct attribute_group ebpfdma_engine_group = {
	.attrs = ebpfdma_engine_attrs,
};

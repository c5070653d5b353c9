// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma sysfs: what became of the datagrams handed to the kfunc, in
 * /sys/class/misc/ebpfdma/rx/<counter> (documented in uapi/ABI-sysfs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/sysfs.h>

#include "ebpfdma.h"

struct rx_attr {
	struct device_attribute attr;
	enum ebpfdma_rx_stat stat;
};

static ssize_t rx_show(struct device *dev, struct device_attribute *a,
		       char *buf)
{
	struct rx_attr *ra = container_of(a, struct rx_attr, attr);

	return sysfs_emit(buf, "%llu\n", ebpfdma_rx_stat_sum(ra->stat));
}

#define RX_ATTR(_name, _stat)                               \
	static struct rx_attr rx_attr_##_name = {           \
		.attr = __ATTR(_name, 0444, rx_show, NULL), \
		.stat = _stat,                              \
	}

RX_ATTR(placed, EBPFDMA_RX_PLACED);
RX_ATTR(placed_bytes, EBPFDMA_RX_PLACED_BYTES);
RX_ATTR(malformed, EBPFDMA_RX_MALFORMED);
RX_ATTR(range, EBPFDMA_RX_RANGE);
RX_ATTR(no_volume, EBPFDMA_RX_NO_VOLUME);
RX_ATTR(no_listener, EBPFDMA_RX_NO_LISTENER);
RX_ATTR(pool_full, EBPFDMA_RX_POOL_FULL);
RX_ATTR(ring_full, EBPFDMA_RX_RING_FULL);
RX_ATTR(no_session, EBPFDMA_RX_NO_SESSION);
RX_ATTR(expired, EBPFDMA_RX_EXPIRED);
RX_ATTR(auth, EBPFDMA_RX_AUTH);
RX_ATTR(duplicate, EBPFDMA_RX_DUPLICATE);
RX_ATTR(ce, EBPFDMA_RX_CE);

static struct attribute *ebpfdma_rx_attrs[] = {
	&rx_attr_placed.attr.attr,     &rx_attr_placed_bytes.attr.attr,
	&rx_attr_malformed.attr.attr,  &rx_attr_range.attr.attr,
	&rx_attr_no_volume.attr.attr,  &rx_attr_no_listener.attr.attr,
	&rx_attr_pool_full.attr.attr,  &rx_attr_ring_full.attr.attr,
	&rx_attr_no_session.attr.attr, &rx_attr_expired.attr.attr,
	&rx_attr_auth.attr.attr,       &rx_attr_duplicate.attr.attr,
	&rx_attr_ce.attr.attr,	       NULL,
};

const struct attribute_group ebpfdma_rx_group = {
	.name = "rx",
	.attrs = ebpfdma_rx_attrs,
};

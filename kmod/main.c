// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma: land network-received file blocks on disk from XDP, through a
 * pool of DMA-coherent buffers, with no copy through user space.
 *
 * This file holds the module's life cycle and the /dev/ebpfdma misc device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

static int ebpfdma_open(struct inode *inode, struct file *file)
{
	/* The node is 0600; opening it is the privilege check for now. */
	return nonseekable_open(inode, file);
}

static const struct file_operations ebpfdma_fops = {
	.owner = THIS_MODULE,
	.open = ebpfdma_open,
	.llseek = no_llseek,
};

static struct miscdevice ebpfdma_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = EBPFDMA_DEV_NAME,
	.fops = &ebpfdma_fops,
	.mode = 0600,
};

static int __init ebpfdma_init(void)
{
	unsigned int nr_slots = READ_ONCE(ebpfdma_nr_slots);
	unsigned int slot_size = READ_ONCE(ebpfdma_slot_size);
	int ret;

	ret = ebpfdma_check_pool_geometry(nr_slots, slot_size);
	if (ret) {
		pr_err("pool of %u slots x %u bytes exceeds %llu bytes\n",
		       nr_slots, slot_size, EBPFDMA_POOL_BYTES_MAX);
		return ret;
	}

	ret = misc_register(&ebpfdma_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", EBPFDMA_DEV_NAME, ret);
		return ret;
	}

	pr_info("loaded: /dev/%s, pool geometry %u slots x %u bytes\n",
		EBPFDMA_DEV_NAME, nr_slots, slot_size);
	return 0;
}

static void __exit ebpfdma_exit(void)
{
	misc_deregister(&ebpfdma_misc);
	pr_info("unloaded\n");
}

module_init(ebpfdma_init);
module_exit(ebpfdma_exit);

MODULE_DESCRIPTION(
	"DMA-coherent buffer pool fed from XDP and written to block devices");
MODULE_AUTHOR("The ebpfdma authors");
MODULE_LICENSE("GPL");

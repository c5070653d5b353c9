// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma module parameters, validated through kernel_param_ops so that a
 * bad value is refused at modprobe time or at the sysfs write, with an errno
 * that says why, instead of being stored.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

unsigned int ebpfdma_nr_slots = EBPFDMA_NR_SLOTS_DEFAULT;
unsigned int ebpfdma_slot_size = EBPFDMA_SLOT_SIZE_DEFAULT;

/*
 * Parse an unsigned number (decimal, 0x-hex, 0-octal) in [min, max]:
 * 0, -EINVAL if it is not a number, -ERANGE outside the range.
 */
static int parse_range(const char *val, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

/**
 * ebpfdma_parse_nr_slots() - parse and validate the nr_slots parameter
 * @val: the text written by the user (decimal, 0x-hex or 0-octal)
 * @out: where the value is stored on success
 *
 * Return: 0; -EINVAL if @val is not a number; -ERANGE if it lies outside
 * [EBPFDMA_NR_SLOTS_MIN, EBPFDMA_NR_SLOTS_MAX].
 */
VISIBLE_IF_KUNIT int ebpfdma_parse_nr_slots(const char *val, unsigned int *out)
{
	return parse_range(val, EBPFDMA_NR_SLOTS_MIN, EBPFDMA_NR_SLOTS_MAX,
			   out);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_parse_nr_slots);

/**
 * ebpfdma_parse_slot_size() - parse and validate the slot_size parameter
 * @val: the text written by the user, in bytes
 * @out: where the value is stored on success
 *
 * Return: 0; -EINVAL if @val is not a number or not a power of two; -ERANGE
 * if it lies outside [EBPFDMA_SLOT_SIZE_MIN, EBPFDMA_SLOT_SIZE_MAX].
 */
VISIBLE_IF_KUNIT int ebpfdma_parse_slot_size(const char *val, unsigned int *out)
{
	unsigned int n;
	int ret;

	ret = parse_range(val, EBPFDMA_SLOT_SIZE_MIN, EBPFDMA_SLOT_SIZE_MAX,
			  &n);
	if (ret)
		return ret;
	if (!is_power_of_2(n))
		return -EINVAL;
	*out = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_parse_slot_size);

/**
 * ebpfdma_check_pool_geometry() - check a pool's total size
 * @nr_slots: number of slots, already validated alone
 * @slot_size: bytes per slot, already validated alone
 *
 * The two parameters are validated one by one as they are set; their product
 * is checked when a pool of that geometry is about to be made.
 *
 * Return: 0, or -E2BIG if the pool would exceed EBPFDMA_POOL_BYTES_MAX.
 */
int ebpfdma_check_pool_geometry(unsigned int nr_slots, unsigned int slot_size)
{
	if ((u64)nr_slots * slot_size > EBPFDMA_POOL_BYTES_MAX)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_check_pool_geometry);

/* Length of a parameter's text without the newline a sysfs write adds. */
static int param_len(const char *val)
{
	return strcspn(val, "\n");
}

/*
 * Store a validated value, resizing the pool first when the module is
 * running: a value that cannot take effect (pool busy, too large, no
 * memory) is refused, so the parameters always describe the pool.
 */
static int apply(const struct kernel_param *kp, unsigned int val)
{
	bool is_nr = kp->arg == &ebpfdma_nr_slots;
	int ret;

	mutex_lock(&ebpfdma_dev.lock);
	ret = ebpfdma_pool_reconfigure(is_nr ? val : ebpfdma_nr_slots,
				       is_nr ? ebpfdma_slot_size : val);
	if (!ret)
		WRITE_ONCE(*(unsigned int *)kp->arg, val);
	mutex_unlock(&ebpfdma_dev.lock);
	if (ret)
		pr_warn("%s: %u cannot take effect (%d)%s\n", kp->name, val,
			ret,
			ret == -EBUSY ? ": the pool is mapped or in use" : "");
	return ret;
}

static int nr_slots_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = ebpfdma_parse_nr_slots(val, &n);
	if (ret) {
		pr_warn("nr_slots: '%.*s' refused (%d): must be %u..%u\n",
			param_len(val), val, ret, EBPFDMA_NR_SLOTS_MIN,
			EBPFDMA_NR_SLOTS_MAX);
		return ret;
	}
	return apply(kp, n);
}

static int slot_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = ebpfdma_parse_slot_size(val, &n);
	if (ret) {
		pr_warn("slot_size: '%.*s' refused (%d): must be a power of two, %u..%u bytes\n",
			param_len(val), val, ret, EBPFDMA_SLOT_SIZE_MIN,
			EBPFDMA_SLOT_SIZE_MAX);
		return ret;
	}
	return apply(kp, n);
}

static const struct kernel_param_ops nr_slots_ops = {
	.set = nr_slots_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops slot_size_ops = {
	.set = slot_size_set,
	.get = param_get_uint,
};

module_param_cb(nr_slots, &nr_slots_ops, &ebpfdma_nr_slots, 0644);
MODULE_PARM_DESC(
	nr_slots,
	"Number of DMA-coherent slots in the pool (8..1048576, default 4096)");
module_param_cb(slot_size, &slot_size_ops, &ebpfdma_slot_size, 0644);
MODULE_PARM_DESC(
	slot_size,
	"Bytes per slot: a power of two, 512..1048576 (default 4096); nr_slots * slot_size <= 1 GiB");

/* Engine tunables: plain ranges, usable at once, no pool change needed. */
unsigned int ebpfdma_max_in_flight = 64; /* per CPU */
unsigned int ebpfdma_batch = 32;
bool ebpfdma_fua;

static int range_set(const char *val, const struct kernel_param *kp,
		     unsigned int min, unsigned int max)
{
	unsigned int n;
	int ret;

	ret = parse_range(val, min, max, &n);
	if (ret) {
		pr_warn("%s: '%.*s' refused (%d): must be %u..%u\n", kp->name,
			param_len(val), val, ret, min, max);
		return ret;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static int max_in_flight_set(const char *val, const struct kernel_param *kp)
{
	return range_set(val, kp, 1, 4096);
}

static int batch_set(const char *val, const struct kernel_param *kp)
{
	return range_set(val, kp, 1, EBPFDMA_BATCH_MAX);
}

static const struct kernel_param_ops max_in_flight_ops = {
	.set = max_in_flight_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops batch_ops = {
	.set = batch_set,
	.get = param_get_uint,
};

module_param_cb(max_in_flight, &max_in_flight_ops, &ebpfdma_max_in_flight,
		0644);
MODULE_PARM_DESC(
	max_in_flight,
	"Most bios in flight at once per CPU, all volumes together (1..4096, default 64)");
module_param_cb(batch, &batch_ops, &ebpfdma_batch, 0644);
MODULE_PARM_DESC(
	batch,
	"Most LBA-adjacent writes merged into one bio (1..64, default 32)");
module_param_named(fua, ebpfdma_fua, bool, 0644);
MODULE_PARM_DESC(fua, "Make every write a FUA write (default: no)");

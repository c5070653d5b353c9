// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma fault injection, compiled only into test builds (EBPFDMA_FAULT=y
 * in Kbuild): module parameters that widen the windows of races the tests
 * must show are closed, or make a call fail, as null_blk's fault injection
 * does.  A production build has neither this file nor its parameters.
 *
 *   fault_volume_release_us  delay after a volume's last reference is
 *                            dropped, before its deleter is woken
 *   fault_ring_reserve_us    delay between reading a ring's free credits
 *                            and taking them
 *   fault_ring_post_us       delay after a post published its entries
 *   fault_bio_add            that many of the engine's bio_add_page()
 *                            calls fail (counts down)
 *   fault_dma_sync           the pool's DMA mapping is taken as needing
 *                            cache maintenance (a non-coherent system)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/moduleparam.h>

#include "ebpfdma.h"

/* Longest delay a knob takes, µs: it busy-waits, perhaps in softirq. */
#define FAULT_DELAY_MAX_US 100000U

static unsigned int fault_value[EBPFDMA_FAULT_NR];

module_param_named(fault_volume_release_us,
		   fault_value[EBPFDMA_FAULT_VOLUME_RELEASE], uint, 0644);
MODULE_PARM_DESC(
	fault_volume_release_us,
	"Test builds: delay (µs) between a volume's last put and its deleter's wake-up");
module_param_named(fault_ring_reserve_us,
		   fault_value[EBPFDMA_FAULT_RING_RESERVE], uint, 0644);
MODULE_PARM_DESC(fault_ring_reserve_us,
		 "Test builds: delay (µs) inside a ring credit reservation");
module_param_named(fault_ring_post_us, fault_value[EBPFDMA_FAULT_RING_POST],
		   uint, 0644);
MODULE_PARM_DESC(
	fault_ring_post_us,
	"Test builds: delay (µs) after a ring post published its entries");
module_param_named(fault_bio_add, fault_value[EBPFDMA_FAULT_BIO_ADD], uint,
		   0644);
MODULE_PARM_DESC(
	fault_bio_add,
	"Test builds: number of the engine's bio_add_page() calls to fail");
module_param_named(fault_dma_sync, fault_value[EBPFDMA_FAULT_DMA_SYNC], uint,
		   0644);
MODULE_PARM_DESC(fault_dma_sync,
		 "Test builds: 1 = take the pool's DMA mapping as non-coherent");

/* Busy-wait the knob's delay: callers may be in softirq. */
void ebpfdma_fault_delay(enum ebpfdma_fault point)
{
	unsigned int us =
		min(READ_ONCE(fault_value[point]), FAULT_DELAY_MAX_US);

	while (us >= 1000) {
		mdelay(1);
		us -= 1000;
	}
	if (us)
		udelay(us);
}

/* Whether the call at @point fails now; a count knob counts down. */
bool ebpfdma_fault_fail(enum ebpfdma_fault point)
{
	unsigned int *v = &fault_value[point];
	unsigned int n = READ_ONCE(*v);

	if (point == EBPFDMA_FAULT_DMA_SYNC)
		return n;
	while (n) {
		if (try_cmpxchg(v, &n, n - 1))
			return true;
	}
	return false;
}

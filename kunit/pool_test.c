// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pages ebpfdma hands to bios for a slot, whether the pool's
 * coherent memory is direct-mapped (x86 without an IOMMU) or remapped into
 * vmalloc space (as on non-coherent devices): every byte of every slot must
 * be found at the page and offset given.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ebpfdma.h"

#define CHUNK_BYTES (4 * PAGE_SIZE)

static void check_slots(struct kunit *test, void *mem, unsigned int slot_size)
{
	struct ebpfdma_chunk chunk = { .cpu = mem };
	struct ebpfdma_pool pool = {
		.slot_size = slot_size,
		.chunk_bytes = CHUNK_BYTES,
		.slots_per_chunk = CHUNK_BYTES / slot_size,
		.nr_chunks = 1,
		.chunks = &chunk,
	};
	unsigned int slot, off, bad = 0;
	unsigned char *p = mem;
	size_t i;

	pool.nr_slots = pool.slots_per_chunk;
	for (i = 0; i < CHUNK_BYTES; i++)
		p[i] = (unsigned char)(i * 31 + 7);
	for (slot = 0; slot < pool.nr_slots; slot++) {
		for (off = 0; off < slot_size; off += 256) {
			void *addr = ebpfdma_slot_addr(&pool, slot, off);
			struct page *page = ebpfdma_slot_page(&pool, slot, off);
			unsigned char *seen =
				page_address(page) + offset_in_page(addr);
			size_t at = (size_t)slot * slot_size + off;

			bad += addr != p + at;
			bad += *seen != (unsigned char)(at * 31 + 7);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

static void direct_mapped_test(struct kunit *test)
{
	void *mem = kmalloc(CHUNK_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(mem));
	check_slots(test, mem, 512);
	check_slots(test, mem, PAGE_SIZE);
	kfree(mem);
}

static void vmalloc_remapped_test(struct kunit *test)
{
	void *mem = vmalloc(CHUNK_BYTES);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(mem));
	check_slots(test, mem, 512);
	check_slots(test, mem, PAGE_SIZE);
	check_slots(test, mem,
		    2 * PAGE_SIZE); /* slots across page boundaries */
	vfree(mem);
}

static struct kunit_case pool_cases[] = { KUNIT_CASE(direct_mapped_test),
					  KUNIT_CASE(vmalloc_remapped_test),
					  {} };

static struct kunit_suite pool_suite = {
	.name = "ebpfdma_pool_pages",
	.test_cases = pool_cases,
};

kunit_test_suite(pool_suite);

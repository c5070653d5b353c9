// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pages ebpfdma hands to bios for a slot.  Every byte of every
 * slot must be found at the page and offset given, and every page of the
 * pool must carry a reference count of its own, so that a block path that
 * takes and drops page references (get_page()/put_page() on a bio's
 * pages) never frees memory the pool still uses.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

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

static void slot_pages_test(struct kunit *test)
{
	void *mem = kmalloc(CHUNK_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	check_slots(test, mem, 512);
	check_slots(test, mem, PAGE_SIZE);
	check_slots(test, mem, 2 * PAGE_SIZE); /* slots across pages */
	kfree(mem);
}

/*
 * Every page of a real pool: counted once, and a get_page()/put_page()
 * pair, as a block path may do, leaves it counted and in use.
 */
static void check_refcounts(struct kunit *test, struct ebpfdma_pool *pool)
{
	unsigned int c, pg, uncounted = 0, freed = 0;

	for (c = 0; c < pool->nr_chunks; c++) {
		for (pg = 0; pg < pool->chunk_bytes / PAGE_SIZE; pg++) {
			struct page *page = virt_to_page(pool->chunks[c].cpu +
							 pg * PAGE_SIZE);

			if (page_count(page) < 1) {
				uncounted++;
				continue;
			}
			get_page(page);
			put_page(page);
			freed += page_count(page) < 1;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, uncounted, 0U,
			    "pages of the pool with a reference count of 0");
	KUNIT_EXPECT_EQ(test, freed, 0U);
}

static void pool_refcount_test(struct kunit *test)
{
	struct ebpfdma_pool *pool;

	KUNIT_ASSERT_NOT_NULL(test, ebpfdma_dev.pdev);
	/* Slots of two pages, chunks of 1 MiB: every kind of tail page. */
	pool = ebpfdma_pool_create(&ebpfdma_dev.pdev->dev, 256, 8192);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_EQ(test, pool->nr_chunks, 2U);
	check_refcounts(test, pool);
	ebpfdma_pool_put(pool);
}

/* The module's own pool, as it serves writes now. */
static void live_pool_refcount_test(struct kunit *test)
{
	mutex_lock(&ebpfdma_dev.lock);
	if (ebpfdma_dev.pool)
		check_refcounts(test, ebpfdma_dev.pool);
	mutex_unlock(&ebpfdma_dev.lock);
}

static struct kunit_case pool_cases[] = { KUNIT_CASE(slot_pages_test),
					  KUNIT_CASE(pool_refcount_test),
					  KUNIT_CASE(live_pool_refcount_test),
					  {} };

static struct kunit_suite pool_suite = {
	.name = "ebpfdma_pool_pages",
	.test_cases = pool_cases,
};

kunit_test_suite(pool_suite);

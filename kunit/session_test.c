// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a wire version 2 session's rules (kmod/session_blocks.c): the geometry
 * of a transfer from its length and block size, which DATA a session
 * accepts (index, length, idle limit), and each block placed at most once,
 * also when two datagrams of it race, and again after a failed write; a
 * session of more than 2^22 blocks (2 GiB in 512-byte blocks).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "ebpfdma.h"

/* A session of 512-byte logical blocks, 4 KiB DATA bodies, at lba 100. */
static struct ebpfdma_session *make(struct kunit *test, u64 length, u64 window)
{
	struct ebpfdma_session *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->block_shift = 9;
	s->block_size = 4096;
	s->lba = 100;
	s->active = jiffies;
	KUNIT_ASSERT_EQ(test,
			ebpfdma_session_geometry(s, length, window, 65536), 0);
	s->placed = kunit_kcalloc(test, BITS_TO_LONGS(s->blocks), sizeof(long),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->placed);
	return s;
}

static void geometry_test(struct kunit *test)
{
	struct ebpfdma_session s = { .block_shift = 9, .block_size = 4096 };

	/* Whole blocks. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 1000, 65536),
			0);
	KUNIT_EXPECT_EQ(test, s.blocks, 2ULL);
	KUNIT_EXPECT_EQ(test, s.last_len, 4096U);
	/* A short last block, rounded up to a logical block. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8193, 1000, 65536),
			0);
	KUNIT_EXPECT_EQ(test, s.blocks, 3ULL);
	KUNIT_EXPECT_EQ(test, s.last_len, 512U);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 1, 1000, 65536), 0);
	KUNIT_EXPECT_EQ(test, s.blocks, 1ULL);
	KUNIT_EXPECT_EQ(test, s.last_len, 512U);
	/* Empty, a block size of no whole logical blocks, beyond a slot. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 0, 1000, 65536),
			-EINVAL);
	s.block_size = 4000;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 1000, 65536),
			-EINVAL);
	s.block_size = 0;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 1000, 65536),
			-EINVAL);
	s.block_size = 131072;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 1000, 65536),
			-EINVAL);
	/* The window's edge: lba 0 + 16 blocks fits 16 exactly, not 15. */
	s.block_size = 4096;
	s.lba = 0;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 16, 65536), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 15, 65536),
			-ERANGE);
	s.lba = 1;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_geometry(&s, 8192, 16, 65536),
			-ERANGE);
	s.lba = U64_MAX - 3;
	KUNIT_EXPECT_EQ(test,
			ebpfdma_session_geometry(&s, 8192, U64_MAX, 65536),
			-ERANGE);
	/* More than 2^32 blocks. */
	s.lba = 0;
	s.block_size = 512;
	KUNIT_EXPECT_EQ(test,
			ebpfdma_session_geometry(&s, (1ULL << 32) * 512 + 1,
						 U64_MAX, 65536),
			-E2BIG);
	KUNIT_EXPECT_EQ(test,
			ebpfdma_session_geometry(&s, (1ULL << 32) * 512,
						 U64_MAX, 65536),
			0);
}

static void check_test(struct kunit *test)
{
	struct ebpfdma_session *s = make(test, 3 * 4096 + 1000, 1000);

	KUNIT_EXPECT_EQ(test, s->blocks, 4ULL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 2, 4096), 0);
	/* The last block is the rest, in whole logical blocks. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 3, 1024), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 3, 1000), -EINVAL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 3, 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 1024), -EINVAL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4095), -EINVAL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 4, 4096), -ERANGE);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, U32_MAX, 4096), -ERANGE);
	/* Where each block goes. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_lba(s, 0), 100ULL);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_lba(s, 3), 124ULL);
}

static void once_test(struct kunit *test)
{
	struct ebpfdma_session *s = make(test, 4 * 4096, 1000);

	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(s, 1), 0);
	/* Placed: refused by the check and by a racing placement alike. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 1, 4096), -EALREADY);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(s, 1), -EALREADY);
	/* Its neighbours are not. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 2, 4096), 0);
	/* A failed write may be sent and placed again, once. */
	ebpfdma_session_unplace(s, 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 1, 4096), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(s, 1), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(s, 1), -EALREADY);
	KUNIT_EXPECT_EQ(test, bitmap_weight(s->placed, s->blocks), 1U);
}

static void idle_test(struct kunit *test)
{
	struct ebpfdma_session *s = make(test, 4 * 4096, 1000);

	/* No limit: never expires. */
	s->active = jiffies - 100 * HZ;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), 0);
	s->idle = HZ;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), -ETIMEDOUT);
	/* Activity within the limit keeps it. */
	s->active = jiffies;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(s, 0), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 1, 4096), 0);
	/* Expiry comes before anything else is said of a datagram. */
	s->active = jiffies - 2 * HZ;
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 0, 4096), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(s, 99, 4096), -ETIMEDOUT);
}

/*
 * 2 GiB + 32 MiB in 512-byte blocks: indices past 2^22 (the first
 * protocol's limit) are checked, placed once and written where they
 * belong like any other.
 */
static void more_than_2_22_blocks_test(struct kunit *test)
{
	struct ebpfdma_session s = {
		.block_shift = 9,
		.block_size = 512,
		.lba = 100,
		.active = jiffies,
	};
	const u32 big = (1U << 22) + 5;
	u32 i;

	KUNIT_ASSERT_EQ(test,
			ebpfdma_session_geometry(&s,
						 ((1ULL << 22) + 65536) * 512,
						 U64_MAX, 65536),
			0);
	KUNIT_EXPECT_EQ(test, s.blocks, (1ULL << 22) + 65536);
	s.placed = kvcalloc(BITS_TO_LONGS(s.blocks), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s.placed);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(&s, big, 512), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(&s, big), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(&s, big, 512), -EALREADY);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(&s, big), -EALREADY);
	/* Its neighbours, and those across 2^22, are not placed. */
	for (i = (1U << 22) - 8; i < (1U << 22) + 8; i++)
		if (i != big)
			KUNIT_EXPECT_EQ(test, ebpfdma_session_check(&s, i, 512),
					0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_place(&s, 1U << 22), 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(s.placed, s.blocks), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(1U << 22, s.placed));
	KUNIT_EXPECT_TRUE(test, test_bit(big, s.placed));
	/* The last block, and past it. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(&s, s.blocks - 1, 512), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_check(&s, s.blocks, 512),
			-ERANGE);
	/* Where they go: one logical block each, past 2^22 from lba 100. */
	KUNIT_EXPECT_EQ(test, ebpfdma_session_lba(&s, big), 100ULL + big);
	KUNIT_EXPECT_EQ(test, ebpfdma_session_lba(&s, s.blocks - 1),
			100ULL + (1ULL << 22) + 65535);
	kvfree(s.placed);
}

static struct kunit_case session_cases[] = {
	KUNIT_CASE(geometry_test),
	KUNIT_CASE(check_test),
	KUNIT_CASE(once_test),
	KUNIT_CASE(idle_test),
	KUNIT_CASE(more_than_2_22_blocks_test),
	{}
};

static struct kunit_suite session_suite = {
	.name = "ebpfdma_session",
	.test_cases = session_cases,
};

kunit_test_suite(session_suite);

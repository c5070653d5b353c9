// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ebpfdma's LBA window checks, bio merge planner and bio flags.
 */
#include <kunit/test.h>
#include <linux/blk_types.h>
#include <linux/kernel.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

struct window_case {
	u64 window, lba, nr;
	int ret;
};

static const struct window_case window_cases[] = {
	{ 64, 0, 64, 0 }, /* the whole window */
	{ 64, 0, 1, 0 }, /* first block */
	{ 64, 63, 1, 0 }, /* last block */
	{ 64, 63, 2, -ERANGE }, /* one past the end */
	{ 64, 64, 1, -ERANGE }, /* starts at the end */
	{ 64, 0, 65, -ERANGE }, /* longer than the window */
	{ 64, 10, 0, -ERANGE }, /* empty */
	{ 64, U64_MAX, 2, -ERANGE }, /* lba + nr overflows */
	{ 64, 2, U64_MAX, -ERANGE }, /* nr overflows */
	{ U64_MAX, U64_MAX - 1, 1, 0 }, /* a window up to 2^64 - 1 */
	{ U64_MAX, U64_MAX - 1, 2, -ERANGE },
	{ 0, 0, 1, -ERANGE }, /* an empty window takes nothing */
};

static void window_case_desc(const struct window_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE,
		 "window %llu: [%llu, +%llu) -> %d", c->window, c->lba, c->nr,
		 c->ret);
}

KUNIT_ARRAY_PARAM(window, window_cases, window_case_desc);

static void window_test(struct kunit *test)
{
	const struct window_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ebpfdma_window_check(c->window, c->lba, c->nr),
			c->ret);
}

#define W(v, l, b, s, f)                                               \
	{                                                              \
		.volume = (v), .lba = (l), .blocks = (b), .segs = (s), \
		.flags = (f)                                           \
	}

struct plan_case {
	const char *name;
	struct ebpfdma_extent e[6];
	unsigned int n, max_writes, max_segs, run;
};

static const struct plan_case plan_cases[] = {
	{ "one write", { W(1, 0, 8, 1, 0) }, 1, 32, 256, 1 },
	{ "adjacent writes merge",
	  { W(1, 0, 8, 1, 0), W(1, 8, 8, 1, 0), W(1, 16, 8, 1, 0) },
	  3,
	  32,
	  256,
	  3 },
	{ "a gap ends the run",
	  { W(1, 0, 8, 1, 0), W(1, 8, 8, 1, 0), W(1, 24, 8, 1, 0) },
	  3,
	  32,
	  256,
	  2 },
	{ "going backwards ends the run",
	  { W(1, 8, 8, 1, 0), W(1, 0, 8, 1, 0) },
	  2,
	  32,
	  256,
	  1 },
	{ "another volume ends the run",
	  { W(1, 0, 8, 1, 0), W(2, 8, 8, 1, 0) },
	  2,
	  32,
	  256,
	  1 },
	{ "other flags (FUA) end the run",
	  { W(1, 0, 8, 1, 0), W(1, 8, 8, 1, 1) },
	  2,
	  32,
	  256,
	  1 },
	{ "batch limit",
	  { W(1, 0, 1, 1, 0), W(1, 1, 1, 1, 0), W(1, 2, 1, 1, 0),
	    W(1, 3, 1, 1, 0) },
	  4,
	  2,
	  256,
	  2 },
	{ "segment limit",
	  { W(1, 0, 16, 2, 0), W(1, 16, 16, 2, 0), W(1, 32, 16, 2, 0) },
	  3,
	  32,
	  5,
	  2 },
	{ "segments exactly at the limit",
	  { W(1, 0, 16, 2, 0), W(1, 16, 16, 3, 0) },
	  2,
	  32,
	  5,
	  2 },
	{ "only the first counts when n is 1",
	  { W(1, 0, 8, 1, 0), W(1, 8, 8, 1, 0) },
	  1,
	  32,
	  256,
	  1 },
};

static void plan_case_desc(const struct plan_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(plan, plan_cases, plan_case_desc);

static void plan_test(struct kunit *test)
{
	const struct plan_case *c = test->param_value;
	const struct ebpfdma_extent *p[6];
	unsigned int i;

	for (i = 0; i < c->n; i++)
		p[i] = &c->e[i];
	KUNIT_EXPECT_EQ(test,
			ebpfdma_plan_run(p, c->n, c->max_writes, c->max_segs),
			c->run);
}

/* Two windows of one device: which may be volumes side by side. */
static void overlap_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(0, 8, 8, 8), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(8, 8, 0, 8), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(0, 9, 8, 8), 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(8, 8, 15, 1), 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(0, 64, 10, 2), 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(10, 2, 0, 64), 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_windows_overlap(4, 4, 4, 4), 1);
}

/* Every write is REQ_SYNC (a writer waits for it); FUA when asked. */
static void opf_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ebpfdma_write_opf(0, 0, false),
			(blk_opf_t)(REQ_OP_WRITE | REQ_SYNC));
	KUNIT_EXPECT_EQ(test, ebpfdma_write_opf(EBPFDMA_DESC_FUA, 0, false),
			(blk_opf_t)(REQ_OP_WRITE | REQ_SYNC | REQ_FUA));
	KUNIT_EXPECT_EQ(test, ebpfdma_write_opf(0, EBPFDMA_VOL_FUA, false),
			(blk_opf_t)(REQ_OP_WRITE | REQ_SYNC | REQ_FUA));
	KUNIT_EXPECT_EQ(test, ebpfdma_write_opf(0, 0, true),
			(blk_opf_t)(REQ_OP_WRITE | REQ_SYNC | REQ_FUA));
	KUNIT_EXPECT_EQ(
		test, ebpfdma_write_opf(0, EBPFDMA_VOL_FLUSH_ON_COMMIT, false),
		(blk_opf_t)(REQ_OP_WRITE | REQ_SYNC));
}

static struct kunit_case plan_test_cases[] = {
	KUNIT_CASE_PARAM(window_test, window_gen_params),
	KUNIT_CASE_PARAM(plan_test, plan_gen_params),
	KUNIT_CASE(overlap_test),
	KUNIT_CASE(opf_test),
	{}
};

static struct kunit_suite plan_suite = {
	.name = "ebpfdma_plan",
	.test_cases = plan_test_cases,
};

kunit_test_suite(plan_suite);

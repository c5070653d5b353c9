// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ebpfdma's slot allocator and completion ring arithmetic.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/module.h>

#include "ebpfdma.h"

#define HOLDER_A 0x1000UL
#define HOLDER_B 0x2000UL

static int slots_init(struct kunit *test)
{
	struct ebpfdma_slots *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, ebpfdma_slots_init(s, 8), 0);
	test->priv = s;
	return 0;
}

static void slots_exit(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;

	ebpfdma_slots_put_all(s, HOLDER_A);
	ebpfdma_slots_put_all(s, HOLDER_B);
	ebpfdma_slots_destroy(s);
}

/* Every slot once, then -ENOBUFS; a freed slot can be taken again. */
static void exhaustion_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;
	DECLARE_BITMAP(seen, 8) = { 0 };
	int i, nr;

	for (i = 0; i < 8; i++) {
		nr = ebpfdma_slot_get(s, HOLDER_A);
		KUNIT_ASSERT_GE(test, nr, 0);
		KUNIT_ASSERT_LT(test, nr, 8);
		KUNIT_EXPECT_FALSE(test, test_and_set_bit(nr, seen));
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 8);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_get(s, HOLDER_A), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, 5, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_get(s, HOLDER_B), 5);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_get(s, HOLDER_A), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->high_water), 8);
}

static void double_free_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;
	int nr = ebpfdma_slot_get(s, HOLDER_A);

	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_A), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 0);
	/* The refused free did not make the slot free twice over. */
	KUNIT_EXPECT_GE(test, ebpfdma_slot_get(s, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 1);
}

static void wrong_holder_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;
	int nr = ebpfdma_slot_get(s, HOLDER_A);

	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_B), -EPERM);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_pass(s, nr, HOLDER_B, HOLDER_A),
			-EPERM);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 1);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_pass(s, nr, HOLDER_A, HOLDER_B), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_A), -EPERM);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_B), 0);
}

static void range_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;

	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, 8, HOLDER_A), -ERANGE);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, UINT_MAX, HOLDER_A), -ERANGE);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_pass(s, 8, HOLDER_A, HOLDER_B),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, 7, HOLDER_A), -EINVAL);
}

static void put_all_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_GE(test, ebpfdma_slot_get(s, HOLDER_A), 0);
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_GE(test, ebpfdma_slot_get(s, HOLDER_B), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_A), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 2);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_B), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->in_use), 0);
}

static void init_zero_test(struct kunit *test)
{
	struct ebpfdma_slots s;

	KUNIT_EXPECT_EQ(test, ebpfdma_slots_init(&s, 0), -EINVAL);
}

static struct kunit_case slots_cases[] = { KUNIT_CASE(exhaustion_test),
					   KUNIT_CASE(double_free_test),
					   KUNIT_CASE(wrong_holder_test),
					   KUNIT_CASE(range_test),
					   KUNIT_CASE(put_all_test),
					   KUNIT_CASE(init_zero_test),
					   {} };

static struct kunit_suite slots_suite = {
	.name = "ebpfdma_slots",
	.init = slots_init,
	.exit = slots_exit,
	.test_cases = slots_cases,
};

struct ring_case {
	u32 head, tail, entries, used;
};

static const struct ring_case ring_cases[] = {
	{ 0, 0, 8, 0 }, /* empty */
	{ 0, 8, 8, 8 }, /* full */
	{ 3, 5, 8, 2 },
	{ 0xfffffffe, 2, 8, 4 }, /* tail wrapped past 2^32 */
	{ 0xfffffff8, 0, 8, 8 }, /* full across the wrap */
	{ 5, 3, 8, 8 }, /* head ahead of tail: corrupt, treated as full */
	{ 0, 9, 8, 8 }, /* head too far behind: corrupt, treated as full */
	{ 0, 4096, 4096, 4096 },
};

static void ring_case_desc(const struct ring_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "head %#x tail %#x of %u -> %u",
		 c->head, c->tail, c->entries, c->used);
}

KUNIT_ARRAY_PARAM(ring, ring_cases, ring_case_desc);

static void ring_used_test(struct kunit *test)
{
	const struct ring_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ebpfdma_ring_used(c->head, c->tail, c->entries),
			c->used);
}

static void ring_entries_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_entries_for(8), 8U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_entries_for(9), 16U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_entries_for(4096), 4096U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_entries_for(1000), 1024U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_entries_for(1U << 20), 1U << 20);
}

static struct kunit_case ring_test_cases[] = {
	KUNIT_CASE_PARAM(ring_used_test, ring_gen_params),
	KUNIT_CASE(ring_entries_test),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "ebpfdma_ring",
	.test_cases = ring_test_cases,
};

kunit_test_suites(&slots_suite, &ring_suite);

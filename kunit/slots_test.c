// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ebpfdma's slot allocator and its per-CPU caches.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/workqueue.h>

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
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 8);
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
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 0);
	/* The refused free did not make the slot free twice over. */
	KUNIT_EXPECT_GE(test, ebpfdma_slot_get(s, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 1);
}

static void wrong_holder_test(struct kunit *test)
{
	struct ebpfdma_slots *s = test->priv;
	int nr = ebpfdma_slot_get(s, HOLDER_A);

	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_put(s, nr, HOLDER_B), -EPERM);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_pass(s, nr, HOLDER_B, HOLDER_A),
			-EPERM);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 1);
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
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 2);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_A), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_B), 2);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 0);
}

/* Take every slot on @cpu (work_on_cpu()), then free them all there. */
struct cpu_round {
	struct ebpfdma_slots *s;
	unsigned long holder;
	bool free_after;
	int got;
};

static long take_all_on_cpu(void *arg)
{
	struct cpu_round *r = arg;
	int slots[8], i;

	for (r->got = 0; r->got < 8; r->got++) {
		slots[r->got] = ebpfdma_slot_get(r->s, r->holder);
		if (slots[r->got] < 0)
			break;
	}
	if (r->free_after)
		for (i = 0; i < r->got; i++)
			ebpfdma_slot_put(r->s, slots[i], r->holder);
	return 0;
}

/*
 * Slots freed on one CPU sit in its cache: another CPU must still get
 * every one of them (from the bitmap, or taken from that cache).
 */
static void cache_steal_test(struct kunit *test)
{
	struct cpu_round r = { .s = test->priv, .holder = HOLDER_A };
	int first = cpumask_first(cpu_online_mask);
	int other = cpumask_next(first, cpu_online_mask);

	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	r.free_after = true;
	work_on_cpu(first, take_all_on_cpu, &r);
	KUNIT_EXPECT_EQ(test, r.got, 8);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(r.s), 0U);
	r.free_after = false;
	r.holder = HOLDER_B;
	work_on_cpu(other, take_all_on_cpu, &r);
	KUNIT_EXPECT_EQ(test, r.got, 8);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(r.s), 8U);
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_get(r.s, HOLDER_A), -ENOBUFS);
}

/* A pool large enough that each CPU caches slots behaves the same. */
static void cached_pool_test(struct kunit *test)
{
	struct ebpfdma_slots *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int n = 64 * 4 * num_possible_cpus(), i;
	unsigned long *seen;
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, s);
	seen = kunit_kcalloc(test, BITS_TO_LONGS(n), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, ebpfdma_slots_init(s, n), 0);
	KUNIT_EXPECT_EQ(test, s->cache_max, EBPFDMA_SLOT_CACHE_MAX);
	for (i = 0; i < n; i++) {
		nr = ebpfdma_slot_get(s, HOLDER_A);
		KUNIT_ASSERT_GE(test, nr, 0);
		KUNIT_EXPECT_FALSE(test, test_and_set_bit(nr, seen));
	}
	KUNIT_EXPECT_EQ(test, ebpfdma_slot_get(s, HOLDER_A), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), n);
	KUNIT_EXPECT_EQ(test, (unsigned int)atomic_read(&s->high_water), n);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_A), n);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_in_use(s), 0U);
	/* Freed slots (some now cached) are all there to take again. */
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_GE(test, ebpfdma_slot_get(s, HOLDER_B), 0);
	KUNIT_EXPECT_EQ(test, ebpfdma_slots_put_all(s, HOLDER_B), n);
	ebpfdma_slots_destroy(s);
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
					   KUNIT_CASE(cache_steal_test),
					   KUNIT_CASE(cached_pool_test),
					   {} };

static struct kunit_suite slots_suite = {
	.name = "ebpfdma_slots",
	.init = slots_init,
	.exit = slots_exit,
	.test_cases = slots_cases,
};

kunit_test_suite(slots_suite);

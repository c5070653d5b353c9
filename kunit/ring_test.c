// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ebpfdma's completion ring: index arithmetic, the credits that
 * keep every accepted write's completion a place in the ring, and which
 * completions of a session merge into one entry.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

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

#define SESS (EBPFDMA_CQE_SESSION | EBPFDMA_CQE_NET)

struct merge_case {
	const char *desc;
	struct ebpfdma_cqe run, next;
	bool merged;
	u32 len; /* the run's after the call */
};

/* Logical blocks of 512 bytes (shift 9): a 4 KiB block is 8 of them. */
static const struct merge_case merge_cases[] = {
	{ "the next block",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 1, 4096, 0, SESS },
	  true,
	  8192 },
	{ "after a run of three",
	  { 7, 100, 1, 3 * 4096, 0, SESS },
	  { 7, 124, 1, 4096, 0, SESS },
	  true,
	  4 * 4096 },
	{ "a short last block",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 1, 1024, 0, SESS },
	  true,
	  5120 },
	{ "both CE-marked and stable",
	  { 7, 100, 1, 4096, 0, SESS | EBPFDMA_CQE_CE | EBPFDMA_CQE_STABLE },
	  { 7, 108, 1, 4096, 0, SESS | EBPFDMA_CQE_CE | EBPFDMA_CQE_STABLE },
	  true,
	  8192 },
	{ "submitted, not from XDP",
	  { 7, 100, 1, 4096, 0, EBPFDMA_CQE_SESSION },
	  { 7, 108, 1, 4096, 0, EBPFDMA_CQE_SESSION },
	  true,
	  8192 },
	{ "a gap",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 116, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "the same block again",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 100, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "the block before",
	  { 7, 108, 1, 4096, 0, SESS },
	  { 7, 100, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "another session",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 8, 108, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "another volume",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 2, 4096, 0, SESS },
	  false,
	  4096 },
	{ "a failed next block",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 1, 4096, -EIO, SESS },
	  false,
	  4096 },
	{ "after a failed block",
	  { 7, 100, 1, 4096, -EIO, SESS },
	  { 7, 108, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "only one CE-marked",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 1, 4096, 0, SESS | EBPFDMA_CQE_CE },
	  false,
	  4096 },
	{ "only one stable",
	  { 7, 100, 1, 4096, 0, SESS | EBPFDMA_CQE_STABLE },
	  { 7, 108, 1, 4096, 0, SESS },
	  false,
	  4096 },
	{ "one from XDP, one submitted",
	  { 7, 100, 1, 4096, 0, SESS },
	  { 7, 108, 1, 4096, 0, EBPFDMA_CQE_SESSION },
	  false,
	  4096 },
	{ "writes of no session",
	  { 7, 100, 1, 4096, 0, 0 },
	  { 7, 108, 1, 4096, 0, 0 },
	  false,
	  4096 },
	/* The longest run a u32 holds: 2^32 - 512 bytes. */
	{ "a run to 2^32 - 512 bytes",
	  { 7, 100, 1, U32_MAX - 4607, 0, SESS },
	  { 7, 100 + ((U32_MAX - 4607) >> 9), 1, 4096, 0, SESS },
	  true,
	  U32_MAX - 511 },
	{ "a run to 2^32 bytes",
	  { 7, 100, 1, U32_MAX - 4095, 0, SESS },
	  { 7, 100 + ((U32_MAX - 4095) >> 9), 1, 4096, 0, SESS },
	  false,
	  U32_MAX - 4095 },
};

static void merge_case_desc(const struct merge_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s: %s", c->desc,
		 c->merged ? "merged" : "an entry of its own");
}

KUNIT_ARRAY_PARAM(merge, merge_cases, merge_case_desc);

static void cqe_merge_test(struct kunit *test)
{
	const struct merge_case *c = test->param_value;
	struct ebpfdma_cqe run = c->run;

	KUNIT_EXPECT_EQ(test, ebpfdma_cqe_merge(&run, &c->next, 9), c->merged);
	KUNIT_EXPECT_EQ(test, run.len, c->len);
	/* Nothing else of the run changes. */
	KUNIT_EXPECT_EQ(test, run.lba, c->run.lba);
	KUNIT_EXPECT_EQ(test, run.cookie, c->run.cookie);
	KUNIT_EXPECT_EQ(test, run.flags, c->run.flags);
	KUNIT_EXPECT_EQ(test, run.status, c->run.status);
}

/* Logical blocks of 4 KiB: a 4 KiB block is one of them. */
static void cqe_merge_4k_test(struct kunit *test)
{
	struct ebpfdma_cqe run = { 7, 100, 1, 4096, 0, SESS };
	struct ebpfdma_cqe next = { 7, 101, 1, 4096, 0, SESS };

	KUNIT_EXPECT_TRUE(test, ebpfdma_cqe_merge(&run, &next, 12));
	next.lba = 102;
	KUNIT_EXPECT_TRUE(test, ebpfdma_cqe_merge(&run, &next, 12));
	next.lba = 102;
	KUNIT_EXPECT_FALSE(test, ebpfdma_cqe_merge(&run, &next, 12));
	KUNIT_EXPECT_EQ(test, run.len, 3 * 4096U);
}

static int ring_init(struct kunit *test)
{
	struct ebpfdma_ring *r = ebpfdma_ring_create(NULL, 64);

	KUNIT_ASSERT_NOT_NULL(test, r);
	test->priv = r;
	return 0;
}

static void ring_exit(struct kunit *test)
{
	ebpfdma_ring_close(test->priv);
}

/* Reserve until refused; returns how many were granted. */
static unsigned int reserve_all(struct ebpfdma_ring *r)
{
	unsigned int n = 0;

	while (!ebpfdma_ring_reserve(r))
		n++;
	return n;
}

static void post_n(struct ebpfdma_ring *r, unsigned int n, u64 first)
{
	struct ebpfdma_cqe cqe = { .len = 512 };
	unsigned int i;

	for (i = 0; i < n; i++) {
		cqe.cookie = first + i;
		ebpfdma_ring_post(r, &cqe, 1);
	}
}

/* Exactly the ring's entries are granted, however the CPUs cache them. */
static void credits_exact_test(struct kunit *test)
{
	struct ebpfdma_ring *r = test->priv;

	KUNIT_EXPECT_EQ(test, reserve_all(r), 64U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_reserve(r), -EAGAIN);
	ebpfdma_ring_unreserve(r);
	ebpfdma_ring_unreserve(r);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 2U);
}

/* Posted entries come back as credits only once user space consumes them. */
static void credits_follow_head_test(struct kunit *test)
{
	struct ebpfdma_ring *r = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, reserve_all(r), 64U);
	post_n(r, 64, 100);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->hdr->tail), 64U);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, r->entries[i].cookie, 100ULL + i);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 0U);
	WRITE_ONCE(r->hdr->head, 10);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 10U);
	post_n(r, 10, 1000);
	/* The new entries went where the consumed ones were. */
	KUNIT_EXPECT_EQ(test, r->entries[0].cookie, 1000ULL);
	KUNIT_EXPECT_EQ(test, r->entries[9].cookie, 1009ULL);
	KUNIT_EXPECT_EQ(test, r->entries[10].cookie, 110ULL);
	WRITE_ONCE(r->hdr->head, 74);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 64U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->hdr->overflow), 0U);
}

/*
 * Entries that stand for several writes (a session's runs): the credits
 * of the writes merged away are given back, and once user space consumes
 * the entries every credit is back.
 */
static void credits_merged_test(struct kunit *test)
{
	struct ebpfdma_ring *r = test->priv;

	KUNIT_ASSERT_EQ(test, reserve_all(r), 64U);
	/* 64 writes, completed as 8 entries of 8 writes each. */
	post_n(r, 8, 0);
	ebpfdma_ring_unreserve_many(r, 56);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->hdr->tail), 8U);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 56U);
	WRITE_ONCE(r->hdr->head, 8);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 8U);
	KUNIT_EXPECT_EQ(test, ebpfdma_ring_reserve(r), -EAGAIN);
}

/* A head ahead of the tail frees nothing, and is counted. */
static void corrupt_head_test(struct kunit *test)
{
	struct ebpfdma_ring *r = test->priv;

	KUNIT_ASSERT_EQ(test, reserve_all(r), 64U);
	post_n(r, 4, 0);
	WRITE_ONCE(r->hdr->head, 1000);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 0U);
	KUNIT_EXPECT_GT(test, READ_ONCE(r->hdr->overflow), 0U);
	WRITE_ONCE(r->hdr->head, 4);
	KUNIT_EXPECT_EQ(test, reserve_all(r), 4U);
}

/*
 * Several CPUs reserve, post and unreserve at once while a consumer moves
 * the head: no post ever finds the ring full (ebpfdma_ring_post() warns,
 * a splat), and when all is done exactly every credit is back: none lost,
 * none made twice.
 */
struct hammer {
	struct ebpfdma_ring *r;
	atomic_t posted;
	bool stop;
};

static void hammer_cpu(struct hammer *h)
{
	struct ebpfdma_cqe cqe = { .len = 512 };
	unsigned int i, more;

	for (i = 0; i < 20000; i++) {
		if (ebpfdma_ring_reserve(h->r))
			continue;
		if (i % 7 == 0) {
			ebpfdma_ring_unreserve(h->r);
			continue;
		}
		/*
		 * Up to four writes merged into one entry, as the engine's
		 * post_flush() does: one entry posted, the other credits
		 * given back after it.
		 */
		for (more = 0; i % 5 == 0 && more < 3; more++)
			if (ebpfdma_ring_reserve(h->r))
				break;
		ebpfdma_ring_post(h->r, &cqe, 1);
		if (more)
			ebpfdma_ring_unreserve_many(h->r, more);
		atomic_inc(&h->posted);
	}
}

static int consumer(void *arg)
{
	struct hammer *h = arg;

	u32 tail;

	while (!READ_ONCE(h->stop)) {
		/* As user space does: the tail, then its entries... */
		tail = smp_load_acquire(&h->r->hdr->tail);
		/* ... read before the head says they are free. */
		smp_store_release(&h->r->hdr->head, tail);
		cond_resched();
	}
	return 0;
}

struct hammer_work {
	struct work_struct work;
	struct hammer *h;
};

static void hammer_fn(struct work_struct *w)
{
	hammer_cpu(container_of(w, struct hammer_work, work)->h);
}

static void credits_concurrent_test(struct kunit *test)
{
	struct hammer h = { .r = test->priv };
	struct hammer_work *hw;
	struct task_struct *t;
	int cpu, n = 0;

	hw = kunit_kcalloc(test, nr_cpu_ids, sizeof(*hw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hw);
	atomic_set(&h.posted, 0);
	t = kthread_run(consumer, &h, "ebpfdma-kunit-consumer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for_each_online_cpu(cpu) {
		INIT_WORK(&hw[n].work, hammer_fn);
		hw[n].h = &h;
		queue_work_on(cpu, system_wq, &hw[n].work);
		n++;
	}
	while (n--)
		flush_work(&hw[n].work);
	WRITE_ONCE(h.stop, true);
	kthread_stop(t);
	KUNIT_EXPECT_GT(test, atomic_read(&h.posted), 0);
	KUNIT_EXPECT_LE(test, h.r->tail - h.r->consumed, h.r->nr_entries);
	KUNIT_EXPECT_EQ(test, READ_ONCE(h.r->hdr->overflow), 0U);
	WRITE_ONCE(h.r->hdr->head, READ_ONCE(h.r->hdr->tail));
	KUNIT_EXPECT_EQ(test, reserve_all(h.r), 64U);
}

static struct kunit_case ring_test_cases[] = {
	KUNIT_CASE_PARAM(ring_used_test, ring_gen_params),
	KUNIT_CASE(ring_entries_test),
	KUNIT_CASE_PARAM(cqe_merge_test, merge_gen_params),
	KUNIT_CASE(cqe_merge_4k_test),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "ebpfdma_ring",
	.test_cases = ring_test_cases,
};

static struct kunit_case credit_test_cases[] = {
	KUNIT_CASE(credits_exact_test),
	KUNIT_CASE(credits_follow_head_test),
	KUNIT_CASE(credits_merged_test),
	KUNIT_CASE(corrupt_head_test),
	KUNIT_CASE(credits_concurrent_test),
	{}
};

static struct kunit_suite credit_suite = {
	.name = "ebpfdma_ring_credits",
	.init = ring_init,
	.exit = ring_exit,
	.test_cases = credit_test_cases,
};

kunit_test_suites(&ring_suite, &credit_suite);

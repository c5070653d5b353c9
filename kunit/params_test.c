// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: validation of ebpfdma's module parameters.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

struct param_case {
	const char *val;
	int ret; /* expected return */
	unsigned int out; /* expected value when ret == 0 */
};

static const struct param_case nr_slots_cases[] = {
	{ "8", 0, 8 },
	{ "7", -ERANGE, 0 },
	{ "0", -ERANGE, 0 },
	{ "4096", 0, 4096 },
	{ "0x1000", 0, 4096 },
	{ "1048576", 0, 1048576 },
	{ "1048577", -ERANGE, 0 },
	{ "4294967295", -ERANGE, 0 },
	{ "4294967296", -ERANGE, 0 }, /* kstrtouint overflow */
	{ "-1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "12abc", -EINVAL, 0 },
	{ "4096\n", 0, 4096 }, /* sysfs writes end with a newline */
	{ " 4096", -EINVAL, 0 },
};

static const struct param_case slot_size_cases[] = {
	{ "512", 0, 512 }, /* minimum */
	{ "511", -ERANGE, 0 }, /* below minimum */
	{ "256", -ERANGE, 0 }, /* power of two below minimum */
	{ "0", -ERANGE, 0 }, /* zero */
	{ "4096", 0, 4096 }, /* default */
	{ "4097", -EINVAL, 0 }, /* not a power of two */
	{ "6144", -EINVAL, 0 }, /* multiple of 2 KiB, not a power of two */
	{ "1048576", 0, 1048576 }, /* maximum */
	{ "2097152", -ERANGE, 0 }, /* power of two above maximum */
	{ "1048575", -EINVAL, 0 }, /* just below maximum */
	{ "0x800", 0, 2048 }, /* hex */
	{ "-4096", -EINVAL, 0 }, /* negative */
	{ "4k", -EINVAL, 0 }, /* no unit suffixes */
	{ "65536\n", 0, 65536 }, /* sysfs writes end with a newline */
};

static void param_case_desc(const struct param_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.*s\" -> %d", 20, c->val,
		 c->ret);
	/* Keep the KTAP result on one line: show a newline as '~'. */
	strreplace(desc, '\n', '~');
}

KUNIT_ARRAY_PARAM(nr_slots, nr_slots_cases, param_case_desc);
KUNIT_ARRAY_PARAM(slot_size, slot_size_cases, param_case_desc);

static void check_param(struct kunit *test,
			int (*parse)(const char *, unsigned int *))
{
	const struct param_case *c = test->param_value;
	unsigned int out = 0xdeadbeef;

	KUNIT_EXPECT_EQ(test, parse(c->val, &out), c->ret);
	if (c->ret == 0)
		KUNIT_EXPECT_EQ(test, out, c->out);
	else /* a refused value is never stored */
		KUNIT_EXPECT_EQ(test, out, 0xdeadbeef);
}

static void nr_slots_test(struct kunit *test)
{
	check_param(test, ebpfdma_parse_nr_slots);
}

static void slot_size_test(struct kunit *test)
{
	check_param(test, ebpfdma_parse_slot_size);
}

struct geometry_case {
	unsigned int nr_slots;
	unsigned int slot_size;
	int ret;
};

static const struct geometry_case geometry_cases[] = {
	{ EBPFDMA_NR_SLOTS_DEFAULT, EBPFDMA_SLOT_SIZE_DEFAULT, 0 },
	{ 1024, 1048576, 0 }, /* exactly 1 GiB */
	{ 1025, 1048576, -E2BIG },
	{ 1048576, 1024, 0 },
	{ 1048576, 2048, -E2BIG },
	{ EBPFDMA_NR_SLOTS_MAX, EBPFDMA_SLOT_SIZE_MAX,
	  -E2BIG }, /* no u32 wrap */
	{ 8, 512, 0 },
};

static void geometry_case_desc(const struct geometry_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u x %u -> %d", c->nr_slots,
		 c->slot_size, c->ret);
}

KUNIT_ARRAY_PARAM(geometry, geometry_cases, geometry_case_desc);

static void geometry_test(struct kunit *test)
{
	const struct geometry_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test,
			ebpfdma_check_pool_geometry(c->nr_slots, c->slot_size),
			c->ret);
}

static void defaults_test(struct kunit *test)
{
	unsigned int out;
	char buf[16];

	/* The defaults must pass their own validation. */
	snprintf(buf, sizeof(buf), "%u", EBPFDMA_NR_SLOTS_DEFAULT);
	KUNIT_EXPECT_EQ(test, ebpfdma_parse_nr_slots(buf, &out), 0);
	snprintf(buf, sizeof(buf), "%u", EBPFDMA_SLOT_SIZE_DEFAULT);
	KUNIT_EXPECT_EQ(test, ebpfdma_parse_slot_size(buf, &out), 0);
	KUNIT_EXPECT_EQ(test,
			ebpfdma_check_pool_geometry(EBPFDMA_NR_SLOTS_DEFAULT,
						    EBPFDMA_SLOT_SIZE_DEFAULT),
			0);
}

static struct kunit_case params_cases[] = {
	KUNIT_CASE_PARAM(nr_slots_test, nr_slots_gen_params),
	KUNIT_CASE_PARAM(slot_size_test, slot_size_gen_params),
	KUNIT_CASE_PARAM(geometry_test, geometry_gen_params),
	KUNIT_CASE(defaults_test),
	{}
};

static struct kunit_suite params_suite = {
	.name = "ebpfdma_params",
	.test_cases = params_cases,
};

kunit_test_suite(params_suite);

MODULE_DESCRIPTION("KUnit tests for ebpfdma");
MODULE_LICENSE("GPL");
EBPFDMA_IMPORT_KUNIT_NS();

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the wire version 2 DATA header check (ebpfdma_wire2_parse() in
 * kmod/wire.c) at every boundary: each field at its limits, lengths off by
 * one, the trailer's room; the fields come out in host order.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <asm/byteorder.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

#define BODY 4096U
#define PAYLOAD (EBPFDMA_WIRE2_HDR_LEN + BODY + EBPFDMA_WIRE2_TRAILER_LEN)

static void good_hdr(struct ebpfdma_wire2_hdr *h)
{
	*h = (struct ebpfdma_wire2_hdr){
		.magic = cpu_to_be32(EBPFDMA_WIRE_MAGIC),
		.version = EBPFDMA_WIRE2_VERSION,
		.type = EBPFDMA_WIRE2_DATA,
		.session = cpu_to_be64(0x0123456789abcdefULL),
		.counter = cpu_to_be64(42),
		.len = cpu_to_be32(BODY),
		.index = cpu_to_be32(7),
	};
}

struct parse2_case {
	const char *name;
	void (*mutate)(struct ebpfdma_wire2_hdr *h, u32 *payload_len);
	int ret;
};

#define M(fn, stmt)                                                   \
	static void fn(struct ebpfdma_wire2_hdr *h, u32 *payload_len) \
	{                                                             \
		stmt;                                                 \
	}

M(m_none, (void)h)
M(m_magic_bit, h->magic ^= cpu_to_be32(1))
M(m_version1, h->version = 1)
M(m_version3, h->version = 3)
M(m_hello, h->type = EBPFDMA_WIRE2_HELLO)
M(m_welcome, h->type = EBPFDMA_WIRE2_WELCOME)
M(m_ack, h->type = EBPFDMA_WIRE2_ACK)
M(m_commit, h->type = EBPFDMA_WIRE2_COMMIT)
M(m_type0, h->type = 0)
M(m_type255, h->type = 255)
M(m_fua, h->flags = cpu_to_be16(EBPFDMA_WIRE2_F_FUA))
M(m_flag_next, h->flags = cpu_to_be16(EBPFDMA_WIRE2_F_ALL + 1))
M(m_flag_top, h->flags = cpu_to_be16(0x8000))
M(m_session0, h->session = 0)
M(m_len_minus1, h->len = cpu_to_be32(BODY - 1))
M(m_len_plus1, h->len = cpu_to_be32(BODY + 1))
M(m_len_max, h->len = cpu_to_be32(U32_MAX))
M(m_payload_short, *payload_len -= 1)
M(m_payload_long, *payload_len += 1)
M(m_payload_no_trailer, *payload_len = EBPFDMA_WIRE2_HDR_LEN + BODY)
M(m_payload_0, *payload_len = 0)
/* What the trailer needs, no body. */
static void m_payload_no_body(struct ebpfdma_wire2_hdr *h, u32 *payload_len)
{
	*payload_len = EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
}

static void m_len0(struct ebpfdma_wire2_hdr *h, u32 *payload_len)
{
	h->len = 0;
	*payload_len = EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
}

static void m_len1(struct ebpfdma_wire2_hdr *h, u32 *payload_len)
{
	h->len = cpu_to_be32(1);
	*payload_len = EBPFDMA_WIRE2_HDR_LEN + 1 + EBPFDMA_WIRE2_TRAILER_LEN;
}

static void m_max(struct ebpfdma_wire2_hdr *h, u32 *payload_len)
{
	h->session = cpu_to_be64(U64_MAX);
	h->counter = cpu_to_be64(U64_MAX);
	h->index = cpu_to_be32(U32_MAX);
}

static const struct parse2_case parse2_cases[] = {
	{ "valid", m_none, 0 },
	{ "magic off by one bit", m_magic_bit, -EINVAL },
	{ "version 1 (gone)", m_version1, -EINVAL },
	{ "version 3", m_version3, -EINVAL },
	{ "type HELLO", m_hello, -EINVAL },
	{ "type WELCOME", m_welcome, -EINVAL },
	{ "type ACK", m_ack, -EINVAL },
	{ "type COMMIT", m_commit, -EINVAL },
	{ "type 0", m_type0, -EINVAL },
	{ "type 255", m_type255, -EINVAL },
	{ "FUA", m_fua, 0 },
	{ "first unknown flag", m_flag_next, -EINVAL },
	{ "top flag bit", m_flag_top, -EINVAL },
	{ "session 0", m_session0, -EINVAL },
	{ "len one short of the body", m_len_minus1, -EINVAL },
	{ "len one past the body", m_len_plus1, -EINVAL },
	{ "len 2^32-1", m_len_max, -EINVAL },
	{ "payload one byte short", m_payload_short, -EINVAL },
	{ "payload one byte long", m_payload_long, -EINVAL },
	{ "header and trailer, no body", m_payload_no_body, -EINVAL },
	{ "header and body, no trailer", m_payload_no_trailer, -EINVAL },
	{ "payload 0", m_payload_0, -EINVAL },
	{ "len 0", m_len0, -EINVAL },
	{ "len 1 (parses; its session refuses it)", m_len1, 0 },
	{ "session, counter and index at their maximum", m_max, 0 },
};

static void parse2_case_desc(const struct parse2_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s -> %d", c->name, c->ret);
}

KUNIT_ARRAY_PARAM(parse2, parse2_cases, parse2_case_desc);

static void parse2_test(struct kunit *test)
{
	const struct parse2_case *c = test->param_value;
	struct ebpfdma_wire2_data d;
	struct ebpfdma_wire2_hdr h;
	u32 payload_len = PAYLOAD;

	good_hdr(&h);
	c->mutate(&h, &payload_len);
	KUNIT_EXPECT_EQ(test, ebpfdma_wire2_parse(&h, payload_len, &d), c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, d.session, be64_to_cpu(h.session));
	KUNIT_EXPECT_EQ(test, d.counter, be64_to_cpu(h.counter));
	KUNIT_EXPECT_EQ(test, d.len, be32_to_cpu(h.len));
	KUNIT_EXPECT_EQ(test, d.index, be32_to_cpu(h.index));
	KUNIT_EXPECT_EQ(test, (u32)d.flags, (u32)be16_to_cpu(h.flags));
}

static struct kunit_case wire2_cases[] = { KUNIT_CASE_PARAM(parse2_test,
							    parse2_gen_params),
					   {} };

static struct kunit_suite wire2_suite = {
	.name = "ebpfdma_wire2",
	.test_cases = wire2_cases,
};

kunit_test_suite(wire2_suite);

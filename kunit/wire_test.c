// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the wire protocol's DATA header checks (kmod/wire.c), over every
 * boundary: each field at its limits, lengths off by one, window edges,
 * token mismatch; and the kernel's CRC32C against the protocol's check
 * value.
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <asm/byteorder.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

#define TOKEN 0x0123456789abcdefULL

/* A valid header for a 4096-byte body (eight 512-byte blocks) at lba 8. */
static void good_hdr(struct ebpfdma_wire_hdr *h)
{
	*h = (struct ebpfdma_wire_hdr){
		.magic = cpu_to_be32(EBPFDMA_WIRE_MAGIC),
		.version = EBPFDMA_WIRE_VERSION,
		.type = EBPFDMA_WIRE_DATA,
		.volume = cpu_to_be32(5),
		.session = cpu_to_be32(0xfeedbeef),
		.token = cpu_to_be64(TOKEN),
		.lba = cpu_to_be64(8),
		.seq = cpu_to_be32(77),
		.len = cpu_to_be32(4096),
	};
}

struct parse_case {
	const char *name;
	void (*mutate)(struct ebpfdma_wire_hdr *h, u32 *payload_len);
	int ret;
};

#define M(fn, stmt)                                                  \
	static void fn(struct ebpfdma_wire_hdr *h, u32 *payload_len) \
	{                                                            \
		stmt;                                                \
	}

M(m_none, (void)h)
M(m_magic_bit, h->magic ^= cpu_to_be32(1))
M(m_magic_swapped, h->magic = cpu_to_le32(EBPFDMA_WIRE_MAGIC))
M(m_version0, h->version = 0)
M(m_version2, h->version = EBPFDMA_WIRE_VERSION + 1)
M(m_version255, h->version = 255)
M(m_type0, h->type = 0)
M(m_commit, h->type = EBPFDMA_WIRE_COMMIT)
M(m_ack, h->type = EBPFDMA_WIRE_ACK)
M(m_type255, h->type = 255)
M(m_flags_all, h->flags = cpu_to_be16(EBPFDMA_WIRE_F_ALL))
M(m_flag_fua, h->flags = cpu_to_be16(EBPFDMA_WIRE_F_FUA))
M(m_flag_next, h->flags = cpu_to_be16(EBPFDMA_WIRE_F_ALL + 1))
M(m_flag_top, h->flags = cpu_to_be16(0x8000))
M(m_status1, h->status = cpu_to_be32(1))
M(m_status_max, h->status = cpu_to_be32(U32_MAX))
M(m_crc_unflagged, h->crc = cpu_to_be32(1))
static void m_crc_flagged(struct ebpfdma_wire_hdr *h, u32 *payload_len)
{
	h->flags = cpu_to_be16(EBPFDMA_WIRE_F_CRC);
	h->crc = cpu_to_be32(U32_MAX);
}
static void m_len0(struct ebpfdma_wire_hdr *h, u32 *payload_len)
{
	h->len = 0;
	*payload_len = EBPFDMA_WIRE_HDR_LEN;
}
M(m_len_minus1, h->len = cpu_to_be32(4095))
M(m_len_plus1, h->len = cpu_to_be32(4097))
M(m_len_max, h->len = cpu_to_be32(U32_MAX))
M(m_payload_short, *payload_len -= 1)
M(m_payload_long, *payload_len += 1)
M(m_payload_hdr_minus1, *payload_len = EBPFDMA_WIRE_HDR_LEN - 1)
M(m_payload_0, *payload_len = 0)
static void m_len1(struct ebpfdma_wire_hdr *h, u32 *payload_len)
{
	h->len = cpu_to_be32(1);
	*payload_len = EBPFDMA_WIRE_HDR_LEN + 1;
}

static void m_ids_max(struct ebpfdma_wire_hdr *h, u32 *payload_len)
{
	h->volume = cpu_to_be32(U32_MAX);
	h->session = cpu_to_be32(U32_MAX);
	h->seq = cpu_to_be32(U32_MAX);
	h->lba = cpu_to_be64(U64_MAX);
	h->token = cpu_to_be64(U64_MAX);
}

static const struct parse_case parse_cases[] = {
	{ "valid", m_none, 0 },
	{ "magic off by one bit", m_magic_bit, -EINVAL },
	{ "magic in little-endian", m_magic_swapped, -EINVAL },
	{ "version 0", m_version0, -EINVAL },
	{ "version 2", m_version2, -EINVAL },
	{ "version 255", m_version255, -EINVAL },
	{ "type 0", m_type0, -EINVAL },
	{ "type COMMIT", m_commit, -EINVAL },
	{ "type ACK", m_ack, -EINVAL },
	{ "type 255", m_type255, -EINVAL },
	{ "every known flag (CRC 0 is a valid CRC)", m_flags_all, 0 },
	{ "FUA", m_flag_fua, 0 },
	{ "first unknown flag", m_flag_next, -EINVAL },
	{ "top flag bit", m_flag_top, -EINVAL },
	{ "status 1", m_status1, -EINVAL },
	{ "status 2^32-1", m_status_max, -EINVAL },
	{ "CRC without its flag", m_crc_unflagged, -EINVAL },
	{ "CRC 2^32-1 with its flag", m_crc_flagged, 0 },
	{ "len 0", m_len0, -EINVAL },
	{ "len one short of the payload", m_len_minus1, -EINVAL },
	{ "len one past the payload", m_len_plus1, -EINVAL },
	{ "len 2^32-1", m_len_max, -EINVAL },
	{ "payload one byte short", m_payload_short, -EINVAL },
	{ "payload one byte long", m_payload_long, -EINVAL },
	{ "payload one short of a header", m_payload_hdr_minus1, -EINVAL },
	{ "payload 0", m_payload_0, -EINVAL },
	{ "len 1 (parses; the volume check refuses it)", m_len1, 0 },
	{ "every id and number at its maximum", m_ids_max, 0 },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s -> %d", c->name, c->ret);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void parse_test(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct ebpfdma_wire_data d;
	struct ebpfdma_wire_hdr h;
	u32 payload_len = EBPFDMA_WIRE_HDR_LEN + 4096;

	good_hdr(&h);
	c->mutate(&h, &payload_len);
	KUNIT_EXPECT_EQ(test, ebpfdma_wire_parse(&h, payload_len, &d), c->ret);
	if (c->ret)
		return;
	/* Fields come out in host order, as they went in. */
	KUNIT_EXPECT_EQ(test, d.volume, be32_to_cpu(h.volume));
	KUNIT_EXPECT_EQ(test, d.session, be32_to_cpu(h.session));
	KUNIT_EXPECT_EQ(test, d.token, be64_to_cpu(h.token));
	KUNIT_EXPECT_EQ(test, d.lba, be64_to_cpu(h.lba));
	KUNIT_EXPECT_EQ(test, d.seq, be32_to_cpu(h.seq));
	KUNIT_EXPECT_EQ(test, d.len, be32_to_cpu(h.len));
	KUNIT_EXPECT_EQ(test, d.crc, be32_to_cpu(h.crc));
	KUNIT_EXPECT_EQ(test, (u32)d.flags, (u32)be16_to_cpu(h.flags));
}

struct volume_case {
	const char *name;
	u64 token; /* the datagram's */
	u64 lba;
	u32 len;
	u64 window; /* blocks */
	unsigned int shift; /* block size */
	u32 slot_size;
	int ret;
};

static const struct volume_case volume_cases[] = {
	{ "fits", TOKEN, 0, 4096, 64, 9, 4096, 0 },
	{ "token off by one", TOKEN + 1, 0, 4096, 64, 9, 4096, -EACCES },
	{ "token 0", 0, 0, 4096, 64, 9, 4096, -EACCES },
	{ "token all ones", U64_MAX, 0, 4096, 64, 9, 4096, -EACCES },
	{ "token checked first", TOKEN + 1, 64, 1, 64, 9, 512, -EACCES },
	{ "one block", TOKEN, 0, 512, 64, 9, 4096, 0 },
	{ "one byte short of a block", TOKEN, 0, 511, 64, 9, 4096, -EINVAL },
	{ "one byte past a block", TOKEN, 0, 513, 64, 9, 4096, -EINVAL },
	{ "1 byte", TOKEN, 0, 1, 64, 9, 4096, -EINVAL },
	{ "exactly a slot", TOKEN, 0, 4096, 64, 9, 4096, 0 },
	{ "one block past a slot", TOKEN, 0, 4608, 64, 9, 4096, -EINVAL },
	{ "4 KiB blocks: 4096", TOKEN, 0, 4096, 64, 12, 65536, 0 },
	{ "4 KiB blocks: 512 bytes", TOKEN, 0, 512, 64, 12, 65536, -EINVAL },
	{ "4 KiB blocks: 4096 + 512", TOKEN, 0, 4608, 64, 12, 65536, -EINVAL },
	{ "last block of the window", TOKEN, 63, 512, 64, 9, 4096, 0 },
	{ "ends at the window's end", TOKEN, 56, 4096, 64, 9, 4096, 0 },
	{ "ends one past the window", TOKEN, 57, 4096, 64, 9, 4096, -ERANGE },
	{ "starts at the window's end", TOKEN, 64, 512, 64, 9, 4096, -ERANGE },
	{ "lba 2^64-1", TOKEN, U64_MAX, 512, 64, 9, 4096, -ERANGE },
	{ "lba + blocks overflows", TOKEN, U64_MAX - 1, 1024, U64_MAX, 9, 4096,
	  -ERANGE },
	{ "the last block of a 2^64-1 window", TOKEN, U64_MAX - 1, 512, U64_MAX,
	  9, 4096, 0 },
	{ "a window of one block", TOKEN, 0, 512, 1, 9, 4096, 0 },
	{ "two blocks into a window of one", TOKEN, 0, 1024, 1, 9, 4096,
	  -ERANGE },
	{ "a largest slot", TOKEN, 0, 1U << 20, 4096, 9, 1U << 20, 0 },
};

static void volume_case_desc(const struct volume_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s -> %d", c->name, c->ret);
}

KUNIT_ARRAY_PARAM(volume, volume_cases, volume_case_desc);

static void volume_test(struct kunit *test)
{
	const struct volume_case *c = test->param_value;
	struct ebpfdma_wire_data d = {
		.token = c->token,
		.lba = c->lba,
		.len = c->len,
	};

	KUNIT_EXPECT_EQ(test,
			ebpfdma_wire_check_volume(&d, TOKEN, c->window,
						  c->shift, c->slot_size),
			c->ret);
}

/* The CRC the kfunc computes is the protocol's (RFC 3720 check value). */
static void crc32c_test(struct kunit *test)
{
	static const char check[] = "123456789";

	KUNIT_EXPECT_EQ(test, ~crc32c(~0U, check, 9), 0xe3069283U);
	KUNIT_EXPECT_EQ(test, ~crc32c(~0U, check, 0), 0U);
}

static struct kunit_case wire_test_cases[] = {
	KUNIT_CASE_PARAM(parse_test, parse_gen_params),
	KUNIT_CASE_PARAM(volume_test, volume_gen_params),
	KUNIT_CASE(crc32c_test),
	{}
};

static struct kunit_suite wire_test_suite = {
	.name = "ebpfdma_wire",
	.test_cases = wire_test_cases,
};

kunit_test_suite(wire_test_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the datagram protections of wire version 2 (kmod/crypto.c) against
 * known answers: ChaCha20-Poly1305 against RFC 8439's appendix A.5 (its
 * 96-bit nonce 00000000 0102030405060708 is the library's 64-bit nonce
 * 0x0807060504030201), straight and in place, and any flipped bit refused;
 * BLAKE2b against RFC 7693's appendix A ("abc"), and keyed BLAKE2b-256
 * against libsodium's crypto_generichash (the sender's side); CRC32C over
 * header and body against its check value.
 */
#include <kunit/test.h>
#include <crypto/blake2b.h>
#include <crypto/hash.h>
#include <linux/crc32c.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "ebpfdma.h"
#include "rfc8439_a5.h"
#include "uapi/ebpfdma_wire.h"

#define KAT_NONCE RFC8439_A5_NONCE

struct kat {
	u8 key[32];
	u8 ad[12];
	u8 ct[sizeof(rfc8439_a5_ct)]; /* ciphertext and tag */
	u32 len; /* of the plaintext */
};

static struct kat *kat_load(struct kunit *test)
{
	struct kat *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	memcpy(k->key, rfc8439_a5_key, sizeof(k->key));
	memcpy(k->ad, rfc8439_a5_ad, sizeof(k->ad));
	memcpy(k->ct, rfc8439_a5_ct, sizeof(k->ct));
	k->len = sizeof(rfc8439_a5_pt);
	KUNIT_ASSERT_EQ(test, k->len + EBPFDMA_WIRE2_TRAILER_LEN,
			(u32)sizeof(k->ct));
	return k;
}

static void aead_kat_test(struct kunit *test)
{
	struct kat *k = kat_load(test);
	u8 *out = kunit_kzalloc(test, k->len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_EXPECT_EQ(test,
			ebpfdma_aead_open(out, k->ct, k->len, k->ad, 12,
					  KAT_NONCE, k->key),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(out, rfc8439_a5_pt, k->len), 0);
}

/* In place, as for a body copied from fragments into its slot. */
static void aead_kat_inplace_test(struct kunit *test)
{
	struct kat *k = kat_load(test);
	u8 *buf = kunit_kzalloc(test, k->len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, k->ct, k->len);
	KUNIT_EXPECT_EQ(test,
			ebpfdma_aead_open_inplace(buf, k->len, k->ct + k->len,
						  k->ad, 12, KAT_NONCE, k->key),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(buf, rfc8439_a5_pt, k->len), 0);
}

/* A body that fails in place is wiped: no keystream is left in the slot. */
static void aead_inplace_refused_test(struct kunit *test)
{
	struct kat *k = kat_load(test);
	u8 *buf = kunit_kzalloc(test, k->len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, k->ct, k->len);
	k->ct[k->len + 3] ^= 0x20; /* the tag */
	KUNIT_EXPECT_EQ(test,
			ebpfdma_aead_open_inplace(buf, k->len, k->ct + k->len,
						  k->ad, 12, KAT_NONCE, k->key),
			-EBADMSG);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, k->len));
}

/* Every bit of ciphertext, tag and associated data, and the nonce. */
static void aead_flips_test(struct kunit *test)
{
	struct kat *k = kat_load(test);
	u8 *out = kunit_kzalloc(test, k->len, GFP_KERNEL);
	unsigned int i, accepted = 0, touched = 0;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < sizeof(k->ct) * 8; i++) {
		k->ct[i / 8] ^= 1 << (i % 8);
		memset(out, 0x5a, k->len);
		accepted += !ebpfdma_aead_open(out, k->ct, k->len, k->ad, 12,
					       KAT_NONCE, k->key);
		touched += !!memchr_inv(out, 0x5a, k->len);
		k->ct[i / 8] ^= 1 << (i % 8);
	}
	for (i = 0; i < sizeof(k->ad) * 8; i++) {
		k->ad[i / 8] ^= 1 << (i % 8);
		accepted += !ebpfdma_aead_open(out, k->ct, k->len, k->ad, 12,
					       KAT_NONCE, k->key);
		k->ad[i / 8] ^= 1 << (i % 8);
	}
	accepted += !ebpfdma_aead_open(out, k->ct, k->len, k->ad, 12,
				       KAT_NONCE + 1, k->key);
	k->key[7] ^= 0x10;
	accepted += !ebpfdma_aead_open(out, k->ct, k->len, k->ad, 12, KAT_NONCE,
				       k->key);
	KUNIT_EXPECT_EQ(test, accepted, 0U);
	/* Nothing of a refused datagram is written out. */
	KUNIT_EXPECT_EQ(test, touched, 0U);
}

static void blake2b_rfc7693_test(struct kunit *test)
{
	static const u8 want[] = {
		0xba, 0x80, 0xa5, 0x3f, 0x98, 0x1c, 0x4d, 0x0d, 0x6a, 0x27,
		0x97, 0xb6, 0x9f, 0x12, 0xf6, 0xe9, 0x4c, 0x21, 0x2f, 0x14,
		0x68, 0x5a, 0xc4, 0xb7, 0x4b, 0x12, 0xbb, 0x6f, 0xdb, 0xff,
		0xa2, 0xd1, 0x7d, 0x87, 0xc5, 0x39, 0x2a, 0xab, 0x79, 0x2d,
		0xc2, 0x52, 0xd5, 0xde, 0x45, 0x33, 0xcc, 0x95, 0x18, 0xd3,
		0x8a, 0xa8, 0xdb, 0xf1, 0x92, 0x5a, 0xb9, 0x23, 0x86, 0xed,
		0xd4, 0x00, 0x99, 0x23,
	};
	struct crypto_shash *tfm = crypto_alloc_shash("blake2b-512", 0, 0);
	u8 got[64];

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(tfm), "no blake2b-512: %ld",
			       PTR_ERR_OR_ZERO(tfm));
	KUNIT_EXPECT_EQ(test, crypto_shash_tfm_digest(tfm, "abc", 3, got), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, 64), 0);
	crypto_free_shash(tfm);
}

/*
 * Keyed BLAKE2b-256 of bytes 0..63 under key 0..31, its first 16 bytes:
 * what libsodium's crypto_generichash() (digest 32, key 32) and Python's
 * hashlib.blake2b(digest_size=32, key=...) give, as a sender computes it.
 */
static void mac_test(struct kunit *test)
{
	u8 key[32], msg[64], tag[16];
	struct crypto_shash *tfm;
	unsigned int i;

	for (i = 0; i < 64; i++)
		msg[i] = i;
	for (i = 0; i < 32; i++)
		key[i] = i;
	KUNIT_ASSERT_EQ(
		test, hex2bin(tag, "7f46f043d63dfb3c9b1102c8824b632c", 16), 0);
	tfm = ebpfdma_mac_alloc(key);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(tfm), "no keyed blake2b-256: %ld",
			       PTR_ERR_OR_ZERO(tfm));
	/* Split anywhere between header and body: the same MAC. */
	KUNIT_EXPECT_EQ(test,
			ebpfdma_mac_verify(tfm, msg, 32, msg + 32, msg + 32, 32,
					   tag),
			0);
	KUNIT_EXPECT_EQ(
		test,
		ebpfdma_mac_verify(tfm, msg, 5, msg + 5, msg + 5, 59, tag), 0);
	msg[40] ^= 1;
	KUNIT_EXPECT_EQ(test,
			ebpfdma_mac_verify(tfm, msg, 32, msg + 32, msg + 32, 32,
					   tag),
			-EBADMSG);
	msg[40] ^= 1;
	tag[15] ^= 0x80;
	KUNIT_EXPECT_EQ(test,
			ebpfdma_mac_verify(tfm, msg, 32, msg + 32, msg + 32, 32,
					   tag),
			-EBADMSG);
	crypto_free_shash(tfm);
}

/* "123456789" split over header and body: CRC32C 0xe3069283, big-endian. */
static void crc_test(struct kunit *test)
{
	u8 trailer[16] = { 0xe3, 0x06, 0x92, 0x83 };
	char body[] = "56789", bad[] = "56788";

	KUNIT_EXPECT_EQ(
		test, ebpfdma_crc_verify("1234", 4, body, body, 5, trailer), 0);
	KUNIT_EXPECT_EQ(test,
			ebpfdma_crc_verify("1234", 4, bad, bad, 5, trailer),
			-EBADMSG);
	trailer[15] = 1; /* the padding must be zero */
	KUNIT_EXPECT_EQ(test,
			ebpfdma_crc_verify("1234", 4, body, body, 5, trailer),
			-EBADMSG);
}

/* The expected MAC: header and body hashed whole, in two updates. */
static int mac_whole(struct crypto_shash *tfm, const u8 *hdr, const u8 *body,
		     u32 len, u8 *mac)
{
	SHASH_DESC_ON_STACK(desc, tfm);

	desc->tfm = tfm;
	return crypto_shash_init(desc)			    ?:
		       crypto_shash_update(desc, hdr, 32)   ?:
		       crypto_shash_update(desc, body, len) ?:
		       crypto_shash_final(desc, mac);
}

/*
 * One pass: copied into @dst as it is checked, a body gives the same
 * verdict as checked in place and lands whole, at lengths around the
 * pass's chunks; one changed byte anywhere is refused either way.
 */
static void one_pass_test(struct kunit *test)
{
	static const u32 lens[] = { 1, 511, 1023, 1024, 1025, 2048, 3000, 8192 };
	u8 key[32], hdr[32], mac[BLAKE2B_256_HASH_SIZE], trailer[16] = {};
	struct crypto_shash *tfm;
	u8 *src, *dst;
	unsigned int i;
	__be32 crc;

	src = kunit_kmalloc(test, 8192, GFP_KERNEL);
	dst = kunit_kmalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	for (i = 0; i < 32; i++) {
		key[i] = 0x40 + i;
		hdr[i] = 0x80 + i;
	}
	for (i = 0; i < 8192; i++)
		src[i] = i * 131 + (i >> 8);
	tfm = ebpfdma_mac_alloc(key);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tfm));
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		u32 len = lens[i];

		KUNIT_ASSERT_EQ(test, mac_whole(tfm, hdr, src, len, mac), 0);
		memset(dst, 0, 8192);
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_mac_verify(tfm, hdr, sizeof(hdr),
						       dst, src, len, mac),
				    0, "mac, %u bytes", len);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(dst, src, len), 0,
				    "mac copy, %u bytes", len);
		KUNIT_EXPECT_TRUE_MSG(
			test,
			len == 8192 || !memchr_inv(dst + len, 0, 8192 - len),
			"mac copy, %u bytes: nothing past them", len);
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_mac_verify(tfm, hdr, sizeof(hdr),
						       src, src, len, mac),
				    0, "mac in place, %u bytes", len);
		src[len / 2] ^= 0x10;
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_mac_verify(tfm, hdr, sizeof(hdr),
						       dst, src, len, mac),
				    -EBADMSG, "mac, %u bytes, one changed",
				    len);
		src[len / 2] ^= 0x10;

		crc = cpu_to_be32(
			~crc32c(crc32c(~0U, hdr, sizeof(hdr)), src, len));
		memcpy(trailer, &crc, 4);
		memset(dst, 0, 8192);
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_crc_verify(hdr, sizeof(hdr), dst,
						       src, len, trailer),
				    0, "crc, %u bytes", len);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(dst, src, len), 0,
				    "crc copy, %u bytes", len);
		KUNIT_EXPECT_TRUE_MSG(
			test,
			len == 8192 || !memchr_inv(dst + len, 0, 8192 - len),
			"crc copy, %u bytes: nothing past them", len);
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_crc_verify(hdr, sizeof(hdr), src,
						       src, len, trailer),
				    0, "crc in place, %u bytes", len);
		src[len - 1] ^= 1;
		KUNIT_EXPECT_EQ_MSG(test,
				    ebpfdma_crc_verify(hdr, sizeof(hdr), dst,
						       src, len, trailer),
				    -EBADMSG, "crc, %u bytes, last changed",
				    len);
		src[len - 1] ^= 1;
	}
	crypto_free_shash(tfm);
}

static struct kunit_case crypto_cases[] = {
	KUNIT_CASE(aead_kat_test),
	KUNIT_CASE(aead_kat_inplace_test),
	KUNIT_CASE(aead_inplace_refused_test),
	KUNIT_CASE(aead_flips_test),
	KUNIT_CASE(blake2b_rfc7693_test),
	KUNIT_CASE(mac_test),
	KUNIT_CASE(one_pass_test),
	KUNIT_CASE(crc_test),
	{},
};

static struct kunit_suite crypto_suite = {
	.name = "ebpfdma_crypto",
	.test_cases = crypto_cases,
};

kunit_test_suite(crypto_suite);

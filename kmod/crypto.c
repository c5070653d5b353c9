// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma datagram protection (wire version 2): thin wrappers over the
 * kernel's own cryptography, nothing of our own.
 *
 *   aead  ChaCha20-Poly1305 (RFC 8439) from the kernel's crypto library
 *         (lib/crypto/chacha20poly1305.c, module libchacha20poly1305, as
 *         WireGuard uses it): the header is the associated data, the body
 *         the ciphertext, the trailer the tag; the nonce is the header's
 *         64-bit counter (32 zero bits before it, as in RFC 8439).
 *   mac   keyed BLAKE2b-256 (RFC 7693; the crypto API's "blake2b-256",
 *         module blake2b_generic; 6.1 has no 128-bit variant) over the
 *         header and the body, truncated to its first 16 bytes (as MACs
 *         are truncated, RFC 2104 section 5).
 *   crc   CRC32C (libcrc32c) over the header and the body: no security.
 *
 * Every function verifies before it says yes; the AEAD writes plaintext
 * only once the tag is verified (chacha20poly1305_decrypt()), or, in
 * place, into a slot that is wiped and freed unwritten if it fails.
 *
 * One pass over the body: the AEAD decrypts from the frame into the slot;
 * the MAC and the CRC copy the body into the slot a chunk at a time and
 * check each chunk from the copy at once, while it is in the L1 cache
 * (and from the copy, not from the frame, which an AF_XDP socket's owner
 * may write meanwhile).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/blake2b.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/hash.h>
#include <linux/crc32c.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

/*
 * A tag beside an in-place decryption's scatterlist needs linear-mapped
 * memory (not the stack, which may be vmalloc'ed): one per CPU, used with
 * bottom halves off.
 */
static DEFINE_PER_CPU(u8 *, tag_buf);

/**
 * ebpfdma_aead_open() - verify and decrypt a body into @dst
 * @dst: where the plaintext goes (@len bytes)
 * @src: the ciphertext, @len bytes, followed by its 16-byte tag
 * @len: bytes of ciphertext
 * @ad: associated data (the header)
 * @ad_len: its length
 * @nonce: the datagram's counter
 * @key: the session's key
 *
 * Context: any; never sleeps.
 * Return: 0, or -EBADMSG when the tag does not verify (@dst untouched).
 */
int ebpfdma_aead_open(void *dst, const void *src, u32 len, const void *ad,
		      u32 ad_len, u64 nonce, const u8 *key)
{
	return chacha20poly1305_decrypt(dst, src,
					len + EBPFDMA_WIRE2_TRAILER_LEN, ad,
					ad_len, nonce, key) ?
		       0 :
		       -EBADMSG;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_aead_open);

/**
 * ebpfdma_aead_open_inplace() - verify and decrypt @buf in place
 * @buf: the ciphertext, @len bytes of linear-mapped memory (a slot)
 * @len: bytes of ciphertext
 * @tag: its 16-byte tag
 * @ad: associated data (the header)
 * @ad_len: its length
 * @nonce: the datagram's counter
 * @key: the session's key
 *
 * For a body that arrived in fragments and was copied into its slot.
 * Context: softirq or process context (it disables bottom halves), not
 * with interrupts off; never sleeps.
 * Return: 0, or -EBADMSG when the tag does not verify (@buf is then
 * zeroed: it held the ciphertext decrypted under an unverified tag).
 */
int ebpfdma_aead_open_inplace(void *buf, u32 len, const void *tag,
			      const void *ad, u32 ad_len, u64 nonce,
			      const u8 *key)
{
	struct scatterlist sg[2];
	bool ok;
	u8 *t;

	local_bh_disable();
	t = *this_cpu_ptr(&tag_buf);
	memcpy(t, tag, EBPFDMA_WIRE2_TRAILER_LEN);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], buf, len);
	sg_set_buf(&sg[1], t, EBPFDMA_WIRE2_TRAILER_LEN);
	ok = chacha20poly1305_decrypt_sg_inplace(
		sg, len + EBPFDMA_WIRE2_TRAILER_LEN, ad, ad_len, nonce, key);
	local_bh_enable();
	if (ok)
		return 0;
	memzero_explicit(buf, len);
	return -EBADMSG;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_aead_open_inplace);

/**
 * ebpfdma_mac_alloc() - a keyed BLAKE2b-256 for a session
 * @key: the session's 32-byte key
 *
 * Context: process context, may sleep (it may load blake2b_generic).
 * Return: the transform, or an ERR_PTR.
 */
struct crypto_shash *ebpfdma_mac_alloc(const u8 *key)
{
	struct crypto_shash *tfm = crypto_alloc_shash("blake2b-256", 0, 0);
	int ret;

	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_shash_setkey(tfm, key, EBPFDMA_WIRE2_KEY_LEN);
	if (ret) {
		crypto_free_shash(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_mac_alloc);

/* Bytes a pass copies and then checks at a time: well inside an L1 cache. */
#define EBPFDMA_PASS_CHUNK 1024

/**
 * ebpfdma_mac_verify() - check the truncated keyed BLAKE2b of a datagram
 * @tfm: the session's transform (ebpfdma_mac_alloc())
 * @hdr: the header
 * @hdr_len: its length
 * @dst: where the body goes: @body itself (checked in place), or a slot
 *	 that it is copied into as it is checked, in one pass
 * @body: the body
 * @len: its length
 * @tag: the 16 bytes the datagram carries
 *
 * What is hashed is @dst's copy, never @body after it was copied.
 * Context: any; never sleeps (a shash).
 * Return: 0, or -EBADMSG (@dst then holds the unverified body).
 */
int ebpfdma_mac_verify(struct crypto_shash *tfm, const void *hdr, u32 hdr_len,
		       void *dst, const void *body, u32 len, const void *tag)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	u8 mac[BLAKE2B_256_HASH_SIZE];
	u32 off, n;
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	if (!ret)
		ret = crypto_shash_update(desc, hdr, hdr_len);
	for (off = 0; !ret && off < len; off += n) {
		n = min_t(u32, len - off, EBPFDMA_PASS_CHUNK);
		if (dst != body)
			memcpy(dst + off, body + off, n);
		ret = crypto_shash_update(desc, dst + off, n);
	}
	if (!ret)
		ret = crypto_shash_final(desc, mac);
	shash_desc_zero(desc);
	if (!ret && crypto_memneq(mac, tag, EBPFDMA_WIRE2_TRAILER_LEN))
		ret = -EBADMSG;
	memzero_explicit(mac, sizeof(mac));
	return ret ? -EBADMSG : 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_mac_verify);

/**
 * ebpfdma_crc_verify() - check the CRC32C of header and body
 * @hdr: the header
 * @hdr_len: its length
 * @dst: where the body goes: @body itself (checked in place), or a slot
 *	 that it is copied into as it is checked, in one pass
 * @body: the body
 * @len: its length
 * @trailer: the 16-byte trailer: the CRC, big-endian, then zeros
 *
 * Context: any.
 * Return: 0, or -EBADMSG (@dst then holds the unverified body).
 */
int ebpfdma_crc_verify(const void *hdr, u32 hdr_len, void *dst,
		       const void *body, u32 len, const void *trailer)
{
	static const u8 zero[EBPFDMA_WIRE2_TRAILER_LEN - 4];
	u32 crc = crc32c(~0U, hdr, hdr_len);
	__be32 want;
	u32 off, n;

	for (off = 0; off < len; off += n) {
		n = min_t(u32, len - off, EBPFDMA_PASS_CHUNK);
		if (dst != body)
			memcpy(dst + off, body + off, n);
		crc = crc32c(crc, dst + off, n);
	}
	want = cpu_to_be32(~crc);
	if (memcmp(trailer, &want, 4) ||
	    memcmp(trailer + 4, zero, sizeof(zero)))
		return -EBADMSG;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_crc_verify);

int ebpfdma_crypto_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		u8 *t = kmalloc_node(EBPFDMA_WIRE2_TRAILER_LEN, GFP_KERNEL,
				     cpu_to_node(cpu));

		if (!t) {
			ebpfdma_crypto_exit();
			return -ENOMEM;
		}
		per_cpu(tag_buf, cpu) = t;
	}
	return 0;
}

void ebpfdma_crypto_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(tag_buf, cpu));
		per_cpu(tag_buf, cpu) = NULL;
	}
}

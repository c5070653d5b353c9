// SPDX-License-Identifier: GPL-2.0
/*
 * Wire version 2 datagrams in user space: libsodium for the cryptography
 * (crypto_aead_chacha20poly1305_ietf_*, crypto_generichash_*), the
 * CRC32C of crc32c.c for "crc".  The 96-bit IETF nonce is 32 zero bits
 * then the header's counter, little-endian: the kernel library's 64-bit
 * nonce (lib/crypto/chacha20poly1305.c), as in WireGuard.
 */
#include <errno.h>
#include <endian.h>
#include <string.h>
#include <sodium.h>

#include "tools/lib/crc32c.h"
#include "tools/lib/wire2.h"

int edma_wire2_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void edma_wire2_hdr(struct ebpfdma_wire2_hdr *h, const struct edma_wire2 *w)
{
	*h = (struct ebpfdma_wire2_hdr){
		.magic = htobe32(EBPFDMA_WIRE_MAGIC),
		.version = EBPFDMA_WIRE2_VERSION,
		.type = w->type,
		.flags = htobe16(w->flags),
		.session = htobe64(w->session),
		.counter = htobe64(w->counter),
		.len = htobe32(w->len),
		.index = htobe32(w->index),
	};
}

void edma_wire2_nonce(uint8_t n[12], uint64_t counter)
{
	uint64_t le = htole64(counter);

	memset(n, 0, 4);
	memcpy(n + 4, &le, 8);
}

/* The keyed BLAKE2b-256 of header and body, its first 16 bytes. */
void edma_wire2_mac(uint8_t out[EBPFDMA_WIRE2_TRAILER_LEN], const void *hdr,
		    size_t hdr_len, const void *body, size_t len,
		    const uint8_t key[EBPFDMA_WIRE2_KEY_LEN])
{
	crypto_generichash_state st;
	uint8_t full[32];

	crypto_generichash_init(&st, key, EBPFDMA_WIRE2_KEY_LEN, sizeof(full));
	crypto_generichash_update(&st, hdr, hdr_len);
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, full, sizeof(full));
	memcpy(out, full, EBPFDMA_WIRE2_TRAILER_LEN);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(full, sizeof(full));
}

static void crc_of(uint8_t out[EBPFDMA_WIRE2_TRAILER_LEN], const void *hdr,
		   const void *body, uint32_t len)
{
	uint32_t be = htobe32(crc32c(crc32c(0, hdr, EBPFDMA_WIRE2_HDR_LEN),
				     body, len));

	memset(out, 0, EBPFDMA_WIRE2_TRAILER_LEN);
	memcpy(out, &be, 4);
}

size_t edma_wire2_seal(uint8_t *dgram, const struct edma_wire2 *w,
		       const void *body, uint32_t protect,
		       const uint8_t key[EBPFDMA_WIRE2_KEY_LEN])
{
	uint8_t *b = dgram + EBPFDMA_WIRE2_HDR_LEN, *t = b + w->len;
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	unsigned long long tlen;

	edma_wire2_hdr((struct ebpfdma_wire2_hdr *)dgram, w);
	switch (protect) {
	case EBPFDMA_PROTECT_AEAD:
		edma_wire2_nonce(nonce, w->counter);
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			b, t, &tlen, body, w->len, dgram, EBPFDMA_WIRE2_HDR_LEN,
			NULL, nonce, key);
		break;
	case EBPFDMA_PROTECT_MAC:
		memmove(b, body, w->len);
		edma_wire2_mac(t, dgram, EBPFDMA_WIRE2_HDR_LEN, b, w->len, key);
		break;
	default:
		memmove(b, body, w->len);
		crc_of(t, dgram, b, w->len);
		break;
	}
	return EBPFDMA_WIRE2_HDR_LEN + w->len + EBPFDMA_WIRE2_TRAILER_LEN;
}

int edma_wire2_open_split(const uint8_t *hdr, uint8_t *body, size_t rest,
			  struct edma_wire2 *w, uint32_t protect,
			  const uint8_t key[EBPFDMA_WIRE2_KEY_LEN])
{
	const struct ebpfdma_wire2_hdr *h = (const void *)hdr;
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint8_t want[EBPFDMA_WIRE2_TRAILER_LEN];
	const uint8_t *t;
	int ok;

	if (rest < EBPFDMA_WIRE2_TRAILER_LEN ||
	    be32toh(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE2_VERSION)
		return -EINVAL;
	w->type = h->type;
	w->flags = be16toh(h->flags);
	w->session = be64toh(h->session);
	w->counter = be64toh(h->counter);
	w->len = be32toh(h->len);
	w->index = be32toh(h->index);
	if (w->len != rest - EBPFDMA_WIRE2_TRAILER_LEN)
		return -EINVAL;
	t = body + w->len;
	switch (protect) {
	case EBPFDMA_PROTECT_AEAD:
		edma_wire2_nonce(nonce, w->counter);
		ok = !crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			body, NULL, body, w->len, t, hdr, EBPFDMA_WIRE2_HDR_LEN,
			nonce, key);
		break;
	case EBPFDMA_PROTECT_MAC:
		edma_wire2_mac(want, hdr, EBPFDMA_WIRE2_HDR_LEN, body, w->len,
			       key);
		ok = !sodium_memcmp(want, t, sizeof(want));
		break;
	default:
		crc_of(want, hdr, body, w->len);
		ok = !memcmp(want, t, sizeof(want));
		break;
	}
	return ok ? 0 : -EBADMSG;
}

int edma_wire2_open(uint8_t *dgram, size_t len, struct edma_wire2 *w,
		    uint32_t protect, const uint8_t key[EBPFDMA_WIRE2_KEY_LEN])
{
	if (len < EBPFDMA_WIRE2_HDR_LEN)
		return -EINVAL;
	return edma_wire2_open_split(dgram, dgram + EBPFDMA_WIRE2_HDR_LEN,
				     len - EBPFDMA_WIRE2_HDR_LEN, w, protect,
				     key);
}

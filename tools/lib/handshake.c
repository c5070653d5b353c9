// SPDX-License-Identifier: GPL-2.0
/*
 * The wire version 2 handshake.  Every key is a keyed BLAKE2b-256 of the
 * volume's secret with a personalization string of its own (RFC 7693's
 * parameter block; libsodium's crypto_generichash_blake2b_salt_personal):
 *
 *   k_hs   = BLAKE2b-256(key = secret, "",                 "ebpfdma2 hello")
 *   k_data = BLAKE2b-256(key = secret, Nc || Ns || id(BE), "ebpfdma2 data")
 *   k_ack  = BLAKE2b-256(key = secret, Nc || Ns || id(BE), "ebpfdma2 ack")
 *
 * so that each key serves one purpose, and a session's keys depend on both
 * sides' fresh nonces: neither side alone can make them repeat.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sodium.h>

#include "tools/lib/handshake.h"
#include "tools/lib/wire2.h"

_Static_assert(sizeof(struct ebpfdma_wire2_hello) == 64, "HELLO body");
_Static_assert(sizeof(struct ebpfdma_wire2_welcome) == 88, "WELCOME body");

/* A 16-byte personalization, zero-padded. */
static void kdf(uint8_t out[EBPFDMA_WIRE2_KEY_LEN], const uint8_t *secret,
		const void *in, size_t len, const char *label)
{
	uint8_t personal[crypto_generichash_blake2b_PERSONALBYTES] = { 0 };

	memcpy(personal, label, strlen(label));
	crypto_generichash_blake2b_salt_personal(out, EBPFDMA_WIRE2_KEY_LEN,
						 in, len, secret,
						 EBPFDMA_WIRE2_KEY_LEN, NULL,
						 personal);
}

void edma_hs_key(uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN],
		 const uint8_t secret[EBPFDMA_WIRE2_KEY_LEN])
{
	kdf(k_hs, secret, NULL, 0, "ebpfdma2 hello");
}

void edma_session_keys(struct edma_keys *k,
		       const uint8_t secret[EBPFDMA_WIRE2_KEY_LEN],
		       const uint8_t nonce_c[EDMA_NONCE_LEN],
		       const uint8_t nonce_s[EDMA_NONCE_LEN], uint64_t session)
{
	uint8_t in[2 * EDMA_NONCE_LEN + 8];
	uint64_t be = htobe64(session);

	memcpy(in, nonce_c, EDMA_NONCE_LEN);
	memcpy(in + EDMA_NONCE_LEN, nonce_s, EDMA_NONCE_LEN);
	memcpy(in + 2 * EDMA_NONCE_LEN, &be, 8);
	kdf(k->data, secret, in, sizeof(in), "ebpfdma2 data");
	kdf(k->ack, secret, in, sizeof(in), "ebpfdma2 ack");
	sodium_memzero(in, sizeof(in));
}

size_t edma_hello_build(uint8_t *dgram, const struct edma_hello *h,
			const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN])
{
	struct ebpfdma_wire2_hello b = {
		.volume = htobe32(h->volume),
		.block_size = htobe32(h->block_size),
		.lba = htobe64(h->lba),
		.length = htobe64(h->length),
		.transfer = htobe64(h->transfer),
	};
	size_t name_len = strlen(h->name);
	uint8_t body[sizeof(b) + EBPFDMA_WIRE2_NAME_MAX];
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_HELLO, .len = sizeof(b) + name_len,
	};

	if (name_len > EBPFDMA_WIRE2_NAME_MAX)
		return 0;
	memcpy(b.nonce, h->nonce, sizeof(b.nonce));
	memcpy(body, &b, sizeof(b));
	memcpy(body + sizeof(b), h->name, name_len);
	return edma_wire2_seal(dgram, &w, body, EBPFDMA_PROTECT_MAC, k_hs);
}

/*
 * Open a handshake datagram of @type whose body is @body_len bytes, and
 * up to @extra more, into @buf (the datagram's copy); its header's fields
 * in *w.
 */
static int hs_open(uint8_t *buf, const uint8_t *dgram, size_t len,
		   uint8_t type, size_t body_len, size_t extra,
		   struct edma_wire2 *w, const uint8_t *k_hs)
{
	size_t least = EBPFDMA_WIRE2_HDR_LEN + body_len +
		       EBPFDMA_WIRE2_TRAILER_LEN;
	int ret;

	if (len < least || len > least + extra)
		return -EINVAL;
	memcpy(buf, dgram, len);
	ret = edma_wire2_open(buf, len, w, EBPFDMA_PROTECT_MAC, k_hs);
	if (ret)
		return ret;
	/* Believed only now: authenticated. */
	if (w->type != type || w->flags || w->counter || w->index)
		return -EINVAL;
	return 0;
}

int edma_hello_parse(const uint8_t *dgram, size_t len, struct edma_hello *h,
		     const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN])
{
	uint8_t buf[EDMA_HELLO_MAX];
	struct ebpfdma_wire2_hello b;
	struct edma_wire2 w;
	size_t name_len;
	int ret;

	ret = hs_open(buf, dgram, len, EBPFDMA_WIRE2_HELLO, sizeof(b),
		      EBPFDMA_WIRE2_NAME_MAX, &w, k_hs);
	if (ret)
		return ret;
	memcpy(&b, buf + EBPFDMA_WIRE2_HDR_LEN, sizeof(b));
	name_len = w.len - sizeof(b);
	if (w.session ||
	    memchr(buf + EBPFDMA_WIRE2_HDR_LEN + sizeof(b), 0, name_len))
		return -EINVAL;
	*h = (struct edma_hello){
		.volume = be32toh(b.volume),
		.block_size = be32toh(b.block_size),
		.lba = be64toh(b.lba),
		.length = be64toh(b.length),
		.transfer = be64toh(b.transfer),
	};
	memcpy(h->nonce, b.nonce, sizeof(h->nonce));
	memcpy(h->name, buf + EBPFDMA_WIRE2_HDR_LEN + sizeof(b), name_len);
	h->name[name_len] = 0;
	return 0;
}

size_t edma_welcome_build(uint8_t *dgram, const struct edma_welcome *w,
			  const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN])
{
	struct ebpfdma_wire2_welcome b = {
		.status = htobe32(w->status),
		.protect = htobe32(w->protect),
		.credit = htobe32(w->credit),
		.max_block = htobe32(w->max_block),
		.unit = htobe32(w->unit),
		.flags = htobe16(w->flags),
		.flows = htobe16(w->flows),
	};
	struct edma_wire2 h = {
		.type = EBPFDMA_WIRE2_WELCOME, .session = w->session,
		.len = sizeof(b),
	};

	memcpy(b.nonce_c, w->nonce_c, sizeof(b.nonce_c));
	memcpy(b.nonce_s, w->nonce_s, sizeof(b.nonce_s));
	return edma_wire2_seal(dgram, &h, &b, EBPFDMA_PROTECT_MAC, k_hs);
}

int edma_welcome_parse(const uint8_t *dgram, size_t len,
		       struct edma_welcome *w,
		       const uint8_t nonce_c[EDMA_NONCE_LEN],
		       const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN])
{
	static const uint8_t zero[EDMA_NONCE_LEN];
	uint8_t buf[EDMA_WELCOME_LEN];
	struct ebpfdma_wire2_welcome b;
	struct edma_wire2 h;
	bool granted;
	int ret;

	ret = hs_open(buf, dgram, len, EBPFDMA_WIRE2_WELCOME, sizeof(b), 0, &h,
		      k_hs);
	if (ret)
		return ret;
	memcpy(&b, buf + EBPFDMA_WIRE2_HDR_LEN, sizeof(b));
	if (sodium_memcmp(b.nonce_c, nonce_c, EDMA_NONCE_LEN))
		return -ESTALE;
	*w = (struct edma_welcome){
		.session = h.session,
		.status = be32toh(b.status),
		.protect = be32toh(b.protect),
		.credit = be32toh(b.credit),
		.max_block = be32toh(b.max_block),
		.unit = be32toh(b.unit),
		.flows = be16toh(b.flows),
		.flags = be16toh(b.flags),
	};
	memcpy(w->nonce_c, b.nonce_c, EDMA_NONCE_LEN);
	memcpy(w->nonce_s, b.nonce_s, EDMA_NONCE_LEN);
	granted = w->status == EBPFDMA_WIRE2_OK;
	if (w->flows > EBPFDMA_WIRE2_FLOWS_MAX || granted != !!w->session ||
	    granted == !memcmp(w->nonce_s, zero, EDMA_NONCE_LEN) ||
	    (granted && (w->protect > EBPFDMA_PROTECT_MAX || w->unit < 512 ||
			 (w->unit & (w->unit - 1)) ||
			 w->max_block < w->unit)))
		return -EINVAL;
	return 0;
}

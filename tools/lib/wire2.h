/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire version 2 datagrams in user space (uapi/PROTOCOL.md): building a
 * header, sealing a datagram under a session's protection and opening one,
 * with libsodium's ChaCha20-Poly1305 (IETF) and keyed BLAKE2b, or CRC32C.
 * The module opens what edma_wire2_seal() seals, and the reverse.
 */
#ifndef EBPFDMA_WIRE2_LIB_H
#define EBPFDMA_WIRE2_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

/* Call once before the others: 0, or -1 when libsodium cannot start. */
int edma_wire2_init(void);

/* The AEAD's 96-bit IETF nonce of a datagram counter (RFC 8439 2.8). */
void edma_wire2_nonce(uint8_t nonce[12], uint64_t counter);
/* The "mac" trailer: keyed BLAKE2b-256 of @hdr then @body, 16 bytes. */
void edma_wire2_mac(uint8_t out[EBPFDMA_WIRE2_TRAILER_LEN], const void *hdr,
		    size_t hdr_len, const void *body, size_t len,
		    const uint8_t key[EBPFDMA_WIRE2_KEY_LEN]);

/* A header in host order. */
struct edma_wire2 {
	uint8_t type; /* EBPFDMA_WIRE2_* */
	uint16_t flags;
	uint64_t session;
	uint64_t counter;
	uint32_t len; /* bytes of body */
	uint32_t index;
};

void edma_wire2_hdr(struct ebpfdma_wire2_hdr *h, const struct edma_wire2 *w);

/*
 * Seal a datagram in @dgram: its header is built from @w (w->len bytes of
 * body), the body is @body (which may be @dgram's own body, in place),
 * encrypted for EBPFDMA_PROTECT_AEAD, and the trailer is appended.
 * @dgram holds EBPFDMA_WIRE2_HDR_LEN + len + EBPFDMA_WIRE2_TRAILER_LEN
 * bytes; that length is returned.  @key is unused for EBPFDMA_PROTECT_CRC.
 */
size_t edma_wire2_seal(uint8_t *dgram, const struct edma_wire2 *w,
		       const void *body, uint32_t protect,
		       const uint8_t key[EBPFDMA_WIRE2_KEY_LEN]);

/*
 * Open datagram @dgram of @len bytes: parse its header into *w, verify
 * its trailer and decrypt its body in place.  Returns 0; -EINVAL: not a
 * well-formed version 2 datagram (too short, magic, version, length);
 * -EBADMSG: it does not verify under @key.  Nothing of a datagram that
 * does not verify is to be used.
 */
int edma_wire2_open(uint8_t *dgram, size_t len, struct edma_wire2 *w,
		    uint32_t protect, const uint8_t key[EBPFDMA_WIRE2_KEY_LEN]);
/*
 * The same for a datagram received in two pieces: its header at @hdr
 * (EBPFDMA_WIRE2_HDR_LEN bytes), and its body and trailer, @rest bytes,
 * at @body, which is decrypted in place (a receiver's write buffer).
 */
int edma_wire2_open_split(const uint8_t *hdr, uint8_t *body, size_t rest,
			  struct edma_wire2 *w, uint32_t protect,
			  const uint8_t key[EBPFDMA_WIRE2_KEY_LEN]);

#endif

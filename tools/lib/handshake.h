/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire version 2 handshake and key schedule (uapi/PROTOCOL.md): a
 * sender's HELLO, the receiver's WELCOME, both authenticated under the
 * volume's handshake key; the session's keys from the volume's secret,
 * both nonces and the session's id.  libsodium's BLAKE2b throughout.
 */
#ifndef EBPFDMA_HANDSHAKE_H
#define EBPFDMA_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

#define EDMA_NONCE_LEN 32

struct edma_hello {
	uint32_t volume;
	uint32_t block_size;
	uint64_t lba;
	uint64_t length;
	uint64_t transfer; /* the sender's id of the transfer (0: none) */
	uint8_t nonce[EDMA_NONCE_LEN];
	/* The file's name, NUL-terminated ("": none); not checked here. */
	char name[EBPFDMA_WIRE2_NAME_MAX + 1];
};

struct edma_welcome {
	uint64_t session; /* 0 in a refusal */
	uint32_t status; /* EBPFDMA_WIRE2_OK or EBPFDMA_WIRE2_E_* */
	uint32_t protect;
	uint32_t credit;
	uint32_t max_block;
	uint32_t unit; /* the volume's logical block size */
	uint32_t flows; /* flows the receiver asks for: its receive queues */
	uint32_t flags; /* EBPFDMA_WIRE2_WELCOME_* */
	uint8_t nonce_c[EDMA_NONCE_LEN];
	uint8_t nonce_s[EDMA_NONCE_LEN];
};

/* A session's keys: the sender's datagrams', the receiver's. */
struct edma_keys {
	uint8_t data[EBPFDMA_WIRE2_KEY_LEN];
	uint8_t ack[EBPFDMA_WIRE2_KEY_LEN];
};

/* The volume's handshake key, from its secret. */
void edma_hs_key(uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN],
		 const uint8_t secret[EBPFDMA_WIRE2_KEY_LEN]);

/* The session's keys, from the secret, both nonces and its id. */
void edma_session_keys(struct edma_keys *k,
		       const uint8_t secret[EBPFDMA_WIRE2_KEY_LEN],
		       const uint8_t nonce_c[EDMA_NONCE_LEN],
		       const uint8_t nonce_s[EDMA_NONCE_LEN], uint64_t session);

/* Sizes of the datagrams: a HELLO without a name, and with the longest. */
#define EDMA_HELLO_LEN                                        \
	(EBPFDMA_WIRE2_HDR_LEN + sizeof(struct ebpfdma_wire2_hello) + \
	 EBPFDMA_WIRE2_TRAILER_LEN)
#define EDMA_HELLO_MAX (EDMA_HELLO_LEN + EBPFDMA_WIRE2_NAME_MAX)
#define EDMA_WELCOME_LEN                                        \
	(EBPFDMA_WIRE2_HDR_LEN + sizeof(struct ebpfdma_wire2_welcome) + \
	 EBPFDMA_WIRE2_TRAILER_LEN)

/*
 * Build a HELLO in @dgram (EDMA_HELLO_MAX bytes), with @h->name unless it
 * is empty; returns its length (0: a name longer than
 * EBPFDMA_WIRE2_NAME_MAX).
 */
size_t edma_hello_build(uint8_t *dgram, const struct edma_hello *h,
			const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN]);
/*
 * Check a datagram that says it is a HELLO: 0; -EINVAL: not a well-formed
 * HELLO (a name with a NUL, or longer than EBPFDMA_WIRE2_NAME_MAX); -EBADMSG: not authenticated under @k_hs (a sender without the
 * volume's secret, or a changed bit).
 */
int edma_hello_parse(const uint8_t *dgram, size_t len, struct edma_hello *h,
		     const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN]);

size_t edma_welcome_build(uint8_t *dgram, const struct edma_welcome *w,
			  const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN]);
/*
 * Check a WELCOME against the HELLO's nonce @nonce_c: 0; -EINVAL: not a
 * well-formed WELCOME (a grant without a session id or nonce, a
 * refusal with one); -EBADMSG: not authenticated under @k_hs;
 * -ESTALE: the answer to another HELLO (a replay).
 */
int edma_welcome_parse(const uint8_t *dgram, size_t len,
		       struct edma_welcome *w,
		       const uint8_t nonce_c[EDMA_NONCE_LEN],
		       const uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN]);

#endif

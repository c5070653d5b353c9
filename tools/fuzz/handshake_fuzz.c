// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: HELLO and WELCOME (tools/lib/handshake.c), as the
 * receiver and the sender parse them. The handshake is always "mac"
 * under the volume's handshake key: the mode byte's protection is not
 * used, its seal bit is (fuzz.h).
 *
 * Properties, for every input (bit 3 of the mode byte: the WELCOME is
 * checked against another HELLO's nonce than its own):
 *   - each parser answers with one of its documented errors or 0;
 *   - a sealed datagram is never refused as forged (-EBADMSG);
 *   - what parses builds again to the very datagram that came; a HELLO's
 *     name has no NUL and fits EBPFDMA_WIRE2_NAME_MAX; a WELCOME grants
 *     with a session and a nonce, or refuses with neither, and a grant's
 *     protection and unit are ones a sender can use;
 *   - a WELCOME answers only the HELLO whose nonce it carries.
 */
#include <errno.h>

#include "tools/fuzz/fuzz.h"
#include "tools/lib/handshake.h"

#define BUF (FUZZ_DGRAM_MAX + EBPFDMA_WIRE2_TRAILER_LEN)

static void hello(const uint8_t *dgram, size_t n, uint8_t mode)
{
	static uint8_t again[EDMA_HELLO_MAX];
	struct edma_hello h;
	int ret;

	ret = edma_hello_parse(dgram, n, &h, FUZZ_KEY);
	FUZZ_ASSERT(!ret || ret == -EINVAL || ret == -EBADMSG);
	if (mode & FUZZ_SEAL)
		FUZZ_ASSERT(ret != -EBADMSG);
	if (ret)
		return;
	FUZZ_ASSERT(strlen(h.name) <= EBPFDMA_WIRE2_NAME_MAX);
	FUZZ_ASSERT(EDMA_HELLO_LEN + strlen(h.name) == n);
	FUZZ_ASSERT(edma_hello_build(again, &h, FUZZ_KEY) == n);
	FUZZ_ASSERT(!memcmp(again, dgram, n));
}

static void welcome(const uint8_t *dgram, size_t n, uint8_t mode)
{
	static const uint8_t zero[EDMA_NONCE_LEN];
	static uint8_t again[EDMA_WELCOME_LEN];
	uint8_t nonce_c[EDMA_NONCE_LEN] = { 0 };
	const size_t at = EBPFDMA_WIRE2_HDR_LEN +
			  offsetof(struct ebpfdma_wire2_welcome, nonce_c);
	struct edma_welcome w;
	int ret;

	/* The nonce of the HELLO it answers: its own, or another's. */
	if (n >= at + EDMA_NONCE_LEN)
		memcpy(nonce_c, dgram + at, EDMA_NONCE_LEN);
	if (mode & 0x08)
		nonce_c[mode % EDMA_NONCE_LEN] ^= 1;
	ret = edma_welcome_parse(dgram, n, &w, nonce_c, FUZZ_KEY);
	FUZZ_ASSERT(!ret || ret == -EINVAL || ret == -EBADMSG ||
		    ret == -ESTALE);
	if (mode & FUZZ_SEAL)
		FUZZ_ASSERT(ret != -EBADMSG);
	if (mode & 0x08)
		FUZZ_ASSERT(ret);
	if (ret)
		return;
	FUZZ_ASSERT(!memcmp(w.nonce_c, nonce_c, EDMA_NONCE_LEN));
	if (w.status == EBPFDMA_WIRE2_OK)
		FUZZ_ASSERT(w.session &&
			    memcmp(w.nonce_s, zero, EDMA_NONCE_LEN) &&
			    w.protect <= EBPFDMA_PROTECT_MAX && w.unit >= 512 &&
			    !(w.unit & (w.unit - 1)) && w.max_block >= w.unit);
	else
		FUZZ_ASSERT(!w.session &&
			    !memcmp(w.nonce_s, zero, EDMA_NONCE_LEN));
	FUZZ_ASSERT(w.flows <= EBPFDMA_WIRE2_FLOWS_MAX);
	FUZZ_ASSERT(edma_welcome_build(again, &w, FUZZ_KEY) == n);
	FUZZ_ASSERT(!memcmp(again, dgram, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dgram[BUF];
	uint8_t mode;
	size_t n;

	fuzz_init();
	if (!size)
		return 0;
	/* The handshake's protection, whatever the mode byte says. */
	mode = (data[0] & ~0x06) | EBPFDMA_PROTECT_MAC << 1;
	if (size > 1) {
		uint8_t in[FUZZ_DGRAM_MAX + 1];

		if (size > sizeof(in))
			return 0;
		memcpy(in, data, size);
		in[0] = mode;
		n = fuzz_dgram(dgram, in, size, FUZZ_KEY);
		if (!n)
			return 0;
		hello(dgram, n, mode);
		welcome(dgram, n, mode);
	}
	return 0;
}

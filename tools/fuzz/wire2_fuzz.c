// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tools/lib/wire2.c's DATA datagrams, as the sender and
 * the receiver's slow path open them (edma_wire2_open, _open_split).
 *
 * Properties, for every input (fuzz.h says how it is taken):
 *   - the result is 0, -EINVAL or -EBADMSG, and both entry points agree;
 *   - a datagram sealed under the key opens, and under another key does
 *     not (but for CRC, which has no key);
 *   - what opens seals again, under its fields and body, to the very bytes
 *     that came: nothing of a datagram escapes its trailer.
 */
#include <errno.h>

#include "tools/fuzz/fuzz.h"

#define BUF (FUZZ_DGRAM_MAX + EBPFDMA_WIRE2_TRAILER_LEN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dgram[BUF], orig[BUF], split[BUF], again[BUF];
	uint8_t other[EBPFDMA_WIRE2_KEY_LEN];
	struct edma_wire2 w, ws;
	uint32_t protect;
	size_t n;
	int ret, ret2;

	fuzz_init();
	n = fuzz_dgram(dgram, data, size, FUZZ_KEY);
	if (!n)
		return 0;
	protect = fuzz_protect(data[0]);
	memcpy(orig, dgram, n);
	memcpy(split, dgram, n);

	ret = edma_wire2_open(dgram, n, &w, protect, FUZZ_KEY);
	FUZZ_ASSERT(!ret || ret == -EINVAL || ret == -EBADMSG);
	if (n >= EBPFDMA_WIRE2_HDR_LEN) {
		ret2 = edma_wire2_open_split(split, split + EBPFDMA_WIRE2_HDR_LEN,
					     n - EBPFDMA_WIRE2_HDR_LEN, &ws,
					     protect, FUZZ_KEY);
		FUZZ_ASSERT(ret2 == ret);
		FUZZ_ASSERT(ret || !memcmp(split, dgram, n));
	}
	if (data[0] & FUZZ_SEAL)
		FUZZ_ASSERT(!ret);
	if (ret)
		return 0;

	FUZZ_ASSERT(EBPFDMA_WIRE2_HDR_LEN + (size_t)w.len +
			    EBPFDMA_WIRE2_TRAILER_LEN == n);
	FUZZ_ASSERT(edma_wire2_seal(again, &w, dgram + EBPFDMA_WIRE2_HDR_LEN,
				    protect, FUZZ_KEY) == n);
	FUZZ_ASSERT(!memcmp(again, orig, n));

	if (protect != EBPFDMA_PROTECT_CRC) {
		memcpy(other, FUZZ_KEY, sizeof(other));
		other[data[0] % sizeof(other)] ^= 0x40;
		memcpy(dgram, orig, n);
		FUZZ_ASSERT(edma_wire2_open(dgram, n, &w, protect, other) ==
			    -EBADMSG);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: ACK and COMMIT (tools/lib/control.c), as the sender
 * and the receiver's slow path parse them.
 *
 * Properties, for every input (fuzz.h says how it is taken; bit 3 of the
 * mode byte: the ACK is expected for another session than its header's):
 *   - each parser answers with one of its documented errors or 0;
 *   - an ACK that parses has at most EBPFDMA_WIRE2_ACK_RANGES_MAX ranges,
 *     non-empty, ascending, disjoint, above its durable mark, and builds
 *     again to the very datagram that came; so does a COMMIT (of the
 *     current length), and one without LAST says nothing more;
 *   - a datagram sealed under the protection its parser uses parses but
 *     for its own checks (-EINVAL, -ENOENT for another session's ACK).
 */
#include <errno.h>

#include "tools/fuzz/fuzz.h"
#include "tools/lib/control.h"

#define BUF (FUZZ_DGRAM_MAX + EBPFDMA_WIRE2_TRAILER_LEN)

/* The header of @dgram (@n bytes), or zeros when it has none. */
static struct ebpfdma_wire2_hdr header(const uint8_t *dgram, size_t n)
{
	struct ebpfdma_wire2_hdr h = { 0 };

	if (n >= sizeof(h))
		memcpy(&h, dgram, sizeof(h));
	return h;
}

static void ack(const uint8_t *orig, size_t n, uint8_t mode)
{
	static uint8_t dgram[BUF], again[EDMA_ACK2_MAX];
	const struct ebpfdma_wire2_hdr hdr = header(orig, n), *h = &hdr;
	uint32_t protect = fuzz_protect(mode);
	uint64_t session = 0x0123456789abcdefULL;
	struct edma_ack2 a;
	unsigned int i;
	uint32_t prev;
	int ret;

	if (!(mode & 0x08) && n >= EBPFDMA_WIRE2_HDR_LEN)
		session = be64toh(h->session);
	memcpy(dgram, orig, n);
	ret = edma_ack2_parse(dgram, n, session, &a, protect, FUZZ_KEY);
	FUZZ_ASSERT(!ret || ret == -ENOENT || ret == -EBADMSG ||
		    ret == -EINVAL);
	if (mode & FUZZ_SEAL && edma_control_protect(protect) == protect &&
	    h->type == EBPFDMA_WIRE2_ACK && !(mode & 0x08))
		FUZZ_ASSERT(ret != -EBADMSG && ret != -ENOENT);
	if (ret)
		return;
	FUZZ_ASSERT(a.nr_ranges <= EBPFDMA_WIRE2_ACK_RANGES_MAX);
	for (i = 0, prev = a.durable; i < a.nr_ranges; i++) {
		FUZZ_ASSERT(a.ranges[i][0] > prev &&
			    a.ranges[i][1] > a.ranges[i][0]);
		prev = a.ranges[i][1];
	}
	FUZZ_ASSERT(edma_ack2_build(again, session, &a, protect, FUZZ_KEY) ==
		    n);
	FUZZ_ASSERT(!memcmp(again, orig, n));
}

static void commit(const uint8_t *orig, size_t n, uint8_t mode)
{
	static const uint8_t zero[EBPFDMA_WIRE2_DIGEST_LEN];
	static uint8_t dgram[BUF], again[EDMA_COMMIT2_LEN];
	const struct ebpfdma_wire2_hdr hdr = header(orig, n), *h = &hdr;
	uint32_t protect = fuzz_protect(mode);
	struct edma_commit2 c;
	int ret;

	memcpy(dgram, orig, n);
	ret = edma_commit2_parse(dgram, n, &c, protect, FUZZ_KEY);
	FUZZ_ASSERT(!ret || ret == -EBADMSG || ret == -EINVAL);
	if (mode & FUZZ_SEAL && edma_control_protect(protect) == protect)
		FUZZ_ASSERT(ret != -EBADMSG);
	if (ret)
		return;
	FUZZ_ASSERT(c.last || (!c.lba && !c.length &&
			       !memcmp(c.digest, zero, sizeof(zero))));
	if (n != EDMA_COMMIT2_LEN)
		return; /* an older sender's: it has no other form */
	FUZZ_ASSERT(edma_commit2_build(again, be64toh(h->session),
				       be64toh(h->counter), &c, protect,
				       FUZZ_KEY) == n);
	FUZZ_ASSERT(!memcmp(again, orig, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dgram[BUF];
	size_t n;

	fuzz_init();
	n = fuzz_dgram(dgram, data, size, FUZZ_KEY);
	if (!n)
		return 0;
	ack(dgram, n, data[0]);
	commit(dgram, n, data[0]);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* ACK and COMMIT of wire version 2 (uapi/PROTOCOL.md). */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tools/lib/control.h"
#include "tools/lib/wire2.h"

_Static_assert(sizeof(struct ebpfdma_wire2_ack) == 32, "ACK body");
_Static_assert(sizeof(struct ebpfdma_wire2_range) == 8, "ACK range");
_Static_assert(sizeof(struct ebpfdma_wire2_commit) == 56, "COMMIT body");

size_t edma_ack2_build(uint8_t *dgram, uint64_t session,
		       const struct edma_ack2 *a, uint32_t protect,
		       const uint8_t k_ack[EBPFDMA_WIRE2_KEY_LEN])
{
	uint8_t body[EDMA_ACK2_MAX];
	struct ebpfdma_wire2_ack b = {
		.status = htobe32(a->status),
		.flags = htobe32(a->flags),
		.durable = htobe32(a->durable),
		.credit = htobe32(a->credit),
		.newest = htobe32(a->newest),
		.ack_delay_us = htobe32(a->ack_delay_us),
		.ce_count = htobe32(a->ce_count),
	};
	struct ebpfdma_wire2_range *r = (void *)(body + sizeof(b));
	unsigned int i, n = a->nr_ranges;
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_ACK, .session = session,
		.counter = a->counter,
	};

	if (n > EBPFDMA_WIRE2_ACK_RANGES_MAX)
		n = EBPFDMA_WIRE2_ACK_RANGES_MAX;
	memcpy(body, &b, sizeof(b));
	for (i = 0; i < n; i++) {
		r[i].first = htobe32(a->ranges[i][0]);
		r[i].end = htobe32(a->ranges[i][1]);
	}
	w.len = sizeof(b) + n * sizeof(*r);
	return edma_wire2_seal(dgram, &w, body, edma_control_protect(protect),
			       k_ack);
}

int edma_ack2_parse(uint8_t *dgram, size_t len, uint64_t session,
		    struct edma_ack2 *a, uint32_t protect,
		    const uint8_t k_ack[EBPFDMA_WIRE2_KEY_LEN])
{
	const struct ebpfdma_wire2_hdr *h = (const void *)dgram;
	const struct ebpfdma_wire2_range *r;
	struct ebpfdma_wire2_ack b;
	struct edma_wire2 w;
	uint32_t prev;
	unsigned int i;
	int ret;

	/* Someone else's datagram is not even worth a verification. */
	if (len < EBPFDMA_WIRE2_HDR_LEN || h->type != EBPFDMA_WIRE2_ACK ||
	    be64toh(h->session) != session)
		return -ENOENT;
	ret = edma_wire2_open(dgram, len, &w, edma_control_protect(protect),
			      k_ack);
	if (ret)
		return ret == -EINVAL ? -ENOENT : ret;
	if (w.flags || w.index || w.len < sizeof(b) ||
	    (w.len - sizeof(b)) % sizeof(*r) ||
	    (w.len - sizeof(b)) / sizeof(*r) > EBPFDMA_WIRE2_ACK_RANGES_MAX)
		return -EINVAL;
	memcpy(&b, dgram + EBPFDMA_WIRE2_HDR_LEN, sizeof(b));
	*a = (struct edma_ack2){
		.counter = w.counter,
		.status = be32toh(b.status),
		.flags = be32toh(b.flags),
		.durable = be32toh(b.durable),
		.credit = be32toh(b.credit),
		.newest = be32toh(b.newest),
		.ack_delay_us = be32toh(b.ack_delay_us),
		.ce_count = be32toh(b.ce_count),
		.nr_ranges = (w.len - sizeof(b)) / sizeof(*r),
	};
	if (b.reserved || (a->flags & ~EBPFDMA_WIRE2_ACK_COMPLETE))
		return -EINVAL;
	r = (const void *)(dgram + EBPFDMA_WIRE2_HDR_LEN + sizeof(b));
	prev = a->durable;
	for (i = 0; i < a->nr_ranges; i++) {
		struct ebpfdma_wire2_range x;

		memcpy(&x, &r[i], sizeof(x));
		a->ranges[i][0] = be32toh(x.first);
		a->ranges[i][1] = be32toh(x.end);
		/*
		 * Above the mark (the block at the mark is not durable),
		 * ascending, apart from the previous, not empty.
		 */
		if (a->ranges[i][0] <= prev ||
		    a->ranges[i][1] <= a->ranges[i][0])
			return -EINVAL;
		prev = a->ranges[i][1];
	}
	return 0;
}

bool edma_commit2_fits(const struct edma_commit2 *c, uint64_t lba,
		       uint64_t length, uint32_t unit, uint64_t blocks)
{
	uint64_t units = c->length / unit + !!(c->length % unit);

	if (c->lba > lba || c->lba > blocks || units > blocks - c->lba ||
	    lba - c->lba > units)
		return false;
	if (!length) /* its lba is the transfer's end, rounded down */
		return lba - c->lba == c->length / unit;
	return (lba - c->lba) * unit + length == c->length;
}

size_t edma_commit2_build(uint8_t *dgram, uint64_t session, uint64_t counter,
			  const struct edma_commit2 *c, uint32_t protect,
			  const uint8_t k_data[EBPFDMA_WIRE2_KEY_LEN])
{
	struct ebpfdma_wire2_commit b = { .blocks = htobe32(c->blocks) };
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_COMMIT, .session = session,
		.counter = counter, .len = sizeof(b),
	};

	if (c->last) {
		b.flags = htobe32(EBPFDMA_WIRE2_COMMIT_LAST);
		b.lba = htobe64(c->lba);
		b.length = htobe64(c->length);
		memcpy(b.digest, c->digest, sizeof(b.digest));
	}

	return edma_wire2_seal(dgram, &w, &b, edma_control_protect(protect),
			       k_data);
}

int edma_commit2_parse(uint8_t *dgram, size_t len, struct edma_commit2 *c,
		       uint32_t protect,
		       const uint8_t k_data[EBPFDMA_WIRE2_KEY_LEN])
{
	static const uint8_t zero[EBPFDMA_WIRE2_DIGEST_LEN];
	struct ebpfdma_wire2_commit b;
	struct edma_wire2 w;
	uint32_t flags;
	int ret;

	ret = edma_wire2_open(dgram, len, &w, edma_control_protect(protect),
			      k_data);
	if (ret)
		return ret;
	/* An older sender's COMMIT is 8 bytes: blocks, and a zero. */
	if (w.type != EBPFDMA_WIRE2_COMMIT || w.flags || w.index ||
	    (w.len != sizeof(b) && w.len != EDMA_COMMIT2_OLD_BODY))
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	memcpy(&b, dgram + EBPFDMA_WIRE2_HDR_LEN, w.len);
	flags = be32toh(b.flags);
	if (flags & ~EBPFDMA_WIRE2_COMMIT_LAST ||
	    (!(flags & EBPFDMA_WIRE2_COMMIT_LAST) &&
	     (b.lba || b.length || memcmp(b.digest, zero, sizeof(zero)))))
		return -EINVAL;
	*c = (struct edma_commit2){
		.blocks = be32toh(b.blocks),
		.last = flags & EBPFDMA_WIRE2_COMMIT_LAST,
		.lba = be64toh(b.lba),
		.length = be64toh(b.length),
	};
	memcpy(c->digest, b.digest, sizeof(c->digest));
	return 0;
}

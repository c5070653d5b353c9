// SPDX-License-Identifier: GPL-2.0
#include "wire.h"

#include <endian.h>
#include <string.h>

#include "crc32c.h"

void edma_wire_fill(struct ebpfdma_wire_hdr *h, const struct edma_wire *w,
		    const void *body, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->magic = htobe32(EBPFDMA_WIRE_MAGIC);
	h->version = EBPFDMA_WIRE_VERSION;
	h->type = w->type;
	h->flags = htobe16(w->flags);
	h->volume = htobe32(w->volume);
	h->session = htobe32(w->session);
	h->token = htobe64(w->token);
	h->lba = htobe64(w->lba);
	h->seq = htobe32(w->seq);
	h->len = htobe32(len);
	h->status = htobe32(w->status);
	if (w->flags & EBPFDMA_WIRE_F_CRC)
		h->crc = htobe32(crc32c(0, body, len));
}

int edma_wire_parse(const void *buf, size_t n, struct edma_wire *w,
		    uint32_t *len)
{
	const struct ebpfdma_wire_hdr *h = buf;

	if (n < sizeof(*h) || be32toh(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE_VERSION ||
	    be32toh(h->len) != n - sizeof(*h))
		return -1;
	w->type = h->type;
	w->flags = be16toh(h->flags);
	w->volume = be32toh(h->volume);
	w->session = be32toh(h->session);
	w->token = be64toh(h->token);
	w->lba = be64toh(h->lba);
	w->seq = be32toh(h->seq);
	w->status = be32toh(h->status);
	w->crc = be32toh(h->crc);
	*len = n - sizeof(*h);
	return 0;
}

bool edma_wire_data_ok(const struct edma_wire *w, uint32_t len)
{
	return !(w->flags & ~EBPFDMA_WIRE_F_ALL) && !w->status &&
	       ((w->flags & EBPFDMA_WIRE_F_CRC) || !w->crc) && len;
}

size_t edma_wire_ack(void *buf, const struct edma_ack *a)
{
	struct ebpfdma_wire_hdr *h = buf;
	struct ebpfdma_wire_info *info = (void *)(h + 1);
	struct ebpfdma_wire_range *r = (void *)(info + 1);
	uint32_t runs[EBPFDMA_WIRE_ACK_RANGES_MAX][2];
	struct edma_wire w = {
		.type = EBPFDMA_WIRE_ACK, .volume = a->volume,
		.session = a->session, .status = a->status,
	};
	unsigned int n = 0, i;
	size_t len;

	if (a->committed) {
		w.flags = EBPFDMA_WIRE_F_COMMITTED;
		w.seq = a->commit_seq;
	} else if (a->durable) {
		w.seq = a->durable->cum;
		n = seqset_runs(a->durable, a->durable->cum, runs,
				EBPFDMA_WIRE_ACK_RANGES_MAX);
	}
	info->window_blocks = htobe64(a->window_blocks);
	info->block_size = htobe32(a->block_size);
	info->max_len = htobe32(a->max_len);
	for (i = 0; i < n; i++) {
		r[i].first = htobe32(runs[i][0]);
		r[i].end = htobe32(runs[i][1]);
	}
	len = sizeof(*info) + n * sizeof(*r);
	edma_wire_fill(h, &w, NULL, len);
	return sizeof(*h) + len;
}

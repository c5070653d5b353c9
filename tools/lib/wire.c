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

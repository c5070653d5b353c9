// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma wire protocol checks (uapi/ebpfdma_wire.h, uapi/PROTOCOL.md):
 * what a DATA datagram must be on its own (its session checks the rest,
 * session_blocks.c).  A pure function, so KUnit drives it over every
 * boundary.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/byteorder.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

/**
 * ebpfdma_wire2_parse() - check a version 2 DATA header, to host order
 * @h: the header, copied out of the packet
 * @payload_len: bytes of UDP payload: header, body and trailer
 * @d: output: the header's fields
 *
 * What a DATA must be on its own; its session checks the rest, and its
 * trailer is verified before any of it is believed but the length.
 * Context: any; never sleeps.
 * Return: 0, or -EINVAL when it is not a well-formed version 2 DATA:
 * short, wrong magic, version or type, unknown flags, no session, an
 * empty body, or a length that is not the rest of the datagram.
 */
int ebpfdma_wire2_parse(const struct ebpfdma_wire2_hdr *h, u32 payload_len,
			struct ebpfdma_wire2_data *d)
{
	if (payload_len < EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN)
		return -EINVAL;
	if (be32_to_cpu(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE2_VERSION ||
	    h->type != EBPFDMA_WIRE2_DATA)
		return -EINVAL;
	d->flags = be16_to_cpu(h->flags);
	if (d->flags & ~EBPFDMA_WIRE2_F_ALL)
		return -EINVAL;
	d->len = be32_to_cpu(h->len);
	if (!d->len || d->len != payload_len - EBPFDMA_WIRE2_HDR_LEN -
					 EBPFDMA_WIRE2_TRAILER_LEN)
		return -EINVAL;
	d->session = be64_to_cpu(h->session);
	if (!d->session)
		return -EINVAL;
	d->counter = be64_to_cpu(h->counter);
	d->index = be32_to_cpu(h->index);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_wire2_parse);

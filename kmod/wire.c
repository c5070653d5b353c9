// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma wire protocol checks (uapi/ebpfdma_wire.h, uapi/PROTOCOL.md):
 * what a DATA datagram must be on its own, and what it must be for the
 * volume it names.  Pure functions, so KUnit drives them over every
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
 * ebpfdma_wire_parse() - check a DATA header and convert it to host order
 * @h: the header, copied out of the packet
 * @payload_len: bytes of UDP payload, the header included
 * @d: output: the header's fields
 *
 * Context: any; never sleeps.
 * Return: 0, or -EINVAL when the datagram is not a well-formed DATA
 * datagram of this version: short, wrong magic or version, another type,
 * unknown flags, a status or an unflagged CRC that is not zero, an empty
 * body, or a body length that is not the rest of the datagram.
 */
int ebpfdma_wire_parse(const struct ebpfdma_wire_hdr *h, u32 payload_len,
		       struct ebpfdma_wire_data *d)
{
	if (payload_len < EBPFDMA_WIRE_HDR_LEN)
		return -EINVAL;
	if (be32_to_cpu(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE_VERSION || h->type != EBPFDMA_WIRE_DATA)
		return -EINVAL;
	d->flags = be16_to_cpu(h->flags);
	d->crc = be32_to_cpu(h->crc);
	if (d->flags & ~EBPFDMA_WIRE_F_ALL || h->status ||
	    (!(d->flags & EBPFDMA_WIRE_F_CRC) && d->crc))
		return -EINVAL;
	d->len = be32_to_cpu(h->len);
	if (!d->len || d->len != payload_len - EBPFDMA_WIRE_HDR_LEN)
		return -EINVAL;
	d->volume = be32_to_cpu(h->volume);
	d->session = be32_to_cpu(h->session);
	d->token = be64_to_cpu(h->token);
	d->lba = be64_to_cpu(h->lba);
	d->seq = be32_to_cpu(h->seq);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_wire_parse);

/**
 * ebpfdma_wire_check_volume() - may @d be written to a volume?
 * @d: a parsed DATA header
 * @token: the volume's session token
 * @window: blocks in the volume's window
 * @block_shift: log2 of the volume's logical block size
 * @slot_size: bytes per slot of the pool it would land in
 *
 * Context: any; never sleeps.
 * Return: 0; -EACCES when the token is not the volume's; -EINVAL when the
 * body is not a whole number of blocks or does not fit in a slot; -ERANGE
 * when the blocks do not lie inside the window.
 */
int ebpfdma_wire_check_volume(const struct ebpfdma_wire_data *d, u64 token,
			      u64 window, unsigned int block_shift,
			      u32 slot_size)
{
	if (d->token != token)
		return -EACCES;
	if (d->len & ((1U << block_shift) - 1) || d->len > slot_size)
		return -EINVAL;
	return ebpfdma_window_check(window, d->lba, d->len >> block_shift);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_wire_check_volume);

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

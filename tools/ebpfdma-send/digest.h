/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transfer's digest, sent in its last COMMIT (uapi/PROTOCOL.md): the
 * unkeyed BLAKE2b-256 of the input's bytes from its first, hashed once
 * each, in order, as blocks are first read to be sent (a retransmission
 * or a block read again after a new numbering is not hashed again); a
 * gap (the durable part --resume skips) is read from the input.
 */
#ifndef EBPFDMA_SEND_DIGEST_H
#define EBPFDMA_SEND_DIGEST_H

#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

/*
 * The @len bytes at @off of the input, just read into @buf (bytes past
 * the input's end @end are padding, not hashed).  0 or -errno (reading a
 * gap failed).
 */
int digest_feed(uint64_t off, const void *buf, uint32_t len, uint64_t end);
/*
 * Hash the input from where the hash stands towards @to, at most @max
 * bytes (reading it): --resume's durable part, ahead of the first
 * session, a step at a time.  How far it stands now, or -errno.
 */
int64_t digest_fill(uint64_t to, uint64_t max);
/* Every byte up to @end hashed: the digest.  0 or -errno. */
int digest_final(uint64_t end, uint8_t out[EBPFDMA_WIRE2_DIGEST_LEN]);

#endif

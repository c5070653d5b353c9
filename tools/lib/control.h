/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control datagrams of a wire version 2 session (uapi/PROTOCOL.md):
 * the receiver's ACK under k_ack, the sender's COMMIT under k_data.  Both
 * are sealed with the session's protection, except that a "crc" session's
 * control datagrams are "mac": what the receiver says is durable is
 * always authenticated.
 */
#ifndef EBPFDMA_CONTROL_H
#define EBPFDMA_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

/* The protection of a session's ACK and COMMIT. */
static inline uint32_t edma_control_protect(uint32_t protect)
{
	return protect == EBPFDMA_PROTECT_CRC ? EBPFDMA_PROTECT_MAC : protect;
}

/* What an ACK says, in host order. */
struct edma_ack2 {
	uint64_t counter; /* the receiver's datagram counter, from 1 */
	uint32_t status; /* EBPFDMA_WIRE2_OK or EBPFDMA_WIRE2_E_IO */
	uint32_t flags; /* EBPFDMA_WIRE2_ACK_* */
	uint32_t durable, credit, newest, ack_delay_us, ce_count;
	unsigned int nr_ranges;
	uint32_t ranges[EBPFDMA_WIRE2_ACK_RANGES_MAX][2]; /* [first, end) */
};

#define EDMA_ACK2_MAX                                         \
	(EBPFDMA_WIRE2_HDR_LEN + sizeof(struct ebpfdma_wire2_ack) + \
	 EBPFDMA_WIRE2_ACK_RANGES_MAX *                              \
		 sizeof(struct ebpfdma_wire2_range) +                \
	 EBPFDMA_WIRE2_TRAILER_LEN)
#define EDMA_COMMIT2_LEN                                         \
	(EBPFDMA_WIRE2_HDR_LEN + sizeof(struct ebpfdma_wire2_commit) + \
	 EBPFDMA_WIRE2_TRAILER_LEN)

/*
 * Seal the ACK @a of session @session into @dgram (EDMA_ACK2_MAX bytes)
 * under @k_ack; @protect is the session's.  Returns its length.
 */
size_t edma_ack2_build(uint8_t *dgram, uint64_t session,
		       const struct edma_ack2 *a, uint32_t protect,
		       const uint8_t k_ack[EBPFDMA_WIRE2_KEY_LEN]);
/*
 * Open an ACK of session @session in @dgram (@len bytes, changed in
 * place).  0; -ENOENT: another session's (or not an ACK); -EBADMSG: it
 * does not verify under @k_ack; -EINVAL: verified but malformed (ranges
 * not ascending and disjoint, reserved fields set, a length of no whole
 * range).  Nothing of a datagram that fails is to be believed.
 */
int edma_ack2_parse(uint8_t *dgram, size_t len, uint64_t session,
		    struct edma_ack2 *a, uint32_t protect,
		    const uint8_t k_ack[EBPFDMA_WIRE2_KEY_LEN]);

/* The body of a COMMIT of a sender older than its record. */
#define EDMA_COMMIT2_OLD_BODY 8U

/* What a COMMIT says, in host order. */
struct edma_commit2 {
	uint32_t blocks; /* the session's */
	bool last; /* it ends the transfer: the fields below say what it was */
	uint64_t lba, length; /* the transfer's first logical block, bytes */
	uint8_t digest[EBPFDMA_WIRE2_DIGEST_LEN]; /* BLAKE2b-256 of its bytes */
};

/*
 * Does the transfer a last COMMIT @c records end where its session ends
 * (the session: @length bytes from logical block @lba of @unit bytes; an
 * empty session at a transfer's end starts at the block its end falls
 * in), start no later, and lie in a window of @blocks logical blocks?
 */
bool edma_commit2_fits(const struct edma_commit2 *c, uint64_t lba,
		       uint64_t length, uint32_t unit, uint64_t blocks);
/* Seal the COMMIT @c with datagram counter @counter. */
size_t edma_commit2_build(uint8_t *dgram, uint64_t session, uint64_t counter,
			  const struct edma_commit2 *c, uint32_t protect,
			  const uint8_t k_data[EBPFDMA_WIRE2_KEY_LEN]);
/*
 * Open a COMMIT (header already known to be a COMMIT of its session):
 * 0 with what it says in *@c; -EBADMSG: it does not verify; -EINVAL:
 * malformed (unknown flags, or a record without the LAST flag).
 */
int edma_commit2_parse(uint8_t *dgram, size_t len, struct edma_commit2 *c,
		       uint32_t protect,
		       const uint8_t k_data[EBPFDMA_WIRE2_KEY_LEN]);

#endif

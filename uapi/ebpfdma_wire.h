/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ebpfdma wire protocol: file blocks in UDP datagrams (IPv4 or IPv6, with
 * or without one 802.1Q tag), shared by the kernel module, the XDP program
 * and the tools.  uapi/PROTOCOL.md is the specification; this header is its
 * binary form.
 *
 * Every multi-byte field is big-endian (network byte order).  A datagram's
 * UDP payload is one struct ebpfdma_wire_hdr followed by hdr.len bytes of
 * body, nothing before it and nothing after it.
 */
#ifndef _UAPI_EBPFDMA_WIRE_H
#define _UAPI_EBPFDMA_WIRE_H

#include <linux/types.h>

#define EBPFDMA_WIRE_MAGIC 0x45444d41U /* "EDMA" */
/*
 * Version rules: a receiver handles exactly the versions it knows and
 * drops (and counts) every other one.  Compatible additions take a new
 * flag bit (unknown flag bits are refused, so a sender learns at once that
 * a receiver does not know the flag); anything else needs a new version.
 */
#define EBPFDMA_WIRE_VERSION 1
#define EBPFDMA_WIRE_PORT 7788 /* default UDP port of a receiver */

/* hdr.type */
#define EBPFDMA_WIRE_DATA 1 /* sender -> receiver: one block run */
#define EBPFDMA_WIRE_COMMIT 2 /* sender -> receiver: make the session durable */
#define EBPFDMA_WIRE_ACK 3 /* receiver -> sender: what is durable */
#define EBPFDMA_WIRE_OPEN 4 /* sender -> receiver: check volume and token */

/* hdr.flags */
#define EBPFDMA_WIRE_F_CRC (1U << 0) /* hdr.crc is CRC32C of the body */
#define EBPFDMA_WIRE_F_FUA (1U << 1) /* DATA: write with FUA */
/* The flags a DATA datagram may carry. */
#define EBPFDMA_WIRE_F_ALL (EBPFDMA_WIRE_F_CRC | EBPFDMA_WIRE_F_FUA)
/* ACK only: answers a COMMIT, whose flush has completed. */
#define EBPFDMA_WIRE_F_COMMITTED (1U << 2)

/* hdr.status of an ACK: why the receiver refuses the session, or 0. */
#define EBPFDMA_WIRE_OK 0
#define EBPFDMA_WIRE_E_TOKEN 1 /* the token is not the volume's */
#define EBPFDMA_WIRE_E_VOLUME 2 /* no such volume */
#define EBPFDMA_WIRE_E_RANGE 3 /* a block lies outside the volume's window */
#define EBPFDMA_WIRE_E_IO 4 /* the device failed a write or the flush */
#define EBPFDMA_WIRE_E_INVAL 5 /* malformed (length, block size, version) */

/**
 * struct ebpfdma_wire_hdr - the fixed header of every datagram (48 bytes)
 * @magic: EBPFDMA_WIRE_MAGIC
 * @version: EBPFDMA_WIRE_VERSION
 * @type: EBPFDMA_WIRE_*
 * @flags: EBPFDMA_WIRE_F_*; other bits must be zero
 * @volume: the receiver's volume id
 * @session: chosen by the sender for one transfer, echoed in its ACKs
 * @token: the volume's session token (a shared secret)
 * @lba: DATA: first logical block, relative to the volume's window;
 *	 otherwise zero
 * @seq: DATA: the block run's sequence number in the session (0, 1, ...);
 *	 COMMIT: the number of DATA sequence numbers of the session; ACK:
 *	 every sequence number below it is durable (with
 *	 EBPFDMA_WIRE_F_COMMITTED: the COMMIT's seq); OPEN: 0
 * @len: bytes of body.  DATA: a multiple of the volume's logical block size,
 *	 at least one block, at most the receiver's slot size; COMMIT, OPEN:
 *	 0; ACK: sizeof(struct ebpfdma_wire_info) + a multiple of
 *	 sizeof(struct ebpfdma_wire_range)
 * @crc: CRC32C (Castagnoli, as in iSCSI: initial value and final xor
 *	 0xffffffff) of the body when EBPFDMA_WIRE_F_CRC is set, else zero
 * @status: ACK: EBPFDMA_WIRE_OK or an EBPFDMA_WIRE_E_* code; otherwise zero
 */
struct ebpfdma_wire_hdr {
	__be32 magic;
	__u8 version;
	__u8 type;
	__be16 flags;
	__be32 volume;
	__be32 session;
	__be64 token;
	__be64 lba;
	__be32 seq;
	__be32 len;
	__be32 crc;
	__be32 status;
};

/**
 * struct ebpfdma_wire_info - the start of an ACK's body: the volume
 * @window_blocks: logical blocks in the volume's window (0 in a refusal)
 * @block_size: the volume's logical block size, bytes
 * @max_len: the longest DATA body the receiver takes, bytes (at most its
 *	     slot size)
 */
struct ebpfdma_wire_info {
	__be64 window_blocks;
	__be32 block_size;
	__be32 max_len;
};

/**
 * struct ebpfdma_wire_range - an ACK's body continues with these
 * @first: first durable sequence number of the range
 * @end: one past its last
 *
 * Selective acknowledgement: sequence numbers at or above hdr.seq that are
 * durable, in ascending order, not overlapping.
 */
struct ebpfdma_wire_range {
	__be32 first;
	__be32 end;
};

#define EBPFDMA_WIRE_HDR_LEN 48U
#define EBPFDMA_WIRE_ACK_RANGES_MAX 64U

#endif /* _UAPI_EBPFDMA_WIRE_H */

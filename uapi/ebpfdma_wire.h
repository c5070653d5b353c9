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

/*
 * Version 2: sessions the receiver admits and the kernel enforces, every
 * datagram authenticated (uapi/PROTOCOL.md).  A datagram's UDP payload is
 * one struct ebpfdma_wire2_hdr, hdr.len bytes of body, and a 16-byte
 * trailer: the Poly1305 tag of ChaCha20-Poly1305 (RFC 8439) with the
 * header as associated data and the body as ciphertext (protection
 * "aead"), the first 16 bytes of the keyed BLAKE2b-256 (RFC 7693) of
 * header and body ("mac"),
 * or the CRC32C of header and body in its first 4 bytes, big-endian, and
 * 12 zero bytes ("crc": trusted networks only).
 */
#define EBPFDMA_WIRE2_VERSION 2

/* hdr.type, version 2 */
#define EBPFDMA_WIRE2_HELLO 1 /* sender -> receiver: asks for a session */
#define EBPFDMA_WIRE2_WELCOME 2 /* receiver -> sender: grants or refuses it */
#define EBPFDMA_WIRE2_DATA 3 /* sender -> receiver: one block */
#define EBPFDMA_WIRE2_ACK 4 /* receiver -> sender: what is durable */
#define EBPFDMA_WIRE2_COMMIT 5 /* sender -> receiver: the transfer is whole */

/* hdr.flags, version 2 */
#define EBPFDMA_WIRE2_F_FUA (1U << 0) /* DATA: write with FUA */
#define EBPFDMA_WIRE2_F_ALL EBPFDMA_WIRE2_F_FUA

/* A session's protection (EBPFDMA_IOC_SESSION_ADD, HELLO). */
#define EBPFDMA_PROTECT_AEAD 0 /* ChaCha20-Poly1305: encrypted, authenticated */
#define EBPFDMA_PROTECT_MAC 1 /* keyed BLAKE2b: authenticated */
#define EBPFDMA_PROTECT_CRC 2 /* CRC32C: neither (trusted networks) */
#define EBPFDMA_PROTECT_MAX EBPFDMA_PROTECT_CRC

#define EBPFDMA_WIRE2_KEY_LEN 32U
#define EBPFDMA_WIRE2_TRAILER_LEN 16U

/**
 * struct ebpfdma_wire2_hdr - the fixed header of a version 2 datagram
 * @magic: EBPFDMA_WIRE_MAGIC
 * @version: EBPFDMA_WIRE2_VERSION
 * @type: EBPFDMA_WIRE2_*
 * @flags: EBPFDMA_WIRE2_F_*; other bits must be zero
 * @session: the session's id, chosen by the receiver (0 in a HELLO)
 * @counter: the sender's datagram counter in the session and direction,
 *	     never repeated under a key: the AEAD's 64-bit nonce (RFC 8439's
 *	     96-bit nonce is 32 zero bits followed by it, little-endian)
 * @len: bytes of body (the trailer not counted)
 * @index: DATA: the block's index in the transfer; otherwise zero
 */
struct ebpfdma_wire2_hdr {
	__be32 magic;
	__u8 version;
	__u8 type;
	__be16 flags;
	__be64 session;
	__be64 counter;
	__be32 len;
	__be32 index;
};

#define EBPFDMA_WIRE2_HDR_LEN 32U

/**
 * struct ebpfdma_wire2_hello - the body of a HELLO: a transfer asked for
 * @volume: the volume to write to
 * @block_size: bytes of every DATA body but the last (whole logical blocks)
 * @lba: first logical block of the transfer, window-relative
 * @length: bytes of the transfer
 * @reserved: zero
 * @nonce: 32 fresh random bytes of the sender's
 *
 * Its header has session 0, counter 0 and index 0; its trailer is
 * the "mac" trailer under the volume's handshake key (uapi/PROTOCOL.md).
 */
struct ebpfdma_wire2_hello {
	__be32 volume;
	__be32 block_size;
	__be64 lba;
	__be64 length;
	__be64 reserved;
	__u8 nonce[32];
};

/* struct ebpfdma_wire2_welcome.status */
#define EBPFDMA_WIRE2_OK 0 /* granted: header.session is the session's id */
#define EBPFDMA_WIRE2_E_VOLUME 1 /* no such volume */
#define EBPFDMA_WIRE2_E_RANGE 2 /* the blocks are not in the volume's window */
#define EBPFDMA_WIRE2_E_BLOCK 3 /* a block size the receiver cannot take */
#define EBPFDMA_WIRE2_E_BUSY 4 /* too many sessions: try again later */

/**
 * struct ebpfdma_wire2_welcome - the body of a WELCOME: the answer
 * @status: EBPFDMA_WIRE2_OK or an EBPFDMA_WIRE2_E_* code
 * @protect: the session's protection, EBPFDMA_PROTECT_* (the volume's)
 * @credit: blocks the sender may have unacknowledged at first
 * @max_block: the longest block the receiver takes (its slot size)
 * @nonce_c: the HELLO's nonce
 * @nonce_s: 32 fresh random bytes of the receiver's (zero in a refusal)
 *
 * Its header carries the new session's id (0 in a refusal), counter 0
 * and index 0; its trailer is the "mac" trailer under the volume's
 * handshake key.
 */
struct ebpfdma_wire2_welcome {
	__be32 status;
	__be32 protect;
	__be32 credit;
	__be32 max_block;
	__u8 nonce_c[32];
	__u8 nonce_s[32];
};

#endif /* _UAPI_EBPFDMA_WIRE_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ebpfdma wire protocol: file blocks in UDP datagrams (IPv4 or IPv6, with
 * or without one 802.1Q tag), shared by the kernel module, the XDP program
 * and the tools.  uapi/PROTOCOL.md is the specification; this header is its
 * binary form.
 *
 * Every multi-byte field is big-endian (network byte order).  This is
 * version 2: sessions the receiver admits and the kernel enforces, every
 * datagram authenticated (uapi/PROTOCOL.md).  A datagram's UDP payload is
 * one struct ebpfdma_wire2_hdr, hdr.len bytes of body, and a 16-byte
 * trailer: the Poly1305 tag of ChaCha20-Poly1305 (RFC 8439) with the
 * header as associated data and the body as ciphertext (protection
 * "aead"), the first 16 bytes of the keyed BLAKE2b-256 (RFC 7693) of
 * header and body ("mac"), or the CRC32C of header and body in its first
 * 4 bytes, big-endian, and 12 zero bytes ("crc": trusted networks only).
 */
#ifndef _UAPI_EBPFDMA_WIRE_H
#define _UAPI_EBPFDMA_WIRE_H

#include <linux/types.h>

#define EBPFDMA_WIRE_MAGIC 0x45444d41U /* "EDMA" */
#define EBPFDMA_WIRE_PORT 7788 /* default UDP port of a receiver */
/*
 * Version rules: a receiver handles exactly the versions it knows and
 * drops (and counts) every other one.  Compatible additions take a new
 * flag bit (unknown flag bits are refused, so a sender learns at once that
 * a receiver does not know the flag); anything else needs a new version.
 * (Version 1, which had neither sessions nor authentication, is gone: its
 * datagrams are malformed.)
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
 * @transfer: the sender's random id of the transfer this session is part
 *	      of, the same in each session it opens for it (0: none); a
 *	      HELLO of the transfer that holds a volume takes it over
 * @nonce: 32 fresh random bytes of the sender's
 *
 * Its header has session 0, counter 0 and index 0; its trailer is
 * the "mac" trailer under the volume's handshake key (uapi/PROTOCOL.md).
 * The body may go on with the transfer's file name: 1 to
 * EBPFDMA_WIRE2_NAME_MAX bytes, no NUL, as many as the header's len
 * says beyond this struct.  A file-store volume needs one; a block
 * volume ignores it.
 */
struct ebpfdma_wire2_hello {
	__be32 volume;
	__be32 block_size;
	__be64 lba;
	__be64 length;
	__be64 transfer;
	__u8 nonce[32];
};

/* The longest name a HELLO carries: NAME_MAX less ".partial". */
#define EBPFDMA_WIRE2_NAME_MAX 247U

/* struct ebpfdma_wire2_welcome.status */
#define EBPFDMA_WIRE2_OK 0 /* granted: header.session is the session's id */
#define EBPFDMA_WIRE2_E_VOLUME 1 /* no such volume */
#define EBPFDMA_WIRE2_E_RANGE 2 /* the blocks are not in the volume's window */
#define EBPFDMA_WIRE2_E_BLOCK 3 /* a block size the receiver cannot take */
#define EBPFDMA_WIRE2_E_BUSY 4 /* too many sessions: try again later */
#define EBPFDMA_WIRE2_FLOWS_MAX 64U /* struct ebpfdma_wire2_welcome.flows */
/* ACK only: the device failed a write or a flush; the session has ended */
#define EBPFDMA_WIRE2_E_IO 5
/* another transfer is writing to the volume (one writer at a time) */
#define EBPFDMA_WIRE2_E_HELD 6
/* file stores: no name, or one with '/', control characters, "." or ".." */
#define EBPFDMA_WIRE2_E_NAME 7
/* file stores: a file of this name exists (the store keeps it) */
#define EBPFDMA_WIRE2_E_EXISTS 8
/* file stores: the file system has no room for the transfer */
#define EBPFDMA_WIRE2_E_SPACE 9
/* file stores: the transfer would take the store over its quota */
#define EBPFDMA_WIRE2_E_QUOTA 10
/*
 * file stores: a session that continues a transfer (lba not 0) the
 * receiver has no partial file of (it restarted, or the transfer was
 * idle past its timeout): send it again from the start
 */
#define EBPFDMA_WIRE2_E_GONE 11

/* struct ebpfdma_wire2_welcome.flags */
/* a file store: the session writes the file the HELLO named */
#define EBPFDMA_WIRE2_WELCOME_STORE (1U << 0)

/**
 * struct ebpfdma_wire2_welcome - the body of a WELCOME: the answer
 * @status: EBPFDMA_WIRE2_OK or an EBPFDMA_WIRE2_E_* code
 * @protect: the session's protection, EBPFDMA_PROTECT_* (the volume's)
 * @credit: blocks the sender may have unacknowledged at first
 * @max_block: the longest block the receiver takes (its slot size)
 * @unit: the volume's logical block size: the last block's body is the
 *	  rest of the transfer padded with zeros to a multiple of it
 * @flows: how many flows (distinct UDP source ports) the sender should
 *	   spread the session's DATA over, so that the receiving NIC's RSS
 *	   hashes them to several receive queues and CPUs: its number of
 *	   receive queues (0 or 1: one flow)
 * @flags: EBPFDMA_WIRE2_WELCOME_* (zero from receivers before file
 *	   stores, whose @flows was 32 bits wide)
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
	__be32 unit;
	__be16 flags;
	__be16 flows;
	__u8 nonce_c[32];
	__u8 nonce_s[32];
};

/* struct ebpfdma_wire2_ack.flags */
#define EBPFDMA_WIRE2_ACK_COMPLETE (1U << 0) /* answers COMMIT: all durable */

/**
 * struct ebpfdma_wire2_ack - the body of an ACK (the receiver's datagram,
 * under the session's k_ack; the "mac" trailer when the session's
 * protection is "crc")
 * @status: EBPFDMA_WIRE2_OK, or EBPFDMA_WIRE2_E_IO: the session has
 *	    ended and nothing more of it will be durable
 * @flags: EBPFDMA_WIRE2_ACK_*
 * @durable: every block index below it is durable
 * @credit: blocks the sender may have sent and not yet seen durable
 * @newest: the index of the block that became durable last
 * @ack_delay_us: microseconds from @newest's write completing to this ACK
 *		  (the receiver's part of the round trip: the flush's wait)
 * @ce_count: DATA of the session that arrived with ECN's CE mark (0 from
 *	      a receiver that does not read ECN)
 * @reserved: zero
 *
 * Followed by struct ebpfdma_wire2_range entries (hdr.len tells how
 * many): the durable indices at or above @durable, ascending, disjoint.
 * An ACK's header carries counter 1, 2, ... in the receiver's direction.
 */
struct ebpfdma_wire2_ack {
	__be32 status;
	__be32 flags;
	__be32 durable;
	__be32 credit;
	__be32 newest;
	__be32 ack_delay_us;
	__be32 ce_count;
	__be32 reserved;
};

/**
 * struct ebpfdma_wire2_range - durable block indices [@first, @end)
 * @first: the first
 * @end: one past the last
 */
struct ebpfdma_wire2_range {
	__be32 first;
	__be32 end;
};

#define EBPFDMA_WIRE2_ACK_RANGES_MAX 64U

/**
 * struct ebpfdma_wire2_commit - the body of a COMMIT (the sender's, under
 * k_data, with the session's protection; "mac" for "crc" sessions)
 * @blocks: the blocks of the transfer (the session's, or it is malformed)
 * @flags: EBPFDMA_WIRE2_COMMIT_*; other bits must be zero
 * @lba: with EBPFDMA_WIRE2_COMMIT_LAST, the transfer's first logical
 *	 block (of its first session); otherwise zero
 * @length: with EBPFDMA_WIRE2_COMMIT_LAST, the transfer's bytes, which
 *	    end where this session's end; otherwise zero
 * @digest: with EBPFDMA_WIRE2_COMMIT_LAST, the unkeyed BLAKE2b-256
 *	    (RFC 7693) of the transfer's bytes; otherwise zero
 *
 * The sender has had every block acknowledged: the receiver answers with
 * an ACK flagged EBPFDMA_WIRE2_ACK_COMPLETE once every block is durable
 * (a flush issued after the COMMIT arrived has completed), and ends the
 * session; while blocks are missing, with an ACK that lists what is.
 * The last session of a transfer records the whole transfer with it.
 */
struct ebpfdma_wire2_commit {
	__be32 blocks;
	__be32 flags;
	__be64 lba;
	__be64 length;
	__u8 digest[32];
};

/* struct ebpfdma_wire2_commit.flags: the session ends the transfer */
#define EBPFDMA_WIRE2_COMMIT_LAST 0x1U
#define EBPFDMA_WIRE2_DIGEST_LEN 32U

#endif /* _UAPI_EBPFDMA_WIRE_H */

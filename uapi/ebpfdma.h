/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ebpfdma user-space ABI, shared by the kernel module, the BPF programs and
 * the tools.
 *
 * Rules: only fixed-width types (__u8 .. __u64); every structure has
 * explicit padding and a size checked at build time; "reserved" and "pad"
 * fields must be zero on input (else -EINVAL) and are zero on output.
 * Compatible additions take reserved space and a new feature bit;
 * EBPFDMA_ABI_VERSION changes only on an incompatible change.
 */
#ifndef _UAPI_EBPFDMA_H
#define _UAPI_EBPFDMA_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* The character device: /dev/ebpfdma, mode 0600 (root only). */
#define EBPFDMA_DEV_NAME "ebpfdma"

/*
 * 2: wire version 1 is gone, and with it VOLUME_BIND (ioctl 0x09, now
 * -ENOTTY) and VOLUME_ADD's token (now reserved, zero).
 */
#define EBPFDMA_ABI_VERSION 2

/* Module parameter limits (/sys/module/ebpfdma/parameters/). */
#define EBPFDMA_NR_SLOTS_MIN 8U
#define EBPFDMA_NR_SLOTS_MAX (1U << 20)
#define EBPFDMA_NR_SLOTS_DEFAULT 4096U
#define EBPFDMA_SLOT_SIZE_MIN 512U /* bytes, a power of two */
#define EBPFDMA_SLOT_SIZE_MAX (1U << 20) /* bytes */
#define EBPFDMA_SLOT_SIZE_DEFAULT 4096U /* bytes */
#define EBPFDMA_POOL_BYTES_MAX (1ULL << 30) /* nr_slots * slot_size */

/* Feature bits, reported by EBPFDMA_IOC_GET_INFO. */
#define EBPFDMA_F_POOL_MMAP (1ULL << 0) /* pool chunks mmap at pool_offset */
#define EBPFDMA_F_RING (1ULL << 1) /* completion ring mmaps at ring_offset */
#define EBPFDMA_F_SLOTS (1ULL << 2) /* SLOTS_ALLOC / SLOTS_FREE */
#define EBPFDMA_F_VOLUMES (1ULL << 3) /* VOLUME_ADD / DEL / LIST */
#define EBPFDMA_F_SUBMIT (1ULL << 4) /* SUBMIT, completions, poll */
#define EBPFDMA_F_FLUSH (1ULL << 5) /* FLUSH */
#define EBPFDMA_F_STATS (1ULL << 6) /* GET_STATS */
/* The kfunc bpf_ebpfdma_rx() for XDP, EBPFDMA_CQE_NET */
#define EBPFDMA_F_NET (1ULL << 7)
#define EBPFDMA_F_FLUSH_NOW (1ULL << 8) /* FLUSH with EBPFDMA_FLUSH_NOW */
/* VOLUME_LIST reports EBPFDMA_VOL_STABLE, completions EBPFDMA_CQE_STABLE */
#define EBPFDMA_F_VOL_STABLE (1ULL << 9)
/* SESSION_ADD / DEL / SUBMIT, wire version 2 DATA in the kfunc */
#define EBPFDMA_F_SESSIONS (1ULL << 10)
/* The kfunc takes EBPFDMA_RX_F_CE, completions say EBPFDMA_CQE_CE */
#define EBPFDMA_F_RX_ECN (1ULL << 11)
/* VOLUME_ADD takes a regular file, VOLUME_LIST says EBPFDMA_VOL_FILE */
#define EBPFDMA_F_VOL_FILE (1ULL << 12)
/* SESSION_ADD takes EBPFDMA_SESSION_F_RUNS */
#define EBPFDMA_F_CQE_RUNS (1ULL << 13)
#define EBPFDMA_F_ALL                                                   \
	(EBPFDMA_F_POOL_MMAP | EBPFDMA_F_RING | EBPFDMA_F_SLOTS |       \
	 EBPFDMA_F_VOLUMES | EBPFDMA_F_SUBMIT | EBPFDMA_F_FLUSH |       \
	 EBPFDMA_F_STATS | EBPFDMA_F_NET | EBPFDMA_F_FLUSH_NOW |        \
	 EBPFDMA_F_VOL_STABLE | EBPFDMA_F_SESSIONS | EBPFDMA_F_RX_ECN | \
	 EBPFDMA_F_VOL_FILE | EBPFDMA_F_CQE_RUNS)

/*
 * bpf_ebpfdma_rx()'s flags: EBPFDMA_RX_F_CE when the datagram's IP header
 * carries ECN's Congestion Experienced mark (RFC 3168: the two low bits
 * of IPv4's TOS or IPv6's Traffic Class are 11); its completion then
 * carries EBPFDMA_CQE_CE, so that the receiver can echo the mark.
 */
#define EBPFDMA_RX_F_CE (1U << 0)
#define EBPFDMA_RX_F_ALL EBPFDMA_RX_F_CE

/*
 * mmap offsets.  The completion ring is one mapping of ring_bytes at
 * EBPFDMA_MMAP_RING.  The pool is pool_chunks mappings of chunk_bytes each:
 * chunk i at EBPFDMA_MMAP_POOL + i * chunk_bytes, slot s in chunk
 * s / slots_per_chunk at byte (s % slots_per_chunk) * slot_size.  Mappings
 * must be MAP_SHARED, of exactly that size at exactly that offset; a
 * PROT_WRITE mapping needs a descriptor opened for writing.
 */
#define EBPFDMA_MMAP_RING 0ULL
#define EBPFDMA_MMAP_POOL (1ULL << 32)

/**
 * struct ebpfdma_info - EBPFDMA_IOC_GET_INFO (output only)
 * @abi_version: EBPFDMA_ABI_VERSION
 * @features: EBPFDMA_F_* supported by this module
 * @nr_slots: slots in the pool of this descriptor
 * @slot_size: bytes per slot
 * @chunk_bytes: bytes per pool chunk (a multiple of the page size)
 * @pool_chunks: number of chunks
 * @pool_offset: mmap offset of chunk 0
 * @ring_offset: mmap offset of the completion ring
 * @ring_bytes: mmap length of the completion ring
 * @ring_entries: completion entries in the ring (a power of two)
 * @ring_entry_size: sizeof(struct ebpfdma_cqe)
 * @ring_entries_offset: byte offset of entry 0 in the ring mapping
 * @max_batch: most entries one SLOTS_ALLOC / SLOTS_FREE call takes
 * @reserved: zero
 */
struct ebpfdma_info {
	__u32 abi_version;
	__u32 pad0;
	__u64 features;
	__u32 nr_slots;
	__u32 slot_size;
	__u32 chunk_bytes;
	__u32 pool_chunks;
	__u64 pool_offset;
	__u64 ring_offset;
	__u64 ring_bytes;
	__u32 ring_entries;
	__u32 ring_entry_size;
	__u32 ring_entries_offset;
	__u32 max_batch;
	__u64 reserved[8];
};

/**
 * struct ebpfdma_ring_hdr - head of the completion ring mapping
 * @head: consumer index, written by user space after it has read entries
 * @tail: producer index, written by the kernel after it has filled entries
 * @entries: number of entries (a power of two); index i is entry
 *	     (i & (entries - 1))
 * @overflow: times the kernel found @head ahead of @tail (a consumer bug,
 *	      never with a well-behaved consumer); the ring then frees no
 *	      entry, and looks full, until @head is sane again
 *
 * Indices are free-running __u32 counters.  User space reads @tail with
 * acquire semantics, the entries, then stores @head with release semantics.
 * Every write and flush accepted has an entry set aside for its
 * completion, so no completion is ever dropped; an entry is free again
 * once @head has moved past it.
 */
struct ebpfdma_ring_hdr {
	__u32 head;
	__u32 pad0[15];
	__u32 tail;
	__u32 pad1[15];
	__u32 entries;
	__u32 overflow;
	__u32 pad2[14];
};

/**
 * struct ebpfdma_cqe - one completion
 * @cookie: the submitter's cookie
 * @lba: first logical block, relative to the volume's window
 * @volume: volume id
 * @len: bytes
 * @status: 0, or a negative errno (-EIO: the device failed the write)
 * @flags: EBPFDMA_CQE_FLUSH for the completion of a FLUSH (then @lba and
 *	   @len are 0); EBPFDMA_CQE_STABLE for a successful write to a device
 *	   without a volatile write cache when it completed (it is durable
 *	   already: no flush needed); EBPFDMA_CQE_SESSION for a block of a
 *	   session (placed by XDP, then with EBPFDMA_CQE_NET too, or by
 *	   SESSION_SUBMIT): then @cookie is the session's id and @lba tells
 *	   the block; EBPFDMA_CQE_CE for a block whose datagram arrived with
 *	   ECN's CE mark (EBPFDMA_RX_F_CE)
 *
 * A session added with EBPFDMA_SESSION_F_RUNS may have one entry complete
 * a run of its blocks: consecutive blocks, each written with status 0,
 * whose entries would have had the same @flags; @lba is then the first
 * block's, @len the bytes of them all.  A block that failed always has an
 * entry of its own.
 */
struct ebpfdma_cqe {
	__u64 cookie;
	__u64 lba;
	__u32 volume;
	__u32 len;
	__s32 status;
	__u32 flags;
};

/**
 * struct ebpfdma_slot_batch - EBPFDMA_IOC_SLOTS_ALLOC / EBPFDMA_IOC_SLOTS_FREE
 * @slots: user pointer to an array of __u32 slot indices (filled by ALLOC,
 *	   read by FREE)
 * @count: entries wanted (ALLOC) or given (FREE); 1..max_batch
 * @done: output: slots allocated (ALLOC, fewer when the pool runs out; 0
 *	  fails with -ENOBUFS) or freed (FREE, stops at the first bad index)
 * @reserved: zero
 *
 * Allocated slots belong to the descriptor that allocated them until they
 * are freed or submitted; closing the descriptor frees them.  FREE of a slot
 * that is free fails with -EINVAL, of another descriptor's slot -EPERM, of
 * an index >= nr_slots -ERANGE.
 */
struct ebpfdma_slot_batch {
	__u64 slots;
	__u32 count;
	__u32 done;
	__u64 reserved[2];
};

/* Volumes (EBPFDMA_F_VOLUMES): at most EBPFDMA_MAX_VOLUMES, ids below it. */
#define EBPFDMA_MAX_VOLUMES 64U
#define EBPFDMA_VOL_FUA (1U << 0) /* every write is a FUA write */
#define EBPFDMA_VOL_FLUSH_ON_COMMIT (1U << 1) /* COMMIT issues a flush */
#define EBPFDMA_VOL_FLAGS_ALL (EBPFDMA_VOL_FUA | EBPFDMA_VOL_FLUSH_ON_COMMIT)
/*
 * VOLUME_LIST only (VOLUME_ADD refuses it): the device has no volatile
 * write cache, so a completed write is durable and a flush has nothing to
 * do.  Read when listed: an administrator may turn the cache on later.
 */
#define EBPFDMA_VOL_STABLE (1U << 2)
/*
 * VOLUME_LIST only (VOLUME_ADD refuses it; the descriptor says which):
 * the volume is a window of a regular file, written with direct I/O
 * through its file system; never EBPFDMA_VOL_STABLE (its new blocks and
 * size are durable after a FLUSH).
 */
#define EBPFDMA_VOL_FILE (1U << 3)

/**
 * struct ebpfdma_volume_add - EBPFDMA_IOC_VOLUME_ADD (needs CAP_SYS_ADMIN)
 * @id: volume id, < EBPFDMA_MAX_VOLUMES (-EINVAL), not in use or being
 *	deleted (-EEXIST)
 * @fd: a block device the caller opened O_RDWR | O_EXCL, or a regular
 *	file it opened for writing (not O_APPEND) on a file system with
 *	direct I/O such as ext4 or xfs (EBPFDMA_F_VOL_FILE; the volume
 *	writes through an open of its own).  -EBADF: not an open
 *	descriptor; -ENOTBLK: neither a block device nor a regular file;
 *	-EACCES: not open for writing, or a block device not opened
 *	exclusively; -EINVAL: a file opened O_APPEND; -EOPNOTSUPP: a file
 *	whose file system has no direct I/O or no block device (tmpfs, 9p);
 *	-ETXTBSY: a swap file; -EPERM: an immutable or append-only file
 * @start: first logical block of the window
 * @blocks: logical blocks in the window, >= 1; the window must lie inside
 *	    the device, or inside the largest file the file system allows
 *	    (-ERANGE), and share no block with another volume's window on
 *	    the same device or file (-EBUSY)
 * @reserved0: zero
 * @flags: EBPFDMA_VOL_* (-EINVAL for others)
 * @block_size: output: the device's logical block size, bytes; for a file,
 *		the alignment its direct I/O needs (STATX_DIOALIGN's
 *		offset alignment, usually its device's logical block).
 *		Ignored on input
 * @reserved: zero
 *
 * Nothing is ever written outside [start, start + blocks).  The volume
 * keeps the descriptor's open until EBPFDMA_IOC_VOLUME_DEL.  A block
 * device's cached pages of the window are written back and dropped when
 * the volume is added, and dropped again after each write, so a buffered
 * reader of the device sees what the volume wrote.  A file is written
 * with direct I/O through its file system, which allocates its blocks
 * (preallocate with fallocate() for asynchronous writes: a write past the
 * end of the file is synchronous on ext4, and one not aligned to the file
 * system's block is serialised on the file), grows its size and keeps its
 * page cache coherent; FLUSH is an fsync() of it.  A write that finds the
 * file system frozen fails with -EAGAIN.
 */
struct ebpfdma_volume_add {
	__u32 id;
	__s32 fd;
	__u64 start;
	__u64 blocks;
	__u64 reserved0;
	__u32 flags;
	__u32 block_size;
	__u64 reserved[4];
};

/**
 * struct ebpfdma_volume_info - one entry of EBPFDMA_IOC_VOLUME_LIST
 * @id: volume id
 * @flags: EBPFDMA_VOL_*, and EBPFDMA_VOL_STABLE
 * @start: first logical block of the window
 * @blocks: logical blocks in the window
 * @block_size: logical block size, bytes
 * @major: block device major number (a file's: its file system's)
 * @minor: block device minor number (likewise)
 * @in_flight: writes queued or in flight
 * @bytes: bytes written successfully
 * @errors: writes completed with an error
 */
struct ebpfdma_volume_info {
	__u32 id;
	__u32 flags;
	__u64 start;
	__u64 blocks;
	__u32 block_size;
	__u32 major;
	__u32 minor;
	__u32 in_flight;
	__u64 bytes;
	__u64 errors;
};

/**
 * struct ebpfdma_volume_list - EBPFDMA_IOC_VOLUME_LIST
 * @vols: user pointer to an array of struct ebpfdma_volume_info
 * @count: input: entries the array holds; output: volumes that exist (when
 *	   larger than the input, only the input's number were written)
 * @pad: zero
 * @reserved: zero
 */
struct ebpfdma_volume_list {
	__u64 vols;
	__u32 count;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct ebpfdma_volume_del - EBPFDMA_IOC_VOLUME_DEL (needs CAP_SYS_ADMIN)
 * @id: the volume (-ENODEV if there is none)
 * @pad: zero
 * @reserved: zero
 *
 * New writes and flushes to the volume are refused at once (-ENODEV); the
 * call returns when every write and flush already queued has completed
 * and its completion is posted.  Until then the id is not free
 * (VOLUME_ADD: -EEXIST).
 */
struct ebpfdma_volume_del {
	__u32 id;
	__u32 pad;
	__u64 reserved[1];
};

#define EBPFDMA_DESC_FUA (1U << 0) /* this write is a FUA write */

/**
 * struct ebpfdma_desc - one write of EBPFDMA_IOC_SUBMIT
 * @lba: first logical block, relative to the volume's window
 * @cookie: returned in the completion
 * @volume: volume id (-ENODEV if there is none)
 * @slot: a slot this descriptor holds, filled through the mapping
 *	  (-ERANGE: no such slot; -EINVAL: free; -EPERM: not ours)
 * @len: bytes, a multiple of the volume's block size, 1..slot_size
 *	 (-EINVAL)
 * @flags: EBPFDMA_DESC_* (-EINVAL for others)
 *
 * The write must lie inside the window (-ERANGE).  A queued slot belongs
 * to the engine until its completion is posted; then it is free.
 */
struct ebpfdma_desc {
	__u64 lba;
	__u64 cookie;
	__u32 volume;
	__u32 slot;
	__u32 len;
	__u32 flags;
};

/**
 * struct ebpfdma_submit - EBPFDMA_IOC_SUBMIT (needs CAP_SYS_ADMIN)
 * @descs: user pointer to an array of struct ebpfdma_desc
 * @count: entries, 1..max_batch
 * @done: output: entries queued.  Queuing stops at the first entry that is
 *	  refused, and the call fails with that entry's errno; -EAGAIN when
 *	  the completion ring has no room for another completion (read
 *	  completions, then submit the rest).
 * @reserved: zero
 *
 * Each queued write completes exactly once in this descriptor's ring.
 */
struct ebpfdma_submit {
	__u64 descs;
	__u32 count;
	__u32 done;
	__u64 reserved[2];
};

/* Flush what has completed now, without waiting for queued writes. */
#define EBPFDMA_FLUSH_NOW (1U << 0)

/**
 * struct ebpfdma_flush - EBPFDMA_IOC_FLUSH (needs CAP_SYS_ADMIN)
 * @volume: the volume (-ENODEV if there is none)
 * @flags: 0 or EBPFDMA_FLUSH_NOW (-EINVAL for others)
 * @cookie: returned in the completion
 * @reserved: zero
 *
 * Without flags, a barrier: once every write queued to the volume before
 * it has completed, the device's volatile cache is flushed.  Writes queued
 * after it are not waited for, and any number of barriers may be pending.
 * With
 * EBPFDMA_FLUSH_NOW the cache is flushed at once, whatever is queued: every
 * write whose completion was posted before the call is durable when the
 * flush completes (group commit under continuous load).  The FLUSH
 * completes in this descriptor's ring (flags EBPFDMA_CQE_FLUSH) with the
 * flush's status.  -EAGAIN when the ring has no room for its completion.
 */
struct ebpfdma_flush {
	__u32 volume;
	__u32 flags;
	__u64 cookie;
	__u64 reserved[2];
};

#define EBPFDMA_CQE_FLUSH (1U << 0)
#define EBPFDMA_CQE_NET (1U << 1)
#define EBPFDMA_CQE_STABLE (1U << 2)
#define EBPFDMA_CQE_SESSION (1U << 3)
#define EBPFDMA_CQE_CE (1U << 4)

/**
 * struct ebpfdma_stats - EBPFDMA_IOC_GET_STATS (output only)
 * @nr_slots: slots in this descriptor's pool
 * @free_slots: of them, held by nobody
 * @high_water: most slots held at once
 * @in_flight_bios: bios submitted and not completed, all volumes
 * @volumes: volumes that exist
 * @pad: zero
 * @reserved: zero
 *
 * Per-volume counters are in EBPFDMA_IOC_VOLUME_LIST and in sysfs.
 */
struct ebpfdma_stats {
	__u32 nr_slots;
	__u32 free_slots;
	__u32 high_water;
	__u32 in_flight_bios;
	__u32 volumes;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct ebpfdma_session_add - EBPFDMA_IOC_SESSION_ADD (needs CAP_SYS_ADMIN)
 * @id: the session's id (wire version 2), not 0 (-EINVAL), not the id of a
 *	live session (-EEXIST)
 * @volume: the volume it writes to (-ENODEV)
 * @protect: EBPFDMA_PROTECT_* (-EINVAL for others)
 * @idle_ms: DATA is refused once no block was placed for this long, and
 *	     the session should then be deleted; 0: no limit
 * @key: the key of the sender's datagrams (AEAD, MAC: not all zero);
 *	 all zero for CRC (-EINVAL otherwise)
 * @lba: first logical block of the transfer, window-relative
 * @length: bytes of the transfer, >= 1; blocks [lba, lba + length rounded
 *	    up to logical blocks) must lie in the volume's window (-ERANGE)
 * @block_size: bytes of every DATA body but the last (whose body is the
 *		rest of @length, rounded up to logical blocks): a multiple of
 *		the volume's logical block size, at most the pool's slot size
 *		(-EINVAL); the transfer has at most 2^32 blocks (-E2BIG)
 * @flags: EBPFDMA_SESSION_F_* (-EINVAL for others)
 * @pad: zero
 * @reserved: zero
 *
 * The kfunc then places a wire version 2 DATA of the session that
 * verifies under @key, each block at most once: a block already placed is
 * dropped and counted (rx/duplicate), whichever path placed it.  Its
 * completion goes to this descriptor's ring, flagged EBPFDMA_CQE_NET |
 * EBPFDMA_CQE_SESSION.  The session belongs to this descriptor: closing it
 * deletes the session; EBPFDMA_IOC_SESSION_DEL deletes it sooner.  After
 * deletion no datagram of it is placed.
 */
struct ebpfdma_session_add {
	__u64 id;
	__u32 volume;
	__u32 protect;
	__u32 idle_ms;
	__u32 block_size;
	__u8 key[32];
	__u64 lba;
	__u64 length;
	__u32 flags;
	__u32 pad;
	__u64 reserved[3];
};

/*
 * SESSION_ADD's flags: EBPFDMA_SESSION_F_RUNS lets one completion entry
 * stand for a run of the session's blocks (see struct ebpfdma_cqe), so
 * that the ring is read once a run rather than once a datagram.
 */
#define EBPFDMA_SESSION_F_RUNS (1U << 0)
#define EBPFDMA_SESSION_F_ALL EBPFDMA_SESSION_F_RUNS

/**
 * struct ebpfdma_session_del - EBPFDMA_IOC_SESSION_DEL (needs CAP_SYS_ADMIN)
 * @id: a session this descriptor added (-ENOENT otherwise)
 * @reserved: zero
 *
 * When it returns, no datagram of the session is placed any more, by
 * either path; blocks placed before still complete into the ring.
 */
struct ebpfdma_session_del {
	__u64 id;
	__u64 reserved[3];
};

/**
 * struct ebpfdma_session_desc - one write of EBPFDMA_IOC_SESSION_SUBMIT
 * @session: a session this descriptor added (-ENOENT)
 * @index: the block's index in the transfer (-ERANGE past its end)
 * @slot: a slot this descriptor holds, holding the block's bytes
 *	  (-ERANGE, -EINVAL, -EPERM as for SUBMIT)
 * @len: bytes: the session's block size, or the last block's (-EINVAL)
 * @flags: EBPFDMA_DESC_* (-EINVAL for others)
 * @reserved: zero
 *
 * The slow path of wire version 2: a block the receiver verified itself.
 * A block already placed is refused with -EALREADY (and counted), not
 * written twice; -ETIMEDOUT: the session was idle past its limit;
 * -ENODEV: its volume is gone; -EAGAIN: the completion ring is full.
 */
struct ebpfdma_session_desc {
	__u64 session;
	__u32 index;
	__u32 slot;
	__u32 len;
	__u32 flags;
	__u64 reserved;
};

#define EBPFDMA_IOC_MAGIC 0xED
#define EBPFDMA_IOC_GET_INFO _IOR(EBPFDMA_IOC_MAGIC, 0x00, struct ebpfdma_info)
#define EBPFDMA_IOC_SLOTS_ALLOC \
	_IOWR(EBPFDMA_IOC_MAGIC, 0x01, struct ebpfdma_slot_batch)
#define EBPFDMA_IOC_SLOTS_FREE \
	_IOWR(EBPFDMA_IOC_MAGIC, 0x02, struct ebpfdma_slot_batch)
#define EBPFDMA_IOC_VOLUME_ADD \
	_IOWR(EBPFDMA_IOC_MAGIC, 0x03, struct ebpfdma_volume_add)
#define EBPFDMA_IOC_VOLUME_DEL \
	_IOW(EBPFDMA_IOC_MAGIC, 0x04, struct ebpfdma_volume_del)
#define EBPFDMA_IOC_VOLUME_LIST \
	_IOWR(EBPFDMA_IOC_MAGIC, 0x05, struct ebpfdma_volume_list)
#define EBPFDMA_IOC_SUBMIT _IOWR(EBPFDMA_IOC_MAGIC, 0x06, struct ebpfdma_submit)
#define EBPFDMA_IOC_FLUSH _IOW(EBPFDMA_IOC_MAGIC, 0x07, struct ebpfdma_flush)
#define EBPFDMA_IOC_GET_STATS \
	_IOR(EBPFDMA_IOC_MAGIC, 0x08, struct ebpfdma_stats)
/* 0x09 was VOLUME_BIND (ABI version 1) */
#define EBPFDMA_IOC_SESSION_ADD \
	_IOW(EBPFDMA_IOC_MAGIC, 0x0a, struct ebpfdma_session_add)
#define EBPFDMA_IOC_SESSION_DEL \
	_IOW(EBPFDMA_IOC_MAGIC, 0x0b, struct ebpfdma_session_del)
/* struct ebpfdma_submit whose descs are struct ebpfdma_session_desc */
#define EBPFDMA_IOC_SESSION_SUBMIT \
	_IOWR(EBPFDMA_IOC_MAGIC, 0x0c, struct ebpfdma_submit)

#endif /* _UAPI_EBPFDMA_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file store: a directory on ext4 or xfs whose files are transfers,
 * each written as NAME.partial and renamed to NAME once it is durable and
 * committed (uapi/PROTOCOL.md, "File stores").  What the file system does
 * for one; serve decides when.  Every function returns 0 or -errno.
 */
#ifndef EBPFDMACTL_STORE_H
#define EBPFDMACTL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

#define STORE_PARTIAL ".partial"
/* The extended attributes of a stored file: its digest and length. */
#define STORE_XATTR_DIGEST "user.ebpfdma.blake2b-256"
#define STORE_XATTR_LENGTH "user.ebpfdma.length"
/* The sender's digest of the transfer, as its last COMMIT carries it. */
#define STORE_DIGEST_LEN EBPFDMA_WIRE2_DIGEST_LEN

/*
 * A name a transfer may have: 1 to EBPFDMA_WIRE2_NAME_MAX bytes, no '/',
 * no control character (below 0x20, 0x7f), not "." or "..", not ending
 * in ".partial".  -EINVAL otherwise.
 */
int store_name_ok(const char *name);

/* Remove every NAME.partial in @dirfd: transfers that never committed. */
int store_clean(int dirfd, unsigned int *removed);

/*
 * May a transfer of @length bytes named @name start?  -EEXIST: @name
 * exists and !@overwrite; -EDQUOT: the regular files in the store take
 * @quota bytes or more with it (@quota 0: none); -ENOSPC: more than the
 * file system has free.
 */
int store_admit(int dirfd, const char *name, uint64_t length, uint64_t quota,
		bool overwrite);

/* Create (or truncate) NAME.partial for writing; its descriptor. */
int store_create(int dirfd, const char *name);

/* Allocate [@off, +@len) of the partial file @fd: -ENOSPC when full. */
int store_reserve(int fd, uint64_t off, uint64_t len);

/*
 * Publish: the partial file @fd cut to @length bytes, its digest and
 * length recorded as extended attributes, synced, renamed to @name
 * (replacing one only if @overwrite: -EEXIST otherwise), and the
 * directory synced.  *@renamed: @name is the file now (also when only
 * the directory's sync failed).
 */
int store_publish(int dirfd, int fd, const char *name, uint64_t length,
		  const uint8_t digest[STORE_DIGEST_LEN], bool overwrite,
		  bool *renamed);

/* Remove NAME.partial (a transfer abandoned). */
int store_discard(int dirfd, const char *name);

/* One stored file, as `ebpfdmactl ls` lists it. */
struct store_entry {
	char name[256];
	uint64_t bytes;
	int64_t mtime;
	bool has_digest; /* the extended attributes were there */
	uint8_t digest[STORE_DIGEST_LEN];
};

/*
 * Call @fn for each stored file of @dirfd (regular, not partial), in
 * the directory's order; stops at @fn's first non-zero.
 */
int store_list(int dirfd, int (*fn)(const struct store_entry *, void *),
	       void *arg);

#endif

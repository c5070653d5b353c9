/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A volume's commit record: what its last committed transfer was (where
 * on the device, how many bytes, their BLAKE2b-256 as the sender sent it
 * in its last COMMIT, uapi/PROTOCOL.md), written by serve before the
 * COMPLETE is sent, read by `ebpfdmactl volume read`.  One text file a
 * volume, STATE_DIR/volume-ID.commit, replaced atomically (a temporary
 * file written and synced, renamed, the directory synced).  STATE_DIR is
 * serve's state_dir =, else $STATE_DIRECTORY (systemd's StateDirectory=),
 * else /var/lib/ebpfdma.
 */
#ifndef EBPFDMA_CTL_RECORD_H
#define EBPFDMA_CTL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/ebpfdma_wire.h"

struct commit_record {
	uint32_t volume;
	char device[256]; /* the volume's device or file */
	uint64_t offset; /* the transfer's first byte on it */
	uint64_t length; /* its bytes */
	uint8_t digest[EBPFDMA_WIRE2_DIGEST_LEN]; /* BLAKE2b-256 of them */
	uint64_t transfer; /* the sender's id of the transfer */
	char peer[64]; /* the sender's address */
	uint64_t time; /* when it was committed (seconds since the epoch) */
};

/* @dir, else $STATE_DIRECTORY, else /var/lib/ebpfdma. */
const char *record_dir(const char *dir);
/* Create @dir (mode 0700) if it is missing.  0 or -errno. */
int record_dir_make(const char *dir);
/* Record @r durably in @dir.  0 or -errno. */
int record_write(const char *dir, const struct commit_record *r);
/* Volume @volume's record from @dir.  0, -ENOENT, -EINVAL (not one). */
int record_read(const char *dir, uint32_t volume, struct commit_record *r);

#endif

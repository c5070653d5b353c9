/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an interrupted transfer of a regular file stands, so that
 * `ebpfdma-send --resume` continues it without sending again what the
 * receiver acknowledged durable.  One small file per (receiver, port,
 * volume, offset, file), in $EBPFDMA_STATE_DIR, else $XDG_STATE_HOME/ebpfdma,
 * else ~/.local/state/ebpfdma (mode 0700): the durable prefix of the file
 * in bytes, with the block size and the volume's logical block size it
 * was sent in, the transfer's id (its new session takes the volume over
 * from the interrupted one, uapi/PROTOCOL.md), and the file's length and modification time (a file that
 * changed is sent whole).  Only what ACKs that verified said is recorded;
 * the record is replaced atomically (rename) as the prefix grows, and
 * removed once the transfer is committed.
 */
#ifndef EBPFDMA_SEND_RESUME_H
#define EBPFDMA_SEND_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct resume_state {
	uint64_t offset; /* bytes from the file's start that are durable */
	uint32_t block_size, unit;
	uint64_t transfer; /* the transfer's id in its HELLOs (0: none yet) */
};

/*
 * The transfer: @path (a regular file, @st its fstat) to @volume at @host,
 * from the volume's logical block @lba (--offset).
 */
void resume_init(const char *host, uint16_t port, uint32_t volume,
		 uint64_t lba, const char *path, const struct stat *st);
/*
 * The recorded state: 0; -ENOENT: none; -ESTALE: the file changed since
 * (@why says how).
 */
int resume_load(struct resume_state *rs, char *why, size_t whylen);
/* Record @rs (a warning, once, when it cannot be written). */
void resume_save(const struct resume_state *rs);
/* The transfer is committed: nothing to resume. */
void resume_clear(void);
/* The record's path ("" before resume_init()). */
const char *resume_path(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ebpfdma-send sends, in bounded memory whatever its length.  A
 * regular file is read where a datagram needs it (pread, through a
 * read-ahead buffer of SOURCE_READAHEAD bytes).  Anything else (standard
 * input, a pipe) is read a chunk of at most SOURCE_CHUNK bytes at a time:
 * a session announces its length, so each chunk is a session of its own,
 * committed before the next chunk is read.
 */
#ifndef EBPFDMA_SEND_SOURCE_H
#define EBPFDMA_SEND_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define SOURCE_READAHEAD (1U << 20)
#define SOURCE_CHUNK (16U << 20)

/* Open @path ("-": standard input).  0 or -errno. */
int source_open(const char *path);
/* A regular file (its length known, read where needed)? */
bool source_is_file(void);
/* A regular file's length and identity (for --resume). */
uint64_t source_size(void);
const struct stat *source_stat(void);
/*
 * A regular file whose length or modification time is not what it was
 * when opened: what was sent may mix two versions of it, and must not be
 * committed.
 */
bool source_changed(void);
/*
 * A stream: read its next chunk, the bytes from @off (where the last
 * chunk ended), at most @max of them; how many in *@got, *@eof when the
 * stream ended with them (known before it is sent: a byte past the chunk
 * is read ahead and kept for the next).  The last chunk's bytes are
 * forgotten.  0 or -errno
 * (-EINTR: a signal whose handler does not restart reads came).
 */
int source_next_chunk(uint64_t off, uint32_t max, uint32_t *got, bool *eof);
/*
 * @len bytes at @off into @buf (of the file, or of the current chunk);
 * bytes past the end read as zeros (the last block's padding).  0 or
 * -errno: -ENODATA when a regular file ends before the length it had
 * when opened (it shrank while being sent).
 */
int source_read(uint64_t off, void *buf, uint32_t len);

#endif

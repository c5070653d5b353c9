/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ebpfdma-send sends: a regular file is read where a datagram needs
 * it (pread, through a read-ahead buffer of SOURCE_READAHEAD bytes), so
 * memory does not grow with the file; anything else (standard input, a
 * pipe) is read whole into memory first, as its length must be known
 * before the HELLO that announces it.
 */
#ifndef EBPFDMA_SEND_SOURCE_H
#define EBPFDMA_SEND_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#define SOURCE_READAHEAD (1U << 20)

/* Open @path ("-": standard input); its length in *@size.  0 or -errno. */
int source_open(const char *path, uint64_t *size);
/*
 * @len bytes at @off into @buf; bytes past the end read as zeros (the last
 * block's padding).  0 or -errno.
 */
int source_read(uint64_t off, void *buf, uint32_t len);
/* Read where needed (a regular file), not held in memory. */
bool source_streams(void);

#endif

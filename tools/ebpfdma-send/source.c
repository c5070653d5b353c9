// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's input (see source.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/ebpfdma-send/source.h"

static struct {
	int fd;
	bool file; /* a regular file */
	struct stat st;
	uint64_t size; /* the file's bytes, or the current chunk's end */
	uint8_t *chunk; /* a stream's current chunk: [chunk_off, size) */
	uint64_t chunk_off;
	bool carry; /* a byte read past the chunk (so its end is known) */
	uint8_t carry_byte;
	uint8_t *ra; /* read-ahead: [ra_off, ra_off + ra_len) of the file */
	uint64_t ra_off;
	uint32_t ra_len;
} S = { .fd = -1 };

int source_open(const char *path)
{
	int fd = 0;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fstat(fd, &S.st))
		return -errno;
	S.fd = fd;
	/*
	 * Standard input is a stream even when it is a regular file: it is
	 * read from where its position stands, and cannot be named again
	 * for --resume.
	 */
	S.file = fd && S_ISREG(S.st.st_mode);
	if (S.file) {
		S.ra = malloc(SOURCE_READAHEAD);
		if (!S.ra)
			return -ENOMEM;
		S.size = S.st.st_size;
		/* Read once, front to back, apart from retransmissions. */
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	} else {
		S.chunk = malloc(SOURCE_CHUNK + 1);
		if (!S.chunk)
			return -ENOMEM;
	}
	return 0;
}

bool source_is_file(void)
{
	return S.file;
}

uint64_t source_size(void)
{
	return S.size;
}

const struct stat *source_stat(void)
{
	return &S.st;
}

int source_next_chunk(uint64_t off, uint32_t max, uint32_t *got, bool *eof)
{
	ssize_t n;

	if (max > SOURCE_CHUNK)
		max = SOURCE_CHUNK;
	*got = 0;
	*eof = false;
	if (S.carry) {
		S.chunk[(*got)++] = S.carry_byte;
		S.carry = false;
	}
	/* One byte more than the chunk: whether the stream ends with it. */
	while (*got < max + 1) {
		/* SIGINT and SIGTERM interrupt it (SIGCONT restarts it). */
		n = read(S.fd, S.chunk + *got, max + 1 - *got);
		if (n < 0)
			return -errno; /* the run ends: nothing is read again */
		if (!n) {
			*eof = true;
			break;
		}
		*got += n;
	}
	if (!*eof) {
		S.carry = true;
		S.carry_byte = S.chunk[max];
		*got = max;
	}
	S.chunk_off = off;
	S.size = off + *got;
	return 0;
}

bool source_changed(void)
{
	struct stat st;

	if (!S.file)
		return false;
	if (fstat(S.fd, &st))
		return true;
	return st.st_size != S.st.st_size ||
	       st.st_mtim.tv_sec != S.st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != S.st.st_mtim.tv_nsec;
}

/* Fill the read-ahead buffer from @off, up to the file's end. */
static int readahead_at(uint64_t off)
{
	uint32_t got = 0;
	ssize_t n;

	while (got < SOURCE_READAHEAD && off + got < S.size) {
		n = pread(S.fd, S.ra + got, SOURCE_READAHEAD - got, off + got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA; /* shorter than it was */
		got += n;
	}
	S.ra_off = off;
	S.ra_len = got;
	return 0;
}

int source_read(uint64_t off, void *buf, uint32_t len)
{
	uint8_t *out = buf;
	uint32_t have = 0, k;
	int ret;

	while (have < len) {
		uint64_t at = off + have;

		if (at >= S.size) {
			memset(out + have, 0, len - have);
			return 0;
		}
		if (!S.file) {
			if (at < S.chunk_off)
				return -EINVAL; /* a chunk committed already */
			k = S.size - at < len - have ? S.size - at : len - have;
			memcpy(out + have, S.chunk + (at - S.chunk_off), k);
		} else if (at < S.ra_off) {
			/* Behind the read-ahead (a retransmission): just it. */
			ssize_t n = pread(S.fd, out + have, len - have, at);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (!n)
				return -ENODATA; /* shorter than it was */
			k = n;
		} else {
			if (at >= S.ra_off + S.ra_len) {
				ret = readahead_at(at);
				if (ret)
					return ret;
			}
			k = S.ra_off + S.ra_len - at;
			if (k > len - have)
				k = len - have;
			memcpy(out + have, S.ra + (at - S.ra_off), k);
		}
		have += k;
	}
	return 0;
}

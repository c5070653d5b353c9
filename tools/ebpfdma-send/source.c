// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's input (see source.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/ebpfdma-send/source.h"

static struct {
	int fd;
	uint64_t size;
	uint8_t *mem; /* the whole input, when it is not a regular file */
	uint8_t *ra; /* read-ahead: [ra_off, ra_off + ra_len) of the file */
	uint64_t ra_off;
	uint32_t ra_len;
} S = { .fd = -1 };

/* A pipe or a terminal: read to its end. */
static int slurp(int fd)
{
	size_t cap = 1 << 20, len = 0;
	uint8_t *buf = malloc(cap), *nb;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	S.mem = buf;
	S.size = len;
	return 0;
}

int source_open(const char *path, uint64_t *size)
{
	struct stat st;
	int fd = 0, ret;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		S.ra = malloc(SOURCE_READAHEAD);
		if (!S.ra)
			return -ENOMEM;
		S.fd = fd;
		S.size = st.st_size;
		/* Read once, front to back, apart from retransmissions. */
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	} else {
		ret = slurp(fd);
		if (fd)
			close(fd);
		if (ret)
			return ret;
	}
	*size = S.size;
	return 0;
}

bool source_streams(void)
{
	return S.fd >= 0;
}

/* Fill the read-ahead buffer from @off. */
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
			break; /* shorter than it was: zeros from here */
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
		if (S.mem) {
			k = S.size - at < len - have ? S.size - at : len - have;
			memcpy(out + have, S.mem + at, k);
		} else if (at < S.ra_off) {
			/* Behind the read-ahead (a retransmission): just it. */
			ssize_t n = pread(S.fd, out + have, len - have, at);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (!n) {
				memset(out + have, 0, len - have);
				return 0;
			}
			k = n;
		} else {
			if (at >= S.ra_off + S.ra_len) {
				ret = readahead_at(at);
				if (ret)
					return ret;
				if (!S.ra_len) {
					memset(out + have, 0, len - have);
					return 0;
				}
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

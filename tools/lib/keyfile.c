// SPDX-License-Identifier: GPL-2.0
/*
 * Key files: the file is opened once and checked through its descriptor
 * (fstat), so what is checked is what is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "tools/lib/keyfile.h"

#define HEX_LEN (2 * EDMA_KEY_LEN)

int edma_key_load(const char *path, uint8_t key[EDMA_KEY_LEN], char *err,
		  size_t errlen)
{
	char text[HEX_LEN + 3];
	struct stat st;
	size_t bin_len;
	const char *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file", path);
		goto err_close;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "key file %s is accessible to its group or others (mode %04o): chmod 600 %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		goto err_close;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen,
			 "key file %s belongs to uid %u, not to this user or root: chown it",
			 path, (unsigned int)st.st_uid);
		goto err_close;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n == HEX_LEN + 1 && text[HEX_LEN] == '\n')
		n--;
	if (n != HEX_LEN ||
	    sodium_hex2bin(key, EDMA_KEY_LEN, text, HEX_LEN, NULL, &bin_len,
			   &end) ||
	    bin_len != EDMA_KEY_LEN) {
		snprintf(err, errlen,
			 "key file %s must hold 64 hexadecimal digits (a 256-bit key; ebpfdmactl genkey FILE makes one)",
			 path);
		sodium_memzero(key, EDMA_KEY_LEN);
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	return 0;

err_close:
	close(fd);
	return -1;
}

int edma_key_generate(const char *path, char *err, size_t errlen)
{
	uint8_t key[EDMA_KEY_LEN];
	char text[HEX_LEN + 2];
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(text, sizeof(text), key, sizeof(key));
	text[HEX_LEN] = '\n';
	ok = write(fd, text, HEX_LEN + 1) == HEX_LEN + 1;
	ok = !close(fd) && ok;
	sodium_memzero(key, sizeof(key));
	sodium_memzero(text, sizeof(text));
	if (!ok) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

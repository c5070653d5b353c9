// SPDX-License-Identifier: GPL-2.0
/*
 * Commit records (see record.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "record.h"

#define MAGIC "ebpfdma commit record 1"

const char *record_dir(const char *dir)
{
	const char *env = getenv("STATE_DIRECTORY");

	if (dir && *dir)
		return dir;
	/* systemd may give several, separated by colons: the first. */
	if (env && *env == '/' && !strchr(env, ':'))
		return env;
	return "/var/lib/ebpfdma";
}

int record_dir_make(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static void record_path(char *buf, size_t len, const char *dir,
			uint32_t volume, const char *suffix)
{
	snprintf(buf, len, "%s/volume-%u.commit%s", dir, volume, suffix);
}

int record_write(const char *dir, const struct commit_record *r)
{
	char path[PATH_MAX], tmp[PATH_MAX], hex[2 * EBPFDMA_WIRE2_DIGEST_LEN + 1];
	int fd, dfd, ret = 0;
	FILE *f;

	record_path(path, sizeof(path), dir, r->volume, "");
	record_path(tmp, sizeof(tmp), dir, r->volume, ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto unlink_tmp;
	}
	sodium_bin2hex(hex, sizeof(hex), r->digest, sizeof(r->digest));
	fprintf(f,
		"%s\nvolume %u\ndevice %s\noffset %" PRIu64 "\nlength %" PRIu64
		"\nblake2b-256 %s\ntransfer %016" PRIx64 "\npeer %s\ntime %" PRIu64
		"\n",
		MAGIC, r->volume, r->device, r->offset, r->length, hex,
		r->transfer, r->peer, r->time);
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		goto unlink_tmp;
	/* The rename itself is durable only once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd))
		ret = -errno;
	close(dfd);
	return ret;
unlink_tmp:
	unlink(tmp);
	return ret;
}

int record_read(const char *dir, uint32_t volume, struct commit_record *r)
{
	char path[PATH_MAX], line[512], hex[2 * EBPFDMA_WIRE2_DIGEST_LEN + 2];
	unsigned int have = 0;
	size_t bin_len;
	uint64_t v;
	FILE *f;

	memset(r, 0, sizeof(*r));
	record_path(path, sizeof(path), dir, volume, "");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, MAGIC))
			have |= 1;
		else if (sscanf(line, "volume %" SCNu64, &v) == 1 &&
			 v == volume)
			have |= 2;
		else if (!strncmp(line, "device /", 8) &&
			 strlen(line + 7) < sizeof(r->device)) {
			strcpy(r->device, line + 7);
			have |= 4;
		} else if (sscanf(line, "offset %" SCNu64, &r->offset) == 1)
			have |= 8;
		else if (sscanf(line, "length %" SCNu64, &r->length) == 1)
			have |= 16;
		else if (sscanf(line, "blake2b-256 %65s", hex) == 1 &&
			 !sodium_hex2bin(r->digest, sizeof(r->digest), hex,
					 strlen(hex), NULL, &bin_len, NULL) &&
			 bin_len == sizeof(r->digest))
			have |= 32;
		else if (sscanf(line, "transfer %" SCNx64, &r->transfer) == 1)
			continue;
		else if (!strncmp(line, "peer ", 5) &&
			 strlen(line + 5) < sizeof(r->peer))
			strcpy(r->peer, line + 5);
		else if (sscanf(line, "time %" SCNu64, &r->time) == 1)
			continue;
	}
	fclose(f);
	r->volume = volume;
	return have == 63 ? 0 : -EINVAL;
}

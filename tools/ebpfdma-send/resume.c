// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's record of an interrupted transfer (see resume.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "tools/ebpfdma-send/resume.h"

#define MAGIC "ebpfdma-send resume 1"

static struct {
	char path[PATH_MAX + 64];
	char dir[PATH_MAX];
	char file[PATH_MAX]; /* the file's absolute path */
	char receiver[300];
	uint64_t size, mtime_ns;
	bool warned;
} R;

/* mkdir -p, mode 0700. */
static int make_dir(char *dir)
{
	char *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

void resume_init(const char *host, uint16_t port, uint32_t volume,
		 uint64_t lba, const char *path, const struct stat *st)
{
	const char *base = getenv("EBPFDMA_STATE_DIR");
	uint8_t id[16];
	char hex[33];
	crypto_generichash_state h;

	if (base && *base)
		snprintf(R.dir, sizeof(R.dir), "%s", base);
	else if ((base = getenv("XDG_STATE_HOME")) && *base == '/')
		snprintf(R.dir, sizeof(R.dir), "%s/ebpfdma", base);
	else if ((base = getenv("HOME")) && *base)
		snprintf(R.dir, sizeof(R.dir), "%s/.local/state/ebpfdma",
			 base);
	else
		snprintf(R.dir, sizeof(R.dir), "/var/lib/ebpfdma");
	if (!realpath(path, R.file))
		snprintf(R.file, sizeof(R.file), "%s", path);
	if (lba)
		snprintf(R.receiver, sizeof(R.receiver),
			 "%s %u %u offset %" PRIu64, host, port, volume, lba);
	else
		snprintf(R.receiver, sizeof(R.receiver), "%s %u %u", host,
			 port, volume);
	R.size = st->st_size;
	R.mtime_ns = st->st_mtim.tv_sec * 1000000000ULL + st->st_mtim.tv_nsec;
	/* Named for the receiver, the volume and the file (not its content). */
	crypto_generichash_init(&h, NULL, 0, sizeof(id));
	crypto_generichash_update(&h, (const uint8_t *)R.receiver,
				  strlen(R.receiver) + 1);
	crypto_generichash_update(&h, (const uint8_t *)R.file,
				  strlen(R.file) + 1);
	crypto_generichash_final(&h, id, sizeof(id));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	snprintf(R.path, sizeof(R.path), "%s/%s", R.dir, hex);
}

const char *resume_path(void)
{
	return R.path;
}

int resume_load(struct resume_state *rs, char *why, size_t whylen)
{
	char line[PATH_MAX + 64];
	uint64_t size = UINT64_MAX, mtime = UINT64_MAX, v;
	bool magic = false, receiver = false, file = false;
	FILE *f;

	memset(rs, 0, sizeof(*rs));
	rs->offset = UINT64_MAX;
	f = fopen(R.path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, MAGIC))
			magic = true;
		else if (!strncmp(line, "receiver ", 9))
			receiver = !strcmp(line + 9, R.receiver);
		else if (!strncmp(line, "file ", 5))
			file = !strcmp(line + 5, R.file);
		else if (sscanf(line, "size %" SCNu64, &v) == 1)
			size = v;
		else if (sscanf(line, "mtime_ns %" SCNu64, &v) == 1)
			mtime = v;
		else if (sscanf(line, "offset %" SCNu64, &v) == 1)
			rs->offset = v;
		else if (sscanf(line, "block_size %" SCNu64, &v) == 1)
			rs->block_size = v;
		else if (sscanf(line, "unit %" SCNu64, &v) == 1)
			rs->unit = v;
		else if (sscanf(line, "transfer %" SCNx64, &v) == 1)
			rs->transfer = v;
	}
	fclose(f);
	if (!magic || !receiver || !file ||
	    rs->offset == UINT64_MAX || !rs->block_size || !rs->unit ||
	    rs->unit & (rs->unit - 1) || rs->block_size % rs->unit ||
	    rs->offset % rs->unit) {
		snprintf(why, whylen, "its record %s is not one this version wrote",
			 R.path);
		return -ESTALE;
	}
	if (size != R.size || mtime != R.mtime_ns || rs->offset > size) {
		snprintf(why, whylen,
			 "the file changed since (its length or modification time)");
		return -ESTALE;
	}
	return 0;
}

void resume_save(const struct resume_state *rs)
{
	char tmp[sizeof(R.path) + 8];
	FILE *f;
	int ret;

	if (!R.path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", R.path);
	ret = make_dir(R.dir);
	f = ret ? NULL : fopen(tmp, "we");
	if (!f) {
		if (!R.warned)
			fprintf(stderr,
				"ebpfdma-send: cannot record the transfer's progress in %s (%s): --resume will not be able to continue it\n",
				R.dir, strerror(ret ? -ret : errno));
		R.warned = true;
		return;
	}
	fprintf(f,
		"%s\nreceiver %s\nfile %s\nsize %" PRIu64 "\nmtime_ns %" PRIu64
		"\noffset %" PRIu64 "\nblock_size %u\nunit %u\ntransfer %016" PRIx64
		"\n",
		MAGIC, R.receiver, R.file, R.size, R.mtime_ns, rs->offset,
		rs->block_size, rs->unit, rs->transfer);
	if (fclose(f) || rename(tmp, R.path)) {
		unlink(tmp);
		if (!R.warned)
			fprintf(stderr,
				"ebpfdma-send: cannot record the transfer's progress in %s: %s\n",
				R.path, strerror(errno));
		R.warned = true;
	}
}

void resume_clear(void)
{
	if (R.path[0])
		unlink(R.path);
}

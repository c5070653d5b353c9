// SPDX-License-Identifier: GPL-2.0
/*
 * A file store's file-system side (store.h).  Publishing follows the
 * usual atomic-replace sequence: the data and the new file's metadata
 * synced (fsync), the rename, then the directory synced, so that after a
 * crash NAME is either absent (or the old file) or the whole new one
 * (rename(2), fsync(2); ext4 and xfs journal the rename).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store.h"
#include "uapi/ebpfdma_wire.h"

int store_name_ok(const char *name)
{
	size_t n = strlen(name), plen = strlen(STORE_PARTIAL), i;

	if (!n || n > EBPFDMA_WIRE2_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/')
			return -EINVAL;
	if (n >= plen && !strcmp(name + n - plen, STORE_PARTIAL))
		return -EINVAL;
	return 0;
}

static int partial_name(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s%s", name, STORE_PARTIAL) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool is_partial(const char *name)
{
	size_t n = strlen(name), plen = strlen(STORE_PARTIAL);

	return n > plen && !strcmp(name + n - plen, STORE_PARTIAL);
}

/* Each regular file of @dirfd's directory, @fn(name, stat, arg). */
static int each_file(int dirfd, int (*fn)(const char *, const struct stat *,
					   void *),
		     void *arg)
{
	struct dirent *d;
	struct stat st;
	int fd, ret = 0;
	DIR *dir;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (errno = 0, d = readdir(dir))) {
		if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue; /* gone meanwhile, or not a file */
		ret = fn(d->d_name, &st, arg);
	}
	if (!ret && errno)
		ret = -errno;
	closedir(dir);
	return ret;
}

struct clean_arg {
	int dirfd;
	unsigned int removed;
};

static int clean_one(const char *name, const struct stat *st, void *arg)
{
	struct clean_arg *c = arg;

	(void)st;
	if (!is_partial(name))
		return 0;
	if (unlinkat(c->dirfd, name, 0) && errno != ENOENT)
		return -errno;
	c->removed++;
	return 0;
}

int store_clean(int dirfd, unsigned int *removed)
{
	struct clean_arg c = { .dirfd = dirfd };
	int ret = each_file(dirfd, clean_one, &c);

	if (!ret && c.removed && fsync(dirfd))
		ret = -errno;
	*removed = c.removed;
	return ret;
}

static int add_usage(const char *name, const struct stat *st, void *arg)
{
	(void)name;
	*(uint64_t *)arg += (uint64_t)st->st_blocks * 512;
	return 0;
}

int store_admit(int dirfd, const char *name, uint64_t length, uint64_t quota,
		bool overwrite)
{
	struct statvfs sv;
	uint64_t used = 0;
	int ret;

	if (!overwrite && !faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	if (quota) {
		ret = each_file(dirfd, add_usage, &used);
		if (ret)
			return ret;
		if (length > quota || used > quota - length)
			return -EDQUOT;
	}
	if (fstatvfs(dirfd, &sv))
		return -errno;
	if (length > (uint64_t)sv.f_bavail * sv.f_frsize)
		return -ENOSPC;
	return 0;
}

int store_create(int dirfd, const char *name)
{
	char partial[512];
	int fd, ret;

	ret = partial_name(partial, sizeof(partial), name);
	if (ret)
		return ret;
	fd = openat(dirfd, partial,
		    O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	return fd < 0 ? -errno : fd;
}

int store_reserve(int fd, uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	return fallocate(fd, 0, off, len) ? -errno : 0;
}

int store_publish(int dirfd, int fd, const char *name, uint64_t length,
		  const uint8_t digest[STORE_DIGEST_LEN], bool overwrite,
		  bool *renamed)
{
	char partial[512], len_text[24];

	*renamed = false;
	if (partial_name(partial, sizeof(partial), name))
		return -ENAMETOOLONG;
	snprintf(len_text, sizeof(len_text), "%" PRIu64, length);
	if (ftruncate(fd, length) ||
	    fsetxattr(fd, STORE_XATTR_DIGEST, digest, STORE_DIGEST_LEN, 0) ||
	    fsetxattr(fd, STORE_XATTR_LENGTH, len_text, strlen(len_text), 0) ||
	    fsync(fd))
		return -errno;
	if (renameat2(dirfd, partial, dirfd, name,
		      overwrite ? 0 : RENAME_NOREPLACE))
		return -errno;
	*renamed = true;
	return fsync(dirfd) ? -errno : 0;
}

int store_discard(int dirfd, const char *name)
{
	char partial[512];

	if (partial_name(partial, sizeof(partial), name))
		return -ENAMETOOLONG;
	if (unlinkat(dirfd, partial, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

struct list_arg {
	int dirfd;
	int (*fn)(const struct store_entry *, void *);
	void *arg;
};

static int list_one(const char *name, const struct stat *st, void *arg)
{
	struct list_arg *l = arg;
	struct store_entry e = {
		.bytes = st->st_size, .mtime = st->st_mtime,
	};
	char path[512];
	ssize_t n;

	if (is_partial(name) || strlen(name) >= sizeof(e.name))
		return 0;
	strcpy(e.name, name);
	/* getxattr has no *at form: through /proc/self/fd. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", l->dirfd, name);
	n = lgetxattr(path, STORE_XATTR_DIGEST, e.digest, sizeof(e.digest));
	e.has_digest = n == STORE_DIGEST_LEN;
	return l->fn(&e, l->arg);
}

int store_list(int dirfd, int (*fn)(const struct store_entry *, void *),
	       void *arg)
{
	struct list_arg l = { .dirfd = dirfd, .fn = fn, .arg = arg };

	return each_file(dirfd, list_one, &l);
}

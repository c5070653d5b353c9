// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the file store's names (tools/ebpfdmactl/store.c),
 * which come from the network in a HELLO.
 *
 * Properties, for every input (the name's bytes, up to its first NUL):
 *   - store_name_ok() accepts exactly the names store.h's rule allows
 *     (written out below from that rule, not from the code);
 *   - an accepted name lands in the store as itself: store_create() makes
 *     one regular file NAME.partial in the store's directory and nowhere
 *     else, the publishing rename turns it into one file NAME, and
 *     store_discard() of a name never published leaves the store empty.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/ebpfdmactl/store.h"
#include "tools/fuzz/fuzz.h"

static bool rule(const char *name)
{
	size_t n = strlen(name), p = strlen(STORE_PARTIAL);

	if (n < 1 || n > EBPFDMA_WIRE2_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	if (n >= p && !memcmp(name + n - p, STORE_PARTIAL, p))
		return false;
	for (; *name; name++)
		if (*name == '/' || (unsigned char)*name < 0x20 ||
		    *name == 0x7f)
			return false;
	return true;
}

static char dir_path[] = "/dev/shm/ebpfdma-fuzz-store.XXXXXX";

/* The store goes with the process (it is empty between inputs). */
static void store_gone(void)
{
	rmdir(dir_path);
}

static int store_dir(void)
{
	static const char alt[] = "/tmp/ebpfdma-fuzz-store.XXXXXX";
	static int fd = -1;

	if (fd >= 0)
		return fd;
	if (!mkdtemp(dir_path) && !mkdtemp(strcpy(dir_path, alt)))
		abort();
	atexit(store_gone);
	fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

/* The store's one entry: its name into @name (256 bytes), or false. */
static bool only_entry(int dirfd, char *name)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	unsigned int n = 0;
	DIR *d;

	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		abort();
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!n++)
			strcpy(name, e->d_name);
	}
	closedir(d);
	return n == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[EBPFDMA_WIRE2_NAME_MAX + 64], partial[512], got[256];
	int dirfd, fd, ok;
	struct stat st;

	if (size >= sizeof(name))
		return 0;
	memcpy(name, data, size);
	name[size] = 0;
	ok = !store_name_ok(name);
	FUZZ_ASSERT(ok == rule(name));
	if (!ok)
		return 0;

	dirfd = store_dir();
	fd = store_create(dirfd, name);
	FUZZ_ASSERT(fd >= 0);
	close(fd);
	snprintf(partial, sizeof(partial), "%s%s", name, STORE_PARTIAL);
	FUZZ_ASSERT(only_entry(dirfd, got) && !strcmp(got, partial));
	FUZZ_ASSERT(!fstatat(dirfd, partial, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode));
	if (data[0] & 1) {
		FUZZ_ASSERT(!renameat2(dirfd, partial, dirfd, name,
				       RENAME_NOREPLACE));
		FUZZ_ASSERT(only_entry(dirfd, got) && !strcmp(got, name));
		FUZZ_ASSERT(!unlinkat(dirfd, name, 0));
	} else {
		FUZZ_ASSERT(!store_discard(dirfd, name));
	}
	FUZZ_ASSERT(!only_entry(dirfd, got));
	return 0;
}

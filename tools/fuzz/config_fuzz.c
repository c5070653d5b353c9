// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: serve's configuration file (tools/ebpfdmactl/config.c,
 * ebpfdma-serve.conf(5)), read through a memory file as serve reads its
 * path.
 *
 * Properties, for every input:
 *   - a refused file is refused with a message "PATH:LINE: what" (or
 *     "PATH: what" for the file as a whole), LINE one of the file's;
 *   - a file with a NUL byte or a line longer than CTL_CONF_LINE_MAX
 *     is refused; in any other, comments say nothing: the file with
 *     every comment cut out (from '#' to the end of its line) loads to
 *     the same result;
 *   - an accepted one has what serve relies on: an interface, a port,
 *     at most EBPFDMA_MAX_VOLUMES volumes of distinct ids below it, each
 *     with a device or directory and a protection serve knows, at most
 *     CTL_MAX_PEERS peers;
 *   - nothing of one load leaks into the next.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tools/ebpfdmactl/ctl.h"
#include "tools/fuzz/fuzz.h"

/* The memory file, holding @size bytes of @data; its path. */
static const char *file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("ebpfdma-serve.conf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	return path;
}

/* @data without its comments into @out: returns the length. */
static size_t uncommented(uint8_t *out, const uint8_t *data, size_t size)
{
	bool comment = false;
	size_t i, n = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n')
			comment = false;
		else if (data[i] == '#')
			comment = true;
		if (!comment)
			out[n++] = data[i];
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_config c, again;
	static uint8_t bare[1 << 16];
	char err[512], err2[512];
	bool seen[EBPFDMA_MAX_VOLUMES] = { 0 };
	const char *path;
	unsigned int line, lines = 1;
	bool text = true;
	size_t i, start;
	int ret;

	if (size > sizeof(bare))
		return 0;
	for (i = 0, start = 0; i < size; i++) {
		text &= data[i] && i - start < CTL_CONF_LINE_MAX;
		if (data[i] == '\n') {
			lines++;
			start = i + 1;
		}
	}
	err[0] = 0;
	path = file(data, size);
	ret = ctl_config_load(path, &c, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -1);
	if (!text) {
		FUZZ_ASSERT(ret == -1);
		return 0;
	}
	err2[0] = 0;
	file(bare, uncommented(bare, data, size));
	FUZZ_ASSERT(ctl_config_load(path, &again, err2, sizeof(err2)) == ret);
	if (ret) {
		FUZZ_ASSERT(!strncmp(err, path, strlen(path)) &&
			    err[strlen(path)] == ':' && err[strlen(path) + 1]);
		if (sscanf(err + strlen(path), ":%u:", &line) == 1)
			FUZZ_ASSERT(line >= 1 && line <= lines);
		FUZZ_ASSERT(!strcmp(err, err2));
		return 0;
	}
	FUZZ_ASSERT(!memcmp(&c, &again, sizeof(c)));
	FUZZ_ASSERT((c.ifname[0] || c.xdp == CTL_XDP_OFF) && c.port);
	FUZZ_ASSERT(c.nr_vols <= EBPFDMA_MAX_VOLUMES &&
		    c.nr_peers <= CTL_MAX_PEERS);
	FUZZ_ASSERT(c.protect <= EBPFDMA_PROTECT_MAX);
	for (i = 0; i < c.nr_vols; i++) {
		const struct ctl_volume_conf *v = &c.vols[i];

		FUZZ_ASSERT(v->id < EBPFDMA_MAX_VOLUMES && !seen[v->id]);
		seen[v->id] = true;
		FUZZ_ASSERT(v->dev[0] && v->protect <= EBPFDMA_PROTECT_MAX);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest (guest, root): ioctl fuzzer.  Tens of thousands of calls on
 * /dev/ebpfdma with random command numbers (ours and others') and random
 * arguments (random structures, NULL, unmapped and kernel addresses).  Every
 * call must return 0 or one of the errors the ABI documents; the harness
 * fails the run on any kernel splat.  No volume exists during the run, so
 * nothing can reach a disk.
 *
 *   ioctl_fuzz CALLS SEED
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uapi/ebpfdma.h"
#include "tap.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const unsigned long valid_cmds[] = {
	EBPFDMA_IOC_GET_INFO,	 EBPFDMA_IOC_SLOTS_ALLOC,
	EBPFDMA_IOC_SLOTS_FREE,	 EBPFDMA_IOC_VOLUME_ADD,
	EBPFDMA_IOC_VOLUME_DEL,	 EBPFDMA_IOC_VOLUME_LIST,
	EBPFDMA_IOC_SUBMIT,	 EBPFDMA_IOC_FLUSH,
	EBPFDMA_IOC_GET_STATS,	 EBPFDMA_IOC_SESSION_ADD,
	EBPFDMA_IOC_SESSION_DEL, EBPFDMA_IOC_SESSION_SUBMIT,
};

static int documented(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case ENOBUFS: case ERANGE:
	case EPERM: case ENODEV: case EBADF: case ENOTBLK: case EACCES:
	case EEXIST: case EAGAIN: case ENOENT: case EBUSY: case E2BIG:
	case EALREADY: case ENOMEM:
		return 1;
	}
	return 0;
}

/* A random argument: a buffer of random words, some of them pointers. */
static void *random_arg(uint64_t *buf, size_t words, uint64_t *targets)
{
	size_t i;

	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return (void *)8; /* unmapped */
	case 2:
		return (void *)0xffffffff81000000ULL; /* a kernel address */
	}
	for (i = 0; i < words; i++) {
		switch (rnd() % 6) {
		case 0: buf[i] = 0; break;
		case 1: buf[i] = rnd() % 8; break;
		case 2: buf[i] = (uintptr_t)targets; break; /* a real array */
		case 3: buf[i] = rnd() & 0xffffffff; break;
		case 4: buf[i] = (uint64_t)(rnd() % 300) << 32 | rnd() % 70; break;
		default: buf[i] = rnd(); break;
		}
	}
	return buf;
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 50000;
	uint64_t buf[32], targets[512], i;
	unsigned long n, ok = 0, bad = 0, cmd;
	int fd, other, ret, err;

	rng = (argc > 2 ? strtoull(argv[2], NULL, 0) : 1) | 1;
	tap_begin();
	fd = open("/dev/ebpfdma", O_RDWR);
	other = open("/dev/ebpfdma", O_RDONLY);
	if (!tap_ok(fd >= 0 && other >= 0, "open /dev/ebpfdma twice"))
		return tap_done();
	for (n = 0; n < calls; n++) {
		switch (rnd() % 4) {
		case 0: /* one of ours, exactly */
		case 1:
			cmd = valid_cmds[rnd() % (sizeof(valid_cmds) /
						 sizeof(valid_cmds[0]))];
			break;
		case 2: /* our magic, any number, direction and size */
			cmd = _IOC(rnd() % 4, EBPFDMA_IOC_MAGIC, rnd() % 16,
				   rnd() % 512);
			break;
		default: /* anything */
			cmd = (unsigned long)rnd();
			break;
		}
		for (i = 0; i < 512; i++)
			targets[i] = rnd() % 5000;
		errno = 0;
		ret = ioctl(n % 3 ? fd : other, cmd,
			    random_arg(buf, sizeof(buf) / 8, targets));
		err = errno;
		if (ret == 0 || (ret == -1 && documented(err))) {
			ok++;
		} else if (bad++ < 10) {
			printf("# cmd %#lx returned %d errno %d (%s)\n", cmd, ret,
			       err, strerror(err));
		}
	}
	tap_ok(bad == 0, "%lu random ioctls: %lu gave 0 or a documented error, %lu did not",
	       calls, ok, bad);
	close(other);
	close(fd);
	/* The module still works after the storm. */
	fd = open("/dev/ebpfdma", O_RDWR);
	{
		struct ebpfdma_info info;

		tap_ok(fd >= 0 && ioctl(fd, EBPFDMA_IOC_GET_INFO, &info) == 0 &&
			       info.abi_version == EBPFDMA_ABI_VERSION,
		       "GET_INFO still answers afterwards");
	}
	close(fd);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/* ebpfdmactl volume add | del | list, through the ioctl ABI. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl.h"
#include "tools/lib/ebpfdma.h"

int ctl_volume_add(int edma_fd, const struct ctl_volume_conf *v, int shared,
		   int *fd, uint32_t *block_size)
{
	struct ebpfdma_volume_add req = {
		.id = v->id, .start = v->start, .blocks = v->blocks,
		.flags = v->flags,
	};
	int err;

	/*
	 * An exclusive open belongs to its file: windows of one device share
	 * the file (a dup of it), or the second open would find it busy.
	 */
	*fd = shared >= 0 ? fcntl(shared, F_DUPFD_CLOEXEC, 0) :
			    open(v->dev, O_RDWR | O_EXCL | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	req.fd = *fd;
	if (ioctl(edma_fd, EBPFDMA_IOC_VOLUME_ADD, &req)) {
		err = errno;
		close(*fd);
		return -err;
	}
	*block_size = req.block_size;
	return 0;
}

int ctl_volume_del(int edma_fd, uint32_t id)
{
	struct ebpfdma_volume_del req = { .id = id };

	if (ioctl(edma_fd, EBPFDMA_IOC_VOLUME_DEL, &req))
		return errno == ENODEV ? 0 : -errno;
	return 0;
}

static const char *why_add(int err)
{
	switch (err) {
	case EEXIST:
		return "the id is in use";
	case ERANGE:
		return "the window does not lie inside the device (or the largest file its file system allows)";
	case EBUSY:
		return "the device is in use (mounted or opened exclusively)";
	case ENOTBLK:
		return "neither a block device nor a regular file";
	case EOPNOTSUPP:
		return "its file system has no direct I/O (tmpfs, 9p): use ext4 or xfs";
	case EINVAL:
		return "a file opened for appending, or bad flags";
	case EPERM:
		return "needs CAP_SYS_ADMIN, or the file is immutable or append-only";
	case ETXTBSY:
		return "a swap file";
	default:
		return strerror(err);
	}
}

int ctl_open_dev(int flags)
{
	int fd = open("/dev/" EBPFDMA_DEV_NAME, flags | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "ebpfdmactl: /dev/%s: %s%s\n", EBPFDMA_DEV_NAME,
			strerror(errno),
			errno == ENOENT ? " (modprobe ebpfdma first)" : "");
	return fd;
}

int ctl_volume_list(int fd, struct ebpfdma_volume_info *vi, unsigned int *n)
{
	struct ebpfdma_volume_list req = {
		.vols = (uintptr_t)vi, .count = EBPFDMA_MAX_VOLUMES,
	};

	if (ioctl(fd, EBPFDMA_IOC_VOLUME_LIST, &req))
		return -errno;
	*n = req.count < EBPFDMA_MAX_VOLUMES ? req.count : EBPFDMA_MAX_VOLUMES;
	return 0;
}

int ctl_volumes(struct ebpfdma_volume_info *vi, unsigned int *n)
{
	int fd = ctl_open_dev(O_RDONLY), ret;

	if (fd < 0)
		return 1;
	ret = ctl_volume_list(fd, vi, n);
	close(fd);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: VOLUME_LIST: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

static int volume_add(int argc, char **argv)
{
	struct ctl_volume_conf v = { 0 };
	uint32_t bs;
	int i, fd, dfd, ret;
	char *end;

	if (argc < 2)
		return -1;
	v.id = strtoul(argv[0], &end, 0);
	if (*end || v.id >= EBPFDMA_MAX_VOLUMES) {
		fprintf(stderr, "ebpfdmactl: volume id must be below %u\n",
			EBPFDMA_MAX_VOLUMES);
		return 2;
	}
	snprintf(v.dev, sizeof(v.dev), "%s", argv[1]);
	for (i = 2; i + 1 < argc; i += 2) {
		uint64_t *dst = NULL;

		if (!strcmp(argv[i], "--start"))
			dst = &v.start;
		else if (!strcmp(argv[i], "--blocks"))
			dst = &v.blocks;
		else if (!strcmp(argv[i], "--token")) {
			fprintf(stderr, "ebpfdmactl: --token is gone with wire version 1: a volume's senders need its key, serve's key_file= (ebpfdmactl genkey PATH makes one)\n");
			return 2;
		} else if (!strcmp(argv[i], "--flags")) {
			if (ctl_parse_vol_flags(argv[i + 1], &v.flags)) {
				fprintf(stderr, "ebpfdmactl: flags: fua, flush_on_commit\n");
				return 2;
			}
			continue;
		} else
			return -1;
		*dst = strtoull(argv[i + 1], &end, 0);
		if (*end)
			return -1;
	}
	if (i != argc || !v.blocks)
		return -1;
	fd = ctl_open_dev(O_RDWR);
	if (fd < 0)
		return 1;
	ret = ctl_volume_add(fd, &v, -1, &dfd, &bs);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: volume add %u %s: %s\n", v.id,
			v.dev, ret == -EBUSY || ret == -ENOENT ?
				       strerror(-ret) : why_add(-ret));
		close(fd);
		return 1;
	}
	/* The volume holds the device open; ours can go. */
	close(dfd);
	close(fd);
	printf("volume %u: %s blocks [%llu, +%llu) of %u bytes\n", v.id, v.dev,
	       (unsigned long long)v.start, (unsigned long long)v.blocks, bs);
	return 0;
}

static int volume_list(void)
{
	struct ebpfdma_volume_info vi[EBPFDMA_MAX_VOLUMES];
	unsigned int i, n = 0;

	if (ctl_volumes(vi, &n))
		return 1;
	printf("%-4s %-9s %-12s %-12s %-6s %-10s %-14s %-7s %s\n", "id",
	       "device", "start", "blocks", "bsize", "in_flight", "bytes",
	       "errors", "cache");
	for (i = 0; i < n; i++)
		printf("%-4u %3u:%-5u %-12llu %-12llu %-6u %-10u %-14llu %-7llu %s\n",
		       vi[i].id, vi[i].major, vi[i].minor,
		       (unsigned long long)vi[i].start,
		       (unsigned long long)vi[i].blocks, vi[i].block_size,
		       vi[i].in_flight, (unsigned long long)vi[i].bytes,
		       (unsigned long long)vi[i].errors,
		       vi[i].flags & EBPFDMA_VOL_FILE ? "file (fsync)" :
		       vi[i].flags & EBPFDMA_VOL_STABLE ? "none" :
							  "volatile");
	return 0;
}

int cmd_volume(int argc, char **argv)
{
	int ret = -1, fd;

	if (argc >= 1 && !strcmp(argv[0], "add"))
		ret = volume_add(argc - 1, argv + 1);
	else if (argc == 1 && !strcmp(argv[0], "list"))
		ret = volume_list();
	else if (argc >= 1 && !strcmp(argv[0], "read"))
		ret = volume_read(argc - 1, argv + 1);
	else if (argc == 2 && !strcmp(argv[0], "del")) {
		struct ebpfdma_volume_del req = { .id = atoi(argv[1]) };

		fd = ctl_open_dev(O_RDWR);
		if (fd < 0)
			return 1;
		ret = ioctl(fd, EBPFDMA_IOC_VOLUME_DEL, &req) ? 1 : 0;
		if (ret)
			fprintf(stderr, "ebpfdmactl: volume del %s: %s\n",
				argv[1],
				errno == ENODEV ? "no such volume" :
						  strerror(errno));
		close(fd);
	}
	if (ret < 0) {
		fprintf(stderr,
			"usage: ebpfdmactl volume add ID DEVICE --start N --blocks N [--flags F]\n"
			"       ebpfdmactl volume del ID | volume list\n"
			"       ebpfdmactl volume read ID [--state-dir DIR] [--output FILE]\n");
		return 2;
	}
	return ret;
}

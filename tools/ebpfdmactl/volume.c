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

static const char volume_usage[] =
	"usage: ebpfdmactl volume add ID DEVICE --blocks N [--start N] [--flags F]\n"
	"       ebpfdmactl volume del ID\n"
	"       ebpfdmactl volume list\n"
	"       ebpfdmactl volume read ID [--state-dir DIR] [--output FILE]\n"
	"The module's volumes (serve adds and deletes its own).  ID 0..63.\n"
	"  add       a window of DEVICE (a block device, or a file on ext4 or xfs):\n"
	"            --blocks N logical blocks from block --start N (default 0);\n"
	"            --flags fua,flush_on_commit\n"
	"  del       delete volume ID, once its writes in flight completed\n"
	"  list      every volume: device, window, writes in flight, bytes, errors\n"
	"  read      the volume's last committed transfer, exactly as committed,\n"
	"            to standard output or --output FILE, its BLAKE2b-256 checked\n"
	"            (commit records in --state-dir DIR, default serve's)\n";

/* A volume id operand, 0..EBPFDMA_MAX_VOLUMES - 1. */
static int volume_id(const char *cmd, const char *s, uint32_t *id)
{
	uint64_t u;

	if (ctl_number(cmd, "volume id", s, 0, EBPFDMA_MAX_VOLUMES - 1, &u))
		return -1;
	*id = u;
	return 0;
}

static int volume_add(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "start", required_argument, NULL, 's' },
		{ "blocks", required_argument, NULL, 'b' },
		{ "flags", required_argument, NULL, 'f' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ctl_volume_conf v = { 0 };
	uint32_t bs;
	int o, fd, dfd, ret;

	while ((o = ctl_getopt(argc, argv, "volume add", lo)) != -1) {
		switch (o) {
		case 's':
			if (ctl_number("volume add", "--start", optarg, 0,
				       UINT64_MAX, &v.start))
				return CTL_EXIT_USAGE;
			break;
		case 'b':
			if (ctl_number("volume add", "--blocks", optarg, 1,
				       UINT64_MAX, &v.blocks))
				return CTL_EXIT_USAGE;
			break;
		case 'f':
			if (ctl_parse_vol_flags(optarg, &v.flags))
				return ctl_usage_error("volume add",
						       "--flags: fua, flush_on_commit, not '%s'",
						       optarg);
			break;
		case 't':
			return ctl_usage_error("volume add",
					       "--token is gone with wire version 1: a volume's senders need its key, serve's key_file= (ebpfdmactl genkey PATH makes one)");
		case 'h':
			return ctl_help(volume_usage);
		default:
			return CTL_EXIT_USAGE;
		}
	}
	ret = ctl_operands("volume add", argc - optind, 2, 2);
	if (ret)
		return ret;
	if (volume_id("volume add", argv[optind], &v.id))
		return CTL_EXIT_USAGE;
	if (!v.blocks)
		return ctl_usage_error("volume add", "--blocks N is required");
	if (strlen(argv[optind + 1]) >= sizeof(v.dev))
		return ctl_usage_error("volume add", "the device's path is too long");
	strcpy(v.dev, argv[optind + 1]);
	fd = ctl_open_dev(O_RDWR);
	if (fd < 0)
		return CTL_EXIT_FAILED;
	ret = ctl_volume_add(fd, &v, -1, &dfd, &bs);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: volume add %u %s: %s\n", v.id,
			v.dev, ret == -EBUSY || ret == -ENOENT ?
				       strerror(-ret) : why_add(-ret));
		close(fd);
		return CTL_EXIT_FAILED;
	}
	/* The volume holds the device open; ours can go. */
	close(dfd);
	close(fd);
	printf("volume %u: %s blocks [%llu, +%llu) of %u bytes\n", v.id, v.dev,
	       (unsigned long long)v.start, (unsigned long long)v.blocks, bs);
	return CTL_EXIT_OK;
}

static int volume_del(int argc, char **argv)
{
	struct ebpfdma_volume_del req = { 0 };
	int fd, ret;

	ret = ctl_no_options(argc, argv, "volume del", volume_usage, 1, 1);
	if (ret >= 0)
		return ret;
	if (volume_id("volume del", argv[optind], &req.id))
		return CTL_EXIT_USAGE;
	fd = ctl_open_dev(O_RDWR);
	if (fd < 0)
		return CTL_EXIT_FAILED;
	ret = ioctl(fd, EBPFDMA_IOC_VOLUME_DEL, &req) ? CTL_EXIT_FAILED :
							 CTL_EXIT_OK;
	if (ret)
		fprintf(stderr, "ebpfdmactl: volume del %u: %s\n", req.id,
			errno == ENODEV ? "no such volume" : strerror(errno));
	close(fd);
	return ret;
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
	const char *sub = argc > 1 ? argv[1] : "";
	int ret;

	if (!strcmp(sub, "add"))
		return volume_add(argc - 1, argv + 1);
	if (!strcmp(sub, "del"))
		return volume_del(argc - 1, argv + 1);
	if (!strcmp(sub, "read"))
		return volume_read(argc - 1, argv + 1);
	if (!strcmp(sub, "list")) {
		ret = ctl_no_options(argc - 1, argv + 1, "volume list",
				     volume_usage, 0, 0);
		return ret >= 0 ? ret : volume_list();
	}
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h"))
		return ctl_help(volume_usage);
	return ctl_usage_error("volume", *sub ? "unknown subcommand '%s'" :
						"missing subcommand: add, del, list or read%s",
			       sub);
}

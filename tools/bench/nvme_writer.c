// SPDX-License-Identifier: GPL-2.0
/*
 * nvme_writer: the client side of the nvmet-tcp baseline of the benchmarks.
 * It writes a file sequentially to a block device (the NVMe/TCP namespace
 * the kernel's initiator made of the remote disk) with O_DIRECT writes of
 * --size bytes (the last one what is left, in whole 512-byte sectors)
 * through io_uring, --qd of them in flight, and ends with an fsync, so everything is durable on the target when it returns.  It
 * prints one JSON line: bytes, seconds, and a log2 histogram of each
 * write's submission-to-completion time (what the client sees, network
 * included).
 *
 *   nvme_writer --dev DEV --file FILE [--offset BYTES] [--size N] [--qd N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LAT_BUCKETS 16

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void fatal(const char *what, int err)
{
	fprintf(stderr, "nvme_writer: %s: %s\n", what, strerror(err));
	exit(1);
}

static uint64_t len, size = 4096;

/* Bytes of write @i: --size, but for the last, what is left. */
static uint32_t wlen(uint64_t i)
{
	return (i + 1) * size > len ? len - i * size : size;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *file = NULL;
	uint64_t offset = 0, qd = 64, done = 0, next = 0, nr;
	uint64_t lat[LAT_BUCKETS] = { 0 }, *start, t0, secs_ns;
	unsigned int inflight = 0, i;
	struct io_uring ring;
	struct stat st;
	uint8_t *data;
	int fd, a, ret;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--dev"))
			dev = argv[a + 1];
		else if (!strcmp(argv[a], "--file"))
			file = argv[a + 1];
		else if (!strcmp(argv[a], "--offset"))
			offset = strtoull(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--size"))
			size = strtoull(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--qd"))
			qd = strtoull(argv[a + 1], NULL, 0);
		else
			break;
	}
	if (a != argc || !dev || !file || !size || size % 512 || !qd ||
	    qd > 4096 || offset % 512) {
		fprintf(stderr,
			"usage: nvme_writer --dev DEV --file FILE [--offset BYTES] [--size N] [--qd N]\n");
		return 2;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		fatal(file, errno);
	len = st.st_size;
	if (!len || len % 512) {
		fprintf(stderr, "nvme_writer: %s: its size must be whole 512-byte sectors\n",
			file);
		return 2;
	}
	nr = (len + size - 1) / size;
	if (posix_memalign((void **)&data, 4096, len))
		fatal("memory", ENOMEM);
	for (done = 0; done < len; done += ret) {
		ret = read(fd, data + done, len - done);
		if (ret <= 0)
			fatal(file, ret < 0 ? errno : EIO);
	}
	close(fd);
	start = calloc(nr, sizeof(*start));
	fd = open(dev, O_WRONLY | O_DIRECT);
	if (fd < 0 || !start)
		fatal(dev, errno);
	ret = io_uring_queue_init(qd, &ring, 0);
	if (ret)
		fatal("io_uring_queue_init", -ret);

	t0 = now_ns();
	done = 0;
	while (done < nr) {
		struct io_uring_cqe *cqe;

		while (inflight < qd && next < nr) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_write(sqe, fd, data + next * size,
					    wlen(next), offset + next * size);
			io_uring_sqe_set_data64(sqe, next);
			start[next++] = now_ns();
			inflight++;
		}
		io_uring_submit(&ring);
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret)
			fatal("io_uring_wait_cqe", -ret);
		do {
			uint64_t us = (now_ns() - start[cqe->user_data]) / 1000;
			unsigned int b = 0;

			if (cqe->res != (int)wlen(cqe->user_data))
				fatal("write", cqe->res < 0 ? -cqe->res : EIO);
			while (us && b < LAT_BUCKETS - 1) {
				us >>= 1;
				b++;
			}
			lat[b]++;
			io_uring_cqe_seen(&ring, cqe);
			inflight--;
			done++;
		} while (!io_uring_peek_cqe(&ring, &cqe));
	}
	if (fsync(fd))
		fatal("fsync", errno);
	secs_ns = now_ns() - t0;
	printf("{\"receiver\":\"nvmet-tcp\",\"bytes\":%llu,\"seconds\":%.6f,\"latency_us_log2\":[",
	       (unsigned long long)len, secs_ns / 1e9);
	for (i = 0; i < LAT_BUCKETS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)lat[i]);
	printf("],\"latency_kind\":\"client submit to completion\"}\n");
	return 0;
}

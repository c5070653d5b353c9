// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (guest, root): zero-copy SUBMIT from the mapped pool against
 * pwrite() with O_DIRECT, on the same disk, in the same run, alternating
 * repetitions.  Both write MIB MiB sequentially in writes of the pool's
 * slot size, filling each buffer the same way first.  CPU time is taken
 * from /proc/stat for the whole machine (SUBMIT's work runs in kernel
 * workers, not in this process).  Prints one JSON object per run.
 *
 *   submit_vs_pwrite DISK MIB REPS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/lib/ebpfdma.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy CPU-seconds of the whole machine so far. */
static double cpu_busy(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			 &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		exit(2);
	fclose(f);
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       sysconf(_SC_CLK_TCK);
}

static void fill(unsigned char *p, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i += 512)
		*(uint64_t *)(p + i) = off + i;
}

static void count_error(const struct ebpfdma_cqe *c, void *errors)
{
	if (c->status)
		(*(unsigned long *)errors)++;
}

static int run_submit(struct edma *e, uint64_t total)
{
	uint32_t sz = e->info.slot_size, idx[64], i, n, done;
	uint64_t off = 0, queued = 0, completed = 0;
	unsigned long errors = 0;
	struct ebpfdma_desc d[64];
	int got;

	while (completed < queued || off < total) {
		n = 0;
		if (off < total) {
			got = edma_alloc(e, idx, (total - off) / sz < 64 ?
							 (total - off) / sz : 64);
			for (i = 0; got > 0 && i < (uint32_t)got; i++) {
				fill(edma_slot(e, idx[i]), sz, off);
				d[n++] = (struct ebpfdma_desc){
					.lba = off / 512, .volume = 1,
					.slot = idx[i], .len = sz,
				};
				off += sz;
			}
		}
		for (i = 0; i < n; i += done) {
			if (edma_submit(e, d + i, n - i, &done) && errno != EAGAIN)
				return -1;
			queued += done;
			if (!done) {
				edma_wait(e, 1000);
				completed += edma_reap(e, count_error, &errors);
			}
		}
		if (!n)
			edma_wait(e, 1000);
		completed += edma_reap(e, count_error, &errors);
	}
	return errors ? -1 : 0;
}

static int run_pwrite(const char *disk, uint64_t total, uint32_t sz)
{
	int fd = open(disk, O_WRONLY | O_DIRECT);
	unsigned char *buf;
	uint64_t off;

	if (fd < 0 || posix_memalign((void **)&buf, 4096, sz))
		return -1;
	for (off = 0; off < total; off += sz) {
		fill(buf, sz, off);
		if (pwrite(fd, buf, sz, off) != (ssize_t)sz)
			return -1;
	}
	if (fsync(fd))
		return -1;
	close(fd);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t total;
	int reps, r, diskfd, m, ret;
	struct edma e;
	double t, c;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DISK MIB REPS\n", argv[0]);
		return 2;
	}
	total = strtoull(argv[2], NULL, 0) << 20;
	reps = atoi(argv[3]);
	if (edma_open(&e, O_RDWR)) {
		perror("/dev/ebpfdma");
		return 1;
	}
	for (r = 0; r < reps; r++) {
		for (m = 0; m < 2; m++) {
			sync();
			t = now();
			c = cpu_busy();
			if (m == 0) {
				if (edma_volume_add(&e, 1, argv[1], 0,
						    total / 512, 0, &diskfd)) {
					perror("VOLUME_ADD");
					return 1;
				}
				ret = run_submit(&e, total);
				/* Durable like the fsync below: DEL drains. */
				edma_volume_del(&e, 1);
				close(diskfd);
			} else {
				ret = run_pwrite(argv[1], total,
						 e.info.slot_size);
			}
			t = now() - t;
			c = cpu_busy() - c;
			if (ret) {
				fprintf(stderr, "%s failed\n",
					m ? "pwrite" : "submit");
				return 1;
			}
			printf("{\"method\": \"%s\", \"rep\": %d, \"io_bytes\": %u, \"bytes\": %llu, \"seconds\": %.4f, \"cpu_seconds\": %.4f, \"mib_per_s\": %.2f, \"cpu_s_per_gib\": %.4f}\n",
			       m ? "pwrite-odirect" : "ebpfdma-submit", r,
			       e.info.slot_size, (unsigned long long)total, t,
			       c, total / 1048576.0 / t,
			       c / (total / 1073741824.0));
			fflush(stdout);
		}
	}
	edma_close(&e);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy_bw: the one-copy bound of the benchmarks.  Copying a block
 * received from the network into a buffer is the least work a receiver
 * that writes it to disk can do; this measures how fast one core copies,
 * in blocks of --size bytes from a 64 MiB source into a 64 MiB
 * destination (larger than the caches, like a stream of packets into a
 * pool), for at least --ms milliseconds.  One JSON line: MiB/s.
 *
 *   memcpy_bw [--size N] [--ms N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AREA (64U << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t size = 4096, ms = 1000, bytes = 0, t0, t;
	uint8_t *src, *dst;
	uint32_t off, span;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--size"))
			size = strtoull(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--ms"))
			ms = strtoull(argv[a + 1], NULL, 0);
		else
			break;
	}
	if (a != argc || !size || size > AREA) {
		fprintf(stderr, "usage: memcpy_bw [--size N] [--ms N]\n");
		return 2;
	}
	src = aligned_alloc(4096, AREA);
	dst = aligned_alloc(4096, AREA);
	if (!src || !dst)
		return 1;
	/* Touch both, so page faults are not measured. */
	memset(src, 0x5a, AREA);
	memset(dst, 0, AREA);
	/* Whole blocks only: sizes that do not divide the area copy less. */
	span = AREA - AREA % size;
	t0 = now_ns();
	do {
		for (off = 0; off < span; off += size)
			memcpy(dst + off, src + off, size);
		bytes += span;
		t = now_ns();
	} while (t - t0 < ms * 1000000);
	/* Keep the copies from being optimised away. */
	if (dst[span - 1] != 0x5a)
		return 1;
	printf("{\"size\":%llu,\"mib_per_s\":%.1f}\n", (unsigned long long)size,
	       bytes / 1048576.0 / ((t - t0) / 1e9));
	return 0;
}

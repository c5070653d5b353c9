// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest helper (guest, root): the submission engine's ordering,
 * barriers, ring credits and lifetimes, each as TAP.
 *
 *   engine_test barriers DISK N
 *	on a DISK that delays every write by 1 s: one write, then N barrier
 *	FLUSHes behind it; every one must complete, each after the write
 *   engine_test dying DISK
 *	on a DISK that delays every write by 1 s: a volume with a write in
 *	flight is deleted; while its deletion waits for the write, its id
 *	and its blocks stay taken (-EEXIST, -EBUSY for another id over
 *	them); once it returned, both are free
 *   engine_test scope DISK FAST
 *	DISK's blocks below FAST are fast, the rest slow: a write A to the
 *	fast part, barrier F1, a write B to the slow part, barrier F2.  F1
 *	covers A only: it must complete before B, F2 after B
 *   engine_test order DISK OUTFILE
 *	64 writes in one SUBMIT; writes the lba of each completion in ring
 *	order to OUTFILE, a line each, for the shell to compare with the
 *	block layer's own completion order
 *   engine_test pagecache DISK SEED DATAFILE
 *	read 1 MiB of DISK at 8 MiB through its page cache, write 1 MiB over
 *	it with SUBMIT, read it again: the second read must see the new data
 *   engine_test ringrace DISK ROUNDS
 *	(a pool of 8 slots, a ring of 8 entries; test builds widen the
 *	credit windows) two threads submit without consuming completions:
 *	no more writes than the ring holds may be accepted, and every
 *	accepted one must be in the ring, none overflowed
 *   engine_test delrace DISK ROUNDS
 *	add a volume, queue writes, delete it at once, ROUNDS times (test
 *	builds delay the last volume put); every write completes once
 *   engine_test bioadd DISK FAILS
 *	(test builds fail FAILS bio_add_page() calls) 8 single-page writes:
 *	exactly FAILS complete with -EIO, none is reported written but was
 *	not: the failed writes' blocks read back as zeros
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tools/lib/ebpfdma.h"
#include "tap.h"

#define VOL 1
#define PC_START (8ULL << 20) /* pagecache: its byte on the disk */
#define FLUSH_COOKIE (1ULL << 63)

static struct edma E;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Completions in ring order. */
struct log {
	struct ebpfdma_cqe *c;
	unsigned int n, max;
};

static void log_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct log *l = arg;

	if (l->n < l->max)
		l->c[l->n] = *c;
	l->n++;
}

/* Reap into @l until it holds @want or @timeout_ms pass. */
static void reap_until(struct log *l, unsigned int want, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (l->n < want && now_ms() < end) {
		edma_wait(&E, 100);
		edma_reap(&E, log_cqe, l);
	}
}

static int open_dev(void)
{
	if (edma_open(&E, O_RDWR)) {
		tap_ok(0, "open and map /dev/ebpfdma: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Queue one write of @len bytes of @fill at @lba with @cookie. */
static int write_one(uint64_t lba, uint64_t cookie, uint32_t len, int fill)
{
	struct ebpfdma_desc d = { .lba = lba, .cookie = cookie,
				  .volume = VOL, .len = len };
	uint32_t done;

	if (edma_alloc(&E, &d.slot, 1) != 1)
		return -1;
	memset(edma_slot(&E, d.slot), fill, len);
	return edma_submit(&E, &d, 1, &done);
}

static int flush(uint64_t cookie, uint32_t flags)
{
	struct ebpfdma_flush f = { .volume = VOL, .flags = flags,
				   .cookie = cookie };

	return ioctl(E.fd, EBPFDMA_IOC_FLUSH, &f);
}

static int cmd_barriers(const char *disk, unsigned int n)
{
	struct log l = { .max = n + 1 };
	unsigned int i, queued = 0, bad = 0, write_at = ~0U, first_flush = ~0U;
	int diskfd;

	tap_begin();
	l.c = calloc(l.max, sizeof(*l.c));
	if (open_dev())
		return tap_done();
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd),
	       "volume on the slow device");
	tap_ok(!write_one(0, 7, 4096, 0x5a), "a write that takes 1 s");
	for (i = 0; i < n; i++)
		queued += !flush(FLUSH_COOKIE | i, 0);
	tap_ok(queued == n, "%u barrier FLUSHes queued behind it (%u)", n,
	       queued);
	reap_until(&l, n + 1, 30000);
	tap_ok(l.n == n + 1, "within 30 s, all %u completions arrived (%u)",
	       n + 1, l.n);
	for (i = 0; i < l.n && i < l.max; i++) {
		bad += l.c[i].status != 0;
		if (l.c[i].flags & EBPFDMA_CQE_FLUSH) {
			if (first_flush == ~0U)
				first_flush = i;
		} else {
			write_at = i;
		}
	}
	tap_ok(!bad, "every one succeeded (%u failed)", bad);
	tap_ok(write_at == 0 && first_flush == 1,
	       "the write completed before every barrier (write at %d)",
	       (int)write_at);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

static void *del_thread(void *arg)
{
	*(int *)arg = edma_volume_del(&E, VOL);
	return NULL;
}

/* Is volume @id listed? */
static int listed(uint32_t id)
{
	struct ebpfdma_volume_info vi[EBPFDMA_MAX_VOLUMES];
	struct ebpfdma_volume_list l = { .vols = (uintptr_t)vi,
					 .count = EBPFDMA_MAX_VOLUMES };
	uint32_t i;

	if (ioctl(E.fd, EBPFDMA_IOC_VOLUME_LIST, &l))
		return -1;
	for (i = 0; i < l.count && i < EBPFDMA_MAX_VOLUMES; i++)
		if (vi[i].id == id)
			return 1;
	return 0;
}

static int cmd_dying(const char *disk)
{
	struct ebpfdma_volume_add a = { .id = VOL + 1, .start = 4000,
					.blocks = 8 };
	struct ebpfdma_cqe c[1];
	struct log l = { .c = c, .max = 1 };
	int diskfd, del_ret = -1, add_same, add_other, gone = 0;
	pthread_t t;
	uint64_t end;

	tap_begin();
	if (open_dev())
		return tap_done();
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd),
	       "volume on the slow device");
	tap_ok(!write_one(0, 1, 4096, 0x77), "a write that takes 1 s");
	pthread_create(&t, NULL, del_thread, &del_ret);
	/* Unpublished at once; the deletion then waits for the write. */
	for (end = now_ms() + 900; now_ms() < end && !gone;)
		gone = listed(VOL) == 0;
	a.fd = diskfd;
	add_other = ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &a) ? errno : 0;
	a.id = VOL;
	add_same = ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &a) ? errno : 0;
	pthread_join(t, NULL);
	tap_ok(gone, "VOLUME_DEL took the volume out of the list at once");
	tap_ok(add_other == EBUSY,
	       "while it drained, a volume of another id over its blocks: EBUSY (%s)",
	       strerror(add_other));
	tap_ok(add_same == EEXIST, "... and one of its id: EEXIST (%s)",
	       strerror(add_same));
	tap_ok(!del_ret, "VOLUME_DEL returned when the write had completed");
	edma_reap(&E, log_cqe, &l);
	tap_ok(l.n == 1 && !c[0].status, "the write completed, successfully");
	a.id = VOL + 1;
	tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &a),
	       "then another volume over those blocks is added");
	{
		struct ebpfdma_volume_del d = { .id = VOL + 1 };

		tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_DEL, &d), "and deleted");
	}
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

/* Position of the completion with @cookie in @l, or -1. */
static int pos_of(const struct log *l, uint64_t cookie)
{
	unsigned int i;

	for (i = 0; i < l->n && i < l->max; i++)
		if (l->c[i].cookie == cookie)
			return i;
	return -1;
}

static int cmd_scope(const char *disk, uint64_t fast)
{
	struct ebpfdma_cqe c[4];
	struct log l = { .c = c, .max = 4 };
	int diskfd, a, f1, b, f2;

	tap_begin();
	if (open_dev())
		return tap_done();
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 2 * fast, 0, &diskfd),
	       "volume over the fast and the slow half");
	tap_ok(!write_one(0, 1, 4096, 0xa1), "write A to the fast half");
	tap_ok(!flush(FLUSH_COOKIE | 1, 0), "barrier F1");
	tap_ok(!write_one(fast, 2, 4096, 0xb2), "write B to the slow half");
	tap_ok(!flush(FLUSH_COOKIE | 2, 0), "barrier F2");
	reap_until(&l, 4, 30000);
	a = pos_of(&l, 1);
	f1 = pos_of(&l, FLUSH_COOKIE | 1);
	b = pos_of(&l, 2);
	f2 = pos_of(&l, FLUSH_COOKIE | 2);
	tap_ok(l.n == 4 && !c[0].status && !c[1].status && !c[2].status &&
		       !c[3].status,
	       "four completions, all successful (%u)", l.n);
	tap_ok(a >= 0 && f1 > a, "F1 completed after A (%d, %d)", a, f1);
	tap_ok(f1 >= 0 && b > f1,
	       "F1 did not wait for B, queued after it (F1 %d, B %d)", f1, b);
	tap_ok(b >= 0 && f2 > b, "F2 completed after B (%d, %d)", b, f2);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

static int cmd_order(const char *disk, const char *outfile)
{
	FILE *out;
	struct ebpfdma_cqe c[64];
	struct log l = { .c = c, .max = 64 };
	struct ebpfdma_desc d[64];
	uint32_t slots[64], done = 0, i;
	int diskfd;

	tap_begin();
	if (open_dev())
		return tap_done();
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd),
	       "volume on %s", disk);
	tap_ok(edma_alloc(&E, slots, 64) == 64, "64 slots");
	for (i = 0; i < 64; i++)
		d[i] = (struct ebpfdma_desc){ .lba = i * 8, .cookie = i,
					      .volume = VOL, .slot = slots[i],
					      .len = 4096 };
	tap_ok(!edma_submit(&E, d, 64, &done) && done == 64,
	       "64 writes in one SUBMIT");
	reap_until(&l, 64, 30000);
	tap_ok(l.n == 64, "64 completions (%u)", l.n);
	out = fopen(outfile, "w");
	for (i = 0; out && i < l.n && i < 64; i++)
		fprintf(out, "%llu\n", (unsigned long long)c[i].lba);
	tap_ok(out && !fclose(out), "the completions' order written to %s",
	       outfile);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

static int cmd_pagecache(const char *disk, uint64_t seed, const char *datafile)
{
	static unsigned char before[1 << 20], after[1 << 20], data[1 << 20];
	struct ebpfdma_cqe c[256];
	struct log l = { .c = c, .max = 256 };
	uint32_t i, bad = 0;
	int diskfd, rd;
	FILE *out;

	tap_begin();
	srandom(seed);
	for (i = 0; i < sizeof(data); i++)
		data[i] = random();
	if (open_dev())
		return tap_done();
	tap_ok(!edma_volume_add(&E, VOL, disk, PC_START / 512, 2048, 0,
				&diskfd),
	       "volume over 1 MiB of %s at 8 MiB", disk);
	rd = open(disk, O_RDONLY);
	tap_ok(pread(rd, before, sizeof(before), PC_START) == sizeof(before),
	       "read 1 MiB through the page cache");
	for (i = 0; i < 256; i++) {
		struct ebpfdma_desc d = { .lba = i * 8, .cookie = i,
					  .volume = VOL, .len = 4096 };
		uint32_t done;

		while (edma_alloc(&E, &d.slot, 1) != 1)
			edma_wait(&E, 100), edma_reap(&E, log_cqe, &l);
		memcpy(edma_slot(&E, d.slot), data + i * 4096, 4096);
		while (edma_submit(&E, &d, 1, &done))
			edma_wait(&E, 100), edma_reap(&E, log_cqe, &l);
	}
	reap_until(&l, 256, 30000);
	for (i = 0; i < l.n && i < 256; i++)
		bad += c[i].status != 0;
	tap_ok(l.n == 256 && !bad, "1 MiB written by SUBMIT (%u, %u failed)",
	       l.n, bad);
	tap_ok(pread(rd, after, sizeof(after), PC_START) == sizeof(after) &&
		       !memcmp(after, data, sizeof(data)),
	       "a buffered read after the writes sees the new data, not the cached old");
	out = fopen(datafile, "w");
	fwrite(data, 1, sizeof(data), out);
	fclose(out);
	close(rd);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

/* ---- ringrace ---------------------------------------------------------- */

static atomic_uint rr_accepted;

static void *rr_thread(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < 300; i++) {
		struct ebpfdma_desc d = { .lba = (i % 64) * 8, .cookie = i,
					  .volume = VOL, .len = 4096 };
		struct ebpfdma_slot_batch b = { .slots = (uintptr_t)&d.slot,
						.count = 1 };
		uint32_t done;

		if (edma_alloc(&E, &d.slot, 1) != 1) {
			usleep(100);
			continue;
		}
		if (!edma_submit(&E, &d, 1, &done)) {
			atomic_fetch_add(&rr_accepted, 1);
			continue;
		}
		ioctl(E.fd, EBPFDMA_IOC_SLOTS_FREE, &b);
		usleep(200);
	}
	return NULL;
}

static int cmd_ringrace(const char *disk, unsigned int rounds)
{
	unsigned int r, worst = 0, lost = 0, over = 0;
	pthread_t t[2];
	int diskfd;

	tap_begin();
	if (open_dev())
		return tap_done();
	tap_ok(E.info.ring_entries == 8, "a ring of 8 entries (%u)",
	       E.info.ring_entries);
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd),
	       "volume on %s", disk);
	for (r = 0; r < rounds; r++) {
		uint32_t tail, start = E.ring->tail;
		uint64_t end;

		atomic_store(&rr_accepted, 0);
		pthread_create(&t[0], NULL, rr_thread, NULL);
		pthread_create(&t[1], NULL, rr_thread, NULL);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		/* Every accepted write completes; wait for its entry. */
		end = now_ms() + 5000;
		do {
			tail = __atomic_load_n(&E.ring->tail, __ATOMIC_ACQUIRE);
			if (tail - start >= atomic_load(&rr_accepted))
				break;
			usleep(1000);
		} while (now_ms() < end);
		if (atomic_load(&rr_accepted) > worst)
			worst = atomic_load(&rr_accepted);
		lost += atomic_load(&rr_accepted) - (tail - start);
		over = E.ring->overflow;
		/* Consume everything: the next round starts empty. */
		__atomic_store_n(&E.ring->head, tail, __ATOMIC_RELEASE);
	}
	tap_ok(worst <= 8, "never more writes accepted than the ring holds (most %u of 8)",
	       worst);
	tap_ok(!lost, "every accepted write's completion is in the ring (%u missing)",
	       lost);
	tap_ok(!over, "the ring never overflowed (%u)", over);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

static int cmd_delrace(const char *disk, unsigned int rounds)
{
	struct ebpfdma_cqe c[8];
	unsigned int r, i, short_rounds = 0, bad = 0, del_failed = 0;
	int diskfd;

	tap_begin();
	if (open_dev())
		return tap_done();
	for (r = 0; r < rounds; r++) {
		struct log l = { .c = c, .max = 8 };

		if (edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd)) {
			tap_ok(0, "VOLUME_ADD, round %u: %s", r, strerror(errno));
			break;
		}
		for (i = 0; i < 8; i++)
			write_one(i * 8, i, 4096, r);
		del_failed += edma_volume_del(&E, VOL) != 0;
		edma_reap(&E, log_cqe, &l);
		short_rounds += l.n != 8;
		for (i = 0; i < l.n && i < 8; i++)
			bad += c[i].status != 0;
		close(diskfd);
	}
	tap_ok(!del_failed, "VOLUME_DEL right after the writes, %u times", rounds);
	tap_ok(!short_rounds && !bad,
	       "when it returned, each round's 8 writes had completed, successfully (%u short, %u failed)",
	       short_rounds, bad);
	edma_close(&E);
	return tap_done();
}

static int cmd_bioadd(const char *disk, unsigned int fails)
{
	struct ebpfdma_cqe c[8];
	struct log l = { .c = c, .max = 8 };
	unsigned char *back;
	unsigned int i, eio = 0, ok = 0, wrong = 0;
	struct ebpfdma_desc d[8];
	uint32_t slots[8], done;
	int diskfd, rd;

	tap_begin();
	if (open_dev())
		return tap_done();
	back = aligned_alloc(4096, 8 * 4096);
	memset(back, 0, 8 * 4096);
	rd = open(disk, O_RDWR | O_DIRECT);
	tap_ok(pwrite(rd, back, 8 * 4096, 0) == 8 * 4096 && !fsync(rd),
	       "zero the 8 blocks first");
	tap_ok(!edma_volume_add(&E, VOL, disk, 0, 8192, 0, &diskfd),
	       "volume on %s", disk);
	tap_ok(edma_alloc(&E, slots, 8) == 8, "8 slots");
	for (i = 0; i < 8; i++) {
		memset(edma_slot(&E, slots[i]), 0x11 * (i + 1), 4096);
		d[i] = (struct ebpfdma_desc){ .lba = i * 8, .cookie = i,
					      .volume = VOL, .slot = slots[i],
					      .len = 4096 };
	}
	tap_ok(!edma_submit(&E, d, 8, &done) && done == 8, "8 writes");
	reap_until(&l, 8, 30000);
	tap_ok(l.n == 8, "8 completions (%u)", l.n);
	if (!tap_ok(pread(rd, back, 8 * 4096, 0) == 8 * 4096,
		    "read the 8 blocks back with O_DIRECT"))
		return tap_done();
	for (i = 0; i < l.n && i < 8; i++) {
		unsigned char want = c[i].status ? 0 : 0x11 * (c[i].cookie + 1);
		unsigned int j;

		eio += c[i].status == -EIO;
		ok += c[i].status == 0;
		for (j = 0; j < 4096; j++)
			wrong += back[c[i].cookie * 4096 + j] != want;
	}
	tap_ok(eio == fails && ok == 8 - fails,
	       "%u writes failed with -EIO, %u succeeded (%u, %u)", fails,
	       8 - fails, eio, ok);
	tap_ok(!wrong,
	       "the disk holds exactly the writes reported written, zeros for the failed (%u bytes wrong)",
	       wrong);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(rd);
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "barriers"))
		return cmd_barriers(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "dying"))
		return cmd_dying(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "scope"))
		return cmd_scope(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "order"))
		return cmd_order(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "pagecache"))
		return cmd_pagecache(argv[2], strtoull(argv[3], NULL, 0),
				     argv[4]);
	if (argc == 4 && !strcmp(argv[1], "ringrace"))
		return cmd_ringrace(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "delrace"))
		return cmd_delrace(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "bioadd"))
		return cmd_bioadd(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: see the comment at the top of engine_test.c\n");
	return 2;
}

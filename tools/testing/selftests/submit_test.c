// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest helper (guest, root): volumes and zero-copy SUBMIT.
 *
 *   submit_test abi DISK
 *	every misuse of VOLUME_ADD / DEL / LIST and SUBMIT, as TAP
 *   submit_test write DISK ID START BLOCKS MIB SEED DATAFILE [FLAGS]
 *	add volume ID = DISK blocks [START, START + BLOCKS) with the volume
 *	flags FLAGS (EBPFDMA_VOL_*, default 0), write MIB MiB of
 *	pseudo-random data (from SEED) at its block 0 through the mapped
 *	pool, wait for every completion, and save the data to DATAFILE so
 *	that its checksum can be compared with what reached the disk; TAP
 *   submit_test fail DISK MIB
 *	write MIB MiB to a failing DISK: every completion must report an
 *	error, none success; TAP
 *   submit_test drain DISK
 *	on a slow DISK: queue writes, VOLUME_DEL must return only after all
 *	completed; then queue more and exit without waiting (the shell
 *	unloads the module while they are in flight); TAP
 *   submit_test stable DISK 0|1
 *	write 1 MiB to DISK, whose volatile write cache is on (0) or off (1):
 *	VOLUME_LIST must say EBPFDMA_VOL_STABLE and every completion carry
 *	EBPFDMA_CQE_STABLE exactly when it is off; TAP
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tools/lib/ebpfdma.h"
#include "tap.h"

static struct edma E;
static struct ebpfdma_info info; /* E.info, for short */

static int dev_open(void)
{
	if (edma_open(&E, O_RDWR))
		return -1;
	info = E.info;
	return E.fd;
}

/* submit_test stable: the EBPFDMA_CQE_STABLE every completion must carry. */
static int want_stable = -1;

static void count_error(const struct ebpfdma_cqe *c, void *errors)
{
	if (c->status ||
	    (want_stable >= 0 &&
	     (c->flags & EBPFDMA_CQE_STABLE) != (want_stable ? EBPFDMA_CQE_STABLE : 0)))
		(*(uint64_t *)errors)++;
}

/* For the failing device: count only the device's own error, -EIO. */
static void count_eio(const struct ebpfdma_cqe *c, void *errors)
{
	if (c->status == -EIO)
		(*(uint64_t *)errors)++;
}

static int eio_only;

/* Take completions; returns how many, counting errors in *errors. */
static unsigned int reap(uint64_t *errors)
{
	return edma_reap(&E, eio_only ? count_eio : count_error, errors);
}

static uint64_t rng;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Write mib MiB at block 0 of volume vol, counting errors in *errors. */
static int write_stream(int fd, uint32_t vol, uint32_t mib, FILE *out,
			uint64_t *errors, uint64_t *completed,
			uint32_t block_size)
{
	uint64_t total = (uint64_t)mib << 20, off = 0, queued = 0;
	struct ebpfdma_desc d[64];
	uint32_t idx[64], n, i, done;
	int got;

	*completed = 0;
	while (off < total || *completed < queued) {
		n = 0;
		if (off < total) {
			got = edma_alloc(&E, idx, 64);
			if (got < 0 && errno != ENOBUFS)
				return -1;
			for (i = 0; got > 0 && i < (uint32_t)got; i++) {
				uint32_t len = info.slot_size, w;
				uint64_t *p = (uint64_t *)edma_slot(&E, idx[i]);

				if (off >= total) {
					/* Not needed after all. */
					struct ebpfdma_slot_batch b = {
						.slots = (uintptr_t)&idx[i],
						.count = 1,
					};
					ioctl(fd, EBPFDMA_IOC_SLOTS_FREE, &b);
					continue;
				}
				for (w = 0; w < len / 8; w++)
					p[w] = next_rand();
				if (out)
					fwrite(p, 1, len, out);
				d[n++] = (struct ebpfdma_desc){
					.lba = off / block_size,
					.cookie = off,
					.volume = vol,
					.slot = idx[i],
					.len = len,
				};
				off += len;
			}
		}
		for (i = 0; i < n; i += done) {
			done = 0;
			if (edma_submit(&E, d + i, n - i, &done) && errno != EAGAIN)
				return -1;
			queued += done;
			if (!done) {
				edma_wait(&E, 30000);
				*completed += reap(errors);
			}
		}
		if (!n && *completed < queued)
			edma_wait(&E, 30000);
		*completed += reap(errors);
	}
	return 0;
}

static int cmd_write(const char *disk, uint32_t id, uint32_t flags,
		     uint64_t start, uint64_t blocks,
		     uint32_t mib, uint64_t seed, const char *datafile)
{
	uint64_t errors = 0, completed = 0;
	int fd, diskfd, ret;
	FILE *out;

	tap_begin();
	rng = seed | 1;
	fd = dev_open();
	if (!tap_ok(fd >= 0, "open and map /dev/ebpfdma (%u chunks)",
		    info.pool_chunks))
		return tap_done();
	ret = edma_volume_add(&E, id, disk, start, blocks, flags, &diskfd);
	if (!tap_ok(ret == 0, "add volume %u: %s blocks [%llu, +%llu)", id, disk,
		    (unsigned long long)start, (unsigned long long)blocks))
		return tap_done();
	out = fopen(datafile, "w");
	ret = write_stream(fd, id, mib, out, &errors, &completed, 512);
	fclose(out);
	tap_ok(ret == 0, "SUBMIT %u MiB from the mapped pool", mib);
	tap_ok(completed == ((uint64_t)mib << 20) / info.slot_size,
	       "one completion per write (%llu)",
	       (unsigned long long)completed);
	tap_ok(errors == 0, "no completion reports an error (%llu)",
	       (unsigned long long)errors);
	tap_ok(E.ring->overflow == 0, "the ring never overflowed");
	/* The volume stays: the shell reads its statistics. */
	close(diskfd);
	close(fd);
	return tap_done();
}

static int cmd_fail(const char *disk, uint32_t mib)
{
	uint64_t errors = 0, completed = 0;
	int fd, diskfd, ret;

	tap_begin();
	rng = 7;
	eio_only = 1;
	fd = dev_open();
	if (!tap_ok(fd >= 0, "open and map /dev/ebpfdma"))
		return tap_done();
	ret = edma_volume_add(&E, 3, disk, 0, (uint64_t)mib << 11, 0, &diskfd);
	if (!tap_ok(ret == 0, "add a volume on the failing device (errno %d)",
		    ret ? errno : 0))
		return tap_done();
	tap_ok(write_stream(fd, 3, mib, NULL, &errors, &completed, 512) == 0,
	       "SUBMIT %u MiB to the failing device", mib);
	tap_ok(completed == ((uint64_t)mib << 20) / info.slot_size,
	       "every write completed (%llu)", (unsigned long long)completed);
	tap_ok(errors == completed,
	       "every completion reports the device's error, -EIO (%llu of %llu)",
	       (unsigned long long)errors, (unsigned long long)completed);
	/* The volume stays: the shell reads its error count. */
	close(diskfd);
	close(fd);
	return tap_done();
}

static int cmd_stable(const char *disk, int stable)
{
	uint64_t errors = 0, completed = 0;
	struct ebpfdma_volume_info vi[EBPFDMA_MAX_VOLUMES];
	struct ebpfdma_volume_list l = {
		.vols = (uintptr_t)vi, .count = EBPFDMA_MAX_VOLUMES,
	};
	int fd, diskfd, listed = -1, ret;
	uint32_t i;

	tap_begin();
	rng = 11;
	want_stable = stable;
	fd = dev_open();
	if (!tap_ok(fd >= 0 && !edma_volume_add(&E, 7, disk, 0, 2048, 0, &diskfd),
		    "volume 7 on %s", disk))
		return tap_done();
	if (!ioctl(fd, EBPFDMA_IOC_VOLUME_LIST, &l))
		for (i = 0; i < l.count && i < EBPFDMA_MAX_VOLUMES; i++)
			if (vi[i].id == 7)
				listed = !!(vi[i].flags & EBPFDMA_VOL_STABLE);
	tap_ok(listed == stable, "VOLUME_LIST: EBPFDMA_VOL_STABLE %s (the device's cache is %s)",
	       stable ? "set" : "clear", stable ? "off" : "on");
	ret = write_stream(fd, 7, 1, NULL, &errors, &completed, 512);
	tap_ok(!ret && completed == (1U << 20) / info.slot_size && !errors,
	       "1 MiB written: every completion succeeded %s EBPFDMA_CQE_STABLE (%llu of %llu wrong)",
	       stable ? "with" : "without", (unsigned long long)errors,
	       (unsigned long long)completed);
	tap_ok(!edma_volume_del(&E, 7), "VOLUME_DEL");
	close(diskfd);
	close(fd);
	return tap_done();
}

static int cmd_abi(const char *disk)
{
	struct ebpfdma_volume_add v = { .id = 2, .blocks = 8 };
	struct ebpfdma_volume_info vi[4];
	struct ebpfdma_volume_list l = { .vols = (uintptr_t)vi, .count = 4 };
	struct ebpfdma_desc d = { .volume = 2, .len = 4096 };
	int fd, dfd, rofd, nexcl, reg, ret;
	uint32_t slot, done;
	uint64_t size;

	tap_begin();
	fd = dev_open();
	if (!tap_ok(fd >= 0, "open and map /dev/ebpfdma"))
		return tap_done();
	dfd = open(disk, O_RDWR | O_EXCL);
	reg = open("/tmp/not-a-disk", O_RDWR | O_CREAT, 0600);
	size = lseek(dfd, 0, SEEK_END);

	v.fd = 1000;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EBADF,
		  "VOLUME_ADD of a closed descriptor: EBADF");
	v.fd = reg;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EOPNOTSUPP,
		  "VOLUME_ADD of a file in /tmp (no direct I/O, no device): EOPNOTSUPP");
	close(reg);
	reg = open("/tmp/not-a-disk", O_RDONLY);
	v.fd = reg;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EACCES,
		  "VOLUME_ADD of a file opened read-only: EACCES");
	close(reg);
	reg = open("/tmp/not-a-disk", O_RDWR | O_APPEND);
	v.fd = reg;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD of a file opened O_APPEND: EINVAL");
	close(reg);
	reg = open("/dev/null", O_RDWR);
	v.fd = reg;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), ENOTBLK,
		  "VOLUME_ADD of a character device: ENOTBLK");
	close(dfd);
	nexcl = open(disk, O_RDWR);
	v.fd = nexcl;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EACCES,
		  "VOLUME_ADD of a device not opened O_EXCL: EACCES");
	close(nexcl);
	rofd = open(disk, O_RDONLY | O_EXCL);
	v.fd = rofd;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EACCES,
		  "VOLUME_ADD of a device opened read-only: EACCES");
	close(rofd);
	dfd = open(disk, O_RDWR | O_EXCL);
	v.fd = dfd;
	v.start = size / 512;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), ERANGE,
		  "VOLUME_ADD of a window starting at the device's end: ERANGE");
	v.start = size / 512 - 4;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), ERANGE,
		  "VOLUME_ADD of a window ending past the device: ERANGE");
	v.start = 8;
	v.blocks = UINT64_MAX - 4;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), ERANGE,
		  "VOLUME_ADD whose start + blocks overflows: ERANGE");
	v.blocks = 0;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), ERANGE,
		  "VOLUME_ADD of an empty window: ERANGE");
	v.blocks = 64;
	v.id = EBPFDMA_MAX_VOLUMES;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD of id %u: EINVAL", EBPFDMA_MAX_VOLUMES);
	v.id = 2;
	v.flags = 1U << 7;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD with an unknown flag: EINVAL");
	v.flags = EBPFDMA_VOL_STABLE;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD with EBPFDMA_VOL_STABLE (reported, not asked for): EINVAL");
	v.flags = EBPFDMA_VOL_FILE;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD with EBPFDMA_VOL_FILE (the descriptor says it): EINVAL");
	v.flags = 0;
	v.reserved[3] = 1;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD with a reserved field set: EINVAL");
	v.reserved[3] = 0;
	v.reserved0 = 42; /* where ABI version 1 had a token */
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EINVAL,
		  "VOLUME_ADD with reserved0 (version 1's token) set: EINVAL");
	v.reserved0 = 0;
	/* VOLUME_BIND of ABI version 1: 0x09, a 24-byte argument. */
	tap_errno(ioctl(fd, _IOW(EBPFDMA_IOC_MAGIC, 0x09, uint8_t[24]),
			&(uint8_t[24]){ 0 }),
		  ENOTTY, "ioctl 0x09 (VOLUME_BIND of ABI version 1) is gone: ENOTTY");
	ret = ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v);
	tap_ok(ret == 0 && v.block_size == 512,
	       "VOLUME_ADD id 2, blocks [8, +64), block size %u", v.block_size);
	{
		struct ebpfdma_stats st;
		struct ebpfdma_flush fl = { .volume = 9 };

		tap_ok(ioctl(fd, EBPFDMA_IOC_GET_STATS, &st) == 0 &&
			       st.nr_slots == info.nr_slots &&
			       st.free_slots == info.nr_slots &&
			       st.volumes == 1 && st.in_flight_bios == 0 &&
			       !st.pad && !st.reserved[3],
		       "GET_STATS: %u slots, all free, 1 volume, nothing in flight",
		       st.nr_slots);
		tap_errno(ioctl(fd, EBPFDMA_IOC_FLUSH, &fl), ENODEV,
			  "FLUSH of a volume that does not exist: ENODEV");
		fl.volume = 2;
		fl.flags = EBPFDMA_FLUSH_NOW << 1;
		tap_errno(ioctl(fd, EBPFDMA_IOC_FLUSH, &fl), EINVAL,
			  "FLUSH with an unknown flag: EINVAL");
		fl.flags = 0;
		fl.reserved[1] = 1;
		tap_errno(ioctl(fd, EBPFDMA_IOC_FLUSH, &fl), EINVAL,
			  "FLUSH with a reserved field set: EINVAL");
	}
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &v), EEXIST,
		  "VOLUME_ADD of an id in use: EEXIST");
	ret = ioctl(fd, EBPFDMA_IOC_VOLUME_LIST, &l);
	tap_ok(ret == 0 && l.count == 1 && vi[0].id == 2 && vi[0].start == 8 &&
		       vi[0].blocks == 64 && vi[0].block_size == 512,
	       "VOLUME_LIST shows it");
	l.reserved[0] = 1;
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_LIST, &l), EINVAL,
		  "VOLUME_LIST with a reserved field set: EINVAL");
	l.reserved[0] = 0;
	{
		struct ebpfdma_volume_add o = v;
		struct ebpfdma_volume_del del = { .id = 9 };

		o.id = 9;
		o.start = 64;
		o.blocks = 16;
		tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &o), EBUSY,
			  "VOLUME_ADD of a window overlapping another volume's on the device: EBUSY");
		o.start = 0;
		o.blocks = 9;
		tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &o), EBUSY,
			  "... also by one block at its start: EBUSY");
		o.start = 72;
		tap_ok(ioctl(fd, EBPFDMA_IOC_VOLUME_ADD, &o) == 0,
		       "VOLUME_ADD of the window right after it, on the same device");
		tap_ok(ioctl(fd, EBPFDMA_IOC_VOLUME_DEL, &del) == 0,
		       "VOLUME_DEL of that one");
	}

	edma_alloc(&E, &slot, 1);
	memset(edma_slot(&E, slot), 0xab, info.slot_size);
	d.slot = slot;
	d.volume = 3;
	tap_errno(edma_submit(&E, &d, 1, &done), ENODEV,
		  "SUBMIT to a volume that does not exist: ENODEV");
	d.volume = 2;
	d.lba = 64 - 7;
	tap_errno(edma_submit(&E, &d, 1, &done), ERANGE,
		  "SUBMIT ending one block past the window: ERANGE");
	d.lba = UINT64_MAX - 2;
	tap_errno(edma_submit(&E, &d, 1, &done), ERANGE,
		  "SUBMIT whose lba + length overflows: ERANGE");
	d.lba = 0;
	d.len = 1000;
	tap_errno(edma_submit(&E, &d, 1, &done), EINVAL,
		  "SUBMIT of a length that is not whole blocks: EINVAL");
	d.len = 0;
	tap_errno(edma_submit(&E, &d, 1, &done), EINVAL,
		  "SUBMIT of no bytes: EINVAL");
	d.len = info.slot_size * 2;
	tap_errno(edma_submit(&E, &d, 1, &done), EINVAL,
		  "SUBMIT of more than a slot: EINVAL");
	d.len = 4096;
	d.flags = 1U << 9;
	tap_errno(edma_submit(&E, &d, 1, &done), EINVAL,
		  "SUBMIT with an unknown flag: EINVAL");
	d.flags = 0;
	d.slot = info.nr_slots;
	tap_errno(edma_submit(&E, &d, 1, &done), ERANGE,
		  "SUBMIT of slot nr_slots: ERANGE");
	d.slot = slot + 1 < info.nr_slots ? slot + 1 : slot - 1;
	tap_errno(edma_submit(&E, &d, 1, &done), EINVAL,
		  "SUBMIT of a free slot: EINVAL");
	d.slot = slot;
	d.lba = 64 - 8;
	ret = edma_submit(&E, &d, 1, &done);
	tap_ok(ret == 0 && done == 1, "SUBMIT of the window's last 8 blocks");
	tap_ok(edma_volume_del(&E, 2) == 0, "VOLUME_DEL waits for the write");
	{
		uint64_t errors = 0;
		unsigned int n = reap(&errors);

		tap_ok(n == 1 && errors == 0 && E.cqes[0].cookie == 0 &&
			       E.cqes[0].lba == 56 && E.cqes[0].volume == 2 &&
			       E.cqes[0].len == 4096,
		       "its completion is in the ring: volume 2, lba 56, 4096 bytes, status 0");
	}
	tap_errno(edma_volume_del(&E, 2), ENODEV,
		  "VOLUME_DEL of a deleted volume: ENODEV");
	tap_errno(edma_submit(&E, &d, 1, &done), ENODEV,
		  "SUBMIT to a deleted volume: ENODEV");
	close(dfd);
	close(reg);
	close(fd);
	return tap_done();
}

/* Keep each completion, in ring order. */
struct cqe_log {
	struct ebpfdma_cqe c[64];
	unsigned int n;
};

static void log_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct cqe_log *l = arg;

	if (l->n < 64)
		l->c[l->n] = *c;
	l->n++;
}

static int cmd_drain(const char *disk)
{
	struct ebpfdma_flush fl = { .volume = 5, .cookie = 999 };
	struct cqe_log log = { .n = 0 };
	uint64_t errors = 0, n;
	struct ebpfdma_desc d[32];
	uint32_t idx[32], i, done = 0;
	int fd, diskfd;

	tap_begin();
	fd = dev_open();
	if (!tap_ok(fd >= 0, "open and map /dev/ebpfdma"))
		return tap_done();
	if (!tap_ok(edma_volume_add(&E, 5, disk, 0, 8192, 0, &diskfd) == 0,
		    "add a volume on the slow device (errno %d)", errno))
		return tap_done();
	edma_alloc(&E, idx, 32);
	for (i = 0; i < 32; i++)
		d[i] = (struct ebpfdma_desc){ .lba = i * 8, .volume = 5,
					      .slot = idx[i], .len = 4096,
					      .cookie = i };
	tap_ok(edma_submit(&E, d, 32, &done) == 0 && done == 32,
	       "queue 32 writes");
	/* Each takes 200 ms, so the first is certainly still in flight. */
	tap_errno(edma_submit(&E, d, 1, &done), EPERM,
		  "SUBMIT of a slot the engine holds: EPERM");
	tap_ok(ioctl(E.fd, EBPFDMA_IOC_FLUSH, &fl) == 0,
	       "FLUSH behind them");
	fl.cookie = 1000;
	tap_ok(ioctl(E.fd, EBPFDMA_IOC_FLUSH, &fl) == 0,
	       "a second barrier FLUSH behind the first");
	fl.cookie = 1001;
	fl.flags = EBPFDMA_FLUSH_NOW;
	tap_ok(ioctl(E.fd, EBPFDMA_IOC_FLUSH, &fl) == 0,
	       "a FLUSH with EBPFDMA_FLUSH_NOW");
	tap_ok(edma_volume_del(&E, 5) == 0,
	       "VOLUME_DEL with writes and three flushes in flight");
	n = edma_reap(&E, log_cqe, &log);
	{
		unsigned int last_write = 0, barrier[2] = { 0, 0 }, now = 0;

		for (i = 0; i < n && i < 64; i++) {
			if (!(log.c[i].flags & EBPFDMA_CQE_FLUSH)) {
				errors += log.c[i].status != 0 ||
					  log.c[i].flags != 0;
				last_write = i + 1;
			} else if (log.c[i].cookie == 999 ||
				   log.c[i].cookie == 1000) {
				errors += log.c[i].status != 0 ||
					  log.c[i].volume != 5;
				barrier[log.c[i].cookie - 999] = i + 1;
			} else if (log.c[i].cookie == 1001) {
				errors += log.c[i].status != 0;
				now = i + 1;
			}
		}
		tap_ok(n == 35 && errors == 0 && now,
		       "when it returns, all 32 writes and the 3 flushes have completed, successfully (%llu)",
		       (unsigned long long)n);
		tap_ok(barrier[0] > last_write && barrier[1] > last_write,
		       "both barrier flushes completed after every earlier write (neither waited for the other)");
	}
	close(diskfd);
	tap_ok(edma_volume_add(&E, 5, disk, 0, 8192, 0, &diskfd) == 0,
	       "add the volume again");
	edma_alloc(&E, idx, 32);
	for (i = 0; i < 32; i++)
		d[i].slot = idx[i];
	tap_ok(edma_submit(&E, d, 32, &done) == 0 && done == 32,
	       "queue 32 more, then exit without waiting");
	return tap_done();
}

/* Without CAP_SYS_ADMIN nothing that writes to a disk is allowed. */
static int cmd_noadmin(const char *disk)
{
	struct ebpfdma_volume_del del = { .id = 1 };
	struct ebpfdma_desc d = { .volume = 1, .len = 512 };
	uint32_t done;
	int fd, diskfd;

	tap_begin();
	fd = dev_open();
	if (!tap_ok(fd >= 0, "open and map /dev/ebpfdma without CAP_SYS_ADMIN"))
		return tap_done();
	tap_errno(edma_volume_add(&E, 1, disk, 0, 8, 0, &diskfd), EPERM,
		  "VOLUME_ADD without CAP_SYS_ADMIN: EPERM");
	{
		struct ebpfdma_flush fl = { .volume = 1 };

		tap_errno(ioctl(E.fd, EBPFDMA_IOC_FLUSH, &fl), EPERM,
			  "FLUSH without CAP_SYS_ADMIN: EPERM");
	}
	tap_errno(ioctl(fd, EBPFDMA_IOC_VOLUME_DEL, &del), EPERM,
		  "VOLUME_DEL without CAP_SYS_ADMIN: EPERM");
	edma_alloc(&E, &d.slot, 1);
	tap_errno(edma_submit(&E, &d, 1, &done), EPERM,
		  "SUBMIT without CAP_SYS_ADMIN: EPERM");
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "noadmin"))
		return cmd_noadmin(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "drain"))
		return cmd_drain(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "abi"))
		return cmd_abi(argv[2]);
	if ((argc == 9 || argc == 10) && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], strtoul(argv[3], NULL, 0),
				 argc == 10 ? strtoul(argv[9], NULL, 0) : 0,
				 strtoull(argv[4], NULL, 0),
				 strtoull(argv[5], NULL, 0),
				 strtoul(argv[6], NULL, 0),
				 strtoull(argv[7], NULL, 0), argv[8]);
	if (argc == 4 && !strcmp(argv[1], "stable"))
		return cmd_stable(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "fail"))
		return cmd_fail(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: see the comment at the top of submit_test.c\n");
	return 2;
}

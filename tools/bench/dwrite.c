// SPDX-License-Identifier: GPL-2.0
/* Durable O_DIRECT writes with group commit through io_uring (dwrite.h). */
#include "dwrite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "rxcore.h"

#define FSYNC_TAG UINT64_MAX

static void fatal(const char *what, int err)
{
	fprintf(stderr, "dwrite: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Does the block device behind @fd have no volatile write cache? */
static bool disk_stable(int fd)
{
	static const char *const fmt[] = {
		"/sys/dev/block/%u:%u/queue/write_cache",
		"/sys/dev/block/%u:%u/../queue/write_cache", /* a partition */
	};
	char path[96], mode[32] = "";
	struct stat st;
	unsigned int i;
	FILE *f;

	if (fstat(fd, &st) || !S_ISBLK(st.st_mode))
		return false;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), fmt[i], major(st.st_rdev),
			 minor(st.st_rdev));
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
		return !strncmp(mode, "write through", 13);
	}
	return false;
}

void dw_init(struct dwrite *d, int fd, unsigned int qd, uint32_t max_tags,
	     dwrite_fn durable, void *arg)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE };
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->stable = disk_stable(fd);
	d->durable = durable;
	d->arg = arg;
	d->len = calloc(max_tags, sizeof(uint32_t));
	d->pend = calloc(max_tags, sizeof(uint32_t));
	d->flushing = calloc(max_tags, sizeof(uint32_t));
	if (!d->len || !d->pend || !d->flushing)
		fatal("memory", ENOMEM);
	/* Every tag may be in flight at once: room for all completions. */
	for (p.cq_entries = 2 * qd; p.cq_entries <= max_tags &&
				    p.cq_entries < 65536;
	     p.cq_entries *= 2)
		;
	ret = io_uring_queue_init_params(qd, &d->ring, &p);
	if (ret)
		fatal("io_uring_queue_init", -ret);
}

static struct io_uring_sqe *sqe_get(struct dwrite *d)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);

	if (!sqe) {
		dw_submit(d);
		sqe = io_uring_get_sqe(&d->ring);
		if (!sqe)
			fatal("io_uring_get_sqe", EBUSY);
	}
	d->queued++;
	return sqe;
}

void dw_write(struct dwrite *d, const void *buf, uint32_t len, uint64_t off,
	      uint32_t tag)
{
	struct io_uring_sqe *sqe = sqe_get(d);

	io_uring_prep_write(sqe, d->fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, tag);
	d->len[tag] = len;
	d->in_flight++;
}

void dw_submit(struct dwrite *d)
{
	if (d->queued) {
		io_uring_submit(&d->ring);
		d->queued = 0;
	}
}

void dw_reap(struct dwrite *d)
{
	struct io_uring_cqe *cqe;
	uint64_t now = 0;
	uint32_t i;

	while (!io_uring_peek_cqe(&d->ring, &cqe)) {
		uint64_t tag = cqe->user_data;
		int res = cqe->res;

		io_uring_cqe_seen(&d->ring, cqe);
		if (tag == FSYNC_TAG) {
			if (res < 0)
				fatal("fdatasync", -res);
			now = rx_now_ns();
			d->fsync_in_flight = false;
			for (i = 0; i < d->nflushing; i++)
				d->durable(d->arg, d->flushing[i], now);
			d->nflushing = 0;
			continue;
		}
		d->in_flight--;
		if (res != (int)d->len[tag])
			fatal("write", res < 0 ? -res : EIO);
		if (d->stable) {
			if (!now)
				now = rx_now_ns();
			d->durable(d->arg, tag, now);
			continue;
		}
		d->pend[d->npend++] = tag;
	}
}

void dw_flush(struct dwrite *d)
{
	struct io_uring_sqe *sqe;
	uint32_t *t;

	if (d->fsync_in_flight || !d->npend)
		return;
	sqe = sqe_get(d);
	io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, FSYNC_TAG);
	t = d->flushing;
	d->flushing = d->pend;
	d->nflushing = d->npend;
	d->pend = t;
	d->npend = 0;
	d->fsync_in_flight = true;
}

void dw_wait(struct dwrite *d, long timeout_us)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_us / 1000000,
		.tv_nsec = timeout_us % 1000000 * 1000,
	};
	struct io_uring_cqe *cqe;

	io_uring_wait_cqe_timeout(&d->ring, &cqe, &ts);
}

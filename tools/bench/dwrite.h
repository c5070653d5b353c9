/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Durable writes for the benchmarks' baseline receivers (udp_direct,
 * af_xdp): O_DIRECT writes through io_uring, many in flight, made durable
 * by group commit, as ebpfdmactl serve does with the module: one
 * fdatasync covers every write completed before it was issued, and only
 * then is each write reported durable; on a device without a volatile
 * write cache a completed write is durable at once.
 *
 * A write is named by a tag (0 .. max_tags - 1), the caller's buffer
 * index: dw_write() queues it, dw_submit() hands queued work to the
 * kernel, dw_reap() takes completions and calls @durable once per tag
 * when its write is durable, dw_flush() starts a group fdatasync.  A
 * failed write or fdatasync ends the program with a message: a baseline
 * must not report what it did not do.
 */
#ifndef EBPFDMA_BENCH_DWRITE_H
#define EBPFDMA_BENCH_DWRITE_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

/* @tag's write is durable; @now_ns: rx_now_ns() of this batch. */
typedef void (*dwrite_fn)(void *arg, uint32_t tag, uint64_t now_ns);

struct dwrite {
	struct io_uring ring;
	int fd; /* opened O_DIRECT */
	unsigned int queued; /* SQEs not submitted yet */
	unsigned int in_flight; /* writes submitted, not completed */
	bool fsync_in_flight;
	/*
	 * The device has no volatile write cache (read at dw_init()): a
	 * completed write is durable, no fdatasync needed.
	 */
	bool stable;
	uint32_t *len; /* per tag: the write's length */
	uint32_t *pend, npend; /* completed, waiting for an fdatasync */
	uint32_t *flushing, nflushing; /* covered by the one in flight */
	dwrite_fn durable;
	void *arg;
};

/* Exits with a message when io_uring or memory is not to be had. */
void dw_init(struct dwrite *d, int fd, unsigned int qd, uint32_t max_tags,
	     dwrite_fn durable, void *arg);
void dw_write(struct dwrite *d, const void *buf, uint32_t len, uint64_t off,
	      uint32_t tag);
void dw_reap(struct dwrite *d);
/* Group commit: an fdatasync for what has completed, if none is running. */
void dw_flush(struct dwrite *d);
void dw_submit(struct dwrite *d);
/* Wait up to @timeout_us for a completion. */
void dw_wait(struct dwrite *d, long timeout_us);
/* Is anything written, in flight or waiting for durability? */
static inline bool dw_busy(const struct dwrite *d)
{
	return d->in_flight || d->npend || d->fsync_in_flight;
}

#endif

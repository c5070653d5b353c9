// SPDX-License-Identifier: GPL-2.0
/*
 * udp-direct: a careful user-space receiver of the ebpfdma wire protocol,
 * a baseline of the benchmarks.  recvmmsg() scatters each datagram's
 * header into a small buffer and its body straight into an aligned slot
 * (the kernel's one copy), and io_uring writes the slot to the block
 * device with O_DIRECT (no second copy), many writes in flight.  Like
 * ebpfdmactl serve, it acknowledges a block only once it is durable: its
 * write completed and a group fdatasync issued after that completed.
 *
 *   udp_direct --disk DEV --blocks N [--volumes V] [rxcore options]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rxcore.h"

#define BATCH 64
#define NR_SLOTS 1024U
#define QD 256U
#define FSYNC_TAG UINT64_MAX

struct slot {
	struct rx_write w;
	uint64_t arrival_ns;
};

/* Writes completed and not yet covered by a finished fdatasync. */
struct waitq {
	uint32_t *v;
	uint32_t n;
};

static struct slot slots[NR_SLOTS];
static uint32_t free_slots[NR_SLOTS], nr_free;
static struct waitq pend, flushing;
static unsigned int writes_in_flight, sqes_queued;
static bool fsync_in_flight;
static struct rx rx;
static struct io_uring ring;
static int fd;

static void fatal(const char *what, int err)
{
	fprintf(stderr, "udp_direct: %s: %s\n", what, strerror(err));
	exit(1);
}

static struct io_uring_sqe *sqe_get(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {
		io_uring_submit(&ring);
		sqes_queued = 0;
		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			fatal("io_uring_get_sqe", EBUSY);
	}
	sqes_queued++;
	return sqe;
}

static void reap(void)
{
	struct io_uring_cqe *cqe;
	uint32_t i, k;
	uint64_t now;

	while (!io_uring_peek_cqe(&ring, &cqe)) {
		uint64_t tag = cqe->user_data;
		int res = cqe->res;

		io_uring_cqe_seen(&ring, cqe);
		if (tag == FSYNC_TAG) {
			if (res < 0)
				fatal("fdatasync", -res);
			now = rx_now_ns();
			for (i = 0; i < flushing.n; i++) {
				k = flushing.v[i];
				rx_durable(&rx, slots[k].w.s, slots[k].w.seq,
					   slots[k].arrival_ns, now);
				free_slots[nr_free++] = k;
			}
			flushing.n = 0;
			fsync_in_flight = false;
			continue;
		}
		k = tag;
		writes_in_flight--;
		if (res != (int)slots[k].w.len)
			fatal("write", res < 0 ? -res : EIO);
		rx.bytes += slots[k].w.len;
		rx.blocks++;
		pend.v[pend.n++] = k;
	}
}

/* Group commit: one fdatasync covers every write completed before it. */
static void flush(void)
{
	struct io_uring_sqe *sqe;
	struct waitq t;

	if (fsync_in_flight || !pend.n)
		return;
	sqe = sqe_get();
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, FSYNC_TAG);
	t = flushing;
	flushing = pend;
	pend = t;
	pend.n = 0;
	fsync_in_flight = true;
}

int main(int argc, char **argv)
{
	static uint8_t hdrs[BATCH][sizeof(struct ebpfdma_wire_hdr)];
	struct sockaddr_in6 from[BATCH];
	struct iovec iov[BATCH][2];
	struct mmsghdr m[BATCH];
	uint32_t got[BATCH];
	uint8_t *mem;
	uint64_t t;
	int i, n, want, ret;

	rx_init(&rx, &argc, argv);
	fd = open(rx.c.disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		fatal(rx.c.disk, errno);
	if (posix_memalign((void **)&mem, 4096, (size_t)NR_SLOTS * rx.c.max_len))
		fatal("slots", ENOMEM);
	pend.v = calloc(NR_SLOTS, sizeof(uint32_t));
	flushing.v = calloc(NR_SLOTS, sizeof(uint32_t));
	if (!pend.v || !flushing.v)
		fatal("slots", ENOMEM);
	for (nr_free = 0; nr_free < NR_SLOTS; nr_free++)
		free_slots[nr_free] = NR_SLOTS - 1 - nr_free;
	ret = io_uring_queue_init(QD, &ring, 0);
	if (ret)
		fatal("io_uring_queue_init", -ret);
	printf("ready\n");
	fflush(stdout);
	while (!rx_stopping) {
		struct pollfd p = { .fd = rx.sock, .events = POLLIN };

		reap();
		/* Wait for the network or, with writes in flight, the disk. */
		if (writes_in_flight || fsync_in_flight) {
			struct __kernel_timespec ts = { .tv_nsec = 1000000 };
			struct io_uring_cqe *cqe;

			if (!poll(&p, 1, 0))
				io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		} else {
			poll(&p, 1, 5);
		}
		reap();
		want = nr_free < BATCH ? nr_free : BATCH;
		n = 0;
		if (want > 0) {
			for (i = 0; i < want; i++) {
				got[i] = free_slots[--nr_free];
				iov[i][0] = (struct iovec){ hdrs[i], sizeof(hdrs[i]) };
				iov[i][1] = (struct iovec){
					mem + (size_t)got[i] * rx.c.max_len,
					rx.c.max_len
				};
				m[i].msg_hdr = (struct msghdr){
					.msg_name = &from[i],
					.msg_namelen = sizeof(from[i]),
					.msg_iov = iov[i], .msg_iovlen = 2,
				};
			}
			n = recvmmsg(rx.sock, m, want, MSG_DONTWAIT, NULL);
			if (n < 0)
				n = 0;
			t = rx_now_ns();
			for (i = 0; i < n; i++) {
				struct slot *s = &slots[got[i]];
				struct io_uring_sqe *sqe;

				if ((m[i].msg_hdr.msg_flags & MSG_TRUNC) ||
				    !rx_datagram(&rx, hdrs[i], iov[i][1].iov_base,
						 m[i].msg_len, &from[i], &s->w)) {
					free_slots[nr_free++] = got[i];
					continue;
				}
				s->arrival_ns = t;
				sqe = sqe_get();
				io_uring_prep_write(sqe, fd, s->w.body, s->w.len,
						    s->w.off);
				io_uring_sqe_set_data64(sqe, got[i]);
				writes_in_flight++;
			}
			/* Slots taken but not filled go back. */
			for (i = n; i < want; i++)
				free_slots[nr_free++] = got[i];
		}
		flush();
		if (sqes_queued) {
			io_uring_submit(&ring);
			sqes_queued = 0;
		}
		rx_tick(&rx, !writes_in_flight && !pend.n && !fsync_in_flight);
	}
	rx_report(&rx, "udp-direct", NULL);
	return 0;
}

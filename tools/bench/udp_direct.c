// SPDX-License-Identifier: GPL-2.0
/*
 * udp-direct: a careful user-space receiver of the ebpfdma wire protocol,
 * a baseline of the benchmarks.  recvmmsg() scatters each datagram's
 * header into a small buffer and its body straight into an aligned slot
 * (the kernel's one copy), where libsodium opens it in place (rxcore.c),
 * and io_uring writes the slot to the block
 * device with O_DIRECT (no second copy), many writes in flight.  Like
 * ebpfdmactl serve, it acknowledges a block only once it is durable: its
 * write completed and a group fdatasync issued after that completed.
 *
 *   udp_direct --disk DEV --blocks N [--volumes V] [rxcore options]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dwrite.h"
#include "rxcore.h"

#define BATCH 64
#define NR_SLOTS 1024U
#define QD 256U

struct slot {
	struct rx_write w;
	uint64_t arrival_ns;
};

static struct slot slots[NR_SLOTS];
static uint32_t free_slots[NR_SLOTS], nr_free;
static struct rx rx;

static void fatal(const char *what, int err)
{
	fprintf(stderr, "udp_direct: %s: %s\n", what, strerror(err));
	exit(1);
}

/* A slot's write is durable: acknowledge it, and the slot is free. */
static void on_durable(void *arg, uint32_t k, uint64_t now)
{
	(void)arg;
	rx.bytes += slots[k].w.len;
	rx.blocks++;
	rx_durable(&rx, slots[k].w.s, slots[k].w.seq, slots[k].arrival_ns,
		   now);
	free_slots[nr_free++] = k;
}

int main(int argc, char **argv)
{
	static uint8_t hdrs[BATCH][EBPFDMA_WIRE2_HDR_LEN];
	struct sockaddr_in6 from[BATCH];
	struct iovec iov[BATCH][2];
	struct mmsghdr m[BATCH];
	uint32_t got[BATCH];
	struct dwrite dw;
	uint8_t *mem;
	uint64_t t;
	int i, n, want, fd;
	uint32_t stride;

	rx_init(&rx, &argc, argv);
	fd = open(rx.c.disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		fatal(rx.c.disk, errno);
	/* A slot: the longest body and its trailer, 4 KiB aligned. */
	stride = (rx.c.max_len + EBPFDMA_WIRE2_TRAILER_LEN + 4095) & ~4095U;
	if (posix_memalign((void **)&mem, 4096, (size_t)NR_SLOTS * stride))
		fatal("slots", ENOMEM);
	for (nr_free = 0; nr_free < NR_SLOTS; nr_free++)
		free_slots[nr_free] = NR_SLOTS - 1 - nr_free;
	dw_init(&dw, fd, QD, NR_SLOTS, on_durable, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!rx_stopping) {
		struct pollfd p = { .fd = rx.sock, .events = POLLIN };

		dw_reap(&dw);
		/* Wait for the network or, with writes in flight, the disk. */
		if (dw.in_flight || dw.fsync_in_flight) {
			if (!poll(&p, 1, 0))
				dw_wait(&dw, 1000);
		} else {
			poll(&p, 1, 5);
		}
		dw_reap(&dw);
		want = nr_free < BATCH ? nr_free : BATCH;
		n = 0;
		if (want > 0) {
			for (i = 0; i < want; i++) {
				got[i] = free_slots[--nr_free];
				iov[i][0] = (struct iovec){ hdrs[i], sizeof(hdrs[i]) };
				iov[i][1] = (struct iovec){
					mem + (size_t)got[i] * stride,
					rx.c.max_len + EBPFDMA_WIRE2_TRAILER_LEN
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

				if ((m[i].msg_hdr.msg_flags & MSG_TRUNC) ||
				    !rx_datagram(&rx, hdrs[i], iov[i][1].iov_base,
						 m[i].msg_len, &from[i], &s->w)) {
					free_slots[nr_free++] = got[i];
					continue;
				}
				s->arrival_ns = t;
				dw_write(&dw, s->w.body, s->w.len, s->w.off,
					 got[i]);
			}
			/* Slots taken but not filled go back. */
			for (i = n; i < want; i++)
				free_slots[nr_free++] = got[i];
		}
		dw_flush(&dw);
		dw_submit(&dw);
		rx_tick(&rx, !dw_busy(&dw));
	}
	rx_report(&rx, "udp-direct", NULL);
	return 0;
}

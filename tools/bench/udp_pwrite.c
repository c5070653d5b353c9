// SPDX-License-Identifier: GPL-2.0
/*
 * udp-pwrite: the simplest user-space receiver of the ebpfdma wire
 * protocol, a baseline of the benchmarks.  recvmmsg() batches of datagrams
 * into user buffers (the kernel's copy), buffered pwrite() of each body to
 * the block device (the copy into the page cache), and one fsync() when a
 * COMMIT arrives.  It acknowledges a block once pwrite() returned (it is in
 * the page cache, not durable: less than ebpfdma promises, an advantage to
 * this baseline); COMMIT is answered after the fsync.
 *
 *   udp_pwrite --disk DEV --blocks N [--volumes V] [rxcore options]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rxcore.h"

#define BATCH 64
#define BUF_LEN (64 * 1024)

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][BUF_LEN];
	struct sockaddr_in6 from[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint64_t t, now, fsync_ns = 0;
	struct rx_write w[BATCH];
	struct rx rx;
	char extra[64];
	int fd, i, k, n;

	rx_init(&rx, &argc, argv);
	fd = open(rx.c.disk, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(rx.c.disk);
		return 1;
	}
	for (i = 0; i < BATCH; i++)
		iov[i] = (struct iovec){ bufs[i], BUF_LEN };
	printf("ready\n");
	fflush(stdout);
	while (!rx_stopping) {
		struct pollfd p = { .fd = rx.sock, .events = POLLIN };

		poll(&p, 1, 5);
		for (i = 0; i < BATCH; i++)
			m[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
			};
		n = recvmmsg(rx.sock, m, BATCH, MSG_DONTWAIT, NULL);
		t = rx_now_ns();
		for (i = 0, k = 0; i < n; i++) {
			if (!rx_datagram(&rx, bufs[i], NULL, m[i].msg_len,
					 &from[i], &w[k]))
				continue;
			if (pwrite(fd, w[k].body, w[k].len, w[k].off) !=
			    (ssize_t)w[k].len) {
				perror("pwrite");
				return 1;
			}
			rx.bytes += w[k].len;
			rx.blocks++;
			k++;
		}
		/* One clock reading for the batch, acknowledged together. */
		now = k ? rx_now_ns() : 0;
		for (i = 0; i < k; i++)
			rx_durable(&rx, w[i].s, w[i].seq, t, now);
		if (rx_commit_waiting(&rx)) {
			t = rx_now_ns();
			if (fsync(fd)) {
				perror("fsync");
				return 1;
			}
			fsync_ns += rx_now_ns() - t;
		}
		rx_tick(&rx, true);
	}
	snprintf(extra, sizeof(extra), "\"fsync_ms\":%.1f", fsync_ns / 1e6);
	rx_report(&rx, "udp-pwrite", extra);
	return 0;
}

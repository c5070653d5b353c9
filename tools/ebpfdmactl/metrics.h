/* SPDX-License-Identifier: GPL-2.0 */
/* serve's Prometheus metrics (text exposition format 0.0.4) over HTTP. */
#ifndef EBPFDMACTL_METRICS_H
#define EBPFDMACTL_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "uapi/ebpfdma.h"

enum { PATH_XDP, PATH_SLOW, NR_PATHS };
enum {
	REFUSED_PEER,
	REFUSED_INVAL,
	REFUSED_TOKEN,
	REFUSED_VOLUME,
	REFUSED_RANGE,
	REFUSED_CRC,
	NR_REFUSED
};

struct serve_vol_stats {
	uint32_t id;
	uint64_t flushes, flush_errors;
};

struct serve_stats {
	uint64_t blocks[NR_PATHS], bytes[NR_PATHS]; /* written */
	uint64_t slow_refused[NR_REFUSED];
	uint64_t write_errors, acks, ack_send_errors;
	/*
	 * Blocks written but never acknowledged because serve could not
	 * track them (session table full of busy sessions, out of memory, a
	 * sequence number far beyond the session's): senders resend them.
	 */
	uint64_t untracked;
	uint64_t opens, commits, commits_acked;
	struct serve_vol_stats vol[EBPFDMA_MAX_VOLUMES];
	unsigned int nr_vols;
};

/* Listen on "host:port"; a non-blocking socket, or -1 with errno. */
int metrics_listen(const char *hostport);
/* Accept one connection and answer it. */
void metrics_answer(int listen_fd, const struct serve_stats *st);
/* The exposition itself. */
void metrics_write(FILE *f, const struct serve_stats *st);

#endif

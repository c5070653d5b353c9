/* SPDX-License-Identifier: GPL-2.0 */
/* serve's Prometheus metrics (text exposition format 0.0.4) over HTTP. */
#ifndef EBPFDMACTL_METRICS_H
#define EBPFDMACTL_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "uapi/ebpfdma.h"

enum { PATH_XDP, PATH_SLOW, NR_PATHS };
/* Why the socket refused a datagram. */
enum {
	REFUSED_PEER, /* not from an allowed peer */
	REFUSED_INVAL, /* malformed, or not a receiver's */
	REFUSED_NO_SESSION, /* of no session serve holds (or an ended one) */
	REFUSED_AUTH, /* does not verify under the session's key */
	REFUSED_DUPLICATE, /* a block placed already */
	REFUSED_EXPIRED, /* the session was idle past its limit */
	REFUSED_RANGE, /* a block past the transfer */
	REFUSED_FULL, /* no free slot or no room in the ring */
	NR_REFUSED
};

/* What became of a HELLO. */
enum {
	HELLO_GRANTED,
	HELLO_REPEATED, /* answered with its session's WELCOME again */
	HELLO_AUTH, /* did not verify: not answered */
	HELLO_VOLUME, /* no such volume: not answered */
	HELLO_MALFORMED,
	HELLO_RANGE, /* refused: blocks outside the volume's window */
	HELLO_BLOCK, /* refused: a block size the receiver cannot take */
	HELLO_BUSY, /* refused: no room for another session */
	HELLO_HELD, /* refused: another transfer writes to the volume */
	HELLO_NAME, /* refused: a store's name missing or not allowed */
	HELLO_EXISTS, /* refused: a stored file of the name exists */
	HELLO_SPACE, /* refused: no room in the store's file system */
	HELLO_QUOTA, /* refused: over the store's quota */
	HELLO_GONE, /* refused: a store's transfer to continue is gone */
	NR_HELLO
};

/* What became of a SIGHUP. */
enum { RELOAD_APPLIED, RELOAD_REFUSED, NR_RELOAD };

struct serve_vol_stats {
	uint32_t id;
	bool store; /* a file store: the counters of all its files */
	uint64_t flushes, flush_errors;
	uint64_t published, publish_errors, discarded; /* a store's files */
	uint64_t bytes; /* written (a store: by all its files) */
};

struct serve_stats {
	uint64_t blocks[NR_PATHS], bytes[NR_PATHS]; /* written */
	uint64_t slow_refused[NR_REFUSED];
	uint64_t write_errors, acks, ack_send_errors;
	uint64_t ce_marked; /* DATA that arrived marked CE, echoed to senders */
	/* completion ring entries read: a write's, or a run of a session's */
	uint64_t completions;
	/*
	 * Blocks written but never acknowledged because serve could not
	 * track them (out of memory, a session ended meanwhile): senders
	 * resend them.
	 */
	uint64_t untracked;
	uint64_t hello[NR_HELLO];
	uint64_t commits, commits_acked;
	uint64_t records_failed; /* commit records that could not be written */
	uint64_t sessions_active; /* a gauge */
	uint64_t sessions_completed, sessions_failed, sessions_expired;
	uint64_t sessions_superseded;
	struct serve_vol_stats vol[EBPFDMA_MAX_VOLUMES];
	unsigned int nr_vols;
	bool xdp_attached; /* the XDP program's map should be readable */
	int xdp_counters_fd; /* serve's program's counters map, or -1 */
	uint64_t reloads[NR_RELOAD];
	/* the endpoint's own: accept() failures (out of descriptors...) */
	uint64_t metrics_accept_errors;
};

/*
 * The endpoint (metrics_http.c): listen on "host:port" and answer from a
 * thread of its own; 0, or -1 with errno.
 */
struct metrics_server;
int metrics_start(struct metrics_server **m, const char *hostport);
/*
 * From serve's loop, every round: hand over a copy of @st if the server
 * waits for one (@m may be NULL: metrics off).
 */
void metrics_publish(struct metrics_server *m, const struct serve_stats *st);
/* Stop answering and free @m (NULL: nothing). */
void metrics_stop(struct metrics_server *m);
/* The exposition itself. */
void metrics_write(FILE *f, const struct serve_stats *st);

#endif

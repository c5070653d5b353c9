/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the XDP receive program on one packet with BPF_PROG_TEST_RUN and
 * checking everything it and the module count: the verdict, which of the
 * program's counters moved (and by how much), which of the module's rx/
 * counters in sysfs moved, and that a passed packet is untouched.
 */
#ifndef EBPFDMA_SELFTEST_XDPRUN_H
#define EBPFDMA_SELFTEST_XDPRUN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "tools/lib/rx.h"
#include "tools/testing/selftests/tap.h"

#define RX_SYSFS "/sys/class/misc/ebpfdma/rx/"
#define NOCTR ((size_t)-1)
#define CTR(f) offsetof(struct ebpfdma_rx_counters, f)

struct prog {
	struct ebpfdma_rx *skel;
	int fd, counters;
	const char *name;
};

/* The module's rx/ counters (kmod/sysfs_rx.c), every one but the bytes. */
static const char *const rx_stats[] = {
	"placed",     "malformed", "range",	"no_volume",
	"no_listener", "pool_full", "ring_full", "no_session",
	"expired",    "auth",	   "duplicate", "ce",
};
#define NR_RX_STATS (sizeof(rx_stats) / sizeof(rx_stats[0]))

/* The index of counter @name in rx_stats[]; exits if there is none. */
static inline unsigned int rx_stat(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_RX_STATS; i++)
		if (!strcmp(rx_stats[i], name))
			return i;
	fprintf(stderr, "no rx counter %s\n", name);
	exit(2);
}

static inline void rx_read(uint64_t *v)
{
	char path[128];
	unsigned int i;
	FILE *f;

	for (i = 0; i < NR_RX_STATS; i++) {
		snprintf(path, sizeof(path), RX_SYSFS "%s", rx_stats[i]);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%lu", &v[i]) != 1) {
			perror(path);
			exit(2);
		}
		fclose(f);
	}
}

/* How much each module counter moved since @before, as text; "" if none. */
static inline const char *rx_moved(const uint64_t *before, const char *want,
				   uint64_t n)
{
	static char buf[256];
	uint64_t now[NR_RX_STATS], d;
	unsigned int i;
	size_t len = 0;

	rx_read(now);
	buf[0] = 0;
	for (i = 0; i < NR_RX_STATS; i++) {
		d = now[i] - before[i];
		if (d != (want && !strcmp(want, rx_stats[i]) ? n : 0))
			len += snprintf(buf + len, sizeof(buf) - len,
					"rx/%s moved by %lu ", rx_stats[i], d);
	}
	return buf;
}

/*
 * Load the program for UDP port @port, full-pool policy @full, refused
 * DATA passed when @refused; peers 10.0.0.1 and fd00::1 (pkt.h's sources).
 */
static inline void xr_load(struct prog *p, const char *name, uint16_t port,
			   uint32_t full, int refused)
{
	struct edma_rx_config cfg = {
		.port = port, .full_policy = full, .pass_refused = refused,
	};
	int ret = edma_rx_load(&cfg, &p->skel);

	if (!tap_ok(!ret, "%s: the program loads (kfunc resolved in ebpfdma's BTF)",
		    name)) {
		printf("# edma_rx_load: %s\n", strerror(-ret));
		exit(tap_done());
	}
	p->name = name;
	p->fd = edma_rx_prog_fd(p->skel);
	p->counters = edma_rx_counters_fd(p->skel);
	if (edma_rx_peer_add(edma_rx_peers_fd(p->skel), "10.0.0.1") ||
	    edma_rx_peer_add(edma_rx_peers_fd(p->skel), "fd00::1")) {
		perror("peer add");
		exit(2);
	}
}

/*
 * Run one packet and compare: the verdict, the counters (packets, the
 * verdict's total, @c1 and @c2 move by one, placed_bytes by @bytes, no other),
 * the module's rx/ counter @mod (by one; no other), and that a passed packet
 * is untouched.  Returns 1 when everything matched; with @quiet it prints
 * only on a mismatch, records no TAP line, and leaves the module's counters
 * to the caller (rx_moved()), which checks a whole series at once.
 */
static inline int expect(const struct prog *p, const char *desc, const uint8_t *pkt,
		  size_t len, uint32_t verdict, size_t c1, size_t c2,
		  uint64_t bytes, const char *mod, int quiet)
{
	static uint8_t out[16384];
	struct ebpfdma_rx_counters before, after;
	uint64_t mb[NR_RX_STATS], ma[NR_RX_STATS], want, got;
	char why[256] = "";
	unsigned int i;
	int ok = 1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	edma_rx_counters_read(p->counters, &before, NULL, 0);
	/* Quiet runs leave the module's counters to their caller. */
	if (!quiet)
		rx_read(mb);
	if (bpf_prog_test_run_opts(p->fd, &o)) {
		snprintf(why, sizeof(why), "test_run: %s", strerror(errno));
		ok = 0;
		goto report;
	}
	edma_rx_counters_read(p->counters, &after, NULL, 0);
	if (!quiet)
		rx_read(ma);
	if (o.retval != verdict) {
		snprintf(why, sizeof(why), "verdict %u, wanted %u", o.retval,
			 verdict);
		ok = 0;
	}
	for (i = 0; i < edma_rx_nr_fields && ok; i++) {
		size_t off = edma_rx_fields[i].off;

		want = off == CTR(packets) || off == c1 || off == c2 ||
		       off == (verdict == XDP_PASS ? CTR(pass) : CTR(drop));
		if (off == CTR(placed_bytes))
			want = bytes;
		got = edma_rx_field(&after, off) - edma_rx_field(&before, off);
		if (got != want) {
			snprintf(why, sizeof(why), "counter %s moved by %lu, wanted %lu",
				 edma_rx_fields[i].name, got, want);
			ok = 0;
		}
	}
	for (i = 0; i < NR_RX_STATS && ok && !quiet; i++) {
		want = mod && !strcmp(mod, rx_stats[i]);
		if (ma[i] - mb[i] != want) {
			snprintf(why, sizeof(why), "module rx/%s moved by %lu, wanted %lu",
				 rx_stats[i], ma[i] - mb[i], want);
			ok = 0;
		}
	}
	if (ok && verdict == XDP_PASS &&
	    (o.data_size_out != len || memcmp(out, pkt, len))) {
		snprintf(why, sizeof(why), "the passed packet was changed");
		ok = 0;
	}
report:
	if (!quiet)
		tap_ok(ok, "%s: %s", p->name, desc);
	if (!ok)
		printf("# %s: %s\n", desc, why);
	return ok;
}

#endif

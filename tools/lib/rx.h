/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading, attaching and reading the XDP receive program
 * (bpf/ebpfdma_rx.bpf.c) through its libbpf skeleton.  Functions return 0
 * or a negative errno and print nothing.
 */
#ifndef EBPFDMA_RX_LIB_H
#define EBPFDMA_RX_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/ebpfdma_rx.h"

struct ebpfdma_rx;

struct edma_rx_config {
	uint16_t port; /* UDP port */
	uint32_t full_policy; /* EBPFDMA_RX_FULL_* */
	int pass_refused; /* refused DATA to the stack, not dropped */
};

/* Open and load the program with @cfg; *skel is the skeleton. */
int edma_rx_load(const struct edma_rx_config *cfg, struct ebpfdma_rx **skel);
void edma_rx_destroy(struct ebpfdma_rx *skel);
int edma_rx_prog_fd(const struct ebpfdma_rx *skel);
int edma_rx_peers_fd(const struct ebpfdma_rx *skel);
int edma_rx_counters_fd(const struct ebpfdma_rx *skel);

/*
 * "10.0.0.1", "fd00::1", or a network, "10.0.0.0/24", "fd00::/64", as an
 * allow-list key; -EINVAL for anything else, host bits set past the prefix
 * among them.
 */
int edma_rx_peer_parse(const char *s, struct ebpfdma_rx_peer *p);
/* Whether the 16-byte (v4-mapped) address @addr is in @p's network. */
bool edma_rx_peer_match(const struct ebpfdma_rx_peer *p, const uint8_t *addr);
int edma_rx_peer_add(int peers_fd, const char *addr);
/* Add @p to the allow-list map @peers_fd, or delete it (absent: 0). */
int edma_rx_peer_update(int peers_fd, const struct ebpfdma_rx_peer *p,
			bool add);

/*
 * Attach the program to @ifname in native mode (generic mode when @generic),
 * replacing nothing: -EEXIST when a program is attached already.
 */
int edma_rx_attach(const struct ebpfdma_rx *skel, const char *ifname,
		   int generic);
int edma_rx_detach(const char *ifname, int generic);
/*
 * Detach the program attached to @ifname if it is an ebpfdma_rx: 0 when it
 * was or when none is attached, -EEXIST when another program is.
 */
int edma_rx_detach_ours(const char *ifname, int generic);

/* A map of the attached ebpfdma program, by name; returns a new fd. */
int edma_rx_map_by_name(const char *name);

/*
 * Sum the per-CPU counters of @fd into *sum; with @per_cpu (nr_cpus
 * entries, may be NULL) also each CPU's.  Returns the number of CPUs.
 */
int edma_rx_counters_read(int fd, struct ebpfdma_rx_counters *sum,
			  struct ebpfdma_rx_counters *per_cpu, int nr_cpus);

/* Every field of struct ebpfdma_rx_counters, by name. */
struct edma_rx_field {
	const char *name;
	size_t off; /* offsetof(struct ebpfdma_rx_counters, ...) */
};

extern const struct edma_rx_field edma_rx_fields[];
extern const unsigned int edma_rx_nr_fields;

static inline uint64_t edma_rx_field(const struct ebpfdma_rx_counters *c,
				     size_t off)
{
	return *(const uint64_t *)((const char *)c + off);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small user-space helpers around /dev/ebpfdma, shared by the tools, the
 * selftests and the benchmarks.  Every function returns -1 with errno set on
 * failure, as the system calls do.
 */
#ifndef EBPFDMA_LIB_H
#define EBPFDMA_LIB_H

#include <stdint.h>

#include "uapi/ebpfdma.h"

struct edma {
	int fd;
	struct ebpfdma_info info;
	unsigned char *pool; /* every chunk, mapped side by side */
	struct ebpfdma_ring_hdr *ring;
	struct ebpfdma_cqe *cqes;
};

/* Open /dev/ebpfdma, read its geometry, map the ring and the whole pool. */
int edma_open(struct edma *e, int flags);
void edma_close(struct edma *e);
/* Address of a slot in the mapped pool. */
unsigned char *edma_slot(const struct edma *e, uint32_t slot);
/* Take up to n slots; returns how many (>= 1). */
int edma_alloc(struct edma *e, uint32_t *slots, uint32_t n);
int edma_free(struct edma *e, const uint32_t *slots, uint32_t n);
/* Queue n writes; *done tells how many were queued, also on failure. */
int edma_submit(struct edma *e, const struct ebpfdma_desc *d, uint32_t n,
		uint32_t *done);
/* Take every posted completion, calling fn on each; returns how many. */
unsigned int edma_reap(struct edma *e,
		       void (*fn)(const struct ebpfdma_cqe *, void *),
		       void *arg);
/* Wait up to timeout_ms for a completion. */
int edma_wait(struct edma *e, int timeout_ms);
/* Add volume id: disk opened O_RDWR | O_EXCL, kept open in *diskfd. */
int edma_volume_add(struct edma *e, uint32_t id, const char *disk,
		    uint64_t start, uint64_t blocks, uint32_t flags,
		    int *diskfd);
int edma_volume_del(struct edma *e, uint32_t id);

#endif

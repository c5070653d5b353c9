// SPDX-License-Identifier: GPL-2.0
/* User-space helpers around /dev/ebpfdma; see ebpfdma.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ebpfdma.h"

int edma_open(struct edma *e, int flags)
{
	int prot = PROT_READ | ((flags & O_ACCMODE) == O_RDONLY ? 0 : PROT_WRITE);
	size_t len;
	uint32_t i;

	memset(e, 0, sizeof(*e));
	e->fd = open("/dev/ebpfdma", flags);
	if (e->fd < 0)
		return -1;
	if (ioctl(e->fd, EBPFDMA_IOC_GET_INFO, &e->info))
		goto err;
	e->ring = mmap(NULL, e->info.ring_bytes, prot, MAP_SHARED, e->fd,
		       e->info.ring_offset);
	if (e->ring == MAP_FAILED)
		goto err;
	e->cqes = (void *)((char *)e->ring + e->info.ring_entries_offset);
	/* Reserve one range, then map each chunk into it. */
	len = (size_t)e->info.chunk_bytes * e->info.pool_chunks;
	e->pool = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->pool == MAP_FAILED)
		goto err;
	for (i = 0; i < e->info.pool_chunks; i++)
		if (mmap(e->pool + (size_t)i * e->info.chunk_bytes,
			 e->info.chunk_bytes, prot, MAP_SHARED | MAP_FIXED,
			 e->fd,
			 e->info.pool_offset +
				 (uint64_t)i * e->info.chunk_bytes) == MAP_FAILED)
			goto err;
	return 0;
err:
	close(e->fd);
	e->fd = -1;
	return -1;
}

void edma_close(struct edma *e)
{
	munmap(e->pool, (size_t)e->info.chunk_bytes * e->info.pool_chunks);
	munmap(e->ring, e->info.ring_bytes);
	close(e->fd);
}

unsigned char *edma_slot(const struct edma *e, uint32_t slot)
{
	/* Chunks hold whole slots; the last one may be partly used. */
	uint32_t per = e->info.chunk_bytes / e->info.slot_size;

	return e->pool + (size_t)(slot / per) * e->info.chunk_bytes +
	       (size_t)(slot % per) * e->info.slot_size;
}

int edma_alloc(struct edma *e, uint32_t *slots, uint32_t n)
{
	struct ebpfdma_slot_batch b = { .slots = (uintptr_t)slots, .count = n };

	if (ioctl(e->fd, EBPFDMA_IOC_SLOTS_ALLOC, &b))
		return -1;
	return b.done;
}

int edma_free(struct edma *e, const uint32_t *slots, uint32_t n)
{
	struct ebpfdma_slot_batch b = { .slots = (uintptr_t)slots, .count = n };

	return ioctl(e->fd, EBPFDMA_IOC_SLOTS_FREE, &b);
}

int edma_submit(struct edma *e, const struct ebpfdma_desc *d, uint32_t n,
		uint32_t *done)
{
	struct ebpfdma_submit s = { .descs = (uintptr_t)d, .count = n };
	int ret = ioctl(e->fd, EBPFDMA_IOC_SUBMIT, &s);

	if (done)
		*done = s.done;
	return ret;
}

unsigned int edma_reap(struct edma *e,
		       void (*fn)(const struct ebpfdma_cqe *, void *), void *arg)
{
	uint32_t head = e->ring->head, n = 0;
	uint32_t tail = __atomic_load_n(&e->ring->tail, __ATOMIC_ACQUIRE);

	for (; head != tail; head++, n++)
		if (fn)
			fn(&e->cqes[head & (e->ring->entries - 1)], arg);
	__atomic_store_n(&e->ring->head, head, __ATOMIC_RELEASE);
	return n;
}

int edma_wait(struct edma *e, int timeout_ms)
{
	struct pollfd p = { .fd = e->fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms);
}

int edma_volume_add(struct edma *e, uint32_t id, const char *disk,
		    uint64_t start, uint64_t blocks, uint32_t flags, int *diskfd)
{
	struct ebpfdma_volume_add v = {
		.id = id, .start = start, .blocks = blocks, .flags = flags,
	};
	int ret, err;

	*diskfd = open(disk, O_RDWR | O_EXCL);
	if (*diskfd < 0)
		return -1;
	v.fd = *diskfd;
	ret = ioctl(e->fd, EBPFDMA_IOC_VOLUME_ADD, &v);
	if (ret) {
		err = errno;
		close(*diskfd);
		errno = err;
	}
	return ret;
}

int edma_volume_del(struct edma *e, uint32_t id)
{
	struct ebpfdma_volume_del d = { .id = id };

	return ioctl(e->fd, EBPFDMA_IOC_VOLUME_DEL, &d);
}

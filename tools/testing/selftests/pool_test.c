// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest (guest, root, module loaded with its default parameters): the
 * /dev/ebpfdma mmap and slot ABI, every misuse included.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uapi/ebpfdma.h"
#include "tap.h"

static struct ebpfdma_info info;

static void *map(int fd, size_t len, int prot, int flags, uint64_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static long slots(int fd, unsigned long cmd, uint32_t *idx, uint32_t count,
		  uint32_t *done)
{
	struct ebpfdma_slot_batch b = {
		.slots = (uintptr_t)idx,
		.count = count,
	};
	long ret = ioctl(fd, cmd, &b);

	if (done)
		*done = b.done;
	return ret;
}

static void test_info(int fd)
{
	tap_ok(ioctl(fd, EBPFDMA_IOC_GET_INFO, &info) == 0, "GET_INFO");
	tap_ok(info.abi_version == EBPFDMA_ABI_VERSION, "ABI version %u",
	       info.abi_version);
	tap_ok(info.features == EBPFDMA_F_ALL, "features %#llx",
	       (unsigned long long)info.features);
	tap_ok(info.nr_slots == 4096 && info.slot_size == 4096,
	       "pool geometry 4096 x 4096 (the defaults)");
	tap_ok(info.chunk_bytes == 1 << 20 && info.pool_chunks == 16,
	       "16 chunks of 1 MiB");
	tap_ok(info.ring_entries == 4096 &&
		       info.ring_entry_size == sizeof(struct ebpfdma_cqe),
	       "ring of 4096 entries of %zu bytes",
	       sizeof(struct ebpfdma_cqe));
	tap_ok(info.ring_bytes % 4096 == 0 &&
		       info.ring_bytes >= info.ring_entries_offset +
						  info.ring_entries * 32ULL,
	       "ring_bytes %llu holds the header and the entries",
	       (unsigned long long)info.ring_bytes);
	tap_ok(info.reserved[0] == 0 && info.reserved[7] == 0 && !info.pad0,
	       "reserved fields are zero");
}

static void test_ring(int fd, int rofd)
{
	struct ebpfdma_ring_hdr *hdr;
	void *p;

	hdr = map(fd, info.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		  EBPFDMA_MMAP_RING);
	if (!tap_ok(hdr != MAP_FAILED, "map the ring"))
		return;
	tap_ok(hdr->entries == info.ring_entries && hdr->head == 0 &&
		       hdr->tail == 0 && hdr->overflow == 0,
	       "a new ring is empty and tells its size");
	munmap(hdr, info.ring_bytes);

	p = map(fd, info.ring_bytes - 4096, PROT_READ, MAP_SHARED, 0);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "ring: short length");
	p = map(fd, info.ring_bytes + 4096, PROT_READ, MAP_SHARED, 0);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "ring: long length");
	p = map(fd, info.ring_bytes, PROT_READ, MAP_SHARED, 4096);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "ring: wrong offset");
	p = map(fd, info.ring_bytes, PROT_READ, MAP_PRIVATE, 0);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "ring: MAP_PRIVATE");
	p = map(rofd, info.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	tap_errno(p == MAP_FAILED ? -1 : 0, EACCES,
		  "ring: a write mapping on a read-only descriptor");
}

static void test_pool(int fd, int rofd)
{
	size_t len = info.chunk_bytes;
	uint64_t last = EBPFDMA_MMAP_POOL +
			(uint64_t)(info.pool_chunks - 1) * info.chunk_bytes;
	unsigned char *a, *b, *p, *r;
	int ok = 1;
	size_t i;

	a = map(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, last);
	b = map(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, last);
	if (!tap_ok(a != MAP_FAILED && b != MAP_FAILED,
		    "map the last chunk twice"))
		return;
	for (i = 0; i < len; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < len; i++)
		ok &= b[i] == (unsigned char)(i * 7 + 3);
	tap_ok(ok, "both mappings see the same DMA-coherent memory");
	r = map(rofd, len, PROT_READ, MAP_SHARED, last);
	tap_ok(r != MAP_FAILED && r[len - 1] == (unsigned char)((len - 1) * 7 + 3),
	       "a read-only descriptor can map a chunk read-only");
	if (r != MAP_FAILED) {
		tap_errno(mprotect(r, len, PROT_READ | PROT_WRITE), EACCES,
			  "... and cannot make it writable");
		munmap(r, len);
	}
	p = mremap(a, len, 2 * len, MREMAP_MAYMOVE);
	tap_errno(p == MAP_FAILED ? -1 : 0, EFAULT,
		  "a chunk mapping cannot grow (mremap)");
	munmap(a, len);
	munmap(b, len);

	p = map(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		last + info.chunk_bytes);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "pool: a chunk past the end");
	p = map(fd, len, PROT_READ, MAP_SHARED, EBPFDMA_MMAP_POOL + 4096);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL,
		  "pool: an offset inside a chunk");
	p = map(fd, len - 4096, PROT_READ, MAP_SHARED, EBPFDMA_MMAP_POOL);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "pool: a short chunk");
	p = map(fd, 2 * len, PROT_READ, MAP_SHARED, EBPFDMA_MMAP_POOL);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "pool: two chunks at once");
	p = map(fd, len, PROT_READ, MAP_PRIVATE, EBPFDMA_MMAP_POOL);
	tap_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "pool: MAP_PRIVATE");
	p = map(rofd, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		EBPFDMA_MMAP_POOL);
	tap_errno(p == MAP_FAILED ? -1 : 0, EACCES,
		  "pool: a write mapping on a read-only descriptor");
}

static void test_slots(int fd, int fd2)
{
	uint32_t *idx = calloc(info.nr_slots, sizeof(*idx)), one, done = 0;
	struct ebpfdma_slot_batch b = { .slots = (uintptr_t)&one, .count = 1 };
	unsigned int got = 0, i;
	long ret;

	tap_errno(slots(fd, EBPFDMA_IOC_SLOTS_ALLOC, idx, 0, NULL), EINVAL,
		  "SLOTS_ALLOC of 0 slots");
	tap_errno(slots(fd, EBPFDMA_IOC_SLOTS_ALLOC, idx, info.max_batch + 1,
			NULL),
		  EINVAL, "SLOTS_ALLOC of more than max_batch");
	b.reserved[1] = 1;
	tap_errno(ioctl(fd, EBPFDMA_IOC_SLOTS_ALLOC, &b), EINVAL,
		  "SLOTS_ALLOC with a reserved field set");
	b.reserved[1] = 0;
	b.slots = 8;
	tap_errno(ioctl(fd, EBPFDMA_IOC_SLOTS_ALLOC, &b), EFAULT,
		  "SLOTS_ALLOC to a bad address");
	tap_errno(ioctl(fd, EBPFDMA_IOC_SLOTS_ALLOC, NULL), EFAULT,
		  "SLOTS_ALLOC with no argument");

	/* Take every slot, in batches. */
	while (got < info.nr_slots) {
		ret = slots(fd, EBPFDMA_IOC_SLOTS_ALLOC, idx + got,
			    info.max_batch, &done);
		if (ret)
			break;
		got += done;
	}
	tap_ok(got == info.nr_slots, "all %u slots can be taken (%u)",
	       info.nr_slots, got);
	tap_errno(slots(fd2, EBPFDMA_IOC_SLOTS_ALLOC, &one, 1, NULL), ENOBUFS,
		  "an empty pool answers ENOBUFS");
	tap_errno(slots(fd2, EBPFDMA_IOC_SLOTS_FREE, idx, 1, NULL), EPERM,
		  "freeing another descriptor's slot: EPERM");
	one = info.nr_slots;
	tap_errno(slots(fd, EBPFDMA_IOC_SLOTS_FREE, &one, 1, NULL), ERANGE,
		  "freeing slot nr_slots: ERANGE");
	tap_ok(slots(fd, EBPFDMA_IOC_SLOTS_FREE, idx, 2, &done) == 0 &&
		       done == 2,
	       "free two slots");
	tap_errno(slots(fd, EBPFDMA_IOC_SLOTS_FREE, idx, 1, &done), EINVAL,
		  "freeing a free slot (double free): EINVAL");
	ret = slots(fd2, EBPFDMA_IOC_SLOTS_ALLOC, idx, 4, &done);
	tap_ok(ret == 0 && done == 2, "a short pool gives what it has (%u)",
	       done);
	for (i = 2; i + 1 < got; i += 2)
		if (slots(fd, EBPFDMA_IOC_SLOTS_FREE, idx + i, 2, NULL))
			break;
	tap_ok(i + 1 >= got, "free the rest by index");
	free(idx);
}

/*
 * "hold FILE": map chunk 0, fill it, close the descriptor, create FILE, and
 * keep the mapping until FILE is removed; then check the data is intact.
 * Exits 0 when it is.  The shell side tests resizing and unloading meanwhile.
 */
static int hold(const char *file)
{
	int fd = open("/dev/ebpfdma", O_RDWR), i, ok = 1;
	unsigned char *p;

	if (fd < 0 || ioctl(fd, EBPFDMA_IOC_GET_INFO, &info))
		return 2;
	p = map(fd, info.chunk_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		EBPFDMA_MMAP_POOL);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < (int)info.chunk_bytes; i++)
		p[i] = (unsigned char)(i ^ 0x5a);
	close(fd);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	while (access(file, F_OK) == 0)
		usleep(20000);
	for (i = 0; i < (int)info.chunk_bytes; i++)
		ok &= p[i] == (unsigned char)(i ^ 0x5a);
	munmap(p, info.chunk_bytes);
	return ok ? 0 : 1;
}

/* "geometry": print what a new descriptor sees. */
static int geometry(void)
{
	int fd = open("/dev/ebpfdma", O_RDONLY);

	if (fd < 0 || ioctl(fd, EBPFDMA_IOC_GET_INFO, &info))
		return 1;
	printf("%u %u %u %u\n", info.nr_slots, info.slot_size,
	       info.chunk_bytes, info.pool_chunks);
	return 0;
}

int main(int argc, char **argv)
{
	int fd, fd2, rofd;

	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "geometry"))
		return geometry();
	tap_begin();
	fd = open("/dev/ebpfdma", O_RDWR);
	fd2 = open("/dev/ebpfdma", O_RDWR);
	rofd = open("/dev/ebpfdma", O_RDONLY);
	if (!tap_ok(fd >= 0 && fd2 >= 0 && rofd >= 0, "open /dev/ebpfdma"))
		return tap_done();
	test_info(fd);
	tap_errno(ioctl(fd, _IO(EBPFDMA_IOC_MAGIC, 0x7f)), ENOTTY,
		  "an unknown command: ENOTTY");
	tap_errno(ioctl(fd, _IOR('x', 0, struct ebpfdma_info)), ENOTTY,
		  "another driver's command: ENOTTY");
	test_ring(fd, rofd);
	test_pool(fd, rofd);
	test_slots(fd, fd2);
	close(fd2);
	close(rofd);
	close(fd);
	return tap_done();
}

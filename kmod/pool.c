// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma pool of DMA-coherent slots: its memory, geometry, mapping to
 * user space and resizing.
 *
 * Memory: chunks of at most EBPFDMA_CHUNK_BYTES from alloc_pages_exact(),
 * which splits its block into order-0 pages that each carry their own
 * reference count, so a block path that takes page references on a bio's
 * pages (loop over NFS or FUSE with direct I/O, for instance) counts real
 * references.  (dma_alloc_coherent() hands out a non-compound high-order
 * block whose tail pages have a count of 0: a get_page()/put_page() pair
 * there frees a page the pool still uses.)  Each chunk is mapped for DMA
 * with the module's platform device, bidirectionally, once.
 *
 * Coherence: the module loads only where that mapping is DMA-coherent, that
 * is where dma_need_sync() says the CPU's caches need no maintenance
 * (x86-64, and arm64 or others with coherent DMA); there the pages are
 * ordinary cacheable memory that user space, the kernel and devices see
 * alike.  On a system whose DMA is not coherent, coherent buffers would be
 * an uncached alias of cacheable memory, which the block layer cannot be
 * handed safely: loading fails there, saying so.
 *
 * Lifetime: the device holds a reference to its current pool, every ring
 * one to the pool its descriptor opened, every mapping one to the pool it
 * maps.  A resize (through the module parameters) builds a new pool for
 * later opens, only while no descriptor has the current one open and
 * nothing maps it (pool->users); the old pool is freed with its last
 * reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

struct ebpfdma_dev ebpfdma_dev = {
	.lock = __MUTEX_INITIALIZER(ebpfdma_dev.lock),
};
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_dev);

static void chunk_free(struct ebpfdma_pool *pool, struct ebpfdma_chunk *c)
{
	dma_unmap_page(pool->dev, c->dma, pool->chunk_bytes, DMA_BIDIRECTIONAL);
	free_pages_exact(c->cpu, pool->chunk_bytes);
	c->cpu = NULL;
}

/* Allocate and map one chunk; -EOPNOTSUPP where DMA is not coherent. */
static int chunk_alloc(struct ebpfdma_pool *pool, struct ebpfdma_chunk *c)
{
	c->cpu = alloc_pages_exact(pool->chunk_bytes,
				   GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!c->cpu)
		return -ENOMEM;
	c->dma = dma_map_page(pool->dev, virt_to_page(c->cpu), 0,
			      pool->chunk_bytes, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(pool->dev, c->dma)) {
		free_pages_exact(c->cpu, pool->chunk_bytes);
		c->cpu = NULL;
		return -ENOMEM;
	}
	if (dma_need_sync(pool->dev, c->dma) ||
	    ebpfdma_fault_fail(EBPFDMA_FAULT_DMA_SYNC)) {
		chunk_free(pool, c);
		return -EOPNOTSUPP;
	}
	return 0;
}

static void pool_free_chunks(struct ebpfdma_pool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_chunks; i++)
		if (pool->chunks[i].cpu)
			chunk_free(pool, &pool->chunks[i]);
	kfree(pool->chunks);
}

/**
 * ebpfdma_pool_create() - allocate a pool of @nr_slots x @slot_size bytes
 * @dev: the device the memory is mapped for (its DMA mask set)
 * @nr_slots: validated number of slots
 * @slot_size: validated bytes per slot
 *
 * Context: process context, may sleep.
 * Return: the pool with one reference, or an ERR_PTR: -E2BIG if the
 * geometry exceeds EBPFDMA_POOL_BYTES_MAX, -ENOMEM, -EOPNOTSUPP where the
 * pool's DMA mapping would not be coherent (logged).
 */
struct ebpfdma_pool *ebpfdma_pool_create(struct device *dev,
					 unsigned int nr_slots,
					 unsigned int slot_size)
{
	struct ebpfdma_pool *pool;
	unsigned int i;
	int ret;

	ret = ebpfdma_check_pool_geometry(nr_slots, slot_size);
	if (ret)
		return ERR_PTR(ret);

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	kref_init(&pool->ref);
	pool->dev = dev;
	pool->nr_slots = nr_slots;
	pool->slot_size = slot_size;
	pool->chunk_bytes = min_t(u64, EBPFDMA_CHUNK_BYTES,
				  PAGE_ALIGN((u64)nr_slots * slot_size));
	pool->slots_per_chunk = pool->chunk_bytes / slot_size;
	pool->nr_chunks = DIV_ROUND_UP(nr_slots, pool->slots_per_chunk);

	pool->chunks =
		kcalloc(pool->nr_chunks, sizeof(*pool->chunks), GFP_KERNEL);
	if (!pool->chunks) {
		ret = -ENOMEM;
		goto err_free_pool;
	}
	for (i = 0; i < pool->nr_chunks; i++) {
		ret = chunk_alloc(pool, &pool->chunks[i]);
		if (ret == -EOPNOTSUPP) {
			pr_err("pool: DMA is not coherent on this system (dma_need_sync): ebpfdma needs DMA-coherent memory it can hand to the block layer, and does not load here\n");
			goto err_free_chunks;
		}
		if (ret) {
			/* One clear line instead of the allocator's warning. */
			pr_err("pool: chunk %u of %u (%u bytes) could not be allocated\n",
			       i, pool->nr_chunks, pool->chunk_bytes);
			goto err_free_chunks;
		}
	}
	pool->ios = kvcalloc(nr_slots, sizeof(*pool->ios), GFP_KERNEL);
	if (!pool->ios) {
		ret = -ENOMEM;
		goto err_free_chunks;
	}
	for (i = 0; i < nr_slots; i++) {
		pool->ios[i].pool = pool;
		pool->ios[i].slot = i;
	}
	ret = ebpfdma_slots_init(&pool->slots, nr_slots);
	if (ret)
		goto err_free_ios;
	return pool;

err_free_ios:
	kvfree(pool->ios);
err_free_chunks:
	pool_free_chunks(pool);
err_free_pool:
	kfree(pool);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_pool_create);

static void pool_release(struct kref *ref)
{
	struct ebpfdma_pool *pool = container_of(ref, struct ebpfdma_pool, ref);

	ebpfdma_slots_destroy(&pool->slots);
	kvfree(pool->ios);
	pool_free_chunks(pool);
	kfree(pool);
}

void ebpfdma_pool_get(struct ebpfdma_pool *pool)
{
	kref_get(&pool->ref);
}

/* Context: process context (the last put unmaps and frees the memory). */
void ebpfdma_pool_put(struct ebpfdma_pool *pool)
{
	kref_put(&pool->ref, pool_release);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_pool_put);

/**
 * ebpfdma_pool_open() - the current pool, for a new descriptor
 *
 * Context: process context.
 * Return: the pool, with a reference and counted in its users (end with
 * ebpfdma_pool_close()).
 */
struct ebpfdma_pool *ebpfdma_pool_open(void)
{
	struct ebpfdma_pool *pool;

	mutex_lock(&ebpfdma_dev.lock);
	pool = ebpfdma_dev.pool;
	ebpfdma_pool_get(pool);
	atomic_inc(&pool->users);
	mutex_unlock(&ebpfdma_dev.lock);
	return pool;
}

/* The descriptor is closed: it no longer counts as a user. */
void ebpfdma_pool_close(struct ebpfdma_pool *pool)
{
	atomic_dec(&pool->users);
	ebpfdma_pool_put(pool);
}

/**
 * ebpfdma_slot_addr() - kernel address of byte @off of slot @slot
 * @pool: the pool
 * @slot: slot index, < nr_slots
 * @off: byte offset, < slot_size
 */
void *ebpfdma_slot_addr(struct ebpfdma_pool *pool, unsigned int slot,
			unsigned int off)
{
	unsigned int chunk = slot / pool->slots_per_chunk;
	unsigned int in_chunk = slot % pool->slots_per_chunk;

	return pool->chunks[chunk].cpu + (size_t)in_chunk * pool->slot_size +
	       off;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_addr);

/**
 * ebpfdma_slot_page() - page holding byte @off of slot @slot, for bios
 * @pool: the pool
 * @slot: slot index
 * @off: byte offset in the slot
 *
 * The chunks are direct-mapped order-0 pages, each with its own count.
 */
struct page *ebpfdma_slot_page(struct ebpfdma_pool *pool, unsigned int slot,
			       unsigned int off)
{
	return virt_to_page(ebpfdma_slot_addr(pool, slot, off));
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_page);

static void pool_vma_open(struct vm_area_struct *vma)
{
	struct ebpfdma_pool *pool = vma->vm_private_data;

	ebpfdma_pool_get(pool);
	atomic_inc(&pool->users);
}

static void pool_vma_close(struct vm_area_struct *vma)
{
	struct ebpfdma_pool *pool = vma->vm_private_data;

	atomic_dec(&pool->users);
	ebpfdma_pool_put(pool);
}

static const struct vm_operations_struct pool_vm_ops = {
	.open = pool_vma_open,
	.close = pool_vma_close,
};

/**
 * ebpfdma_pool_mmap() - map one chunk of @pool
 * @pool: the pool, open by the descriptor being mapped
 * @vma: the mapping; its offset is EBPFDMA_MMAP_POOL + chunk * chunk_bytes
 *
 * Context: process context, mmap_lock held for writing.
 * Return: 0; -EINVAL for an offset that is not a chunk's or a length that
 * is not exactly chunk_bytes; an error of remap_pfn_range().
 */
int ebpfdma_pool_mmap(struct ebpfdma_pool *pool, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 chunk;
	int ret;

	off -= EBPFDMA_MMAP_POOL;
	if (off % pool->chunk_bytes || len != pool->chunk_bytes)
		return -EINVAL;
	chunk = div_u64(off, pool->chunk_bytes);
	if (chunk >= pool->nr_chunks)
		return -EINVAL;

	ebpfdma_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = remap_pfn_range(
		vma, vma->vm_start,
		page_to_pfn(virt_to_page(pool->chunks[chunk].cpu)), len,
		vma->vm_page_prot);
	if (ret)
		return ret;
	vma->vm_private_data = pool;
	vma->vm_ops = &pool_vm_ops;
	pool_vma_open(vma);
	return 0;
}

/**
 * ebpfdma_pool_reconfigure() - apply new parameters to the device's pool
 * @nr_slots: validated number of slots
 * @slot_size: validated bytes per slot
 *
 * Context: ebpfdma_dev.lock held (the caller stores the parameter under the
 * same lock, so the pool and the parameters never disagree).  Before the
 * module is initialised there is no pool yet and nothing to do.
 *
 * Return: 0; -EBUSY if a descriptor has the current pool open or a mapping
 * maps it; -E2BIG or -ENOMEM from ebpfdma_pool_create().
 */
int ebpfdma_pool_reconfigure(unsigned int nr_slots, unsigned int slot_size)
{
	struct ebpfdma_pool *old = ebpfdma_dev.pool, *pool;

	lockdep_assert_held(&ebpfdma_dev.lock);
	if (!old || (old->nr_slots == nr_slots && old->slot_size == slot_size))
		return 0;
	if (atomic_read(&old->users))
		return -EBUSY;
	pool = ebpfdma_pool_create(&ebpfdma_dev.pdev->dev, nr_slots, slot_size);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ebpfdma_dev.pool = pool;
	ebpfdma_pool_put(old);
	pr_info("pool resized to %u slots x %u bytes\n", nr_slots, slot_size);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma pool of DMA-coherent slots.
 *
 * The pool is allocated with dma_alloc_coherent() against the module's own
 * platform device (whose DMA mask is set), in chunks of at most
 * EBPFDMA_CHUNK_BYTES so that no allocation needs more than an order-8 page
 * block.  User space maps each chunk with dma_mmap_coherent(); bios take the
 * slot pages, whether the coherent memory is direct-mapped or remapped into
 * vmalloc space.
 *
 * Lifetime: the device holds a reference to its current pool, every open
 * descriptor one to the pool it opened, every mapping one to the pool it
 * maps.  A resize (through the module parameters) builds a new pool for
 * later opens, only while the current one is idle (nothing mapped, no slot
 * held); the old pool is freed with its last reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

struct ebpfdma_dev ebpfdma_dev = {
	.lock = __MUTEX_INITIALIZER(ebpfdma_dev.lock),
};

static void pool_free_chunks(struct ebpfdma_pool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_chunks; i++)
		if (pool->chunks[i].cpu)
			dma_free_coherent(pool->dev, pool->chunk_bytes,
					  pool->chunks[i].cpu,
					  pool->chunks[i].dma);
	kfree(pool->chunks);
}

/**
 * ebpfdma_pool_create() - allocate a pool of @nr_slots x @slot_size bytes
 * @dev: the device the DMA-coherent memory is allocated for
 * @nr_slots: validated number of slots
 * @slot_size: validated bytes per slot
 *
 * Context: process context, may sleep.
 * Return: the pool with one reference, or an ERR_PTR: -E2BIG if the
 * geometry exceeds EBPFDMA_POOL_BYTES_MAX, -ENOMEM.
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
		pool->chunks[i].cpu = dma_alloc_coherent(
			dev, pool->chunk_bytes, &pool->chunks[i].dma,
			GFP_KERNEL | __GFP_NOWARN);
		if (!pool->chunks[i].cpu) {
			/* One clear line instead of the allocator's warning. */
			pr_err("pool: chunk %u of %u (%u bytes) could not be allocated\n",
			       i, pool->nr_chunks, pool->chunk_bytes);
			ret = -ENOMEM;
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

void ebpfdma_pool_put(struct ebpfdma_pool *pool)
{
	kref_put(&pool->ref, pool_release);
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
 * Coherent memory may be remapped into vmalloc space (non-coherent devices,
 * some IOMMU setups); its pages are found through the page tables then.
 */
struct page *ebpfdma_slot_page(struct ebpfdma_pool *pool, unsigned int slot,
			       unsigned int off)
{
	void *addr = ebpfdma_slot_addr(pool, slot, off);

	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	return virt_to_page(addr);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_slot_page);

static void pool_vma_open(struct vm_area_struct *vma)
{
	struct ebpfdma_pool *pool = vma->vm_private_data;

	ebpfdma_pool_get(pool);
	atomic_inc(&pool->mappings);
}

static void pool_vma_close(struct vm_area_struct *vma)
{
	struct ebpfdma_pool *pool = vma->vm_private_data;

	atomic_dec(&pool->mappings);
	ebpfdma_pool_put(pool);
}

static const struct vm_operations_struct pool_vm_ops = {
	.open = pool_vma_open,
	.close = pool_vma_close,
};

/**
 * ebpfdma_pool_mmap() - map one chunk of @pool
 * @pool: the pool
 * @vma: the mapping; its offset is EBPFDMA_MMAP_POOL + chunk * chunk_bytes
 *
 * Context: process context, mmap_lock held for writing.
 * Return: 0; -EINVAL for an offset that is not a chunk's or a length that
 * is not exactly chunk_bytes; an error of dma_mmap_coherent().
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
	/* dma_mmap_coherent() reads vm_pgoff as an offset into the buffer. */
	vma->vm_pgoff = 0;
	ret = dma_mmap_coherent(pool->dev, vma, pool->chunks[chunk].cpu,
				pool->chunks[chunk].dma, pool->chunk_bytes);
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
 * Return: 0; -EBUSY if the current pool is mapped or has slots held;
 * -E2BIG or -ENOMEM from ebpfdma_pool_create().
 */
int ebpfdma_pool_reconfigure(unsigned int nr_slots, unsigned int slot_size)
{
	struct ebpfdma_pool *old = ebpfdma_dev.pool, *pool;

	lockdep_assert_held(&ebpfdma_dev.lock);
	if (!old || (old->nr_slots == nr_slots && old->slot_size == slot_size))
		return 0;
	if (atomic_read(&old->mappings) || atomic_read(&old->slots.in_use))
		return -EBUSY;
	pool = ebpfdma_pool_create(&ebpfdma_dev.pdev->dev, nr_slots, slot_size);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ebpfdma_dev.pool = pool;
	ebpfdma_pool_put(old);
	pr_info("pool resized to %u slots x %u bytes\n", nr_slots, slot_size);
	return 0;
}

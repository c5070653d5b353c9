/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma: internal declarations shared by the module's source files.
 */
#ifndef _EBPFDMA_H
#define _EBPFDMA_H

#include <linux/atomic.h>
#include <linux/blk_types.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/sbitmap.h>
#include <linux/types.h>

#include "compat.h"

struct block_device;
struct device;
struct ebpfdma_cqe;
struct file;
struct kobject;
struct attribute_group;
struct page;
struct platform_device;
struct vm_area_struct;
struct work_struct;

/*
 * Module parameters (params.c).  Writes are serialised by ebpfdma_dev.lock,
 * which also covers the pool they describe; readers outside it use
 * READ_ONCE().
 */
extern unsigned int ebpfdma_nr_slots; /* slots in the pool */
extern unsigned int ebpfdma_slot_size; /* bytes per slot, power of two */

int ebpfdma_check_pool_geometry(unsigned int nr_slots, unsigned int slot_size);

/* Slot allocator (slots.c); every call is lock-free and never sleeps. */
struct ebpfdma_slots {
	struct sbitmap_queue free; /* a set bit is a taken slot */
	/* holder of each slot: 0 when free, changed by cmpxchg only */
	atomic_long_t *holder;
	unsigned int nr; /* slots */
	atomic_t in_use; /* slots taken */
	atomic_t high_water; /* most slots ever taken at once */
};

int ebpfdma_slots_init(struct ebpfdma_slots *s, unsigned int nr);
void ebpfdma_slots_destroy(struct ebpfdma_slots *s);
int ebpfdma_slot_get(struct ebpfdma_slots *s, unsigned long holder);
int ebpfdma_slot_pass(struct ebpfdma_slots *s, unsigned int nr,
		      unsigned long from, unsigned long to);
int ebpfdma_slot_put(struct ebpfdma_slots *s, unsigned int nr,
		     unsigned long holder);
unsigned int ebpfdma_slots_put_all(struct ebpfdma_slots *s,
				   unsigned long holder);

/* Largest DMA-coherent allocation of the pool, bytes (an order-8 block). */
#define EBPFDMA_CHUNK_BYTES (1U << 20)

struct ebpfdma_chunk {
	void *cpu; /* kernel address */
	dma_addr_t dma; /* device address */
};

/* The pool (pool.c).  Geometry fields are fixed after creation. */
struct ebpfdma_pool {
	struct kref ref; /* device, open descriptors, mappings */
	struct device *dev; /* the device the memory is allocated for */
	unsigned int nr_slots;
	unsigned int slot_size; /* bytes */
	unsigned int chunk_bytes; /* bytes per chunk, page aligned */
	unsigned int slots_per_chunk;
	unsigned int nr_chunks;
	struct ebpfdma_chunk *chunks;
	struct ebpfdma_slots slots;
	struct ebpfdma_io *ios; /* the write record of each slot */
	atomic_t mappings; /* live user mappings of chunks */
};

/* The device: one per module. */
struct ebpfdma_dev {
	struct platform_device *pdev; /* owner of the DMA-coherent memory */
	/* serialises pool replacement, parameter writes and opens */
	struct mutex lock;
	struct ebpfdma_pool *pool; /* current pool, under @lock */
};

extern struct ebpfdma_dev ebpfdma_dev;

struct ebpfdma_pool *ebpfdma_pool_create(struct device *dev,
					 unsigned int nr_slots,
					 unsigned int slot_size);
void ebpfdma_pool_get(struct ebpfdma_pool *pool);
void ebpfdma_pool_put(struct ebpfdma_pool *pool);
void *ebpfdma_slot_addr(struct ebpfdma_pool *pool, unsigned int slot,
			unsigned int off);
struct page *ebpfdma_slot_page(struct ebpfdma_pool *pool, unsigned int slot,
			       unsigned int off);
int ebpfdma_pool_mmap(struct ebpfdma_pool *pool, struct vm_area_struct *vma);
int ebpfdma_pool_reconfigure(unsigned int nr_slots, unsigned int slot_size);

/* Completion ring index arithmetic (ring.c). */
u32 ebpfdma_ring_entries_for(unsigned int nr_slots);
u32 ebpfdma_ring_used(u32 head, u32 tail, u32 entries);

/* Tunables (params.c). */
extern unsigned int ebpfdma_max_in_flight; /* bios in flight, all volumes */
extern unsigned int ebpfdma_batch; /* most writes merged into one bio */
extern bool ebpfdma_fua; /* every write is FUA */
#define EBPFDMA_BATCH_MAX 64U

/* Slot holders besides open descriptors (whose holder is their address). */
#define EBPFDMA_HOLDER_ENGINE 1UL /* queued or in flight */

/* Write planning (plan.c). */
struct ebpfdma_extent {
	u32 volume;
	u32 flags; /* EBPFDMA_DESC_* */
	u64 lba; /* relative to the volume's window */
	u64 blocks;
	unsigned int segs; /* page segments */
};

int ebpfdma_window_check(u64 window_blocks, u64 lba, u64 nr);
unsigned int ebpfdma_plan_run(const struct ebpfdma_extent *const *e,
			      unsigned int n, unsigned int max_writes,
			      unsigned int max_segs);

#define EBPFDMA_LAT_BUCKETS 16

/* A volume (volume.c).  Fixed after VOLUME_ADD but for the counters. */
struct ebpfdma_volume {
	u32 id;
	u32 flags; /* EBPFDMA_VOL_* */
	u64 start; /* first block of the window on the device */
	u64 blocks; /* blocks in the window */
	u64 token;
	unsigned int block_shift; /* log2 of the logical block size */
	struct file *file; /* the caller's exclusive open, held */
	struct block_device *bdev;
	bool dying; /* set once by VOLUME_DEL, read by ebpfdma_volume_get() */
	atomic_t in_flight; /* writes and flushes started, not completed */
	atomic_t writes; /* of them, data writes (a barrier FLUSH waits) */
	wait_queue_head_t drained; /* woken when in_flight or writes is 0 */
	atomic64_t bytes; /* written successfully */
	atomic64_t bios;
	atomic64_t merges; /* writes that rode in another write's bio */
	atomic64_t errors; /* writes completed with an error */
	/* queue-to-completion time: bucket i counts [2^(i-1), 2^i) us */
	atomic64_t latency[EBPFDMA_LAT_BUCKETS];
	atomic64_t latency_sum_us; /* of every write counted in @latency */
	struct kobject *kobj; /* its sysfs directory */
	/*
	 * The descriptor that receives the completions of the blocks XDP
	 * places in this volume (EBPFDMA_IOC_VOLUME_BIND), or NULL.  Written
	 * under ebpfdma_volumes_lock, read under RCU; the descriptor unbinds
	 * itself, and waits for a grace period, before it drops its own
	 * reference, so a reader may take one with kref_get().
	 */
	struct ebpfdma_file __rcu *listener;
};

struct ebpfdma_volume *ebpfdma_volume_get(u32 id);
void ebpfdma_volume_put(struct ebpfdma_volume *v);
void ebpfdma_volume_write_start(struct ebpfdma_volume *v);
void ebpfdma_volume_write_done(struct ebpfdma_volume *v);
long ebpfdma_ioctl_volume_add(void __user *arg);
long ebpfdma_ioctl_volume_del(void __user *arg);
long ebpfdma_ioctl_volume_list(void __user *arg);
void ebpfdma_volumes_del_all(void);
long ebpfdma_ioctl_volume_bind(struct ebpfdma_file *f, void __user *arg);
void ebpfdma_volumes_unbind(struct ebpfdma_file *f);
unsigned int ebpfdma_volumes_count(void);

/* An open /dev/ebpfdma (main.c). */
struct ebpfdma_file {
	struct kref ref; /* the descriptor and each of its queued writes */
	struct ebpfdma_pool *pool; /* reference held */
	struct ebpfdma_ring_hdr *ring; /* vmalloc_user(), mapped by user */
	u32 ring_entries;
	size_t ring_bytes;
	spinlock_t ring_lock; /* serialises producers: ring_tail, entries */
	u32 ring_tail; /* the kernel's copy of ring->tail */
	atomic_t ring_reserved; /* completions owed to queued writes */
	wait_queue_head_t wait; /* poll: completions posted */
};

void ebpfdma_file_post(struct ebpfdma_file *f, const struct ebpfdma_cqe *cqe);
void ebpfdma_file_post_quiet(struct ebpfdma_file *f,
			     const struct ebpfdma_cqe *cqe);
void ebpfdma_file_wake(struct ebpfdma_file *f);
void ebpfdma_file_put(struct ebpfdma_file *f);
int ebpfdma_file_reserve(struct ebpfdma_file *f);
void ebpfdma_file_unreserve(struct ebpfdma_file *f);

/* The write record of each slot (pool->ios[slot]), used by the engine. */
struct ebpfdma_io {
	struct ebpfdma_extent ext;
	struct llist_node node; /* engine queue */
	struct list_head backlog; /* engine backlog */
	struct llist_node done_node; /* completed bios */
	struct ebpfdma_io *run_next; /* next write in the same bio */
	unsigned int run_len; /* writes in the bio (first write only) */
	blk_status_t status; /* of the bio (first write only) */
	struct ebpfdma_pool *pool;
	struct ebpfdma_volume *vol; /* counted in vol->in_flight */
	struct ebpfdma_file *f; /* completion goes here; reference held */
	u64 cookie;
	u32 cqe_flags; /* EBPFDMA_CQE_* of its completion */
	/*
	 * local_clock() when it was queued, for the latency histogram: the
	 * scheduler's clock, cheap where the clocksource is slow to read;
	 * CPUs' clocks agree closely enough for microsecond buckets.
	 */
	u64 queued_ns;
	u32 slot;
	u32 len; /* bytes */
};

/* sysfs statistics (sysfs.c). */
extern const struct attribute_group *ebpfdma_dev_groups[];
struct kobject *ebpfdma_dev_kobj(void);
int ebpfdma_volume_sysfs_add(struct ebpfdma_volume *v, struct kobject *parent);
void ebpfdma_volume_sysfs_del(struct ebpfdma_volume *v);

/* Submission engine (engine.c). */
int ebpfdma_engine_init(void);
void ebpfdma_engine_exit(void);
void ebpfdma_engine_queue(struct ebpfdma_io *io);
unsigned int ebpfdma_engine_in_flight(void);
void ebpfdma_engine_run(struct work_struct *work);

/* Wire protocol checks (wire.c). */
struct ebpfdma_wire_hdr;

/* A DATA header's fields in host order. */
struct ebpfdma_wire_data {
	u32 volume;
	u32 session;
	u64 token;
	u64 lba;
	u32 seq;
	u32 len; /* bytes of body */
	u32 crc;
	u16 flags; /* EBPFDMA_WIRE_F_* */
};

int ebpfdma_wire_parse(const struct ebpfdma_wire_hdr *h, u32 payload_len,
		       struct ebpfdma_wire_data *d);
int ebpfdma_wire_check_volume(const struct ebpfdma_wire_data *d, u64 token,
			      u64 window, unsigned int block_shift,
			      u32 slot_size);

/*
 * What became of the datagrams handed to the kfunc (xdp.c): per-CPU
 * counters, summed in sysfs (rx/).
 */
enum ebpfdma_rx_stat {
	EBPFDMA_RX_PLACED, /* queued to the engine */
	EBPFDMA_RX_PLACED_BYTES,
	EBPFDMA_RX_MALFORMED, /* -EINVAL */
	EBPFDMA_RX_TOKEN, /* -EACCES */
	EBPFDMA_RX_RANGE, /* -ERANGE */
	EBPFDMA_RX_NO_VOLUME, /* -ENODEV */
	EBPFDMA_RX_NO_LISTENER, /* -ENOTCONN */
	EBPFDMA_RX_CRC, /* -EBADMSG */
	EBPFDMA_RX_POOL_FULL, /* -ENOBUFS: no free slot */
	EBPFDMA_RX_RING_FULL, /* -ENOBUFS: the listener's ring is full */
	EBPFDMA_RX_NR_STATS
};

u64 ebpfdma_rx_stat_sum(enum ebpfdma_rx_stat i);
int ebpfdma_xdp_init(void);
extern const struct attribute_group ebpfdma_rx_group;

#if IS_ENABLED(CONFIG_KUNIT)
/* Static unless KUnit is enabled; exported to the KUnit suites only. */
int ebpfdma_parse_nr_slots(const char *val, unsigned int *out);
int ebpfdma_parse_slot_size(const char *val, unsigned int *out);
#endif

#endif /* _EBPFDMA_H */

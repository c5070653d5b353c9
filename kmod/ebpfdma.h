/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma: internal declarations shared by the module's source files.
 *
 * Layering (each file calls only the ones below it, never back up):
 *   main.c                 fops, ioctls, module init
 *   xdp.c                  the kfunc
 *   engine.c               per-CPU submission and completion
 *   volume.c               volumes, their liveness, barrier generations
 *   ring.c                 the completion ring object
 *   pool.c, slots.c        the pool's memory and its slot allocator
 *   plan.c, wire.c, params.c, fault.c   pure checks, tunables, test hooks
 * The sysfs groups (sysfs_*.c) only read the objects they show.
 */
#ifndef _EBPFDMA_H
#define _EBPFDMA_H

#include <linux/atomic.h>
#include <linux/blk_types.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/sbitmap.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"

struct attribute_group;
struct block_device;
struct crypto_shash;
struct device;
struct ebpfdma_cqe;
struct ebpfdma_ring;
struct file;
struct kobject;
struct platform_device;
struct vm_area_struct;

/*
 * Fault injection (fault.c), compiled only into test builds
 * (EBPFDMA_FAULT=y): module parameters fault_<point> widen race windows or
 * make a call fail, as null_blk's fault injection does.  Elsewhere the
 * hooks compile to nothing.
 */
enum ebpfdma_fault {
	/* delay (µs): a volume's last reference dropped, deleter not woken */
	EBPFDMA_FAULT_VOLUME_RELEASE,
	/* delay (µs): between reading a ring's free credits and taking them */
	EBPFDMA_FAULT_RING_RESERVE,
	/* delay (µs): after a post published its completions */
	EBPFDMA_FAULT_RING_POST,
	/* count: that many bio_add_page() calls of the engine fail */
	EBPFDMA_FAULT_BIO_ADD,
	/* bool: the pool's DMA mapping is taken as needing cache syncs */
	EBPFDMA_FAULT_DMA_SYNC,
	EBPFDMA_FAULT_NR
};

#ifdef EBPFDMA_FAULT_INJECTION
void ebpfdma_fault_delay(enum ebpfdma_fault point);
bool ebpfdma_fault_fail(enum ebpfdma_fault point);
#else
static inline void ebpfdma_fault_delay(enum ebpfdma_fault point)
{
}

static inline bool ebpfdma_fault_fail(enum ebpfdma_fault point)
{
	return false;
}
#endif

/*
 * Module parameters (params.c).  Writes of nr_slots and slot_size are
 * serialised by ebpfdma_dev.lock, which also covers the pool they
 * describe; readers outside it use READ_ONCE().
 */
extern unsigned int ebpfdma_nr_slots; /* slots in the pool */
extern unsigned int ebpfdma_slot_size; /* bytes per slot, power of two */
extern unsigned int ebpfdma_max_in_flight; /* bios in flight, per CPU */
extern unsigned int ebpfdma_batch; /* most writes merged into one bio */
extern bool ebpfdma_fua; /* every write is FUA */
#define EBPFDMA_BATCH_MAX 64U

int ebpfdma_check_pool_geometry(unsigned int nr_slots, unsigned int slot_size);

/*
 * Slot allocator (slots.c).  Free slots live in an sbitmap_queue and, a
 * few at a time, in per-CPU caches, so that a CPU that frees and takes
 * slots (the XDP path and its completions) touches no shared cache line.
 */
#define EBPFDMA_SLOT_CACHE_MAX 32U

struct ebpfdma_slot_cache {
	/* taken by this CPU's users; by another CPU only to steal */
	spinlock_t lock;
	unsigned int nr; /* free slots held here, under @lock */
	int idx[EBPFDMA_SLOT_CACHE_MAX]; /* under @lock */
};

struct ebpfdma_slots {
	/* a set bit is a slot taken from the bitmap: held, or in a cache */
	struct sbitmap_queue free;
	struct ebpfdma_slot_cache __percpu *cache;
	unsigned int cache_max; /* slots a CPU caches; 0: no caching */
	/* holder of each slot: 0 when free, changed by cmpxchg only */
	atomic_long_t *holder;
	unsigned int nr; /* slots */
	atomic_t taken; /* bits set in @free; changes a batch at a time */
	atomic_t high_water; /* most bits ever set in @free at once */
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
unsigned int ebpfdma_slots_in_use(struct ebpfdma_slots *s);

/* Slot holders besides open descriptors (whose holder is their address). */
#define EBPFDMA_HOLDER_ENGINE 1UL /* queued or in flight */

/* Largest allocation of the pool, bytes (an order-8 block). */
#define EBPFDMA_CHUNK_BYTES (1U << 20)

struct ebpfdma_chunk {
	void *cpu; /* kernel address: alloc_pages_exact(), order-0 pages */
	dma_addr_t dma; /* device address, mapped DMA_BIDIRECTIONAL */
};

/* The pool (pool.c).  Geometry fields are fixed after creation. */
struct ebpfdma_pool {
	struct kref ref; /* the device, each ring, each mapping */
	struct device *dev; /* the device the memory is mapped for */
	unsigned int nr_slots;
	unsigned int slot_size; /* bytes */
	unsigned int chunk_bytes; /* bytes per chunk, page aligned */
	unsigned int slots_per_chunk;
	unsigned int nr_chunks;
	struct ebpfdma_chunk *chunks;
	struct ebpfdma_slots slots;
	struct ebpfdma_io *ios; /* the write record of each slot */
	/*
	 * Open descriptors and live mappings of this pool.  Opens count
	 * themselves under ebpfdma_dev.lock; a mapping needs an open
	 * descriptor or another mapping, so the count never rises from 0
	 * outside that lock, and a resize under it that sees 0 is safe.
	 */
	atomic_t users;
};

/* The device: one per module. */
struct ebpfdma_dev {
	struct platform_device *pdev; /* owner of the pool's DMA mappings */
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
struct ebpfdma_pool *ebpfdma_pool_open(void);
void ebpfdma_pool_close(struct ebpfdma_pool *pool);
void *ebpfdma_slot_addr(struct ebpfdma_pool *pool, unsigned int slot,
			unsigned int off);
struct page *ebpfdma_slot_page(struct ebpfdma_pool *pool, unsigned int slot,
			       unsigned int off);
int ebpfdma_pool_mmap(struct ebpfdma_pool *pool, struct vm_area_struct *vma);
int ebpfdma_pool_reconfigure(unsigned int nr_slots, unsigned int slot_size);

/*
 * The completion ring (ring.c): what an open descriptor's writes complete
 * into.  It outlives the descriptor while writes it queued are in flight.
 *
 * Credits: every completion needs an entry, taken as a credit when its
 * write or flush is accepted.  Invariant, at all times:
 *   credits + sum(cache) + reserved + (tail - consumed) == nr_entries
 * where "reserved" counts accepted writes not yet posted, and "consumed"
 * is the head user space last reported, taken in under @lock.
 */
struct ebpfdma_ring {
	/* the descriptor and each queued write and flush */
	struct percpu_ref users;
	struct ebpfdma_ring_hdr *hdr; /* vmalloc_user(), mapped by user */
	struct ebpfdma_cqe *entries; /* follow the header in the mapping */
	u32 nr_entries; /* a power of two */
	size_t bytes; /* of the mapping */
	unsigned int credit_batch; /* credits a CPU takes at once */
	atomic_t __percpu *cache; /* credits taken from @credits, per CPU */
	struct ebpfdma_pool *pool; /* reference held: its writes' slots */
	wait_queue_head_t wait; /* poll: completions posted */
	struct rcu_work free_work; /* a grace period after the last user */

	/* credits no CPU has taken */
	atomic_t credits ____cacheline_aligned_in_smp;

	spinlock_t lock ____cacheline_aligned_in_smp; /* producers */
	u32 tail; /* under @lock: the kernel's copy of hdr->tail */
	u32 consumed; /* under @lock: hdr->head as last taken in */
};

u32 ebpfdma_ring_entries_for(unsigned int nr_slots);
u32 ebpfdma_ring_used(u32 head, u32 tail, u32 entries);
int ebpfdma_ring_init(void);
void ebpfdma_ring_exit(void);
struct ebpfdma_ring *ebpfdma_ring_create(struct ebpfdma_pool *pool,
					 u32 nr_entries);
void ebpfdma_ring_close(struct ebpfdma_ring *r);
bool ebpfdma_ring_tryget(struct ebpfdma_ring *r);
void ebpfdma_ring_get(struct ebpfdma_ring *r);
void ebpfdma_ring_put_many(struct ebpfdma_ring *r, unsigned long n);
bool ebpfdma_cqe_merge(struct ebpfdma_cqe *run, const struct ebpfdma_cqe *next,
		       unsigned int block_shift);
int ebpfdma_ring_reserve(struct ebpfdma_ring *r);
void ebpfdma_ring_unreserve(struct ebpfdma_ring *r);
void ebpfdma_ring_unreserve_many(struct ebpfdma_ring *r, unsigned int n);
void ebpfdma_ring_post(struct ebpfdma_ring *r, const struct ebpfdma_cqe *cqe,
		       unsigned int n);
void ebpfdma_ring_wake(struct ebpfdma_ring *r);
int ebpfdma_ring_mmap(struct ebpfdma_ring *r, struct vm_area_struct *vma);
__poll_t ebpfdma_ring_poll(struct ebpfdma_ring *r, struct file *file,
			   poll_table *wait);

static inline void ebpfdma_ring_put(struct ebpfdma_ring *r)
{
	ebpfdma_ring_put_many(r, 1);
}

/* Write planning (plan.c). */
struct ebpfdma_extent {
	u64 volume; /* the volume's serial: unique for the module's life */
	u32 flags; /* EBPFDMA_DESC_* */
	u64 lba; /* relative to the volume's window */
	u64 blocks;
	unsigned int segs; /* page segments */
};

int ebpfdma_window_check(u64 window_blocks, u64 lba, u64 nr);
int ebpfdma_windows_overlap(u64 a_start, u64 a_len, u64 b_start, u64 b_len);
unsigned int ebpfdma_plan_run(const struct ebpfdma_extent *const *e,
			      unsigned int n, unsigned int max_writes,
			      unsigned int max_segs);
blk_opf_t ebpfdma_write_opf(u32 desc_flags, u32 vol_flags, bool fua_all);

/*
 * The write latency histogram's buckets: finite upper bounds 1 us to
 * 2^24 us (16.8 s: a disk that stalls for seconds shows as such), then one
 * for anything longer.
 */
#define EBPFDMA_LAT_BUCKETS 26

/* A volume's counters, per CPU (summed when read). */
struct ebpfdma_vol_stats {
	u64 queued; /* writes queued to the engine */
	u64 completed; /* of them, completed (with or without error) */
	u64 bytes; /* written successfully */
	u64 bios;
	u64 merges; /* writes that rode in another write's bio */
	u64 errors; /* writes completed with an error */
	u64 latency_sum_us; /* of every write counted in @latency */
	/* queue-to-completion time: bucket i counts [2^(i-1), 2^i) us */
	u64 latency[EBPFDMA_LAT_BUCKETS];
};

struct ebpfdma_flush_req;

/*
 * A generation of a volume's writes: the writes queued between two
 * barrier FLUSHes.  Each write holds a reference of its generation's
 * @writes.  A barrier starts a new generation and kills the old one; when
 * the old one's last write completes (and the generation before it has
 * ended, which its successor holds a reference for), its flush is issued.
 * No work item ever waits for a write.
 */
struct ebpfdma_gen {
	struct percpu_ref writes;
	struct ebpfdma_volume *vol; /* reference held */
	/* written under vol->gen_lock before @writes is killed */
	struct ebpfdma_gen *next; /* the generation after it, or NULL */
	struct ebpfdma_flush_req *flush; /* its barrier's flush, or NULL */
	struct work_struct work; /* runs once every write of it completed */
	struct rcu_head rcu;
};

/* A volume (volume.c).  Fixed after VOLUME_ADD but for the counters. */
struct ebpfdma_volume {
	/* the table, each generation, each flush in flight */
	struct kref ref;
	struct completion released; /* @ref reached 0 */
	u32 id;
	u32 flags; /* EBPFDMA_VOL_* */
	u64 serial; /* unique for the module's life: writes merge by it */
	u64 start; /* first block of the window on the device */
	u64 blocks; /* blocks in the window */
	unsigned int block_shift; /* log2 of the logical block size */
	/*
	 * The caller's open of the target, held: a block device opened
	 * exclusively (written with bios), or a regular file (written with
	 * direct kiocbs, EBPFDMA_VOL_FILE in @flags).
	 */
	struct file *file;
	/* the device written to: the file system's, for a file */
	struct block_device *bdev;
	struct mutex gen_lock; /* serialises changes of @gen */
	/* current generation, NULL once deleted: under @gen_lock and RCU */
	struct ebpfdma_gen __rcu *gen;
	struct ebpfdma_vol_stats __percpu *stats;
	struct kobject *kobj; /* its sysfs directory */
	bool wc_warned; /* the write-cache disagreement was logged */
	struct list_head dying; /* on the dying list while deleted */
};

int ebpfdma_volumes_init(void);
void ebpfdma_volumes_exit(void);
struct ebpfdma_volume *ebpfdma_volume_lookup(u32 id);
struct ebpfdma_gen *ebpfdma_write_begin(struct ebpfdma_volume *v);
void ebpfdma_write_end(struct ebpfdma_gen *g, unsigned long n);
bool ebpfdma_volume_stable(struct ebpfdma_volume *v);
void ebpfdma_volume_invalidate(struct ebpfdma_volume *v, u64 lba, u64 blocks);
int ebpfdma_volume_flush(u32 id, struct ebpfdma_ring *ring, u64 cookie,
			 bool now);
long ebpfdma_ioctl_volume_add(void __user *arg, struct kobject *parent);
long ebpfdma_ioctl_volume_del(void __user *arg);
long ebpfdma_ioctl_volume_list(void __user *arg);
void ebpfdma_volumes_del_all(void);
unsigned int ebpfdma_volumes_count(void);
u64 ebpfdma_volume_stat(struct ebpfdma_volume *v, size_t offset);
u64 ebpfdma_volume_in_flight(struct ebpfdma_volume *v);

#define EBPFDMA_VOL_STAT(v, field) \
	ebpfdma_volume_stat(v, offsetof(struct ebpfdma_vol_stats, field))

/*
 * A session of wire version 2 (session.c; its blocks: session_blocks.c):
 * a transfer the receiver admitted.  Fixed after SESSION_ADD but for
 * @active and @placed.
 */
struct ebpfdma_session {
	struct rhash_head node; /* in the table, by @id */
	u64 id;
	/* the table and each write in flight */
	struct percpu_ref users;
	struct list_head list; /* every session, under sessions_lock */
	unsigned long owner; /* the descriptor that added it */
	/* its completions; the owner deletes its sessions before closing */
	struct ebpfdma_ring *ring;
	u32 vol_id;
	u64 vol_serial; /* the volume it was added for, not a later one */
	u32 protect; /* EBPFDMA_PROTECT_* */
	bool runs; /* EBPFDMA_SESSION_F_RUNS: a completion entry per run */
	u8 key[32];
	struct crypto_shash *mac; /* EBPFDMA_PROTECT_MAC: keyed BLAKE2b */
	u64 lba; /* first block of the transfer, window-relative */
	u64 blocks; /* blocks of the transfer (each one DATA) */
	u32 block_size; /* bytes of each but the last */
	u32 last_len; /* bytes of the last, whole logical blocks */
	unsigned int block_shift; /* the volume's logical block size */
	unsigned long idle; /* jiffies without a placed block; 0: no limit */
	unsigned long active; /* jiffies: the last block placed */
	unsigned long *placed; /* a bit per block: placed, not failed */
	struct rcu_work free_work;
};

int ebpfdma_sessions_init(void);
void ebpfdma_sessions_exit(void);
struct ebpfdma_session *ebpfdma_session_lookup(u64 id);
struct ebpfdma_session *ebpfdma_session_of(u64 id, unsigned long owner);
bool ebpfdma_session_tryget(struct ebpfdma_session *s);
void ebpfdma_session_put(struct ebpfdma_session *s);
int ebpfdma_session_check(const struct ebpfdma_session *s, u32 index, u32 len);
int ebpfdma_session_place(struct ebpfdma_session *s, u32 index);
void ebpfdma_session_unplace(struct ebpfdma_session *s, u32 index);
u64 ebpfdma_session_lba(const struct ebpfdma_session *s, u32 index);
int ebpfdma_session_geometry(struct ebpfdma_session *s, u64 length, u64 window,
			     u32 slot_size);
long ebpfdma_ioctl_session_add(struct ebpfdma_ring *ring, unsigned long owner,
			       u32 slot_size, void __user *arg);
long ebpfdma_ioctl_session_del(unsigned long owner, void __user *arg);
void ebpfdma_sessions_del_owner(unsigned long owner);

/* Datagram protection (crypto.c): the kernel's crypto, wrapped. */
int ebpfdma_crypto_init(void);
void ebpfdma_crypto_exit(void);
int ebpfdma_aead_open(void *dst, const void *src, u32 len, const void *ad,
		      u32 ad_len, u64 nonce, const u8 *key);
int ebpfdma_aead_open_inplace(void *buf, u32 len, const void *tag,
			      const void *ad, u32 ad_len, u64 nonce,
			      const u8 *key);
struct crypto_shash *ebpfdma_mac_alloc(const u8 *key);
int ebpfdma_mac_verify(struct crypto_shash *tfm, const void *hdr, u32 hdr_len,
		       void *dst, const void *body, u32 len, const void *tag);
int ebpfdma_crc_verify(const void *hdr, u32 hdr_len, void *dst,
		       const void *body, u32 len, const void *trailer);

/* The write record of each slot (pool->ios[slot]), used by the engine. */
struct ebpfdma_io {
	struct ebpfdma_extent ext;
	struct llist_node node; /* engine queue */
	struct list_head backlog; /* engine backlog */
	struct llist_node done_node; /* completed bios */
	struct ebpfdma_io *run_next; /* next write in the same bio */
	unsigned int run_len; /* writes in the bio (first write only) */
	int err; /* the run's result, 0 or -errno (first write only) */
	int cpu; /* the engine CPU it was queued to */
	struct ebpfdma_pool *pool;
	struct ebpfdma_gen *gen; /* holds a reference of gen->writes */
	struct ebpfdma_ring *ring; /* completion goes here; reference held */
	/* its session (reference held) and block, or NULL */
	struct ebpfdma_session *session;
	u32 index;
	u64 cookie;
	u32 cqe_flags; /* EBPFDMA_CQE_* of its completion */
	u32 volume; /* the volume's id, for the completion */
	/*
	 * local_clock() when it was queued, for the latency histogram: the
	 * scheduler's clock, cheap where the clocksource is slow to read;
	 * CPUs' clocks agree closely enough for microsecond buckets.
	 */
	u64 queued_ns;
	u32 slot;
	u32 len; /* bytes */
};

/*
 * Fill in the write of slot @io's bytes: @len of them at block @lba of
 * generation @g's volume, EBPFDMA_DESC_* @flags, completing into @ring
 * (whose reference the caller passes on) with @cookie and @cqe_flags; of
 * session @s (reference passed on) block @index, or of none.
 */
static inline void ebpfdma_io_init(struct ebpfdma_io *io, struct ebpfdma_gen *g,
				   struct ebpfdma_ring *ring, u64 lba, u32 len,
				   u32 flags, struct ebpfdma_session *s,
				   u32 index, u64 cookie, u32 cqe_flags)
{
	struct ebpfdma_volume *v = g->vol;

	io->ext = (struct ebpfdma_extent){
		.volume = v->serial,
		.flags = flags,
		.lba = lba,
		.blocks = len >> v->block_shift,
	};
	io->gen = g;
	io->ring = ring;
	io->session = s;
	io->index = index;
	io->volume = v->id;
	io->cookie = cookie;
	io->cqe_flags = cqe_flags;
	io->len = len;
}

/* Submission engine (engine.c). */
int ebpfdma_engine_init(void);
void ebpfdma_engine_exit(void);
void ebpfdma_engine_queue(struct ebpfdma_io **ios, unsigned int n);
unsigned int ebpfdma_engine_in_flight(void);

/* Wire protocol checks (wire.c). */
struct ebpfdma_wire2_hdr;

/* A version 2 DATA header's fields in host order. */
struct ebpfdma_wire2_data {
	u64 session;
	u64 counter;
	u32 len; /* bytes of body */
	u32 index;
	u16 flags; /* EBPFDMA_WIRE2_F_* */
};

int ebpfdma_wire2_parse(const struct ebpfdma_wire2_hdr *h, u32 payload_len,
			struct ebpfdma_wire2_data *d);

/*
 * What became of the datagrams handed to the kfunc (xdp.c): per-CPU
 * counters, summed in sysfs (rx/).
 */
enum ebpfdma_rx_stat {
	EBPFDMA_RX_PLACED, /* queued to the engine */
	EBPFDMA_RX_PLACED_BYTES,
	EBPFDMA_RX_MALFORMED, /* -EINVAL */
	EBPFDMA_RX_RANGE, /* -ERANGE: not a block of the transfer */
	EBPFDMA_RX_NO_VOLUME, /* -ENODEV: the session's volume is gone */
	EBPFDMA_RX_NO_LISTENER, /* -ENOTCONN: its descriptor is closing */
	EBPFDMA_RX_POOL_FULL, /* -ENOBUFS: no free slot */
	EBPFDMA_RX_RING_FULL, /* -ENOBUFS: the session's ring is full */
	EBPFDMA_RX_NO_SESSION, /* -ENOENT: no such session */
	EBPFDMA_RX_EXPIRED, /* -ETIMEDOUT: the session was idle too long */
	EBPFDMA_RX_AUTH, /* -EBADMSG: tag, MAC or CRC does not verify */
	EBPFDMA_RX_DUPLICATE, /* -EALREADY: the block is placed already */
	EBPFDMA_RX_CE, /* placed, having arrived with ECN's CE mark */
	EBPFDMA_RX_NR_STATS
};

u64 ebpfdma_rx_stat_sum(enum ebpfdma_rx_stat i);
/* Count @n of @i on this CPU; context: any. */
void ebpfdma_rx_count(enum ebpfdma_rx_stat i, u64 n);
int ebpfdma_xdp_init(void);

/* sysfs groups and directories (sysfs_*.c). */
extern const struct attribute_group ebpfdma_pool_group;
extern const struct attribute_group ebpfdma_engine_group;
extern const struct attribute_group ebpfdma_rx_group;
int ebpfdma_volume_sysfs_add(struct ebpfdma_volume *v, struct kobject *parent);
void ebpfdma_volume_sysfs_del(struct ebpfdma_volume *v);

#if IS_ENABLED(CONFIG_KUNIT)
/* Static unless KUnit is enabled; exported to the KUnit suites only. */
int ebpfdma_parse_nr_slots(const char *val, unsigned int *out);
int ebpfdma_parse_slot_size(const char *val, unsigned int *out);
#endif

#endif /* _EBPFDMA_H */

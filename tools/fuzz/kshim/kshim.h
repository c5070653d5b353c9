/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel, as much of it as the module's pure functions need, for
 * building them into host programs (the fuzzers): their source files are
 * compiled unchanged, and each kernel header they include is one of this
 * folder's, which all come here.  Types the module's headers embed are
 * given a size and no behaviour; the few functions the pure code calls
 * (byte order, bit operations, jiffies, 64-bit division) behave as the
 * kernel's do.
 */
#ifndef _EBPFDMA_KSHIM_H
#define _EBPFDMA_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 dma_addr_t;
typedef u32 blk_opf_t;

#define KBUILD_MODNAME "ebpfdma"
#define __user
#define __percpu
#define __rcu
#define __iomem
#define __must_check
#define ____cacheline_aligned_in_smp __attribute__((aligned(64)))
#define noinline __attribute__((noinline))
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL(sym)

/* Embedded by the module's structures: sized, never used by pure code. */
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { s64 counter; } atomic64_t;
typedef struct { int lock; } spinlock_t;
typedef struct { spinlock_t lock; void *next, *prev; } wait_queue_head_t;
struct list_head { struct list_head *next, *prev; };
struct llist_node { struct llist_node *next; };
struct llist_head { struct llist_node *first; };
struct rcu_head { void *next, *func; };
struct kref { atomic_t refcount; };
struct mutex { long owner; spinlock_t wait_lock; struct list_head wait_list; };
struct completion { unsigned int done; wait_queue_head_t wait; };
struct percpu_ref { unsigned long percpu_count_ptr; void *data; };
struct work_struct { atomic_long_t data; struct list_head entry; void *func; };
struct rcu_work { struct work_struct work; struct rcu_head rcu; void *wq; };
struct rhash_head { struct rhash_head *next; };
struct sbitmap_queue { void *opaque[16]; };
typedef struct poll_table_struct poll_table;

/* Configuration: nothing the host build asks about is enabled. */
#define IS_ENABLED(option) 0

/* Request flags (include/linux/blk_types.h): values of their own. */
#define REQ_OP_WRITE 1U
#define REQ_SYNC (1U << 11)
#define REQ_FUA (1U << 17)

/* Byte order. */
#define be16_to_cpu(x) be16toh(x)
#define be32_to_cpu(x) be32toh(x)
#define be64_to_cpu(x) be64toh(x)
#define cpu_to_be16(x) htobe16(x)
#define cpu_to_be32(x) htobe32(x)
#define cpu_to_be64(x) htobe64(x)

/* Arithmetic, as include/linux/math.h and math64.h. */
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d) ((u64)DIV_ROUND_UP((u64)(n), (u64)(d)))
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
static inline u64 div64_u64(u64 a, u64 b)
{
	return a / b;
}

/* Bit operations on unsigned long bitmaps, as include/linux/bitops.h. */
#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[BIT_WORD(nr)] & BIT_MASK(nr);
}

static inline bool test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
	return old;
}

static inline void clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

/* Time: the host program sets jiffies. */
extern unsigned long jiffies;
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ebpfdma user-space ABI, shared by the kernel module, the BPF programs and
 * the tools.
 *
 * Only fixed-width types (__u8 .. __u64) are used; every structure has
 * explicit padding.
 */
#ifndef _UAPI_EBPFDMA_H
#define _UAPI_EBPFDMA_H

#include <linux/types.h>

/* The character device: /dev/ebpfdma, mode 0600 (root only). */
#define EBPFDMA_DEV_NAME "ebpfdma"

/* Module parameter limits (/sys/module/ebpfdma/parameters/). */
#define EBPFDMA_NR_SLOTS_MIN 8U
#define EBPFDMA_NR_SLOTS_MAX (1U << 20)
#define EBPFDMA_NR_SLOTS_DEFAULT 4096U
#define EBPFDMA_SLOT_SIZE_MIN 512U /* bytes, a power of two */
#define EBPFDMA_SLOT_SIZE_MAX (1U << 20) /* bytes */
#define EBPFDMA_SLOT_SIZE_DEFAULT 4096U /* bytes */
#define EBPFDMA_POOL_BYTES_MAX (1ULL << 30) /* nr_slots * slot_size */

#endif /* _UAPI_EBPFDMA_H */

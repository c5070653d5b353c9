/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel versions ebpfdma builds for, in one place.
 * The first target is Debian 12's 6.1; every newer spelling is selected by
 * LINUX_VERSION_CODE here and nowhere else.
 */
#ifndef _EBPFDMA_COMPAT_H
#define _EBPFDMA_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/module.h>

/* 6.13 turned the namespace argument of MODULE_IMPORT_NS into a string. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define EBPFDMA_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define EBPFDMA_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/* 6.3 made vm_flags read-only behind vm_flags_set(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define ebpfdma_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#else
#define ebpfdma_vm_flags_set(vma, flags) ((vma)->vm_flags |= (flags))
#endif

/* 6.9 added file_bdev() for the block device behind an open file. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define ebpfdma_file_bdev(file) file_bdev(file)
#else
#define ebpfdma_file_bdev(file) I_BDEV((file)->f_mapping->host)
#endif

/* 6.10 gave the block device its own mapping pointer (bd_inode went). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ebpfdma_bdev_mapping(bdev) ((bdev)->bd_mapping)
#else
#define ebpfdma_bdev_mapping(bdev) ((bdev)->bd_inode->i_mapping)
#endif

/*
 * kfunc sets: 6.1 spells them BTF_SET8_START/END; 6.9 added
 * BTF_KFUNCS_START/END, which also mark the set for resolve_btfids.
 */
#include <linux/btf.h>
#include <linux/btf_ids.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define EBPFDMA_KFUNCS_START(name) BTF_KFUNCS_START(name)
#define EBPFDMA_KFUNCS_END(name) BTF_KFUNCS_END(name)
#else
#define EBPFDMA_KFUNCS_START(name) BTF_SET8_START(name)
#define EBPFDMA_KFUNCS_END(name) BTF_SET8_END(name)
#endif

/* 6.2 added __bpf_kfunc: a kfunc is never inlined (BTF names it). */
#ifndef __bpf_kfunc
#define __bpf_kfunc noinline
#endif

#endif /* _EBPFDMA_COMPAT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kfuncs ebpfdma.ko registers for XDP programs, declared once for the
 * module (which defines them) and for BPF programs (which call them).
 * Each one is documented where it is defined, in kmod/xdp.c.
 */
#ifndef _EBPFDMA_KFUNCS_H
#define _EBPFDMA_KFUNCS_H

#ifdef __KERNEL__
#include <linux/types.h>
#define __EBPFDMA_KFUNC
#else
/* libbpf resolves ".ksyms" externs (__ksym, from <bpf/bpf_helpers.h>). */
#define __EBPFDMA_KFUNC __ksym
#endif

struct xdp_md;

/*
 * Place the ebpfdma DATA datagram whose UDP payload starts @off bytes after
 * the packet's data and is @len bytes long, with EBPFDMA_RX_F_* @flags
 * (uapi/ebpfdma.h); 0 or a negative errno.
 */
extern int bpf_ebpfdma_rx(struct xdp_md *ctx, __u32 off, __u32 len,
			  __u32 flags) __EBPFDMA_KFUNC;

#endif /* _EBPFDMA_KFUNCS_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The XDP receive program's maps and configuration (bpf/ebpfdma_rx.bpf.c),
 * shared with the tools that load it and read its counters.
 */
#ifndef _EBPFDMA_RX_H
#define _EBPFDMA_RX_H

#include <linux/types.h>

/* What to do with a DATA datagram the kfunc refuses with -ENOBUFS. */
#define EBPFDMA_RX_FULL_DROP 0 /* drop it: the sender retransmits */
#define EBPFDMA_RX_FULL_PASS \
	1 /* pass it to the stack: a user-space slow path */

/* Most entries (addresses or networks) in the allow-list. */
#define EBPFDMA_RX_PEERS_MAX 1024

/*
 * A key of the peer allow-list map "edma_peers", a longest-prefix-match
 * trie: a network of IPv6 addresses, or of IPv4 addresses mapped into IPv6
 * (::ffff:a.b.c.d/(96 + n)).  A single address is a /128; the program looks
 * a source up as a /128.
 */
struct ebpfdma_rx_peer {
	__u32 prefixlen; /* leading bits of @addr that must match, 0..128 */
	__u8 addr[16]; /* bits past prefixlen are zero */
};

/*
 * The program's counters, one copy per CPU in the per-CPU array
 * "edma_counters" (key 0); every packet the program sees ends in exactly one
 * pass_* or drop_* / placed counter.
 */
struct ebpfdma_rx_counters {
	__u64 packets; /* every packet the program saw */
	__u64 pass; /* XDP_PASS verdicts */
	__u64 drop; /* XDP_DROP verdicts */
	__u64 pass_not_ip; /* not IPv4 / IPv6 (after at most one VLAN tag) */
	__u64 pass_not_udp; /* not UDP, or an IPv6 extension header */
	__u64 pass_fragment; /* an IPv4 fragment */
	__u64 pass_other_port; /* UDP to another port */
	__u64 pass_control; /* HELLO, COMMIT, ...: the receiver's socket's */
	__u64 pass_full; /* pool full, policy "pass" */
	__u64 pass_refused; /* session, volume, window refused; policy "pass" */
	__u64 drop_truncated; /* headers or UDP length beyond the packet */
	__u64 drop_peer; /* source not in the allow-list */
	__u64 placed; /* DATA blocks queued to the disk (dropped: consumed) */
	__u64 placed_bytes;
	__u64 err_malformed; /* -EINVAL */
	__u64 err_range; /* -ERANGE */
	__u64 err_no_volume; /* -ENODEV */
	__u64 err_no_listener; /* -ENOTCONN */
	__u64 err_auth; /* -EBADMSG: the trailer does not verify */
	__u64 err_full; /* -ENOBUFS: no slot, or the completion ring is full */
	__u64 err_other; /* any other errno (none is documented) */
	__u64 err_no_session; /* -ENOENT: no such session */
	__u64 err_expired; /* -ETIMEDOUT: the session was idle too long */
	__u64 err_duplicate; /* -EALREADY: placed already (dropped) */
};

#endif /* _EBPFDMA_RX_H */

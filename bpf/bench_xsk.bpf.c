// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program of the "af-xdp" baseline receiver of the benchmarks
 * (tools/bench/af_xdp.c).
 *
 * Parses Ethernet (with at most one 802.1Q tag), IPv4 (no fragments) or
 * IPv6 (no extension headers), and UDP; a datagram to the configured port
 * whose payload is a wire version 2 DATA (magic, version, type) is redirected
 * to the AF_XDP socket bound to the receiving queue (the map "xsks", keyed
 * by the queue's index; without a socket there it passes).  Everything
 * else passes to the stack: HELLO and COMMIT go to the receiver's UDP
 * socket.  The receiver checks the datagram itself (session, lengths,
 * trailer); this program only sorts.
 *
 * Loaded as "xdp.frags" so that veth takes it with a jumbo MTU on its
 * peer; AF_XDP (copy mode, kernel 6.1) copies only a packet's linear part,
 * so a packet with fragments is never redirected: it passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "uapi/ebpfdma_wire.h"

/* Set by the loader before the program is loaded (read-only data). */
const volatile __u16 cfg_port = EBPFDMA_WIRE_PORT; /* UDP port, host order */

/* AF_XDP sockets by RX queue index. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

SEC("xdp.frags")
int bench_xsk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ebpfdma_wire2_hdr *h;
	struct udphdr *udp;
	__u32 off;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
	off = sizeof(*eth);
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_tag *tag = data + off;

		if ((void *)(tag + 1) > end)
			return XDP_PASS;
		proto = tag->proto;
		off += sizeof(*tag);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end || ip->ihl < 5 || ip->version != 4)
			return XDP_PASS;
		if (ip->protocol != IPPROTO_UDP)
			return XDP_PASS;
		if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
			return XDP_PASS;
		off += ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		off += sizeof(*ip6);
	} else {
		return XDP_PASS;
	}

	udp = data + off;
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(cfg_port))
		return XDP_PASS;
	h = (void *)(udp + 1);
	if ((void *)&h->flags > end ||
	    h->magic != bpf_htonl(EBPFDMA_WIRE_MAGIC) ||
	    h->version != EBPFDMA_WIRE2_VERSION ||
	    h->type != EBPFDMA_WIRE2_DATA)
		return XDP_PASS;
	/* AF_XDP would get the linear part only. */
	if (bpf_xdp_get_buff_len(ctx) != (__u64)(end - data))
		return XDP_PASS;

	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";

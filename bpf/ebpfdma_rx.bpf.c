// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma XDP receive program.
 *
 * Parses Ethernet (with at most one 802.1Q tag), IPv4 or IPv6, and UDP;
 * a datagram to the configured port from a peer in the allow-list is
 * ebpfdma's.  DATA datagrams go to the module's kfunc, which writes their
 * blocks to disk; a placed block is dropped here (it has been consumed).
 * Control datagrams (HELLO, WELCOME, ACK, COMMIT) go up the stack to the
 * receiver's socket.  Every other packet passes untouched.  Every verdict and every refusal is
 * counted per CPU in "edma_counters" (bpftool map dump name edma_counters).
 *
 * Multi-buffer aware ("xdp.frags"): the headers must be in the packet's
 * linear part, the body may continue in fragments (the kfunc copies both).
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"
#include "bpf/ebpfdma_kfuncs.h"
#include "bpf/ebpfdma_rx.h"

/* Set by the loader before the program is loaded (read-only data). */
const volatile __u16 cfg_port = EBPFDMA_WIRE_PORT; /* UDP port, host order */
const volatile __u32 cfg_full_policy = EBPFDMA_RX_FULL_DROP;
/* Pass refused DATA (no session, volume, window, closing) to the stack. */
const volatile __u8 cfg_pass_refused;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ebpfdma_rx_counters);
} edma_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EBPFDMA_RX_PEERS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* a trie must not preallocate */
	__type(key, struct ebpfdma_rx_peer);
	__type(value, __u8);
} edma_peers SEC(".maps");

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

static __always_inline int verdict(struct ebpfdma_rx_counters *c, __u64 *why,
				   int action)
{
	(*why)++;
	if (action == XDP_PASS)
		c->pass++;
	else
		c->drop++;
	return action;
}

/* The kfunc's answer, counted, as a verdict. */
static __always_inline int placed(struct ebpfdma_rx_counters *c, int ret,
				  __u32 body)
{
	int refused = cfg_pass_refused ? XDP_PASS : XDP_DROP;

	switch (ret) {
	case 0:
		c->placed_bytes += body;
		return verdict(c, &c->placed, XDP_DROP);
	case -EINVAL:
		return verdict(c, &c->err_malformed, XDP_DROP);
	case -EBADMSG:
		return verdict(c, &c->err_auth, XDP_DROP);
	case -EALREADY:
		/* Written already, or on its way: nothing left to do. */
		return verdict(c, &c->err_duplicate, XDP_DROP);
	case -ENOENT:
		c->err_no_session++;
		break;
	case -ETIMEDOUT:
		c->err_expired++;
		break;
	case -ERANGE:
		c->err_range++;
		break;
	case -ENODEV:
		c->err_no_volume++;
		break;
	case -ENOTCONN:
		c->err_no_listener++;
		break;
	case -ENOBUFS:
		c->err_full++;
		if (cfg_full_policy == EBPFDMA_RX_FULL_PASS)
			return verdict(c, &c->pass_full, XDP_PASS);
		c->drop++;
		return XDP_DROP;
	default:
		return verdict(c, &c->err_other, XDP_DROP);
	}
	if (refused == XDP_PASS)
		return verdict(c, &c->pass_refused, XDP_PASS);
	c->drop++;
	return XDP_DROP;
}

SEC("xdp.frags")
int ebpfdma_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ebpfdma_rx_peer peer = { .prefixlen = 128 };
	struct ebpfdma_rx_counters *c;
	struct ebpfdma_wire2_hdr *h;
	__u32 zero = 0, ip_payload, rx_flags = 0;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u16 proto, ulen;
	__u32 off; /* of the UDP header, then of its payload */
	/* Of a DATA, besides its body: its header and its tag. */
	__u32 over = EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
	int ret;

	c = bpf_map_lookup_elem(&edma_counters, &zero);
	if (!c)
		return XDP_PASS;
	c->packets++;

	if ((void *)(eth + 1) > end)
		return verdict(c, &c->pass_not_ip, XDP_PASS);
	proto = eth->h_proto;
	off = sizeof(*eth);
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_tag *tag = data + off;

		if ((void *)(tag + 1) > end)
			return verdict(c, &c->pass_not_ip, XDP_PASS);
		proto = tag->proto;
		off += sizeof(*tag);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end || ip->ihl < 5 || ip->version != 4)
			return verdict(c, &c->pass_not_ip, XDP_PASS);
		if (ip->protocol != IPPROTO_UDP)
			return verdict(c, &c->pass_not_udp, XDP_PASS);
		if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
			return verdict(c, &c->pass_fragment, XDP_PASS);
		off += ip->ihl * 4;
		udp = data + off;
		if ((void *)(udp + 1) > end)
			return verdict(c, &c->pass_not_udp, XDP_PASS);
		if (bpf_ntohs(ip->tot_len) < ip->ihl * 4)
			return verdict(c, &c->pass_not_ip, XDP_PASS);
		ip_payload = bpf_ntohs(ip->tot_len) - ip->ihl * 4;
		if ((ip->tos & 3) == 3) /* ECN: Congestion Experienced */
			rx_flags = EBPFDMA_RX_F_CE;
		peer.addr[10] = 0xff;
		peer.addr[11] = 0xff;
		__builtin_memcpy(&peer.addr[12], &ip->saddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return verdict(c, &c->pass_not_ip, XDP_PASS);
		if (ip6->nexthdr != IPPROTO_UDP)
			return verdict(c, &c->pass_not_udp, XDP_PASS);
		off += sizeof(*ip6);
		udp = data + off;
		if ((void *)(udp + 1) > end)
			return verdict(c, &c->pass_not_udp, XDP_PASS);
		ip_payload = bpf_ntohs(ip6->payload_len);
		/* ECN: Traffic Class bits 1..0, flow_lbl[0] bits 5..4 */
		if (((ip6->flow_lbl[0] >> 4) & 3) == 3)
			rx_flags = EBPFDMA_RX_F_CE;
		__builtin_memcpy(peer.addr, &ip6->saddr, 16);
	} else {
		return verdict(c, &c->pass_not_ip, XDP_PASS);
	}

	if (udp->dest != bpf_htons(cfg_port))
		return verdict(c, &c->pass_other_port, XDP_PASS);
	if (!bpf_map_lookup_elem(&edma_peers, &peer))
		return verdict(c, &c->drop_peer, XDP_DROP);

	/* The UDP length must fit the IP payload and the packet. */
	ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) || ulen > ip_payload ||
	    (__u64)off + ulen > bpf_xdp_get_buff_len(ctx))
		return verdict(c, &c->drop_truncated, XDP_DROP);

	/*
	 * Control datagrams are the receiver's socket's; everything else to
	 * the port is the kfunc's (another version is malformed there).
	 */
	h = (void *)(udp + 1);
	if ((void *)&h->flags <= end &&
	    h->magic == bpf_htonl(EBPFDMA_WIRE_MAGIC) &&
	    h->version == EBPFDMA_WIRE2_VERSION &&
	    h->type != EBPFDMA_WIRE2_DATA)
		return verdict(c, &c->pass_control, XDP_PASS);

	ret = bpf_ebpfdma_rx(ctx, off + sizeof(*udp), ulen - sizeof(*udp),
			     rx_flags);
	return placed(c, ret, ulen - sizeof(*udp) - over);
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's load generator (tools/bench/blast.c): run by
 * BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on the sending side, it
 * turns each live frame into the next of the frames prepared in
 * "blast_frames" (whole Ethernet/IPv4/UDP frames of sealed datagrams) and
 * redirects it to the sending interface, whose peer receives it as from a
 * NIC.  A live frame's page is not cleared between runs, so every frame is
 * written whole; its bounds are reset, so the tail is cut each time.
 *
 * Each element of "blast_frames" is a __u32 length followed by the frame
 * (at most cfg_frame_max bytes).  The user side sets the index of the next
 * frame (next) and how many there are (nr) between runs; one CPU runs the
 * program at a time (the run does not migrate), so next is a plain counter.
 *
 * The program is also attached (generic XDP, a link) to the sender's
 * loopback device during the blast, where it passes everything unless
 * armed (only while a BPF_PROG_RUN of it runs): a
 * program already in the kernel's XDP dispatcher is not added to it by
 * each BPF_PROG_RUN, which would otherwise cost two RCU grace periods a
 * run (bpf_prog_change_xdp(), kernel/bpf/dispatcher.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set before loading: the sending interface and the longest frame. */
const volatile __u32 cfg_ifindex;
const volatile __u32 cfg_frame_max = 64;

__u32 next, nr, armed;
/* Frames the program could not make (a bad length, a failed helper). */
__u64 errors;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	/* Both set before loading: 4 + cfg_frame_max rounded up, frames. */
	__uint(value_size, 8);
	__uint(max_entries, 1);
} blast_frames SEC(".maps");

SEC("xdp")
int blast(struct xdp_md *ctx)
{
	__u32 i = next, len, have;
	__u8 *f;

	if (!armed)
		return XDP_PASS;
	if (i >= nr)
		return XDP_DROP;
	next = i + 1;
	f = bpf_map_lookup_elem(&blast_frames, &i);
	if (!f)
		goto err;
	len = *(__u32 *)f;
	if (len < 14 || len > cfg_frame_max)
		goto err;
	have = ctx->data_end - ctx->data;
	if (len != have && bpf_xdp_adjust_tail(ctx, (int)len - (int)have))
		goto err;
	if (bpf_xdp_store_bytes(ctx, 0, f + 4, len))
		goto err;
	return bpf_redirect(cfg_ifindex, 0);
err:
	__sync_fetch_and_add(&errors, 1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";

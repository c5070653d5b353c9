// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma XDP receive path: the kfunc an XDP program calls with an ebpfdma
 * DATA datagram (uapi/ebpfdma_wire.h).  The kfunc checks the datagram
 * against its session, takes a free slot of the pool, verifies the
 * datagram and puts its body into the slot (decrypting it from the packet,
 * its linear part or, for multi-buffer XDP, its fragments), and queues the
 * slot to the submission engine, which writes it with a bio straight from
 * the DMA-coherent slot.  The completion goes to the ring of the
 * descriptor that added the session, which acknowledges it to the sender.
 *
 * The hot path takes no lock and writes no cache line another CPU shares
 * (but a batch's worth at a time): the session table and the volume table
 * are read under RCU, the write counts in its barrier generation and the ring
 * in its users on CPU-local percpu_ref counters, the slot and the ring's
 * credit come from per-CPU caches, the engine's queue is this CPU's
 * llist, and the counters are per-CPU.  Nothing is allocated per packet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#include "ebpfdma.h"
#include "bpf/ebpfdma_kfuncs.h"
#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"

struct ebpfdma_rx_stats {
	u64 n[EBPFDMA_RX_NR_STATS];
};

static DEFINE_PER_CPU(struct ebpfdma_rx_stats, ebpfdma_rx_stats);

void ebpfdma_rx_count(enum ebpfdma_rx_stat i, u64 n)
{
	this_cpu_add(ebpfdma_rx_stats.n[i], n);
}

/* The sum over every CPU; racy against writers, as statistics are. */
u64 ebpfdma_rx_stat_sum(enum ebpfdma_rx_stat i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ebpfdma_rx_stats.n[i], cpu);
	return sum;
}

/*
 * Copy @len bytes at @off of the packet (linear part, then fragments) to
 * @dst; -EINVAL when the packet is shorter.
 */
static int xdp_copy_out(const struct xdp_buff *xdp, u32 off, void *dst, u32 len)
{
	u32 head = xdp->data_end - xdp->data;
	struct skb_shared_info *sinfo;
	unsigned int i;
	u32 n;

	if (off < head) {
		n = min(len, head - off);
		memcpy(dst, xdp->data + off, n);
		dst += n;
		len -= n;
		off = 0;
	} else {
		off -= head;
	}
	if (!len)
		return 0;
	if (!xdp_buff_has_frags((struct xdp_buff *)xdp))
		return -EINVAL;
	sinfo = xdp_get_shared_info_from_buff((struct xdp_buff *)xdp);
	for (i = 0; i < sinfo->nr_frags && len; i++) {
		const skb_frag_t *frag = &sinfo->frags[i];
		u32 size = skb_frag_size(frag);

		if (off >= size) {
			off -= size;
			continue;
		}
		n = min(len, size - off);
		memcpy(dst, skb_frag_address(frag) + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
	return len ? -EINVAL : 0;
}

/* Bytes of packet the XDP buffer holds, fragments included. */
static u32 xdp_len(const struct xdp_buff *xdp)
{
	return xdp_get_buff_len((struct xdp_buff *)xdp);
}

static int rx_refuse(enum ebpfdma_rx_stat why, int err)
{
	ebpfdma_rx_count(why, 1);
	return err;
}

/* The packet's bytes [@off, +@len) if its linear part holds them all. */
static const void *xdp_linear(const struct xdp_buff *xdp, u32 off, u32 len)
{
	if ((u64)off + len > xdp->data_end - xdp->data)
		return NULL;
	return xdp->data + off;
}

/*
 * Verify a DATA's trailer and put its plaintext body in @slot, in one pass
 * over the body when the packet is linear: decrypted straight from the
 * packet, or copied and checked a chunk at a time (crypto.c); else (a
 * fragmented packet) copied first and then opened or checked in the slot
 * (a slot that fails is wiped, or freed unwritten).  -EINVAL: the packet
 * is shorter than it says; -EBADMSG: it does not verify.
 */
static int rx_open(const struct ebpfdma_session *s, const struct xdp_buff *xdp,
		   u32 off, const struct ebpfdma_wire2_hdr *h,
		   const struct ebpfdma_wire2_data *d, void *slot)
{
	u32 body = off + EBPFDMA_WIRE2_HDR_LEN;
	u8 trailer[EBPFDMA_WIRE2_TRAILER_LEN];
	const void *lin, *src = slot;

	lin = xdp_linear(xdp, body, d->len + EBPFDMA_WIRE2_TRAILER_LEN);
	/*
	 * The AEAD reads the ciphertext twice (tag, then decryption): only
	 * from memory nobody else may write meanwhile.  A frame in an AF_XDP
	 * socket's UMEM is its owner's to write, so it is copied first.  The
	 * MAC and the CRC check the slot's copy, whatever the frame.
	 */
	if (s->protect == EBPFDMA_PROTECT_AEAD && lin &&
	    xdp->rxq->mem.type != MEM_TYPE_XSK_BUFF_POOL)
		return ebpfdma_aead_open(slot, lin, d->len, h,
					 EBPFDMA_WIRE2_HDR_LEN, d->counter,
					 s->key);
	if (lin && s->protect != EBPFDMA_PROTECT_AEAD) {
		memcpy(trailer, lin + d->len, sizeof(trailer));
		src = lin;
	} else if (xdp_copy_out(xdp, body, slot, d->len) ||
		   xdp_copy_out(xdp, body + d->len, trailer, sizeof(trailer))) {
		return -EINVAL;
	}
	switch (s->protect) {
	case EBPFDMA_PROTECT_AEAD:
		return ebpfdma_aead_open_inplace(slot, d->len, trailer, h,
						 EBPFDMA_WIRE2_HDR_LEN,
						 d->counter, s->key);
	case EBPFDMA_PROTECT_MAC:
		return ebpfdma_mac_verify(s->mac, h, EBPFDMA_WIRE2_HDR_LEN,
					  slot, src, d->len, trailer);
	default:
		return ebpfdma_crc_verify(h, EBPFDMA_WIRE2_HDR_LEN, slot, src,
					  d->len, trailer);
	}
}

/* Where a session check's errno is counted. */
static enum ebpfdma_rx_stat rx_stat_of(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return EBPFDMA_RX_EXPIRED;
	case -ERANGE:
		return EBPFDMA_RX_RANGE;
	case -EALREADY:
		return EBPFDMA_RX_DUPLICATE;
	case -EBADMSG:
		return EBPFDMA_RX_AUTH;
	default:
		return EBPFDMA_RX_MALFORMED;
	}
}

/* Place a parsed DATA, with EBPFDMA_RX_F_* @flags; under rcu_read_lock(). */
static int rx_place(const struct xdp_buff *xdp, u32 off,
		    const struct ebpfdma_wire2_hdr *h,
		    const struct ebpfdma_wire2_data *d, u32 flags)
{
	u32 cqe_flags = EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION;
	struct ebpfdma_session *s;
	struct ebpfdma_volume *v;
	struct ebpfdma_ring *ring;
	struct ebpfdma_pool *pool;
	struct ebpfdma_gen *g;
	struct ebpfdma_io *io;
	int ret, slot;

	s = ebpfdma_session_lookup(d->session);
	if (!s)
		return rx_refuse(EBPFDMA_RX_NO_SESSION, -ENOENT);
	/* Duplicates and strays go before anything is taken or computed. */
	ret = ebpfdma_session_check(s, d->index, d->len);
	if (ret)
		return rx_refuse(rx_stat_of(ret), ret);
	v = ebpfdma_volume_lookup(s->vol_id);
	g = v && v->serial == s->vol_serial ? ebpfdma_write_begin(v) : NULL;
	if (!g)
		return rx_refuse(EBPFDMA_RX_NO_VOLUME, -ENODEV);
	if (!ebpfdma_session_tryget(s)) {
		ret = rx_refuse(EBPFDMA_RX_NO_SESSION, -ENOENT);
		goto err_end_write;
	}
	ring = s->ring;
	if (!ebpfdma_ring_tryget(ring)) {
		ret = rx_refuse(EBPFDMA_RX_NO_LISTENER, -ENOTCONN);
		goto err_put_session;
	}
	pool = ring->pool;
	slot = ebpfdma_slot_get(&pool->slots, EBPFDMA_HOLDER_ENGINE);
	if (slot < 0) {
		ret = rx_refuse(EBPFDMA_RX_POOL_FULL, -ENOBUFS);
		goto err_put_ring;
	}
	if (ebpfdma_ring_reserve(ring)) {
		ret = rx_refuse(EBPFDMA_RX_RING_FULL, -ENOBUFS);
		goto err_put_slot;
	}
	/* Verified before it is believed, placed once verified. */
	ret = rx_open(s, xdp, off, h, d, ebpfdma_slot_addr(pool, slot, 0)) ?:
		      ebpfdma_session_place(s, d->index);
	if (ret) {
		rx_refuse(rx_stat_of(ret), ret);
		goto err_unreserve;
	}

	if (flags & EBPFDMA_RX_F_CE) {
		cqe_flags |= EBPFDMA_CQE_CE;
		ebpfdma_rx_count(EBPFDMA_RX_CE, 1);
	}
	io = &pool->ios[slot];
	ebpfdma_io_init(io, g, ring, ebpfdma_session_lba(s, d->index), d->len,
			d->flags & EBPFDMA_WIRE2_F_FUA ? EBPFDMA_DESC_FUA : 0,
			s, d->index, s->id, cqe_flags);
	ebpfdma_rx_count(EBPFDMA_RX_PLACED, 1);
	ebpfdma_rx_count(EBPFDMA_RX_PLACED_BYTES, d->len);
	ebpfdma_engine_queue(&io, 1);
	return 0;

err_unreserve:
	ebpfdma_ring_unreserve(ring);
err_put_slot:
	WARN_ON_ONCE(
		ebpfdma_slot_put(&pool->slots, slot, EBPFDMA_HOLDER_ENGINE));
err_put_ring:
	ebpfdma_ring_put(ring);
err_put_session:
	ebpfdma_session_put(s);
err_end_write:
	ebpfdma_write_end(g, 1);
	return ret;
}

/**
 * bpf_ebpfdma_rx() - write an ebpfdma DATA datagram's block to its volume
 * @ctx: the XDP program's context (the packet)
 * @off: byte offset of the datagram's UDP payload from the packet's data
 *	 (the ebpfdma header starts there)
 * @len: bytes of UDP payload, from the UDP header's length field less 8;
 *	 the packet must hold all of them
 * @flags: EBPFDMA_RX_F_CE when the IP header says Congestion Experienced
 *	   (the program reads it; the kfunc does not parse IP), else 0
 *
 * A DATA (uapi/ebpfdma_wire.h, wire version 2) belongs to a session
 * EBPFDMA_IOC_SESSION_ADD installed: the session must exist and not be
 * idle past its limit, the block must be in the transfer, of its length
 * and not placed already, before a slot of the pool is taken (without
 * sleeping); then the trailer is verified (the ChaCha20-Poly1305 tag,
 * decrypting straight into the slot from the packet's linear data, or
 * after copying it there from fragments; the keyed BLAKE2b; or the
 * CRC32C) before the block is marked placed, once, and queued to the
 * submission engine.  On success the packet's bytes are no longer needed:
 * the program may drop it.  The completion (EBPFDMA_CQE_NET |
 * EBPFDMA_CQE_SESSION, and EBPFDMA_CQE_CE for a CE-marked datagram) goes
 * to the ring of the descriptor that added the session once the device has
 * written the block (uapi/PROTOCOL.md).
 * Every outcome is counted in /sys/class/misc/ebpfdma/rx/.
 *
 * Context: XDP program, softirq (or process context under
 * BPF_PROG_TEST_RUN); never sleeps, allocates nothing, takes no lock but
 * its CPU's slot-cache lock (another CPU takes it only when the pool is
 * nearly empty).
 * Return: 0 when the block was queued; -EINVAL: malformed (short or
 * truncated packet, bad magic, another version or type, unknown flags in
 * the datagram or in @flags, a length that is not the rest of the
 * datagram or not the block's);
 * -ENOENT: no such session; -ETIMEDOUT: the session was idle past its
 * limit; -ERANGE: the index is not in the transfer; -EALREADY: the block
 * was placed already (a duplicate or replay: nothing to do); -ENODEV: the
 * session's volume was deleted (or is being deleted, or another volume of
 * its id was added since); -ENOTCONN: the session's descriptor
 * is being closed; -EBADMSG: the trailer does not verify; -ENOBUFS: no
 * free slot, or the descriptor's completion ring is full (the sender
 * should retransmit).
 */
__bpf_kfunc int bpf_ebpfdma_rx(struct xdp_md *ctx, u32 off, u32 len, u32 flags)
{
	const struct xdp_buff *xdp = (const struct xdp_buff *)ctx;
	struct ebpfdma_wire2_hdr h;
	struct ebpfdma_wire2_data d;
	int ret;

	if (flags & ~EBPFDMA_RX_F_ALL || (u64)off + len > xdp_len(xdp) ||
	    len < sizeof(h) || xdp_copy_out(xdp, off, &h, sizeof(h)) ||
	    ebpfdma_wire2_parse(&h, len, &d))
		return rx_refuse(EBPFDMA_RX_MALFORMED, -EINVAL);
	rcu_read_lock();
	ret = rx_place(xdp, off, &h, &d, flags);
	rcu_read_unlock();
	return ret;
}

EBPFDMA_KFUNCS_START(ebpfdma_xdp_kfunc_ids)
BTF_ID_FLAGS(func, bpf_ebpfdma_rx)
EBPFDMA_KFUNCS_END(ebpfdma_xdp_kfunc_ids)

static const struct btf_kfunc_id_set ebpfdma_xdp_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &ebpfdma_xdp_kfunc_ids,
};

/*
 * Offer the kfuncs to XDP programs.  There is no unregistration: the BTF
 * of a module goes with the module, and a program that calls a kfunc holds
 * its module.
 */
int ebpfdma_xdp_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP,
					 &ebpfdma_xdp_kfunc_set);
}

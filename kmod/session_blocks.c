// SPDX-License-Identifier: GPL-2.0
/*
 * A session's blocks (wire version 2): their geometry, and which block a
 * verified datagram may place, exactly once.
 *
 * Exactly once: a bitmap of the transfer's blocks, set when a block is
 * placed (after its datagram verified), cleared again if its write fails;
 * a block already set is dropped, from either path.
 *
 * Pure functions of the session and their arguments (plus jiffies): the
 * fuzzers build this file for the host (tools/fuzz/kshim/).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"

/**
 * ebpfdma_session_check() - may block @index of @len bytes be placed now?
 * @s: the session
 * @index: the block's index (untrusted)
 * @len: its body's bytes (untrusted)
 *
 * Context: any; never sleeps.
 * Return: 0; -ETIMEDOUT: idle for longer than its limit; -ERANGE: past
 * the transfer's end; -EINVAL: not the block's length; -EALREADY: placed
 * already.
 */
int ebpfdma_session_check(const struct ebpfdma_session *s, u32 index, u32 len)
{
	if (s->idle && time_after(jiffies, READ_ONCE(s->active) + s->idle))
		return -ETIMEDOUT;
	if (index >= s->blocks)
		return -ERANGE;
	if (len != (index == s->blocks - 1 ? s->last_len : s->block_size))
		return -EINVAL;
	if (test_bit(index, s->placed))
		return -EALREADY;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_session_check);

/**
 * ebpfdma_session_place() - mark block @index placed, exactly once
 * @s: the session
 * @index: a block ebpfdma_session_check() accepted
 *
 * Context: any; never sleeps.
 * Return: 0, or -EALREADY when another datagram placed it first.
 */
int ebpfdma_session_place(struct ebpfdma_session *s, u32 index)
{
	unsigned long now = jiffies;

	if (test_and_set_bit(index, s->placed))
		return -EALREADY;
	/* Only when it changed: the line is shared by the session's CPUs. */
	if (READ_ONCE(s->active) != now)
		WRITE_ONCE(s->active, now);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_session_place);

/* A placed block's write failed: it may be placed again.  Context: any. */
void ebpfdma_session_unplace(struct ebpfdma_session *s, u32 index)
{
	clear_bit(index, s->placed);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_session_unplace);

/* First block of @index, window-relative. */
u64 ebpfdma_session_lba(const struct ebpfdma_session *s, u32 index)
{
	return s->lba + (((u64)index * s->block_size) >> s->block_shift);
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_session_lba);

/**
 * ebpfdma_session_geometry() - derive a session's blocks from its request
 * @s: the session being made (lba, block_size, block_shift set)
 * @length: the transfer's bytes
 * @window: blocks in the volume's window
 * @slot_size: the pool's slot size
 *
 * Return: 0; -EINVAL: a block size that is not whole logical blocks or
 * exceeds a slot, or an empty transfer; -E2BIG: more than 2^32 blocks;
 * -ERANGE: the transfer does not fit the window from its lba.
 */
int ebpfdma_session_geometry(struct ebpfdma_session *s, u64 length, u64 window,
			     u32 slot_size)
{
	u32 lbs = 1U << s->block_shift;
	u64 blocks, last, lbas;

	if (!length || !s->block_size || s->block_size & (lbs - 1) ||
	    s->block_size > slot_size)
		return -EINVAL;
	blocks = div64_u64(length - 1, s->block_size) + 1;
	if (blocks > 1ULL << 32)
		return -E2BIG;
	last = length - (blocks - 1) * s->block_size;
	lbas = DIV_ROUND_UP_ULL(length, lbs);
	if (ebpfdma_window_check(window, s->lba, lbas))
		return -ERANGE;
	s->blocks = blocks;
	s->last_len = round_up(last, lbs);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_session_geometry);

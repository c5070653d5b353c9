// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma write planning: the checks and decisions of the submission engine
 * that need no device, kept apart so that KUnit tests them directly.
 */
#include <linux/blk_types.h>
#include <kunit/visibility.h>

#include "ebpfdma.h"
#include "uapi/ebpfdma.h"

/**
 * ebpfdma_window_check() - does [@lba, @lba + @nr) lie in a window?
 * @window_blocks: blocks in the window
 * @lba: first block, relative to the window (untrusted)
 * @nr: number of blocks (untrusted)
 *
 * Return: 0, or -ERANGE when the range is empty, starts outside the window,
 * ends past it, or overflows.
 */
int ebpfdma_window_check(u64 window_blocks, u64 lba, u64 nr)
{
	if (!nr || lba >= window_blocks || nr > window_blocks - lba)
		return -ERANGE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_window_check);

/**
 * ebpfdma_windows_overlap() - do two valid windows share a byte?
 * @a_start: first byte of one window
 * @a_len: its length in bytes (>= 1)
 * @b_start: first byte of the other
 * @b_len: its length in bytes (>= 1)
 *
 * The windows passed ebpfdma_window_check() against their device, so
 * neither end overflows.
 * Return: 1 when they overlap, else 0.
 */
int ebpfdma_windows_overlap(u64 a_start, u64 a_len, u64 b_start, u64 b_len)
{
	return a_start < b_start + b_len && b_start < a_start + a_len;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_windows_overlap);

/**
 * ebpfdma_write_opf() - the operation and flags of the engine's bios
 * @desc_flags: the write's EBPFDMA_DESC_* flags
 * @vol_flags: its volume's EBPFDMA_VOL_* flags
 * @fua_all: the fua module parameter
 *
 * REQ_SYNC: a writer waits for each of these writes (its completion is
 * acknowledged to a sender), so write-back throttling and the I/O
 * schedulers must not treat them as background write-back.
 */
blk_opf_t ebpfdma_write_opf(u32 desc_flags, u32 vol_flags, bool fua_all)
{
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC;

	if ((desc_flags & EBPFDMA_DESC_FUA) || (vol_flags & EBPFDMA_VOL_FUA) ||
	    fua_all)
		opf |= REQ_FUA;
	return opf;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_write_opf);

/**
 * ebpfdma_plan_run() - how many queued writes can share one bio
 * @e: the queued writes in queue order (n >= 1)
 * @n: how many
 * @max_writes: most writes merged into one bio (the "batch" tunable)
 * @max_segs: most page segments one bio may carry
 *
 * A run starts at e[0] and takes the following writes while they go to the
 * same volume with the same flags, each starting at the block right after
 * the one before, and the run stays within @max_writes and @max_segs.
 *
 * Return: the run's length, at least 1.
 */
unsigned int ebpfdma_plan_run(const struct ebpfdma_extent *const *e,
			      unsigned int n, unsigned int max_writes,
			      unsigned int max_segs)
{
	unsigned int i, segs = e[0]->segs;

	for (i = 1; i < n && i < max_writes; i++) {
		if (e[i]->volume != e[0]->volume || e[i]->flags != e[0]->flags)
			break;
		if (e[i]->lba != e[i - 1]->lba + e[i - 1]->blocks)
			break;
		if (segs + e[i]->segs > max_segs)
			break;
		segs += e[i]->segs;
	}
	return i;
}
EXPORT_SYMBOL_IF_KUNIT(ebpfdma_plan_run);

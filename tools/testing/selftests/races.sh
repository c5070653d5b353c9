#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root; a test build of the module, the debug kernel's):
# the races a review found, with their windows widened by the module's
# fault injection knobs (kmod/fault.c), on /dev/vdc: the completion ring's
# credits, a volume deleted as its last write completes, a bio that cannot
# take a page, and loading where DMA is not coherent.  KASAN, lockdep and
# the hung-task detector watch; any splat fails the run.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
P=/sys/module/ebpfdma/parameters

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma nr_slots=8 (a test build)" modprobe ebpfdma nr_slots=8
if [ ! -e $P/fault_ring_reserve_us ]; then
	skip "races with widened windows" "this module is not a test build (EBPFDMA_FAULT=y)"
	rmmod ebpfdma
	tap_done
	exit
fi
modprobe dm_mod 2>/dev/null
modprobe dm_delay 2>/dev/null
splats() { dmesg | grep -cE 'KASAN|BUG:|WARNING:|blocked for more than'; }

# Ring credits: completions posted while submitters reserve.  Writes take
# 2 ms, so some complete inside every widened window.
s0=$(splats)
if dmsetup create --noudevsync --verifyudev edma-2ms \
	--table "0 8192 delay /dev/vdc 0 2"; then
	echo 1000 >$P/fault_ring_reserve_us
	echo 1000 >$P/fault_ring_post_us
	run_tap "$bin/engine_test" ringrace /dev/mapper/edma-2ms 20
	echo 0 >$P/fault_ring_reserve_us
	echo 0 >$P/fault_ring_post_us
	dmsetup remove --noudevsync edma-2ms
else
	skip "ring credits under widened windows" "no dm-delay target"
fi
check "no splat while the ring was raced ($s0 -> $(splats))" test "$(splats)" = "$s0"

# Deletion while the last reference is being dropped: 20 ms between the
# last put and the deleter's wake-up.
echo 20000 >$P/fault_volume_release_us
run_tap "$bin/engine_test" delrace /dev/vdc 10
echo 0 >$P/fault_volume_release_us
check "no splat (use-after-free) around VOLUME_DEL ($s0 -> $(splats))" \
	test "$(splats)" = "$s0"

# A bio that refuses a page: the writes fail, none is reported written.
echo 1 >$P/batch
echo 3 >$P/fault_bio_add
run_tap "$bin/engine_test" bioadd /dev/vdc 3
echo 0 >$P/fault_bio_add
echo 32 >$P/batch
check "rmmod ebpfdma" rmmod ebpfdma

# Where DMA is not coherent the module refuses to load, and says why.
check_fails "modprobe refuses to load where DMA is not coherent" \
	"Operation not supported" modprobe ebpfdma fault_dma_sync=1
check "... and the log says why" \
	bash -c 'dmesg | grep -q "DMA is not coherent on this system"'
check "no splat in the whole run" test "$(splats)" = "$s0"
tap_done

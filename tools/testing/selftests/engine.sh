#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the submission engine on /dev/vdc (16 MiB):
# barrier FLUSHes that never block the engine, however many wait behind a
# slow write; a volume being deleted keeps its id and blocks until it is; a barrier that covers exactly the writes queued before it;
# completions posted in the order the block layer completed the bios; the
# device's page cache kept coherent with the module's writes.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
P=/sys/module/ebpfdma/parameters

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
modprobe dm_mod 2>/dev/null
modprobe dm_delay 2>/dev/null
dm() { dmsetup create --noudevsync --verifyudev "$@"; }
undm() { dmsetup remove --noudevsync "$1" 2>/dev/null; }

# 300 barriers behind a write of 1 s: more than a workqueue's 256 active
# items, which blocked barriers used to exhaust, stopping every write.
if dm edma-1s --table "0 8192 delay /dev/vdc 0 1000"; then
	run_tap "$bin/engine_test" barriers /dev/mapper/edma-1s 300
	run_tap "$bin/engine_test" dying /dev/mapper/edma-1s
	undm edma-1s
else
	skip "300 barriers behind a slow write" "no dm-delay target"
fi

# The first 4 MiB fast (linear), the next 4 MiB with writes delayed 3 s
# (reads and flushes not delayed).
if dm edma-split --table "0 8192 linear /dev/vdc 0
8192 8192 delay /dev/vdc 8192 0 /dev/vdc 8192 3000 /dev/vdc 8192 0"; then
	run_tap "$bin/engine_test" scope /dev/mapper/edma-split 8192
	undm edma-split
else
	skip "a barrier covers the writes before it only" "no dm-delay target"
fi

# Completion order: with batch=1 every write is its own bio; null_blk
# completes each as it is queued, and the block layer's tracepoint says in
# which order.  The ring must say the same.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
if [ -d $T/events/block/block_rq_complete ] &&
	modprobe null_blk nr_devices=1 queue_mode=2 irqmode=0 gb=1 2>/dev/null; then
	echo 2 >/sys/block/nullb0/queue/nomerges
	echo 1 >$P/batch
	dev=$(stat -c %t:%T /dev/nullb0)
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo "dev == $(((0x${dev%:*} << 20) | 0x${dev#*:}))" \
		>$T/events/block/block_rq_complete/filter
	echo 1 >$T/events/block/block_rq_complete/enable
	echo 1 >$T/tracing_on
	run_tap "$bin/engine_test" order /dev/nullb0 /tmp/order.cqe
	echo 0 >$T/tracing_on
	echo 0 >$T/events/block/block_rq_complete/enable
	# "... block_rq_complete: 251,0 WS () 8 + 8 [0]": sector 8 = lba 8.
	sed -n 's/.*block_rq_complete: [0-9,]* [A-Z]* ([^)]*) \([0-9]*\) + .*/\1/p' \
		$T/trace >/tmp/order.bio
	check "the block layer traced the 64 completions" \
		test "$(wc -l </tmp/order.bio)" = 64
	check "the ring holds them in the order the bios completed" \
		cmp /tmp/order.bio /tmp/order.cqe
	echo 32 >$P/batch
	echo 0 >$T/events/block/block_rq_complete/filter
	rmmod null_blk
else
	skip "completions in the block layer's order" \
		"needs null_blk and the block_rq_complete tracepoint (event tracing)"
fi

# The device's page cache: a buffered reader sees what SUBMIT wrote.
run_tap "$bin/engine_test" pagecache /dev/vdc $RANDOM /tmp/pc.data
host_check "the 1 MiB written over cached pages reached /dev/vdc" 8388608 1048576 \
	"$(sha256sum /tmp/pc.data | cut -d' ' -f1)" 2

check "rmmod ebpfdma" rmmod ebpfdma
tap_done

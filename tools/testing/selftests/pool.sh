#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the DMA-coherent pool, its mmap and slot ABI
# (pool_test), resizing through sysfs, and the pool's lifetime.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
P=/sys/module/ebpfdma/parameters

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "the pool is allocated at load, in DMA-coherent chunks" \
	bash -c 'dmesg | grep -q "pool of 4096 slots x 4096 bytes in 16 DMA-coherent chunks"'

run_tap "$bin/pool_test"

check "closing the descriptors freed their slots: the pool can be resized" \
	bash -c "echo 2048 > $P/nr_slots"
check "a new descriptor sees 2048 slots x 4096 bytes in 8 chunks" \
	test "$("$bin/pool_test" geometry)" = "2048 4096 1048576 8"
check "slot_size 65536 resizes the pool" bash -c "echo 65536 > $P/slot_size"
check "... to 2048 x 65536 bytes in 128 chunks of 1 MiB" \
	test "$("$bin/pool_test" geometry)" = "2048 65536 1048576 128"
mem=$(cat /sys/class/misc/ebpfdma/pool_memory_bytes)
check "pool_memory_bytes: the 128 MiB of chunks and at most 512 bytes a slot more ($mem)" \
	test "$mem" -ge 134217728 -a "$mem" -le $((134217728 + 2048 * 512))
check_write_error "a pool over 1 GiB is refused: E2BIG" $P/nr_slots 32768 \
	"Argument list too long"
check "... and the pool is kept" \
	test "$("$bin/pool_test" geometry)" = "2048 65536 1048576 128"
check "back to 4096 x 4096" \
	bash -c "echo 4096 > $P/slot_size && echo 4096 > $P/nr_slots"

# A descriptor that is merely open may map the pool or take slots at any
# moment: the pool is not resized under it.
exec 8<>/dev/ebpfdma
check_write_error "resizing while a descriptor is open: EBUSY" $P/nr_slots 1024 \
	"Device or resource busy"
exec 8>&-

flag=/tmp/pool-hold
rm -f "$flag"
"$bin/pool_test" hold "$flag" &
holder=$!
for _ in $(seq 250); do [ -e "$flag" ] && break; sleep 0.02; done
check "a process maps a chunk and closes its descriptor" test -e "$flag"
check_write_error "resizing while a chunk is mapped: EBUSY" $P/nr_slots 1024 \
	"Device or resource busy"
check "... and the parameter keeps its value" test "$(cat $P/nr_slots)" = 4096
check_fails "rmmod is refused while a chunk is mapped" "is in use" \
	rmmod ebpfdma
rm -f "$flag"
wait $holder
check "the mapping kept its data after the descriptor was closed" \
	test $? = 0
check "after the last mapping is gone, resizing works" \
	bash -c "echo 1024 > $P/nr_slots"
check "rmmod ebpfdma" rmmod ebpfdma
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): 50000 random ioctls on /dev/ebpfdma (ioctl_fuzz)
# give only documented errors; the module still works and unloads.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
seed=${EBPFDMA_FUZZ_SEED:-$RANDOM}
echo "# seed $seed (EBPFDMA_FUZZ_SEED=$seed repeats this run)"
run_tap "$bin/ioctl_fuzz" 50000 "$seed"
check "every slot came back when the descriptors closed" \
	bash -c 'echo 2048 > /sys/module/ebpfdma/parameters/nr_slots'
check "rmmod ebpfdma" rmmod ebpfdma
tap_done

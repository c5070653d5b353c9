#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the module's fuzzers.
#   - ioctl_fuzz: random ioctls on /dev/ebpfdma with no volume, then from
#     several threads while a volume and its sessions are added and deleted
#     under them, in the last part of the fuzz disk;
#   - rx_fuzz: mutated wire version 2 datagrams through BPF_PROG_TEST_RUN
#     of the receive program and the kfunc, judged against user space's
#     verdict on each, in the first part of the fuzz disk.
# The host checks that the datagrams' window holds exactly what was placed
# and that nothing was written outside the two windows.
#
# make check runs a few thousand of each; make fuzz runs the issue's
# figures on the debug kernel: EBPFDMA_FUZZ_DATAGRAMS, _IOCTLS, _THREADS,
# _DISK (default /dev/vdn, make check's 8 MiB fuzz disk), _SEED.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
disk=${EBPFDMA_FUZZ_DISK:-/dev/vdn}
datagrams=${EBPFDMA_FUZZ_DATAGRAMS:-4000}
ioctls=${EBPFDMA_FUZZ_IOCTLS:-20000}
threads=${EBPFDMA_FUZZ_THREADS:-4}
S=/sys/class/misc/ebpfdma

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
seed=${EBPFDMA_FUZZ_SEED:-$RANDOM}
echo "# seed $seed (EBPFDMA_FUZZ_SEED=$seed repeats this run)"
run_tap "$bin/ioctl_fuzz" 50000 "$seed"
check "every slot came back when the descriptors closed" \
	bash -c 'echo 2048 > /sys/module/ebpfdma/parameters/nr_slots'

# The disk, in 512-byte blocks: 1 MiB zero, the datagrams' window to the
# middle, 1 MiB zero, the churned volume's window, 1 MiB zero.
sectors=$(blockdev --getsz "$disk") || sectors=0
check "$disk is there for the fuzzers (at least 8 MiB)" test "$sectors" -ge 16384
if [ "$sectors" -ge 16384 ]; then
	idx=$(($(printf '%d' "'${disk#/dev/vd}") - 97))
	zeros() { head -c "$1" /dev/zero | sha256sum | cut -d' ' -f1; }
	half=$((sectors / 2))
	rx_start=2048 rx_blocks=$(((half - 2048) / 8 * 8))
	ch_start=$((half + 2048)) ch_blocks=$((sectors - half - 4096))
	img=/tmp/rx-fuzz.img
	run_tap "$bin/rx_fuzz" "$disk" $rx_start $rx_blocks "$datagrams" "$seed" $img
	for c in placed malformed range no_session expired auth duplicate pool_full ring_full; do
		printf '# rx/%s %s\n' $c "$(cat $S/rx/$c)"
	done
	host_check "the datagrams' window holds exactly what was placed" \
		$((rx_start * 512)) $((rx_blocks * 512)) "$(sha256sum $img | cut -d' ' -f1)" "$idx"
	run_tap "$bin/ioctl_fuzz" "$ioctls" "$seed" "$threads" "$disk" $ch_start $ch_blocks
	host_check "nothing was written before the datagrams' window" 0 1048576 \
		"$(zeros 1048576)" "$idx"
	host_check "nothing was written between the two windows" \
		$((half * 512)) 1048576 "$(zeros 1048576)" "$idx"
	host_check "nothing was written after the churned volume's window" \
		$(((sectors - 2048) * 512)) 1048576 "$(zeros 1048576)" "$idx"
fi
check "every slot is free again" \
	test "$(cat $S/pool_free_slots)" = "$(cat $S/pool_slots)"
check "rmmod ebpfdma" rmmod ebpfdma
tap_done

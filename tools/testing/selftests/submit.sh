#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): volumes and zero-copy SUBMIT on /dev/vdb (a 96 MiB
# disk): the ABI's refusals, 64 MiB of random data whose checksum the host
# compares with the image file, nothing written outside the window, a
# failing device, and deleting or unloading with writes in flight.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN

host_check() { # DESC OFFSET LENGTH SHA256: verified on the host (disk 1)
	printf '%s\t1\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$EBPFDMA_VM_WORK/host-checks.tsv"
}

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "/dev/vdb is the 96 MiB test disk" \
	test "$(blockdev --getsize64 /dev/vdb)" = 100663296

run_tap "$bin/submit_test" abi /dev/vdb
run_tap setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- \
	"$bin/submit_test" noadmin /dev/vdb

# 64 MiB at byte 1 MiB: volume 1 = blocks [2048, +131072) of 512 bytes.
run_tap "$bin/submit_test" write /dev/vdb 2048 131072 64 $RANDOM /tmp/data
sum=$(sha256sum /tmp/data | cut -d' ' -f1)
check "64 MiB of data were generated" test "$(stat -c %s /tmp/data)" = 67108864
host_check "the 64 MiB written by SUBMIT reached the disk" 1048576 67108864 "$sum"
host_check "nothing was written after the window (65..96 MiB is zero)" \
	68157440 31457280 "$(head -c 31457280 /dev/zero | sha256sum | cut -d' ' -f1)"
host_check "nothing was written between the windows (36 KiB..1 MiB is zero)" \
	36864 1011712 "$(head -c 1011712 /dev/zero | sha256sum | cut -d' ' -f1)"

S=/sys/class/misc/ebpfdma
check "statistics: volume1 wrote 64 MiB" test "$(cat $S/volume1/bytes)" = 67108864
check "statistics: volume1 has no errors and nothing in flight" \
	test "$(cat $S/volume1/errors):$(cat $S/volume1/in_flight)" = 0:0
check "statistics: bios + merges = the 16384 writes, with merges" \
	bash -c "b=\$(cat $S/volume1/bios) m=\$(cat $S/volume1/merges);
		[ \$((b + m)) = 16384 ] && [ \$m -gt 0 ]"
check "statistics: the latency histogram counts the 16384 writes" \
	bash -c "[ \$(awk '{ n += \$2 } END { print n }' $S/volume1/latency_us) = 16384 ]"
check "statistics: every slot is free again, the high-water mark was reached" \
	bash -c "[ \$(cat $S/pool_free_slots) = \$(cat $S/pool_slots) ] &&
		[ \$(cat $S/pool_high_water) -gt 0 ] &&
		[ \$(cat $S/in_flight_bios) = 0 ]"

# Device-mapper devices are made without udev (the guest runs none).
# A failing device: every write completes with an error, none as written.
modprobe dm_mod 2>/dev/null
if dmsetup create --noudevsync --verifyudev edma-bad --table "0 8192 error" 2>/dev/null; then
	run_tap "$bin/submit_test" fail /dev/mapper/edma-bad 2
	check "statistics: volume3 counts 512 errors and no byte written" \
		test "$(cat $S/volume3/errors):$(cat $S/volume3/bytes)" = 512:0
else
	skip "writes to a failing device" "dmsetup could not create an error target"
fi

# Writes in flight: a device that delays every write by 200 ms, on
# /dev/vda's blocks from 8 MiB on (volume 1 holds /dev/vdb exclusively;
# the harness test uses /dev/vda's 1..5 MiB only).
if modprobe dm_delay 2>/dev/null &&
	dmsetup create --noudevsync --verifyudev edma-slow \
		--table "0 8192 delay /dev/vda 16384 200" 2>/dev/null; then
	run_tap "$bin/submit_test" drain /dev/mapper/edma-slow
	check "rmmod right after, with writes in flight and three volumes, waits for them" \
		rmmod ebpfdma
	check "... and the module is gone" test ! -e /sys/module/ebpfdma
	check "... having drained volume 5 again (its second life's 32 writes)" \
		test "$(dmesg | grep -c "volume 5 deleted: 131072 bytes written, 0 errors")" = 2
	check "... and deleted volumes 1 and 3" \
		bash -c 'dmesg | grep -q "volume 1 deleted: 67108864 bytes" &&
			dmesg | grep -q "volume 3 deleted: 0 bytes written, 512 errors"'
else
	skip "deleting and unloading with writes in flight" "no dm-delay target"
	rmmod ebpfdma
fi
dmsetup remove --noudevsync edma-slow 2>/dev/null
dmsetup remove --noudevsync edma-bad 2>/dev/null
tap_done

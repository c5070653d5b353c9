#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): volumes and zero-copy SUBMIT on /dev/vdb (a 96 MiB
# disk; /dev/vda is the harness' 64 MiB disk, /dev/vdc and /dev/vdd 16 and
# 8 MiB scratch ones): the ABI's refusals, 64 MiB of random data whose checksum the host
# compares with the image file, nothing written outside the window, a
# failing device, and deleting or unloading with writes in flight.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "/dev/vdb is the 96 MiB test disk" \
	test "$(blockdev --getsize64 /dev/vdb)" = 100663296

run_tap "$bin/submit_test" abi /dev/vdb
run_tap setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- \
	"$bin/submit_test" noadmin /dev/vdb

# 64 MiB at byte 1 MiB: volume 1 = blocks [2048, +131072) of 512 bytes.
run_tap "$bin/submit_test" write /dev/vdb 1 2048 131072 64 $RANDOM /tmp/data
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

# The batch tunable: with batch=1 no write rides in another's bio.  4 MiB
# to /dev/vda from 16 MiB on (the harness test uses its 1..5 MiB).
P=/sys/module/ebpfdma/parameters
check_write_error "batch 0 is refused: ERANGE" $P/batch 0 \
	"Numerical result out of range"
check_write_error "batch 65 is refused: ERANGE" $P/batch 65 \
	"Numerical result out of range"
check_write_error "max_in_flight 0 is refused: ERANGE" $P/max_in_flight 0 \
	"Numerical result out of range"
check "batch 1" bash -c "echo 1 > $P/batch"
flushes() { awk '{ print $16 }' "/sys/block/$1/stat"; }
f0=$(flushes vda)
run_tap "$bin/submit_test" write /dev/vda 4 32768 8192 4 $RANDOM /tmp/data4
f1=$(flushes vda)
host_check "the 4 MiB written with batch=1 reached /dev/vda" 16777216 4194304 \
	"$(sha256sum /tmp/data4 | cut -d' ' -f1)" 0
check "statistics: with batch=1, 1024 bios and no merge" \
	test "$(cat $S/volume4/bios):$(cat $S/volume4/merges)" = 1024:0
check "batch back to 32" bash -c "echo 32 > $P/batch"

# The FUA volume flag.  virtio-blk here has no FUA, so the block layer
# turns each FUA write into a write and a flush: the disk's flush count
# (field 16 of /sys/block/<disk>/stat) shows it.  1 MiB to a FUA volume on
# /dev/vdd (volume 4 holds /dev/vda exclusively).
check "a volume without FUA made the disk flush nothing ($f0 -> $f1)" \
	test "$f1" = "$f0"
f1=$(flushes vdd)
run_tap "$bin/submit_test" write /dev/vdd 6 0 2048 1 $RANDOM /tmp/data6 1
f2=$(flushes vdd)
bios6=$(cat $S/volume6/bios 2>/dev/null)
# (The block layer merges the post-flushes of concurrent FUA writes, so
# there are fewer flushes than bios, but never none.)
check "a FUA volume (EBPFDMA_VOL_FUA) made the disk flush ($f1 -> $f2 for $bios6 bios)" \
	test -n "$bios6" -a $((f2 - f1)) -gt 0
host_check "the 1 MiB written with FUA reached /dev/vdd" 0 1048576 \
	"$(sha256sum /tmp/data6 | cut -d' ' -f1)" 3

# A device without a volatile write cache: completed writes are durable,
# and the module says so (VOL_STABLE, CQE_STABLE).  /dev/vdc's cache is
# turned off and on through sysfs.
wc=/sys/block/vdc/queue/write_cache
check "/dev/vdc has a volatile write cache (cache=writeback)" \
	grep -qx "write back" $wc
run_tap "$bin/submit_test" stable /dev/vdc 0
check "turn /dev/vdc's write cache off" bash -c "echo 'write through' > $wc"
run_tap "$bin/submit_test" stable /dev/vdc 1
check "... and the module logs that the hardware says otherwise" \
	bash -c "dmesg | grep -q 'vdc has a volatile write cache but write_cache says .write through.'"
check "turn it on again" bash -c "echo 'write back' > $wc"

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

# Writes in flight: a device that delays every write by 200 ms, over
# /dev/vdc (volumes 1 and 4 hold /dev/vdb and /dev/vda exclusively).
if modprobe dm_delay 2>/dev/null &&
	dmsetup create --noudevsync --verifyudev edma-slow \
		--table "0 8192 delay /dev/vdc 0 200" 2>/dev/null; then
	# max_in_flight, seen through in_flight_bios while 32 writes of
	# 200 ms each are queued (batch=1: one bio per write): with 64 more
	# than one bio is in flight, with 1 never more than one.
	echo 1 >$P/batch
	peak() { # run the drain test, printing the most bios seen in flight
		local most=0 n
		# One CPU: max_in_flight is a limit per CPU.
		taskset -c 0 "$bin/submit_test" drain /dev/mapper/edma-slow \
			>/tmp/drain.tap 2>&1 &
		local pid=$!
		# Builtins only: forking per sample is too slow on the debug
		# kernel to see a 200 ms window.
		while kill -0 $pid 2>/dev/null; do
			read -r n <$S/in_flight_bios
			[ "$n" -gt "$most" ] && most=$n
		done
		wait $pid
		echo $? >/tmp/drain.rc
		echo "$most"
	}
	most=$(peak)
	run_tap cat /tmp/drain.tap
	check "submit_test drain exits 0" test "$(cat /tmp/drain.rc)" = 0
	check "max_in_flight 64: more than one bio in flight ($most)" test "$most" -gt 1
	check "rmmod right after, with writes in flight and five volumes, waits for them" \
		rmmod ebpfdma
	check "... having deleted volumes 1, 3, 4 and 6" \
		bash -c 'dmesg | grep -q "volume 1 deleted: 67108864 bytes" &&
			dmesg | grep -q "volume 3 deleted: 0 bytes written, 512 errors" &&
			dmesg | grep -q "volume 4 deleted: 4194304 bytes" &&
			dmesg | grep -q "volume 6 deleted: 1048576 bytes"'
	check "modprobe ebpfdma max_in_flight=1 batch=1" \
		modprobe ebpfdma max_in_flight=1 batch=1
	most=$(peak)
	check "max_in_flight 1: exactly one bio in flight at a time ($most)" \
		test "$most" = 1
	run_tap cat /tmp/drain.tap
	check "submit_test drain exits 0" test "$(cat /tmp/drain.rc)" = 0
	check "rmmod with one bio in flight at a time waits for every write" \
		rmmod ebpfdma
	check "... and the module is gone" test ! -e /sys/module/ebpfdma
	check "... volume 5 was drained at every deletion (4 x 32 writes)" \
		test "$(dmesg | grep -c "volume 5 deleted: 131072 bytes written, 0 errors")" = 4
else
	skip "deleting and unloading with writes in flight" "no dm-delay target"
	rmmod ebpfdma
fi
dmsetup remove --noudevsync edma-slow 2>/dev/null
dmsetup remove --noudevsync edma-bad 2>/dev/null
tap_done

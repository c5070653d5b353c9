#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): ebpfdma.ko loads with modprobe, registers
# /dev/ebpfdma and its validated parameters, carries BTF, and unloads
# cleanly.
. "$(dirname "$0")/tap.sh"

P=/sys/module/ebpfdma/parameters
rmmod ebpfdma 2>/dev/null

check "modprobe ebpfdma" modprobe ebpfdma
check "/dev/ebpfdma is a character device" test -c /dev/ebpfdma
check "/dev/ebpfdma is root:root mode 0600" \
	test "$(stat -c %a:%U:%G /dev/ebpfdma)" = 600:root:root
check "ebpfdma is a misc device" grep -qw ebpfdma /proc/misc
check "the load is logged with the module's prefix" \
	bash -c 'dmesg | grep -q "ebpfdma: loaded: /dev/ebpfdma"'
check "nr_slots defaults to 4096" test "$(cat $P/nr_slots)" = 4096
check "slot_size defaults to 4096" test "$(cat $P/slot_size)" = 4096
check "parameters are root-writable, world-readable" \
	test "$(stat -c %a $P/nr_slots):$(stat -c %a $P/slot_size)" = 644:644

check_write_error "slot_size 4095 (not a power of two) refused: EINVAL" \
	$P/slot_size 4095 "Invalid argument"
check_write_error "slot_size 256 (below 512) refused: ERANGE" \
	$P/slot_size 256 "Numerical result out of range"
check_write_error "slot_size 2097152 (above 1 MiB) refused: ERANGE" \
	$P/slot_size 2097152 "Numerical result out of range"
check_write_error "slot_size 4k (not a number) refused: EINVAL" \
	$P/slot_size 4k "Invalid argument"
check_write_error "nr_slots 7 refused: ERANGE" $P/nr_slots 7 \
	"Numerical result out of range"
check_write_error "nr_slots -1 refused: EINVAL" $P/nr_slots -1 \
	"Invalid argument"
check "refused values are not stored" \
	test "$(cat $P/nr_slots):$(cat $P/slot_size)" = 4096:4096
check "a refusal is logged with its reason" \
	bash -c "dmesg | grep -q \"ebpfdma: slot_size: '4095' refused (-22)\""
check "slot_size 8192 accepted" bash -c "echo 8192 > $P/slot_size"
check "slot_size reads back 8192" test "$(cat $P/slot_size)" = 8192
check "nr_slots 0x100 accepted as 256" \
	bash -c "echo 0x100 > $P/nr_slots && test \$(cat $P/nr_slots) = 256"

check "module BTF is registered" test -s /sys/kernel/btf/ebpfdma
check "bpftool lists the module BTF" \
	bash -c 'bpftool btf list | grep -qF "name [ebpfdma]"'
check "bpftool dumps the module BTF" \
	bash -c 'bpftool btf dump file /sys/kernel/btf/ebpfdma >/dev/null'

check_fails "an unprivileged user cannot open /dev/ebpfdma" \
	"Permission denied" setpriv --reuid 65534 --regid 65534 --clear-groups -- \
	bash -c ': </dev/ebpfdma'
check "root can open /dev/ebpfdma" bash -c ': </dev/ebpfdma'

exec 3</dev/ebpfdma
check_fails "rmmod refused while /dev/ebpfdma is open" "is in use" \
	rmmod ebpfdma
exec 3<&-
check "rmmod ebpfdma" rmmod ebpfdma
check "/dev/ebpfdma is gone" test ! -e /dev/ebpfdma
check "/sys/module/ebpfdma is gone" test ! -e /sys/module/ebpfdma
check "the unload is logged" bash -c 'dmesg | grep -q "ebpfdma: unloaded"'

check_fails "modprobe with nr_slots=7 is refused: ERANGE" \
	"Numerical result out of range" modprobe ebpfdma nr_slots=7
check "... and leaves no module behind" test ! -e /sys/module/ebpfdma
check_fails "modprobe with a 4 GiB pool is refused: E2BIG" \
	"Argument list too long" modprobe ebpfdma nr_slots=1048576 slot_size=4096
check "... naming the limit" \
	bash -c 'dmesg | grep -q "pool of 1048576 slots x 4096 bytes exceeds"'
check "modprobe with nr_slots=8192 slot_size=16384 (a 128 MiB pool)" \
	modprobe ebpfdma nr_slots=8192 slot_size=16384
check "... takes both values" \
	test "$(cat $P/nr_slots):$(cat $P/slot_size)" = 8192:16384
check "rmmod" rmmod ebpfdma
check_fails "a pool larger than the guest's memory: ENOMEM, not a crash" \
	"Cannot allocate memory" modprobe ebpfdma nr_slots=65536 slot_size=16384
check "... saying which allocation failed" \
	bash -c 'dmesg | grep -q "ebpfdma: pool: chunk [0-9]* of 1024 (1048576 bytes) could not be allocated"'
check "... and leaving no module behind" test ! -e /sys/module/ebpfdma
check "modprobe ebpfdma" modprobe ebpfdma
check "rmmod" rmmod ebpfdma

# Five on the debug kernel, where each takes seconds: a leak or a
# refcount left behind shows in the first (kmemleak, debug objects).
cycles=20
case $(uname -r) in *debug*) cycles=5 ;; esac
loops_ok() {
	local i
	for i in $(seq $cycles); do
		modprobe ebpfdma || return 1
		: </dev/ebpfdma || return 1
		rmmod ebpfdma || return 1
	done
}
check "$cycles load / open / unload cycles" loops_ok
tap_done

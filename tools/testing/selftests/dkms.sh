#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the module that DKMS built and installed (to
# updates/dkms/ of the guest's module tree) loads with a plain modprobe.
. "$(dirname "$0")/tap.sh"

path=$(modinfo -n ebpfdma 2>&1)
check "modinfo finds ebpfdma under updates/dkms" \
	bash -c "case '$path' in */updates/dkms/ebpfdma.ko*) ;; *) false ;; esac"
check "the DKMS module is built for the running kernel" \
	test "$(modinfo -F vermagic ebpfdma | cut -d' ' -f1)" = "$(uname -r)"
check "modprobe ebpfdma" modprobe ebpfdma
check "/dev/ebpfdma exists" test -c /dev/ebpfdma
check "the DKMS module carries BTF" test -s /sys/kernel/btf/ebpfdma
check "rmmod ebpfdma" rmmod ebpfdma
tap_done

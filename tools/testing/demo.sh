#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the end-to-end run on a fresh Debian 12 machine.  Installs what
# is missing, builds ebpfdma.ko with BTF for Debian's stock kernel, boots
# that kernel under qemu, loads the module with modprobe and shows what it
# offers.  The last line is "demo: OK" or "demo: FAILED".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
cd "$top"

fail() {
	echo "demo: FAILED ($*)"
	exit 1
}

"$here/deps.sh" || fail "cannot install the packages"
release=$(stock_kernel_release)
[ -n "$release" ] || fail "no Debian stock kernel installed"
out=$top/build/$release
tools/build/build-module.sh "/usr/src/linux-headers-$release" "$out" ||
	fail "the module does not build"
"$here/modtree.sh" "$release" / "$out/modroot" "$out/ebpfdma.ko" ||
	fail "cannot prepare the guest's module tree"

note "booting $release under qemu (software emulation may take a minute)"
"$here/vm-run.sh" --kernel stock --modules "$out/modroot" \
	--work "$top/build/demo" -- bash -c '
	set -e
	echo "# modprobe ebpfdma"
	modprobe ebpfdma
	echo "# ls -l /dev/ebpfdma"
	ls -l /dev/ebpfdma
	echo "# grep . /sys/module/ebpfdma/parameters/*"
	grep . /sys/module/ebpfdma/parameters/*
	echo "# bpftool btf list | grep ebpfdma"
	bpftool btf list | grep -F "[ebpfdma]"
	echo "# dmesg | grep ebpfdma:"
	dmesg | grep "ebpfdma:"
	echo "# rmmod ebpfdma"
	rmmod ebpfdma
	' || fail "the guest run failed (console log: $top/build/demo/console.log)"
echo "demo: OK"

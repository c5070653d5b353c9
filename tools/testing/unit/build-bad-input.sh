#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host): the module build refuses bad input with a message that
# names the problem and the fix, and leaves no module behind.
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/selftests/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build() {
	make -s -C "$top" module KDIR="$1" OUT="$tmp/out"
}
no_module() {
	! ls "$tmp"/out/*.ko >/dev/null 2>&1
}

check_fails "a KDIR that does not exist is refused" \
	"is not a prepared kernel build tree: install the matching linux-headers package" \
	build /nonexistent/kernel
check_fails "a KDIR that is not a kernel tree is refused" \
	"is not a prepared kernel build tree" build "$tmp"
check_fails "no kernel headers at all: says which package to install" \
	"apt-get install linux-headers-amd64" build ""

# A kernel tree whose configuration lacks module BTF.
fake=$tmp/kernel
mkdir -p "$fake/include/generated" "$fake/include/config"
echo '#define UTS_RELEASE "6.1.0-nobtf"' >"$fake/include/generated/utsrelease.h"
touch "$fake/Makefile"
printf 'CONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_NET=y\n' >"$fake/include/config/auto.conf"
check_fails "a kernel without CONFIG_DEBUG_INFO_BTF_MODULES is refused, by name" \
	"lacks CONFIG_DEBUG_INFO_BTF_MODULES=y" build "$fake"
printf 'CONFIG_DEBUG_INFO_BTF=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\n' >"$fake/include/config/auto.conf"
check_fails "a kernel without CONFIG_BPF_SYSCALL is refused, by name" \
	"lacks CONFIG_BPF_SYSCALL=y" build "$fake"
check "none of these left a module behind" no_module

# The module compiles but its BTF cannot be made (here: pahole fails):
# the build fails, says why, and removes the .ko.
. "$here/lib.sh"
rel=$(stock_kernel_release)
if [ -n "$rel" ] && [ -d "/usr/src/linux-headers-$rel" ]; then
	mkdir -p "$tmp/bin"
	printf '#!/bin/sh\necho "pahole: simulated failure" >&2\nexit 1\n' >"$tmp/bin/pahole"
	chmod +x "$tmp/bin/pahole"
	check_fails "a failing BTF step fails the build, saying why" \
		"module BTF could not be generated" \
		env PATH="$tmp/bin:$PATH" make -s -C "$top" module \
		KDIR="/usr/src/linux-headers-$rel" OUT="$tmp/out"
	check "... and leaves no .ko without BTF behind" no_module
	check "... though the compile itself ran" test -f "$tmp/out/ebpfdma.o"
else
	skip "a failing BTF step fails the build" "no stock kernel headers installed"
fi
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# module-btf.sh KDIR MODULE.ko...
#
# Make sure each module carries a .BTF section (kfuncs cannot be registered
# without it).  A kernel build tree that has vmlinux and resolve_btfids
# already did this in scripts/Makefile.modfinal; Debian's linux-headers
# packages have neither, so for them:
#   - resolve_btfids is built once from Debian's linux-source-6.1 and cached,
#     or is the ebpfdma-dkms package's (btf-helpers.sh, $EBPFDMA_HELPERS);
#   - the base BTF is /sys/kernel/btf/vmlinux when KDIR is the running
#     kernel's, else the vmlinux extracted from /boot/vmlinuz-<release>;
#   - pahole -J --btf_base (with the kernel's own pahole-flags.sh) and
#     resolve_btfids -b are run on the module, as Makefile.modfinal would.
# Nothing is written under KDIR, /usr/src or /lib/modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testing/lib.sh"

[ $# -ge 2 ] || die "usage: $0 KDIR MODULE.ko..."
kdir=$1
shift

has_btf() {
	grep -q ' \.BTF ' < <(readelf -S -W "$1" 2>/dev/null)
}

release=$(kdir_release "$kdir")
[ -n "$release" ] ||
	die "$kdir is not a prepared kernel build tree (no include/generated/utsrelease.h)"

if [ -f "$kdir/vmlinux" ]; then
	for ko in "$@"; do
		has_btf "$ko" || die "$ko has no .BTF although $kdir has vmlinux: is pahole (package dwarves) installed?"
	done
	exit 0
fi

command -v pahole >/dev/null || die "pahole not found (apt-get install dwarves)"

# Base BTF of the target kernel.
if [ "$release" = "$(uname -r)" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	base=/sys/kernel/btf/vmlinux
else
	vmlinuz=/boot/vmlinuz-$release
	[ -r "$vmlinuz" ] ||
		die "no base BTF for $release: $vmlinuz is missing (install linux-image-$release)"
	base=$EBPFDMA_CACHE/vmlinux/$release
	if [ ! -s "$base" ] || [ "$base" -ot "$vmlinuz" ]; then
		if [ -x "$EBPFDMA_HELPERS/extract-vmlinux" ]; then
			extract=$EBPFDMA_HELPERS/extract-vmlinux
		else
			extract=$(linux_source_tree)/scripts/extract-vmlinux
		fi
		mkdir -p "$(dirname "$base")"
		"$extract" "$vmlinuz" >"$base.tmp" ||
			die "cannot extract vmlinux from $vmlinuz (needs xz-utils)"
		mv "$base.tmp" "$base"
	fi
	grep -q ' \.BTF ' < <(readelf -S -W "$base") ||
		die "$vmlinuz has no BTF: the target kernel needs CONFIG_DEBUG_INFO_BTF=y"
fi

resolve_btfids=$("$here/resolve-btfids.sh")
flags=$(PAHOLE=pahole "$kdir/scripts/pahole-flags.sh")

for ko in "$@"; do
	# Start from the linked module without BTF so that re-running is safe.
	objcopy --remove-section=.BTF "$ko" 2>/dev/null || true
	# shellcheck disable=SC2086 # flags is a word list
	LLVM_OBJCOPY=objcopy pahole -J $flags --btf_base "$base" "$ko" ||
		die "pahole failed on $ko"
	"$resolve_btfids" -b "$base" "$ko" || die "resolve_btfids failed on $ko"
	has_btf "$ko" || die "$ko still has no .BTF section after pahole"
	echo "  BTF     $ko (base: $base)"
done

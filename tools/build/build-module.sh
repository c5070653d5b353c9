#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR OUTDIR
#
# Build ebpfdma.ko (and, for a kernel with CONFIG_KUNIT, the KUnit module)
# for the kernel build tree KDIR, out of the source tree: OUTDIR holds
# symbolic links to the sources and every build product, so one checkout
# builds for several kernels side by side.  The module always carries .BTF.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tools/testing/lib.sh"

[ $# -eq 2 ] || die "usage: $0 KDIR OUTDIR"
kdir=$1
out=$2

[ -n "$kdir" ] ||
	die "no kernel build tree found: apt-get install linux-headers-amd64, or pass KDIR=<kernel build dir>"
[ -n "$(kdir_release "$kdir")" ] && [ -f "$kdir/Makefile" ] ||
	die "KDIR=$kdir is not a prepared kernel build tree: install the matching linux-headers package, or pass KDIR=<kernel build dir>"

conf=$kdir/include/config/auto.conf
for opt in CONFIG_BPF_SYSCALL CONFIG_DEBUG_INFO_BTF CONFIG_DEBUG_INFO_BTF_MODULES \
	CONFIG_NET CONFIG_BLOCK CONFIG_HAS_DMA; do
	grep -qx "$opt=y" "$conf" ||
		die "kernel $(kdir_release "$kdir") lacks $opt=y: ebpfdma needs BPF with module BTF; use a kernel built with it (Debian's stock kernels are)"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Mirror the sources as links; drop links whose source file went away.
find "$out" -type l ! -exec test -e {} \; -delete
cp -rsf "$top/Kbuild" "$top/dkms.conf" "$top/kmod" "$top/uapi" "$top/bpf" "$top/kunit" "$out/"

# Under make (DKMS: "make -jN module"), the jobs are the caller's, if its
# jobserver reached us (a recipe without "+" names it in MAKEFLAGS but
# closes it); else one per CPU.
jobs=(-j"$(nproc)")
case " ${MAKEFLAGS:-} " in
*" --jobserver-auth="*)
	auth=${MAKEFLAGS##*--jobserver-auth=}
	auth=${auth%% *}
	case $auth in
	fifo:*) [ ! -p "${auth#fifo:}" ] || jobs=() ;;
	*) [ ! -e "/proc/self/fd/${auth%%,*}" ] || jobs=() ;;
	esac
	;;
esac
make ${jobs[@]+"${jobs[@]}"} -C "$kdir" M="$out" ${EBPFDMA_WERROR:+KCFLAGS=-Werror} \
	${EBPFDMA_FAULT:+EBPFDMA_FAULT=$EBPFDMA_FAULT} \
	${EBPFDMA_KCOV:+EBPFDMA_KCOV=$EBPFDMA_KCOV} modules
kos=("$out/ebpfdma.ko")
# A module without BTF is not a build product: remove it rather than leave
# a .ko that loads but cannot offer its kfuncs.
"$here/module-btf.sh" "$kdir" "${kos[@]}" || {
	rm -f "${kos[@]}"
	die "module BTF could not be generated; ${kos[*]} removed"
}

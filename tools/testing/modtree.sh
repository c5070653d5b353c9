#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# modtree.sh RELEASE MODBASE OUTDIR MODULE.ko...
#
# Make OUTDIR/lib/modules/RELEASE: the kernel's modules from
# MODBASE/lib/modules/RELEASE (hard links where the file system allows,
# else copies) plus the given modules under $EBPFDMA_MOD_SUBDIR (default
# extra/; DKMS installs to updates/dkms/), indexed by depmod.  The
# test guest binds it over /lib/modules, so "modprobe ebpfdma" works there
# as on a server, without touching the host's /lib/modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 3 ] || die "usage: $0 RELEASE MODBASE OUTDIR [MODULE.ko...]"
release=$1 modbase=$2 out=$3
shift 3
src=$modbase/lib/modules/$release
dst=$out/lib/modules/$release
[ -d "$src/kernel" ] || die "no modules for $release in $src"

# Relink when the source tree changed: two kernels may share a release
# string (the debug kernel after a configuration change).
stamp="$src $(stat -c %Y "$src/modules.dep")"
if [ "$(cat "$dst/.linked" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$dst"
	mkdir -p "$(dirname "$dst")"
	cp -al "$src" "$dst" 2>/dev/null || { rm -rf "$dst"; cp -a "$src" "$dst"; }
	# Drop links to build trees and extra modules of the source tree.
	rm -rf "$dst/build" "$dst/source" "$dst/extra" "$dst/updates"
	echo "$stamp" >"$dst/.linked"
fi
sub=${EBPFDMA_MOD_SUBDIR:-extra}
rm -rf "$dst/extra" "$dst/updates"
mkdir -p "$dst/$sub"
for ko in "$@"; do
	cp "$ko" "$dst/$sub/"
done
depmod -b "$out" "$release"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh RELEASE MODBASE [INIT]
#
# Build (once, cached) the test guest's initramfs for kernel RELEASE: static
# busybox, the first-stage init (default: initramfs-init) and the modules
# that reach the host root over virtio 9p, taken from
# MODBASE/lib/modules/RELEASE in dependency order (none when built in).
# Prints the path of the gzip'ed cpio archive.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

release=$1 modbase=$2 init=${3:-$here/initramfs-init}
[ -x /bin/busybox ] || die "/bin/busybox not found (apt-get install busybox-static)"
key=$(cat "$init" "$0" /bin/busybox | sha256sum | cut -c1-12)
out=$EBPFDMA_CACHE/initramfs/$release-$(echo "$modbase" | sha256sum | cut -c1-8)-$key.cpio.gz
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,newroot}
cp /bin/busybox "$tmp/bin/busybox"
cp "$init" "$tmp/init"
chmod 755 "$tmp/init"
: >"$tmp/modules.order"
modprobe -d "$modbase" -S "$release" --show-depends -a virtio_pci 9pnet_virtio 9p |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		mkdir -p "$tmp/$(dirname "${ko#"$modbase"}")"
		cp "$ko" "$tmp/${ko#"$modbase"}"
		echo "${ko#"$modbase"}" | sed 's|^/*|/|' >>"$tmp/modules.order"
	done
mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"

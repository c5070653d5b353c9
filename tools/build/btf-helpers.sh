#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# btf-helpers.sh OUTDIR: the two programs module-btf.sh needs from the
# kernel's source that Debian's linux-headers lack, built once into OUTDIR
# (the ebpfdma-dkms package ships them in /usr/lib/ebpfdma, so that DKMS
# builds need no kernel source at all): resolve_btfids, and
# extract-vmlinux (the base BTF of a kernel that is not running yet).
# Only tools/ and scripts/ of Debian's linux-source-6.1 are extracted
# (about 70 MB, not the whole 1.5 GB tree).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testing/lib.sh"
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
out=$(mkdir -p "$1" && cd "$1" && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] ||
	die "Debian package linux-source-6.1 is not installed (apt-get install linux-source-6.1)"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar -xJf "$tarball" -C "$src" --strip-components=1 \
	linux-source-6.1/tools linux-source-6.1/scripts ||
	die "cannot extract tools/ and scripts/ from $tarball"
mkdir -p "$src/out"
make -s -C "$src/tools/bpf/resolve_btfids" OUTPUT="$src/out/" >"$src/build.log" 2>&1 ||
	{ tail -n 20 "$src/build.log" >&2; die "cannot build resolve_btfids (needs libelf-dev zlib1g-dev)"; }
install -m 755 "$src/out/resolve_btfids" "$out/resolve_btfids"
install -m 755 "$src/scripts/extract-vmlinux" "$out/extract-vmlinux"
echo "$out"

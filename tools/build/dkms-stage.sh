#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-stage.sh DIR: copy what DKMS needs to build the module into
# DIR/ebpfdma-<version>/ (DIR is /usr/src for "make dkms-install") and
# print that path.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 1; }
dst=$1/ebpfdma-$("$top/tools/build/version.sh")
rm -rf "$dst"
mkdir -p "$dst"
cd "$top"
cp -a --parents Kbuild Makefile dkms.conf kmod uapi bpf kunit tools/build \
	tools/testing/lib.sh "$dst/"
echo "$dst"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build resolve_btfids once from Debian's linux-source-6.1 (Debian's
# linux-headers do not ship it) and print its path; or print the one in
# $EBPFDMA_HELPERS (default /usr/lib/ebpfdma, the ebpfdma-dkms package's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testing/lib.sh"

# The package's (btf-helpers.sh built it): no kernel source needed.
if [ -x "$EBPFDMA_HELPERS/resolve_btfids" ]; then
	echo "$EBPFDMA_HELPERS/resolve_btfids"
	exit 0
fi
out=$EBPFDMA_CACHE/resolve_btfids/$(linux_source_version)
if [ ! -x "$out/resolve_btfids" ]; then
	src=$(linux_source_tree)
	rm -rf "$out"
	mkdir -p "$out"
	make -s -C "$src/tools/bpf/resolve_btfids" OUTPUT="$out/" >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; die "cannot build resolve_btfids (needs libelf-dev zlib1g-dev)"; }
fi
echo "$out/resolve_btfids"

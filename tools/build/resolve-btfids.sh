#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build resolve_btfids once from Debian's linux-source-6.1 (Debian's
# linux-headers do not ship it) and print its path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testing/lib.sh"

out=$EBPFDMA_CACHE/resolve_btfids/$(linux_source_version)
if [ ! -x "$out/resolve_btfids" ]; then
	src=$(linux_source_tree)
	rm -rf "$out"
	mkdir -p "$out"
	make -s -C "$src/tools/bpf/resolve_btfids" OUTPUT="$out/" >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; die "cannot build resolve_btfids (needs libelf-dev zlib1g-dev)"; }
fi
echo "$out/resolve_btfids"

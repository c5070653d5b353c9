#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) for the harness's machine-wide cache: two builds at
# once (make check and make bench, the debug kernel and a module) may both
# need the kernel source extracted.  Two callers of
# linux_source_tree at once, on an empty cache, must extract it once and
# both find the whole tree.  The stand-in tarball takes far longer to
# extract than the two callers take to start.
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
. "$here/selftests/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A "linux-6.1/" tree of 200 files of 64 KiB of random bytes (xz cannot
# shrink them: their extraction takes a few hundred milliseconds).
mkdir -p "$tmp/tree/linux-6.1/sub"
for i in $(seq 200); do
	head -c 65536 /dev/urandom >"$tmp/tree/linux-6.1/sub/f$i"
done
echo top >"$tmp/tree/linux-6.1/Makefile"
tar -cf - -C "$tmp/tree" linux-6.1 | xz -0 -T1 >"$tmp/src.tar.xz"
want=$(cd "$tmp/tree/linux-6.1" && find . -type f -exec sha256sum {} + | sort | sha256sum)

linux_source_version() { echo 6.1.0-test; }
export EBPFDMA_LINUX_SOURCE_TARBALL=$tmp/src.tar.xz EBPFDMA_CACHE=$tmp/cache
for n in 1 2; do
	(linux_source_tree >"$tmp/out$n" 2>"$tmp/err$n"; echo $? >"$tmp/rc$n") &
done
wait
dir=$tmp/cache/src/6.1.0-test
check "two callers at once: both succeed, both name $dir" \
	bash -c "[ \"\$(cat $tmp/rc1 $tmp/rc2)\" = '0
0' ] && [ \"\$(cat $tmp/out1)\" = $dir ] && [ \"\$(cat $tmp/out2)\" = $dir ]"
n=$(cat "$tmp/err1" "$tmp/err2" | grep -c extracting)
check "... the source was extracted once ($n extractions)" test "$n" = 1
got=$(cd "$dir" && find . -type f ! -name .extracted -exec sha256sum {} + | sort | sha256sum)
check "... and the tree is whole: every file, byte for byte" test "$got" = "$want"
check "a third caller finds it without extracting again" \
	bash -c ". '$here/lib.sh'; linux_source_version() { echo 6.1.0-test; }
		[ \"\$(linux_source_tree 2>$tmp/err3)\" = $dir ] && ! grep -q extracting $tmp/err3"
tap_done

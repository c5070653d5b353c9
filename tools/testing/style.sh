#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel coding style of the kernel-side sources, as TAP: the kernel's
# .clang-format (copied at the top of the tree) and checkpatch.pl --no-tree
# from Debian's linux-source-6.1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

src=$(linux_source_tree) || exit 1
cd "$top"
files=$(ls kmod/*.[ch] kunit/*.[ch] uapi/*.h bpf/*.[ch] 2>/dev/null)
n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}
echo "TAP version 13"
for f in $files; do
	out=$(clang-format --style=file --dry-run --Werror "$f" 2>&1)
	rc=$?
	[ $rc = 0 ] || printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	result $rc "clang-format: $f"
	# compat.h is the one place that compares kernel versions.
	ignore=
	[ "$f" = kmod/compat.h ] && ignore=LINUX_VERSION_CODE,CONSTANT_COMPARISON
	# libbpf's read-only configuration is "const volatile" by design.
	case $f in bpf/*.bpf.c) ignore=VOLATILE ;; esac
	out=$("$src/scripts/checkpatch.pl" --no-tree --terse --show-types \
		${ignore:+--ignore $ignore} -f "$f" 2>&1)
	rc=$?
	[ $rc = 0 ] || printf '%s\n' "$out" | head -n 20 | sed 's/^/# /'
	result $rc "checkpatch: $f"
done
echo "1..$n"
[ $failed = 0 ]

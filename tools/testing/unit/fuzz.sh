#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzz targets (tools/fuzz/), on the host: each built with libFuzzer,
# ASan and UBSan, then run once on every seed of its corpus and every
# finding kept in tools/fuzz/regress/ (inputs that broke a property
# before their fix).  A few seconds; make fuzz is the long run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

targets="kwire wire2 control handshake config store_name"
make -s -C "$top" fuzz-build >"$tmp/build.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 20 "$tmp/build.log" | sed 's/^/# /'
check "the fuzz targets and the seed writer build (clang, libFuzzer, ASan, UBSan)" test $rc = 0
[ $rc = 0 ] || { tap_done; exit; }
check "the seed writer writes a corpus for each target" \
	bash -c "'$top/build/fuzz/seeds' '$tmp/seeds' && for t in $targets; do ls '$tmp/seeds/'\$t/* >/dev/null || exit 1; done"

for t in $targets; do
	inputs=("$tmp/seeds/$t"/*)
	seeds=${#inputs[@]}
	kept=0
	if [ -d "$top/tools/fuzz/regress/$t" ]; then
		for f in "$top/tools/fuzz/regress/$t"/*; do
			[ -f "$f" ] || continue
			inputs+=("$f")
			kept=$((kept + 1))
		done
	fi
	"$top/build/fuzz/${t}_fuzz" "${inputs[@]}" >"$tmp/$t.log" 2>&1
	rc=$?
	ran=$(grep -c '^Executed ' "$tmp/$t.log")
	[ $rc = 0 ] && [ "$ran" = ${#inputs[@]} ] ||
		grep -E 'broken|ERROR|SUMMARY|Running' "$tmp/$t.log" | tail -n 8 | sed 's/^/# /'
	check "fuzz/$t: its $seeds seeds and $kept kept findings run clean (exit $rc, $ran run)" \
		test $rc = 0 -a "$ran" = ${#inputs[@]}
done
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) of tools/lib/wire2.c and tools/lib/keyfile.c
# (libsodium), built by "make selftests", and of "ebpfdmactl genkey".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/selftests/tap.sh"

run_tap "$top/build/unit/wire2_test"

ctl=$top/build/tools/ebpfdmactl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check "ebpfdmactl genkey FILE makes a key file" "$ctl" genkey "$tmp/k"
check "... of mode 0600, 64 hexadecimal digits and a newline" \
	bash -c "[ \"\$(stat -c %a '$tmp/k')\" = 600 ] && grep -qxE '[0-9a-f]{64}' '$tmp/k' &&
		[ \"\$(stat -c %s '$tmp/k')\" = 65 ]"
cp "$tmp/k" "$tmp/k0"
check_fails "genkey never replaces a key file" "File exists" "$ctl" genkey "$tmp/k"
check "... which keeps its key" cmp "$tmp/k" "$tmp/k0"
"$ctl" genkey "$tmp/k2"
check "two keys differ" bash -c "! cmp -s '$tmp/k' '$tmp/k2'"
check_fails "genkey without a file: a usage error, naming it" "ebpfdmactl genkey: missing operand" "$ctl" genkey
tap_done

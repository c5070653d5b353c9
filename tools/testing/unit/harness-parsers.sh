#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) for the harness's parsers: a bug in them would hide
# failures, so they are tested like any other logic.
#   - ktap2tap.awk: KUnit KTAP -> one flat TAP line per leaf result;
#   - guest_log_splats: which console lines fail a guest run;
#   - pipe-lint.py: no "| grep -q" where pipefail makes it fail at random;
#   - host_check_results: the guest's host checks against the disk images.
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
. "$here/selftests/tap.sh"

ktap='KTAP version 1
1..2
    KTAP version 1
    # Subtest: suite_a
    1..3
        KTAP version 1
        # Subtest: param_case
        ok 1 - "8" -> 0
        not ok 2 - "9" -> 0
    # param_case: pass:1 fail:1 skip:0 total:2
    not ok 1 param_case
    ok 2 plain_case
    ok 3 skipped_case # SKIP no disk attached
# suite_a: pass:1 fail:1 skip:1 total:3
not ok 1 suite_a
[   12.5] ebpfdma: loaded: /dev/ebpfdma
    KTAP version 1
    # Subtest: suite_b
    1..1
    ok 1 only_case
ok 2 suite_b'
want='ok - kunit: suite_a: param_case: "8" -> 0
not ok - kunit: suite_a: param_case: "9" -> 0
ok - kunit: suite_a: plain_case
ok - kunit: suite_a: skipped_case # SKIP no disk attached
ok - kunit: suite_b: only_case'
got=$(printf '%s\n' "$ktap" | awk -v label=kunit -f "$here/ktap2tap.awk")
check "ktap2tap: one line per leaf, parents not counted, skips kept" \
	test "$got" = "$want"
got=$(printf 'KTAP version 1\n1..0\n' | awk -v label=kunit -f "$here/ktap2tap.awk")
check "ktap2tap: no results gives no lines" test -z "$got"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cat >"$log" <<'LOG'
[    0.000000] Linux version 6.1.0 (gcc) #1 SMP PREEMPT_DYNAMIC
[    0.100000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc.
[    0.200000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15797)
[    0.300000] KernelAddressSanitizer initialized
[    0.400000] DMA-API: preallocated 65536 debug entries
[    0.400001] DMA-API: debugging enabled by kernel config
[    9.000000] ebpfdma: loading out-of-tree module taints kernel.
[    9.100000] ebpfdma: module verification failed: signature and/or required key missing - tainting kernel
[    9.200000] ebpfdma: slot_size: '4095' refused (-22): must be a power of two, 512..1048576 bytes
LOG
clean() { ! guest_log_splats "$log"; }
check "splat detector: a clean debug boot is clean" clean
splat_detected() {
	printf '%s\n' "$1" >>"$log"
	guest_log_splats "$log" >/dev/null
	local rc=$?
	sed -i '$d' "$log"
	return $rc
}
for line in \
	'[   10.0] WARNING: CPU: 1 PID: 77 at kmod/main.c:42 ebpfdma_init+0x10/0x20' \
	'[   10.0] BUG: KASAN: slab-out-of-bounds in ebpfdma_submit+0x1/0x2' \
	'[   10.0] BUG: sleeping function called from invalid context at mm/slab.h:1' \
	'[   10.0] WARNING: possible circular locking dependency detected' \
	'[   10.0] unreferenced object 0xffff888003a4b000 (size 64):' \
	'[   10.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' \
	'[   10.0] general protection fault, probably for non-canonical address' \
	'[   10.0] Oops: 0000 [#1] PREEMPT SMP KASAN' \
	'[   10.0] Call Trace:' \
	'[   10.0] DMA-API: virtio-pci 0000:00:04.0: device driver frees DMA memory with wrong function' \
	'[   10.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.' \
	'[   10.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:' \
	'[   10.0] Kernel panic - not syncing: Fatal exception'; do
	check "splat detector: ${line#*] }" splat_detected "$line"
done
# pipe-lint.py: `printf ... | grep -q` under pipefail fails whenever grep
# exits before the producer's last write (SIGPIPE, status 141).
lint=$here/pipe-lint.py
tmp=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$tmp"' EXIT
lint_finds() { # lint_finds N TEXT: the lint reports N lines of TEXT
	printf '%s\n' "$2" >"$tmp/t.sh"
	local got
	got=$(python3 "$lint" "$tmp/t.sh" | wc -l)
	[ "$got" = "$1" ] || { echo "# found $got, wanted $1"; return 1; }
}
check "pipe lint: printf | grep -q under pipefail is found" \
	lint_finds 1 $'set -uo pipefail\nprintf "%s\\n" "$out" | grep -q "^usage"'
check "pipe lint: ... and inside \$( ) in a quoted string" \
	lint_finds 1 $'set -euo pipefail\ncheck "x $(ls | grep -qx a)"'
check "pipe lint: ... and grep --quiet, grep -qF" \
	lint_finds 2 $'set -o pipefail\nls | grep --quiet a\nls |grep -qF b'
check "pipe lint: ... and grep -E -q, |& grep -q, grep -m1, after set -o errexit -o pipefail" \
	lint_finds 3 $'set -o errexit -o pipefail\nls | grep -E -q a\nls |& grep -q b\nls | grep -m1 c'
check "pipe lint: a shift in \$(( )) is no heredoc: what follows is still read" \
	lint_finds 1 $'set -uo pipefail\nx=$(( (1 + y) << shift ))\nls | grep -q a'
check "pipe lint: a script without pipefail is not" \
	lint_finds 0 $'set -u\nls | grep -q a'
check "pipe lint: bash -c strings, ||, comments, heredocs and literals are not" \
	lint_finds 0 $'set -uo pipefail\ncheck "d" bash -c "ls | grep -q a"\ncheck "d" bash -c \'ls |\n grep -q a\'\ntrue || grep -q a f\n# ls | grep -q a\ncat <<EOF\nls | grep -q a\nEOF\necho "ls | grep -q a"'
check "pipe lint: the safe forms are not" \
	lint_finds 0 $'set -uo pipefail\ngrep -q a <<<"$out"\ngrep -q a < <(ls)'
out=$(cd "$here/../.." && git ls-files -z '*.sh' 2>/dev/null |
	xargs -0 -r python3 "$lint")
rc=$?
[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
n=$(cd "$here/../.." && git ls-files '*.sh' 2>/dev/null | wc -l)
check "pipe lint: none of the tree's $n shell scripts has an early-exit pipe under pipefail" \
	test "$rc" = 0 -a "$n" -gt 20
# host_check_results: each recorded range checked on the right image.
mkdir -p "$tmp/hc"
head -c 4096 /dev/zero >"$tmp/hc/a.img"
printf 'xyz' | dd of="$tmp/hc/a.img" bs=1 seek=1000 conv=notrunc status=none
head -c 2048 /dev/urandom >"$tmp/hc/b.img"
sum() { tail -c +$(($2 + 1)) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1; }
{
	printf 'zeros\t0\t0\t1000\t%s\n' "$(sum "$tmp/hc/a.img" 0 1000)"
	printf 'the bytes written\t0\t1000\t3\t%s\n' "$(printf xyz | sha256sum | cut -d' ' -f1)"
	printf 'other disk\t1\t512\t512\t%s\n' "$(sum "$tmp/hc/b.img" 512 512)"
	printf 'a range that is not zero\t0\t0\t1003\t%s\n' "$(sum "$tmp/hc/a.img" 0 1000)"
	printf 'the wrong disk\t0\t512\t512\t%s\n' "$(sum "$tmp/hc/b.img" 512 512)"
} >"$tmp/hc/host-checks.tsv"
got=$(host_check_results "$tmp/hc" "$tmp/hc/a.img" "$tmp/hc/b.img" | cut -f1 | tr -d '\n')
check "host checks: three true ranges pass, a wrong range and a wrong disk fail ($got)" \
	test "$got" = 00011
check "host checks: no file, no check" \
	test -z "$(host_check_results "$tmp/none" "$tmp/hc/a.img")"
tap_done

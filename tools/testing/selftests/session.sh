#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): wire version 2 sessions in the module, over
# BPF_PROG_TEST_RUN and SESSION_SUBMIT (session_test.c).  It writes to
# [1 MiB, 2 MiB) of /dev/vde, the XDP path's disk, where no other test
# writes; the host compares that window with what the test placed.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
disk=/dev/vde
S=/sys/class/misc/ebpfdma

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma (it loads libchacha20poly1305 with it)" modprobe ebpfdma
check "libchacha20poly1305 is loaded as the module's dependency" \
	grep -q '^libchacha20poly1305 ' /proc/modules
for c in no_session expired auth duplicate; do
	check "sysfs rx/$c exists and reads 0" test "$(cat $S/rx/$c)" = 0
done

img=/tmp/session-window.img
run_tap "$bin/session_test" testrun $disk $img
host_check "the session window on disk is exactly what was placed, nothing of a refused datagram" \
	1048576 1048576 "$(sha256sum $img | cut -d' ' -f1)" 4
check "every slot is free again" \
	test "$(cat $S/pool_free_slots)" = "$(cat $S/pool_slots)"
check "rmmod succeeds (every session deleted with its descriptor)" rmmod ebpfdma
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): concurrency stress of the module on /dev/vdh
# (32 MiB), for EBPFDMA_STRESS_SECONDS (default 40 on the debug kernel, 20
# on the stock one): submitters with barrier and NOW flushes that close
# and reopen their descriptors, BPF_PROG_TEST_RUN of the XDP program, and
# volumes deleted and added under them (stress_test.c),
# while rmmod is tried, and refused, every 300 ms.  It passes when every
# accepted write completed exactly once, the kernel logged no splat or
# hung task, and the host finds each region's exact content on the disk.
. "$(dirname "$0")/tap.sh"
bin=$EBPFDMA_SELFTEST_BIN
case "$(uname -r)" in
*-debug) secs=${EBPFDMA_STRESS_SECONDS:-40} ;;
*) secs=${EBPFDMA_STRESS_SECONDS:-20} ;;
esac

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "/dev/vdh is the 32 MiB stress disk" \
	test "$(blockdev --getsize64 /dev/vdh)" = 33554432
splats() { dmesg | grep -cE 'KASAN|BUG:|WARNING:|blocked for more than|Call Trace'; }
s0=$(splats)

rm -rf /tmp/rmmod.unloaded /tmp/rmmod.tries /tmp/stress /tmp/stress.done
mkdir -p /tmp/stress
(
	# From when the stress has the device open and the program loaded.
	while [ ! -e /tmp/stress/ready ] && [ ! -e /tmp/stress.done ]; do
		sleep 0.1
	done
	while [ ! -e /tmp/stress/done ] && [ ! -e /tmp/stress.done ]; do
		rmmod ebpfdma 2>/dev/null && touch /tmp/rmmod.unloaded
		echo >>/tmp/rmmod.tries
		sleep 0.3
	done
	touch /tmp/stress/stopped
) &
rmpid=$!
seed=$RANDOM$RANDOM
echo "# seed $seed, $secs s"
run_tap "$bin/stress_test" /dev/vdh "$secs" "$seed" /tmp/stress
touch /tmp/stress.done
wait $rmpid
tries=$(cat /tmp/rmmod.tries 2>/dev/null | wc -l)
check "rmmod was tried during the stress and refused every time ($tries tries)" \
	test ! -e /tmp/rmmod.unloaded -a "$tries" -gt 0
check "no splat or hung task in the kernel log" test "$(splats)" = "$s0"
for k in 0 1 2 3; do
	f=/tmp/stress/region$k
	[ -f "$f" ] || continue
	host_check "stress region $k holds exactly its pattern" \
		$((k * 2097152)) "$(stat -c %s "$f")" \
		"$(sha256sum "$f" | cut -d' ' -f1)" 7
done
check "rmmod ebpfdma after the stress" rmmod ebpfdma
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the benchmark's receivers work and write the
# right data.  tools/testing/bench-guest.sh (what `make bench` runs) moves
# 4 MiB in 1 KiB payloads over 2 streams through each receiver to /dev/vdg
# (16 MiB of its own), and checks every stream's sha256 on the disk; here
# each receiver must have verified runs.  Figures are not looked at: this
# is a test, not a benchmark.
. "$(dirname "$0")/tap.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
disk=/dev/vdg
out=/tmp/bench-smoke.jsonl

check "$disk is the 16 MiB benchmark test disk" \
	test "$(blockdev --getsize64 $disk)" = 16777216
rmmod ebpfdma 2>/dev/null
receivers="ebpfdma udp-pwrite udp-direct af-xdp"
# The kernel's NVMe/TCP target, where the kernel has it.
if modprobe -q nvmet-tcp 2>/dev/null && modprobe -q nvme-tcp 2>/dev/null; then
	receivers="$receivers nvmet-tcp"
else
	skip "nvmet-tcp receives and writes the data" \
		"this kernel has no nvmet-tcp or nvme-tcp module"
fi
EBPFDMA_BENCH_DISK=$disk EBPFDMA_BENCH_MIB=4 EBPFDMA_BENCH_REPS=1 EBPFDMA_BENCH_NETS=veth \
	EBPFDMA_BENCH_PAYLOADS=1024 EBPFDMA_BENCH_STREAMS=2 \
	EBPFDMA_BENCH_SCALE=0 EBPFDMA_BENCH_RECEIVERS="$receivers" \
	"$top/tools/testing/bench-guest.sh" $out 2>/tmp/bench-smoke.err
check "bench-guest.sh ran to its end" test $? = 0
for r in $receivers; do
	line=$(grep "\"receiver\":\"$r\",\"payload\":1024,\"streams\":2," $out)
	check "$r: 4 MiB over 2 streams reached the disk intact (sha256 per stream)" \
		bash -c "printf '%s' '$line' | grep -q '\"verified\":true'"
done
check "memcpy_bw measured the one-copy bound" grep -q '"memcpy":true' $out
[ -s /tmp/bench-smoke.err ] && sed 's/^/# /' /tmp/bench-smoke.err | tail -n 12
tap_done

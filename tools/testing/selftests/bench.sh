#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the benchmark's receivers work and write the
# right data.  tools/testing/bench-guest.sh (what `make bench` runs) moves
# 2 MiB (1 on the debug kernel) in 1 KiB payloads over 2 streams through
# each receiver to /dev/vdg (16 MiB of its own), with each protection it
# runs with (aead and crc; aead alone on the debug kernel), and checks
# every stream's sha256 on the disk; here each run must have verified.
# On the stock kernel, the same into files on ext4 made on that disk
# (ebpfdma through a file store, the others into a preallocated file;
# mke2fs gives so small a file system 1 KiB blocks, so nvmet-tcp's file
# backend takes 1 KiB writes).
# Then the saturation rows (1 KiB, one stream, crc): the load
# generator (build/bench/ebpfdma-send-blast) emits every datagram of a
# session as a live XDP frame into the sending veth, for ebpfdma and each
# UDP baseline; every block is on the disk (sha256) and the generator
# emitted every frame it prepared.
# Figures are not looked at: this is a test, not a benchmark.
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
# The debug kernel is several times slower: half the data is as good a test.
case $(uname -r) in
*debug*) mib=1 protects=aead fss= ;;
*) mib=2 protects="aead crc" fss=ext4 ;;
esac
EBPFDMA_BENCH_DISK=$disk EBPFDMA_BENCH_FILESYSTEMS="$fss" EBPFDMA_BENCH_FILE_PAYLOADS=1024 EBPFDMA_BENCH_MIB=$mib EBPFDMA_BENCH_REPS=1 EBPFDMA_BENCH_NETS=veth \
	EBPFDMA_BENCH_PROTECTS="$protects" \
	EBPFDMA_BENCH_PAYLOADS=1024 EBPFDMA_BENCH_STREAMS=2 \
	EBPFDMA_BENCH_SCALE=0 EBPFDMA_BENCH_RECEIVERS="$receivers" \
	EBPFDMA_BENCH_SAT_PAYLOADS=1024 EBPFDMA_BENCH_SAT_PROTECTS=crc \
	"$top/tools/testing/bench-guest.sh" $out 2>/tmp/bench-smoke.err
check "bench-guest.sh ran to its end" test $? = 0
for r in $receivers; do
	for p in $([ $r = nvmet-tcp ] && echo none || echo $protects); do
		line=$(grep "\"receiver\":\"$r\",\"protect\":\"$p\",\"payload\":1024,\"streams\":2," $out |
			grep -v '"fs":')
		check "$r: $mib MiB over 2 streams ($( [ $p = none ] && echo 'no protection: no TLS on 6.1' || echo $p)) reached the disk intact (sha256 per stream)" \
			bash -c "[ \$(printf '%s\n' '$line' | grep -c .) = 1 ] &&
				printf '%s' '$line' | grep -q '\"verified\":true'"
		[ -n "$fss" ] || continue
		line=$(grep "\"receiver\":\"$r\",\"protect\":\"$p\",\"payload\":1024,\"streams\":2,.*\"fs\":\"ext4\"" $out)
		check "... and into files on ext4$([ $r = ebpfdma ] && echo ', each stream a file of a store, published'), intact" \
			bash -c "[ \$(printf '%s\n' '$line' | grep -c .) = 1 ] &&
				printf '%s' '$line' | grep -q '\"verified\":true'"
	done
done
# Untagged IPv4 bodies start 512-byte aligned in af-xdp's frames: written
# with O_DIRECT from the frame, none through its bounce buffer.
check "af-xdp wrote every body straight from its frame (none bounced)" \
	bash -c "grep '\"receiver\":\"af-xdp\",' $out | grep -q '\"bounced\":0,' &&
		! grep '\"receiver\":\"af-xdp\",' $out | grep -q '\"bounced\":[1-9]'"
check "memcpy_bw measured the one-copy bound" grep -q '"memcpy":true' $out
for r in $receivers; do
	for p in $([ $r = nvmet-tcp ] && echo none || echo crc); do
		line=$(grep "\"receiver\":\"$r\",\"protect\":\"$p\",\"payload\":1024,\"streams\":1,.*\"saturation\":true" $out)
		if [ $r = nvmet-tcp ]; then
			check "saturation rows: nvmet-tcp ($p) with its own writer, intact" \
				bash -c "[ \$(printf '%s\n' '$line' | grep -c .) = 1 ] &&
					printf '%s' '$line' | grep -q '\"verified\":true'"
			continue
		fi
		frames=$(printf '%s' "$line" | sed -n 's/.*"blast":{"frames":\([0-9]*\),"emitted":\([0-9]*\),.*/\1 \2/p')
		# errors: runs of the program that failed (none may);
		# resent: blasted again after the receiver dropped them.
		errs=$(printf '%s' "$line" | sed -n 's/.*"blast":{.*"errors":\([0-9]*\),.*/\1/p')
		resent=$(printf '%s' "$line" | sed -n 's/.*"blast":{.*"resent":\([0-9]*\),.*/\1/p')
		check "saturation rows: $r ($p): the generator emitted every frame it sealed (${frames:-none}: frames, emitted), no run of it failed (${errs:-?}), ${resent:-?} resent, and $mib MiB reached the disk intact" \
			bash -c "[ \$(printf '%s\n' '$line' | grep -c .) = 1 ] &&
				printf '%s' '$line' | grep -q '\"verified\":true' &&
				[ -n '$frames' ] && [ \$(echo $frames | cut -d' ' -f1) = $((mib * 1024)) ] &&
				[ \$(echo $frames | cut -d' ' -f2) = $((mib * 1024)) ] && [ '${errs:-x}' = 0 ]"
	done
done
check "aead_bw measured each protection's speed in the guest" \
	bash -c "grep '\"protect_bw\":true' $out | grep -q chacha20poly1305 &&
		grep '\"protect_bw\":true' $out | grep -q crc32c"
[ -s /tmp/bench-smoke.err ] && sed 's/^/# /' /tmp/bench-smoke.err | tail -n 12
tap_done

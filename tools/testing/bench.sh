#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: benchmarks, in a guest on Debian's stock kernel.  Not tests:
# nothing here passes or fails on a number.  Figures are ratios measured
# side by side in one run (the guest is emulated and the host is shared).
#
#   submit-vs-pwrite: zero-copy SUBMIT from the mapped pool against
#   pwrite() with O_DIRECT on the same RAM-backed virtio disk, writes of
#   4 KiB and 64 KiB, 3 alternating repetitions; medians with min..max.
#
# Writes bench/results/submit-vs-pwrite.json and prints a Markdown table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
cd "$top"

"$here/deps.sh"
release=$(stock_kernel_release)
out=$top/build/$release
tools/build/build-module.sh "/usr/src/linux-headers-$release" "$out" >/dev/null
"$here/modtree.sh" "$release" / "$out/modroot" "$out/ebpfdma.ko"
make -s bench-progs

mib=${EBPFDMA_BENCH_MIB:-128}
reps=${EBPFDMA_BENCH_REPS:-3}
work=$top/build/bench-run
rm -rf "$work"
mkdir -p "$work"
# The disk image lives in the host's memory, so the disk is not the limit.
shm=${EBPFDMA_BENCH_SHM:-/dev/shm}
disk=$(mktemp "$shm/ebpfdma-bench.XXXXXX")
trap 'rm -f "$disk"' EXIT
truncate -s $((mib + 16))M "$disk"

note "benchmark: $mib MiB x $reps repetitions x 2 sizes x 2 methods (a few minutes)"
"$here/vm-run.sh" --kernel stock --modules "$out/modroot" --work "$work/vm" \
	--mem 2048 --disk "$disk" --timeout 1800 -- bash -c "
	set -e
	for size in 4096 65536; do
		modprobe ebpfdma slot_size=\$size nr_slots=\$((16777216 / size))
		build/bench/submit_vs_pwrite /dev/vda $mib $reps
		rmmod ebpfdma
	done" >"$work/runs.jsonl"

mkdir -p bench/results
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` ($(date -u +%Y-%m-%d)); raw figures in"
	echo "[bench/results/](bench/results/). The guest runs Debian's stock kernel"
	echo "$release under qemu ($("$here/kvm-probe.sh" | sed 's/-accel \([a-z]*\).*/\1/')), 2 vCPUs;"
	echo "the disk is a raw image in the host's memory. Only ratios measured"
	echo "side by side in one run mean anything here."
	echo
	echo "## SUBMIT from the mapped pool vs pwrite() with O_DIRECT"
	echo
	echo "$mib MiB written sequentially per run, $reps alternating repetitions,"
	echo "writes of the pool's slot size. CPU is the whole guest's busy time"
	echo "(/proc/stat), since SUBMIT's work runs in kernel workers."
	echo
	echo "Read the gap for what it is: pwrite() with O_DIRECT keeps one write"
	echo "in flight and makes one system call and one bio per write; SUBMIT"
	echo "keeps up to max_in_flight (64) bios in flight and merges up to batch"
	echo "(32) LBA-adjacent slots into one bio. Most of the difference is queue"
	echo "depth and merging, not the copy (O_DIRECT copies nothing either). A"
	echo "fair race against deep-queue receivers (io_uring, AF_XDP, NVMe/TCP)"
	echo "is the next benchmark's job."
	echo
} >BENCHMARKS.md
python3 - "$work/runs.jsonl" bench/results/submit-vs-pwrite.json <<'PY' | tee -a BENCHMARKS.md
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
out = {"benchmark": "submit-vs-pwrite", "runs": runs, "summary": []}
def med(xs): return statistics.median(xs)
print("| write size | method | MiB/s median (min..max) | CPU-s/GiB median (min..max) |")
print("|---|---|---|---|")
for size in sorted({r["io_bytes"] for r in runs}):
    m = {}
    for method in ("ebpfdma-submit", "pwrite-odirect"):
        rs = [r for r in runs if r["io_bytes"] == size and r["method"] == method]
        tp = [r["mib_per_s"] for r in rs]; cpu = [r["cpu_s_per_gib"] for r in rs]
        m[method] = (med(tp), med(cpu))
        print(f"| {size // 1024} KiB | {method} | {med(tp):.1f} ({min(tp):.1f}..{max(tp):.1f}) "
              f"| {med(cpu):.2f} ({min(cpu):.2f}..{max(cpu):.2f}) |")
    s, p = m["ebpfdma-submit"], m["pwrite-odirect"]
    ratio = {"io_bytes": size, "throughput_ratio": s[0] / p[0],
             "cpu_per_gib_ratio": p[1] / s[1] if s[1] else None}
    out["summary"].append(ratio)
print()
for r in out["summary"]:
    cpu = f"{r['cpu_per_gib_ratio']:.2f}x" if r["cpu_per_gib_ratio"] else "n/a"
    print(f"{r['io_bytes'] // 1024} KiB writes: SUBMIT throughput {r['throughput_ratio']:.2f}x "
          f"pwrite O_DIRECT's; pwrite uses {cpu} SUBMIT's CPU per GiB")
json.dump(out, open(sys.argv[2], "w"), indent=1)
PY

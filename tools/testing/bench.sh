#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: benchmarks, in a guest on Debian's stock kernel.  Not tests:
# nothing here passes or fails on a number.  Figures are ratios measured
# side by side in one run (the guest is emulated and the host is shared).
#
#   - the receivers (tools/testing/bench-guest.sh): ebpfdma (XDP + kfunc,
#     ebpfdmactl serve) against udp-pwrite, udp-direct, af-xdp and
#     nvmet-tcp, with the same sender, the same RAM-backed disk, payloads of
#     1, 4 and 8 KiB, 1, 2 and 4 streams, and the one-copy bound (memcpy);
#     then on ext4 and xfs: ebpfdma's file stores against the baselines
#     writing into a preallocated file (EBPFDMA_BENCH_FILESYSTEMS);
#   - user-space SUBMIT from the mapped pool against pwrite() with O_DIRECT;
#   - each protection's cryptography on the host (tools/bench/aead_bw);
#   - the transport (tools/testing/bench-transport.sh): retransmissions on
#     a clean link, 1, 4 and 16 senders into one receiver, a lossy 200
#     Mbit/s bottleneck beside TCP (iperf3), each congestion controller;
#     and the sender's peak RSS for a 4 GiB file, on the host.
#
# Under TCG a qemu plugin (tools/bench/insns_plugin.c) counts the guest
# instructions of each CPU: every receiver row also gives the receiving
# CPU's instructions per GiB, a cost that host load does not move.
#
# Writes bench/results/latest.json, bench/results/*.png and BENCHMARKS.md.
# EBPFDMA_BENCH_MIB (data per run, default 32), EBPFDMA_BENCH_REPS (3),
# EBPFDMA_BENCH_PAYLOADS, _STREAMS, _RECEIVERS, _PROTECTS (aead mac crc),
# _SCALE, _FILESYSTEMS (ext4 xfs; empty: no file-store rows),
# _FILE_PAYLOADS (1024 4096) narrow it down.
# EBPFDMA_BENCH_PARTS ("receivers transport") runs only some parts; a run
# without "receivers" writes its transport figures to build/bench-run/
# and prints them, leaving BENCHMARKS.md alone.  EBPFDMA_BENCH_PARTS=files
# runs the file-store rows alone (with the block rows of the same
# settings, on veth, beside them) and replaces only their section of
# BENCHMARKS.md, with bench/results/files.json.
# EBPFDMA_BENCH_PARTS=saturation runs the saturation rows alone (the
# receivers part runs them too) and replaces only their section of
# BENCHMARKS.md and latest.json's "saturation" list, with
# bench/results/saturation.json.  EBPFDMA_BENCH_CCS,
# _TRANSPORT_MIB, _SENDERS_MIB, _NECK_MIB narrow the transport part.
# EBPFDMA_BENCH_BASELINE=<git revision> adds the receiver "ebpfdma-before":
# the module of that revision (with today's tools), run beside today's.
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
make -s tools bench-progs

# The module of an earlier revision, built from its own tree.
baseline_ko= baseline_rev=
if [ -n "${EBPFDMA_BENCH_BASELINE:-}" ]; then
	baseline_rev=$(git -C "$top" rev-parse --short "$EBPFDMA_BENCH_BASELINE") ||
		die "no revision $EBPFDMA_BENCH_BASELINE"
	bsrc=$top/build/baseline/src
	rm -rf "$bsrc"
	mkdir -p "$bsrc"
	git -C "$top" archive "$baseline_rev" | tar -x -C "$bsrc" ||
		die "cannot export revision $baseline_rev"
	"$bsrc/tools/build/build-module.sh" "/usr/src/linux-headers-$release" \
		"$top/build/baseline/$release" >/dev/null ||
		die "the module of $baseline_rev does not build"
	baseline_ko=$top/build/baseline/$release/ebpfdma.ko
fi

parts=${EBPFDMA_BENCH_PARTS:-receivers transport}
want() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
mib=${EBPFDMA_BENCH_MIB:-32}
reps=${EBPFDMA_BENCH_REPS:-3}
submit_mib=${EBPFDMA_BENCH_SUBMIT_MIB:-128}
work=$top/build/bench-run
rm -rf "$work"
mkdir -p "$work"
# The disk image lives in the host's memory, so the disk is not the limit.
shm=${EBPFDMA_BENCH_SHM:-/dev/shm}
disk=$(mktemp "$shm/ebpfdma-bench.XXXXXX")
trap 'rm -f "$disk"' EXIT
size=$((mib > submit_mib ? mib : submit_mib))
tmib=${EBPFDMA_BENCH_TRANSPORT_MIB:-256}
! want transport || [ "$tmib" -le "$size" ] || size=$tmib
# The file-store rows format the disk: xfs needs 300 MiB at least.
! { want receivers || want files; } || [ -z "${EBPFDMA_BENCH_FILESYSTEMS-ext4 xfs}" ] ||
	[ "$size" -ge 320 ] || size=320
truncate -s $((size + 16))M "$disk"

# The guest's environment is its own: pass the settings on.
envs=(EBPFDMA_BENCH_MIB="$mib" EBPFDMA_BENCH_REPS="$reps")
for v in PAYLOADS VIRTIO_PAYLOADS STREAMS RECEIVERS PROTECTS SCALE NETS PERF \
	CCS TRANSPORT_MIB SENDERS_MIB NECK_MIB NECK_SECONDS TRANSPORT_RUNS \
	FILE_PAYLOADS SATURATION SAT_PAYLOADS SAT_PROTECTS; do
	n=EBPFDMA_BENCH_$v
	[ -z "${!n:-}" ] || envs+=("$n=${!n}")
done
[ -z "${EBPFDMA_BENCH_FILESYSTEMS+set}" ] ||
	envs+=(EBPFDMA_BENCH_FILESYSTEMS="$EBPFDMA_BENCH_FILESYSTEMS")
[ -z "$baseline_ko" ] || envs+=(EBPFDMA_BENCH_BASELINE_KO="$baseline_ko")
# Under TCG, a plugin counts each CPU's guest instructions: a cost measure
# beside the CPU time that host load does not move.  Its log is in the
# guest's work folder (uncached there).
plugin=()
case $("$here/kvm-probe.sh"):$(qemu_major) in
*kvm*) ;;
*:[0-8])
	plugin=(--plugin "$top/build/bench/insns_plugin.so,out=$work/vm/insns.log")
	envs+=(EBPFDMA_BENCH_INSNS="$work/vm/insns.log")
	;;
esac
note "benchmark: $mib MiB per run x $reps repetitions (tens of minutes under emulation)"
"$here/vm-run.sh" --kernel stock --modules "$out/modroot" --work "$work/vm" --nics 2 \
	--mem 2048 --disk "$disk" --timeout 7200 "${plugin[@]}" -- bash -c "
	set -e
	touch '$work/vm/runs.jsonl' '$work/vm/submit.jsonl' '$work/vm/transport.jsonl'
	if $(want files && echo true || echo false); then
		env $(printf '%q ' "${envs[@]}") EBPFDMA_BENCH_NETS=veth EBPFDMA_BENCH_SCALE=0 \
			EBPFDMA_BENCH_PAYLOADS='${EBPFDMA_BENCH_FILE_PAYLOADS:-1024 4096}' \
			tools/testing/bench-guest.sh '$work/vm/files.jsonl'
	fi
	if $(want saturation && ! want receivers && echo true || echo false); then
		env $(printf '%q ' "${envs[@]}") EBPFDMA_BENCH_NETS=none EBPFDMA_BENCH_SCALE=0 \
			EBPFDMA_BENCH_FILESYSTEMS= EBPFDMA_BENCH_SATURATION=1 \
			tools/testing/bench-guest.sh '$work/vm/saturation.jsonl'
	fi
	if $(want receivers && echo true || echo false); then
		env $(printf '%q ' "${envs[@]}") $(want files && echo EBPFDMA_BENCH_FILESYSTEMS=) \
			tools/testing/bench-guest.sh '$work/vm/runs.jsonl'
		for size in 4096 65536; do
			modprobe ebpfdma slot_size=\$size nr_slots=\$((16777216 / size))
			build/bench/submit_vs_pwrite /dev/vda $submit_mib $reps >>'$work/vm/submit.jsonl'
			rmmod ebpfdma
		done
	fi
	if $(want transport && echo true || echo false); then
		env $(printf '%q ' "${envs[@]}") tools/testing/bench-transport.sh '$work/vm/transport.jsonl'
	fi"

# The sender's peak RSS for a 4 GiB file (sparse), to a receiver that
# verifies and acknowledges but keeps nothing (the unit tests' fake one).
: >"$work/rss.json"
if want transport; then
	truncate -s 4G "$work/big"
	build/tools/ebpfdmactl genkey "$work/rss.key" >/dev/null
	FAKE_MAX_BLOCK=32768 /usr/bin/python3 tools/testing/unit/fake_receiver.py \
		sink "$work/rss.key" /dev/null >"$work/rss.port" &
	fake=$!
	for _ in $(seq 50); do [ -s "$work/rss.port" ] && break; sleep 0.1; done
	/usr/bin/python3 -c '
import json, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
print(json.dumps({"file_bytes": 4 << 30, "block_size": 32768, "exit": rc,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))' \
		x build/tools/ebpfdma-send --quiet --block-size 32768 --key-file "$work/rss.key" \
		127.0.0.1:"$(cat "$work/rss.port")" 1 "$work/big" >"$work/rss.json"
	kill $fake 2>/dev/null || true
	wait $fake 2>/dev/null || true
	rm -f "$work/big"
fi

accel=$("$here/kvm-probe.sh" | sed 's/-accel \([a-z]*\).*/\1/')
context() {
	printf '{"date":"%s","kernel":"%s","accel":"%s","mib":%d,"reps":%d,"baseline":"%s"}\n' \
		"$(date -u +%Y-%m-%d)" "$release" "$accel" "$mib" "$reps" "$baseline_rev"
}
if want files; then
	context >"$work/context.json"
	mkdir -p bench/results
	/usr/bin/python3 tools/bench/report.py --files "$work/vm/files.jsonl" bench/results \
		BENCHMARKS.md "$work/context.json"
	note "wrote the file-store section of BENCHMARKS.md and bench/results/files.json"
fi

if want saturation && ! want receivers; then
	context >"$work/context.json"
	mkdir -p bench/results
	/usr/bin/python3 tools/bench/report.py --saturation "$work/vm/saturation.jsonl" \
		bench/results BENCHMARKS.md "$work/context.json"
	note "wrote the saturation section of BENCHMARKS.md, latest.json's saturation list and bench/results/saturation.json"
fi

if ! want receivers; then
	want transport || exit 0
	/usr/bin/python3 -c '
import json, os, sys
sys.path.insert(0, "tools/bench")
import transport
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rss = json.load(open(sys.argv[2])) if os.path.getsize(sys.argv[2]) else None
t = transport.summarise(rows, rss)
json.dump(t, open(sys.argv[3], "w"), indent=1)
open(sys.argv[4], "w").write("\n".join(transport.markdown(t)))' \
		"$work/vm/transport.jsonl" "$work/rss.json" "$work/transport.json" \
		"$work/transport.md"
	note "transport only: wrote $work/transport.json and $work/transport.md"
	cat "$work/transport.md"
	exit 0
fi

# What each protection costs a core of this host, in user space: the
# guest's figures say little about SIMD, which TCG emulates.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
for size in 1024 4096 8192; do
	for ((rep = 1; rep <= reps; rep++)); do
		build/bench/aead_bw --size $size --ms 500 |
			sed "s|^{|{\"cpu\":\"${cpu//\"/}\",\"rep\":$rep,|" ||
			echo "bench: aead_bw --size $size: a message failed to verify" >&2
	done
done >"$work/aead.jsonl"

context >"$work/context.json"
mkdir -p bench/results
rm -f bench/results/submit-vs-pwrite.json
/usr/bin/python3 tools/bench/report.py "$work/vm/runs.jsonl" "$work/vm/submit.jsonl" \
	bench/results BENCHMARKS.md "$work/context.json" "$work/aead.jsonl" \
	"$work/vm/transport.jsonl" "$work/rss.json"
note "wrote BENCHMARKS.md, bench/results/latest.json and the plots"
# sed reads the whole file: no early exit for pipefail to report.
sed -n '/^## ebpfdma against each baseline/,+39p' BENCHMARKS.md

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build everything, and run every test:
# style, KUnit (debug kernel), the VM selftests on the stock and the debug
# kernel, the DKMS selftest.  Every result is a TAP line in
# build/check/results.tap; a guest whose kernel log shows a splat fails even
# if its tests passed.  Ends with "N passed, N failed[, N skipped]" and
# exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
cd "$top"

out=$top/build/check
rm -rf "$out"
mkdir -p "$out"
results=$out/results.tap
: >"$results"
phases=()

# record LABEL STATUS DESC: add one result.
record() {
	if [ "$2" = 0 ]; then
		echo "ok - $1: $3" | tee -a "$results"
	else
		echo "not ok - $1: $3" | tee -a "$results"
	fi
}

# collect FILE: add the flat TAP lines ("ok - ..." / "not ok - ...") of FILE.
collect() {
	grep -E '^(not )?ok - ' "$1" | tee -a "$results"
}

phase_start() {
	phase_name=$1
	phase_t0=$(date +%s)
	note "== $phase_name"
}

phase_end() {
	phases+=("$(printf '%-28s %5d s' "$phase_name" $(($(date +%s) - phase_t0)))")
}

# vm LABEL LOGNAME VM-RUN-ARGS... -- CMD: run a guest; its output goes to
# $out/LOGNAME.out, its console to $out/LOGNAME.console; the guest's own
# health (status, splats) is one more result.
vm() {
	local label=$1 name=$2 rc=0
	shift 2
	"$here/vm-run.sh" --work "$out/vm-$name" --log "$out/$name.console" "$@" \
		>"$out/$name.out" 2>&1 || rc=$?
	# Diagnostics of failed checks ("# ..."); the results themselves are
	# printed as they are collected.
	grep '^#' "$out/$name.out" | sed 's/^/  /' >&2
	case $rc in
	124) record "$label" 1 "guest finished in time (timed out, see $out/$name.console)" ;;
	125) record "$label" 1 "guest kernel survived (it died, see $out/$name.console)" ;;
	*)
		# A command that failed without reporting a failure of its own.
		if [ "$rc" != 0 ] && ! grep -q '^not ok' "$out/$name.out"; then
			record "$label" 1 "guest command exited with status $rc (see $out/$name.out)"
		fi
		if guest_log_splats "$out/$name.console" >"$out/$name.splats"; then
			record "$label" 1 "guest kernel log has no splat (see $out/$name.splats)"
		else
			record "$label" 0 "guest kernel log has no splat"
		fi
		;;
	esac
	return $rc
}

t_all=$(date +%s)

phase_start "packages"
"$here/deps.sh"
record deps $? "build and test packages are installed"
phase_end

stock=$(stock_kernel_release)
stock_kdir=/usr/src/linux-headers-$stock
stock_out=$top/build/$stock
debug_kdir= debug_out= debug_release=

phase_start "build (stock kernel)"
EBPFDMA_WERROR=1 tools/build/build-module.sh "$stock_kdir" "$stock_out" >"$out/build-stock.log" 2>&1
record build $? "ebpfdma.ko for $stock builds warning-free with .BTF (log: $out/build-stock.log)"

make -s selftests tools bench-progs >"$out/build-selftests.log" 2>&1
record build $? "selftest programs, tools and benchmark programs build warning-free (log: $out/build-selftests.log)"
phase_end

# debug_kernel: build the debug kernel (once: then it is cached), set
# debug_kdir, debug_release, debug_out and kcache, and build the module for
# it.  Not in the background of the stock kernel's phases: on two cores
# the build slowed their guests twice over (restart.sh 330 -> 641 s), for
# no gain in the whole.
debug_kernel() {
	local rc=0 built
	phase_start "debug kernel (built once)"
	"$here/debug-kernel.sh" >"$out/debug-kernel.path" 2>"$out/debug-kernel.log" || rc=$?
	built=$(sed -n 's/.*built in \([0-9]*\) s$/, built in \1 s/p' "$out/debug-kernel.log")
	if [ $rc = 0 ] && kcache=$(cat "$out/debug-kernel.path") &&
		[ -f "$kcache/release" ]; then
		record build 0 "debug kernel $(cat "$kcache/release")${built:- (cached)}"
		debug_kdir=$kcache/build
		debug_release=$(cat "$kcache/release")
		debug_out=$top/build/$debug_release
	else
		tail -n 20 "$out/debug-kernel.log" >&2
		record build 1 "debug kernel builds (log: $out/debug-kernel.log)"
	fi
	phase_end
	[ -n "$debug_kdir" ] || return 0
	phase_start "build (debug kernel)"
	# The debug kernel's module is a test build: fault injection knobs.
	EBPFDMA_FAULT=y EBPFDMA_WERROR=1 \
		tools/build/build-module.sh "$debug_kdir" "$debug_out" \
		>"$out/build-debug.log" 2>&1
	rc=$?
	[ -f "$debug_out/kunit/ebpfdma_kunit.ko" ] || rc=1
	record build $rc "ebpfdma.ko and ebpfdma_kunit.ko for $debug_release build warning-free with .BTF (log: $out/build-debug.log)"
	phase_end
	modtree_debug=$debug_out/modroot
	"$here/modtree.sh" "$debug_release" "$kcache/modroot" "$modtree_debug" \
		"$debug_out/ebpfdma.ko" "$debug_out/kunit/ebpfdma_kunit.ko" ||
		record build 1 "module tree for $debug_release"
}

phase_start "style"
"$here/style.sh" >"$out/style.tap" 2>&1
tap_flatten style <"$out/style.tap" >"$out/style.flat"
grep '^#' "$out/style.tap" >&2
collect "$out/style.flat"
phase_end

phase_start "unit (host)"
for t in "$here"/unit/*.sh; do
	name=$(basename "$t" .sh)
	"$t" >"$out/unit-$name.tap" 2>&1
	rc=$?
	tap_flatten "unit/$name" <"$out/unit-$name.tap" >"$out/unit-$name.flat"
	grep '^#' "$out/unit-$name.tap" >&2
	grep -q '^not ok' "$out/unit-$name.flat" || [ $rc = 0 ] ||
		echo "not ok - unit/$name: exited with status $rc" >>"$out/unit-$name.flat"
	collect "$out/unit-$name.flat"
done
phase_end

# Module trees the guests "modprobe" from.
modtree_stock=$stock_out/modroot
"$here/modtree.sh" "$stock" / "$modtree_stock" "$stock_out/ebpfdma.ko" ||
	record build 1 "module tree for $stock"

# The benchmark's instruction counts (tools/bench/insns_plugin.c, a qemu
# TCG plugin): a guest runs a loop of a known number of instructions
# between two markers on CPU 1, and, between two markers on CPU 0, the
# same loop on CPU 1; the host reads the plugin's log.
phase_start "instruction counts (TCG plugin)"
case $("$here/kvm-probe.sh"):$(qemu_major) in
*kvm*)
	echo "ok - insns: the TCG instruction counts # SKIP this host has KVM: qemu runs no TCG plugin" >>"$results"
	;;
*:[0-8])
	insns_log=$out/vm-insns/insns.log
	mark=$top/build/bench/insns_mark
	rm -rf "$out/vm-insns"
	vm insns insns --kernel stock --timeout 300 \
		--plugin "$top/build/bench/insns_plugin.so,out=$insns_log" -- \
		bash -c "taskset -c 1 $mark 10 $insns_log 10000000 &&
			taskset -c 0 $mark 20 $insns_log &&
			taskset -c 1 $mark 30 $insns_log 10000000 &&
			taskset -c 0 $mark 21 $insns_log"
	# mark N: the CPU that ran it, then each CPU's count.
	mark_of() { awk -v m="$1" '$1 == "mark" && $2 == m { print $4, $6, $7 }' "$insns_log" 2>/dev/null; }
	read -r c10 a10 b10 <<<"$(mark_of 10)"
	read -r c11 a11 b11 <<<"$(mark_of 11)"
	read -r c20 a20 b20 <<<"$(mark_of 20)"
	read -r c21 a21 b21 <<<"$(mark_of 21)"
	d=$((${b11:-0} - ${b10:-0}))
	[ "${c10:-}" = 1 ] && [ "${c11:-}" = 1 ] && [ $d -ge 20000000 ] && [ $d -le 20400000 ]
	record insns $? "a loop of 20000000 instructions on CPU 1 counts $d between its markers (within 2 %)"
	d=$((${b21:-0} - ${b20:-0}))
	[ "${c20:-}" = 0 ] && [ "${c21:-}" = 0 ] && [ $d -ge 20000000 ] && [ $d -le 40000000 ]
	record insns $? "markers on CPU 0 count CPU 1's loop and its process: $d instructions (20000000 to 40000000)"
	;;
*)
	echo "ok - insns: the TCG instruction counts # SKIP qemu $(qemu_major) has plugin API 2 or later; the plugin is written for version 1 (qemu 4.2 to 8)" >>"$results"
	;;
esac
phase_end

# host_checks LABEL WORKDIR DISK...: record what host_check_results
# (lib.sh) finds of the guest's WORKDIR/host-checks.tsv.
host_checks() {
	local label=$1 rc desc
	while IFS=$'\t' read -r rc desc; do
		record "$label" "$rc" "$desc"
	done < <(host_check_results "${@:2}")
}

selftests=(harness.sh module.sh pool.sh submit.sh engine.sh fuzz.sh xdp.sh session.sh
	tools.sh transport.sh files.sh restart.sh bench.sh stress.sh)
# The races need the test build's fault injection: the debug kernel's.
# The benchmark's receivers (bench.sh) are checked on the stock kernel
# only: they are user-space programs, or ebpfdma's path, which the other
# selftests take through the debug kernel.
debug_selftests=()
for t in "${selftests[@]}"; do
	[ "$t" = bench.sh ] || debug_selftests+=("$t")
done
debug_selftests+=(races.sh)
# run_selftests KERNEL MODTREE SELFTEST...
run_selftests() {
	local kernel=$1 modtree=$2 d disks=() args=()
	shift 2
	phase_start "selftests ($kernel kernel)"
	# /dev/vda.. in this order: the harness' disk, SUBMIT's, a scratch
	# disk, a FUA one, the XDP path's, the tools', the benchmark's, the
	# stress test's, the transport's, its slow disk, the restart's, the
	# file volumes' ext4 and xfs, and the fuzzers'.
	for d in disk:64M data:96M scratch:16M fua:8M net:96M tools:64M \
		bench:16M stress:32M transport:64M slow:16M big:68M \
		ext4:64M xfs:320M fuzz:8M; do
		disks+=("$out/${d%%:*}-$kernel.img")
		rm -f "${disks[-1]}"
		truncate -s "${d#*:}" "${disks[-1]}"
		args+=(--disk "${disks[-1]}")
	done
	vm "$kernel" "selftests-$kernel" --kernel "$kernel" --modules "$modtree" \
		"${args[@]}" --nics 2 --timeout 2400 -- \
		"$here/selftests/run-guest.sh" "$kernel" "$@"
	collect "$out/selftests-$kernel.out"
	host_checks "$kernel/host" "$out/vm-selftests-$kernel" "${disks[@]}"
	phase_end
}
run_selftests stock "$modtree_stock" "${selftests[@]}"

# The Debian packages (make deb, lintian), before the DKMS builds that use
# them.
phase_start "packages (make deb)"
make -s deb >"$out/deb.log" 2>&1
record deb $? "make deb: ebpfdma-dkms and ebpfdma-tools build, lintian reports no error (log: $out/deb.log)"
phase_end

# The stock kernel, as an operator installs: a guest installs
# ebpfdma-dkms with dpkg (its postinst has DKMS compile the module there,
# against the kernel's headers, with the package's resolve_btfids; about
# four minutes under emulation) and ebpfdma-tools, loads the module and
# runs the tools from the packages (packages.sh).
phase_start "packages in a guest (stock kernel)"
truncate -s 16M "$out/packages-scratch.img"
vm stock/packages packages --kernel stock --timeout 1200 \
	--disk "$out/packages-scratch.img" -- \
	"$here/selftests/run-guest.sh" stock packages.sh
collect "$out/packages.out"
phase_end

# The debug kernel's phases.
debug_kernel
if [ -n "$debug_kdir" ]; then
	phase_start "kunit (debug kernel)"
	vm kunit kunit --kernel debug --modules "$modtree_debug" -- bash -c '
		modprobe ebpfdma_kunit || echo "not ok - kunit: modprobe ebpfdma_kunit"
		# The KTAP is in the kernel log (debugfs keeps only 512 bytes).
		dmesg | sed "s/^\[[^]]*\] //"'
	awk -v label=kunit -f "$here/ktap2tap.awk" "$out/kunit.out" >"$out/kunit.flat"
	grep -q '^not ok - kunit: modprobe' "$out/kunit.out" &&
		grep '^not ok - kunit: modprobe' "$out/kunit.out" >>"$out/kunit.flat"
	[ -s "$out/kunit.flat" ] || echo "not ok - kunit: the suites reported no result" >>"$out/kunit.flat"
	collect "$out/kunit.flat"
	phase_end
else
	record kunit 1 "KUnit needs the debug kernel, which did not build"
fi

if [ -n "$debug_kdir" ]; then
	run_selftests debug "$modtree_debug" "${debug_selftests[@]}"
else
	record debug 1 "selftests need the debug kernel, which did not build"
fi

# The debug kernel (built here, not a Debian package): DKMS builds the
# module on the host from the ebpfdma-dkms package's files (its sources,
# resolve_btfids and extract-vmlinux; an empty cache, so no kernel source
# can be used), and a guest loads it (dkms.sh).
dkms_test() {
	local kernel=$1 release=$2 kdir=$3 modbase=$4 d=$out/dkms-$1 ko deb log
	phase_start "dkms ($kernel kernel)"
	rm -rf "$d"
	mkdir -p "$d/pkg" "$d/tree" "$d/cache"
	deb=$(ls build/deb/ebpfdma-dkms_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] && dpkg-deb -x "$deb" "$d/pkg" &&
		EBPFDMA_HELPERS=$d/pkg/usr/lib/ebpfdma EBPFDMA_CACHE=$d/cache \
			dkms build -m ebpfdma -v "$(tools/build/version.sh)" -k "$release" \
			--kernelsourcedir "$kdir" \
			--sourcetree "$d/pkg/usr/src" \
			--dkmstree "$d/tree" >"$d/build.log" 2>&1
	record "$kernel/dkms" $? "dkms build for $release from the ebpfdma-dkms package (log: $d/build.log)"
	[ -n "$deb" ] && ! grep -q -e src -e resolve_btfids < <(ls "$d/cache")
	record "$kernel/dkms" $? "... with the package's resolve_btfids, no kernel source extracted or built from"
	# DKMS runs "make -jN": the kernel's make inside must get those jobs
	# (a recipe without "+" leaves it one, and says so in the log).
	log=$(find "$d/tree" -name make.log -path '*/log/*' | head -n1)
	[ -n "$log" ] && grep -q 'make -j' "$d/build.log" && ! grep -q 'jobserver unavailable' "$log"
	record "$kernel/dkms" $? "... built in parallel: the jobs DKMS gave reached the kernel's make (${log:-no make.log})"
	ko=$(find "$d/tree" -name 'ebpfdma.ko*' -path '*/module/*' | head -n1)
	if [ -n "$ko" ] && EBPFDMA_MOD_SUBDIR=updates/dkms \
		"$here/modtree.sh" "$release" "$modbase" "$d/modroot" "$ko"; then
		vm "$kernel/dkms" "dkms-$kernel" --kernel "$kernel" --modules "$d/modroot" -- \
			"$here/selftests/run-guest.sh" "$kernel" dkms.sh
		collect "$out/dkms-$kernel.out"
	else
		record "$kernel/dkms" 1 "the DKMS-built module is installed into a module tree"
	fi
	phase_end
}
[ -z "$debug_kdir" ] || dkms_test debug "$debug_release" "$debug_kdir" "$kcache/modroot"

echo
echo "Phase times:"
printf '  %s\n' "${phases[@]}"
echo "  total                        $(($(date +%s) - t_all)) s"
echo
failed=$(grep -c '^not ok' "$results")
skipped=$(grep -c '^ok .*# SKIP' "$results")
passed=$(($(grep -c '^ok' "$results") - skipped))
if [ "$failed" != 0 ]; then
	echo "Failed:"
	grep '^not ok' "$results" | sed 's/^/  /'
fi
if [ "$skipped" != 0 ]; then
	echo "Skipped:"
	grep '^ok .*# SKIP' "$results" | sed 's/^/  /'
fi
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

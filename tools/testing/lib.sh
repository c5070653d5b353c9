# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the build and test scripts (sourced, not run).

# Where machine-wide build products are cached (debug kernel, extracted
# kernel source, resolve_btfids): outside the checkout, so a machine builds
# them once.
EBPFDMA_CACHE=${EBPFDMA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ebpfdma}

# Where the ebpfdma-dkms package keeps resolve_btfids and extract-vmlinux
# (tools/build/btf-helpers.sh): DKMS builds then need no kernel source.
EBPFDMA_HELPERS=${EBPFDMA_HELPERS:-/usr/lib/ebpfdma}

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo "[$(date +%H:%M:%S)] $*" >&2
}

# Version of Debian's linux-source-6.1 package, e.g. "6.1.192-2".
linux_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null
}

# Extract linux-source-6.1 once into the cache; print the tree's path.
# (EBPFDMA_LINUX_SOURCE_TARBALL: another tarball, for the tests.)
linux_source_tree() {
	local ver dir tarball=${EBPFDMA_LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
	ver=$(linux_source_version)
	[ -n "$ver" ] && [ -f "$tarball" ] ||
		die "Debian package linux-source-6.1 is not installed (apt-get install linux-source-6.1)"
	dir=$EBPFDMA_CACHE/src/$ver
	if [ ! -f "$dir/.extracted" ]; then
		# One extraction at a time (make check and make bench, or two
		# builds, may want it at once): a second caller waits for the
		# first, then finds the tree.
		mkdir -p "$EBPFDMA_CACHE/src"
		(
			flock 9 || exit 1
			[ -f "$dir/.extracted" ] && exit 0
			note "extracting $tarball into $dir"
			rm -rf "$dir"
			mkdir -p "$dir"
			tar -xJf "$tarball" -C "$dir" --strip-components=1 &&
				touch "$dir/.extracted"
		) 9>"$dir.lock" || die "cannot extract $tarball"
	fi
	echo "$dir"
}

# Newest installed Debian stock kernel release, e.g. "6.1.0-56-amd64".
# The major version of qemu-system-x86_64 (the TCG plugin's API follows it).
qemu_major() {
	qemu-system-x86_64 --version 2>/dev/null |
		sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p'
}

stock_kernel_release() {
	local v best=
	for v in /boot/vmlinuz-*-amd64; do
		[ -f "$v" ] || continue
		v=${v#/boot/vmlinuz-}
		[ -d "/lib/modules/$v/kernel" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n1)
	done
	echo "$best"
}

# Release string of a kernel build tree (Debian's headers keep the upstream
# version in include/config/kernel.release; utsrelease.h has the real one).
kdir_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

# host_check_results WORKDIR DISK...: check, from the disk images, what
# the guest's tests recorded in WORKDIR/host-checks.tsv (description, disk
# index, byte offset, length, sha256 of the bytes that must be there): a
# line "RC<tab>DESCRIPTION" each, RC 0 when the bytes are there.
host_check_results() {
	local work=$1 desc idx off len want got
	shift
	local disks=("$@")
	[ -f "$work/host-checks.tsv" ] || return 0
	while IFS=$'\t' read -r desc idx off len want; do
		got=$(tail -c +$((off + 1)) "${disks[$idx]}" | head -c "$len" |
			sha256sum | cut -d' ' -f1)
		printf '%s\t%s\n' "$([ "$got" = "$want" ]; echo $?)" \
			"$desc (host: sha256 of ${disks[$idx]##*/} [$off, +$len))"
	done <"$work/host-checks.tsv"
}

# Print the lines of a guest console log that show a kernel splat; succeed
# when there is at least one.
guest_log_splats() {
	grep -E -m 20 \
		'WARNING:|BUG:|Oops|Call Trace|general protection fault|Kernel panic|KASAN:|UBSAN:|unreferenced object|suspected memory leak|INFO: task .* blocked|rcu: INFO|detected stall|DMA-API: .*device driver' \
		"$1"
}

# tap_flatten LABEL: turn a TAP stream's "ok N desc" / "not ok N desc" lines
# into "ok - LABEL: desc", the flat form make check collects; drop the
# version and plan lines.
tap_flatten() {
	sed -E -e "s@^(not ok|ok) [0-9]+ @\\1 - $1: @" -e '/^(TAP version|1\.\.)/d'
}

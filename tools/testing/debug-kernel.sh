#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once per machine) the debug guest kernel from Debian's
# linux-source-6.1: allnoconfig + kconfig/debug.config (KUnit, KASAN,
# lockdep, kmemleak, DMA-API debugging, BTF).  The result is cached in
# $EBPFDMA_CACHE/kernel/debug-<source version>-<config hash>/ and its path is
# printed on stdout:
#   build/          kernel build tree (for "make -C build M=...")
#   bzImage         the kernel
#   modroot/        "make modules_install" tree (lib/modules/<release>)
#   release         the kernel release string
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# Bump when the build steps below change what they produce.
recipe=1
frag=$here/kconfig/debug.config
src=$(linux_source_tree)
key=$(linux_source_version)-$({ cat "$frag"; echo "recipe $recipe"; } | sha256sum | cut -c1-12)
out=$EBPFDMA_CACHE/kernel/debug-$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
# One build at a time per cache: a second caller waits for the first.
mkdir -p "$EBPFDMA_CACHE/kernel"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

start=$(date +%s)
note "building the debug kernel in $out (a cold build takes several minutes)"
rm -rf "$out"
mkdir -p "$out/build"
kmake() {
	make -C "$src" O="$out/build" ARCH=x86_64 "$@"
}
kmake -s allnoconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
	"$out/build/.config" "$frag" >/dev/null
kmake -s olddefconfig >/dev/null

# Every option the fragment asks for must have survived olddefconfig:
# a dependency the fragment forgot would otherwise drop it silently.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/build/.config" ||
			{ echo "debug kernel: $line did not take effect" >&2; missing=1; }
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$out/build/.config"; then
			echo "debug kernel: $opt is set but should not be" >&2
			missing=1
		fi
		;;
	esac
done <"$frag"
[ "$missing" = 0 ] || die "kconfig/debug.config does not apply cleanly to linux-source $(linux_source_version)"

jobs=$(nproc)
kmake -j"$jobs" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "debug kernel build failed (log: $out/build.log)"; }
kmake -s INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 modules_install \
	>>"$out/build.log" 2>&1 || die "modules_install failed (log: $out/build.log)"
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
kmake -s kernelrelease >"$out/release"
touch "$out/.done"
# Older debug kernels (another source version or config) are not used again.
for old in "$EBPFDMA_CACHE"/kernel/debug-*; do
	case "$old" in "$out" | "$out.lock") ;; *) rm -rf "$old" ;; esac
done
note "debug kernel $(cat "$out/release") built in $(($(date +%s) - start)) s"
echo "$out"

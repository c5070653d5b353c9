#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh [options] -- COMMAND [ARGS...]
#
# Boot a test kernel under qemu, run COMMAND inside it and exit with its
# status.  The guest sees the host's root file system read-only (so the
# checkout, its build products and the host's tools run unchanged) and a
# writable work folder at the same path as on the host.
#
#   --kernel stock|debug  Debian's installed linux-image-amd64 (default), or
#                         the debug kernel built by debug-kernel.sh
#   --work DIR            writable work folder (default: a new temporary one)
#   --log FILE            full guest console log (default: DIR/console.log)
#   --modules DIR         module tree (DIR/lib/modules/<release>) bound over
#                         /lib/modules in the guest
#   --disk FILE           attach FILE as a raw virtio-blk disk (repeatable:
#                         /dev/vda, /dev/vdb, ... in order)
#   --nics N              N virtio-net NICs joined by one virtual hub
#   --mem MB, --cpus N    guest size (default 1024 MB, 2 CPUs)
#   --timeout S           kill the guest after S seconds (default 600)
#   --plugin SPEC         load a TCG plugin: qemu's -plugin SPEC (FILE,ARG=...;
#                         under KVM there is none: refused)
#
# Exit status: the command's; 124 on timeout; 125 when the guest died
# before reporting a status; 126 when the command passed but the kernel
# log shows a splat (WARNING, BUG, Oops, KASAN, lockdep, kmemleak, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kernel=stock work= log= modules= nics=0 mem=1024 cpus=2 timeout_s=600 plugin=
disks=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--disk) disks+=("$2"); shift 2 ;;
	--nics) nics=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	--) shift; break ;;
	*) die "vm-run.sh: unknown option $1" ;;
	esac
done
[ $# -gt 0 ] || die "vm-run.sh: no command given (vm-run.sh [options] -- COMMAND)"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

case "$kernel" in
stock)
	release=$(stock_kernel_release)
	[ -n "$release" ] ||
		die "no Debian stock kernel installed (apt-get install linux-image-amd64)"
	bzimage=/boot/vmlinuz-$release
	modbase=/
	;;
debug)
	kdir=$("$here/debug-kernel.sh")
	release=$(cat "$kdir/release")
	bzimage=$kdir/bzImage
	modbase=$kdir/modroot
	[ -n "$modules" ] || modules=$modbase
	;;
*) die "vm-run.sh: --kernel must be stock or debug" ;;
esac

if [ -n "$modules" ]; then
	[ -d "$modules/lib/modules/$release" ] ||
		die "vm-run.sh: $modules has no lib/modules/$release"
	modules=$(cd "$modules" && pwd)
fi
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/ebpfdma-vm.XXXXXX")
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
log=${log:-$work/console.log}
rm -f "$work/rc" "$work/output"
# The command runs in the caller's directory (the host root is shared).
{
	printf 'cd %q || exit 1\n' "$PWD"
	printf '%q ' "$@"
	echo
} >"$work/cmd.sh"

initrd=$("$here/mkinitramfs.sh" "$release" "$modbase")

# One CPU per socket: without ACPI (the debug kernel) the CPUs come from
# SeaBIOS's MP table, which lists only the first CPU of each package.
qemu_args=(
	-m "$mem" -smp "$cpus,sockets=$cpus,cores=1,threads=1" -no-reboot -display none -monitor none
	-serial "file:$log"
	-kernel "$bzimage" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 oops=panic edmatest.stage2=$here/guest-init.sh edmatest.work=$work edmatest.cwd=$PWD${modules:+ edmatest.modules=$modules}"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap"
)
i=0
for d in "${disks[@]}"; do
	[ -f "$d" ] || [ -b "$d" ] || die "vm-run.sh: disk $d does not exist"
	qemu_args+=(-drive "file=$d,format=raw,if=none,id=disk$i,cache=writeback"
		-device "virtio-blk-pci,drive=disk$i,serial=ebpfdma$i")
	i=$((i + 1))
done
for ((i = 0; i < nics; i++)); do
	qemu_args+=(-netdev "hubport,id=nic$i,hubid=0"
		-device "virtio-net-pci,netdev=nic$i,mac=52:54:00:12:34:$(printf %02x $((i + 16)))")
done

accel=$("$here/kvm-probe.sh")
if [ -n "$plugin" ]; then
	case "$accel" in
	*kvm*) die "vm-run.sh: --plugin needs TCG, and this host has KVM" ;;
	esac
	qemu_args+=(-plugin "$plugin")
fi
rc=0
timeout "$timeout_s" qemu-system-x86_64 $accel "${qemu_args[@]}" || rc=$?
if [ "$rc" = 124 ]; then
	cat "$work/output" 2>/dev/null || true
	echo "vm-run: guest timed out after $timeout_s s (console log: $log)" >&2
	exit 124
fi
cat "$work/output" 2>/dev/null || true
if [ ! -f "$work/rc" ]; then
	echo "vm-run: the guest died before reporting a status (console log: $log)" >&2
	tail -n 30 "$log" >&2 || true
	exit 125
fi
rc=$(cat "$work/rc")
if splats=$(guest_log_splats "$log"); then
	echo "vm-run: kernel splat in the guest log ($log):" >&2
	echo "$splats" >&2
	[ "$rc" != 0 ] || rc=126
fi
exit "$rc"

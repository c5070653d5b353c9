#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the qemu acceleration arguments: KVM when a KVM guest really boots
# here (probed once per host boot with a short timeout), else TCG.  Nested
# KVM often opens /dev/kvm and then hangs the guest, so opening it proves
# nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tcg="-accel tcg,thread=multi -cpu max"
kvm="-accel kvm -cpu host"
if [ -n "${EBPFDMA_ACCEL:-}" ]; then
	case "$EBPFDMA_ACCEL" in
	kvm) echo "$kvm" ;;
	tcg) echo "$tcg" ;;
	*) die "EBPFDMA_ACCEL must be kvm or tcg" ;;
	esac
	exit 0
fi
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "$tcg"
	exit 0
fi
stamp=$EBPFDMA_CACHE/kvm-probe/$(cat /proc/sys/kernel/random/boot_id)
if [ ! -f "$stamp" ]; then
	mkdir -p "$(dirname "$stamp")"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	printf '#!/bin/busybox sh\n/bin/busybox echo KVM-PROBE-OK\n/bin/busybox reboot -f\n' >"$tmp/init"
	release=$(stock_kernel_release)
	initrd=$("$here/mkinitramfs.sh" "$release" / "$tmp/init")
	# shellcheck disable=SC2086 # kvm is a word list
	if timeout 20 qemu-system-x86_64 $kvm -m 256 -no-reboot -display none \
		-monitor none -serial "file:$tmp/log" \
		-kernel "/boot/vmlinuz-$release" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1" >/dev/null 2>&1 &&
		grep -q KVM-PROBE-OK "$tmp/log"; then
		echo kvm >"$stamp"
	else
		echo tcg >"$stamp"
	fi
fi
if [ "$(cat "$stamp")" = kvm ]; then echo "$kvm"; else echo "$tcg"; fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages that building and testing ebpfdma needs,
# only those missing ("apt-get update" first, as a new machine needs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

pkgs=(
	build-essential bc bison flex cpio gzip xz-utils kmod util-linux
	iproute2 busybox-static qemu-system-x86 dkms dwarves
	libelf-dev libssl-dev zlib1g-dev libbpf-dev bpftool clang llvm libclang-rt-14-dev
	clang-format python3 python3-matplotlib dmsetup prometheus ethtool nvme-cli strace
	iperf3 e2fsprogs xfsprogs scdoc man-db systemd
	debhelper dh-dkms dpkg-dev lintian git
	liburing-dev libsodium-dev linux-image-amd64 linux-headers-amd64 linux-source-6.1
)
missing=()
for p in "${pkgs[@]}"; do
	grep -q 'install ok installed' < <(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) ||
		missing+=("$p")
done
# The stock guest kernel's own headers (linux-headers-amd64 follows the
# newest image; an older image may be the newest with modules installed).
rel=$(stock_kernel_release)
if [ -n "$rel" ] && ! [ -d "/usr/src/linux-headers-$rel" ]; then
	missing+=("linux-headers-$rel")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] ||
	die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
note "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

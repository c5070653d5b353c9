#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the end-to-end run on a fresh Debian 12 machine.  Installs what
# is missing, builds ebpfdma.ko with BTF for Debian's stock kernel and the
# tools, boots that kernel under qemu with a virtio-blk disk, loads the
# module with modprobe, joins a client and a server network namespace with
# veth, starts "ebpfdmactl serve" (XDP native on the server's veth), sends a
# generated 256 MiB file with ebpfdma-send, and then checks on the host that
# the disk image holds exactly the file (sha256).  The last line is
# "demo: OK" or "demo: FAILED".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
cd "$top"

size_mib=${EBPFDMA_DEMO_MIB:-256}
work=$top/build/demo

fail() {
	echo "demo: FAILED ($*)"
	exit 1
}

"$here/deps.sh" || fail "cannot install the packages"
release=$(stock_kernel_release)
[ -n "$release" ] || fail "no Debian stock kernel installed"
out=$top/build/$release
tools/build/build-module.sh "/usr/src/linux-headers-$release" "$out" ||
	fail "the module does not build"
"$here/modtree.sh" "$release" / "$out/modroot" "$out/ebpfdma.ko" ||
	fail "cannot prepare the guest's module tree"
make -s tools || fail "the tools do not build"

rm -rf "$work"
mkdir -p "$work"
note "generating a $size_mib MiB file of random data"
head -c $((size_mib << 20)) /dev/urandom >"$work/file" || fail "no data"
want=$(sha256sum "$work/file" | cut -d' ' -f1)
# The server's disk: the file lands at block 2048 (1 MiB) of a volume
# window of the file's size; the rest of the disk must stay zero.
truncate -s $(((size_mib + 2) << 20)) "$work/disk.img"

note "booting $release under qemu (software emulation: this takes minutes)"
"$here/vm-run.sh" --kernel stock --modules "$out/modroot" --mem 2048 \
	--timeout 1800 --disk "$work/disk.img" --work "$work/vm" \
	--log "$work/console.log" -- bash -c '
	set -e
	top='"$top"'
	. "$top/tools/testing/selftests/netns.sh"
	ctl=$top/build/tools/ebpfdmactl
	send=$top/build/tools/ebpfdma-send
	blocks=$(('"$size_mib"' * 2048))
	echo "# modprobe ebpfdma"
	modprobe ebpfdma
	echo "# client (edma-tx, 10.11.0.1) and server (edma-rx, 10.11.0.2) namespaces, veth"
	netns_up
	echo "# ebpfdmactl genkey /tmp/volume1.key  (the volume'"'"'s secret, shared by both sides)"
	rm -f /tmp/volume1.key
	"$ctl" genkey /tmp/volume1.key
	cat >/tmp/serve.conf <<-EOC
	interface = veth-rx
	port = 7788
	metrics = 127.0.0.1:9788
	peer = 10.11.0.1
	key_file = /tmp/volume1.key
	volume = 1 /dev/vda start=2048 blocks=$blocks
	EOC
	echo "# ebpfdmactl serve /tmp/serve.conf  (in edma-rx)"
	ip netns exec edma-rx "$ctl" serve /tmp/serve.conf >/tmp/serve.out 2>/tmp/serve.log &
	serve=$!
	for i in $(seq 100); do
		grep -q "^ready$" /tmp/serve.out && break
		sleep 0.2
	done
	cat /tmp/serve.log
	echo "# ebpfdma-send --key-file /tmp/volume1.key 10.11.0.2 1 file  (in edma-tx, '"$size_mib"' MiB, ChaCha20-Poly1305)"
	ip netns exec edma-tx "$send" --key-file /tmp/volume1.key 10.11.0.2 1 '"$work/file"'
	echo "(the throughput above is under software emulation when KVM is unavailable)"
	echo "# ebpfdmactl status"
	"$ctl" status
	echo "# bpftool prog show name ebpfdma_rx"
	bpftool prog show name ebpfdma_rx
	echo "# bpftool net show dev veth-rx  (in edma-rx)"
	ip netns exec edma-rx bpftool net show dev veth-rx
	echo "# GET http://127.0.0.1:9788/metrics (in edma-rx) | grep written_bytes"
	ip netns exec edma-rx bash -c "exec 3<>/dev/tcp/127.0.0.1/9788 &&
		printf \"GET /metrics HTTP/1.0\r\n\r\n\" >&3 && cat <&3" |
		grep "^ebpfdma_written_bytes_total"
	echo "# kill -TERM serve"
	kill -TERM $serve
	wait $serve
	cat /tmp/serve.log | tail -2
	netns_down
	rmmod ebpfdma
	' || fail "the guest run failed (console log: $work/console.log)"

note "comparing the disk image with the file on the host"
got=$(tail -c +$((1048576 + 1)) "$work/disk.img" | head -c $((size_mib << 20)) |
	sha256sum | cut -d' ' -f1)
echo "sha256 of the file:                   $want"
echo "sha256 of the disk at [1 MiB, +$size_mib MiB): $got"
[ "$got" = "$want" ] || fail "the disk does not hold the file"
zero=$( (head -c 1048576 "$work/disk.img"; tail -c 1048576 "$work/disk.img") |
	tr -d '\0' | wc -c)
[ "$zero" = 0 ] || fail "bytes were written outside the volume's window"
rm -f "$work/file" "$work/disk.img"
echo "demo: OK ($size_mib MiB sent over XDP into the disk image, sha256 equal)"

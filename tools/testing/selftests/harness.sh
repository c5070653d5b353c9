#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest): what the VM harness promises every other test.  Run with
# one 64 MiB disk and two NICs.  The disk write is verified on the host,
# from the image file, through $EBPFDMA_VM_WORK/host-checks.tsv.
. "$(dirname "$0")/tap.sh"

check_fails "the host root is read-only" "Read-only file system" \
	touch /usr/.ebpfdma-probe
check "the work folder is writable" \
	bash -c 'echo x >"$EBPFDMA_VM_WORK/probe" && rm "$EBPFDMA_VM_WORK/probe"'
check "/tmp is a writable tmpfs" \
	test "$(stat -f -c %T /tmp)" = tmpfs
check "the module tree has ebpfdma" \
	bash -c 'modinfo -n ebpfdma | grep -q "/lib/modules/$(uname -r)/"'
check "/dev/vda is the 64 MiB virtio disk" \
	test "$(blockdev --getsize64 /dev/vda 2>/dev/null)" = 67108864
nics=$(for n in /sys/class/net/*; do
	readlink "$n/device/driver" 2>/dev/null
done | grep -c virtio_net)
check "two virtio-net NICs" test "$nics" = 2

veth_ping() {
	ip netns add edma-peer &&
		ip link add edma-a type veth peer name edma-b netns edma-peer &&
		ip addr add 10.213.0.1/24 dev edma-a && ip link set edma-a up &&
		ip -n edma-peer addr add 10.213.0.2/24 dev edma-b &&
		ip -n edma-peer link set edma-b up &&
		ip -n edma-peer link set lo up &&
		busybox ping -c 1 -W 5 10.213.0.2 >/dev/null
	local rc=$?
	ip netns del edma-peer 2>/dev/null
	return $rc
}
check "veth between network namespaces passes traffic" veth_ping

# 4 MiB of random data at 1 MiB into the disk, written around the page cache.
disk_write() {
	local data=/tmp/disk-data sum
	head -c 4M /dev/urandom >"$data" &&
		dd if="$data" of=/dev/vda bs=1M seek=1 oflag=direct conv=fsync \
			status=none || return 1
	sum=$(sha256sum "$data" | cut -d' ' -f1)
	printf '%s\t%s\t%s\t%s\t%s\n' "guest writes to /dev/vda reach the image file" \
		0 1048576 4194304 "$sum" >>"$EBPFDMA_VM_WORK/host-checks.tsv"
}
check "4 MiB written to /dev/vda with O_DIRECT" disk_write
tap_done

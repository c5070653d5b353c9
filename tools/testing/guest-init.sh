#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Second stage of the test guest, run from the host's root file system
# (read-only over 9p): mount scratch file systems and the writable work
# folder (at the same path as on the host), run the command, record its exit
# status, scan for leaks when kmemleak is there, and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb LC_ALL=C

work= modules= cwd=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	edmatest.work=*) work=${arg#edmatest.work=} ;;
	edmatest.modules=*) modules=${arg#edmatest.modules=} ;;
	edmatest.cwd=*) cwd=${arg#edmatest.cwd=} ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)

mount -t tmpfs -o mode=755 tmpfs /run
# /tmp becomes a scratch tmpfs; the host's own /tmp stays reachable for the
# checkout, the module tree and the caller's directory when they live there.
mkdir -p /run/hosttmp
mount --bind /tmp /run/hosttmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
for p in "$top" "$modules" "$cwd"; do
	case "$p" in
	/tmp/?*)
		mkdir -p "$p"
		mount --bind "/run/hosttmp/${p#/tmp/}" "$p" ||
			echo "guest-init: cannot reach the host's $p"
		;;
	esac
done
mkdir -p /run/lock /run/netns
# The root is the host's, read-only: serve's commit records go to /tmp
# (as systemd's StateDirectory= tells a service where its state goes).
export STATE_DIRECTORY=/tmp/ebpfdma-state
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p "$work" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work "$work" || {
	echo "guest-init: cannot mount the work folder $work"
	reboot -f
}
if [ -n "$modules" ]; then
	mount --bind "$modules/lib/modules" /lib/modules ||
		echo "guest-init: cannot bind $modules/lib/modules"
fi
# Drivers of the virtual disks and NICs (modules in the stock kernel).
modprobe -q virtio_blk
modprobe -q virtio_net
ip link set lo up
# A task blocked for 20 s is reported (a splat): the debug kernel's
# hung-task detector, shorter than its default.
[ -w /proc/sys/kernel/hung_task_timeout_secs ] &&
	echo 20 >/proc/sys/kernel/hung_task_timeout_secs

# Tests find the work folder here; lines they append to host-checks.tsv are
# verified on the host against the disk images after the guest exits.
export EBPFDMA_VM_WORK=$work
echo "guest-init: running on $(uname -r)"
cd "$work" || exit 1
bash "$work/cmd.sh" </dev/null 2>&1 | tee "$work/output"
rc=${PIPESTATUS[0]}
echo "guest-init: command exited with $rc"

if [ -w /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports only objects older than 5 s; scan twice to
	# confirm, and print what it found into the console log.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
echo "$rc" >"$work/rc"
sync
reboot -f

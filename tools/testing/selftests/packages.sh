#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root, after dkms.sh): the Debian packages of build/deb/
# (make deb).  The module in this guest's module tree is the one DKMS
# built on the host from ebpfdma-dkms's own files (check.sh's dkms phase:
# its sources and its resolve_btfids, no kernel source).  ebpfdma-tools is
# installed with dpkg, as an operator would, into an overlay of the
# guest's root (the host's, read-only, underneath: nothing reaches it);
# its programs, man pages, completion, unit and configuration are where
# they belong, and its ebpfdmactl drives the DKMS module (a volume on
# /dev/vda, a scratch disk).
. "$(dirname "$0")/tap.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
debs=$top/build/deb
root=/tmp/pkgroot
version=$("$top/tools/build/version.sh")
tools_deb=$debs/ebpfdma-tools_${version}_amd64.deb

if [ ! -f "$tools_deb" ]; then
	skip "ebpfdma-tools installs and works" "no $tools_deb (make deb builds it)"
	tap_done
	exit
fi
mkdir -p /tmp/pkg-upper /tmp/pkg-work $root
check "an overlay of the root file system to install into" \
	mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/pkg-upper,workdir=/tmp/pkg-work $root
mount -t proc proc $root/proc
mount -t sysfs sysfs $root/sys
mount --rbind /dev $root/dev
mount -t tmpfs tmpfs $root/run
# No man-db index under emulation: its trigger takes minutes.
rm -f $root/var/lib/man-db/auto-update
start=$(date +%s)
chroot $root env DEBIAN_FRONTEND=noninteractive dpkg -i "$tools_deb" >/tmp/dpkg.log 2>&1
rc=$?
sed 's/^/# /' /tmp/dpkg.log | tail -n 8
check "dpkg -i ebpfdma-tools: installed in $(($(date +%s) - start)) s (exit $rc)" test $rc = 0
check "ebpfdmactl in /usr/sbin and ebpfdma-send in /usr/bin, their --version the package's" \
	bash -c "chroot $root /usr/sbin/ebpfdmactl --version | grep -qx 'ebpfdmactl $version' &&
		chroot $root /usr/bin/ebpfdma-send --version | grep -q '^ebpfdma-send $version '"
check "modprobe the DKMS module (updates/dkms, version $version)" \
	bash -c "modprobe ebpfdma && [ \$(cat /sys/module/ebpfdma/version) = $version ] &&
		case \$(modinfo -n ebpfdma) in */updates/dkms/*) true ;; *) false ;; esac"
check "the packaged ebpfdmactl drives it: status, a volume added, listed, deleted" \
	bash -c "chroot $root /usr/sbin/ebpfdmactl status | grep -q '^volumes: 0' &&
		chroot $root /usr/sbin/ebpfdmactl volume add 3 /dev/vda --blocks 2048 >/dev/null &&
		chroot $root /usr/sbin/ebpfdmactl volume list | grep -q '^3 ' &&
		chroot $root /usr/sbin/ebpfdmactl volume del 3"
check "its man pages, bash completion and systemd unit are installed" \
	bash -c "for f in usr/share/man/man8/ebpfdmactl.8.gz usr/share/man/man1/ebpfdma-send.1.gz \
		usr/share/man/man5/ebpfdma-serve.conf.5.gz \
		usr/share/bash-completion/completions/ebpfdmactl \
		usr/share/bash-completion/completions/ebpfdma-send \
		lib/systemd/system/ebpfdma-serve.service; do test -s $root/\$f || exit 1; done"
check "... man finds ebpfdmactl(8)" \
	bash -c "chroot $root man -w ebpfdmactl | grep -q ebpfdmactl.8"
check "/etc/ebpfdma/serve.conf: a conffile, mode 0600 in a 0700 directory" \
	bash -c "[ \$(stat -c %a $root/etc/ebpfdma/serve.conf) = 600 ] &&
		[ \$(stat -c %a $root/etc/ebpfdma) = 700 ] &&
		grep -qx /etc/ebpfdma/serve.conf $root/var/lib/dpkg/info/ebpfdma-tools.conffiles"
check "... serve reads it: its example names a key file not made yet (exit 3, saying so)" \
	bash -c "chroot $root /usr/sbin/ebpfdmactl serve /etc/ebpfdma/serve.conf 2>&1 >/dev/null |
		grep -q 'volumes.key' && [ \${PIPESTATUS[0]} = 3 ]"
check "dpkg --purge ebpfdma-tools: its files go, its configuration too" \
	bash -c "chroot $root env DEBIAN_FRONTEND=noninteractive dpkg --purge ebpfdma-tools >/dev/null 2>&1 &&
		! test -e $root/usr/sbin/ebpfdmactl && ! test -e $root/etc/ebpfdma/serve.conf"
rmmod ebpfdma
umount $root/run
umount -l $root/dev
umount $root/sys $root/proc
umount $root
rm -rf /tmp/pkg-upper /tmp/pkg-work
tap_done

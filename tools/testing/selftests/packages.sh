#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root, stock kernel): the Debian packages of build/deb/
# (make deb), installed with dpkg as an operator installs them, into an
# overlay of the guest's root (the host's, read-only, underneath: nothing
# reaches it).  ebpfdma-dkms's postinst has DKMS compile the module here,
# against the running kernel's headers, with the package's resolve_btfids
# (no kernel source); ebpfdma-tools brings the programs, man pages,
# completion, unit and configuration.  The module is loaded from where
# DKMS put it, the packaged ebpfdmactl drives it (a volume on /dev/vda, a
# scratch disk), and both packages are purged again.
. "$(dirname "$0")/tap.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
debs=$top/build/deb
root=/tmp/pkgroot
version=$("$top/tools/build/version.sh")
tools_deb=$debs/ebpfdma-tools_${version}_amd64.deb
dkms_deb=$debs/ebpfdma-dkms_${version}_amd64.deb
release=$(uname -r)

if [ ! -f "$tools_deb" ] || [ ! -f "$dkms_deb" ]; then
	check "the packages are built (make deb)" false
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
# DKMS reads <(...): /dev/fd, which this guest's devtmpfs lacks.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
# No man-db index under emulation: its trigger takes minutes.
rm -f $root/var/lib/man-db/auto-update
dpkg_rc= dpkg_s=
dpkg_i() { # DEB: install it in the overlay: $dpkg_rc, $dpkg_s; /tmp/dpkg.log
	local start=$(date +%s)
	chroot $root env DEBIAN_FRONTEND=noninteractive dpkg -i "$1" >/tmp/dpkg.log 2>&1
	dpkg_rc=$?
	dpkg_s=$(($(date +%s) - start))
	sed 's/^/# /' /tmp/dpkg.log | tail -n 12
}
check "no ebpfdma module in the guest's module tree before the package" \
	bash -c "! chroot $root modinfo -n ebpfdma >/dev/null 2>&1"
dpkg_i "$dkms_deb"
check "dpkg -i ebpfdma-dkms: its postinst had DKMS build and install the module here, in $dpkg_s s (exit $dpkg_rc)" \
	bash -c "[ $dpkg_rc = 0 ] && grep -q 'Building initial module for $release' /tmp/dpkg.log &&
		chroot $root dkms status -m ebpfdma -v $version -k $release | grep -q ': installed'"
ko=$(chroot $root modinfo -n ebpfdma 2>/dev/null)
check "... to updates/dkms, built for $release, with .BTF (${ko:-none})" \
	bash -c "case '$ko' in */updates/dkms/ebpfdma.ko*) ;; *) exit 1 ;; esac &&
		[ \"\$(chroot $root modinfo -F vermagic ebpfdma | cut -d' ' -f1)\" = $release ] &&
		readelf -S -W $root$ko | grep -q ' \.BTF '"
dpkg_i "$tools_deb"
check "dpkg -i ebpfdma-tools: installed in $dpkg_s s (exit $dpkg_rc)" test "$dpkg_rc" = 0
check "ebpfdmactl in /usr/sbin and ebpfdma-send in /usr/bin, their --version the package's" \
	bash -c "chroot $root /usr/sbin/ebpfdmactl --version | grep -qx 'ebpfdmactl $version' &&
		chroot $root /usr/bin/ebpfdma-send --version | grep -q '^ebpfdma-send $version '"
check "modprobe loads the DKMS module (version $version, /dev/ebpfdma, its BTF)" \
	bash -c "chroot $root modprobe ebpfdma && [ \$(cat /sys/module/ebpfdma/version) = $version ] &&
		test -c /dev/ebpfdma && test -s /sys/kernel/btf/ebpfdma"
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
check "rmmod ebpfdma" rmmod ebpfdma
check "dpkg --purge ebpfdma-dkms: DKMS takes the module out of the tree again" \
	bash -c "chroot $root env DEBIAN_FRONTEND=noninteractive dpkg --purge ebpfdma-dkms >/dev/null 2>&1 &&
		! chroot $root modinfo -n ebpfdma >/dev/null 2>&1 && ! test -e $root/usr/src/ebpfdma-$version"
umount $root/run
umount -l $root/dev
umount $root/sys $root/proc
umount $root
rm -rf /tmp/pkg-upper /tmp/pkg-work
tap_done

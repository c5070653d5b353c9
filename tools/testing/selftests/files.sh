#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): file volumes.  /dev/vdl (64 MiB) is made ext4
# and /dev/vdm (320 MiB) xfs; files on them are volumes of serve, which
# the module writes with direct I/O from its pool (no page cache, no
# copy), and ebpfdma-send sends into them over veth + XDP: a file
# preallocated with fallocate (asynchronous writes into unwritten
# extents) and an empty one (every write extends it).  Once the file
# systems are unmounted, each file's extents (filefrag) are checked on the
# host, in the disk image, against what was sent, and fsck finds both file
# systems clean.  On ext4, a file system with less room than a transfer
# needs (room for half): its writes fail (ENOSPC), the sender hears that
# the receiver's disk failed (exit 3), and what it heard acknowledged is
# on the disk.  A frozen file system fails its writes at once (exit 3),
# and takes them again once thawed; immutable, append-only and tmpfs
# files, and a window over another volume's blocks, are refused.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
ctl=$top/build/tools/ebpfdmactl
send=$top/build/tools/ebpfdma-send
. "$(dirname "$0")/serve.sh"
ext4=/dev/vdl
xfs=/dev/vdm
key=/tmp/files.key
file_sum() { sha256sum "$1" | cut -d' ' -f1; }
# The debug kernel is several times slower: fewer bytes, as good a test.
case $(uname -r) in *debug*) mib=2 ;; *) mib=8 ;; esac
bytes=$((mib << 20))
sectors=$((bytes / 512))

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$ext4 is the 64 MiB ext4 disk, $xfs the 320 MiB xfs one" \
	test "$(blockdev --getsize64 $ext4)" = 67108864 -a \
	"$(blockdev --getsize64 $xfs)" = 335544320
modprobe ext4 2>/dev/null
modprobe xfs 2>/dev/null
mkdir -p /tmp/edma-ext4 /tmp/edma-xfs
# No blocks reserved for root: the kernel writes as root.
check "mkfs.ext4 -m 0 on $ext4, mounted" \
	bash -c "mkfs.ext4 -q -F -m 0 $ext4 && mount -t ext4 $ext4 /tmp/edma-ext4"
check "mkfs.xfs on $xfs, mounted" \
	bash -c "mkfs.xfs -q -f $xfs && mount -t xfs $xfs /tmp/edma-xfs"
for fs in ext4 xfs; do
	fallocate -l $bytes /tmp/edma-$fs/pre.bin
	: >/tmp/edma-$fs/grow.bin
done
: >/tmp/edma-ext4/full.bin
fallocate -l 1048576 /tmp/edma-ext4/frozen.bin
stream_bytes=$(((16 << 20) + (1 << 20)))
fallocate -l $stream_bytes /tmp/edma-xfs/stream.bin
check "network namespaces edma-tx and edma-rx joined by veth" netns_up
rm -f $key
"$ctl" genkey $key >/dev/null
cat >/tmp/files.conf <<EOC
interface = veth-rx
port = 7788
metrics = 127.0.0.1:9788
peer = 10.11.0.1
key_file = $key
volume = 40 /tmp/edma-ext4/pre.bin start=0 blocks=$sectors
volume = 41 /tmp/edma-ext4/grow.bin start=0 blocks=$sectors
volume = 42 /tmp/edma-xfs/pre.bin start=0 blocks=$sectors
volume = 43 /tmp/edma-xfs/grow.bin start=0 blocks=$sectors
volume = 44 /tmp/edma-ext4/full.bin start=0 blocks=$sectors
volume = 45 /tmp/edma-ext4/frozen.bin start=0 blocks=2048
volume = 47 /tmp/edma-xfs/stream.bin start=0 blocks=$((stream_bytes / 512))
EOC
serve_start /tmp/files.conf
started=$?
check "serve starts with seven file volumes" test $started = 0
if [ $started != 0 ]; then
	umount /tmp/edma-ext4 /tmp/edma-xfs
	netns_down
	tap_done
	exit
fi
list=$("$ctl" volume list)
check "ebpfdmactl volume list says each is a file, flushed by fsync" \
	test "$(printf '%s\n' "$list" | grep -c '^4[0-5] .* file (fsync)$')" = 6
check_fails "a second volume over the same file's blocks is refused (EBUSY)" \
	"volume add 46 /tmp/edma-ext4/pre.bin: Device or resource busy" \
	"$ctl" volume add 46 /tmp/edma-ext4/pre.bin --start 8 --blocks 8
check_fails "a file in /tmp is refused: its file system has no direct I/O" \
	"its file system has no direct I/O" \
	"$ctl" volume add 46 /tmp/files.conf --start 0 --blocks 8
for attr in i a; do
	: >/tmp/edma-ext4/attr.bin
	chattr +$attr /tmp/edma-ext4/attr.bin
	check_fails "an $([ $attr = i ] && echo immutable || echo append-only) file is refused" \
		"immutable or append-only" \
		"$ctl" volume add 46 /tmp/edma-ext4/attr.bin --start 0 --blocks 8
	chattr -$attr /tmp/edma-ext4/attr.bin
done
rm -f /tmp/edma-ext4/attr.bin

i=0
for fs in ext4 xfs; do
	for f in pre grow; do
		head -c $bytes /dev/urandom >/tmp/src-$fs-$f
		check "$mib MiB sent into $fs/$f.bin (volume $((40 + i))): durable and committed" \
			bash -c "ip netns exec edma-tx '$send' --quiet --key-file $key 10.11.0.2 \
				$((40 + i)) /tmp/src-$fs-$f >/tmp/files-$i.out 2>&1"
		grep '^sent' /tmp/files-$i.out | sed 's/^/# /'
		i=$((i + 1))
	done
done
check "the volumes' sysfs counters: $((4 * bytes)) bytes written, no error" \
	bash -c "[ \$((\$(cat /sys/class/misc/ebpfdma/volume40/bytes) +
		\$(cat /sys/class/misc/ebpfdma/volume41/bytes) +
		\$(cat /sys/class/misc/ebpfdma/volume42/bytes) +
		\$(cat /sys/class/misc/ebpfdma/volume43/bytes))) -ge $((4 * bytes)) ] &&
		[ \$(cat /sys/class/misc/ebpfdma/volume4[0-3]/errors | sort -u) = 0 ]"

# One writer a volume, between a stream's sessions: standard input is
# sent a session per 16 MiB; while the sender waits for its next chunk
# its transfer holds the volume, and another transfer is refused (exit
# 3); the stream then goes on in its next session.
head -c $stream_bytes /dev/urandom >/tmp/src-stream
rm -f /tmp/edma-fifo
mkfifo /tmp/edma-fifo
m=$(scrape)
done0=$(metric 'ebpfdma_sessions_ended_total{how="complete"}')
ip netns exec edma-tx "$send" --key-file $key 10.11.0.2 47 - </tmp/edma-fifo \
	>/tmp/files-stream.out 2>&1 &
sender=$!
exec 7>/tmp/edma-fifo
# The first chunk, and the byte that tells the sender it is not the last.
head -c $(((16 << 20) + 4096)) /tmp/src-stream >&7
chunk_done() {
	m=$(scrape)
	[ "$(metric 'ebpfdma_sessions_ended_total{how="complete"}')" -gt "$done0" ]
}
for _ in $(seq 600); do chunk_done && break; sleep 0.2; done
head -c 4096 /dev/urandom >/tmp/src-other
ip netns exec edma-tx "$send" --quiet --key-file $key 10.11.0.2 47 /tmp/src-other \
	>/tmp/files-other.out 2>&1
rc=$?
check "the stream's first 16 MiB committed, another transfer to its volume meanwhile: refused (exit $rc)" \
	bash -c "[ $rc = 3 ] &&
		grep -q 'another transfer is writing to this volume' /tmp/files-other.out" ||
	sed 's/^/# /' /tmp/files-other.out
tail -c +$(((16 << 20) + 4097)) /tmp/src-stream >&7
exec 7>&-
wait $sender
rc=$?
grep '^sent' /tmp/files-stream.out | sed 's/^/# /'
check "... the stream goes on in its second session and commits (exit $rc, 2 sessions)" \
	bash -c "[ $rc = 0 ] && grep -q ', 2 sessions' /tmp/files-stream.out"
check "... volume read 47: the stream, its digest checked" \
	bash -c "'$ctl' volume read 47 2>/dev/null | cmp - /tmp/src-stream"

# A frozen file system: its writes fail at once (the engine does not
# wait for the thaw), the sender hears it; thawed, the file takes data.
head -c 1048576 /dev/urandom >/tmp/src-frozen
check "fsfreeze -f on the ext4 file system" fsfreeze -f /tmp/edma-ext4
ip netns exec edma-tx "$send" --quiet --key-file $key 10.11.0.2 45 /tmp/src-frozen \
	>/tmp/files-frozen.out 2>&1
rc=$?
fsfreeze -u /tmp/edma-ext4
check "a transfer into a frozen file system: exit 3, the receiver's disk failed ($(cat /sys/class/misc/ebpfdma/volume45/errors) write errors)" \
	bash -c "[ $rc = 3 ] && grep -q \"the receiver's disk failed\" /tmp/files-frozen.out &&
		[ $(cat /sys/class/misc/ebpfdma/volume45/errors) -gt 0 ]"
check "thawed, the same transfer: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --quiet --key-file $key 10.11.0.2 45 \
		/tmp/src-frozen >/tmp/files-frozen.out 2>&1"

# Room for half the transfer: what is acknowledged before the file
# system is full must be on the disk.
avail=$(df -B1 --output=avail /tmp/edma-ext4 | tail -n 1)
fallocate -l $((avail - bytes / 2)) /tmp/edma-ext4/filler
head -c $bytes /dev/urandom >/tmp/src-full
m=$(scrape)
errs0=$(metric ebpfdma_write_errors_total)
ip netns exec edma-tx "$send" --key-file $key 10.11.0.2 44 /tmp/src-full \
	>/tmp/files-full.out 2>&1
rc=$?
sed 's/^/# /' /tmp/files-full.out | tail -n 3
check "a transfer into a full file system: exit 3, the receiver's disk failed" \
	bash -c "[ $rc = 3 ] && grep -q \"the receiver's disk failed\" /tmp/files-full.out"
m=$(scrape)
check "... counted: ebpfdma_write_errors_total $errs0 -> $(metric ebpfdma_write_errors_total), volume44/errors $(cat /sys/class/misc/ebpfdma/volume44/errors)" \
	bash -c "[ '$(metric ebpfdma_write_errors_total)' -gt '${errs0:-0}' ] &&
		[ $(cat /sys/class/misc/ebpfdma/volume44/errors) -gt 0 ]"
acked=$(sed -n 's/.*acknowledged (\([0-9]*\) of .*/\1/p' /tmp/files-full.out | tail -n 1)
kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0
netns_down

# The extents of @file, in 512-byte units: "logical physical length".
extents() {
	filefrag -v -e -b512 "$1" |
		sed -n 's/^ *[0-9]*: *\([0-9]*\)\.\. *[0-9]*: *\([0-9]*\)\.\. *[0-9]*: *\([0-9]*\):.*/\1 \2 \3/p'
}
# host_extents DESC FILE SRC DISK_INDEX: each extent of FILE (up to its
# size) checked on the host against the same bytes of SRC.
host_extents() {
	local desc=$1 file=$2 src=$3 idx=$4 lo ph len size n=0 covered=0 b
	size=$(stat -c %s "$file")
	extents "$file" >/tmp/files-extents
	while read -r lo ph len; do
		[ $((lo * 512)) -ge "$size" ] && continue
		b=$((len * 512))
		[ $((lo * 512 + b)) -gt "$size" ] && b=$((size - lo * 512))
		host_check "$desc: extent $n, bytes [$((lo * 512)), +$b)" \
			$((ph * 512)) $b \
			"$(tail -c +$((lo * 512 + 1)) "$src" | head -c $b | sha256sum | cut -d' ' -f1)" \
			"$idx"
		covered=$((covered + b))
		n=$((n + 1))
	done </tmp/files-extents
	check "$desc: $n extents cover its $size bytes, none unwritten" \
		bash -c "[ $covered = $size ] && [ $size = $(stat -c %s "$src") ] &&
			! filefrag -v -e '$file' | grep -q unwritten"
}
for fs in ext4 xfs; do
	idx=11
	[ $fs = xfs ] && idx=12
	for f in pre grow; do
		host_extents "$fs/$f.bin" /tmp/edma-$fs/$f.bin /tmp/src-$fs-$f $idx
	done
done
host_extents "ext4/frozen.bin" /tmp/edma-ext4/frozen.bin /tmp/src-frozen 11
host_extents "xfs/stream.bin" /tmp/edma-xfs/stream.bin /tmp/src-stream 12
if [ "${acked:-0}" -gt 0 ]; then
	check "... and what the sender heard acknowledged of the full one ($acked bytes) reads back" \
		cmp -n "$acked" /tmp/edma-ext4/full.bin /tmp/src-full
else
	skip "what the sender heard acknowledged of the full one reads back" \
		"it heard nothing acknowledged before the failure (${acked:-no summary})"
fi

# Read back through the file systems, from the disk: remounted.
umount /tmp/edma-ext4 /tmp/edma-xfs
check "fsck.ext4 -fn: the ext4 file system is clean" fsck.ext4 -fn $ext4
check "xfs_repair -n: the xfs file system is clean" xfs_repair -n $xfs
mount -o ro -t ext4 $ext4 /tmp/edma-ext4
mount -o ro -t xfs $xfs /tmp/edma-xfs
for fs in ext4 xfs; do
	for f in pre grow; do
		check "$fs/$f.bin, remounted, reads back as sent" \
			cmp /tmp/edma-$fs/$f.bin /tmp/src-$fs-$f
	done
done
umount /tmp/edma-ext4 /tmp/edma-xfs
rm -f /tmp/src-*
check "rmmod" rmmod ebpfdma
tap_done

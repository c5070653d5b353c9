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
# File stores (a directory on each): files sent by name appear only once
# committed, byte for byte (checked on the host too), listed and verified
# by `ebpfdmactl ls`; bad names, an existing name, a quota and a full
# file system are refused before any data; a transfer killed midway
# leaves no file, --resume continues it, and one left is removed after
# the idle timeout (and at serve's start); 100 small files in one call;
# a named stream.
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
# (The stock kernel sends 100 small files to a store and a named stream
# of two sessions; the debug kernel 25, and a stream of one.)
case $(uname -r) in
*debug*) mib=2 many=25 named_stream=$((1 << 20)) ;;
*) mib=8 many=100 named_stream=$(((16 << 20) + (1 << 20))) ;;
esac
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
store = 50 /tmp/edma-ext4/store quota=6M
store = 51 /tmp/edma-xfs/store overwrite=yes
idle_timeout = 10
EOC
mkdir -p /tmp/edma-ext4/store /tmp/edma-xfs/store
# A transfer a killed serve left behind: removed when serve starts.
echo stale >/tmp/edma-xfs/store/left.bin.partial
serve_start /tmp/files.conf
started=$?
check "serve starts with seven file volumes and two file stores" test $started = 0
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

# ---- file stores: a directory of named files ----------------------------
store_ext4=/tmp/edma-ext4/store
store_xfs=/tmp/edma-xfs/store
# sendq [OPTION...] VOLUME FILE: ebpfdma-send --quiet to the receiver.
sendq() {
	local n=$#
	ip netns exec edma-tx "$send" --quiet --key-file $key "${@:1:n-2}" \
		10.11.0.2 "${@:n-1}"
}
check "a partial file left by an earlier serve is removed at start, and said" \
	bash -c "[ ! -e $store_xfs/left.bin.partial ] &&
		grep -q 'store 51: 1 partial file of transfers that never committed removed' /tmp/serve.log"
rm -rf /tmp/src-store && mkdir -p /tmp/src-store
head -c $(((1 << 20) + 123)) /dev/urandom >/tmp/src-store/one.bin
head -c 3000 /dev/urandom >/tmp/src-store/two.bin
: >/tmp/src-store/empty.bin
check "three files (one empty) sent to the ext4 store in one call: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 50 \
		/tmp/src-store/one.bin /tmp/src-store/two.bin /tmp/src-store/empty.bin \
		>/tmp/files-store.out 2>&1"
sed 's/^/# /' /tmp/files-store.out | tail -n 2
for f in one.bin two.bin empty.bin; do
	check "... $f is stored under its name, byte for byte" \
		cmp $store_ext4/$f /tmp/src-store/$f
done
check "... no partial file is left" \
	bash -c "! ls $store_ext4 | grep -q partial"
"$ctl" ls --verify $store_ext4 >/tmp/files-ls.out 2>&1
rc=$?
sed 's/^/# /' /tmp/files-ls.out
check "ebpfdmactl ls --verify: the three files, bytes, the committed BLAKE2b-256 (as b2sum's), verified (exit $rc)" \
	bash -c "[ $rc = 0 ] && [ \$(grep -c '	ok$' /tmp/files-ls.out) = 3 ] &&
		grep -q \"^one.bin	$(((1 << 20) + 123))	\$(b2sum -l 256 /tmp/src-store/one.bin | cut -d' ' -f1)	\" /tmp/files-ls.out &&
		grep -q '^empty.bin	0	' /tmp/files-ls.out"
cut -f1-4 /tmp/files-ls.out >/tmp/files-ls4.out
check "ebpfdmactl ls --config: the same store by its id" \
	bash -c "'$ctl' ls --config /tmp/files.conf 50 | cmp - /tmp/files-ls4.out"
printf 'x' | dd of=$store_ext4/two.bin bs=1 seek=100 conv=notrunc 2>/dev/null
check_fails "... a byte changed on the node since: ls --verify says MISMATCH" \
	"MISMATCH" "$ctl" ls --verify $store_ext4
"$ctl" ls --verify $store_ext4 >/dev/null 2>&1
check "... and exits 4 (data differs from what was committed)" test $? = 4
cp /tmp/src-store/two.bin $store_ext4/two.bin.tmp && mv $store_ext4/two.bin.tmp $store_ext4/two.bin

# Refusals, each before any data, each counted.
m=$(scrape)
name0=$(metric 'ebpfdma_hello_refusals_total{reason="name"}')
i=0
for bad in .. $'tab\there' 'x.partial'; do
	sendq --name "$bad" 50 /tmp/src-store/two.bin >/tmp/files-bad.out 2>&1
	rc=$?
	check "a name the store refuses ($(printf '%q' "$bad")): exit 3, saying so" \
		bash -c "[ $rc = 3 ] && grep -q 'does not allow this name' /tmp/files-bad.out" ||
		sed 's/^/# /' /tmp/files-bad.out
	i=$((i + 1))
done
sendq 50 - </tmp/src-store/two.bin >/tmp/files-bad.out 2>&1
rc=$?
check "standard input without --name to a store: exit 3, asking for --name" \
	bash -c "[ $rc = 3 ] && grep -q 'name the file with --name' /tmp/files-bad.out"
m=$(scrape)
check "... counted: hello_refusals_total{reason=\"name\"} $name0 -> $(metric 'ebpfdma_hello_refusals_total{reason="name"}')" \
	test "$(metric 'ebpfdma_hello_refusals_total{reason="name"}')" = $((name0 + i + 1))
sendq 50 /tmp/src-store/two.bin >/tmp/files-bad.out 2>&1
rc=$?
check "a name the store holds already: exit 3 (the store does not overwrite)" \
	bash -c "[ $rc = 3 ] && grep -q 'has a file of this name already' /tmp/files-bad.out"
head -c $((7 << 20)) /dev/urandom >/tmp/src-store/seven.bin
sendq 50 /tmp/src-store/seven.bin >/tmp/files-bad.out 2>&1
rc=$?
check "7 MiB to the ext4 store of a 6 MiB quota: exit 3, over its quota" \
	bash -c "[ $rc = 3 ] && grep -q 'over its quota' /tmp/files-bad.out"
truncate -s 1G /tmp/src-store/huge.bin
sendq 51 /tmp/src-store/huge.bin >/tmp/files-bad.out 2>&1
rc=$?
check "1 GiB to the 320 MiB xfs store: exit 3, no room" \
	bash -c "[ $rc = 3 ] && grep -q 'has no room for the file' /tmp/files-bad.out"
m=$(scrape)
check "... counted (exists, quota, space), and nothing of them written: no new file, no partial" \
	bash -c "[ '$(metric 'ebpfdma_hello_refusals_total{reason="exists"}')' = 1 ] &&
		[ '$(metric 'ebpfdma_hello_refusals_total{reason="quota"}')' = 1 ] &&
		[ '$(metric 'ebpfdma_hello_refusals_total{reason="space"}')' = 1 ] &&
		[ \$(ls $store_ext4 | wc -l) = 3 ] && [ -z \"\$(ls $store_xfs)\" ]"
rm -f /tmp/src-store/huge.bin /tmp/src-store/seven.bin

# A file appears under its name only once committed: while it is sent
# (slowly), only NAME.partial is there.
head -c $((3 << 20)) /dev/urandom >/tmp/src-store/slow.bin
ip netns exec edma-tx "$send" --quiet --key-file $key --rate 1 10.11.0.2 51 \
	/tmp/src-store/slow.bin >/tmp/files-slow.out 2>&1 &
sender=$!
wait_for "slow.bin.partial" test -e $store_xfs/slow.bin.partial
check "while it is sent: slow.bin.partial, no slow.bin" \
	bash -c "kill -0 $sender && [ ! -e $store_xfs/slow.bin ]"
wait $sender
rc=$?
check "... committed (exit $rc): slow.bin, as sent, and no partial" \
	bash -c "[ $rc = 0 ] && cmp $store_xfs/slow.bin /tmp/src-store/slow.bin &&
		[ ! -e $store_xfs/slow.bin.partial ]"
# overwrite = yes on the xfs store: the same name, new bytes, replaced
# whole at the commit.
head -c $((1 << 20)) /dev/urandom >/tmp/src-store/slow2.bin
check "the xfs store overwrites: slow.bin sent again with other bytes, exit 0" \
	sendq --name slow.bin 51 /tmp/src-store/slow2.bin
check "... slow.bin is the new file" cmp $store_xfs/slow.bin /tmp/src-store/slow2.bin

# What an older sender sees (a HELLO without a name): E_NAME, with no
# flags in what was its 32-bit flows.  A replayed HELLO of a name (sealed
# in Python, nothing after it) holds the name 5 s at most: a transfer of
# the name 6 s later takes its place.
rx_answer=$(ip netns exec edma-tx /usr/bin/python3 - "$top/tools/testing/unit" $key <<'EOP'
import os, socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
from fake_receiver import HELLO, HDR, kdf, seal
k_hs = kdf(bytes.fromhex(open(sys.argv[2]).read().strip()), b"", "ebpfdma2 hello")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for name in (b"", b"replayed.bin"):
    body = struct.pack(">IIQQQ", 51, 4096, 0, 1 << 20,
                       struct.unpack(">Q", os.urandom(8))[0] | 1) + os.urandom(32)
    s.sendto(seal(k_hs, HELLO, 0, 0, body + name), ("10.11.0.2", 7788))
    w = s.recv(4096)[HDR.size:]
    status, flags, flows = struct.unpack_from(">I16xHH", w)
    print(status, flags, end=" ")
EOP
)
check "a HELLO without a name (an older sender's): E_NAME (7), flags 0; a named one granted, flags 1 (got: $rx_answer)" \
	test "$rx_answer" = "7 0 0 1 "
sleep 6 # past the 5 s an unproven session holds its name
head -c 100000 /dev/urandom >/tmp/src-store/replayed.bin
check "... a transfer of the same name 6 s later takes its place: committed" \
	sendq 51 /tmp/src-store/replayed.bin
check "... replayed.bin is the transfer's" \
	cmp $store_xfs/replayed.bin /tmp/src-store/replayed.bin

# A transfer killed midway leaves no file; --resume continues it (the
# receiver keeps its partial file for its idle timeout); killed again
# and left, its partial file is removed after the idle timeout.
head -c $((4 << 20)) /dev/urandom >/tmp/src-store/killed.bin
rm -rf /tmp/edma-resume
export EBPFDMA_STATE_DIR=/tmp/edma-resume
ip netns exec edma-tx "$send" --quiet --key-file $key --rate 1 10.11.0.2 51 \
	/tmp/src-store/killed.bin >/dev/null 2>&1 &
sender=$!
wait_for "a --resume record of durable bytes" \
	bash -c "grep -qs '^offset [1-9]' /tmp/edma-resume/*"
kill -9 $sender
wait $sender 2>/dev/null
check "killed midway: killed.bin.partial, no killed.bin" \
	bash -c "[ -e $store_xfs/killed.bin.partial ] && [ ! -e $store_xfs/killed.bin ]"
ip netns exec edma-tx "$send" --resume --key-file $key 10.11.0.2 51 \
	/tmp/src-store/killed.bin >/tmp/files-resume.out 2>&1
rc=$?
check "--resume: the rest sent into the same partial file, committed (exit $rc)" \
	bash -c "[ $rc = 0 ] && grep -q 'resumed at byte [1-9]' /tmp/files-resume.out &&
		cmp $store_xfs/killed.bin /tmp/src-store/killed.bin" ||
	sed 's/^/# /' /tmp/files-resume.out
m=$(scrape)
abandoned0=$(metric 'ebpfdma_store_files_total{volume="51",result="abandoned"}')
ip netns exec edma-tx "$send" --quiet --key-file $key --rate 1 --name left.bin \
	10.11.0.2 51 /tmp/src-store/killed.bin >/dev/null 2>&1 &
sender=$!
wait_for "left.bin.partial" test -e $store_xfs/left.bin.partial
kill -9 $sender
wait $sender 2>/dev/null
abandoned() {
	m=$(scrape)
	[ "$(metric 'ebpfdma_store_files_total{volume="51",result="abandoned"}')" -gt "$abandoned0" ]
}
unset EBPFDMA_STATE_DIR
wait_for "the transfer abandoned" abandoned
check "killed and left: after the idle timeout its partial file is removed, counted, no left.bin" \
	bash -c "[ ! -e $store_xfs/left.bin.partial ] && [ ! -e $store_xfs/left.bin ]" ||
	tail -n 5 /tmp/serve.log | sed 's/^/# /'


# 100 small files in one call.
rm -rf /tmp/src-many && mkdir -p /tmp/src-many
for n in $(seq $many); do
	head -c $((RANDOM % 20000 + 1)) /dev/urandom >/tmp/src-many/f$n
done
check "$many small files to the xfs store in one call: exit 0" \
	bash -c "ip netns exec edma-tx '$send' --quiet --key-file $key 10.11.0.2 51 /tmp/src-many/* >/tmp/files-many.out 2>&1"
check "... each is there under its name, byte for byte" \
	bash -c "cd /tmp/src-many && for f in *; do cmp -s \$f $store_xfs/\$f || exit 1; done"
m=$(scrape)
check "... ebpfdma_store_files_total{volume=\"51\",result=\"published\"}: $((many + 4))" \
	test "$(metric 'ebpfdma_store_files_total{volume="51",result="published"}')" = $((many + 4))

# A stream with --name: two sessions (16 MiB each at most), one file.
head -c $named_stream /dev/urandom >/tmp/src-store/stream.bin
sessions=$((named_stream > (16 << 20) ? 2 : 1))
ip netns exec edma-tx "$send" --key-file $key --name stream.bin 10.11.0.2 51 - \
	</tmp/src-store/stream.bin >/tmp/files-sstream.out 2>&1
rc=$?
check "a stream with --name to the xfs store: exit $rc, $sessions session(s), one file as sent" \
	bash -c "[ $rc = 0 ] && grep -q ', $sessions sessions*;' /tmp/files-sstream.out &&
		cmp $store_xfs/stream.bin /tmp/src-store/stream.bin"

# serve killed (SIGKILL) while a file is sent: the next serve deletes
# the module's volume of the file (it held the file open) and removes
# its partial file.
ip netns exec edma-tx "$send" --quiet --key-file $key --rate 1 --name crash.bin \
	10.11.0.2 51 /tmp/src-store/killed.bin >/dev/null 2>&1 &
sender=$!
# (The partial file is created before its volume is added: both.)
wait_for "crash.bin.partial and its volume" \
	bash -c "[ -e $store_xfs/crash.bin.partial ] &&
		[ \$('$ctl' volume list | grep -c '^[0-9]') = 8 ]"
kill -9 $serve_pid
wait $serve_pid 2>/dev/null
kill $sender 2>/dev/null
wait $sender 2>/dev/null
check "serve killed mid-transfer: crash.bin.partial is left, its volume in the module too" \
	bash -c "[ -e $store_xfs/crash.bin.partial ] &&
		[ \$('$ctl' volume list | grep -c '^[0-9]') = 8 ]"
: >/tmp/serve.log
serve_start /tmp/files.conf
check "serve started again: the volume deleted, crash.bin.partial removed, no crash.bin" \
	bash -c "[ $? = 0 ] && [ ! -e $store_xfs/crash.bin.partial ] &&
		[ ! -e $store_xfs/crash.bin ] &&
		grep -q 'store 51: 1 partial file of transfers that never committed removed' /tmp/serve.log &&
		[ \$('$ctl' volume list | grep -c '^4[0-7] ') = 7 ] &&
		[ \$('$ctl' volume list | grep -c '^[0-9]') = 7 ]"

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
sed 's/^store = 51 .*/& \nstore = 52 \/tmp\/edma-xfs\/store\/ /' /tmp/files.conf >/tmp/files-twin.conf
check_fails "two stores of one directory: serve refuses to start" \
	"is the directory of another store too" rx "$ctl" serve /tmp/files-twin.conf
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
host_extents "ext4 store: one.bin" $store_ext4/one.bin /tmp/src-store/one.bin 11
host_extents "xfs store: slow.bin" $store_xfs/slow.bin /tmp/src-store/slow2.bin 12
host_extents "xfs store: stream.bin" $store_xfs/stream.bin /tmp/src-store/stream.bin 12
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
check "the stores' files, remounted read-only, read back as sent" \
	bash -c "cmp $store_ext4/one.bin /tmp/src-store/one.bin &&
		cmp $store_xfs/killed.bin /tmp/src-store/killed.bin &&
		cd /tmp/src-many && for f in *; do cmp -s \$f $store_xfs/\$f || exit 1; done"
umount /tmp/edma-ext4 /tmp/edma-xfs
rm -rf /tmp/src-*
check "rmmod" rmmod ebpfdma
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): a transfer of more than 2 GiB survives a
# restart of the receiver past its 2^31st byte.  ebpfdma-send sends a file
# of 2 GiB + 32 MiB in 4096-byte blocks (532480 datagrams; protection crc,
# the cheapest) to a 2112 MiB volume; serve is killed (SIGKILL) once
# 2 GiB + 8 MiB are placed and started again; the sender asks for a new
# session over what is not durable yet, from past byte 2^31 (the new
# session's lba past 2^22 sectors: offsets a signed 32-bit byte count
# would get wrong), and completes.
# The file is sparse (zeros) but for random data in its first 4 MiB and
# its last 32 MiB, which the host checks on the image.
# The volume is a dm-linear device: its first 4 MiB and its last 64 MiB
# are /dev/vdk (68 MiB), the zeros between go to a null_blk device that
# keeps nothing (memory_backed=0), so that the run's time is the
# datagrams', not 2 GiB of emulated disk writes.  Blocks of 4096 bytes,
# not 512: the restart past 2 GiB is the point, in an eighth of the
# datagrams; session indices past 2^22 (a limit of the first protocol,
# gone) are KUnit's (the kernel's checks, bitmap and sectors) and
# lib_test's (serve's seqset).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
ctl=$top/build/tools/ebpfdmactl
send=$top/build/tools/ebpfdma-send
. "$(dirname "$0")/serve.sh"
disk=/dev/vdk
key=/tmp/restart.key
big=/tmp/restart.bin
bs=4096
blocks=$(((1 << 19) + 8192)) # of 4096 bytes: 2 GiB + 32 MiB
kill_at=$(((1 << 19) + 2048)) # blocks placed: 2 GiB + 8 MiB
placed() { cat /sys/class/misc/ebpfdma/rx/placed; }
placed_past() { [ "$(placed)" -gt "$1" ]; }

case $(uname -r) in
*debug*)
	# Half a million datagrams through KASAN and lockdep take far longer
	# than the whole run may; the stock kernel's run covers it.
	skip "a transfer of 2 GiB + 32 MiB across a receiver restart" \
		"the debug kernel is too slow for half a million datagrams (the stock kernel runs it)"
	tap_done
	exit
	;;
esac
rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$disk is the 68 MiB restart disk" \
	test "$(blockdev --getsize64 $disk)" = $((68 << 20))
# In 512-byte sectors: [0, 4 MiB) and [2048, 2112 MiB) on $disk.
check "a 2112 MiB volume device: $disk's 4 + 64 MiB around 2044 MiB of null_blk" \
	bash -c "rmmod null_blk 2>/dev/null
		modprobe null_blk nr_devices=1 gb=2 queue_mode=2 irqmode=0 memory_backed=0 &&
		modprobe dm-mod && test -b /dev/nullb0 &&
		dmsetup create --noudevsync --verifyudev edma-big --table '0 8192 linear $disk 0
8192 $((2044 << 11)) linear /dev/nullb0 0
$((2048 << 11)) $((64 << 11)) linear $disk 8192' &&
		dmsetup mknodes edma-big && test -b /dev/mapper/edma-big"
vdisk=/dev/mapper/edma-big
check "network namespaces edma-tx and edma-rx joined by veth" netns_up
"$ctl" genkey $key >/dev/null
cat >/tmp/restart.conf <<EOC
interface = veth-rx
port = 7788
metrics = 127.0.0.1:9788
peer = 10.11.0.1
key_file = $key
volume = 60 $vdisk start=0 blocks=$((2112 << 11)) protect=crc
EOC
rm -f $big
truncate -s $((blocks * bs)) $big
head -c 4194304 /dev/urandom | dd of=$big conv=notrunc status=none
head -c 33554432 /dev/urandom | dd of=$big bs=1M seek=2048 conv=notrunc status=none
head_sum=$(head -c 4194304 $big | sha256sum | cut -d' ' -f1)
tail_sum=$(tail -c 33554432 $big | sha256sum | cut -d' ' -f1)
serve_start /tmp/restart.conf
check "serve starts" test $? = 0

placed0=$(placed)
ip netns exec edma-tx "$send" --block-size $bs --key-file $key 10.11.0.2 60 $big \
	>/tmp/restart.out 2>/tmp/restart.err &
sender=$!
# Up to ten minutes for half a million datagrams.
for _ in $(seq 6000); do
	placed_past $((placed0 + kill_at)) && break
	kill -0 $sender 2>/dev/null || break
	sleep 0.1
done
check "$(($(placed) - placed0)) blocks placed, past byte 2^31: serve is killed (SIGKILL)" \
	bash -c "[ $(($(placed) - placed0)) -gt $kill_at ] && kill -9 $serve_pid"
wait $serve_pid 2>/dev/null
serve_start /tmp/restart.conf
check "serve restarts" test $? = 0
wait $sender
rc=$?
tail -n 3 /tmp/restart.err | sed 's/^/# /'
sed 's/^/# /' /tmp/restart.out
from=$(sed -n 's/.*asking for a new session (from byte \([0-9]*\),.*/\1/p' /tmp/restart.err | head -n1)
check "the sender went on in a new session from byte ${from:-?} (past 2^31; sector $((${from:-0} / 512)), past 2^22) and completed (exit $rc)" \
	bash -c "[ $rc = 0 ] && [ '${from:-0}' -gt $((1 << 31)) ] &&
		grep -q ', 2 sessions; durable and committed' /tmp/restart.out"
retx=$(sed -n 's/.* \([0-9]*\) retransmitted.*/\1/p' /tmp/restart.out)
check "... without sending again what was durable before the restart: ${retx:-?} datagrams sent again (at most the 65536 a sender keeps outstanding, not millions)" \
	test "${retx:-99999999}" -le 65536
host_check "the file's first 4 MiB are on the disk" 0 4194304 "$head_sum" 10
host_check "its last 32 MiB, past byte 2^31, are on the disk" \
	$((4 << 20)) 33554432 "$tail_sum" 10
rm -f $big
kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0
netns_down
check "the volume device and null_blk removed" \
	bash -c "dmsetup remove --noudevsync edma-big && rmmod null_blk"
check "rmmod" rmmod ebpfdma
tap_done

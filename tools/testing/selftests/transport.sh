#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the transport, ebpfdma-send against ebpfdmactl
# serve over veth + XDP (netns.sh): many senders at once through netem's
# loss, reordering and duplication; ECN marks instead of drops; a slow
# disk (dm-delay) that must not look like loss; MTU 1500 with the
# defaults; several flows spread over the receive queues.  Every file is
# checked on the host from the disk images:
#   /dev/vdi (64 MiB):
#     [0, 8 MiB)     volumes 20..23: 4 senders of 2 MiB through netem
#     [8, 24 MiB)    volumes 30..45: 16 senders of 1 MiB through netem
#     [24, 32 MiB)   volume 50: IPv4 and IPv6 at MTU 1500, defaults
#     [32, 40 MiB)   volume 51: ECN: netem marks CE instead of dropping
#     [40, 48 MiB)   volume 52: 16 flows over the two receive queues
#     [48, 49 MiB)   volume 54: as many flows as the receiver asks for
#   /dev/vdj (16 MiB): volume 53, behind dm-delay (every I/O 40 ms)
#     [49, 57 MiB)   volume 55: through a pool of 64 slots, the credit
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
ctl=$top/build/tools/ebpfdmactl
send=$top/build/tools/ebpfdma-send
. "$(dirname "$0")/serve.sh"
disk=/dev/vdi
slow=/dev/vdj
key=/tmp/transport.key
file_sum() { sha256sum "$1" | cut -d' ' -f1; }
rx_ctr() { cat /sys/class/misc/ebpfdma/rx/$1; }
# The debug kernel is several times slower: fewer bytes, as good a test.
case $(uname -r) in *debug*) scale=4 ;; *) scale=1 ;; esac

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$disk is the 64 MiB transport disk, $slow the 16 MiB slow one" \
	test "$(blockdev --getsize64 $disk)" = 67108864 -a \
	"$(blockdev --getsize64 $slow)" = 16777216
check "network namespaces edma-tx and edma-rx joined by veth" netns_up
check "dm-delay: every I/O of $slow delayed by 40 ms (/dev/mapper/edma-slow)" \
	bash -c "modprobe dm-delay && dmsetup create edma-slow --table '0 32768 delay $slow 0 40' &&
		dmsetup mknodes edma-slow && test -b /dev/mapper/edma-slow"
rm -f $key
"$ctl" genkey $key >/dev/null

{
	cat <<-EOC
	interface = veth-rx
	port = 7788
	metrics = 127.0.0.1:9788
	peer = 10.11.0.1
	peer = fd11::1
	key_file = $key
	EOC
	for i in 0 1 2 3; do
		echo "volume = $((20 + i)) $disk start=$((i * 4096)) blocks=4096"
	done
	for i in $(seq 0 15); do
		echo "volume = $((30 + i)) $disk start=$((16384 + i * 2048)) blocks=2048"
	done
	echo "volume = 50 $disk start=49152 blocks=16384"
	echo "volume = 51 $disk start=65536 blocks=16384"
	echo "volume = 52 $disk start=81920 blocks=16384"
	echo "volume = 53 /dev/mapper/edma-slow start=0 blocks=32768"
	echo "volume = 54 $disk start=98304 blocks=2048"
	echo "volume = 55 $disk start=100352 blocks=16384"
} >/tmp/transport.conf
serve_start /tmp/transport.conf
started=$?
check "serve starts with 25 volumes" test $started = 0
if [ $started != 0 ]; then
	dmsetup remove edma-slow
	netns_down
	tap_done
	exit
fi

# many N KIB FIRST OFFSET STRIDE: N senders at once, KIB KiB each, to
# volumes FIRST.., whose windows start OFFSET MiB into the disk, STRIDE
# MiB apart; each file checked on the host, and what was written compared
# with what was sent: every block exactly once.
many() {
	local n=$1 kib=$2 first=$3 offset=$4 stride=$5 i pids=() rc=0 retx=0 sent=0
	local placed0 bytes0 s
	placed0=$(rx_ctr placed)
	m=$(scrape)
	bytes0=$(metric 'ebpfdma_written_bytes_total{path="xdp"}')
	for i in $(seq 0 $((n - 1))); do
		head -c $((kib * 1024)) /dev/urandom >/tmp/many$i
		ip netns exec edma-tx "$send" --quiet --key-file $key 10.11.0.2 \
			$((first + i)) /tmp/many$i >/tmp/many$i.out 2>&1 &
		pids+=($!)
	done
	for i in $(seq 0 $((n - 1))); do
		wait ${pids[$i]} || { rc=1; sed 's/^/# /' /tmp/many$i.out; }
		s=$(sed -n 's/.* \([0-9]*\) retransmitted.*/\1/p' /tmp/many$i.out)
		retx=$((retx + ${s:-0}))
		s=$(sed -n 's/.* in \([0-9]*\) datagrams .*/\1/p' /tmp/many$i.out)
		sent=$((sent + ${s:-0}))
	done
	check "$n senders of $kib KiB at once through netem: all durable and committed ($retx retransmissions for $sent datagrams)" \
		test $rc = 0
	for i in $(seq 0 $((n - 1))); do
		host_check "sender $i of $n: its $kib KiB are intact on the disk" \
			$(((offset + i * stride) * 1048576)) $((kib * 1024)) \
			"$(file_sum /tmp/many$i)" 8
	done
	m=$(scrape)
	check "... every block written exactly once: $((n * kib)) KiB in $sent blocks placed, as many bytes written (duplicates dropped: rx/duplicate $(rx_ctr duplicate))" \
		test "$(($(rx_ctr placed) - placed0))" = "$sent" -a \
		"$(($(metric 'ebpfdma_written_bytes_total{path="xdp"}') - bytes0))" = \
		"$((n * kib * 1024))"
	rm -f /tmp/many*
}

# 1. Loss, reordering, duplication on both ends; 4 and 16 senders.
check "netem: delay 1 ms, loss 2%, reorder 10%, duplicate 1% on both veth ends" bash -e -c '
	ip netns exec edma-tx tc qdisc add dev veth-tx root netem delay 1ms reorder 90% loss 2% duplicate 1% limit 10000
	ip netns exec edma-rx tc qdisc add dev veth-rx root netem delay 1ms reorder 90% loss 2% duplicate 1% limit 10000'
many 4 $((2048 / scale)) 20 0 2
many 16 $((1024 / scale)) 30 8 1
rx tc qdisc del dev veth-rx root
tx tc qdisc del dev veth-tx root

# 2. MTU 1500 on both ends, no --block-size: 1024-byte blocks, never a
# fragment, over IPv4 and IPv6.
frags() { tx awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["FragCreates"] }' /proc/net/snmp; }
tx ip link set veth-tx mtu 1500
rx ip link set veth-rx mtu 1500
head -c $((4194304 / scale)) /dev/urandom >/tmp/f-mtu4
head -c $((4194304 / scale)) /dev/urandom >/tmp/f-mtu6
f0=$(frags)
check "MTU 1500, IPv4, defaults: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 50 /tmp/f-mtu4 >/tmp/mtu4.out 2>&1"
check "MTU 1500, IPv6, defaults: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key '[fd11::2]' 50 /tmp/f-mtu6 >/tmp/mtu6.out 2>&1"
check "... both in 1024-byte blocks (the largest multiple of 512 in 1500), no IP fragment made ($f0 -> $(frags))" \
	bash -c "grep -q 'datagrams of 1024 bytes' /tmp/mtu4.out && grep -q 'datagrams of 1024 bytes' /tmp/mtu6.out && [ $(frags) = $f0 ]"
host_check "MTU 1500 over IPv6: intact (it overwrote the IPv4 transfer)" \
	$((24 * 1048576)) $((4194304 / scale)) "$(file_sum /tmp/f-mtu6)" 8
tx ip link set veth-tx mtu 9000
rx ip link set veth-rx mtu 9000

# 3. ECN: netem marks CE what it would drop (ECT datagrams): the receiver
# counts and echoes the marks, the sender slows down on them and has
# nothing to retransmit.
m=$(scrape)
ce0=$(metric ebpfdma_ce_marked_datagrams_total)
rce0=$(rx_ctr ce)
check "netem: delay 1 ms, 3% of datagrams marked CE (ecn) on veth-tx" \
	tx tc qdisc add dev veth-tx root netem delay 1ms loss 3% ecn
head -c $((8388608 / scale)) /dev/urandom >/tmp/f-ecn
# (Without GSO: netem marks per packet it sees, a GSO one's segments alike.)
check "a transfer through the CE-marking queue: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --no-gso --key-file $key 10.11.0.2 51 /tmp/f-ecn >/tmp/ecn.out 2>&1"
tx tc qdisc del dev veth-tx root
m=$(scrape)
sed 's/^/# /' /tmp/ecn.out | tail -n 1
check "... the XDP path counted CE marks (rx/ce $rce0 -> $(rx_ctr ce)), serve echoed them (ebpfdma_ce_marked_datagrams_total $ce0 -> $(metric ebpfdma_ce_marked_datagrams_total))" \
	test "$(rx_ctr ce)" -gt "$rce0" -a "$(metric ebpfdma_ce_marked_datagrams_total)" -gt "$ce0"
check "... the sender's congestion events began with them ($(grep '^sent' /tmp/ecn.out | grep -o '[0-9]* congestion events, [0-9]* of them CE')), with nothing lost ($(grep '^sent' /tmp/ecn.out | grep -o '[0-9]* retransmitted'))" \
	bash -c "grep '^sent' /tmp/ecn.out | grep -q '[1-9][0-9]* of them CE' &&
		grep '^sent' /tmp/ecn.out | grep -q ' 0 retransmitted'"
host_check "the transfer through the CE-marking queue is intact" \
	$((32 * 1048576)) $((8388608 / scale)) "$(file_sum /tmp/f-ecn)" 8

# 4. Flows: 16 source ports; with the sending side's XPS off, the veth
# pair hashes each flow to one of its two queues: both receive queues'
# XDP programs take the transfer's datagrams.
xdp_drops() { # rx queue N: datagrams its XDP program saw
	rx ethtool -S veth-rx | awk -v k="rx_queue_$1_xdp_packets:" '$1 == k { print $2 }'
}
tx sh -c 'echo 0 > /sys/class/net/veth-tx/queues/tx-0/xps_cpus;
	echo 0 > /sys/class/net/veth-tx/queues/tx-1/xps_cpus'
q0=$(xdp_drops 0) q1=$(xdp_drops 1)
# (Full size on every kernel: each queue must see its share.)
head -c 8388608 /dev/urandom >/tmp/f-flows
check "--flows 16: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --flows 16 --key-file $key 10.11.0.2 52 /tmp/f-flows >/tmp/flows.out 2>&1"
check "... over 16 flows, which both receive queues took (XDP: queue 0 $q0 -> $(xdp_drops 0), queue 1 $q1 -> $(xdp_drops 1))" \
	bash -c "grep -q ', 16 flows, ' /tmp/flows.out && [ $(xdp_drops 0) -gt $((q0 + 64)) ] && [ $(xdp_drops 1) -gt $((q1 + 64)) ]"
host_check "the transfer over 16 flows is intact" \
	$((40 * 1048576)) 8388608 "$(file_sum /tmp/f-flows)" 8
head -c 1048576 /dev/urandom >/tmp/f-flows2
check "without --flows, as many flows as serve's interface has receive queues (2)" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 54 /tmp/f-flows2 >/tmp/flows.out 2>&1 &&
		grep -q ', 2 flows, ' /tmp/flows.out"
host_check "... intact" $((48 * 1048576)) 1048576 "$(file_sum /tmp/f-flows2)" 8

# 5. A slow disk: every write and flush takes 40 ms more.  Acknowledgements
# wait for them; the sender's round trip must take that in, not see loss.
m=$(scrape)
full0=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}')
dup0=$(rx_ctr duplicate)
head -c $((4194304 / scale)) /dev/urandom >/tmp/f-slow
check "a transfer to a volume behind dm-delay (40 ms): durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 53 /tmp/f-slow >/tmp/slowdisk.out 2>&1"
m=$(scrape)
sed 's/^/# /' /tmp/slowdisk.out | tail -n 1
check "... without a retransmission ($(grep '^sent' /tmp/slowdisk.out | grep -o '[0-9]* retransmitted ([^)]*)')), no datagram refused for a full pool ($full0 -> $(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}')) or duplicated ($dup0 -> $(rx_ctr duplicate))" \
	bash -c "grep '^sent' /tmp/slowdisk.out | grep -q ' 0 retransmitted' &&
		[ '$(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}')' = '$full0' ] &&
		[ $(rx_ctr duplicate) = $dup0 ]"
host_check "the transfer to the slow disk is intact" 0 $((4194304 / scale)) \
	"$(file_sum /tmp/f-slow)" 9

kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0

# 6. The receiver's credit: with a pool of 64 slots, ACKs grant 64 blocks
# in flight, and a sender that kept to more would find the pool full.
check "the module reloaded with a pool of 64 slots" \
	bash -c "rmmod ebpfdma && modprobe ebpfdma nr_slots=64"
serve_start /tmp/transport.conf
check "serve starts on the small pool" test $? = 0
m=$(scrape)
full0=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}')
head -c $((8388608 / scale)) /dev/urandom >/tmp/f-credit
check "a transfer into the 64-slot pool: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 55 /tmp/f-credit >/tmp/credit.out 2>&1"
m=$(scrape)
check "... within the credit: no datagram found the pool full ($full0 -> $(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}'), rx/pool_full $(rx_ctr pool_full)), nothing retransmitted ($(grep '^sent' /tmp/credit.out | grep -o '[0-9]* retransmitted'))" \
	bash -c "[ '$(metric 'ebpfdma_xdp_kfunc_errors_total{error="full"}')' = '$full0' ] &&
		[ $(rx_ctr pool_full) = 0 ] && grep '^sent' /tmp/credit.out | grep -q ' 0 retransmitted'"
host_check "the transfer into the small pool is intact" \
	$((49 * 1048576)) $((8388608 / scale)) "$(file_sum /tmp/f-credit)" 8
kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0
dmsetup remove edma-slow
netns_down
check "rmmod" rmmod ebpfdma
tap_done

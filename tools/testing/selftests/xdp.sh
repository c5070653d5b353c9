#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the XDP receive path.  /dev/vde is a 96 MiB disk
# of its own: BPF_PROG_TEST_RUN cases write to [0, 1 MiB), the pool-burst
# test to [2, 6 MiB), the end-to-end stream to [16, 80 MiB) (to [16, 32)
# on the debug kernel).  A sender in
# network namespace edma-tx reaches edma-rx over a veth pair whose
# receiving end runs the program in native XDP mode.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
bin=$EBPFDMA_SELFTEST_BIN
disk=/dev/vde
S=/sys/class/misc/ebpfdma
P=/sys/module/ebpfdma/parameters
zero_sum() { head -c "$1" /dev/zero | sha256sum | cut -d' ' -f1; }

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$disk is the 96 MiB network test disk" \
	test "$(blockdev --getsize64 $disk)" = 100663296

# The kfunc in the module's BTF, as bpftool shows it.
btf=$(bpftool btf dump file /sys/kernel/btf/ebpfdma 2>&1)
fid=$(printf '%s\n' "$btf" | sed -n "s/^\[[0-9]*\] FUNC 'bpf_ebpfdma_rx' type_id=\([0-9]*\).*/\1/p")
proto=$(printf '%s\n' "$btf" | grep -A3 "^\[$fid\] FUNC_PROTO" | tr -d '\t' | tr '\n' ' ')
check "bpftool btf dump of the module: FUNC bpf_ebpfdma_rx (ctx, off, len) returning int" \
	bash -c "[ -n '$fid' ] && [[ '$proto' == *\"'ctx' type_id=\"*\"'off' type_id=\"*\"'len' type_id=\"* ]]"
# Its argument types may be the module's or vmlinux's (split BTF).
all_btf=$(bpftool btf dump file /sys/kernel/btf/vmlinux; printf '%s\n' "$btf")
ctx_t=$(printf '%s' "$proto" | sed -n "s/.*'ctx' type_id=\([0-9]*\).*/\1/p")
ptr_t=$(printf '%s\n' "$all_btf" | sed -n "s/^\[$ctx_t\] PTR '(anon)' type_id=\([0-9]*\)$/\1/p")
xdp_md=no
printf '%s\n' "$all_btf" | grep -q "^\[$ptr_t\] STRUCT 'xdp_md'" && xdp_md=yes
check "bpftool btf dump: its first argument is a struct xdp_md pointer" \
	test "$xdp_md" = yes

run_tap "$bin/xdp_test" testrun $disk

# Two namespaces joined by a veth pair (netns.sh).
check "network namespaces and a veth pair with 2 queues, MTU 9000" netns_up
check "attach ebpfdma_rx to veth-rx in native mode (port 7788, peers 10.11.0.1, fd11::1)" \
	ip netns exec edma-rx "$bin/xdp_test" attach veth-rx 7788 10.11.0.1 fd11::1
check_fails "attaching it again is refused (a program is attached)" \
	"attach to veth-rx" \
	ip netns exec edma-rx "$bin/xdp_test" attach veth-rx 7788 10.11.0.1
prog_id=$(bpftool prog show name ebpfdma_rx | sed -n 's/^\([0-9]*\): xdp .*/\1/p')
check "bpftool net shows program $prog_id (ebpfdma_rx) on veth-rx in driver mode" \
	bash -c "[ -n '$prog_id' ] && ip netns exec edma-rx bpftool net show dev veth-rx |
		grep -A1 '^xdp:' | grep -q 'veth-rx([0-9]*) driver id $prog_id\$'"
check "bpftool prog shows the xdp program ebpfdma_rx with its two maps" \
	bash -c "bpftool prog show name ebpfdma_rx | grep -q 'xdp  name ebpfdma_rx' &&
		bpftool prog show name ebpfdma_rx -j | grep -q '\"map_ids\":\[[0-9]*,[0-9]*'"
check_fails "rmmod refuses while the program is attached" "in use" rmmod ebpfdma

# 64 MiB over IPv4, two streams, 4 KiB blocks (XDP fragments on veth);
# 16 MiB on the debug kernel, several times slower (as good a test).  The
# volume's window is the stream's.
case $(uname -r) in
*debug*) mib=16 ;;
*) mib=64 ;;
esac
placed0=$(cat $S/rx/placed)
head -c $((mib << 20)) /dev/urandom >/tmp/xdp-data
run_tap "$bin/xdp_test" stream edma-tx 10.11.0.2 7788 $disk 2 32768 $((mib << 11)) \
	/tmp/xdp-data 4096 2 paced
host_check "the $mib MiB streamed over veth + XDP reached the disk" \
	16777216 $((mib << 20)) "$(sha256sum /tmp/xdp-data | cut -d' ' -f1)" 4
host_check "nothing was written after the stream's window ($((16 + mib))..96 MiB zero)" \
	$(((16 + mib) << 20)) $(((80 - mib) << 20)) "$(zero_sum $(((80 - mib) << 20)))" 4
host_check "nothing was written between the windows (6..16 MiB zero)" \
	6291456 10485760 "$(zero_sum 10485760)" 4
counters=$(ip netns exec edma-rx "$bin/xdp_test" counters)
val() { printf '%s\n' "$counters" | awk -v k="$1" '$1 == k { print $2 }'; }
check "counters: placed >= $((mib << 8)) blocks, placed_bytes = 4096 x placed" \
	bash -c "[ '$(val placed)' -ge $((mib << 8)) ] &&
		[ '$(val placed_bytes)' = \$((4096 * $(val placed))) ]"
check "counters: no malformed, range, volume, authentication or other error" \
	test "$(val err_malformed)$(val err_range)$(val err_no_volume)$(val err_auth)$(val err_other)" = 00000
check "counters: packets = pass + drop" \
	test "$(val packets)" = "$(($(val pass) + $(val drop)))"
check "module rx/placed grew by the program's placed" \
	test "$(($(cat $S/rx/placed) - placed0))" = "$(val placed)"
# Each stream's socket leaves by its CPU's queue (XPS) into its own
# receive queue, and that queue's NAPI (and XDP) runs on that CPU.
q0=$(ip netns exec edma-rx ethtool -S veth-rx | awk '$1 == "rx_queue_0_xdp_packets:" { print $2 }')
q1=$(ip netns exec edma-rx ethtool -S veth-rx | awk '$1 == "rx_queue_1_xdp_packets:" { print $2 }')
check "both receive queues of veth-rx carried the streams (ethtool -S: ${q0:-?} and ${q1:-?} XDP packets)" \
	bash -c "[ '${q0:-0}' -ge $((mib << 7)) ] && [ '${q1:-0}' -ge $((mib << 7)) ]"
ncpu=$(nproc)
busy=$(printf '%s\n' "$counters" | awk '/^cpu[0-9]+_placed/ && $2 > 0' | wc -l)
printf '%s\n' "$counters" | awk '/^cpu[0-9]+_placed/ { print "# " $0 }'
if [ "$ncpu" -ge 2 ]; then
	check "blocks were placed on $busy of $ncpu CPUs at once (per-CPU XDP)" \
		test "$busy" -ge 2
else
	skip "blocks placed on several CPUs" "the guest has one CPU"
fi
check "bpftool map dump shows the per-CPU counters by name" \
	bash -c "bpftool map dump name edma_counters | grep -q '\"placed\": $(printf '%s\n' "$counters" | awk '/^cpu0_placed/ { print $2 }')'"

# A burst into a 64-slot pool in front of a disk slower than the network
# (dm-delay: 100 ms per write, reads undelayed, over the same disk): the pool runs out,
# drops are counted, nothing corrupt lands, and retransmission completes
# the data.  4 MiB over IPv6.
modprobe dm_mod 2>/dev/null
if modprobe dm_delay 2>/dev/null &&
	dmsetup create --noudevsync --verifyudev edma-netslow \
		--table "0 $(blockdev --getsz $disk) delay $disk 0 0 $disk 0 100" 2>/dev/null; then
	full0=$(cat $S/rx/pool_full)
	check "nr_slots=64 (pool resized while idle)" bash -c "echo 64 > $P/nr_slots"
	head -c 4194304 /dev/urandom >/tmp/xdp-burst
	run_tap "$bin/xdp_test" stream edma-tx fd11::2 7788 /dev/mapper/edma-netslow \
		3 4096 8192 /tmp/xdp-burst 4096 2 burst
	host_check "the 4 MiB burst, completed by retransmission, is on the disk" \
		2097152 4194304 "$(sha256sum /tmp/xdp-burst | cut -d' ' -f1)" 4
	counters=$(ip netns exec edma-rx "$bin/xdp_test" counters)
	check "counters: the burst's drops are counted as err_full ($(val err_full))" \
		test "$(val err_full)" -gt 0
	check "module rx/pool_full counted them ($full0 -> $(cat $S/rx/pool_full))" \
		test "$(cat $S/rx/pool_full)" -gt "$full0"
	check "every slot is free again" \
		test "$(cat $S/pool_free_slots)" = "$(cat $S/pool_slots)"
	check "nr_slots back to 4096" bash -c "echo 4096 > $P/nr_slots"
	dmsetup remove --noudevsync edma-netslow
else
	skip "a burst that exhausts the pool" "dm-delay is not available"
fi

check "detach" ip netns exec edma-rx "$bin/xdp_test" detach veth-rx
check "bpftool net shows no XDP program on veth-rx any more" \
	bash -c "! ip netns exec edma-rx bpftool net show dev veth-rx | grep -q ebpfdma_rx"
check "rmmod succeeds once detached" rmmod ebpfdma
netns_down
tap_done

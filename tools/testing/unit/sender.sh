#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of ebpfdma-send against fake_receiver.py, an independent
# receiver of wire version 2 that loses datagrams or misbehaves on
# request: the file arrives intact through losses, and every wrong or
# forged answer ends the sender with its exit status and a clear message,
# never with 0.
#
# It runs in a network namespace of its own (only its loopback), where it
# may change the loopback's MTU: the path MTU tests.
set -uo pipefail
if [ -z "${EBPFDMA_SENDER_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	EBPFDMA_SENDER_NETNS=1 exec unshare -n "$0" "$@"
fi
[ -z "${EBPFDMA_SENDER_NETNS:-}" ] || ip link set lo up
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
send=$top/build/tools/ebpfdma-send
tmp=$(mktemp -d)
rcv_pid=
trap '[ -n "$rcv_pid" ] && kill $rcv_pid 2>/dev/null; rm -rf "$tmp"' EXIT

key=$tmp/volume.key
"$top/build/tools/ebpfdmactl" genkey "$key" >/dev/null
# receiver MODE: start the fake receiver; its port in $port.
receiver() {
	rm -f "$tmp/port" "$tmp/out"
	python3 "$here/fake_receiver.py" "$1" "$key" "$tmp/out" >"$tmp/port" &
	rcv_pid=$!
	for _ in $(seq 50); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	port=$(cat "$tmp/port")
}

# receiver_done: the receiver ends by itself once the transfer committed;
# one that has not within 30 s (the sender failed) is stopped, so that a
# failing test fails and does not hang.
receiver_done() {
	for _ in $(seq 300); do
		kill -0 $rcv_pid 2>/dev/null || break
		sleep 0.1
	done
	stop_receiver
}

stop_receiver() {
	kill $rcv_pid 2>/dev/null
	wait $rcv_pid 2>/dev/null
	rcv_pid=
}

# expect_exit DESC STATUS MESSAGE CMD...: CMD exits with STATUS, saying
# MESSAGE on standard error.
expect_exit() {
	local desc=$1 want=$2 msg=$3 rc
	shift 3
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$msg" ] || grep -qF -- "$msg" "$tmp/stderr"; }; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc (exit $rc, wanted $want and '$msg')"
		sed 's/^/# /' "$tmp/stderr" | tail -n 5
	fi
}

head -c 786432 /dev/urandom >"$tmp/file" # 768 KiB: 768 datagrams of 1 KiB

receiver good
expect_exit "a transfer through a receiver that loses every 7th datagram once: exit 0" \
	0 "" "$send" --quiet --block-size 1024 --window 64 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... and the receiver holds the file byte for byte (its tags checked by hashlib)" \
	cmp "$tmp/file" "$tmp/out"
check "... having retransmitted what was lost" \
	grep -q ' [1-9][0-9]* retransmitted' "$tmp/stdout"

# Batching: equal datagrams share a sendmmsg() message that the kernel
# cuts up (UDP GSO); without GSO, one datagram per message.  On a clean
# path (no loss to shrink the congestion window), in bursts.
receiver clean
strace -f -v -qq -e trace=sendmmsg -o "$tmp/strace" "$send" --quiet --block-size 1024 \
	--key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file" >/dev/null 2>&1
rc=$?
receiver_done
calls=$(grep -c '^[0-9]* *sendmmsg' "$tmp/strace")
gso=$(grep -c 'cmsg_type=0x67' "$tmp/strace") # UDP_SEGMENT
check "with GSO: intact, 768 datagrams in $calls sendmmsg() calls (at least 4 a call), segmented by the kernel ($gso with UDP_SEGMENT)" \
	bash -c "[ $rc = 0 ] && cmp -s '$tmp/file' '$tmp/out' && [ $calls -ge 1 ] && [ $calls -le 192 ] && [ $gso -ge 1 ]"
receiver good
expect_exit "--no-gso: exit 0" 0 "" "$send" --quiet --no-gso --block-size 1024 \
	--key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... and the file is intact" cmp "$tmp/file" "$tmp/out"

receiver range
expect_exit "a HELLO refused (the file does not fit): exit 3, said so" 3 \
	"does not fit the volume's window" "$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

receiver stale
expect_exit "a WELCOME that answers another HELLO (a replay): not believed, exit 4" 4 \
	"no answer from" "$send" --quiet --timeout 2 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

"$top/build/tools/ebpfdmactl" genkey "$tmp/other.key" >/dev/null
receiver good
expect_exit "a receiver with another secret: its WELCOME does not verify, exit 4" 4 \
	"no answer from" "$send" --quiet --timeout 2 --key-file "$tmp/other.key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

receiver forged
expect_exit "ACKs saying all is durable and complete, under another key: ignored, exit 4" 4 \
	"ACKs that do not verify arrived" "$send" --quiet --timeout 2 --key-file "$key" \
	127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

receiver claim
expect_exit "... the same ACKs under the session's k_ack are believed: exit 0" 0 "" \
	"$send" --quiet --timeout 2 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

receiver stall
expect_exit "ACKs that acknowledge nothing: exit 4 after --timeout" 4 \
	"acknowledged nothing new for 2 s" "$send" --quiet --timeout 2 \
	--key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

# Interrupted mid-transfer: a line saying how far it got, exit 130.
receiver stall
"$send" --timeout 60 --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file" \
	>"$tmp/stdout" 2>"$tmp/stderr" &
snd=$!
for _ in $(seq 100); do # until its first progress line: in the transfer
	grep -q "acknowledged" "$tmp/stderr" && break
	sleep 0.1
done
kill -INT $snd
wait $snd
rc=$?
check "Ctrl-C (SIGINT) mid-transfer: exit 130 ($rc), saying what was durable and that nothing was committed" \
	bash -c "[ $rc = 130 ] && grep -q '^interrupted after .* 0 of 768 datagrams .* durable.*not committed' '$tmp/stdout'"
stop_receiver

# Memory does not grow with the file: 1 GiB (sparse) to a receiver that
# verifies and acknowledges but stores nothing.
truncate -s 1G "$tmp/big"
receiver sink
rss=$(python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	"$send" --quiet --block-size 8192 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/big")
receiver_done
rm -f "$tmp/big"
check "a 1 GiB file sent with a peak RSS under 64 MiB (exit and KiB: $rss)" \
	bash -c "set -- $rss; [ \$1 = 0 ] && [ \$2 -lt 65536 ]"

# The path MTU: the block size fits it, datagrams are never fragmented.
if [ -n "${EBPFDMA_SENDER_NETNS:-}" ]; then
	frags() { awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["FragCreates"] }' /proc/net/snmp; }
	ip link set lo mtu 1500
	receiver good
	f0=$(frags)
	expect_exit "MTU 1500, no --block-size: exit 0" 0 "" \
		"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
	receiver_done
	check "... in blocks of 1024 bytes (the largest multiple of 512 that fits 1500), intact, no IP fragment made ($f0 -> $(frags))" \
		bash -c "grep -q 'datagrams of 1024 bytes' '$tmp/stdout' && cmp -s '$tmp/file' '$tmp/out' && [ $(frags) = $f0 ]"
	expect_exit "MTU 1500, --block-size 4096: refused before sending, saying what fits (exit 2)" 2 \
		"does not fit the path MTU to 127.0.0.1 (1500 bytes): at most 1424 bytes" \
		"$send" --quiet --block-size 4096 --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
	FAKE_UNIT=4096 receiver good
	expect_exit "MTU 1500 to a volume of 4096-byte logical blocks: exit 3, raise the MTU" 3 \
		"the receiver takes blocks of a multiple of 4096 bytes up to 8192, but the path MTU (1500) leaves room for 1424 bytes" \
		"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
	stop_receiver
	ip link set lo mtu 9000
	FAKE_MAX_BLOCK=2048 receiver good
	expect_exit "MTU 9000 to a receiver whose slots take 2048 bytes (E_BLOCK to the first HELLO, of 4096): exit 0" 0 "" \
		"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
	receiver_done
	check "... in blocks of 2048 bytes, intact" \
		bash -c "grep -q 'datagrams of 2048 bytes' '$tmp/stdout' && cmp -s '$tmp/file' '$tmp/out'"

	# The path MTU falls mid-transfer (9000 to 1500): EMSGSIZE, then a
	# new session in blocks that fit.
	head -c 8388608 /dev/urandom >"$tmp/file8"
	receiver clean
	"$send" --rate 4 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file8" \
		>"$tmp/stdout" 2>"$tmp/stderr" &
	snd=$!
	for _ in $(seq 100); do # until a MiB has arrived: mid-transfer
		[ "$(stat -c %s "$tmp/out" 2>/dev/null || echo 0)" -ge 1048576 ] && break
		sleep 0.1
	done
	ip link set lo mtu 1500
	wait $snd
	rc=$?
	receiver_done
	check "the path MTU falls from 9000 to 1500 mid-transfer: exit 0 ($rc), a new session in blocks of 1024 bytes, intact" \
		bash -c "[ $rc = 0 ] && grep -q 'path MTU to 127.0.0.1 fell to 1500 bytes: a new session with blocks of 1024 bytes' '$tmp/stderr' && grep -q 'datagrams of 1024 bytes.* 2 sessions' '$tmp/stdout' && cmp -s '$tmp/file8' '$tmp/out'"
	receiver clean
	ip link set lo mtu 9000
	"$send" --quiet --rate 4 --block-size 4096 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file8" \
		>"$tmp/stdout" 2>"$tmp/stderr" &
	snd=$!
	for _ in $(seq 100); do
		[ "$(stat -c %s "$tmp/out" 2>/dev/null || echo 0)" -ge 1048576 ] && break
		sleep 0.1
	done
	ip link set lo mtu 1500
	wait $snd
	rc=$?
	stop_receiver
	check "... with --block-size 4096: exit 4 ($rc), saying the blocks no longer fit and what was durable" \
		bash -c "[ $rc = 4 ] && grep -q 'fell to 1500 bytes: blocks of 4096 bytes no longer fit a datagram (.* of 2048 blocks were durable, nothing is committed; send again with a smaller --block-size)' '$tmp/stderr'"
	rm -f "$tmp/file8"
	ip link set lo mtu 65536
else
	skip "the path MTU tests" "no network namespace of its own (unshare -n needs root)"
fi

# Nobody listens on this port (the receiver's port, now closed).
expect_exit "no receiver: exit 4" 4 "no answer from" \
	"$send" --quiet --timeout 2 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
expect_exit "a missing file: exit 2" 2 "No such file" \
	"$send" --quiet --key-file "$key" 127.0.0.1:9 1 "$tmp/none"
expect_exit "a volume that is not a number: usage, exit 2" 2 "usage" \
	"$send" --quiet --key-file "$key" 127.0.0.1:9 not-a-volume "$tmp/file"
chmod 644 "$key"
expect_exit "a key file others may read: exit 2, saying how to fix it" 2 \
	"chmod 600" "$send" --quiet --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
tap_done

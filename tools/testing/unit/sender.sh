#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of ebpfdma-send against fake_receiver.py, an independent
# receiver of wire version 2 that loses datagrams or misbehaves on
# request: the file arrives intact through losses, and every wrong or
# forged answer ends the sender with its exit status and a clear message,
# never with 0.
set -uo pipefail
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
wait $rcv_pid
rcv_pid=
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
wait $rcv_pid
rcv_pid=
calls=$(grep -c '^[0-9]* *sendmmsg' "$tmp/strace")
gso=$(grep -c 'cmsg_type=0x67' "$tmp/strace") # UDP_SEGMENT
check "with GSO: intact, 768 datagrams in $calls sendmmsg() calls (at least 4 a call), segmented by the kernel ($gso with UDP_SEGMENT)" \
	bash -c "[ $rc = 0 ] && cmp -s '$tmp/file' '$tmp/out' && [ $calls -ge 1 ] && [ $calls -le 192 ] && [ $gso -ge 1 ]"
receiver good
expect_exit "--no-gso: exit 0" 0 "" "$send" --quiet --no-gso --block-size 1024 \
	--key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
wait $rcv_pid
rcv_pid=
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
wait $rcv_pid
rcv_pid=
rm -f "$tmp/big"
check "a 1 GiB file sent with a peak RSS under 64 MiB (exit and KiB: $rss)" \
	bash -c "set -- $rss; [ \$1 = 0 ] && [ \$2 -lt 65536 ]"

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

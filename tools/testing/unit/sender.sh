#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of ebpfdma-send against fake_receiver.py, an independent
# receiver of the wire protocol that loses datagrams or misbehaves on
# request: the file arrives intact through losses, and every wrong answer
# ends the sender with its exit status and a clear message, never with 0.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
send=$top/build/tools/ebpfdma-send
tmp=$(mktemp -d)
rcv_pid=
trap '[ -n "$rcv_pid" ] && kill $rcv_pid 2>/dev/null; rm -rf "$tmp"' EXIT

# receiver MODE: start the fake receiver; its port in $port.
receiver() {
	rm -f "$tmp/port" "$tmp/out"
	python3 "$here/fake_receiver.py" "$1" "$tmp/out" >"$tmp/port" &
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
	0 "" "$send" --quiet --block-size 1024 --window 64 127.0.0.1:"$port" 1 0x77 "$tmp/file"
wait $rcv_pid
rcv_pid=
check "... and the receiver holds the file byte for byte" cmp "$tmp/file" "$tmp/out"
check "... having retransmitted what was lost" \
	grep -q ' [1-9][0-9]* retransmitted' "$tmp/stdout"

# Batching: equal datagrams share a sendmmsg() message that the kernel
# cuts up (UDP GSO); without GSO, one datagram per message.
receiver good
strace -f -qq -e trace=sendmmsg -o "$tmp/strace" "$send" --quiet --block-size 1024 \
	127.0.0.1:"$port" 1 0x77 "$tmp/file" >/dev/null 2>&1
rc=$?
wait $rcv_pid
rcv_pid=
calls=$(grep -c '^[0-9]* *sendmmsg' "$tmp/strace")
check "with GSO: intact, and 768 datagrams (+ resends) took few sendmmsg() calls ($calls)" \
	bash -c "[ $rc = 0 ] && cmp -s '$tmp/file' '$tmp/out' && [ $calls -ge 1 ] && [ $calls -lt 100 ]"
receiver good
expect_exit "--no-gso: exit 0" 0 "" "$send" --quiet --no-gso --block-size 1024 \
	127.0.0.1:"$port" 1 0x77 "$tmp/file"
wait $rcv_pid
rcv_pid=
check "... and the file is intact" cmp "$tmp/file" "$tmp/out"

receiver token
expect_exit "a refused token: exit 3" 3 "refused the token" \
	"$send" --quiet 127.0.0.1:"$port" 1 0x77 "$tmp/file"
stop_receiver

receiver bsize0
expect_exit "an answer with a block size of 0: exit 3, not a crash" 3 \
	"answer is malformed" "$send" --quiet 127.0.0.1:"$port" 1 0x77 "$tmp/file"
stop_receiver

receiver geometry
expect_exit "a volume whose block size changes mid-transfer: exit 3" 3 \
	"volume changed" "$send" --quiet --block-size 1024 --window 8 \
	127.0.0.1:"$port" 1 0x77 "$tmp/file"
stop_receiver

receiver stall
expect_exit "ACKs that acknowledge nothing: exit 4 after --timeout" 4 \
	"acknowledged nothing new for 2 s" "$send" --quiet --timeout 2 \
	127.0.0.1:"$port" 1 0x77 "$tmp/file"
stop_receiver

# Nobody listens on this port (the receiver's port, now closed).
expect_exit "no receiver: exit 4" 4 "no answer from" \
	"$send" --quiet --timeout 2 127.0.0.1:"$port" 1 0x77 "$tmp/file"
expect_exit "a missing file: exit 2" 2 "No such file" \
	"$send" --quiet 127.0.0.1:9 1 0x77 "$tmp/none"
expect_exit "a token that is not a number: usage, exit 2" 2 "usage" \
	"$send" --quiet 127.0.0.1:9 1 not-a-token "$tmp/file"
tap_done

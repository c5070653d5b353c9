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
check "... its COMMIT recorded the transfer: lba 0, 786432 bytes, their BLAKE2b-256 (checked by hashlib)" \
	grep -q '^complete .* record=ok lba=0 length=786432$' "$tmp/out.log"

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

# A receiver whose disk fails: its last ACK (E_IO) says what is durable,
# and the sender believes it (what it reports, what --resume keeps).
receiver ioerror
expect_exit "a session failed by the receiver's disk: exit 3, said so" 3 \
	"the receiver's disk failed" "$send" --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
durable=$(sed -n 's/^failed durable=\([0-9]*\) ranges=\([0-9]*\)$/\1 \2/p' "$tmp/out.log")
want=$(((${durable% *} + ${durable#* }) * 1024))
heard=$(sed -n 's/.*acknowledged (\([0-9]*\) of .*/\1/p' "$tmp/stderr" | tail -n 1)
check "... and what its failing ACK said is durable is what it reports acknowledged (${heard:-none} bytes; the receiver: ${durable:-?} blocks of 1 KiB below its mark and in ranges, $want bytes)" \
	bash -c "[ -n '$durable' ] && [ '$want' -gt 0 ] && [ '${heard:-x}' = '$want' ]"

receiver stall
expect_exit "ACKs that acknowledge nothing: exit 4 after --timeout" 4 \
	"acknowledged nothing new for 2 s" "$send" --quiet --timeout 2 \
	--key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
stop_receiver

# A receiver that grants sessions and acknowledges nothing: the sender
# asks again after 4 s of silence, but --timeout counts over the
# sessions: it gives up, it does not ask forever.
receiver deaf
start=$SECONDS
expect_exit "a receiver that grants sessions but acknowledges nothing: exit 4 after --timeout 6, over its sessions" 4 \
	"acknowledged nothing new for 6 s" "$send" --timeout 6 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
check "... within 12 s ($((SECONDS - start)) s), having asked for a second session ($(grep -c '^hello' "$tmp/out.log") HELLOs granted)" \
	bash -c "[ $((SECONDS - start)) -le 12 ] && [ \$(grep -c '^hello' '$tmp/out.log') -ge 2 ]"
stop_receiver

# Interrupted while it waits for standard input: at once, exit 130.
mkfifo "$tmp/fifo"
(sleep 20; echo late) >"$tmp/fifo" &
writer=$!
"$send" --key-file "$key" 127.0.0.1:9 1 - <"$tmp/fifo" >"$tmp/stdout" 2>"$tmp/stderr" &
snd=$!
sleep 1
start=$SECONDS
kill -TERM $snd
wait $snd
rc=$?
kill $writer 2>/dev/null
wait $writer 2>/dev/null
check "SIGTERM while it waits for standard input: exit 130 ($rc) at once ($((SECONDS - start)) s), not when the pipe ends" \
	bash -c "[ $rc = 130 ] && [ $((SECONDS - start)) -le 3 ]"

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

# Memory does not grow with the file: 4 GiB (sparse) to a receiver that
# verifies and acknowledges but stores nothing.
truncate -s 4G "$tmp/big"
FAKE_MAX_BLOCK=32768 receiver sink
rss=$(python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	"$send" --quiet --block-size 32768 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/big")
receiver_done
rm -f "$tmp/big"
check "a 4 GiB file sent with a peak RSS under 64 MiB (exit and KiB: $rss)" \
	bash -c "set -- $rss; [ \$1 = 0 ] && [ \$2 -lt 65536 ]"

# Standard input through a bounded buffer: 40 MiB from a pipe go as three
# sessions of at most 16 MiB, each committed before the next is read.
head -c 41943040 /dev/urandom >"$tmp/file40"
FAKE_KEEP=1 receiver clean
rss=$(python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "rb") as f:
    p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE,
                         stdout=open(sys.argv[1] + ".out", "w"))
    while True:
        b = f.read(65536)
        if not b:
            break
        p.stdin.write(b)
    p.stdin.close()
    rc = p.wait()
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	"$tmp/file40" "$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 -)
stop_receiver
check "40 MiB from a pipe: exit 0, in 3 sessions, intact, peak RSS under 64 MiB (exit and KiB: $rss)" \
	bash -c "set -- $rss; [ \$1 = 0 ] && [ \$2 -lt 65536 ] &&
		grep -q ', 3 sessions; durable and committed' '$tmp/file40.out' &&
		[ \$(grep -c '^complete' '$tmp/out.log') = 3 ] &&
		cmp -s '$tmp/file40' '$tmp/out'"
check "... only the last session's COMMIT records the stream: its 41943040 bytes from lba 0, their digest" \
	bash -c "grep '^complete' '$tmp/out.log' | sed 's/.* record=//' | tr '\n' ,|
		grep -qx 'none,none,ok lba=0 length=41943040,'"
check "... the sessions follow each other on the volume (lba 0, 32768, 65536)" \
	bash -c "grep '^hello' '$tmp/out.log' | cut -d' ' -f2 | tr '\n' ' ' |
		grep -qx 'lba=0 lba=32768 lba=65536 '"
head -c 33554432 /dev/urandom >"$tmp/file40"
FAKE_KEEP=1 receiver clean
"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 - <"$tmp/file40" >"$tmp/stdout" 2>&1
rc=$?
stop_receiver
check "32 MiB from standard input, 2 chunks exactly: exit $rc, 2 sessions, the last one recording the stream, intact" \
	bash -c "[ $rc = 0 ] && [ \$(grep -c '^hello' '$tmp/out.log') = 2 ] &&
		grep '^complete' '$tmp/out.log' | sed 's/.* record=//' | tr '\n' , |
		grep -qx 'none,ok lba=0 length=33554432,' && cmp -s '$tmp/file40' '$tmp/out'"
rm -f "$tmp/file40"

# The receiver restarts mid-transfer (it forgets the session once it holds
# half the blocks): the sender falls silent, asks for a new session from
# the first block not acknowledged durable, and sends what is not below it.
receiver restart
expect_exit "the receiver restarts mid-transfer: exit 0" 0 "" \
	"$send" --quiet --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
lba2=$(sed -n '2s/^hello lba=\([0-9]*\) .*/\1/p' "$tmp/out.log")
data2=$(sed -n 's/^complete data=\([0-9]*\).*/\1/p' "$tmp/out.log")
check "... in 2 sessions, the second from block $((lba2 / 2)) of 768 (of the 384 it held, at most a window not yet acknowledged), $data2 datagrams in it (768 - $((lba2 / 2)) and what it lost), intact" \
	bash -c "grep -q ', 2 sessions; durable' '$tmp/stdout' &&
		[ '$lba2' -ge 512 ] && [ '$data2' -ge $((768 - lba2 / 2)) ] && [ '$data2' -le $((768 - lba2 / 2 + 8)) ] &&
		cmp -s '$tmp/file' '$tmp/out' &&
		grep -q '^complete .* record=ok lba=0 length=786432$' '$tmp/out.log'"

# --offset: the same, from the volume's logical block 1000; the second
# session's lba counts from there too.
receiver restart
expect_exit "--offset 1000 through a receiver that restarts: exit 0" 0 "" \
	"$send" --quiet --offset 1000 --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
lba1=$(sed -n '1s/^hello lba=\([0-9]*\) .*/\1/p' "$tmp/out.log")
lba2=$(sed -n '2s/^hello lba=\([0-9]*\) .*/\1/p' "$tmp/out.log")
check "... the first session at lba $lba1 (1000), the second at $lba2 (1000 and its first block's), the file intact from byte 512000" \
	bash -c "[ '$lba1' = 1000 ] && [ '$lba2' -ge 1512 ] && [ \$(( ($lba2 - 1000) % 2 )) = 0 ] &&
		[ \$(stat -c %s '$tmp/out') = $((512000 + 786432)) ] &&
		tail -c +512001 '$tmp/out' | cmp -s - '$tmp/file' &&
		grep -q '^complete .* record=ok lba=1000 length=786432$' '$tmp/out.log'"
expect_exit "--offset 2^48 + 1: refused, exit 2" 2 "--offset: '281474976710657' is not a whole number" \
	"$send" --offset 281474976710657 --key-file "$key" 127.0.0.1:9 1 "$tmp/file"

# Ctrl-C, then --resume: only what was not durable is sent again.
export EBPFDMA_STATE_DIR=$tmp/state
head -c 8388608 /dev/urandom >"$tmp/file8"
export FAKE_PORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
receiver clean
"$send" --rate 2 --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file8" \
	>"$tmp/stdout" 2>"$tmp/stderr" &
snd=$!
for _ in $(seq 100); do # until 2 MiB are durable: mid-transfer
	grep -q "acknowledged ([2-9][0-9]\{6\} of" "$tmp/stderr" && break
	sleep 0.1
done
kill -INT $snd
wait $snd
rc=$?
stop_receiver
off=$(sed -n 's/.*; \([0-9]*\) of 8388608 bytes durable: --resume continues from there$/\1/p' "$tmp/stdout")
check "Ctrl-C: exit 130 ($rc), $off of 8388608 bytes durable, --resume named, a record kept" \
	bash -c "[ $rc = 130 ] && [ '${off:-0}' -ge 2097152 ] && [ \$(ls '$tmp/state' | wc -l) = 1 ]"
cp "$tmp/out" "$tmp/out.first"
receiver clean
expect_exit "--resume: exit 0, saying what was durable already" 0 \
	"$off of 8388608 bytes are durable already: sending the rest" \
	"$send" --resume --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file8"
receiver_done
lba=$(sed -n 's/^hello lba=\([0-9]*\) .*/\1/p' "$tmp/out.log")
data=$(sed -n 's/^complete data=\([0-9]*\).*/\1/p' "$tmp/out.log")
check "... one session from byte $off (lba $lba), $data datagrams: none of the durable part sent again, resumed at byte $off" \
	bash -c "[ '$lba' = $((off / 512)) ] && [ '$data' -ge $(((8388608 - off) / 1024)) ] &&
		[ '$data' -le $(((8388608 - off) / 1024 + 8)) ] &&
		grep -q 'resumed at byte $off; durable and committed' '$tmp/stdout'"
check "... its COMMIT records the whole file from lba 0, and the BLAKE2b-256 of all of it (the durable part read back to be hashed)" \
	bash -c "grep -q '^complete .* record=[a-z]* lba=0 length=8388608$' '$tmp/out.log' &&
		[ \"\$(sed -n 's/^digest //p' '$tmp/out.log')\" = \"\$(b2sum -l 256 '$tmp/file8' | cut -d' ' -f1)\" ]"
check "... the first run's part and the resumed part make the file, byte for byte" \
	bash -c "cmp -n $off '$tmp/file8' '$tmp/out.first' &&
		cmp -i $off:$off '$tmp/file8' '$tmp/out'"
check "... and the record is gone once committed" \
	bash -c "[ \$(ls '$tmp/state' | wc -l) = 0 ]"
receiver clean
expect_exit "--resume with nothing recorded: exit 0, the file sent whole" 0 \
	"no interrupted transfer of" \
	"$send" --resume --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... intact" cmp "$tmp/file" "$tmp/out"
# --resume 1 MiB short of the end of a 2 GiB file: its durable part is
# read and hashed for the digest before the first session, not counted
# against --timeout (1 s here: hashing takes longer).
truncate -s 2G "$tmp/big"
python3 - "$tmp/big" "$FAKE_PORT" "$EBPFDMA_STATE_DIR" <<'EOP'
import hashlib, os, sys
path, port, d = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3]
recv = "127.0.0.1 %s 1" % port  # the record is named as resume.c names it
name = hashlib.blake2b(recv.encode() + b"\0" + path.encode() + b"\0",
                       digest_size=16).hexdigest()
st = os.stat(path)
with open(os.path.join(d, name), "w") as f:
    f.write("ebpfdma-send resume 1\nreceiver %s\nfile %s\nsize %d\n"
            "mtime_ns %d\noffset %d\nblock_size 1024\nunit 512\n"
            % (recv, path, st.st_size, st.st_mtime_ns, st.st_size - 1048576))
EOP
receiver sink
expect_exit "--resume 1 MiB short of the end of a 2 GiB file, --timeout 1: exit 0" 0 \
	"2146435072 of 2147483648 bytes are durable already" \
	"$send" --resume --timeout 1 --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/big"
receiver_done
check "... its digest is of the whole 2 GiB, the durable part hashed before the session" \
	bash -c "[ \"\$(sed -n 's/^digest //p' '$tmp/out.log')\" = \"\$(b2sum -l 256 '$tmp/big' | cut -d' ' -f1)\" ]"
rm -f "$tmp/big"
unset EBPFDMA_STATE_DIR FAKE_PORT
rm -f "$tmp/file8" "$tmp/out.first"

# Flows, ECN: datagrams leave from as many source ports as the receiver
# asks for (its receive queues) or --flows says, all marked ECT(0)
# unless --no-ecn; CE marks the receiver echoes slow the sender down.
FAKE_FLOWS=4 receiver clean
expect_exit "a receiver that asks for 4 flows: exit 0" 0 "" \
	"$send" --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... DATA came from 4 source ports, every datagram ECN-capable (ECT(0)), intact: $(grep complete "$tmp/out.log")" \
	bash -c "grep -q ', 4 flows, ' '$tmp/stdout' &&
		grep -q '^complete data=\([0-9]*\) ports=4 ect=\1 record=ok' '$tmp/out.log' &&
		cmp -s '$tmp/file' '$tmp/out'"
FAKE_FLOWS=4 receiver clean
expect_exit "--flows 2 --no-ecn: exit 0" 0 "" \
	"$send" --flows 2 --no-ecn --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... from 2 source ports, none ECN-capable: $(grep complete "$tmp/out.log")" \
	bash -c "grep -q ', 2 flows, ' '$tmp/stdout' &&
		grep -q '^complete data=[0-9]* ports=2 ect=0 record=ok' '$tmp/out.log' &&
		cmp -s '$tmp/file' '$tmp/out'"
FAKE_CE=1 receiver clean
expect_exit "a receiver that echoes CE marks: exit 0" 0 "" \
	"$send" --block-size 1024 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
receiver_done
check "... the sender's congestion events began with CE marks: $(grep -o '[0-9]* congestion events, [0-9]* of them CE' "$tmp/stdout")" \
	bash -c "grep -q '[1-9][0-9]* of them CE' '$tmp/stdout' && cmp -s '$tmp/file' '$tmp/out'"

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
	expect_exit "MTU 1500 to a volume of 4096-byte logical blocks: exit 4, raise the MTU" 4 \
		"the receiver takes blocks of a multiple of 4096 bytes up to 8192, but the path MTU (1500) leaves room for 1424 bytes" \
		"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
	stop_receiver
	ip link set lo mtu 576
	expect_exit "MTU 576 (no 512-byte block fits a datagram): exit 4 before sending, saying so" 4 \
		"the path MTU to 127.0.0.1 (576 bytes) leaves room for" \
		"$send" --quiet --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
	# A stream whose block size changes after its first chunk was cut
	# (MTU 4000: 3584-byte blocks, refused by a volume of 1024-byte
	# logical blocks: 3072): every chunk still lands where it belongs.
	ip link set lo mtu 4000
	head -c 40000000 /dev/urandom >"$tmp/file40"
	FAKE_UNIT=1024 FAKE_KEEP=1 receiver clean
	"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 - <"$tmp/file40" >"$tmp/stdout" 2>&1
	rc=$?
	stop_receiver
	check "40 MB from standard input, blocks of 3584 refused for 3072 by a 1024-byte unit: exit $rc, 3 sessions, intact" \
		bash -c "[ $rc = 0 ] && [ \$(grep -c '^complete' '$tmp/out.log') = 3 ] &&
			grep -q '^hello lba=16384 ' '$tmp/out.log' && cmp -s -n 40000000 '$tmp/file40' '$tmp/out'"
	rm -f "$tmp/file40"
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

# Standard input redirected from a file is read from where its position
# stands, as a stream.
receiver clean
(dd bs=4096 count=1 of=/dev/null status=none
 "$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 - >"$tmp/stdout" 2>&1) <"$tmp/file"
rc=$?
receiver_done
check "standard input from a file 4096 bytes into it: exit $rc, the rest of it sent, not the whole file" \
	bash -c "[ $rc = 0 ] && tail -c +4097 '$tmp/file' | cmp -s - '$tmp/out'"

# The input changes while it is sent: nothing may be committed.
head -c 4194304 /dev/urandom >"$tmp/shrinks"
FAKE_CHANGE="$tmp/shrinks 2097152 100" receiver clean
expect_exit "the file shrinks from 4 to 2 MiB mid-transfer: exit 2, saying it changed, not its padding with zeros committed" \
	2 "changed while it was sent" \
	"$send" --quiet --block-size 1024 --window 64 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/shrinks"
stop_receiver
check "... and the receiver committed nothing" bash -c "! grep -q complete '$tmp/out.log'"
cp "$tmp/file" "$tmp/rewritten"
FAKE_CHANGE="$tmp/rewritten 786432 100" receiver clean
expect_exit "the file is rewritten in place (its length kept) after it was read: exit 2, nothing committed" \
	2 "changed while it was sent" \
	"$send" --quiet --block-size 1024 --window 64 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/rewritten"
stop_receiver
check "... and the receiver committed nothing" bash -c "! grep -q complete '$tmp/out.log'"
rm -f "$tmp/shrinks" "$tmp/rewritten"

# Nobody listens on this port (the receiver's port, now closed).
expect_exit "no receiver: exit 4" 4 "no answer from" \
	"$send" --quiet --timeout 2 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/file"
expect_exit "a missing file: exit 2" 2 "No such file" \
	"$send" --quiet --key-file "$key" 127.0.0.1:9 1 "$tmp/none"
expect_exit "a volume that is not a number: named, exit 2" 2 "VOLUME: 'not-a-volume' is not a whole number in 0..63" \
	"$send" --quiet --key-file "$key" 127.0.0.1:9 not-a-volume "$tmp/file"
expect_exit "a volume id past 2^32 (4294967297): refused, not wrapped to 1, exit 2" 2 "VOLUME: '4294967297' is not a whole number in 0..63" \
	"$send" --key-file "$key" 127.0.0.1:9 4294967297 "$tmp/file"
expect_exit "an unknown option: named, exit 2" 2 "unknown option '--windw'" \
	"$send" --windw 3 --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
expect_exit "a port with trailing garbage (:77x): refused, exit 2" 2 "port: '77x' is not a whole number in 1..65535" \
	"$send" --key-file "$key" 127.0.0.1:77x 1 "$tmp/file"
expect_exit "a port past 65535 (:99999): refused, not wrapped, exit 2" 2 "port: '99999' is not a whole number in 1..65535" \
	"$send" --key-file "$key" 127.0.0.1:99999 1 "$tmp/file"
# A name the resolver rejects without asking anyone (an empty label): the
# command line's error, not the network's.
expect_exit "a host name that cannot exist (a..b): exit 2, not 4 (no answer)" 2 \
	"a..b: Name or service not known (no such host)" \
	"$send" --key-file "$key" a..b 1 "$tmp/file"
expect_exit "--window 12k: refused, exit 2" 2 "--window: '12k' is not a whole number" \
	"$send" --window 12k --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
expect_exit "--resume of standard input: refused, exit 2" 2 "--resume needs a regular file" \
	"$send" --resume --key-file "$key" 127.0.0.1:9 1 - </dev/null
"$send" --help >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
check "--help: the usage on standard output, exit 0 ($rc), every option and exit status in it" \
	bash -c "[ $rc = 0 ] && [ ! -s '$tmp/stderr' ] &&
		for o in key-file name block-size offset resume flows window cc rate fua no-gso no-ecn timeout source quiet version; do
			grep -q -- \"--\$o\" '$tmp/stdout' || exit 1; done &&
		grep -q '; 1 an unexpected local error' '$tmp/stdout' &&
		grep -q '^130 interrupted' '$tmp/stdout'"
check "--version: exit 0, the version" \
	bash -c "'$send' --version | grep -q '^ebpfdma-send [0-9]'"
# File stores: the HELLO carries the file's name (its base name, or
# --name); several files go one after another, each its own transfer,
# to a receiver whose WELCOME says it is a file store, and are refused
# (exit 2, before any data) by a block volume.
head -c 5000 /dev/urandom >"$tmp/small-a"
head -c 70000 /dev/urandom >"$tmp/small-b"
: >"$tmp/small-c"
receiver clean
expect_exit "a file to a block volume: exit 0, its base name in the HELLO" 0 "" \
	"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/small-a"
receiver_done
check "... the HELLO named it small-a; the volume holds it" \
	bash -c "grep -q 'name=small-a$' '$tmp/out.log' && cmp -s -n 5000 '$tmp/small-a' '$tmp/out'"
receiver clean
expect_exit "three files to a block volume: exit 2, before any data" 2 "is a block volume" \
	"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/small-a" "$tmp/small-b" "$tmp/small-c"
stop_receiver
check "... no DATA reached the receiver, nothing committed" \
	bash -c "! grep -q complete '$tmp/out.log' && [ ! -s '$tmp/out' ]"
FAKE_STORE=1 FAKE_KEEP=1 receiver clean
expect_exit "three files (one empty) to a file store: exit 0" 0 "" \
	"$send" --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/small-a" "$tmp/small-b" "$tmp/small-c"
stop_receiver
check "... each in a transfer of its own, under its name, its digest recorded" \
	bash -c "[ \$(grep -c 'record=ok lba=0' '$tmp/out.log') = 3 ] &&
		grep -q 'name=small-b$' '$tmp/out.log' &&
		cmp -s -n 5000 '$tmp/small-a' '$tmp/out.small-a' &&
		cmp -s -n 70000 '$tmp/small-b' '$tmp/out.small-b' &&
		grep -q ' as small-c in ' '$tmp/stdout' &&
		grep -q '^3 files sent' '$tmp/stdout'"
FAKE_STORE=1 receiver clean
expect_exit "standard input with --name to a file store: exit 0" 0 "" \
	"$send" --quiet --name from-stdin.bin --key-file "$key" 127.0.0.1:"$port" 1 - <"$tmp/small-b"
receiver_done
check "... stored under that name" \
	cmp -s -n 70000 "$tmp/small-b" "$tmp/out.from-stdin.bin"
FAKE_STORE=1 receiver clean
expect_exit "--offset to a file store: exit 2, before any data" 2 "--offset is for block volumes" \
	"$send" --quiet --offset 8 --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/small-a"
stop_receiver
expect_exit "--name with several files: exit 2" 2 "--name names one file" \
	"$send" --name x --key-file "$key" 127.0.0.1:9 1 "$tmp/small-a" "$tmp/small-b"
expect_exit "--name with a '/': exit 2" 2 "--name: 'a/b' is not a file name" \
	"$send" --name a/b --key-file "$key" 127.0.0.1:9 1 "$tmp/small-a"
expect_exit "standard input among several files: exit 2" 2 "standard input ('-') is sent alone" \
	"$send" --key-file "$key" 127.0.0.1:9 1 "$tmp/small-a" -
expect_exit "several files, the second missing: exit 2, the first sent, the rest not" 2 "1 of 3 files sent" \
	bash -c "FAKE_STORE=1 FAKE_KEEP=1 python3 '$here/fake_receiver.py' clean '$key' '$tmp/out' >'$tmp/port' &
		for _ in \$(seq 50); do [ -s '$tmp/port' ] && break; sleep 0.1; done
		'$send' --quiet --key-file '$key' 127.0.0.1:\$(cat '$tmp/port') 1 '$tmp/small-a' '$tmp/none' '$tmp/small-b'
		rc=\$?; kill %1; exit \$rc"

# SIGTERM to a sender of several files: the file being sent stops (exit
# 130, as alone), and no further file is sent.
FAKE_STORE=1 FAKE_KEEP=1 receiver stall
"$send" --quiet --key-file "$key" 127.0.0.1:"$port" 1 "$tmp/small-a" "$tmp/small-b" \
	>"$tmp/stdout" 2>"$tmp/stderr" &
spid=$!
for _ in $(seq 100); do grep -q '^hello' "$tmp/out.log" 2>/dev/null && break; sleep 0.1; done
kill -TERM $spid
wait $spid
rc=$?
stop_receiver
check "SIGTERM while the first of two files is sent: exit 130 ($rc), the second never asked for" \
	bash -c "[ $rc = 130 ] && [ \$(grep -c '^hello' '$tmp/out.log') = 1 ] &&
		grep -q '0 of 2 files sent' '$tmp/stderr'"

chmod 644 "$key"
expect_exit "a key file others may read: exit 2, saying how to fix it" 2 \
	"chmod 600" "$send" --quiet --key-file "$key" 127.0.0.1:9 1 "$tmp/file"
tap_done

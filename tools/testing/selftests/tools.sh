#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Selftest (guest, root): the operator's tools.  ebpfdmactl serve on
# edma-rx, ebpfdma-send on edma-tx (see netns.sh), files checked on the
# host from the image of /dev/vdf (64 MiB):
#   [0, 8 MiB)    volume 10: a transfer through netem loss, reorder, duplicates
#   [8, 24 MiB)   volume 11: serve killed and restarted mid-transfer
#   [24, 32 MiB)  volume 12: the slow path (xdp = off)
#   [32, 40 MiB)  volume 13: refused senders: must stay zero
#   [40, 42 MiB)  volume 14: a transfer replayed after a later one
#   [42, 46 MiB)  volume 15: changed and forged frames during a transfer
#   [46, 47 MiB)  volume 16: a transfer replayed on the slow path
#   [47, 48 MiB)  volume 17: the receiving interface's MTU below the sender's
#   [48, 52 MiB)  volume 18: one writer: a second sender refused, Ctrl-C and
#                 --resume taking over, the second sender after the commit
#   [52, 56 MiB)  volume 19: writers=shared: two senders at once
# Every volume is protected with ChaCha20-Poly1305 (aead) but 12 (mac).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/serve.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
ctl=$top/build/tools/ebpfdmactl
send=$top/build/tools/ebpfdma-send
disk=/dev/vdf
key=/tmp/tools.key
py=/usr/bin/python3
wire2=$top/tools/testing/selftests/wire2.py
zero_sum() { head -c "$1" /dev/zero | sha256sum | cut -d' ' -f1; }
file_sum() { sha256sum "$1" | cut -d' ' -f1; }

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$disk is the 64 MiB tools test disk" \
	test "$(blockdev --getsize64 $disk)" = 67108864
check "network namespaces edma-tx and edma-rx joined by veth" netns_up
rm -f $key /tmp/other.key
check "ebpfdmactl genkey makes the volumes' key file, mode 0600" \
	bash -c "'$ctl' genkey $key && '$ctl' genkey /tmp/other.key &&
		[ \$(stat -c %a $key) = 600 ]"

conf() { # XDP-MODE: a serve configuration
	cat <<-EOC
	# ebpfdmactl serve configuration of the tools selftest
	interface = veth-rx
	port = 7788
	metrics = 127.0.0.1:9788
	xdp = $1
	# A network: every IPv4 transfer below (from 10.11.0.1) matches it,
	# and 10.11.0.9 is outside it.
	peer = 10.11.0.0/30
	peer = fd11::1
	key_file = $key
	volume = 10 $disk start=0 blocks=16384
	volume = 11 $disk start=16384 blocks=32768 flags=flush_on_commit
	volume = 12 $disk start=49152 blocks=16384 protect=mac
	volume = 13 $disk start=65536 blocks=16384
	volume = 14 $disk start=81920 blocks=4096
	volume = 15 $disk start=86016 blocks=8192
	volume = 16 $disk start=94208 blocks=2048
	volume = 17 $disk start=96256 blocks=2048
	volume = 18 $disk start=98304 blocks=8192
	volume = 19 $disk start=106496 blocks=8192 writers=shared
	EOC
}

capture_start() { # FILE: capture what edma-tx sends to 7788; $cap is it
	rm -f "$1"
	ip netns exec edma-tx "$py" "$wire2" capture veth-tx 7788 "$1" &
	cap=$!
	wait_for "the capture of $1" test -e "$1"
}
placed_past() { # N: has the module placed more than N blocks?
	[ "$(cat /sys/class/misc/ebpfdma/rx/placed)" -gt "$1" ]
}
fake_start() { # MODE: a fake receiver on 7790 in edma-rx; $fake is it
	rm -f /tmp/fake.port
	ip netns exec edma-rx "$py" "$fake_rx" "$1" $key /tmp/fake.out 0.0.0.0 >/tmp/fake.port &
	fake=$!
	wait_for "the fake receiver" test -s /tmp/fake.port
}

conf native >/tmp/serve.conf
# Bad input first: the configuration, the command line.
printf 'interface = veth-rx\nvolume = 99 /dev/vdf blocks=8 key_file=%s\n' $key >/tmp/bad.conf
check_fails "serve refuses a volume id of 64 or more, naming the line" \
	"bad.conf:2: volume: an id below 64" "$ctl" serve /tmp/bad.conf
printf 'interface = veth-rx\nportt = 1\n' >/tmp/bad.conf
check_fails "serve refuses an unknown key" "unknown key 'portt'" \
	"$ctl" serve /tmp/bad.conf
cp $key /tmp/open.key
chmod 640 /tmp/open.key
printf 'interface = veth-rx\nvolume = 1 /dev/vdf blocks=8 key_file=/tmp/open.key\n' >/tmp/bad.conf
check_fails "serve refuses a key file its group may read, saying how to fix it" \
	"chmod 600 /tmp/open.key" "$ctl" serve /tmp/bad.conf
check_fails "ebpfdma-send refuses a key file others may read" \
	"accessible to its group or others" "$send" --key-file /tmp/open.key 10.11.0.2 10 /dev/null
check_fails "ebpfdma-send without --key-file: refused, saying what it needs" \
	"--key-file PATH is required" "$send" 10.11.0.2 10 /dev/null
check_fails "volume add of a missing device fails clearly" \
	"No such file or directory" "$ctl" volume add 5 /dev/nonexistent --blocks 8
check_fails "volume add --token (wire version 1's) is refused, naming the key file instead" \
	"key_file=" "$ctl" volume add 5 /dev/vdf --blocks 8 --token 1
check_fails "attach to a missing interface fails clearly" \
	"no such interface" "$ctl" attach no-such-if --peer 10.0.0.1

serve_start /tmp/serve.conf
check "serve starts (XDP native on veth-rx, 10 volumes)" test $? = 0
check "status shows the 10 volumes and the attached program" \
	bash -c "'$ctl' status | grep -q '^volumes: 10' &&
		'$ctl' status | grep -q '^xdp: packets='"
check "status --json is JSON with the pool, volumes, kfunc and xdp counters" \
	bash -c "'$ctl' status --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s[\"volumes\"]) == 10 and s[\"pool\"][\"pool_slots\"] > 0
assert \"placed\" in s[\"kfunc\"] and \"drop_peer\" in s[\"xdp\"]'"
check_fails "a second serve on the same port fails before it touches any volume" \
	"bind UDP port 7788" rx "$ctl" serve /tmp/serve.conf
check "... and the first one still has its 10 volumes and its program" \
	bash -c "'$ctl' status | grep -q '^volumes: 10' &&
		ip netns exec edma-rx bpftool net show dev veth-rx | grep -q 'driver id'"

# 1. Loss 5%, reordering 10%, duplicates 1%, both directions.
head -c 8388608 /dev/urandom >/tmp/f-netem
check "netem: loss 5%, reorder 10%, duplicate 1% on both veth ends" bash -e -c '
	ip netns exec edma-tx tc qdisc add dev veth-tx root netem delay 1ms reorder 90% loss 5% duplicate 1%
	ip netns exec edma-rx tc qdisc add dev veth-rx root netem delay 1ms reorder 90% loss 5% duplicate 1%'
check "ebpfdma-send: 8 MiB through netem, durable and committed (exit 0)" \
	tx "$send" --quiet --key-file $key 10.11.0.2 10 /tmp/f-netem
host_check "the 8 MiB sent through netem is intact on the disk" 0 8388608 \
	"$(file_sum /tmp/f-netem)" 5
rx tc qdisc del dev veth-rx root
tx tc qdisc del dev veth-tx root

# 1b. Reading back what a volume's last commit recorded: exactly its
# bytes, checked against the digest the sender committed; a byte changed
# on the device since is caught.
rm -f /tmp/r10
check "volume read 10 --output: exit 0, the 8 MiB sent through netem, byte for byte" \
	bash -c "'$ctl' volume read 10 --output /tmp/r10 2>/tmp/read.err && cmp /tmp/r10 /tmp/f-netem &&
		grep -q '8388608 bytes committed .* from 10.11.0.1, BLAKE2b-256 checked' /tmp/read.err"
dd if=$disk of=/tmp/blk bs=512 skip=8 count=1 iflag=direct status=none
"$py" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[7] ^= 1; open(sys.argv[2], "wb").write(b)' /tmp/blk /tmp/blk-changed
dd if=/tmp/blk-changed of=$disk bs=512 seek=8 count=1 oflag=direct conv=notrunc status=none
rm -f /tmp/r10
check_fails "... one bit changed on the device since: refused, saying so, nothing written" \
	"are not what was committed (their BLAKE2b-256 differs): they changed since; nothing written" \
	"$ctl" volume read 10 --output /tmp/r10
"$ctl" volume read 10 >/dev/null 2>&1
check "... exit 4 (data differs from what was committed)" test $? = 4
check "... and no output file left" test ! -e /tmp/r10 -a ! -e /tmp/r10.partial
dd if=/tmp/blk of=$disk bs=512 seek=8 count=1 oflag=direct conv=notrunc status=none
check "... the bit restored: to standard output, intact" \
	bash -c "'$ctl' volume read 10 2>/dev/null | cmp - /tmp/f-netem"
check_fails "volume read of a volume nothing was committed to: exit 1, saying so" \
	"no commit recorded" "$ctl" volume read 13
check_fails "volume read abc: refused, naming it" "volume id: 'abc' is not a number from 0 to 63" "$ctl" volume read abc

# 2. Refused: a wrong key (HELLO does not verify: unanswered), a peer
# outside the allow-list, a file larger than the window.  Nothing reaches
# volume 13.
m=$(scrape)
auth0=$(metric 'ebpfdma_hellos_ignored_total{reason="auth"}')
peer0=$(metric 'ebpfdma_xdp_dropped_total{reason="peer"}')
head -c 1048576 /dev/urandom >/tmp/f-small
check_fails "ebpfdma-send with another volume's key: no WELCOME (exit 4)" \
	"no answer from" tx "$send" --quiet --timeout 3 --key-file /tmp/other.key 10.11.0.2 13 /tmp/f-small
tx ip addr add 10.11.0.9/24 dev veth-tx
check_fails "ebpfdma-send from a peer outside the allow-list (10.11.0.9, not in 10.11.0.0/30): no answer (exit 4)" \
	"no answer from" tx "$send" --quiet --timeout 3 --source 10.11.0.9 --key-file $key 10.11.0.2 13 /tmp/f-small
head -c 9437184 /dev/urandom >/tmp/f-big
check_fails "ebpfdma-send of 9 MiB to an 8 MiB window: refused in the WELCOME, before any DATA" \
	"does not fit the volume's window" tx "$send" --quiet --key-file $key 10.11.0.2 13 /tmp/f-big
check_fails "ebpfdma-send with a block size the volume cannot take: refused, saying what it takes" \
	"blocks of a multiple of 512 bytes up to" tx "$send" --quiet --block-size 1000 --key-file $key 10.11.0.2 13 /tmp/f-small
m=$(scrape)
check "metrics: the HELLOs under the wrong key were counted (hellos_ignored_total{reason=\"auth\"})" \
	test "$(metric 'ebpfdma_hellos_ignored_total{reason="auth"}')" -gt "$auth0"
check "metrics: the outside peer's datagrams were dropped and counted by XDP" \
	test "$(metric 'ebpfdma_xdp_dropped_total{reason="peer"}')" -gt "$peer0"
host_check "nothing was written to the refused senders' volume" 33554432 8388608 \
	"$(zero_sum 8388608)" 5

# 2b. Replayed, changed and forged frames (volumes 14, 15).  A transfer
# A is captured on the sender's side; transfer B then overwrites the same
# blocks and commits.  Replaying every frame of A changes nothing (its
# session is gone).  While a transfer C (paced) is stopped, frames of C sent
# from the allowed peer's address by another socket, retargeted at blocks C
# has not sent yet (their index changed; with a body bit changed too) are refused
# and counted; C completes intact, so none of them took a block's place.
# (Every single-bit flip of a header and a body: session.sh, in the
# kernel.)
head -c 2097152 /dev/urandom >/tmp/f-a
head -c 2097152 /dev/urandom >/tmp/f-b
capture_start /tmp/cap-a
check "transfer A (2 MiB, captured) to volume 14" \
	tx "$send" --quiet --no-gso --key-file $key 10.11.0.2 14 /tmp/f-a
kill -TERM $cap
wait $cap
check "transfer B (2 MiB) over the same blocks" \
	tx "$send" --quiet --key-file $key 10.11.0.2 14 /tmp/f-b
m=$(scrape)
nos0=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="no_session"}')
n=$(tx "$py" "$wire2" replay /tmp/cap-a 10.11.0.2 7788)
sleep 1
m=$(scrape)
nos1=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="no_session"}')
# (The capture may miss frames; each replayed one but HELLO and COMMIT
# must be refused.)
check "every captured frame of A replayed ($n): its DATA refused as of no session ($nos0 -> $nos1)" \
	test "$n" -gt 256 -a "$((nos1 - nos0))" -ge "$((n - 4))"
host_check "after the replay the blocks hold B, not A" 41943040 2097152 \
	"$(file_sum /tmp/f-b)" 5
head -c 4194304 /dev/urandom >/tmp/f-c
capture_start /tmp/cap-c
placed0=$(cat /sys/class/misc/ebpfdma/rx/placed)
# Not through tx(): $! must be the sender itself, to stop it.
ip netns exec edma-tx "$send" --quiet --no-gso --rate 0.5 --timeout 8 --key-file $key 10.11.0.2 15 /tmp/f-c >/tmp/send-c.out 2>&1 &
sendc=$!
wait_for "256 blocks of C placed" placed_past $((placed0 + 256))
# Stopped, C has sent a fraction of its blocks: [768, 1024) are not placed.
kill -STOP $sendc
stopped=$SECONDS
auth0=$(cat /sys/class/misc/ebpfdma/rx/auth)
m=$(scrape)
crc0=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="auth"}')
nh=$(tx "$py" "$wire2" replay /tmp/cap-c 10.11.0.2 7788 header 768 256)
nb=$(tx "$py" "$wire2" replay /tmp/cap-c 10.11.0.2 7788 body 768 256)
sleep 1
m=$(scrape)
crc1=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="auth"}')
auth1=$(cat /sys/class/misc/ebpfdma/rx/auth)
# C stays stopped for longer than its --timeout (8 s) and its silence limit
# (4 s): the time it was stopped counts for neither.
while [ $((SECONDS - stopped)) -lt 10 ]; do sleep 1; done
kill -CONT $sendc
wait $sendc
rc=$?
kill -TERM $cap
wait $cap
sed 's/^/# /' /tmp/send-c.out
check "$nh frames of C with a changed header and $nb with a changed body too, from a forged source: refused by their tag (err_auth $crc0 -> $crc1, rx/auth $auth0 -> $auth1)" \
	test "$nb" -gt 0 -a "$((crc1 - crc0))" -ge "$((nh + nb))" -a "$((auth1 - auth0))" -ge "$((nh + nb))"
check "transfer C, stopped for 10 s, went on in its session and completed (exit $rc)" \
	grep -q ' 1 session; durable and committed' /tmp/send-c.out
host_check "the blocks hold C, intact" 44040192 4194304 "$(file_sum /tmp/f-c)" 5

# 2c. A forged ACK: a receiver that says "all durable, complete" under a
# key that is not the session's is not believed; the same ACKs under the
# session's k_ack are (the check could fail).
fake_rx=$top/tools/testing/unit/fake_receiver.py
fake_start forged
check_fails "ebpfdma-send ignores forged ACKs: no success (exit 4), the ACKs named" \
	"ACKs that do not verify arrived" tx "$send" --quiet --timeout 3 --key-file $key 10.11.0.2:7790 1 /tmp/f-small
kill $fake
wait $fake 2>/dev/null
fake_start claim
check "... and the same ACKs under the session's k_ack are believed" \
	tx "$send" --quiet --timeout 3 --key-file $key 10.11.0.2:7790 1 /tmp/f-small
kill $fake
wait $fake 2>/dev/null

# 2d. The receiving side's MTU (1500) below the sending side's (9000):
# the sender's path MTU is its own side's, its first HELLO asks for
# 4096-byte blocks; serve answers with the most a datagram through
# veth-rx carries (E_BLOCK, 1424), and the sender starts again in
# 1024-byte blocks that arrive.
m=$(scrape)
blk0=$(metric 'ebpfdma_hello_refusals_total{reason="block"}')
rx ip link set veth-rx mtu 1500
head -c 1048576 /dev/urandom >/tmp/f-mtu
check "receiving MTU 1500, sending MTU 9000, no --block-size: durable and committed" \
	bash -c "ip netns exec edma-tx '$send' --key-file $key 10.11.0.2 17 /tmp/f-mtu >/tmp/send-mtu.out"
check "... in blocks of 1024 bytes, after serve refused 4096 for its MTU ($(grep -o 'datagrams of [0-9]* bytes' /tmp/send-mtu.out))" \
	grep -q 'datagrams of 1024 bytes' /tmp/send-mtu.out
m=$(scrape)
check "metrics: the HELLO of 4096-byte blocks was refused and counted (hello_refusals_total{reason=\"block\"})" \
	test "$(metric 'ebpfdma_hello_refusals_total{reason="block"}')" -gt "$blk0"
rx ip link set veth-rx mtu 9000
host_check "the 1 MiB sent through the smaller receiving MTU is intact on the disk" \
	49283072 1048576 "$(file_sum /tmp/f-mtu)" 5

# 2e. One writer a volume.  A (4 MiB, paced, then stopped: SIGSTOP) holds
# volume 18: B's HELLO is refused before any data (exit 3, counted).  A
# interrupted (Ctrl-C) still holds it, for the receiver's idle timeout
# (120 s): its --resume, the same transfer, takes it over at once.  Once A has committed, B
# (1 MiB) is admitted: the volume holds B, then the rest of A.  Volume 19
# is shared: two senders at once are both admitted.
head -c 4194304 /dev/urandom >/tmp/f-held-a
head -c 1048576 /dev/urandom >/tmp/f-held-b
export EBPFDMA_STATE_DIR=/tmp/edma-send-state
rm -rf $EBPFDMA_STATE_DIR
m=$(scrape)
held0=$(metric 'ebpfdma_hello_refusals_total{reason="held"}')
placed0=$(cat /sys/class/misc/ebpfdma/rx/placed)
# Not through tx(): $! must be the sender itself, to interrupt it.
ip netns exec edma-tx "$send" --quiet --rate 1 --key-file $key 10.11.0.2 18 /tmp/f-held-a >/tmp/send-a.out 2>&1 &
senda=$!
wait_for "A's first 64 blocks placed" placed_past $((placed0 + 64))
kill -STOP $senda
held_refused() { # DESC: B to volume 18 exits 3, saying the volume is held
	local rc
	tx "$send" --quiet --key-file $key 10.11.0.2 18 /tmp/f-held-b >/tmp/send-b.out 2>&1
	rc=$?
	check "$1 (exit $rc)" bash -c "[ $rc = 3 ] &&
		grep -q 'another transfer is writing to this volume' /tmp/send-b.out" ||
		sed 's/^/# /' /tmp/send-b.out
}
held_refused "a second transfer B to volume 18 while A holds it: refused, saying the volume is held"
m=$(scrape)
check "metrics: the refused HELLO is counted (hello_refusals_total{reason=\"held\"} $held0 -> $(metric 'ebpfdma_hello_refusals_total{reason="held"}'))" \
	test "$(metric 'ebpfdma_hello_refusals_total{reason="held"}')" -gt "$held0"
kill -INT $senda
kill -CONT $senda
wait $senda
rc=$?
check "A interrupted (SIGINT): exit 130 ($rc)" test $rc = 130
held_refused "... B is still refused: A's session holds the volume until it is silent for the idle timeout"
check "A's --resume takes the volume over at once and commits (exit 0)" \
	bash -c "ip netns exec edma-tx '$send' --resume --key-file $key 10.11.0.2 18 /tmp/f-held-a >/tmp/send-a.out 2>&1"
sed 's/^/# /' /tmp/send-a.out
check "B once A has committed: admitted, durable and committed" \
	tx "$send" --quiet --key-file $key 10.11.0.2 18 /tmp/f-held-b
check "volume read 18: B's 1 MiB, the volume's last commit" \
	bash -c "'$ctl' volume read 18 2>/dev/null | cmp - /tmp/f-held-b"
host_check "volume 18 holds B's 1 MiB ..." 50331648 1048576 "$(file_sum /tmp/f-held-b)" 5
host_check "... then A's last 3 MiB" 51380224 3145728 \
	"$(tail -c 3145728 /tmp/f-held-a | sha256sum | cut -d' ' -f1)" 5
ip netns exec edma-tx "$send" --quiet --rate 2 --key-file $key 10.11.0.2 19 /tmp/f-held-a >/tmp/send-a.out 2>&1 &
senda=$!
placed0=$(cat /sys/class/misc/ebpfdma/rx/placed)
wait_for "the first shared transfer's blocks placed" placed_past $((placed0 + 64))
kill -STOP $senda
check "a shared volume (writers=shared) admits a second transfer while the first writes (exit 0)" \
	tx "$send" --quiet --key-file $key 10.11.0.2 19 /tmp/f-held-a
kill -CONT $senda
wait $senda
rc=$?
check "... and the first commits too (exit $rc)" test $rc = 0
host_check "volume 19 holds the file both sent" 54525952 4194304 "$(file_sum /tmp/f-held-a)" 5
# A session none of whose datagrams verified holds its volume for 5 s
# only, so that a replayed HELLO cannot lock it: a HELLO for volume 18,
# sealed under its key (as fake_receiver.py seals), and nothing after it,
# is granted; 6 s later B is admitted, the unheard session superseded.
m=$(scrape)
granted0=$(metric 'ebpfdma_hellos_total{verdict="granted"}')
sup0=$(metric 'ebpfdma_sessions_ended_total{how="superseded"}')
tx "$py" - "$top/tools/testing/unit" $key <<'EOP'
import os, socket, struct, sys
sys.path.insert(0, sys.argv[1])
from fake_receiver import HELLO, kdf, seal
secret = bytes.fromhex(open(sys.argv[2]).read().strip())
body = struct.pack(">IIQQQ", 18, 4096, 0, 1048576,
                   struct.unpack(">Q", os.urandom(8))[0] | 1) + os.urandom(32)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    seal(kdf(secret, b"", "ebpfdma2 hello"), HELLO, 0, 0, body),
    ("10.11.0.2", 7788))
EOP
granted() { m=$(scrape); [ "$(metric 'ebpfdma_hellos_total{verdict="granted"}')" -gt "$granted0" ]; }
check "a lone HELLO for volume 18 is granted a session" wait_for "the lone HELLO's session" granted
sleep 6 # past the 5 s an unheard session holds its volume
check "B, 6 s later: admitted, durable and committed" \
	tx "$send" --quiet --key-file $key 10.11.0.2 18 /tmp/f-held-b
m=$(scrape)
check "... the unheard session ended, counted (sessions_ended_total{how=\"superseded\"} $sup0 -> $(metric 'ebpfdma_sessions_ended_total{how="superseded"}'))" \
	test "$(metric 'ebpfdma_sessions_ended_total{how="superseded"}')" -gt "$sup0"
unset EBPFDMA_STATE_DIR

# 3. Metrics, validated by promtool.
printf '%s\n' "$m" >/tmp/metrics.txt
check "metrics: promtool check metrics accepts the exposition" \
	promtool check metrics </tmp/metrics.txt
check "metrics: 8 MiB went through XDP, a write-latency histogram per volume" \
	bash -c "[ \"\$(awk '\$1 == \"ebpfdma_written_bytes_total{path=\\\"xdp\\\"}\" { print \$2 }' /tmp/metrics.txt)\" -ge 8388608 ] &&
		grep -q '^ebpfdma_write_latency_seconds_bucket{volume=\"10\",le=\"+Inf\"} [1-9]' /tmp/metrics.txt &&
		grep -q '^ebpfdma_write_latency_seconds_sum{volume=\"10\"}' /tmp/metrics.txt"
dgrams=$(awk '/^ebpfdma_written_datagrams_total/ { n += $2 } END { print n + 0 }' /tmp/metrics.txt)
entries=$(metric ebpfdma_completion_entries_total)
check "metrics: serve read completions a run of blocks at a time (ebpfdma_completion_entries_total ${entries:-?} for $dgrams datagrams written)" \
	test "${entries:-0}" -gt 0 -a "${entries:-0}" -lt "$dgrams"
check "metrics: the latency histogram's buckets reach 10 s (and +Inf)" \
	grep -q '^ebpfdma_write_latency_seconds_bucket{volume="10",le="16.7772"}' /tmp/metrics.txt
check "metrics: build_info names the tools', the module's and the wire's versions" \
	grep -qx "ebpfdma_build_info{version=\"$("$top/tools/build/version.sh")\",module_version=\"$(cat /sys/module/ebpfdma/version)\",wire=\"2\"} 1" /tmp/metrics.txt
check "... the module's version is the package's (modinfo)" \
	test "$(modinfo -F version ebpfdma)" = "$("$top/tools/build/version.sh")"
check "metrics: bytes written by volume (volume 10: the 8 MiB at least)" \
	test "$(metric 'ebpfdma_volume_written_bytes_total{volume="10"}')" -ge 8388608
check "metrics: duplicates counted apart, by path (never goodput)" \
	bash -c "grep -q '^ebpfdma_duplicate_datagrams_total{path=\"xdp\"} [0-9]' /tmp/metrics.txt &&
		grep -q '^ebpfdma_duplicate_datagrams_total{path=\"slow\"} [0-9]' /tmp/metrics.txt"
check "metrics: nothing failed to read (scrape_errors 0), and no value is negative" \
	bash -c "grep -qx 'ebpfdma_scrape_errors{source=\"module_sysfs\"} 0' /tmp/metrics.txt &&
		grep -qx 'ebpfdma_scrape_errors{source=\"xdp_map\"} 0' /tmp/metrics.txt &&
		! grep -v '^#' /tmp/metrics.txt | grep -q ' -'"
check "metrics: HELLO verdicts and the reasons of refusals are separate families, each sum meaningful" \
	bash -c "[ \$(grep -c '^ebpfdma_hellos_total{verdict=' /tmp/metrics.txt) = 4 ] &&
		! grep -q '^ebpfdma_hellos_total{verdict=\"[a-z]*\",' /tmp/metrics.txt &&
		grep -q '^ebpfdma_hello_refusals_total{reason=\"held\"} [1-9]' /tmp/metrics.txt"
check "metrics: the XDP verdicts add up to the packets the program saw" \
	bash -c "awk '\$1 == \"ebpfdma_xdp_packets_total\" { p = \$2 }
		/^ebpfdma_xdp_verdicts_total/ { v += \$2 } END { exit !(p > 0 && p == v) }' /tmp/metrics.txt"
check "metrics: ACK send errors and acknowledged COMMITs exported" \
	bash -c "grep -q '^ebpfdma_ack_send_errors_total [0-9]' /tmp/metrics.txt &&
		grep -q '^ebpfdma_commits_acknowledged_total [1-9]' /tmp/metrics.txt"

# 4. serve killed mid-transfer and restarted: the old session's DATA is
# refused (no session), the sender asks for a new one and starts over.
# Whether the sender's own retransmissions reach the new serve before it
# gives the old session up depends on how long the restart takes, so the
# old session's frames are captured and 256 of them replayed at it too.
head -c 16777216 /dev/urandom >/tmp/f-restart
capture_start /tmp/cap-r
placed0=$(cat /sys/class/misc/ebpfdma/rx/placed)
ip netns exec edma-tx "$send" --quiet --rate 3 --key-file $key 10.11.0.2 11 /tmp/f-restart >/tmp/send.out 2>&1 &
send_pid=$!
# In its session, sending: 512 of its blocks are placed.
wait_for "512 blocks of the transfer placed" placed_past $((placed0 + 512))
check "serve is killed (SIGKILL) while the transfer runs" kill -9 $serve_pid
wait $serve_pid 2>/dev/null
kill -TERM $cap
wait $cap
sleep 1
# Restarted as systemd would: its readiness to a notify socket, its log
# lines to the journal (standard error's device and inode in
# $JOURNAL_STREAM), priority first.
rm -f /tmp/notify.sock /tmp/notify.log
"$py" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", "|"), flush=True)' /tmp/notify.sock >/tmp/notify.log &
notify_pid=$!
wait_for "the notify socket" test -S /tmp/notify.sock
log0=$(wc -l </tmp/serve.log)
NOTIFY_SOCKET=/tmp/notify.sock JOURNAL_STREAM=$(stat -c %d:%i /tmp/serve.log) \
	serve_start /tmp/serve.conf
check "serve restarts: replaces the program, re-adds the volumes" test $? = 0
check "... tells the service manager it is ready (READY=1, a STATUS)" \
	wait_for "READY=1" grep -q '^READY=1|STATUS=serving on UDP port 7788' /tmp/notify.log
check "... and writes its log lines to the journal with their priorities (<6> information)" \
	bash -c "tail -n +$((log0 + 1)) /tmp/serve.log | grep -q '^<6>ebpfdmactl serve: serving on UDP port 7788' &&
		! tail -n +$((log0 + 1)) /tmp/serve.log | grep -v '^<[346]>ebpfdmactl serve: '"
m=$(scrape)
nos0=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="no_session"}')
n=$(tx "$py" "$wire2" replay /tmp/cap-r 10.11.0.2 7788 data 0 256)
sleep 1
m=$(scrape)
nos1=$(metric 'ebpfdma_xdp_kfunc_errors_total{error="no_session"}')
check "the old session's datagrams ($n replayed) reach the new serve's kfunc and are refused (err_no_session $nos0 -> $nos1)" \
	test "$n" = 256 -a "$((nos1 - nos0))" -ge 256
wait $send_pid
rc=$?
sed 's/^/# /' /tmp/send.out
check "ebpfdma-send started over in a new session and finished (exit $rc)" \
	bash -c "[ $rc = 0 ] && grep -q ', 2 sessions' /tmp/send.out"
host_check "the 16 MiB sent across the restart is intact on the disk" 8388608 16777216 \
	"$(file_sum /tmp/f-restart)" 5
grep ' session [0-9a-f]*: ' /tmp/serve.log | tail -n 3 | sed 's/^/# /'
check "... one log line for its session (the rest of the file): peer, volume, bytes durable of those asked for, complete, how long" \
	bash -c "grep -q '^<6>ebpfdmactl serve: session [0-9a-f]*: 10.11.0.1, volume 11: \([1-9][0-9]*\) of \1 bytes durable, complete, [0-9.]* s$' /tmp/serve.log"

# 4b. SIGHUP, a transfer running: the peers and keys change, the session
# goes on.  The new configuration allows 10.11.0.8/29 too (10.11.0.9) and
# gives every volume a new key.  Volume 16 (its content is checked by
# volume read here; the slow path's test writes it last).
rm -f /tmp/tools2.key
"$ctl" genkey /tmp/tools2.key >/dev/null
conf native | sed -e "s|^key_file = $key\$|key_file = /tmp/tools2.key|" \
	-e 's|^peer = 10.11.0.0/30$|&\npeer = 10.11.0.8/29|' >/tmp/serve2.conf
head -c 1048576 /dev/urandom >/tmp/f-hup-a
head -c 1048576 /dev/urandom >/tmp/f-hup-b
placed0=$(cat /sys/class/misc/ebpfdma/rx/placed)
ip netns exec edma-tx "$send" --quiet --rate 0.25 --key-file $key 10.11.0.2 16 /tmp/f-hup-a \
	>/tmp/send-hup.out 2>&1 &
send_pid=$!
wait_for "64 blocks of the transfer placed" placed_past $((placed0 + 64))
cp /tmp/serve.conf /tmp/serve1.conf
cp /tmp/serve2.conf /tmp/serve.conf
kill -HUP $serve_pid
check "SIGHUP: serve reloads (peers, keys), saying what changed" \
	wait_for "the reload" grep -q 'reloaded /tmp/serve.conf: 3 peer(s) (1 added, 0 removed), the keys of 10 volume(s)' /tmp/serve.log
check "... and tells the service manager (RELOADING=1, then READY=1)" \
	wait_for "RELOADING=1 then READY=1" bash -c "grep -A1 '^RELOADING=1' /tmp/notify.log | grep -q '^READY=1'"
wait $send_pid
rc=$?
check "the transfer running across the reload, under the old key, completes in its one session (exit $rc)" \
	bash -c "[ $rc = 0 ] && grep -q ', 1 session' /tmp/send-hup.out"
check "... its bytes on the device, as committed (volume read)" \
	bash -c "'$ctl' volume read 16 2>/dev/null | cmp - /tmp/f-hup-a"
check_fails "a new transfer under the old key: its HELLO is not answered" \
	"no answer from" tx "$send" --quiet --timeout 3 --key-file $key 10.11.0.2 16 /tmp/f-hup-b
tx ip addr add 10.11.0.9/24 dev veth-tx 2>/dev/null
check "from 10.11.0.9 (the added network) under the new key: durable and committed" \
	tx "$send" --quiet --source 10.11.0.9 --key-file /tmp/tools2.key 10.11.0.2 16 /tmp/f-hup-b
check "... its bytes on the device, as committed" \
	bash -c "'$ctl' volume read 16 2>/dev/null | cmp - /tmp/f-hup-b"
# Reloads that cannot be applied leave everything as it runs.
sed 's/^port = 7788$/port = 7789/' /tmp/serve2.conf >/tmp/serve.conf
kill -HUP $serve_pid
check "SIGHUP with a changed port: refused, saying it takes a restart" \
	wait_for "the refusal" grep -q '^<4>ebpfdmactl serve: reload: port changed, which takes a restart: the running configuration stays' /tmp/serve.log
printf 'interface = veth-rx\nbogus line\n' >/tmp/serve.conf
kill -HUP $serve_pid
check "SIGHUP with a broken file: refused, naming the line" \
	wait_for "the refusal" grep -q 'reload: /tmp/serve.conf:2: expected key = value: the running configuration stays' /tmp/serve.log
m=$(scrape)
check "... counted: reloads_total applied 1, refused 2" \
	test "$(metric 'ebpfdma_reloads_total{result="applied"}')-$(metric 'ebpfdma_reloads_total{result="refused"}')" = 1-2
check "... and serve still serves under the reloaded keys and peers" \
	tx "$send" --quiet --source 10.11.0.9 --key-file /tmp/tools2.key 10.11.0.2 16 /tmp/f-hup-a
tx ip addr del 10.11.0.9/24 dev veth-tx 2>/dev/null
cp /tmp/serve1.conf /tmp/serve.conf

# 5. SIGTERM: detach, drain, delete volumes, exit 0.
kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0
check "... having told the service manager it was stopping (STOPPING=1)" \
	grep -q '^STOPPING=1' /tmp/notify.log
kill $notify_pid 2>/dev/null
wait $notify_pid 2>/dev/null
check "... having detached the program and deleted its volumes" \
	bash -c "! ip netns exec edma-rx bpftool net show dev veth-rx | grep -q driver &&
		'$ctl' volume list | awk 'NR > 1' | wc -l | grep -qx 0"

# 6. The slow path: no XDP at all.
conf off >/tmp/serve-slow.conf
head -c 8388608 /dev/urandom >/tmp/f-slow
serve_start /tmp/serve-slow.conf
check "serve starts with xdp = off" test $? = 0
check "ebpfdma-send: 8 MiB over the slow path, durable and committed" \
	tx "$send" --quiet --key-file $key 10.11.0.2 12 /tmp/f-slow
m=$(scrape)
slow=$(metric 'ebpfdma_written_bytes_total{path="slow"}')
check "metrics: every block took the slow path ($slow bytes, retransmissions included; none by XDP)" \
	test "$slow" -ge 8388608 -a "$(metric 'ebpfdma_written_bytes_total{path="xdp"}')" = 0
host_check "the 8 MiB sent over the slow path is intact on the disk" 25165824 8388608 \
	"$(file_sum /tmp/f-slow)" 5
# The metrics endpoint never holds up the loop that receives and
# acknowledges: eight clients connect again and again, two never sending
# a request, six never reading the answer (a 1 KiB receive buffer, and
# TCP send buffers of 4 KiB in edma-rx: the answer does not fit), each
# holding its connection 2 s; serve gives each 250 ms to ask and 1 s to
# read.  Meanwhile three transfers over the slow path (every datagram
# through serve's loop) each complete although they give up after 1 s
# without progress (--timeout 1).  The first MiB of /tmp/f-slow again, to
# where it is: the disk's check above still holds.
head -c 1048576 /tmp/f-slow >/tmp/f-slow1
wmem=$(rx sysctl -n net.ipv4.tcp_wmem)
rx sysctl -q -w net.ipv4.tcp_wmem="4096 4096 4096"
# Not through rx(): $! must be python itself, to stop it.
ip netns exec edma-rx "$py" - <<'EOP' >/tmp/pester.log 2>&1 &
import socket, threading, time
def pester(asks):
    while True:
        s = socket.socket()
        if asks:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        try:
            s.connect(("127.0.0.1", 9788))
            if asks:
                s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            time.sleep(2)
        except OSError:
            time.sleep(0.1)
        s.close()
for i in range(8):
    threading.Thread(target=pester, args=(i > 1,), daemon=True).start()
print("pestering", flush=True)
time.sleep(3600)
EOP
pester=$!
wait_for "the metrics clients" grep -q pestering /tmp/pester.log
for i in 1 2 3; do
	check "with silent and non-reading metrics clients: 1 MiB over the slow path, no 1 s without progress ($i of 3)" \
		tx "$send" --quiet --timeout 1 --key-file $key 10.11.0.2 12 /tmp/f-slow1
done
kill $pester
wait $pester 2>/dev/null
rx sysctl -q -w net.ipv4.tcp_wmem="$wmem"
scrape >/tmp/scrape.txt
check "... and a scrape is answered once they are gone" \
	bash -c "! kill -0 $pester 2>/dev/null && grep -q '^ebpfdma_build_info{' /tmp/scrape.txt"
# Replayed and changed frames on the slow path: refused there too.
capture_start /tmp/cap-s
head -c 1048576 /dev/urandom >/tmp/f-s
check "a 1 MiB transfer over the slow path, captured" \
	tx "$send" --quiet --no-gso --key-file $key 10.11.0.2 16 /tmp/f-s
kill -TERM $cap
wait $cap
m=$(scrape)
nos0=$(metric 'ebpfdma_slow_path_refused_total{reason="no_session"}')
n=$(tx "$py" "$wire2" replay /tmp/cap-s 10.11.0.2 7788)
sleep 1
m=$(scrape)
nos1=$(metric 'ebpfdma_slow_path_refused_total{reason="no_session"}')
check "slow path: its $n frames replayed are refused as of an ended session ($nos0 -> $nos1)" \
	test "$n" -gt 128 -a "$((nos1 - nos0))" -ge "$((n - 4))"
host_check "the 1 MiB is intact after the replay" 48234496 1048576 \
	"$(file_sum /tmp/f-s)" 5
kill -TERM $serve_pid
wait $serve_pid
check "serve (slow path) exits 0 on SIGTERM" test $? = 0

netns_down
check "rmmod" rmmod ebpfdma
tap_done

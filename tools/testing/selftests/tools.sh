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
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/netns.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
ctl=$top/build/tools/ebpfdmactl
send=$top/build/tools/ebpfdma-send
disk=/dev/vdf
token=0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
rx() { ip netns exec edma-rx "$@"; }
tx() { ip netns exec edma-tx "$@"; }
zero_sum() { head -c "$1" /dev/zero | sha256sum | cut -d' ' -f1; }
file_sum() { sha256sum "$1" | cut -d' ' -f1; }

rmmod ebpfdma 2>/dev/null
check "modprobe ebpfdma" modprobe ebpfdma
check "$disk is the 64 MiB tools test disk" \
	test "$(blockdev --getsize64 $disk)" = 67108864
check "network namespaces edma-tx and edma-rx joined by veth" netns_up

conf() { # XDP-MODE: a serve configuration
	cat <<-EOC
	# ebpfdmactl serve configuration of the tools selftest
	interface = veth-rx
	port = 7788
	metrics = 127.0.0.1:9788
	xdp = $1
	peer = 10.11.0.1
	peer = fd11::1
	volume = 10 $disk start=0 blocks=16384 token=$token
	volume = 11 $disk start=16384 blocks=32768 token=$token flags=flush_on_commit
	volume = 12 $disk start=49152 blocks=16384 token=$token
	volume = 13 $disk start=65536 blocks=16384 token=$token
	EOC
}

serve_pid=
serve_start() { # CONFIG: start serve in edma-rx and wait until it is ready
	rm -f /tmp/serve.out
	# Not through rx(): $! must be serve itself (ip netns exec execs it).
	ip netns exec edma-rx "$ctl" serve "$1" >/tmp/serve.out 2>>/tmp/serve.log &
	serve_pid=$!
	for _ in $(seq 100); do
		grep -q '^ready$' /tmp/serve.out 2>/dev/null && return 0
		kill -0 $serve_pid 2>/dev/null || break
		sleep 0.2
	done
	cat /tmp/serve.log | sed 's/^/# /'
	return 1
}

scrape() { # the metrics endpoint's body
	rx bash -c 'exec 3<>/dev/tcp/127.0.0.1/9788 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' |
		sed '1,/^\r$/d'
}
metric() { # NAME{LABELS} from a scrape in $m
	printf '%s\n' "$m" | awk -v k="$1" '$1 == k { print $2 }'
}

conf native >/tmp/serve.conf
# Bad input first: the configuration, the command line.
printf 'interface = veth-rx\nvolume = 99 /dev/vdf blocks=8 token=1\n' >/tmp/bad.conf
check_fails "serve refuses a volume id of 64 or more, naming the line" \
	"bad.conf:2: volume: an id below 64" "$ctl" serve /tmp/bad.conf
printf 'interface = veth-rx\nportt = 1\n' >/tmp/bad.conf
check_fails "serve refuses an unknown key" "unknown key 'portt'" \
	"$ctl" serve /tmp/bad.conf
check_fails "volume add of a missing device fails clearly" \
	"No such file or directory" "$ctl" volume add 5 /dev/nonexistent --blocks 8 --token 1
check_fails "attach to a missing interface fails clearly" \
	"no such interface" "$ctl" attach no-such-if --peer 10.0.0.1

serve_start /tmp/serve.conf
check "serve starts (XDP native on veth-rx, 4 volumes)" test $? = 0
check "status shows the 4 volumes and the attached program" \
	bash -c "'$ctl' status | grep -q '^volumes: 4' &&
		'$ctl' status | grep -q '^xdp: packets='"
check "status --json is JSON with the pool, volumes, kfunc and xdp counters" \
	bash -c "'$ctl' status --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s[\"volumes\"]) == 4 and s[\"pool\"][\"pool_slots\"] > 0
assert \"placed\" in s[\"kfunc\"] and \"drop_peer\" in s[\"xdp\"]'"
check_fails "a second serve on the same port fails before it touches any volume" \
	"bind UDP port 7788" rx "$ctl" serve /tmp/serve.conf
check "... and the first one still has its 4 volumes and its program" \
	bash -c "'$ctl' status | grep -q '^volumes: 4' &&
		ip netns exec edma-rx bpftool net show dev veth-rx | grep -q 'driver id'"

# 1. Loss 5%, reordering 10%, duplicates 1%, both directions.
head -c 8388608 /dev/urandom >/tmp/f-netem
check "netem: loss 5%, reorder 10%, duplicate 1% on both veth ends" bash -e -c '
	ip netns exec edma-tx tc qdisc add dev veth-tx root netem delay 1ms reorder 90% loss 5% duplicate 1%
	ip netns exec edma-rx tc qdisc add dev veth-rx root netem delay 1ms reorder 90% loss 5% duplicate 1%'
check "ebpfdma-send: 8 MiB through netem, durable and committed (exit 0)" \
	tx "$send" --quiet 10.11.0.2 10 "$token" /tmp/f-netem
host_check "the 8 MiB sent through netem is intact on the disk" 0 8388608 \
	"$(file_sum /tmp/f-netem)" 5
rx tc qdisc del dev veth-rx root
tx tc qdisc del dev veth-tx root

# 2. Refused: a wrong token, a peer outside the allow-list, a file larger
# than the window.  Nothing reaches volume 13.
m=$(scrape)
tok0=$(metric 'ebpfdma_slow_path_refused_total{reason="token"}')
peer0=$(metric 'ebpfdma_xdp_packets_total{counter="drop_peer"}')
head -c 1048576 /dev/urandom >/tmp/f-small
check_fails "ebpfdma-send with a wrong token: exits 3, token refused" \
	"refused the token" tx "$send" --quiet 10.11.0.2 13 0x1234 /tmp/f-small
tx ip addr add 10.11.0.9/24 dev veth-tx
check_fails "ebpfdma-send from a peer outside the allow-list: no answer (exit 4)" \
	"no answer from" tx "$send" --quiet --timeout 5 --source 10.11.0.9 10.11.0.2 13 "$token" /tmp/f-small
head -c 9437184 /dev/urandom >/tmp/f-big
check_fails "ebpfdma-send of 9 MiB to an 8 MiB window: refused before sending" \
	"window is too small" tx "$send" --quiet 10.11.0.2 13 "$token" /tmp/f-big
m=$(scrape)
check "metrics: the wrong token was counted" \
	test "$(metric 'ebpfdma_slow_path_refused_total{reason="token"}')" -gt "$tok0"
check "metrics: the outside peer's datagrams were dropped and counted by XDP" \
	test "$(metric 'ebpfdma_xdp_packets_total{counter="drop_peer"}')" -gt "$peer0"
host_check "nothing was written to the refused senders' volume" 33554432 8388608 \
	"$(zero_sum 8388608)" 5

# 3. Metrics, validated by promtool.
printf '%s\n' "$m" >/tmp/metrics.txt
check "metrics: promtool check metrics accepts the exposition" \
	promtool check metrics </tmp/metrics.txt
check "metrics: 8 MiB went through XDP, a write-latency histogram per volume" \
	bash -c "[ \"\$(awk '\$1 == \"ebpfdma_received_bytes_total{path=\\\"xdp\\\"}\" { print \$2 }' /tmp/metrics.txt)\" -ge 8388608 ] &&
		grep -q '^ebpfdma_write_latency_seconds_bucket{volume=\"10\",le=\"+Inf\"} [1-9]' /tmp/metrics.txt &&
		grep -q '^ebpfdma_write_latency_seconds_sum{volume=\"10\"}' /tmp/metrics.txt"

# 4. serve killed mid-transfer and restarted: the sender resumes.
head -c 16777216 /dev/urandom >/tmp/f-restart
tx "$send" --quiet --rate 3 10.11.0.2 11 "$token" /tmp/f-restart >/tmp/send.out 2>&1 &
send_pid=$!
sleep 2
check "serve is killed (SIGKILL) while the transfer runs" kill -9 $serve_pid
wait $serve_pid 2>/dev/null
sleep 1
serve_start /tmp/serve.conf
check "serve restarts: replaces the program, re-adds the volumes" test $? = 0
wait $send_pid
rc=$?
sed 's/^/# /' /tmp/send.out
check "ebpfdma-send resumed and finished after the restart (exit $rc)" test "$rc" = 0
host_check "the 16 MiB sent across the restart is intact on the disk" 8388608 16777216 \
	"$(file_sum /tmp/f-restart)" 5

# 5. SIGTERM: detach, drain, delete volumes, exit 0.
kill -TERM $serve_pid
wait $serve_pid
check "serve exits 0 on SIGTERM" test $? = 0
check "... having detached the program and deleted its volumes" \
	bash -c "! ip netns exec edma-rx bpftool net show dev veth-rx | grep -q driver &&
		'$ctl' volume list | awk 'NR > 1' | wc -l | grep -qx 0"

# 6. The slow path: no XDP at all.
conf off >/tmp/serve-slow.conf
head -c 8388608 /dev/urandom >/tmp/f-slow
serve_start /tmp/serve-slow.conf
check "serve starts with xdp = off" test $? = 0
check "ebpfdma-send: 8 MiB over the slow path, durable and committed" \
	tx "$send" --quiet 10.11.0.2 12 "$token" /tmp/f-slow
m=$(scrape)
slow=$(metric 'ebpfdma_received_bytes_total{path="slow"}')
check "metrics: every block took the slow path ($slow bytes, retransmissions included; none by XDP)" \
	test "$slow" -ge 8388608 -a "$(metric 'ebpfdma_received_bytes_total{path="xdp"}')" = 0
host_check "the 8 MiB sent over the slow path is intact on the disk" 25165824 8388608 \
	"$(file_sum /tmp/f-slow)" 5
# A malformed DATA (an unknown flag) on the slow path: refused with status
# 5 (malformed) in the ACK, counted, not written (volume 13 stays zero).
inval0=$(metric 'ebpfdma_slow_path_refused_total{reason="malformed"}')
bad_status=$(tx python3 - "$token" <<'PY'
import socket, struct, sys
hdr = struct.pack(">IBBHIIQQIIII", 0x45444D41, 1, 1, 1 << 9, 13, 99,
                  int(sys.argv[1], 16), 0, 0, 512, 0, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(hdr + b"x" * 512, ("10.11.0.2", 7788))
print(struct.unpack(">I", s.recv(4096)[44:48])[0])
PY
)
m=$(scrape)
inval1=$(metric 'ebpfdma_slow_path_refused_total{reason="malformed"}')
check "slow path: DATA with an unknown flag is answered with status 5 (malformed; got '$bad_status') and counted ($inval0 -> $inval1)" \
	test "$bad_status" = 5 -a "$inval1" -gt "$inval0"
kill -TERM $serve_pid
wait $serve_pid
check "serve (slow path) exits 0 on SIGTERM" test $? = 0

netns_down
check "rmmod" rmmod ebpfdma
tap_done

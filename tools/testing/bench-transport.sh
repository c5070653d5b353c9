#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-transport.sh OUT.jsonl: the transport's benchmark, run inside the
# guest by bench.sh after the receivers' (bench-guest.sh).  ebpfdma-send
# against ebpfdmactl serve over a veth pair with native XDP, to the
# RAM-backed disk (EBPFDMA_BENCH_DISK, /dev/vda), each congestion
# controller (EBPFDMA_BENCH_CCS, "newreno bbr") side by side in each
# repetition (EBPFDMA_BENCH_REPS):
#   clean       one sender, the demo's transfer (EBPFDMA_BENCH_TRANSPORT_MIB,
#               256 MiB), default options: retransmissions
#   senders     one sender alone, then 4 and 16 at once into one serve,
#               EBPFDMA_BENCH_SENDERS_MIB (64) in all: goodput of each,
#               retransmissions, blocks written twice
#   bottleneck  netem on the sending side: rate 200 Mbit/s, delay 5 ms,
#               loss 1%, every packet on its own; ebpfdma-send (protection
#               crc, so that the emulated CPU is not the limit) and TCP
#               (iperf3, its default congestion control) over the same
#               link, one after the other; and the same link without its
#               loss (bottleneck-lossless), to tell the controller's share
#               from the emulated sender's own limit
# EBPFDMA_BENCH_TRANSPORT_RUNS ("clean senders bottleneck") narrows it.
# One JSON line per run.  Every transfer's data is checked on the disk
# (sha256 of what the sender sent).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/selftests/netns.sh"
out=$1
tools=$top/build/tools
disk=${EBPFDMA_BENCH_DISK:-/dev/vda}
key=/tmp/transport.key
reps=${EBPFDMA_BENCH_REPS:-3}
ccs=${EBPFDMA_BENCH_CCS:-newreno bbr}
clean_mib=${EBPFDMA_BENCH_TRANSPORT_MIB:-256}
senders_mib=${EBPFDMA_BENCH_SENDERS_MIB:-64}
neck_mib=${EBPFDMA_BENCH_NECK_MIB:-64}
neck_secs=${EBPFDMA_BENCH_NECK_SECONDS:-10}
tx_cpu=0 rx_cpu=1
send_opts=
rx() { ip netns exec edma-rx "$@"; }
tx() { ip netns exec edma-tx "$@"; }
log() { echo "bench-transport: $*" >&2; }

taskset -p -c $tx_cpu $$ >/dev/null
modprobe ebpfdma 2>/dev/null
rm -f $key
"$tools/ebpfdmactl" genkey $key >/dev/null || exit 1
netns_up || { log "network namespaces"; exit 1; }
# The senders on their CPU; serve and the receiving NAPI thread (where
# XDP runs) on the other.
tx sh -c 'echo 1 > /sys/class/net/veth-tx/threaded' 2>/dev/null
rx sh -c 'echo 1 > /sys/class/net/veth-rx/threaded' 2>/dev/null
pin_napi() {
	ps -eo pid=,comm= | while read -r pid comm; do
		case $comm in
		napi/veth-rx*) taskset -p -c $rx_cpu "$pid" >/dev/null ;;
		napi/veth-tx*) taskset -p -c $tx_cpu "$pid" >/dev/null ;;
		esac
	done
	return 0
}

serve_pid=
serve_up() { # PROTECT VOLUMES MIB: serve with VOLUMES volumes of MIB each
	local i blocks=$(($3 * 2048))
	{
		echo "interface = veth-rx"
		echo "metrics = 127.0.0.1:9788"
		echo "peer = 10.11.0.1"
		echo "key_file = $key"
		echo "protect = $1"
		for ((i = 1; i <= $2; i++)); do
			echo "volume = $i $disk start=$(((i - 1) * blocks)) blocks=$blocks"
		done
	} >/tmp/tserve.conf
	rm -f /tmp/tserve.out
	nsenter --net=/run/netns/edma-rx taskset -c $rx_cpu \
		"$tools/ebpfdmactl" serve /tmp/tserve.conf >/tmp/tserve.out 2>/tmp/tserve.err &
	serve_pid=$!
	for _ in $(seq 300); do
		grep -q '^ready' /tmp/tserve.out 2>/dev/null && pin_napi && return 0
		kill -0 $serve_pid 2>/dev/null || break
		sleep 0.1
	done
	log "serve did not start: $(cat /tmp/tserve.err)"
	return 1
}

serve_down() {
	kill -TERM $serve_pid 2>/dev/null
	wait $serve_pid 2>/dev/null
}

# written: bytes serve wrote by XDP so far.
written() {
	rx bash -c 'exec 3<>/dev/tcp/127.0.0.1/9788 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' |
		awk '$1 == "ebpfdma_written_bytes_total{path=\"xdp\"}" { print $2 }'
}
rx_ctr() { cat /sys/class/misc/ebpfdma/rx/$1; }

# intact FILE VOLUME MIB: is FILE on volume VOLUME (of MIB MiB each)?
intact() {
	[ "$(dd if=$disk bs=1M skip=$((($2 - 1) * $3 * 1048576)) \
		count=$(stat -c %s "$1") iflag=direct,skip_bytes,count_bytes \
		status=none | sha256sum)" = "$(sha256sum <"$1")" ]
}

# field FILE: the sender's summary: seconds, datagrams, retransmitted.
summary() {
	sed -n 's/^sent \([0-9]*\) bytes in \([0-9]*\) datagrams .* in \([0-9.]*\) s: .* \([0-9]*\) retransmitted (\([0-9]*\) declared lost, \([0-9]*\) probes; \([0-9]*\) congestion events, \([0-9]*\) of them CE.*/{"bytes":\1,"datagrams":\2,"seconds":\3,"retransmitted":\4,"lost":\5,"probes":\6,"congestion":\7,"ce":\8}/p' "$1"
}

# senders KIND CC N MIB REP [PROTECT]: N senders of MIB/N MiB each at once
# (protection aead, the default, unless PROTECT).
senders() {
	local kind=$1 cc=$2 n=$3 mib=$4 rep=$5 protect=${6:-aead} i pids=()
	local w0 w1 d0 d1 p0 p1 t0 t1 list= ok=true each
	each=$((mib * 1048576 / n))
	serve_up "$protect" "$n" $(((each + 1048575) / 1048576)) || return 1
	for ((i = 1; i <= n; i++)); do
		head -c $each /dev/urandom >/tmp/t$i.bin
	done
	w0=$(written) d0=$(rx_ctr duplicate) p0=$(rx_ctr placed)
	# The senders start together: each waits at a FIFO, opened for
	# writing once all wait (forking them one by one under emulation
	# would take a good part of a second each).
	rm -f /tmp/go /tmp/t*.ready
	mkfifo /tmp/go
	for ((i = 1; i <= n; i++)); do
		(
			touch /tmp/t$i.ready
			read -r _ </tmp/go
			exec nsenter --net=/run/netns/edma-tx "$tools/ebpfdma-send" \
				--quiet --cc "$cc" $send_opts --key-file $key \
				10.11.0.2 $i /tmp/t$i.bin >/tmp/t$i.out 2>&1
		) &
		pids+=($!)
	done
	while [ "$(ls /tmp/t*.ready 2>/dev/null | wc -l)" -lt "$n" ]; do
		sleep 0.1
	done
	sleep 0.5 # the last to touch its file is at the FIFO by now
	t0=$(date +%s.%N)
	: >/tmp/go
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || ok=false
	done
	t1=$(date +%s.%N)
	rm -f /tmp/go /tmp/t*.ready
	w1=$(written) d1=$(rx_ctr duplicate) p1=$(rx_ctr placed)
	serve_down
	for ((i = 1; i <= n; i++)); do
		intact /tmp/t$i.bin $i $(((each + 1048575) / 1048576)) || ok=false
		list="$list${list:+,}$(summary /tmp/t$i.out)"
	done
	printf '{"transport":"%s","cc":"%s","protect":"%s","senders":%d,"rep":%d,"bytes":%d,"wall_seconds":%.3f,"written":%d,"placed":%d,"duplicates":%d,"verified":%s,"each":[%s]}\n' \
		"$kind" "$cc" "$protect" "$n" "$rep" $((each * n)) "$(echo "$t1 - $t0" | bc -l)" \
		$((w1 - w0)) $((p1 - p0)) $((d1 - d0)) $ok "$list"
	log "$kind $cc $n senders rep $rep: verified $ok"
	rm -f /tmp/t*.bin
}

# bottleneck CC REP: through rate 200mbit delay 5ms loss 1%.
neck_on() { # [LOSS]
	tx ethtool -K veth-tx tso off gso off tx-udp-segmentation off >/dev/null &&
		tx tc qdisc add dev veth-tx root netem rate 200mbit delay 5ms \
			loss "${1:-1%}" limit 10000
}
neck_off() {
	tx tc qdisc del dev veth-tx root 2>/dev/null
	tx ethtool -K veth-tx tso on gso on tx-udp-segmentation on >/dev/null
}
# netem drops and delays what it is given: a GSO packet whole (its
# segments are cut after the queueing discipline).  Through the
# bottleneck every packet is its own: the sender without GSO, TCP without
# the device's segmentation offloads (it then sends MSS-sized packets).
bottleneck() {
	local cc=$1 rep=$2
	neck_on || return 1
	send_opts=--no-gso senders bottleneck "$cc" 1 "$neck_mib" "$rep" crc
	neck_off
	# The same link without its loss: what the sender reaches at all.
	neck_on 0% || return 1
	send_opts=--no-gso senders bottleneck-lossless "$cc" 1 "$neck_mib" "$rep" crc
	neck_off
}
tcp() { # REP: iperf3 over the same link, its default congestion control
	local rep=$1 s
	neck_on || return 1
	rx iperf3 -s -1 -D --logfile /tmp/iperf3-s.log
	sleep 1
	s=$(tx iperf3 -c 10.11.0.2 -t "$neck_secs" -J 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys
j = json.load(sys.stdin)
print(j["end"]["sum_received"]["bits_per_second"], j["end"]["sum_sent"].get("retransmits", 0),
      j["end"]["streams"][0]["sender"].get("max_snd_cwnd", 0) if j["end"].get("streams") else 0)' 2>/dev/null)
	neck_off
	[ -n "$s" ] || { log "iperf3 failed"; return 1; }
	set -- $s
	printf '{"transport":"tcp","cc":"%s","rep":%d,"bits_per_second":%s,"retransmits":%s,"seconds":%d}\n' \
		"$(sysctl -n net.ipv4.tcp_congestion_control)" "$rep" "$1" "$2" "$neck_secs"
	log "tcp rep $rep: $(echo "$1 / 1000000" | bc) Mbit/s"
}

runs=${EBPFDMA_BENCH_TRANSPORT_RUNS:-clean senders bottleneck}
run() { case " $runs " in *" $1 "*) return 0 ;; esac; return 1; }
for ((rep = 1; rep <= reps; rep++)); do
	for cc in $ccs; do
		# The demo's transfer, default options but the controller.
		! run clean || senders clean "$cc" 1 "$clean_mib" "$rep"
		for n in 1 4 16; do
			! run senders || senders senders "$cc" "$n" "$senders_mib" "$rep"
		done
		! run bottleneck || bottleneck "$cc" "$rep"
	done
	! run bottleneck || tcp "$rep"
done >>"$out"
netns_down

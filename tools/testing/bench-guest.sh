#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-guest.sh OUT.jsonl: the receiver benchmarks, run inside the guest
# by bench.sh (which also explains the figures).  Environment:
# EBPFDMA_BENCH_DISK (the RAM-backed target disk, /dev/vda),
# EBPFDMA_BENCH_MIB (data per run), EBPFDMA_BENCH_REPS,
# EBPFDMA_BENCH_PAYLOADS, EBPFDMA_BENCH_STREAMS, EBPFDMA_BENCH_RECEIVERS,
# EBPFDMA_BENCH_SCALE (0: skip the scale runs), EBPFDMA_BENCH_NETS (veth:
# a veth pair; virtio: the guest's two virtio-net NICs joined by qemu, a
# driver whose native XDP runs on its own receive buffers as a physical
# NIC's does, while veth copies every packet into a new page for XDP;
# both by default; none: no block rows), EBPFDMA_BENCH_VIRTIO_PAYLOADS,
# EBPFDMA_BENCH_WINDOW (datagrams in flight, all streams),
# EBPFDMA_BENCH_PROTECTS (aead mac crc), EBPFDMA_BENCH_PERF (a
# directory: profile the receiving CPU during each run with perf, software
# clock sampling, and write each run's report there; the guest writes only
# in its work folder, build/bench-run/vm: give a directory there).
# EBPFDMA_BENCH_INSNS (set by bench.sh under TCG): the log of the qemu
# plugin counting each CPU's guest instructions; each run then also
# reports the receiving CPU's instructions (rx_insns).
# EBPFDMA_BENCH_SATURATION (1; 0: none): the saturation rows, on veth,
# one stream: the load generator (build/bench/ebpfdma-send-blast,
# tools/bench/blast.c) emits each session's datagrams as live XDP frames
# into the sending veth, keeping the receiving ring full, for ebpfdma and
# every UDP baseline (nvmet-tcp runs its own writer); each payload of
# EBPFDMA_BENCH_SAT_PAYLOADS (1024 3072: a live frame is one page), each
# protection (EBPFDMA_BENCH_SAT_PROTECTS, those of the block rows by
# default).  The guest's own memcpy and protection speeds per payload
# (the one-copy bound) come with them.
# EBPFDMA_BENCH_FILESYSTEMS (ext4 xfs; empty: none): the file-store rows,
# on veth, after the block rows: the disk formatted with each file system,
# ebpfdma writing each stream as a named file of a store (serve creates,
# preallocates, writes with direct I/O and publishes it), the baselines
# writing the same streams into one preallocated file with O_DIRECT
# (nvmet-tcp: its file backend, direct I/O too).  EBPFDMA_BENCH_FILE_PAYLOADS
# (1024 4096) and the streams and protections of the block rows.
#
# Two CPUs, one a side: CPU 0 runs the sending side (the senders, the
# client's NAPI thread, the NVMe/TCP initiator's work), CPU 1 the receiving
# side (the receiver, the server's NAPI thread, unbound workqueues, the
# disk's completions).  A receiver's CPU time is CPU 1's busy time in
# /proc/stat while the senders run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/selftests/netns.sh"
out=$1
bench=$top/build/bench
tools=$top/build/tools
disk=${EBPFDMA_BENCH_DISK:-/dev/vda}
# The volumes' secret, shared by the receivers and the senders.
key=/tmp/bench.key
# The protections every receiver runs with, side by side (ebpfdma's
# volumes' protect =, the baselines' --protect): aead, mac, crc.
# nvmet-tcp has no TLS on 6.1: it runs once, with a data digest.
protects=${EBPFDMA_BENCH_PROTECTS:-aead mac crc}
protect=
rm -f $key
"$tools/ebpfdmactl" genkey $key >/dev/null || exit 1
mib=${EBPFDMA_BENCH_MIB:-32}
reps=${EBPFDMA_BENCH_REPS:-3}
payloads=${EBPFDMA_BENCH_PAYLOADS:-1024 4096 8192}
# With XDP, virtio-net in 6.1 takes an MTU of at most about 4 KiB.
virtio_payloads=${EBPFDMA_BENCH_VIRTIO_PAYLOADS:-1024 3072}
nets=${EBPFDMA_BENCH_NETS:-veth virtio}
# Datagrams in flight, shared by the streams: the senders have no
# congestion control, and more than the receiving queue holds (veth: 256
# packets) is lost and sent again.
window=${EBPFDMA_BENCH_WINDOW:-256}
streams_list=${EBPFDMA_BENCH_STREAMS:-1 2 4}
receivers=${EBPFDMA_BENCH_RECEIVERS:-ebpfdma${EBPFDMA_BENCH_BASELINE_KO:+ ebpfdma-before} udp-pwrite udp-direct af-xdp nvmet-tcp}
scale=${EBPFDMA_BENCH_SCALE:-1}
filesystems=${EBPFDMA_BENCH_FILESYSTEMS-ext4 xfs}
saturation=${EBPFDMA_BENCH_SATURATION:-1}
sat_payloads=${EBPFDMA_BENCH_SAT_PAYLOADS:-1024 3072}
sat_protects=${EBPFDMA_BENCH_SAT_PROTECTS:-$protects}
# Set during the saturation rows: the senders are the load generator.
blast=
file_payloads=${EBPFDMA_BENCH_FILE_PAYLOADS:-1024 4096}
# The file-store rows: fs is the file system the disk holds (empty: the
# block rows), mounted on $mnt; target is what the baselines write (the
# disk, or one preallocated file on it).
fs= target=$disk mnt=/tmp/bench-fs
rx_cpu=1 tx_cpu=0
rx() { ip netns exec edma-rx "$@"; }
tx() { ip netns exec edma-tx "$@"; }
# The network namespace alone (ip netns exec also remounts /sys, hiding
# configfs); no shell in between, so $! is the program itself.
rxn() { nsenter --net=/run/netns/edma-rx "$@"; }
txn() { nsenter --net=/run/netns/edma-tx "$@"; }
log() { echo "bench: $*" >&2; }

[ "$(nproc)" -ge 2 ] || { log "needs 2 CPUs"; exit 1; }
# This script and what it starts (awk, dd, sha256sum, ...) stay off the
# receiving CPU, where they would count as the receiver's work.
taskset -p -c $tx_cpu $$ >/dev/null
modprobe -q null_blk 2>/dev/null
modprobe ebpfdma || exit 1
# The disk is memory on the host: nothing volatile to flush, so flushes and
# FUA are no-ops and a completed write is durable, for every receiver.
cache=/sys/block/${disk#/dev/}/queue/write_cache
cache0=$(cat "$cache")
echo "write through" >"$cache"
# Unbound work (ebpfdma's engine, writeback, nvmet's) on the receiving CPU.
wq=/sys/devices/virtual/workqueue/cpumask
wq0=$(cat $wq)
echo 2 >$wq

# Busy time of CPU $1 in USER_HZ ticks (user nice system irq softirq steal).
cpu_ticks() {
	awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# insns_of CPU MARK: the guest instructions CPU has executed so far,
# counted by the TCG plugin (tools/bench/insns_plugin.c, whose log
# bench.sh names in EBPFDMA_BENCH_INSNS), read with marker MARK; nothing
# without it.  The marker runs on the sending CPU, so that the receiving
# CPU's count is the receiver's alone.
insns_of() {
	[ -n "${EBPFDMA_BENCH_INSNS:-}" ] || return 0
	taskset -c $tx_cpu "$bench/insns_mark" "$2" "$EBPFDMA_BENCH_INSNS" |
		awk -v c="$1" '$1 == "mark" { print $(6 + c) }'
}

set_net() { # veth | virtio
	net=$1
	case $net in
	veth) tx_if=veth-tx rx_if=veth-rx ;;
	virtio) tx_if=nic-tx rx_if=nic-rx ;;
	*) log "EBPFDMA_BENCH_NETS: veth or virtio, not $net"; return 1 ;;
	esac
	net_up
}

net_up() {
	if [ "$net" = veth ]; then
		netns_up || return 1
		# NAPI on both ends (GRO asks veth for it).  No segmentation
		# offload on the sending end: veth hands a receiver's NAPI
		# only packets it could not leave unsegmented (it runs the
		# rest on the sender's CPU, and XDP turns the offloads off),
		# so every receiver gets MTU-sized packets, as from a NIC.
		tx ethtool -K veth-tx gro on tso off tx-udp-segmentation off \
			>/dev/null &&
			rx ethtool -K veth-rx gro on >/dev/null || return 1
	else
		# The guest's two NICs, joined by qemu's hub.  MTU 4000 is
		# the most virtio-net lets XDP run with on kernel 6.1, but a
		# frame with XDP must fit one page after 256 bytes of headroom
		# and the shared info (xdp_linearize_page(), virtio_net.c),
		# about 3.5 KiB: 3 KiB payloads are the largest that arrive.
		local nics=($(ls /sys/class/net | grep -v -e lo -e veth))
		[ ${#nics[@]} -ge 2 ] || { log "needs 2 NICs"; return 1; }
		netns_down
		ip netns add edma-tx && ip netns add edma-rx &&
			ip link set "${nics[0]}" down name nic-tx netns edma-tx &&
			ip link set "${nics[1]}" down name nic-rx netns edma-rx &&
			tx ip addr add 10.11.0.1/24 dev nic-tx &&
			rx ip addr add 10.11.0.2/24 dev nic-rx &&
			tx ip link set lo up && rx ip link set lo up &&
			tx ip link set nic-tx mtu 4000 up &&
			rx ip link set nic-rx mtu 4000 up || return 1
		# No large receive offload (XDP turns it off): every receiver
		# gets MTU-sized packets.
		rx ethtool -K nic-rx rx-gro-hw off >/dev/null 2>&1
	fi
	# NAPI in threads pinned to their side's CPU, so each side's softirq
	# work is on its CPU; a NIC's interrupts too.
	tx sh -c "echo 1 > /sys/class/net/$tx_if/threaded" &&
		rx sh -c "echo 1 > /sys/class/net/$rx_if/threaded" || return 1
	[ "$net" = virtio ] || return 0
	pin_irqs tx $tx_if $tx_cpu && pin_irqs rx $rx_if $rx_cpu
}

pin_irqs() { # NS IFACE CPU
	local vdev irq
	vdev=$($1 readlink /sys/class/net/$2/device) || return 1
	vdev=${vdev##*/}
	for irq in $(awk -v d="$vdev-" 'index($NF, d) == 1 { sub(":", "", $1); print $1 }' /proc/interrupts); do
		echo "$3" >/proc/irq/$irq/smp_affinity_list || return 1
	done
}

# ext4's journal thread (jbd2/DISK) on the receiving CPU with the rest of
# the file system's work (xfs's is in workqueues): a new one each mount.
pin_fs_threads() {
	local pid
	for pid in $(pgrep '^jbd2/'); do
		taskset -p -c $rx_cpu "$pid" >/dev/null
	done
	return 0
}

# Pin the NAPI threads (new ones appear when XDP is attached).
pin_napi() {
	ps -eo pid=,comm= | while read -r pid comm; do
		case $comm in
		napi/$rx_if*) taskset -p -c $rx_cpu "$pid" >/dev/null ;;
		napi/$tx_if*) taskset -p -c $tx_cpu "$pid" >/dev/null ;;
		esac
	done
	return 0
}

# wait_ready FILE PID: until the receiver printed "ready".
wait_ready() {
	local i
	for i in $(seq 300); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# use_module NAME: the module receiver NAME runs on (ebpfdma-before: the
# baseline revision's, EBPFDMA_BENCH_BASELINE_KO), loaded if another is.
loaded=current
use_module() {
	local want=current
	[ "$1" = ebpfdma-before ] && want=before
	[ "$want" = "$loaded" ] && return 0
	rmmod ebpfdma || return 1
	if [ "$want" = before ]; then
		insmod "$EBPFDMA_BENCH_BASELINE_KO" || return 1
	else
		modprobe ebpfdma || return 1
	fi
	loaded=$want
}

rx_pid=
start_receiver() { # NAME PAYLOAD STREAMS
	local name=$1 payload=$2 streams=$3 i
	blocks=$((mib * 2048 / streams))
	rm -f /tmp/rx.out /tmp/rx.err
	case $name in
	ebpfdma | ebpfdma-before)
		use_module "$name" || return 1
		# Slots of the payload's size, a power of two: what an
		# operator would set.
		local slot=512
		while [ $slot -lt "$payload" ]; do slot=$((slot * 2)); done
		echo $slot >/sys/module/ebpfdma/parameters/slot_size || return 1
		{
			echo "interface = $rx_if"
			echo "metrics = off"
			echo "peer = 10.11.0.1"
			echo "key_file = $key"
			echo "protect = $protect"
			if [ -n "$fs" ]; then
				# One store; each stream a named file in it.
				echo "state_dir = /tmp/bench-state"
				echo "store = 1 $mnt/store"
			else
				for ((i = 1; i <= streams; i++)); do
					echo "volume = $i $disk start=$(((i - 1) * blocks)) blocks=$blocks"
				done
			fi
		} >/tmp/serve.conf
		nsenter --net=/run/netns/edma-rx taskset -c $rx_cpu \
			"$tools/ebpfdmactl" serve /tmp/serve.conf \
			>/tmp/rx.out 2>/tmp/rx.err &
		;;
	udp-pwrite | udp-direct)
		nsenter --net=/run/netns/edma-rx \
			"$bench/${name/-/_}" --disk "$target" --volumes "$streams" \
			--blocks $blocks --key-file $key --protect $protect --max-len 8192 \
			--cpu $rx_cpu >/tmp/rx.out 2>/tmp/rx.err &
		;;
	af-xdp)
		nsenter --net=/run/netns/edma-rx \
			"$bench/af_xdp" --iface $rx_if --disk "$target" \
			--queues "$(rx ls /sys/class/net/$rx_if/queues | grep -c '^rx-')" \
			--volumes "$streams" --blocks $blocks --key-file $key --protect $protect \
			--max-len "$payload" --cpu $rx_cpu \
			>/tmp/rx.out 2>/tmp/rx.err &
		;;
	esac
	rx_pid=$!
	wait_ready /tmp/rx.out $rx_pid || {
		log "$name did not start: $(cat /tmp/rx.err)"
		stop_receiver
		return 1
	}
	pin_napi
}

stop_receiver() {
	kill -TERM $rx_pid 2>/dev/null
	wait $rx_pid 2>/dev/null
	rx_pid=
}

# The sum over the run's volumes of the module's write latency histogram.
# ebpfdma_sum STREAMS FILE: FILE of every volume, summed.
ebpfdma_sum() {
	local i
	for ((i = 1; i <= $1; i++)); do
		cat /sys/class/misc/ebpfdma/volume$i/$2
	done | awk '{ s += $1 } END { print s + 0 }'
}

ebpfdma_latency() {
	local i
	for ((i = 1; i <= $1; i++)); do
		awk '{ print $2 }' /sys/class/misc/ebpfdma/volume$i/latency_us
	done | awk -v n="$(wc -l </sys/class/misc/ebpfdma/volume1/latency_us)" '
		{ s[(NR - 1) % n] += $1 } END {
		for (i = 0; i < n; i++) printf "%s%d", i ? "," : "", s[i] }'
}

nvmet_up() { # PAYLOAD
	local c=/sys/kernel/config/nvmet
	modprobe nvmet && modprobe nvmet-tcp && modprobe nvme-tcp || return 1
	# configfs may be a module that nvmet just loaded.
	[ -d $c ] || mount -t configfs configfs /sys/kernel/config || return 1
	mkdir -p $c/subsystems/edma/namespaces/1 $c/ports/1 &&
		echo 1 >$c/subsystems/edma/attr_allow_any_host &&
		echo -n "$target" >$c/subsystems/edma/namespaces/1/device_path &&
		echo 1 >$c/subsystems/edma/namespaces/1/enable &&
		echo tcp >$c/ports/1/addr_trtype &&
		echo ipv4 >$c/ports/1/addr_adrfam &&
		echo 10.11.0.2 >$c/ports/1/addr_traddr &&
		echo 4420 >$c/ports/1/addr_trsvcid || return 1
	# The port's socket is made in the namespace of the process that
	# links it: the server's.
	rxn ln -s $c/subsystems/edma $c/ports/1/subsystems/edma || return 1
	# With a data digest: CRC32C of the data, as ebpfdma-send's DATA
	# carries, so both protect the same bytes the same way.
	txn nvme connect -t tcp -a 10.11.0.2 -s 4420 -n edma --nr-io-queues=1 \
		${EBPFDMA_BENCH_NVME_DIGEST---data-digest} --hostnqn=nqn.2014-08.org.ebpfdma:bench \
		>/dev/null || return 1
	nvmedev=
	for _ in $(seq 100); do
		nvmedev=$(cd /dev && ls 2>/dev/null | grep -E '^nvme[0-9]+n1$' | sed -n 1p)
		[ -n "$nvmedev" ] && break
		sleep 0.1
	done
	[ -n "$nvmedev" ] || return 1
	pin_napi
}

nvmet_down() {
	local c=/sys/kernel/config/nvmet
	txn nvme disconnect -n edma >/dev/null 2>&1
	rm -f $c/ports/1/subsystems/edma
	echo 0 >$c/subsystems/edma/namespaces/1/enable 2>/dev/null
	rmdir $c/subsystems/edma/namespaces/1 $c/subsystems/edma $c/ports/1 2>/dev/null
	true
}

# new_data STREAMS: fresh random data for each stream of the next runs,
# /tmp/sN.bin, its sha256 in sha[N].
new_data() {
	local i bytes=$((mib * 1048576 / $1))
	for ((i = 1; i <= $1; i++)); do
		head -c $bytes /dev/urandom >/tmp/s$i.bin
		sha[$i]=$(sha256sum /tmp/s$i.bin | cut -d' ' -f1)
	done
}

# run NAME PAYLOAD STREAMS REP [EXTRA-JSON]: one measured transfer of the
# data new_data made; one JSON line on stdout.
run() {
	local name=$1 payload=$2 streams=$3 rep=$4 extra=${5:-} i
	local bytes=$((mib * 1048576 / streams)) pids=() rc=0 lat="" rxj="{}" bios merges mem slot
	local c0 c1 t0 t1 d0 d1 sent retx s ok=true secs perf_pid got i0 i1 insns=
	blocks=$((mib * 2048 / streams))
	if [ -n "$fs" ]; then
		# An empty file system but for what this run writes: an empty
		# store, or the baselines' file, preallocated (unwritten
		# extents, as serve preallocates a store's file).
		rm -rf "$mnt/store" "$mnt/baseline.img" /tmp/bench-state &&
			mkdir "$mnt/store" /tmp/bench-state || return 1
		[ "${name%-before}" = ebpfdma ] ||
			fallocate -l $((mib * 1048576)) "$mnt/baseline.img" || return 1
		sync
	else
		# Zeros where the streams go: only what this run writes can match.
		dd if=/dev/zero of=$disk bs=1M count=$mib oflag=direct status=none ||
			return 1
	fi
	if [ "$name" = nvmet-tcp ]; then
		nvmet_up || { log "nvmet-tcp setup failed"; nvmet_down; return 1; }
	else
		start_receiver "$name" "$payload" "$streams" || return 1
	fi
	if [ -n "${EBPFDMA_BENCH_PERF:-}" ]; then
		rm -f /tmp/perf.data /tmp/perf.stop
		# Emulated interrupts are slow: keep perf from throttling.
		echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent
		# perf and its stopper on the sending CPU, out of the way.
		taskset -c $tx_cpu perf record -q -C $rx_cpu -e cpu-clock \
			-F 2000 -g -o /tmp/perf.data -- sh -c \
			'while [ ! -e /tmp/perf.stop ]; do sleep 0.1; done' \
			2>/dev/null &
		perf_pid=$!
		# perf starts slowly under emulation: let it start sampling.
		for _ in $(seq 100); do
			[ -s /tmp/perf.data ] && break
			sleep 0.1
		done
		sleep 2
	fi
	i0=$(insns_of $rx_cpu 1)
	c0=$(cpu_ticks $tx_cpu) c1=$(cpu_ticks $rx_cpu) t0=$(date +%s.%N)
	for ((i = 1; i <= streams; i++)); do
		if [ "$name" = nvmet-tcp ]; then
			txn taskset -c $tx_cpu "$bench/nvme_writer" --dev /dev/$nvmedev \
				--file /tmp/s$i.bin --offset $(((i - 1) * bytes)) \
				--size "$payload" --qd 64 >/tmp/tx$i.out 2>&1 &
		else
			local vol=$i named=()
			# A store (ebpfdma): one volume, a named file a stream.
			[ -z "$fs" ] || [ "${name%-before}" != ebpfdma ] ||
				vol=1 named=(--name "s$i.bin")
			if [ -n "$blast" ]; then
				# No window of its own: the blast is as long as
				# the sender's flight ring (65536 blocks).
				rm -f /tmp/blast$i.json
				txn taskset -c $tx_cpu timeout 600 env EBPFDMA_BENCH_BLAST=/tmp/blast$i.json \
					EBPFDMA_BENCH_BLAST_CPU=$rx_cpu \
					"$bench/ebpfdma-send-blast" --quiet \
					--block-size "$payload" --timeout 60 --key-file $key \
					"${named[@]}" 10.11.0.2 "$vol" /tmp/s$i.bin \
					>/tmp/tx$i.out 2>&1 &
			else
				txn taskset -c $tx_cpu "$tools/ebpfdma-send" --quiet \
					--block-size "$payload" --window $((window / streams)) \
					--timeout 60 --key-file $key "${named[@]}" 10.11.0.2 "$vol" \
					/tmp/s$i.bin >/tmp/tx$i.out 2>&1 &
			fi
		fi
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || rc=1
	done
	t1=$(date +%s.%N) d0=$(cpu_ticks $tx_cpu) d1=$(cpu_ticks $rx_cpu)
	i1=$(insns_of $rx_cpu 2)
	[ -z "$i0" ] || [ -z "$i1" ] || insns=",\"rx_insns\":$((i1 - i0))"
	if [ -n "${EBPFDMA_BENCH_PERF:-}" ]; then
		touch /tmp/perf.stop
		wait $perf_pid
		mkdir -p "$EBPFDMA_BENCH_PERF"
		# One report a row: the same receiver under each protection,
		# file system and load has its own.
		local pname=$net${fs:+-$fs}-$name-$protect-$payload-$streams-$rep${blast:+-saturation}
		perf report -i /tmp/perf.data --stdio --no-children \
			--sort dso,sym -g none --percent-limit 0.2 2>/dev/null \
			>"$EBPFDMA_BENCH_PERF/$pname.txt"
		perf report -i /tmp/perf.data --stdio --children \
			--sort sym -g none --percent-limit 2 2>/dev/null \
			>"$EBPFDMA_BENCH_PERF/$pname.children.txt"
	fi
	if [ "${name%-before}" = ebpfdma ] && [ -n "$fs" ]; then
		# A store's volumes come and go with its files: no totals.
		slot=$(cat /sys/module/ebpfdma/parameters/slot_size)
		stop_receiver
		rxj="{\"receiver\":\"$name\",\"slot_size\":$slot}"
	elif [ "${name%-before}" = ebpfdma ]; then
		lat=$(ebpfdma_latency "$streams")
		# Writes = bios + merges (writes that rode in another's bio).
		bios=$(ebpfdma_sum "$streams" bios)
		merges=$(ebpfdma_sum "$streams" merges)
		mem=$(cat /sys/class/misc/ebpfdma/pool_memory_bytes)
		slot=$(cat /sys/module/ebpfdma/parameters/slot_size)
		stop_receiver
		rxj="{\"receiver\":\"$name\",\"bios\":$bios,\"merges\":$merges,\"slot_size\":$slot,\"pool_memory_bytes\":$mem,\"latency_us_log2\":[$lat]}"
	elif [ "$name" = nvmet-tcp ]; then
		nvmet_down
		rxj=$(grep -h '^{' /tmp/tx1.out | tail -n1)
		[ -n "$rxj" ] || rxj="{}"
	else
		stop_receiver
		rxj=$(grep '^{' /tmp/rx.out | tail -n1)
		[ -n "$rxj" ] || rxj="{}"
	fi
	[ $rc = 0 ] || { ok=false; log "$name: a sender failed: $(cat /tmp/tx*.out | tail -n3)"; }
	retx=0 secs=0
	# A file system is mounted again first: what is checked is what
	# reached the disk (the store's rename and directory sync included),
	# not the page cache.
	[ -z "$fs" ] || { umount $mnt && mount -t "$fs" "$disk" $mnt && pin_fs_threads; } || {
		ok=false
		log "$fs: cannot mount the file system again to check the data"
	}
	for ((i = 1; i <= streams; i++)); do
		if [ -n "$fs" ] && [ "${name%-before}" = ebpfdma ]; then
			got=$(sha256sum <"$mnt/store/s$i.bin" | cut -d' ' -f1)
		else
			got=$(dd if="$target" bs=1M skip=$(((i - 1) * bytes)) count=$bytes \
				iflag=direct,skip_bytes,count_bytes status=none |
				sha256sum | cut -d' ' -f1)
		fi
		if [ "$got" != "${sha[$i]}" ]; then
			ok=false
			log "$name payload $payload streams $streams: stream $i's data on disk differs"
		fi
		sent=$(sed -n 's/.* \([0-9]*\) retransmitted.*/\1/p' /tmp/tx$i.out)
		retx=$((retx + ${sent:-0}))
		# The sender's own time, from its first datagram (or write) to
		# the last acknowledgement (or fsync): the transfer, without
		# reading the file.  The slowest stream ends the run.
		s=$(sed -n -e 's/.* in \([0-9.]*\) s: .*/\1/p' \
			-e 's/.*"seconds":\([0-9.]*\).*/\1/p' /tmp/tx$i.out | head -n1)
		[ -n "$s" ] || { s=0; ok=false; }
		secs=$(echo "if ($s > $secs) $s else $secs" | bc -l)
	done
	[ "$(echo "$secs > 0" | bc)" = 1 ] || secs=$(echo "$t1 - $t0" | bc -l)
	[ -z "$fs" ] || extra=",\"fs\":\"$fs\"$extra"
	if [ -n "$blast" ] && [ "$name" != nvmet-tcp ]; then
		# The generator's figures (one blast: one stream, one session).
		local bj
		bj=$(tail -n1 /tmp/blast1.json 2>/dev/null)
		if [ -n "$bj" ]; then
			extra=",\"blast\":$bj$extra"
		else
			ok=false
			log "$name: the load generator did not run: $(grep blast /tmp/tx1.out | tail -n1)"
		fi
	fi
	[ -z "$blast" ] || extra=",\"saturation\":true$extra"
	printf '{"net":"%s","receiver":"%s","protect":"%s","payload":%d,"streams":%d,"rep":%d,"bytes":%d,"seconds":%.3f,"wall_seconds":%.3f,"rx_cpu_s":%.2f,"tx_cpu_s":%.2f,"retransmitted":%d,"verified":%s,"detail":%s%s}\n' \
		"$net" "$name" "$protect" "$payload" "$streams" "$rep" $((bytes * streams)) "$secs" \
		"$(echo "$t1 - $t0" | bc -l)" \
		"$(echo "($d1 - $c1) / 100" | bc -l)" "$(echo "($d0 - $c0) / 100" | bc -l)" \
		"$retx" "$ok" "$rxj" "$insns$extra"
	log "$net${fs:+ $fs} $name ($protect) payload $payload streams $streams rep $rep: $(echo "$bytes * $streams / 1048576 / $secs" | bc -l | cut -c1-6) MiB/s, verified $ok"
}

# protects_of NAME: the protections NAME runs with ("none" for nvmet-tcp:
# no TLS on 6.1; its data digest is a CRC32C).
protects_of() {
	if [ "$1" = nvmet-tcp ]; then echo none; else echo "$protects"; fi
}

# unsupported NAME PAYLOAD: why NAME cannot take PAYLOAD-byte writes on
# this kernel, or nothing.
unsupported() {
	if [ "$1" = af-xdp ] && [ "$2" -gt 3072 ]; then
		echo "AF_XDP in Linux 6.1 has no multi-buffer: a $2-byte payload does not fit a 4096-byte frame"
	elif [ "$1" = nvmet-tcp ] && [ "$2" -gt 4096 ]; then
		# Seen with and without a data digest: kernel BUG at
		# mm/usercopy.c:101 from tcp_recvmsg in nvmet_tcp_io_work.
		echo "writes larger than a page crash Debian 12's nvmet-tcp (hardened usercopy BUG in nvmet_tcp_io_work)"
	elif [ "$1" = nvmet-tcp ] && [ $((4096 % $2)) != 0 ]; then
		# The same BUG with 3 KiB writes, every other one of which
		# crosses a page ("usercopy: Kernel memory exposure attempt
		# detected from page alloc", kernel BUG at mm/usercopy.c:101).
		echo "writes that cross a page crash Debian 12's nvmet-tcp (hardened usercopy BUG in nvmet_tcp_io_work)"
	elif [ "$1" = nvmet-tcp ] && [ -n "$fs" ] &&
		[ "$2" -lt "$(stat -f -c %S $mnt)" ]; then
		# nvmet_file_ns_enable(): blksize_shift from the inode's i_blkbits.
		echo "nvmet's file backend gives its namespace the file system's block size ($(stat -f -c %S $mnt) bytes on this $fs): smaller writes fail with EINVAL"
	fi
}

# matrix PAYLOADS: every receiver under each protection, each payload and
# stream count, for the repetition $rep, on $net (and $fs).
matrix() {
	local payload streams name why
	for payload in $1; do
		[ -n "$fs" ] ||
			taskset -c $rx_cpu "$bench/memcpy_bw" --size "$payload" --ms 1000 |
			sed "s/^{/{\"memcpy\":true,\"rep\":$rep,/" >>"$out"
		for streams in $streams_list; do
			new_data "$streams"
			for name in $receivers; do
				why=$(unsupported "$name" "$payload")
				if [ -n "$why" ]; then
					[ $rep = 1 ] && printf '{"net":"%s","receiver":"%s","payload":%d,"streams":%d,"unsupported":"%s"%s}\n' \
						"$net" "$name" "$payload" "$streams" "$why" \
						"${fs:+,\"fs\":\"$fs\"}" >>"$out"
					continue
				fi
				for protect in $(protects_of "$name"); do
					run "$name" "$payload" "$streams" "$rep" >>"$out" ||
						log "$net${fs:+ $fs} $name ($protect) payload $payload streams $streams: run failed"
				done
			done
		done
	done
}

# One network after the other; receivers interleaved within each
# repetition, so drift over the run touches them alike.
: >"$out"
for net in $nets; do
	[ "$net" != none ] || continue # the saturation rows alone, say
	set_net "$net" || { log "$net: network setup failed"; continue; }
	case $net in
	veth) pls=$payloads ;;
	virtio) pls=$virtio_payloads ;;
	esac
	for ((rep = 1; rep <= reps; rep++)); do
		matrix "$pls"
	done

	# Scale (veth): ebpfdma alone, 4 KiB payloads, 2 streams, pool size
	# and bios in flight varied; the pool's memory with each.
	if [ "$net" = veth ] && [ "$scale" != 0 ] && use_module ebpfdma; then
		P=/sys/module/ebpfdma/parameters
		echo 4096 >$P/slot_size
		new_data 2
		for slots in 1024 4096 16384; do
			for mif in 16 64 256; do
				echo "$slots" >$P/nr_slots &&
					echo "$mif" >$P/max_in_flight || continue
				protect=aead run ebpfdma 4096 2 1 ",\"scale\":{\"nr_slots\":$slots,\"max_in_flight\":$mif,\"pool_memory_bytes\":$(cat /sys/class/misc/ebpfdma/pool_memory_bytes)}" >>"$out"
			done
		done
		echo 4096 >$P/nr_slots
		echo 64 >$P/max_in_flight
	fi
	netns_down
done

# The saturation rows: veth, one stream, the load generator feeding every
# UDP receiver (nvmet-tcp: its own writer, queue depth 64); the guest's
# memcpy and protection speeds for each payload, on the receiving CPU.
if [ "$saturation" != 0 ]; then
	net=veth
	set_net veth || log "veth: network setup failed"
	blast=1
	for payload in $sat_payloads; do
		for ((rep = 1; rep <= reps; rep++)); do
			taskset -c $rx_cpu "$bench/memcpy_bw" --size "$payload" --ms 1000 |
				sed "s/^{/{\"memcpy\":true,\"saturation\":true,\"rep\":$rep,/" >>"$out"
			taskset -c $rx_cpu "$bench/aead_bw" --size "$payload" --ms 500 |
				sed "s/^{/{\"protect_bw\":true,\"rep\":$rep,/" >>"$out"
			new_data 1
			for name in $receivers; do
				why=$(unsupported "$name" "$payload")
				[ -z "$why" ] || continue
				for protect in $(protects="$sat_protects" protects_of "$name"); do
					run "$name" "$payload" 1 "$rep" >>"$out" ||
						log "saturation: $name ($protect) payload $payload: run failed"
				done
			done
		done
	done
	blast=
	netns_down
fi

# The file-store rows: veth, the disk formatted with each file system.
if [ -n "$filesystems" ]; then
	net=veth
	set_net veth || log "veth: network setup failed"
	mkdir -p $mnt
	for fs in $filesystems; do
		umount $mnt 2>/dev/null
		"mkfs.$fs" -q $([ "$fs" = xfs ] && echo -f || echo -F) "$disk" >/dev/null &&
			mount -t "$fs" "$disk" $mnt || {
			log "$fs: cannot make or mount the file system on $disk"
			continue
		}
		pin_fs_threads
		target=$mnt/baseline.img
		for ((rep = 1; rep <= reps; rep++)); do
			matrix "$file_payloads"
		done
		umount $mnt || log "$fs: cannot unmount"
	done
	fs= target=$disk
	netns_down
fi
use_module ebpfdma
echo "$wq0" >$wq
echo "$cache0" >"$cache"
rmmod ebpfdma

# SPDX-License-Identifier: GPL-2.0
# Network namespaces for the selftests (sourced):
#
#   netns_up     edma-tx (10.11.0.1, fd11::1 on veth-tx) and edma-rx
#                (10.11.0.2, fd11::2 on veth-rx), joined by a veth pair with
#                two queues a side and MTU 9000; XPS sends from CPU i on
#                queue i (with two CPUs or more), so the receiving NAPI
#                (and XDP) runs on each CPU
#   netns_down   remove them
netns_down() {
	ip netns del edma-tx 2>/dev/null || true
	ip netns del edma-rx 2>/dev/null || true
	return 0
}

netns_up() {
	netns_down
	ip netns add edma-tx &&
		ip netns add edma-rx &&
		ip link add veth-tx numtxqueues 2 numrxqueues 2 type veth \
			peer name veth-rx numtxqueues 2 numrxqueues 2 &&
		ip link set veth-tx netns edma-tx &&
		ip link set veth-rx netns edma-rx &&
		ip -n edma-tx addr add 10.11.0.1/24 dev veth-tx &&
		ip -n edma-tx addr add fd11::1/64 dev veth-tx nodad &&
		ip -n edma-rx addr add 10.11.0.2/24 dev veth-rx &&
		ip -n edma-rx addr add fd11::2/64 dev veth-rx nodad &&
		ip -n edma-tx link set lo up &&
		ip -n edma-rx link set lo up &&
		ip -n edma-tx link set veth-tx mtu 9000 up &&
		ip -n edma-rx link set veth-rx mtu 9000 up || return 1
	[ "$(nproc)" -ge 2 ] || return 0
	ip netns exec edma-tx sh -c '
		echo 1 > /sys/class/net/veth-tx/queues/tx-0/xps_cpus &&
		echo 2 > /sys/class/net/veth-tx/queues/tx-1/xps_cpus'
}

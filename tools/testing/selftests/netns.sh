# SPDX-License-Identifier: GPL-2.0
# Network namespaces for the selftests (sourced):
#
#   netns_up     edma-tx (10.11.0.1, fd11::1 on veth-tx) and edma-rx
#                (10.11.0.2, fd11::2 on veth-rx), joined by a veth pair with
#                two queues a side and MTU 9000; XPS sends from CPU i on
#                queue i (with two CPUs or more), so the receiving NAPI
#                (and XDP) runs on each CPU; neighbours are permanent
#                entries, so no first datagram waits for ARP or ND
#   netns_down   remove them
NETNS_TX_MAC=02:ed:0a:00:00:01
NETNS_RX_MAC=02:ed:0a:00:00:02

netns_down() {
	ip netns del edma-tx 2>/dev/null || true
	ip netns del edma-rx 2>/dev/null || true
	return 0
}

netns_up() {
	netns_down
	ip netns add edma-tx &&
		ip netns add edma-rx &&
		ip link add veth-tx address $NETNS_TX_MAC numtxqueues 2 \
			numrxqueues 2 type veth peer name veth-rx \
			address $NETNS_RX_MAC numtxqueues 2 numrxqueues 2 &&
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
	# Without them, the first datagrams of every socket wait together
	# for the neighbour's answer and leave from the CPU that took it:
	# each socket then keeps that CPU's queue (it caches its first
	# queue), and XPS no longer spreads the senders' CPUs.
	ip -n edma-tx neigh replace 10.11.0.2 lladdr $NETNS_RX_MAC \
		dev veth-tx nud permanent &&
		ip -n edma-tx neigh replace fd11::2 lladdr $NETNS_RX_MAC \
			dev veth-tx nud permanent &&
		ip -n edma-rx neigh replace 10.11.0.1 lladdr $NETNS_TX_MAC \
			dev veth-rx nud permanent &&
		ip -n edma-rx neigh replace fd11::1 lladdr $NETNS_TX_MAC \
			dev veth-rx nud permanent || return 1
	[ "$(nproc)" -ge 2 ] || return 0
	ip netns exec edma-tx sh -c '
		echo 1 > /sys/class/net/veth-tx/queues/tx-0/xps_cpus &&
		echo 2 > /sys/class/net/veth-tx/queues/tx-1/xps_cpus'
}

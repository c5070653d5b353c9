/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma-send's sockets: one connected UDP socket per flow, all from the
 * same local address and each from its own port, so that the receiving
 * NIC's RSS spreads a transfer over its receive queues (flow 0 also
 * carries the handshake, COMMIT and the ACKs); datagrams marked
 * ECN-capable (ECT(0), RFC 3168) so that a congested queue marks them
 * instead of dropping them; never fragmented (the path MTU decides the
 * block size); batches of sealed datagrams sent with sendmmsg() and UDP
 * GSO where the kernel and the path take it.
 */
#ifndef EBPFDMA_SEND_NET_H
#define EBPFDMA_SEND_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Resolve @host and connect flow 0 (exit 4 or 2 with a message). */
void net_connect(const char *host, uint16_t port, const char *source,
		 bool ecn);
/* At least @n flows (more sockets, each from its own port). */
void net_flows(unsigned int n);
unsigned int net_nr_flows(void);
/* Flow 0: the socket for the handshake, COMMIT and ACKs. */
int net_fd(void);
/*
 * The path MTU to the receiver as the kernel knows it; *@fit: the longest
 * DATA body that fits one datagram of it.
 */
uint32_t net_path_mtu(uint32_t *fit);
/* Datagrams of @unit bytes from here on: may UDP GSO cut them? */
void net_gso(bool want, uint32_t unit);
/*
 * Send @n sealed datagrams lying side by side, @unit bytes apart in @buf,
 * @len[i] bytes each, over the flows.  0, or -EMSGSIZE when the path MTU
 * fell below a datagram (the rest is not sent); other errors exit.
 */
int net_send_batch(uint8_t *buf, const uint32_t *len, unsigned int n,
		   uint32_t unit);
/* One datagram on flow 0 (a HELLO, a COMMIT): lost if it cannot go. */
void net_send(const void *buf, size_t len);

#endif

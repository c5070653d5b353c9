/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethernet frames of UDP datagrams for the selftests that run the XDP
 * program with BPF_PROG_TEST_RUN: IPv4 or IPv6, with or without a VLAN
 * tag, from a given source to the receiver (10.0.0.2 / fd00::2).
 */
#ifndef EBPFDMA_SELFTEST_PKT_H
#define EBPFDMA_SELFTEST_PKT_H

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>

#include "tools/lib/inet_csum.h"

struct pkt {
	int v6; /* IPv6, else IPv4 */
	int vlan; /* one 802.1Q tag */
	const char *src; /* source address */
	uint16_t dport;
	uint8_t proto; /* IP protocol */
	uint8_t ecn; /* the IP header's ECN field (3: Congestion Experienced) */
};

/*
 * Ethernet [+ VLAN] + IP + UDP + @payload; returns the frame's length and
 * the UDP header's offset in *udp_off.
 */
static inline size_t build(uint8_t *buf, const struct pkt *s, const void *payload,
		    size_t plen, size_t *udp_off)
{
	static const uint8_t mac_dst[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t mac_src[6] = { 2, 0, 0, 0, 0, 1 };
	uint16_t type = htons(s->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
	size_t off = 12;
	struct udphdr *udp;

	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	if (s->vlan) {
		uint16_t tag[2] = { htons(ETHERTYPE_VLAN), htons(100) };

		memcpy(buf + off, tag, 4);
		off += 4;
	}
	memcpy(buf + off, &type, 2);
	off += 2;
	if (s->v6) {
		struct ip6_hdr *ip6 = (void *)(buf + off);

		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6U << 28 | (uint32_t)s->ecn << 20);
		ip6->ip6_plen = htons(sizeof(*udp) + plen);
		ip6->ip6_nxt = s->proto;
		ip6->ip6_hlim = 64;
		inet_pton(AF_INET6, s->src, &ip6->ip6_src);
		inet_pton(AF_INET6, "fd00::2", &ip6->ip6_dst);
		off += sizeof(*ip6);
	} else {
		struct iphdr *ip = (void *)(buf + off);

		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tos = s->ecn;
		ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + plen);
		ip->frag_off = htons(IP_DF);
		ip->ttl = 64;
		ip->protocol = s->proto;
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, "10.0.0.2", &ip->daddr);
		ip->check = inet_csum(ip, sizeof(*ip));
		off += sizeof(*ip);
	}
	*udp_off = off;
	udp = (void *)(buf + off);
	udp->source = htons(40000);
	udp->dest = htons(s->dport);
	udp->len = htons(sizeof(*udp) + plen);
	udp->check = 0;
	off += sizeof(*udp);
	memcpy(buf + off, payload, plen);
	return off + plen;
}

#endif

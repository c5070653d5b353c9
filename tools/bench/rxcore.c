// SPDX-License-Identifier: GPL-2.0
/* The protocol side of the benchmarks' baseline receivers (rxcore.h). */
#define _GNU_SOURCE
#include "rxcore.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/lib/crc32c.h"

#define ACK_EVERY_MS 10 /* as ebpfdmactl serve */
#define REACK_MS 250

volatile sig_atomic_t rx_stopping;

static void on_signal(int sig)
{
	(void)sig;
	rx_stopping = 1;
}

uint64_t rx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t rx_now_ms(void)
{
	return rx_now_ns() / 1000000;
}

static void usage_exit(const char *what)
{
	fprintf(stderr, "rxcore: %s\n", what);
	exit(2);
}

void rx_init(struct rx *rx, int *argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	struct rx_config *c = &rx->c;
	int i, out = 1, zero = 0, big = 16 << 20;

	memset(rx, 0, sizeof(*rx));
	c->port = EBPFDMA_WIRE_PORT;
	c->volumes = 1;
	c->block_size = 512;
	c->max_len = 8192;
	c->cpu = -1;
	for (i = 1; i < *argc; i++) {
		const char *o = argv[i], *v = i + 1 < *argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--disk") && v)
			c->disk = v;
		else if (!strcmp(o, "--port") && v)
			c->port = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--volumes") && v)
			c->volumes = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--blocks") && v)
			c->blocks = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--block-size") && v)
			c->block_size = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--max-len") && v)
			c->max_len = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--token") && v)
			c->token = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--cpu") && v)
			c->cpu = atoi(v);
		else {
			argv[out++] = argv[i];
			continue;
		}
		i++;
	}
	*argc = out;
	argv[out] = NULL;
	if (!c->disk || !c->blocks || !c->volumes ||
	    c->volumes > RX_MAX_VOLUMES || c->block_size < 512 ||
	    (c->block_size & (c->block_size - 1)) || !c->max_len ||
	    c->max_len % c->block_size)
		usage_exit("needs --disk, --blocks, --volumes 1..8, a block size that is a power of two >= 512 and a --max-len of whole blocks");
	if (c->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			usage_exit("--cpu: cannot pin to that CPU");
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rx->sock = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (rx->sock < 0)
		usage_exit("socket");
	setsockopt(rx->sock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* Past net.core.rmem_max where allowed (root): bursts fit. */
	if (setsockopt(rx->sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(rx->sock, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	a.sin6_port = htons(c->port);
	if (bind(rx->sock, (void *)&a, sizeof(a))) {
		perror("rxcore: bind");
		exit(1);
	}
}

void rx_v4_mapped(struct sockaddr_in6 *a, uint32_t addr, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_port = port;
	a->sin6_addr.s6_addr[10] = 0xff;
	a->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&a->sin6_addr.s6_addr[12], &addr, 4);
}

static void send_ack(struct rx *rx, const struct sockaddr_in6 *to,
		     uint32_t volume, uint32_t session, struct rx_session *s,
		     uint32_t status, bool committed, uint32_t commit_seq)
{
	uint8_t buf[EDMA_ACK_MAX];
	struct edma_ack a = {
		.volume = volume, .session = session, .status = status,
		.durable = s ? &s->durable : NULL, .committed = committed,
		.commit_seq = commit_seq,
	};
	size_t len;

	if (status != EBPFDMA_WIRE_E_TOKEN) {
		a.window_blocks = rx->c.blocks;
		a.block_size = rx->c.block_size;
		a.max_len = rx->c.max_len;
	}
	len = edma_wire_ack(buf, &a);
	if (sendto(rx->sock, buf, len, MSG_DONTWAIT, (const void *)to,
		   sizeof(*to)) == (ssize_t)len)
		rx->acks++;
	if (s) {
		s->dirty = false;
		s->last_ack_ms = rx_now_ms();
	}
}

static struct rx_session *session(struct rx *rx, uint32_t volume,
				  uint32_t id, const struct sockaddr_in6 *from)
{
	struct rx_session *s;
	unsigned int i;

	for (i = 0; i < rx->nr_sess; i++) {
		s = rx->sess[i];
		if (s->volume == volume && s->id == id) {
			s->peer = *from;
			return s;
		}
	}
	if (rx->nr_sess == RX_MAX_SESSIONS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->volume = volume;
	s->id = id;
	s->peer = *from;
	seqset_init(&s->durable);
	rx->sess[rx->nr_sess++] = s;
	return s;
}

int rx_datagram(struct rx *rx, const uint8_t *buf, const uint8_t *body,
		uint32_t n, const struct sockaddr_in6 *from,
		struct rx_write *out)
{
	const struct rx_config *c = &rx->c;
	struct rx_session *s;
	struct edma_wire w;
	uint32_t len, status = 0;

	if (!body)
		body = buf + sizeof(struct ebpfdma_wire_hdr);
	/* edma_wire_parse() reads the header only. */
	if (edma_wire_parse(buf, n, &w, &len) || w.type == EBPFDMA_WIRE_ACK) {
		rx->refused++;
		return 0;
	}
	if (!w.volume || w.volume > c->volumes)
		status = EBPFDMA_WIRE_E_VOLUME;
	else if (w.token != c->token)
		status = EBPFDMA_WIRE_E_TOKEN;
	if (status) {
		rx->refused++;
		send_ack(rx, from, w.volume, w.session, NULL, status, false, 0);
		return 0;
	}
	s = session(rx, w.volume, w.session, from);
	if (!s) {
		rx->refused++;
		return 0;
	}
	switch (w.type) {
	case EBPFDMA_WIRE_OPEN:
		send_ack(rx, from, w.volume, w.session, s, 0, false, 0);
		return 0;
	case EBPFDMA_WIRE_COMMIT:
		s->commit_pending = true;
		s->commit_seq = w.seq;
		rx->commits++;
		return 0;
	case EBPFDMA_WIRE_DATA:
		break;
	default:
		rx->refused++;
		return 0;
	}
	/* The kfunc's checks (kmod/wire.c). */
	if (!edma_wire_data_ok(&w, len) || len % c->block_size ||
	    len > c->max_len || w.lba >= c->blocks ||
	    len / c->block_size > c->blocks - w.lba) {
		rx->refused++;
		return 0;
	}
	if ((w.flags & EBPFDMA_WIRE_F_CRC) &&
	    crc32c(0, body, len) != w.crc) {
		rx->crc_errors++;
		return 0;
	}
	if (seqset_has(&s->durable, w.seq)) {
		rx->dup++; /* durable already: the next ACK says so */
		s->dirty = true;
		return 0;
	}
	out->s = s;
	out->seq = w.seq;
	out->off = ((w.volume - 1) * c->blocks + w.lba) * c->block_size;
	out->len = len;
	out->body = body;
	return 1;
}

void rx_read_control(struct rx *rx)
{
	uint8_t buf[2048];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	struct rx_write w;
	ssize_t n;

	while ((n = recvfrom(rx->sock, buf, sizeof(buf), 0, (void *)&from,
			     &fl)) >= 0) {
		/* Only control datagrams are small enough to come here. */
		if (rx_datagram(rx, buf, NULL, n, &from, &w))
			rx->refused++;
		fl = sizeof(from);
	}
}

void rx_durable(struct rx *rx, struct rx_session *s, uint32_t seq,
		uint64_t arrival_ns, uint64_t now_ns)
{
	uint64_t us = now_ns > arrival_ns ? (now_ns - arrival_ns) / 1000 : 0;
	unsigned int b = 0;

	if (seqset_add(&s->durable, seq) <= 0) {
		rx->dup++;
		return;
	}
	s->dirty = true;
	while (us && b < RX_LAT_BUCKETS - 1) { /* fls64 */
		us >>= 1;
		b++;
	}
	rx->lat[b]++;
}

bool rx_commit_waiting(const struct rx *rx)
{
	unsigned int i;

	for (i = 0; i < rx->nr_sess; i++)
		if (rx->sess[i]->commit_pending)
			return true;
	return false;
}

void rx_tick(struct rx *rx, bool all_durable)
{
	uint64_t now = rx_now_ms();
	struct rx_session *s;
	unsigned int i;

	for (i = 0; i < rx->nr_sess; i++) {
		s = rx->sess[i];
		if (s->commit_pending && all_durable) {
			s->commit_pending = false;
			send_ack(rx, &s->peer, s->volume, s->id, s, 0, true,
				 s->commit_seq);
			continue;
		}
		if ((s->dirty && now - s->last_ack_ms >= ACK_EVERY_MS) ||
		    (now - s->last_ack_ms >= REACK_MS && s->durable.count))
			send_ack(rx, &s->peer, s->volume, s->id, s, 0, false,
				 0);
	}
}

void rx_report(const struct rx *rx, const char *name, const char *extra)
{
	unsigned int i;

	printf("{\"receiver\":\"%s\",\"bytes\":%llu,\"blocks\":%llu,\"duplicates\":%llu,\"refused\":%llu,\"crc_errors\":%llu,\"acks\":%llu,\"latency_us_log2\":[",
	       name, (unsigned long long)rx->bytes,
	       (unsigned long long)rx->blocks, (unsigned long long)rx->dup,
	       (unsigned long long)rx->refused,
	       (unsigned long long)rx->crc_errors,
	       (unsigned long long)rx->acks);
	for (i = 0; i < RX_LAT_BUCKETS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)rx->lat[i]);
	printf("]%s%s}\n", extra && *extra ? "," : "", extra ? extra : "");
	fflush(stdout);
}

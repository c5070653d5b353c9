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

#include <endian.h>
#include <sodium.h>

#include "tools/lib/control.h"
#include "tools/lib/keyfile.h"

#define ACK_EVERY_MS 10 /* as ebpfdmactl serve */
#define REACK_MS 250
#define RX_CREDIT 4096U /* blocks a sender may have outstanding */

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
	const char *key_file = NULL;
	char err[512];

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
		else if (!strcmp(o, "--key-file") && v)
			key_file = v;
		else if (!strcmp(o, "--protect") && v)
			c->protect = !strcmp(v, "mac") ? EBPFDMA_PROTECT_MAC :
				     !strcmp(v, "crc") ? EBPFDMA_PROTECT_CRC :
				     !strcmp(v, "aead") ? EBPFDMA_PROTECT_AEAD :
							  ~0U;
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
	if (!key_file || c->protect > EBPFDMA_PROTECT_MAX)
		usage_exit("needs --key-file PATH and --protect aead, mac or crc");
	if (sodium_init() < 0)
		usage_exit("libsodium cannot start");
	if (edma_key_load(key_file, c->secret, err, sizeof(err)))
		usage_exit(err);
	edma_hs_key(c->k_hs, c->secret);
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

static void send_to(struct rx *rx, const struct sockaddr_in6 *to,
		    const void *buf, size_t len)
{
	if (sendto(rx->sock, buf, len, MSG_DONTWAIT, (const void *)to,
		   sizeof(*to)) == (ssize_t)len)
		rx->acks++;
}

/* The session's durable blocks, sealed under its k_ack (as serve). */
static void send_ack(struct rx *rx, struct rx_session *s)
{
	uint8_t buf[EDMA_ACK2_MAX];
	struct edma_ack2 a = {
		.counter = ++s->ack_counter,
		.flags = s->complete ? EBPFDMA_WIRE2_ACK_COMPLETE : 0,
		.durable = s->durable.cum, .credit = RX_CREDIT,
	};

	a.nr_ranges = seqset_runs(&s->durable, s->durable.cum, a.ranges,
				  EBPFDMA_WIRE2_ACK_RANGES_MAX);
	send_to(rx, &s->peer, buf,
		edma_ack2_build(buf, s->id, &a, rx->c.protect, s->keys.ack));
	s->dirty = false;
	s->last_ack_ms = rx_now_ms();
}

static struct rx_session *session_find(struct rx *rx, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < rx->nr_sess; i++)
		if (rx->sess[i]->id == id)
			return rx->sess[i];
	return NULL;
}

/* A HELLO: verified under the volumes' handshake key, then admitted. */
static void hello(struct rx *rx, const uint8_t *buf, uint32_t n,
		  const struct sockaddr_in6 *from)
{
	const struct rx_config *c = &rx->c;
	struct edma_welcome w = {
		.protect = c->protect, .max_block = c->max_len,
		.unit = c->block_size, .credit = RX_CREDIT,
	};
	struct rx_session *s;
	struct edma_hello h;
	unsigned int i;

	if (edma_hello_parse(buf, n, &h, c->k_hs)) {
		rx->refused++;
		return;
	}
	for (i = 0; i < rx->nr_sess; i++)
		if (!sodium_memcmp(rx->sess[i]->nonce_c, h.nonce,
				   EDMA_NONCE_LEN)) {
			send_to(rx, from, rx->sess[i]->welcome,
				sizeof(rx->sess[i]->welcome));
			return;
		}
	memcpy(w.nonce_c, h.nonce, EDMA_NONCE_LEN);
	if (!h.volume || h.volume > c->volumes || !h.block_size ||
	    h.block_size % c->block_size || h.block_size > c->max_len ||
	    h.lba > c->blocks ||
	    (h.length + c->block_size - 1) / c->block_size >
		    c->blocks - h.lba ||
	    (h.length + h.block_size - 1) / h.block_size > UINT32_MAX ||
	    rx->nr_sess == RX_MAX_SESSIONS || !(s = calloc(1, sizeof(*s)))) {
		uint8_t refusal[EDMA_WELCOME_LEN];

		w.status = rx->nr_sess == RX_MAX_SESSIONS ?
				   EBPFDMA_WIRE2_E_BUSY :
				   EBPFDMA_WIRE2_E_RANGE;
		rx->refused++;
		send_to(rx, from, refusal,
			edma_welcome_build(refusal, &w, c->k_hs));
		return;
	}
	do {
		randombytes_buf(&s->id, sizeof(s->id));
	} while (!s->id || session_find(rx, s->id));
	randombytes_buf(w.nonce_s, sizeof(w.nonce_s));
	edma_session_keys(&s->keys, c->secret, h.nonce, w.nonce_s, s->id);
	s->volume = h.volume;
	s->peer = *from;
	memcpy(s->nonce_c, h.nonce, EDMA_NONCE_LEN);
	s->lba = h.lba;
	s->block_size = h.block_size;
	s->length = h.length;
	s->nblocks = (h.length + h.block_size - 1) / h.block_size;
	seqset_init(&s->durable);
	w.session = s->id;
	edma_welcome_build(s->welcome, &w, c->k_hs);
	rx->sess[rx->nr_sess++] = s;
	send_to(rx, from, s->welcome, sizeof(s->welcome));
}

int rx_datagram(struct rx *rx, const uint8_t *buf, uint8_t *body,
		uint32_t n, const struct sockaddr_in6 *from,
		struct rx_write *out)
{
	const struct ebpfdma_wire2_hdr *h = (const void *)buf;
	const struct rx_config *c = &rx->c;
	struct rx_session *s;
	struct edma_wire2 w;
	struct edma_commit2 cm;
	uint32_t want;
	uint64_t off;

	if (n < EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN ||
	    be32toh(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE2_VERSION) {
		rx->refused++;
		return 0;
	}
	if (h->type != EBPFDMA_WIRE2_DATA && body &&
	    body != buf + EBPFDMA_WIRE2_HDR_LEN) {
		/* A control datagram received in two pieces: one again. */
		uint8_t whole[512];

		if (n > sizeof(whole)) {
			rx->refused++;
			return 0;
		}
		memcpy(whole, buf, EBPFDMA_WIRE2_HDR_LEN);
		memcpy(whole + EBPFDMA_WIRE2_HDR_LEN, body,
		       n - EBPFDMA_WIRE2_HDR_LEN);
		return rx_datagram(rx, whole, NULL, n, from, out);
	}
	if (h->type == EBPFDMA_WIRE2_HELLO) {
		hello(rx, buf, n, from);
		return 0;
	}
	s = session_find(rx, be64toh(h->session));
	if (!s || !h->session) {
		rx->refused++;
		return 0;
	}
	if (h->type == EBPFDMA_WIRE2_COMMIT) {
		uint8_t copy[EDMA_COMMIT2_LEN];

		if (n != sizeof(copy)) {
			rx->refused++;
			return 0;
		}
		memcpy(copy, buf, n);
		if (edma_commit2_parse(copy, n, &cm, c->protect,
				       s->keys.data) ||
		    cm.blocks != s->nblocks) {
			rx->auth_errors++;
			return 0;
		}
		s->peer = *from;
		if (s->complete)
			send_ack(rx, s); /* its answer was lost */
		else
			s->commit_pending = true;
		rx->commits++;
		return 0;
	}
	if (h->type != EBPFDMA_WIRE2_DATA || s->complete) {
		rx->refused++;
		return 0;
	}
	if (!body)
		body = (uint8_t *)buf + EBPFDMA_WIRE2_HDR_LEN;
	/* The kfunc's checks, in its order: nothing over the body first. */
	w.len = be32toh(h->len);
	w.index = be32toh(h->index);
	off = (uint64_t)w.index * s->block_size;
	/* The last block: the rest, padded to whole logical blocks. */
	want = w.index + 1 == s->nblocks ?
		       (s->length - off + c->block_size - 1) / c->block_size *
			       c->block_size :
		       s->block_size;
	if (be16toh(h->flags) & ~EBPFDMA_WIRE2_F_ALL ||
	    w.index >= s->nblocks || w.len != want ||
	    w.len + EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN != n) {
		rx->refused++;
		return 0;
	}
	if (seqset_has(&s->durable, w.index)) {
		rx->dup++; /* durable already: the next ACK says so */
		s->dirty = true;
		return 0;
	}
	if (edma_wire2_open_split(buf, body, n - EBPFDMA_WIRE2_HDR_LEN, &w,
				  c->protect, s->keys.data)) {
		rx->auth_errors++;
		return 0;
	}
	out->s = s;
	out->seq = w.index;
	out->off = ((s->volume - 1) * c->blocks + s->lba) * c->block_size +
		   off;
	out->len = w.len;
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
			s->complete = s->durable.count == s->nblocks;
			send_ack(rx, s);
			continue;
		}
		if (s->complete)
			continue;
		if ((s->dirty && now - s->last_ack_ms >= ACK_EVERY_MS) ||
		    now - s->last_ack_ms >= REACK_MS)
			send_ack(rx, s);
	}
}

void rx_report(const struct rx *rx, const char *name, const char *extra)
{
	unsigned int i;

	printf("{\"receiver\":\"%s\",\"bytes\":%llu,\"blocks\":%llu,\"duplicates\":%llu,\"refused\":%llu,\"auth_errors\":%llu,\"acks\":%llu,\"latency_us_log2\":[",
	       name, (unsigned long long)rx->bytes,
	       (unsigned long long)rx->blocks, (unsigned long long)rx->dup,
	       (unsigned long long)rx->refused,
	       (unsigned long long)rx->auth_errors,
	       (unsigned long long)rx->acks);
	for (i = 0; i < RX_LAT_BUCKETS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)rx->lat[i]);
	printf("]%s%s}\n", extra && *extra ? "," : "", extra ? extra : "");
	fflush(stdout);
}

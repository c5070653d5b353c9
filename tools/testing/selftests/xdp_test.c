// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of the XDP receive path (guest, root, ebpfdma loaded):
 *
 *   xdp_test testrun DISK
 *	BPF_PROG_TEST_RUN of bpf/ebpfdma_rx.bpf.c: sealed DATA of sessions
 *	("aead", "mac", "crc") over IPv4, IPv6 and VLAN lands on DISK (read
 *	back and compared); the packet cut at every byte offset; each bad
 *	header field; other traffic passes untouched.
 *	Every case checks the exact verdict, the program's counters (one
 *	moves, by one) and the module's rx/ counters.
 *   xdp_test attach IFACE PORT PEER...	attach in native mode
 *   xdp_test detach IFACE
 *   xdp_test counters			the attached program's counters
 *   xdp_test stream NETNS DST PORT DISK VOLUME START BLOCKS DATA PAYLOAD
 *		     STREAMS paced|burst
 *	Sink and sender: this process adds VOLUME (window [START, +BLOCKS)
 *	of DISK, 512-byte blocks) and an "aead" session of the file DATA in
 *	PAYLOAD-byte blocks, and reads its completions; a child in network
 *	namespace NETNS seals and sends the blocks to DST:PORT from STREAMS
 *	threads on different CPUs, and retransmits what did not complete.
 *	"burst" first sends everything at once, then checks that every
 *	block on disk is either the right data or untouched.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "tools/lib/ebpfdma.h"
#include "tools/lib/rx.h"
#include "tools/testing/selftests/tap.h"
#include "tools/testing/selftests/pkt.h"
#include "tools/testing/selftests/xdprun.h"
#include "tools/testing/selftests/sess.h"

#define PORT 7788
#define BLOCK 512U

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void fill_random(void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = getrandom((char *)p + got, n - got, 0);
		if (r < 0)
			die("getrandom");
		got += r;
	}
}

/* ---- the BPF_PROG_TEST_RUN suite -------------------------------------- */

static struct edma E;
static struct prog A, B; /* A: drop policies; B: pass policies */
static int diskfd;
#define VOL 7U
#define VOL_BLOCKS 2048U /* a 1 MiB window */

/*
 * The sessions of the suite, each over blocks of the window of its own:
 * S: "aead", 1 KiB blocks over [0, 256 KiB); T: "crc", one 512-byte
 * block at 300 KiB; F: "mac", 4 KiB blocks (their bodies in XDP
 * fragments) over [512 KiB, 1 MiB), the window's end.
 */
static struct sess S, T, F;

/* A DATA frame of block @index of @s with @body. */
static size_t data_pkt(uint8_t *pkt, const struct pkt *src, struct sess *s,
		       uint32_t index, const void *body, size_t *udp_off)
{
	return sess_frame(pkt, s, index, body, sess_len(s, index), 0, src,
			  udp_off);
}

static const struct pkt V4 = { 0, 0, "10.0.0.1", PORT, IPPROTO_UDP, 0 };
static const struct pkt V6 = { 1, 0, "fd00::1", PORT, IPPROTO_UDP, 0 };
static const struct pkt V4VLAN = { 0, 1, "10.0.0.1", PORT, IPPROTO_UDP, 0 };
static const struct pkt V6VLAN = { 1, 1, "fd00::1", PORT, IPPROTO_UDP, 0 };

struct placed {
	const struct sess *s;
	uint64_t lba;
	uint32_t len;
	uint8_t body[4096];
};

static struct placed placed[16];
static unsigned int nr_placed;

/* Block @index of @s with a random body, @flags: placed, and recorded. */
static void valid(const char *desc, const struct pkt *src, struct sess *s,
		  uint32_t index, uint16_t flags)
{
	struct placed *pl = &placed[nr_placed];
	uint8_t pkt[16384];
	size_t n, uo;

	pl->s = s;
	pl->len = sess_len(s, index);
	pl->lba = sess_lba(s, index);
	fill_random(pl->body, pl->len);
	n = sess_frame(pkt, s, index, pl->body, pl->len, flags, src, &uo);
	if (expect(&A, desc, pkt, n, XDP_DROP, CTR(placed), NOCTR, pl->len,
		   "placed", 0))
		nr_placed++;
}

struct reaped {
	struct ebpfdma_cqe c[64];
	unsigned int n;
};

static void reap_one(const struct ebpfdma_cqe *c, void *arg)
{
	struct reaped *r = arg;

	if (r->n < 64)
		r->c[r->n++] = *c;
}

/* Collect @want completions, waiting up to 10 s. */
static unsigned int reap(struct reaped *r, unsigned int want)
{
	uint64_t end = now_ms() + 10000;

	r->n = 0;
	while (r->n < want && now_ms() < end) {
		edma_wait(&E, 100);
		edma_reap(&E, reap_one, r);
	}
	return r->n;
}

static void check_placed(void)
{
	unsigned int i, j, bad = 0, ok_disk = 0;
	static uint8_t buf[4096] __attribute__((aligned(4096)));
	struct reaped r;
	char path[64];
	int rfd;

	reap(&r, nr_placed);
	tap_ok(r.n == nr_placed,
	       "testrun: every placed block completed (%u of %u)", r.n,
	       nr_placed);
	for (i = 0; i < r.n; i++) {
		const struct ebpfdma_cqe *c = &r.c[i];

		for (j = 0; j < nr_placed; j++)
			if (c->cookie == placed[j].s->id &&
			    c->lba == placed[j].lba)
				break;
		if (j == nr_placed || c->status ||
		    c->flags != (EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION) ||
		    c->volume != VOL || c->len != placed[j].len) {
			printf("# completion cookie %#lx status %d flags %#x volume %u lba %lu len %u\n",
			       (unsigned long)c->cookie, c->status, c->flags,
			       c->volume, (unsigned long)c->lba, c->len);
			bad++;
		}
	}
	tap_ok(!bad, "testrun: each completion is EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION, status 0, cookie its session's id, its lba and length");

	snprintf(path, sizeof(path), "/proc/self/fd/%d", diskfd);
	rfd = open(path, O_RDONLY | O_DIRECT);
	if (rfd < 0)
		die("open disk O_DIRECT");
	for (i = 0; i < nr_placed; i++) {
		if (pread(rfd, buf, placed[i].len, placed[i].lba * BLOCK) ==
			    placed[i].len &&
		    !memcmp(buf, placed[i].body, placed[i].len))
			ok_disk++;
		else
			printf("# block run at lba %lu differs on disk\n",
			       (unsigned long)placed[i].lba);
	}
	close(rfd);
	tap_ok(ok_disk == nr_placed,
	       "testrun: the disk holds each placed body, decrypted (read back with O_DIRECT: %u of %u)",
	       ok_disk, nr_placed);
}

/* Cut @pkt at every offset from 14 (an Ethernet header) on. */
static void cut_everywhere(const char *desc, const uint8_t *pkt, size_t len,
			   size_t udp_off)
{
	size_t cut, bad = 0;
	uint64_t mb[NR_RX_STATS];
	const char *moved;
	uint32_t verdict;
	size_t ctr;

	rx_read(mb);
	for (cut = 14; cut < len; cut++) {
		if (cut < udp_off) { /* IP header incomplete */
			verdict = XDP_PASS;
			ctr = CTR(pass_not_ip);
		} else if (cut < udp_off + 8) { /* UDP header incomplete */
			verdict = XDP_PASS;
			ctr = CTR(pass_not_udp);
		} else { /* ours, but shorter than its UDP length */
			verdict = XDP_DROP;
			ctr = CTR(drop_truncated);
		}
		bad += !expect(&A, desc, pkt, cut, verdict, ctr, NOCTR, 0,
			       NULL, 1);
	}
	moved = rx_moved(mb, NULL, 0);
	tap_ok(!bad && !*moved, "%s: cut at each of the %zu offsets 14..%zu: the verdict and counter of its layer every time, the kfunc never called (%zu wrong) %s",
	       desc, len - 14, len - 1, bad, moved);
}

/* Consistent short datagrams: IP and UDP lengths say 0..47 bytes. */
static void short_datagrams(void)
{
	uint8_t dgram[2048], pkt[4096], body[1024] = { 0 };
	const size_t min = EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
	size_t n, uo, plen, bad = 0;
	uint64_t mb[NR_RX_STATS];
	const char *moved;

	rx_read(mb);
	sess_seal(dgram, &S, 9, body, sizeof(body), 0);
	for (plen = 0; plen < min; plen++) {
		n = build(pkt, &V4, dgram, plen, &uo);
		bad += !expect(&A, "short", pkt, n, XDP_DROP,
			       CTR(err_malformed), NOCTR, 0, "malformed", 1);
	}
	moved = rx_moved(mb, "malformed", min);
	tap_ok(!bad && !*moved, "testrun: DATA datagrams of 0..%zu bytes (shorter than header and trailer) are malformed: dropped, counted by the program and the module (%zu wrong) %s",
	       min - 1, bad, moved);
}

/*
 * A DATA of block @index of @s (1 KiB of body, sealed) changed by @mutate
 * after sealing: its verdict and counters.
 */
static void bad_field(const char *desc, struct sess *s, uint32_t index,
		      void (*mutate)(struct ebpfdma_wire2_hdr *),
		      uint32_t verdict, size_t c1, const char *mod)
{
	uint8_t body[1024], dgram[2048], pkt[4096];
	size_t n, uo;

	fill_random(body, sizeof(body));
	n = sess_seal(dgram, s, index, body, sizeof(body), 0);
	mutate((struct ebpfdma_wire2_hdr *)dgram);
	n = build(pkt, &V4, dgram, n, &uo);
	expect(&A, desc, pkt, n, verdict, c1, NOCTR, 0, mod, 0);
}

#define MUTATOR(name, stmt) \
	static void name(struct ebpfdma_wire2_hdr *h) { stmt; }
MUTATOR(m_magic, h->magic ^= htonl(1))
MUTATOR(m_version0, h->version = 0)
MUTATOR(m_version1, h->version = 1)
MUTATOR(m_version3, h->version = EBPFDMA_WIRE2_VERSION + 1)
MUTATOR(m_hello, h->type = EBPFDMA_WIRE2_HELLO)
MUTATOR(m_commit, h->type = EBPFDMA_WIRE2_COMMIT)
MUTATOR(m_ack, h->type = EBPFDMA_WIRE2_ACK)
MUTATOR(m_type0, h->type = 0)
MUTATOR(m_type255, h->type = 255)
MUTATOR(m_flag1, h->flags = htons(1U << 1))
MUTATOR(m_flag15, h->flags = htons(1U << 15))
MUTATOR(m_session0, h->session = 0)
MUTATOR(m_len0, h->len = 0)
MUTATOR(m_len_minus1, h->len = htonl(1023))
MUTATOR(m_len_plus1, h->len = htonl(1025))
MUTATOR(m_counter, h->counter ^= htobe64(1))
MUTATOR(m_index_end, h->index = htonl(256))
MUTATOR(m_index_max, h->index = htonl(0xffffffffU))
MUTATOR(m_session_other, h->session ^= htobe64(1))
MUTATOR(m_none, (void)h)

/* Block @index of @s with a body of @len bytes (lengths consistent). */
static void body_len(const char *desc, struct sess *s, uint32_t index,
		     uint32_t len)
{
	static uint8_t body[8192], pkt[16384];
	size_t n, uo;

	n = sess_frame(pkt, s, index, body, len, 0, &V4, &uo);
	expect(&A, desc, pkt, n, XDP_DROP, CTR(err_malformed), NOCTR, 0,
	       "malformed", 0);
}

static void other_traffic(void)
{
	uint8_t body[1024] = { 0 }, pkt[4096];
	struct pkt s;
	size_t n, uo;

	s = V4;
	s.dport = PORT + 1;
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "UDP to another port passes untouched", pkt, n, XDP_PASS,
	       CTR(pass_other_port), NOCTR, 0, NULL, 0);
	s = V6;
	s.dport = 53;
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "IPv6 UDP to port 53 passes untouched", pkt, n, XDP_PASS,
	       CTR(pass_other_port), NOCTR, 0, NULL, 0);
	s = V4;
	s.proto = IPPROTO_TCP;
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "TCP passes untouched", pkt, n, XDP_PASS, CTR(pass_not_udp),
	       NOCTR, 0, NULL, 0);
	s.proto = IPPROTO_ICMP;
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "ICMP passes untouched", pkt, n, XDP_PASS, CTR(pass_not_udp),
	       NOCTR, 0, NULL, 0);
	s = V6;
	s.proto = 0; /* a hop-by-hop options header */
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "IPv6 with an extension header passes untouched", pkt, n,
	       XDP_PASS, CTR(pass_not_udp), NOCTR, 0, NULL, 0);

	n = data_pkt(pkt, &V4, &S, 10, body, &uo);
	pkt[12] = 0x08;
	pkt[13] = 0x06; /* ARP */
	expect(&A, "ARP passes untouched", pkt, n, XDP_PASS, CTR(pass_not_ip),
	       NOCTR, 0, NULL, 0);

	n = data_pkt(pkt, &V4, &S, 10, body, &uo);
	pkt[14] = 0x44; /* IHL 4 */
	expect(&A, "IPv4 with IHL 4 passes untouched", pkt, n, XDP_PASS,
	       CTR(pass_not_ip), NOCTR, 0, NULL, 0);

	n = data_pkt(pkt, &V4, &S, 10, body, &uo);
	pkt[20] = 0x20; /* MF */
	pkt[21] = 0;
	expect(&A, "an IPv4 first fragment (MF) passes untouched", pkt, n,
	       XDP_PASS, CTR(pass_fragment), NOCTR, 0, NULL, 0);
	pkt[20] = 0;
	pkt[21] = 0x10; /* offset 128 */
	expect(&A, "an IPv4 later fragment passes untouched", pkt, n, XDP_PASS,
	       CTR(pass_fragment), NOCTR, 0, NULL, 0);

	s = V4;
	s.src = "10.0.0.9";
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "DATA from a peer outside the allow-list is dropped", pkt, n,
	       XDP_DROP, CTR(drop_peer), NOCTR, 0, NULL, 0);
	s = V6;
	s.src = "fd00::9";
	n = data_pkt(pkt, &s, &S, 10, body, &uo);
	expect(&A, "IPv6 DATA from a peer outside the allow-list is dropped",
	       pkt, n, XDP_DROP, CTR(drop_peer), NOCTR, 0, NULL, 0);

	n = data_pkt(pkt, &V4, &S, 10, body, &uo);
	pkt[uo + 4] = 0;
	pkt[uo + 5] = 7; /* UDP length 7 */
	expect(&A, "UDP length 7 is dropped as truncated", pkt, n, XDP_DROP,
	       CTR(drop_truncated), NOCTR, 0, NULL, 0);
	n = data_pkt(pkt, &V4, &S, 10, body, &uo);
	pkt[uo + 5]++; /* one more than the IP payload */
	expect(&A, "UDP length beyond the IP payload is dropped as truncated",
	       pkt, n, XDP_DROP, CTR(drop_truncated), NOCTR, 0, NULL, 0);
}

/* The same DATA of block @index of @s through A (drop) and B (pass). */
static void both(const char *desc, struct sess *s, uint32_t index,
		 void (*mutate)(struct ebpfdma_wire2_hdr *), size_t err,
		 const char *mod, size_t pass_ctr)
{
	uint8_t body[1024] = { 0 }, dgram[2048], pkt[4096];
	char d[160];
	size_t n, uo;

	n = sess_seal(dgram, s, index, body, sess_len(s, index), 0);
	mutate((struct ebpfdma_wire2_hdr *)dgram);
	n = build(pkt, &V4, dgram, n, &uo);
	snprintf(d, sizeof(d), "%s: dropped", desc);
	expect(&A, d, pkt, n, XDP_DROP, err, NOCTR, 0, mod, 0);
	snprintf(d, sizeof(d), "%s: passed to the stack untouched", desc);
	expect(&B, d, pkt, n, XDP_PASS, err, pass_ctr, 0, mod, 0);
}

static int cmd_testrun(const char *disk)
{
	static uint32_t held[1U << 16];
	struct ebpfdma_volume_add va = { .id = VOL, .blocks = VOL_BLOCKS };
	uint8_t body[1024], pkt[4096];
	unsigned int nheld = 0;
	size_t n, uo;
	int r;

	tap_begin();
	if (edma_wire2_init())
		die("libsodium");
	if (edma_open(&E, O_RDWR))
		die("open /dev/ebpfdma");
	tap_ok((E.info.features & EBPFDMA_F_NET) &&
		       (E.info.features & EBPFDMA_F_SESSIONS),
	       "GET_INFO reports EBPFDMA_F_NET and EBPFDMA_F_SESSIONS");
	diskfd = open(disk, O_RDWR | O_EXCL);
	if (diskfd < 0)
		die(disk);
	va.fd = diskfd;
	if (!tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &va),
		    "volume %u: 1 MiB of %s", VOL, disk))
		return tap_done();
	if (!tap_ok(!sess_add(&E, VOL, &S, EBPFDMA_PROTECT_AEAD, 1024,
			      256 * 1024, 0, 0) &&
			    !sess_add(&E, VOL, &T, EBPFDMA_PROTECT_CRC, 512, 512,
				      600, 0) &&
			    !sess_add(&E, VOL, &F, EBPFDMA_PROTECT_MAC, 4096,
				      512 * 1024, 1024, 0),
		    "SESSION_ADD: aead of 1 KiB blocks, crc of one 512-byte block, mac of 4 KiB blocks"))
		return tap_done();

	xr_load(&A, "drop policies", PORT, EBPFDMA_RX_FULL_DROP, 0);
	xr_load(&B, "pass policies", PORT, EBPFDMA_RX_FULL_PASS, 1);

	valid("DATA over IPv4, 1 KiB, is decrypted and placed", &V4, &S, 0, 0);
	valid("DATA over IPv6, 1 KiB, is decrypted and placed", &V6, &S, 1, 0);
	valid("DATA over VLAN + IPv4 is decrypted and placed", &V4VLAN, &S, 2, 0);
	valid("DATA over VLAN + IPv6 is decrypted and placed", &V6VLAN, &S, 3, 0);
	valid("DATA of 4 KiB (body in XDP fragments), mac, is placed", &V4, &F,
	      0, 0);
	valid("DATA of 4 KiB over IPv6 with FUA is placed", &V6, &F, 1,
	      EBPFDMA_WIRE2_F_FUA);
	valid("DATA ending at the window's last block is placed", &V4, &F,
	      sess_blocks(&F) - 1, 0);
	valid("DATA of one 512-byte block, crc, is placed", &V6VLAN, &T, 0, 0);
	check_placed();

	fill_random(body, sizeof(body));
	n = data_pkt(pkt, &V4, &S, 8, body, &uo);
	cut_everywhere("IPv4 DATA", pkt, n, uo);
	n = data_pkt(pkt, &V6, &S, 8, body, &uo);
	cut_everywhere("IPv6 DATA", pkt, n, uo);
	n = data_pkt(pkt, &V4VLAN, &S, 8, body, &uo);
	cut_everywhere("VLAN IPv4 DATA", pkt, n, uo);
	short_datagrams();

	bad_field("bad magic: malformed", &S, 20, m_magic, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("version 0: malformed", &S, 20, m_version0, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("version 1 (gone): malformed", &S, 20, m_version1, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("version 3: malformed", &S, 20, m_version3, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("HELLO goes to the stack", &S, 20, m_hello, XDP_PASS, CTR(pass_control), NULL);
	bad_field("COMMIT goes to the stack", &S, 20, m_commit, XDP_PASS, CTR(pass_control), NULL);
	bad_field("ACK goes to the stack", &S, 20, m_ack, XDP_PASS, CTR(pass_control), NULL);
	bad_field("type 0 goes to the stack", &S, 20, m_type0, XDP_PASS, CTR(pass_control), NULL);
	bad_field("type 255 goes to the stack", &S, 20, m_type255, XDP_PASS, CTR(pass_control), NULL);
	bad_field("unknown flag bit 1: malformed", &S, 20, m_flag1, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("unknown flag bit 15: malformed", &S, 20, m_flag15, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("session 0: malformed", &S, 20, m_session0, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("length 0: malformed", &S, 20, m_len0, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("length one short of the body: malformed", &S, 20, m_len_minus1, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("length one past the body: malformed", &S, 20, m_len_plus1, XDP_DROP, CTR(err_malformed), "malformed");
	bad_field("a changed counter: refused by its tag", &S, 20, m_counter, XDP_DROP, CTR(err_auth), "auth");
	bad_field("4 KiB session, a 1 KiB block: malformed", &F, 5, m_none, XDP_DROP, CTR(err_malformed), "malformed");
	body_len("a body of 1536 bytes for a 1 KiB block: malformed", &S, 20, 1536);
	body_len("a body of 512 bytes for a 1 KiB block: malformed", &S, 20, 512);
	body_len("a body of 8 KiB for a 4 KiB block: malformed", &F, 5, 8192);
	both("index at the transfer's end", &S, 20, m_index_end, CTR(err_range), "range", CTR(pass_refused));
	both("index 2^32-1", &S, 20, m_index_max, CTR(err_range), "range", CTR(pass_refused));
	both("a session nobody added", &S, 20, m_session_other, CTR(err_no_session), "no_session", CTR(pass_refused));
	other_traffic();

	/* Hold every free slot: the pool is full. */
	while ((r = edma_alloc(&E, held + nheld, 256)) > 0)
		nheld += r;
	tap_ok(nheld > 0 && errno == ENOBUFS,
	       "every free slot is held (%u): the pool is full", nheld);
	both("DATA when the pool is full", &S, 30, m_none, CTR(err_full), "pool_full",
	     CTR(pass_full));
	while (nheld) {
		uint32_t k = nheld > 256 ? 256 : nheld;

		nheld -= k;
		edma_free(&E, held + nheld, k);
	}
	nr_placed = 0;
	valid("DATA refused for a full pool is placed once slots are free",
	      &V4, &S, 30, 0);
	valid("... and a 4 KiB one over IPv6", &V6, &F, 2, 0);
	{
		struct reaped rr;

		tap_ok(reap(&rr, 2) == 2 && !rr.c[0].status && !rr.c[1].status,
		       "both completed");
	}
	tap_ok(!sess_del(&E, S.id) && !sess_del(&E, T.id) &&
		       !sess_del(&E, F.id),
	       "SESSION_DEL of the three");
	both("DATA of a deleted session", &S, 40, m_none, CTR(err_no_session),
	     "no_session", CTR(pass_refused));

	/*
	 * A session outlives its volume but writes nothing after it: deleted,
	 * or deleted and added again (another volume of the same id).
	 */
	va.id = VOL + 1;
	va.start = VOL_BLOCKS;
	if (tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &va) &&
			   !sess_add(&E, VOL + 1, &S, EBPFDMA_PROTECT_AEAD,
				     1024, 64 * 1024, 0, 0),
		   "volume %u after it, and an aead session of it", VOL + 1)) {
		valid("DATA of the second volume's session is placed", &V4, &S,
		      0, 0);
		tap_ok(reap(&(struct reaped){ 0 }, 1) == 1, "... and completed");
		tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_DEL,
			      &(struct ebpfdma_volume_del){ .id = VOL + 1 }),
		       "VOLUME_DEL of volume %u, its session kept", VOL + 1);
		both("DATA of a session whose volume was deleted", &S, 1,
		     m_none, CTR(err_no_volume), "no_volume", CTR(pass_refused));
		tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &va),
		       "VOLUME_ADD of volume %u again", VOL + 1);
		both("... and after a volume of the same id was added again", &S,
		     2, m_none, CTR(err_no_volume), "no_volume",
		     CTR(pass_refused));
		tap_ok(!sess_del(&E, S.id) &&
			       !ioctl(E.fd, EBPFDMA_IOC_VOLUME_DEL,
				      &(struct ebpfdma_volume_del){
					      .id = VOL + 1 }),
		       "SESSION_DEL and VOLUME_DEL");
	}

	edma_rx_destroy(A.skel);
	edma_rx_destroy(B.skel);
	tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_DEL,
		      &(struct ebpfdma_volume_del){ .id = VOL }),
	       "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

/* ---- attach / detach / counters ---------------------------------------- */

static int cmd_attach(int argc, char **argv)
{
	struct edma_rx_config cfg = { .full_policy = EBPFDMA_RX_FULL_DROP };
	struct ebpfdma_rx *skel;
	int i, ret;

	cfg.port = atoi(argv[1]);
	ret = edma_rx_load(&cfg, &skel);
	if (ret) {
		fprintf(stderr, "load: %s\n", strerror(-ret));
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (edma_rx_peer_add(edma_rx_peers_fd(skel), argv[i])) {
			fprintf(stderr, "bad peer %s\n", argv[i]);
			return 1;
		}
	ret = edma_rx_attach(skel, argv[0], 0);
	if (ret) {
		fprintf(stderr, "attach to %s: %s\n", argv[0], strerror(-ret));
		return 1;
	}
	/* The attachment (netlink) outlives this process. */
	edma_rx_destroy(skel);
	return 0;
}

static int cmd_counters(void)
{
	struct ebpfdma_rx_counters sum, cpu[64];
	int fd = edma_rx_map_by_name("edma_counters"), n, i;
	unsigned int f;

	if (fd < 0) {
		fprintf(stderr, "no attached ebpfdma_rx program\n");
		return 1;
	}
	n = edma_rx_counters_read(fd, &sum, cpu, 64);
	if (n < 0)
		return 1;
	for (f = 0; f < edma_rx_nr_fields; f++)
		printf("%s %lu\n", edma_rx_fields[f].name,
		       edma_rx_field(&sum, edma_rx_fields[f].off));
	for (i = 0; i < n && i < 64; i++)
		printf("cpu%d_placed %lu\n", i, (unsigned long)cpu[i].placed);
	return 0;
}

/* ---- stream: sink + sender -------------------------------------------- */

#define MAX_STREAMS 8

struct shared {
	uint32_t done_count; /* blocks completed, written by the sink */
	uint32_t done_t[MAX_STREAMS]; /* of them, each stream's */
	uint32_t phase; /* burst: 1 = sender quiet, 2 = disk checked */
	uint32_t bad; /* completions that were not right */
	uint32_t dup; /* blocks completed twice */
	uint32_t corrupt; /* burst: blocks on disk neither right nor zero */
	uint32_t untouched; /* burst: blocks on disk still zero */
	uint64_t sent, resent;
	uint8_t done[]; /* per block */
};

struct stream_args {
	struct shared *sh;
	const uint8_t *data;
	uint32_t nblocks, payload, streams, t, window;
	uint32_t volume;
	int burst;
	struct sockaddr_storage dst;
	socklen_t dstlen;
};

/* The stream's session; each stream's DATA counters start at (t + 1) << 40. */
static struct sess g_sess;
static uint64_t g_counter[MAX_STREAMS];

static uint32_t ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Wait until nothing completes for @quiet_ms, or everything has. */
static void wait_quiet(struct shared *sh, uint32_t n, unsigned int quiet_ms)
{
	uint32_t last = ld(&sh->done_count);
	uint64_t t = now_ms();

	while (ld(&sh->done_count) < n && now_ms() - t < quiet_ms) {
		usleep(10000);
		if (ld(&sh->done_count) != last) {
			last = ld(&sh->done_count);
			t = now_ms();
		}
	}
}

/* One pass over this stream's blocks that are not done yet. */
static void send_pass(struct stream_args *a, int sock, int paced)
{
	const size_t unit = EBPFDMA_WIRE2_HDR_LEN + a->payload +
			    EBPFDMA_WIRE2_TRAILER_LEN;
	struct mmsghdr msg[32];
	struct iovec iov[32];
	uint32_t i, nb = 0, base = ld(&a->sh->done_t[a->t]);
	int64_t sent_here = 0;
	uint64_t stall = 0;
	struct sess s = g_sess;
	uint8_t *buf = malloc(32 * unit);
	int r, k;

	if (!buf)
		die("malloc");
	/* Sequential rounds of one stream share its counters: none repeats. */
	s.counter = g_counter[a->t];
	memset(msg, 0, sizeof(msg));
	for (i = a->t; i < a->nblocks || nb; i += a->streams) {
		if (i < a->nblocks) {
			const uint8_t *body = a->data + (uint64_t)i * a->payload;

			if (a->sh->done[i])
				continue;
			iov[nb] = (struct iovec){
				buf + nb * unit,
				sess_seal(buf + nb * unit, &s, i, body,
					  a->payload, 0),
			};
			msg[nb].msg_hdr.msg_iov = &iov[nb];
			msg[nb].msg_hdr.msg_iovlen = 1;
			nb++;
			if (nb < 32 && i + a->streams < a->nblocks)
				continue;
		}
		/* Paced: at most window blocks of this stream outstanding. */
		while (paced && sent_here - (ld(&a->sh->done_t[a->t]) - base) >
					(int64_t)a->window) {
			if (!stall)
				stall = now_ms();
			if (now_ms() - stall > 300)
				break; /* the rest was lost: move on */
			usleep(200);
		}
		stall = 0;
		for (k = 0; k < (int)nb;) {
			r = sendmmsg(sock, msg + k, nb - k, 0);
			if (r < 0) {
				usleep(200);
				continue;
			}
			k += r;
		}
		__atomic_add_fetch(&a->sh->sent, nb, __ATOMIC_RELAXED);
		sent_here += nb;
		nb = 0;
		if (i >= a->nblocks)
			break;
	}
	g_counter[a->t] = s.counter;
	free(buf);
}

static void *sender(void *p)
{
	struct stream_args *a = p;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	int sock;

	CPU_ZERO(&set);
	CPU_SET(a->t % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	sock = socket(a->dst.ss_family, SOCK_DGRAM, 0);
	if (sock < 0 || connect(sock, (void *)&a->dst, a->dstlen))
		die("sender socket");
	send_pass(a, sock, !a->burst);
	close(sock);
	return NULL;
}

static int run_senders(struct stream_args *tmpl, int burst)
{
	struct stream_args a[MAX_STREAMS];
	pthread_t th[MAX_STREAMS];
	uint32_t t;

	for (t = 0; t < tmpl->streams; t++) {
		a[t] = *tmpl;
		a[t].t = t;
		a[t].burst = burst;
		pthread_create(&th[t], NULL, sender, &a[t]);
	}
	for (t = 0; t < tmpl->streams; t++)
		pthread_join(th[t], NULL);
	return 0;
}

static int child_send(struct stream_args *a, const char *netns)
{
	char path[128];
	uint32_t before;
	int fd, round;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	close(fd);
	if (a->burst) {
		run_senders(a, 1);
		wait_quiet(a->sh, a->nblocks, 1000);
		__atomic_store_n(&a->sh->phase, 1, __ATOMIC_RELEASE);
		while (ld(&a->sh->phase) != 2)
			usleep(10000);
	} else {
		run_senders(a, 0);
		wait_quiet(a->sh, a->nblocks, 1000);
	}
	/* Retransmit what did not complete, until everything has. */
	for (round = 0; round < 200 && ld(&a->sh->done_count) < a->nblocks;
	     round++) {
		before = ld(&a->sh->done_count);
		a->sh->resent += a->nblocks - before;
		run_senders(a, 0);
		wait_quiet(a->sh, a->nblocks, 500);
	}
	return ld(&a->sh->done_count) == a->nblocks ? 0 : 1;
}

/* Burst phase 1: each block on disk is the data (completed) or zero. */
static void check_disk(struct shared *sh, int diskfd_, uint64_t base,
		       const uint8_t *data, uint32_t n, uint32_t payload)
{
	static uint8_t zero[65536];
	uint8_t *buf;
	char path[64];
	uint32_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", diskfd_);
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&buf, 4096, payload))
		die("check_disk");
	for (i = 0; i < n; i++) {
		if (pread(fd, buf, payload, base + (uint64_t)i * payload) !=
		    payload)
			die("pread");
		if (sh->done[i]) {
			if (memcmp(buf, data + (uint64_t)i * payload, payload))
				sh->corrupt++;
		} else if (memcmp(buf, zero, payload)) {
			sh->corrupt++;
		} else {
			sh->untouched++;
		}
	}
	free(buf);
	close(fd);
}

static struct shared *g_sh;
static uint32_t g_n, g_payload, g_streams;

static void on_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	uint64_t seq = c->lba / (g_payload / BLOCK);

	(void)arg;
	if (c->status || c->flags != (EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION) ||
	    c->cookie != g_sess.id || seq >= g_n ||
	    c->lba != seq * (g_payload / BLOCK) || c->len != g_payload) {
		if (g_sh->bad++ < 5)
			printf("# bad completion: cookie %#lx status %d flags %#x lba %lu len %u\n",
			       (unsigned long)c->cookie, c->status, c->flags,
			       (unsigned long)c->lba, c->len);
		return;
	}
	if (g_sh->done[seq]) {
		g_sh->dup++;
		return;
	}
	g_sh->done[seq] = 1;
	__atomic_add_fetch(&g_sh->done_t[seq % g_streams], 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&g_sh->done_count, 1, __ATOMIC_RELEASE);
}

static int cmd_stream(char **argv)
{
	const char *netns = argv[0], *dst = argv[1], *disk = argv[3];
	uint32_t port = atoi(argv[2]), volume = atoi(argv[4]);
	uint64_t start = strtoull(argv[5], NULL, 0);
	uint64_t blocks = strtoull(argv[6], NULL, 0);
	const char *datafile = argv[7];
	int burst = !strcmp(argv[10], "burst");
	struct stream_args a = { 0 };
	struct ebpfdma_volume_add va = {
		.id = volume, .start = start, .blocks = blocks,
	};
	struct sockaddr_in *sin = (void *)&a.dst;
	struct sockaddr_in6 *sin6 = (void *)&a.dst;
	uint64_t t0, ms;
	struct stat st;
	uint8_t *data;
	pid_t pid;
	int fd, status, dfd;
	uint32_t t;

	tap_begin();
	g_payload = atoi(argv[8]);
	g_streams = atoi(argv[9]);
	if (!g_payload || g_payload % BLOCK || !g_streams ||
	    g_streams > MAX_STREAMS)
		die("payload / streams");
	fd = open(datafile, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(datafile);
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		die("mmap data");
	close(fd);
	g_n = st.st_size / g_payload;
	if ((uint64_t)g_n * g_payload != (uint64_t)st.st_size ||
	    (uint64_t)g_n * (g_payload / BLOCK) > blocks)
		die("the data does not fit the window in whole payloads");
	if (edma_wire2_init())
		die("libsodium");
	if (edma_open(&E, O_RDWR))
		die("/dev/ebpfdma");
	dfd = open(disk, O_RDWR | O_EXCL);
	if (dfd < 0)
		die(disk);
	va.fd = dfd;
	if (!tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_ADD, &va) &&
			    !sess_add(&E, volume, &g_sess, EBPFDMA_PROTECT_AEAD,
				      g_payload, (uint64_t)g_n * g_payload, 0,
				      0),
		    "stream: volume %u added, an aead session of %u blocks of %u bytes",
		    volume, g_n, g_payload))
		return tap_done();
	for (t = 0; t < MAX_STREAMS; t++)
		g_counter[t] = (uint64_t)(t + 1) << 40;

	g_sh = mmap(NULL, sizeof(*g_sh) + g_n, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_sh == MAP_FAILED)
		die("mmap shared");
	a.sh = g_sh;
	a.data = data;
	a.nblocks = g_n;
	a.payload = g_payload;
	a.streams = g_streams;
	a.volume = volume;
	a.burst = burst;
	/* Half the pool in flight, shared by the streams. */
	a.window = E.info.nr_slots / 2 / g_streams;
	if (inet_pton(AF_INET, dst, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		a.dstlen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, dst, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		a.dstlen = sizeof(*sin6);
	} else {
		die("destination address");
	}

	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(child_send(&a, netns));
	for (;;) {
		edma_wait(&E, 50);
		edma_reap(&E, on_cqe, NULL);
		if (ld(&g_sh->phase) == 1) {
			check_disk(g_sh, dfd, start * BLOCK, data, g_n,
				   g_payload);
			tap_ok(g_sh->done_count < g_n,
			       "burst: the pool overflowed: %u of %u blocks completed, %lu sent",
			       g_sh->done_count, g_n, (unsigned long)g_sh->sent);
			tap_ok(!g_sh->corrupt,
			       "burst: on disk, the %u completed blocks are the data and the other %u untouched (%u neither)",
			       g_sh->done_count, g_sh->untouched, g_sh->corrupt);
			__atomic_store_n(&g_sh->phase, 2, __ATOMIC_RELEASE);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	edma_reap(&E, on_cqe, NULL);
	ms = now_ms() - t0;
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
	       "stream: the sender finished with every block completed");
	tap_ok(g_sh->done_count == g_n,
	       "stream: %u of %u blocks (%u bytes each) completed; %lu sent, %lu retransmitted, %u duplicates; %.1f MiB/s",
	       g_sh->done_count, g_n, g_payload, (unsigned long)g_sh->sent,
	       (unsigned long)g_sh->resent, g_sh->dup,
	       ms ? (double)g_n * g_payload / 1048576 / ms * 1000 : 0);
	tap_ok(!g_sh->bad,
	       "stream: every completion was a successful NET completion of this session at its block");
	tap_ok(!g_sh->dup,
	       "stream: no block was written twice (%u were), retransmissions included",
	       g_sh->dup);
	tap_ok(!ioctl(E.fd, EBPFDMA_IOC_VOLUME_DEL,
		      &(struct ebpfdma_volume_del){ .id = volume }),
	       "stream: VOLUME_DEL");
	close(dfd);
	edma_close(&E);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "testrun"))
		return cmd_testrun(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "attach"))
		return cmd_attach(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "detach"))
		return edma_rx_detach(argv[2], 0) ? 1 : 0;
	if (argc == 2 && !strcmp(argv[1], "counters"))
		return cmd_counters();
	if (argc == 13 && !strcmp(argv[1], "stream"))
		return cmd_stream(argv + 2);
	fprintf(stderr,
		"usage: %s testrun DISK | attach IFACE PORT PEER... | detach IFACE | counters |\n"
		"       stream NETNS DST PORT DISK VOLUME START BLOCKS DATA PAYLOAD STREAMS paced|burst\n",
		argv[0]);
	return 2;
}

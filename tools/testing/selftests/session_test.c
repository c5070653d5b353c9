// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of wire version 2 sessions in the module (guest, root, ebpfdma
 * loaded):
 *
 *   session_test testrun DISK IMAGE
 *	Sessions installed with SESSION_ADD; DATA sealed by libsodium
 *	(tools/lib/wire2.c) run through the XDP program with
 *	BPF_PROG_TEST_RUN, and blocks given by SESSION_SUBMIT, into a 1 MiB
 *	window at 1 MiB of DISK.  Each case checks the exact verdict, the
 *	program's counters and the module's rx/ counters: placed once
 *	(ChaCha20-Poly1305 straight from the packet and in place from XDP
 *	fragments, keyed BLAKE2b, CRC32C); every bit flip, a wrong key, a
 *	changed body or header, an unknown, deleted, expired or closed
 *	session, duplicates and replays refused; replaying a finished
 *	transfer after a later one to the same blocks changes nothing; a
 *	session that asked for EBPFDMA_SESSION_F_RUNS has runs of blocks
 *	completed by one entry each, others one entry a block.  The
 *	window is read back and compared; IMAGE receives what it must hold,
 *	for the host to compare with the disk image.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "tools/lib/ebpfdma.h"
#include "tools/lib/rx.h"
#include "tools/lib/wire2.h"
#include "tools/testing/selftests/tap.h"
#include "tools/testing/selftests/pkt.h"
#include "tools/testing/selftests/sess.h"
#include "tools/testing/selftests/xdprun.h"

#define PORT 7788
#define BLOCK 512U
#define VOL 11U
#define WIN_START 2048U /* 1 MiB into the disk */
#define WIN_BLOCKS 2048U /* a 1 MiB window */
#define WIN_BYTES (WIN_BLOCKS * BLOCK)
#define SUBMIT_MAX 64U /* the most writes one SUBMIT takes (max_batch) */

static const struct pkt V4 = { 0, 0, "10.0.0.1", PORT, IPPROTO_UDP, 0 };
static const struct pkt V6 = { 1, 0, "fd00::1", PORT, IPPROTO_UDP, 0 };

static struct edma E;
static struct prog A; /* drop policies */
/* What the window must hold: what was placed, zero elsewhere. */
static uint8_t img[WIN_BYTES];
static unsigned int nr_placed, nr_submitted;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void fill_random(void *p, size_t n)
{
	if (getrandom(p, n, 0) != (ssize_t)n)
		die("getrandom");
}

/* A frame of DATA block @index of @s, sealed; its length. */
static size_t frame(uint8_t *pkt, struct sess *s, uint32_t index,
		    const void *body, uint32_t len, const struct pkt *src)
{
	size_t uo;

	return sess_frame(pkt, s, index, body, len, 0, src, &uo);
}

/* The UDP payload's offset in a frame from pkt.h's IPv4 source. */
#define V4_PAYLOAD (14 + 20 + 8)

/*
 * Block @index of @s with a new random body, from @src: placed, and
 * recorded.  Of the module's counters only rx/placed may move, unless
 * @src marks CE: rx/ce moves too, and the caller checks the module's
 * counters (and has the program's checked quietly, without a TAP line).
 */
static void place_src(struct sess *s, uint32_t index, const struct pkt *src,
		      const char *desc)
{
	uint32_t len = sess_len(s, index);
	uint8_t body[8192], pkt[16384];
	size_t n;

	fill_random(body, len);
	n = frame(pkt, s, index, body, len, src);
	if (expect(&A, desc, pkt, n, XDP_DROP, CTR(placed), NOCTR, len,
		   "placed", src->ecn == 3)) {
		memcpy(img + (s->lba * BLOCK + (uint64_t)index * s->bs), body,
		       len);
		nr_placed++;
	}
}

/* Block @index of @s with a new random body: placed, and recorded. */
static void place(struct sess *s, uint32_t index, const struct pkt *src,
		  const char *desc)
{
	place_src(s, index, src, desc);
}

/* A refused frame: dropped, @err counted by the program, @mod by the module. */
static void refused(const char *desc, const uint8_t *pkt, size_t n, size_t err,
		    const char *mod)
{
	expect(&A, desc, pkt, n, XDP_DROP, err, NOCTR, 0, mod, 0);
}

/*
 * Flip each bit of the datagram in @pkt (the UDP payload from @from on)
 * that @every selects, one at a time: none may be placed, by the program's
 * and the module's counters.
 */
static void flips(const char *desc, const uint8_t *pkt, size_t n,
		  unsigned int every)
{
	static uint8_t buf[16384], out[16384];
	struct ebpfdma_rx_counters before, after;
	uint64_t mb[NR_RX_STATS], ma[NR_RX_STATS];
	unsigned int bit, runs = 0, errors = 0;
	size_t dlen = n - V4_PAYLOAD;

	edma_rx_counters_read(A.counters, &before, NULL, 0);
	rx_read(mb);
	for (bit = 0; bit < dlen * 8; bit++) {
		/* Every bit of the header and trailer; @every-th of the body. */
		bool edge = bit < EBPFDMA_WIRE2_HDR_LEN * 8 ||
			    bit >= (dlen - EBPFDMA_WIRE2_TRAILER_LEN) * 8;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
			    .data_size_in = n, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		if (!edge && bit % every)
			continue;
		memcpy(buf, pkt, n);
		buf[V4_PAYLOAD + bit / 8] ^= 1 << (bit % 8);
		if (bpf_prog_test_run_opts(A.fd, &o))
			errors++;
		runs++;
	}
	edma_rx_counters_read(A.counters, &after, NULL, 0);
	rx_read(ma);
	tap_ok(!errors && after.placed == before.placed &&
		       after.packets - before.packets == runs &&
		       ma[rx_stat("placed")] == mb[rx_stat("placed")],
	       "%s: none of %u datagrams with one bit flipped is placed (%lu placed, %u runs failed)",
	       desc, runs, (unsigned long)(after.placed - before.placed),
	       errors);
}

static void session_add_errors(void)
{
	struct ebpfdma_session_add a = {
		.volume = VOL, .block_size = 4096, .length = 4096,
		.key = { 1 },
	};
	struct sess s;

	fill_random(&a.id, sizeof(a.id));
	a.reserved[2] = 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with a reserved field set: EINVAL");
	a.reserved[2] = 0;
	a.pad = 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with its padding set: EINVAL");
	a.pad = 0;
	a.flags = EBPFDMA_SESSION_F_ALL + 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with an unknown flag: EINVAL");
	a.flags = 0;
	a.id = 0;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD of id 0: EINVAL");
	fill_random(&a.id, sizeof(a.id));
	a.protect = EBPFDMA_PROTECT_MAX + 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with an unknown protection: EINVAL");
	a.protect = EBPFDMA_PROTECT_CRC;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD of protection crc with a key: EINVAL");
	a.protect = EBPFDMA_PROTECT_AEAD;
	memset(a.key, 0, sizeof(a.key));
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD of protection aead without a key: EINVAL");
	a.key[31] = 1;
	a.volume = VOL + 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), ENODEV,
		  "SESSION_ADD for a volume that does not exist: ENODEV");
	a.volume = VOL;
	a.block_size = 1000;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with a block size of no whole logical blocks: EINVAL");
	a.block_size = E.info.slot_size + BLOCK;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD with a block size larger than a slot: EINVAL");
	a.block_size = 4096;
	a.length = 0;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EINVAL,
		  "SESSION_ADD of an empty transfer: EINVAL");
	a.length = WIN_BYTES + 1;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), ERANGE,
		  "SESSION_ADD of a transfer one byte larger than the window: ERANGE");
	a.length = 4096;
	a.lba = WIN_BLOCKS - 7;
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), ERANGE,
		  "SESSION_ADD of a transfer that ends past the window: ERANGE");
	a.lba = 0;
	tap_ok(!ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a),
	       "SESSION_ADD of a transfer that is the window's first 4 KiB");
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_ADD, &a), EEXIST,
		  "SESSION_ADD of an id in use: EEXIST");
	tap_ok(!sess_del(&E, a.id), "SESSION_DEL of it");
	tap_errno(sess_del(&E, a.id), ENOENT,
		  "SESSION_DEL of it again: ENOENT");
	tap_errno(ioctl(E.fd, EBPFDMA_IOC_SESSION_DEL,
			&(struct ebpfdma_session_del){ .id = a.id,
						       .reserved = { 0, 1 } }),
		  EINVAL, "SESSION_DEL with a reserved field set: EINVAL");
	/* Another descriptor's session is not this one's to delete. */
	{
		struct edma other;

		if (edma_open(&other, O_RDWR))
			die("open /dev/ebpfdma");
		tap_ok(!sess_add(&other, VOL, &s, EBPFDMA_PROTECT_AEAD, 4096,
				    4096, 0, 0),
		       "SESSION_ADD from another descriptor");
		tap_errno(sess_del(&E, s.id), ENOENT,
			  "SESSION_DEL of another descriptor's session: ENOENT");
		edma_close(&other);
	}
}

struct reaped {
	struct ebpfdma_cqe c[256];
	unsigned int n;
};

static void reap_one(const struct ebpfdma_cqe *c, void *arg)
{
	struct reaped *r = arg;

	if (r->n < 256)
		r->c[r->n++] = *c;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Reap @want completions (10 s at most): each of a session in @ss, status
 * 0, flagged EBPFDMA_CQE_SESSION (and EBPFDMA_CQE_NET unless it was
 * submitted), inside the session's blocks.
 */
static void reap_check(const char *desc, struct sess *const *ss,
		       unsigned int nss, unsigned int want)
{
	uint64_t end = now_ms() + 10000;
	unsigned int i, j, bad = 0, net = 0;
	struct reaped r = { .n = 0 };

	while (r.n < want && now_ms() < end) {
		edma_wait(&E, 100);
		edma_reap(&E, reap_one, &r);
	}
	for (i = 0; i < r.n; i++) {
		const struct ebpfdma_cqe *c = &r.c[i];
		uint32_t f = c->flags & ~EBPFDMA_CQE_STABLE;

		for (j = 0; j < nss; j++)
			if (c->cookie == ss[j]->id)
				break;
		net += !!(f & EBPFDMA_CQE_NET);
		if (j == nss || c->status || c->volume != VOL ||
		    (f != (EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION) &&
		     f != EBPFDMA_CQE_SESSION) ||
		    c->lba < ss[j]->lba ||
		    c->lba + c->len / BLOCK >
			    ss[j]->lba + (ss[j]->length + BLOCK - 1) / BLOCK) {
			printf("# completion cookie %#lx status %d flags %#x lba %lu len %u\n",
			       (unsigned long)c->cookie, c->status, c->flags,
			       (unsigned long)c->lba, c->len);
			bad++;
		}
	}
	tap_ok(r.n == want && !bad,
	       "%s: %u completions (of %u), each of its session, status 0, in its blocks (%u from XDP)",
	       desc, r.n, want, net);
}

static int session_submit(uint64_t id, uint32_t index, uint32_t slot,
			  uint32_t len)
{
	struct ebpfdma_session_desc d = {
		.session = id, .index = index, .slot = slot, .len = len,
	};
	struct ebpfdma_submit sub = {
		.descs = (uintptr_t)&d, .count = 1,
	};

	return ioctl(E.fd, EBPFDMA_IOC_SESSION_SUBMIT, &sub);
}

/* The slow path: SESSION_SUBMIT of blocks the receiver verified itself. */
static void submit_cases(void)
{
	uint64_t dup0 = 0, dup1;
	uint8_t pkt[16384], body[4096];
	struct sess s, *ss[] = { &s };
	uint64_t st[NR_RX_STATS];
	uint32_t slot;
	size_t n;

	tap_ok(!sess_add(&E, VOL, &s, EBPFDMA_PROTECT_AEAD, 4096, 2 * 4096, 80,
			    0),
	       "submit: SESSION_ADD of two 4 KiB blocks at lba 80");
	if (edma_alloc(&E, &slot, 1) != 1)
		die("slot");
	fill_random(edma_slot(&E, slot), 4096);
	rx_read(st);
	dup0 = st[rx_stat("duplicate")];
	tap_errno(session_submit(s.id + 1, 0, slot, 4096), ENOENT,
		  "submit: a session that does not exist: ENOENT");
	tap_errno(session_submit(s.id, 2, slot, 4096), ERANGE,
		  "submit: block 2 of 2: ERANGE");
	tap_errno(session_submit(s.id, 0, slot, 2048), EINVAL,
		  "submit: a length that is not the block's: EINVAL");
	tap_errno(session_submit(s.id, 0, E.info.nr_slots, 4096), ERANGE,
		  "submit: a slot past the pool: ERANGE");
	memcpy(img + 80 * BLOCK, edma_slot(&E, slot), 4096);
	tap_ok(!session_submit(s.id, 0, slot, 4096),
	       "submit: block 0 is queued");
	nr_submitted++;
	if (edma_alloc(&E, &slot, 1) != 1)
		die("slot");
	memset(edma_slot(&E, slot), 0xee, 4096);
	tap_errno(session_submit(s.id, 0, slot, 4096), EALREADY,
		  "submit: block 0 again: EALREADY, not written twice");
	fill_random(body, sizeof(body));
	n = frame(pkt, &s, 0, body, 4096, &V4);
	refused("submit: DATA of block 0 after SESSION_SUBMIT placed it is a duplicate",
		pkt, n, CTR(err_duplicate), "duplicate");
	place(&s, 1, &V4, "submit: DATA of block 1 is placed");
	tap_errno(session_submit(s.id, 1, slot, 4096), EALREADY,
		  "submit: block 1 after XDP placed it: EALREADY");
	rx_read(st);
	dup1 = st[rx_stat("duplicate")];
	/* Two SESSION_SUBMIT refusals and the DATA duplicate. */
	tap_ok(dup1 - dup0 == 3, "submit: rx/duplicate counted each (%lu)",
	       (unsigned long)(dup1 - dup0));
	reap_check("submit", ss, 1, 2);
	tap_ok(!sess_del(&E, s.id), "submit: SESSION_DEL");
	tap_errno(session_submit(s.id, 1, slot, 4096), ENOENT,
		  "submit: a deleted session's block: ENOENT");
	edma_free(&E, &slot, 1);
}

/*
 * A finished transfer's frames, replayed after a later transfer to the
 * same blocks was placed: none is placed.
 */
static void replay_cases(void)
{
	static uint8_t saved[4][2048];
	static size_t saved_len[4];
	uint8_t body[1024];
	struct sess s1, s2, *ss[] = { &s1, &s2 };
	unsigned int i;
	char d[128];

	tap_ok(!sess_add(&E, VOL, &s1, EBPFDMA_PROTECT_AEAD, 1024, 4096, 64, 0),
	       "replay: first transfer's session (4 KiB at lba 64)");
	for (i = 0; i < 4; i++) {
		fill_random(body, sizeof(body));
		saved_len[i] = frame(saved[i], &s1, i, body, 1024, &V4);
		snprintf(d, sizeof(d), "replay: first transfer, block %u is placed", i);
		if (expect(&A, d, saved[i], saved_len[i], XDP_DROP, CTR(placed),
			   NOCTR, 1024, "placed", 0))
			memcpy(img + (64 + 2 * i) * BLOCK, body, 1024);
	}
	reap_check("replay: first transfer", ss, 1, 4);
	tap_ok(!sess_del(&E, s1.id), "replay: first transfer committed (SESSION_DEL)");
	tap_ok(!sess_add(&E, VOL, &s2, EBPFDMA_PROTECT_AEAD, 1024, 4096, 64, 0),
	       "replay: second transfer's session, the same blocks");
	for (i = 0; i < 4; i++) {
		snprintf(d, sizeof(d), "replay: second transfer, block %u is placed", i);
		place(&s2, i, &V6, d);
	}
	reap_check("replay: second transfer", ss, 2, 4);
	tap_ok(!sess_del(&E, s2.id), "replay: second transfer committed");
	for (i = 0; i < 4; i++) {
		snprintf(d, sizeof(d),
			 "replay: the first transfer's block %u again: no such session",
			 i);
		refused(d, saved[i], saved_len[i], CTR(err_no_session),
			"no_session");
	}
}

/*
 * ECN: DATA whose IP header says Congestion Experienced (IPv4 and IPv6)
 * is placed like any other, counted in rx/ce, and its completion carries
 * EBPFDMA_CQE_CE for serve to echo; ECT(0) and ECT(1) are not CE.
 */
static void ce_cases(void)
{
	static const struct pkt ce4 = { .src = "10.0.0.1", .dport = PORT,
					.proto = IPPROTO_UDP, .ecn = 3 };
	static const struct pkt ce6 = { .v6 = 1, .src = "fd00::1",
					.dport = PORT, .proto = IPPROTO_UDP,
					.ecn = 3 };
	static const struct pkt ect0 = { .src = "10.0.0.1", .dport = PORT,
					 .proto = IPPROTO_UDP, .ecn = 2 };
	static const struct pkt ect1 = { .v6 = 1, .src = "fd00::1",
					 .dport = PORT, .proto = IPPROTO_UDP,
					 .ecn = 1 };
	const struct pkt *src[] = { &ce4, &ce6, &ect0, &ect1 };
	uint64_t before[NR_RX_STATS], after[NR_RX_STATS];
	uint64_t end = now_ms() + 10000;
	struct reaped r = { .n = 0 };
	unsigned int i, ce = 0, bad = 0;
	uint8_t body[1024], pkt[2048];
	struct sess s;
	size_t n;
	int ok = 1;

	tap_ok(E.info.features & EBPFDMA_F_RX_ECN,
	       "GET_INFO reports EBPFDMA_F_RX_ECN");
	tap_ok(!sess_add(&E, VOL, &s, EBPFDMA_PROTECT_AEAD, 1024, 4096, 128, 0),
	       "ecn: a session of 4 blocks of 1 KiB at lba 128");
	rx_read(before);
	for (i = 0; i < 4; i++) {
		fill_random(body, sizeof(body));
		n = frame(pkt, &s, i, body, 1024, src[i]);
		if (expect(&A, "ecn", pkt, n, XDP_DROP, CTR(placed), NOCTR, 1024,
			   NULL, 1))
			memcpy(img + (128 + 2 * i) * BLOCK, body, 1024);
		else
			ok = 0;
	}
	rx_read(after);
	tap_ok(ok && after[rx_stat("placed")] - before[rx_stat("placed")] == 4 &&
		       after[rx_stat("ce")] - before[rx_stat("ce")] == 2,
	       "ecn: 4 blocks placed, the 2 marked CE (IPv4, IPv6) counted in rx/ce, not those marked ECT(0) and ECT(1) (%lu)",
	       (unsigned long)(after[rx_stat("ce")] - before[rx_stat("ce")]));
	while (r.n < 4 && now_ms() < end) {
		edma_wait(&E, 100);
		edma_reap(&E, reap_one, &r);
	}
	for (i = 0; i < r.n; i++) {
		uint32_t f = r.c[i].flags & ~EBPFDMA_CQE_STABLE;
		uint32_t index = (r.c[i].lba - 128) / 2;
		bool marked = index < 2; /* blocks 0 and 1 came marked CE */

		ce += !!(f & EBPFDMA_CQE_CE);
		if (r.c[i].cookie != s.id || r.c[i].status ||
		    f != (EBPFDMA_CQE_NET | EBPFDMA_CQE_SESSION |
			  (marked ? EBPFDMA_CQE_CE : 0)))
			bad++;
	}
	tap_ok(r.n == 4 && ce == 2 && !bad,
	       "ecn: 4 completions, EBPFDMA_CQE_CE on exactly the 2 blocks marked CE (%u, %u wrong)",
	       ce, bad);
	tap_ok(!sess_del(&E, s.id), "ecn: SESSION_DEL");
}

/* SESSION_SUBMIT of blocks [0, n) of @s, each with a new random body. */
static int submit_blocks(struct sess *s, uint32_t n)
{
	struct ebpfdma_session_desc d[SUBMIT_MAX];
	struct ebpfdma_submit sub = { .descs = (uintptr_t)d, .count = n };
	uint32_t slots[SUBMIT_MAX], i;

	if (n > SUBMIT_MAX || n > E.info.max_batch ||
	    edma_alloc(&E, slots, n) != (int)n)
		die("slots");
	for (i = 0; i < n; i++) {
		fill_random(edma_slot(&E, slots[i]), s->bs);
		memcpy(img + sess_lba(s, i) * BLOCK, edma_slot(&E, slots[i]),
		       s->bs);
		d[i] = (struct ebpfdma_session_desc){
			.session = s->id, .index = i, .slot = slots[i],
			.len = s->bs,
		};
	}
	return ioctl(E.fd, EBPFDMA_IOC_SESSION_SUBMIT, &sub) ? -1 :
								(int)sub.done;
}

/*
 * Completions of two sessions: @covered[session][block] marks each block
 * an entry stands for; the entries of each, the longest, and any entry
 * that is wrong: not status 0, a length of no whole blocks, outside its
 * session, a block covered twice, CE on an entry that covers a block sent
 * without it (or none on one sent with it), NET on an entry that covers a
 * submitted block (or none on one XDP placed).
 */
struct coverage {
	struct sess *s[2];
	uint8_t covered[2][64];
	uint32_t ce_from[2]; /* blocks from here on were sent marked CE */
	uint32_t net_from[2]; /* blocks from here on were placed by XDP */
	unsigned int entries[2], longest[2], blocks, bad;
};

static void cover_one(const struct ebpfdma_cqe *c, void *arg)
{
	struct coverage *cv = arg;
	uint32_t first, n, i;
	unsigned int k;

	for (k = 0; k < 2; k++)
		if (c->cookie == cv->s[k]->id)
			break;
	if (k == 2 || c->status || c->lba < cv->s[k]->lba ||
	    !c->len || c->len % cv->s[k]->bs ||
	    (c->lba - cv->s[k]->lba) % (cv->s[k]->bs / BLOCK)) {
		cv->bad++;
		return;
	}
	first = (c->lba - cv->s[k]->lba) / (cv->s[k]->bs / BLOCK);
	n = c->len / cv->s[k]->bs;
	cv->entries[k]++;
	if (n > cv->longest[k])
		cv->longest[k] = n;
	if (first + n > sess_blocks(cv->s[k]) ||
	    (c->flags & EBPFDMA_CQE_CE && first < cv->ce_from[k]) ||
	    (!(c->flags & EBPFDMA_CQE_CE) && first + n > cv->ce_from[k]) ||
	    (c->flags & EBPFDMA_CQE_NET && first < cv->net_from[k]) ||
	    (!(c->flags & EBPFDMA_CQE_NET) && first + n > cv->net_from[k])) {
		cv->bad++;
		return;
	}
	for (i = first; i < first + n; i++) {
		if (cv->covered[k][i]++)
			cv->bad++;
		cv->blocks++;
	}
}

/*
 * EBPFDMA_SESSION_F_RUNS: a session that asked for it has runs of its
 * blocks completed by one entry each; a session that did not, one entry
 * a block.  32 blocks of each submitted in one SESSION_SUBMIT (the
 * engine writes them in bios of up to its batch); then blocks placed by
 * XDP, the CE-marked ones never in an entry with unmarked ones.
 */
static void runs_cases(void)
{
	static const struct pkt ce4 = { .src = "10.0.0.1", .dport = PORT,
					.proto = IPPROTO_UDP, .ecn = 3 };
	struct sess r, p;
	struct coverage cv = { .s = { &r, &p }, .ce_from = { 44, 64 },
			       .net_from = { 32, 64 } };
	uint64_t before[NR_RX_STATS], after[NR_RX_STATS];
	uint64_t end = now_ms() + 10000;
	unsigned int i;

	tap_ok(E.info.features & EBPFDMA_F_CQE_RUNS,
	       "GET_INFO reports EBPFDMA_F_CQE_RUNS");
	tap_ok(!sess_add_id(&E, VOL, &r, 0, EBPFDMA_PROTECT_CRC, 4096,
			    48 * 4096, 256, 0, EBPFDMA_SESSION_F_RUNS),
	       "runs: SESSION_ADD with EBPFDMA_SESSION_F_RUNS, 48 blocks of 4 KiB at lba 256");
	tap_ok(!sess_add(&E, VOL, &p, EBPFDMA_PROTECT_CRC, 4096, 32 * 4096, 768,
			 0),
	       "runs: SESSION_ADD without it, 32 blocks of 4 KiB at lba 768");
	tap_ok(submit_blocks(&r, 32) == 32,
	       "runs: 32 blocks of the first queued by one SESSION_SUBMIT");
	tap_ok(submit_blocks(&p, 32) == 32,
	       "runs: 32 blocks of the second queued by one SESSION_SUBMIT");
	rx_read(before);
	for (i = 32; i < 48; i++)
		place_src(&r, i, i < 44 ? &V4 : &ce4,
			  i < 44 ? "runs: a block of the first placed by XDP" :
				   "runs: a block of the first placed by XDP, marked CE");
	rx_read(after);
	tap_ok(after[rx_stat("placed")] - before[rx_stat("placed")] == 16 &&
		       after[rx_stat("ce")] - before[rx_stat("ce")] == 4,
	       "runs: rx/placed counted the 16, rx/ce the 4 marked CE");
	while (cv.blocks < 80 && !cv.bad && now_ms() < end) {
		edma_wait(&E, 100);
		edma_reap(&E, cover_one, &cv);
	}
	tap_ok(cv.blocks == 80 && !cv.bad,
	       "runs: every block of both completed exactly once, each entry of whole blocks of its session, status 0, CE only on marked blocks, NET only on XDP's (%u of 80, %u wrong)",
	       cv.blocks, cv.bad);
	tap_ok(cv.entries[0] < 48 && cv.longest[0] > 1,
	       "runs: the first's 48 blocks completed in fewer entries (%u, the longest %u blocks)",
	       cv.entries[0], cv.longest[0]);
	tap_ok(cv.entries[1] == 32 && cv.longest[1] == 1,
	       "runs: the second's 32 blocks completed in an entry each (%u)",
	       cv.entries[1]);
	nr_placed = 0;
	tap_ok(!sess_del(&E, r.id) && !sess_del(&E, p.id),
	       "runs: SESSION_DEL of both");
}

static int cmd_testrun(const char *disk, const char *image)
{
	static uint8_t buf[WIN_BYTES] __attribute__((aligned(4096)));
	struct sess sa, sf, sm, sc, se, so, *ss[] = { &sa, &sf, &sm, &sc };
	uint8_t body[8192], pkt[16384];
	struct ebpfdma_wire2_hdr *h;
	char path[64];
	uint32_t i;
	size_t n;
	int diskfd, rfd, fd;

	tap_begin();
	if (edma_wire2_init())
		die("sodium_init");
	if (edma_open(&E, O_RDWR))
		die("open /dev/ebpfdma");
	tap_ok(E.info.features & EBPFDMA_F_SESSIONS,
	       "GET_INFO reports EBPFDMA_F_SESSIONS");
	if (E.info.slot_size < 4096) {
		printf("# slot size %u < 4096\n", E.info.slot_size);
		return tap_done();
	}
	if (!tap_ok(!edma_volume_add(&E, VOL, disk, WIN_START, WIN_BLOCKS, 0,
				     &diskfd),
		    "volume %u: 1 MiB at 1 MiB of %s", VOL, disk))
		return tap_done();
	xr_load(&A, "v2", PORT, EBPFDMA_RX_FULL_DROP, 0);
	session_add_errors();

	/* Four sessions, one of each way of opening a datagram. */
	tap_ok(!sess_add(&E, VOL, &sa, EBPFDMA_PROTECT_AEAD, 1024, 8 * 1024, 0, 0),
	       "SESSION_ADD aead: 8 blocks of 1 KiB at lba 0");
	tap_ok(!sess_add(&E, VOL, &sf, EBPFDMA_PROTECT_AEAD, 4096, 3 * 4096, 16,
			    0),
	       "SESSION_ADD aead: 3 blocks of 4 KiB at lba 16");
	tap_ok(!sess_add(&E, VOL, &sm, EBPFDMA_PROTECT_MAC, 4096, 2 * 4096 + 512,
			    40, 0),
	       "SESSION_ADD mac: 2 blocks of 4 KiB and 512 bytes at lba 40");
	tap_ok(!sess_add(&E, VOL, &sc, EBPFDMA_PROTECT_CRC, 1024, 2048 + 700, 60,
			    0),
	       "SESSION_ADD crc: 2 blocks of 1 KiB and 700 bytes at lba 60");

	for (i = 0; i < 6; i++)
		place(&sa, i, i & 1 ? &V6 : &V4,
		      "aead: a 1 KiB block, decrypted from the packet into its slot, is placed");
	for (i = 0; i < 2; i++)
		place(&sf, i, &V4,
		      "aead: a 4 KiB block in XDP fragments, decrypted in its slot, is placed");
	place(&sm, 0, &V4, "mac: a 4 KiB block is placed");
	place(&sm, 2, &V6, "mac: the last block, 512 bytes, is placed");
	place(&sc, 0, &V4, "crc: a 1 KiB block is placed");
	place(&sc, 2, &V4, "crc: the last block, 700 bytes as 1 KiB, is placed");

	/* Duplicates and replays: dropped before a slot is taken. */
	memset(body, 0xab, sizeof(body));
	n = frame(pkt, &sa, 0, body, 1024, &V4);
	refused("aead: block 0 again, a new counter and body: a duplicate, not written",
		pkt, n, CTR(err_duplicate), "duplicate");
	refused("aead: the same datagram replayed: a duplicate", pkt, n,
		CTR(err_duplicate), "duplicate");
	n = frame(pkt, &sm, 0, body, 4096, &V6);
	refused("mac: block 0 again: a duplicate", pkt, n, CTR(err_duplicate),
		"duplicate");

	/* Forgeries: each refused, nothing written. */
	fill_random(body, 1024);
	n = frame(pkt, &sa, 6, body, 1024, &V4);
	pkt[V4_PAYLOAD + EBPFDMA_WIRE2_HDR_LEN + 100] ^= 0x40;
	refused("aead: a changed body from an allowed source: refused (tag)",
		pkt, n, CTR(err_auth), "auth");
	n = frame(pkt, &sa, 6, body, 1024, &V4);
	h = (void *)(pkt + V4_PAYLOAD);
	h->index = htobe32(7);
	refused("aead: a changed header (index 6 -> 7): refused (tag)", pkt, n,
		CTR(err_auth), "auth");
	{
		struct sess wrong = sa;

		fill_random(wrong.key, sizeof(wrong.key));
		n = frame(pkt, &wrong, 6, body, 1024, &V4);
		refused("aead: sealed under a wrong key: refused (tag)", pkt, n,
			CTR(err_auth), "auth");
		wrong = sm;
		fill_random(wrong.key, sizeof(wrong.key));
		n = frame(pkt, &wrong, 1, body, 4096, &V4);
		refused("mac: a wrong key: refused", pkt, n, CTR(err_auth),
			"auth");
		wrong = sf;
		wrong.protect = EBPFDMA_PROTECT_CRC;
		n = frame(pkt, &wrong, 2, body, 4096, &V4);
		refused("aead session: a datagram with a CRC instead of a tag: refused",
			pkt, n, CTR(err_auth), "auth");
		wrong = sa;
		fill_random(&wrong.id, sizeof(wrong.id));
		n = frame(pkt, &wrong, 6, body, 1024, &V4);
		sa.counter = wrong.counter; /* its key's counter: used */
		refused("a session the module does not hold: refused", pkt, n,
			CTR(err_no_session), "no_session");
	}
	n = frame(pkt, &sa, 8, body, 1024, &V4);
	refused("aead: block 8 of 8: out of range", pkt, n, CTR(err_range),
		"range");
	n = frame(pkt, &sa, 6, body, 512, &V4);
	refused("aead: a 512-byte body for a 1 KiB block: malformed", pkt, n,
		CTR(err_malformed), "malformed");
	n = frame(pkt, &sc, 2, body, 1024, &V4);
	refused("crc: block 2 again: a duplicate", pkt, n, CTR(err_duplicate),
		"duplicate");
	n = frame(pkt, &sc, 1, body, 1024, &V4);
	pkt[V4_PAYLOAD + EBPFDMA_WIRE2_HDR_LEN + 1] ^= 1;
	refused("crc: one bit of the body flipped: refused", pkt, n,
		CTR(err_auth), "auth");
	{
		struct pkt out = V4;

		out.src = "10.0.0.9";
		n = frame(pkt, &sa, 6, body, 1024, &out);
		expect(&A, "a genuine datagram from a source outside the allow-list: dropped",
		       pkt, n, XDP_DROP, CTR(drop_peer), NOCTR, 0, NULL, 0);
	}

	/* Control datagrams are the receiver's socket's, untouched. */
	{
		static const uint8_t types[] = { EBPFDMA_WIRE2_HELLO,
						 EBPFDMA_WIRE2_WELCOME,
						 EBPFDMA_WIRE2_ACK,
						 EBPFDMA_WIRE2_COMMIT };
		uint8_t dgram[256];
		size_t uo;

		for (i = 0; i < sizeof(types); i++) {
			struct edma_wire2 w = { .type = types[i],
						.session = sa.id,
						.counter = sa.counter++,
						.len = 64 };

			n = edma_wire2_seal(dgram, &w, body, sa.protect,
					    sa.key);
			n = build(pkt, &V4, dgram, n, &uo);
			expect(&A, "a version 2 control datagram (HELLO, WELCOME, ACK, COMMIT) passes to the stack",
			       pkt, n, XDP_PASS, CTR(pass_control), NOCTR, 0,
			       NULL, 0);
		}
	}

	/* Every bit of the header and trailer, a sample of the body's. */
	fill_random(body, 4096);
	n = frame(pkt, &sa, 6, body, 1024, &V4);
	flips("aead 1 KiB", pkt, n, 37);
	n = frame(pkt, &sf, 2, body, 4096, &V4);
	flips("aead 4 KiB in fragments", pkt, n, 97);
	n = frame(pkt, &sm, 1, body, 4096, &V4);
	flips("mac", pkt, n, 97);
	n = frame(pkt, &sc, 1, body, 1024, &V4);
	flips("crc", pkt, n, 37);
	/* Nothing of them was placed: the genuine blocks still are. */
	place(&sa, 6, &V4, "aead: block 6 is placed after its forgeries");
	place(&sa, 7, &V6, "aead: block 7 is placed after its forgeries");
	place(&sf, 2, &V4, "aead: 4 KiB block 2 is placed after its forgeries");
	place(&sm, 1, &V6, "mac: block 1 is placed after its forgeries");
	place(&sc, 1, &V4, "crc: block 1 is placed after its forgeries");
	reap_check("placed", ss, 4, nr_placed);
	nr_placed = 0;

	/* Retired sessions. */
	tap_ok(!sess_del(&E, sc.id), "SESSION_DEL crc");
	n = frame(pkt, &sc, 1, body, 1024, &V4);
	refused("crc: a datagram of the deleted session: no such session", pkt,
		n, CTR(err_no_session), "no_session");
	tap_ok(!sess_add(&E, VOL, &se, EBPFDMA_PROTECT_AEAD, 1024, 1024, 100, 20),
	       "SESSION_ADD aead with a 20 ms idle limit");
	usleep(200 * 1000);
	n = frame(pkt, &se, 0, body, 1024, &V4);
	refused("a datagram of a session idle past its limit: expired", pkt, n,
		CTR(err_expired), "expired");
	{
		struct edma other;

		if (edma_open(&other, O_RDWR))
			die("open /dev/ebpfdma");
		tap_ok(!sess_add(&other, VOL, &so, EBPFDMA_PROTECT_AEAD, 1024,
				    1024, 110, 0),
		       "SESSION_ADD from a second descriptor");
		edma_close(&other);
		n = frame(pkt, &so, 0, body, 1024, &V4);
		refused("its datagram once that descriptor closed: no such session",
			pkt, n, CTR(err_no_session), "no_session");
	}

	submit_cases();
	replay_cases();
	ce_cases();
	runs_cases();

	/* What reached the disk: the window, read back past the cache. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", diskfd);
	rfd = open(path, O_RDONLY | O_DIRECT);
	if (rfd < 0)
		die("open disk O_DIRECT");
	tap_ok(pread(rfd, buf, WIN_BYTES, (off_t)WIN_START * BLOCK) ==
			       (ssize_t)WIN_BYTES &&
		       !memcmp(buf, img, WIN_BYTES),
	       "the window holds exactly the blocks placed (read back with O_DIRECT)");
	close(rfd);
	fd = open(image, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, img, WIN_BYTES) != (ssize_t)WIN_BYTES ||
	    close(fd))
		die(image);

	edma_rx_destroy(A.skel);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "testrun"))
		return cmd_testrun(argv[2], argv[3]);
	fprintf(stderr, "usage: %s testrun DISK IMAGE\n", argv[0]);
	return 2;
}

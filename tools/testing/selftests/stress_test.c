// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress of the module (guest, root, ebpfdma loaded):
 *
 *   stress_test DISK SECONDS SEED OUTDIR
 *
 * For SECONDS, at once on DISK (at least 8 MiB, 512-byte blocks):
 *  - three submitters, each on its own 2 MiB region (volume 10 + k):
 *    SUBMIT of 4 KiB writes at random places, barrier and NOW FLUSHes,
 *    and every so often closing their descriptor and opening a new one,
 *    half the time with writes still in flight;
 *  - an XDP sender: BPF_PROG_TEST_RUN of the receive program with sealed
 *    ("aead") DATA datagrams of 512 bytes for volume 13 (the fourth 2 MiB
 *    region, of which the first 1 MiB is used), in sessions of that 1 MiB
 *    its descriptor adds, each block once in random order; what became of
 *    each datagram is read from the program's counters: placed, or the
 *    pool full (sent again), or refused because the volume went away (a
 *    new session; also when one is wholly placed);
 *  - a churner deleting and adding the four volumes again, and adding a
 *    fifth, giving it a session and deleting it under the session;
 * while the shell tries, and must fail, to unload the module (from when
 * OUTDIR/ready appears until it answers OUTDIR/done with OUTDIR/stopped).
 *
 * Every block's content is a function of its place (the seed, the region,
 * the block), so whichever writes won, a region written completely holds
 * exactly its pattern.  Checks: every write and flush accepted completed
 * exactly once (its cookie seen once), successfully; the writes of a
 * descriptor closed with writes in flight are not seen and not counted.
 * Then every block not yet written successfully is written, and
 * OUTDIR/region<k> receives each region's expected content, for the
 * host to compare with the disk image.  TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "tools/lib/ebpfdma.h"
#include "tools/lib/rx.h"
#include "tools/testing/selftests/tap.h"
#include "tools/testing/selftests/pkt.h"
#include "tools/testing/selftests/sess.h"

#define REGION_BLOCKS 4096U /* 2 MiB of 512-byte blocks */
#define UNIT 4096U /* a submitter's write */
#define UNITS (REGION_BLOCKS * 512 / UNIT) /* 512 per region */
#define XDP_BODY 512U
#define XDP_UNITS 2048U /* 1 MiB of 512-byte datagrams */
#define SUBMITTERS 3
#define XDP_VOL 13U
#define SPARE_VOL 14U
#define XDP_GENS 1024U /* sessions the XDP sender may use */
#define XDP_SWEEP_GENS 16U /* of them, kept for the sweep */
#define PORT 7788
#define MAX_OPS (1U << 20)
#define FLUSH_BIT (1ULL << 63)

static const char *disk;
static uint64_t seed;
static atomic_bool stop;
static int churn_fd; /* the disk, O_RDWR | O_EXCL, for VOLUME_ADD */
static struct edma ctl; /* the churner's descriptor */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The content of @len bytes at byte @off of region @k. */
static void pattern(void *buf, unsigned int k, uint64_t off, uint32_t len)
{
	uint64_t *w = buf;
	uint32_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = mix(seed ^ ((uint64_t)k << 48) ^ (off / 8 + i));
}

static uint32_t rnd(uint64_t *state)
{
	*state = mix(*state);
	return *state >> 33;
}

/* Add volume 10 + @k over region @k (retrying while a deletion drains). */
static int volume_add(unsigned int k)
{
	struct ebpfdma_volume_add a = {
		.id = 10 + k, .fd = churn_fd,
		.start = (uint64_t)k * REGION_BLOCKS, .blocks = REGION_BLOCKS,
	};

	return ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_ADD, &a);
}

static int volume_del(unsigned int id)
{
	struct ebpfdma_volume_del d = { .id = id };

	return ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_DEL, &d);
}

/* What one thread sent and saw; indexed by its cookie's sequence number. */
struct book {
	uint32_t *unit; /* which unit the write covered */
	uint8_t *seen; /* completions seen */
	uint8_t *orphan; /* its descriptor closed before it completed */
	uint8_t *is_flush;
	uint32_t next; /* next sequence number */
	uint8_t *written; /* per unit: written successfully at least once */
	uint64_t accepted, flushes, errors, orphans, dup;
};

static void book_init(struct book *b, unsigned int units)
{
	b->unit = calloc(MAX_OPS, sizeof(*b->unit));
	b->seen = calloc(MAX_OPS, 1);
	b->orphan = calloc(MAX_OPS, 1);
	b->is_flush = calloc(MAX_OPS, 1);
	b->written = calloc(units, 1);
	if (!b->unit || !b->seen || !b->orphan || !b->is_flush || !b->written) {
		perror("calloc");
		exit(2);
	}
}

/* The completion of write or flush @seq. */
static void book_note(struct book *b, uint64_t seq, int status)
{
	if (seq >= b->next) {
		b->dup++; /* a cookie never sent */
		return;
	}
	if (b->seen[seq]++) {
		b->dup++;
		return;
	}
	if (status)
		b->errors++;
	else if (!b->is_flush[seq])
		b->written[b->unit[seq]] = 1;
}

static void book_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	book_note(arg, c->cookie & 0xffffffffULL, c->status);
}

/* Accepted, not yet seen, not orphaned. */
static uint64_t book_pending(const struct book *b)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < b->next; i++)
		n += !b->seen[i] && !b->orphan[i];
	return n;
}

/* ---- submitters ------------------------------------------------------- */

struct submitter {
	unsigned int k;
	pthread_t t;
	struct book b;
	uint64_t reopens, enodev;
};

static void drain(struct edma *e, struct book *b, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (book_pending(b) && now_ms() < end) {
		edma_wait(e, 100);
		edma_reap(e, book_cqe, b);
	}
}

/* Queue up to 16 writes at random units; 0, or -1 with errno. */
static int submit_some(struct submitter *s, struct edma *e, uint64_t *rs)
{
	struct ebpfdma_desc d[16];
	uint32_t slots[16], n, i, done = 0;
	int got, ret;

	got = edma_alloc(e, slots, 1 + rnd(rs) % 16);
	if (got <= 0)
		return -1;
	n = got;
	for (i = 0; i < n; i++) {
		uint32_t u = rnd(rs) % UNITS, seq = s->b.next + i;

		pattern(edma_slot(e, slots[i]), s->k, (uint64_t)u * UNIT, UNIT);
		d[i] = (struct ebpfdma_desc){
			.lba = (uint64_t)u * (UNIT / 512), .cookie = seq,
			.volume = 10 + s->k, .slot = slots[i], .len = UNIT,
		};
		s->b.unit[seq] = u;
	}
	ret = edma_submit(e, d, n, &done);
	s->b.next += done;
	s->b.accepted += done;
	if (done < n)
		edma_free(e, slots + done, n - done);
	return ret;
}

static int flush_one(struct submitter *s, struct edma *e, uint32_t flags)
{
	uint32_t seq = s->b.next;
	struct ebpfdma_flush f = { .volume = 10 + s->k, .flags = flags,
				   .cookie = FLUSH_BIT | seq };

	s->b.is_flush[seq] = 1;
	if (ioctl(e->fd, EBPFDMA_IOC_FLUSH, &f)) {
		s->b.is_flush[seq] = 0;
		return -1;
	}
	s->b.next++;
	s->b.flushes++;
	return 0;
}

static void *submitter_run(void *arg)
{
	struct submitter *s = arg;
	uint64_t rs = seed ^ (0x1000 + s->k), reopen_at = now_ms() + 700;
	struct edma e;
	uint32_t i;

	if (edma_open(&e, O_RDWR))
		return NULL;
	while (!atomic_load(&stop) && s->b.next + 64 < MAX_OPS) {
		unsigned int op = rnd(&rs) % 16;

		if (op < 12) {
			if (submit_some(s, &e, &rs) && errno == ENODEV)
				s->enodev++;
		} else if (op == 12) {
			flush_one(s, &e, 0);
		} else if (op == 13) {
			flush_one(s, &e, EBPFDMA_FLUSH_NOW);
		} else {
			edma_wait(&e, 5);
		}
		edma_reap(&e, book_cqe, &s->b);
		if (now_ms() < reopen_at)
			continue;
		/* Close and open again; every other time without draining. */
		if (s->reopens % 2 == 0)
			drain(&e, &s->b, 30000);
		for (i = 0; i < s->b.next; i++)
			if (!s->b.seen[i] && !s->b.orphan[i]) {
				s->b.orphan[i] = 1;
				s->b.orphans++;
			}
		edma_close(&e);
		if (edma_open(&e, O_RDWR))
			return NULL;
		s->reopens++;
		reopen_at = now_ms() + 300 + rnd(&rs) % 700;
	}
	drain(&e, &s->b, 30000);
	edma_close(&e);
	return NULL;
}

/* Write every unit of region @k not yet written; returns those left. */
static unsigned int sweep(struct submitter *s)
{
	struct edma e;
	unsigned int u, left = 0, tries;

	if (edma_open(&e, O_RDWR))
		return UNITS;
	for (u = 0; u < UNITS; u++) {
		struct ebpfdma_desc d = { .lba = (uint64_t)u * (UNIT / 512),
					  .volume = 10 + s->k, .len = UNIT };
		uint32_t done;

		if (s->b.written[u])
			continue;
		for (tries = 0; tries < 3 && !s->b.written[u]; tries++) {
			if (edma_alloc(&e, &d.slot, 1) != 1)
				break;
			pattern(edma_slot(&e, d.slot), s->k, (uint64_t)u * UNIT,
				UNIT);
			d.cookie = s->b.next;
			s->b.unit[s->b.next] = u;
			if (edma_submit(&e, &d, 1, &done)) {
				edma_free(&e, &d.slot, 1);
				break;
			}
			s->b.next++;
			s->b.accepted++;
			drain(&e, &s->b, 30000);
		}
		left += !s->b.written[u];
	}
	edma_close(&e);
	return left;
}

/* ---- the XDP sender -------------------------------------------------- */

struct xdp_sender {
	pthread_t t;
	struct book b;
	struct ebpfdma_rx *skel;
	int prog;
	struct edma e; /* the descriptor its sessions belong to */
	struct sess s; /* the current one: generation @gen */
	uint32_t gen;
	uint32_t *seq_of; /* [gen][unit]: the write's book sequence number */
	uint8_t *placed; /* [unit]: placed in the current session */
	uint32_t nr_placed;
	int counters; /* the program's counters map */
	uint64_t runs, sessions, full, no_volume, no_session, duplicates;
	uint64_t other; /* any other fate: none is expected */
	uint64_t merged; /* completions that stood for several blocks */
	bool cut_short; /* ran out of sessions before the end */
};

/* What became of one datagram, from the program's counters. */
enum xdp_fate {
	XDP_PLACED,
	XDP_FULL, /* err_full: no slot or ring entry; send it again */
	XDP_REFUSED, /* err_no_volume, err_no_session: a new session */
	XDP_DUPLICATE, /* err_duplicate: placed in this session already */
	XDP_OTHER,
};

/* Session ids: the generation in the low bits of a random base. */
static uint64_t xdp_id_base;

/* A new session over the XDP region; 0, or -1 (its volume is gone). */
static int xdp_session(struct xdp_sender *x)
{
	if (x->gen + 1 >= XDP_GENS)
		return -1;
	if (x->s.id)
		sess_del(&x->e, x->s.id);
	x->s.id = 0;
	memset(x->placed, 0, XDP_UNITS);
	x->nr_placed = 0;
	/* The id tells the generation. */
	if (sess_add_id(&x->e, XDP_VOL, &x->s, xdp_id_base + x->gen + 1,
			EBPFDMA_PROTECT_AEAD, XDP_BODY, XDP_UNITS * XDP_BODY, 0,
			0, EBPFDMA_SESSION_F_RUNS)) {
		x->s.id = 0;
		return -1;
	}
	x->gen++;
	x->sessions++;
	return 0;
}

/*
 * A completion of the XDP path: its session's generation and blocks (a
 * run of them: the sessions ask for EBPFDMA_SESSION_F_RUNS), each noted.
 */
static void xdp_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct xdp_sender *x = arg;
	uint64_t gen = c->cookie - xdp_id_base;
	uint32_t seq, u, n = c->len / XDP_BODY;

	if (!(c->flags & EBPFDMA_CQE_SESSION) || gen >= XDP_GENS ||
	    c->lba >= XDP_UNITS || !n || c->len % XDP_BODY ||
	    n > XDP_UNITS - c->lba || (c->status && n > 1)) {
		x->b.dup++; /* nothing of ours */
		return;
	}
	if (n > 1)
		x->merged++;
	for (u = c->lba; u < c->lba + n; u++) {
		seq = x->seq_of[gen * XDP_UNITS + u];
		book_note(&x->b, seq == UINT32_MAX ? x->b.next : seq,
			  c->status);
	}
}

static void xdp_drain(struct xdp_sender *x, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (book_pending(&x->b) && now_ms() < end) {
		edma_wait(&x->e, 100);
		edma_reap(&x->e, xdp_cqe, x);
	}
}

/* Run the program on DATA of unit @u in the current session; its verdict. */
static int run_data(struct xdp_sender *x, uint32_t u)
{
	static uint8_t frame[2048], body[XDP_BODY];
	static const struct pkt src = { 0, 0, "10.0.0.1", PORT, IPPROTO_UDP, 0 };
	size_t len, udp_off;
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 1);

	pattern(body, 3, (uint64_t)u * XDP_BODY, XDP_BODY);
	len = sess_frame(frame, &x->s, u, body, XDP_BODY, 0, &src, &udp_off);
	o.data_in = frame;
	o.data_size_in = len;
	if (bpf_prog_test_run_opts(x->prog, &o))
		return -1;
	x->runs++;
	return o.retval;
}

/* Send unit @u in the current session; what became of it (placed: booked). */
static enum xdp_fate xdp_send(struct xdp_sender *x, uint32_t u)
{
	struct ebpfdma_rx_counters c0, c1;
	uint32_t seq = x->b.next;
	int verdict;

	/* Only this thread runs the program: the differences are its own. */
	if (edma_rx_counters_read(x->counters, &c0, NULL, 0) < 0)
		goto other;
	verdict = run_data(x, u);
	if (edma_rx_counters_read(x->counters, &c1, NULL, 0) < 0)
		goto other;
	if (c1.err_full > c0.err_full) {
		x->full++;
		return XDP_FULL;
	}
	if (c1.err_no_volume > c0.err_no_volume) {
		x->no_volume++;
		return XDP_REFUSED;
	}
	if (c1.err_no_session > c0.err_no_session) {
		x->no_session++;
		return XDP_REFUSED;
	}
	if (c1.err_duplicate > c0.err_duplicate) {
		x->duplicates++;
		return XDP_DUPLICATE;
	}
	if (c1.placed != c0.placed + 1 || verdict != XDP_DROP)
		goto other;
	x->b.unit[seq] = u;
	x->seq_of[x->gen * XDP_UNITS + u] = seq;
	x->b.next++;
	x->b.accepted++;
	x->placed[u] = 1;
	x->nr_placed++;
	return XDP_PLACED;
other:
	x->other++;
	return XDP_OTHER;
}

static void *xdp_run(void *arg)
{
	struct xdp_sender *x = arg;
	uint64_t rs = seed ^ 0x2000;

	while (!atomic_load(&stop) && x->b.next < MAX_OPS) {
		uint32_t u = rnd(&rs) % XDP_UNITS;

		if (x->gen + XDP_SWEEP_GENS >= XDP_GENS) {
			x->cut_short = true;
			break;
		}
		if (!x->s.id && xdp_session(x)) {
			/* Its volume is gone: until the churner adds it. */
			edma_wait(&x->e, 2);
			edma_reap(&x->e, xdp_cqe, x);
			continue;
		}
		while (x->placed[u]) /* the next one this session lacks */
			u = (u + 1) % XDP_UNITS;
		switch (xdp_send(x, u)) {
		case XDP_PLACED:
			if (x->nr_placed == XDP_UNITS)
				xdp_session(x);
			break;
		case XDP_FULL: /* not placed: wait for room */
			edma_wait(&x->e, 2);
			break;
		default: /* refused (the volume went away): a new session */
			xdp_session(x);
			break;
		}
		edma_reap(&x->e, xdp_cqe, x);
	}
	xdp_drain(x, 30000);
	return NULL;
}

/*
 * Send every unit of the XDP region not written yet, in a session of its
 * own; a refusal or a unit placed already in this session (its write
 * failed) takes a new one.
 */
static unsigned int xdp_sweep(struct xdp_sender *x)
{
	unsigned int u, left = 0, tries;

	xdp_session(x);
	for (u = 0; u < XDP_UNITS; u++) {
		for (tries = 0; tries < 8 && !x->b.written[u]; tries++) {
			if (x->placed[u] || !x->s.id)
				xdp_session(x);
			if (!x->s.id)
				break; /* no session to be had */
			switch (xdp_send(x, u)) {
			case XDP_PLACED:
				xdp_drain(x, 30000);
				break;
			case XDP_FULL:
				edma_wait(&x->e, 100);
				edma_reap(&x->e, xdp_cqe, x);
				break;
			default:
				xdp_session(x);
				break;
			}
		}
		left += !x->b.written[u];
	}
	return left;
}

/* ---- the churner ------------------------------------------------------ */

struct churner {
	pthread_t t;
	uint64_t dels, adds, spares, busy;
};

static void *churn_run(void *arg)
{
	struct churner *c = arg;
	uint64_t rs = seed ^ 0x3000;
	struct ebpfdma_volume_add spare = {
		.id = SPARE_VOL, .fd = churn_fd, .start = 4 * REGION_BLOCKS,
		.blocks = 64,
	};
	struct sess ss;

	while (!atomic_load(&stop)) {
		unsigned int k = rnd(&rs) % 4;

		if (!volume_del(10 + k))
			c->dels++;
		usleep(rnd(&rs) % 20000);
		if (!volume_add(k))
			c->adds++;
		/* A fifth volume, deleted under a session of it. */
		if (!ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_ADD, &spare)) {
			c->spares += !sess_add(&ctl, SPARE_VOL, &ss,
					       EBPFDMA_PROTECT_MAC, 512,
					       64 * 512, 0, 0);
			volume_del(SPARE_VOL);
			sess_del(&ctl, ss.id);
		} else {
			c->busy++;
		}
		usleep(20000 + rnd(&rs) % 80000);
	}
	return NULL;
}

static int write_expected(const char *dir, unsigned int k, uint32_t bytes)
{
	char path[512];
	void *buf = malloc(bytes);
	FILE *f;

	snprintf(path, sizeof(path), "%s/region%u", dir, k);
	f = fopen(path, "w");
	if (!f || !buf)
		return -1;
	pattern(buf, k, 0, bytes);
	fwrite(buf, 1, bytes, f);
	fclose(f);
	free(buf);
	return 0;
}

static void touch(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static bool exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

static void check_book(const char *who, const struct book *b)
{
	uint64_t missing = book_pending(b);

	tap_ok(!b->dup, "%s: no completion seen twice or for a cookie never sent (%llu)",
	       who, (unsigned long long)b->dup);
	tap_ok(!missing,
	       "%s: every accepted write and flush completed (%llu of %llu missing; %llu on closed descriptors not counted)",
	       who, (unsigned long long)missing,
	       (unsigned long long)(b->accepted + b->flushes),
	       (unsigned long long)b->orphans);
	tap_ok(!b->errors, "%s: none with an error (%llu)", who,
	       (unsigned long long)b->errors);
}

int main(int argc, char **argv)
{
	struct submitter sub[SUBMITTERS];
	struct xdp_sender x = { 0 };
	struct churner c = { 0 };
	struct edma_rx_config cfg = { .port = PORT,
				      .full_policy = EBPFDMA_RX_FULL_PASS,
				      .pass_refused = 1 };
	unsigned int k, secs, left;
	char who[32];

	if (argc != 5) {
		fprintf(stderr, "usage: stress_test DISK SECONDS SEED OUTDIR\n");
		return 2;
	}
	disk = argv[1];
	secs = strtoul(argv[2], NULL, 0);
	seed = strtoull(argv[3], NULL, 0);
	tap_begin();
	churn_fd = open(disk, O_RDWR | O_EXCL);
	if (!tap_ok(churn_fd >= 0 && !edma_open(&ctl, O_RDWR),
		    "open %s exclusively and /dev/ebpfdma", disk))
		return tap_done();
	for (k = 0; k < 4; k++)
		tap_ok(!volume_add(k), "volume %u over region %u", 10 + k, k);
	if (!tap_ok(!edma_rx_load(&cfg, &x.skel) &&
			    !edma_rx_peer_add(edma_rx_peers_fd(x.skel),
					      "10.0.0.1"),
		    "load the receive program"))
		return tap_done();
	x.prog = edma_rx_prog_fd(x.skel);
	x.counters = edma_rx_counters_fd(x.skel);
	book_init(&x.b, XDP_UNITS);
	x.seq_of = malloc(XDP_GENS * XDP_UNITS * sizeof(*x.seq_of));
	x.placed = calloc(XDP_UNITS, 1);
	if (edma_wire2_init() || edma_open(&x.e, O_RDWR) || !x.seq_of ||
	    !x.placed || getrandom(&xdp_id_base, sizeof(xdp_id_base), 0) !=
				 sizeof(xdp_id_base)) {
		perror("xdp sender");
		return 2;
	}
	memset(x.seq_of, 0xff, XDP_GENS * XDP_UNITS * sizeof(*x.seq_of));
	xdp_id_base &= ~0xffffULL; /* generations never wrap to 0 */
	xdp_id_base |= 1ULL << 63;
	for (k = 0; k < SUBMITTERS; k++) {
		memset(&sub[k], 0, sizeof(sub[k]));
		sub[k].k = k;
		book_init(&sub[k].b, UNITS);
		pthread_create(&sub[k].t, NULL, submitter_run, &sub[k]);
	}
	pthread_create(&x.t, NULL, xdp_run, &x);
	pthread_create(&c.t, NULL, churn_run, &c);
	/* The shell starts its rmmod attempts now. */
	touch(argv[4], "ready");
	sleep(secs);
	atomic_store(&stop, true);
	pthread_join(c.t, NULL);
	for (k = 0; k < SUBMITTERS; k++)
		pthread_join(sub[k].t, NULL);
	pthread_join(x.t, NULL);
	printf("# churn: %llu deletions, %llu additions, %llu sessions of a fifth volume deleted under them\n",
	       (unsigned long long)c.dels, (unsigned long long)c.adds,
	       (unsigned long long)c.spares);
	tap_ok(c.dels > 0 && c.adds > 0, "volumes were deleted and added (%llu, %llu)",
	       (unsigned long long)c.dels, (unsigned long long)c.adds);

	/* Every volume back, then what was never written gets written. */
	for (k = 0; k < 4; k++)
		volume_add(k);
	for (k = 0; k < SUBMITTERS; k++) {
		snprintf(who, sizeof(who), "submitter %u", k);
		printf("# %s: %llu writes, %llu flushes accepted, %llu reopens, %llu refused (volume gone)\n",
		       who, (unsigned long long)sub[k].b.accepted,
		       (unsigned long long)sub[k].b.flushes,
		       (unsigned long long)sub[k].reopens,
		       (unsigned long long)sub[k].enodev);
		tap_ok(sub[k].b.accepted > 0 && sub[k].reopens > 0,
		       "%s wrote and reopened its descriptor", who);
		check_book(who, &sub[k].b);
		left = sweep(&sub[k]);
		tap_ok(!left, "%s: every block of its region written (%u left)",
		       who, left);
		write_expected(argv[4], k, REGION_BLOCKS * 512);
	}
	printf("# xdp: %llu runs, %llu placed, %llu pool full, %llu no volume, %llu no session, %llu duplicates, %llu sessions, %llu completions of a run of blocks\n",
	       (unsigned long long)x.runs, (unsigned long long)x.b.accepted,
	       (unsigned long long)x.full, (unsigned long long)x.no_volume,
	       (unsigned long long)x.no_session,
	       (unsigned long long)x.duplicates,
	       (unsigned long long)x.sessions, (unsigned long long)x.merged);
	tap_ok(x.b.accepted > 0 && x.no_volume > 0,
	       "the XDP path placed datagrams and was refused (err_no_volume) while its volume was gone");
	tap_ok(!x.cut_short, "the XDP sender had sessions until the end (%u of %u used)",
	       x.gen, XDP_GENS - XDP_SWEEP_GENS);
	tap_ok(!x.other && !x.duplicates,
	       "xdp: every datagram placed, or refused as pool full, volume or session gone (%llu duplicates, %llu other)",
	       (unsigned long long)x.duplicates, (unsigned long long)x.other);
	check_book("xdp", &x.b);
	left = xdp_sweep(&x);
	tap_ok(!left, "xdp: every block of its region written (%u left)", left);
	write_expected(argv[4], 3, XDP_UNITS * XDP_BODY);
	/* The shell stops its rmmod attempts before this lets go. */
	touch(argv[4], "done");
	for (k = 0; k < 100 && !exists(argv[4], "stopped"); k++)
		usleep(100000);
	edma_rx_destroy(x.skel);
	edma_close(&x.e);
	for (k = 0; k < 4; k++)
		volume_del(10 + k);
	edma_close(&ctl);
	close(churn_fd);
	return tap_done();
}

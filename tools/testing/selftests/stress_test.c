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
 *  - an XDP sender: BPF_PROG_TEST_RUN of the receive program with DATA
 *    datagrams of 512 bytes for volume 13 (the fourth 2 MiB region, of
 *    which the first 1 MiB is used), its descriptor bound to the volume
 *    (re-bound whenever the volume came back);
 *  - a churner deleting and adding the four volumes again, and binding
 *    and releasing a fifth;
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
#include "tools/lib/wire.h"
#include "tools/testing/selftests/tap.h"
#include "tools/testing/selftests/pkt.h"

#define REGION_BLOCKS 4096U /* 2 MiB of 512-byte blocks */
#define UNIT 4096U /* a submitter's write */
#define UNITS (REGION_BLOCKS * 512 / UNIT) /* 512 per region */
#define XDP_BODY 512U
#define XDP_UNITS 2048U /* 1 MiB of 512-byte datagrams */
#define SUBMITTERS 3
#define XDP_VOL 13U
#define SPARE_VOL 14U
#define TOKEN 0x5eed5eedULL
#define SESSION 77U
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
		.token = TOKEN,
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

static void book_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct book *b = arg;
	uint64_t seq = c->cookie & 0xffffffffULL;

	if (seq >= b->next) {
		b->dup++; /* a cookie never sent */
		return;
	}
	if (b->seen[seq]++) {
		b->dup++;
		return;
	}
	if (c->status)
		b->errors++;
	else if (!b->is_flush[seq])
		b->written[b->unit[seq]] = 1;
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
	uint64_t runs, refused, rebinds;
};

static int bind_xdp(struct edma *e)
{
	struct ebpfdma_volume_bind b = { .id = XDP_VOL };

	return ioctl(e->fd, EBPFDMA_IOC_VOLUME_BIND, &b);
}

/* Run the program on one DATA datagram; its verdict. */
static int run_data(struct xdp_sender *x, uint32_t seq, uint32_t u)
{
	static uint8_t frame[2048], payload[sizeof(struct ebpfdma_wire_hdr) +
					    XDP_BODY];
	struct ebpfdma_wire_hdr *h = (void *)payload;
	struct edma_wire w = {
		.type = EBPFDMA_WIRE_DATA, .flags = EBPFDMA_WIRE_F_CRC,
		.volume = XDP_VOL, .session = SESSION, .token = TOKEN,
		.lba = u, .seq = seq,
	};
	static const struct pkt src = { 0, 0, "10.0.0.1", PORT, IPPROTO_UDP };
	size_t len, udp_off;
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 1);

	pattern(payload + sizeof(*h), 3, (uint64_t)u * XDP_BODY, XDP_BODY);
	edma_wire_fill(h, &w, payload + sizeof(*h), XDP_BODY);
	len = build(frame, &src, payload, sizeof(payload), &udp_off);
	o.data_in = frame;
	o.data_size_in = len;
	if (bpf_prog_test_run_opts(x->prog, &o))
		return -1;
	x->runs++;
	return o.retval;
}

static void *xdp_run(void *arg)
{
	struct xdp_sender *x = arg;
	uint64_t rs = seed ^ 0x2000;
	struct edma e;

	if (edma_open(&e, O_RDWR))
		return NULL;
	bind_xdp(&e);
	while (!atomic_load(&stop) && x->b.next < MAX_OPS) {
		uint32_t u = rnd(&rs) % XDP_UNITS, seq = x->b.next;
		int v;

		x->b.unit[seq] = u;
		v = run_data(x, seq, u);
		if (v == XDP_DROP) {
			x->b.next++;
			x->b.accepted++;
		} else {
			/* Refused (volume gone, unbound, full): bind again. */
			x->refused++;
			if (!bind_xdp(&e))
				x->rebinds++;
			edma_wait(&e, 2);
		}
		edma_reap(&e, book_cqe, &x->b);
	}
	drain(&e, &x->b, 30000);
	edma_close(&e);
	return NULL;
}

/* Send every unit of the XDP region not written yet. */
static unsigned int xdp_sweep(struct xdp_sender *x)
{
	unsigned int u, left = 0, tries;
	struct edma e;

	if (edma_open(&e, O_RDWR) || bind_xdp(&e))
		return XDP_UNITS;
	for (u = 0; u < XDP_UNITS; u++) {
		for (tries = 0; tries < 3 && !x->b.written[u]; tries++) {
			uint32_t seq = x->b.next;

			x->b.unit[seq] = u;
			if (run_data(x, seq, u) != XDP_DROP)
				continue;
			x->b.next++;
			x->b.accepted++;
			drain(&e, &x->b, 30000);
		}
		left += !x->b.written[u];
	}
	edma_close(&e);
	return left;
}

/* ---- the churner ------------------------------------------------------ */

struct churner {
	pthread_t t;
	uint64_t dels, adds, binds, busy;
};

static void *churn_run(void *arg)
{
	struct churner *c = arg;
	uint64_t rs = seed ^ 0x3000;
	struct ebpfdma_volume_add spare = {
		.id = SPARE_VOL, .fd = churn_fd, .start = 4 * REGION_BLOCKS,
		.blocks = 64, .token = 1,
	};
	struct ebpfdma_volume_bind b = { .id = SPARE_VOL };

	while (!atomic_load(&stop)) {
		unsigned int k = rnd(&rs) % 4;

		if (!volume_del(10 + k))
			c->dels++;
		usleep(rnd(&rs) % 20000);
		if (!volume_add(k))
			c->adds++;
		/* A fifth volume, bound and released while others churn. */
		if (!ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_ADD, &spare)) {
			b.flags = 0;
			c->binds += !ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_BIND, &b);
			b.flags = EBPFDMA_BIND_RELEASE;
			ioctl(ctl.fd, EBPFDMA_IOC_VOLUME_BIND, &b);
			volume_del(SPARE_VOL);
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
	book_init(&x.b, XDP_UNITS);
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
	printf("# churn: %llu deletions, %llu additions, %llu binds of a fifth volume\n",
	       (unsigned long long)c.dels, (unsigned long long)c.adds,
	       (unsigned long long)c.binds);
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
	printf("# xdp: %llu runs, %llu placed, %llu refused, %llu rebinds\n",
	       (unsigned long long)x.runs, (unsigned long long)x.b.accepted,
	       (unsigned long long)x.refused, (unsigned long long)x.rebinds);
	tap_ok(x.b.accepted > 0 && x.refused > 0,
	       "the XDP path placed datagrams and was refused while its volume was gone");
	check_book("xdp", &x.b);
	left = xdp_sweep(&x);
	tap_ok(!left, "xdp: every block of its region written (%u left)", left);
	write_expected(argv[4], 3, XDP_UNITS * XDP_BODY);
	/* The shell stops its rmmod attempts before this lets go. */
	touch(argv[4], "done");
	for (k = 0; k < 100 && !exists(argv[4], "stopped"); k++)
		usleep(100000);
	edma_rx_destroy(x.skel);
	for (k = 0; k < 4; k++)
		volume_del(10 + k);
	edma_close(&ctl);
	close(churn_fd);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest (guest, root): datagram fuzzer of the XDP receive path.  Mutated
 * wire version 2 DATA, through BPF_PROG_TEST_RUN of the receive program
 * and its call of the module's kfunc: truncations, bit flips, header fields
 * swapped or set to boundary values, bytes appended, replays of earlier
 * datagrams, datagrams sealed under a wrong key or another session's, and
 * the sessions themselves deleted and added again under the traffic.
 *
 * Every datagram is judged by user space too (tools/lib/wire2.c and the
 * sessions' rules), and the two must agree on each: a block is placed
 * exactly when its datagram opens under its live session's key, is
 * well-formed, in the transfer, of its block's length and not placed yet
 * (or it is refused for want of a slot or a ring entry, counted apart).
 * Every placed write must complete without error, and the window must
 * hold exactly what was placed (read back with O_DIRECT; IMAGE is written
 * for the host to compare with the disk).
 *
 *   rx_fuzz DISK START BLOCKS DATAGRAMS SEED IMAGE
 *
 * START and BLOCKS: the window, in 512-byte blocks; the sessions take its
 * first three quarters, the last quarter must stay zero.
 *
 * Coverage: with KCOV (the debug kernel) and a module built with
 * EBPFDMA_KCOV=y, the module's code each run reaches in the calling task
 * is collected, and the distinct places are counted ("# kcov: N").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/kcov.h>

#include "tools/lib/ebpfdma.h"
#include "tools/lib/rx.h"
#include "tools/lib/wire2.h"
#include "tools/testing/selftests/tap.h"
#include "tools/testing/selftests/pkt.h"
#include "tools/testing/selftests/sess.h"
#include "tools/testing/selftests/xdprun.h"

#define PORT 7788
#define VOL 21U
#define NS 3 /* sessions: one of each protection */
#define BS 512U /* their block size */
#define REPLAYS 64 /* datagrams kept for replay */
#define DGRAM_MAX (BS + 256)

static const struct pkt SRC = { 0, 0, "10.0.0.1", PORT, IPPROTO_UDP, 0 };

static struct edma E;
static struct prog P;
static uint8_t *img; /* what the window must hold */
static uint64_t win_blocks, sess_blocks_each;
static uint64_t rng;

static struct live {
	struct sess s;
	uint8_t *placed; /* a byte per block */
} L[NS];

/* KCOV of the calling task: the places reached, a set of them. */
#define COVER_WORDS (64 << 10)
#define SEEN_SLOTS (1 << 16)
static unsigned long *cover;
static uint64_t seen[SEEN_SLOTS];
static unsigned int nr_seen;

static struct {
	uint64_t frames, placed, full, completed, failed, mismatches;
	uint64_t churns, by_kind[7];
} st;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void kcov_start(void)
{
	int fd = open("/sys/kernel/debug/kcov", O_RDWR);

	if (fd < 0)
		return;
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS) ||
	    (cover = mmap(NULL, COVER_WORDS * sizeof(long),
			  PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
		    MAP_FAILED ||
	    ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		cover = NULL;
}

/* Add the places of the last run to the set. */
static void kcov_collect(void)
{
	unsigned long i, n, pc, h;

	if (!cover)
		return;
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	for (i = 1; i <= n && i < COVER_WORDS; i++) {
		pc = cover[i];
		for (h = pc * 0x9e3779b97f4a7c15ULL >> 48;; h = (h + 1) % SEEN_SLOTS) {
			if (seen[h] == pc)
				break;
			if (!seen[h] && nr_seen < SEEN_SLOTS / 2) {
				seen[h] = pc;
				nr_seen++;
				break;
			}
			if (!seen[h])
				break;
		}
	}
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
}

static void on_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	(void)arg;
	st.completed++;
	if (c->status) {
		if (st.failed++ < 5)
			printf("# a write failed: lba %llu status %d\n",
			       (unsigned long long)c->lba, c->status);
	}
}

/* Take the posted completions; with @all, until every placed one is. */
static void reap(int all)
{
	edma_reap(&E, on_cqe, NULL);
	while (all && st.completed < st.placed) {
		if (edma_wait(&E, 10000) <= 0 && st.completed < st.placed) {
			printf("# %llu writes never completed\n",
			       (unsigned long long)(st.placed - st.completed));
			exit(tap_done());
		}
		edma_reap(&E, on_cqe, NULL);
	}
}

static void add(unsigned int i)
{
	static const uint32_t protect[NS] = {
		EBPFDMA_PROTECT_AEAD, EBPFDMA_PROTECT_MAC, EBPFDMA_PROTECT_CRC,
	};

	if (sess_add(&E, VOL, &L[i].s, protect[i], BS, sess_blocks_each * BS,
		     i * sess_blocks_each, 0))
		die("SESSION_ADD");
	memset(L[i].placed, 0, sess_blocks_each);
}

/* The live session of id @id, or NULL. */
static struct live *live_of(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < NS; i++)
		if (L[i].s.id == id)
			return &L[i];
	return NULL;
}

/*
 * User space's verdict on datagram @d of @n bytes: the session and block
 * it would place (and its body, opened, in @body), or NULL.
 */
static struct live *judge(const uint8_t *d, size_t n, uint32_t *index,
			  uint8_t *body)
{
	static uint8_t copy[DGRAM_MAX + 64];
	struct ebpfdma_wire2_hdr h;
	struct edma_wire2 w;
	struct live *l;

	if (n < sizeof(h) || n > sizeof(copy))
		return NULL;
	memcpy(&h, d, sizeof(h));
	l = live_of(be64toh(h.session));
	if (!l || !h.session)
		return NULL;
	memcpy(copy, d, n);
	if (edma_wire2_open(copy, n, &w, l->s.protect, l->s.key) ||
	    w.type != EBPFDMA_WIRE2_DATA || w.flags & ~EBPFDMA_WIRE2_F_ALL ||
	    !w.len || w.index >= sess_blocks_each || w.len != BS ||
	    l->placed[w.index])
		return NULL;
	*index = w.index;
	memcpy(body, copy + EBPFDMA_WIRE2_HDR_LEN, BS);
	return l;
}

/* Overwrite a header field of @d with a boundary or random value. */
static void field(uint8_t *d, size_t n)
{
	static const size_t off[] = { 0, 4, 5, 6, 8, 16, 24, 28 };
	static const size_t len[] = { 4, 1, 1, 2, 8, 8, 4, 4 };
	unsigned int f = rnd() % 8, i;
	uint64_t v;

	switch (rnd() % 6) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = ~0ULL; break;
	case 3: v = sess_blocks_each - 1 + rnd() % 3; break;
	case 4: v = L[rnd() % NS].s.id; break; /* another session's */
	default: v = rnd(); break;
	}
	for (i = 0; i < len[f] && off[f] + i < n; i++)
		d[off[f] + i] = v >> (8 * (len[f] - 1 - i));
}

/* A datagram of the fuzzer's choosing in @d: its length. */
static size_t datagram(uint8_t *d)
{
	static uint8_t kept[REPLAYS][DGRAM_MAX];
	static size_t kept_len[REPLAYS];
	static unsigned int nr_kept;
	uint8_t body[BS], wrong[EBPFDMA_WIRE2_KEY_LEN];
	struct live *l = &L[rnd() % NS];
	uint32_t index = rnd() % (sess_blocks_each + 2);
	unsigned int kind = rnd() % 8 % 7, i; /* 0 twice as often */
	struct sess other;
	size_t n;

	for (i = 0; i < BS; i += 8) {
		uint64_t v = rnd();

		memcpy(body + i, &v, 8);
	}
	if (kind == 1 && nr_kept) { /* a replay */
		i = rnd() % (nr_kept < REPLAYS ? nr_kept : REPLAYS);
		memcpy(d, kept[i], kept_len[i]);
		st.by_kind[kind]++;
		return kept_len[i];
	}
	if (kind == 2) { /* sealed under a wrong key or another's */
		other = l->s;
		for (i = 0; i < sizeof(wrong); i++)
			wrong[i] = rnd();
		memcpy(other.key, rnd() & 1 ? wrong : L[(l - L + 1) % NS].s.key,
		       sizeof(other.key));
		other.protect = rnd() % 3;
		n = sess_seal(d, &other, index, body, BS, 0);
	} else {
		n = sess_seal(d, &l->s, index, body, BS, 0);
	}
	memcpy(kept[nr_kept % REPLAYS], d, n);
	kept_len[nr_kept++ % REPLAYS] = n;
	st.by_kind[kind]++;
	switch (kind) {
	case 3: /* truncated */
		n = rnd() % n;
		break;
	case 4: /* bits flipped: one to five */
		for (i = 1 + rnd() % 5; i; i--) {
			size_t b = rnd() % (n * 8);

			d[b / 8] ^= 1 << (b % 8);
		}
		break;
	case 5: /* header fields */
		for (i = 1 + rnd() % 2; i; i--)
			field(d, n);
		break;
	case 6: /* bytes appended */
		for (i = 1 + rnd() % 64; i; i--)
			d[n++] = rnd();
		break;
	default: /* 0: as sealed (a duplicate once placed); 2: as made */
		break;
	}
	return n;
}

static void one(void)
{
	static uint8_t d[DGRAM_MAX + 64], pkt[DGRAM_MAX + 128], out[4096];
	struct ebpfdma_rx_counters before, after;
	uint8_t body[BS];
	uint32_t index = 0;
	struct live *l;
	size_t n, uo;
	uint64_t placed, full;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	n = datagram(d);
	l = judge(d, n, &index, body);
	o.data_in = pkt;
	o.data_size_in = build(pkt, &SRC, d, n, &uo);
	edma_rx_counters_read(P.counters, &before, NULL, 0);
	if (cover)
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	if (bpf_prog_test_run_opts(P.fd, &o))
		die("BPF_PROG_TEST_RUN");
	kcov_collect();
	edma_rx_counters_read(P.counters, &after, NULL, 0);
	st.frames++;
	placed = edma_rx_field(&after, CTR(placed)) -
		 edma_rx_field(&before, CTR(placed));
	full = edma_rx_field(&after, CTR(err_full)) -
	       edma_rx_field(&before, CTR(err_full));
	if (placed == 1 && l) {
		l->placed[index] = 1;
		memcpy(img + (l->s.lba + index) * 512ULL, body, BS);
		st.placed++;
	} else if (!placed && l && full == 1) {
		st.full++; /* no slot or ring entry now: not placed, rightly */
	} else if (placed || l) {
		if (st.mismatches++ < 5)
			printf("# frame %llu: the kernel placed %llu, user space says %s (kind counts so far: replay %llu)\n",
			       (unsigned long long)st.frames,
			       (unsigned long long)placed,
			       l ? "it places" : "it does not",
			       (unsigned long long)st.by_kind[1]);
	}
	if (o.retval != XDP_DROP && o.retval != XDP_PASS && st.mismatches++ < 5)
		printf("# frame %llu: verdict %u\n",
		       (unsigned long long)st.frames, o.retval);
	if (!(st.frames % 32) || full)
		reap(!!full);
}

int main(int argc, char **argv)
{
	uint64_t start, n, i;
	uint8_t *buf;
	char path[64];
	int diskfd, rfd, fd;

	if (argc != 7) {
		fprintf(stderr,
			"usage: %s DISK START BLOCKS DATAGRAMS SEED IMAGE\n",
			argv[0]);
		return 2;
	}
	start = strtoull(argv[2], NULL, 0);
	win_blocks = strtoull(argv[3], NULL, 0);
	n = strtoull(argv[4], NULL, 0);
	rng = strtoull(argv[5], NULL, 0) * 2654435761ULL + 1;
	sess_blocks_each = win_blocks / 4;
	tap_begin();
	if (edma_wire2_init())
		die("sodium_init");
	if (edma_open(&E, O_RDWR))
		die("open /dev/ebpfdma");
	img = calloc(win_blocks, 512);
	buf = aligned_alloc(4096, win_blocks * 512);
	if (!img || !buf)
		die("calloc");
	if (!tap_ok(!edma_volume_add(&E, VOL, argv[1], start, win_blocks, 0,
				     &diskfd),
		    "volume %u: %llu blocks at block %llu of %s", VOL,
		    (unsigned long long)win_blocks, (unsigned long long)start,
		    argv[1]))
		return tap_done();
	xr_load(&P, "rx_fuzz", PORT, EBPFDMA_RX_FULL_DROP, 0);
	for (i = 0; i < NS; i++) {
		L[i].placed = calloc(sess_blocks_each, 1);
		if (!L[i].placed)
			die("calloc");
		add(i);
	}

	kcov_start();
	for (i = 0; i < n; i++) {
		one();
		/*
		 * Eight times a run, a session deleted with its writes in
		 * flight, and its blocks given to a new one once they
		 * completed (two writes of one block at once would leave
		 * the disk either's).
		 */
		if (n >= 8 && i && !(i % (n / 8))) {
			unsigned int k = rnd() % NS;

			if (sess_del(&E, L[k].s.id))
				die("SESSION_DEL");
			reap(1);
			add(k);
			st.churns++;
		}
	}
	reap(1);
	if (cover)
		printf("# kcov: %u distinct places of the kernel's instrumented code reached\n",
		       nr_seen);
	else
		printf("# kcov: none (no /sys/kernel/debug/kcov)\n");
	printf("# %llu datagrams: %llu placed, %llu refused for want of a slot, %llu sessions replaced\n",
	       (unsigned long long)st.frames, (unsigned long long)st.placed,
	       (unsigned long long)st.full, (unsigned long long)st.churns);
	printf("# kinds: sealed %llu, replayed %llu, wrong key %llu, truncated %llu, flipped %llu, fields %llu, appended %llu\n",
	       (unsigned long long)st.by_kind[0],
	       (unsigned long long)st.by_kind[1],
	       (unsigned long long)st.by_kind[2],
	       (unsigned long long)st.by_kind[3],
	       (unsigned long long)st.by_kind[4],
	       (unsigned long long)st.by_kind[5],
	       (unsigned long long)st.by_kind[6]);
	tap_ok(st.frames == n, "%llu mutated datagrams through the program and the kfunc",
	       (unsigned long long)n);
	tap_ok(!st.mismatches,
	       "the kernel placed exactly the datagrams user space opens and the session admits (%llu disagreements)",
	       (unsigned long long)st.mismatches);
	tap_ok(st.placed > 0 && st.completed == st.placed && !st.failed,
	       "each of the %llu placed writes completed, none failed",
	       (unsigned long long)st.placed);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", diskfd);
	rfd = open(path, O_RDONLY | O_DIRECT);
	if (rfd < 0)
		die("open disk O_DIRECT");
	tap_ok(pread(rfd, buf, win_blocks * 512, start * 512) ==
			       (ssize_t)(win_blocks * 512) &&
		       !memcmp(buf, img, win_blocks * 512),
	       "the window holds exactly the blocks placed, zero elsewhere (read back with O_DIRECT)");
	close(rfd);
	fd = open(argv[6], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, img, win_blocks * 512) !=
			      (ssize_t)(win_blocks * 512) ||
	    close(fd))
		die(argv[6]);
	edma_rx_destroy(P.skel);
	tap_ok(!edma_volume_del(&E, VOL), "VOLUME_DEL");
	close(diskfd);
	edma_close(&E);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest (guest, root): ioctl fuzzer.  Calls on /dev/ebpfdma with
 * random command numbers (ours and others') and random arguments (random
 * structures, NULL, unmapped and kernel addresses), and for our commands
 * often structures of plausible and boundary values: the volume being
 * changed, live session ids, slots of the caller's, the window's first and
 * last blocks and those just past them.  Every call must return 0 or one
 * of the errors the ABI documents; the harness fails the run on any kernel
 * splat or hung task.
 *
 *   ioctl_fuzz CALLS SEED
 *	one thread, no volume: nothing can reach a disk;
 *   ioctl_fuzz CALLS SEED THREADS DISK START BLOCKS
 *	THREADS threads share CALLS, while another adds volume CHURN_VOL on
 *	DISK anywhere in [START, START + BLOCKS) (512-byte blocks), adds
 *	and deletes sessions on it, and deletes it, over and over.  The
 *	host checks that nothing was written outside that range.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tools/lib/ebpfdma.h"
#include "uapi/ebpfdma.h"
#include "uapi/ebpfdma_wire.h"
#include "tap.h"

#define CHURN_VOL 30U
/* Where the disk's descriptor is kept: out of reach of the small numbers
 * random arguments are made of. */
#define DISK_FD 900

static __thread uint64_t rng;
static uint64_t win_start, win_blocks;
static _Atomic uint64_t live_ids[4], churns, queued;
static _Atomic int stop;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const unsigned long valid_cmds[] = {
	EBPFDMA_IOC_GET_INFO,	 EBPFDMA_IOC_SLOTS_ALLOC,
	EBPFDMA_IOC_SLOTS_FREE,	 EBPFDMA_IOC_VOLUME_ADD,
	EBPFDMA_IOC_VOLUME_DEL,	 EBPFDMA_IOC_VOLUME_LIST,
	EBPFDMA_IOC_SUBMIT,	 EBPFDMA_IOC_FLUSH,
	EBPFDMA_IOC_GET_STATS,	 EBPFDMA_IOC_SESSION_ADD,
	EBPFDMA_IOC_SESSION_DEL, EBPFDMA_IOC_SESSION_SUBMIT,
};

static int documented(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case ENOBUFS: case ERANGE:
	case EPERM: case ENODEV: case EBADF: case ENOTBLK: case EACCES:
	case EEXIST: case EAGAIN: case ENOENT: case EBUSY: case E2BIG:
	case EALREADY: case ENOMEM: case ETIMEDOUT:
		return 1;
	}
	return 0;
}

/* A plausible or boundary block of the churned window, or any. */
static uint64_t some_lba(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return win_blocks ? win_blocks - 1 : 0;
	case 2: return win_blocks;
	case 3: return win_blocks + 1;
	case 4: return ~0ULL - rnd() % 2;
	case 5: return win_blocks ? rnd() % win_blocks : rnd();
	default: return rnd() % 16; /* inside most windows the churn makes */
	}
}

static uint32_t some_len(void)
{
	static const uint32_t lens[] = { 512, 4096, 1024, 0, 1, 511, 8192, 1 << 20 };

	return rnd() % 4 ? lens[rnd() % (rnd() & 1 ? 3 : 8)] : (uint32_t)rnd();
}

/*
 * What a worker holds: its slots, the sessions it added, and the slots of
 * the descriptors its last SUBMIT or SESSION_SUBMIT carried, in order.
 */
struct held {
	uint32_t slots[64];
	unsigned int nr_slots;
	uint64_t ids[4];
	uint32_t sent[8];
};

/* One of the worker's slots mostly, else any number. */
static uint32_t some_slot(const struct held *h)
{
	return h->nr_slots && rnd() % 4 ? h->slots[rnd() % h->nr_slots] :
					  (uint32_t)rnd() % 5000;
}

/*
 * The slots of the @done writes a SUBMIT queued went to the engine (the
 * pool takes them back when they complete): no longer the worker's.
 */
static void forget_sent(struct held *h, uint32_t done)
{
	unsigned int k, j;

	for (k = 0; k < done && k < 8; k++)
		for (j = 0; j < h->nr_slots; j++)
			if (h->slots[j] == h->sent[k]) {
				h->slots[j] = h->slots[--h->nr_slots];
				break;
			}
}

/* A live session id: the worker's own mostly, else the churn's or any. */
static uint64_t some_id(const struct held *h)
{
	switch (rnd() % 4) {
	case 0: return live_ids[rnd() % 4];
	case 1: return rnd();
	default: return h->ids[rnd() % 4] + (rnd() % 8 == 0);
	}
}

/* A structure of plausible and boundary values for our command @cmd. */
static void *plausible(unsigned long cmd, uint64_t *buf, struct held *h)
{
	static __thread struct ebpfdma_desc d[8];
	static __thread struct ebpfdma_session_desc sd[8];
	struct ebpfdma_submit *s = (void *)buf;
	unsigned int i;

	memset(buf, 0, 32 * 8);
	if (cmd == EBPFDMA_IOC_SESSION_SUBMIT || cmd == EBPFDMA_IOC_SUBMIT)
		s->count = rnd() % 8 ? 1 + rnd() % 8 : rnd() % 100;
	if (cmd == EBPFDMA_IOC_SESSION_SUBMIT) {
		for (i = 0; i < 8; i++)
			sd[i] = (struct ebpfdma_session_desc){
				.session = some_id(h),
				.index = rnd() % 3 ? rnd() % 8 : (uint32_t)rnd(),
				.slot = h->sent[i] = some_slot(h),
				.len = some_len(),
				.flags = rnd() % 4 ? 0 : (uint32_t)rnd() % 16,
				.reserved = rnd() % 8 ? 0 : rnd(),
			};
		s->descs = (uintptr_t)sd;
	} else if (cmd == EBPFDMA_IOC_SUBMIT) {
		for (i = 0; i < 8; i++)
			d[i] = (struct ebpfdma_desc){
				.lba = some_lba(), .cookie = rnd(),
				.volume = rnd() % 4 ? CHURN_VOL : rnd() % 70,
				.slot = h->sent[i] = some_slot(h),
				.len = some_len(),
				.flags = rnd() % 4 ? 0 : (uint32_t)rnd() % 16,
			};
		if (h->nr_slots && rnd() % 2) /* the first one plausible indeed */
			d[0] = (struct ebpfdma_desc){
				.lba = rnd() % 8, .volume = CHURN_VOL,
				.slot = h->sent[0] = h->slots[rnd() % h->nr_slots],
				.len = 512,
			};
		s->descs = (uintptr_t)d;
	} else if (cmd == EBPFDMA_IOC_SESSION_ADD) {
		struct ebpfdma_session_add *a = (void *)buf;

		a->id = rnd() % 3 ? some_id(h) : rnd();
		a->volume = rnd() % 4 ? CHURN_VOL : rnd() % 70;
		a->protect = rnd() % 4;
		a->block_size = some_len();
		a->lba = some_lba();
		a->length = rnd() % 2 ? (uint64_t)some_len() * (rnd() % 9) :
					rnd();
		a->idle_ms = rnd() % 3 ? 0 : (uint32_t)rnd();
		a->flags = rnd() % 3 ? 0 : (uint32_t)rnd();
		memset(a->key, rnd() % 2 ? 0 : 0x5a, sizeof(a->key));
	} else if (cmd == EBPFDMA_IOC_SESSION_DEL) {
		*buf = some_id(h);
	} else if (cmd == EBPFDMA_IOC_VOLUME_DEL) {
		*(uint32_t *)buf = rnd() % 8 ? CHURN_VOL + 1 : CHURN_VOL;
	} else {
		for (i = 0; i < 32; i++)
			buf[i] = rnd() % 3 ? rnd() % 8 : rnd();
	}
	return buf;
}

/* A random argument: a buffer of random words, some of them pointers. */
static void *random_arg(uint64_t *buf, size_t words, uint64_t *targets)
{
	size_t i;

	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return (void *)8; /* unmapped */
	case 2:
		return (void *)0xffffffff81000000ULL; /* a kernel address */
	}
	for (i = 0; i < words; i++) {
		switch (rnd() % 6) {
		case 0: buf[i] = 0; break;
		case 1: buf[i] = rnd() % 8; break;
		case 2: buf[i] = (uintptr_t)targets; break; /* a real array */
		case 3: buf[i] = rnd() & 0xffffffff; break;
		case 4: buf[i] = (uint64_t)(rnd() % 300) << 32 | rnd() % 70; break;
		default: buf[i] = rnd(); break;
		}
	}
	return buf;
}

struct worker {
	pthread_t t;
	uint64_t seed;
	unsigned long calls, ok, bad;
};

static void drop_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	(void)c;
	(void)arg;
}

/* Slots of its own again, when a worker has few left. */
static void refill(struct edma *e, struct held *h)
{
	struct ebpfdma_slot_batch b = {
		.slots = (uintptr_t)(h->slots + h->nr_slots),
		.count = 16,
	};

	if (h->nr_slots <= 48 && !ioctl(e->fd, EBPFDMA_IOC_SLOTS_ALLOC, &b))
		h->nr_slots += b.done;
}

/*
 * A session of the worker's own on the churned volume, when there is one
 * (the worker's SESSION_SUBMITs and SESSION_DELs reach only its own).
 */
static void own_session(struct edma *e, struct held *h)
{
	struct ebpfdma_session_add a = {
		.volume = CHURN_VOL, .protect = EBPFDMA_PROTECT_CRC,
		.block_size = 512, .length = 8 * 512, .lba = rnd() % 8,
		.idle_ms = rnd() % 4 ? 0 : 1 + rnd() % 50,
	};

	a.id = rnd() | 1;
	if (!ioctl(e->fd, EBPFDMA_IOC_SESSION_ADD, &a))
		h->ids[rnd() % 4] = a.id;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t buf[32], targets[512], i;
	struct held h = { .nr_slots = 0 };
	unsigned long n, cmd;
	struct edma e;
	int fd, other, ret, err, structured;

	rng = w->seed | 1;
	if (edma_open(&e, O_RDWR))
		return NULL;
	other = open("/dev/ebpfdma", O_RDONLY);
	for (n = 0; n < w->calls; n++) {
		void *a;

		if (win_blocks && !(n % 16)) {
			refill(&e, &h);
			own_session(&e, &h);
		}

		switch (rnd() % 4) {
		case 0: /* one of ours, exactly */
		case 1:
			cmd = valid_cmds[rnd() % (sizeof(valid_cmds) /
						 sizeof(valid_cmds[0]))];
			break;
		case 2: /* our magic, any number, direction and size */
			cmd = _IOC(rnd() % 4, EBPFDMA_IOC_MAGIC, rnd() % 16,
				   rnd() % 512);
			break;
		default: /* anything */
			cmd = (unsigned long)rnd();
			break;
		}
		for (i = 0; i < 512; i++)
			targets[i] = rnd() % 5000;
		structured = win_blocks && rnd() % 2;
		a = structured ? plausible(cmd, buf, &h) :
				 random_arg(buf, sizeof(buf) / 8, targets);
		fd = n % 3 || other < 0 ? e.fd : other;
		errno = 0;
		ret = ioctl(fd, cmd, a);
		err = errno;
		if (ret >= 0 || (ret == -1 && documented(err))) {
			w->ok++;
			if ((cmd == EBPFDMA_IOC_SUBMIT ||
			     cmd == EBPFDMA_IOC_SESSION_SUBMIT) && structured &&
			    fd == e.fd) {
				struct ebpfdma_submit sub;

				memcpy(&sub, buf, sizeof(sub));
				queued += sub.done;
				forget_sent(&h, sub.done);
			}
		} else if (w->bad++ < 10) {
			printf("# cmd %#lx returned %d errno %d (%s)\n", cmd, ret,
			       err, strerror(err));
		}
		if (!(n % 64))
			edma_reap(&e, drop_cqe, NULL);
	}
	if (other >= 0)
		close(other);
	edma_close(&e);
	return NULL;
}

/*
 * Volume CHURN_VOL, over and over: added somewhere in the window, given
 * sessions, its sessions deleted, deleted (EBUSY while writes are in
 * flight: again).  Until the workers are done.
 */
static void *churn(void *arg)
{
	struct edma e;

	(void)arg;
	rng = 0x9e3779b97f4a7c15ULL;
	if (edma_open(&e, O_RDWR))
		return NULL;
	while (!stop) {
		uint64_t off = rnd() % win_blocks, len;
		struct ebpfdma_volume_add v = { .id = CHURN_VOL, .fd = DISK_FD };
		unsigned int i;

		len = 1 + rnd() % (win_blocks - off);
		v.start = win_start + off;
		v.blocks = len;
		if (ioctl(e.fd, EBPFDMA_IOC_VOLUME_ADD, &v))
			continue;
		for (i = 0; i < 4; i++) {
			struct ebpfdma_session_add s = {
				.volume = CHURN_VOL, .protect = rnd() % 3,
				.block_size = 512U << rnd() % 4,
				.lba = rnd() % len,
			};

			s.id = rnd() | 1;
			s.length = 1 + rnd() % ((len - s.lba) * 512);
			memset(s.key, 0x33, sizeof(s.key));
			if (!ioctl(e.fd, EBPFDMA_IOC_SESSION_ADD, &s))
				live_ids[i] = s.id;
		}
		/* The volume stays a while: the workers' calls meet it. */
		for (i = 0; i < 200 && !stop; i++) {
			struct ebpfdma_stats st;

			ioctl(e.fd, EBPFDMA_IOC_GET_STATS, &st);
		}
		for (i = 0; i < 4; i++) {
			struct ebpfdma_session_del d = { .id = live_ids[i] };

			ioctl(e.fd, EBPFDMA_IOC_SESSION_DEL, &d);
		}
		while (ioctl(e.fd, EBPFDMA_IOC_VOLUME_DEL,
			     &(struct ebpfdma_volume_del){ .id = CHURN_VOL }) &&
		       errno == EBUSY)
			edma_reap(&e, drop_cqe, NULL);
		churns++;
	}
	edma_close(&e);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 50000;
	unsigned int threads = argc > 3 ? strtoul(argv[3], NULL, 0) : 1, i;
	unsigned long ok = 0, bad = 0;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	struct worker *w;
	pthread_t c;
	int fd;

	tap_begin();
	if (argc == 7) {
		win_start = strtoull(argv[5], NULL, 0);
		win_blocks = strtoull(argv[6], NULL, 0);
		fd = open(argv[4], O_RDWR | O_EXCL);
		if (!tap_ok(fd >= 0 && win_blocks &&
				    dup2(fd, DISK_FD) == DISK_FD,
			    "open %s, the churned volume's disk", argv[4]))
			return tap_done();
		close(fd);
	} else if (argc != 3 && argc != 1) {
		fprintf(stderr,
			"usage: %s CALLS SEED [THREADS DISK START BLOCKS]\n",
			argv[0]);
		return 2;
	}
	if (!threads)
		threads = 1;
	w = calloc(threads, sizeof(*w));
	if (!w)
		return 2;
	if (win_blocks && pthread_create(&c, NULL, churn, NULL))
		return 2;
	for (i = 0; i < threads; i++) {
		w[i].seed = (seed + 1) * (i + 1) * 0x9e3779b97f4a7c15ULL;
		w[i].calls = calls / threads + (i < calls % threads);
		if (pthread_create(&w[i].t, NULL, work, &w[i]))
			return 2;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].t, NULL);
		ok += w[i].ok;
		bad += w[i].bad;
	}
	stop = 1;
	if (win_blocks)
		pthread_join(c, NULL);
	tap_ok(ok + bad == calls && bad == 0,
	       "%lu ioctls from %u threads%s: %lu gave 0 or a documented error, %lu did not",
	       calls, threads,
	       win_blocks ? ", the volume and its sessions changing" : "", ok,
	       bad);
	if (win_blocks) {
		printf("# volume %u added and deleted %llu times; SUBMIT and SESSION_SUBMIT queued %llu writes\n",
		       CHURN_VOL, (unsigned long long)churns,
		       (unsigned long long)queued);
		tap_ok(churns > 0, "the volume changed under the calls (%llu times)",
		       (unsigned long long)churns);
		close(DISK_FD);
	}
	/* The module still works after the storm. */
	fd = open("/dev/ebpfdma", O_RDWR);
	{
		struct ebpfdma_info info;

		tap_ok(fd >= 0 && ioctl(fd, EBPFDMA_IOC_GET_INFO, &info) == 0 &&
			       info.abi_version == EBPFDMA_ABI_VERSION,
		       "GET_INFO still answers afterwards");
	}
	close(fd);
	free(w);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl serve CONFIG: the storage node's daemon, wire version 2
 * (uapi/PROTOCOL.md).
 *
 * It loads each volume's secret from its key file, adds and binds the
 * volumes (their completions come to this process's ring), attaches the
 * XDP program, and then:
 *   - admits sessions: a HELLO that verifies under the volume's handshake
 *     key and asks for blocks the volume holds gets a session id of 64
 *     random bits, keys derived from both sides' nonces, the session
 *     installed in the module (SESSION_ADD), and a WELCOME;
 *   - reads completions from the ring (mmap + poll): each names its
 *     session and block;
 *   - makes completed blocks durable by group commit: one FLUSH (of what
 *     has completed, EBPFDMA_FLUSH_NOW) covers every completion read before
 *     it was issued, unless the volume writes with FUA or the device had no
 *     volatile write cache when the write completed (EBPFDMA_CQE_STABLE);
 *   - acknowledges to each sender only durable blocks, in ACKs sealed
 *     under the session's k_ack;
 *   - answers COMMIT once a flush issued after it completed, and then
 *     deletes the session: nothing of it is written again;
 *   - verifies DATA the fast path could not take (XDP off, pool full with
 *     policy "pass") on a UDP socket and hands it to the module
 *     (SESSION_SUBMIT), under the same once-only marks;
 *   - ends sessions idle past idle_timeout, and those whose writes or
 *     flush failed;
 *   - hands its counters to the metrics endpoint, which answers from a
 *     thread of its own (metrics_http.c, metrics.c): a slow or silent
 *     client never holds up this loop.
 * SIGTERM / SIGINT: detach, let every write complete, flush, acknowledge,
 * delete the volumes, exit 0.  SIGHUP: read the configuration again and
 * apply its peers and keys (reload()); sessions go on.  The service
 * manager hears READY, RELOADING, STOPPING and a STATUS (notify.c).  Its sessions end with it (the module
 * deletes them when the descriptor closes): a sender starts over.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "ctl.h"
#include "metrics.h"
#include "record.h"
#include "store.h"
#include "tools/lib/control.h"
#include "tools/lib/ebpfdma.h"
#include "tools/lib/handshake.h"
#include "tools/lib/idmap.h"
#include "tools/lib/keyfile.h"
#include "tools/lib/rx.h"
#include "tools/lib/seqset.h"
#include "tools/lib/wire2.h"
#include "uapi/ebpfdma_wire.h"

#define MAX_SESSIONS 1024
#define LINGER_MS (60 * 1000) /* an ended session answers repeats so long */
#define ACK_EVERY_MS 10 /* acknowledge new durable data this often */
#define REACK_MS 250 /* repeat the last ACK of an active session */
#define ACTIVE_MS 30000 /* a session heard from this recently is active */
#define UNPROVEN_HOLD_MS 5000 /* a session holds its volume so long unheard */
#define HOLDER_SILENT_MS 4000 /* a silent holder its own transfer replaces */
#define CREDIT_MIN 16U
/*
 * The longest DATA body the receiver announces: the slot size, capped so
 * that a datagram also fits the slow path's receive buffers (and UDP).
 */
#define SLOW_MAX_LEN (32U << 10)

struct session;

/* Blocks [index, index + count) of @s, written, waiting for a flush. */
struct pend {
	struct session *s;
	uint32_t index, count;
	uint64_t done_us; /* when their writes' completion was read */
};

struct pendv {
	struct pend *v;
	size_t n, cap;
};

/*
 * A volume of the module.  S.vols[0, S.conf.nr_vols) are the configured
 * ones, in the file's order: block devices and files (a volume of the
 * module each, conf.id its id on the wire and in the module), and file
 * stores (conf.store: no volume of their own).  Each file a store's
 * transfer writes is a volume of the module too, after them: conf.id a
 * free id of the module's, @store its store, live while it is written and
 * until its sessions are quiet.
 */
struct vol {
	struct ctl_volume_conf conf;
	bool live; /* an entry in use */
	int fd; /* O_EXCL open, held by the volume too; a store: -1 */
	int dirfd; /* a store: its directory */
	/* A store's file: its store, name, transfer, state. */
	struct vol *store;
	char name[EBPFDMA_WIRE2_NAME_MAX + 1];
	uint64_t transfer; /* the transfer writing it (the HELLO's) */
	uint64_t heard_ms; /* created, or a session of it last heard */
	bool published; /* renamed to its name: the transfer is over */
	uint32_t bsize; /* logical block size */
	uint8_t secret[EBPFDMA_WIRE2_KEY_LEN];
	uint8_t k_hs[EBPFDMA_WIRE2_KEY_LEN];
	struct pendv pend; /* completed, not yet covered by a flush */
	struct pendv flushing; /* covered by the flush in flight */
	bool flush_in_flight, want_flush;
	uint64_t gen_issued, gen_done; /* flushes issued / completed */
	uint64_t flush_err_ms; /* when a FLUSH error was last logged */
	/*
	 * A transfer between two of its sessions (a stream's chunk
	 * committed, not its last): it holds the volume until held_ms plus
	 * the idle timeout, or until its last COMMIT.  0: none.
	 */
	uint64_t held_transfer, held_ms;
	struct serve_vol_stats *st;
};

struct session {
	struct vol *v;
	uint64_t id;
	struct sockaddr_in6 peer; /* v4 peers as v4-mapped */
	uint8_t nonce_c[EDMA_NONCE_LEN];
	struct edma_keys keys;
	uint32_t protect, block_size;
	uint64_t lba, length;
	uint64_t transfer; /* the HELLO's: the sender's id of its transfer */
	uint64_t admitted_ms;
	bool proven; /* a datagram of it verified under its data key */
	bool superseded; /* ended: a new session holds its volume */
	uint32_t nblocks;
	uint8_t welcome[EDMA_WELCOME_LEN]; /* repeated to a repeated HELLO */
	struct seqset durable; /* block indices */
	uint64_t ack_counter; /* the last ACK's */
	uint64_t last_seen_ms, last_ack_ms;
	uint32_t newest; /* the block made durable last, and when done */
	uint64_t newest_us;
	uint32_t ce_count; /* its DATA that arrived marked CE (ECN) */
	uint32_t pending; /* its blocks in its volume's pend and flushing */
	bool dirty, in_kernel, commit_pending, complete;
	uint64_t commit_gen;
	uint32_t status; /* EBPFDMA_WIRE2_E_IO once failed, sticky */
	struct edma_commit2 commit; /* its COMMIT, once one arrived */
	uint64_t ended_ms; /* complete or failed: forgotten LINGER_MS later */
};

static struct {
	struct ctl_config conf;
	struct edma e;
	struct vol vols[EBPFDMA_MAX_VOLUMES];
	unsigned int nr_vols;
	struct session *sessions[MAX_SESSIONS]; /* in no order */
	unsigned int nr_sessions;
	struct idmap by_id; /* the same sessions by id */
	struct ebpfdma_rx_peer peers[CTL_MAX_PEERS];
	int sock;
	struct metrics_server *metrics; /* NULL: metrics off */
	uint32_t max_len; /* slot size: the longest DATA body */
	uint64_t now, now_us; /* this round of the loop's clock */
	bool attached;
	int peers_fd; /* the XDP program's allow-list map, or -1 */
	const char *config; /* the configuration file's path */
	const char *state_dir; /* commit records */
	struct serve_stats st;
} S;

static volatile sig_atomic_t stopping, reloading;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reloading = 1;
	else
		stopping = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/*
 * Standard error is the journal's (systemd sets $JOURNAL_STREAM to its
 * device and inode): each line then starts with its syslog priority,
 * "<3>" an error, "<4>" a warning, "<6>" information (sd-daemon(3)).
 */
static bool to_journal(void)
{
	static int known = -1;
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (known < 0)
		known = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
			!fstat(STDERR_FILENO, &st) && st.st_dev == dev &&
			st.st_ino == ino;
	return known;
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	if (to_journal())
		fprintf(stderr, "<%d>", prio);
	fprintf(stderr, "ebpfdmactl serve: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

#define LOG_PRIO_ERR 3
#define LOG_PRIO_WARNING 4
#define LOG_PRIO_INFO 6

/* Information: what serve did. */
static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_PRIO_INFO, fmt, ap);
	va_end(ap);
}

/* A warning: something failed or was refused, serve goes on. */
static void logwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logwarn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_PRIO_WARNING, fmt, ap);
	va_end(ap);
}

/* An error: serve cannot go on (start or run). */
static void logerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logerr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_PRIO_ERR, fmt, ap);
	va_end(ap);
}

/* The volume of the module's id @id (a completion's, a flush's). */
static struct vol *vol_find(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < S.nr_vols; i++)
		if (S.vols[i].live && !S.vols[i].conf.store &&
		    S.vols[i].conf.id == id)
			return &S.vols[i];
	return NULL;
}

/* The configured volume or store a HELLO names. */
static struct vol *vol_named(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < S.conf.nr_vols; i++)
		if (S.vols[i].live && S.vols[i].conf.id == id)
			return &S.vols[i];
	return NULL;
}

/* ---- the session table --------------------------------------------------- */

/* Every completion and every slow-path datagram finds its session here. */
static struct session *session_find(uint64_t id)
{
	return idmap_get(&S.by_id, id);
}

static void session_unlink_kernel(struct session *s)
{
	struct ebpfdma_session_del d = { .id = s->id };

	if (!s->in_kernel)
		return;
	if (ioctl(S.e.fd, EBPFDMA_IOC_SESSION_DEL, &d))
		logwarn("session %016llx: SESSION_DEL: %s",
		       (unsigned long long)s->id, strerror(errno));
	s->in_kernel = false;
}

static void addr_text(const struct sockaddr_in6 *a, char *buf, size_t len);

/*
 * One line a session, when it ends: its peer, volume (a store's: and the
 * file's name), the bytes durable of those it asked for, how it ended,
 * and how long it lasted.
 */
static void session_log(const struct session *s, const char *how)
{
	uint64_t durable = (uint64_t)s->durable.count * s->block_size;
	char peer[INET6_ADDRSTRLEN];

	addr_text(&s->peer, peer, sizeof(peer));
	(s->complete ? logmsg : logwarn)(
		"session %016llx: %s, %s %u%s%s: %llu of %llu bytes durable, %s, %.1f s",
		(unsigned long long)s->id, peer,
		s->v->store ? "store" : "volume",
		s->v->store ? s->v->store->conf.id : s->v->conf.id,
		s->v->store ? ", file " : "", s->v->store ? s->v->name : "",
		(unsigned long long)(durable < s->length ? durable : s->length),
		(unsigned long long)s->length, how,
		(S.now - s->admitted_ms) / 1000.0);
}

/* The session is over: no datagram of it is placed from now on. */
static void session_end(struct session *s)
{
	session_unlink_kernel(s);
	if (!s->ended_ms) {
		/* Its keys stay until it is forgotten: it answers repeats. */
		s->ended_ms = S.now;
		S.st.sessions_active--;
		if (s->complete) {
			S.st.sessions_completed++;
			session_log(s, "complete");
		} else if (s->status) {
			S.st.sessions_failed++;
			session_log(s, "failed");
		} else if (s->superseded) {
			S.st.sessions_superseded++;
			session_log(s, "superseded");
		} else {
			S.st.sessions_expired++;
			session_log(s, "expired");
		}
	}
}

/* Nothing refers to @s: no write waits for a flush, no COMMIT for one. */
static bool session_quiet(const struct session *s)
{
	return !s->pending && !s->commit_pending;
}

static void session_forget(unsigned int i)
{
	struct session *s = S.sessions[i];

	session_end(s);
	idmap_del(&S.by_id, s->id);
	seqset_free(&s->durable);
	sodium_memzero(s, sizeof(*s));
	free(s);
	S.sessions[i] = S.sessions[--S.nr_sessions];
}

static void to_v6(const struct sockaddr_storage *ss, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET6) {
		*out = *(const struct sockaddr_in6 *)ss;
	} else {
		const struct sockaddr_in *in = (const void *)ss;

		out->sin6_family = AF_INET6;
		out->sin6_port = in->sin_port;
		out->sin6_addr.s6_addr[10] = 0xff;
		out->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&out->sin6_addr.s6_addr[12], &in->sin_addr, 4);
	}
}

static bool peer_allowed(const struct sockaddr_in6 *a)
{
	unsigned int i;

	for (i = 0; i < S.conf.nr_peers; i++)
		if (edma_rx_peer_match(&S.peers[i], a->sin6_addr.s6_addr))
			return true;
	return false;
}

/*
 * The blocks a session may have outstanding: its share of the slots and
 * of the completion ring, among the sessions active now.
 */
static uint32_t credit(void)
{
	uint32_t room = S.e.info.nr_slots < S.e.info.ring_entries ?
				S.e.info.nr_slots :
				S.e.info.ring_entries;
	uint32_t n = S.st.sessions_active ? S.st.sessions_active : 1;

	return room / n > CREDIT_MIN ? room / n : CREDIT_MIN;
}

static void send_to(const struct sockaddr_in6 *to, const void *buf,
		    size_t len)
{
	if (sendto(S.sock, buf, len, MSG_DONTWAIT, (const void *)to,
		   sizeof(*to)) < 0)
		S.st.ack_send_errors++;
}

/* An ACK of the session's durable blocks, sealed under its k_ack. */
static void send_ack(struct session *s)
{
	uint8_t buf[EDMA_ACK2_MAX];
	struct edma_ack2 a = {
		.counter = ++s->ack_counter,
		.status = s->status,
		.flags = s->complete ? EBPFDMA_WIRE2_ACK_COMPLETE : 0,
		.durable = s->durable.cum,
		.credit = credit(),
		.newest = s->newest,
		.ce_count = s->ce_count,
	};
	uint64_t delay = s->newest_us && S.now_us > s->newest_us ?
				 S.now_us - s->newest_us :
				 0;

	a.ack_delay_us = delay > UINT32_MAX ? UINT32_MAX : delay;
	a.nr_ranges = seqset_runs(&s->durable, s->durable.cum, a.ranges,
				  EBPFDMA_WIRE2_ACK_RANGES_MAX);
	send_to(&s->peer, buf,
		edma_ack2_build(buf, s->id, &a, s->protect, s->keys.ack));
	S.st.acks++;
	s->dirty = false;
	s->last_ack_ms = S.now;
}

/* ---- completions, flushes ------------------------------------------------ */

static void pend_push(struct pendv *p, struct session *s, uint32_t index,
		      uint32_t count)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct pend *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			/* Never acknowledged: the sender sends them again. */
			S.st.untracked += count;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct pend){ s, index, count, S.now_us };
	s->pending += count;
}

/* Blocks [index, index + count) of @s are durable. */
static void make_durable(struct session *s, uint32_t index, uint32_t count,
			 uint64_t done_us)
{
	long ret = seqset_add_range(&s->durable, index, index + count);

	if (ret > 0) {
		s->dirty = true;
		s->newest = index + count - 1;
		s->newest_us = done_us;
	} else if (ret < 0) {
		/* Out of memory: never acknowledged (resent). */
		S.st.untracked += count;
	}
}

/* A write or flush of @s failed: the sender hears it, the session ends. */
static void session_fail(struct session *s)
{
	s->status = EBPFDMA_WIRE2_E_IO;
	s->dirty = true;
	session_end(s);
	/* Its sender stops: its transfer holds the volume no more. */
	if (s->transfer && s->v->held_transfer == s->transfer)
		s->v->held_transfer = 0;
}

/* @a as text: an IPv4 address unmapped. */
static void addr_text(const struct sockaddr_in6 *a, char *buf, size_t len)
{
	if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
		inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], buf, len);
	else
		inet_ntop(AF_INET6, &a->sin6_addr, buf, len);
}

/*
 * The last COMMIT of a store's file: the file synced, renamed to its
 * name, the directory synced, before the COMPLETE says so.
 */
static int store_file_publish(const struct session *s)
{
	struct vol *v = s->v, *sv = v->store;
	char peer[INET6_ADDRSTRLEN];
	bool renamed = false;
	int ret;

	/* A store's transfer is the whole file, from its first byte. */
	ret = s->commit.lba ? -EINVAL :
			      store_publish(sv->dirfd, v->fd, v->name,
					    s->commit.length, s->commit.digest,
					    sv->conf.overwrite, &renamed);
	addr_text(&s->peer, peer, sizeof(peer));
	/* Renamed, the directory's sync failed: no session writes it again. */
	v->published = renamed;
	if (ret) {
		sv->st->publish_errors++;
		logwarn("store %u: %s: cannot publish the transfer from %s: %s: the session fails",
		       sv->conf.id, v->name, peer, strerror(-ret));
		return ret;
	}
	v->published = true;
	sv->st->published++;
	logmsg("store %u: %s: %llu bytes from %s, committed",
	       sv->conf.id, v->name, (unsigned long long)s->commit.length,
	       peer);
	return 0;
}

/*
 * The volume's commit record of the transfer @s ends (its last COMMIT),
 * durable before the COMPLETE says so.  0 or -errno.
 */
static int record_commit(const struct session *s)
{
	const struct vol *v = s->v;
	struct commit_record r = {
		.volume = v->conf.id,
		.offset = (v->conf.start + s->commit.lba) * v->bsize,
		.length = s->commit.length,
		.transfer = s->transfer,
		.time = time(NULL),
	};
	int ret;

	if (!s->commit.last)
		return 0;
	if (v->store)
		return store_file_publish(s);
	snprintf(r.device, sizeof(r.device), "%s", v->conf.dev);
	memcpy(r.digest, s->commit.digest, sizeof(r.digest));
	addr_text(&s->peer, r.peer, sizeof(r.peer));
	ret = record_write(S.state_dir, &r);
	if (ret)
		logwarn("volume %u: cannot record the commit of session %016llx in %s: %s: the session fails",
		       v->conf.id, (unsigned long long)s->id, S.state_dir,
		       strerror(-ret));
	return ret;
}

/* Every block of @s durable: COMPLETE, and the session is over. */
static void session_complete(struct session *s)
{
	if (record_commit(s)) {
		s->commit_pending = false;
		if (!s->v->store)
			S.st.records_failed++;
		session_fail(s);
		return;
	}
	/*
	 * A stream's chunk: its transfer goes on in a new session, and
	 * holds the volume until then (for at most the idle timeout).
	 */
	if (s->transfer && !s->commit.last) {
		s->v->held_transfer = s->transfer;
		s->v->held_ms = S.now;
	} else if (s->v->held_transfer == s->transfer) {
		s->v->held_transfer = 0;
	}
	s->complete = true;
	s->commit_pending = false;
	session_end(s);
	send_ack(s);
	S.st.commits_acked++;
}

static void commit_done(struct vol *v)
{
	unsigned int i;

	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (s->v != v || !s->commit_pending ||
		    s->commit_gen > v->gen_done)
			continue;
		s->commit_pending = false;
		if (s->ended_ms)
			continue; /* superseded while it waited: nothing to say */
		if (!s->status && s->durable.count == s->nblocks)
			session_complete(s);
		else
			send_ack(s); /* what is missing, or the failure */
	}
}

static void on_flush_done(struct vol *v, int status)
{
	size_t i;

	v->flush_in_flight = false;
	v->gen_done++;
	if (status) {
		v->st->flush_errors++;
		logwarn("volume %u: flush failed: %s", v->conf.id,
		       strerror(-status));
	} else {
		v->st->flushes++;
	}
	for (i = 0; i < v->flushing.n; i++) {
		struct pend *p = &v->flushing.v[i];

		p->s->pending -= p->count;
		if (!status)
			make_durable(p->s, p->index, p->count, p->done_us);
		else if (!p->s->status)
			/*
			 * A failed flush may have lost what it covered, and a
			 * later flush does not bring it back: never durable.
			 */
			session_fail(p->s);
	}
	v->flushing.n = 0;
	commit_done(v);
}

static void on_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct vol *v = vol_find(c->volume);
	int path = c->flags & EBPFDMA_CQE_NET ? PATH_XDP : PATH_SLOW;
	struct session *s;
	uint64_t index, count;

	(void)arg;
	if (!v)
		return;
	if (c->flags & EBPFDMA_CQE_FLUSH) {
		on_flush_done(v, c->status);
		return;
	}
	if (!(c->flags & EBPFDMA_CQE_SESSION))
		return;
	s = session_find(c->cookie);
	if (!s || s->v != v || c->lba < s->lba) {
		S.st.untracked++;
		return;
	}
	index = (c->lba - s->lba) * v->bsize / s->block_size;
	/*
	 * One block, or a run of them (EBPFDMA_SESSION_F_RUNS): every block
	 * but the transfer's last is block_size bytes.
	 */
	count = ((uint64_t)c->len + s->block_size - 1) / s->block_size;
	if (!count)
		count = 1;
	s->last_seen_ms = S.now;
	s->proven = true; /* the module verified it */
	if (c->flags & EBPFDMA_CQE_CE) {
		/* Echoed in the ACKs: the sender slows down (ECN). */
		s->ce_count += count;
		S.st.ce_marked += count;
	}
	if (c->status) {
		S.st.write_errors += count;
		if (!s->status)
			session_fail(s);
		return;
	}
	S.st.blocks[path] += count;
	S.st.bytes[path] += c->len;
	v->st->bytes += c->len;
	if (index >= s->nblocks || count > s->nblocks - index ||
	    s->ended_ms) {
		S.st.untracked += count;
		return;
	}
	/* FUA, or no volatile cache on the device: durable already. */
	if ((v->conf.flags & EBPFDMA_VOL_FUA) ||
	    (c->flags & EBPFDMA_CQE_STABLE))
		make_durable(s, index, count, S.now_us);
	else
		pend_push(&v->pend, s, index, count);
}

static void flush_volumes(void)
{
	struct pendv tmp;
	unsigned int i;

	for (i = 0; i < S.nr_vols; i++) {
		struct vol *v = &S.vols[i];
		struct ebpfdma_flush f = {
			.volume = v->conf.id, .flags = EBPFDMA_FLUSH_NOW,
			.cookie = v->conf.id,
		};

		if (!v->live || v->conf.store || v->flush_in_flight ||
		    (!v->pend.n && !v->want_flush))
			continue;
		if (ioctl(S.e.fd, EBPFDMA_IOC_FLUSH, &f)) {
			/* EAGAIN: the ring is full; the next round retries. */
			if (errno != EAGAIN) {
				v->st->flush_errors++;
				if (S.now - v->flush_err_ms >= 1000) {
					logwarn("volume %u: FLUSH: %s",
					       v->conf.id, strerror(errno));
					v->flush_err_ms = S.now;
				}
			}
			continue;
		}
		tmp = v->flushing;
		v->flushing = v->pend;
		v->pend = tmp;
		v->pend.n = 0;
		v->flush_in_flight = true;
		v->want_flush = false;
		v->gen_issued++;
	}
}

/* ---- the handshake ------------------------------------------------------- */

/*
 * The longest block a sender at @from may use: a slot's size, and no more
 * than one DATA datagram through the receiving interface's MTU carries
 * (datagrams are never fragmented; the sender fits its own side's path
 * MTU, this is the receiver's side).  The MTU is read at each HELLO, so
 * that a change is seen by the next session.
 */
static uint32_t max_block_for(const struct sockaddr_in6 *from)
{
	uint32_t hdr = (IN6_IS_ADDR_V4MAPPED(&from->sin6_addr) ? 20 : 40) + 8 +
		       EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
	struct ifreq ifr = { 0 };

	if (!S.conf.ifname[0])
		return S.max_len;
	memcpy(ifr.ifr_name, S.conf.ifname, sizeof(S.conf.ifname));
	if (ioctl(S.sock, SIOCGIFMTU, &ifr) || ifr.ifr_mtu <= (int)hdr)
		return S.max_len; /* not known: the slot decides */
	return (uint32_t)ifr.ifr_mtu - hdr < S.max_len ?
		       (uint32_t)ifr.ifr_mtu - hdr :
		       S.max_len;
}

/*
 * How many flows (source ports) a sender should spread a session over:
 * the receiving interface's receive queues, so that RSS hands each to
 * another queue and CPU.  Read at each HELLO (queues can change).
 */
static uint32_t flows_wanted(void)
{
	char path[64 + IFNAMSIZ];
	struct dirent *d;
	uint32_t n = 0;
	DIR *dir;

	if (!S.conf.ifname[0])
		return 1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", S.conf.ifname);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, "rx-", 3);
	closedir(dir);
	if (!n)
		return 1;
	return n < EBPFDMA_WIRE2_FLOWS_MAX ? n : EBPFDMA_WIRE2_FLOWS_MAX;
}

static void welcome_refuse(const struct sockaddr_in6 *to, struct vol *v,
			   const struct edma_hello *h, uint32_t status)
{
	uint8_t buf[EDMA_WELCOME_LEN];
	/* What the receiver takes, so that the sender can say it. */
	struct edma_welcome w = {
		.status = status, .max_block = max_block_for(to),
		.unit = v->bsize,
	};

	static const uint8_t result[] = {
		[EBPFDMA_WIRE2_E_RANGE] = HELLO_RANGE,
		[EBPFDMA_WIRE2_E_BLOCK] = HELLO_BLOCK,
		[EBPFDMA_WIRE2_E_BUSY] = HELLO_BUSY,
		[EBPFDMA_WIRE2_E_HELD] = HELLO_HELD,
		[EBPFDMA_WIRE2_E_NAME] = HELLO_NAME,
		[EBPFDMA_WIRE2_E_EXISTS] = HELLO_EXISTS,
		[EBPFDMA_WIRE2_E_SPACE] = HELLO_SPACE,
		[EBPFDMA_WIRE2_E_QUOTA] = HELLO_QUOTA,
		[EBPFDMA_WIRE2_E_GONE] = HELLO_GONE,
	};

	/*
	 * Said only to a sender that names its files: an older one reads
	 * the flags as part of its 32-bit flows, and would drop the answer.
	 */
	if ((v->conf.store || v->store) && h->name[0])
		w.flags = EBPFDMA_WIRE2_WELCOME_STORE;
	memcpy(w.nonce_c, h->nonce, EDMA_NONCE_LEN);
	send_to(to, buf, edma_welcome_build(buf, &w, v->k_hs));
	S.st.hello[status < sizeof(result) && result[status] ? result[status] :
							       HELLO_BUSY]++;
}

/* Room for one more session: forget the oldest ended or quiet idle one. */
static bool session_room(void)
{
	unsigned int i, old = MAX_SESSIONS;

	if (S.nr_sessions < MAX_SESSIONS)
		return true;
	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		/* Its entries in pend and flushing point at it: not before. */
		if (!session_quiet(s) ||
		    (!s->ended_ms && S.now - s->last_seen_ms < ACTIVE_MS))
			continue;
		if (old == MAX_SESSIONS ||
		    s->last_seen_ms < S.sessions[old]->last_seen_ms)
			old = i;
	}
	if (old == MAX_SESSIONS)
		return false;
	session_forget(old);
	return true;
}

/*
 * A session not ended holds its volume once a datagram of it verified,
 * and for UNPROVEN_HOLD_MS after its WELCOME before that: a replayed
 * HELLO (which anyone who saw one can send) holds it no longer.
 */
static bool session_holds(const struct session *s)
{
	return !s->ended_ms &&
	       (s->proven || S.now - s->admitted_ms < UNPROVEN_HOLD_MS);
}

/*
 * One writer a volume (uapi/PROTOCOL.md).  A HELLO for a volume that a
 * session of another transfer holds, or another transfer between two of
 * its sessions, is refused.  One of the holder's own transfer takes the
 * volume over if it starts no earlier than the holder (a new session
 * starts where the durable part ends; a replayed older HELLO starts
 * earlier) or the holder fell silent (its sender died and is resumed).
 * On admission, the sessions in *@ends (up to MAX_SESSIONS, their ids)
 * end: the holder taken over, or sessions whose hold lapsed.  How many
 * in *@nr_ends; false: refused.
 */
static bool volume_take(struct vol *v, const struct edma_hello *h,
			const struct sockaddr_in6 *from, uint64_t *ends,
			unsigned int *nr_ends)
{
	unsigned int i;

	*nr_ends = 0;
	if (v->conf.shared)
		return true;
	if (v->held_transfer &&
	    (S.now - v->held_ms > S.conf.idle_timeout_s * 1000ULL))
		v->held_transfer = 0;
	if (v->held_transfer && h->transfer != v->held_transfer)
		goto refuse;
	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (s->v != v || s->ended_ms)
			continue;
		if (session_holds(s) &&
		    (!h->transfer || h->transfer != s->transfer ||
		     (h->lba < s->lba &&
		      S.now - s->last_seen_ms < HOLDER_SILENT_MS)))
			goto refuse;
		ends[(*nr_ends)++] = s->id;
	}
	return true;
refuse:
	welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_HELD);
	return false;
}

/* The sessions volume_take() named for @v end: a new one holds it. */
static void volume_taken(struct vol *v, const uint64_t *ends,
			 unsigned int nr_ends)
{
	struct session *s;
	unsigned int i;

	for (i = 0; i < nr_ends; i++) {
		s = session_find(ends[i]);
		if (!s || s->ended_ms)
			continue;
		logmsg("volume %u: session %016llx ends: a new session %s holds the volume",
		       v->conf.id, (unsigned long long)s->id,
		       s->proven ? "of its transfer" : "(it sent nothing that verified)");
		s->superseded = true;
		session_end(s);
	}
}

/*
 * The HELLO @h, verified, from @from: a new session, or a refusal.
 * True if @v has a session of @h's now (new, or the one it repeats).
 */
static bool admit(struct vol *v, const struct edma_hello *h,
		  const struct sockaddr_in6 *from)
{
	struct ebpfdma_session_add a = {
		.volume = v->conf.id, .protect = v->conf.protect,
		.idle_ms = S.conf.idle_timeout_s * 1000,
		.block_size = h->block_size, .lba = h->lba,
		.length = h->length,
		/* A completion entry a run of blocks, where the module can. */
		.flags = S.e.info.features & EBPFDMA_F_CQE_RUNS ?
				 EBPFDMA_SESSION_F_RUNS :
				 0,
	};
	struct edma_welcome w = {
		.status = EBPFDMA_WIRE2_OK, .protect = v->conf.protect,
		.max_block = max_block_for(from), .unit = v->bsize,
		.flags = v->store ? EBPFDMA_WIRE2_WELCOME_STORE : 0,
	};
	uint64_t blocks, lbas, ends[MAX_SESSIONS];
	unsigned int i, nr_ends;
	struct session *s;

	/* A repeated HELLO (its answer was lost): the same WELCOME. */
	for (i = 0; i < S.nr_sessions; i++) {
		s = S.sessions[i];
		if (s->v == v && !sodium_memcmp(s->nonce_c, h->nonce,
						EDMA_NONCE_LEN)) {
			S.st.hello[HELLO_REPEATED]++;
			/* A replay keeps no session alive that sent nothing. */
			if (!s->ended_ms && s->proven) {
				s->peer = *from;
				s->last_seen_ms = S.now;
			}
			send_to(from, s->welcome, sizeof(s->welcome));
			return true;
		}
	}
	if (!h->block_size || h->block_size % v->bsize ||
	    h->block_size > w.max_block) {
		welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_BLOCK);
		return false;
	}
	lbas = (h->length + v->bsize - 1) / v->bsize;
	blocks = (h->length + h->block_size - 1) / h->block_size;
	if (h->lba > v->conf.blocks || lbas > v->conf.blocks - h->lba ||
	    blocks > UINT32_MAX) {
		welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_RANGE);
		return false;
	}
	if (!volume_take(v, h, from, ends, &nr_ends))
		return false;
	if (!session_room()) {
		welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_BUSY);
		return false;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_BUSY);
		return false;
	}
	do {
		randombytes_buf(&s->id, sizeof(s->id));
	} while (!s->id || session_find(s->id));
	/* Cannot fail: session_room() made room, the id is new. */
	if (idmap_put(&S.by_id, s->id, s)) {
		free(s);
		welcome_refuse(from, v, h, EBPFDMA_WIRE2_E_BUSY);
		return false;
	}
	randombytes_buf(w.nonce_s, sizeof(w.nonce_s));
	edma_session_keys(&s->keys, v->secret, h->nonce, w.nonce_s, s->id);
	a.id = s->id;
	if (v->conf.protect != EBPFDMA_PROTECT_CRC)
		memcpy(a.key, s->keys.data, sizeof(a.key));
	/* An empty transfer has no block to write: no session in the module. */
	if (h->length && ioctl(S.e.fd, EBPFDMA_IOC_SESSION_ADD, &a)) {
		int err = errno;

		idmap_del(&S.by_id, s->id);
		sodium_memzero(&a, sizeof(a));
		sodium_memzero(s, sizeof(*s));
		free(s);
		welcome_refuse(from, v, h,
			       err == ERANGE || err == E2BIG ?
				       EBPFDMA_WIRE2_E_RANGE :
			       err == EINVAL ? EBPFDMA_WIRE2_E_BLOCK :
					       EBPFDMA_WIRE2_E_BUSY);
		return false;
	}
	sodium_memzero(&a, sizeof(a));
	volume_taken(v, ends, nr_ends);
	s->in_kernel = h->length != 0;
	s->v = v;
	s->peer = *from;
	memcpy(s->nonce_c, h->nonce, EDMA_NONCE_LEN);
	s->protect = v->conf.protect;
	s->block_size = h->block_size;
	s->lba = h->lba;
	s->length = h->length;
	s->transfer = h->transfer;
	s->nblocks = blocks;
	s->last_seen_ms = s->admitted_ms = S.now;
	seqset_init(&s->durable);
	S.sessions[S.nr_sessions++] = s;
	S.st.sessions_active++;
	w.session = s->id;
	w.credit = credit();
	w.flows = flows_wanted();
	memcpy(w.nonce_c, h->nonce, EDMA_NONCE_LEN);
	edma_welcome_build(s->welcome, &w, v->k_hs);
	S.st.hello[HELLO_GRANTED]++;
	send_to(from, s->welcome, sizeof(s->welcome));
	return true;
}

/* ---- file stores --------------------------------------------------------- */

/*
 * A free volume id of the module's for a store's file: none that a
 * configured volume or store names, none of a file being written.
 */
static int free_volume_id(uint32_t from)
{
	uint32_t id;
	unsigned int i;

	for (id = from; id < EBPFDMA_MAX_VOLUMES; id++) {
		for (i = 0; i < EBPFDMA_MAX_VOLUMES; i++)
			if ((i < S.conf.nr_vols || S.vols[i].live) &&
			    S.vols[i].conf.id == id)
				break;
		if (i == EBPFDMA_MAX_VOLUMES)
			return id;
	}
	return -1;
}

/* A refusal's status for a file-system error @err (-errno). */
static uint32_t store_status(int err)
{
	switch (err) {
	case -EEXIST:
		return EBPFDMA_WIRE2_E_EXISTS;
	case -EDQUOT:
		return EBPFDMA_WIRE2_E_QUOTA;
	case -ENOSPC:
		return EBPFDMA_WIRE2_E_SPACE;
	case -EFBIG:
	case -ERANGE:
		return EBPFDMA_WIRE2_E_RANGE;
	default:
		return EBPFDMA_WIRE2_E_BUSY;
	}
}

/*
 * The module's volumes of the stores' files, kept in the state directory
 * (state_dir/store-volumes, one id a line): a serve that was killed left
 * them, holding their files open; the next start deletes them.  Not
 * synced: the module's volumes do not outlive the machine.
 */
static void store_ids_save(void)
{
	char path[512], tmp[520];
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/store-volumes", S.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = S.conf.nr_vols; i < S.nr_vols; i++)
		if (S.vols[i].live)
			fprintf(f, "%u\n", S.vols[i].conf.id);
	if (fclose(f) || rename(tmp, path))
		logwarn("%s: %s", path, strerror(errno));
}

static void store_ids_reclaim(void)
{
	char path[512];
	unsigned int id;
	FILE *f;

	snprintf(path, sizeof(path), "%s/store-volumes", S.state_dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fscanf(f, "%u", &id) == 1)
		if (id < EBPFDMA_MAX_VOLUMES)
			ctl_volume_del(S.e.fd, id);
	fclose(f);
	unlink(path);
}

/*
 * Add @fd, a store's file, as a volume of the module: the window as large
 * as its file system lets a file be (up to 16 TiB), at least @need
 * blocks of the store's.  The id in @conf->id, the window in
 * @conf->blocks, the unit in *@bsize.  0 or -errno.
 */
static int file_volume_add(int fd, struct ctl_volume_conf *conf,
			   uint32_t unit, uint64_t need, uint32_t *bsize)
{
	struct ebpfdma_volume_add a = { .fd = fd, .flags = conf->flags };
	int id;

	for (id = free_volume_id(0); id >= 0; id = free_volume_id(id + 1)) {
		a.id = id;
		a.blocks = (16ULL << 40) / unit;
		while (ioctl(S.e.fd, EBPFDMA_IOC_VOLUME_ADD, &a)) {
			if (errno != ERANGE || a.blocks / 2 < need)
				break;
			a.blocks /= 2;
		}
		if (!a.block_size && errno == EEXIST)
			continue; /* someone else's (ebpfdmactl volume add) */
		if (!a.block_size)
			return -errno;
		conf->id = id;
		conf->blocks = a.blocks;
		*bsize = a.block_size;
		return 0;
	}
	return -EBUSY;
}

/*
 * Start the file @h names in the store @sv: NAME.partial created and
 * preallocated to the transfer's length, a volume of the module.  The
 * entry, or NULL with the refusal's status in *@status.
 */
static struct vol *store_file_open(struct vol *sv, const struct edma_hello *h,
				   uint32_t *status)
{
	struct vol *v = NULL;
	unsigned int i;
	int fd, ret;

	ret = store_admit(sv->dirfd, h->name, h->length, sv->conf.quota,
			  sv->conf.overwrite);
	if (ret) {
		*status = store_status(ret);
		if (*status == EBPFDMA_WIRE2_E_BUSY)
			logwarn("store %u: %s: %s", sv->conf.id, sv->conf.dev,
			       strerror(-ret));
		return NULL;
	}
	for (i = S.conf.nr_vols; i < EBPFDMA_MAX_VOLUMES; i++)
		if (!S.vols[i].live) {
			v = &S.vols[i];
			break;
		}
	*status = EBPFDMA_WIRE2_E_BUSY; /* no entry, no id: too many files */
	if (!v)
		return NULL;
	fd = store_create(sv->dirfd, h->name);
	if (fd < 0) {
		logwarn("store %u: %s%s: %s", sv->conf.id, h->name,
		       STORE_PARTIAL, strerror(-fd));
		return NULL;
	}
	ret = store_reserve(fd, 0, h->length);
	if (!ret) {
		v->conf = sv->conf;
		v->conf.store = false;
		v->conf.shared = false;
		ret = file_volume_add(fd, &v->conf, sv->bsize,
				      (h->length + sv->bsize - 1) / sv->bsize,
				      &v->bsize);
	}
	if (ret) {
		*status = ret == -EDQUOT ? EBPFDMA_WIRE2_E_SPACE :
					   store_status(ret);
		if (*status == EBPFDMA_WIRE2_E_BUSY)
			logwarn("store %u: %s: %s", sv->conf.id, h->name,
			       strerror(-ret));
		close(fd);
		store_discard(sv->dirfd, h->name);
		return NULL;
	}
	v->live = true;
	v->fd = fd;
	v->store = sv;
	snprintf(v->name, sizeof(v->name), "%s", h->name);
	v->transfer = h->transfer;
	v->heard_ms = S.now;
	v->published = false;
	v->held_transfer = 0;
	v->flush_in_flight = v->want_flush = false;
	v->pend.n = v->flushing.n = 0;
	v->gen_issued = v->gen_done = 0;
	memcpy(v->secret, sv->secret, sizeof(v->secret));
	memcpy(v->k_hs, sv->k_hs, sizeof(v->k_hs));
	v->st = sv->st;
	if (v - S.vols >= S.nr_vols)
		S.nr_vols = v - S.vols + 1;
	store_ids_save();
	return v;
}

enum { CLOSE_PUBLISHED, CLOSE_ABANDONED, CLOSE_REFUSED };

/*
 * The store's file @v is done with (@how): published; abandoned, or
 * refused at its first HELLO (its partial file removed).  Its sessions,
 * ended and quiet, stay with the store for their repeats; its volume is
 * deleted.
 */
static void store_file_close(struct vol *v, int how)
{
	bool discard = how != CLOSE_PUBLISHED;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (s->v != v)
			continue;
		if (!s->ended_ms) {
			/* An unproven session another transfer replaces. */
			s->superseded = true;
			session_end(s);
		}
		s->v = v->store;
	}
	ret = ctl_volume_del(S.e.fd, v->conf.id);
	if (ret)
		logwarn("store %u: %s: VOLUME_DEL %u: %s", v->store->conf.id,
		       v->name, v->conf.id, strerror(-ret));
	close(v->fd);
	v->fd = -1;
	if (discard)
		ret = store_discard(v->store->dirfd, v->name);
	if (how == CLOSE_ABANDONED) {
		v->store->st->discarded++;
		logwarn("store %u: %s: its transfer ended without committing: %s%s %s",
		       v->store->conf.id, v->name, v->name, STORE_PARTIAL,
		       ret ? strerror(-ret) : "removed");
	}
	sodium_memzero(v->secret, sizeof(v->secret));
	v->live = false;
	store_ids_save();
}

/*
 * Once a second: a store's file whose sessions are quiet is closed if it
 * was published, or if its transfer has been silent for the idle timeout
 * (no session alive, no stream waiting between two of its sessions).
 */
static void store_tick(void)
{
	static uint64_t last;
	uint64_t idle = S.conf.idle_timeout_s * 1000ULL;
	unsigned int i, j;

	if (S.now - last < 1000)
		return;
	last = S.now;
	for (i = S.conf.nr_vols; i < S.nr_vols; i++) {
		struct vol *v = &S.vols[i];
		uint64_t heard = v->heard_ms;
		bool alive = false, busy = false;

		if (!v->live)
			continue;
		for (j = 0; j < S.nr_sessions; j++) {
			struct session *s = S.sessions[j];

			if (s->v != v)
				continue;
			busy |= !session_quiet(s);
			alive |= !s->ended_ms;
			if (s->last_seen_ms > heard)
				heard = s->last_seen_ms;
		}
		if (v->held_transfer && v->held_ms > heard)
			heard = v->held_ms;
		v->heard_ms = heard; /* its sessions are forgotten in time */
		if (busy || v->flush_in_flight || v->pend.n)
			continue;
		if (v->published)
			store_file_close(v, CLOSE_PUBLISHED);
		else if (!alive && S.now - heard > idle)
			store_file_close(v, CLOSE_ABANDONED);
	}
}

/*
 * Is the store's file @v held by its transfer: a session of it holding
 * (session_holds()), one not quiet, or a stream between two sessions?
 */
static bool store_file_held(const struct vol *v)
{
	unsigned int i;

	if (v->held_transfer &&
	    S.now - v->held_ms <= S.conf.idle_timeout_s * 1000ULL)
		return true;
	for (i = 0; i < S.nr_sessions; i++)
		if (S.sessions[i]->v == v &&
		    (session_holds(S.sessions[i]) ||
		     !session_quiet(S.sessions[i])))
			return true;
	return false;
}

/* The store's file of @name being written, if any. */
static struct vol *store_file_find(const struct vol *sv, const char *name)
{
	unsigned int i;

	for (i = S.conf.nr_vols; i < S.nr_vols; i++)
		if (S.vols[i].live && S.vols[i].store == sv &&
		    !S.vols[i].published && !strcmp(S.vols[i].name, name))
			return &S.vols[i];
	return NULL;
}

/*
 * A HELLO for the store @sv: a new file's first session, or a new session
 * of a file's transfer (a stream's next chunk, --resume, a fallen MTU).
 * Every refusal comes before any data: a bad name, one that exists, no
 * room, another transfer writing the name.
 */
static void store_hello(struct vol *sv, const struct edma_hello *h,
			const struct sockaddr_in6 *from)
{
	uint32_t status;
	struct vol *v;
	int ret;

	if (store_name_ok(h->name)) {
		welcome_refuse(from, sv, h, EBPFDMA_WIRE2_E_NAME);
		return;
	}
	if (!h->block_size || h->block_size % sv->bsize ||
	    h->block_size > max_block_for(from)) {
		welcome_refuse(from, sv, h, EBPFDMA_WIRE2_E_BLOCK);
		return;
	}
	v = store_file_find(sv, h->name);
	/*
	 * Another transfer's file that nothing holds (a replayed HELLO's,
	 * whose session never proved itself, or one silent past its hold)
	 * gives way at once rather than after the idle timeout.
	 */
	if (v && (!h->transfer || h->transfer != v->transfer) &&
	    !store_file_held(v)) {
		store_file_close(v, CLOSE_ABANDONED);
		v = NULL;
	}
	if (v) {
		uint64_t lbas = (h->length + v->bsize - 1) / v->bsize, end;
		struct stat st;

		if (!h->transfer || h->transfer != v->transfer) {
			welcome_refuse(from, sv, h, EBPFDMA_WIRE2_E_HELD);
			return;
		}
		if (h->lba > v->conf.blocks || lbas > v->conf.blocks - h->lba) {
			welcome_refuse(from, sv, h, EBPFDMA_WIRE2_E_RANGE);
			return;
		}
		/* What the file grows by counts against the quota too. */
		end = h->lba * v->bsize + h->length;
		ret = fstat(v->fd, &st) ? -errno :
		      end <= (uint64_t)st.st_size ?
					  0 :
					  store_admit(sv->dirfd, h->name,
						      end - st.st_size,
						      sv->conf.quota, true);
		if (!ret)
			ret = store_reserve(v->fd, h->lba * v->bsize,
					    h->length);
		if (ret) {
			welcome_refuse(from, sv, h, store_status(ret));
			return;
		}
		admit(v, h, from);
		return;
	}
	if (h->lba) {
		/* Its partial file is gone: nothing to continue. */
		welcome_refuse(from, sv, h, EBPFDMA_WIRE2_E_GONE);
		return;
	}
	v = store_file_open(sv, h, &status);
	if (!v) {
		welcome_refuse(from, sv, h, status);
		return;
	}
	if (!admit(v, h, from))
		store_file_close(v, CLOSE_REFUSED);
}

/* Is @sv's directory one a store started before it has? */
static bool store_twin(const struct vol *sv)
{
	struct stat a, b;
	const struct vol *o;

	if (fstat(sv->dirfd, &a))
		return false;
	for (o = S.vols; o < sv; o++)
		if (o->conf.store && o->live && !fstat(o->dirfd, &b) &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return true;
	return false;
}

/* Each store's partial files, left by a serve that stopped, go. */
static int store_start(struct vol *sv)
{
	struct ctl_volume_conf probe = sv->conf;
	unsigned int removed;
	int fd, ret;

	sv->fd = -1;
	sv->dirfd = open(sv->conf.dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sv->dirfd < 0) {
		logerr("store %u: %s: %s", sv->conf.id, sv->conf.dev,
		       strerror(errno));
		return -1;
	}
	if (store_twin(sv)) {
		logerr("store %u: %s is the directory of another store too: two stores would write one file",
		       sv->conf.id, sv->conf.dev);
		return -1;
	}
	ret = store_clean(sv->dirfd, &removed);
	if (ret) {
		logerr("store %u: %s: removing partial files: %s", sv->conf.id,
		       sv->conf.dev, strerror(-ret));
		return -1;
	}
	if (removed)
		logmsg("store %u: %u partial file%s of transfers that never committed removed",
		       sv->conf.id, removed, removed == 1 ? "" : "s");
	/* Its unit, and whether the module can write its files at all. */
	fd = open(sv->conf.dev, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		logerr("store %u: %s: cannot create a file: %s", sv->conf.id,
		       sv->conf.dev, strerror(errno));
		return -1;
	}
	/* Each published file's digest is an extended attribute. */
	if (fsetxattr(fd, STORE_XATTR_LENGTH, "0", 1, 0)) {
		logerr("store %u: %s: its file system takes no user extended attributes (%s): a store needs them for its files' digests",
		       sv->conf.id, sv->conf.dev, strerror(errno));
		close(fd);
		return -1;
	}
	ret = file_volume_add(fd, &probe, 512, 1, &sv->bsize);
	if (!ret)
		ctl_volume_del(S.e.fd, probe.id);
	close(fd);
	if (ret) {
		logerr("store %u: %s: the module cannot write its files: %s",
		       sv->conf.id, sv->conf.dev,
		       ret == -EOPNOTSUPP ?
			       "its file system has no direct I/O (tmpfs, 9p): use ext4 or xfs" :
			       strerror(-ret));
		return -1;
	}
	logmsg("store %u: %s, files of %u-byte blocks%s%s", sv->conf.id,
	       sv->conf.dev, sv->bsize,
	       sv->conf.overwrite ? ", overwrite = yes" : "",
	       sv->conf.quota ? ", with a quota" : "");
	return 0;
}

static void on_hello(uint8_t *buf, size_t n, const struct sockaddr_in6 *from)
{
	struct ebpfdma_wire2_hello b;
	struct edma_hello h;
	struct vol *v;
	int ret;

	if (n < EDMA_HELLO_LEN || n > EDMA_HELLO_MAX) {
		S.st.hello[HELLO_MALFORMED]++;
		return;
	}
	/* The volume names the key to verify under: read before believed. */
	memcpy(&b, buf + EBPFDMA_WIRE2_HDR_LEN, sizeof(b));
	v = vol_named(be32toh(b.volume));
	if (!v) {
		/* No key to answer under: unanswered, as a forgery is. */
		S.st.hello[HELLO_VOLUME]++;
		return;
	}
	ret = edma_hello_parse(buf, n, &h, v->k_hs);
	if (ret) {
		S.st.hello[ret == -EBADMSG ? HELLO_AUTH : HELLO_MALFORMED]++;
		return;
	}
	if (v->conf.store)
		store_hello(v, &h, from);
	else
		admit(v, &h, from); /* a block volume: no name needed */
}

/* ---- the session's datagrams on the socket ------------------------------- */

static bool commit_fits(const struct session *s, const struct edma_commit2 *c)
{
	return edma_commit2_fits(c, s->lba, s->length, s->v->bsize,
				 s->v->conf.blocks);
}

static void on_commit(struct session *s, uint8_t *buf, size_t n,
		      const struct sockaddr_in6 *from)
{
	struct vol *v = s->v;
	struct edma_commit2 c;
	int ret;

	ret = edma_commit2_parse(buf, n, &c, s->protect, s->keys.data);
	if (ret) {
		S.st.slow_refused[ret == -EBADMSG ? REFUSED_AUTH :
						    REFUSED_INVAL]++;
		return;
	}
	S.st.commits++;
	if (c.blocks != s->nblocks) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return;
	}
	/*
	 * Ended, complete or failed: its answer again (a store's file may
	 * be closed by now: its window is not the session's to check).
	 */
	if (s->ended_ms) {
		send_ack(s);
		return;
	}
	if (c.last && !commit_fits(s, &c)) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return;
	}
	s->commit = c;
	s->peer = *from;
	s->last_seen_ms = S.now;
	s->proven = true;
	if (s->durable.count + s->pending < s->nblocks) {
		send_ack(s); /* blocks missing: the sender sees which */
		return;
	}
	if ((v->conf.flags & EBPFDMA_VOL_FUA) &&
	    !(v->conf.flags & EBPFDMA_VOL_FLUSH_ON_COMMIT) && !s->pending) {
		session_complete(s);
		return;
	}
	/*
	 * The next flush issued covers everything completed now.  A
	 * repeated COMMIT waits for the same flush, not a later one.
	 */
	if (!s->commit_pending) {
		s->commit_pending = true;
		s->commit_gen = v->gen_issued + 1;
		v->want_flush = true;
	}
}

/*
 * DATA that reached the socket: verified here, written by the module;
 * @ce: its IP header said Congestion Experienced.
 */
static void slow_data(struct session *s, uint8_t *buf, size_t n, bool ce)
{
	struct ebpfdma_session_desc d = { .session = s->id };
	struct ebpfdma_submit sub = { .descs = (uintptr_t)&d, .count = 1 };
	struct edma_wire2 w;
	uint32_t slot;
	int ret;

	if (s->ended_ms) {
		S.st.slow_refused[REFUSED_NO_SESSION]++;
		return;
	}
	ret = edma_wire2_open(buf, n, &w, s->protect, s->keys.data);
	if (ret) {
		S.st.slow_refused[ret == -EBADMSG ? REFUSED_AUTH :
						    REFUSED_INVAL]++;
		return;
	}
	if (w.flags & ~EBPFDMA_WIRE2_F_ALL || w.len > S.max_len) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return;
	}
	if (seqset_has(&s->durable, w.index)) {
		S.st.slow_refused[REFUSED_DUPLICATE]++;
		return;
	}
	if (edma_alloc(&S.e, &slot, 1) != 1) {
		S.st.slow_refused[REFUSED_FULL]++;
		return; /* the sender sends it again */
	}
	memcpy(edma_slot(&S.e, slot), buf + EBPFDMA_WIRE2_HDR_LEN, w.len);
	d.index = w.index;
	d.slot = slot;
	d.len = w.len;
	d.flags = w.flags & EBPFDMA_WIRE2_F_FUA ? EBPFDMA_DESC_FUA : 0;
	if (!ioctl(S.e.fd, EBPFDMA_IOC_SESSION_SUBMIT, &sub)) {
		s->last_seen_ms = S.now;
		s->proven = true;
		if (ce) { /* as the XDP path's EBPFDMA_CQE_CE */
			s->ce_count++;
			S.st.ce_marked++;
		}
		return;
	}
	ret = errno;
	edma_free(&S.e, &slot, 1);
	S.st.slow_refused[ret == EALREADY  ? REFUSED_DUPLICATE :
			  ret == ETIMEDOUT ? REFUSED_EXPIRED :
			  ret == ERANGE	   ? REFUSED_RANGE :
			  ret == EAGAIN	   ? REFUSED_FULL :
			  ret == ENOENT	   ? REFUSED_NO_SESSION :
					     REFUSED_INVAL]++;
}

static void on_datagram(uint8_t *buf, size_t n,
			const struct sockaddr_storage *from, bool ce)
{
	const struct ebpfdma_wire2_hdr *h = (const void *)buf;
	struct sockaddr_in6 peer;
	struct session *s;

	to_v6(from, &peer);
	if (!peer_allowed(&peer)) {
		S.st.slow_refused[REFUSED_PEER]++;
		return;
	}
	if (n < EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN ||
	    be32toh(h->magic) != EBPFDMA_WIRE_MAGIC ||
	    h->version != EBPFDMA_WIRE2_VERSION) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return;
	}
	if (h->type == EBPFDMA_WIRE2_HELLO) {
		on_hello(buf, n, &peer);
		return;
	}
	if (h->type != EBPFDMA_WIRE2_DATA && h->type != EBPFDMA_WIRE2_COMMIT) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return; /* a WELCOME or an ACK is not for a receiver */
	}
	s = session_find(be64toh(h->session));
	if (!s || !h->session) {
		S.st.slow_refused[REFUSED_NO_SESSION]++;
		return;
	}
	if (h->type == EBPFDMA_WIRE2_COMMIT)
		on_commit(s, buf, n, &peer);
	else
		slow_data(s, buf, n, ce);
}

/* Did the datagram's IP header say Congestion Experienced (ECN)? */
static bool marked_ce(struct msghdr *h)
{
	struct cmsghdr *c;
	int tclass;

	for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS &&
		    c->cmsg_len >= CMSG_LEN(1))
			return (*CMSG_DATA(c) & 3) == 3;
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&tclass, CMSG_DATA(c), sizeof(tclass));
			return (tclass & 3) == 3;
		}
	}
	return false;
}

static void read_socket(void)
{
	/* A datagram of the longest body, and room to see a longer one. */
	static uint8_t bufs[32][SLOW_MAX_LEN + 4096];
	static char ctl[32][CMSG_SPACE(sizeof(int)) * 2];
	struct sockaddr_storage from[32];
	struct mmsghdr m[32];
	struct iovec iov[32];
	int i, n;

	for (i = 0; i < 32; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		m[i].msg_hdr = (struct msghdr){
			.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
			.msg_iov = &iov[i], .msg_iovlen = 1,
			.msg_control = ctl[i], .msg_controllen = sizeof(ctl[i]),
		};
	}
	n = recvmmsg(S.sock, m, 32, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		if (m[i].msg_hdr.msg_flags & MSG_TRUNC) {
			S.st.slow_refused[REFUSED_INVAL]++;
			continue;
		}
		on_datagram(bufs[i], m[i].msg_len, &from[i],
			    marked_ce(&m[i].msg_hdr));
	}
}

/* ---- setup, teardown ----------------------------------------------------- */

static int open_socket(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(S.conf.port) };
	int fd, zero = 0, one = 1, big = 8 << 20;

	if (S.conf.listen[0]) {
		struct ebpfdma_rx_peer p;

		if (edma_rx_peer_parse(S.conf.listen, &p) ||
		    p.prefixlen != 128) {
			logerr("listen: '%s' is not an address", S.conf.listen);
			return -1;
		}
		memcpy(&a.sin6_addr, p.addr, 16);
	}
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* The ECN field of what arrives (IPv4 and IPv6): CE is echoed. */
	setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one));
	/* Past net.core.rmem_max where allowed (root): bursts fit. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (void *)&a, sizeof(a))) {
		logerr("bind UDP port %u: %s", S.conf.port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* libbpf's warnings, as serve's (a priority for the journal). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char text[4096], *line, *save;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(text, sizeof(text), fmt, ap);
	/* A verifier log comes in one call: a line (a priority) each. */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		(level == LIBBPF_WARN ? logwarn : logmsg)("libbpf: %s", line);
	return 0;
}

static int attach(void)
{
	/* A refused DATA has nothing the socket could do better. */
	struct edma_rx_config cfg = {
		.port = S.conf.port, .full_policy = S.conf.full_policy,
	};
	struct ebpfdma_rx *skel;
	unsigned int i;
	int ret, generic = S.conf.xdp == CTL_XDP_GENERIC;

	libbpf_set_print(libbpf_log);
	ret = edma_rx_load(&cfg, &skel);
	if (ret) {
		logerr("loading the XDP program: %s", strerror(-ret));
		return -1;
	}
	for (i = 0; i < S.conf.nr_peers; i++) {
		ret = edma_rx_peer_add(edma_rx_peers_fd(skel), S.conf.peers[i]);
		if (ret) {
			logerr("peer %s: the allow-list map: %s",
			       S.conf.peers[i], strerror(-ret));
			edma_rx_destroy(skel);
			return -1;
		}
	}
	/*
	 * The allow-list stays ours to change (reload()), the counters ours
	 * to read (metrics), whatever other program has maps of these names.
	 */
	S.peers_fd = fcntl(edma_rx_peers_fd(skel), F_DUPFD_CLOEXEC, 0);
	S.st.xdp_counters_fd = fcntl(edma_rx_counters_fd(skel),
				     F_DUPFD_CLOEXEC, 0);
	/*
	 * A program left by a serve that did not stop cleanly goes; another
	 * program is not ours to replace.
	 */
	ret = edma_rx_detach_ours(S.conf.ifname, generic);
	if (ret == -EEXIST) {
		logerr("%s has another XDP program attached (not ebpfdma_rx): detach it first",
		       S.conf.ifname);
		edma_rx_destroy(skel);
		return -1;
	}
	ret = edma_rx_attach(skel, S.conf.ifname, generic);
	edma_rx_destroy(skel);
	if (ret) {
		logerr("attach to %s (%s): %s", S.conf.ifname,
		       generic ? "generic" : "native", strerror(-ret));
		return -1;
	}
	S.attached = true;
	return 0;
}

/* Every volume's secret, before anything is touched. */
static int load_keys(void)
{
	static const char *const names[] = { "aead", "mac", "crc" };
	char err[512];
	unsigned int i;

	for (i = 0; i < S.conf.nr_vols; i++) {
		struct vol *v = &S.vols[i];

		v->conf = S.conf.vols[i];
		if (edma_key_load(v->conf.key_file, v->secret, err,
				  sizeof(err))) {
			logerr("%s %u: %s", v->conf.store ? "store" : "volume",
			       v->conf.id, err);
			return -1;
		}
		edma_hs_key(v->k_hs, v->secret);
		if (v->conf.protect == EBPFDMA_PROTECT_CRC)
			logwarn("volume %u: protect = crc: its blocks are neither authenticated nor encrypted, anyone on the path can change them; use it on a trusted network only",
			       v->conf.id);
		else
			logmsg("volume %u: protect = %s", v->conf.id,
			       names[v->conf.protect]);
	}
	return 0;
}

/* What a reload cannot change on a running volume or store. */
static bool same_volume(const struct ctl_volume_conf *a,
			const struct ctl_volume_conf *b)
{
	return a->id == b->id && a->store == b->store &&
	       !strcmp(a->dev, b->dev) && a->start == b->start &&
	       a->blocks == b->blocks && a->flags == b->flags &&
	       a->protect == b->protect && a->shared == b->shared &&
	       a->overwrite == b->overwrite && a->quota == b->quota;
}

/* What a reload cannot change of the node; NULL if nothing. */
static const char *node_changed(const struct ctl_config *c)
{
	unsigned int i;

	if (strcmp(c->ifname, S.conf.ifname))
		return "interface";
	if (c->port != S.conf.port)
		return "port";
	if (strcmp(c->listen, S.conf.listen))
		return "listen";
	if (strcmp(c->metrics, S.conf.metrics))
		return "metrics";
	if (c->xdp != S.conf.xdp)
		return "xdp";
	if (c->full_policy != S.conf.full_policy)
		return "full_policy";
	if (strcmp(c->state_dir, S.conf.state_dir))
		return "state_dir";
	/* The module holds each session's limit from SESSION_ADD. */
	if (c->idle_timeout_s != S.conf.idle_timeout_s)
		return "idle_timeout";
	if (c->nr_vols != S.conf.nr_vols)
		return "the volumes and stores";
	for (i = 0; i < c->nr_vols; i++)
		if (!same_volume(&c->vols[i], &S.conf.vols[i]))
			return "a volume's or store's settings other than key_file";
	return NULL;
}

/*
 * SIGHUP: read the configuration again and apply what can change while
 * sessions run: the peers (the XDP allow-list and serve's own) and the key
 * files (new HELLOs; a session keeps the keys it was granted).  All or
 * nothing: a file that does not read, a key that does not load, a peer
 * the allow-list cannot take, or a change that takes a restart (the
 * interface, a volume's device, the idle timeout, ...) leaves the running
 * configuration as it was, said in the log and counted.
 */
static void reload(void)
{
	static struct ctl_config c; /* large: not on the stack */
	static uint8_t secret[EBPFDMA_MAX_VOLUMES][EBPFDMA_WIRE2_KEY_LEN];
	struct ebpfdma_rx_peer peers[CTL_MAX_PEERS];
	bool is_new[CTL_MAX_PEERS] = { false };
	unsigned int i, j, added = 0, removed = 0;
	bool applied = false;
	const char *what;
	char err[512];
	int ret;

	ctl_notify("RELOADING=1\nSTATUS=reloading %s", S.config);
	if (ctl_config_load(S.config, &c, err, sizeof(err))) {
		logwarn("reload: %s: the running configuration stays", err);
		goto refused;
	}
	what = node_changed(&c);
	if (what) {
		logwarn("reload: %s changed, which takes a restart: the running configuration stays",
		       what);
		goto refused;
	}
	for (i = 0; i < c.nr_vols; i++)
		if (edma_key_load(c.vols[i].key_file, secret[i], err,
				  sizeof(err))) {
			logwarn("reload: %s %u: %s: the running configuration stays",
			       c.vols[i].store ? "store" : "volume",
			       c.vols[i].id, err);
			goto refused;
		}
	/* Checked as the file was read. */
	for (i = 0; i < c.nr_peers; i++)
		edma_rx_peer_parse(c.peers[i], &peers[i]);
	/*
	 * The new entries first: a peer in both lists is never refused.  If
	 * the map cannot take one, those added go again: nothing changed.
	 */
	for (i = 0; i < c.nr_peers; i++) {
		for (j = 0; j < S.conf.nr_peers &&
			    memcmp(&S.peers[j], &peers[i], sizeof(peers[i]));
		     j++)
			;
		if (j < S.conf.nr_peers)
			continue;
		ret = S.peers_fd < 0 ? 0 :
				       edma_rx_peer_update(S.peers_fd,
							   &peers[i], true);
		if (ret) {
			logwarn("reload: peer %s: %s: the running configuration stays",
				c.peers[i], strerror(-ret));
			for (j = 0; j < i; j++)
				if (is_new[j])
					edma_rx_peer_update(S.peers_fd,
							    &peers[j], false);
			goto refused;
		}
		is_new[i] = true;
		added++;
	}
	for (j = 0; j < S.conf.nr_peers; j++) {
		for (i = 0; i < c.nr_peers &&
			    memcmp(&S.peers[j], &peers[i], sizeof(peers[i]));
		     i++)
			;
		if (i < c.nr_peers)
			continue;
		if (S.peers_fd >= 0)
			edma_rx_peer_update(S.peers_fd, &S.peers[j], false);
		removed++;
	}
	memcpy(S.peers, peers, sizeof(peers[0]) * c.nr_peers);
	memcpy(S.conf.peers, c.peers, sizeof(c.peers[0]) * c.nr_peers);
	S.conf.nr_peers = c.nr_peers;
	for (i = 0; i < c.nr_vols; i++) {
		struct vol *v = &S.vols[i];

		memcpy(v->secret, secret[i], sizeof(v->secret));
		edma_hs_key(v->k_hs, v->secret);
		strcpy(v->conf.key_file, c.vols[i].key_file);
		S.conf.vols[i] = c.vols[i];
	}
	/* A store's files continue under their store's key. */
	for (i = S.conf.nr_vols; i < EBPFDMA_MAX_VOLUMES; i++) {
		struct vol *v = &S.vols[i];

		if (!v->live || !v->store)
			continue;
		memcpy(v->secret, v->store->secret, sizeof(v->secret));
		memcpy(v->k_hs, v->store->k_hs, sizeof(v->k_hs));
	}
	strcpy(S.conf.key_file, c.key_file);
	S.conf.protect = c.protect;
	S.st.reloads[RELOAD_APPLIED]++;
	applied = true;
	logmsg("reloaded %s: %u peer(s) (%u added, %u removed), the keys of %u volume(s) and store(s)",
	       S.config, c.nr_peers, added, removed, c.nr_vols);
	goto done;
refused:
	S.st.reloads[RELOAD_REFUSED]++;
done:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(&c, sizeof(c));
	ctl_notify("READY=1\nSTATUS=serving; %s",
		   applied ? "configuration reloaded" :
			     "the last reload was refused (see the log)");
}

static int add_volumes(void)
{
	unsigned int i;
	int ret;

	/*
	 * Volumes left by a serve that did not stop cleanly go first: they
	 * hold their devices open exclusively.
	 */
	for (i = 0; i < S.conf.nr_vols; i++)
		if (!S.conf.vols[i].store)
			ctl_volume_del(S.e.fd, S.conf.vols[i].id);
	store_ids_reclaim();
	for (i = 0; i < S.conf.nr_vols; i++) {
		struct vol *v = &S.vols[i];
		int shared = -1;
		unsigned int j;

		if (v->conf.store) {
			if (store_start(v))
				return -1;
			v->live = true;
			S.nr_vols++;
			v->st = &S.st.vol[S.st.nr_vols++];
			v->st->id = v->conf.id;
			v->st->store = true;
			continue;
		}
		for (j = 0; j < i; j++)
			if (!S.vols[j].conf.store &&
			    !strcmp(S.vols[j].conf.dev, v->conf.dev))
				shared = S.vols[j].fd;
		ret = ctl_volume_add(S.e.fd, &v->conf, shared, &v->fd,
				     &v->bsize);
		if (ret) {
			logerr("volume %u on %s: %s", v->conf.id, v->conf.dev,
			       strerror(-ret));
			return -1;
		}
		v->live = true;
		S.nr_vols++;
		v->st = &S.st.vol[S.st.nr_vols++];
		v->st->id = v->conf.id;
		logmsg("volume %u: %s blocks [%llu, +%llu) of %u bytes",
		       v->conf.id, v->conf.dev,
		       (unsigned long long)v->conf.start,
		       (unsigned long long)v->conf.blocks, v->bsize);
	}
	return 0;
}

static unsigned int in_flight(void)
{
	struct ebpfdma_volume_info vi[EBPFDMA_MAX_VOLUMES];
	unsigned int i, n, sum = 0;

	if (ctl_volume_list(S.e.fd, vi, &n))
		return 0;
	for (i = 0; i < n; i++)
		if (vol_find(vi[i].id))
			sum += vi[i].in_flight;
	return sum;
}

static bool busy(void)
{
	unsigned int i;

	for (i = 0; i < S.nr_vols; i++)
		if (S.vols[i].live &&
		    (S.vols[i].flush_in_flight || S.vols[i].pend.n ||
		     S.vols[i].want_flush))
			return true;
	return in_flight() > 0;
}

static void ack_due(void)
{
	uint64_t now = S.now;
	unsigned int i;

	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (s->ended_ms) {
			if (now - s->ended_ms > LINGER_MS && session_quiet(s))
				session_forget(i--);
			else if (s->dirty)
				send_ack(s);
			continue;
		}
		if (now - s->last_seen_ms > S.conf.idle_timeout_s * 1000ULL &&
		    session_quiet(s)) {
			session_forget(i--);
			continue;
		}
		if ((s->dirty && now - s->last_ack_ms >= ACK_EVERY_MS) ||
		    (now - s->last_seen_ms < ACTIVE_MS &&
		     now - s->last_ack_ms >= REACK_MS))
			send_ack(s);
	}
}

/* One round; @rx: take datagrams from the socket (not while draining). */
static void loop_once(int timeout_ms, bool rx)
{
	struct pollfd p[2] = {
		{ .fd = S.e.fd, .events = POLLIN },
		{ .fd = rx ? S.sock : -1, .events = POLLIN },
	};

	poll(p, 2, timeout_ms);
	/* One clock reading a round: what follows happens "now". */
	S.now_us = now_us();
	S.now = S.now_us / 1000;
	S.st.completions += edma_reap(&S.e, on_cqe, NULL);
	if (rx && (p[1].revents & POLLIN))
		read_socket();
	S.st.xdp_attached = S.attached;
	metrics_publish(S.metrics, &S.st);
	flush_volumes();
	ack_due();
	store_tick();
}

static void teardown(void)
{
	unsigned int i;

	/* First: it reads the XDP program's map through xdp_counters_fd. */
	metrics_stop(S.metrics);
	S.metrics = NULL;
	if (S.attached)
		edma_rx_detach_ours(S.conf.ifname,
				    S.conf.xdp == CTL_XDP_GENERIC);
	S.attached = false;
	if (S.peers_fd >= 0)
		close(S.peers_fd);
	S.peers_fd = -1;
	if (S.st.xdp_counters_fd >= 0)
		close(S.st.xdp_counters_fd);
	S.st.xdp_counters_fd = -1;
	while (S.nr_sessions)
		session_forget(0);
	/*
	 * A store's files not published now never will be (a sender starts
	 * over): their partial files go, as at the next start.
	 */
	for (i = S.conf.nr_vols; i < S.nr_vols; i++)
		if (S.vols[i].live)
			store_file_close(&S.vols[i],
					 S.vols[i].published ? CLOSE_PUBLISHED :
							       CLOSE_ABANDONED);
	for (i = 0; i < S.nr_vols; i++) {
		if (!S.vols[i].live)
			continue;
		if (S.vols[i].conf.store)
			close(S.vols[i].dirfd);
		else
			ctl_volume_del(S.e.fd, S.vols[i].conf.id);
	}
	for (i = 0; i < EBPFDMA_MAX_VOLUMES; i++)
		sodium_memzero(S.vols[i].secret, sizeof(S.vols[i].secret));
	idmap_free(&S.by_id);
	edma_close(&S.e);
}

int cmd_serve(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	unsigned int i;
	uint64_t t;
	int ret;

	ret = ctl_no_options(argc, argv, "serve",
			     "usage: ebpfdmactl serve CONFIG\n"
			     "The storage node's daemon, configured by CONFIG (see\n"
			     "ebpfdma-serve.conf(5)): adds the volumes and stores, attaches the\n"
			     "XDP program, answers HELLOs, acknowledges what is durable, commits,\n"
			     "publishes stored files, serves the metrics.  SIGHUP reads CONFIG\n"
			     "again (peers, key files); SIGTERM or SIGINT drain and stop it.\n"
			     "Prints 'ready' once it serves (and tells $NOTIFY_SOCKET).\n"
			     "Exit status: 0 stopped; 1 the system refused or failed (no module,\n"
			     "a device, the port in use); 2 a usage error; 3 CONFIG or a key\n"
			     "file is not usable.\n",
			     1, 1);
	if (ret >= 0)
		return ret;
	S.config = argv[optind];
	if (idmap_init(&S.by_id, MAX_SESSIONS)) {
		logerr("out of memory");
		return 1;
	}
	S.peers_fd = -1;
	S.st.xdp_counters_fd = -1;
	if (ctl_config_load(S.config, &S.conf, err, sizeof(err))) {
		logerr("%s", err);
		return CTL_EXIT_CONFIG;
	}
	/* Checked as the file was read: addresses or networks. */
	for (i = 0; i < S.conf.nr_peers; i++)
		edma_rx_peer_parse(S.conf.peers[i], &S.peers[i]);
	if (sodium_init() < 0) {
		logerr("libsodium cannot start");
		return 1;
	}
	S.state_dir = record_dir(S.conf.state_dir);
	ret = record_dir_make(S.state_dir);
	if (ret) {
		logerr("the state directory %s: %s (state_dir = sets another)",
		       S.state_dir, strerror(-ret));
		return 1;
	}
	if (load_keys())
		return CTL_EXIT_CONFIG;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (edma_open(&S.e, O_RDWR)) {
		logerr("/dev/%s: %s%s", EBPFDMA_DEV_NAME, strerror(errno),
		       errno == ENOENT ? " (modprobe ebpfdma first)" : "");
		return 1;
	}
	if (!(S.e.info.features & EBPFDMA_F_SESSIONS)) {
		logerr("the loaded module has no sessions (wire version 2): load this version's ebpfdma");
		edma_close(&S.e);
		return 1;
	}
	S.max_len = S.e.info.slot_size < SLOW_MAX_LEN ? S.e.info.slot_size :
							  SLOW_MAX_LEN;
	/*
	 * The port first: a second serve on it fails here, before it touches
	 * the volumes of the one running.
	 */
	S.sock = open_socket();
	if (S.sock < 0) {
		edma_close(&S.e);
		return 1;
	}
	if (add_volumes())
		goto fail;
	if (strcmp(S.conf.metrics, "off")) {
		if (metrics_start(&S.metrics, S.conf.metrics)) {
			logerr("metrics on %s: %s", S.conf.metrics,
			       strerror(errno));
			goto fail;
		}
	}
	if (S.conf.xdp != CTL_XDP_OFF && attach())
		goto fail;
	logmsg("serving on UDP port %u (%s), metrics %s", S.conf.port,
	       S.conf.xdp == CTL_XDP_OFF ? "slow path only" :
	       S.conf.xdp == CTL_XDP_GENERIC ? "XDP generic" : "XDP native",
	       S.conf.metrics);
	/* Readiness for scripts and service managers. */
	printf("ready\n");
	fflush(stdout);
	ctl_notify("READY=1\nSTATUS=serving on UDP port %u: %u volume(s) and store(s)",
		   S.conf.port, S.conf.nr_vols);

	while (!stopping) {
		if (reloading) {
			reloading = 0;
			reload();
		}
		loop_once(5, true);
	}

	/* Drain: nothing new arrives once detached; acknowledge the rest. */
	logmsg("stopping: draining");
	ctl_notify("STOPPING=1\nSTATUS=draining: writes in flight complete, then acknowledged");
	if (S.attached)
		edma_rx_detach_ours(S.conf.ifname,
				    S.conf.xdp == CTL_XDP_GENERIC);
	S.attached = false;
	for (t = now_us() / 1000; busy() && now_us() / 1000 - t < 30000;)
		loop_once(5, false);
	for (i = 0; i < S.nr_sessions; i++)
		if (S.sessions[i]->dirty)
			send_ack(S.sessions[i]);
	logmsg("stopped: %llu datagrams written by XDP, %llu by the slow path",
	       (unsigned long long)S.st.blocks[PATH_XDP],
	       (unsigned long long)S.st.blocks[PATH_SLOW]);
	teardown();
	return 0;
fail:
	teardown();
	return 1;
}

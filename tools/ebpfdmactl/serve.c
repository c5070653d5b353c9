// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl serve CONFIG: the storage node's daemon.
 *
 * It adds the configured volumes, binds them (their network completions
 * come to this process's ring), attaches the XDP program, and then:
 *   - reads completions from the ring (mmap + poll);
 *   - makes completed blocks durable by group commit: one FLUSH (of what
 *     has completed, EBPFDMA_FLUSH_NOW) covers every completion read before
 *     it was issued, unless the volume writes with FUA or the device had no
 *     volatile write cache when the write completed (EBPFDMA_CQE_STABLE);
 *   - acknowledges to each sender only durable blocks: cumulative (every
 *     sequence number below) plus selective runs;
 *   - answers OPEN (volume, token, window) and COMMIT (acknowledged once a
 *     flush issued after it completed);
 *   - takes DATA the fast path could not (XDP off, pool full with policy
 *     "pass", refused) on a UDP socket: checks it like the kfunc does and
 *     writes it with pwrite(O_DIRECT) into the same window, counted apart;
 *   - serves Prometheus metrics (metrics.c).
 * SIGTERM / SIGINT: detach, let every write complete, flush, acknowledge,
 * delete the volumes, exit 0.  A restart after a crash deletes and re-adds
 * the volumes and replaces the program: acknowledged data is on disk.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>

#include "ctl.h"
#include "metrics.h"
#include "tools/lib/crc32c.h"
#include "tools/lib/ebpfdma.h"
#include "tools/lib/rx.h"
#include "tools/lib/seqset.h"
#include "tools/lib/wire.h"
#include "uapi/ebpfdma_wire.h"

#define MAX_SESSIONS 1024
#define SESSION_IDLE_MS (10 * 60 * 1000) /* forget idle sessions after */
#define ACK_EVERY_MS 10 /* acknowledge new durable data this often */
#define REACK_MS 250 /* repeat the last ACK of an active session */
/*
 * The longest DATA body the receiver announces: the slot size, capped so
 * that a datagram also fits the slow path's receive buffers (and UDP).
 */
#define SLOW_MAX_LEN (32U << 10)
/*
 * How far above a session's cumulative mark a sequence number may be: far
 * more than any sender's window, and it bounds the session's bitmap.
 */
#define SEQ_AHEAD_MAX (1U << 22)

struct session;

struct pend {
	struct session *s;
	uint32_t seq;
};

struct pendv {
	struct pend *v;
	size_t n, cap;
};

struct vol {
	struct ctl_volume_conf conf;
	int fd; /* O_EXCL open, held by the volume too */
	int dfd; /* O_DIRECT, for the slow path */
	uint32_t bsize;
	struct pendv pend; /* completed, not yet covered by a flush */
	struct pendv flushing; /* covered by the flush in flight */
	bool flush_in_flight, want_flush;
	uint64_t gen_issued, gen_done; /* flushes issued / completed */
	uint64_t flush_err_ms; /* when a FLUSH error was last logged */
	struct serve_vol_stats *st;
};

struct session {
	struct vol *v;
	uint32_t id;
	struct sockaddr_in6 peer; /* v4 peers as v4-mapped */
	bool have_peer, dirty;
	struct seqset durable;
	uint64_t last_seen_ms, last_ack_ms;
	uint32_t pending; /* its entries in its volume's pend and flushing */
	bool commit_pending;
	uint32_t commit_seq;
	uint64_t commit_gen;
	int status; /* EBPFDMA_WIRE_E_* to report, sticky */
};

static struct {
	struct ctl_config conf;
	struct edma e;
	struct vol vols[EBPFDMA_MAX_VOLUMES];
	unsigned int nr_vols;
	struct session *sessions[MAX_SESSIONS];
	unsigned int nr_sessions;
	struct ebpfdma_rx_peer peers[CTL_MAX_PEERS];
	int sock, metrics_fd;
	uint32_t max_len; /* slot size: the longest DATA body */
	uint64_t now; /* now_ms() at this round of the loop's start */
	bool attached;
	struct serve_stats st;
} S;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ebpfdmactl serve: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/*
 * Remember that @seq of @s waits for a flush.  On failure it is counted and
 * never acknowledged: the sender retransmits it.
 */
static void pend_push(struct pendv *p, struct session *s, uint32_t seq)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct pend *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			S.st.untracked++;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct pend){ s, seq };
	s->pending++;
}

static struct vol *vol_find(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < S.nr_vols; i++)
		if (S.vols[i].conf.id == id)
			return &S.vols[i];
	return NULL;
}

/* Nothing refers to @s: no write waits for a flush, no COMMIT for one. */
static bool session_idle(const struct session *s)
{
	return !s->pending && !s->commit_pending;
}

static void session_forget(unsigned int i)
{
	struct session *s = S.sessions[i];

	seqset_free(&s->durable);
	free(s);
	S.sessions[i] = S.sessions[--S.nr_sessions];
}

/*
 * The session @id of @v, created when new.  NULL (counted) when the table
 * is full of sessions with work in progress, or out of memory: what
 * arrives for it is not acknowledged, and its sender retransmits.
 */
static struct session *session_get(struct vol *v, uint32_t id)
{
	struct session *s;
	unsigned int i, old = MAX_SESSIONS;

	for (i = 0; i < S.nr_sessions; i++)
		if (S.sessions[i]->v == v && S.sessions[i]->id == id)
			return S.sessions[i];
	if (S.nr_sessions == MAX_SESSIONS) {
		/* Forget the least recently seen session that has no work. */
		for (i = 0; i < S.nr_sessions; i++)
			if (session_idle(S.sessions[i]) &&
			    (old == MAX_SESSIONS ||
			     S.sessions[i]->last_seen_ms <
				     S.sessions[old]->last_seen_ms))
				old = i;
		if (old == MAX_SESSIONS) {
			S.st.untracked++;
			return NULL;
		}
		session_forget(old);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		S.st.untracked++;
		return NULL;
	}
	s->v = v;
	s->id = id;
	seqset_init(&s->durable);
	S.sessions[S.nr_sessions++] = s;
	return s;
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
		if (!memcmp(S.peers[i].addr, &a->sin6_addr, 16))
			return true;
	return false;
}

/* An ACK: the session's durable state, or an error @status. */
static void send_ack(const struct sockaddr_in6 *to, uint32_t volume,
		     uint32_t session, struct session *s, int status,
		     bool committed, uint32_t commit_seq)
{
	uint8_t buf[EDMA_ACK_MAX];
	struct vol *v = vol_find(volume);
	struct edma_ack a = {
		.volume = volume, .session = session, .status = status,
		.durable = s ? &s->durable : NULL, .committed = committed,
		.commit_seq = commit_seq,
	};
	size_t len;

	if (v && status != EBPFDMA_WIRE_E_TOKEN) {
		a.window_blocks = v->conf.blocks;
		a.block_size = v->bsize;
		a.max_len = S.max_len;
	}
	len = edma_wire_ack(buf, &a);
	if (sendto(S.sock, buf, len, MSG_DONTWAIT, (const void *)to,
		   sizeof(*to)) < 0)
		S.st.ack_send_errors++;
	else
		S.st.acks++;
	if (s) {
		s->dirty = false;
		s->last_ack_ms = S.now;
	}
}

static void ack_session(struct session *s)
{
	if (s->have_peer)
		send_ack(&s->peer, s->v->conf.id, s->id, s, s->status, false, 0);
}

/* ---- completions, flushes ------------------------------------------------ */

static void make_durable(struct session *s, uint32_t seq)
{
	int ret = seqset_add(&s->durable, seq);

	if (ret > 0)
		s->dirty = true;
	else if (ret < 0)
		S.st.untracked++; /* out of memory: never acknowledged */
}

/*
 * Can @seq of @s be tracked?  Far beyond the durable mark is no sender's
 * window: refused (counted), so a datagram cannot grow the bitmap at will.
 */
static bool seq_acceptable(const struct session *s, uint32_t seq)
{
	return seq < s->durable.cum || seq - s->durable.cum < SEQ_AHEAD_MAX;
}

static void commit_done(struct vol *v, int status)
{
	unsigned int i;

	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (s->v != v || !s->commit_pending ||
		    s->commit_gen > v->gen_done)
			continue;
		s->commit_pending = false;
		if (s->have_peer)
			send_ack(&s->peer, v->conf.id, s->id, s,
				 status ? EBPFDMA_WIRE_E_IO : s->status, true,
				 s->commit_seq);
		S.st.commits_acked++;
	}
}

static void on_cqe(const struct ebpfdma_cqe *c, void *arg)
{
	struct vol *v = vol_find(c->volume);
	uint32_t seq = c->cookie & 0xffffffffU;
	struct session *s;
	size_t i;

	(void)arg;
	if (!v)
		return;
	if (c->flags & EBPFDMA_CQE_FLUSH) {
		v->flush_in_flight = false;
		v->gen_done++;
		if (c->status) {
			v->st->flush_errors++;
			logmsg("volume %u: flush failed: %s", v->conf.id,
			       strerror(-c->status));
		} else {
			v->st->flushes++;
		}
		for (i = 0; i < v->flushing.n; i++) {
			s = v->flushing.v[i].s;
			s->pending--;
			if (!c->status) {
				make_durable(s, v->flushing.v[i].seq);
				continue;
			}
			/*
			 * A failed flush may have lost what it covered, and a
			 * later flush does not bring it back: never durable.
			 */
			s->status = EBPFDMA_WIRE_E_IO;
			s->dirty = true;
		}
		v->flushing.n = 0;
		commit_done(v, c->status);
		return;
	}
	if (!(c->flags & EBPFDMA_CQE_NET))
		return;
	s = session_get(v, c->cookie >> 32);
	if (!s)
		return;
	s->last_seen_ms = S.now;
	if (c->status) {
		S.st.write_errors++;
		s->status = EBPFDMA_WIRE_E_IO;
		s->dirty = true;
		return;
	}
	S.st.blocks[PATH_XDP]++;
	S.st.bytes[PATH_XDP] += c->len;
	if (!seq_acceptable(s, seq)) {
		S.st.untracked++;
		return;
	}
	/* FUA, or no volatile cache on the device: durable already. */
	if ((v->conf.flags & EBPFDMA_VOL_FUA) ||
	    (c->flags & EBPFDMA_CQE_STABLE))
		make_durable(s, seq);
	else
		pend_push(&v->pend, s, seq);
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

		if (v->flush_in_flight || (!v->pend.n && !v->want_flush))
			continue;
		if (ioctl(S.e.fd, EBPFDMA_IOC_FLUSH, &f)) {
			/* EAGAIN: the ring is full; the next round retries. */
			if (errno != EAGAIN) {
				v->st->flush_errors++;
				if (S.now - v->flush_err_ms >= 1000) {
					logmsg("volume %u: FLUSH: %s",
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

/* ---- the socket: control datagrams and the slow path --------------------- */

static void slow_data(struct vol *v, struct session *s,
		      const struct edma_wire *w, const uint8_t *body,
		      uint32_t len)
{
	static uint8_t *bounce;
	uint64_t lba = w->lba;
	uint32_t seq = w->seq;
	ssize_t n;

	/* The checks of the kfunc (kmod/wire.c), in the same order. */
	if (!edma_wire_data_ok(w, len) || len % v->bsize ||
	    len > SLOW_MAX_LEN) {
		S.st.slow_refused[REFUSED_INVAL]++;
		s->status = EBPFDMA_WIRE_E_INVAL;
		ack_session(s);
		return;
	}
	if (!seq_acceptable(s, seq)) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return; /* not acknowledged: resent once the window moves */
	}
	if (!bounce && posix_memalign((void **)&bounce, 4096, SLOW_MAX_LEN)) {
		S.st.untracked++;
		return;
	}
	if (lba >= v->conf.blocks || len / v->bsize > v->conf.blocks - lba) {
		S.st.slow_refused[REFUSED_RANGE]++;
		s->status = EBPFDMA_WIRE_E_RANGE;
		ack_session(s);
		return;
	}
	if ((w->flags & EBPFDMA_WIRE_F_CRC) && crc32c(0, body, len) != w->crc) {
		S.st.slow_refused[REFUSED_CRC]++;
		return; /* the sender retransmits what is not acknowledged */
	}
	memcpy(bounce, body, len);
	n = pwrite(v->dfd, bounce, len, (v->conf.start + lba) * v->bsize);
	if (n != (ssize_t)len) {
		S.st.write_errors++;
		s->status = EBPFDMA_WIRE_E_IO;
		ack_session(s);
		return;
	}
	S.st.blocks[PATH_SLOW]++;
	S.st.bytes[PATH_SLOW] += len;
	if (v->conf.flags & EBPFDMA_VOL_FUA)
		v->want_flush = true;
	pend_push(&v->pend, s, seq);
}

static void on_datagram(const uint8_t *buf, size_t n,
			const struct sockaddr_storage *from)
{
	struct sockaddr_in6 peer;
	struct edma_wire w;
	struct session *s;
	uint32_t len;
	struct vol *v;
	int status;

	to_v6(from, &peer);
	if (!peer_allowed(&peer)) {
		S.st.slow_refused[REFUSED_PEER]++;
		return;
	}
	if (edma_wire_parse(buf, n, &w, &len)) {
		S.st.slow_refused[REFUSED_INVAL]++;
		return;
	}
	if (w.type == EBPFDMA_WIRE_ACK)
		return; /* not for a receiver */
	v = vol_find(w.volume);
	status = !v			 ? EBPFDMA_WIRE_E_VOLUME :
		 w.token != v->conf.token ? EBPFDMA_WIRE_E_TOKEN :
					    0;
	if (status) {
		S.st.slow_refused[status == EBPFDMA_WIRE_E_VOLUME ?
					  REFUSED_VOLUME :
					  REFUSED_TOKEN]++;
		send_ack(&peer, w.volume, w.session, NULL, status, false, 0);
		return;
	}
	s = session_get(v, w.session);
	if (!s)
		return; /* counted: the sender retries */
	s->peer = peer;
	s->have_peer = true;
	s->last_seen_ms = S.now;
	switch (w.type) {
	case EBPFDMA_WIRE_OPEN:
		S.st.opens++;
		ack_session(s);
		break;
	case EBPFDMA_WIRE_COMMIT:
		S.st.commits++;
		if ((v->conf.flags & EBPFDMA_VOL_FUA) &&
		    !(v->conf.flags & EBPFDMA_VOL_FLUSH_ON_COMMIT)) {
			send_ack(&peer, v->conf.id, s->id, s, s->status, true,
				 w.seq);
			S.st.commits_acked++;
			break;
		}
		/*
		 * The next flush issued covers everything completed now.  A
		 * repeated COMMIT waits for the same flush, not a later one.
		 */
		if (!s->commit_pending || s->commit_seq != w.seq) {
			s->commit_pending = true;
			s->commit_seq = w.seq;
			s->commit_gen = v->gen_issued + 1;
			v->want_flush = true;
		}
		break;
	case EBPFDMA_WIRE_DATA:
		slow_data(v, s, &w, buf + sizeof(struct ebpfdma_wire_hdr), len);
		break;
	default:
		S.st.slow_refused[REFUSED_INVAL]++;
	}
}

static void read_socket(void)
{
	/* A header and the longest body, and room to see a longer one. */
	static uint8_t bufs[32][SLOW_MAX_LEN + 4096];
	struct sockaddr_storage from[32];
	struct mmsghdr m[32];
	struct iovec iov[32];
	int i, n;

	for (i = 0; i < 32; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		m[i].msg_hdr = (struct msghdr){
			.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
			.msg_iov = &iov[i], .msg_iovlen = 1,
		};
	}
	n = recvmmsg(S.sock, m, 32, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		if (m[i].msg_hdr.msg_flags & MSG_TRUNC) {
			S.st.slow_refused[REFUSED_INVAL]++;
			continue;
		}
		on_datagram(bufs[i], m[i].msg_len, &from[i]);
	}
}

/* ---- setup, teardown ----------------------------------------------------- */

static int open_socket(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(S.conf.port) };
	int fd, zero = 0, big = 8 << 20;

	if (S.conf.listen[0]) {
		struct ebpfdma_rx_peer p;

		if (edma_rx_peer_parse(S.conf.listen, &p)) {
			logmsg("listen: '%s' is not an address", S.conf.listen);
			return -1;
		}
		memcpy(&a.sin6_addr, p.addr, 16);
	}
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* Past net.core.rmem_max where allowed (root): bursts fit. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (void *)&a, sizeof(a))) {
		logmsg("bind UDP port %u: %s", S.conf.port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int attach(void)
{
	struct edma_rx_config cfg = {
		.port = S.conf.port, .full_policy = S.conf.full_policy,
		.pass_refused = 1,
	};
	struct ebpfdma_rx *skel;
	unsigned int i;
	int ret, generic = S.conf.xdp == CTL_XDP_GENERIC;

	ret = edma_rx_load(&cfg, &skel);
	if (ret) {
		logmsg("loading the XDP program: %s", strerror(-ret));
		return -1;
	}
	for (i = 0; i < S.conf.nr_peers; i++)
		edma_rx_peer_add(edma_rx_peers_fd(skel), S.conf.peers[i]);
	/*
	 * A program left by a serve that did not stop cleanly goes; another
	 * program is not ours to replace.
	 */
	ret = edma_rx_detach_ours(S.conf.ifname, generic);
	if (ret == -EEXIST) {
		logmsg("%s has another XDP program attached (not ebpfdma_rx): detach it first",
		       S.conf.ifname);
		edma_rx_destroy(skel);
		return -1;
	}
	ret = edma_rx_attach(skel, S.conf.ifname, generic);
	edma_rx_destroy(skel);
	if (ret) {
		logmsg("attach to %s (%s): %s", S.conf.ifname,
		       generic ? "generic" : "native", strerror(-ret));
		return -1;
	}
	S.attached = true;
	return 0;
}

static int add_volumes(void)
{
	struct ebpfdma_volume_bind b = { 0 };
	unsigned int i;
	int ret;

	/*
	 * Volumes left by a serve that did not stop cleanly go first: they
	 * hold their devices open exclusively.
	 */
	for (i = 0; i < S.conf.nr_vols; i++)
		ctl_volume_del(S.e.fd, S.conf.vols[i].id);
	for (i = 0; i < S.conf.nr_vols; i++) {
		struct vol *v = &S.vols[i];
		int shared = -1;
		unsigned int j;

		v->conf = S.conf.vols[i];
		for (j = 0; j < i; j++)
			if (!strcmp(S.vols[j].conf.dev, v->conf.dev))
				shared = S.vols[j].fd;
		ret = ctl_volume_add(S.e.fd, &v->conf, shared, &v->fd,
				     &v->bsize);
		if (ret) {
			logmsg("volume %u on %s: %s", v->conf.id, v->conf.dev,
			       strerror(-ret));
			return -1;
		}
		S.nr_vols++;
		v->st = &S.st.vol[S.st.nr_vols++];
		v->st->id = v->conf.id;
		v->dfd = open(v->conf.dev, O_RDWR | O_DIRECT | O_CLOEXEC);
		b.id = v->conf.id;
		if (v->dfd < 0 || ioctl(S.e.fd, EBPFDMA_IOC_VOLUME_BIND, &b)) {
			logmsg("volume %u: %s", v->conf.id, strerror(errno));
			return -1;
		}
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
		if (S.vols[i].flush_in_flight || S.vols[i].pend.n ||
		    S.vols[i].want_flush)
			return true;
	return in_flight() > 0;
}

static void ack_due(uint64_t now)
{
	unsigned int i;

	for (i = 0; i < S.nr_sessions; i++) {
		struct session *s = S.sessions[i];

		if (session_idle(s) && now - s->last_seen_ms > SESSION_IDLE_MS) {
			session_forget(i--);
			continue;
		}
		if (!s->have_peer)
			continue;
		if ((s->dirty && now - s->last_ack_ms >= ACK_EVERY_MS) ||
		    (now - s->last_seen_ms < 30000 &&
		     now - s->last_ack_ms >= REACK_MS && s->durable.count))
			ack_session(s);
	}
}

/* One round; @rx: take datagrams from the socket (not while draining). */
static void loop_once(int timeout_ms, bool rx)
{
	struct pollfd p[3] = {
		{ .fd = S.e.fd, .events = POLLIN },
		{ .fd = rx ? S.sock : -1, .events = POLLIN },
		{ .fd = S.metrics_fd, .events = POLLIN },
	};

	poll(p, S.metrics_fd >= 0 ? 3 : 2, timeout_ms);
	/* One clock reading a round: what follows happens "now". */
	S.now = now_ms();
	edma_reap(&S.e, on_cqe, NULL);
	if (rx && (p[1].revents & POLLIN))
		read_socket();
	if (S.metrics_fd >= 0 && (p[2].revents & POLLIN))
		metrics_answer(S.metrics_fd, &S.st);
	flush_volumes();
	ack_due(S.now);
}

int cmd_serve(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	unsigned int i;
	uint64_t t;

	if (argc != 1) {
		fprintf(stderr, "usage: ebpfdmactl serve CONFIG\n");
		return 2;
	}
	if (ctl_config_load(argv[0], &S.conf, err, sizeof(err))) {
		fprintf(stderr, "ebpfdmactl serve: %s\n", err);
		return 2;
	}
	for (i = 0; i < S.conf.nr_peers; i++)
		if (edma_rx_peer_parse(S.conf.peers[i], &S.peers[i])) {
			fprintf(stderr, "ebpfdmactl serve: peer '%s' is not an address\n",
				S.conf.peers[i]);
			return 2;
		}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	S.metrics_fd = -1;
	if (edma_open(&S.e, O_RDWR)) {
		logmsg("/dev/%s: %s%s", EBPFDMA_DEV_NAME, strerror(errno),
		       errno == ENOENT ? " (modprobe ebpfdma first)" : "");
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
		S.metrics_fd = metrics_listen(S.conf.metrics);
		if (S.metrics_fd < 0) {
			logmsg("metrics on %s: %s", S.conf.metrics,
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

	while (!stopping)
		loop_once(5, true);

	/* Drain: nothing new arrives once detached; acknowledge the rest. */
	logmsg("stopping: draining");
	if (S.attached)
		edma_rx_detach_ours(S.conf.ifname,
				    S.conf.xdp == CTL_XDP_GENERIC);
	S.attached = false;
	for (t = now_ms(); busy() && now_ms() - t < 30000;)
		loop_once(5, false);
	for (i = 0; i < S.nr_sessions; i++)
		if (S.sessions[i]->dirty)
			ack_session(S.sessions[i]);
	for (i = 0; i < S.nr_vols; i++)
		ctl_volume_del(S.e.fd, S.vols[i].conf.id);
	logmsg("stopped: %llu blocks written by XDP, %llu by the slow path",
	       (unsigned long long)S.st.blocks[PATH_XDP],
	       (unsigned long long)S.st.blocks[PATH_SLOW]);
	edma_close(&S.e);
	return 0;
fail:
	if (S.attached)
		edma_rx_detach_ours(S.conf.ifname,
				    S.conf.xdp == CTL_XDP_GENERIC);
	for (i = 0; i < S.nr_vols; i++)
		ctl_volume_del(S.e.fd, S.vols[i].conf.id);
	edma_close(&S.e);
	return 1;
}

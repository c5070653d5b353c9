// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send: send a file (or standard input) to an ebpfdma receiver and
 * exit 0 only once every block is durably acknowledged and committed.
 *
 *   ebpfdma-send [options] --key-file PATH HOST[:PORT] VOLUME [FILE|-]
 *
 * Wire version 2 (uapi/PROTOCOL.md): a HELLO authenticated under the
 * volume's secret asks for a session; the receiver's WELCOME, which must
 * verify and answer this HELLO's nonce, grants it.  The file then goes to
 * the volume's window from block 0 in DATA datagrams of --block-size
 * bytes (the last one padded with zeros to the volume's logical block
 * size), sealed under the session's key with the volume's protection and
 * a fresh counter each, also for a retransmission.  Only ACKs that verify
 * under the receiver's key, newer than the last one believed, count.
 * What is in flight is at most the receiver's credit and the congestion
 * window (cc.c: NewReno over RFC 9002's round-trip estimate, the
 * receiver's ack delay taken off, halved on loss or on CE marks the
 * receiver reports), paced over the round trip.  A block is declared lost
 * when one sent after it is acknowledged and it is overdue by 9/8 of the
 * round trip (flight.c), and sent again at once; when nothing is
 * acknowledged for a probe timeout, the oldest outstanding blocks go again
 * and the timeout doubles.  A regular file is read as it is sent
 * (source.c): memory does not grow with it.  When everything is durable,
 * COMMIT; its ACK (COMPLETE) ends the transfer.  A receiver that
 * falls silent (restarted: its sessions are gone) is asked for a new
 * session, and the transfer starts over.  Datagrams leave in batches: one
 * sendmmsg() a round, equal ones sharing a message the kernel cuts into
 * datagrams (UDP GSO, where the path takes it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/udp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "tools/lib/control.h"
#include "tools/lib/handshake.h"
#include "tools/lib/keyfile.h"
#include "tools/lib/wire2.h"
#include "tools/ebpfdma-send/cc.h"
#include "tools/ebpfdma-send/flight.h"
#include "tools/ebpfdma-send/source.h"
#include "uapi/ebpfdma_wire.h"

#define RTO_MAX_MS 2000 /* the HELLO's and the COMMIT's backoff cap */
#define FLIGHT_MAX 65536U /* blocks from the oldest outstanding to the newest */
#define PACE_BURST 64U /* datagrams that may leave back to back */
#define PROBES 2U /* blocks sent again when the probe timeout expires */
#define PERSISTENT_PTOS 3U /* expiries in a row: persistent congestion */
/*
 * No ACK that verifies for this long while blocks are outstanding: the
 * receiver has lost the session (it restarted); ask for a new one.  An
 * active session's receiver repeats its ACK every 250 ms.
 */
#define SILENCE_MS 4000

struct opts {
	const char *host, *file, *source, *key_file;
	uint16_t port;
	uint32_t volume;
	uint32_t block_size; /* bytes per datagram body */
	bool block_auto; /* no --block-size: from the path MTU and receiver */
	uint32_t window; /* datagrams in flight at most, 0: no cap of its own */
	double rate; /* MiB/s, 0 = unpaced */
	int fua, quiet, gso;
	unsigned int timeout_s; /* give up after this long without progress */
};

static struct {
	struct opts o;
	int sock;
	uint8_t secret[EBPFDMA_WIRE2_KEY_LEN], k_hs[EBPFDMA_WIRE2_KEY_LEN];
	uint8_t *scratch; /* a block's plaintext, read from the source */
	uint64_t size; /* bytes of data (padded to the logical block size) */
	uint64_t file_size;
	uint32_t n; /* blocks, a datagram each */
	uint32_t mtu; /* the path MTU to the receiver, as the kernel knows it */
	uint32_t fit; /* the longest body that fits one datagram of it */
	bool mtu_fell; /* a datagram was refused as longer than the path MTU */
	/* The session, from its WELCOME. */
	uint64_t session;
	uint32_t protect, unit, max_block, credit;
	struct edma_keys keys;
	uint64_t counter; /* the last DATA or COMMIT counter used */
	uint64_t ack_counter; /* the newest ACK's believed */
	struct flight f; /* what is in flight, what is acknowledged */
	struct cc cc; /* round trip and congestion window */
	bool cwnd_limited; /* the window held the sender back since the last ACK */
	unsigned int pto_backoff; /* probe timeouts in a row */
	double tokens; /* pacing: datagrams that may leave now */
	uint64_t tokens_us;
	uint64_t sends, resends, acks, forged, sessions;
	uint64_t lost, probes, congestion, ce; /* over every session */
	uint64_t last_ack_ms, t0;
	uint64_t progress_ms; /* when the acknowledged count last grew */
	uint64_t resumed_us; /* when it last went on after being stopped */
	uint64_t now; /* now_ms() at this round's start */
	int status;
	bool committed;
} T;

/* Set by SIGCONT: the process was stopped (Ctrl-Z, SIGSTOP) and goes on. */
static volatile sig_atomic_t continued;

static void on_cont(int sig)
{
	(void)sig;
	continued = 1;
}

/* Set by SIGINT (Ctrl-C) and SIGTERM: stop, say how far it got. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

/*
 * The time a stopped sender spent stopped is not the receiver's silence
 * nor a lack of progress: after SIGCONT both are measured from now (before,
 * a sender stopped for longer than --timeout gave up as soon as it went on).
 */
static bool resumed(void)
{
	if (!continued)
		return false;
	continued = 0;
	T.progress_ms = T.last_ack_ms = now_ms();
	T.resumed_us = now_us(); /* earlier sends give no round-trip sample */
	return true;
}

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ebpfdma-send: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(code);
}

static const char *status_text(int status)
{
	switch (status) {
	case EBPFDMA_WIRE2_E_VOLUME:
		return "the receiver has no such volume";
	case EBPFDMA_WIRE2_E_RANGE:
		return "the file does not fit the volume's window";
	case EBPFDMA_WIRE2_E_BLOCK:
		return "the receiver cannot take this block size";
	case EBPFDMA_WIRE2_E_BUSY:
		return "the receiver has no room for another session now (try again later)";
	case EBPFDMA_WIRE2_E_IO:
		return "the receiver's disk failed a write or a flush";
	default:
		return "unknown error from the receiver";
	}
}

static void progress(bool last);
static void size_blocks(uint32_t bs);
static uint32_t fitting_block(uint32_t unit, uint32_t max_block);
static void refuse_block(uint32_t unit, uint32_t max_block);

/*
 * Interrupted: what is durable stays so, but the transfer is not
 * committed (the receiver's session times out).  Exit 130, as a shell
 * reports a program ended by SIGINT.
 */
static void check_interrupted(void)
{
	if (!interrupted)
		return;
	progress(true);
	printf("interrupted after %.2f s: %u of %u datagrams of %u bytes durable, %llu retransmitted; not committed\n",
	       (now_ms() - T.t0) / 1000.0, T.f.acked, T.n, T.o.block_size,
	       (unsigned long long)T.resends);
	fflush(stdout);
	exit(130);
}

static void check_status(void)
{
	if (T.status)
		die(3, "%s:%u volume %u: %s", T.o.host, T.o.port, T.o.volume,
		    status_text(T.status));
}

/*
 * DATA goes out in batches: queue_data() collects block indices,
 * send_queued() seals them side by side and sends them with one
 * sendmmsg(), where equal-sized datagrams share a message that the kernel
 * cuts into datagrams (UDP GSO: each gso_size piece is one datagram).  One
 * system call and one trip through the stack for many datagrams.
 */
#define BATCH_MAX 1024U
#define BATCH_BYTES (8U << 20) /* sealed datagrams of one batch */
#define GSO_MAX 64U /* segments the kernel takes in one send */

static struct {
	uint32_t seq[BATCH_MAX];
	unsigned int n, max;
	uint8_t *buf; /* max sealed datagrams of unit bytes, side by side */
	uint32_t unit; /* header, a full block, trailer */
	uint32_t len[BATCH_MAX]; /* each one's length */
	struct iovec iov[BATCH_MAX];
	struct mmsghdr msg[BATCH_MAX];
	char ctl[BATCH_MAX][CMSG_SPACE(sizeof(uint16_t))];
	unsigned int nnew; /* of them, blocks never sent before */
	bool gso; /* the socket takes UDP_SEGMENT */
} Q;

/* Bytes of body of block @seq: the last is the rest, padded. */
static uint32_t data_len(uint32_t seq)
{
	uint64_t off = (uint64_t)seq * T.o.block_size;

	return off + T.o.block_size > T.size ? T.size - off : T.o.block_size;
}

/* Does the kernel take UDP_SEGMENT on this socket?  (Linux 4.18+.) */
static void gso_probe(void)
{
	int seg = Q.unit;

	Q.gso = T.o.gso &&
		!setsockopt(T.sock, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	/* Set per message from here on; the socket's default is none. */
	seg = 0;
	if (Q.gso)
		setsockopt(T.sock, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
}

/* Send queued datagrams [@first, Q.n), sealed in Q.buf. */
static void transmit(uint32_t first)
{
	uint32_t unit = Q.unit;
	/* Segments of one message: at most 64, at most 64 KiB in all. */
	uint32_t gmax = Q.gso ? GSO_MAX : 1, nmsg = 0, i, done, segs = 0;
	uint32_t start[BATCH_MAX]; /* each message's first entry */
	int r;

	if (gmax > 65000 / unit)
		gmax = 65000 / unit ? 65000 / unit : 1;
	for (i = first; i < Q.n; i++) {
		/*
		 * A full datagram joins the message being built if it can:
		 * they lie side by side in Q.buf, one iovec covers them.
		 */
		if (nmsg && Q.len[i] == unit && segs < gmax) {
			Q.iov[nmsg - 1].iov_len += unit;
			segs++;
			continue;
		}
		start[nmsg] = i;
		Q.iov[nmsg] = (struct iovec){ Q.buf + (size_t)i * unit,
					      Q.len[i] };
		memset(&Q.msg[nmsg], 0, sizeof(Q.msg[nmsg]));
		Q.msg[nmsg].msg_hdr.msg_iov = &Q.iov[nmsg];
		Q.msg[nmsg].msg_hdr.msg_iovlen = 1;
		nmsg++;
		/* A short datagram (the last block) ends its message. */
		segs = Q.len[i] == unit ? 1 : gmax;
	}
	for (i = 0; i < nmsg; i++) {
		struct msghdr *h = &Q.msg[i].msg_hdr;
		struct cmsghdr *c;

		if (h->msg_iov->iov_len <= unit)
			continue; /* one datagram: nothing to cut */
		h->msg_control = Q.ctl[i];
		h->msg_controllen = sizeof(Q.ctl[i]);
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		*(uint16_t *)CMSG_DATA(c) = unit;
	}
	for (done = 0; done < nmsg;) {
		r = sendmmsg(T.sock, Q.msg + done, nmsg - done, 0);
		if (r > 0) {
			done += r;
			continue;
		}
		if (errno == ECONNREFUSED)
			continue; /* an ICMP error of an earlier datagram */
		if (errno == ENOBUFS || errno == EAGAIN) {
			usleep(100);
			continue;
		}
		if (Q.gso && (errno == EIO || errno == EINVAL ||
			      errno == EOPNOTSUPP)) {
			/*
			 * The path takes no GSO (or no longer this segment
			 * size: udp_send_skb() says EINVAL when a segment
			 * outgrows the path MTU): a datagram each from here.
			 */
			Q.gso = false;
			transmit(start[done]);
			return;
		}
		if (errno == EMSGSIZE) {
			/* The path MTU fell below a datagram: main() decides. */
			T.mtu_fell = true;
			return;
		}
		die(1, "send: %s", strerror(errno));
	}
}

/* Seal every queued block, each under a counter never used before. */
static void send_queued(void)
{
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_DATA, .session = T.session,
		.flags = T.o.fua ? EBPFDMA_WIRE2_F_FUA : 0,
	};
	uint64_t now = now_us();
	uint32_t i;
	int ret;

	if (T.mtu_fell) { /* none of them fits the path */
		Q.n = Q.nnew = 0;
		return;
	}
	for (i = 0; i < Q.n; i++) {
		uint32_t seq = Q.seq[i];

		w.counter = ++T.counter;
		w.index = seq;
		w.len = data_len(seq);
		ret = source_read((uint64_t)seq * T.o.block_size, T.scratch,
				  w.len);
		if (ret)
			die(2, "%s: %s", T.o.file, strerror(-ret));
		Q.len[i] = edma_wire2_seal(Q.buf + (size_t)i * Q.unit, &w,
					   T.scratch, T.protect, T.keys.data);
		if (seq < T.f.next)
			T.resends++;
		flight_sent(&T.f, seq, now);
	}
	if (Q.n)
		transmit(0);
	T.sends += Q.n;
	Q.n = Q.nnew = 0;
}

static void queue_data(uint32_t seq)
{
	Q.seq[Q.n++] = seq;
	if (Q.n == Q.max)
		send_queued();
}

static void send_commit(void)
{
	uint8_t buf[EDMA_COMMIT2_LEN];
	size_t len = edma_commit2_build(buf, T.session, ++T.counter, T.n,
					T.protect, T.keys.data);

	send(T.sock, buf, len, 0);
}

/*
 * An ACK that verified: what is durable now, a round-trip sample from its
 * newest block, the window's growth, CE marks.
 */
static void on_ack(const struct edma_ack2 *a)
{
	struct flight_ack fa = { 0 };
	uint64_t now = now_us();
	int64_t rtt = flight_rtt(&T.f, a->newest, now);
	unsigned int i;

	flight_ack_range(&T.f, 0, a->durable < T.n ? a->durable : T.n, &fa);
	for (i = 0; i < a->nr_ranges; i++)
		flight_ack_range(&T.f, a->ranges[i][0], a->ranges[i][1], &fa);
	if (!fa.newly)
		return;
	/* The newest block's sample counts only if this ACK made it durable. */
	if (rtt >= 0 && (uint64_t)rtt <= now - T.resumed_us &&
	    flight_is_acked(&T.f, a->newest))
		cc_rtt_sample(&T.cc, rtt, a->ack_delay_us);
	cc_on_acked(&T.cc, fa.newly, fa.newest_sent_us, T.cwnd_limited);
	cc_on_ce(&T.cc, a->ce_count, fa.newest_sent_us, now);
	T.cwnd_limited = false;
	T.pto_backoff = 0;
}

/*
 * Read every datagram waiting, after waiting up to @timeout_us for one;
 * returns how many new ACKs verified.
 */
static int read_acks(uint64_t timeout_us)
{
	uint8_t buf[EDMA_ACK2_MAX + 64];
	struct pollfd p = { .fd = T.sock, .events = POLLIN };
	struct timespec ts = { timeout_us / 1000000,
			       timeout_us % 1000000 * 1000 };
	struct edma_ack2 a;
	int got = 0, ret;
	ssize_t n;

	if (ppoll(&p, 1, &ts, NULL) <= 0)
		return 0;
	while ((n = recv(T.sock, buf, sizeof(buf), MSG_DONTWAIT)) >= 0 ||
	       errno == ECONNREFUSED) {
		if (n < 0)
			continue;
		ret = edma_ack2_parse(buf, n, T.session, &a, T.protect,
				      T.keys.ack);
		if (ret == -ENOENT)
			continue; /* not an ACK of this session */
		if (ret) {
			T.forged++; /* does not verify, or malformed */
			continue;
		}
		/* An older ACK (reordered, or replayed) says nothing new. */
		if (a.counter <= T.ack_counter)
			continue;
		T.ack_counter = a.counter;
		got++;
		T.acks++;
		T.last_ack_ms = now_ms();
		if (a.status) {
			T.status = a.status;
			return got;
		}
		T.credit = a.credit;
		on_ack(&a);
		/* Complete only when it says every block is durable. */
		if ((a.flags & EBPFDMA_WIRE2_ACK_COMPLETE) &&
		    a.durable == T.n && T.f.acked == T.n)
			T.committed = true;
	}
	return got;
}

/*
 * HELLO until a WELCOME that verifies answers it, for at most --timeout:
 * the session, with its keys.  Every block is then outstanding.
 */
static void open_session(void)
{
	uint8_t hello[EDMA_HELLO_LEN], buf[EDMA_WELCOME_LEN + 64];
	struct edma_hello h = {
		.volume = T.o.volume, .block_size = T.o.block_size,
		.length = T.file_size,
	};
	unsigned int wait = 200;
	uint64_t t0 = now_ms();
	struct edma_welcome w;
	size_t len;
	ssize_t n;

hello:
	h.block_size = T.o.block_size;
	randombytes_buf(h.nonce, sizeof(h.nonce));
	len = edma_hello_build(hello, &h, T.k_hs);
	while (now_ms() - t0 < T.o.timeout_s * 1000ULL) {
		struct pollfd p = { .fd = T.sock, .events = POLLIN };
		uint64_t until = now_ms() + wait;

		if (resumed())
			t0 = now_ms();
		check_interrupted();
		send(T.sock, hello, len, 0);
		while (now_ms() < until &&
		       poll(&p, 1, until - now_ms()) > 0) {
			n = recv(T.sock, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 ||
			    edma_welcome_parse(buf, n, &w, h.nonce, T.k_hs))
				continue; /* not the answer to this HELLO */
			if (w.status == EBPFDMA_WIRE2_E_BLOCK) {
				/* Without --block-size: the largest that fits. */
				if (T.o.block_auto &&
				    fitting_block(w.unit, w.max_block) &&
				    fitting_block(w.unit, w.max_block) !=
					    T.o.block_size) {
					size_blocks(fitting_block(w.unit,
								  w.max_block));
					goto hello;
				}
				refuse_block(w.unit, w.max_block);
			}
			if (w.status == EBPFDMA_WIRE2_E_RANGE)
				die(3, "%s:%u volume %u: the file (%llu bytes) does not fit the volume's window",
				    T.o.host, T.o.port, T.o.volume,
				    (unsigned long long)T.file_size);
			T.status = w.status;
			check_status();
			goto granted;
		}
		if (wait < RTO_MAX_MS)
			wait *= 2;
	}
	die(4, "no answer from %s:%u in %u s (is ebpfdmactl serve running, the port right, this host an allowed peer, the volume id right and the key file the volume's?)",
	    T.o.host, T.o.port, T.o.timeout_s);
granted:
	T.session = w.session;
	T.protect = w.protect;
	T.unit = w.unit;
	T.max_block = w.max_block;
	T.credit = w.credit;
	edma_session_keys(&T.keys, T.secret, h.nonce, w.nonce_s, w.session);
	T.counter = 0;
	T.ack_counter = 0;
	T.sessions++;
	T.last_ack_ms = now_ms();
	/* A new session knows nothing of the last one's blocks. */
	flight_reset(&T.f);
	T.congestion += T.cc.congestion_events;
	T.ce += T.cc.ce_events;
	cc_init(&T.cc);
	T.cwnd_limited = false;
	T.pto_backoff = 0;
	T.tokens = PACE_BURST;
	T.tokens_us = now_us();
}

static void progress(bool last)
{
	static uint64_t shown;
	uint64_t now = now_ms(), done;
	double secs = (now - T.t0) / 1000.0, pct;
	int tty = isatty(2), bar, i;

	if (T.o.quiet || (!last && now - shown < (tty ? 200 : 2000)))
		return;
	shown = now;
	done = (uint64_t)T.f.acked * T.o.block_size;
	if (done > T.file_size)
		done = T.file_size;
	pct = T.file_size ? 100.0 * done / T.file_size : 100;
	if (tty) {
		bar = pct * 30 / 100;
		fprintf(stderr, "\r[");
		for (i = 0; i < 30; i++)
			fputc(i < bar ? '#' : '.', stderr);
		fprintf(stderr, "] %5.1f%% %.1f MiB/s, %llu retransmitted%s",
			pct, secs > 0 ? done / 1048576.0 / secs : 0,
			(unsigned long long)T.resends, last ? "\n" : "");
	} else {
		fprintf(stderr,
			"ebpfdma-send: %.1f%% acknowledged (%llu of %llu bytes), %llu retransmitted\n",
			pct, (unsigned long long)done,
			(unsigned long long)T.file_size,
			(unsigned long long)T.resends);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ebpfdma-send [options] --key-file PATH HOST[:PORT] VOLUME [FILE|-]\n"
		"  --key-file PATH  the volume's secret (mode 0600 or 0400; ebpfdmactl genkey makes one)\n"
		"  --block-size N   body bytes per datagram (default: the largest multiple of 512\n"
		"                   up to 4096 that fits the path MTU and the receiver's block size)\n"
		"  --window N       at most N datagrams in flight (default: as the receiver's credit\n"
		"                   and the congestion window allow)\n"
		"  --rate MIBS      pace to MIBS MiB/s (default: unpaced)\n"
		"  --fua            ask for FUA writes\n"
		"  --no-gso         one system call per datagram (no UDP segmentation offload)\n"
		"  --timeout S      give up after S seconds without progress (default 30)\n"
		"  --source ADDR    send from this local address\n"
		"  --quiet          no progress\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	struct opts *o = &T.o;
	char *colon, *end;
	int a, pos = 0;
	const char *posv[3];

	o->port = EBPFDMA_WIRE_PORT;
	o->block_auto = true;
	o->gso = 1;
	o->timeout_s = 30;
	o->file = "-";
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--block-size") && a + 1 < argc) {
			o->block_size = strtoul(argv[++a], NULL, 0);
			o->block_auto = false;
		}
		else if (!strcmp(argv[a], "--window") && a + 1 < argc)
			o->window = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--rate") && a + 1 < argc)
			o->rate = strtod(argv[++a], NULL);
		else if (!strcmp(argv[a], "--timeout") && a + 1 < argc)
			o->timeout_s = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--source") && a + 1 < argc)
			o->source = argv[++a];
		else if (!strcmp(argv[a], "--key-file") && a + 1 < argc)
			o->key_file = argv[++a];
		else if (!strcmp(argv[a], "--no-gso"))
			o->gso = 0;
		else if (!strcmp(argv[a], "--fua"))
			o->fua = 1;
		else if (!strcmp(argv[a], "--quiet"))
			o->quiet = 1;
		else if (argv[a][0] == '-' && argv[a][1] == '-')
			usage();
		else if (pos < 3)
			posv[pos++] = argv[a];
		else
			usage();
	}
	if (pos < 2 || (!o->block_auto && !o->block_size) || !o->timeout_s)
		usage();
	if (!o->key_file)
		die(2, "--key-file PATH is required: the volume's secret, as the receiver's key_file (ebpfdmactl genkey PATH makes one)");
	o->host = strdup(posv[0]);
	colon = strrchr(o->host, ':');
	if (colon && !strchr(colon, ']') && strchr(o->host, ':') == colon) {
		*colon = 0;
		o->port = strtoul(colon + 1, NULL, 0);
	} else if (o->host[0] == '[') {
		char *rb = strchr(o->host, ']');

		if (!rb)
			usage();
		*rb = 0;
		if (rb[1] == ':')
			o->port = strtoul(rb + 2, NULL, 0);
		o->host++;
	}
	o->volume = strtoul(posv[1], &end, 0);
	if (*end)
		usage();
	if (pos == 3)
		o->file = posv[2];
}

static void connect_socket(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	char port[8];
	int big = 8 << 20, ret;

	snprintf(port, sizeof(port), "%u", T.o.port);
	ret = getaddrinfo(T.o.host, port, &hints, &ai);
	if (ret)
		die(4, "%s: %s", T.o.host, gai_strerror(ret));
	T.sock = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (T.sock < 0)
		die(4, "socket: %s", strerror(errno));
	if (T.o.source) {
		struct addrinfo *src;

		hints.ai_family = ai->ai_family;
		hints.ai_flags = AI_NUMERICHOST;
		if (getaddrinfo(T.o.source, NULL, &hints, &src) ||
		    bind(T.sock, src->ai_addr, src->ai_addrlen))
			die(2, "--source %s: not a local address of the destination's family",
			    T.o.source);
		freeaddrinfo(src);
	}
	if (connect(T.sock, ai->ai_addr, ai->ai_addrlen))
		die(4, "%s:%u: %s", T.o.host, T.o.port, strerror(errno));
	/* Past the sysctl limits where allowed (root). */
	if (setsockopt(T.sock, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)))
		setsockopt(T.sock, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (setsockopt(T.sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(T.sock, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	freeaddrinfo(ai);
}

/* Key, input and sizes: what the session needs before its HELLO. */
static void prepare(void)
{
	struct sigaction sa = { .sa_handler = on_cont, .sa_flags = SA_RESTART };
	char err[512];
	int ret;

	if (sodium_init() < 0)
		die(1, "libsodium cannot start");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = on_interrupt;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (edma_key_load(T.o.key_file, T.secret, err, sizeof(err)))
		die(2, "%s", err);
	edma_hs_key(T.k_hs, T.secret);
	ret = source_open(T.o.file, &T.file_size);
	if (ret)
		die(2, "%s: %s", T.o.file, strerror(-ret));
}

/*
 * The block size, and what depends on it: the number of blocks, the
 * per-block state.  Before the first HELLO, and again when the receiver
 * or the path MTU asks for smaller blocks (a new session).
 */
static void size_blocks(uint32_t bs)
{
	if ((T.file_size + bs - 1) / bs > UINT32_MAX)
		die(2, "the file needs more than 2^32 datagrams of %u bytes: raise --block-size",
		    bs);
	T.o.block_size = bs;
	T.n = (T.file_size + bs - 1) / bs;
	free(T.scratch);
	T.scratch = malloc(bs);
	flight_free(&T.f);
	if (!T.scratch ||
	    flight_init(&T.f, T.n, T.o.window && T.o.window < FLIGHT_MAX ?
					   T.o.window :
					   FLIGHT_MAX))
		die(2, "out of memory");
}

/*
 * The path MTU to the receiver as the kernel knows it (the route's, or
 * what ICMP "fragmentation needed" / "packet too big" taught it), and the
 * longest body that fits one datagram of it: the socket never fragments
 * (IP_PMTUDISC_DO), the kernel refuses a longer send with EMSGSIZE.
 */
static void path_mtu(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), ol = sizeof(int);
	int mtu = 0, ip, hdr;

	getpeername(T.sock, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		hdr = 40; /* IPv6 header */
		ip = IPV6_PMTUDISC_DO;
		setsockopt(T.sock, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &ip,
			   sizeof(ip));
		getsockopt(T.sock, IPPROTO_IPV6, IPV6_MTU, &mtu, &ol);
	} else {
		hdr = 20; /* IPv4 header, no options */
		ip = IP_PMTUDISC_DO;
		setsockopt(T.sock, IPPROTO_IP, IP_MTU_DISCOVER, &ip,
			   sizeof(ip));
		getsockopt(T.sock, IPPROTO_IP, IP_MTU, &mtu, &ol);
	}
	if (mtu <= 0)
		mtu = 1500; /* not known: Ethernet's */
	T.mtu = mtu;
	hdr += 8 + EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
	T.fit = mtu > hdr ? mtu - hdr : 0;
}

/* The largest block of @unit bytes that fits the path, or 0. */
static uint32_t fitting_block(uint32_t unit, uint32_t max_block)
{
	uint32_t most = T.fit < max_block ? T.fit : max_block;

	return unit ? most / unit * unit : 0;
}

/* The receiver cannot take a block that fits: say why, and which. */
static void refuse_block(uint32_t unit, uint32_t max_block)
{
	if (T.o.block_auto)
		die(3, "%s:%u volume %u: the receiver takes blocks of a multiple of %u bytes up to %u, but the path MTU (%u) leaves room for %u bytes of body in a datagram: raise the MTU of the path (jumbo frames)",
		    T.o.host, T.o.port, T.o.volume, unit, max_block, T.mtu,
		    T.fit);
	die(3, "%s:%u volume %u: the receiver takes blocks of a multiple of %u bytes up to %u: --block-size %u does not fit (at most %u for this path)",
	    T.o.host, T.o.port, T.o.volume, unit, max_block, T.o.block_size,
	    fitting_block(unit, max_block));
}

/*
 * The first block size: --block-size if it fits the path, else the
 * largest multiple of 512 bytes up to 4096 that does (the receiver may
 * ask for another in its WELCOME).
 */
static void choose_block_size(void)
{
	uint32_t bs = T.o.block_size;

	path_mtu();
	if (T.o.block_auto) {
		bs = fitting_block(512, 4096);
		if (!bs)
			die(2, "the path MTU to %s (%u bytes) leaves room for %u bytes of body in a datagram: less than a 512-byte block",
			    T.o.host, T.mtu, T.fit);
	} else if (bs > T.fit) {
		die(2, "--block-size %u does not fit the path MTU to %s (%u bytes): at most %u bytes of body fit a datagram, and datagrams are never fragmented (use --block-size %u, or raise the MTU)",
		    bs, T.o.host, T.mtu, T.fit, T.fit / 512 * 512);
	}
	size_blocks(bs);
}

/*
 * The path MTU fell under the block size (EMSGSIZE): without
 * --block-size, a new session with blocks that fit.
 */
static void path_shrank(void)
{
	uint32_t bs;

	path_mtu();
	bs = fitting_block(T.unit, T.max_block);
	if (!T.o.block_auto || !bs || bs >= T.o.block_size)
		die(4, "the path MTU to %s fell to %u bytes: blocks of %u bytes no longer fit a datagram (%u of %u blocks were durable, nothing is committed; send again%s)",
		    T.o.host, T.mtu, T.o.block_size, T.f.acked, T.n,
		    T.fit >= T.unit ? " with a smaller --block-size" :
				      " once the path's MTU is back");
	if (!T.o.quiet)
		fprintf(stderr, "ebpfdma-send: the path MTU to %s fell to %u bytes: a new session with blocks of %u bytes (the transfer starts over)\n",
			T.o.host, T.mtu, bs);
	size_blocks(bs);
	T.mtu_fell = false;
}

/* The session's geometry: pad the data, size the batches. */
static void geometry(void)
{
	uint64_t size = (T.file_size + T.unit - 1) / T.unit * T.unit;

	if (T.o.block_size % T.unit || T.o.block_size > T.max_block)
		refuse_block(T.unit, T.max_block);
	T.size = size; /* source_read() pads the last block with zeros */
	if (Q.buf && Q.unit != EBPFDMA_WIRE2_HDR_LEN + T.o.block_size +
				       EBPFDMA_WIRE2_TRAILER_LEN) {
		free(Q.buf); /* the block size changed with the path MTU */
		Q.buf = NULL;
	}
	if (!Q.buf) {
		Q.unit = EBPFDMA_WIRE2_HDR_LEN + T.o.block_size +
			 EBPFDMA_WIRE2_TRAILER_LEN;
		Q.max = BATCH_BYTES / Q.unit;
		if (Q.max > BATCH_MAX)
			Q.max = BATCH_MAX;
		if (!Q.max)
			Q.max = 1;
		Q.buf = malloc((size_t)Q.max * Q.unit);
		if (!Q.buf)
			die(2, "out of memory");
		gso_probe();
	}
}

/* Pacing: the datagrams that may leave now (RFC 9002, 7.7). */
static uint32_t pace_allows(uint64_t now)
{
	uint64_t ns = cc_pace_ns(&T.cc);

	if (!ns) { /* unpaced: a full burst when pacing begins */
		T.tokens = PACE_BURST;
		T.tokens_us = now;
		return UINT32_MAX;
	}
	T.tokens += (double)(now - T.tokens_us) * 1000 / ns;
	T.tokens_us = now;
	if (T.tokens > PACE_BURST)
		T.tokens = PACE_BURST;
	return T.tokens >= 1 ? (uint32_t)T.tokens : 0;
}

/*
 * One round: declare lost what is overdue, probe when nothing was heard
 * for a probe timeout, then send what was lost and new blocks as far as
 * the congestion window, the credit, the pacing and --rate allow.
 * Returns how long to wait for an ACK before the next round (us).
 */
static uint64_t send_round(double *budget)
{
	uint64_t now = now_us(), sent_us, wait = 0;
	uint32_t lost, cwnd, pace, burst, from = 0, seq;

	lost = flight_detect_lost(&T.f, now, cc_loss_delay_us(&T.cc),
				  &sent_us);
	if (lost) {
		T.lost += lost;
		cc_on_congestion(&T.cc, sent_us, now);
	}
	if (flight_unacked(&T.f) &&
	    now - T.f.last_sent_us >= cc_pto_us(&T.cc, T.pto_backoff)) {
		/* Nothing heard for a probe timeout: the oldest go again. */
		if (++T.pto_backoff == PERSISTENT_PTOS) {
			T.lost += flight_all_lost(&T.f);
			cc_on_persistent_congestion(&T.cc);
		}
		for (lost = 0; lost < PROBES &&
			       flight_next_resend(&T.f, &from, true);
		     lost++, from++) {
			queue_data(from);
			T.probes++;
		}
	}
	cwnd = T.o.window && T.o.window < T.cc.cwnd ? T.o.window : T.cc.cwnd;
	pace = pace_allows(now);
	/*
	 * Paced datagrams leave in bursts of an eighth of the window (up to
	 * PACE_BURST): batches the kernel segments in one call (GSO), not
	 * one system call per datagram.
	 */
	burst = cwnd / 8 < 1 ? 1 : cwnd / 8 > PACE_BURST ? PACE_BURST : cwnd / 8;
	if (!T.f.lost && T.f.next >= T.n) {
		send_queued(); /* all sent: only ACKs are awaited */
		return 1000;
	}
	if (pace < burst && !Q.n)
		return (burst - T.tokens) * cc_pace_ns(&T.cc) / 1000 + 1;
	from = 0;
	for (;;) {
		if (T.f.in_flight + Q.n >= cwnd) {
			T.cwnd_limited = true;
			wait = 1000; /* until an ACK opens the window */
			break;
		}
		if (!pace) { /* until the next datagram's turn */
			wait = (1 - T.tokens) * cc_pace_ns(&T.cc) / 1000 + 1;
			break;
		}
		if (T.o.rate > 0 && *budget < T.o.block_size) {
			wait = 1000;
			break;
		}
		if (T.mtu_fell)
			break;
		if (T.f.lost && flight_next_resend(&T.f, &from, false)) {
			seq = from++; /* lost: again, before anything new */
		} else if (T.f.next + Q.nnew >= T.n) {
			wait = 1000; /* everything has been sent */
			break;
		} else if (T.f.next + Q.nnew - T.f.cum > T.f.mask ||
			   flight_unacked(&T.f) + Q.n >= T.credit) {
			wait = 1000; /* the receiver's credit, the oldest block */
			break;
		} else {
			seq = T.f.next + Q.nnew++;
		}
		queue_data(seq);
		if (pace != UINT32_MAX) {
			pace--;
			T.tokens--;
		}
		*budget -= T.o.block_size;
	}
	send_queued();
	return wait;
}

int main(int argc, char **argv)
{
	uint64_t now, budget_t;
	double budget = 0;
	unsigned int commit_wait;
	uint32_t acked;
	double secs;
	uint64_t wait;

	parse_args(argc, argv);
	prepare();
	connect_socket();
	choose_block_size();
	T.t0 = now_ms();
again:
	open_session();
	geometry();
	budget_t = T.progress_ms = now_ms();
	while (T.f.acked < T.n) {
		acked = T.f.acked;
		/* What has arrived first: silence is measured after it. */
		read_acks(0);
		check_status();
		check_interrupted();
		resumed();
		now = T.now = now_ms();
		if (now - T.last_ack_ms > SILENCE_MS) {
			if (!T.o.quiet)
				fprintf(stderr, "ebpfdma-send: %s:%u fell silent for %u s: asking for a new session (the transfer starts over)\n",
					T.o.host, T.o.port, SILENCE_MS / 1000);
			goto again;
		}
		/* Answers that acknowledge nothing new do not keep it alive. */
		if (now - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(4, "%s:%u acknowledged nothing new for %u s (%u of %u blocks acknowledged; %s)",
			    T.o.host, T.o.port, T.o.timeout_s, T.f.acked, T.n,
			    T.forged ? "ACKs that do not verify arrived and were ignored: forged, or under another key" :
				       "are DATA datagrams dropped on the way, or is the disk stuck?");
		if (T.o.rate > 0) {
			budget += (now - budget_t) * T.o.rate * 1048576 / 1000;
			budget_t = now;
			if (budget > 4.0 * 1048576)
				budget = 4.0 * 1048576;
		}
		wait = send_round(&budget);
		if (T.mtu_fell) {
			path_shrank();
			goto again;
		}
		read_acks(wait);
		check_status();
		if (T.f.acked != acked)
			T.progress_ms = now;
		progress(false);
	}

	/* Everything is durable: commit. */
	T.progress_ms = now_ms();
	commit_wait = 200;
	while (!T.committed) {
		check_interrupted();
		resumed();
		if (now_ms() - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(4, "%s:%u did not acknowledge the COMMIT in %u s%s",
			    T.o.host, T.o.port, T.o.timeout_s,
			    T.forged ? " (and ACKs that do not verify arrived: forged, or under another key)" : "");
		if (now_ms() - T.last_ack_ms > SILENCE_MS)
			goto again; /* restarted before it could commit */
		send_commit();
		read_acks(commit_wait * 1000ULL);
		check_status();
		if (commit_wait < RTO_MAX_MS)
			commit_wait *= 2;
	}
	progress(true);
	secs = (now_ms() - T.t0) / 1000.0;
	printf("sent %llu bytes in %u datagrams of %u bytes to %s:%u volume %u in %.2f s: %.1f MiB/s, %llu retransmitted (%llu declared lost, %llu probes; %llu congestion events, %llu of them CE; round trip %.2f ms), %llu ACKs, %llu session%s%s; durable and committed\n",
	       (unsigned long long)T.file_size, T.n, T.o.block_size, T.o.host,
	       T.o.port, T.o.volume, secs,
	       secs > 0 ? T.file_size / 1048576.0 / secs : 0,
	       (unsigned long long)T.resends, (unsigned long long)T.lost,
	       (unsigned long long)T.probes,
	       (unsigned long long)(T.congestion + T.cc.congestion_events),
	       (unsigned long long)(T.ce + T.cc.ce_events),
	       T.cc.srtt_us / 1000.0,
	       (unsigned long long)T.acks,
	       (unsigned long long)T.sessions, T.sessions == 1 ? "" : "s",
	       T.forged ? ", ACKs that did not verify ignored" : "");
	sodium_memzero(&T.keys, sizeof(T.keys));
	sodium_memzero(T.secret, sizeof(T.secret));
	return 0;
}

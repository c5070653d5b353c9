// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send: send a file (or standard input) to an ebpfdma receiver and
 * exit 0 only once every block is durably acknowledged and committed.
 *
 *   ebpfdma-send [options] HOST[:PORT] VOLUME TOKEN [FILE|-]
 *
 * The file goes to the volume's window from block 0 in DATA datagrams of
 * --block-size bytes (the last one padded with zeros to the volume's
 * logical block size).  A sliding window of datagrams is in flight; each
 * is retransmitted when not acknowledged within its timeout, which doubles
 * (up to 2 s) on every retransmission; duplicated or reordered ACKs change
 * nothing.  When everything is acknowledged, COMMIT asks the receiver to
 * flush, and its acknowledgement ends the transfer.  Datagrams leave in
 * batches: one sendmmsg() a round, equal ones sharing a message the kernel
 * cuts into datagrams (UDP GSO, where the path takes it).
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
#include <sys/mman.h>
#include <sys/random.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/lib/seqset.h"
#include "tools/lib/wire.h"
#include "uapi/ebpfdma_wire.h"

#define RTO_MIN_MS 100
#define RTO_MAX_MS 2000

struct opts {
	const char *host, *file, *source;
	uint16_t port;
	uint32_t volume;
	uint64_t token;
	uint32_t block_size; /* bytes per datagram body */
	uint32_t window; /* datagrams in flight */
	double rate; /* MiB/s, 0 = unpaced */
	int crc, fua, quiet, gso;
	unsigned int timeout_s; /* give up after this long without progress */
};

static struct {
	struct opts o;
	int sock;
	uint8_t *data;
	uint64_t size; /* bytes of data (padded to the block size) */
	uint64_t file_size;
	uint32_t n; /* datagrams */
	uint32_t session;
	struct seqset acked;
	uint64_t *sent_ms; /* per datagram: last sent, 0 = never */
	uint32_t *rto; /* per datagram, ms */
	uint64_t sends, resends, acks;
	uint64_t last_ack_ms, t0;
	uint64_t progress_ms; /* when the acknowledged count last grew */
	uint64_t now; /* now_ms() at this round's start */
	/* The volume's geometry, from the first ACK (OPEN's answer). */
	uint64_t window_blocks;
	uint32_t vol_bsize, max_len;
	bool have_geometry;
	int status;
	bool committed;
} T;

/* Not a wire status: the receiver's answers disagree about the volume. */
#define SEND_E_GEOMETRY 1000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
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
	case EBPFDMA_WIRE_E_TOKEN:
		return "the receiver refused the token";
	case EBPFDMA_WIRE_E_VOLUME:
		return "the receiver has no such volume";
	case EBPFDMA_WIRE_E_RANGE:
		return "a block lies outside the volume's window";
	case EBPFDMA_WIRE_E_IO:
		return "the receiver's disk failed a write or a flush";
	case EBPFDMA_WIRE_E_INVAL:
		return "the receiver found a datagram malformed";
	case SEND_E_GEOMETRY:
		return "the receiver's volume changed during the transfer (block size, window or datagram size), or its answer is malformed";
	default:
		return "unknown error from the receiver";
	}
}

static void send_ctl(uint8_t type, uint32_t seq)
{
	struct ebpfdma_wire_hdr h;
	struct edma_wire w = {
		.type = type, .volume = T.o.volume, .session = T.session,
		.token = T.o.token, .seq = seq,
	};

	edma_wire_fill(&h, &w, NULL, 0);
	send(T.sock, &h, sizeof(h), 0);
}

/*
 * DATA goes out in batches: queue_data() collects sequence numbers,
 * send_queued() sends them with one sendmmsg(), where equal-sized
 * datagrams share a message that the kernel cuts into datagrams (UDP GSO:
 * each gso_size piece is one header and its body).  One system call and
 * one trip through the stack for many datagrams.
 */
#define BATCH_MAX 1024U
#define GSO_MAX 64U /* segments the kernel takes in one send */

static struct {
	uint32_t seq[BATCH_MAX];
	unsigned int n;
	struct ebpfdma_wire_hdr hdr[BATCH_MAX];
	struct iovec iov[2 * BATCH_MAX];
	struct mmsghdr msg[BATCH_MAX];
	char ctl[BATCH_MAX][CMSG_SPACE(sizeof(uint16_t))];
	bool gso; /* the socket takes UDP_SEGMENT */
} Q;

static uint32_t data_len(uint32_t seq)
{
	uint64_t off = (uint64_t)seq * T.o.block_size;

	return off + T.o.block_size > T.size ? T.size - off : T.o.block_size;
}

/* Does the kernel take UDP_SEGMENT on this socket?  (Linux 4.18+.) */
static void gso_probe(void)
{
	int seg = sizeof(struct ebpfdma_wire_hdr) + T.o.block_size;

	Q.gso = T.o.gso &&
		!setsockopt(T.sock, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	/* Set per message from here on; the socket's default is none. */
	seg = 0;
	if (Q.gso)
		setsockopt(T.sock, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
}

/* Send queued entries [@first, Q.n), as their headers and iovecs stand. */
static void transmit(uint32_t first)
{
	uint32_t unit = sizeof(struct ebpfdma_wire_hdr) + T.o.block_size;
	/* Segments of one message: at most 64, at most 64 KiB in all. */
	uint32_t gmax = Q.gso ? GSO_MAX : 1, nmsg = 0, i, done;
	uint32_t start[BATCH_MAX]; /* each message's first entry */
	struct mmsghdr *m = NULL;
	int r;

	if (gmax > 65000 / unit)
		gmax = 65000 / unit ? 65000 / unit : 1;
	for (i = first; i < Q.n; i++) {
		bool full = Q.iov[2 * i + 1].iov_len == T.o.block_size;

		/* A full datagram joins the message being built if it can. */
		if (m && full && m->msg_hdr.msg_iovlen / 2 < gmax &&
		    m->msg_hdr.msg_iov[1].iov_len == T.o.block_size) {
			m->msg_hdr.msg_iovlen += 2;
			continue;
		}
		start[nmsg] = i;
		m = &Q.msg[nmsg++];
		memset(m, 0, sizeof(*m));
		m->msg_hdr.msg_iov = &Q.iov[2 * i];
		m->msg_hdr.msg_iovlen = 2;
	}
	for (i = 0; i < nmsg; i++) {
		struct msghdr *h = &Q.msg[i].msg_hdr;
		struct cmsghdr *c;

		if (h->msg_iovlen == 2)
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
			/* The path takes no GSO: a datagram each from here. */
			Q.gso = false;
			transmit(start[done]);
			return;
		}
		die(1, "send: %s", strerror(errno));
	}
}

static void send_queued(void)
{
	struct edma_wire w = {
		.type = EBPFDMA_WIRE_DATA, .volume = T.o.volume,
		.session = T.session, .token = T.o.token,
		.flags = (T.o.crc ? EBPFDMA_WIRE_F_CRC : 0) |
			 (T.o.fua ? EBPFDMA_WIRE_F_FUA : 0),
	};
	uint32_t i;

	for (i = 0; i < Q.n; i++) {
		uint32_t seq = Q.seq[i], len = data_len(seq);
		uint8_t *body = T.data + (uint64_t)seq * T.o.block_size;

		w.seq = seq;
		w.lba = (uint64_t)seq * (T.o.block_size / T.vol_bsize);
		edma_wire_fill(&Q.hdr[i], &w, body, len);
		Q.iov[2 * i] = (struct iovec){ &Q.hdr[i], sizeof(Q.hdr[i]) };
		Q.iov[2 * i + 1] = (struct iovec){ body, len };
		if (T.sent_ms[seq]) {
			T.resends++;
			T.rto[seq] = T.rto[seq] * 2 > RTO_MAX_MS ? RTO_MAX_MS :
								   T.rto[seq] * 2;
		}
		T.sent_ms[seq] = T.now;
	}
	if (Q.n)
		transmit(0);
	T.sends += Q.n;
	Q.n = 0;
}

static void queue_data(uint32_t seq)
{
	Q.seq[Q.n++] = seq;
	if (Q.n == BATCH_MAX)
		send_queued();
}

/* Read every ACK waiting; returns how many there were. */
static int read_acks(int timeout_ms)
{
	uint8_t buf[EDMA_ACK_MAX];
	const struct ebpfdma_wire_info *info =
		(const void *)(buf + sizeof(struct ebpfdma_wire_hdr));
	const struct ebpfdma_wire_range *r = (const void *)(info + 1);
	struct pollfd p = { .fd = T.sock, .events = POLLIN };
	struct edma_wire w;
	uint32_t len, i, nr;
	int got = 0;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	while ((n = recv(T.sock, buf, sizeof(buf), MSG_DONTWAIT)) >= 0 ||
	       errno == ECONNREFUSED) {
		if (n < 0 || edma_wire_parse(buf, n, &w, &len) ||
		    w.type != EBPFDMA_WIRE_ACK || w.session != T.session ||
		    len < sizeof(*info))
			continue;
		got++;
		T.acks++;
		T.last_ack_ms = now_ms();
		if (w.status) {
			T.status = w.status;
			return got;
		}
		if (!T.have_geometry) {
			T.window_blocks = be64toh(info->window_blocks);
			T.vol_bsize = be32toh(info->block_size);
			T.max_len = be32toh(info->max_len);
			/* A logical block is a power of two of 512 or more. */
			if (T.vol_bsize < 512 ||
			    (T.vol_bsize & (T.vol_bsize - 1))) {
				T.status = SEND_E_GEOMETRY;
				return got;
			}
			T.have_geometry = true;
		} else if (be64toh(info->window_blocks) != T.window_blocks ||
			   be32toh(info->block_size) != T.vol_bsize ||
			   be32toh(info->max_len) < T.o.block_size) {
			/* Blocks already sent were placed by the old one. */
			T.status = SEND_E_GEOMETRY;
			return got;
		}
		if (w.flags & EBPFDMA_WIRE_F_COMMITTED) {
			if (w.seq == T.n)
				T.committed = true;
			continue;
		}
		if (!T.n)
			continue;
		/* What is below the mark here is known already. */
		seqset_add_range(&T.acked, T.acked.cum, w.seq < T.n ? w.seq : T.n);
		nr = (len - sizeof(*info)) / sizeof(*r);
		for (i = 0; i < nr; i++) {
			uint32_t first = be32toh(r[i].first);
			uint32_t end = be32toh(r[i].end);

			if (end > T.n)
				end = T.n;
			if (first < end)
				seqset_add_range(&T.acked, first, end);
		}
	}
	return got;
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
	done = (uint64_t)T.acked.count * T.o.block_size;
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

static void check_status(void)
{
	if (T.status)
		die(3, "%s:%u volume %u: %s", T.o.host, T.o.port, T.o.volume,
		    status_text(T.status));
}

/* OPEN until an ACK tells the volume's window, for at most --timeout. */
static void open_session(void)
{
	unsigned int wait = 200;
	uint64_t t0 = now_ms();

	while (now_ms() - t0 < T.o.timeout_s * 1000ULL) {
		send_ctl(EBPFDMA_WIRE_OPEN, 0);
		if (read_acks(wait) > 0) {
			check_status();
			if (T.have_geometry)
				return;
		}
		if (wait < RTO_MAX_MS)
			wait *= 2;
	}
	die(4, "no answer from %s:%u in %u s (is ebpfdmactl serve running, the port right, this host an allowed peer?)",
	    T.o.host, T.o.port, T.o.timeout_s);
}

static void load_input(void)
{
	const char *f = T.o.file;
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;
	struct stat st;
	ssize_t n;
	int fd = 0;

	if (strcmp(f, "-")) {
		fd = open(f, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(2, "%s: %s", f, strerror(errno));
		if (!fstat(fd, &st) && S_ISREG(st.st_mode))
			cap = st.st_size + 1;
	}
	if (!cap)
		cap = 1 << 20;
	buf = malloc(cap);
	if (!buf)
		die(2, "out of memory reading %s", f);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die(2, "out of memory reading %s", f);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0)
			die(2, "%s: %s", f, strerror(errno));
		if (!n)
			break;
		len += n;
	}
	if (fd)
		close(fd);
	T.data = buf;
	T.file_size = len;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ebpfdma-send [options] HOST[:PORT] VOLUME TOKEN [FILE|-]\n"
		"  --block-size N   body bytes per datagram (default 4096, at most what the receiver takes)\n"
		"  --window N       datagrams in flight (default 1024)\n"
		"  --rate MIBS      pace to MIBS MiB/s (default: unpaced)\n"
		"  --no-crc         do not send CRC32C of each body\n"
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
	const char *posv[4];

	o->port = EBPFDMA_WIRE_PORT;
	o->block_size = 4096;
	o->window = 1024;
	o->crc = 1;
	o->gso = 1;
	o->timeout_s = 30;
	o->file = "-";
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--block-size") && a + 1 < argc)
			o->block_size = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--window") && a + 1 < argc)
			o->window = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--rate") && a + 1 < argc)
			o->rate = strtod(argv[++a], NULL);
		else if (!strcmp(argv[a], "--timeout") && a + 1 < argc)
			o->timeout_s = strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--source") && a + 1 < argc)
			o->source = argv[++a];
		else if (!strcmp(argv[a], "--no-crc"))
			o->crc = 0;
		else if (!strcmp(argv[a], "--no-gso"))
			o->gso = 0;
		else if (!strcmp(argv[a], "--fua"))
			o->fua = 1;
		else if (!strcmp(argv[a], "--quiet"))
			o->quiet = 1;
		else if (argv[a][0] == '-' && argv[a][1] == '-')
			usage();
		else if (pos < 4)
			posv[pos++] = argv[a];
		else
			usage();
	}
	if (pos < 3 || !o->block_size || !o->window || !o->timeout_s)
		usage();
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
	o->token = strtoull(posv[2], &end, 0);
	if (*end)
		usage();
	if (pos == 4)
		o->file = posv[3];
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

int main(int argc, char **argv)
{
	uint64_t blocks_needed, now, budget_t, last_progress;
	double budget = 0;
	uint32_t next = 0, seq, in_flight, i, acked;
	unsigned int commit_wait = 200;
	double secs;

	parse_args(argc, argv);
	load_input();
	connect_socket();
	if (getrandom(&T.session, sizeof(T.session), 0) != sizeof(T.session))
		die(1, "getrandom: %s", strerror(errno));
	T.t0 = now_ms();
	T.last_ack_ms = T.t0;
	open_session();

	if (T.o.block_size % T.vol_bsize || T.o.block_size > T.max_len)
		die(2, "--block-size %u must be a multiple of the volume's block size (%u) and at most the longest body the receiver takes (%u)",
		    T.o.block_size, T.vol_bsize, T.max_len);
	T.size = (T.file_size + T.vol_bsize - 1) / T.vol_bsize * T.vol_bsize;
	blocks_needed = T.size / T.vol_bsize;
	if (blocks_needed > T.window_blocks)
		die(2, "the volume's window is too small: the file needs %llu blocks of %u bytes, volume %u has %llu",
		    (unsigned long long)blocks_needed, T.vol_bsize, T.o.volume,
		    (unsigned long long)T.window_blocks);
	if (T.size > T.file_size) {
		T.data = realloc(T.data, T.size);
		if (!T.data)
			die(2, "out of memory");
		memset(T.data + T.file_size, 0, T.size - T.file_size);
	}
	/* Sequence numbers are 32-bit; COMMIT carries their count. */
	if ((T.size + T.o.block_size - 1) / T.o.block_size >= UINT32_MAX)
		die(2, "the file needs more than 2^32-1 datagrams of %u bytes: raise --block-size",
		    T.o.block_size);
	T.n = (T.size + T.o.block_size - 1) / T.o.block_size;
	T.sent_ms = calloc(T.n ? T.n : 1, sizeof(*T.sent_ms));
	T.rto = calloc(T.n ? T.n : 1, sizeof(*T.rto));
	if (!T.sent_ms || !T.rto)
		die(2, "out of memory");
	for (i = 0; i < T.n; i++)
		T.rto[i] = RTO_MIN_MS;
	gso_probe();
	seqset_init(&T.acked);

	budget_t = last_progress = T.progress_ms = now_ms();
	while (T.acked.count < T.n) {
		now = T.now = now_ms();
		if (now - T.last_ack_ms > T.o.timeout_s * 1000ULL)
			die(4, "%s:%u stopped answering for %u s (%u of %u blocks acknowledged)",
			    T.o.host, T.o.port, T.o.timeout_s, T.acked.count,
			    T.n);
		/* Answers that acknowledge nothing new do not keep it alive. */
		if (now - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(4, "%s:%u acknowledged nothing new for %u s (%u of %u blocks acknowledged; are DATA datagrams dropped on the way, or is the disk stuck?)",
			    T.o.host, T.o.port, T.o.timeout_s, T.acked.count,
			    T.n);
		if (T.o.rate > 0) {
			budget += (now - budget_t) * T.o.rate * 1048576 / 1000;
			budget_t = now;
			if (budget > 4.0 * 1048576)
				budget = 4.0 * 1048576;
		}
		/* Retransmit what timed out, oldest first. */
		in_flight = 0;
		for (seq = T.acked.cum; seq < next; seq++) {
			if (seqset_has(&T.acked, seq))
				continue;
			if (now - T.sent_ms[seq] >= T.rto[seq] &&
			    (T.o.rate <= 0 || budget >= T.o.block_size)) {
				queue_data(seq);
				budget -= T.o.block_size;
			}
			in_flight++;
		}
		/* New datagrams while the window allows. */
		while (next < T.n && in_flight < T.o.window &&
		       (T.o.rate <= 0 || budget >= T.o.block_size)) {
			queue_data(next++);
			budget -= T.o.block_size;
			in_flight++;
		}
		send_queued();
		/* Nothing heard for a while: ask (a restarted receiver
		 * learns where to send its ACKs). */
		if (now - T.last_ack_ms > RTO_MAX_MS &&
		    now - last_progress > RTO_MAX_MS) {
			send_ctl(EBPFDMA_WIRE_OPEN, 0);
			last_progress = now;
		}
		acked = T.acked.count;
		read_acks(in_flight >= T.o.window || next == T.n ? 5 : 0);
		check_status();
		if (T.acked.count != acked)
			T.progress_ms = now;
		progress(false);
	}

	/* Everything is durable: commit. */
	T.progress_ms = now_ms();
	while (!T.committed) {
		if (now_ms() - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(4, "%s:%u did not acknowledge the COMMIT in %u s",
			    T.o.host, T.o.port, T.o.timeout_s);
		send_ctl(EBPFDMA_WIRE_COMMIT, T.n);
		read_acks(commit_wait);
		check_status();
		if (commit_wait < RTO_MAX_MS)
			commit_wait *= 2;
	}
	progress(true);
	secs = (now_ms() - T.t0) / 1000.0;
	printf("sent %llu bytes in %u datagrams of %u bytes to %s:%u volume %u in %.2f s: %.1f MiB/s, %llu retransmitted, %llu ACKs; durable and committed\n",
	       (unsigned long long)T.file_size, T.n, T.o.block_size, T.o.host,
	       T.o.port, T.o.volume, secs,
	       secs > 0 ? T.file_size / 1048576.0 / secs : 0,
	       (unsigned long long)T.resends, (unsigned long long)T.acks);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send: send a file (or standard input) to an ebpfdma receiver and
 * exit 0 only once every block is durably acknowledged and committed.
 *
 *   ebpfdma-send [options] --key-file PATH HOST[:PORT] VOLUME [FILE|-]
 *
 * Wire version 2 (uapi/PROTOCOL.md): a HELLO authenticated under the
 * volume's secret asks for a session; the receiver's WELCOME, which must
 * verify and answer this HELLO's nonce, grants it, with its credit, its
 * largest block and how many flows to use.  The file then goes to the
 * volume's window from block 0 in DATA datagrams (data.c: sealed under
 * the session's key with a fresh counter each, congestion-controlled,
 * over the flows of net.c).  Only ACKs that verify count.  When every
 * block is durable, COMMIT; its ACK (COMPLETE) ends the transfer.
 *
 * This file owns the transfer: the block size (from the path MTU and the
 * receiver), the numbering of blocks and the sessions that cover them
 * (send.h), what happens when the receiver falls silent (a new session
 * from the first block not yet durable), when the path MTU falls (a new
 * numbering from the durable prefix), when the input is a stream (a
 * session per chunk), when it is interrupted (a summary, exit 130, a
 * record for --resume: resume.c), and the summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "tools/ebpfdma-send/digest.h"
#include "tools/ebpfdma-send/net.h"
#include "tools/ebpfdma-send/resume.h"
#include "tools/ebpfdma-send/send.h"
#include "tools/ebpfdma-send/source.h"
#include "tools/lib/keyfile.h"
#include "uapi/ebpfdma_wire.h"

#define RTO_MAX_MS 2000 /* the HELLO's and the COMMIT's backoff cap */
#define FLIGHT_MAX 65536U /* blocks from the oldest outstanding to the newest */
#define FLOWS_AUTO_MAX 8U /* flows taken without --flows */
#define SAVE_EVERY_MS 1000 /* the --resume record, while it grows */
/*
 * No ACK that verifies for this long: the receiver has lost the session
 * (it restarted); ask for a new one.  An active session's receiver
 * repeats its ACK every 250 ms, whether or not blocks are outstanding
 * (none are while its credit is 0, or while the COMMIT waits).
 */
#define SILENCE_MS 4000

struct send_state T;

/* Set by SIGCONT: the process was stopped (Ctrl-Z, SIGSTOP) and goes on. */
static volatile sig_atomic_t continued;
/* Set by SIGINT (Ctrl-C) and SIGTERM: stop, say how far it got. */
static volatile sig_atomic_t interrupted;

static void on_cont(int sig)
{
	(void)sig;
	continued = 1;
}

static void on_interrupt(int sig)
{
	interrupted = sig;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

uint64_t now_ms(void)
{
	return now_us() / 1000;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ebpfdma-send: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(code);
}

void input_changed(void)
{
	die(EXIT_USAGE,
	    "%s changed while it was sent (its length or modification time is not what it was when opened): nothing is committed; send it again once nothing writes to it",
	    T.o.file);
}

/*
 * The time a stopped sender spent stopped is not the receiver's silence
 * nor a lack of progress: after SIGCONT both are measured from now.
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
	case EBPFDMA_WIRE2_E_HELD:
		return T.store ?
			       "another transfer is writing a file of this name (send once it has committed, or has been silent for the receiver's idle timeout; --resume continues this file's own interrupted transfer)" :
			       "another transfer is writing to this volume (one at a time: send once it has committed, or has been silent for the receiver's idle timeout; --resume continues this file's own interrupted transfer)";
	case EBPFDMA_WIRE2_E_NAME:
		return T.name[0] ?
			       "the file store does not allow this name (a '/', a control character, \".\", \"..\", or a name ending in \".partial\"): give another with --name" :
			       "the volume is a file store: name the file with --name";
	case EBPFDMA_WIRE2_E_EXISTS:
		return "the file store has a file of this name already (and does not overwrite): give another with --name";
	case EBPFDMA_WIRE2_E_SPACE:
		return "the file store's file system has no room for the file";
	case EBPFDMA_WIRE2_E_QUOTA:
		return "the file would take the file store over its quota";
	case EBPFDMA_WIRE2_E_GONE:
		return "the receiver no longer has the partial file of this transfer (it restarted, or the transfer was idle past its timeout): send the file again without --resume";
	default:
		return "unknown error from the receiver";
	}
}

/* Bytes of the input from its start that are durable: a block boundary. */
static uint64_t durable_prefix(void)
{
	uint64_t at = T.origin + (uint64_t)T.f.cum * T.o.block_size;

	return at < T.end ? at : T.end;
}

/* Bytes acknowledged durable, for the progress and the summaries. */
static uint64_t durable_bytes(void)
{
	uint64_t at = T.origin + (uint64_t)T.f.acked * T.o.block_size;

	return at < T.end ? at : T.end;
}

/*
 * Record how far a regular file is durable, for --resume: where the
 * durable prefix ends, or the last block's start once every block is
 * (a resumed transfer then has something to commit).
 */
static void save_progress(bool now)
{
	static uint64_t saved = UINT64_MAX, saved_ms;
	struct resume_state rs;

	if (!T.file || !T.o.block_size || T.committed)
		return;
	rs.offset = durable_prefix();
	if (rs.offset == T.end && T.n)
		rs.offset -= T.end - (T.origin + (uint64_t)(T.n - 1) *
							 T.o.block_size);
	if (rs.offset == saved || (!now && now_ms() - saved_ms < SAVE_EVERY_MS))
		return;
	rs.block_size = T.o.block_size;
	rs.unit = T.unit ? T.unit : 512;
	rs.transfer = T.transfer;
	/* Before the first WELCOME only 0 is known to be aligned. */
	if (rs.offset % rs.unit)
		return;
	resume_save(&rs);
	saved = rs.offset;
	saved_ms = now_ms();
}

static void save_at_exit(void)
{
	save_progress(true);
}

static void progress(bool last)
{
	static uint64_t shown;
	uint64_t now = now_ms(), done = durable_bytes();
	double secs = (now - T.t0) / 1000.0, pct;
	int tty = isatty(2), bar, i;

	if (T.o.quiet || (!last && now - shown < (tty ? 200 : 2000)))
		return;
	shown = now;
	if (!T.file) { /* a stream: its length is not known */
		fprintf(stderr, "%sebpfdma-send: %llu bytes acknowledged, %llu retransmitted%s",
			tty ? "\r" : "", (unsigned long long)done,
			(unsigned long long)T.resends,
			tty && !last ? "" : "\n");
		return;
	}
	pct = T.end ? 100.0 * done / T.end : 100;
	if (tty) {
		bar = pct * 30 / 100;
		fprintf(stderr, "\r[");
		for (i = 0; i < 30; i++)
			fputc(i < bar ? '#' : '.', stderr);
		fprintf(stderr, "] %5.1f%% %.1f MiB/s, %llu retransmitted%s",
			pct,
			secs > 0 ? (done - T.resumed_at) / 1048576.0 / secs : 0,
			(unsigned long long)T.resends, last ? "\n" : "");
	} else {
		fprintf(stderr,
			"ebpfdma-send: %.1f%% acknowledged (%llu of %llu bytes), %llu retransmitted\n",
			pct, (unsigned long long)done,
			(unsigned long long)T.end,
			(unsigned long long)T.resends);
	}
}

/*
 * Interrupted: what is durable stays so, but the transfer is not
 * committed (the receiver's session times out).  Exit 130, as a shell
 * reports a program ended by SIGINT; --resume continues a file.
 */
static void check_interrupted(void)
{
	if (!interrupted)
		return;
	progress(true);
	save_progress(true);
	printf("interrupted after %.2f s: %u of %u datagrams of %u bytes durable, %llu retransmitted; not committed",
	       (now_ms() - T.t0) / 1000.0, T.f.acked, T.n, T.o.block_size,
	       (unsigned long long)T.resends);
	if (T.file)
		printf("; %llu of %llu bytes durable: --resume continues from there\n",
		       (unsigned long long)durable_prefix(),
		       (unsigned long long)T.end);
	else
		printf("\n");
	fflush(stdout);
	exit(EXIT_INTERRUPTED);
}

static void check_status(void)
{
	/* A session the receiver's disk failed: how far it is durable. */
	if (T.status == EBPFDMA_WIRE2_E_IO)
		progress(true);
	if (T.status && T.store && T.name[0])
		die(EXIT_REFUSED, "%s:%u volume %u, %s: %s", T.o.host,
		    T.o.port, T.o.volume, T.name, status_text(T.status));
	if (T.status)
		die(EXIT_REFUSED, "%s:%u volume %u: %s", T.o.host, T.o.port,
		    T.o.volume, status_text(T.status));
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
	if (T.block_auto)
		die(EXIT_NETWORK,
		    "%s:%u volume %u: the receiver takes blocks of a multiple of %u bytes up to %u, but the path MTU (%u) leaves room for %u bytes of body in a datagram: raise the MTU of the path (jumbo frames)",
		    T.o.host, T.o.port, T.o.volume, unit, max_block, T.mtu,
		    T.fit);
	die(EXIT_REFUSED,
	    "%s:%u volume %u: the receiver takes blocks of a multiple of %u bytes up to %u: --block-size %u does not fit (at most %u for this path)",
	    T.o.host, T.o.port, T.o.volume, unit, max_block, T.o.block_size,
	    fitting_block(unit, max_block));
}

/*
 * Number the blocks anew from byte @origin in blocks of @bs: the
 * per-block state starts empty.
 */
static void number_blocks(uint64_t origin, uint32_t bs)
{
	static uint32_t scratch_len;
	uint64_t n = (T.end - origin + bs - 1) / bs;

	if (n > UINT32_MAX)
		die(EXIT_USAGE,
		    "the file needs more than 2^32 datagrams of %u bytes: raise --block-size",
		    bs);
	if (bs > scratch_len) {
		free(T.scratch);
		T.scratch = malloc(bs);
		if (!T.scratch)
			die(EXIT_LOCAL, "out of memory");
		scratch_len = bs;
	}
	T.o.block_size = bs;
	T.origin = origin;
	T.n = n;
	T.base = 0;
	flight_reset(&T.f, T.n);
}

/*
 * The first block size: --block-size if it fits the path, else the
 * largest multiple of 512 bytes up to 4096 that does (the receiver may
 * ask for another in its WELCOME).
 */
static uint32_t choose_block_size(void)
{
	uint32_t bs = T.o.block_size;

	T.mtu = net_path_mtu(&T.fit);
	if (T.block_auto) {
		bs = fitting_block(512, 4096);
		if (!bs)
			die(EXIT_NETWORK,
			    "the path MTU to %s (%u bytes) leaves room for %u bytes of body in a datagram: less than a 512-byte block",
			    T.o.host, T.mtu, T.fit);
	} else if (bs > T.fit) {
		die(EXIT_USAGE,
		    "--block-size %u does not fit the path MTU to %s (%u bytes): at most %u bytes of body fit a datagram, and datagrams are never fragmented (use --block-size %u, or raise the MTU)",
		    bs, T.o.host, T.mtu, T.fit, T.fit / 512 * 512);
	}
	return bs;
}

/*
 * The path MTU fell under the block size (EMSGSIZE): without
 * --block-size, blocks that fit, numbered from the durable prefix.
 */
static void path_shrank(void)
{
	uint32_t bs;

	T.mtu = net_path_mtu(&T.fit);
	bs = fitting_block(T.unit, T.max_block);
	if (!T.block_auto || !bs || bs >= T.o.block_size) {
		save_progress(true);
		die(EXIT_NETWORK,
		    "the path MTU to %s fell to %u bytes: blocks of %u bytes no longer fit a datagram (%u of %u blocks were durable, nothing is committed; send again%s)",
		    T.o.host, T.mtu, T.o.block_size, T.f.acked, T.n,
		    T.fit >= T.unit ? " with a smaller --block-size" :
				      " once the path's MTU is back");
	}
	if (!T.o.quiet)
		fprintf(stderr,
			"ebpfdma-send: the path MTU to %s fell to %u bytes: a new session with blocks of %u bytes (from byte %llu, durable already)\n",
			T.o.host, T.mtu, bs,
			(unsigned long long)durable_prefix());
	number_blocks(durable_prefix(), bs);
	T.mtu_fell = false;
}

/* A new session begins at block @T.base: where that is on the volume. */
static uint64_t session_start(void)
{
	uint64_t at = T.origin + (uint64_t)T.base * T.o.block_size;

	return at < T.end ? at : T.end;
}

/*
 * What the command line asks of the volume, against what the WELCOME says
 * it is: several files, or an unnamed stream, need a file store; --offset
 * places data on a block volume.  Before any data.
 */
static void check_volume_kind(void)
{
	if (!T.store && T.o.nr_files > 1)
		die(EXIT_USAGE,
		    "%s:%u volume %u is a block volume: it holds one transfer, and %u files would overwrite each other; send several files to a file store (store = in the receiver's configuration)",
		    T.o.host, T.o.port, T.o.volume, T.o.nr_files);
	if (T.store && T.o.offset)
		die(EXIT_USAGE,
		    "%s:%u volume %u is a file store: each file is stored whole under its name; --offset is for block volumes",
		    T.o.host, T.o.port, T.o.volume);
}

/*
 * HELLO until a WELCOME that verifies answers it, for at most --timeout:
 * the session over blocks [base, n), with its keys.
 */
static void open_session(void)
{
	uint8_t hello[EDMA_HELLO_MAX], buf[EDMA_WELCOME_LEN + 64];
	uint32_t unit = T.unit; /* what the HELLO's lba is counted in */
	struct edma_hello h = { .volume = T.o.volume };
	unsigned int wait = 200;
	uint64_t t0 = now_ms();
	struct edma_welcome w;
	size_t len;
	ssize_t n;

hello:
	h.block_size = T.o.block_size;
	h.lba = T.o.offset + (unit ? session_start() / unit : 0);
	h.length = T.end - session_start();
	h.transfer = T.transfer;
	randombytes_buf(h.nonce, sizeof(h.nonce));
	snprintf(h.name, sizeof(h.name), "%s", T.name);
	len = edma_hello_build(hello, &h, T.k_hs);
	while (now_ms() - t0 < T.o.timeout_s * 1000ULL) {
		struct pollfd p = { .fd = net_fd(), .events = POLLIN };
		uint64_t until = now_ms() + wait;

		if (resumed())
			t0 = now_ms();
		check_interrupted();
		net_send(hello, len);
		while (now_ms() < until &&
		       poll(&p, 1, until - now_ms()) > 0) {
			n = recv(net_fd(), buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 ||
			    edma_welcome_parse(buf, n, &w, h.nonce, T.k_hs))
				continue; /* not the answer to this HELLO */
			T.store = w.flags & EBPFDMA_WIRE2_WELCOME_STORE;
			check_volume_kind();
			if (w.status == EBPFDMA_WIRE2_E_BLOCK) {
				uint32_t bs = fitting_block(w.unit,
							    w.max_block);

				/* Without --block-size: the largest that fits. */
				if (T.block_auto && bs &&
				    bs != T.o.block_size) {
					number_blocks(session_start(), bs);
					goto hello;
				}
				refuse_block(w.unit, w.max_block);
			}
			if (w.status == EBPFDMA_WIRE2_E_RANGE)
				die(EXIT_REFUSED,
				    "%s:%u volume %u: the file (%llu bytes%s) does not fit the volume's window%s",
				    T.o.host, T.o.port, T.o.volume,
				    (unsigned long long)(T.file ? T.end :
								  T.end - T.origin),
				    T.file ? "" : " of a chunk",
				    T.o.offset ? " from --offset" : "");
			T.status = w.status;
			check_status();
			goto granted;
		}
		if (wait < RTO_MAX_MS)
			wait *= 2;
	}
	die(EXIT_NETWORK,
	    "no answer from %s:%u in %u s (is ebpfdmactl serve running, the port right, this host an allowed peer, the volume id right and the key file the volume's?)",
	    T.o.host, T.o.port, T.o.timeout_s);
granted:
	/*
	 * A session that does not start at the volume's first block was
	 * asked for in the logical blocks the last WELCOME (or the --resume
	 * record) told; a volume whose unit changed since would put it
	 * elsewhere.
	 */
	if (h.lba != T.o.offset && h.length && w.unit != unit)
		die(EXIT_REFUSED,
		    "%s:%u volume %u: its logical block size changed from %u to %u bytes: the transfer cannot continue where it stopped; send the file again without --resume",
		    T.o.host, T.o.port, T.o.volume, unit, w.unit);
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
	T.congestion += T.cc.congestion_events;
	T.ce += T.cc.ce_events;
	cc_init(&T.cc, T.o.cc);
	T.cwnd_limited = false;
	T.pto_backoff = 0;
	T.tokens_us = now_us();
	T.f.last_sent_us = T.tokens_us; /* no probe before anything was sent */
	T.committed = false;
	if (T.o.block_size % T.unit || T.o.block_size > T.max_block)
		refuse_block(T.unit, T.max_block);
	/* The last block's body is padded with zeros to the unit. */
	T.padded_end = (T.end + T.unit - 1) / T.unit * T.unit;
	if (net_nr_flows() == 1)
		net_flows(T.o.flows ? T.o.flows :
			  w.flows < FLOWS_AUTO_MAX ? (w.flows ? w.flows : 1) :
						     FLOWS_AUTO_MAX);
	data_setup();
}

enum outcome {
	COMMITTED, /* every block of the session durable, COMPLETE heard */
	SILENT, /* the receiver lost the session: a new one */
	MTU_FELL, /* the path MTU fell below the block size */
};

void (*send_session_hook)(void);

static enum outcome run_session(void)
{
	uint64_t now, budget_t, wait;
	double budget = 0;
	unsigned int commit_wait;
	uint32_t acked;

	/*
	 * The progress clock runs on across sessions: a receiver that grants
	 * sessions and acknowledges nothing is given --timeout in all.
	 */
	budget_t = now_ms();
	if (send_session_hook)
		send_session_hook();
	while (T.f.acked < T.n) {
		acked = T.f.acked;
		/* What has arrived first: silence is measured after it. */
		data_read_acks(0);
		check_status();
		check_interrupted();
		resumed();
		now = now_ms();
		if (now - T.last_ack_ms > SILENCE_MS)
			return SILENT;
		/* Answers that acknowledge nothing new do not keep it alive. */
		if (now - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(EXIT_NETWORK,
			    "%s:%u acknowledged nothing new for %u s (%u of %u blocks acknowledged, %llu sessions; %s)",
			    T.o.host, T.o.port, T.o.timeout_s, T.f.acked, T.n,
			    (unsigned long long)T.sessions,
			    T.forged ? "ACKs that do not verify arrived and were ignored: forged, or under another key" :
				       "are DATA datagrams dropped on the way, or is the disk stuck?");
		if (T.o.rate > 0) {
			budget += (now - budget_t) * T.o.rate * 1048576 / 1000;
			budget_t = now;
			if (budget > 4.0 * 1048576)
				budget = 4.0 * 1048576;
		}
		wait = data_round(&budget);
		if (T.mtu_fell)
			return MTU_FELL;
		data_read_acks(wait);
		check_status();
		if (T.f.acked != acked) {
			T.progress_ms = now;
			save_progress(false);
		}
		progress(false);
	}

	/*
	 * Everything is durable: commit, unless the file changed since it
	 * was opened (blocks read before and after the change would be
	 * committed as one file).
	 */
	save_progress(true);
	if (source_changed())
		input_changed();
	commit_wait = 200;
	while (!T.committed) {
		check_interrupted();
		resumed();
		if (now_ms() - T.progress_ms > T.o.timeout_s * 1000ULL)
			die(EXIT_NETWORK,
			    "%s:%u did not acknowledge the COMMIT in %u s%s",
			    T.o.host, T.o.port, T.o.timeout_s,
			    T.forged ? " (and ACKs that do not verify arrived: forged, or under another key)" : "");
		if (now_ms() - T.last_ack_ms > SILENCE_MS)
			return SILENT; /* restarted before it could commit */
		data_send_commit();
		data_read_acks(commit_wait * 1000ULL);
		check_status();
		if (commit_wait < RTO_MAX_MS)
			commit_wait *= 2;
	}
	return COMMITTED;
}

/* A stream: its next chunk, numbered from where the last one ended. */
static bool next_chunk(void)
{
	/*
	 * A power of two: each chunk starts on a logical block of any unit
	 * (the block size may change after this chunk was cut: E_BLOCK).
	 */
	uint32_t got, max = SOURCE_CHUNK;
	uint64_t off = T.end;
	int ret;

	if (T.eof)
		return false;
	ret = source_next_chunk(off, max, &got, &T.eof);
	if (ret == -EINTR)
		check_interrupted(); /* SIGINT or SIGTERM while it waited */
	if (ret)
		die(EXIT_USAGE, "%s: %s", T.o.file, strerror(-ret));
	/* A stream that ended on a chunk's boundary: nothing more to send. */
	if (!got && off)
		return false;
	T.end = off + got;
	number_blocks(off, T.o.block_size);
	return true;
}

/* --resume: where the recorded durable prefix ends, or 0. */
static uint64_t resume_from(void)
{
	struct resume_state rs;
	char why[256];
	int ret;

	if (!T.o.resume)
		return 0;
	ret = resume_load(&rs, why, sizeof(why));
	if (ret == -ENOENT) {
		if (!T.o.quiet)
			fprintf(stderr,
				"ebpfdma-send: --resume: no interrupted transfer of %s to %s:%u volume %u is recorded: sending it whole\n",
				T.o.file, T.o.host, T.o.port, T.o.volume);
		return 0;
	}
	if (ret) {
		if (!T.o.quiet)
			fprintf(stderr, "ebpfdma-send: --resume: %s: sending it whole\n",
				why);
		return 0;
	}
	T.unit = rs.unit; /* the resumed session's lba is counted in it */
	/* Its new session takes the volume over from the interrupted one. */
	T.transfer = rs.transfer;
	if (!T.o.quiet)
		fprintf(stderr,
			"ebpfdma-send: --resume: %llu of %llu bytes are durable already: sending the rest\n",
			(unsigned long long)rs.offset,
			(unsigned long long)T.end);
	return rs.offset;
}

/*
 * --resume: the transfer's digest covers the durable part too, which is
 * not sent again: hash it now, before any session and its timeouts
 * (Ctrl-C stops it).
 */
static void hash_durable_part(void)
{
	int64_t at = 0;

	if (!T.resumed_at)
		return;
	if (!T.o.quiet)
		fprintf(stderr,
			"ebpfdma-send: reading the %llu durable bytes for the transfer's digest\n",
			(unsigned long long)T.resumed_at);
	while ((uint64_t)at < T.resumed_at) {
		check_interrupted();
		at = digest_fill(T.resumed_at, 64ULL << 20);
		if (at == -ENODATA)
			input_changed();
		if (at < 0)
			die(EXIT_USAGE, "%s: %s", T.o.file, strerror(-at));
	}
}

/* The file's name in a file store: --name, or the input's base name. */
static const char *store_name(void)
{
	const char *slash = strrchr(T.o.file, '/');

	if (T.o.name)
		return T.o.name;
	if (!strcmp(T.o.file, "-"))
		return "";
	return slash ? slash + 1 : T.o.file;
}

/* Key, input, signals, socket: what the first HELLO needs. */
static void prepare(void)
{
	struct sigaction sa = { .sa_handler = on_cont, .sa_flags = SA_RESTART };
	char err[512];
	int ret;

	T.block_auto = !T.o.block_size;
	T.name = store_name();
	if (strlen(T.name) > EBPFDMA_WIRE2_NAME_MAX)
		die(EXIT_USAGE,
		    "%s: its name is longer than %u bytes: give the file store another with --name",
		    T.o.file, EBPFDMA_WIRE2_NAME_MAX);
	if (sodium_init() < 0)
		die(1, "libsodium cannot start");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = on_interrupt;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (edma_key_load(T.o.key_file, T.secret, err, sizeof(err)))
		die(EXIT_USAGE, "%s", err);
	edma_hs_key(T.k_hs, T.secret);
	ret = source_open(T.o.file);
	if (ret == -ENOMEM)
		die(EXIT_LOCAL, "out of memory");
	if (ret)
		die(EXIT_USAGE, "%s: %s", T.o.file, strerror(-ret));
	T.file = source_is_file();
	if (T.o.resume && !T.file)
		die(EXIT_USAGE,
		    "--resume needs a regular file: %s cannot be read again",
		    T.o.file);
	net_connect(T.o.host, T.o.port, T.o.source, T.o.ecn);
	if (flight_init(&T.f, 0, T.o.window && T.o.window < FLIGHT_MAX ?
					 T.o.window :
					 FLIGHT_MAX))
		die(EXIT_LOCAL, "out of memory");
}

static void summary(void)
{
	double secs = (now_ms() - T.t0) / 1000.0;

	progress(true);
	printf("sent %llu bytes in %llu datagrams of %u bytes to %s:%u volume %u%s%s in %.2f s: %.1f MiB/s, %llu retransmitted (%llu declared lost, %llu probes; %llu congestion events, %llu of them CE; round trip %.2f ms), %llu ACKs, %u flow%s, %llu session%s%s",
	       (unsigned long long)T.bytes_sent,
	       (unsigned long long)(T.sends - T.resends), T.o.block_size,
	       T.o.host, T.o.port, T.o.volume, T.store ? " as " : "",
	       T.store ? T.name : "", secs,
	       secs > 0 ? T.bytes_sent / 1048576.0 / secs : 0,
	       (unsigned long long)T.resends, (unsigned long long)T.lost,
	       (unsigned long long)T.probes,
	       (unsigned long long)(T.congestion + T.cc.congestion_events),
	       (unsigned long long)(T.ce + T.cc.ce_events),
	       T.cc.srtt_us / 1000.0, (unsigned long long)T.acks,
	       net_nr_flows(), net_nr_flows() == 1 ? "" : "s",
	       (unsigned long long)T.sessions, T.sessions == 1 ? "" : "s",
	       T.forged ? ", ACKs that did not verify ignored" : "");
	if (T.resumed_at)
		printf(", resumed at byte %llu",
		       (unsigned long long)T.resumed_at);
	printf("; durable and committed\n");
}

static volatile pid_t child;
static volatile sig_atomic_t stop_files;

/*
 * The files' sender forwards SIGTERM to the file's sender (SIGINT
 * reaches the whole group) and sends no further file.
 */
static void on_parent_signal(int sig)
{
	stop_files = sig;
	if (child > 0)
		kill(child, sig);
}

/*
 * Several files: each is sent by a process of its own, one after
 * another, as if given alone.  The first that fails stops the rest, with
 * its exit status.
 */
static int send_files(void)
{
	struct sigaction sa = { .sa_handler = on_parent_signal };
	unsigned int i;
	int status;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	sigset_t term, old;
	pid_t pid;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	for (i = 0; i < T.o.nr_files; i++) {
		fflush(NULL);
		/* No SIGTERM between the fork and child's being set. */
		sigprocmask(SIG_BLOCK, &term, &old);
		if (stop_files) {
			fprintf(stderr,
				"ebpfdma-send: %u of %u files sent; stopped by a signal: the rest not sent\n",
				i, T.o.nr_files);
			return EXIT_INTERRUPTED;
		}
		pid = fork();
		if (pid < 0)
			die(EXIT_LOCAL, "fork: %s", strerror(errno));
		if (!pid) {
			/* Its own handlers come in prepare(); till then, die. */
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			T.o.file = T.o.files[i];
			return -1; /* the child sends it */
		}
		child = pid;
		sigprocmask(SIG_SETMASK, &old, NULL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		child = 0;
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
					     128 + WTERMSIG(status);
		if (status) {
			fprintf(stderr,
				"ebpfdma-send: %u of %u files sent; %s failed (exit %d): the rest not sent\n",
				i, T.o.nr_files, T.o.files[i], status);
			return status;
		}
	}
	if (!T.o.quiet)
		printf("%u files sent, each durable and committed\n",
		       T.o.nr_files);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	opts_parse(&T.o, argc, argv);
	if (T.o.nr_files > 1) {
		ret = send_files();
		if (ret >= 0)
			return ret;
	}
	prepare();
	T.t0 = T.progress_ms = now_ms();
	T.o.block_size = choose_block_size();
	if (T.file) {
		T.end = source_size();
		resume_init(T.o.host, T.o.port, T.o.volume, T.o.offset,
			    T.o.file,
			    source_stat());
		T.resumed_at = resume_from();
		number_blocks(T.resumed_at, T.o.block_size);
		atexit(save_at_exit);
	} else {
		next_chunk();
	}
	while (!T.transfer)
		randombytes_buf(&T.transfer, sizeof(T.transfer));
	hash_durable_part();
	T.progress_ms = now_ms();
	for (;;) {
		open_session();
		switch (run_session()) {
		case COMMITTED:
			T.progress_ms = now_ms();
			if (!T.file && next_chunk())
				continue;
			break;
		case SILENT:
			if (!T.o.quiet)
				fprintf(stderr,
					"ebpfdma-send: %s:%u fell silent for %u s: asking for a new session (from byte %llu, durable already)\n",
					T.o.host, T.o.port, SILENCE_MS / 1000,
					(unsigned long long)durable_prefix());
			flight_resession(&T.f);
			T.base = T.f.cum;
			continue;
		case MTU_FELL:
			path_shrank();
			continue;
		}
		break;
	}
	T.committed = true;
	if (T.file)
		resume_clear();
	summary();
	sodium_memzero(&T.keys, sizeof(T.keys));
	sodium_memzero(T.secret, sizeof(T.secret));
	return 0;
}

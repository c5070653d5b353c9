// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint: a minimal HTTP/1.0 server answering
 * "GET /metrics" in a thread of its own, so that a client, slow or silent,
 * never holds up serve's loop (which receives, completes and
 * acknowledges).  The loop only copies its counters when the server asks
 * for them (metrics_publish(), one atomic load a round otherwise); the
 * server reads the module's sysfs and the XDP program's map itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "metrics.h"

#define METRICS_READ_MS 250 /* for a client to send its request */
#define METRICS_WRITE_MS 1000 /* for a client to take the answer */
#define METRICS_SNAP_MS 1000 /* for serve's loop to hand over its counters */
/* Before accepting again when accept() or poll() failed (no descriptor). */
#define METRICS_BACKOFF_MS 100

struct metrics_server {
	int listen_fd;
	int stop_fd[2]; /* a pipe: written once, to stop the thread */
	pthread_t thread;
	atomic_bool wanted; /* the thread waits for a fresh copy */
	/* accept() or poll() failures of the thread (EMFILE, ENOMEM...) */
	atomic_uint_fast64_t accept_errors;
	pthread_mutex_t lock;
	pthread_cond_t published; /* signalled with @gen advanced or @stopping */
	struct serve_stats snap; /* @lock: the loop's counters, copied */
	uint64_t gen; /* @lock: copies made */
	bool stopping; /* @lock: metrics_stop() was called */
	struct serve_stats answered; /* the thread's: the copy it answers */
};

static int metrics_listen(const char *hostport)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST };
	char host[CTL_ADDR_LEN], port[8];
	struct addrinfo *ai;
	uint16_t p;
	int fd, one = 1, err;

	if (ctl_split_hostport(hostport, host, sizeof(host), &p)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	if (getaddrinfo(host, port, &hints, &ai)) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		err = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		errno = err;
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Wait for @events on @fd until @deadline (CLOCK_MONOTONIC, ms) or until
 * the server stops: true when @fd is ready.
 */
static bool wait_fd(const struct metrics_server *m, int fd, short events,
		    uint64_t deadline)
{
	struct pollfd p[2] = { { .fd = fd, .events = events },
			       { .fd = m->stop_fd[0], .events = POLLIN } };
	uint64_t now = mono_ms();

	return now < deadline && poll(p, 2, (int)(deadline - now)) > 0 &&
	       !p[1].revents && p[0].revents;
}

/* A fresh copy of the loop's counters into @st; false if none came. */
static bool snapshot(struct metrics_server *m, struct serve_stats *st)
{
	struct timespec until;
	uint64_t gen;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += METRICS_SNAP_MS / 1000;
	pthread_mutex_lock(&m->lock);
	gen = m->gen;
	atomic_store(&m->wanted, true);
	while (m->gen == gen && !m->stopping &&
	       !pthread_cond_timedwait(&m->published, &m->lock, &until))
		;
	ok = m->gen != gen;
	if (ok)
		*st = m->snap;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static void reply(const struct metrics_server *m, int fd, const char *status,
		  const char *body, size_t len)
{
	char head[160];
	size_t hlen, off;
	uint64_t deadline;
	ssize_t n;

	hlen = snprintf(head, sizeof(head),
			"HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
			status, len);
	/* Within METRICS_WRITE_MS; a slower client is cut off. */
	deadline = mono_ms() + METRICS_WRITE_MS;
	for (off = 0; off < hlen + len;) {
		const char *p = off < hlen ? head + off : body + off - hlen;
		size_t left = off < hlen ? hlen - off : hlen + len - off;

		n = write(fd, p, left);
		if (n > 0) {
			off += n;
			continue;
		}
		if ((n < 0 && errno != EAGAIN) ||
		    !wait_fd(m, fd, POLLOUT, deadline))
			break;
	}
}

/* Read one client's request, answer it, close it. */
static void answer(struct metrics_server *m, int fd, struct serve_stats *st)
{
	char req[2048], *body = NULL;
	uint64_t deadline;
	size_t len = 0, got = 0;
	ssize_t n;
	FILE *f;

	/* The request, within METRICS_READ_MS. */
	deadline = mono_ms() + METRICS_READ_MS;
	while (got < sizeof(req) - 1 && wait_fd(m, fd, POLLIN, deadline)) {
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = 0;
	if (strncmp(req, "GET /metrics ", 13) && strncmp(req, "GET / ", 6)) {
		reply(m, fd, "404 Not Found", "", 0);
		return;
	}
	if (!snapshot(m, st)) {
		reply(m, fd, "503 Service Unavailable", "", 0);
		return;
	}
	st->metrics_accept_errors = atomic_load(&m->accept_errors);
	f = open_memstream(&body, &len);
	if (!f) {
		reply(m, fd, "500 Internal Server Error", "", 0);
		return;
	}
	metrics_write(f, st);
	fclose(f);
	reply(m, fd, "200 OK", body, len);
	free(body);
}

/* Wait @ms, or less if the server stops. */
static void backoff(const struct metrics_server *m, int ms)
{
	struct pollfd p = { .fd = m->stop_fd[0], .events = POLLIN };

	poll(&p, 1, ms);
}

/*
 * Accept and answer clients, one at a time, until the server stops.  When
 * accept() or poll() fails (out of descriptors or memory), the client
 * waits in the listen backlog and the thread tries again after
 * METRICS_BACKOFF_MS, counting the failure, instead of spinning on a
 * listener that stays readable.
 */
static void *serve_clients(void *arg)
{
	struct metrics_server *m = arg;
	int fd, n;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = m->listen_fd, .events = POLLIN },
			{ .fd = m->stop_fd[0], .events = POLLIN },
		};

		n = poll(p, 2, -1);
		if (n > 0 && p[1].revents)
			break;
		if (n <= 0) {
			atomic_fetch_add(&m->accept_errors, 1);
			backoff(m, METRICS_BACKOFF_MS);
			continue;
		}
		fd = accept4(m->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			/*
			 * The client left already, or a network error of
			 * its connection (accept(2) reports those): nothing
			 * to wait for.
			 */
			if (errno == EAGAIN || errno == ECONNABORTED ||
			    errno == EINTR || errno == EPROTO ||
			    errno == ENETDOWN || errno == ENETUNREACH ||
			    errno == EHOSTDOWN || errno == EHOSTUNREACH ||
			    errno == ENONET || errno == ENOPROTOOPT ||
			    errno == EOPNOTSUPP)
				continue;
			atomic_fetch_add(&m->accept_errors, 1);
			backoff(m, METRICS_BACKOFF_MS);
			continue;
		}
		answer(m, fd, &m->answered);
		close(fd);
	}
	return NULL;
}

int metrics_start(struct metrics_server **out, const char *hostport)
{
	struct metrics_server *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	if (!m)
		return -1;
	m->listen_fd = metrics_listen(hostport);
	if (m->listen_fd < 0) {
		err = errno;
		goto free_server;
	}
	if (pipe2(m->stop_fd, O_CLOEXEC)) {
		err = errno;
		goto close_listener;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->published, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are the loop's: the thread starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&m->thread, NULL, serve_clients, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto destroy_sync;
	*out = m;
	return 0;

destroy_sync:
	pthread_cond_destroy(&m->published);
	pthread_mutex_destroy(&m->lock);
	close(m->stop_fd[0]);
	close(m->stop_fd[1]);
close_listener:
	close(m->listen_fd);
free_server:
	free(m);
	errno = err;
	return -1;
}

void metrics_publish(struct metrics_server *m, const struct serve_stats *st)
{
	if (!m || !atomic_load_explicit(&m->wanted, memory_order_relaxed))
		return;
	pthread_mutex_lock(&m->lock);
	m->snap = *st;
	m->gen++;
	atomic_store(&m->wanted, false);
	pthread_cond_broadcast(&m->published);
	pthread_mutex_unlock(&m->lock);
}

void metrics_stop(struct metrics_server *m)
{
	if (!m)
		return;
	/* A snapshot() waiting for the loop gives up at once... */
	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	pthread_cond_broadcast(&m->published);
	pthread_mutex_unlock(&m->lock);
	/* ... and every other wait sees the pipe readable and returns. */
	if (write(m->stop_fd[1], "", 1) != 1)
		abort();
	pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->published);
	pthread_mutex_destroy(&m->lock);
	close(m->stop_fd[0]);
	close(m->stop_fd[1]);
	close(m->listen_fd);
	free(m);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of serve's metrics endpoint (tools/ebpfdmactl/
 * metrics_http.c), with a thread standing in for serve's loop that hands
 * over its counters every 10 ms, or stops doing so: answers, a missing
 * page, a loop that does not answer, a silent client, a process out of
 * descriptors (the endpoint must neither spin nor give up), a stop while
 * a scrape waits for the loop, and errors of metrics_start().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/ebpfdmactl/metrics.h"
#include "tools/testing/selftests/tap.h"

/*
 * The module's sysfs (tools/ebpfdmactl/status.c reads it): absent on the
 * host, as the exposition then says (scrape_errors).
 */
long long ctl_sysfs_u64(const char *path)
{
	(void)path;
	return -1;
}

static struct metrics_server *M;
static atomic_bool loop_runs, loop_stop;
static atomic_uint loop_rounds; /* rounds of the loop, each completed */
static struct serve_stats loop_st = { .acks = 42, .completions = 7 };
static uint16_t port;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static uint64_t cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* serve's loop, as far as the endpoint sees it: a publish every 10 ms. */
static void *loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&loop_stop)) {
		if (atomic_load(&loop_runs))
			metrics_publish(M, &loop_st);
		atomic_fetch_add(&loop_rounds, 1);
		usleep(10000);
	}
	return NULL;
}

/*
 * Start or stop the loop's hand-overs, and wait until it has seen that:
 * two rounds completed after the change, so none in flight publishes
 * after a stop.
 */
static void loop_set(bool runs)
{
	unsigned int r;

	atomic_store(&loop_runs, runs);
	r = atomic_load(&loop_rounds);
	while (atomic_load(&loop_rounds) - r < 2)
		usleep(1000);
}

/* A free TCP port of the loopback (bound, read back, released). */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) ||
	    getsockname(fd, (void *)&a, &len)) {
		perror("free port");
		exit(2);
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* A socket to connect later (connect_fd()), or -1. */
static int client_socket(void)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* No answer takes 5 s: a read that long is a failure. */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Connect @fd to the loopback's port @p: @fd, or -1 (closed). */
static int connect_fd(int fd, uint16_t p)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(p),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(uint16_t p)
{
	return connect_fd(client_socket(), p);
}

/* Send @req on @fd and read the whole answer into @buf. */
static size_t ask(int fd, const char *req, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	if (req && write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return 0;
	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	return got;
}

static size_t get(const char *path, char *buf, size_t size)
{
	char req[128];
	size_t n;
	int fd = connect_to(port);

	if (fd < 0)
		return 0;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	n = ask(fd, req, buf, size);
	close(fd);
	return n;
}

static char buf[1 << 20];

static void test_answers(void)
{
	uint64_t t;
	int silent;

	get("/metrics", buf, sizeof(buf));
	tap_ok(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) &&
		       strstr(buf, "\nebpfdma_acks_sent_total 42\n") &&
		       strstr(buf, "\nebpfdma_completion_entries_total 7\n") &&
		       strstr(buf, "\nebpfdma_metrics_accept_errors_total 0\n"),
	       "GET /metrics: 200 with the loop's counters");
	get("/nothing", buf, sizeof(buf));
	tap_ok(!strncmp(buf, "HTTP/1.0 404 Not Found\r\n", 24),
	       "GET /nothing: 404");

	/* A client that connects and says nothing holds up no other. */
	silent = connect_to(port);
	t = mono_ms();
	get("/metrics", buf, sizeof(buf));
	t = mono_ms() - t;
	tap_ok(silent >= 0 && !strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) &&
		       t < 1500,
	       "a silent client is cut off: the next is answered (in %llu ms)",
	       (unsigned long long)t);
	if (silent >= 0)
		close(silent);

	/* The loop stops handing over its counters: 503, after 1 s. */
	loop_set(false);
	t = mono_ms();
	get("/metrics", buf, sizeof(buf));
	t = mono_ms() - t;
	tap_ok(!strncmp(buf, "HTTP/1.0 503 Service Unavailable\r\n", 34) &&
		       t >= 900 && t < 3000,
	       "a loop that does not hand over its counters: 503 after %llu ms (1 s)",
	       (unsigned long long)t);
	loop_set(true);
}

/*
 * Out of descriptors: accept() fails with EMFILE while the client waits
 * in the backlog.  The endpoint must not spin on the readable listener,
 * and must answer once descriptors are free again.
 */
static void test_emfile(void)
{
	struct rlimit old, low;
	static int fds[4096];
	unsigned int n = 0, i;
	uint64_t c0, c1, t0, t1;
	int c, e, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";

	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 128;
	if (setrlimit(RLIMIT_NOFILE, &low)) {
		tap_skip("out of descriptors: the endpoint waits", strerror(errno));
		return;
	}
	/* Its socket first; it connects once no descriptor is left. */
	c = client_socket();
	while (null >= 0 && n < 4096 && (fds[n] = dup(null)) >= 0)
		n++;
	e = errno;
	c = connect_fd(c, port);
	if (c < 0 || write(c, req, strlen(req)) != (ssize_t)strlen(req)) {
		tap_ok(0, "emfile: a client connects");
		return;
	}
	t0 = mono_ms();
	c0 = cpu_ms();
	usleep(500000);
	c1 = cpu_ms();
	t1 = mono_ms();
	tap_ok(e == EMFILE && c1 - c0 < (t1 - t0) / 4,
	       "out of descriptors (%u taken): the endpoint waits instead of spinning (%llu ms of CPU in %llu ms)",
	       n, (unsigned long long)(c1 - c0),
	       (unsigned long long)(t1 - t0));
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (null >= 0)
		close(null);
	setrlimit(RLIMIT_NOFILE, &old);
	ask(c, NULL, buf, sizeof(buf));
	close(c);
	tap_ok(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) &&
		       !strstr(buf, "\nebpfdma_metrics_accept_errors_total 0\n") &&
		       strstr(buf, "\nebpfdma_metrics_accept_errors_total "),
	       "... and answers the waiting client once they are free, the failures counted");
	get("/metrics", buf, sizeof(buf));
	tap_ok(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17),
	       "... and the next client too");
}

/* metrics_stop() while a scrape waits for a loop that does not answer. */
static void test_stop(void)
{
	uint64_t t;
	int c;
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";

	loop_set(false);
	c = connect_to(port);
	if (c < 0 || write(c, req, strlen(req)) != (ssize_t)strlen(req)) {
		tap_ok(0, "stop: a client connects");
		return;
	}
	usleep(200000); /* the thread waits for the loop by now */
	t = mono_ms();
	metrics_stop(M);
	t = mono_ms() - t;
	M = NULL;
	tap_ok(t < 300,
	       "metrics_stop() while a scrape waits for the loop returns at once (%llu ms; the wait is 1 s)",
	       (unsigned long long)t);
	ask(c, NULL, buf, sizeof(buf));
	close(c);
	tap_ok(!strncmp(buf, "HTTP/1.0 503 Service Unavailable\r\n", 34),
	       "... and that client is told 503, without counters");
	c = connect_to(port);
	tap_ok(c < 0, "... and the port is closed");
	if (c >= 0)
		close(c);
}

static void test_start_errors(void)
{
	struct metrics_server *m = NULL;
	char hp[64];
	int fd, ret, e;

	snprintf(hp, sizeof(hp), "127.0.0.1:%u", port);
	fd = connect_to(port);
	if (fd >= 0)
		close(fd);
	errno = 0;
	ret = metrics_start(&m, "localhost:9788");
	e = errno;
	tap_ok(ret && e == EINVAL,
	       "metrics_start: a name, not a numeric address: EINVAL (%s)",
	       strerror(e));
	if (!metrics_start(&m, hp)) {
		struct metrics_server *m2 = NULL;

		errno = 0;
		ret = metrics_start(&m2, hp);
		e = errno;
		tap_ok(ret && e == EADDRINUSE,
		       "metrics_start: a port another endpoint listens on: EADDRINUSE (%s)",
		       strerror(e));
		metrics_stop(m2);
		metrics_stop(m);
	} else {
		tap_ok(0, "metrics_start on %s: %s", hp, strerror(errno));
	}
}

int main(void)
{
	char hp[64];
	pthread_t t;

	tap_begin();
	port = free_port();
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", port);
	if (!tap_ok(!metrics_start(&M, hp), "metrics_start on %s", hp))
		return tap_done();
	atomic_store(&loop_runs, true);
	pthread_create(&t, NULL, loop, NULL);
	test_answers();
	test_emfile();
	test_stop();
	atomic_store(&loop_stop, true);
	pthread_join(t, NULL);
	test_start_errors();
	return tap_done();
}

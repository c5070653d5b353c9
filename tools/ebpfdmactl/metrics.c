// SPDX-License-Identifier: GPL-2.0
/*
 * serve's Prometheus metrics: its own counters, the module's (sysfs), and
 * the XDP program's (its per-CPU map), in the text exposition format,
 * answered to "GET /metrics" by a minimal HTTP/1.0 server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "metrics.h"
#include "tools/lib/rx.h"

#define SYSFS "/sys/class/misc/" EBPFDMA_DEV_NAME "/"
#define METRICS_READ_MS 250 /* to send the request */
#define METRICS_WRITE_MS 1000 /* to take the answer */

int metrics_listen(const char *hostport)
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

static void counter(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

static void gauge(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void sysfs_gauge(FILE *f, const char *name, const char *help,
			const char *file)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), SYSFS "%s", file);
	v = ctl_sysfs_u64(path);
	if (v < 0)
		return;
	gauge(f, name, help);
	fprintf(f, "%s %lld\n", name, v);
}

/* The volume's latency histogram from sysfs, in seconds. */
static void latency(FILE *f, uint32_t id)
{
	unsigned long long bound, n, cum = 0;
	long long sum;
	char path[128], word[32];
	FILE *in;

	snprintf(path, sizeof(path), SYSFS "volume%u/latency_sum_us", id);
	sum = ctl_sysfs_u64(path);
	snprintf(path, sizeof(path), SYSFS "volume%u/latency_us", id);
	in = fopen(path, "r");
	if (!in || sum < 0) {
		if (in)
			fclose(in);
		return;
	}
	while (fscanf(in, "%31s %llu", word, &n) == 2) {
		cum += n;
		if (!strcmp(word, "+Inf")) {
			fprintf(f,
				"ebpfdma_write_latency_seconds_bucket{volume=\"%u\",le=\"+Inf\"} %llu\n",
				id, cum);
			break;
		}
		bound = strtoull(word, NULL, 10);
		fprintf(f,
			"ebpfdma_write_latency_seconds_bucket{volume=\"%u\",le=\"%g\"} %llu\n",
			id, bound / 1e6, cum);
	}
	fclose(in);
	fprintf(f, "ebpfdma_write_latency_seconds_sum{volume=\"%u\"} %g\n", id,
		sum / 1e6);
	fprintf(f, "ebpfdma_write_latency_seconds_count{volume=\"%u\"} %llu\n",
		id, cum);
}

void metrics_write(FILE *f, const struct serve_stats *st)
{
	static const char *const refused[NR_REFUSED] = {
		"peer", "malformed", "no_session", "auth", "duplicate",
		"expired", "range", "full",
	};
	static const char *const hello[NR_HELLO] = {
		"granted", "repeated", "auth", "volume", "malformed", "range",
		"block", "busy", "held", "name", "exists", "space", "quota",
		"gone",
	};
	static const char *const kfunc[] = {
		"placed", "malformed", "range", "no_volume",
		"no_listener", "pool_full", "ring_full",
		"no_session", "expired", "auth", "duplicate", "ce",
	};
	struct ebpfdma_rx_counters c;
	char path[128];
	unsigned int i;
	int fd;

	counter(f, "ebpfdma_received_blocks_total",
		"Block runs written to disk, by the path they took");
	counter(f, "ebpfdma_received_bytes_total",
		"Bytes written to disk, by the path they took");
	for (i = 0; i < NR_PATHS; i++)
		fprintf(f,
			"ebpfdma_received_blocks_total{path=\"%s\"} %llu\n",
			i == PATH_XDP ? "xdp" : "slow",
			(unsigned long long)st->blocks[i]);
	for (i = 0; i < NR_PATHS; i++)
		fprintf(f, "ebpfdma_received_bytes_total{path=\"%s\"} %llu\n",
			i == PATH_XDP ? "xdp" : "slow",
			(unsigned long long)st->bytes[i]);
	counter(f, "ebpfdma_slow_path_refused_total",
		"Datagrams the slow path refused, by reason");
	for (i = 0; i < NR_REFUSED; i++)
		fprintf(f,
			"ebpfdma_slow_path_refused_total{reason=\"%s\"} %llu\n",
			refused[i], (unsigned long long)st->slow_refused[i]);
	counter(f, "ebpfdma_write_errors_total",
		"Writes the device failed (reported to the sender)");
	fprintf(f, "ebpfdma_write_errors_total %llu\n",
		(unsigned long long)st->write_errors);
	counter(f, "ebpfdma_untracked_blocks_total",
		"Blocks written but not acknowledged (no memory, their session ended meanwhile); senders resend them");
	fprintf(f, "ebpfdma_untracked_blocks_total %llu\n",
		(unsigned long long)st->untracked);
	counter(f, "ebpfdma_ce_marked_total",
		"Blocks whose datagram arrived marked Congestion Experienced (ECN), echoed to their senders");
	fprintf(f, "ebpfdma_ce_marked_total %llu\n",
		(unsigned long long)st->ce_marked);
	counter(f, "ebpfdma_acks_sent_total", "Acknowledgements sent");
	fprintf(f, "ebpfdma_acks_sent_total %llu\n",
		(unsigned long long)st->acks);
	counter(f, "ebpfdma_commits_total", "COMMITs received");
	fprintf(f, "ebpfdma_commits_total %llu\n",
		(unsigned long long)st->commits);
	counter(f, "ebpfdma_commit_records_failed_total",
		"Commit records that could not be written (the session failed)");
	fprintf(f, "ebpfdma_commit_records_failed_total %llu\n",
		(unsigned long long)st->records_failed);
	counter(f, "ebpfdma_hellos_total",
		"HELLOs (session requests), by what became of them");
	for (i = 0; i < NR_HELLO; i++)
		fprintf(f, "ebpfdma_hellos_total{result=\"%s\"} %llu\n",
			hello[i], (unsigned long long)st->hello[i]);
	gauge(f, "ebpfdma_sessions", "Sessions admitted and not ended");
	fprintf(f, "ebpfdma_sessions %llu\n",
		(unsigned long long)st->sessions_active);
	counter(f, "ebpfdma_sessions_ended_total",
		"Sessions ended: complete (committed), failed (a write or flush failed), expired (idle), superseded (a new session holds the volume)");
	fprintf(f, "ebpfdma_sessions_ended_total{how=\"complete\"} %llu\n",
		(unsigned long long)st->sessions_completed);
	fprintf(f, "ebpfdma_sessions_ended_total{how=\"failed\"} %llu\n",
		(unsigned long long)st->sessions_failed);
	fprintf(f, "ebpfdma_sessions_ended_total{how=\"expired\"} %llu\n",
		(unsigned long long)st->sessions_expired);
	fprintf(f, "ebpfdma_sessions_ended_total{how=\"superseded\"} %llu\n",
		(unsigned long long)st->sessions_superseded);
	counter(f, "ebpfdma_flushes_total",
		"Device cache flushes that made writes durable, by volume");
	for (i = 0; i < st->nr_vols; i++)
		fprintf(f, "ebpfdma_flushes_total{volume=\"%u\"} %llu\n",
			st->vol[i].id,
			(unsigned long long)st->vol[i].flushes);
	counter(f, "ebpfdma_flush_errors_total", "Failed flushes, by volume");
	for (i = 0; i < st->nr_vols; i++)
		fprintf(f, "ebpfdma_flush_errors_total{volume=\"%u\"} %llu\n",
			st->vol[i].id,
			(unsigned long long)st->vol[i].flush_errors);

	counter(f, "ebpfdma_store_files_total",
		"A file store's transfers, by what became of them: published (synced and renamed to its name), publish_failed (the session failed), abandoned (idle past the timeout or serve stopped: its partial file removed)");
	for (i = 0; i < st->nr_vols; i++) {
		if (!st->vol[i].store)
			continue;
		fprintf(f, "ebpfdma_store_files_total{volume=\"%u\",result=\"published\"} %llu\n",
			st->vol[i].id,
			(unsigned long long)st->vol[i].published);
		fprintf(f, "ebpfdma_store_files_total{volume=\"%u\",result=\"publish_failed\"} %llu\n",
			st->vol[i].id,
			(unsigned long long)st->vol[i].publish_errors);
		fprintf(f, "ebpfdma_store_files_total{volume=\"%u\",result=\"abandoned\"} %llu\n",
			st->vol[i].id,
			(unsigned long long)st->vol[i].discarded);
	}

	sysfs_gauge(f, "ebpfdma_pool_slots", "Slots in the pool",
		    "pool_slots");
	sysfs_gauge(f, "ebpfdma_pool_free_slots", "Slots held by nobody",
		    "pool_free_slots");
	sysfs_gauge(f, "ebpfdma_pool_slot_size_bytes", "Bytes per slot",
		    "pool_slot_size");
	sysfs_gauge(f, "ebpfdma_in_flight_bios",
		    "Bios submitted and not completed", "in_flight_bios");
	counter(f, "ebpfdma_kfunc_results_total",
		"What the kfunc did with the datagrams XDP gave it");
	for (i = 0; i < sizeof(kfunc) / sizeof(kfunc[0]); i++) {
		snprintf(path, sizeof(path), SYSFS "rx/%s", kfunc[i]);
		fprintf(f, "ebpfdma_kfunc_results_total{result=\"%s\"} %lld\n",
			kfunc[i], ctl_sysfs_u64(path));
	}

	fd = edma_rx_map_by_name("edma_counters");
	if (fd >= 0 && edma_rx_counters_read(fd, &c, NULL, 0) > 0) {
		counter(f, "ebpfdma_xdp_packets_total",
			"Packets the XDP program saw, by counter (verdicts: pass, drop; reasons: pass_*, drop_*, err_*)");
		for (i = 0; i < edma_rx_nr_fields; i++) {
			if (!strcmp(edma_rx_fields[i].name, "placed_bytes"))
				continue;
			fprintf(f,
				"ebpfdma_xdp_packets_total{counter=\"%s\"} %llu\n",
				edma_rx_fields[i].name,
				(unsigned long long)edma_rx_field(
					&c, edma_rx_fields[i].off));
		}
		counter(f, "ebpfdma_xdp_placed_bytes_total",
			"Body bytes the XDP program placed");
		fprintf(f, "ebpfdma_xdp_placed_bytes_total %llu\n",
			(unsigned long long)c.placed_bytes);
	}
	if (fd >= 0)
		close(fd);

	fprintf(f, "# HELP ebpfdma_write_latency_seconds Time from queuing a write to its completion, by volume\n"
		   "# TYPE ebpfdma_write_latency_seconds histogram\n");
	for (i = 0; i < st->nr_vols; i++)
		if (!st->vol[i].store) /* its files' volumes come and go */
			latency(f, st->vol[i].id);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Wait for @events on @fd until @deadline (CLOCK_MONOTONIC, ms); the
 * daemon's loop waits meanwhile, so a client gets a bounded time.
 */
static bool wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now = mono_ms();

	return now < deadline && poll(&p, 1, deadline - now) == 1;
}

void metrics_answer(int listen_fd, const struct serve_stats *st)
{
	char req[2048], *body = NULL, head[160];
	size_t len = 0, got = 0, hlen, off;
	uint64_t deadline;
	FILE *f;
	ssize_t n;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* The request, within METRICS_READ_MS. */
	deadline = mono_ms() + METRICS_READ_MS;
	while (got < sizeof(req) - 1 && wait_fd(fd, POLLIN, deadline)) {
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
		dprintf(fd, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		close(fd);
		return;
	}
	f = open_memstream(&body, &len);
	if (!f) {
		close(fd);
		return;
	}
	metrics_write(f, st);
	fclose(f);
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
			len);
	/* The answer, within METRICS_WRITE_MS; a slower client is cut off. */
	deadline = mono_ms() + METRICS_WRITE_MS;
	for (off = 0; off < hlen + len;) {
		const char *p = off < hlen ? head + off : body + off - hlen;
		size_t left = off < hlen ? hlen - off : hlen + len - off;

		n = write(fd, p, left);
		if (n > 0) {
			off += n;
			continue;
		}
		if ((n < 0 && errno != EAGAIN) || !wait_fd(fd, POLLOUT, deadline))
			break;
	}
	free(body);
	close(fd);
}

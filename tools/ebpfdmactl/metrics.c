// SPDX-License-Identifier: GPL-2.0
/*
 * serve's Prometheus metrics: its own counters, the module's (sysfs), and
 * the XDP program's (its per-CPU map), in the text exposition format
 * (metrics_http.c serves it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>

#include "ctl.h"
#include "metrics.h"
#include "tools/lib/rx.h"
#include "uapi/ebpfdma_wire.h"

#ifndef EBPFDMA_VERSION
#define EBPFDMA_VERSION "unknown"
#endif

#define SYSFS "/sys/class/misc/" EBPFDMA_DEV_NAME "/"

static void counter(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

static void gauge(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/*
 * A number from the module's sysfs directory; -1, counted in
 * @scrape->sysfs, when it cannot be read (never written as a sample).
 */
struct scrape {
	unsigned int sysfs, xdp; /* values that could not be read */
};

static long long sysfs_read(struct scrape *sc, const char *file)
{
	char path[192];
	long long v;

	snprintf(path, sizeof(path), SYSFS "%s", file);
	v = ctl_sysfs_u64(path);
	if (v < 0)
		sc->sysfs++;
	return v;
}

static void sysfs_gauge(FILE *f, struct scrape *sc, const char *name,
			const char *help, const char *file)
{
	long long v = sysfs_read(sc, file);

	gauge(f, name, help);
	if (v >= 0)
		fprintf(f, "%s %lld\n", name, v);
}

/* The first line of a file (a sysfs attribute), or "unknown". */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *in = fopen(path, "r");

	if (!in || !fgets(buf, len, in))
		snprintf(buf, len, "unknown");
	buf[strcspn(buf, "\n\"\\")] = 0;
	if (in)
		fclose(in);
}

/* The volume's latency histogram from sysfs, in seconds. */
static void latency(FILE *f, struct scrape *sc, uint32_t id)
{
	unsigned long long bound, n, cum = 0;
	long long sum;
	char path[64], word[32];
	FILE *in;

	snprintf(path, sizeof(path), "volume%u/latency_sum_us", id);
	sum = sysfs_read(sc, path);
	snprintf(path, sizeof(path), SYSFS "volume%u/latency_us", id);
	in = fopen(path, "r");
	if (!in || sum < 0) {
		if (in)
			fclose(in);
		else
			sc->sysfs++;
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

/* A labelled sample of a counter whose HELP and TYPE came before. */
static void sample(FILE *f, const char *name, const char *label,
		   const char *value, unsigned long long v)
{
	fprintf(f, "%s{%s=\"%s\"} %llu\n", name, label, value, v);
}

/* serve's XDP program's counters, each family with what it counts. */
static void xdp_counters(FILE *f, const struct ebpfdma_rx_counters *cp)
{
	unsigned int i;

	counter(f, "ebpfdma_xdp_packets_total",
		"Packets the XDP program saw");
	fprintf(f, "ebpfdma_xdp_packets_total %llu\n",
		(unsigned long long)cp->packets);
	counter(f, "ebpfdma_xdp_verdicts_total",
		"The XDP program's verdicts: pass (to the stack) or drop (placed DATA included)");
	sample(f, "ebpfdma_xdp_verdicts_total", "verdict", "pass", cp->pass);
	sample(f, "ebpfdma_xdp_verdicts_total", "verdict", "drop", cp->drop);
	counter(f, "ebpfdma_xdp_passed_total",
		"Packets passed to the stack, by reason");
	counter(f, "ebpfdma_xdp_dropped_total",
		"Packets dropped before the kfunc, by reason");
	counter(f, "ebpfdma_xdp_kfunc_errors_total",
		"DATA datagrams the kfunc refused, by its error (each then dropped, or passed under full_policy = pass)");
	for (i = 0; i < edma_rx_nr_fields; i++) {
		const char *n = edma_rx_fields[i].name;
		uint64_t v = edma_rx_field(cp, edma_rx_fields[i].off);

		if (!strncmp(n, "pass_", 5))
			sample(f, "ebpfdma_xdp_passed_total", "reason", n + 5, v);
		else if (!strncmp(n, "drop_", 5))
			sample(f, "ebpfdma_xdp_dropped_total", "reason", n + 5,
			       v);
		else if (!strncmp(n, "err_", 4))
			sample(f, "ebpfdma_xdp_kfunc_errors_total", "error",
			       n + 4, v);
	}
	counter(f, "ebpfdma_xdp_placed_datagrams_total",
		"DATA datagrams the kfunc placed in the pool and queued to the disk");
	fprintf(f, "ebpfdma_xdp_placed_datagrams_total %llu\n",
		(unsigned long long)cp->placed);
	counter(f, "ebpfdma_xdp_placed_bytes_total",
		"Body bytes the kfunc placed");
	fprintf(f, "ebpfdma_xdp_placed_bytes_total %llu\n",
		(unsigned long long)cp->placed_bytes);
}

void metrics_write(FILE *f, const struct serve_stats *st)
{
	static const char *const refused[NR_REFUSED] = {
		"peer", "malformed", "no_session", "auth", "duplicate",
		"expired", "range", "full",
	};
	/* HELLOs by verdict, then the reasons of refusals and silences. */
	static const struct {
		const char *verdict, *reason;
	} hello[NR_HELLO] = {
		[HELLO_GRANTED] = { "granted", NULL },
		[HELLO_REPEATED] = { "repeated", NULL },
		[HELLO_AUTH] = { "ignored", "auth" },
		[HELLO_VOLUME] = { "ignored", "volume" },
		[HELLO_MALFORMED] = { "ignored", "malformed" },
		[HELLO_RANGE] = { "refused", "range" },
		[HELLO_BLOCK] = { "refused", "block" },
		[HELLO_BUSY] = { "refused", "busy" },
		[HELLO_HELD] = { "refused", "held" },
		[HELLO_NAME] = { "refused", "name" },
		[HELLO_EXISTS] = { "refused", "exists" },
		[HELLO_SPACE] = { "refused", "space" },
		[HELLO_QUOTA] = { "refused", "quota" },
		[HELLO_GONE] = { "refused", "gone" },
	};
	static const char *const verdicts[] = { "granted", "repeated",
						"refused", "ignored" };
	/* The module's counters of the kfunc (sysfs rx/): refusals. */
	static const char *const kfunc[] = {
		"malformed", "range", "no_volume", "no_listener", "pool_full",
		"ring_full", "no_session", "expired", "auth", "duplicate",
	};
	static const char *const path[NR_PATHS] = { "xdp", "slow" };
	struct scrape sc = { 0 };
	struct ebpfdma_rx_counters xc = { 0 };
	char path_buf[64], version[64];
	unsigned long long n;
	bool have_xdp;
	unsigned int i, j;
	long long v;

	/* serve's own program's map (no program: xdp = off, or detached). */
	have_xdp = st->xdp_counters_fd >= 0 &&
		   edma_rx_counters_read(st->xdp_counters_fd, &xc, NULL, 0) > 0;
	if (st->xdp_attached && !have_xdp)
		sc.xdp++;

	read_line("/sys/module/ebpfdma/version", version, sizeof(version));
	gauge(f, "ebpfdma_build_info",
	      "Versions: the tools' (version), the loaded module's (module_version), the wire protocol's; always 1");
	fprintf(f,
		"ebpfdma_build_info{version=\"%s\",module_version=\"%s\",wire=\"%u\"} 1\n",
		EBPFDMA_VERSION, version, EBPFDMA_WIRE2_VERSION);

	counter(f, "ebpfdma_written_datagrams_total",
		"DATA datagrams whose block the device wrote (one write each), by the path they took");
	for (i = 0; i < NR_PATHS; i++)
		sample(f, "ebpfdma_written_datagrams_total", "path", path[i],
		       st->blocks[i]);
	counter(f, "ebpfdma_written_bytes_total",
		"Bytes the device wrote, by the path they took");
	for (i = 0; i < NR_PATHS; i++)
		sample(f, "ebpfdma_written_bytes_total", "path", path[i],
		       st->bytes[i]);
	counter(f, "ebpfdma_volume_written_bytes_total",
		"Bytes the device wrote, by volume (a file store: all its files)");
	for (i = 0; i < st->nr_vols; i++)
		fprintf(f, "ebpfdma_volume_written_bytes_total{volume=\"%u\"} %llu\n",
			st->vol[i].id, (unsigned long long)st->vol[i].bytes);
	counter(f, "ebpfdma_duplicate_datagrams_total",
		"DATA datagrams of blocks placed already (retransmissions that crossed an ACK, network duplicates, replays), dropped; not goodput; by the path they took");
	if (have_xdp)
		sample(f, "ebpfdma_duplicate_datagrams_total", "path", "xdp",
		       xc.err_duplicate);
	sample(f, "ebpfdma_duplicate_datagrams_total", "path", "slow",
	       st->slow_refused[REFUSED_DUPLICATE]);
	counter(f, "ebpfdma_slow_path_refused_total",
		"Datagrams the slow path (serve's socket) refused, by reason");
	for (i = 0; i < NR_REFUSED; i++)
		sample(f, "ebpfdma_slow_path_refused_total", "reason",
		       refused[i], st->slow_refused[i]);
	counter(f, "ebpfdma_write_errors_total",
		"Writes the device failed (reported to the sender)");
	fprintf(f, "ebpfdma_write_errors_total %llu\n",
		(unsigned long long)st->write_errors);
	counter(f, "ebpfdma_untracked_writes_total",
		"Datagrams written but not acknowledged (no memory, their session ended meanwhile); senders resend them");
	fprintf(f, "ebpfdma_untracked_writes_total %llu\n",
		(unsigned long long)st->untracked);
	counter(f, "ebpfdma_ce_marked_datagrams_total",
		"DATA datagrams that arrived marked Congestion Experienced (ECN), echoed to their senders");
	fprintf(f, "ebpfdma_ce_marked_datagrams_total %llu\n",
		(unsigned long long)st->ce_marked);
	counter(f, "ebpfdma_metrics_accept_errors_total",
		"Times the metrics endpoint could not take a client (out of descriptors or memory) and tried again 100 ms later");
	fprintf(f, "ebpfdma_metrics_accept_errors_total %llu\n",
		(unsigned long long)st->metrics_accept_errors);
	counter(f, "ebpfdma_completion_entries_total",
		"Completion ring entries read: one a write or flush, or one a run of a session's blocks");
	fprintf(f, "ebpfdma_completion_entries_total %llu\n",
		(unsigned long long)st->completions);
	counter(f, "ebpfdma_acks_sent_total", "Acknowledgements sent");
	fprintf(f, "ebpfdma_acks_sent_total %llu\n",
		(unsigned long long)st->acks);
	counter(f, "ebpfdma_ack_send_errors_total",
		"Acknowledgements the socket could not send (the sender asks again)");
	fprintf(f, "ebpfdma_ack_send_errors_total %llu\n",
		(unsigned long long)st->ack_send_errors);
	counter(f, "ebpfdma_commits_total",
		"COMMITs received (repeats included)");
	fprintf(f, "ebpfdma_commits_total %llu\n",
		(unsigned long long)st->commits);
	counter(f, "ebpfdma_commits_acknowledged_total",
		"COMMITs answered complete: every block durable, the record written");
	fprintf(f, "ebpfdma_commits_acknowledged_total %llu\n",
		(unsigned long long)st->commits_acked);
	counter(f, "ebpfdma_commit_records_failed_total",
		"Commit records that could not be written (the session failed)");
	fprintf(f, "ebpfdma_commit_records_failed_total %llu\n",
		(unsigned long long)st->records_failed);
	counter(f, "ebpfdma_hellos_total",
		"HELLOs (session requests) by verdict: granted, repeated (its WELCOME again), refused (answered with a status), ignored (not answered)");
	for (j = 0; j < sizeof(verdicts) / sizeof(verdicts[0]); j++) {
		for (i = 0, n = 0; i < NR_HELLO; i++)
			if (!strcmp(hello[i].verdict, verdicts[j]))
				n += st->hello[i];
		sample(f, "ebpfdma_hellos_total", "verdict", verdicts[j], n);
	}
	counter(f, "ebpfdma_hello_refusals_total",
		"HELLOs refused with a status, by reason");
	for (i = 0; i < NR_HELLO; i++)
		if (!strcmp(hello[i].verdict, "refused"))
			sample(f, "ebpfdma_hello_refusals_total", "reason",
			       hello[i].reason, st->hello[i]);
	counter(f, "ebpfdma_hellos_ignored_total",
		"HELLOs not answered, by reason: auth (does not verify under the volume's key), volume (no such volume), malformed");
	for (i = 0; i < NR_HELLO; i++)
		if (!strcmp(hello[i].verdict, "ignored"))
			sample(f, "ebpfdma_hellos_ignored_total", "reason",
			       hello[i].reason, st->hello[i]);
	gauge(f, "ebpfdma_sessions", "Sessions admitted and not ended");
	fprintf(f, "ebpfdma_sessions %llu\n",
		(unsigned long long)st->sessions_active);
	counter(f, "ebpfdma_sessions_ended_total",
		"Sessions ended: complete (committed), failed (a write or flush failed), expired (idle), superseded (a new session holds the volume)");
	sample(f, "ebpfdma_sessions_ended_total", "how", "complete",
	       st->sessions_completed);
	sample(f, "ebpfdma_sessions_ended_total", "how", "failed",
	       st->sessions_failed);
	sample(f, "ebpfdma_sessions_ended_total", "how", "expired",
	       st->sessions_expired);
	sample(f, "ebpfdma_sessions_ended_total", "how", "superseded",
	       st->sessions_superseded);
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

	sysfs_gauge(f, &sc, "ebpfdma_pool_slots", "Slots in the pool",
		    "pool_slots");
	sysfs_gauge(f, &sc, "ebpfdma_pool_free_slots", "Slots held by nobody",
		    "pool_free_slots");
	sysfs_gauge(f, &sc, "ebpfdma_pool_slot_size_bytes", "Bytes per slot",
		    "pool_slot_size");
	sysfs_gauge(f, &sc, "ebpfdma_in_flight_bios",
		    "Bios submitted and not completed", "in_flight_bios");
	counter(f, "ebpfdma_kfunc_placed_total",
		"DATA datagrams the kfunc placed (the module's count, every program that calls it)");
	v = sysfs_read(&sc, "rx/placed");
	if (v >= 0)
		fprintf(f, "ebpfdma_kfunc_placed_total %lld\n", v);
	counter(f, "ebpfdma_kfunc_ce_marked_total",
		"Of them, datagrams marked Congestion Experienced");
	v = sysfs_read(&sc, "rx/ce");
	if (v >= 0)
		fprintf(f, "ebpfdma_kfunc_ce_marked_total %lld\n", v);
	counter(f, "ebpfdma_kfunc_refused_total",
		"DATA datagrams the module refused, by reason: the kfunc's and SESSION_SUBMIT's (the slow path's), the module's own count");
	for (i = 0; i < sizeof(kfunc) / sizeof(kfunc[0]); i++) {
		snprintf(path_buf, sizeof(path_buf), "rx/%s", kfunc[i]);
		v = sysfs_read(&sc, path_buf);
		if (v >= 0)
			sample(f, "ebpfdma_kfunc_refused_total", "reason",
			       kfunc[i], v);
	}

	if (have_xdp)
		xdp_counters(f, &xc);

	fprintf(f, "# HELP ebpfdma_write_latency_seconds Time from queuing a write to its completion, by volume\n"
		   "# TYPE ebpfdma_write_latency_seconds histogram\n");
	for (i = 0; i < st->nr_vols; i++)
		if (!st->vol[i].store) /* its files' volumes come and go */
			latency(f, &sc, st->vol[i].id);

	counter(f, "ebpfdma_reloads_total",
		"SIGHUPs: applied (peers, key files), or refused (the file did not read, a key did not load, or a change takes a restart); the running configuration stays then");
	sample(f, "ebpfdma_reloads_total", "result", "applied",
	       st->reloads[RELOAD_APPLIED]);
	sample(f, "ebpfdma_reloads_total", "result", "refused",
	       st->reloads[RELOAD_REFUSED]);

	gauge(f, "ebpfdma_scrape_errors",
	      "Values this scrape could not read (and left out), by source: the module's sysfs, the XDP program's map");
	sample(f, "ebpfdma_scrape_errors", "source", "module_sysfs", sc.sysfs);
	sample(f, "ebpfdma_scrape_errors", "source", "xdp_map", sc.xdp);
}

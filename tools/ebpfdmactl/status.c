// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl status [--json]: the pool, the volumes, the kfunc's counters
 * (sysfs) and the XDP program's (its per-CPU map, summed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl.h"
#include "tools/lib/rx.h"

#define SYSFS "/sys/class/misc/" EBPFDMA_DEV_NAME "/"

long long ctl_sysfs_u64(const char *path)
{
	long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static const char *const pool_files[] = {
	"pool_slots", "pool_free_slots", "pool_high_water", "pool_slot_size",
	"in_flight_bios",
};

static const char *const rx_files[] = {
	"placed",     "placed_bytes", "malformed", "range",
	"no_volume",  "no_listener",  "pool_full", "ring_full",
	"no_session", "expired",      "auth",	   "duplicate",
	"ce",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int cmd_status(int argc, char **argv)
{
	struct ebpfdma_volume_info vi[EBPFDMA_MAX_VOLUMES];
	long long pool[N(pool_files)], rx[N(rx_files)];
	struct ebpfdma_rx_counters c;
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int json = 0, mfd, have_prog = 0, o;
	char path[128];
	unsigned int i, n = 0;

	while ((o = ctl_getopt(argc, argv, "status", lo)) != -1) {
		if (o == 'j')
			json = 1;
		else if (o == 'h')
			return ctl_help(
				"usage: ebpfdmactl status [--json]\n"
				"The pool, every volume and the XDP program's counters (summed\n"
				"over the CPUs), as text or one JSON object (--json).\n");
		else
			return CTL_EXIT_USAGE;
	}
	if (optind != argc)
		return ctl_usage_error("status", "too many operands");
	if (ctl_volumes(vi, &n))
		return 1;
	for (i = 0; i < N(pool_files); i++) {
		snprintf(path, sizeof(path), SYSFS "%s", pool_files[i]);
		pool[i] = ctl_sysfs_u64(path);
	}
	for (i = 0; i < N(rx_files); i++) {
		snprintf(path, sizeof(path), SYSFS "rx/%s", rx_files[i]);
		rx[i] = ctl_sysfs_u64(path);
	}
	mfd = edma_rx_map_by_name("edma_counters");
	if (mfd >= 0) {
		have_prog = edma_rx_counters_read(mfd, &c, NULL, 0) > 0;
		close(mfd);
	}

	if (json) {
		printf("{\"pool\":{");
		for (i = 0; i < N(pool_files); i++)
			printf("%s\"%s\":%lld", i ? "," : "", pool_files[i],
			       pool[i]);
		printf("},\"volumes\":[");
		for (i = 0; i < n; i++)
			printf("%s{\"id\":%u,\"major\":%u,\"minor\":%u,\"start\":%llu,\"blocks\":%llu,\"block_size\":%u,\"flags\":%u,\"in_flight\":%u,\"bytes\":%llu,\"errors\":%llu}",
			       i ? "," : "", vi[i].id, vi[i].major, vi[i].minor,
			       (unsigned long long)vi[i].start,
			       (unsigned long long)vi[i].blocks,
			       vi[i].block_size, vi[i].flags, vi[i].in_flight,
			       (unsigned long long)vi[i].bytes,
			       (unsigned long long)vi[i].errors);
		printf("],\"kfunc\":{");
		for (i = 0; i < N(rx_files); i++)
			printf("%s\"%s\":%lld", i ? "," : "", rx_files[i], rx[i]);
		printf("},\"xdp\":");
		if (!have_prog) {
			printf("null}\n");
			return 0;
		}
		printf("{");
		for (i = 0; i < edma_rx_nr_fields; i++)
			printf("%s\"%s\":%llu", i ? "," : "",
			       edma_rx_fields[i].name,
			       (unsigned long long)edma_rx_field(
				       &c, edma_rx_fields[i].off));
		printf("}}\n");
		return 0;
	}

	printf("pool: %lld slots of %lld bytes, %lld free, high water %lld; %lld bios in flight\n",
	       pool[0], pool[3], pool[1], pool[2], pool[4]);
	printf("volumes: %u\n", n);
	for (i = 0; i < n; i++)
		printf("  volume %u: %s %u:%u blocks [%llu, +%llu) of %u bytes%s%s%s, %llu bytes written, %llu errors, %u in flight\n",
		       vi[i].id,
		       vi[i].flags & EBPFDMA_VOL_FILE ? "a file on device" :
							"device",
		       vi[i].major, vi[i].minor,
		       (unsigned long long)vi[i].start,
		       (unsigned long long)vi[i].blocks, vi[i].block_size,
		       vi[i].flags & EBPFDMA_VOL_FUA ? ", fua" : "",
		       vi[i].flags & EBPFDMA_VOL_FLUSH_ON_COMMIT ?
			       ", flush_on_commit" : "",
		       vi[i].flags & EBPFDMA_VOL_STABLE ?
			       ", no volatile cache" : "",
		       (unsigned long long)vi[i].bytes,
		       (unsigned long long)vi[i].errors, vi[i].in_flight);
	printf("kfunc:");
	for (i = 0; i < N(rx_files); i++)
		printf(" %s=%lld", rx_files[i], rx[i]);
	printf("\n");
	if (!have_prog) {
		printf("xdp: no ebpfdma_rx program loaded\n");
		return 0;
	}
	printf("xdp:");
	for (i = 0; i < edma_rx_nr_fields; i++) {
		unsigned long long v =
			edma_rx_field(&c, edma_rx_fields[i].off);

		if (v || i < 3)
			printf(" %s=%llu", edma_rx_fields[i].name, v);
	}
	printf("\n");
	return 0;
}

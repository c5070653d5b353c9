/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdmactl: the storage node's control tool.  One file per subcommand;
 * what they share is declared here.
 */
#ifndef EBPFDMACTL_H
#define EBPFDMACTL_H

#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "uapi/ebpfdma.h"

#define CTL_MAX_PEERS 64
#define CTL_ADDR_LEN 64
#define CTL_XDP_NATIVE 0
#define CTL_XDP_GENERIC 1
#define CTL_XDP_OFF 2 /* no XDP: every datagram takes the slow path */

#define CTL_PROTECT_UNSET 0xffffffffU /* the file's protect = */
#define CTL_IDLE_TIMEOUT_S 120

struct ctl_volume_conf {
	uint32_t id;
	char dev[256];
	uint64_t start, blocks; /* logical blocks */
	uint32_t flags; /* EBPFDMA_VOL_* */
	uint32_t protect; /* EBPFDMA_PROTECT_* */
	char key_file[256]; /* the volume's secret */
	bool shared; /* writers=shared: any number of transfers at once */
	/* A file store ("store ="): @dev is its directory. */
	bool store;
	bool overwrite; /* a transfer may replace a stored file */
	uint64_t quota; /* bytes its files may take (0: no quota) */
};

/* The longest line of a configuration file, its newline included. */
#define CTL_CONF_LINE_MAX 1024

/* The serve configuration file (see tools/ebpfdma/serve.conf.example). */
struct ctl_config {
	char ifname[IF_NAMESIZE];
	uint16_t port;
	char listen[CTL_ADDR_LEN]; /* address of the slow-path socket */
	char metrics[CTL_ADDR_LEN]; /* host:port of the metrics endpoint */
	int xdp; /* CTL_XDP_* */
	uint32_t full_policy; /* EBPFDMA_RX_FULL_* */
	char peers[CTL_MAX_PEERS][CTL_ADDR_LEN];
	unsigned int nr_peers;
	struct ctl_volume_conf vols[EBPFDMA_MAX_VOLUMES];
	unsigned int nr_vols;
	char key_file[256]; /* default of the volumes' key_file= */
	char state_dir[256]; /* commit records ("": record_dir()'s default) */
	uint32_t protect; /* default of the volumes' protect= */
	unsigned int idle_timeout_s; /* a session with no datagram ends */
};

/* Parse @path; on error, a message "file:line: what" in @err. */
int ctl_config_load(const char *path, struct ctl_config *c, char *err,
		    size_t errlen);
/* "fua,flush_on_commit" -> EBPFDMA_VOL_*; -1 on an unknown word. */
int ctl_parse_vol_flags(const char *s, uint32_t *flags);
/* "aead" | "mac" | "crc" -> EBPFDMA_PROTECT_*; -1 otherwise. */
int ctl_parse_protect(const char *s, uint32_t *protect);
/* Split "host:port" / "[v6]:port". */
int ctl_split_hostport(const char *s, char *host, size_t hostlen,
		       uint16_t *port);

/*
 * Add a volume: open its device O_RDWR | O_EXCL (or share @shared, an fd of
 * the same device already open so, when >= 0), VOLUME_ADD; the fd in *fd.
 */
int ctl_volume_add(int edma_fd, const struct ctl_volume_conf *v, int shared,
		   int *fd, uint32_t *block_size);
/* Open /dev/ebpfdma, saying why not on standard error. */
int ctl_open_dev(int flags);
/* Every volume (at most EBPFDMA_MAX_VOLUMES) into @vi; 0 or -errno. */
int ctl_volume_list(int fd, struct ebpfdma_volume_info *vi, unsigned int *n);
/* The same from a descriptor of its own; 1 with a message on failure. */
int ctl_volumes(struct ebpfdma_volume_info *vi, unsigned int *n);
/* Delete volume @id if it exists (0 when it does not). */
int ctl_volume_del(int edma_fd, uint32_t id);

/*
 * ebpfdmactl's exit statuses, one per cause (its --help lists them).
 */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1, /* the system refused or failed: device, kernel, I/O */
	CTL_EXIT_USAGE = 2, /* the command line */
	CTL_EXIT_CONFIG = 3, /* serve's configuration file or a key file */
	CTL_EXIT_MISMATCH = 4, /* data differs from what was committed */
};

/*
 * cli.c.  Every subcommand's function takes its own name as argv[0], then
 * its options and operands (options may follow operands).
 *
 * ctl_getopt: getopt_long() over them with --help as 'h'; an unknown
 * option or a missing value is named on standard error (a usage error)
 * and returns CTL_OPT_BAD.
 */
#define CTL_OPT_BAD (-2)
int ctl_getopt(int argc, char **argv, const char *cmd,
	       const struct option *longopts);
/* "ebpfdmactl CMD: <message>" and where help is; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* --help: @usage on standard output; CTL_EXIT_OK. */
int ctl_help(const char *usage);
/*
 * A whole decimal number in [@min, @max] (no sign, space, base prefix or
 * suffix); otherwise a usage error naming @what and the range, and -1.
 */
int ctl_number(const char *cmd, const char *what, const char *s,
	       uint64_t min, uint64_t max, uint64_t *v);
/*
 * A command whose only option is --help, and @min to @max operands (from
 * argv[optind]): -1 to go on, or the status to exit with (--help shown, a
 * usage error).
 */
int ctl_no_options(int argc, char **argv, const char *cmd, const char *usage,
		   int min, int max);
/* Between @min and @max operands, or a usage error (CTL_EXIT_USAGE). */
int ctl_operands(const char *cmd, int argc, int min, int max);

/*
 * notify.c: tell the service manager (sd_notify(3)'s protocol, through
 * $NOTIFY_SOCKET) "READY=1", "STOPPING=1", "RELOADING=1", "STATUS=...";
 * printf-style, lines joined by '\n'.  0 (also without a manager), or
 * -errno.
 */
int ctl_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_volume(int argc, char **argv);
/* volume read (readback.c): argv[0] "read"; a CTL_EXIT_* status. */
int volume_read(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_genkey(int argc, char **argv);
/* ls.c: a file store's files; a CTL_EXIT_* status. */
int cmd_ls(int argc, char **argv);

/* Read one number from a sysfs file; -1 when it cannot. */
long long ctl_sysfs_u64(const char *path);

#endif

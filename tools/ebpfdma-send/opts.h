/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma-send's command line: getopt_long, every number parsed whole and
 * in range, an unknown or malformed option named; --help on standard
 * output (exit 0), usage errors on standard error (exit 2).
 */
#ifndef EBPFDMA_SEND_OPTS_H
#define EBPFDMA_SEND_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/ebpfdma-send/cc.h"

/* Exit statuses (documented in --help and the README). */
enum {
	EXIT_LOCAL = 1, /* an unexpected local failure (out of memory) */
	EXIT_USAGE = 2, /* command line, key file, input file */
	EXIT_REFUSED = 3, /* the receiver refused or failed the transfer */
	EXIT_NETWORK = 4, /* no answer, no progress, the path changed */
	EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM: what was durable stays */
};

struct opts {
	const char *host, *file, *source, *key_file;
	/* The files given (FILE...), none for standard input. */
	char **files;
	unsigned int nr_files;
	/* The file's name in a file store: --name, or FILE's base name. */
	const char *name;
	uint16_t port;
	uint32_t volume;
	uint32_t block_size; /* bytes per datagram body, 0: automatic */
	uint64_t offset; /* the volume's logical block the input starts at */
	uint32_t window; /* datagrams in flight at most, 0: no cap of its own */
	uint32_t flows; /* source ports, 0: as many as the receiver asks */
	double rate; /* MiB/s, 0 = unpaced */
	unsigned int timeout_s; /* give up after this long without progress */
	enum cc_algo cc; /* the congestion controller */
	bool fua, quiet, gso, ecn, resume;
};

/* Parse argv into @o; exits on --help, --version and bad input. */
void opts_parse(struct opts *o, int argc, char **argv);

#endif

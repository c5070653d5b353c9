// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's command line (see opts.h).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ebpfdma-send/opts.h"
#include "uapi/ebpfdma_wire.h"

#ifndef EBPFDMA_VERSION
#define EBPFDMA_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: ebpfdma-send [options] --key-file PATH HOST[:PORT] VOLUME [FILE...|-]\n"
	"\n"
	"Send FILE (default: standard input) to VOLUME of the ebpfdma receiver at\n"
	"HOST (port 7788 unless given; [ADDR]:PORT for IPv6); exit 0 only once every\n"
	"byte is durable on the receiver's disk and the transfer is committed.\n"
	"A block volume holds one transfer, from --offset; a file store keeps each\n"
	"file under its name, which appears on the receiver only once the file is\n"
	"durable and committed.  Several files (to a file store) are sent one after\n"
	"another, each its own transfer; the first that fails stops the rest.\n"
	"\n"
	"  --key-file PATH  the volume's secret (mode 0600 or 0400; ebpfdmactl genkey makes one)\n"
	"  --name NAME      the file's name in a file store (default: FILE's base name;\n"
	"                   needed for standard input); one FILE only\n"
	"  --block-size N   body bytes per datagram (default: the largest multiple of 512\n"
	"                   up to 4096 that fits the path MTU and the receiver's block size)\n"
	"  --offset N       write from the volume's logical block N (of the size the\n"
	"                   receiver's WELCOME tells; default 0, the volume's first)\n"
	"  --resume         continue this file's interrupted transfer to this volume where\n"
	"                   its durable part ends (no state: send it whole)\n"
	"  --flows N        spread datagrams over N source ports, 1..64 (default: as many\n"
	"                   as the receiver has receive queues, up to 8)\n"
	"  --window N       at most N datagrams in flight (default: as the receiver's credit\n"
	"                   and the congestion window allow)\n"
	"  --cc ALGO        congestion control: bbr (paced at the path's measured\n"
	"                   bandwidth; random loss does not slow it down, CE marks and\n"
	"                   heavy loss do; the default) or newreno (loss halves the window)\n"
	"  --rate MIBS      at most MIBS MiB/s (default: as congestion control allows)\n"
	"  --fua            ask for FUA writes\n"
	"  --no-gso         one system call per datagram (no UDP segmentation offload)\n"
	"  --no-ecn         do not mark datagrams ECN-capable (ECT(0))\n"
	"  --timeout S      give up after S seconds without progress (default 30)\n"
	"  --source ADDR    send from this local address\n"
	"  --quiet          no progress\n"
	"  --help, --version\n"
	"\n"
	"Exit status: 0 durable and committed; 1 an unexpected local error (out\n"
	"of memory, no socket); 2 a usage error (a --block-size larger than the\n"
	"path MTU carries among them, a host name that does not exist), an\n"
	"unusable key file or input file, an input file that changed while it\n"
	"was sent; 3 the receiver refused the transfer or\n"
	"its disk failed (a file store: a name not allowed or taken, no room, over\n"
	"its quota); 4 no answer, no progress for --timeout, a name the resolver\n"
	"cannot look up now, the network refusing to send (unreachable), or a\n"
	"path MTU that carries no block (at the start, or fallen mid-transfer);\n"
	"130 interrupted (SIGINT, SIGTERM): what was durable stays, --resume\n"
	"continues.\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ebpfdma-send: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'ebpfdma-send --help'.\n");
	va_end(ap);
	exit(EXIT_USAGE);
}

/* A whole decimal number in [@min, @max], or a usage error naming @what. */
static unsigned long long ranged(const char *what, const char *s,
				 unsigned long long min,
				 unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < min ||
	    v > max)
		bad("%s: '%s' is not a whole number in %llu..%llu", what, s,
		    min, max);
	return v;
}

/* HOST, HOST:PORT, [V6], [V6]:PORT, or a bare IPv6 address. */
static void host_port(struct opts *o, const char *arg)
{
	char *h = strdup(arg), *colon, *rb;

	if (!h) {
		perror("ebpfdma-send");
		exit(1);
	}
	if (h[0] == '[') {
		rb = strchr(h, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			bad("'%s': an IPv6 receiver is [ADDRESS] or [ADDRESS]:PORT",
			    arg);
		*rb = 0;
		if (rb[1] == ':')
			o->port = ranged("port", rb + 2, 1, 65535);
		o->host = h + 1;
		return;
	}
	colon = strrchr(h, ':');
	if (colon && strchr(h, ':') == colon) { /* one colon: HOST:PORT */
		*colon = 0;
		o->port = ranged("port", colon + 1, 1, 65535);
	}
	if (!*h)
		bad("'%s': no host", arg);
	o->host = h;
}

void opts_parse(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "window", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'F' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "resume", no_argument, NULL, 'R' },
		{ "offset", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'N' },
		{ "cc", required_argument, NULL, 'C' },
		{ "fua", no_argument, NULL, 'f' },
		{ "no-gso", no_argument, NULL, 'G' },
		{ "no-ecn", no_argument, NULL, 'E' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	char *end;
	int c;

	*o = (struct opts){
		.port = EBPFDMA_WIRE_PORT, .gso = true, .ecn = true,
		.timeout_s = 30, .file = "-", .cc = CC_BBR,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longs, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key_file = optarg;
			break;
		case 'b':
			o->block_size = ranged("--block-size", optarg, 512,
					       1U << 20);
			break;
		case 'w':
			o->window = ranged("--window", optarg, 1, 1U << 20);
			break;
		case 'F':
			o->flows = ranged("--flows", optarg, 1,
					  EBPFDMA_WIRE2_FLOWS_MAX);
			break;
		case 'r':
			errno = 0;
			o->rate = strtod(optarg, &end);
			if (!*optarg || *end || errno || !isfinite(o->rate) ||
			    o->rate <= 0)
				bad("--rate: '%s' is not a positive number of MiB/s",
				    optarg);
			break;
		case 't':
			o->timeout_s = ranged("--timeout", optarg, 1, 86400);
			break;
		case 's':
			o->source = optarg;
			break;
		case 'R':
			o->resume = true;
			break;
		case 'o':
			o->offset = ranged("--offset", optarg, 0, 1ULL << 48);
			break;
		case 'N':
			if (!*optarg || strlen(optarg) > EBPFDMA_WIRE2_NAME_MAX ||
			    strchr(optarg, '/'))
				bad("--name: '%s' is not a file name of 1..%u bytes without '/'",
				    optarg, EBPFDMA_WIRE2_NAME_MAX);
			o->name = optarg;
			break;
		case 'C':
			if (!strcmp(optarg, "newreno"))
				o->cc = CC_NEWRENO;
			else if (!strcmp(optarg, "bbr"))
				o->cc = CC_BBR;
			else
				bad("--cc: '%s' is not newreno or bbr", optarg);
			break;
		case 'f':
			o->fua = true;
			break;
		case 'G':
			o->gso = false;
			break;
		case 'E':
			o->ecn = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("ebpfdma-send %s (wire version %u)\n",
			       EBPFDMA_VERSION, EBPFDMA_WIRE2_VERSION);
			exit(0);
		case ':':
			bad("option '%s' needs a value", argv[optind - 1]);
		default:
			bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		bad("HOST[:PORT] and VOLUME are needed");
	if (!o->key_file)
		bad("--key-file PATH is required: the volume's secret, as the receiver's key_file (ebpfdmactl genkey PATH makes one)");
	host_port(o, argv[optind]);
	o->volume = ranged("VOLUME", argv[optind + 1], 0, 63);
	o->files = argv + optind + 2;
	o->nr_files = argc - optind - 2;
	if (o->nr_files)
		o->file = o->files[0];
	if (o->nr_files > 1 && o->name)
		bad("--name names one file: %u are given (each is stored under its base name)",
		    o->nr_files);
	for (unsigned int i = 0; o->nr_files > 1 && i < o->nr_files; i++)
		if (!strcmp(o->files[i], "-"))
			bad("standard input ('-') is sent alone, with --name");
}

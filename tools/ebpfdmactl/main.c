// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl: attach the XDP receive program, manage volumes, show status,
 * and serve (the storage node's daemon).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#ifndef EBPFDMA_VERSION
#define EBPFDMA_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: ebpfdmactl COMMAND [ARGS]   (ebpfdmactl COMMAND --help: its options)\n"
	"\n"
	"  serve CONFIG        the storage node's daemon: attach, volumes, sessions,\n"
	"                      durable acknowledgements, metrics\n"
	"  genkey FILE         a new 256-bit volume key in FILE (mode 0600)\n"
	"  ls [--verify] DIRECTORY | ls [--verify] --config CONFIG STORE-ID\n"
	"                      a file store's files: name, bytes, digest, time\n"
	"  volume read ID [--state-dir DIR] [--output FILE]\n"
	"                      the volume's last committed transfer, checked\n"
	"  volume add ID DEVICE --blocks N [--start N] [--flags fua,flush_on_commit]\n"
	"  volume del ID\n"
	"  volume list\n"
	"  status [--json]     the pool, the volumes and the XDP program's counters\n"
	"  attach IFACE [--generic] [--port N] [--full-policy drop|pass] [--peer ADDR]...\n"
	"  detach IFACE [--generic]\n"
	"  --help, --version\n"
	"\n"
	"Exit status: 0 done; 1 the system refused or failed (no module or device,\n"
	"an ioctl, I/O); 2 a usage error; 3 serve's configuration or a key file is\n"
	"not usable; 4 data differs from what was committed (ls --verify, volume\n"
	"read).\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "attach", cmd_attach }, { "detach", cmd_detach },
		{ "volume", cmd_volume }, { "status", cmd_status },
		{ "serve", cmd_serve }, { "genkey", cmd_genkey },
		{ "ls", cmd_ls },
	};
	unsigned int i;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return CTL_EXIT_USAGE;
	}
	if (argc > 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "--version"))) {
		fprintf(stderr,
			"ebpfdmactl: %s takes no operand\nTry 'ebpfdmactl --help'.\n",
			argv[1]);
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help"))
		return ctl_help(usage_text);
	if (!strcmp(argv[1], "--version")) {
		printf("ebpfdmactl %s\n", EBPFDMA_VERSION);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr,
		"ebpfdmactl: unknown %s '%s'\nTry 'ebpfdmactl --help'.\n",
		argv[1][0] == '-' ? "option" : "command", argv[1]);
	return CTL_EXIT_USAGE;
}

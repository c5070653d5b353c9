// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl: attach the XDP receive program, manage volumes, show status,
 * and serve (the storage node's daemon).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ebpfdmactl COMMAND [ARGS]\n"
		"  attach IFACE [--generic] [--port N] [--full-policy drop|pass] [--peer ADDR]...\n"
		"  detach IFACE [--generic]\n"
		"  volume add ID DEVICE --start N --blocks N [--flags fua,flush_on_commit]\n"
		"  volume del ID\n"
		"  volume list\n"
		"  volume read ID [--state-dir DIR] [--output FILE]\n"
		"                      the volume's last committed transfer, checked\n"
		"  ls [--verify] DIRECTORY | ls [--verify] --config CONFIG STORE-ID\n"
		"                      a file store's files: name, bytes, digest, time\n"
		"  status [--json]\n"
		"  serve CONFIG\n"
		"  genkey FILE         a new 256-bit volume key in FILE (mode 0600)\n");
}

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

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "ebpfdmactl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

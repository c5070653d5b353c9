// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl genkey FILE: make a volume's 256-bit secret, a key file of
 * mode 0600 (tools/lib/keyfile.c) for serve's key_file and the sender's
 * --key-file.  An existing file is never replaced.
 */
#include <stdio.h>
#include <sodium.h>

#include "ctl.h"
#include "tools/lib/keyfile.h"

int cmd_genkey(int argc, char **argv)
{
	char err[256];
	int ret;

	ret = ctl_no_options(argc, argv, "genkey",
			     "usage: ebpfdmactl genkey FILE\n"
			     "Write a new random 256-bit volume key to FILE, created with mode\n"
			     "0600 (an existing FILE is not replaced).  Give the same file to\n"
			     "serve (key_file =) and to the senders (ebpfdma-send's key file).\n",
			     1, 1);
	if (ret >= 0)
		return ret;
	if (sodium_init() < 0) {
		fprintf(stderr, "ebpfdmactl: libsodium cannot start\n");
		return 1;
	}
	if (edma_key_generate(argv[optind], err, sizeof(err))) {
		fprintf(stderr, "ebpfdmactl: %s\n", err);
		return 1;
	}
	return 0;
}

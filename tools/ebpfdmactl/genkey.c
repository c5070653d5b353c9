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

	if (argc != 1) {
		fprintf(stderr, "usage: ebpfdmactl genkey FILE\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "ebpfdmactl: libsodium cannot start\n");
		return 1;
	}
	if (edma_key_generate(argv[0], err, sizeof(err))) {
		fprintf(stderr, "ebpfdmactl: %s\n", err);
		return 1;
	}
	return 0;
}

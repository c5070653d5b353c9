// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl ls [--verify] DIRECTORY | ls [--verify] --config CONFIG ID:
 * the files of a file store, one line each: name, bytes, the BLAKE2b-256
 * the sender committed (store.h's extended attribute; "-" for a file the
 * store did not write), and the time it was last written (UTC).  Files
 * still being written (NAME.partial) are not listed.  --verify reads each
 * file and says whether its bytes still have that digest: exit 4 if one
 * does not (or has none), 1 if one cannot be read.  The files themselves are plain files: read
 * them as any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "ctl.h"
#include "store.h"

struct ls_state {
	int dirfd;
	bool verify;
	unsigned int files, bad, unreadable;
};

/* The BLAKE2b-256 of @name's bytes; 0 or -1. */
static int file_digest(int dirfd, const char *name,
		       uint8_t digest[STORE_DIGEST_LEN])
{
	crypto_generichash_state h;
	static uint8_t buf[1 << 20];
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	crypto_generichash_init(&h, NULL, 0, STORE_DIGEST_LEN);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&h, buf, n);
	close(fd);
	if (n < 0)
		return -1;
	crypto_generichash_final(&h, digest, STORE_DIGEST_LEN);
	return 0;
}

static int ls_one(const struct store_entry *e, void *arg)
{
	struct ls_state *ls = arg;
	char hex[2 * STORE_DIGEST_LEN + 1] = "-", when[32];
	uint8_t got[STORE_DIGEST_LEN];
	time_t t = e->mtime;
	struct tm tm;

	if (e->has_digest)
		sodium_bin2hex(hex, sizeof(hex), e->digest, STORE_DIGEST_LEN);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\t%llu\t%s\t%s", e->name, (unsigned long long)e->bytes, hex,
	       when);
	ls->files++;
	if (ls->verify) {
		const char *v = "ok";

		if (!e->has_digest) {
			v = "NO-DIGEST";
			ls->bad++;
		} else if (file_digest(ls->dirfd, e->name, got)) {
			v = "UNREADABLE";
			ls->unreadable++;
		} else if (sodium_memcmp(got, e->digest, STORE_DIGEST_LEN)) {
			v = "MISMATCH";
			ls->bad++;
		}
		printf("\t%s", v);
	}
	printf("\n");
	return 0;
}

/* The directory of store @id in the serve configuration @config. */
static const char *store_dir(const char *config, uint64_t id,
			     struct ctl_config *c)
{
	char err[512];
	unsigned int i;

	if (ctl_config_load(config, c, err, sizeof(err))) {
		fprintf(stderr, "ebpfdmactl ls: %s\n", err);
		return NULL;
	}
	for (i = 0; i < c->nr_vols; i++)
		if (c->vols[i].id == id && c->vols[i].store)
			return c->vols[i].dev;
	fprintf(stderr, "ebpfdmactl ls: %s configures no store %llu\n", config,
		(unsigned long long)id);
	return NULL;
}

int cmd_ls(int argc, char **argv)
{
	static struct ctl_config c;
	struct ls_state ls = { 0 };
	static const struct option lo[] = {
		{ "verify", no_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config = NULL, *dir;
	uint64_t id;
	int o, ret;

	while ((o = ctl_getopt(argc, argv, "ls", lo)) != -1) {
		if (o == 'v')
			ls.verify = true;
		else if (o == 'c')
			config = optarg;
		else if (o == 'h')
			return ctl_help(
				"usage: ebpfdmactl ls [--verify] DIRECTORY\n"
				"       ebpfdmactl ls [--verify] --config CONFIG STORE-ID\n"
				"A file store's files, one a line: name, bytes, the BLAKE2b-256\n"
				"committed with it (as b2sum -l 256 prints it), when it was written.\n"
				"  --verify         reread each file and compare (MISMATCH if it changed)\n"
				"  --config CONFIG  the store is STORE-ID of serve's CONFIG\n"
				"Exit status: 0 listed (and verified); 1 the directory cannot be\n"
				"read; 2 a usage error; 3 CONFIG is not usable; 4 a file's bytes\n"
				"differ from what was committed (MISMATCH) or it has no committed\n"
				"digest (NO-DIGEST: the store did not write it).\n");
		else
			return CTL_EXIT_USAGE;
	}
	ret = ctl_operands("ls", argc - optind, 1, 1);
	if (ret)
		return ret;
	if (config && ctl_number("ls", "store id", argv[optind], 0,
				 EBPFDMA_MAX_VOLUMES - 1, &id))
		return CTL_EXIT_USAGE;
	dir = config ? store_dir(config, id, &c) : argv[optind];
	if (!dir)
		return CTL_EXIT_CONFIG;
	if (sodium_init() < 0)
		return CTL_EXIT_FAILED;
	ls.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ls.dirfd < 0) {
		fprintf(stderr, "ebpfdmactl ls: %s: %s\n", dir, strerror(errno));
		return CTL_EXIT_FAILED;
	}
	printf("name\tbytes\tblake2b-256\twritten%s\n",
	       ls.verify ? "\tverified" : "");
	ret = store_list(ls.dirfd, ls_one, &ls);
	close(ls.dirfd);
	if (ret) {
		fprintf(stderr, "ebpfdmactl ls: %s: %s\n", dir, strerror(-ret));
		return 1;
	}
	return ls.unreadable ? CTL_EXIT_FAILED :
	       ls.bad	     ? CTL_EXIT_MISMATCH :
			       CTL_EXIT_OK;
}

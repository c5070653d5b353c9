// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl ls [--verify] DIRECTORY | ls [--verify] --config CONFIG ID:
 * the files of a file store, one line each: name, bytes, the BLAKE2b-256
 * the sender committed (store.h's extended attribute; "-" for a file the
 * store did not write), and the time it was last written (UTC).  Files
 * still being written (NAME.partial) are not listed.  --verify reads each
 * file and says whether its bytes still have that digest: exit 1 if one
 * does not (or has none).  The files themselves are plain files: read
 * them as any other.
 */
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
	unsigned int files, bad;
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
		bool ok = e->has_digest &&
			  !file_digest(ls->dirfd, e->name, got) &&
			  !sodium_memcmp(got, e->digest, STORE_DIGEST_LEN);

		printf("\t%s", ok ? "ok" : !e->has_digest ? "NO-DIGEST" :
								 "MISMATCH");
		ls->bad += !ok;
	}
	printf("\n");
	return 0;
}

/* The directory of store @id in the serve configuration @config. */
static const char *store_dir(const char *config, const char *id_text,
			     struct ctl_config *c)
{
	char err[512], *end;
	unsigned long id;
	unsigned int i;

	if (ctl_config_load(config, c, err, sizeof(err))) {
		fprintf(stderr, "ebpfdmactl ls: %s\n", err);
		return NULL;
	}
	id = strtoul(id_text, &end, 10);
	for (i = 0; *id_text && !*end && i < c->nr_vols; i++)
		if (c->vols[i].id == id && c->vols[i].store)
			return c->vols[i].dev;
	fprintf(stderr, "ebpfdmactl ls: %s configures no store %s\n", config,
		id_text);
	return NULL;
}

int cmd_ls(int argc, char **argv)
{
	static struct ctl_config c;
	struct ls_state ls = { 0 };
	const char *config = NULL, *dir;
	int i, ret;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--verify"))
			ls.verify = true;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else
			break;
	}
	if (argc - i != 1) {
		fprintf(stderr,
			"usage: ebpfdmactl ls [--verify] DIRECTORY\n"
			"       ebpfdmactl ls [--verify] --config CONFIG STORE-ID\n");
		return 2;
	}
	dir = config ? store_dir(config, argv[i], &c) : argv[i];
	if (!dir)
		return 2;
	if (sodium_init() < 0)
		return 1;
	ls.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ls.dirfd < 0) {
		perror(dir);
		return 1;
	}
	printf("name\tbytes\tblake2b-256\twritten%s\n",
	       ls.verify ? "\tverified" : "");
	ret = store_list(ls.dirfd, ls_one, &ls);
	close(ls.dirfd);
	if (ret) {
		fprintf(stderr, "ebpfdmactl ls: %s: %s\n", dir, strerror(-ret));
		return 1;
	}
	return ls.bad ? 1 : 0;
}

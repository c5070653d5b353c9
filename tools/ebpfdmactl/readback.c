// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl volume read ID [--state-dir DIR] [--output FILE]: what a
 * volume's last commit recorded (record.h), read back from its device or
 * file to standard output (or FILE), exactly its bytes, and checked
 * against the digest the sender committed: exit 0 only when they match.
 * The device is read with O_DIRECT, past any page cache of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "ctl.h"
#include "record.h"

#define CHUNK (1U << 20)
#define ALIGN 4096U

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

/* Copy @r's bytes from @in to @out, hashing them into @digest.  0 or -errno. */
static int copy_out(int in, int out, const struct commit_record *r,
		    uint8_t digest[EBPFDMA_WIRE2_DIGEST_LEN])
{
	uint64_t at = r->offset / ALIGN * ALIGN, left = r->length;
	uint32_t skip = r->offset - at;
	crypto_generichash_state h;
	uint8_t *buf;
	ssize_t n;
	int ret = 0;

	if (posix_memalign((void **)&buf, ALIGN, CHUNK))
		return -ENOMEM;
	crypto_generichash_init(&h, NULL, 0, EBPFDMA_WIRE2_DIGEST_LEN);
	while (left) {
		uint64_t take;

		n = pread(in, buf, CHUNK, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if ((uint64_t)n <= skip) {
			ret = -ENODATA; /* the device ends before the record */
			break;
		}
		take = (uint64_t)n - skip < left ? (uint64_t)n - skip : left;
		crypto_generichash_update(&h, buf + skip, take);
		ret = write_all(out, buf + skip, take);
		if (ret)
			break;
		left -= take;
		/* A short read is the end: the device ends before the record. */
		if (left && n < CHUNK) {
			ret = -ENODATA;
			break;
		}
		at += n;
		skip = 0;
	}
	crypto_generichash_final(&h, digest, EBPFDMA_WIRE2_DIGEST_LEN);
	free(buf);
	return ret;
}

int volume_read(int argc, char **argv)
{
	const char *dir = NULL, *output = NULL;
	char tmp[4096], when[64];
	uint8_t digest[EBPFDMA_WIRE2_DIGEST_LEN];
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct commit_record r;
	int o, in, out = STDOUT_FILENO, ret;
	time_t t;
	uint64_t id;

	while ((o = ctl_getopt(argc, argv, "volume read", lo)) != -1) {
		if (o == 's')
			dir = optarg;
		else if (o == 'o')
			output = optarg;
		else if (o == 'h')
			return ctl_help("usage: ebpfdmactl volume read ID [--state-dir DIR] [--output FILE]\n"
					"Write volume ID's last committed transfer, exactly the bytes\n"
					"committed, to FILE, made whole and only once their BLAKE2b-256 is\n"
					"the one committed; or streamed to standard output, exiting 4 after\n"
					"them if it is not.  Commit records are in DIR (default: serve's,\n"
					"$STATE_DIRECTORY or /var/lib/ebpfdma).\n"
					"Exit status: 0 written; 1 no record, or the device or output\n"
					"failed; 2 a usage error; 4 the bytes changed since their commit.\n");
		else
			return CTL_EXIT_USAGE;
	}
	ret = ctl_operands("volume read", argc - optind, 1, 1);
	if (ret)
		return ret;
	if (ctl_number("volume read", "volume id", argv[optind], 0,
		       EBPFDMA_MAX_VOLUMES - 1, &id))
		return CTL_EXIT_USAGE;
	dir = record_dir(dir);
	ret = record_read(dir, id, &r);
	if (ret) {
		fprintf(stderr, "ebpfdmactl volume read: volume %llu: %s\n",
			(unsigned long long)id,
			ret == -ENOENT ?
				"no commit recorded (nothing committed to it yet, or serve's state_dir is another: --state-dir DIR)" :
			ret == -EINVAL ? "its commit record is not one this version reads" :
					 strerror(-ret));
		return 1;
	}
	if (sodium_init() < 0)
		return 1;
	in = open(r.device, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (in < 0 && errno == EINVAL) /* no direct I/O there */
		in = open(r.device, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "ebpfdmactl volume read: %s: %s\n", r.device,
			strerror(errno));
		return 1;
	}
	if (output) {
		snprintf(tmp, sizeof(tmp), "%s.partial", output);
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			fprintf(stderr, "ebpfdmactl volume read: %s: %s\n",
				tmp, strerror(errno));
			close(in);
			return 1;
		}
	}
	ret = copy_out(in, out, &r, digest);
	close(in);
	if (!ret && sodium_memcmp(digest, r.digest, sizeof(digest)))
		ret = -EBADMSG;
	if (output) {
		if (!ret && fsync(out))
			ret = -errno;
		if (close(out) && !ret)
			ret = -errno;
		if (!ret && rename(tmp, output))
			ret = -errno;
		if (ret)
			unlink(tmp);
	}
	if (ret == -EBADMSG) {
		fprintf(stderr,
			"ebpfdmactl volume read: volume %llu: the %llu bytes at byte %llu of %s are not what was committed (their BLAKE2b-256 differs): they changed since%s\n",
			(unsigned long long)id, (unsigned long long)r.length,
			(unsigned long long)r.offset, r.device,
			output ? "; nothing written" : "");
		return CTL_EXIT_MISMATCH;
	}
	if (ret) {
		fprintf(stderr, "ebpfdmactl volume read: %s: %s\n",
			ret == -ENODATA ? r.device : output ? output : "output",
			ret == -ENODATA ? "it ends before the committed bytes" :
					  strerror(-ret));
		return 1;
	}
	t = r.time;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	fprintf(stderr,
		"ebpfdmactl volume read: volume %llu: %llu bytes committed %s from %s, BLAKE2b-256 checked\n",
		(unsigned long long)id, (unsigned long long)r.length, when,
		r.peer[0] ? r.peer : "?");
	return 0;
}

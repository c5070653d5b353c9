// SPDX-License-Identifier: GPL-2.0
/*
 * seeds DIR: write each fuzz target's seed corpus under DIR/<target>/,
 * built with the same functions and shapes as the tests' own datagrams
 * (tools/testing/unit/wire2_test.c, selftests/session_test.c): DATA of
 * each protection and of the boundary lengths, ACKs with no range to the
 * most, COMMITs of both forms, HELLOs with and without a file name,
 * granting and refusing WELCOMEs, the names and configuration files the
 * tests use. Every datagram is sealed under FUZZ_KEY (fuzz.h).
 */
#include <errno.h>
#include <sys/stat.h>

#include "tools/fuzz/fuzz.h"
#include "tools/lib/control.h"
#include "tools/lib/handshake.h"

static const char *dir;

static void put(const char *target, const char *name, const void *a,
		size_t alen, const void *b, size_t blen)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) && errno != EEXIST)
		abort();
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen ||
	    (blen && fwrite(b, 1, blen, f) != blen) || fclose(f))
		abort();
}

/* A datagram seed: as it came, and again to be sealed by the target. */
static void put_dgram(const char *target, const char *name, uint32_t protect,
		      const uint8_t *dgram, size_t n)
{
	char sealed[256];
	uint8_t mode;

	mode = FUZZ_MODE(0, protect);
	put(target, name, &mode, 1, dgram, n);
	mode = FUZZ_MODE(FUZZ_SEAL, protect);
	snprintf(sealed, sizeof(sealed), "%s-sealed", name);
	put(target, sealed, &mode, 1, dgram, n);
}

static uint8_t *be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	while (bytes--)
		*p++ = v >> (8 * bytes);
	return p;
}

/*
 * kwire_fuzz's session and script: a transfer of 2.5 blocks of @bs bytes
 * in a window of 4096 sectors, placed in order with one duplicate, one
 * failed write placed again, one index past the end, a length given
 * outright (512: wrong but for 512-byte blocks), a block's length where
 * the last's is due, then time passing across the jiffies wrap past the
 * idle limit, and a check that finds the session expired.
 */
static size_t script(uint8_t *p, uint32_t bs)
{
	static const uint8_t ops[] = {
		0x22, 0, 0, 0x22, 0, 0, 0x22, 0, 1, 0x10, 0, 1, 0x22, 0, 1,
		0x20, 0, 2, 0x22, 0, 9, 0x26, 0, 2, 0, 0, 2, 0, 0x20, 0, 0,
		0x01, 0, 0, 0x01, 0, 0, 0x01, 0, 0, 0x01, 0, 0, 0x22, 0, 2,
	};
	uint8_t *q = p;

	q = be(q, 0, 1); /* 512-byte sectors */
	q = be(q, bs < 512 ? 512 : bs, 4);
	q = be(q, 8, 8); /* lba */
	q = be(q, 2 * (bs < 512 ? 512 : bs) + 512, 8); /* length */
	q = be(q, 4096, 8); /* window */
	q = be(q, 5, 1); /* 16 KiB slots */
	q = be(q, 0, 1);
	q = be(q, 2, 1); /* idle: two ticks */
	q = be(q, 1, 1); /* jiffies just before the wrap */
	memcpy(q, ops, sizeof(ops));
	return q + sizeof(ops) - p;
}

static void data_seeds(void)
{
	static const uint32_t lens[] = { 1, 512, 4096, 8192 };
	static const char *const names[] = { "aead", "mac", "crc" };
	static uint8_t body[8192], dgram[8192 + 64], kw[8192 + 64 + 128];
	unsigned int p, i;
	char name[64];

	for (i = 0; i < sizeof(body); i++)
		body[i] = i * 7 + 3;
	for (p = 0; p <= EBPFDMA_PROTECT_MAX; p++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct edma_wire2 w = {
				.type = EBPFDMA_WIRE2_DATA,
				.flags = i & 1 ? EBPFDMA_WIRE2_F_ALL : 0,
				.session = 0x5e55000000000001ULL + i,
				.counter = 1 + i, .len = lens[i], .index = i,
			};
			size_t n = edma_wire2_seal(dgram, &w, body, p, FUZZ_KEY);

			snprintf(name, sizeof(name), "data-%s-%u", names[p],
				 lens[i]);
			put_dgram("wire2", name, p, dgram, n);
			/* kwire: length, the payload, a session script. */
			kw[0] = n >> 8;
			kw[1] = n;
			memcpy(kw + 2, dgram, n);
			n = 2 + n + script(kw + 2 + n, lens[i]);
			put("kwire", name, kw, n, NULL, 0);
		}
}

static void control_seeds(void)
{
	static uint8_t dgram[EDMA_ACK2_MAX];
	struct edma_commit2 c = { .blocks = 9 };
	struct edma_ack2 a = { .counter = 3, .durable = 4, .credit = 64 };
	unsigned int p, i;
	char name[64];
	size_t n;

	for (p = 0; p <= EBPFDMA_PROTECT_MAC; p++) {
		for (i = 0; i <= EBPFDMA_WIRE2_ACK_RANGES_MAX;
		     i = i ? i * 2 : 1) {
			unsigned int r;

			a.nr_ranges = i > EBPFDMA_WIRE2_ACK_RANGES_MAX ?
					      EBPFDMA_WIRE2_ACK_RANGES_MAX : i;
			for (r = 0; r < a.nr_ranges; r++) {
				a.ranges[r][0] = 6 + 3 * r;
				a.ranges[r][1] = 7 + 3 * r;
			}
			a.flags = i ? 0 : EBPFDMA_WIRE2_ACK_COMPLETE;
			n = edma_ack2_build(dgram, 0x5e55, &a, p, FUZZ_KEY);
			snprintf(name, sizeof(name), "ack-%u-%u", p, i);
			put_dgram("control", name, p, dgram, n);
		}
		c.last = false;
		n = edma_commit2_build(dgram, 0x5e55, 77, &c, p, FUZZ_KEY);
		snprintf(name, sizeof(name), "commit-%u", p);
		put_dgram("control", name, p, dgram, n);
		c.last = true;
		c.lba = 8;
		c.length = 40960;
		memset(c.digest, 0xd1, sizeof(c.digest));
		n = edma_commit2_build(dgram, 0x5e55, 78, &c, p, FUZZ_KEY);
		snprintf(name, sizeof(name), "commit-last-%u", p);
		put_dgram("control", name, p, dgram, n);
	}
}

static void handshake_seeds(void)
{
	static uint8_t dgram[EDMA_HELLO_MAX];
	struct edma_hello h = {
		.volume = 3, .block_size = 4096, .lba = 0, .length = 1 << 20,
		.transfer = 0x7a,
	};
	struct edma_welcome w = {
		.session = 0x5e55, .status = EBPFDMA_WIRE2_OK,
		.protect = EBPFDMA_PROTECT_AEAD, .credit = 64,
		.max_block = 8192, .unit = 512, .flows = 2,
		.flags = EBPFDMA_WIRE2_WELCOME_STORE,
	};
	uint8_t m = EBPFDMA_PROTECT_MAC;
	size_t n;

	memset(h.nonce, 0x4e, sizeof(h.nonce));
	n = edma_hello_build(dgram, &h, FUZZ_KEY);
	put_dgram("handshake", "hello", m, dgram, n);
	strcpy(h.name, "results-2026-12.tar");
	n = edma_hello_build(dgram, &h, FUZZ_KEY);
	put_dgram("handshake", "hello-name", m, dgram, n);
	memset(h.name, 'x', EBPFDMA_WIRE2_NAME_MAX);
	h.name[EBPFDMA_WIRE2_NAME_MAX] = 0;
	n = edma_hello_build(dgram, &h, FUZZ_KEY);
	put_dgram("handshake", "hello-longest-name", m, dgram, n);
	memset(w.nonce_c, 0x4e, sizeof(w.nonce_c));
	memset(w.nonce_s, 0x53, sizeof(w.nonce_s));
	n = edma_welcome_build(dgram, &w, FUZZ_KEY);
	put_dgram("handshake", "welcome", m, dgram, n);
	w = (struct edma_welcome){ .status = EBPFDMA_WIRE2_E_BUSY };
	memset(w.nonce_c, 0x4e, sizeof(w.nonce_c));
	n = edma_welcome_build(dgram, &w, FUZZ_KEY);
	put_dgram("handshake", "welcome-refused", m, dgram, n);
}

static void name_seeds(void)
{
	static const char *const names[] = {
		"file.bin", "a", "results-2026-12.tar", "left.bin.partial",
		"..", ".hidden", "with space", "dir/file", "caf\xc3\xa9",
	};
	char longest[EBPFDMA_WIRE2_NAME_MAX + 1], name[16];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(name, sizeof(name), "name-%u", i);
		put("store_name", name, names[i], strlen(names[i]), NULL, 0);
	}
	memset(longest, 'n', sizeof(longest));
	put("store_name", "name-longest", longest, EBPFDMA_WIRE2_NAME_MAX,
	    NULL, 0);
	put("store_name", "name-too-long", longest, sizeof(longest), NULL, 0);
}

static void config_seeds(void)
{
	static const char files[] =
		"interface = veth-rx\nport = 7788\nmetrics = 127.0.0.1:9788\n"
		"peer = 10.11.0.1\nkey_file = /tmp/k\n"
		"store = 50 /tmp/edma-ext4/store quota=6M\n"
		"store = 51 /tmp/edma-xfs/store overwrite=yes\n"
		"idle_timeout = 10\n";
	static const char volumes[] =
		"interface = eth1 # the data network\nxdp = generic\n"
		"full_policy = pass\nprotect = mac\nstate_dir = /var/lib/x\nkey_file = /k\n"
		"peer = 10.0.0.0/8\npeer = fd00::/8\nlisten = ::1\n"
		"volume = 1 /dev/vdb start=0 blocks=2097152 flags=fua\n"
		"volume = 2 /tmp/a.bin start=8 blocks=64 protect=crc "
		"writers=shared key_file=/tmp/k2\n";

	put("config", "files", files, sizeof(files) - 1, NULL, 0);
	put("config", "volumes", volumes, sizeof(volumes) - 1, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	if ((mkdir(dir, 0755) && errno != EEXIST) || edma_wire2_init())
		return 1;
	data_seeds();
	control_seeds();
	handshake_seeds();
	name_seeds();
	config_seeds();
	return 0;
}

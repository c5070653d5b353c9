// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of tools/lib/wire2.c, the sender's and receiver's
 * side of wire version 2 datagrams: RFC 8439's AEAD known answer (A.5)
 * through libsodium with our nonce layout, the "mac" trailer against the
 * value the module's KUnit test expects too (kunit/crypto_test.c), CRC32C,
 * and for each protection: what is sealed opens, and a datagram with any
 * one bit flipped, a wrong key or a wrong length does not; key files
 * (tools/lib/keyfile.c): made 0600, read back, and refused with a message
 * when their group or others may read them, or they are not a key; the
 * handshake (tools/lib/handshake.c): its keys against Python's hashlib
 * BLAKE2b, HELLO and WELCOME round trips, and every forgery, bit flip,
 * wrong secret and stale answer refused; ACK and COMMIT
 * (tools/lib/control.c) for each protection: round trips, a "crc"
 * session's ACK authenticated all the same, forged, flipped, another
 * session's and malformed ones refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "kunit/rfc8439_a5.h"
#include "tools/lib/control.h"
#include "tools/lib/handshake.h"
#include "tools/lib/keyfile.h"
#include "tools/lib/wire2.h"
#include "tools/testing/selftests/tap.h"

/* RFC 8439, appendix A.5. */

static void rfc8439(void)
{
	uint8_t nonce[12], out[sizeof(rfc8439_a5_pt)], tag[16];
	static const uint8_t want_nonce[12] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned long long tlen;

	edma_wire2_nonce(nonce, RFC8439_A5_NONCE);
	tap_ok(!memcmp(nonce, want_nonce, 12),
	       "nonce of counter 0x0807060504030201 is RFC 8439 A.5's 000000000102030405060708");
	tap_ok(sizeof(rfc8439_a5_ct) == sizeof(rfc8439_a5_pt) + 16 &&
		       !crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			       out, NULL, rfc8439_a5_ct, sizeof(rfc8439_a5_pt),
			       rfc8439_a5_ct + sizeof(rfc8439_a5_pt), rfc8439_a5_ad, 12, nonce,
			       rfc8439_a5_key) &&
		       !memcmp(out, rfc8439_a5_pt, sizeof(rfc8439_a5_pt)),
	       "RFC 8439 A.5: the ciphertext opens to its plaintext");
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		out, tag, &tlen, rfc8439_a5_pt, sizeof(rfc8439_a5_pt), rfc8439_a5_ad, 12, NULL, nonce,
		rfc8439_a5_key);
	tap_ok(!memcmp(out, rfc8439_a5_ct, sizeof(rfc8439_a5_pt)) &&
		       !memcmp(tag, rfc8439_a5_ct + sizeof(rfc8439_a5_pt), 16),
	       "RFC 8439 A.5: the plaintext seals to its ciphertext and tag");
}

static void mac_vector(void)
{
	static const uint8_t want[16] = {
		0x7f, 0x46, 0xf0, 0x43, 0xd6, 0x3d, 0xfb, 0x3c,
		0x9b, 0x11, 0x02, 0xc8, 0x82, 0x4b, 0x63, 0x2c,
	};
	uint8_t key[32], msg[64], got[16];
	unsigned int i;

	for (i = 0; i < 64; i++)
		msg[i] = i;
	for (i = 0; i < 32; i++)
		key[i] = i;
	edma_wire2_mac(got, msg, 32, msg + 32, 32, key);
	tap_ok(!memcmp(got, want, 16),
	       "mac: keyed BLAKE2b-256 of 0..63 under key 0..31, first 16 bytes, is the module's KUnit vector");
	edma_wire2_mac(got, msg, 5, msg + 5, 59, key);
	tap_ok(!memcmp(got, want, 16), "mac: the same split anywhere");
}

static const char *const names[] = { "aead", "mac", "crc" };

static void round_trip(uint32_t protect)
{
	uint8_t key[32], body[600], d[700], c[700], other[32];
	struct edma_wire2 w = {
		.type = EBPFDMA_WIRE2_DATA, .session = 0x1122334455667788ULL,
		.counter = 9, .len = sizeof(body), .index = 3,
	}, got;
	unsigned int bit, opened = 0;
	size_t n;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(other, sizeof(other));
	randombytes_buf(body, sizeof(body));
	n = edma_wire2_seal(d, &w, body, protect, key);
	tap_ok(n == EBPFDMA_WIRE2_HDR_LEN + sizeof(body) + 16,
	       "%s: a sealed datagram is header, body and a 16-byte trailer",
	       names[protect]);
	tap_ok((protect == EBPFDMA_PROTECT_AEAD) ==
		       !!memcmp(d + EBPFDMA_WIRE2_HDR_LEN, body, sizeof(body)),
	       "%s: the body on the wire is %s", names[protect],
	       protect == EBPFDMA_PROTECT_AEAD ? "encrypted" : "in clear");
	memcpy(c, d, n);
	tap_ok(!edma_wire2_open(c, n, &got, protect, key) &&
		       !memcmp(c + EBPFDMA_WIRE2_HDR_LEN, body, sizeof(body)) &&
		       got.session == w.session && got.counter == w.counter &&
		       got.index == w.index && got.len == w.len &&
		       got.type == w.type,
	       "%s: it opens to the body and header it was sealed with",
	       names[protect]);
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(c, d, n);
		c[bit / 8] ^= 1 << (bit % 8);
		opened += !edma_wire2_open(c, n, &got, protect, key);
	}
	tap_ok(!opened, "%s: none of the %zu datagrams with one bit flipped opens (%u did)",
	       names[protect], n * 8, opened);
	memcpy(c, d, n);
	tap_ok(edma_wire2_open(c, n - 1, &got, protect, key) == -EINVAL,
	       "%s: a datagram one byte short: EINVAL", names[protect]);
	if (protect != EBPFDMA_PROTECT_CRC) {
		memcpy(c, d, n);
		tap_ok(edma_wire2_open(c, n, &got, protect, other) == -EBADMSG,
		       "%s: under another key: EBADMSG", names[protect]);
	}
}

/* Write @text to @path with @mode. */
static void put(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) || chmod(path, mode)) {
		perror(path);
		exit(2);
	}
}

static void key_refused(const char *desc, const char *path, const char *want)
{
	uint8_t key[EDMA_KEY_LEN];
	char err[256] = "";

	if (!tap_ok(edma_key_load(path, key, err, sizeof(err)) == -1 &&
			    strstr(err, want),
		    "key file %s: refused, saying \"%s\"", desc, want))
		printf("# message: %s\n", err);
}

static void keyfiles(void)
{
	static const char hex[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	char dir[] = "/tmp/edma-keyXXXXXX", path[64], err[256];
	uint8_t key[EDMA_KEY_LEN], again[EDMA_KEY_LEN];
	struct stat st;
	unsigned int i;
	int ok = 1;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/k", dir);
	tap_ok(!edma_key_generate(path, err, sizeof(err)) && !stat(path, &st) &&
		       (st.st_mode & 0777) == 0600 && st.st_size == 65,
	       "key file: a generated key is 0600, 64 digits and a newline");
	tap_ok(!edma_key_load(path, key, err, sizeof(err)) &&
		       !edma_key_load(path, again, err, sizeof(err)) &&
		       !memcmp(key, again, sizeof(key)),
	       "key file: a generated key loads, the same each time");
	tap_ok(edma_key_generate(path, err, sizeof(err)) == -1 &&
		       strstr(err, "File exists"),
	       "key file: generating over an existing one is refused");
	put(path, hex, 0400);
	tap_ok(!edma_key_load(path, key, err, sizeof(err)), "key file: 0400, no newline, loads");
	for (i = 0; i < EDMA_KEY_LEN; i++)
		ok &= key[i] == i;
	tap_ok(ok, "key file: its bytes are the digits' (00 01 .. 1f)");
	put(path, hex, 0644);
	key_refused("0644", path, "accessible to its group or others (mode 0644): chmod 600");
	put(path, hex, 0640);
	key_refused("0640", path, "(mode 0640)");
	put(path, hex, 0602);
	key_refused("0602", path, "(mode 0602)");
	put(path, hex + 2, 0600);
	key_refused("of 62 digits", path, "must hold 64 hexadecimal digits");
	put(path, "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
	key_refused("with a non-digit", path, "must hold 64 hexadecimal digits");
	put(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00\n", 0600);
	key_refused("of 66 digits", path, "must hold 64 hexadecimal digits");
	put(path, hex, 0600);
	if (geteuid() == 0 && !chown(path, 4242, 4242))
		key_refused("of another user", path, "belongs to uid 4242");
	unlink(path);
	key_refused("that does not exist", path, "No such file or directory");
	key_refused("that is a directory", dir, "is not a regular file");
	rmdir(dir);
}

static int hex_is(const uint8_t *b, const char *hex)
{
	char h[2 * EBPFDMA_WIRE2_KEY_LEN + 1];

	sodium_bin2hex(h, sizeof(h), b, EBPFDMA_WIRE2_KEY_LEN);
	if (strcmp(h, hex))
		printf("# got %s\n", h);
	return !strcmp(h, hex);
}

/*
 * The key schedule for secret 00..1f, Nc 40..5f, Ns 60..7f, session
 * 0x0102030405060708: the values of Python's hashlib.blake2b(msg,
 * digest_size=32, key=secret, person=label padded to 16 bytes).
 */
static void key_schedule(void)
{
	uint8_t secret[32], nc[32], ns[32], k_hs[32];
	struct edma_keys k, k2;
	unsigned int i;

	for (i = 0; i < 32; i++) {
		secret[i] = i;
		nc[i] = 0x40 + i;
		ns[i] = 0x60 + i;
	}
	edma_hs_key(k_hs, secret);
	tap_ok(hex_is(k_hs, "f694f7caa1db603340013f62cfc503d6c2d4f3ee13df57d77dfb87c7f486b10c"),
	       "handshake key: BLAKE2b-256(key secret, person \"ebpfdma2 hello\"), as hashlib");
	edma_session_keys(&k, secret, nc, ns, 0x0102030405060708ULL);
	tap_ok(hex_is(k.data, "73056a77c6a1f57664888308257dcefa967debd9b11f9a93381754029973baa5"),
	       "data key: BLAKE2b-256(key secret, Nc || Ns || id, person \"ebpfdma2 data\"), as hashlib");
	tap_ok(hex_is(k.ack, "d768a7aac0fb05ab23e21927d1375ab4b205297946a8cad11bdda548fda249e4"),
	       "ack key: the same with person \"ebpfdma2 ack\", as hashlib");
	edma_session_keys(&k2, secret, nc, ns, 0x0102030405060709ULL);
	tap_ok(memcmp(k.data, k2.data, 32) && memcmp(k.ack, k2.ack, 32),
	       "another session id: other keys");
	ns[0] ^= 1;
	edma_session_keys(&k2, secret, nc, ns, 0x0102030405060708ULL);
	tap_ok(memcmp(k.data, k2.data, 32), "another receiver nonce: another data key");
	nc[31] ^= 1;
	ns[0] ^= 1;
	edma_session_keys(&k2, secret, nc, ns, 0x0102030405060708ULL);
	tap_ok(memcmp(k.data, k2.data, 32), "another sender nonce: another data key");
}

static void handshake(void)
{
	uint8_t secret[32], other[32], k_hs[32], k_other[32], d[512], c[512];
	struct edma_hello h = { .volume = 3, .block_size = 4096, .lba = 64,
				.length = 1 << 20,
				.transfer = 0x0123456789abcdefULL }, hg;
	struct edma_welcome w = { .session = 0xfeedfacecafebeefULL,
				  .status = EBPFDMA_WIRE2_OK,
				  .protect = EBPFDMA_PROTECT_AEAD,
				  .credit = 256, .max_block = 65536,
				  .unit = 4096 }, wg;
	unsigned int bit, accepted = 0;
	size_t n;

	randombytes_buf(secret, sizeof(secret));
	randombytes_buf(other, sizeof(other));
	edma_hs_key(k_hs, secret);
	edma_hs_key(k_other, other);
	randombytes_buf(h.nonce, sizeof(h.nonce));
	n = edma_hello_build(d, &h, k_hs);
	tap_ok(n == EDMA_HELLO_LEN && !edma_hello_parse(d, n, &hg, k_hs) &&
		       hg.volume == 3 && hg.block_size == 4096 &&
		       hg.lba == 64 && hg.length == 1 << 20 &&
		       hg.transfer == 0x0123456789abcdefULL &&
		       !memcmp(hg.nonce, h.nonce, 32),
	       "HELLO: built and parsed back (%zu bytes)", n);
	tap_ok(edma_hello_parse(d, n, &hg, k_other) == -EBADMSG,
	       "HELLO under another volume secret: EBADMSG");
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(c, d, n);
		c[bit / 8] ^= 1 << (bit % 8);
		accepted += !edma_hello_parse(c, n, &hg, k_hs);
	}
	tap_ok(!accepted, "HELLO: none of %zu one-bit flips is accepted", n * 8);
	tap_ok(edma_hello_parse(d, n - 1, &hg, k_hs) == -EINVAL,
	       "HELLO one byte short: EINVAL");
	tap_ok(!edma_hello_parse(d, n, &hg, k_hs) && !hg.name[0],
	       "HELLO without a name: parsed with an empty one");
	strcpy(h.name, "report 2026.tar");
	n = edma_hello_build(d, &h, k_hs);
	tap_ok(n == EDMA_HELLO_LEN + 15 && !edma_hello_parse(d, n, &hg, k_hs) &&
		       !strcmp(hg.name, "report 2026.tar") && hg.lba == 64,
	       "HELLO with a file name: built and parsed back (%zu bytes)", n);
	memset(h.name, 'n', EBPFDMA_WIRE2_NAME_MAX);
	h.name[EBPFDMA_WIRE2_NAME_MAX] = 0;
	n = edma_hello_build(d, &h, k_hs);
	tap_ok(n == EDMA_HELLO_MAX && !edma_hello_parse(d, n, &hg, k_hs) &&
		       strlen(hg.name) == EBPFDMA_WIRE2_NAME_MAX,
	       "HELLO with a name of %u bytes, the longest", EBPFDMA_WIRE2_NAME_MAX);
	{
		uint8_t body[sizeof(struct ebpfdma_wire2_hello) +
			     EBPFDMA_WIRE2_NAME_MAX + 1];
		struct edma_wire2 wh = { .type = EBPFDMA_WIRE2_HELLO };

		/* Sealed by hand: what edma_hello_build never makes. */
		memcpy(body, d + EBPFDMA_WIRE2_HDR_LEN, sizeof(body) - 1);
		body[sizeof(body) - 1] = 'n';
		wh.len = sizeof(body);
		n = edma_wire2_seal(c, &wh, body, EBPFDMA_PROTECT_MAC, k_hs);
		tap_ok(edma_hello_parse(c, n, &hg, k_hs) == -EINVAL,
		       "HELLO whose name is %u bytes (authentic): EINVAL",
		       EBPFDMA_WIRE2_NAME_MAX + 1);
		wh.len = sizeof(struct ebpfdma_wire2_hello) + 4;
		memcpy(body + sizeof(struct ebpfdma_wire2_hello), "a\0b", 4);
		n = edma_wire2_seal(c, &wh, body, EBPFDMA_PROTECT_MAC, k_hs);
		tap_ok(edma_hello_parse(c, n, &hg, k_hs) == -EINVAL,
		       "HELLO whose name holds a NUL (authentic): EINVAL");
	}
	h.name[0] = 0;

	memcpy(w.nonce_c, h.nonce, 32);
	randombytes_buf(w.nonce_s, sizeof(w.nonce_s));
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(n == EDMA_WELCOME_LEN &&
		       !edma_welcome_parse(d, n, &wg, h.nonce, k_hs) &&
		       wg.session == w.session && wg.status == 0 &&
		       wg.protect == EBPFDMA_PROTECT_AEAD && wg.credit == 256 &&
		       wg.max_block == 65536 && wg.unit == 4096 &&
		       !memcmp(wg.nonce_s, w.nonce_s, 32),
	       "WELCOME: built and parsed back (%zu bytes)", n);
	tap_ok(edma_welcome_parse(d, n, &wg, h.nonce, k_other) == -EBADMSG,
	       "WELCOME under another volume secret (a forged receiver): EBADMSG");
	w.flags = EBPFDMA_WIRE2_WELCOME_STORE;
	w.flows = 8;
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(!edma_welcome_parse(d, n, &wg, h.nonce, k_hs) &&
		       wg.flags == EBPFDMA_WIRE2_WELCOME_STORE && wg.flows == 8 &&
		       d[EBPFDMA_WIRE2_HDR_LEN + 20] == 0 &&
		       d[EBPFDMA_WIRE2_HDR_LEN + 21] == 1 &&
		       d[EBPFDMA_WIRE2_HDR_LEN + 23] == 8,
	       "WELCOME of a file store: its flag in the high half of the former 32-bit flows, flows in the low");
	w.flags = 0;
	w.flows = 0;
	n = edma_welcome_build(d, &w, k_hs);
	{
		uint8_t stale[32];

		randombytes_buf(stale, sizeof(stale));
		tap_ok(edma_welcome_parse(d, n, &wg, stale, k_hs) == -ESTALE,
		       "WELCOME answering another HELLO (a replay): ESTALE");
	}
	accepted = 0;
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(c, d, n);
		c[bit / 8] ^= 1 << (bit % 8);
		accepted += !edma_welcome_parse(c, n, &wg, h.nonce, k_hs);
	}
	tap_ok(!accepted, "WELCOME: none of %zu one-bit flips is accepted", n * 8);
	/* A HELLO is not a WELCOME, even under the right key. */
	n = edma_hello_build(d, &h, k_hs);
	tap_ok(edma_welcome_parse(d, n, &wg, h.nonce, k_hs) == -EINVAL,
	       "a HELLO given as a WELCOME: EINVAL");
	w.unit = 1000;
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(edma_welcome_parse(d, n, &wg, h.nonce, k_hs) == -EINVAL,
	       "a grant whose logical block size is not a power of two: EINVAL");
	w.unit = 0;
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(edma_welcome_parse(d, n, &wg, h.nonce, k_hs) == -EINVAL,
	       "a grant of logical blocks of 0 bytes (the sender divides by it): EINVAL");
	w.status = EBPFDMA_WIRE2_E_VOLUME;
	w.session = 0;
	memset(w.nonce_s, 0, sizeof(w.nonce_s));
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(!edma_welcome_parse(d, n, &wg, h.nonce, k_hs) &&
		       wg.status == EBPFDMA_WIRE2_E_VOLUME,
	       "a refusal (no such volume) is authenticated and parsed");
	w.session = 5;
	n = edma_welcome_build(d, &w, k_hs);
	tap_ok(edma_welcome_parse(d, n, &wg, h.nonce, k_hs) == -EINVAL,
	       "a refusal with a session id: EINVAL");
}

static void control(uint32_t protect)
{
	static const char *const names[] = { "aead", "mac", "crc" };
	uint8_t k[32], other[32], d[EDMA_ACK2_MAX], c[EDMA_ACK2_MAX];
	struct edma_ack2 a = { .counter = 7, .flags = EBPFDMA_WIRE2_ACK_COMPLETE,
			       .durable = 100, .credit = 512, .newest = 99,
			       .ack_delay_us = 1500, .nr_ranges = 2,
			       .ranges = { { 102, 110 }, { 200, 201 } } },
			 g;
	const char *pn = names[protect];
	unsigned int bit, accepted = 0;
	struct edma_commit2 cm = { .blocks = 1234 }, cg;
	struct ebpfdma_wire2_commit raw = { 0 };
	struct edma_wire2 hw = { .type = EBPFDMA_WIRE2_COMMIT, .session = 42,
				 .counter = 10, .len = sizeof(raw) };
	size_t n;

	randombytes_buf(k, sizeof(k));
	randombytes_buf(other, sizeof(other));
	n = edma_ack2_build(d, 42, &a, protect, k);
	tap_ok(n == EBPFDMA_WIRE2_HDR_LEN + 32 + 16 + EBPFDMA_WIRE2_TRAILER_LEN &&
		       !edma_ack2_parse(memcpy(c, d, n), n, 42, &g, protect, k) &&
		       g.counter == 7 && g.flags == a.flags &&
		       g.durable == 100 && g.credit == 512 && g.newest == 99 &&
		       g.ack_delay_us == 1500 && g.nr_ranges == 2 &&
		       g.ranges[0][0] == 102 && g.ranges[0][1] == 110 &&
		       g.ranges[1][0] == 200 && g.ranges[1][1] == 201,
	       "%s: ACK built and parsed back (%zu bytes)", pn, n);
	tap_ok(edma_ack2_parse(memcpy(c, d, n), n, 42, &g, protect, other) ==
		       -EBADMSG,
	       "%s: ACK under another key (forged): EBADMSG", pn);
	tap_ok(edma_ack2_parse(memcpy(c, d, n), n, 43, &g, protect, k) ==
		       -ENOENT,
	       "%s: ACK of another session: ENOENT", pn);
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(c, d, n);
		c[bit / 8] ^= 1 << (bit % 8);
		accepted += !edma_ack2_parse(c, n, 42, &g, protect, k);
	}
	tap_ok(!accepted, "%s: ACK: none of %zu one-bit flips is accepted", pn,
	       n * 8);
	/* Verified but malformed: ranges out of order, or at the mark. */
	a.ranges[1][0] = 105;
	n = edma_ack2_build(d, 42, &a, protect, k);
	tap_ok(edma_ack2_parse(d, n, 42, &g, protect, k) == -EINVAL,
	       "%s: ACK with overlapping ranges: EINVAL", pn);
	a.ranges[1][0] = 200;
	a.ranges[0][0] = 100;
	n = edma_ack2_build(d, 42, &a, protect, k);
	tap_ok(edma_ack2_parse(d, n, 42, &g, protect, k) == -EINVAL,
	       "%s: ACK with a range at its mark: EINVAL", pn);

	n = edma_commit2_build(d, 42, 9, &cm, protect, k);
	tap_ok(n == EDMA_COMMIT2_LEN &&
		       !edma_commit2_parse(memcpy(c, d, n), n, &cg, protect,
					   k) &&
		       cg.blocks == 1234 && !cg.last && !cg.length,
	       "%s: COMMIT built and parsed back", pn);
	cm.last = true;
	cm.lba = 1ULL << 40;
	cm.length = (1ULL << 33) + 5;
	memset(cm.digest, 0xa5, sizeof(cm.digest));
	n = edma_commit2_build(d, 42, 9, &cm, protect, k);
	tap_ok(!edma_commit2_parse(memcpy(c, d, n), n, &cg, protect, k) &&
		       cg.last && cg.lba == cm.lba && cg.length == cm.length &&
		       !memcmp(cg.digest, cm.digest, sizeof(cm.digest)),
	       "%s: the last COMMIT's record (lba, length, digest) parsed back",
	       pn);
	raw.blocks = htobe32(1234);
	raw.length = htobe64(4096);
	n = edma_wire2_seal(d, &hw, &raw, edma_control_protect(protect), k);
	tap_ok(edma_commit2_parse(memcpy(c, d, n), n, &cg, protect, k) ==
		       -EINVAL,
	       "%s: a COMMIT with a length but not the LAST flag: EINVAL", pn);
	raw.length = 0;
	hw.len = EDMA_COMMIT2_OLD_BODY;
	n = edma_wire2_seal(d, &hw, &raw, edma_control_protect(protect), k);
	tap_ok(!edma_commit2_parse(memcpy(c, d, n), n, &cg, protect, k) &&
		       cg.blocks == 1234 && !cg.last,
	       "%s: an older sender's 8-byte COMMIT: parsed, no record", pn);
	hw.len = sizeof(raw);
	raw.flags = htobe32(2);
	n = edma_wire2_seal(d, &hw, &raw, edma_control_protect(protect), k);
	tap_ok(edma_commit2_parse(memcpy(c, d, n), n, &cg, protect, k) ==
		       -EINVAL,
	       "%s: a COMMIT with an unknown flag: EINVAL", pn);
	if (protect == EBPFDMA_PROTECT_AEAD) {
		struct edma_commit2 r = { .last = true, .lba = 100,
					  .length = 786433 };

		/* 786433 bytes from lba 100: 1537 units of 512, the last short. */
		tap_ok(edma_commit2_fits(&r, 100, 786433, 512, 2048) &&
			       edma_commit2_fits(&r, 868, 393217, 512, 2048),
		       "COMMIT record: fits its one session, and a later one ending with it");
		tap_ok(edma_commit2_fits(&r, 100 + 1536, 0, 512, 2048),
		       "COMMIT record: fits the empty session at its end (lba: its end rounded down)");
		tap_ok(!edma_commit2_fits(&r, 100 + 1537, 0, 512, 2048) &&
			       !edma_commit2_fits(&r, 99, 786945, 512, 2048) &&
			       !edma_commit2_fits(&r, 868, 393216, 512, 2048) &&
			       !edma_commit2_fits(&r, 100, 786433, 512, 1636) &&
			       edma_commit2_fits(&r, 100, 786433, 512, 1637),
		       "COMMIT record: refused when it does not end where its session does, starts after it, or leaves the window");
	}
	n = edma_commit2_build(d, 42, 9, &cm, protect, k);
	tap_ok(edma_commit2_parse(memcpy(c, d, n), n, &cg, protect,
				  other) == -EBADMSG,
	       "%s: COMMIT under another key: EBADMSG", pn);
	accepted = 0;
	for (bit = 0; bit < n * 8; bit++) {
		memcpy(c, d, n);
		c[bit / 8] ^= 1 << (bit % 8);
		accepted += !edma_commit2_parse(c, n, &cg, protect, k);
	}
	tap_ok(!accepted, "%s: COMMIT: none of %zu one-bit flips is accepted",
	       pn, n * 8);
	if (protect == EBPFDMA_PROTECT_CRC) {
		/* Anyone can compute a CRC: a "crc" ACK is a "mac" one. */
		a.ranges[0][0] = 102;
		n = edma_ack2_build(d, 42, &a, protect, k);
		tap_ok(edma_ack2_parse(memcpy(c, d, n), n, 42, &g,
				       EBPFDMA_PROTECT_MAC, k) == 0,
		       "crc: an ACK is authenticated as mac is");
	}
}

int main(void)
{
	uint32_t p;

	tap_begin();
	if (sodium_init() < 0) {
		tap_ok(0, "sodium_init");
		return tap_done();
	}
	rfc8439();
	mac_vector();
	for (p = 0; p <= EBPFDMA_PROTECT_MAX; p++)
		round_trip(p);
	keyfiles();
	key_schedule();
	handshake();
	for (p = 0; p <= EBPFDMA_PROTECT_MAX; p++)
		control(p);
	return tap_done();
}

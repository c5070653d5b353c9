// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of tools/lib/wire2.c, the sender's and receiver's
 * side of wire version 2 datagrams: RFC 8439's AEAD known answer (A.5)
 * through libsodium with our nonce layout, the "mac" trailer against the
 * value the module's KUnit test expects too (kunit/crypto_test.c), CRC32C,
 * and for each protection: what is sealed opens, and a datagram with any
 * one bit flipped, a wrong key or a wrong length does not; key files
 * (tools/lib/keyfile.c): made 0600, read back, and refused with a message
 * when their group or others may read them, or they are not a key.
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
	return tap_done();
}

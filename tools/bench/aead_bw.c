// SPDX-License-Identifier: GPL-2.0
/*
 * aead_bw: what each protection of wire version 2 costs one core, in user
 * space with libsodium (and tools/lib/crc32c.c): opening messages of
 * --size bytes (verify, and decrypt for the AEADs) in a 64 MiB area, for
 * at least --ms milliseconds each, as a receiver opens them: one JSON line
 * per algorithm, MiB/s of body, and how many failed to verify (none may:
 * then it exits 1).  AES-256-GCM is measured where libsodium offers it
 * (it needs AES-NI and PCLMULQDQ); "aes256gcm" is then beside
 * ChaCha20-Poly1305, the one the module's kernel library has.  Meant for the host: under TCG the
 * SIMD these use is emulated.
 *
 *   aead_bw [--size N] [--ms N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "tools/lib/crc32c.h"

#define AREA (64U << 20)
#define TAG 16U

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

enum alg { CHACHA, AESGCM, BLAKE2B, CRC32C, NR_ALGS };
static const char *const names[NR_ALGS] = {
	"chacha20poly1305", "aes256gcm", "blake2b-mac", "crc32c",
};

static uint8_t key[32], hdr[32], nonce[12];

/* Seal message @m of @size bytes (in place for the AEADs), its tag at @tag. */
static void seal(enum alg a, uint8_t *m, uint64_t size, uint8_t *tag)
{
	crypto_generichash_state st;
	unsigned long long tl;
	uint32_t c;

	switch (a) {
	case CHACHA:
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			m, tag, &tl, m, size, hdr, sizeof(hdr), NULL, nonce, key);
		break;
	case AESGCM:
		crypto_aead_aes256gcm_encrypt_detached(m, tag, &tl, m, size, hdr,
						       sizeof(hdr), NULL, nonce,
						       key);
		break;
	case BLAKE2B:
		crypto_generichash_init(&st, key, sizeof(key), 32);
		crypto_generichash_update(&st, hdr, sizeof(hdr));
		crypto_generichash_update(&st, m, size);
		crypto_generichash_final(&st, tag, TAG);
		break;
	default:
		c = crc32c(crc32c(0, hdr, sizeof(hdr)), m, size);
		memset(tag, 0, TAG);
		memcpy(tag, &c, sizeof(c));
		break;
	}
}

/* Open it as a receiver does: 0 when it verifies. */
static int open_one(enum alg a, uint8_t *m, uint64_t size, const uint8_t *tag)
{
	uint8_t want[TAG];

	switch (a) {
	case CHACHA:
		return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			m, NULL, m, size, tag, hdr, sizeof(hdr), nonce, key);
	case AESGCM:
		return crypto_aead_aes256gcm_decrypt_detached(
			m, NULL, m, size, tag, hdr, sizeof(hdr), nonce, key);
	default:
		seal(a, m, size, want);
		return sodium_memcmp(want, tag, TAG);
	}
}

int main(int argc, char **argv)
{
	uint64_t size = 4096, ms = 1000, bytes, spent, t, n, i;
	uint8_t *area, *tags;
	unsigned int a;
	int arg, bad, failed = 0;

	for (arg = 1; arg + 1 < argc; arg += 2) {
		if (!strcmp(argv[arg], "--size"))
			size = strtoull(argv[arg + 1], NULL, 0);
		else if (!strcmp(argv[arg], "--ms"))
			ms = strtoull(argv[arg + 1], NULL, 0);
		else
			break;
	}
	if (arg != argc || !size || size > AREA) {
		fprintf(stderr, "usage: aead_bw [--size N] [--ms N]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	n = AREA / size;
	area = aligned_alloc(4096, AREA);
	tags = malloc(n * TAG);
	if (!area || !tags)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(hdr, sizeof(hdr));
	for (a = 0; a < NR_ALGS; a++) {
		if (a == AESGCM && !crypto_aead_aes256gcm_is_available()) {
			printf("{\"alg\":\"%s\",\"size\":%llu,\"unavailable\":\"no AES-NI or PCLMULQDQ\"}\n",
			       names[a], (unsigned long long)size);
			continue;
		}
		randombytes_buf(area, AREA);
		bytes = spent = 0;
		bad = 0;
		do {
			/*
			 * The same nonce for every message: a benchmark, not a
			 * protocol.  Sealing is off the clock; the AEADs open in
			 * place, so each pass seals afresh.
			 */
			for (i = 0; i < n; i++)
				seal(a, area + i * size, size, tags + i * TAG);
			t = now_ns();
			for (i = 0; i < n; i++)
				bad += open_one(a, area + i * size, size,
						tags + i * TAG) != 0;
			spent += now_ns() - t;
			bytes += n * size;
		} while (spent < ms * 1000000ULL);
		printf("{\"alg\":\"%s\",\"size\":%llu,\"mib_per_s\":%.1f,\"failed\":%d}\n",
		       names[a], (unsigned long long)size,
		       bytes / 1048576.0 / (spent / 1e9), bad);
		failed |= bad != 0;
	}
	return failed;
}

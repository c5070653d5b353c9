// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's digest of the transfer (see digest.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <sodium.h>

#include "tools/ebpfdma-send/digest.h"
#include "tools/ebpfdma-send/source.h"

#define GAP_CHUNK 65536U

static struct {
	bool started;
	crypto_generichash_state h;
	uint64_t upto; /* bytes [0, upto) of the input are hashed */
} D;

static void hash(const void *buf, uint64_t len)
{
	if (!D.started) {
		crypto_generichash_init(&D.h, NULL, 0,
					EBPFDMA_WIRE2_DIGEST_LEN);
		D.started = true;
	}
	crypto_generichash_update(&D.h, buf, len);
	D.upto += len;
}

/* Hash the input from upto to @to, reading it. */
static int fill_to(uint64_t to)
{
	static uint8_t buf[GAP_CHUNK];
	uint32_t n;
	int ret;

	while (D.upto < to) {
		n = to - D.upto < GAP_CHUNK ? to - D.upto : GAP_CHUNK;
		ret = source_read(D.upto, buf, n);
		if (ret)
			return ret;
		hash(buf, n);
	}
	return 0;
}

int64_t digest_fill(uint64_t to, uint64_t max)
{
	int ret = fill_to(to - D.upto > max ? D.upto + max : to);

	return ret ? ret : (int64_t)D.upto;
}

int digest_feed(uint64_t off, const void *buf, uint32_t len, uint64_t end)
{
	const uint8_t *p = buf;
	int ret;

	if (off + len > end)
		len = off < end ? end - off : 0;
	if (off + len <= D.upto)
		return 0; /* hashed already */
	ret = fill_to(off);
	if (ret)
		return ret;
	hash(p + (D.upto - off), off + len - D.upto);
	return 0;
}

int digest_final(uint64_t end, uint8_t out[EBPFDMA_WIRE2_DIGEST_LEN])
{
	crypto_generichash_state h;
	int ret;

	ret = fill_to(end);
	if (ret)
		return ret;
	if (!D.started)
		hash(NULL, 0);
	/* A copy: a COMMIT may be built again (a new session). */
	h = D.h;
	crypto_generichash_final(&h, out, EBPFDMA_WIRE2_DIGEST_LEN);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Internet checksum (RFC 1071) of a header, for the frames the tests
 * and the benchmark's load generator build: the ones' complement of the
 * ones' complement sum of its 16-bit words, in the header's byte order.
 */
#ifndef EBPFDMA_INET_CSUM_H
#define EBPFDMA_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t inet_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	uint16_t w;

	for (; n > 1; n -= 2, b += 2) {
		memcpy(&w, b, 2);
		sum += w;
	}
	if (n) { /* an odd byte, padded with a zero (RFC 1071) */
		w = 0;
		memcpy(&w, b, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif

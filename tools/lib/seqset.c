// SPDX-License-Identifier: GPL-2.0
#include "seqset.h"

#include <stdlib.h>
#include <string.h>

void seqset_init(struct seqset *s)
{
	memset(s, 0, sizeof(*s));
}

void seqset_free(struct seqset *s)
{
	free(s->bits);
	seqset_init(s);
}

int seqset_has(const struct seqset *s, uint32_t seq)
{
	size_t w = seq / 64;

	return w < s->words && (s->bits[w] >> (seq % 64) & 1);
}

static int grow(struct seqset *s, size_t words)
{
	size_t n = s->words ? s->words : 16;
	uint64_t *b;

	while (n < words)
		n *= 2;
	b = realloc(s->bits, n * sizeof(*b));
	if (!b)
		return -1;
	memset(b + s->words, 0, (n - s->words) * sizeof(*b));
	s->bits = b;
	s->words = n;
	return 0;
}

int seqset_add(struct seqset *s, uint32_t seq)
{
	size_t w = seq / 64;

	if (w >= s->words && grow(s, w + 1))
		return -1;
	if (s->bits[w] >> (seq % 64) & 1)
		return 0;
	s->bits[w] |= 1ULL << (seq % 64);
	s->count++;
	while (s->cum != UINT32_MAX && seqset_has(s, s->cum))
		s->cum++;
	return 1;
}

long seqset_add_range(struct seqset *s, uint32_t first, uint32_t end)
{
	long n = 0;
	int r;

	for (; first < end; first++) {
		r = seqset_add(s, first);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

unsigned int seqset_runs(const struct seqset *s, uint32_t from,
			 uint32_t (*runs)[2], unsigned int max)
{
	uint64_t limit = (uint64_t)s->words * 64, i = from;
	unsigned int n = 0;

	while (n < max && i < limit) {
		while (i < limit && !seqset_has(s, i)) {
			/* Skip empty words quickly. */
			if (!(i % 64) && !s->bits[i / 64])
				i += 64;
			else
				i++;
		}
		if (i >= limit)
			break;
		runs[n][0] = i;
		while (i < limit && seqset_has(s, i))
			i++;
		runs[n][1] = i > UINT32_MAX ? UINT32_MAX : i;
		n++;
	}
	return n;
}

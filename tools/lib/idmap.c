// SPDX-License-Identifier: GPL-2.0
/* A map of 64-bit ids to pointers (idmap.h). */
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"

/* Fibonacci hashing: the top bits of the id times 2^64 / phi. */
static unsigned int home(const struct idmap *m, uint64_t id)
{
	return (id * 0x9e3779b97f4a7c15ULL) >> m->shift;
}

int idmap_init(struct idmap *m, unsigned int max)
{
	unsigned int bits = 1;

	if (!max || max > 1U << 24)
		return -EINVAL;
	while ((1U << bits) < 2 * max)
		bits++;
	m->keys = calloc(1U << bits, sizeof(*m->keys));
	m->vals = calloc(1U << bits, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		idmap_free(m);
		return -ENOMEM;
	}
	m->shift = 64 - bits;
	m->mask = (1U << bits) - 1;
	m->count = 0;
	m->max = max;
	return 0;
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->count = 0;
}

/* The entry holding @id, or the free one that ends its probe sequence. */
static unsigned int probe(const struct idmap *m, uint64_t id)
{
	unsigned int i = home(m, id);

	while (m->keys[i] && m->keys[i] != id)
		i = (i + 1) & m->mask;
	return i;
}

void *idmap_get(const struct idmap *m, uint64_t id)
{
	unsigned int i;

	if (!id)
		return NULL;
	i = probe(m, id);
	return m->keys[i] ? m->vals[i] : NULL;
}

int idmap_put(struct idmap *m, uint64_t id, void *val)
{
	unsigned int i;

	if (!id || !val)
		return -EINVAL;
	i = probe(m, id);
	if (m->keys[i])
		return -EEXIST;
	if (m->count >= m->max)
		return -ENOSPC;
	m->keys[i] = id;
	m->vals[i] = val;
	m->count++;
	return 0;
}

void *idmap_del(struct idmap *m, uint64_t id)
{
	unsigned int i, j, h;
	void *val;

	if (!id)
		return NULL;
	i = probe(m, id);
	if (!m->keys[i])
		return NULL;
	val = m->vals[i];
	/*
	 * Entry i is free now.  An entry j after it (up to the next free one)
	 * moves into it unless its home h lies cyclically in (i, j]: then
	 * its probe sequence does not pass i.
	 */
	for (j = i;;) {
		m->keys[i] = 0;
		m->vals[i] = NULL;
		do {
			j = (j + 1) & m->mask;
			if (!m->keys[j]) {
				m->count--;
				return val;
			}
			h = home(m, m->keys[j]);
		} while (i <= j ? (i < h && h <= j) : (i < h || h <= j));
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
}

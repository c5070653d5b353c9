// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel's own checks of a DATA datagram, built for
 * the host from the module's source files (kmod/wire.c, session_blocks.c,
 * plan.c; tools/fuzz/kshim/ stands in for the kernel's headers).
 *
 * The input is a UDP payload, then a session and a script:
 *   - ebpfdma_wire2_parse() accepts exactly what uapi/PROTOCOL.md calls
 *     a well-formed DATA (written out below from the protocol, not from
 *     the code), and its fields are the header's;
 *   - a session's geometry, when accepted, covers the transfer with its
 *     blocks and lies inside the volume's window;
 *   - across any sequence of checks, placements, failed writes and time,
 *     a block is accepted only while it is not placed (exactly once),
 *     only with its own length, only inside the transfer, never after
 *     the idle limit, and every block it lets through is written inside
 *     the window.
 */
#include <errno.h>
#include <stdbool.h>

#include "tools/fuzz/fuzz.h"
/* The module's declarations, through the stand-in kernel headers. */
#include "kmod/ebpfdma.h"

unsigned long jiffies;

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (c->left ? *c->p : 0);
		if (c->left) {
			c->p++;
			c->left--;
		}
	}
	return v;
}

/* PROTOCOL.md's DATA, on its own: its session checks the rest. */
static bool well_formed(const uint8_t *p, size_t len)
{
	struct ebpfdma_wire2_hdr hdr, *h = &hdr;

	if (len < sizeof(hdr))
		return false;
	memcpy(&hdr, p, sizeof(hdr)); /* the input is not aligned */
	return len >= EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN &&
	       be32toh(h->magic) == EBPFDMA_WIRE_MAGIC &&
	       h->version == EBPFDMA_WIRE2_VERSION &&
	       h->type == EBPFDMA_WIRE2_DATA &&
	       !(be16toh(h->flags) & ~EBPFDMA_WIRE2_F_ALL) && h->session &&
	       be32toh(h->len) &&
	       be32toh(h->len) == len - EBPFDMA_WIRE2_HDR_LEN -
						  EBPFDMA_WIRE2_TRAILER_LEN;
}

static void datagram(const uint8_t *p, size_t len)
{
	struct ebpfdma_wire2_hdr copy, *h = &copy;
	struct ebpfdma_wire2_data d;
	int ret;

	if (len < sizeof(copy))
		return; /* the kfunc refuses it before parsing */
	memcpy(&copy, p, sizeof(copy));
	ret = ebpfdma_wire2_parse(&copy, len, &d);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	FUZZ_ASSERT(!ret == well_formed(p, len));
	if (ret)
		return;
	FUZZ_ASSERT(d.session == be64toh(h->session) &&
		    d.counter == be64toh(h->counter) &&
		    d.index == be32toh(h->index) && d.len == be32toh(h->len) &&
		    d.flags == be16toh(h->flags));
}

#define MAX_BLOCKS 4096 /* a script's session: its bitmap is built here */

static void session(struct cursor *c)
{
	static unsigned long placed[MAX_BLOCKS / 64];
	static bool model[MAX_BLOCKS];
	struct ebpfdma_session s = { 0 };
	uint64_t length, window, lbas, end, limit;
	uint32_t slot_size, lbs, idx, len;
	unsigned int ops;
	int ret, want;

	s.block_shift = 9 + take(c, 1) % 4; /* the volumes' 512..4096 */
	lbs = 1U << s.block_shift;
	s.block_size = take(c, 4);
	s.lba = take(c, 8);
	length = take(c, 8);
	window = take(c, 8);
	slot_size = 512U << take(c, 1) % 12;
	if (take(c, 1) & 1) { /* small numbers reach the scripts */
		s.block_size %= 2 * slot_size;
		s.lba %= 64;
		length %= 64ULL * slot_size;
		window %= 4096;
	}
	ret = ebpfdma_session_geometry(&s, length, window, slot_size);
	FUZZ_ASSERT(!ret || ret == -EINVAL || ret == -E2BIG || ret == -ERANGE);
	if (ret)
		return;
	lbas = (length + lbs - 1) / lbs;
	FUZZ_ASSERT(s.blocks >= 1 && s.blocks <= 1ULL << 32);
	FUZZ_ASSERT(s.block_size && s.block_size % lbs == 0 &&
		    s.block_size <= slot_size);
	FUZZ_ASSERT((s.blocks - 1) * s.block_size < length &&
		    length <= (s.blocks - 1) * s.block_size + s.last_len);
	FUZZ_ASSERT(s.last_len && s.last_len % lbs == 0 &&
		    s.last_len <= s.block_size);
	FUZZ_ASSERT(s.lba < window && lbas <= window - s.lba);
	if (s.blocks > MAX_BLOCKS)
		return;

	memset(placed, 0, sizeof(placed));
	memset(model, 0, sizeof(model));
	s.placed = placed;
	s.idle = take(c, 1) % 4;
	jiffies = s.active = -2UL + take(c, 1) % 4; /* around the wrap */
	end = s.lba + lbas;
	for (ops = 0; c->left && ops < 256; ops++) {
		uint8_t op = take(c, 1);

		idx = take(c, 2) % (s.blocks + 2);
		len = op & 2 ? s.block_size : s.last_len;
		if (op & 4)
			len = take(c, 4);
		switch (op >> 4 & 3) {
		case 0:
			jiffies += op & 1;
			break;
		case 1:
			if (idx < s.blocks && model[idx]) {
				ebpfdma_session_unplace(&s, idx);
				model[idx] = false;
			}
			break;
		default:
			limit = s.idle && time_after(jiffies, s.active + s.idle);
			want = limit ? -ETIMEDOUT :
			       idx >= s.blocks ? -ERANGE :
			       len != (idx == s.blocks - 1 ? s.last_len :
							     s.block_size) ?
						 -EINVAL :
			       model[idx] ? -EALREADY : 0;
			ret = ebpfdma_session_check(&s, idx, len);
			FUZZ_ASSERT(ret == want);
			if (ret)
				break;
			/* What it lets through is written inside the window. */
			FUZZ_ASSERT(ebpfdma_session_lba(&s, idx) +
					    (len >> s.block_shift) <= end &&
				    end <= window);
			FUZZ_ASSERT(!ebpfdma_session_place(&s, idx));
			FUZZ_ASSERT(s.active == jiffies);
			FUZZ_ASSERT(ebpfdma_session_place(&s, idx) ==
				    -EALREADY);
			model[idx] = true;
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c;
	size_t len;

	if (size < 2)
		return 0;
	/* The first two bytes: how much of the rest is the datagram. */
	len = (data[0] << 8 | data[1]) % (size - 1);
	datagram(data + 2, len);
	c = (struct cursor){ data + 2 + len, size - 2 - len };
	session(&c);
	return 0;
}

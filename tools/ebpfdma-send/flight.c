// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's per-datagram state (see flight.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ebpfdma-send/flight.h"

static struct flight_entry *at(const struct flight *f, uint32_t seq)
{
	return &f->e[seq & f->mask];
}

int flight_init(struct flight *f, uint32_t n, uint32_t window)
{
	uint32_t size = 16;

	while (size < window && size < (1U << 31))
		size *= 2;
	memset(f, 0, sizeof(*f));
	f->e = calloc(size, sizeof(*f->e));
	if (!f->e)
		return -ENOMEM;
	f->mask = size - 1;
	f->n = n;
	return 0;
}

void flight_free(struct flight *f)
{
	free(f->e);
	f->e = NULL;
}

void flight_reset(struct flight *f, uint32_t n)
{
	memset(f->e, 0, ((size_t)f->mask + 1) * sizeof(*f->e));
	f->n = n;
	f->cum = f->next = f->acked = f->in_flight = f->lost = 0;
	f->tx = f->largest_acked_tx = f->last_sent_us = 0;
	f->delivered = f->delivered_us = f->app_limited = 0;
	f->reported = 0;
}

uint32_t flight_resession(struct flight *f)
{
	uint32_t seq, n = 0;

	for (seq = f->cum; seq < f->next; seq++) {
		struct flight_entry *e = at(f, seq);

		if (e->acked) {
			/* Durable, but not in the new session, which commits all. */
			e->acked = 0;
			f->acked--;
			e->lost = 1;
			f->lost++;
		} else if (!e->lost) {
			e->lost = 1;
			f->lost++;
			f->in_flight--;
		}
		e->sends = 0;
		n++;
	}
	return n;
}

bool flight_can_open(const struct flight *f)
{
	return f->next < f->n && f->next - f->cum <= f->mask;
}

void flight_sent(struct flight *f, uint32_t seq, uint64_t now_us)
{
	struct flight_entry *e = at(f, seq);

	/* Nothing in flight: the delivery interval starts now. */
	if (!f->in_flight || !f->delivered_us)
		f->delivered_us = now_us;
	if (seq == f->next) {
		memset(e, 0, sizeof(*e));
		f->next++;
		f->in_flight++;
	} else if (e->lost) {
		e->lost = 0;
		f->lost--;
		f->in_flight++;
	}
	e->sent_us = now_us;
	e->tx = ++f->tx;
	e->sends++;
	e->delivered = f->delivered;
	e->delivered_us = f->delivered_us;
	e->app_limited = !!f->app_limited;
	f->last_sent_us = now_us;
}

static bool outstanding(const struct flight *f, uint32_t seq)
{
	return seq >= f->cum && seq < f->next && !at(f, seq)->acked;
}

bool flight_is_acked(const struct flight *f, uint32_t seq)
{
	return seq < f->cum || (seq < f->next && at(f, seq)->acked);
}

int64_t flight_rtt(const struct flight *f, uint32_t seq, uint64_t now_us)
{
	const struct flight_entry *e = at(f, seq);

	if (!outstanding(f, seq) || e->sends != 1 || now_us < e->sent_us)
		return -1;
	return now_us - e->sent_us;
}

void flight_ack_range(struct flight *f, uint32_t first, uint32_t end,
		      struct flight_ack *a)
{
	uint32_t seq;

	/* Only what this session sent: the rest says nothing. */
	if (first < f->cum)
		first = f->cum;
	if (end > f->next)
		end = f->next;
	if (end > f->reported)
		f->reported = end;
	for (seq = first; seq < end; seq++) {
		struct flight_entry *e = at(f, seq);

		if (e->acked)
			continue;
		e->acked = 1;
		f->acked++;
		if (e->lost) {
			e->lost = 0;
			f->lost--;
		} else {
			f->in_flight--;
		}
		a->newly++;
		f->delivered++;
		if (e->tx > f->largest_acked_tx) {
			f->largest_acked_tx = e->tx;
			a->newest_sent_us = e->sent_us;
			a->prior_delivered = e->delivered;
			a->prior_delivered_us = e->delivered_us;
			a->app_limited = e->app_limited;
		}
	}
	while (f->cum < f->next && at(f, f->cum)->acked)
		f->cum++;
}

void flight_ack_end(struct flight *f, const struct flight_ack *a,
		    uint64_t now_us, uint64_t *delivered,
		    uint64_t *interval_us)
{
	*delivered = *interval_us = 0;
	if (!a->newly)
		return;
	f->delivered_us = now_us;
	if (f->app_limited && f->delivered > f->app_limited)
		f->app_limited = 0;
	/* The sample is of the newest block acknowledged, if this ACK named it. */
	if (!a->prior_delivered_us || now_us <= a->prior_delivered_us ||
	    f->delivered <= a->prior_delivered)
		return;
	*delivered = f->delivered - a->prior_delivered;
	*interval_us = now_us - a->prior_delivered_us;
}

void flight_app_limited(struct flight *f)
{
	uint64_t mark = f->delivered + flight_unacked(f);

	f->app_limited = mark ? mark : 1;
}

uint32_t flight_detect_lost(struct flight *f, uint64_t now_us,
			    uint64_t loss_delay_us, uint64_t *sent_us)
{
	uint32_t seq, n = 0;

	*sent_us = 0;
	for (seq = f->cum; seq < f->next && seq < f->reported; seq++) {
		struct flight_entry *e = at(f, seq);

		if (e->acked || e->lost || e->tx >= f->largest_acked_tx ||
		    now_us - e->sent_us < loss_delay_us)
			continue;
		e->lost = 1;
		f->lost++;
		f->in_flight--;
		n++;
		if (e->sent_us > *sent_us)
			*sent_us = e->sent_us;
	}
	return n;
}

uint32_t flight_all_lost(struct flight *f)
{
	uint32_t seq, n = 0;

	for (seq = f->cum; seq < f->next; seq++) {
		struct flight_entry *e = at(f, seq);

		if (e->acked || e->lost)
			continue;
		e->lost = 1;
		f->lost++;
		f->in_flight--;
		n++;
	}
	return n;
}

bool flight_next_resend(const struct flight *f, uint32_t *from, bool in_flight)
{
	uint32_t seq = *from < f->cum ? f->cum : *from;

	for (; seq < f->next; seq++) {
		const struct flight_entry *e = at(f, seq);

		if (!e->acked && e->lost != in_flight) {
			*from = seq;
			return true;
		}
	}
	return false;
}

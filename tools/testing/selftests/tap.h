/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal kselftest-style TAP output for the C selftests. */
#ifndef EBPFDMA_TAP_H
#define EBPFDMA_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_begin(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static inline int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* ok when a call returned -1 with errno == want. */
#define tap_errno(ret, want, ...)                                         \
	do {                                                              \
		long r_ = (long)(ret);                                    \
		int e_ = errno;                                           \
		if (!tap_ok(r_ == -1 && e_ == (want), __VA_ARGS__))       \
			printf("# returned %ld, errno %d (%s), wanted %s\n", \
			       r_, e_, strerror(e_), #want);              \
	} while (0)

static inline void tap_skip(const char *desc, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++tap_n, desc, why);
	fflush(stdout);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

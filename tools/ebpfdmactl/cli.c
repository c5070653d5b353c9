// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdmactl's command lines: options, numbers and the messages of a usage
 * error, the same for every subcommand (see ctl.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ebpfdmactl %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'ebpfdmactl %s --help'.\n", cmd);
	va_end(ap);
	return CTL_EXIT_USAGE;
}

int ctl_getopt(int argc, char **argv, const char *cmd,
	       const struct option *longopts)
{
	int o;

	opterr = 0; /* the messages are ours, naming the option */
	o = getopt_long(argc, argv, ":h", longopts, NULL);
	if (o == '?') {
		/*
		 * A long option (unknown, ambiguous, or given a value it does
		 * not take) is named as written; a short one by its letter.
		 */
		const char *arg = argv[optind - 1], *name = arg + 2;
		size_t len = strcspn(name, "=");
		unsigned int i, prefixed = 0;
		bool exact = false;

		if (strncmp(arg, "--", 2) && optopt) {
			ctl_usage_error(cmd, "unknown option '-%c'", optopt);
			return CTL_OPT_BAD;
		}
		for (i = 0; strncmp(arg, "--", 2) == 0 && longopts[i].name; i++) {
			if (strncmp(longopts[i].name, name, len))
				continue;
			prefixed++;
			exact |= strlen(longopts[i].name) == len;
		}
		if (exact || prefixed == 1)
			ctl_usage_error(cmd, "option '--%.*s' takes no value",
					(int)len, name);
		else if (prefixed)
			ctl_usage_error(cmd, "ambiguous option '%.*s'",
					(int)len + 2, arg);
		else
			ctl_usage_error(cmd, "unknown option '%.*s'",
					(int)len + 2, arg);
		return CTL_OPT_BAD;
	}
	if (o == ':') {
		ctl_usage_error(cmd, "option '%s' needs a value",
				argv[optind - 1]);
		return CTL_OPT_BAD;
	}
	return o;
}

int ctl_help(const char *usage)
{
	fputs(usage, stdout);
	return fflush(stdout) ? CTL_EXIT_FAILED : CTL_EXIT_OK;
}

int ctl_number(const char *cmd, const char *what, const char *s,
	       uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	const char *p;
	char *end;

	/* Decimal digits only: no sign, space, base prefix or suffix. */
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	errno = 0;
	n = *s && !*p ? strtoull(s, &end, 10) : 0;
	if (!*s || *p || errno || n < min || n > max) {
		ctl_usage_error(cmd, "%s: '%s' is not a number from %llu to %llu",
				what, s, (unsigned long long)min,
				(unsigned long long)max);
		return -1;
	}
	*v = n;
	return 0;
}

int ctl_no_options(int argc, char **argv, const char *cmd, const char *usage,
		   int min, int max)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o = ctl_getopt(argc, argv, cmd, lo);

	if (o == 'h')
		return ctl_help(usage);
	if (o != -1)
		return CTL_EXIT_USAGE;
	o = ctl_operands(cmd, argc - optind, min, max);
	return o ? o : -1;
}

int ctl_operands(const char *cmd, int argc, int min, int max)
{
	if (argc < min)
		return ctl_usage_error(cmd, "missing operand");
	if (argc > max)
		return ctl_usage_error(cmd, "too many operands");
	return 0;
}

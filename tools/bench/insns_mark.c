// SPDX-License-Identifier: GPL-2.0
/*
 * insns_mark N [FILE [LOOPS]]: execute marker N (0..65535) of the
 * instruction counting plugin (tools/bench/insns_plugin.c) on this CPU,
 * the NOP
 *
 *	nopl 0xedbaNNNN(%rax,%rax,1)	0f 1f 84 00 NN NN ba ed
 *
 * built in an executable page of its own.  With FILE (the plugin's out=),
 * wait until the plugin has written the marker's line there, past what
 * the file held before, and print it: "mark N cpu C insns I0 I1 ..."
 * (exit 1 after 10 s without it: no plugin).
 * With LOOPS, a loop of exactly 2 * LOOPS instructions (dec, jnz) follows
 * the marker, then marker N + 1, whose line is printed too: a known count
 * for checking the plugin.  Outside the plugin the NOPs do nothing.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Marker @id at @p: 8 bytes; returns what follows. */
static uint8_t *emit_mark(uint8_t *p, unsigned long id)
{
	static const uint8_t nop[] = { 0x0f, 0x1f, 0x84, 0x00 };

	memcpy(p, nop, sizeof(nop));
	p[4] = id & 0xff;
	p[5] = (id >> 8) & 0xff;
	p[6] = 0xba;
	p[7] = 0xed;
	return p + 8;
}

/*
 * The first line of @path past byte @from that starts with @prefix, into
 * @line.
 */
static int find(const char *path, long from, const char *prefix, char *line,
		size_t n)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	if (!fseek(f, from, SEEK_SET))
		while (!found && fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, prefix, strlen(prefix))) {
				snprintf(line, n, "%s", buf);
				found = 1;
			}
	fclose(f);
	return found;
}

/* Print marker @id's line of @path past @from (10 s at most): 0, or 1. */
static int show(const char *path, long from, unsigned long id)
{
	char prefix[64], line[1024];
	int i;

	snprintf(prefix, sizeof(prefix), "mark %lu ", id);
	for (i = 0; i < 1000; i++) {
		if (find(path, from, prefix, line, sizeof(line))) {
			fputs(line, stdout);
			return 0;
		}
		usleep(10000);
	}
	fprintf(stderr, "insns_mark: marker %lu not in %s after 10 s\n", id,
		path);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long id, loops = 0;
	uint8_t *code, *p;
	struct stat st;
	long from = 0;
	char *end;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s N [FILE [LOOPS]]\n", argv[0]);
		return 2;
	}
	id = strtoul(argv[1], &end, 10);
	if (*end || id > 0xffff || (argc == 4 && id == 0xffff)) {
		fprintf(stderr, "%s: N is 0..65535 (65534 with LOOPS)\n",
			argv[0]);
		return 2;
	}
	if (argc == 4) {
		loops = strtoul(argv[3], &end, 10);
		if (*end || !loops || loops > 0xffffffffUL) {
			fprintf(stderr, "%s: LOOPS is 1..2^32-1\n", argv[0]);
			return 2;
		}
	}
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	p = emit_mark(code, id);
	if (loops) {
		*p++ = 0xb9; /* mov $loops, %ecx */
		memcpy(p, &(uint32_t){ loops }, 4);
		p += 4;
		*p++ = 0xff; /* 1: dec %ecx */
		*p++ = 0xc9;
		*p++ = 0x75; /* jnz 1b */
		*p++ = 0xfc;
		p = emit_mark(p, id + 1);
	}
	*p = 0xc3; /* ret */
	/* Only lines written from now on are this run's. */
	if (argc > 2 && !stat(argv[2], &st))
		from = st.st_size;
	((void (*)(void))code)();
	if (argc == 2)
		return 0;
	return show(argv[2], from, id) ||
	       (loops && show(argv[2], from, id + 1));
}

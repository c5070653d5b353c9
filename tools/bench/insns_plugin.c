// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin (qemu 7.2, plugin API version 1) that counts the guest
 * instructions each virtual CPU executes, for a cost measure that host
 * load does not move: under emulation a CPU-second is a wall-clock
 * quantity, an instruction count is the guest's own.
 *
 * The guest brackets what it measures with markers (tools/bench/
 * insns_mark.c): a NOP that the plugin recognises when it translates it,
 *
 *	nopl 0xedbaNNNN(%rax,%rax,1)	0f 1f 84 00 NN NN ba ed
 *
 * (NNNN: the marker's number).  When a marker executes, the plugin
 * appends a line to the file its argument "out=FILE" names:
 *
 *	mark NNNN cpu C insns I0 I1 ...
 *
 * with the instructions each virtual CPU has executed so far; the guest
 * subtracts two such lines.  Counts are taken a translation block at a
 * time, when the block starts (a block left early by an interrupt still
 * counts whole: the error is a few instructions an interrupt).
 *
 * The plugin API's declarations are written out here (Debian ships no
 * header for it): they follow qemu's include/qemu/qemu-plugin.h, version 1.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(
	qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
int qemu_plugin_n_max_vcpus(void);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

#define MAX_VCPUS 64
#define MARK_TAG 0xedbau

/* One cache line a vCPU: each is written by its own thread only. */
static struct {
	uint64_t insns;
	char pad[56];
} count[MAX_VCPUS] __attribute__((aligned(64)));
static unsigned int nr_vcpus;
static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void tb_exec(unsigned int vcpu, void *n)
{
	/* Only this vCPU writes its count; mark_exec() reads it. */
	if (vcpu < MAX_VCPUS)
		__atomic_store_n(&count[vcpu].insns,
				 count[vcpu].insns + (uintptr_t)n,
				 __ATOMIC_RELAXED);
}

static void mark_exec(unsigned int vcpu, void *id)
{
	unsigned int i;

	pthread_mutex_lock(&out_lock);
	fprintf(out, "mark %u cpu %u insns", (unsigned int)(uintptr_t)id,
		vcpu);
	for (i = 0; i < nr_vcpus; i++)
		fprintf(out, " %llu",
			(unsigned long long)__atomic_load_n(&count[i].insns,
							    __ATOMIC_RELAXED));
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&out_lock);
}

/* The marker's number if @insn is one, else -1. */
static long marker(const struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);

	if (qemu_plugin_insn_size(insn) != 8 || b[0] != 0x0f || b[1] != 0x1f ||
	    b[2] != 0x84 || b[3] != 0x00 ||
	    (unsigned int)(b[6] | b[7] << 8) != MARK_TAG)
		return -1;
	return b[4] | b[5] << 8;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	long m;

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		m = marker(insn);
		if (m >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, mark_exec, QEMU_PLUGIN_CB_NO_REGS,
				(void *)(uintptr_t)m);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
			       const struct qemu_info_t *info, int argc,
			       char **argv)
{
	const char *path = NULL;
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	if (!path) {
		fprintf(stderr, "insns_plugin: no out=FILE given\n");
		return -1;
	}
	out = fopen(path, "a");
	if (!out) {
		perror(path);
		return -1;
	}
	nr_vcpus = qemu_plugin_n_max_vcpus();
	if (nr_vcpus > MAX_VCPUS)
		nr_vcpus = MAX_VCPUS;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}

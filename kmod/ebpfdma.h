/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebpfdma: internal declarations shared by the module's source files.
 */
#ifndef _EBPFDMA_H
#define _EBPFDMA_H

#include <linux/types.h>

#include "compat.h"

/*
 * Module parameters (params.c).  Writes through sysfs are serialised by the
 * module's kernel_param_lock(); readers outside it use READ_ONCE().
 */
extern unsigned int ebpfdma_nr_slots; /* slots in the pool */
extern unsigned int ebpfdma_slot_size; /* bytes per slot, power of two */

int ebpfdma_check_pool_geometry(unsigned int nr_slots, unsigned int slot_size);

#if IS_ENABLED(CONFIG_KUNIT)
/* Static unless KUnit is enabled; exported to the KUnit suites only. */
int ebpfdma_parse_nr_slots(const char *val, unsigned int *out);
int ebpfdma_parse_slot_size(const char *val, unsigned int *out);
#endif

#endif /* _EBPFDMA_H */

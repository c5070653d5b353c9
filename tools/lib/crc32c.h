/* SPDX-License-Identifier: GPL-2.0 */
/* CRC32C (Castagnoli), as the wire protocol's hdr.crc uses it. */
#ifndef EBPFDMA_CRC32C_H
#define EBPFDMA_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC32C over @len bytes: start with crc = 0; the result of one
 * call is the CRC of the bytes (initial value and final xor 0xffffffff
 * are applied inside).  crc32c(0, "123456789", 9) == 0xe3069283.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
/* The same, from tables only (what crc32c() uses without SSE4.2). */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* Does crc32c() use the CPU's crc32 instruction? */
bool crc32c_has_hw(void);

#endif

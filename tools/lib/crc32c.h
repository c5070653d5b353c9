/* SPDX-License-Identifier: GPL-2.0 */
/* CRC32C (Castagnoli), as the wire protocol's hdr.crc uses it. */
#ifndef EBPFDMA_CRC32C_H
#define EBPFDMA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC32C over @len bytes: start with crc = 0; the result of one
 * call is the CRC of the bytes (initial value and final xor 0xffffffff
 * are applied inside).  crc32c(0, "123456789", 9) == 0xe3069283.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A volume's 256-bit secret in a key file: 64 hexadecimal digits and an
 * optional newline, in a regular file that only its owner can read (mode
 * 0600 or 0400).  The secret is never taken from a command line.
 */
#ifndef EBPFDMA_KEYFILE_H
#define EBPFDMA_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define EDMA_KEY_LEN 32

/*
 * Read the key in @path into @key.  Returns 0, or -1 with a message in
 * @err (@errlen bytes) that names the file, the problem and the fix: it
 * cannot be opened, is not a regular file, is readable or writable by
 * its group or others, is owned by another user than the caller (or
 * root), or does not hold exactly 64 hexadecimal digits.
 */
int edma_key_load(const char *path, uint8_t key[EDMA_KEY_LEN], char *err,
		  size_t errlen);

/* Write a new random key to @path (created 0600, not replaced). */
int edma_key_generate(const char *path, char *err, size_t errlen);

#endif

/*
 * Paths under /sys, /dev and /proc, and small reads of them.
 *
 * DUMPLING_SYSROOT, when set, is prefixed to every such path, so the unit
 * tests can point the loader at a fake sysfs tree in a temp directory.
 */
#ifndef LOADER_SYSROOT_H
#define LOADER_SYSROOT_H

#include <stddef.h>
#include <stdint.h>

const char *sysroot(void);		/* "" unless DUMPLING_SYSROOT is set */

/* root + printf(fmt, ...). Returns 0, or -1 if it does not fit. */
int sysroot_path(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reads a small file into buf, NUL-terminated, trailing newlines dropped.
 * Returns its length, or -1 with errno set (ENOSPC: longer than n - 1).
 */
long read_small_file(const char *path, char *buf, size_t n);

/*
 * Reads a whole file of any size (procfs files report size 0) into a
 * malloc'd, NUL-terminated buffer. Returns NULL with errno set.
 */
char *read_whole_file(const char *path, size_t *len);

/* A file holding one unsigned number in the given base (0: auto). */
int read_u64_file(const char *path, int base, uint64_t *out);

/* Strict number parse: all of s, base 0 (0x hex or decimal) or given. */
int parse_number(const char *s, int base, uint64_t *out);

#endif

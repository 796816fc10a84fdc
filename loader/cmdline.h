/* The capture command line: dumpling.* words from the config and target. */
#ifndef LOADER_CMDLINE_H
#define LOADER_CMDLINE_H

#include <stddef.h>

#include "loader/config.h"
#include "loader/resolve.h"

/*
 * Writes every dumpling.* option (docs/cmdline.md), and nothing else: the
 * kernel or kexec-tools add elfcorehdr=. Returns the length, or -1 if buf
 * is too small.
 */
int build_cmdline(const struct loader_config *c, const struct target_info *t,
		  char *buf, size_t n);

#endif

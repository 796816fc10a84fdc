/* The capture settings for a raw or ext4 target, and their command line. */
#ifndef LOADER_CMDLINE_H
#define LOADER_CMDLINE_H

#include <stddef.h>

#include "capture/config.h"
#include "loader/config.h"
#include "loader/resolve.h"

/*
 * The config's settings and the resolved disk t, as the image will read
 * them: the driver and PCI function, and the partition's range and identity.
 * Returns 0, or -1 with err.
 */
int loader_disk_config(const struct loader_config *c, const struct target_info *t,
		       struct capture_config *out, char *err, size_t errlen);

/*
 * loader_disk_config() written as the command line (capture/cmdline_schema.h),
 * with the image's default console. Every dumpling.* option, and nothing
 * else: the kernel or kexec-tools add elfcorehdr=. Returns the length, or -1
 * if buf is too small or a value cannot be written.
 */
int build_cmdline(const struct loader_config *c, const struct target_info *t,
		  char *buf, size_t n);

#endif

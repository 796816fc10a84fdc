/*
 * kdump.conf's "path" without a target line: the dump goes to the filesystem
 * that holds that path, found in the mount table, as kdump does.
 */
#ifndef LOADER_MOUNTS_H
#define LOADER_MOUNTS_H

#include <stddef.h>

#include "loader/config.h"

struct mount_entry {
	char dev[256];		/* "/dev/vdb1" */
	char dir[256];		/* mount point, escapes (\040) undone */
	char type[32];		/* "ext4" */
	int read_only;
};

/*
 * The mount in text (the format of /proc/self/mounts) whose mount point is
 * the longest whole-component prefix of path; the last one wins when several
 * are stacked on the same directory. Returns 0, or -1 if none matches.
 */
int mount_for_path(const char *text, const char *path, struct mount_entry *m);

/*
 * When c has no target but a path: makes it an ext4 target on the device
 * mounted there, with path made relative to that mount point. Reads
 * $DUMPLING_SYSROOT/proc/self/mounts. Anything but ext4 is an error that says
 * what to write instead. Returns 0 (also when there is nothing to do) or -1.
 */
int config_resolve_path(struct loader_config *c, char *err, size_t errlen);

#endif

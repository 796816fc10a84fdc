/*
 * The ext4 target at load time:
 *
 *   ext4 /dev/vdb1 | UUID=… | LABEL=… | PARTUUID=…
 *   path /var/crash                      (default; relative to that filesystem)
 *
 * UUID= and LABEL= name the filesystem, not the partition: every block device
 * in /sys/class/block is opened and its superblock read (a minimal initramfs
 * has no udev or blkid). The superblock is then checked with the capture
 * image's own rules (fs/ext4_super.c), so whatever the image would refuse at
 * crash time - a journal needing recovery because the filesystem is mounted
 * read-write, an unsupported feature - is refused now with the same words.
 * Too little free space for a dump of this machine's RAM is only a warning.
 */
#ifndef LOADER_EXT4_H
#define LOADER_EXT4_H

#include <stddef.h>
#include <stdint.h>

#include "loader/config.h"
#include "loader/resolve.h"

/* Resolves c->raw_dev (the ext4 device) into t and checks the filesystem. */
int ext4_target_resolve(const struct loader_config *c, struct target_info *t, char *err,
			size_t errlen);

/* Finds the block device holding the filesystem with UUID=… or LABEL=…: its
 * kernel name into name. */
int ext4_find_by_id(const char *spec, char *name, size_t n, char *err, size_t errlen);

/* The estimate the free-space warning uses: RAM (MemTotal) plus headers. */
uint64_t ext4_dump_estimate(void);

#endif

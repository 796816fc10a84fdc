/*
 * The ext4 target: <path>/<ip>-<YYYY-MM-DD-HH:MM:SS>/vmcore and
 * vmcore-dmesg.txt in an existing ext4 filesystem on a disk or partition,
 * written by our own writer (fs/ext4_*.c).
 */
#ifndef FS_EXT4_TARGET_H
#define FS_EXT4_TARGET_H

#include <stddef.h>

#include "capture/config.h"
#include "capture/dump.h"
#include "capture/target.h"
#include "drivers/blk.h"
#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"

/*
 * DMA memory: EXT4_FS_BUF_SIZE (184 KiB of metadata blocks, zeros and a
 * bounce buffer) for fsbuf, and EXT4_TARGET_SINK_BUF for sinkbuf: 12 KiB for
 * the vmcore's extent path and 384 KiB of write-combining, 580 KiB in all,
 * whatever the sizes of the filesystem and of the dump.
 */
#define EXT4_TARGET_SINK_BUF	(EXT4_SINK_TREE_BUF + (384u << 10))

/* disk is open. */
int ext4_target_open(const struct capture_config *cfg, const struct capture *cap,
		     struct blk_dev *disk, void *fsbuf, void *sinkbuf, struct target *t,
		     char *err, size_t errlen);

#endif

/* The raw target: the dump at byte 0 of a disk or of one of its partitions. */
#ifndef FS_RAW_TARGET_H
#define FS_RAW_TARGET_H

#include <stddef.h>

#include "capture/config.h"
#include "capture/target.h"
#include "drivers/blk.h"

#define RAW_TARGET_BUF	(512u << 10)	/* DMA memory the raw writer wants */

/* disk is open; buf is bufsize (RAW_TARGET_BUF) bytes of DMA memory. */
int raw_target_open(const struct capture_config *cfg, struct blk_dev *disk, void *buf,
		    size_t bufsize, struct target *t, char *err, size_t errlen);

#endif

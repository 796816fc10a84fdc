/*
 * The dump target, as the image's main sees it: a sink for the vmcore, and for
 * file targets a way to add small files beside it (vmcore-dmesg.txt). Each
 * target kind lives in its own target_<kind>.c; kinds not built into this
 * image answer with a clear error (target.c).
 */
#ifndef ARCH_TARGET_H
#define ARCH_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"
#include "capture/dump.h"
#include "capture/ports.h"

struct target {
	struct sink *vmcore;
	/* NULL for raw targets, which hold just the dump. */
	int (*add_file)(struct target *t, const char *name, const void *data, size_t len);
	/* dumpling.log, the capture's own console log, once the dump of
	 * dump_len bytes is written: a file beside it, or (raw) the dump
	 * area right after it (fs/raw_log.h). */
	int (*save_log)(struct target *t, uint64_t dump_len, const void *text, size_t len);
	void *priv;
};

/* Memory for targets' buffers: the image's DMA arena (platform.h dma_alloc). */
int target_open(const struct capture_config *cfg, const struct capture *cap,
		struct target *t, char *err, size_t errlen);

struct blk_dev;
/*
 * A target on a partition writes only if the partition the loader saw is still
 * there with the same start and length (dumpling.partuuid= or dumpling.mbr=):
 * disks get renumbered and swapped. buf is DMA memory for reading the table.
 */
int target_check_partition(const struct capture_config *cfg, struct blk_dev *disk, void *buf,
			   size_t bufsize, char *err, size_t errlen);

int target_open_raw(const struct capture_config *cfg, const struct capture *cap,
		    struct target *t, char *err, size_t errlen);
int target_open_ext4(const struct capture_config *cfg, const struct capture *cap,
		     struct target *t, char *err, size_t errlen);
int target_open_nfs(const struct capture_config *cfg, const struct capture *cap,
		    struct target *t, char *err, size_t errlen);

#endif

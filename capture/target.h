/*
 * The dump target, as the image's main sees it: a sink for the vmcore, and for
 * file targets a way to add small files beside it (vmcore-dmesg.txt).
 *
 * Each kind opens on a device the image has already opened, with buffers it
 * has already allocated, so the same code runs in host tests:
 *   raw   fs/raw_target.h    a disk or partition, the dump at byte 0
 *   ext4  fs/ext4_target.h   <path>/<ip>-<date>/vmcore in an ext4 filesystem
 *   nfs   net/nfs_target.h   the same below an NFSv3 export
 * The file targets share one policy (capture/dumpdir.h): the directory's
 * name, the host's address in it, and how long a busy server is waited for.
 * arch/x86_64/devices.c opens the device and picks the kind.
 */
#ifndef CAPTURE_TARGET_H
#define CAPTURE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"

struct target {
	struct sink *vmcore;
	/* NULL for raw targets, which hold just the dump. */
	int (*add_file)(struct target *t, const char *name, const void *data, size_t len);
	/* dumpling.log, the capture's own console log, once the dump of
	 * dump_len bytes is written: a file beside it (target_log_as_file),
	 * or (raw) the dump area right after it (fs/raw_log.h). */
	int (*save_log)(struct target *t, uint64_t dump_len, const void *text, size_t len);
	void *priv;
};

/* save_log for the file targets: dumpling.log beside the vmcore. */
int target_log_as_file(struct target *t, uint64_t dump_len, const void *text, size_t len);

struct blk_dev;
/*
 * A target on a partition writes only if the partition the loader saw is still
 * there with the same start and length (dumpling.partuuid= or dumpling.mbr=):
 * disks get renumbered and swapped. buf is DMA memory for reading the table.
 */
int target_check_partition(const struct capture_config *cfg, struct blk_dev *disk, void *buf,
			   size_t bufsize, char *err, size_t errlen);

#endif

/* The raw target: the dump at byte 0 of a disk or of one of its partitions. */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/platform.h"
#include "arch/x86_64/target.h"
#include "capture/ports.h"
#include "drivers/blk.h"
#include "drivers/dma.h"
#include "drivers/disk.h"
#include "fs/partition.h"
#include "fs/raw.h"

#define RAW_BUF_SIZE (512u << 10)

/*
 * A partition target is written only if the disk still has that partition,
 * exactly where the loader saw it: between `dumpling load` and the crash the
 * disk may have been repartitioned, renumbered or swapped, and the PCI
 * address alone would then lead us onto someone else's data.
 */
int target_open_raw(const struct capture_config *cfg, const struct capture *cap,
		    struct target *t, char *err, size_t errlen)
{
	static struct blk_dev disk;
	static struct raw_sink raw;
	void *buf;

	if (!cfg->have_disk) {
		snprintf(err, errlen, "raw target without dumpling.disk=");
		return -1;
	}
	if (disk_open(&cfg->disk, &disk, err, errlen))
		return -1;
	buf = dma_alloc(RAW_BUF_SIZE, 4096);
	if (!buf) {
		snprintf(err, errlen, "out of DMA memory for the raw writer");
		return -1;
	}
	if (cfg->have_part && target_check_partition(cfg, &disk, buf, RAW_BUF_SIZE, err, errlen))
		return -1;
	if (raw_sink_open(&raw, &disk, cfg->have_part ? cfg->part_start : 0,
			  cfg->have_part ? cfg->part_len : 0, buf, RAW_BUF_SIZE, err, errlen))
		return -1;
	t->vmcore = &raw.sink;
	t->add_file = NULL;
	return 0;
}

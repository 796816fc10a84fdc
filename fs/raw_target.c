/* The raw target (raw_target.h). */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "fs/raw.h"
#include "fs/raw_log.h"
#include "fs/raw_target.h"

static int raw_save_log(struct target *t, uint64_t dump_len, const void *text, size_t len)
{
	return raw_log_write(t->vmcore, dump_len, text, len);
}

/*
 * A partition target is written only if the disk still has that partition,
 * exactly where the loader saw it: between `dumpling load` and the crash the
 * disk may have been repartitioned, renumbered or swapped, and the PCI
 * address alone would then lead us onto someone else's data.
 */
int raw_target_open(const struct capture_config *cfg, struct blk_dev *disk, void *buf,
		    size_t bufsize, struct target *t, char *err, size_t errlen)
{
	static struct raw_sink raw;

	if (cfg->have_part && target_check_partition(cfg, disk, buf, bufsize, err, errlen))
		return -1;
	if (raw_sink_open(&raw, disk, cfg->have_part ? cfg->part_start : 0,
			  cfg->have_part ? cfg->part_len : 0, buf, bufsize, err, errlen))
		return -1;
	t->vmcore = &raw.sink;
	t->add_file = NULL;
	t->save_log = raw_save_log;
	t->priv = NULL;
	return 0;
}

/* What the disk targets (raw, ext4) share: the partition check (target.h). */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "capture/target.h"
#include "drivers/blk.h"
#include "fs/partition.h"
#include "capture/fmt.h"

int target_check_partition(const struct capture_config *cfg, struct blk_dev *disk, void *buf,
			   size_t bufsize, char *err, size_t errlen)
{
	struct part_expect e;
	char msg[400];

	if (!cfg->have_partuuid && !cfg->have_mbr) {
		return errf(err, errlen, "refusing to write to %s bytes %llu+%llu: the command line "
			    "names no partition to check (dumpling.partuuid= or dumpling.mbr=); "
			    "reload with `dumpling load`", disk->name,
			    (unsigned long long)cfg->part_start, (unsigned long long)cfg->part_len);
	}
	memset(&e, 0, sizeof(e));
	e.have_guid = cfg->have_partuuid;
	memcpy(e.guid, cfg->partuuid, sizeof(e.guid));
	e.have_mbr = !cfg->have_partuuid && cfg->have_mbr;
	e.mbr_signature = cfg->mbr_signature;
	e.mbr_partno = cfg->mbr_partno;
	e.start = cfg->part_start;
	e.len = cfg->part_len;
	if (part_verify(disk, &e, buf, bufsize, msg, sizeof(msg)) != 0) {
		return errf(err, errlen, "refusing to write, the disk is not what `dumpling load` saw: "
			    "%s", msg);
	}
	port_log("partition check: %s\n", msg);
	return 0;
}

int target_log_as_file(struct target *t, uint64_t dump_len, const void *text, size_t len)
{
	(void)dump_len;
	return t->add_file(t, "dumpling.log", text, len);
}

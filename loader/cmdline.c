/* Building the capture command line (docs/cmdline.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs/partition.h"
#include "loader/cmdline.h"

int build_cmdline(const struct loader_config *c, const struct target_info *t,
		  char *buf, size_t n)
{
	char disk[64];
	char part[160] = "";
	char fsdir[300] = "";
	int k;

	if ((c->target != TARGET_RAW && c->target != TARGET_EXT4) ||
	    target_disk_spec(t, disk, sizeof(disk)) < 0)
		return -1;
	/* ext4: the directory in that filesystem, and the <ip> of <ip>-<date>
	 * (127.0.0.1 for local targets, as kdump names them). */
	if (c->target == TARGET_EXT4)
		snprintf(fsdir, sizeof(fsdir), " dumpling.path=%s dumpling.hostip=127.0.0.1",
			 c->path[0] ? c->path : "/var/crash");
	if (t->is_part)
		snprintf(part, sizeof(part), " dumpling.part=%" PRIu64 "+%" PRIu64,
			 t->part_start, t->part_len);
	/* Who the partition is, so the image can tell it is still there. */
	if (t->is_part && t->have_partuuid) {
		char g[40];

		part_guid_format(t->partuuid, g, sizeof(g));
		snprintf(part + strlen(part), sizeof(part) - strlen(part), " dumpling.partuuid=%s", g);
	} else if (t->is_part && t->have_mbr) {
		snprintf(part + strlen(part), sizeof(part) - strlen(part),
			 " dumpling.mbr=%08" PRIx32 "-%" PRIu32, t->mbr_signature, t->partno);
	}
	k = snprintf(buf, n, "dumpling.target=%s dumpling.disk=%s%s%s "
		     "dumpling.dump_level=%d dumpling.compress=%s dumpling.format=%s "
		     "dumpling.failure_action=%s dumpling.final_action=%s",
		     c->target == TARGET_EXT4 ? "ext4" : "raw", disk, part, fsdir,
		     c->dump_level, compress_name(c->compress),
		     format_name(c->format), loader_action_name(c->failure_action),
		     loader_action_name(c->final_action));
	return k < 0 || (size_t)k >= n ? -1 : k;
}

/* Building the capture command line (docs/cmdline.md). */
#include <inttypes.h>
#include <stdio.h>

#include "loader/cmdline.h"

int build_cmdline(const struct loader_config *c, const struct target_info *t,
		  char *buf, size_t n)
{
	char disk[64];
	char part[64] = "";
	int k;

	if (c->target != TARGET_RAW || target_disk_spec(t, disk, sizeof(disk)) < 0)
		return -1;
	if (t->is_part)
		snprintf(part, sizeof(part), " dumpling.part=%" PRIu64 "+%" PRIu64,
			 t->part_start, t->part_len);
	k = snprintf(buf, n, "dumpling.target=raw dumpling.disk=%s%s "
		     "dumpling.dump_level=%d dumpling.compress=%s dumpling.format=%s "
		     "dumpling.failure_action=%s dumpling.final_action=%s",
		     disk, part, c->dump_level, compress_name(c->compress),
		     format_name(c->format), loader_action_name(c->failure_action),
		     loader_action_name(c->final_action));
	return k < 0 || (size_t)k >= n ? -1 : k;
}

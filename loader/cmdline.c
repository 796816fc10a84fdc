/* The capture settings for a raw or ext4 target (docs/cmdline.md). */
#include <stdio.h>
#include <string.h>

#include "capture/cmdline_schema.h"
#include "capture/fmt.h"
#include "loader/cmdline.h"

int loader_disk_config(const struct loader_config *c, const struct target_info *t,
		       struct capture_config *out, char *err, size_t errlen)
{
	char disk[64];
	struct span name = { "disk", 4 };

	if (c->target != TARGET_RAW && c->target != TARGET_EXT4)
		return errf(err, errlen, "not a disk target");
	loader_capture_settings(c, out);
	/* The schema reads the driver and PCI function the way the image will. */
	if (target_disk_spec(t, disk, sizeof(disk)) < 0 ||
	    cmdline_option_parse(cmdline_option_find(name),
				 (struct span){ disk, strlen(disk) }, out) < 0)
		return errf(err, errlen, "%s: the image has no driver for %s %s", t->name,
			    t->driver, t->pci);
	if (t->is_part) {
		out->have_part = 1;
		out->part_start = t->part_start;
		out->part_len = t->part_len;
	}
	/* Who the partition is, so the image can tell it is still there. */
	if (t->is_part && t->have_partuuid) {
		out->have_partuuid = 1;
		memcpy(out->partuuid, t->partuuid, sizeof(out->partuuid));
	} else if (t->is_part && t->have_mbr) {
		out->have_mbr = 1;
		out->mbr_signature = t->mbr_signature;
		out->mbr_partno = t->partno;
	}
	return 0;
}

int build_cmdline(const struct loader_config *c, const struct target_info *t,
		  char *buf, size_t n)
{
	struct capture_config cc;
	char err[256];

	if (loader_disk_config(c, t, &cc, err, sizeof(err)) < 0)
		return -1;
	return cmdline_write(&cc, buf, n, err, sizeof(err));
}

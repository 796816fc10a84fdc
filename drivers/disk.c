/* Which driver handles dumpling.disk=. */
#include <stdio.h>
#include <string.h>

#include "drivers/disk.h"
#include "drivers/nvme.h"
#include "drivers/virtio_blk.h"

int disk_open(const struct disk_spec *spec, struct blk_dev *out, char *err, size_t errlen)
{
	char drv[sizeof(spec->driver) + 1];

	memset(out, 0, sizeof(*out));
	/* The spec's driver field need not be terminated. */
	memcpy(drv, spec->driver, sizeof(spec->driver));
	drv[sizeof(spec->driver)] = 0;

	if (strcmp(drv, "virtio-blk") == 0)
		return virtio_blk_open(spec, out, err, errlen);
	if (strcmp(drv, "nvme") == 0)
		return nvme_open(spec, out, err, errlen);
	snprintf(err, errlen, "unknown disk driver \"%s\" (known: virtio-blk, nvme)", drv);
	return -1;
}

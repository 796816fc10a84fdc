/* Which driver handles dumpling.disk=. */
#include <stdio.h>
#include <string.h>

#include "drivers/disk.h"
#include "drivers/nvme.h"
#include "drivers/virtio_blk.h"
#include "capture/fmt.h"

int disk_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out, char *err,
	      size_t errlen)
{
	const char *name = pci_fn_kind_name(spec->kind);

	memset(out, 0, sizeof(*out));
	if (spec->kind == PCI_FN_VIRTIO_BLK)
		return virtio_blk_open(spec, depth, out, err, errlen);
	if (spec->kind == PCI_FN_NVME)
		return nvme_open(spec, depth, out, err, errlen);
	return errf(err, errlen, "\"%s\" is not a disk driver (known: virtio-blk, nvme)",
		    name ? name : "none");
}

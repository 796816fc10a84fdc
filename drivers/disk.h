/*
 * Opens the disk named on the command line (dumpling.disk=DRIVER@SEG:BUS:DEV.FN).
 */
#ifndef DRIVERS_DISK_H
#define DRIVERS_DISK_H

#include <stddef.h>

#include "drivers/pci_fn.h"
#include "drivers/blk.h"

/*
 * Dispatches on spec->kind: virtio-blk or nvme. depth: writes in flight
 * (drivers/blk_queue.h; 0: the default, 1: one at a time).
 * Returns 0 with *out ready for I/O, or -1 with a message in err.
 */
int disk_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out, char *err,
	      size_t errlen);

#endif

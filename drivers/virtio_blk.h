/*
 * virtio-blk over PCI, polled, one request queue, several writes in flight.
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <stddef.h>

#include "drivers/pci_fn.h"
#include "drivers/blk.h"

/*
 * Finds the virtio-blk function at spec's PCI address, takes it from the
 * crashed kernel (quiesce, reset), brings it up and fills *out: 512-byte
 * sectors, capacity from the device, read/write/flush. Returns 0, or -1 with
 * a message in err ("no virtio-blk at 0000:00:04.0: found 8086:100e").
 * At most VIRTIO_BLK_MAX_DEVS devices can be open. depth: writes in flight
 * (blk_queue.h; 0: the default, 1: each write waits for its completion).
 */
#define VIRTIO_BLK_MAX_DEVS	2
int virtio_blk_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out,
		    char *err, size_t errlen);

#endif

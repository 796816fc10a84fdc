/*
 * NVMe over PCIe, polled: one admin queue and one I/O queue pair in the
 * image's memory, several writes in flight.
 */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H

#include <stddef.h>

#include "drivers/pci_fn.h"
#include "drivers/blk.h"

/*
 * Finds the NVMe controller at spec's PCI address, takes it from the crashed
 * kernel (quiesce, disable, rebuild the admin queue), identifies it and the
 * namespace spec->nsid (0 means 1), creates an I/O queue pair and fills *out:
 * the namespace's LBA size (512 or 4096), its capacity, the transfer limit
 * (MDTS, at most 1 MiB) and read/write/flush. Returns 0, or -1 with a
 * message in err. At most NVME_MAX_DEVS controllers can be open. depth: writes
 * in flight (blk_queue.h; 0: the default, 1: each write waits for its completion).
 */
#define NVME_MAX_DEVS	2
int nvme_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out, char *err,
	      size_t errlen);

#endif

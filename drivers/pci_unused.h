/*
 * Devices the dump does not use. The crashed kernel may have left any of them
 * in the middle of DMA (a disk being written, a NIC receiving a flood): their
 * writes would change the memory being dumped, and their MSIs land on vectors
 * nobody handles. Bus mastering off stops both.
 */
#ifndef DRIVERS_PCI_UNUSED_H
#define DRIVERS_PCI_UNUSED_H

#include "drivers/pci_fn.h"

/*
 * pci_quiesce() on every function of segment 0 except bridges (their
 * bus-master bit gates the DMA of everything behind them, our device too) and
 * the functions in keep[0..nkeep). Returns how many were quiesced.
 */
int pci_quiesce_unused(const struct pci_fn *keep, int nkeep);

#endif

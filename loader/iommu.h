/*
 * Is the target's PCI function behind an IOMMU that translates its DMA? The
 * crashed kernel will leave it so, and the capture image then gives the
 * device a mapping of its own; `dumpling load` says so in its summary.
 */
#ifndef LOADER_IOMMU_H
#define LOADER_IOMMU_H

#include <stddef.h>

/*
 * From sysfs (DUMPLING_SYSROOT applies): the device's iommu_group and its
 * type, and the unit under /sys/class/iommu. Writes "" when the device has no
 * IOMMU group, else e.g. "behind IOMMU dmar0 (group 3, DMA-FQ domain: the
 * image maps its own memory for it)". Returns 1 if translated, 0 otherwise.
 */
int iommu_describe(const char *pci, char *buf, size_t n);

#endif

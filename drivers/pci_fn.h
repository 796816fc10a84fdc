/*
 * A PCI function the image drives, and which driver drives it: what the
 * loader saw in sysfs and wrote as dumpling.disk= or dumpling.nic=.
 */
#ifndef DRIVERS_PCI_FN_H
#define DRIVERS_PCI_FN_H

#include <stddef.h>
#include <stdint.h>

enum pci_fn_kind {
	PCI_FN_NONE,
	PCI_FN_VIRTIO_BLK,
	PCI_FN_NVME,
	PCI_FN_E1000,
	PCI_FN_VIRTIO_NET,
	PCI_FN_NKINDS
};

struct pci_fn {
	enum pci_fn_kind kind;
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint32_t nsid;		/* NVMe namespace; 0 when not given (namespace 1) */
};

/* The driver's name as the command line and sysfs spell it; NULL if none. */
static inline const char *pci_fn_kind_name(enum pci_fn_kind k)
{
	static const char *const names[PCI_FN_NKINDS] = {
		[PCI_FN_VIRTIO_BLK] = "virtio-blk",
		[PCI_FN_NVME] = "nvme",
		[PCI_FN_E1000] = "e1000",
		[PCI_FN_VIRTIO_NET] = "virtio-net",
	};

	return (unsigned)k < PCI_FN_NKINDS ? names[k] : NULL;
}

/* The kind named by s[0..len); PCI_FN_NONE if no driver has that name. */
static inline enum pci_fn_kind pci_fn_kind_find(const char *s, size_t len)
{
	for (int k = PCI_FN_NONE + 1; k < PCI_FN_NKINDS; k++) {
		const char *n = pci_fn_kind_name((enum pci_fn_kind)k);
		size_t i = 0;

		while (i < len && n[i] && n[i] == s[i])
			i++;
		if (i == len && !n[i])
			return (enum pci_fn_kind)k;
	}
	return PCI_FN_NONE;
}

#endif

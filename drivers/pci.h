/*
 * PCI configuration space through the legacy port mechanism (#1: 0xCF8/0xCFC),
 * which reaches the first 256 bytes of every function on segment 0 and works on
 * every x86 machine, QEMU's i440fx included. Enough to find one device, size
 * its BARs, walk its capabilities, and take it away from the crashed kernel.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configuration header offsets (type 0). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_PROG_IF		0x09
#define PCI_SUBCLASS		0x0a
#define PCI_CLASS		0x0b
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_CAP_PTR		0x34

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST	0x0010

#define PCI_CAP_PM		0x01
#define PCI_CAP_MSI		0x05
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_EXP		0x10
#define PCI_CAP_MSIX		0x11

/* The most capabilities a 256-byte space can hold (each takes >= 4 bytes
 * above 0x40); a longer list is a loop. */
#define PCI_MAX_CAPS		48

struct pci_dev {
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if;
	uint8_t header_type;		/* without the multifunction bit */
	char name[16];			/* "0000:00:04.0" */
};

struct pci_bar {
	uint64_t base;			/* address (memory) or port (I/O) */
	uint64_t size;			/* 0: BAR not implemented */
	bool io;
	bool is64;			/* memory BAR taking two slots */
	bool prefetchable;
};

/* Raw configuration access; reg is a byte offset below 256, naturally aligned. */
uint8_t pci_read8(const struct pci_dev *d, unsigned reg);
uint16_t pci_read16(const struct pci_dev *d, unsigned reg);
uint32_t pci_read32(const struct pci_dev *d, unsigned reg);
void pci_write8(const struct pci_dev *d, unsigned reg, uint8_t v);
void pci_write16(const struct pci_dev *d, unsigned reg, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned reg, uint32_t v);

/*
 * Fills *out for the function at seg:bus:dev.fn. Returns 0, -1 if nothing
 * answers there, or -2 for a segment other than 0 (needs ECAM, not done yet).
 */
int pci_find(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, struct pci_dev *out);

/* "virtio-blk", "nvme", "e1000", ... or a class name; for messages only. */
const char *pci_describe(const struct pci_dev *d);

/*
 * Calls fn for every function on segment 0 (brute force over all buses; the
 * firmware or the crashed kernel numbered them). Stops early when fn returns
 * non-zero and returns that value; 0 otherwise.
 */
int pci_enumerate(int (*fn)(const struct pci_dev *d, void *arg), void *arg);

/* Logs "pci 0000:00:04.0 1af4:1001 virtio-blk" for every function. */
void pci_log_all(void);

/*
 * Reads BAR i (0..5). Memory and I/O decoding are switched off while the BAR
 * is sized, then the BAR and COMMAND are restored. Returns 0, or -1 when i is
 * out of range or is the upper half of a 64-bit BAR.
 */
int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out);

/*
 * Capability list: stores up to max offsets in caps and returns how many.
 * A looping or out-of-range list is cut short.
 */
int pci_cap_list(const struct pci_dev *d, uint8_t *caps, int max);
/* Offset of the first capability with this id, or 0. */
unsigned pci_cap_find(const struct pci_dev *d, uint8_t id);

/*
 * Takes the function away from the crashed kernel: clears bus mastering so no
 * new DMA starts, disables MSI and MSI-X (masked first) and INTx.
 */
void pci_quiesce(const struct pci_dev *d);

/*
 * Brings the function to D0 and turns on memory and I/O decoding and bus
 * mastering, with INTx still disabled. Call after pci_quiesce, before touching
 * the device's registers.
 */
void pci_enable(const struct pci_dev *d);

#endif

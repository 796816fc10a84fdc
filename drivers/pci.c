/*
 * PCI configuration space, mechanism #1.
 *
 * Port 0xCF8 selects bus/device/function/dword, port 0xCFC (+0..3) moves the
 * data. We run on one CPU with interrupts off, so the select-then-access pair
 * needs no lock.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/pci.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc

static void pci_select(const struct pci_dev *d, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (uint32_t)d->bus << 16 |
	     (uint32_t)(d->dev & 31) << 11 | (uint32_t)(d->fn & 7) << 8 | (reg & 0xfc));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned reg)
{
	pci_select(d, reg);
	return inb(PCI_CONFIG_DATA + (reg & 3));
}

uint16_t pci_read16(const struct pci_dev *d, unsigned reg)
{
	pci_select(d, reg);
	return inw(PCI_CONFIG_DATA + (reg & 2));
}

uint32_t pci_read32(const struct pci_dev *d, unsigned reg)
{
	pci_select(d, reg);
	return inl(PCI_CONFIG_DATA);
}

void pci_write8(const struct pci_dev *d, unsigned reg, uint8_t v)
{
	pci_select(d, reg);
	outb(PCI_CONFIG_DATA + (reg & 3), v);
}

void pci_write16(const struct pci_dev *d, unsigned reg, uint16_t v)
{
	pci_select(d, reg);
	outw(PCI_CONFIG_DATA + (reg & 2), v);
}

void pci_write32(const struct pci_dev *d, unsigned reg, uint32_t v)
{
	pci_select(d, reg);
	outl(PCI_CONFIG_DATA, v);
}

int pci_find(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, struct pci_dev *out)
{
	uint32_t id, class;

	memset(out, 0, sizeof(*out));
	out->seg = seg;
	out->bus = bus;
	out->dev = dev;
	out->fn = fn;
	snprintf(out->name, sizeof(out->name), "%04x:%02x:%02x.%x", seg, bus, dev, fn);
	if (seg != 0)
		return -2;		/* other segments need ECAM (MCFG) */
	if (dev > 31 || fn > 7)
		return -1;
	id = pci_read32(out, PCI_VENDOR_ID);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return -1;
	class = pci_read32(out, PCI_REVISION);
	out->vendor = id & 0xffff;
	out->device = id >> 16;
	out->prog_if = class >> 8;
	out->subclass = class >> 16;
	out->class = class >> 24;
	out->header_type = pci_read8(out, PCI_HEADER_TYPE) & 0x7f;
	return 0;
}

const char *pci_describe(const struct pci_dev *d)
{
	if (d->vendor == 0x1af4) {
		switch (d->device) {
		case 0x1000: case 0x1041: return "virtio-net";
		case 0x1001: case 0x1042: return "virtio-blk";
		}
		return "virtio";
	}
	if (d->vendor == 0x8086 && d->device == 0x100e)
		return "e1000";
	if (d->class == 0x01 && d->subclass == 0x08 && d->prog_if == 0x02)
		return "nvme";
	switch (d->class) {
	case 0x01: return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x06:
		switch (d->subclass) {
		case 0x00: return "host bridge";
		case 0x01: return "isa bridge";
		case 0x04: return "pci bridge";
		}
		return "bridge";
	case 0x0c: return "serial bus";
	}
	return "other";
}

int pci_enumerate(int (*fn)(const struct pci_dev *d, void *arg), void *arg)
{
	struct pci_dev d;
	int r;

	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			if (pci_find(0, bus, dev, 0, &d) != 0)
				continue;
			bool multi = pci_read8(&d, PCI_HEADER_TYPE) & 0x80;
			for (unsigned f = 0; f < (multi ? 8u : 1u); f++) {
				if (f && pci_find(0, bus, dev, f, &d) != 0)
					continue;
				if ((r = fn(&d, arg)) != 0)
					return r;
			}
		}
	}
	return 0;
}

static int log_one(const struct pci_dev *d, void *arg)
{
	port_log("pci %s %04x:%04x %s\n", d->name, d->vendor, d->device, pci_describe(d));
	return 0;
}

void pci_log_all(void)
{
	pci_enumerate(log_one, NULL);
}

/* Memory BARs: bits 2:1 give the type, 10b is 64-bit. */
static bool bar_is_mem64(uint32_t v)
{
	return !(v & 1) && ((v >> 1) & 3) == 2;
}

int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out)
{
	int nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	uint32_t lo, hi = 0, szlo, szhi = 0;
	uint16_t cmd;
	unsigned reg;
	int j;

	memset(out, 0, sizeof(*out));
	if (i < 0 || i >= nbars)
		return -1;
	/* Walk from BAR0 so the upper half of a 64-bit BAR is not taken for one. */
	for (j = 0; j < i; j++)
		if (bar_is_mem64(pci_read32(d, PCI_BAR0 + 4 * j)))
			j++;
	if (j != i)
		return -1;

	reg = PCI_BAR0 + 4 * i;
	lo = pci_read32(d, reg);
	out->io = lo & 1;
	out->is64 = bar_is_mem64(lo);
	if (out->is64 && i + 1 >= nbars)
		return -1;
	if (out->is64)
		hi = pci_read32(d, reg + 4);

	/* Size it with decoding off, so the all-ones address decodes nothing. */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	pci_write32(d, reg, 0xffffffff);
	szlo = pci_read32(d, reg);
	pci_write32(d, reg, lo);
	if (out->is64) {
		pci_write32(d, reg + 4, 0xffffffff);
		szhi = pci_read32(d, reg + 4);
		pci_write32(d, reg + 4, hi);
	}
	pci_write16(d, PCI_COMMAND, cmd);

	if (out->io) {
		uint32_t mask = szlo & ~3u;

		out->base = lo & ~3u;
		if (mask) {
			/* 16-bit I/O decoders read back zeros in the upper half. */
			if (!(mask & 0xffff0000u))
				mask |= 0xffff0000u;
			out->size = (uint32_t)(~mask + 1);
		}
	} else {
		uint64_t mask = (uint64_t)szhi << 32 | (szlo & ~0xfu);

		if (!out->is64)
			mask |= 0xffffffff00000000ull;
		out->prefetchable = lo & 8;
		out->base = ((uint64_t)hi << 32 | lo) & ~0xfull;
		if (mask & 0xfffffffffffffff0ull)
			out->size = ~mask + 1;
		if (szlo == 0 && szhi == 0)
			out->size = 0;	/* not implemented */
	}
	return 0;
}

int pci_cap_list(const struct pci_dev *d, uint8_t *caps, int max)
{
	unsigned p;
	int n = 0;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	p = pci_read8(d, PCI_CAP_PTR) & 0xfc;
	for (int steps = 0; p && steps < PCI_MAX_CAPS && n < max; steps++) {
		if (p < 0x40)
			break;		/* inside the standard header: corrupt */
		caps[n++] = p;
		p = pci_read8(d, p + 1) & 0xfc;
	}
	return n;
}

unsigned pci_cap_find(const struct pci_dev *d, uint8_t id)
{
	uint8_t caps[PCI_MAX_CAPS];
	int n = pci_cap_list(d, caps, PCI_MAX_CAPS);

	for (int i = 0; i < n; i++)
		if (pci_read8(d, caps[i]) == id)
			return caps[i];
	return 0;
}

#define PCI_MSI_FLAGS_ENABLE	0x0001
#define PCI_MSIX_FLAGS_MASKALL	0x4000
#define PCI_MSIX_FLAGS_ENABLE	0x8000

void pci_quiesce(const struct pci_dev *d)
{
	uint16_t cmd, ctl;
	unsigned cap;

	/* No new DMA from whatever the crashed kernel left queued. */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, (cmd & ~PCI_COMMAND_MASTER) | PCI_COMMAND_INTX_DISABLE);

	/* No interrupts: MSI goes through vectors (and perhaps IRTEs) that are
	 * no longer ours. */
	if ((cap = pci_cap_find(d, PCI_CAP_MSI)) != 0) {
		ctl = pci_read16(d, cap + 2);
		pci_write16(d, cap + 2, ctl & ~PCI_MSI_FLAGS_ENABLE);
	}
	if ((cap = pci_cap_find(d, PCI_CAP_MSIX)) != 0) {
		ctl = pci_read16(d, cap + 2) | PCI_MSIX_FLAGS_MASKALL;
		pci_write16(d, cap + 2, ctl);
		pci_write16(d, cap + 2, ctl & ~PCI_MSIX_FLAGS_ENABLE);
	}
}

void pci_enable(const struct pci_dev *d)
{
	unsigned cap;
	uint16_t cmd;

	/* A runtime-suspended device answers config cycles but not MMIO. */
	if ((cap = pci_cap_find(d, PCI_CAP_PM)) != 0) {
		uint16_t pmcsr = pci_read16(d, cap + 4);

		if (pmcsr & 3) {
			port_log("pci %s: power state D%u -> D0\n", d->name, pmcsr & 3);
			pci_write16(d, cap + 4, pmcsr & ~3);
			udelay(10000);
		}
	}
	cmd = pci_read16(d, PCI_COMMAND);
	cmd |= PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	       PCI_COMMAND_INTX_DISABLE;
	pci_write16(d, PCI_COMMAND, cmd);
}

/*
 * The image's side of the IOMMU work (see iommu.h): finds the units in the
 * ACPI tables once, prints one line for each, and opens the door for the
 * devices the drivers bring up. Memory for the new tables is a static pool,
 * inside the reservation like everything of ours.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/iommu.h"
#include "drivers/pci.h"
#include "capture/fmt.h"

/* VT-d: root, context copies, identity tables, queue: ~16 pages. AMD: the
 * device table up to its last valid entry: 256 KiB covers buses 0-31. */
#define POOL_SIZE	(320u << 10)
static uint8_t pool[POOL_SIZE] __attribute__((aligned(4096)));
static size_t pool_used;

extern char _head[], __image_end[];

static const void *mem_map(struct iommu_mem *m, uint64_t pa, size_t len)
{
	(void)m;
	if (pa + len < pa || pa + len > (1ull << 52) || paging_ensure_ram(pa, len))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static void *mem_alloc(struct iommu_mem *m, size_t size, uint64_t *pa)
{
	void *p;

	(void)m;
	size = (size + 4095) & ~(size_t)4095;
	if (size > POOL_SIZE - pool_used)
		return NULL;
	p = pool + pool_used;
	pool_used += size;
	memset(p, 0, size);
	*pa = virt_to_phys(p);
	return p;
}

static struct iommu_mem mem = { .map = mem_map, .alloc = mem_alloc };

unsigned iommu_pool_bytes(void)
{
	return POOL_SIZE;
}

static uint32_t reg_rd32(struct iommu_regs *r, unsigned off) { return mmio_read32((uint8_t *)r->ctx + off); }
static uint64_t reg_rd64(struct iommu_regs *r, unsigned off) { return mmio_read64((uint8_t *)r->ctx + off); }
static void reg_wr32(struct iommu_regs *r, unsigned off, uint32_t v) { mmio_write32((uint8_t *)r->ctx + off, v); }
static void reg_wr64(struct iommu_regs *r, unsigned off, uint64_t v) { mmio_write64((uint8_t *)r->ctx + off, v); }
static uint64_t reg_now_us(struct iommu_regs *r) { (void)r; return port_now_ns() / 1000; }

struct unit_state {
	struct iommu_regs regs;
	bool mapped;
	bool opened;			/* we own its tables now */
	bool reported;
	/* Once opened, the registers point at our copies: a second device's
	 * door is built again from the crashed kernel's tables, for all the
	 * devices opened so far. */
	uint64_t orig_table;		/* RTADDR / DevTabBase the crashed kernel set */
	struct iommu_target all;
};

static struct iommu_unit units[IOMMU_MAX_UNITS];
static struct unit_state ustate[IOMMU_MAX_UNITS];
static int nunits = -1;			/* -1: not looked yet */
static char acpi_err[160];

static int map_unit(int i)
{
	struct unit_state *u = &ustate[i];
	/* VT-d registers fit in a page, but fault records may lie beyond (FRO);
	 * AMD-Vi's head/tail registers are at 0x2000. */
	uint64_t size = units[i].kind == IOMMU_AMD ? 0x4000 : 0x1000;

	if (u->mapped)
		return 0;
	if (!(u->regs.ctx = mmio_map(units[i].base, size)))
		return -1;
	if (units[i].kind == IOMMU_VTD) {
		uint64_t cap = mmio_read64((uint8_t *)u->regs.ctx + VTD_CAP);
		uint64_t ecap = mmio_read64((uint8_t *)u->regs.ctx + VTD_ECAP);
		uint64_t end = VTD_CAP_FRO(cap) + 16ull * VTD_CAP_NFR(cap);

		if (VTD_ECAP_IRO(ecap) + 16 > end)
			end = VTD_ECAP_IRO(ecap) + 16;
		if (end > size && end <= 0x10000 && !mmio_map(units[i].base, end))
			return -1;
	}
	u->regs.rd32 = reg_rd32;
	u->regs.rd64 = reg_rd64;
	u->regs.wr32 = reg_wr32;
	u->regs.wr64 = reg_wr64;
	u->regs.now_us = reg_now_us;
	u->mapped = true;
	return 0;
}

static void find_units(void)
{
	const uint8_t *t;
	uint32_t len;
	int n;

	nunits = 0;
	mem.own_lo = virt_to_phys(_head);
	mem.own_hi = virt_to_phys(__image_end);
	if ((t = acpi_find_table("DMAR", &len)) != NULL) {
		n = iommu_parse_dmar(t, len, units, IOMMU_MAX_UNITS, acpi_err, sizeof(acpi_err));
		if (n < 0)
			return;
		nunits = n;
	}
	if ((t = acpi_find_table("IVRS", &len)) != NULL) {
		n = iommu_parse_ivrs(t, len, units + nunits, IOMMU_MAX_UNITS - nunits, acpi_err,
				     sizeof(acpi_err));
		if (n < 0)
			return;
		nunits += n;
	}
	if (nunits == 0)
		port_log("iommu: the firmware describes none (no DMAR or IVRS table)\n");
}

static int bridge_buses(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *sec,
			uint8_t *sub)
{
	struct pci_dev d;

	(void)ctx;
	if (pci_find(0, bus, dev, fn, &d) != 0 || d.header_type != 1)
		return -1;
	*sec = pci_read8(&d, 0x19);
	*sub = pci_read8(&d, 0x1a);
	return 0;
}

/* The bridges above d, and the requester IDs they substitute (as Linux's
 * pci_for_each_dma_alias): a PCIe-to-PCI bridge uses its secondary bus with
 * devfn 0, a conventional PCI bridge its own ID. */
struct upstream { uint8_t bus, dev, fn; bool found; };

static int find_upstream(const struct pci_dev *b, void *arg)
{
	struct upstream *u = arg;

	if (b->header_type == 1 && pci_read8(b, 0x19) == u->bus) {
		u->bus = b->bus;
		u->dev = b->dev;
		u->fn = b->fn;
		u->found = true;
		return 1;
	}
	return 0;
}

static void target_rids(const struct pci_dev *d, struct iommu_target *t)
{
	uint8_t bus = d->bus;

	memset(t, 0, sizeof(*t));
	t->seg = d->seg;
	t->name = d->name;
	t->rid[t->nrid++] = iommu_rid(d->bus, d->dev, d->fn);
	for (int depth = 0; bus != 0 && depth < 8 && t->nrid < IOMMU_MAX_RIDS; depth++) {
		struct upstream u = { .bus = bus };
		struct pci_dev br;
		unsigned cap;

		pci_enumerate(find_upstream, &u);
		if (!u.found || pci_find(0, u.bus, u.dev, u.fn, &br) != 0)
			break;
		cap = pci_cap_find(&br, PCI_CAP_EXP);
		if (!cap)	/* conventional PCI bridge: it masters for everyone below */
			t->rid[t->nrid++] = iommu_rid(br.bus, br.dev, br.fn);
		else if (((pci_read16(&br, cap + 2) >> 4) & 0xf) == 7)	/* PCIe to PCI */
			t->rid[t->nrid++] = (uint16_t)(pci_read8(&br, 0x19) << 8);
		else if (((pci_read16(&br, cap + 2) >> 4) & 0xf) == 8)	/* PCI to PCIe */
			t->rid[t->nrid++] = iommu_rid(br.bus, br.dev, br.fn);
		bus = br.bus;
	}
}

static void describe_vtd(const struct vtd_state *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s mode, translation %s, queued invalidation %s, interrupt "
		 "remapping %s", s->scalable ? "scalable" : "legacy", s->te ? "on" : "off",
		 s->qi ? "on" : "off", s->ir ? "on" : "off");
}

/* One line per unit that does not cover the device (once). */
static void report_others(int covering)
{
	char desc[160];

	for (int i = 0; i < nunits; i++) {
		if (i == covering || ustate[i].reported)
			continue;
		ustate[i].reported = true;
		if (map_unit(i)) {
			port_log("iommu %s at 0x%llx: cannot map its registers\n", units[i].name,
				 (unsigned long long)units[i].base);
			continue;
		}
		if (units[i].kind == IOMMU_VTD) {
			struct vtd_state s;

			if (vtd_read_state(&ustate[i].regs, &s, desc, sizeof(desc)) == 0)
				describe_vtd(&s, desc, sizeof(desc));
		} else {
			uint64_t ctl = ustate[i].regs.rd64(&ustate[i].regs, AMD_CONTROL);

			snprintf(desc, sizeof(desc), "AMD-Vi, translation %s",
				 (ctl & AMD_CTL_EN) ? "on" : "off");
		}
		port_log("iommu %s at 0x%llx: %s; left as it was (the target is not behind it)\n",
			 units[i].name, (unsigned long long)units[i].base, desc);
	}
}

/* The devices this unit's door is for: those opened before, and t. */
static const struct iommu_target *with_earlier(int i, const struct iommu_target *t)
{
	struct iommu_target *all = &ustate[i].all;

	if (!ustate[i].opened) {
		*all = *t;
		return all;
	}
	for (int k = 0; k < t->nrid && all->nrid < IOMMU_MAX_RIDS; k++) {
		int seen = 0;

		for (int j = 0; j < all->nrid; j++)
			seen |= all->rid[j] == t->rid[k];
		if (!seen)
			all->rid[all->nrid++] = t->rid[k];
	}
	all->name = t->name;
	return all;
}

static int open_vtd(int i, const struct iommu_target *t, char *err, size_t errlen)
{
	struct iommu_regs *r = &ustate[i].regs;
	struct vtd_state s;
	struct vtd_door d;
	char desc[160], what[320], why[256];

	if (vtd_read_state(r, &s, why, sizeof(why)))
		goto fail;
	describe_vtd(&s, desc, sizeof(desc));
	if (!s.te) {
		port_log("iommu %s at 0x%llx: %s; nothing to do for %s\n", units[i].name,
			 (unsigned long long)units[i].base, desc, t->name);
		return 0;
	}
	if (ustate[i].opened)
		s.rtaddr = ustate[i].orig_table | (s.rtaddr & 0xfff);
	else
		ustate[i].orig_table = s.rtaddr & ~0xfffull;
	if (vtd_open_door(r, &mem, &s, with_earlier(i, t), &d, what, sizeof(what), why,
			  sizeof(why)))
		goto fail;
	ustate[i].opened = true;
	port_log("iommu %s at 0x%llx: %s; %s\n", units[i].name, (unsigned long long)units[i].base,
		 desc, what);
	return 0;
fail:
	return errf(err, errlen, "iommu %s at 0x%llx, device %s: %s", units[i].name,
		    (unsigned long long)units[i].base, t->name, why);
}

static int open_amd(int i, const struct iommu_target *t, uint16_t alias, char *err,
		    size_t errlen)
{
	struct iommu_regs *r = &ustate[i].regs;
	struct iommu_target ids = { .seg = t->seg, .name = t->name };
	struct amd_door d;
	char what[320], why[256];

	if (!(r->rd64(r, AMD_CONTROL) & AMD_CTL_EN)) {
		port_log("iommu %s at 0x%llx: AMD-Vi, translation off; nothing to do for %s\n",
			 units[i].name, (unsigned long long)units[i].base, t->name);
		return 0;
	}
	/* The IVHD may say the device's DMA carries another ID: open that too. */
	for (int k = 0; k < t->nrid; k++)
		ids.rid[ids.nrid++] = t->rid[k];
	if (alias != t->rid[0] && ids.nrid < IOMMU_MAX_RIDS)
		ids.rid[ids.nrid++] = alias;
	t = with_earlier(i, &ids);
	if (!ustate[i].opened)
		ustate[i].orig_table = r->rd64(r, AMD_DEVTAB_BASE);
	if (amd_open_door(r, &mem, t, t->rid, t->nrid, ustate[i].orig_table, &d, what,
			  sizeof(what), why, sizeof(why))) {
		return errf(err, errlen, "iommu %s at 0x%llx, device %s: %s", units[i].name,
			    (unsigned long long)units[i].base, t->name, why);
	}
	ustate[i].opened = true;
	port_log("iommu %s at 0x%llx: AMD-Vi, translation on; %s\n", units[i].name,
		 (unsigned long long)units[i].base, what);
	return 0;
}

static int covering_unit(const struct pci_dev *d, struct iommu_target *t, uint16_t *alias,
			 char *err, size_t errlen)
{
	char why[200];
	int i;

	target_rids(d, t);
	i = iommu_find_unit(units, nunits, d->seg, t->rid[0], bridge_buses, NULL, alias, why,
			    sizeof(why));
	if (i == -2)
		snprintf(err, errlen, "iommu: device %s: %s", d->name, why);
	return i;
}

int iommu_open_device(const struct pci_dev *d, char *err, size_t errlen)
{
	struct iommu_target t;
	uint16_t alias;
	int i;

	if (nunits < 0)
		find_units();
	if (acpi_err[0]) {
		return errf(err, errlen, "iommu: cannot tell whether device %s is behind an IOMMU: %s",
			    d->name, acpi_err);
	}
	i = covering_unit(d, &t, &alias, err, errlen);
	if (i == -2)
		return -1;
	report_others(i);
	if (i < 0) {
		if (nunits)
			port_log("iommu: no unit covers %s; its DMA is not translated\n", d->name);
		return 0;
	}
	ustate[i].reported = true;
	if (map_unit(i)) {
		return errf(err, errlen, "iommu %s at 0x%llx, device %s: cannot map its registers",
			    units[i].name, (unsigned long long)units[i].base, d->name);
	}
	return units[i].kind == IOMMU_VTD ? open_vtd(i, &t, err, errlen)
					  : open_amd(i, &t, alias, err, errlen);
}

void iommu_report_faults(const struct pci_dev *d)
{
	struct iommu_target t;
	char buf[400], err[8];
	uint16_t alias;
	int i;

	if (nunits <= 0)
		return;
	i = covering_unit(d, &t, &alias, err, sizeof(err));
	if (i < 0 || map_unit(i))
		return;
	if (units[i].kind == IOMMU_VTD)
		vtd_faults(&ustate[i].regs, buf, sizeof(buf), 4);
	else
		amd_faults(&ustate[i].regs, &mem, buf, sizeof(buf), 4);
	port_log("iommu %s: after the DMA time-out on %s: %s\n", units[i].name, d->name, buf);
}

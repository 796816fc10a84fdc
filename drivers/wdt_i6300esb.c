/*
 * Intel 6300ESB watchdog (PCI 8086:25ab; QEMU's -device i6300esb).
 *
 * Configuration space says whether it runs (lock register 0x68, bit 1) and
 * whether a timeout resets the machine (config 0x60, bit 5 clear). Its
 * registers are 16 bytes of memory BAR0; the reload register at 0x0c takes a
 * write only right after the two-step unlock sequence 0x80, 0x86. Writing
 * the reload bit restarts the first stage of its two-stage count.
 */
#include <stdio.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "drivers/watchdog.h"

#define ESB_DEVICE	0x25ab
#define ESB_CONFIG	0x60
#define ESB_LOCK	0x68
#define CFG_NO_REBOOT	(1u << 5)	/* set: a timeout only raises an interrupt */
#define LOCK_ENABLE	(1u << 1)
#define LOCK_LOCKED	(1u << 0)

#define ESB_RELOAD	0x0c
#define RELOAD_BIT	(1u << 8)
#define UNLOCK1		0x80
#define UNLOCK2		0x86

static void esb_feed(struct watchdog *w)
{
	mmio_write16(w->mmio + ESB_RELOAD, UNLOCK1);
	mmio_write16(w->mmio + ESB_RELOAD, UNLOCK2);
	mmio_write16(w->mmio + ESB_RELOAD, RELOAD_BIT);
}

int wdt_i6300esb_probe(const struct pci_dev *pd, struct watchdog *w)
{
	struct pci_bar bar;
	uint8_t lock;

	if (pd->vendor != 0x8086 || pd->device != ESB_DEVICE)
		return 0;
	w->kind = "i6300ESB";
	w->pci = *pd;
	snprintf(w->where, sizeof(w->where), "pci %s", pd->name);
	lock = pci_read8(pd, ESB_LOCK);
	w->armed = lock & LOCK_ENABLE;
	w->locked = lock & LOCK_LOCKED;
	w->will_reset = !(pci_read16(pd, ESB_CONFIG) & CFG_NO_REBOOT);
	if (pci_bar(pd, 0, &bar) != 0 || bar.io || bar.size < 16 || !bar.base)
		return 1;	/* found, but we cannot reach its registers */
	/* Memory decoding on: a kernel that armed it had it on already. */
	pci_write16(pd, PCI_COMMAND, pci_read16(pd, PCI_COMMAND) | PCI_COMMAND_MEMORY);
	w->mmio = mmio_map(bar.base, 16);
	if (w->mmio)
		w->feed = esb_feed;
	return 1;
}

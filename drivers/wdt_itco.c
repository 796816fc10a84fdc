/*
 * Intel TCO watchdog, version 2: ICH6 to ICH10 and the PCHs up to the
 * 8 series, and QEMU's q35 (ICH9). The LPC bridge (00:1f.0) holds the ACPI
 * power-management I/O base (config 0x40, enabled by 0x44 bit 7); the TCO
 * registers are 32 bytes at PMBASE + 0x60. The timer counts down twice: the
 * first expiry sets TIMEOUT in TCO1_STS, the second resets the machine
 * unless NO_REBOOT (chipset GCS register) is set. Writing TCO_RLD reloads it;
 * clearing TIMEOUT gives back the full two periods. Later PCHs (100 series
 * on) moved TCO to the SMBus function: not handled here.
 */
#include <stdio.h>

#include "arch/x86_64/io.h"
#include "drivers/watchdog.h"

#define LPC_PMBASE	0x40
#define LPC_ACPI_CNTL	0x44
#define ACPI_EN		(1u << 7)
#define TCO_OFFSET	0x60

#define TCO_RLD		0x00
#define TCO1_STS	0x04
#define TCO1_CNT	0x08
#define STS_TIMEOUT	(1u << 3)
#define CNT_TMR_HLT	(1u << 11)
#define CNT_TCO_LOCK	(1u << 12)

static void tco_feed(struct watchdog *w)
{
	outw(w->io + TCO_RLD, 0x01);
	outw(w->io + TCO1_STS, STS_TIMEOUT);	/* write 1 to clear */
}

/* ICH6..ICH10 and 5..8-series PCH LPC bridges are 8086:27b8..3b16, 8c40..9cff;
 * any Intel ISA bridge at 00:1f.0 with ACPI I/O enabled is tried. */
int wdt_itco_probe(const struct pci_dev *pd, struct watchdog *w)
{
	uint32_t pmbase;
	uint16_t cnt;

	if (pd->vendor != 0x8086 || pd->class != 0x06 || pd->subclass != 0x01 ||
	    pd->bus != 0 || pd->dev != 0x1f || pd->fn != 0)
		return 0;
	if (!(pci_read8(pd, LPC_ACPI_CNTL) & ACPI_EN))
		return 0;
	pmbase = pci_read32(pd, LPC_PMBASE) & 0xff80;
	if (!pmbase)
		return 0;
	cnt = inw((uint16_t)(pmbase + TCO_OFFSET + TCO1_CNT));
	if (cnt == 0xffff)
		return 0;	/* nothing decodes there */
	w->kind = "iTCO";
	w->pci = *pd;
	w->io = (uint16_t)(pmbase + TCO_OFFSET);
	snprintf(w->where, sizeof(w->where), "TCO at I/O 0x%x (pci %s)", w->io, pd->name);
	w->armed = !(cnt & CNT_TMR_HLT);
	w->locked = cnt & CNT_TCO_LOCK;
	w->will_reset = true;	/* NO_REBOOT lives in the chipset's RCBA; assume the worst */
	w->feed = tco_feed;
	return 1;
}

/*
 * Hardware watchdogs the crashed kernel may have left running. If one is
 * armed, it resets the machine in the middle of the dump unless someone keeps
 * reloading it; the capture image does (docs/reliability.md says why it feeds
 * rather than stops them).
 */
#ifndef DRIVERS_WATCHDOG_H
#define DRIVERS_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"

struct watchdog {
	const char *kind;		/* "i6300ESB", "iTCO" */
	char where[48];			/* "pci 0000:00:05.0", "TCO at I/O 0x660" */
	bool armed;			/* counting down towards a reset */
	bool will_reset;		/* a timeout resets the machine (not only an interrupt) */
	bool locked;			/* the crashed kernel set nowayout: cannot be stopped */
	volatile uint8_t *mmio;		/* i6300ESB: BAR0 */
	uint16_t io;			/* iTCO: TCO register base */
	struct pci_dev pci;
	void (*feed)(struct watchdog *w);
};

#define WATCHDOG_MAX	4

/*
 * Finds every watchdog we know on segment 0 (i6300ESB, iTCO v2 on an Intel
 * ICH/PCH LPC bridge) and fills w[0..max). Returns how many were found,
 * armed or not. Touches nothing but configuration reads and their registers.
 */
int watchdog_probe(struct watchdog *w, int max);

/* One candidate of each kind (drivers/wdt_*.c): 1 and *w filled if pd is one. */
int wdt_i6300esb_probe(const struct pci_dev *pd, struct watchdog *w);
int wdt_itco_probe(const struct pci_dev *pd, struct watchdog *w);

#endif

/* Finding the hardware watchdogs (watchdog.h). */
#include <string.h>

#include "drivers/watchdog.h"

struct probe_state {
	struct watchdog *w;
	int n, max;
};

static int probe_one(const struct pci_dev *pd, void *arg)
{
	struct probe_state *ps = arg;

	if (ps->n >= ps->max)
		return 1;
	memset(&ps->w[ps->n], 0, sizeof(ps->w[ps->n]));
	if (wdt_i6300esb_probe(pd, &ps->w[ps->n]) || wdt_itco_probe(pd, &ps->w[ps->n]))
		ps->n++;
	return 0;
}

int watchdog_probe(struct watchdog *w, int max)
{
	struct probe_state ps = { w, 0, max };

	pci_enumerate(probe_one, &ps);
	return ps.n;
}

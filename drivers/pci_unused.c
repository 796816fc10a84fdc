/* Quiescing the devices the dump does not use (pci_unused.h). */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "drivers/pci.h"
#include "drivers/pci_unused.h"

struct unused_state {
	const struct pci_fn *keep;
	int nkeep, count;
	char list[160];
};

static int quiesce_one(const struct pci_dev *d, void *arg)
{
	struct unused_state *s = arg;
	size_t k = strlen(s->list);

	if (d->class == 0x06)
		return 0;	/* bridges: their bus-master bit gates everything behind them */
	for (int i = 0; i < s->nkeep; i++)
		if (s->keep[i].seg == d->seg && s->keep[i].bus == d->bus &&
		    s->keep[i].dev == d->dev && s->keep[i].fn == d->fn)
			return 0;
	if (!(pci_read16(d, PCI_COMMAND) & PCI_COMMAND_MASTER))
		return 0;	/* cannot start DMA; MSI needs bus mastering too */
	pci_quiesce(d);
	s->count++;
	if (k + 32 < sizeof(s->list))
		snprintf(s->list + k, sizeof(s->list) - k, "%s%s %s", k ? ", " : "",
			 d->name + 5, pci_describe(d));
	return 0;
}

int pci_quiesce_unused(const struct pci_fn *keep, int nkeep)
{
	struct unused_state s;

	memset(&s, 0, sizeof(s));
	s.keep = keep;
	s.nkeep = nkeep;
	pci_enumerate(quiesce_one, &s);
	if (s.count)
		port_log("pci: bus mastering off on %d function%s the dump does not use: %s\n",
			 s.count, s.count == 1 ? "" : "s", s.list);
	return s.count;
}

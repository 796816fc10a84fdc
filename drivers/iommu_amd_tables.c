/*
 * The AMD-Vi device table, copied with one device changed.
 *
 * One 32-byte entry per device ID (bus << 8 | devfn): data[0] holds V (bit
 * 0), TV (1), the page-table mode (11:9; 0 = no translation) and the IR/IW
 * permissions (61, 62); data[1] the domain ID (15:0); data[2..3] the
 * interrupt remapping fields, which we keep. The DevTabBase register gives
 * the table's address and its size in pages minus one.
 *
 * Our copy covers the old table up to its last valid entry and the target's
 * IDs (a full table is 2 MiB; most machines use a few pages of it). A device
 * beyond that which had no valid entry, and so was not translated, now
 * faults instead: safer, never less safe. The target's entries become
 * pass-through (V, TV, mode 0, IR, IW) in a domain nobody else uses.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/iommu.h"
#include "capture/fmt.h"

#define DTE_V		(1ull << 0)
#define DTE_TV		(1ull << 1)
#define DTE_IR		(1ull << 61)
#define DTE_IW		(1ull << 62)
#define DTE_BYTES	32u
#define PER_PAGE	(4096u / DTE_BYTES)

static uint8_t dom_used[65536 / 8];

int amd_build_door(struct iommu_mem *m, struct amd_door *d, char *err, size_t errlen)
{
	uint64_t pa = d->old_base_reg & 0x000ffffffffff000ull, new_pa;
	unsigned pages = (unsigned)(d->old_base_reg & 0x1ff) + 1, n = pages * PER_PAGE;
	unsigned last = 0, need, i;
	const uint64_t *old;
	uint64_t *dt;
	int k;

	d->new_base_reg = 0;
	if (d->ndev < 1 || d->ndev > IOMMU_MAX_RIDS) {
		return errf(err, errlen, "no device IDs for the target");
	}
	if (!pa) {
		return errf(err, errlen, "device table base is 0 (DevTabBase 0x%llx)",
			    (unsigned long long)d->old_base_reg);
	}
	if (pa < m->own_hi && pa + (uint64_t)pages * 4096 > m->own_lo) {
		return errf(err, errlen, "device table at 0x%llx overlaps the capture image",
			    (unsigned long long)pa);
	}
	old = m->map(m, pa, (size_t)pages * 4096);
	if (!old) {
		return errf(err, errlen, "device table at 0x%llx (%u pages) is not readable memory",
			    (unsigned long long)pa, pages);
	}
	memset(dom_used, 0, sizeof(dom_used));
	dom_used[0] = 1;		/* domain 0 is nobody's */
	for (i = 0; i < n; i++) {
		if (!(old[4 * i] & DTE_V))
			continue;
		last = i;
		dom_used[(old[4 * i + 1] & 0xffff) >> 3] |= (uint8_t)(1u << (old[4 * i + 1] & 7));
	}
	need = last + 1;
	for (k = 0; k < d->ndev; k++)
		if (d->devids[k] + 1u > need)
			need = d->devids[k] + 1u;
	need = (need + PER_PAGE - 1) / PER_PAGE * PER_PAGE;
	for (d->domain = 1; d->domain; d->domain++)
		if (!(dom_used[d->domain >> 3] >> (d->domain & 7) & 1))
			break;
	if (!d->domain) {
		return errf(err, errlen, "all domain IDs are in use");
	}
	dt = m->alloc(m, (size_t)need * DTE_BYTES, &new_pa);
	if (!dt) {
		return errf(err, errlen, "out of memory for a %u KiB device table copy",
			    need * DTE_BYTES / 1024);
	}
	memcpy(dt, old, (size_t)(need < n ? need : n) * DTE_BYTES);
	for (k = 0; k < d->ndev; k++) {
		unsigned id = d->devids[k];
		uint64_t *e = &dt[4 * id];

		d->old_valid[k] = id < n && (old[4 * id] & DTE_V);
		d->old_domain[k] = id < n ? (uint16_t)(old[4 * id + 1] & 0xffff) : 0;
		e[0] = DTE_V | DTE_TV | DTE_IR | DTE_IW;	/* mode 0: untranslated */
		e[1] = d->domain;
		/* e[2], e[3]: the interrupt remapping fields, as they were. */
	}
	d->entries = need;
	d->new_base_reg = new_pa | (need / PER_PAGE - 1);
	return 0;
}

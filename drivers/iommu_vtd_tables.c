/*
 * VT-d translation structures, copied with one device changed.
 *
 * Root table: 256 16-byte entries, one per bus. Legacy mode: lo = context
 * table | P; a context table has 256 16-byte entries, one per devfn:
 * lo = second-level table | TT << 2 | P, hi = DID << 8 | AW. Scalable mode:
 * lo points at the context table for devfn 0x00-0x7f, hi at the one for
 * 0x80-0xff; a context entry is 32 bytes: qw0 = PASID directory | PDTS << 9
 * | P, qw1 = RID_PASID (the PASID of requests without one). The directory
 * holds 8-byte pointers to tables of 64 64-byte PASID entries: qw0 =
 * second-level table | PGTT << 6 | AW << 2 | P, qw1 = DID (| PWSNP << 23).
 *
 * We copy the root table and the context tables of the target's buses into
 * our memory and change only the target's entries: they point at an identity
 * map of the image's memory (4 KiB pages, so a stray write outside it faults
 * instead of landing), under a domain ID no present entry uses. Everything
 * else still points at the crashed kernel's structures, which the hardware
 * only reads.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/iommu.h"
#include "capture/fmt.h"

#define PAGE		4096u
#define P_BIT		1ull
#define ADDR_MASK	0x000ffffffffff000ull
#define SL_R		(1ull << 0)
#define SL_W		(1ull << 1)
#define PGTT_SL		2ull
#define PGTT_PT		4ull
#define PWSNP		(1ull << 23)

/* Our own tables, so we can write into one given its physical address. */
#define MAX_OWN 64
struct builder {
	struct iommu_mem *m;
	uint64_t pa[MAX_OWN];
	uint64_t *va[MAX_OWN];
	int n;
	char *err;
	size_t errlen;
};

static uint64_t *new_table(struct builder *b, uint64_t *pa)
{
	uint64_t *t;

	if (b->n == MAX_OWN || !(t = b->m->alloc(b->m, PAGE, pa))) {
		snprintf(b->err, b->errlen, "out of memory for IOMMU tables (%d pages used)", b->n);
		return NULL;
	}
	b->pa[b->n] = *pa;
	b->va[b->n++] = t;
	return t;
}

static uint64_t *own_table(struct builder *b, uint64_t pa)
{
	for (int i = 0; i < b->n; i++)
		if (b->pa[i] == pa)
			return b->va[i];
	return NULL;
}

/* A pointer read out of the crashed kernel's tables, checked before use. */
static const uint64_t *old_table(struct builder *b, uint64_t pa, size_t len, const char *what)
{
	const uint64_t *t = NULL;

	if (pa >= b->m->own_lo && pa < b->m->own_hi)
		snprintf(b->err, b->errlen, "%s at 0x%llx lies inside the capture image", what,
			 (unsigned long long)pa);
	else if (!(t = b->m->map(b->m, pa, len)))
		snprintf(b->err, b->errlen, "%s at 0x%llx is not readable memory", what,
			 (unsigned long long)pa);
	return t;
}

/* The identity map of [own_lo, own_hi): levels = aw + 2, 4 KiB leaves. */
static int build_identity(struct builder *b, int levels, uint64_t *root_pa)
{
	uint64_t lo = b->m->own_lo & ~(uint64_t)(PAGE - 1), hi = b->m->own_hi, a;
	uint64_t *root = new_table(b, root_pa);

	if (!root)
		return -1;
	for (a = lo; a < hi; a += PAGE) {
		uint64_t *t = root;

		for (int l = levels; l > 1; l--) {
			unsigned i = (a >> (12 + 9 * (l - 1))) & 511;
			uint64_t pa;

			if (!(t[i] & (SL_R | SL_W))) {
				if (!new_table(b, &pa))
					return -1;
				/* QEMU, like the spec, wants R/W on every level. */
				t[i] = pa | SL_R | SL_W;
			}
			t = own_table(b, t[i] & ADDR_MASK);
			if (!t) {
				snprintf(b->err, b->errlen, "identity map: lost a table");
				return -1;
			}
		}
		t[(a >> 12) & 511] = a | SL_R | SL_W;
	}
	return 0;
}

/* Domain IDs in use by present entries, so ours is unique. */
static uint8_t did_used[65536 / 8];

static void mark_did(uint16_t did)
{
	did_used[did >> 3] |= (uint8_t)(1u << (did & 7));
}

static int scan_legacy(struct builder *b, const uint64_t *root)
{
	for (unsigned bus = 0; bus < 256; bus++) {
		const uint64_t *ctx;

		if (!(root[2 * bus] & P_BIT))
			continue;
		ctx = old_table(b, root[2 * bus] & ADDR_MASK, PAGE, "a context table");
		if (!ctx)
			return -1;
		for (unsigned df = 0; df < 256; df++)
			if (ctx[2 * df] & P_BIT)
				mark_did((uint16_t)(ctx[2 * df + 1] >> 8));
	}
	return 0;
}

/* The DID of a present scalable-mode context entry's RID_PASID entry, or -1
 * when it has none (a not-present PASID entry); -2 on a bad pointer. */
static int scalable_did(struct builder *b, const uint64_t *ce, unsigned bus, unsigned df)
{
	uint32_t pasid = (uint32_t)(ce[1] & 0xfffff);
	uint32_t pdts = (uint32_t)((ce[0] >> 9) & 7);
	const uint64_t *dir, *pe;

	if ((pasid >> 6) >= (1u << (pdts + 7))) {
		snprintf(b->err, b->errlen, "context entry %02x:%02x.%x: RID_PASID %u beyond its "
			 "PASID directory (%u entries)", bus, df >> 3, df & 7, pasid, 1u << (pdts + 7));
		return -2;
	}
	dir = old_table(b, (ce[0] & ADDR_MASK) + 8 * (pasid >> 6), 8, "a PASID directory");
	if (!dir)
		return -2;
	if (!(*dir & P_BIT))
		return -1;
	pe = old_table(b, (*dir & ADDR_MASK) + 64 * (pasid & 63), 64, "a PASID table");
	if (!pe)
		return -2;
	return (pe[0] & P_BIT) ? (int)(pe[1] & 0xffff) : -1;
}

static int scan_scalable(struct builder *b, const uint64_t *root)
{
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned half = 0; half < 2; half++) {
			const uint64_t *ctx;

			if (!(root[2 * bus + half] & P_BIT))
				continue;
			ctx = old_table(b, root[2 * bus + half] & ADDR_MASK, PAGE,
					"a scalable-mode context table");
			if (!ctx)
				return -1;
			for (unsigned i = 0; i < 128; i++) {
				int did;

				if (!(ctx[4 * i] & P_BIT))
					continue;
				did = scalable_did(b, &ctx[4 * i], bus, half << 7 | i);
				if (did == -2)
					return -1;
				if (did >= 0)
					mark_did((uint16_t)did);
			}
		}
	}
	return 0;
}

/* Smallest supported AGAW whose width covers the image's memory. */
static int pick_aw(uint64_t cap, uint64_t top)
{
	for (int aw = 1; aw <= 3; aw++) {
		unsigned width = 30 + 9 * aw;

		if ((VTD_CAP_SAGAW(cap) >> aw & 1) && (width >= 64 || top <= (1ull << width)))
			return aw;
	}
	return -1;
}

/* Remembers what the target had, for the console line. */
static void note_old(struct builder *b, struct vtd_door *d, const uint64_t *ctx, unsigned df,
		     bool scalable, unsigned bus)
{
	if (!ctx)
		return;
	if (!scalable) {
		d->was_present = ctx[2 * df] & P_BIT;
		d->old_did = (uint16_t)(ctx[2 * df + 1] >> 8);
		return;
	}
	d->was_present = ctx[4 * (df & 0x7f)] & P_BIT;
	if (d->was_present) {
		int did = scalable_did(b, &ctx[4 * (df & 0x7f)], bus, df);

		d->old_did = did >= 0 ? (uint16_t)did : 0;
	}
}

int vtd_build_door(struct iommu_mem *m, struct vtd_door *d, char *err, size_t errlen)
{
	struct builder b = { .m = m, .err = err, .errlen = errlen };
	const struct iommu_target *t = d->t;
	const uint64_t *old_root;
	uint64_t *root, sl_pa = 0, dir_pa = 0, ndids;
	uint64_t done[IOMMU_MAX_RIDS];	/* slot << 52 | our copy */
	int ndone = 0;

	d->new_root = 0;
	d->was_present = false;
	d->old_did = 0;
	if (t->nrid < 1 || t->nrid > IOMMU_MAX_RIDS) {
		return errf(err, errlen, "no requester IDs for %s", t->name);
	}
	if (!d->old_root || (d->old_root & (PAGE - 1))) {
		return errf(err, errlen, "root table address 0x%llx is not a table",
			    (unsigned long long)d->old_root);
	}
	d->aw = pick_aw(d->cap, m->own_hi);
	if (d->aw < 0) {
		return errf(err, errlen, "no supported address width (SAGAW 0x%x) covers the image "
			    "at 0x%llx", VTD_CAP_SAGAW(d->cap), (unsigned long long)m->own_hi);
	}
	d->pass_through = d->scalable && !(d->ecap & VTD_ECAP_SLTS);
	if (d->pass_through && !(d->ecap & VTD_ECAP_PT)) {
		return errf(err, errlen, "scalable mode without second-level or pass-through "
			    "translation (ECAP 0x%llx): unknown format", (unsigned long long)d->ecap);
	}
	old_root = old_table(&b, d->old_root, PAGE, "the root table");
	if (!old_root)
		return -1;

	/* A domain ID nobody uses: not 0 (caching mode keeps not-present
	 * entries under it), not 1 (Linux's pass-through domain). */
	memset(did_used, 0, sizeof(did_used));
	mark_did(0);
	mark_did(1);
	if ((d->scalable ? scan_scalable(&b, old_root) : scan_legacy(&b, old_root)) != 0)
		return -1;
	ndids = 1ull << (4 + 2 * VTD_CAP_ND(d->cap));
	if (ndids > 65536)
		ndids = 65536;
	for (d->did = 2; d->did < ndids; d->did++)
		if (!(did_used[d->did >> 3] >> (d->did & 7) & 1))
			break;
	if (d->did >= ndids) {
		return errf(err, errlen, "all %llu domain IDs are in use", (unsigned long long)ndids);
	}

	if (!(root = new_table(&b, &d->new_root)))
		return -1;
	memcpy(root, old_root, PAGE);
	if (!d->pass_through && build_identity(&b, d->aw + 2, &sl_pa) != 0)
		return -1;
	if (d->scalable) {
		uint64_t *dir, *pt, pt_pa;

		if (!(dir = new_table(&b, &dir_pa)) || !(pt = new_table(&b, &pt_pa)))
			return -1;
		dir[0] = pt_pa | P_BIT;
		pt[0] = (d->pass_through ? PGTT_PT << 6 : sl_pa | PGTT_SL << 6) |
			(uint64_t)d->aw << 2 | P_BIT;
		pt[1] = d->did | ((d->ecap & VTD_ECAP_SMPWC) ? PWSNP : 0);
	}

	for (int i = 0; i < t->nrid; i++) {
		unsigned bus = t->rid[i] >> 8, df = t->rid[i] & 0xff;
		unsigned slot = d->scalable ? 2 * bus + (df >> 7) : 2 * bus;
		const uint64_t *old_ctx = NULL;
		uint64_t *ctx = NULL, ctx_pa = 0;

		if (old_root[slot] & P_BIT) {
			old_ctx = old_table(&b, old_root[slot] & ADDR_MASK, PAGE, "a context table");
			if (!old_ctx)
				return -1;
		}
		if (i == 0)
			note_old(&b, d, old_ctx, df, d->scalable, bus);
		/* One copy per context table, shared by aliases on the same bus. */
		for (int k = 0; k < ndone; k++)
			if ((done[k] >> 52) == slot)
				ctx = own_table(&b, ctx_pa = done[k] & ADDR_MASK);
		if (!ctx) {
			if (ndone == IOMMU_MAX_RIDS || !(ctx = new_table(&b, &ctx_pa)))
				return -1;
			if (old_ctx)
				memcpy(ctx, old_ctx, PAGE);
			done[ndone++] = (uint64_t)slot << 52 | ctx_pa;
			root[slot] = (root[slot] & ~(ADDR_MASK | P_BIT)) | ctx_pa | P_BIT;
		}
		if (d->scalable) {
			uint64_t *ce = &ctx[4 * (df & 0x7f)];

			ce[0] = dir_pa | P_BIT;		/* PDTS 0: 128 PASIDs */
			ce[1] = 0;			/* RID_PASID 0 */
			ce[2] = ce[3] = 0;
		} else {
			ctx[2 * df] = sl_pa | P_BIT;	/* TT 0: second-level table */
			ctx[2 * df + 1] = (uint64_t)d->did << 8 | (uint64_t)d->aw;
		}
	}
	d->tables = (unsigned)b.n;
	return 0;
}

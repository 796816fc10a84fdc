/*
 * VT-d registers: taking over a unit the crashed kernel left translating.
 *
 * Order, as Linux's kdump kernel does it (copy_translation_tables, then
 * iommu_set_root_entry): mask fault events, build our copy of the tables,
 * replace the invalidation queue with one in our memory (posting on the old
 * one would write the crashed kernel's RAM), point RTADDR at our root table
 * with the table type unchanged, then invalidate the context cache, the PASID
 * cache (scalable mode) and the IOTLB. Translation stays on throughout.
 * Every register wait is bounded.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/iommu.h"
#include "capture/fmt.h"

#define STATUS_TIMEOUT_US	1000000
#define DRAIN_TIMEOUT_US	100000
#define INVAL_TIMEOUT_US	1000000

#define FSTS_PFO	(1u << 0)
#define FSTS_PPF	(1u << 1)
#define FSTS_IQE	(1u << 4)
#define FSTS_ICE	(1u << 5)
#define FSTS_ITE	(1u << 6)
#define FSTS_PRO	(1u << 7)
#define FECTL_IM	(1u << 31)

static int wait32(struct iommu_regs *r, unsigned off, uint32_t mask, uint32_t want,
		  uint64_t timeout_us)
{
	uint64_t end = r->now_us(r) + timeout_us;

	while ((r->rd32(r, off) & mask) != want)
		if (r->now_us(r) > end)
			return (r->rd32(r, off) & mask) == want ? 0 : -1;
	return 0;
}

static int wait64_clear(struct iommu_regs *r, unsigned off, uint64_t bit, uint64_t timeout_us)
{
	uint64_t end = r->now_us(r) + timeout_us;

	while (r->rd64(r, off) & bit)
		if (r->now_us(r) > end)
			return (r->rd64(r, off) & bit) ? -1 : 0;
	return 0;
}

/* GCMD is write-only and carries state: write back what GSTS says is on,
 * minus the one-shot bits, with cmd set or cleared; then wait for GSTS. */
static int gcmd(struct iommu_regs *r, uint32_t cmd, bool on, uint32_t status_want)
{
	uint32_t v = r->rd32(r, VTD_GSTS) & VTD_GCMD_KEEP;

	r->wr32(r, VTD_GCMD, on ? v | cmd : v & ~cmd);
	return wait32(r, VTD_GSTS, cmd, status_want, STATUS_TIMEOUT_US);
}

int vtd_read_state(struct iommu_regs *r, struct vtd_state *s, char *err, size_t errlen)
{
	unsigned ttm;

	memset(s, 0, sizeof(*s));
	s->cap = r->rd64(r, VTD_CAP);
	s->ecap = r->rd64(r, VTD_ECAP);
	s->gsts = r->rd32(r, VTD_GSTS);
	s->rtaddr = r->rd64(r, VTD_RTADDR);
	if (s->cap == ~0ull || s->cap == 0 || s->gsts == ~0u) {
		return errf(err, errlen, "registers read 0x%llx (no VT-d unit there)",
			    (unsigned long long)s->cap);
	}
	s->te = s->gsts & VTD_GCMD_TE;
	s->qi = s->gsts & VTD_GCMD_QIE;
	s->ir = s->gsts & VTD_GCMD_IRE;
	ttm = (unsigned)(s->rtaddr >> 10) & 3;
	if (s->te && ttm > 1) {
		return errf(err, errlen, "root table type %u (RTADDR 0x%llx) is not one we know "
			    "(legacy 0, scalable 1)", ttm, (unsigned long long)s->rtaddr);
	}
	s->scalable = ttm == 1;
	return 0;
}

/* ---- our invalidation queue --------------------------------------------- */

struct queue {
	uint64_t *desc;
	uint64_t pa;
	volatile uint32_t *status;
	uint64_t status_pa;
	bool wide;			/* 256-bit descriptors (DW = 1) */
	unsigned tail, size;
};

static int qi_fault(struct iommu_regs *r, char *err, size_t errlen)
{
	uint32_t fsts = r->rd32(r, VTD_FSTS);

	if (!(fsts & (FSTS_IQE | FSTS_ITE | FSTS_ICE)))
		return 0;
	return errf(err, errlen, "invalidation queue error (FSTS 0x%x:%s%s%s, IQH 0x%llx, IQER "
		    "0x%llx)", fsts, fsts & FSTS_IQE ? " bad descriptor" : "",
		    fsts & FSTS_ITE ? " time-out" : "", fsts & FSTS_ICE ? " completion error" : "",
		    (unsigned long long)r->rd64(r, VTD_IQH), (unsigned long long)r->rd64(r, VTD_IQER));
}

static void qi_post(struct iommu_regs *r, struct queue *q, uint64_t qw0, uint64_t qw1)
{
	uint64_t *d = q->desc + (q->wide ? 4 : 2) * q->tail;

	d[0] = qw0;
	d[1] = qw1;
	if (q->wide)
		d[2] = d[3] = 0;
	q->tail = (q->tail + 1) % q->size;
	__asm__ volatile("" ::: "memory");	/* descriptors before the tail */
	r->wr64(r, VTD_IQT, (uint64_t)q->tail << (q->wide ? 5 : 4));
}

/* A wait descriptor that stores 1 in our status word; poll it. */
static int qi_wait(struct iommu_regs *r, struct queue *q, const char *what, char *err,
		   size_t errlen)
{
	uint64_t end;

	*q->status = 0;
	qi_post(r, q, 5 | 1u << 5 | 1ull << 32, q->status_pa);
	end = r->now_us(r) + INVAL_TIMEOUT_US;
	while (*q->status != 1) {
		if (qi_fault(r, err, errlen))
			return -1;
		if (r->now_us(r) > end) {
			return errf(err, errlen, "%s: the invalidation queue did not complete within "
				    "%u ms (IQH 0x%llx, IQT 0x%llx)", what, INVAL_TIMEOUT_US / 1000,
				    (unsigned long long)r->rd64(r, VTD_IQH),
				    (unsigned long long)r->rd64(r, VTD_IQT));
		}
	}
	return 0;
}

/*
 * Stops the crashed kernel's queue (once it is idle) and starts ours. QEMU,
 * like hardware, refuses to stop a queue whose last descriptor was not a
 * wait; Linux always ends with one.
 */
static int qi_take_over(struct iommu_regs *r, struct iommu_mem *m, const struct vtd_state *s,
			struct queue *q, char *err, size_t errlen)
{
	if (s->qi) {
		if (wait32(r, VTD_IQH, 0x7fff0, r->rd32(r, VTD_IQT) & 0x7fff0, DRAIN_TIMEOUT_US)) {
			return errf(err, errlen, "the crashed kernel's invalidation queue did not drain "
				    "within %u ms (IQH 0x%llx, IQT 0x%llx)", DRAIN_TIMEOUT_US / 1000,
				    (unsigned long long)r->rd64(r, VTD_IQH),
				    (unsigned long long)r->rd64(r, VTD_IQT));
		}
		if (r->rd32(r, VTD_FSTS) & FSTS_IQE) {
			return errf(err, errlen, "the crashed kernel's invalidation queue is stuck on "
				    "a bad descriptor (FSTS.IQE; IQER 0x%llx)",
				    (unsigned long long)r->rd64(r, VTD_IQER));
		}
		if (gcmd(r, VTD_GCMD_QIE, false, 0)) {
			return errf(err, errlen, "the crashed kernel's invalidation queue would not stop "
				    "(GSTS 0x%x)", r->rd32(r, VTD_GSTS));
		}
	}
	q->wide = s->ecap & VTD_ECAP_SMTS;
	q->size = q->wide ? 128 : 256;		/* one page: QS = 0 */
	q->desc = m->alloc(m, 4096, &q->pa);
	q->status = m->alloc(m, 4096, &q->status_pa);
	if (!q->desc || !q->status) {
		return errf(err, errlen, "out of memory for an invalidation queue");
	}
	q->tail = 0;
	r->wr64(r, VTD_IQT, 0);
	r->wr64(r, VTD_IQA, q->pa | (q->wide ? 1u << 11 : 0));
	if (gcmd(r, VTD_GCMD_QIE, true, VTD_GCMD_QIE)) {
		return errf(err, errlen, "our invalidation queue would not start (GSTS 0x%x)",
			    r->rd32(r, VTD_GSTS));
	}
	return 0;
}

static int invalidate(struct iommu_regs *r, const struct vtd_state *s, struct queue *q,
		      char *err, size_t errlen)
{
	uint64_t dw = (s->cap & VTD_CAP_DWD) ? 1u << 6 : 0, dr = (s->cap & VTD_CAP_DRD) ? 1u << 7 : 0;
	unsigned iotlb = VTD_ECAP_IRO(s->ecap) + 8;

	if (q) {
		qi_post(r, q, 1 | 1u << 4, 0);			/* context cache, global */
		if (s->scalable)
			qi_post(r, q, 7 | 3u << 4, 0);		/* PASID cache, global */
		qi_post(r, q, 2 | 1u << 4 | dw | dr, 0);	/* IOTLB, global */
		return qi_wait(r, q, "global invalidation", err, errlen);
	}
	r->wr64(r, VTD_CCMD, 1ull << 63 | 1ull << 61);
	if (wait64_clear(r, VTD_CCMD, 1ull << 63, INVAL_TIMEOUT_US)) {
		return errf(err, errlen, "context-cache invalidation did not complete within %u ms",
			    INVAL_TIMEOUT_US / 1000);
	}
	r->wr64(r, iotlb, 1ull << 63 | 1ull << 60 | (dr ? 1ull << 49 : 0) | (dw ? 1ull << 48 : 0));
	if (wait64_clear(r, iotlb, 1ull << 63, INVAL_TIMEOUT_US)) {
		return errf(err, errlen, "IOTLB invalidation did not complete within %u ms",
			    INVAL_TIMEOUT_US / 1000);
	}
	return 0;
}

/* Clears the fault records the crashed kernel left, so ours get recorded. */
static int clear_faults(struct iommu_regs *r, uint64_t cap)
{
	unsigned fro = VTD_CAP_FRO(cap), nfr = VTD_CAP_NFR(cap);
	int n = 0;

	for (unsigned i = 0; i < nfr; i++) {
		unsigned off = fro + 16 * i + 12;

		if (r->rd32(r, off) & (1u << 31)) {
			r->wr32(r, off, 1u << 31);
			n++;
		}
	}
	r->wr32(r, VTD_FSTS, FSTS_PFO | FSTS_PPF | FSTS_PRO);
	return n;
}

int vtd_open_door(struct iommu_regs *r, struct iommu_mem *m, const struct vtd_state *s,
		  const struct iommu_target *t, struct vtd_door *d, char *what, size_t whatlen,
		  char *err, size_t errlen)
{
	struct queue q;
	bool use_qi = s->qi || s->scalable;
	char was[32];
	int old_faults;

	memset(d, 0, sizeof(*d));
	d->cap = s->cap;
	d->ecap = s->ecap;
	d->old_root = s->rtaddr & ~0xfffull;
	d->scalable = s->scalable;
	d->t = t;
	if (use_qi && !(s->ecap & VTD_ECAP_QI)) {
		return errf(err, errlen, "scalable mode without queued invalidation: cannot "
			    "invalidate the PASID cache");
	}

	/* Our faults are polled, not signalled: the fault event would go
	 * through an MSI the crashed kernel set up. */
	r->wr32(r, VTD_FECTL, r->rd32(r, VTD_FECTL) | FECTL_IM);
	if (use_qi)
		r->wr32(r, VTD_IECTL, r->rd32(r, VTD_IECTL) | FECTL_IM);
	old_faults = clear_faults(r, s->cap);

	if (vtd_build_door(m, d, err, errlen))
		return -1;
	if (use_qi && qi_take_over(r, m, s, &q, err, errlen))
		return -1;
	if ((s->cap & VTD_CAP_RWBF) && gcmd(r, VTD_GCMD_WBF, true, 0)) {
		return errf(err, errlen, "write-buffer flush did not complete");
	}
	r->wr64(r, VTD_RTADDR, d->new_root | (s->rtaddr & 0xc00));
	if (gcmd(r, VTD_GCMD_SRTP, true, VTD_GCMD_SRTP)) {
		return errf(err, errlen, "the new root table was not taken (GSTS 0x%x)",
			    r->rd32(r, VTD_GSTS));
	}
	if (invalidate(r, s, use_qi ? &q : NULL, err, errlen))
		return -1;
	if (!(r->rd32(r, VTD_GSTS) & VTD_GCMD_TE)) {
		return errf(err, errlen, "translation went off (GSTS 0x%x)", r->rd32(r, VTD_GSTS));
	}
	if (d->was_present)
		snprintf(was, sizeof(was), "in domain %u", d->old_did);
	else
		snprintf(was, sizeof(was), "not mapped");
	snprintf(what, whatlen, "%s was %s; now %s of 0x%llx-0x%llx in domain %u through "
		 "copied tables at 0x%llx (%u pages), %s%s", t->name, was,
		 d->pass_through ? "pass-through instead" : "an identity map",
		 (unsigned long long)m->own_lo, (unsigned long long)m->own_hi - 1, d->did,
		 (unsigned long long)d->new_root, d->tables + (use_qi ? 2 : 0),
		 use_qi ? (s->qi ? "invalidation queue replaced" : "our own invalidation queue")
			: "register invalidation", old_faults ? ", old fault records cleared" : "");
	return 0;
}

static const char *reason_text(unsigned r)
{
	switch (r) {
	case 0x1: return "root entry not present";
	case 0x2: return "context entry not present";
	case 0x3: return "invalid context entry";
	case 0x4: return "address beyond the domain's width";
	case 0x5: return "write not allowed by the page tables";
	case 0x6: return "read not allowed by the page tables";
	case 0x7: return "bad next-level pointer";
	case 0xa: case 0xb: case 0xc: return "reserved bits set";
	case 0x39: return "root entry not present (scalable)";
	case 0x41: return "context entry not present (scalable)";
	case 0x51: return "PASID directory entry not present";
	case 0x59: return "PASID entry not present";
	case 0x79: return "second-level access not allowed";
	}
	return "see the VT-d fault reason table";
}

int vtd_faults(struct iommu_regs *r, char *buf, size_t len, int max)
{
	uint64_t cap = r->rd64(r, VTD_CAP);
	unsigned fro = VTD_CAP_FRO(cap), nfr = VTD_CAP_NFR(cap);
	size_t k = 0;
	int n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < nfr && n < max; i++) {
		unsigned off = fro + 16 * i;
		uint32_t hi = r->rd32(r, off + 12), sid = r->rd32(r, off + 8) & 0xffff;
		uint64_t addr = r->rd64(r, off) & ~0xfffull;

		if (!(hi & (1u << 31)))
			continue;
		n++;
		if (k < len)
			k += snprintf(buf + k, len - k, "%sdevice %02x:%02x.%x %s at 0x%llx: reason "
				      "0x%x, %s", n > 1 ? "; " : "", sid >> 8, (sid >> 3) & 31,
				      sid & 7, hi & (1u << 30) ? "read" : "write",
				      (unsigned long long)addr, hi & 0xff, reason_text(hi & 0xff));
	}
	if (!n)
		snprintf(buf, len, "no fault recorded (FSTS 0x%x)", r->rd32(r, VTD_FSTS));
	return n;
}

/*
 * VT-d (drivers/iommu_vtd_tables.c, drivers/iommu_vtd.c) on tables built in
 * memory and a register model: the copy differs from the crashed kernel's
 * tables only in the target's entries, the crashed kernel's memory is
 * byte-identical afterwards, the target's new entry maps exactly the image's
 * memory, and malformed tables or a stuck queue give a clear error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "drivers/iommu_vtd.c"
#include "drivers/iommu_vtd_tables.c"
#include "tests/unit/fakeiommu.h"
#include "tests/unit/test.h"

/* CAP: ND 2 (256 domains), SAGAW 39-bit, MGAW 39, FRO 0x200, one record. */
#define CAP	(2ull | 2ull << 8 | 38ull << 16 | 0x20ull << 24)
#define ECAP	(VTD_ECAP_QI | VTD_ECAP_PT | 0x50ull << 8)
#define ECAP_SM	(ECAP | VTD_ECAP_SMTS | VTD_ECAP_SLTS)

#define ROOT	0x1000
#define CTX0	0x2000
#define CTX1	0x3000
#define CTX0HI	0x4000
#define DIR	0x5000
#define PTBL	0x6000
#define OLDQ	0x100000

/* Walks our second-level tables: the address iova reaches, or ~0. */
static uint64_t walk(uint64_t table, int levels, uint64_t iova)
{
	for (int l = levels; l >= 1; l--) {
		uint64_t e = ram64(table)[(iova >> (12 + 9 * (l - 1))) & 511];

		if ((e & 3) != 3)
			return ~0ull;
		table = e & ADDR_MASK;
	}
	return table | (iova & 0xfff);
}

/* Legacy: bus 0 has 00:03.0 (DID 5) and 00:04.0 (DID 3), bus 1 has
 * 01:00.0 (DID 9), with made-up second-level pointers. */
static void build_legacy(void)
{
	fake_reset();
	ram64(ROOT)[0] = CTX0 | 1;
	ram64(ROOT)[2] = CTX1 | 1;
	ram64(CTX0)[2 * 0x18] = 0x10000 | 1;
	ram64(CTX0)[2 * 0x18 + 1] = 5 << 8 | 1;
	ram64(CTX0)[2 * 0x20] = 0x11000 | 1;
	ram64(CTX0)[2 * 0x20 + 1] = 3 << 8 | 1;
	ram64(CTX1)[0] = 0x12000 | 1;
	ram64(CTX1)[1] = 9 << 8 | 1;
	fake_snapshot();
}

/* Which 16-byte entries of a 4 KiB table differ: a bitmap of 256. */
static int diff16(uint64_t a, uint64_t b, uint8_t *which)
{
	int n = 0;

	for (int i = 0; i < 256; i++)
		if (memcmp(fake_ram + a + 16 * i, fake_ram + b + 16 * i, 16)) {
			which[i] = 1;
			n++;
		}
	return n;
}

static void test_legacy_tables(void)
{
	struct iommu_target t = { .rid = { 0x0018 }, .nrid = 1, .name = "0000:00:03.0" };
	struct vtd_door d = { .cap = CAP, .ecap = ECAP, .old_root = ROOT, .t = &t };
	uint8_t which[256] = { 0 };
	char err[200] = "";
	uint64_t ctx, lo, hi;

	build_legacy();
	CHECK(vtd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(fake_old_unchanged());
	CHECK(d.new_root >= OWN_LO && d.new_root < OWN_HI);
	CHECK(d.was_present && d.old_did == 5);
	CHECK_EQ_U64(d.did, 2);		/* 0, 1 reserved; 3, 5, 9 taken */
	CHECK_EQ_U64(d.aw, 1);
	/* Root: only bus 0's entry differs, and it points at our copy. */
	CHECK_EQ_U64(diff16(d.new_root, ROOT, which), 1);
	CHECK(which[0]);
	ctx = ram64(d.new_root)[0] & ADDR_MASK;
	CHECK(ctx >= OWN_LO && ctx < OWN_HI);
	CHECK_EQ_U64(ram64(d.new_root)[2], CTX1 | 1);
	/* Context copy: only 00:03.0 differs. */
	memset(which, 0, sizeof(which));
	CHECK_EQ_U64(diff16(ctx, CTX0, which), 1);
	CHECK(which[0x18]);
	lo = ram64(ctx)[2 * 0x18];
	hi = ram64(ctx)[2 * 0x18 + 1];
	CHECK_EQ_U64(lo & 0xfff, 1);		/* P, TT 0 */
	CHECK_EQ_U64(hi, 2 << 8 | 1);		/* DID 2, AW 1 (39-bit) */
	/* The identity map holds the image's memory and nothing else. */
	CHECK_EQ_U64(walk(lo & ADDR_MASK, 3, OWN_LO), OWN_LO);
	CHECK_EQ_U64(walk(lo & ADDR_MASK, 3, OWN_HI - 8), OWN_HI - 8);
	CHECK_EQ_U64(walk(lo & ADDR_MASK, 3, OWN_LO - 4096), ~0ull);
	CHECK_EQ_U64(walk(lo & ADDR_MASK, 3, OWN_HI), ~0ull);
	CHECK_EQ_U64(walk(lo & ADDR_MASK, 3, 0x1000), ~0ull);
}

/* A device behind a PCIe-to-PCI bridge: its own ID and the bridge's alias
 * on another bus, both opened, each context table copied once. */
static void test_legacy_alias(void)
{
	struct iommu_target t = { .rid = { 0x0100, 0x0108, 0x0020 }, .nrid = 3, .name = "0000:01:00.0" };
	struct vtd_door d = { .cap = CAP, .ecap = ECAP, .old_root = ROOT, .t = &t };
	uint8_t which[256] = { 0 };
	char err[200] = "";
	uint64_t c0, c1;

	build_legacy();
	CHECK(vtd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK(fake_old_unchanged());
	CHECK(d.was_present && d.old_did == 9);
	CHECK_EQ_U64(diff16(d.new_root, ROOT, which), 2);
	CHECK(which[0] && which[1]);
	c0 = ram64(d.new_root)[0] & ADDR_MASK;
	c1 = ram64(d.new_root)[2] & ADDR_MASK;
	memset(which, 0, sizeof(which));
	CHECK_EQ_U64(diff16(c1, CTX1, which), 2);
	CHECK(which[0x00] && which[0x08]);
	memset(which, 0, sizeof(which));
	CHECK_EQ_U64(diff16(c0, CTX0, which), 1);
	CHECK(which[0x20]);
	CHECK_EQ_U64(ram64(c0)[2 * 0x20 + 1] >> 8, d.did);
}

static void expect_error(struct vtd_door *d, const char *needle)
{
	char err[200] = "";

	CHECK(vtd_build_door(&fake_mem, d, err, sizeof(err)) == -1);
	if (!strstr(err, needle))
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, needle);
	CHECK(strstr(err, needle) != NULL);
	CHECK(fake_old_unchanged());
}

static void test_legacy_malformed(void)
{
	struct iommu_target t = { .rid = { 0x0018 }, .nrid = 1, .name = "0000:00:03.0" };
	struct vtd_door d = { .cap = CAP, .ecap = ECAP, .old_root = ROOT, .t = &t };

	build_legacy();
	ram64(ROOT)[2 * 7] = 0x7fff0000000ull | 1;	/* bus 7: nowhere */
	fake_snapshot();
	expect_error(&d, "context table at 0x7fff0000000 is not readable memory");

	build_legacy();
	ram64(ROOT)[2 * 7] = (OWN_LO + 0x1000) | 1;	/* bus 7: into the image */
	fake_snapshot();
	expect_error(&d, "lies inside the capture image");

	build_legacy();
	d.cap = CAP & ~(0x1full << 8);			/* no SAGAW at all */
	expect_error(&d, "no supported address width");
	d.cap = CAP;
	d.old_root = ROOT + 8;
	expect_error(&d, "is not a table");
	d.old_root = ROOT;

	build_legacy();
	for (int i = 0; i < 256; i++) {		/* every one of 256 DIDs taken */
		ram64(CTX1)[2 * i] = 0x12000 | 1;
		ram64(CTX1)[2 * i + 1] = (uint64_t)i << 8 | 1;
	}
	fake_snapshot();
	expect_error(&d, "all 256 domain IDs are in use");
}

/* Scalable: 00:03.0 (low half) and 00:10.0 (devfn 0x80, high half), both in
 * PASID 0 entries of one directory, DIDs 5 and 6. */
static void build_scalable(void)
{
	fake_reset();
	ram64(ROOT)[0] = CTX0 | 1;
	ram64(ROOT)[1] = CTX0HI | 1;
	ram64(CTX0)[4 * 0x18] = DIR | 1;			/* PDTS 0, RID_PASID 0 */
	ram64(CTX0HI)[0] = DIR | 1;
	ram64(CTX0HI)[1] = 64;					/* RID_PASID 64 */
	ram64(DIR)[0] = PTBL | 1;
	ram64(DIR)[1] = (PTBL + 0x1000) | 1;
	ram64(PTBL)[0] = 0x10000 | 2 << 6 | 1 << 2 | 1;
	ram64(PTBL)[1] = 5;
	ram64(PTBL + 0x1000)[0] = 0x10000 | 2 << 6 | 1 << 2 | 1;
	ram64(PTBL + 0x1000)[1] = 6;
	fake_snapshot();
}

static void test_scalable_tables(void)
{
	struct iommu_target t = { .rid = { 0x0018 }, .nrid = 1, .name = "0000:00:03.0" };
	struct vtd_door d = { .cap = CAP, .ecap = ECAP_SM, .old_root = ROOT, .scalable = true, .t = &t };
	char err[200] = "";
	uint64_t ctx, dir, pt;
	int differ = 0;

	build_scalable();
	CHECK(vtd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(fake_old_unchanged());
	CHECK(d.was_present && d.old_did == 5);
	CHECK_EQ_U64(d.did, 2);
	CHECK(!d.pass_through);
	/* Root: only the low half of bus 0 changed. */
	CHECK(memcmp(fake_ram + d.new_root + 16, fake_ram + ROOT + 16, 4096 - 16) == 0);
	CHECK_EQ_U64(ram64(d.new_root)[1], CTX0HI | 1);
	ctx = ram64(d.new_root)[0] & ADDR_MASK;
	for (int i = 0; i < 128; i++)
		if (memcmp(fake_ram + ctx + 32 * i, fake_ram + CTX0 + 32 * i, 32)) {
			differ++;
			CHECK_EQ_U64(i, 0x18);
		}
	CHECK_EQ_U64(differ, 1);
	dir = ram64(ctx)[4 * 0x18] & ADDR_MASK;
	CHECK(dir >= OWN_LO && dir < OWN_HI);
	CHECK_EQ_U64(ram64(ctx)[4 * 0x18] & 0xfff, 1);		/* P, PDTS 0 */
	CHECK_EQ_U64(ram64(ctx)[4 * 0x18 + 1], 0);		/* RID_PASID 0 */
	pt = ram64(dir)[0] & ADDR_MASK;
	CHECK_EQ_U64(ram64(dir)[0] & 1, 1);
	CHECK_EQ_U64(ram64(pt)[0] & 0xfff, 2 << 6 | 1 << 2 | 1);	/* PGTT 2, AW 1, P */
	CHECK_EQ_U64(ram64(pt)[1], 2);
	CHECK_EQ_U64(walk(ram64(pt)[0] & ADDR_MASK, 3, OWN_LO + 0x5000), OWN_LO + 0x5000);
	CHECK_EQ_U64(walk(ram64(pt)[0] & ADDR_MASK, 3, 0x5000), ~0ull);

	/* The high half: devfn 0x80's table is copied, the low half kept. */
	t.rid[0] = 0x0080;
	build_scalable();
	CHECK(vtd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK(fake_old_unchanged());
	CHECK(d.was_present && d.old_did == 6);
	CHECK_EQ_U64(d.did, 2);
	CHECK_EQ_U64(ram64(d.new_root)[0], CTX0 | 1);
	ctx = ram64(d.new_root)[1] & ADDR_MASK;
	CHECK(ctx >= OWN_LO && ctx < OWN_HI);
	CHECK(memcmp(fake_ram + ctx + 32, fake_ram + CTX0HI + 32, 4096 - 32) == 0);

	/* Without second-level support: pass-through (PGTT 4). */
	t.rid[0] = 0x0018;
	d.ecap = ECAP_SM & ~VTD_ECAP_SLTS;
	build_scalable();
	CHECK(vtd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK(d.pass_through);
	ctx = ram64(d.new_root)[0] & ADDR_MASK;
	pt = ram64(ram64(ctx)[4 * 0x18] & ADDR_MASK)[0] & ADDR_MASK;
	CHECK_EQ_U64(ram64(pt)[0], 4 << 6 | 1 << 2 | 1);
	d.ecap = ECAP_SM & ~(VTD_ECAP_SLTS | VTD_ECAP_PT);
	build_scalable();
	expect_error(&d, "unknown format");
	d.ecap = ECAP_SM;

	/* RID_PASID beyond the directory: malformed. */
	build_scalable();
	ram64(CTX0HI)[1] = 1u << 19;
	fake_snapshot();
	expect_error(&d, "RID_PASID 524288 beyond its PASID directory");
	build_scalable();
	ram64(DIR)[1] = 0x7fff0000000ull | 1;
	fake_snapshot();
	expect_error(&d, "PASID table at 0x7fff0000000 is not readable memory");
}

/* ---- a register model ----------------------------------------------------- */

struct model {
	uint64_t cap, ecap, rtaddr, iqa, iqh, iqt, ccmd;
	uint32_t gsts, fsts, fectl, iectl;
	uint64_t fault_lo;
	uint32_t fault_sid, fault_hi;
	bool old_queue_busy;		/* the crashed kernel's queue never drains */
	bool refuse_qi_off;		/* last descriptor was not a wait */
	bool our_queue_dead;		/* our descriptors are never processed */
	uint64_t desc[32][2];
	int ndesc, srtp;
	uint64_t clock;
};

static struct model M;

static void model_run_queue(void)
{
	bool wide = M.iqa & (1u << 11);
	unsigned shift = wide ? 5 : 4;

	if (M.our_queue_dead || !(M.gsts & VTD_GCMD_QIE))
		return;
	while (M.iqh != M.iqt) {
		uint64_t *d = ram64((M.iqa & ~0xfffull) + M.iqh);

		if (M.ndesc < 32) {
			M.desc[M.ndesc][0] = d[0];
			M.desc[M.ndesc++][1] = d[1];
		}
		if ((d[0] & 0xf) == 5 && (d[0] & (1u << 5)))
			*(uint32_t *)(fake_ram + d[1]) = (uint32_t)(d[0] >> 32);
		M.iqh = (M.iqh + (1u << shift)) % 4096;
	}
}

static uint32_t m_rd32(struct iommu_regs *r, unsigned off)
{
	switch (off) {
	case VTD_GSTS: return M.gsts;
	case VTD_FSTS: return M.fsts;
	case VTD_FECTL: return M.fectl;
	case VTD_IECTL: return M.iectl;
	case VTD_IQH: return (uint32_t)M.iqh;
	case VTD_IQT: return (uint32_t)M.iqt;
	case 0x200 + 8: return M.fault_sid;
	case 0x200 + 12: return M.fault_hi;
	}
	return 0;
}

static uint64_t m_rd64(struct iommu_regs *r, unsigned off)
{
	switch (off) {
	case VTD_CAP: return M.cap;
	case VTD_ECAP: return M.ecap;
	case VTD_RTADDR: return M.rtaddr;
	case VTD_IQH: return M.iqh;
	case VTD_IQT: return M.iqt;
	case VTD_CCMD: return M.ccmd;
	case 0x200: return M.fault_lo;
	}
	return m_rd32(r, off);
}

static void m_wr32(struct iommu_regs *r, unsigned off, uint32_t v)
{
	switch (off) {
	case VTD_GCMD:
		if (v & VTD_GCMD_SRTP) {
			M.srtp++;
			M.gsts |= VTD_GCMD_SRTP;
		}
		if (!(v & VTD_GCMD_QIE) && (M.gsts & VTD_GCMD_QIE) && !M.refuse_qi_off)
			M.gsts &= ~VTD_GCMD_QIE;
		if ((v & VTD_GCMD_QIE) && !(M.gsts & VTD_GCMD_QIE)) {
			M.gsts |= VTD_GCMD_QIE;
			M.iqh = 0;
		}
		M.gsts = (M.gsts & ~(VTD_GCMD_TE | VTD_GCMD_IRE)) | (v & (VTD_GCMD_TE | VTD_GCMD_IRE));
		break;
	case VTD_FSTS: M.fsts &= ~v; break;
	case VTD_FECTL: M.fectl = v; break;
	case VTD_IECTL: M.iectl = v; break;
	case 0x200 + 12: if (v & (1u << 31)) M.fault_hi = 0; break;
	}
}

static void m_wr64(struct iommu_regs *r, unsigned off, uint64_t v)
{
	switch (off) {
	case VTD_RTADDR: M.rtaddr = v; break;
	case VTD_IQA: M.iqa = v; break;
	case VTD_IQT: M.iqt = v; model_run_queue(); break;
	default: m_wr32(r, off, (uint32_t)v);
	}
}

static uint64_t m_now(struct iommu_regs *r) { return M.clock += 50; }

static struct iommu_regs mregs = { .rd32 = m_rd32, .rd64 = m_rd64, .wr32 = m_wr32,
				   .wr64 = m_wr64, .now_us = m_now };

static void model_reset(bool scalable)
{
	memset(&M, 0, sizeof(M));
	M.cap = CAP;
	M.ecap = scalable ? ECAP_SM : ECAP;
	M.rtaddr = ROOT | (scalable ? 1u << 10 : 0);
	M.gsts = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE;
	M.iqa = OLDQ;
	M.iqh = M.iqt = 0x40;		/* the old queue, idle */
}

static int open_door(struct vtd_door *d, char *what, size_t wl, char *err, size_t el)
{
	struct iommu_target t = { .rid = { 0x0018 }, .nrid = 1, .name = "0000:00:03.0" };
	static struct iommu_target tt;
	struct vtd_state s;

	tt = t;
	if (vtd_read_state(&mregs, &s, err, el))
		return -1;
	return vtd_open_door(&mregs, &fake_mem, &s, &tt, d, what, wl, err, el);
}

static void test_registers(void)
{
	struct vtd_door d;
	char what[400] = "", err[300] = "";

	/* Legacy, queued invalidation on: the queue is replaced, the root
	 * table set with TTM kept, and the three invalidations posted. */
	build_legacy();
	model_reset(false);
	M.fault_hi = 1u << 31 | 5;		/* an old fault record */
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(fake_old_unchanged());
	CHECK_EQ_U64(M.rtaddr, d.new_root);
	CHECK_EQ_U64(M.srtp, 1);
	CHECK(M.gsts & VTD_GCMD_TE);
	CHECK(M.gsts & VTD_GCMD_QIE);
	CHECK(M.gsts & VTD_GCMD_IRE);
	CHECK((M.iqa & ~0xfffull) >= OWN_LO && (M.iqa & ~0xfffull) < OWN_HI);
	CHECK(!(M.iqa & (1u << 11)));
	CHECK(M.fectl & (1u << 31));
	CHECK_EQ_U64(M.fault_hi, 0);
	CHECK_EQ_U64(M.ndesc, 3);
	CHECK_EQ_U64(M.desc[0][0], 0x11);		/* context cache, global */
	CHECK_EQ_U64(M.desc[1][0] & 0x3f, 0x12);	/* IOTLB, global */
	CHECK_EQ_U64(M.desc[2][0] & 0xff, 0x25);	/* wait, status write */
	CHECK(strstr(what, "0000:00:03.0 was in domain 5; now an identity map") != NULL);
	CHECK(strstr(what, "invalidation queue replaced, old fault records cleared") != NULL);

	/* Scalable: 256-bit descriptors, and the PASID cache too. */
	build_scalable();
	model_reset(true);
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == 0);
	CHECK(fake_old_unchanged());
	CHECK_EQ_U64(M.rtaddr, d.new_root | 1u << 10);
	CHECK(M.iqa & (1u << 11));
	CHECK_EQ_U64(M.ndesc, 4);
	CHECK_EQ_U64(M.desc[1][0], 0x37);		/* PASID cache, global */

	/* Legacy without queued invalidation: register-based. */
	build_legacy();
	model_reset(false);
	M.gsts &= ~VTD_GCMD_QIE;
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == 0);
	CHECK_EQ_U64(M.ndesc, 0);
	CHECK(strstr(what, "register invalidation") != NULL);

	/* The crashed kernel's queue never drains: nothing is switched. */
	build_legacy();
	model_reset(false);
	M.iqt = 0x80;
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == -1);
	CHECK(strstr(err, "invalidation queue did not drain within 100 ms") != NULL);
	CHECK_EQ_U64(M.rtaddr, ROOT);
	CHECK(fake_old_unchanged());

	/* It will not stop (its last descriptor was not a wait). */
	build_legacy();
	model_reset(false);
	M.refuse_qi_off = true;
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == -1);
	CHECK(strstr(err, "invalidation queue would not stop") != NULL);
	CHECK_EQ_U64(M.rtaddr, ROOT);

	/* Our queue never completes: a bounded wait, then a clear error. */
	build_legacy();
	model_reset(false);
	M.our_queue_dead = true;
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == -1);
	CHECK(strstr(err, "did not complete within 1000 ms") != NULL);
	CHECK(fake_old_unchanged());

	/* A table type we do not know. */
	model_reset(false);
	M.rtaddr = ROOT | 3u << 10;
	CHECK(open_door(&d, what, sizeof(what), err, sizeof(err)) == -1);
	CHECK(strstr(err, "root table type 3") != NULL);

	/* Fault records, as printed after a DMA time-out. */
	model_reset(false);
	M.fault_lo = 0x3ed7a000;
	M.fault_sid = 0x0018;
	M.fault_hi = 1u << 31 | 1u << 30 | 6;
	CHECK_EQ_U64(vtd_faults(&mregs, what, sizeof(what), 4), 1);
	CHECK_STR(what, "device 00:03.0 read at 0x3ed7a000: reason 0x6, read not allowed by the "
		  "page tables");
	M.fault_hi = 0;
	CHECK_EQ_U64(vtd_faults(&mregs, what, sizeof(what), 4), 0);
}

int main(void)
{
	test_legacy_tables();
	test_legacy_alias();
	test_legacy_malformed();
	test_scalable_tables();
	test_registers();
	return test_summary("iommu_vtd");
}

/*
 * AMD-Vi (drivers/iommu_amd_tables.c, drivers/iommu_amd.c) on a device table
 * built in memory and a register model: only the target's entries differ in
 * the copy, the crashed kernel's table and rings are byte-identical
 * afterwards, and malformed tables or a silent IOMMU give a clear error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "drivers/iommu_amd.c"
#include "drivers/iommu_amd_tables.c"
#include "tests/unit/fakeiommu.h"
#include "tests/unit/test.h"

#define DEVTAB	0x10000		/* 2 pages: 256 entries */
#define OLDCMD	0x20000
#define OLDEVT	0x21000

static uint64_t *dte(uint64_t base, unsigned id) { return ram64(base + 32ull * id); }

/* 00:03.0 in domain 4 with interrupt remapping fields, 00:04.0 in domain 2,
 * 00:1f.0 in domain 3; 01:00.0 invalid. */
static void build_devtab(void)
{
	fake_reset();
	dte(DEVTAB, 0x18)[0] = 0x30000 | 3ull << 9 | 3ull << 61 | 3;
	dte(DEVTAB, 0x18)[1] = 4;
	dte(DEVTAB, 0x18)[2] = 0x2000000000000041ull;
	dte(DEVTAB, 0x18)[3] = 0x1234;
	dte(DEVTAB, 0x20)[0] = 0x31000 | 3ull << 9 | 3;
	dte(DEVTAB, 0x20)[1] = 2;
	dte(DEVTAB, 0xf8)[0] = 0x32000 | 3ull << 9 | 3;
	dte(DEVTAB, 0xf8)[1] = 3;
	fake_snapshot();
}

static void test_tables(void)
{
	uint16_t ids[2] = { 0x18, 0x120 };
	struct amd_door d = { .old_base_reg = DEVTAB | 1, .devids = ids, .ndev = 1 };
	char err[200] = "";
	uint64_t nt;
	int differ = 0;

	build_devtab();
	CHECK(amd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(fake_old_unchanged());
	nt = d.new_base_reg & ~0xfffull;
	CHECK(nt >= OWN_LO && nt < OWN_HI);
	CHECK_EQ_U64(d.entries, 256);			/* up to 00:1f.0 */
	CHECK_EQ_U64(d.new_base_reg & 0x1ff, 1);
	CHECK(d.old_valid[0] && d.old_domain[0] == 4);
	CHECK_EQ_U64(d.domain, 1);			/* 2, 3, 4 taken, 0 nobody's */
	for (unsigned i = 0; i < 256; i++)
		if (memcmp(dte(nt, i), dte(DEVTAB, i), 32)) {
			differ++;
			CHECK_EQ_U64(i, 0x18);
		}
	CHECK_EQ_U64(differ, 1);
	CHECK_EQ_U64(dte(nt, 0x18)[0], 1ull | 2 | 3ull << 61);	/* V, TV, mode 0, IR, IW */
	CHECK_EQ_U64(dte(nt, 0x18)[1], 1);
	CHECK_EQ_U64(dte(nt, 0x18)[2], 0x2000000000000041ull);	/* interrupts as they were */
	CHECK_EQ_U64(dte(nt, 0x18)[3], 0x1234);

	/* A target beyond the old table (and an alias): the copy grows to
	 * hold it; the old entries are all still there. */
	d.ndev = 2;
	build_devtab();
	CHECK(amd_build_door(&fake_mem, &d, err, sizeof(err)) == 0);
	CHECK(fake_old_unchanged());
	nt = d.new_base_reg & ~0xfffull;
	CHECK_EQ_U64(d.entries, 384);
	CHECK(!d.old_valid[1]);
	CHECK(memcmp(dte(nt, 0x20), dte(DEVTAB, 0x20), 32) == 0);
	CHECK(memcmp(dte(nt, 0xf8), dte(DEVTAB, 0xf8), 32) == 0);
	CHECK_EQ_U64(dte(nt, 0x120)[0] & 3, 3);
}

static void expect_error(struct amd_door *d, const char *needle)
{
	char err[200] = "";

	CHECK(amd_build_door(&fake_mem, d, err, sizeof(err)) == -1);
	if (!strstr(err, needle))
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, needle);
	CHECK(strstr(err, needle) != NULL);
	CHECK(fake_old_unchanged());
}

static void test_malformed(void)
{
	uint16_t ids[1] = { 0x18 };
	struct amd_door d = { .devids = ids, .ndev = 1 };

	build_devtab();
	d.old_base_reg = 0x1ff;
	expect_error(&d, "device table base is 0");
	d.old_base_reg = (OWN_LO + 0x1000) | 1;
	expect_error(&d, "overlaps the capture image");
	d.old_base_reg = 0x7fff0000000ull | 0x1ff;
	expect_error(&d, "device table at 0x7fff0000000 (512 pages) is not readable memory");
	/* A full 2 MiB table whose entries use every domain ID: none left. */
	fake_reset();
	for (unsigned i = 0; i < 65536; i++) {
		uint64_t *e = dte(0x100000, i);

		e[0] = 1;
		e[1] = i;
	}
	fake_snapshot();
	d.old_base_reg = 0x100000 | 0x1ff;
	expect_error(&d, "all domain IDs are in use");
}

/* ---- a register model ----------------------------------------------------- */

struct model {
	uint64_t devtab, cmdbase, evtbase, ctl, efr, status;
	uint64_t cmd_head, cmd_tail, evt_head, evt_tail;
	bool dead;			/* processes no command */
	uint32_t cmds[32][4];
	int ncmd;
	uint64_t clock;
};

static struct model M;

static void run_cmds(void)
{
	if (M.dead || !(M.ctl & AMD_CTL_CMDBUF_EN))
		return;
	while (M.cmd_head != M.cmd_tail) {
		uint32_t *c = (uint32_t *)(fake_ram + (M.cmdbase & 0xffffffffff000ull) + M.cmd_head);

		if (M.ncmd < 32)
			memcpy(M.cmds[M.ncmd++], c, 16);
		if ((c[1] >> 28) == 1 && (c[0] & 1)) {
			uint64_t a = ((uint64_t)(c[1] & 0xfffff) << 32) | (c[0] & ~7u);

			memcpy(fake_ram + a, &c[2], 8);
		}
		M.cmd_head = (M.cmd_head + 16) % 4096;
	}
}

static uint64_t m_rd64(struct iommu_regs *r, unsigned off)
{
	switch (off) {
	case AMD_DEVTAB_BASE: return M.devtab;
	case AMD_CMDBUF_BASE: return M.cmdbase;
	case AMD_EVTLOG_BASE: return M.evtbase;
	case AMD_CONTROL: return M.ctl;
	case AMD_EFR: return M.efr;
	case AMD_CMD_HEAD: return M.cmd_head;
	case AMD_CMD_TAIL: return M.cmd_tail;
	case AMD_EVT_HEAD: return M.evt_head;
	case AMD_EVT_TAIL: return M.evt_tail;
	case AMD_STATUS: return M.status;
	}
	return 0;
}

static uint32_t m_rd32(struct iommu_regs *r, unsigned off) { return (uint32_t)m_rd64(r, off); }

static void m_wr64(struct iommu_regs *r, unsigned off, uint64_t v)
{
	switch (off) {
	case AMD_DEVTAB_BASE: M.devtab = v; break;
	case AMD_CMDBUF_BASE: M.cmdbase = v; break;
	case AMD_EVTLOG_BASE: M.evtbase = v; break;
	case AMD_CONTROL: M.ctl = v; run_cmds(); break;
	case AMD_CMD_HEAD: M.cmd_head = v; break;
	case AMD_CMD_TAIL: M.cmd_tail = v; run_cmds(); break;
	case AMD_EVT_HEAD: M.evt_head = v; break;
	case AMD_EVT_TAIL: M.evt_tail = v; break;
	case AMD_STATUS: M.status &= ~v; break;
	}
}

static void m_wr32(struct iommu_regs *r, unsigned off, uint32_t v) { m_wr64(r, off, v); }
static uint64_t m_now(struct iommu_regs *r) { return M.clock += 50; }

static struct iommu_regs mregs = { .rd32 = m_rd32, .rd64 = m_rd64, .wr32 = m_wr32,
				   .wr64 = m_wr64, .now_us = m_now };

static void model_reset(void)
{
	memset(&M, 0, sizeof(M));
	M.devtab = DEVTAB | 1;
	M.cmdbase = OLDCMD | 8ull << 56;
	M.evtbase = OLDEVT | 8ull << 56;
	M.ctl = AMD_CTL_EN | AMD_CTL_CMDBUF_EN | AMD_CTL_EVTLOG_EN | AMD_CTL_EVTINT_EN;
	M.efr = 1u << 6;
	M.cmd_head = M.cmd_tail = 0x120;
	M.evt_head = M.evt_tail = 0x40;
}

static void test_registers(void)
{
	struct iommu_target t = { .rid = { 0x18 }, .nrid = 1, .name = "0000:00:03.0" };
	uint16_t ids[1] = { 0x18 };
	struct amd_door d;
	char what[400] = "", err[300] = "";

	build_devtab();
	model_reset();
	CHECK(amd_open_door(&mregs, &fake_mem, &t, ids, 1, 0, &d, what, sizeof(what), err,
			    sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(fake_old_unchanged());		/* old table and rings untouched */
	CHECK_EQ_U64(M.devtab, d.new_base_reg);
	CHECK(M.ctl & AMD_CTL_EN);
	CHECK(M.ctl & AMD_CTL_CMDBUF_EN);
	CHECK(!(M.ctl & AMD_CTL_EVTINT_EN));
	CHECK((M.cmdbase & 0xfffffffff000ull) >= OWN_LO);
	CHECK((M.evtbase & 0xfffffffff000ull) >= OWN_LO);
	CHECK_EQ_U64(M.ncmd, 5);
	CHECK_EQ_U64(M.cmds[0][0], 0x18);			/* INVALIDATE_DEVTAB_ENTRY */
	CHECK_EQ_U64(M.cmds[0][1] >> 28, 2);
	CHECK_EQ_U64(M.cmds[1][1], 3u << 28 | 4);		/* pages of old domain 4 */
	CHECK_EQ_U64(M.cmds[2][1], 3u << 28 | 1);		/* ... and of ours */
	CHECK_EQ_U64(M.cmds[3][1] >> 28, 8);			/* INVALIDATE_ALL */
	CHECK_EQ_U64(M.cmds[4][1] >> 28, 1);			/* COMPLETION_WAIT */
	CHECK(strstr(what, "0000:00:03.0 was in domain 4; now pass-through in domain 1") != NULL);

	/* An event in our log is reported after a DMA time-out. */
	{
		uint32_t ev[4] = { 0x18, 2u << 28 | 1 << 16, 0x3ed7a000, 0 };

		memcpy(fake_ram + (M.evtbase & 0xfffffffff000ull), ev, 16);
		M.evt_tail = 16;
		CHECK_EQ_U64(amd_faults(&mregs, &fake_mem, what, sizeof(what), 4), 1);
		CHECK_STR(what, "device 00:03.0: I/O page fault at 0x3ed7a000 (flags 0x1)");
	}

	/* The crashed kernel's commands never finish. */
	build_devtab();
	model_reset();
	M.dead = true;
	M.cmd_tail = 0x140;
	CHECK(amd_open_door(&mregs, &fake_mem, &t, ids, 1, 0, &d, what, sizeof(what), err,
			    sizeof(err)) == -1);
	CHECK(strstr(err, "command buffer did not drain within 100 ms") != NULL);
	CHECK_EQ_U64(M.devtab, DEVTAB | 1);
	CHECK(fake_old_unchanged());

	/* Ours never complete: bounded, and said. */
	build_devtab();
	model_reset();
	M.dead = true;
	CHECK(amd_open_door(&mregs, &fake_mem, &t, ids, 1, 0, &d, what, sizeof(what), err,
			    sizeof(err)) == -1);
	CHECK(strstr(err, "invalidation did not complete within 1000 ms") != NULL);
	CHECK(fake_old_unchanged());
}

int main(void)
{
	test_tables();
	test_malformed();
	test_registers();
	return test_summary("iommu_amd");
}

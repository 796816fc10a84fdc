/*
 * capture/kvtop.c: translation through the linear maps and through synthetic
 * page tables (4- and 5-level, 4 KiB / 2 MiB / 1 GiB pages, SME C-bit), and
 * every way a corrupt entry must fail instead of misleading the caller.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/kvtop.h"
#include "fakecore.h"
#include "fakepgt.h"
#include "test.h"

#define MEM		(8u << 20)
#define HDR		0x6f0000ull
#define PAGE_OFFSET	0xffff888000000000ull
#define VMALLOC		0xffffc90000000000ull
#define VMEMMAP		0xffffea0000000000ull
#define VMEMMAP5	0xffd4000000000000ull

static uint8_t arena_mem[1 << 20];

struct machine {
	struct fakecore fc;
	struct fake_pgt pgt;
	struct buf_memsrc src;
	struct arena a;
	struct elfcore ec;
};

/*
 * RAM [0, 6 MiB) and [7 MiB, 8 MiB); the kernel text at 0xffffffff80100000 is
 * physical 0x200000 (phys_base 1 MiB); init_top_pgt is physical 0x230000.
 */
static void machine(struct machine *m, int levels, uint64_t sme, const char *extra)
{
	char vmci[1024];

	snprintf(vmci, sizeof(vmci),
		 "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
		 "SYMBOL(init_top_pgt)=ffffffff80130000\n"
		 "NUMBER(phys_base)=1048576\nNUMBER(pgtable_l5_enabled)=%d\n"
		 "NUMBER(sme_mask)=%llu\nNUMBER(KERNEL_IMAGE_SIZE)=1073741824\n%s",
		 levels == 5, (unsigned long long)sme, extra);
	fc_init(&m->fc, MEM);
	for (uint64_t pfn = 0; pfn < MEM / FC_PAGE; pfn++)
		fc_fill_page(m->fc.mem + pfn * FC_PAGE, pfn);
	fc_add_load(&m->fc, 0x200000, 0xffffffff80100000ull, 0x80000, 0x80000);
	fc_add_load(&m->fc, 0, PAGE_OFFSET, 0x600000, 0x600000);
	fc_add_load(&m->fc, 0x700000, PAGE_OFFSET + 0x700000, 0x100000, 0x100000);
	fc_add_cpu(&m->fc, 0x6f8000, 0);
	fc_add_vmcoreinfo(&m->fc, 0x6f9000, vmci, 4096 + 36);
	fpt_init(&m->pgt, &m->fc, 0x230000, 0x280000, levels, sme);
}

static int load(struct machine *m)
{
	char err[128];

	fc_write_hdr(&m->fc, HDR);
	buf_memsrc_init(&m->src, m->fc.mem, MEM);
	arena_init(&m->a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&m->ec, &m->src.m, HDR, 0, &m->a, err, sizeof(err))) {
		fprintf(stderr, "elfcore_read: %s\n", err);
		return -1;
	}
	return 0;
}

static uint64_t pa_of(struct kvmap *k, uint64_t va)
{
	uint64_t pa = 0xdeadbeef;

	if (kvmap_vtop(k, va, &pa))
		return ~0ull;
	return pa;
}

static void test_linear_maps(void)
{
	struct machine m;
	struct kvmap k;
	uint64_t pa;

	machine(&m, 4, 0, "");
	CHECK(load(&m) == 0);
	kvmap_init(&k, &m.ec, NULL);
	CHECK(k.have_root);
	CHECK_EQ_U64(k.root_pa, 0x230000);
	CHECK_EQ_U64(pa_of(&k, 0xffffffff80100000ull), 0x200000);
	CHECK_EQ_U64(pa_of(&k, 0xffffffff80112345ull), 0x212345);
	/* image map beyond the kernel's PT_LOAD: still linear (phys_base) */
	CHECK_EQ_U64(pa_of(&k, 0xffffffff80600000ull), 0x700000);
	CHECK_EQ_U64(pa_of(&k, PAGE_OFFSET + 0x123456), 0x123456);
	CHECK_EQ_U64(pa_of(&k, PAGE_OFFSET + 0x7fffff), 0x7fffff);
	/* past the RAM the direct map ends: walked, and nothing is mapped */
	CHECK_EQ_U64(pa_of(&k, PAGE_OFFSET + MEM), ~0ull);
	CHECK_EQ_U64(k.walks, 1);
	/* modules sit past KERNEL_IMAGE_SIZE: not linear */
	CHECK(kvmap_vtop(&k, 0xffffffffc0001000ull, &pa) == -1);
	/* the one-shot form agrees */
	CHECK(kvtop(&m.ec, NULL, PAGE_OFFSET + 0x5000, &pa) == 0);
	CHECK_EQ_U64(pa, 0x5000);
	fc_free(&m.fc);
}

static void test_walk_4level(void)
{
	struct machine m;
	struct kvmap k;
	uint8_t buf[8192], want[8192];
	uint64_t pa;

	machine(&m, 4, 0, "");
	/* vmalloc: two virtually adjacent pages far apart physically */
	fpt_map(&m.pgt, VMALLOC, 0x105000, 4096);
	fpt_map(&m.pgt, VMALLOC + 4096, 0x403000, 4096);
	/* vmemmap: 2 MiB pages */
	fpt_map(&m.pgt, VMEMMAP, 0x400000, 2u << 20);
	fpt_map(&m.pgt, VMEMMAP + (2u << 20), 0x000000, 2u << 20);
	/* a 1 GiB page whose first 6 MiB are our RAM */
	fpt_map(&m.pgt, 0xffffc00000000000ull, 0, 1u << 30);
	CHECK(load(&m) == 0);
	kvmap_init(&k, &m.ec, NULL);

	CHECK_EQ_U64(pa_of(&k, VMALLOC + 0x10), 0x105010);
	CHECK_EQ_U64(pa_of(&k, VMALLOC + 0x1ff8), 0x403ff8);
	CHECK_EQ_U64(pa_of(&k, VMALLOC + 0x2000), ~0ull);	/* not mapped */

	/* a read across the page boundary takes both pieces */
	memcpy(want, m.fc.mem + 0x105800, 2048);
	memcpy(want + 2048, m.fc.mem + 0x403000, 2048);
	CHECK(kvmap_read(&k, VMALLOC + 0x800, buf, 4096) == 0);
	CHECK(memcmp(buf, want, 4096) == 0);
	CHECK(kv_read(&m.ec, NULL, VMALLOC + 0x800, buf, 4096) == 0);
	CHECK(memcmp(buf, want, 4096) == 0);
	/* ... and fails when a piece is not mapped */
	CHECK(kvmap_read(&k, VMALLOC + 0x1800, buf, 4096) == -1);

	/* 2 MiB: one walk serves the whole page */
	uint64_t w0 = k.walks;
	CHECK_EQ_U64(pa_of(&k, VMEMMAP + 0x40), 0x400040);
	CHECK_EQ_U64(pa_of(&k, VMEMMAP + 0x1fffc0), 0x5fffc0);
	CHECK_EQ_U64(pa_of(&k, VMEMMAP + 0x100000), 0x500000);
	CHECK_EQ_U64(k.walks, w0 + 1);
	CHECK_EQ_U64(pa_of(&k, VMEMMAP + 0x200040), 0x40);
	CHECK_EQ_U64(k.walks, w0 + 2);
	CHECK(kvmap_read(&k, VMEMMAP + 0x1ff000, buf, 8192) == 0);
	CHECK(memcmp(buf, m.fc.mem + 0x5ff000, 4096) == 0);
	CHECK(memcmp(buf + 4096, m.fc.mem + 0, 4096) == 0);

	/* 1 GiB: translated, and readable where there is RAM */
	CHECK_EQ_U64(pa_of(&k, 0xffffc00000123456ull), 0x123456);
	CHECK_EQ_U64(pa_of(&k, 0xffffc0003ffff000ull), 0x3ffff000);
	CHECK(kvmap_read(&k, 0xffffc00000123000ull, buf, 16) == 0);
	CHECK(memcmp(buf, m.fc.mem + 0x123000, 16) == 0);
	CHECK(kvmap_read(&k, 0xffffc0003ffff000ull, buf, 16) == -1);	/* no RAM there */

	/* the walk also covers the direct map when no PT_LOAD gave page_offset */
	fpt_map(&m.pgt, PAGE_OFFSET + 0x300000, 0x300000, 4096);
	m.ec.have_page_offset = 0;
	kvmap_init(&k, &m.ec, NULL);
	CHECK_EQ_U64(pa_of(&k, PAGE_OFFSET + 0x300abc), 0x300abc);
	CHECK_EQ_U64(pa_of(&k, PAGE_OFFSET + 0x301000), ~0ull);
	/* kvmap_walk never takes the linear maps */
	m.ec.have_page_offset = 1;
	kvmap_init(&k, &m.ec, NULL);
	CHECK(kvmap_walk(&k, PAGE_OFFSET + 0x5000, &pa) == -1);
	CHECK(kvmap_walk(&k, PAGE_OFFSET + 0x300010, &pa) == 0);
	CHECK_EQ_U64(pa, 0x300010);
	fc_free(&m.fc);
}

static void test_bad_entries(void)
{
	struct machine m;
	struct kvmap k;
	uint64_t *e, pa, save;

	machine(&m, 4, 0, "");
	fpt_map(&m.pgt, VMALLOC, 0x105000, 4096);
	fpt_map(&m.pgt, VMEMMAP, 0x400000, 2u << 20);
	CHECK(load(&m) == 0);

	/* PMD entry not present */
	e = fpt_find(&m.pgt, VMALLOC, 21);
	save = *e;
	*e &= ~FPT_P;
	kvmap_init(&k, &m.ec, NULL);
	CHECK(kvmap_vtop(&k, VMALLOC, &pa) == -1);
	/* a table pointer into the hole between the PT_LOADs */
	*e = 0x650000 | FPT_P | FPT_RW;
	CHECK(kvmap_vtop(&k, VMALLOC, &pa) == -1);
	/* ... and far beyond RAM */
	*e = 0x000ffffffffff000ull | FPT_P;
	CHECK(kvmap_vtop(&k, VMALLOC, &pa) == -1);
	*e = save;
	CHECK(kvmap_vtop(&k, VMALLOC, &pa) == 0);

	/* PSE in a PGD entry is reserved */
	e = fpt_find(&m.pgt, VMEMMAP, 39);
	save = *e;
	*e |= FPT_PSE;
	kvmap_init(&k, &m.ec, NULL);
	CHECK(kvmap_vtop(&k, VMEMMAP, &pa) == -1);
	/* a PGD entry pointing at the PGD itself: bounded by the levels, no hang */
	*e = m.pgt.root | FPT_P | FPT_RW;
	CHECK(kvmap_vtop(&k, VMEMMAP, &pa) == -1 || pa < (1ull << 52));
	*e = save;

	/* non-canonical addresses */
	kvmap_init(&k, &m.ec, NULL);
	CHECK(kvmap_vtop(&k, 0x0000900000000000ull, &pa) == -1);
	CHECK(kvmap_vtop(&k, 0xff00c90000000000ull, &pa) == -1);
	/* an address range that wraps */
	uint8_t buf[16];
	CHECK(kvmap_read(&k, 0xfffffffffffffff8ull, buf, 16) == -1);

	/* the root page itself outside RAM: every walk fails */
	k.root_pa = 0x650000;
	k.cached = 0;
	CHECK(kvmap_vtop(&k, VMALLOC, &pa) == -1);
	/* linear maps still work without page tables */
	CHECK(kvmap_vtop(&k, PAGE_OFFSET + 0x1000, &pa) == 0);
	fc_free(&m.fc);
}

static void test_missing_root(void)
{
	static const char *const bad[] = {
		"",				/* no init_top_pgt at all */
		"SYMBOL(init_top_pgt)=ffffc90000000000\n",	/* not in the image map */
		"SYMBOL(init_top_pgt)=ffffffff80130008\n",	/* not page aligned */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct machine m;
		struct kvmap k;
		uint64_t pa;
		char vmci[512];

		snprintf(vmci, sizeof(vmci), "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
			 "NUMBER(phys_base)=1048576\n%s", bad[i]);
		fc_init(&m.fc, MEM);
		fc_add_load(&m.fc, 0, PAGE_OFFSET, 0x600000, 0x600000);
		fc_add_vmcoreinfo(&m.fc, 0x6f9000, vmci, 4096 + 36);
		fpt_init(&m.pgt, &m.fc, 0x230000, 0x280000, 4, 0);
		fpt_map(&m.pgt, VMALLOC, 0x105000, 4096);
		CHECK(load(&m) == 0);
		kvmap_init(&k, &m.ec, NULL);
		CHECK(!k.have_root);
		CHECK(kvmap_vtop(&k, VMALLOC, &pa) == -1);
		CHECK(kvmap_vtop(&k, PAGE_OFFSET + 0x10, &pa) == 0 && pa == 0x10);
		fc_free(&m.fc);
	}
	/* swapper_pg_dir is the older name of the same table */
	struct machine m;
	uint64_t pa;
	char vmci[256];
	snprintf(vmci, sizeof(vmci), "PAGESIZE=4096\nNUMBER(phys_base)=1048576\n"
		 "SYMBOL(swapper_pg_dir)=ffffffff80130000\n");
	fc_init(&m.fc, MEM);
	fc_add_load(&m.fc, 0, PAGE_OFFSET, 0x600000, 0x600000);
	fc_add_vmcoreinfo(&m.fc, 0x6f9000, vmci, 4096 + 36);
	fpt_init(&m.pgt, &m.fc, 0x230000, 0x280000, 4, 0);
	fpt_map(&m.pgt, VMALLOC, 0x105000, 4096);
	CHECK(load(&m) == 0);
	CHECK(kvtop(&m.ec, NULL, VMALLOC + 8, &pa) == 0);
	CHECK_EQ_U64(pa, 0x105008);
	fc_free(&m.fc);
}

static void test_5level_and_sme(void)
{
	struct machine m;
	struct kvmap k;
	uint64_t sme = 1ull << 47;

	machine(&m, 5, sme, "");
	fpt_map(&m.pgt, VMEMMAP5, 0x400000, 2u << 20);
	fpt_map(&m.pgt, 0xffa0000000003000ull, 0x7ff000, 4096);
	fpt_map(&m.pgt, 0xff11000040000000ull, 0, 1u << 30);
	CHECK(load(&m) == 0);
	kvmap_init(&k, &m.ec, NULL);
	CHECK_EQ_U64(k.levels, 5);
	CHECK_EQ_U64(k.sme_mask, sme);
	CHECK_EQ_U64(pa_of(&k, VMEMMAP5 + 0x1234), 0x401234);
	CHECK_EQ_U64(pa_of(&k, 0xffa0000000003008ull), 0x7ff008);
	CHECK_EQ_U64(pa_of(&k, 0xff11000040000100ull), 0x100);
	/* the same va with 4-level indices lands elsewhere: unmapped */
	CHECK_EQ_U64(pa_of(&k, 0xffa1000000003008ull), ~0ull);
	/* 4-level canonical but not 5-level canonical */
	CHECK_EQ_U64(pa_of(&k, 0x00ff800000000000ull), ~0ull);
	uint8_t buf[64];
	CHECK(kvmap_read(&k, 0xffa0000000003000ull, buf, 64) == 0);
	CHECK(memcmp(buf, m.fc.mem + 0x7ff000, 64) == 0);

	/* without the mask, the C-bit makes every table address bogus */
	k.sme_mask = 0;
	k.cached = 0;
	CHECK_EQ_U64(pa_of(&k, VMEMMAP5 + 0x1234), ~0ull);
	fc_free(&m.fc);
}

/* The same machine as an ELF vmcore file: p_offset is not the physical address. */
static void test_from_file(void)
{
	struct machine m;
	struct buf_memsrc fsrc;
	struct arena a;
	struct elfcore ec;
	struct kvmap k;
	uint8_t *file, buf[4096];
	size_t len;
	char err[128];

	machine(&m, 4, 0, "");
	fpt_map(&m.pgt, VMALLOC, 0x705000, 4096);
	fpt_map(&m.pgt, VMEMMAP, 0x400000, 2u << 20);
	file = fc_build_file(&m.fc, &len);
	buf_memsrc_init(&fsrc, file, len);
	arena_init(&a, arena_mem, sizeof(arena_mem));
	CHECK(elfcore_read(&ec, &fsrc.m, 0, 0, &a, err, sizeof(err)) == 0);
	kvmap_init(&k, &ec, NULL);
	CHECK(kvmap_read(&k, VMALLOC, buf, 4096) == 0);
	CHECK(memcmp(buf, m.fc.mem + 0x705000, 4096) == 0);
	CHECK(kvmap_read(&k, VMEMMAP + 0x3000, buf, 4096) == 0);
	CHECK(memcmp(buf, m.fc.mem + 0x403000, 4096) == 0);
	/* an explicit memsrc is the one read */
	struct buf_memsrc other;
	buf_memsrc_init(&other, file, len);
	kvmap_init(&k, &ec, &other.m);
	CHECK(kvmap_read(&k, VMALLOC, buf, 8) == 0);
	CHECK(other.reads > 0);
	/* a memsrc that fails: an error, not garbage */
	fsrc.bad_start = 0;
	fsrc.bad_end = len;
	kvmap_init(&k, &ec, NULL);
	CHECK(kvmap_read(&k, VMALLOC, buf, 8) == -1);
	free(file);
	fc_free(&m.fc);
}

/* Random page-table contents: translation never crashes and stays in range. */
static void test_fuzz(void)
{
	struct machine m;
	struct kvmap k;
	uint64_t x = 0x1234567;

	machine(&m, 4, 0, "");
	CHECK(load(&m) == 0);
	/* fill the root and the RAM around it with random entries */
	for (uint64_t off = 0x230000; off < 0x280000; off += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t v = x;
		if ((x & 3) == 0)
			v = (x & 0x7ff000) | 1 | (x & 0x80);	/* plausible: inside RAM */
		memcpy(m.fc.mem + off, &v, 8);
	}
	kvmap_init(&k, &m.ec, NULL);
	int ok = 1, any = 0;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t va = 0xffff800000000000ull | (x & 0x00007fffffffffffull), pa;
		if (kvmap_walk(&k, va, &pa) == 0) {
			any++;
			if (pa >= (1ull << 52))
				ok = 0;
		}
	}
	CHECK(ok);
	CHECK(any > 0);
	fc_free(&m.fc);
}

int main(void)
{
	test_linear_maps();
	test_walk_4level();
	test_bad_entries();
	test_missing_root();
	test_5level_and_sme();
	test_from_file();
	test_fuzz();
	return test_summary("test_kvtop");
}

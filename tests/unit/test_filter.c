/*
 * capture/filter.c: makedumpfile's exclusion rules on synthetic struct pages
 * laid out as 6.1 and 6.12 lay them out (fakemm.h), cycle by cycle in any
 * order, through the kdump writer, and with broken memory maps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/filter.h"
#include "capture/kdump.h"
#include "fakemm.h"
#include "memsink.h"
#include "test.h"

static uint8_t arena_mem[4 << 20];

struct run {
	struct buf_memsrc src;
	struct arena a;
	struct elfcore ec;
	struct page_filter f;
	int init;
};

static int load(struct fakemm *m, struct run *r, int dl)
{
	char err[128];

	buf_memsrc_init(&r->src, m->fc.mem, MM_MEM);
	arena_init(&r->a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&r->ec, &r->src.m, MM_HDR, 0, &r->a, err, sizeof(err))) {
		fprintf(stderr, "elfcore_read: %s\n", err);
		return -1;
	}
	r->init = filter_init(&r->f, &r->ec, dl, &r->a);
	return 0;
}

/* The pages every test machine gets, at the same pfns for both styles. */
static void populate(struct fakemm *m)
{
	mm_buddy(m, 0x100, 3);
	mm_buddy(m, 0x110, 11);			/* impossible order: kept */
	mm_slab(m, 0x120);
	if (m->style == MM_61)
		mm_set32(m, 0x120, SP_MAPCOUNT, (uint32_t)m->fl->buddy);	/* slab wins */
	mm_cache(m, 0x130, 0);
	mm_cache(m, 0x131, 1);
	mm_flags_or(m, 0x132, mm_flag(m->fl->swapcache) | mm_flag(m->fl->swapbacked));
	mm_flags_or(m, 0x133, mm_flag(m->fl->swapcache));	/* not swapbacked: not cache */
	mm_anon(m, 0x134);
	mm_anon(m, 0x140);
	mm_compound(m, 0x140, 2, 0);		/* THP: 4 pages */
	mm_flags_or(m, 0x150, mm_flag(m->fl->hwpoison));
	mm_set32(m, 0x151, SP_MAPCOUNT, (uint32_t)m->fl->offline);
	if (m->style == MM_61) {
		mm_set32(m, 0x152, SP_MAPCOUNT, (uint32_t)m->fl->offline);
		mm_flags_or(m, 0x152, mm_flag(m->fl->slab));	/* a slab is not offline */
	}
	mm_anon(m, 0x161);
	mm_compound(m, 0x161, 2, 0);		/* misaligned: order ignored */
	mm_anon(m, 0x170);
	mm_compound(m, 0x200, 9, 1);		/* hugetlb 2 MiB */
	/*
	 * A head at the end of makedumpfile's 512-page cache is not looked at as
	 * a compound page, even though the next page says hugetlb.
	 */
	mm_flags_or(m, 0x5ff, m->fl->head_mask);
	if (m->style == MM_61) {
		mm_page(m, 0x600)[SP_ORDER] = 1;
		mm_page(m, 0x600)[SP_DTOR] = 2;
	} else {
		mm_set32(m, 0x5ff, SP_MAPCOUNT, (uint32_t)m->fl->hugetlb_type);
	}
	mm_buddy(m, 0x600, 9);
	if (m->style == MM_612)
		mm_set32(m, 0x800, SP_MAPCOUNT, (uint32_t)m->fl->unaccepted);
	else
		mm_buddy(m, 0x800, 10);
	mm_anon(m, 0x9f);	/* in segs, but only partly RAM: never dumpable, not counted */
	mm_anon(m, 0xe00);			/* no memory map in section 3: kept */
	mm_buddy(m, 0xe40, 4);
}

static void clear_range(uint8_t *bm, uint64_t from, uint64_t n)
{
	for (uint64_t p = from; p < from + n; p++)
		bm[p >> 3] &= (uint8_t)~(1u << (p & 7));
}

/* What makedumpfile keeps of populate()'s machine at dump level dl. */
static void expected(const struct fakemm *m, int dl, int unreadable_140, uint8_t *bm)
{
	memset(bm, 0, MM_PFNS / 8);
	for (uint64_t p = 0; p < MM_PFNS; p++)
		if (mm_is_ram(p))
			bm[p >> 3] |= (uint8_t)(1u << (p & 7));
	if (dl & DL_EXCLUDE_FREE) {
		clear_range(bm, 0x100, 8);
		clear_range(bm, 0x600, 512);
		clear_range(bm, 0x800, 1024);
	}
	if (dl & (DL_EXCLUDE_CACHE | DL_EXCLUDE_CACHE_PRI)) {
		clear_range(bm, 0x130, 1);
		clear_range(bm, 0x132, 1);
	}
	if (dl & DL_EXCLUDE_CACHE_PRI)
		clear_range(bm, 0x131, 1);
	if (dl & DL_EXCLUDE_USER) {
		clear_range(bm, 0x134, 1);
		if (!unreadable_140) {
			clear_range(bm, 0x140, 4);
			clear_range(bm, 0x161, 1);
			clear_range(bm, 0x170, 1);
		}
		clear_range(bm, 0x200, 512);
	}
	if (!unreadable_140)
		clear_range(bm, 0x150, 2);	/* hwpoison and offline: always */
}

/* Runs the filter over all pfns in cycles of n, in order or backwards. */
static void run_cycles(struct run *r, uint64_t n, int backwards, uint8_t *bm)
{
	uint64_t ncyc = (MM_PFNS + n - 1) / n;
	uint8_t *cbm = calloc(1, n / 8 + 2);

	memset(bm, 0, MM_PFNS / 8);
	for (uint64_t k = 0; k < ncyc; k++) {
		uint64_t c = backwards ? ncyc - 1 - k : k;
		uint64_t start = c * n, end = start + n < MM_PFNS ? start + n : MM_PFNS;
		/* the writer's bitmap: RAM pages set */
		memset(cbm, 0, n / 8 + 2);
		for (uint64_t p = start; p < end; p++)
			if (mm_is_ram(p))
				cbm[(p - start) >> 3] |= (uint8_t)(1u << ((p - start) & 7));
		filter_cycle(&r->f, &r->ec, start, end, cbm);
		for (uint64_t p = start; p < end; p++)
			if (cbm[(p - start) >> 3] & (1u << ((p - start) & 7)))
				bm[p >> 3] |= (uint8_t)(1u << (p & 7));
	}
	free(cbm);
}

static void report_diff(const uint8_t *got, const uint8_t *want)
{
	int shown = 0;

	for (uint64_t p = 0; p < MM_PFNS && shown < 8; p++) {
		int g = (got[p >> 3] >> (p & 7)) & 1, w = (want[p >> 3] >> (p & 7)) & 1;
		if (g != w) {
			fprintf(stderr, "  pfn 0x%llx: got %d want %d\n", (unsigned long long)p, g, w);
			shown++;
		}
	}
}

static int same(const uint8_t *got, const uint8_t *want)
{
	if (memcmp(got, want, MM_PFNS / 8) == 0)
		return 1;
	report_diff(got, want);
	return 0;
}

static void test_levels(enum mm_style style)
{
	static const int levels[] = { 0, 1, 2, 4, 6, 8, 16, 17, 31 };
	static uint8_t got[MM_PFNS / 8], want[MM_PFNS / 8];

	for (unsigned i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		struct fakemm m;
		struct run r;
		int dl = levels[i];

		mm_build(&m, style, 0);
		populate(&m);
		mm_finish(&m);
		CHECK(load(&m, &r, dl) == 0);
		CHECK(r.init == 1);	/* PG_hwpoison is exported: always active */
		expected(&m, dl, 0, want);
		run_cycles(&r, 4096, 0, got);
		if (!same(got, want))
			fprintf(stderr, "  (style %d, level %d, one cycle)\n", style, dl);
		CHECK(memcmp(got, want, sizeof(got)) == 0);
		/* statistics of the last pass */
		if (dl == 31) {
			CHECK_EQ_U64(r.f.st.excluded[FC_FREE], 8 + 512 + 1024);
			CHECK_EQ_U64(r.f.st.excluded[FC_CACHE], 2);
			CHECK_EQ_U64(r.f.st.excluded[FC_CACHE_PRIVATE], 1);
			CHECK_EQ_U64(r.f.st.excluded[FC_USER], 1 + 4 + 1 + 1 + 512);
			CHECK_EQ_U64(r.f.st.excluded[FC_HWPOISON], 1);
			CHECK_EQ_U64(r.f.st.excluded[FC_OFFLINE], 1);
			CHECK_EQ_U64(r.f.st.bad_order, 1);
			CHECK_EQ_U64(r.f.st.no_memmap, 0x200);
			CHECK_EQ_U64(r.f.st.unreadable, 0);
		}
		fc_free(&m.fc);
	}
}

/* The same answer for every cycle size, and for cycles in any order. */
static void test_cycles(enum mm_style style)
{
	static const uint64_t sizes[] = { 8, 64, 96, 512, 1000, 4096 };
	static uint8_t got[MM_PFNS / 8], want[MM_PFNS / 8];
	struct fakemm m;
	struct run r;

	mm_build(&m, style, 0);
	populate(&m);
	mm_finish(&m);
	CHECK(load(&m, &r, 31) == 0);
	expected(&m, 31, 0, want);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int back = 0; back < 2; back++) {
			run_cycles(&r, sizes[i], back, got);
			if (!same(got, want))
				fprintf(stderr, "  (style %d, cycles of %llu%s)\n", style,
					(unsigned long long)sizes[i], back ? ", backwards" : "");
			CHECK(memcmp(got, want, sizeof(got)) == 0);
		}
	}
	/* a second pass from 0 restarts the statistics */
	run_cycles(&r, 64, 0, got);
	run_cycles(&r, 64, 0, got);
	CHECK_EQ_U64(r.f.st.excluded[FC_FREE], 8 + 512 + 1024);
	fc_free(&m.fc);
}

/* ---- through the kdump writer ------------------------------------------- */

static void test_kdump_writer(enum mm_style style)
{
	static uint8_t want[MM_PFNS / 8];
	struct fakemm m;
	struct run r;
	struct kdump_filter hook;
	struct kdump_opts o;
	struct kdump_stats st;
	struct kdump_layout lay;
	struct mem_sink ms;

	mm_build(&m, style, 0);
	populate(&m);
	mm_finish(&m);
	CHECK(load(&m, &r, 31) == 0);
	filter_hook(&r.f, &hook);
	memset(&o, 0, sizeof(o));
	o.dump_level = 31;
	o.filter = &hook;
	ms_init(&ms, 64u << 20, 0);
	CHECK(kdump_write(&r.ec, &o, &ms.s, &r.a, &st) == 0);
	CHECK(!st.incomplete);
	expected(&m, 31, 0, want);
	uint64_t n = 0;
	for (uint64_t p = 0; p < MM_PFNS; p++)
		n += (want[p >> 3] >> (p & 7)) & 1;
	CHECK_EQ_U64(st.dumpable, n);
	kdump_layout(&r.ec, st.dumpable, &lay);
	CHECK(memcmp(ms.buf + lay.bm2_off, want, sizeof(want)) == 0);
	filter_report(&r.f);
	free(ms.buf);
	fc_free(&m.fc);
}

/* ---- broken memory maps ------------------------------------------------- */

/* vmemmap in 4 KiB pages with one missing: those 64 struct pages keep their pages. */
static void test_unreadable_struct_pages(void)
{
	static uint8_t got[MM_PFNS / 8], want[MM_PFNS / 8];
	struct fakemm m;
	struct run r;

	mm_build(&m, MM_612, 1);
	populate(&m);
	*fpt_find(&m.pgt, MM_VMEMMAP + 0x140 * MM_SPAGE, 12) = 0;
	mm_finish(&m);
	CHECK(load(&m, &r, 31) == 0);
	expected(&m, 31, 1, want);
	run_cycles(&r, 4096, 0, got);
	CHECK(same(got, want));
	CHECK_EQ_U64(r.f.st.unreadable, 64);
	fc_free(&m.fc);
}

static void check_gives_up(struct fakemm *m, const char *what)
{
	static uint8_t got[MM_PFNS / 8], want[MM_PFNS / 8];
	struct run r;

	mm_finish(m);
	CHECK(load(m, &r, 31) == 0);
	CHECK(r.init == 0);
	if (r.init != 0)
		fprintf(stderr, "  (%s)\n", what);
	/* the hook does nothing: every RAM page stays */
	expected(m, 0, 0, want);
	memset(want, 0, sizeof(want));
	for (uint64_t p = 0; p < MM_PFNS; p++)
		if (mm_is_ram(p))
			want[p >> 3] |= (uint8_t)(1u << (p & 7));
	run_cycles(&r, 4096, 0, got);
	CHECK(memcmp(got, want, sizeof(got)) == 0);
	fc_free(&m->fc);
}

static void test_malformed(void)
{
	struct fakemm m;
	uint64_t v;

	/* the root pointer points nowhere */
	mm_build(&m, MM_61, 0);
	populate(&m);
	v = 0xffff888123456000ull;
	memcpy(m.fc.mem + MM_ROOTS_PA, &v, 8);
	check_gives_up(&m, "bad root");

	/* a present section whose map is not a kernel address */
	mm_build(&m, MM_61, 0);
	populate(&m);
	v = 0x0000123400000000ull | 1;
	memcpy(m.fc.mem + MM_SECTIONS_PA + 16, &v, 8);
	check_gives_up(&m, "user-space mem_map");

	/* no section present at all */
	mm_build(&m, MM_612, 0);
	populate(&m);
	memset(m.fc.mem + MM_SECTIONS_PA, 0, 64);
	check_gives_up(&m, "no sections");

	/* nonsense sizes in VMCOREINFO */
	static const char *const bad[] = {
		"SIZE(page)=8\n", "OFFSET(page.mapping)=4000\n", "SIZE(mem_section)=0\n",
		"NUMBER(SECTION_SIZE_BITS)=12\n", "NUMBER(MAX_PHYSMEM_BITS)=99\n",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mm_build(&m, MM_61, 0);
		populate(&m);
		/* the first occurrence of a key wins: put the bad one first */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s%s", bad[i], m.vmci);
		memcpy(m.vmci, tmp, sizeof(m.vmci));
		m.vmci[sizeof(m.vmci) - 1] = 0;
		check_gives_up(&m, bad[i]);
	}

	/* no page tables and no direct map: nothing can be read */
	mm_build(&m, MM_61, 0);
	populate(&m);
	memset(m.fc.mem + m.pgt.root, 0, 4096);
	{
		static uint8_t got[MM_PFNS / 8];
		struct run r;
		mm_finish(&m);
		CHECK(load(&m, &r, 31) == 0);
		/* mem_section is in the direct map, vmemmap is not: all kept, counted */
		run_cycles(&r, 4096, 0, got);
		uint64_t kept = 0;
		for (uint64_t p = 0; p < MM_PFNS; p++)
			kept += mm_is_ram(p) && ((got[p >> 3] >> (p & 7)) & 1);
		uint64_t ram = 0;
		for (uint64_t p = 0; p < MM_PFNS; p++)
			ram += mm_is_ram(p);
		CHECK_EQ_U64(kept, ram);
		CHECK(r.f.st.unreadable > 0);
		fc_free(&m.fc);
	}
}

/* Random struct pages: the filter only ever clears RAM bits and never crashes. */
static void test_fuzz(void)
{
	static uint8_t got[MM_PFNS / 8];
	uint64_t x = 88172645463325252ull;

	for (int round = 0; round < 6; round++) {
		struct fakemm m;
		struct run r;

		mm_build(&m, round & 1 ? MM_612 : MM_61, round >= 4);
		for (uint64_t i = 0; i < MM_PFNS * MM_SPAGE / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint64_t v = x;
			/* make plausible values common: small orders, head and anon bits */
			if ((x & 7) == 0)
				v &= 0x1f;
			else if ((x & 7) == 1)
				v = (uint64_t)(int64_t)m.fl->buddy & 0xffffffffull;
			memcpy(m.fc.mem + MM_MEMMAP_PA + i * 8, &v, 8);
		}
		mm_finish(&m);
		CHECK(load(&m, &r, 31) == 0);
		run_cycles(&r, round < 3 ? 4096 : 200, round & 2, got);
		int ok = 1;
		for (uint64_t p = 0; p < MM_PFNS; p++)
			if (((got[p >> 3] >> (p & 7)) & 1) && !mm_is_ram(p))
				ok = 0;
		CHECK(ok);
		fc_free(&m.fc);
	}
}

int main(void)
{
	test_levels(MM_61);
	test_levels(MM_612);
	test_cycles(MM_61);
	test_cycles(MM_612);
	test_kdump_writer(MM_61);
	test_kdump_writer(MM_612);
	test_unreadable_struct_pages();
	test_malformed();
	test_fuzz();
	return test_summary("test_filter");
}

/*
 * A fake crashed machine with a memory map, for the page filter tests: page
 * tables, mem_section and a vmemmap of struct pages laid out as Debian's 6.1
 * or 6.12 kernel lays them out, described by a matching VMCOREINFO.
 *
 * 16 MiB of physical memory, sections of 4 MiB (SECTION_SIZE_BITS=22):
 *   RAM [0x1000, 0x9fc00)  [0x100000, 0xc00000)  [0xe00000, 0x1000000)
 *   kernel text 0xffffffff80200000 = 0x200000, phys_base 0
 *   page tables from 0x230000, mem_section roots 0x300000, entries 0x301000
 *   struct pages at physical 0x400000, vmemmap 0xffffea0000000000
 *   section 3 ([0xc00000, 0x1000000)) has no memory map
 *   header and notes in the hole at 0xc00000
 */
#ifndef TESTS_FAKEMM_H
#define TESTS_FAKEMM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fakecore.h"
#include "fakepgt.h"

#define MM_MEM		(16u << 20)
#define MM_PFNS		(MM_MEM / 4096)
#define MM_HDR		0xc00000ull
#define MM_PAGE_OFFSET	0xffff888000000000ull
#define MM_VMEMMAP	0xffffea0000000000ull
#define MM_MEMMAP_PA	0x400000ull
#define MM_ROOTS_PA	0x300000ull
#define MM_SECTIONS_PA	0x301000ull
#define MM_SPAGE	64

enum mm_style { MM_61, MM_612 };

/* struct page as 6.1 and 6.12 lay it out on x86_64 */
#define SP_FLAGS	0
#define SP_HEAD		8	/* compound_head, overlaps lru.next */
#define SP_DTOR		16	/* first tail page, 6.1 */
#define SP_ORDER	17
#define SP_MAPPING	24
#define SP_PRIVATE	40
#define SP_MAPCOUNT	48
#define SP_REFCOUNT	52

struct mm_flags {
	int lru, private, swapcache, swapbacked, slab, hwpoison;
	uint64_t head_mask;
	int32_t buddy, offline, hugetlb_type, slab_type, unaccepted;
};

static const struct mm_flags mm_flags61 = {
	4, 13, 10, 19, 9, 23, 1ull << 16, -129, -257, 0, 0, 0
};
static const struct mm_flags mm_flags612 = {
	5, 12, 9, 18, -1, 21, 1ull << 6, -268435456, -251658240, -201326592, -184549376,
	-150994944
};

struct fakemm {
	struct fakecore fc;
	struct fake_pgt pgt;
	enum mm_style style;
	const struct mm_flags *fl;
	char vmci[4096];
};

static inline uint8_t *mm_page(struct fakemm *m, uint64_t pfn)
{
	return m->fc.mem + MM_MEMMAP_PA + pfn * MM_SPAGE;
}

static inline void mm_set64(struct fakemm *m, uint64_t pfn, unsigned off, uint64_t v)
{
	memcpy(mm_page(m, pfn) + off, &v, 8);
}

static inline void mm_set32(struct fakemm *m, uint64_t pfn, unsigned off, uint32_t v)
{
	memcpy(mm_page(m, pfn) + off, &v, 4);
}

static inline uint64_t mm_flag(int nr)
{
	return nr >= 0 ? 1ull << nr : 0;
}

/* ---- building pages ------------------------------------------------------ */

static inline void mm_flags_or(struct fakemm *m, uint64_t pfn, uint64_t f)
{
	uint64_t v;

	memcpy(&v, mm_page(m, pfn) + SP_FLAGS, 8);
	mm_set64(m, pfn, SP_FLAGS, v | f);
}

static inline void mm_buddy(struct fakemm *m, uint64_t pfn, uint64_t order)
{
	mm_set32(m, pfn, SP_MAPCOUNT, (uint32_t)m->fl->buddy);
	mm_set64(m, pfn, SP_PRIVATE, order);
}

static inline void mm_cache(struct fakemm *m, uint64_t pfn, int private)
{
	mm_flags_or(m, pfn, mm_flag(m->fl->lru) | (private ? mm_flag(m->fl->private) : 0));
	mm_set64(m, pfn, SP_MAPPING, 0xffff888001234500ull);	/* an address_space */
}

static inline void mm_anon(struct fakemm *m, uint64_t pfn)
{
	mm_flags_or(m, pfn, mm_flag(m->fl->lru) | mm_flag(m->fl->swapbacked));
	mm_set64(m, pfn, SP_MAPPING, 0xffff888001234561ull);	/* anon_vma | 1 */
}

static inline void mm_slab(struct fakemm *m, uint64_t pfn)
{
	if (m->style == MM_61)
		mm_flags_or(m, pfn, mm_flag(m->fl->slab));
	else
		mm_set32(m, pfn, SP_MAPCOUNT, (uint32_t)m->fl->slab_type);
	/* slab_cache overlaps mapping: an odd one must not look anonymous */
	mm_set64(m, pfn, SP_MAPPING, 0xffff888001234001ull);
}

/* A compound page: head flag, tails pointing at it, order where the kernel keeps it. */
static inline void mm_compound(struct fakemm *m, uint64_t head, unsigned order, int hugetlb)
{
	mm_flags_or(m, head, m->fl->head_mask);
	for (uint64_t p = head + 1; p < head + (1ull << order); p++)
		mm_set64(m, p, SP_HEAD, (MM_VMEMMAP + head * MM_SPAGE) | 1);
	if (m->style == MM_61) {
		mm_page(m, head + 1)[SP_ORDER] = (uint8_t)order;
		mm_page(m, head + 1)[SP_DTOR] = hugetlb ? 2 : 1;
	} else {
		mm_flags_or(m, head + 1, order);	/* folio._flags_1 low byte */
		if (hugetlb)
			mm_set32(m, head, SP_MAPCOUNT, (uint32_t)m->fl->hugetlb_type);
	}
}

/* ---- the machine --------------------------------------------------------- */

static inline void mm_vmcoreinfo(struct fakemm *m, const char *extra)
{
	const struct mm_flags *f = m->fl;
	int n = 0;
	char *b = m->vmci;
	size_t cap = sizeof(m->vmci);

	n += snprintf(b + n, cap - n,
		"OSRELEASE=%s\nPAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=ffffffff80210000\nOFFSET(uts_namespace.name)=4\n"
		"SYMBOL(swapper_pg_dir)=ffffffff80230000\nSYMBOL(init_top_pgt)=ffffffff80230000\n"
		"SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=65536\nSIZE(mem_section)=16\n"
		"OFFSET(mem_section.section_mem_map)=0\nNUMBER(SECTION_SIZE_BITS)=22\n"
		"NUMBER(MAX_PHYSMEM_BITS)=46\n"
		"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
		"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"
		"OFFSET(page.private)=40\nOFFSET(page.compound_head)=8\n",
		m->style == MM_61 ? "6.1.0-fake" : "6.12.0-fake",
		(unsigned long long)(MM_PAGE_OFFSET + MM_ROOTS_PA));
	if (m->style == MM_61)
		n += snprintf(b + n, cap - n,
			"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
			"NUMBER(PG_slab)=%d\nNUMBER(HUGETLB_PAGE_DTOR)=2\n", f->slab);
	else
		n += snprintf(b + n, cap - n,
			"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%d\nNUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d\n"
			"NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=%d\n",
			f->hugetlb_type, f->slab_type, f->unaccepted);
	n += snprintf(b + n, cap - n,
		"LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=%d\nNUMBER(PG_private)=%d\n"
		"NUMBER(PG_swapcache)=%d\nNUMBER(PG_swapbacked)=%d\nNUMBER(PG_hwpoison)=%d\n"
		"NUMBER(PG_head_mask)=%llu\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\n"
		"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d\n"
		"NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\nNUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
		"KERNELOFFSET=0\nCRASHTIME=1714567890\n%s",
		f->lru, f->private, f->swapcache, f->swapbacked, f->hwpoison,
		(unsigned long long)f->head_mask, f->buddy, f->offline, extra ? extra : "");
}

/*
 * Builds the machine; finish it with mm_finish() after setting struct pages.
 * vmemmap_4k maps the memory map with 4 KiB pages instead of one 2 MiB page.
 */
static inline void mm_build(struct fakemm *m, enum mm_style style, int vmemmap_4k)
{
	memset(m, 0, sizeof(*m));
	m->style = style;
	m->fl = style == MM_61 ? &mm_flags61 : &mm_flags612;
	fc_init(&m->fc, MM_MEM);
	for (uint64_t pfn = 0; pfn < MM_PFNS; pfn++)
		fc_fill_page(m->fc.mem + pfn * FC_PAGE, pfn);
	memset(m->fc.mem + MM_MEMMAP_PA, 0, MM_PFNS * MM_SPAGE);
	/* every struct page starts out as an ordinary kernel page: _mapcount -1 */
	for (uint64_t pfn = 0; pfn < MM_PFNS; pfn++)
		mm_set32(m, pfn, SP_MAPCOUNT, 0xffffffffu);
	fpt_init(&m->pgt, &m->fc, 0x230000, 0x280000, 4, 0);
	if (vmemmap_4k)
		for (uint64_t off = 0; off < MM_PFNS * MM_SPAGE; off += 4096)
			fpt_map(&m->pgt, MM_VMEMMAP + off, MM_MEMMAP_PA + off, 4096);
	else
		fpt_map(&m->pgt, MM_VMEMMAP, MM_MEMMAP_PA, 2u << 20);
	/* mem_section: one root of 256 entries; sections 0-2 present */
	memset(m->fc.mem + MM_ROOTS_PA, 0, 0x2000);
	uint64_t root = MM_PAGE_OFFSET + MM_SECTIONS_PA;
	memcpy(m->fc.mem + MM_ROOTS_PA, &root, 8);
	for (int s = 0; s < 3; s++) {
		uint64_t map = MM_VMEMMAP | 0x7;	/* present, has mem_map, online */
		memcpy(m->fc.mem + MM_SECTIONS_PA + s * 16, &map, 8);
	}
	mm_vmcoreinfo(m, NULL);
}

static inline void mm_finish(struct fakemm *m)
{
	fc_add_load(&m->fc, 0x200000, 0xffffffff80200000ull, 0x80000, 0x80000);
	fc_add_load(&m->fc, 0x1000, MM_PAGE_OFFSET + 0x1000, 0x9ec00, 0x9ec00);
	fc_add_load(&m->fc, 0x100000, MM_PAGE_OFFSET + 0x100000, 0xb00000, 0xb00000);
	fc_add_load(&m->fc, 0xe00000, MM_PAGE_OFFSET + 0xe00000, 0x200000, 0x200000);
	fc_add_cpu(&m->fc, MM_HDR + 0x8000, 0);
	fc_add_vmcoreinfo(&m->fc, MM_HDR + 0x9000, m->vmci, 4096 + 36);
	fc_write_hdr(&m->fc, MM_HDR);
}

/* Is pfn in a RAM PT_LOAD by the writer's rule (a partly covered page counts)? */
static inline int mm_is_ram(uint64_t pfn)
{
	/* 0x9f is only partly covered at the segment's end: not RAM */
	return (pfn >= 1 && pfn < 0x9f) || (pfn >= 0x100 && pfn < 0xc00) ||
	       (pfn >= 0xe00 && pfn < 0x1000);
}

#endif

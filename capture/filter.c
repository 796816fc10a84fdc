/*
 * The page filter (see filter.h). The rules are makedumpfile's, in its order;
 * the comments name the makedumpfile function each piece mirrors, so a
 * difference between our bitmap and makedumpfile's can be traced.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/filter.h"
#include "capture/vmcoreinfo.h"

#define SECTION_PRESENT		1ull		/* SECTION_MARKED_PRESENT */
#define SECTION_FLAGS		0xfffull	/* vmemmap_base is page aligned; flags live below */
#define MAX_COMPOUND_ORDER	18		/* 1 GiB: the largest page x86_64 has */
#define DEFAULT_NR_ORDERS	11
#define PAGE_MAPPING_ANON	1ull

static const char *const class_name[FC_NR] = {
	"cache", "private cache", "user", "free", "hwpoison", "offline"
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ---- VMCOREINFO ------------------------------------------------------------ */

static int pg_number(const struct vmcoreinfo *vi, const char *name, int64_t *out)
{
	int64_t n;

	if (!vmcoreinfo_number(vi, name, &n) || n < 0 || n > 63)
		return 0;
	*out = n;
	return 1;
}

/* A page_type value: compared with the low 32 bits of _mapcount. */
static int type_number(const struct vmcoreinfo *vi, const char *name, uint32_t *out)
{
	int64_t n;

	if (!vmcoreinfo_number(vi, name, &n))
		return 0;
	*out = (uint32_t)n;
	return 1;
}

/* OFFSET(name), if a field of size len at it fits in a struct page. */
static int page_offset(const struct vmcoreinfo *vi, const char *name, uint64_t page_size,
		       uint64_t len, uint64_t *out)
{
	uint64_t off;

	if (!vmcoreinfo_offset(vi, name, &off) || off > page_size || len > page_size - off)
		return 0;
	*out = off;
	return 1;
}

/*
 * Where the order and destructor bytes sit in the struct page after a compound
 * head (makedumpfile's compound_order_offset, compound_dtor_offset).
 */
static uint64_t tail_field(const struct vmcoreinfo *vi, const char *folio_name,
			   const char *page_name, uint64_t page_size)
{
	uint64_t off;

	if (vmcoreinfo_offset(vi, folio_name, &off)) {
		if (off >= page_size && off - page_size < page_size)
			return off - page_size;
		return 0;
	}
	if (page_offset(vi, page_name, page_size, 1, &off))
		return off;
	return 0;
}

/* Returns 0, or -1 with a message when struct pages cannot be used at all. */
static int parse_layout(struct page_filter *f)
{
	const struct vmcoreinfo *vi = &f->ec->vmci;
	struct page_layout *L = &f->pl;
	uint64_t sz, dummy;
	int64_t n;

	memset(L, 0, sizeof(*L));
	if (!vmcoreinfo_size(vi, "page", &sz) || sz < 32 || sz > 256 || (sz & 7)) {
		port_log("filter: VMCOREINFO has no usable SIZE(page)\n");
		return -1;
	}
	L->page_size = sz;
	if (!page_offset(vi, "page.flags", sz, 8, &L->off_flags) ||
	    !page_offset(vi, "page._refcount", sz, 4, &dummy) ||
	    !page_offset(vi, "page.mapping", sz, 8, &L->off_mapping)) {
		port_log("filter: VMCOREINFO lacks OFFSET(page.flags|_refcount|mapping)\n");
		return -1;
	}
	L->have_mapcount = page_offset(vi, "page._mapcount", sz, 4, &L->off_mapcount);
	L->have_private = page_offset(vi, "page.private", sz, 8, &L->off_private);
	L->have_compound_head = page_offset(vi, "page.compound_head", sz, 8,
					    &L->off_compound_head);
	L->order_off = tail_field(vi, "folio._folio_order", "page.compound_order", sz);
	L->dtor_off = tail_field(vi, "folio._folio_dtor", "page.compound_dtor", sz);

	L->pg_lru = L->pg_private = L->pg_swapcache = -1;
	pg_number(vi, "PG_lru", &L->pg_lru);
	pg_number(vi, "PG_private", &L->pg_private);
	pg_number(vi, "PG_swapcache", &L->pg_swapcache);
	L->have_swapbacked = pg_number(vi, "PG_swapbacked", &L->pg_swapbacked);
	L->have_slab = pg_number(vi, "PG_slab", &L->pg_slab);
	L->have_hwpoison = pg_number(vi, "PG_hwpoison", &L->pg_hwpoison);
	L->have_hugetlb_flag = pg_number(vi, "PG_hugetlb", &L->pg_hugetlb);
	if (vmcoreinfo_number(vi, "PG_head_mask", &n) && n > 0)
		L->head_mask = (uint64_t)n;

	L->have_buddy = type_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &L->buddy);
	L->have_offline = type_number(vi, "PAGE_OFFLINE_MAPCOUNT_VALUE", &L->offline);
	L->have_slab_type = type_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &L->slab_type);
	L->have_hugetlb_type = type_number(vi, "PAGE_HUGETLB_MAPCOUNT_VALUE", &L->hugetlb_type);
	L->have_unaccepted = type_number(vi, "PAGE_UNACCEPTED_MAPCOUNT_VALUE", &L->unaccepted);
	if (vmcoreinfo_number(vi, "HUGETLB_PAGE_DTOR", &n)) {
		L->have_hugetlb_dtor = 1;
		L->hugetlb_dtor = (uint64_t)n;
	}
	L->nr_orders = DEFAULT_NR_ORDERS;
	if (vmcoreinfo_length(vi, "zone.free_area", &sz) && sz >= 1 && sz <= MAX_COMPOUND_ORDER + 1)
		L->nr_orders = sz;
	/* Without _mapcount every page_type test compares against 0, as makedumpfile's. */
	return 0;
}

/* ---- mem_section ----------------------------------------------------------- */

/*
 * The coded mem_map of section nr in the array at base: 1 and *coded, 0 if
 * the section has no memory map, -1 if the root array itself is unreadable.
 * (makedumpfile's nr_to_section + section_mem_map_addr)
 */
static int section_lookup(struct page_filter *f, uint64_t base, uint64_t nr, uint64_t *coded)
{
	uint64_t entry, map;

	if (f->extreme) {
		uint64_t root;
		if (kvmap_read(&f->km, base + nr / f->per_root * 8, &root, 8))
			return -1;
		if (!root)
			return 0;
		entry = root + nr % f->per_root * f->ms_size;
	} else {
		entry = base + nr * f->ms_size;
	}
	if (entry < f->kvbase || kvmap_read(&f->km, entry + f->ms_map_off, &map, 8))
		return 0;
	if (!(map & SECTION_PRESENT))
		return 0;
	*coded = map & ~SECTION_FLAGS;
	return 1;
}

/*
 * Does base hold the mem_section array? Every present section must decode to
 * a kernel address, and one must be present (makedumpfile's
 * validate_mem_section).
 */
static int sections_valid(struct page_filter *f, uint64_t base)
{
	int any = 0;

	for (uint64_t nr = 0; nr < f->nr_sections; nr++) {
		uint64_t coded;
		int r;

		if (f->extreme && nr % f->per_root == 0) {
			uint64_t root;
			if (kvmap_read(&f->km, base + nr / f->per_root * 8, &root, 8))
				return 0;
			if (!root) {
				nr += f->per_root - 1;
				continue;
			}
		}
		r = section_lookup(f, base, nr, &coded);
		if (r < 0)
			return 0;
		if (r == 0)
			continue;
		if (coded + ((nr << f->section_shift) * f->pl.page_size) < f->kvbase)
			return 0;
		any = 1;
	}
	return any;
}

static int setup_sections(struct page_filter *f)
{
	const struct vmcoreinfo *vi = &f->ec->vmci;
	uint64_t sym, len, ptr;
	int64_t sbits = 27, pbits = f->km.levels == 5 ? 52 : 46, n;

	if (!vmcoreinfo_symbol(vi, "mem_section", &sym) ||
	    !vmcoreinfo_size(vi, "mem_section", &f->ms_size) ||
	    !vmcoreinfo_offset(vi, "mem_section.section_mem_map", &f->ms_map_off)) {
		port_log("filter: VMCOREINFO has no mem_section (not SPARSEMEM?)\n");
		return -1;
	}
	if (f->ms_size < 8 || f->ms_size > 4096 || f->ms_map_off > f->ms_size - 8) {
		port_log("filter: SIZE(mem_section)=%llu OFFSET(section_mem_map)=%llu make no "
			 "sense\n", (unsigned long long)f->ms_size,
			 (unsigned long long)f->ms_map_off);
		return -1;
	}
	if (vmcoreinfo_number(vi, "SECTION_SIZE_BITS", &n))
		sbits = n;
	if (vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &n))
		pbits = n;
	if (sbits < 21 || sbits > 40 || pbits <= sbits || pbits > 52) {
		port_log("filter: SECTION_SIZE_BITS=%lld MAX_PHYSMEM_BITS=%lld make no sense\n",
			 (long long)sbits, (long long)pbits);
		return -1;
	}
	f->section_shift = (uint64_t)sbits - PAGE_SHIFT;
	f->per_root = 4096 / f->ms_size;
	f->nr_sections = (f->ec->max_pfn + (1ull << f->section_shift) - 1) >> f->section_shift;
	uint64_t nr_mem_sections = 1ull << (pbits - sbits);
	if (f->nr_sections > nr_mem_sections)
		f->nr_sections = nr_mem_sections;
	f->extreme = !vmcoreinfo_length(vi, "mem_section", &len) ||
		     len == (nr_mem_sections + f->per_root - 1) / f->per_root;
	f->kvbase = f->ec->have_page_offset ? f->ec->page_offset :
		    f->km.levels == 5 ? 0xff00000000000000ull : 0xffff800000000000ull;

	/* SYMBOL(mem_section) is the array since 4.15; older kernels gave the pointer. */
	if (sections_valid(f, sym)) {
		f->sections_va = sym;
		return 0;
	}
	if (f->extreme && kvmap_read(&f->km, sym, &ptr, 8) == 0 && sections_valid(f, ptr)) {
		f->sections_va = ptr;
		return 0;
	}
	port_log("filter: mem_section at 0x%llx does not validate: struct pages unreadable\n",
		 (unsigned long long)sym);
	return -1;
}

/* The address of pfn's struct page, or 0 if its section has no memory map. */
static uint64_t memmap_of(struct page_filter *f, uint64_t pfn)
{
	uint64_t nr = pfn >> f->section_shift, coded = 0;

	if (!f->cur_valid || f->cur_section != nr) {
		f->cur_valid = 1;
		f->cur_section = nr;
		f->cur_has_map = nr < f->nr_sections &&
				 section_lookup(f, f->sections_va, nr, &coded) == 1;
		f->cur_coded = coded;
	}
	if (!f->cur_has_map)
		return 0;
	/* vmemmap: the coded map is vmemmap_base, page pfn is at +pfn*SIZE(page) */
	return f->cur_coded + pfn * f->pl.page_size;
}

/* ---- classification -------------------------------------------------------- */

static int bit(int64_t nr, uint64_t flags)
{
	return nr >= 0 && ((flags >> nr) & 1);
}

/*
 * What to do with the page at pfn: 0 to keep it, else the number of pages
 * to exclude from pfn on, and their class in *cls. next is the following
 * struct page, or NULL if it could not be read.
 * (makedumpfile's __exclude_unnecessary_pages loop body)
 */
static uint64_t classify(struct page_filter *f, uint64_t pfn, const uint8_t *pg,
			 const uint8_t *next, int *cls)
{
	const struct page_layout *L = &f->pl;
	uint64_t flags = rd64(pg + L->off_flags);
	uint64_t mapping = rd64(pg + L->off_mapping);
	uint32_t mapcount = L->have_mapcount ? rd32(pg + L->off_mapcount) : 0;
	uint64_t priv = L->have_private ? rd64(pg + L->off_private) : 0;
	uint64_t head = L->have_compound_head ? rd64(pg + L->off_compound_head) : 0;
	uint64_t order = 0, nr;
	int hugetlb = 0, slab, cache, anon, dl = f->dump_level;

	/* makedumpfile looks at the next struct page only inside its 512-page cache */
	if (next && (pfn & (FILTER_BATCH - 1)) != FILTER_BATCH - 1 && (flags & L->head_mask)) {
		uint64_t flags1 = rd64(next + L->off_flags);

		if (L->have_hugetlb_type) {		/* 6.9 and later */
			order = flags1 & 0xff;
			hugetlb = mapcount == L->hugetlb_type;
		} else if (L->have_hugetlb_flag) {	/* 6.6 to 6.8 */
			order = flags1 & 0xff;
			hugetlb = bit(L->pg_hugetlb, flags1);
		} else {
			if (L->order_off)
				order = next[L->order_off];
			if (L->dtor_off && L->have_hugetlb_dtor)
				hugetlb = next[L->dtor_off] == L->hugetlb_dtor;
		}
		if (order > MAX_COMPOUND_ORDER || (pfn & ((1ull << order) - 1)))
			order = 0;
	}
	nr = 1ull << order;

	if (head & 1)
		return 0;	/* a tail page: its head decides */
	slab = (L->have_slab_type && mapcount == L->slab_type) ||
	       (L->have_slab && bit(L->pg_slab, flags));
	cache = bit(L->pg_lru, flags) ||
		((!L->have_swapbacked || bit(L->pg_swapbacked, flags)) &&
		 bit(L->pg_swapcache, flags));
	anon = (mapping & PAGE_MAPPING_ANON) && !slab;

	if ((dl & DL_EXCLUDE_FREE) && f->page_is_buddy && !slab && mapcount == L->buddy) {
		if (priv >= L->nr_orders) {
			f->st.bad_order++;
			return 0;
		}
		*cls = FC_FREE;
		return 1ull << priv;
	}
	if ((dl & DL_EXCLUDE_FREE) && L->have_unaccepted && mapcount == L->unaccepted) {
		*cls = FC_FREE;
		return 1ull << (L->nr_orders - 1);
	}
	if ((dl & DL_EXCLUDE_CACHE) && cache && !bit(L->pg_private, flags) && !anon) {
		*cls = FC_CACHE;
		return nr;
	}
	if ((dl & DL_EXCLUDE_CACHE_PRI) && cache && !anon) {
		*cls = bit(L->pg_private, flags) ? FC_CACHE_PRIVATE : FC_CACHE;
		return nr;
	}
	if ((dl & DL_EXCLUDE_USER) && (anon || hugetlb)) {
		*cls = FC_USER;
		return nr;
	}
	if (L->have_hwpoison && bit(L->pg_hwpoison, flags)) {
		*cls = FC_HWPOISON;
		return nr;
	}
	if (L->have_offline && !slab && mapcount == L->offline) {
		*cls = FC_OFFLINE;
		return nr;
	}
	return 0;
}

/* ---- per cycle ------------------------------------------------------------- */

/* Clears [from, to) of the cycle starting at start, counting bits that were set. */
static void exclude(struct page_filter *f, uint8_t *bm2, uint64_t start, uint64_t from,
		    uint64_t to, int cls)
{
	if (!bm2)
		return;
	for (uint64_t p = from; p < to; p++) {
		uint64_t i = p - start;
		uint8_t m = (uint8_t)(1u << (i & 7));
		if (bm2[i >> 3] & m) {
			bm2[i >> 3] &= (uint8_t)~m;
			f->st.excluded[cls]++;
		}
	}
}

/*
 * Pages of [from, to) whose first byte a PT_LOAD backs (makedumpfile's
 * is_in_segs), as a mask: bit i = pfn from + i. to - from <= FILTER_BATCH.
 */
static void segs_mask(const struct elfcore *ec, uint64_t from, uint64_t to, uint64_t *mask)
{
	memset(mask, 0, FILTER_BATCH / 8);
	for (unsigned i = 0; i < ec->nr_loads; i++) {
		const struct elf_load *l = &ec->loads[i];
		uint64_t a = (l->paddr + PAGE_BYTES - 1) >> PAGE_SHIFT;
		uint64_t b = (l->paddr + l->filesz + PAGE_BYTES - 1) >> PAGE_SHIFT;
		if (a < from)
			a = from;
		if (b > to)
			b = to;
		for (uint64_t p = a; p < b; p++)
			mask[(p - from) >> 6] |= 1ull << ((p - from) & 63);
	}
}

static int mask_test(const uint64_t *mask, uint64_t i)
{
	return (mask[i >> 6] >> (i & 63)) & 1;
}

static uint64_t mask_count(const uint64_t *mask, uint64_t n)
{
	uint64_t c = 0;

	for (uint64_t i = 0; i < n; i++)
		c += mask_test(mask, i);
	return c;
}

/*
 * Reads the struct pages of [from, to) into the batch buffer; batch_ok says
 * which could be read. One read normally, page by page if that fails.
 */
static void read_batch(struct page_filter *f, uint64_t va, uint64_t n)
{
	uint64_t sz = f->pl.page_size;

	memset(f->batch_ok, 0, sizeof(f->batch_ok));
	if (kvmap_read(&f->km, va, f->batch, n * sz) == 0) {
		for (uint64_t i = 0; i < n; i++)
			f->batch_ok[i >> 6] |= 1ull << (i & 63);
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		if (kvmap_read(&f->km, va + i * sz, f->batch + i * sz, sz) == 0)
			f->batch_ok[i >> 6] |= 1ull << (i & 63);
}

/*
 * Classifies [start, end) in ascending order, clearing excluded pages in bm2
 * (bit i = pfn start + i), or only following the ranges when bm2 is NULL.
 */
static void scan(struct page_filter *f, struct elfcore *ec, uint64_t start, uint64_t end,
		 uint8_t *bm2)
{
	uint64_t segs[FILTER_BATCH / 64];
	uint64_t pfn = start;

	if (f->skip_until > pfn) {
		uint64_t to = f->skip_until < end ? f->skip_until : end;
		exclude(f, bm2, start, pfn, to, f->skip_class);
		pfn = to;
	}
	while (pfn < end) {
		/* batches are 512-aligned like makedumpfile's struct page cache */
		uint64_t bstart = pfn & ~(uint64_t)(FILTER_BATCH - 1);
		uint64_t bend = bstart + FILTER_BATCH;
		uint64_t stop = bend < end ? bend : end;
		uint64_t map = memmap_of(f, pfn);

		segs_mask(ec, bstart, bend, segs);
		if (!map) {
			f->st.no_memmap += mask_count(segs, stop - bstart) -
					   mask_count(segs, pfn - bstart);
			pfn = stop;
			continue;
		}
		if (mask_count(segs, FILTER_BATCH) == 0) {
			pfn = stop;
			continue;
		}
		/* Read to the batch end even past the cycle: a head needs its next page. */
		read_batch(f, map, bend - pfn);
		uint64_t base = pfn;
		while (pfn < stop) {
			uint64_t i = pfn - base, nr;
			const uint8_t *pg = f->batch + i * f->pl.page_size;
			int cls = 0;

			if (!mask_test(segs, pfn - bstart)) {
				pfn++;
				continue;
			}
			if (!mask_test(f->batch_ok, i)) {
				f->st.unreadable++;
				pfn++;
				continue;
			}
			nr = classify(f, pfn, pg, pfn + 1 < bend && mask_test(f->batch_ok, i + 1) ?
				      pg + f->pl.page_size : NULL, &cls);
			if (!nr) {
				pfn++;
				continue;
			}
			uint64_t to = nr > end - pfn ? end : pfn + nr;
			exclude(f, bm2, start, pfn, to, cls);
			if (nr > end - pfn) {
				f->skip_until = pfn + nr;
				f->skip_class = cls;
			}
			pfn = to;
		}
	}
}

void filter_cycle(void *ctx, struct elfcore *ec, uint64_t start, uint64_t end, uint8_t *bm2)
{
	struct page_filter *f = ctx;

	if (!f->active || end <= start)
		return;
	/* Each pass starts again at its first cycle: count that pass only. */
	if (!f->started || start == f->first_start) {
		memset(&f->st, 0, sizeof(f->st));
		f->started = 1;
		f->first_start = start;
	}
	/*
	 * Not the cycle after the last one (a new pass, or the ELF writer's next
	 * PT_LOAD): find what runs into start by scanning from the last 1 GiB
	 * boundary. Free blocks and compound pages are aligned to their size, so
	 * none crosses that boundary.
	 */
	if (start != f->next_start) {
		uint64_t from = start & ~((1ull << MAX_COMPOUND_ORDER) - 1);
		struct filter_stats keep = f->st;

		f->skip_until = 0;
		if (from < start)
			scan(f, ec, from, start, NULL);
		f->st = keep;
	}
	f->next_start = end;
	scan(f, ec, start, end, bm2);
}

/* ---- set-up ---------------------------------------------------------------- */

int filter_init(struct page_filter *f, struct elfcore *ec, int dump_level, struct arena *a)
{
	const struct page_layout *L;

	memset(f, 0, sizeof(*f));
	f->ec = ec;
	f->dump_level = dump_level;
	kvmap_init(&f->km, ec, NULL);
	if (!ec->have_vmcoreinfo) {
		if (dump_level & ~DL_EXCLUDE_ZERO)
			port_log("filter: no VMCOREINFO: dump level %d cannot be applied, every "
				 "page is kept\n", dump_level);
		return 0;
	}
	if (parse_layout(f))
		goto give_up;
	L = &f->pl;
	f->page_is_buddy = L->have_private && L->have_buddy && L->have_mapcount;
	if ((dump_level & DL_EXCLUDE_FREE) && !f->page_is_buddy)
		port_log("filter: VMCOREINFO has no PAGE_BUDDY_MAPCOUNT_VALUE: free pages are "
			 "kept\n");
	/* makedumpfile's create_2nd_bitmap: when does it look at struct pages at all */
	if (!(dump_level & (DL_EXCLUDE_CACHE | DL_EXCLUDE_CACHE_PRI | DL_EXCLUDE_USER)) &&
	    !L->have_hwpoison && !((dump_level & DL_EXCLUDE_FREE) && f->page_is_buddy))
		return 0;
	if (!f->km.have_root && !ec->have_page_offset) {
		port_log("filter: neither page tables nor the direct map are known\n");
		goto give_up;
	}
	if (setup_sections(f))
		goto give_up;
	f->batch = arena_alloc(a, FILTER_BATCH * L->page_size, 64);
	if (!f->batch) {
		port_log("filter: no memory for %llu KiB of struct pages\n",
			 (unsigned long long)(FILTER_BATCH * L->page_size >> 10));
		return -1;
	}
	f->active = 1;
	return 1;
give_up:
	if (dump_level & ~DL_EXCLUDE_ZERO)
		port_log("filter: dump level %d cannot be applied: every page is kept\n",
			 dump_level);
	return 0;
}

void filter_hook(struct page_filter *f, struct kdump_filter *hook)
{
	hook->filter_cycle = filter_cycle;
	hook->ctx = f;
}

void filter_report(const struct page_filter *f)
{
	char line[256];
	uint64_t total = 0;
	int n;

	if (!f->active)
		return;
	for (int c = 0; c < FC_NR; c++)
		total += f->st.excluded[c];
	n = snprintf(line, sizeof(line), "filter: dump level %d excluded %llu pages (",
		     f->dump_level, (unsigned long long)total);
	for (int c = 0, first = 1; c < FC_NR; c++) {
		if (!f->st.excluded[c] || n >= (int)sizeof(line))
			continue;
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%llu %s", first ? "" : ", ",
			      (unsigned long long)f->st.excluded[c], class_name[c]);
		first = 0;
	}
	if (n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "); kept %llu with unreadable "
			 "struct pages, %llu outside any mem_map\n",
			 (unsigned long long)f->st.unreadable, (unsigned long long)f->st.no_memmap);
	port_log("%s", line);
	if (f->st.bad_order)
		port_log("filter: %llu free pages had an impossible order and were kept\n",
			 (unsigned long long)f->st.bad_order);
}

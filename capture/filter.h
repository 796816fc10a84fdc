/*
 * The page filter: makedumpfile's dump levels 2, 4, 8 and 16 (cache without
 * private data, all cache, user data, free pages), plus the pages makedumpfile
 * always leaves out (hwpoison, logically offline), decided from each page's
 * struct page as makedumpfile's __exclude_unnecessary_pages() decides, from
 * VMCOREINFO alone (docs/dump-formats.md §3). Level 1 (zero pages) is the
 * writer's business.
 *
 * struct pages are found through mem_section (SPARSEMEM_EXTREME + VMEMMAP)
 * and read through the crashed kernel's page tables (kvtop.h), 512 at a time.
 * Whatever cannot be read or does not make sense keeps its page: the filter
 * only ever drops pages it has positively identified.
 *
 * It runs per cycle through the kdump_filter hook. A free block or compound
 * page that runs past the end of a cycle is carried into the next one (as
 * makedumpfile's cycle->exclude_pfn_end is); a cycle that does not follow the
 * last one first rescans from the 1 GiB boundary below it, so every cycle gets
 * the answer a single scan from pfn 0 would give. Memory use is fixed: one
 * batch of struct pages.
 */
#ifndef CAPTURE_FILTER_H
#define CAPTURE_FILTER_H

#include <stdint.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/kdump.h"
#include "capture/kvtop.h"
#include "capture/page.h"

#define FILTER_BATCH		512	/* struct pages per read (makedumpfile's PGMM_CACHED) */

enum filter_class {
	FC_CACHE, FC_CACHE_PRIVATE, FC_USER, FC_FREE, FC_HWPOISON, FC_OFFLINE, FC_NR
};

struct filter_stats {
	uint64_t excluded[FC_NR];	/* pages cleared from bitmap 2, per class */
	uint64_t unreadable;		/* struct pages that could not be read: kept */
	uint64_t bad_order;		/* free blocks with an impossible order: kept */
	uint64_t no_memmap;		/* RAM pfns in sections without a mem_map: kept */
};

/* VMCOREINFO, parsed once; "have_*" is 0 when the kernel did not export it. */
struct page_layout {
	uint64_t page_size;		/* SIZE(page) */
	uint64_t off_flags, off_mapping, off_mapcount, off_private, off_compound_head;
	int have_mapcount, have_private, have_compound_head;
	uint64_t order_off, dtor_off;	/* in the struct page after the head; 0: none */
	int64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_hwpoison, pg_hugetlb;
	int have_swapbacked, have_slab, have_hwpoison, have_hugetlb_flag;
	uint64_t head_mask;		/* NUMBER(PG_head_mask); 0: no compound pages */
	int have_buddy, have_offline, have_slab_type, have_hugetlb_type, have_unaccepted;
	uint32_t buddy, offline, slab_type, hugetlb_type, unaccepted;	/* _mapcount values */
	int have_hugetlb_dtor;
	uint64_t hugetlb_dtor;
	uint64_t nr_orders;		/* LENGTH(zone.free_area) */
};

struct page_filter {
	struct elfcore *ec;
	struct kvmap km;
	int dump_level;
	int active;			/* there is something to exclude */
	int page_is_buddy;		/* -d 16 can find free pages from struct pages */
	struct page_layout pl;

	/* mem_section */
	int extreme;
	uint64_t sections_va;		/* the root array (or the plain array) */
	uint64_t ms_size, ms_map_off, per_root, nr_sections, section_shift;
	uint64_t kvbase;
	uint64_t cur_section;		/* one-entry cache of the section lookup */
	int cur_valid, cur_has_map;
	uint64_t cur_coded;

	uint8_t *batch;			/* FILTER_BATCH struct pages */
	uint64_t batch_ok[FILTER_BATCH / 64];

	/* carried from one cycle to the next */
	int started;
	uint64_t first_start;		/* a pass begins here: statistics restart */
	uint64_t next_start;		/* the cycle expected next */
	uint64_t skip_until;		/* pfns below this belong to an excluded range */
	int skip_class;

	struct filter_stats st;
};

/*
 * Sets the filter up for dump_level. Returns 1 if it will exclude anything
 * (then hook it with filter_hook), 0 if there is nothing for it to do, with a
 * logged reason when it had to give up, or -1 if the arena is too small.
 */
int filter_init(struct page_filter *f, struct elfcore *ec, int dump_level, struct arena *a);
void filter_hook(struct page_filter *f, struct kdump_filter *hook);

/* The kdump_filter callback: clears excluded pages of [start, end) in bm2. */
void filter_cycle(void *ctx, struct elfcore *ec, uint64_t start, uint64_t end, uint8_t *bm2);

/* One line on the console: what was excluded, and what was kept because unreadable. */
void filter_report(const struct page_filter *f);

#endif

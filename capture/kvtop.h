/*
 * x86_64 kernel virtual to physical addresses, for reading the crashed
 * kernel's data structures (struct pages in vmemmap, the printk ring, ...)
 * without its vmlinux (docs/dump-formats.md §5):
 *   kernel image map  [0xffffffff80000000, +KERNEL_IMAGE_SIZE): va - map + phys_base;
 *   direct map        va - page_offset, when a PT_LOAD told us page_offset;
 *   anything else     a walk of the crashed kernel's own page tables from
 *                     SYMBOL(init_top_pgt), 4- or 5-level, 1 GiB and 2 MiB pages.
 * Page-table entries are untrusted: each must be present and its table must
 * lie in a PT_LOAD; anything else fails the translation (-1), never the caller.
 *
 * Physical memory is read through ec->loads and mem (the memsrc the loads'
 * p_offset refer to; NULL means ec->mem). ec is never written to.
 */
#ifndef CAPTURE_KVTOP_H
#define CAPTURE_KVTOP_H

#include <stddef.h>
#include <stdint.h>

#include "capture/elfcore.h"
#include "capture/ports.h"

/*
 * A translation context: what VMCOREINFO says about the page tables, parsed
 * once, and a one-entry cache of the last page-table walk (vmemmap is mapped
 * with 2 MiB pages, so one walk serves 32768 struct pages).
 */
struct kvmap {
	const struct elfcore *ec;
	struct memsrc *mem;
	uint64_t image_size;		/* KERNEL_IMAGE_SIZE */
	int have_root;
	uint64_t root_pa;		/* init_top_pgt */
	int levels;			/* 4 or 5 */
	uint64_t sme_mask;
	/* the cache: [va, va + size) maps to [pa, pa + size) */
	int cached;
	uint64_t c_va, c_pa, c_size;
	uint64_t walks;			/* page-table walks done (for tests) */
};

void kvmap_init(struct kvmap *m, const struct elfcore *ec, struct memsrc *mem);
/* Returns 0 and *pa, or -1 if va has no valid translation. */
int kvmap_vtop(struct kvmap *m, uint64_t va, uint64_t *pa);
/* Like kvmap_vtop, but always through the page tables (no linear maps). */
int kvmap_walk(struct kvmap *m, uint64_t va, uint64_t *pa);
/* Reads len bytes at va, page by page; -1 unless every byte was read. */
int kvmap_read(struct kvmap *m, uint64_t va, void *buf, size_t len);

/* Reads physical memory through ec->loads and mem; -1 unless all is backed. */
int kv_read_phys(const struct elfcore *ec, struct memsrc *mem, uint64_t pa, void *buf,
		 size_t len);

/* One-shot forms: they parse VMCOREINFO on every call (a few KiB scanned). */
int kvtop(const struct elfcore *ec, struct memsrc *mem, uint64_t va, uint64_t *pa);
int kv_read(const struct elfcore *ec, struct memsrc *mem, uint64_t va, void *buf, size_t len);

#endif

/*
 * Reading a kdump-compressed dump (makedumpfile's format, as kdump.c writes
 * it) with the code that reads an ELF vmcore.
 *
 * The reader presents the dump as a synthesized ELF vmcore, through a memsrc:
 *   [0, ...)                  ELF header, one PT_NOTE, one PT_LOAD per run of
 *                             RAM in bitmap 1 (p_vaddr 0: the dump does not say
 *                             where the direct map was)
 *   KDUMP_VIEW_NOTES          the dump's ELF notes
 *   KDUMP_VIEW_MEM + pa       physical memory, page by page through the
 *                             descriptors, decompressed
 * and runs elfcore_read() on it, so VMCOREINFO, the notes and phys_base come
 * out as from any vmcore, and printk, kvtop or the kdump writer work on a dump
 * as on /proc/vmcore. Pages the dump left out (bitmap 2), lost or corrupt
 * pages fail the read; nothing is made up.
 *
 * Every field is checked against the size of the file. Memory: the header
 * view, one block of each bitmap, one page and one count per bitmap block.
 * Only zstd and uncompressed pages can be read (inflate.c). Host tools only:
 * the Makefile keeps this file out of the image.
 */
#ifndef CAPTURE_KDUMP_READ_H
#define CAPTURE_KDUMP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/kdump_format.h"
#include "capture/ports.h"

#define KDUMP_VIEW_NOTES	(1ull << 56)
#define KDUMP_VIEW_MEM		(1ull << 60)
#define KDUMP_READ_MAX_RUNS	4096	/* PT_LOADs: runs of RAM in bitmap 1 */

struct kdump_reader {
	struct memsrc view;		/* the synthesized ELF vmcore (first: see .c) */
	struct memsrc *file;		/* the dump file */
	uint64_t file_size;
	struct elfcore ec;		/* elfcore_read() of the view */

	struct disk_dump_header dh;
	struct kdump_sub_header sh;
	uint64_t max_mapnr;
	uint64_t bm1_off, bm2_off, bitmap_bytes, desc_off, ndesc;

	uint8_t *hdr;			/* the view's ELF header and phdrs */
	size_t hdr_len;
	uint64_t *before;		/* bitmap-2 bits before each bitmap block */
	uint8_t *bm[2];			/* one cached block of each bitmap */
	uint64_t bm_blk[2];
	uint8_t *page, *cbuf;		/* the last page read, and its stored form */
	uint64_t page_pfn;		/* ~0: none */

	uint64_t pages_read, pages_failed;
};

/*
 * Opens the dump in file (file_size bytes). Returns 0, or -1 with the reason
 * in err. Takes its memory from the arena.
 */
int kdump_reader_open(struct kdump_reader *r, struct memsrc *file, uint64_t file_size,
		      struct arena *a, char *err, size_t errlen);

/* How much of a file the dump takes, and what its descriptors say. */
struct kdump_extent {
	uint64_t len;		/* to the end of the furthest page data or eraseinfo */
	uint64_t pages;		/* descriptors (dumpable pages) */
	uint64_t lost;		/* descriptors without data */
	int incomplete;		/* DUMP_DH_COMPRESSED_INCOMPLETE */
};

/*
 * Checks the dump's headers and bitmaps as kdump_reader_open() does, then
 * every page descriptor, and measures it; pages compressed any way can be
 * measured. An incomplete dump's descriptors that point nowhere count as
 * lost; a complete dump's are corruption. Returns 0, or -1 with the reason in
 * err. Memory from the arena is given back; r is left for the headers only.
 */
int kdump_measure(struct kdump_reader *r, struct memsrc *file, uint64_t file_size,
		  struct arena *a, struct kdump_extent *e, char *err, size_t errlen);

/* Is pfn in the dump with its data? 1 yes, 0 no (a hole, excluded). */
int kdump_reader_dumpable(struct kdump_reader *r, uint64_t pfn);

/* Reads page pfn (decompressed) into out[PAGE_BYTES]. Returns 0, or -1. */
int kdump_reader_page(struct kdump_reader *r, uint64_t pfn, void *out);

#endif

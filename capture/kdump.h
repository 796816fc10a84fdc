/*
 * The kdump-compressed writer (makedumpfile's format, header version 6; see
 * kdump_format.h and docs/dump-formats.md §2).
 *
 * It works in pieces of at most KDUMP_CYCLE_PFNS page frames, like
 * makedumpfile's cyclic mode, so no buffer grows with the size of RAM:
 *   pass 1, per piece: bitmap 1 (RAM) is written, bitmap 2 (dumpable) is built
 *           and its bits are counted, which places the page data after the
 *           descriptor area;
 *   pass 2, per piece: bitmap 2 is built again and written, then the piece's
 *           descriptors and page data, in large buffered writes.
 * The pieces come in the order the data should survive a full sink: the
 * kernel image first, then the rest of RAM from the top down (kdump.c says
 * why). The real disk_dump_header goes last; until then block 0 is zeros, so
 * a dump cut short never looks like a complete one.
 */
#ifndef CAPTURE_KDUMP_H
#define CAPTURE_KDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/kdump_format.h"
#include "capture/page.h"
#include "capture/ports.h"
#include "capture/workers.h"

#define KDUMP_CYCLE_PFNS	(1u << 17)	/* 512 MiB of RAM, 16 KiB of bitmap */
#define KDUMP_DESC_BUF		(24u * PAGE_BYTES)	/* whole descriptors, whole blocks */
#define KDUMP_DATA_BUF		(256u << 10)

/* Errors besides the sink's (capture/err.h). */
#define KDUMP_ERR_NOMEM		ERR_NOMEM
#define KDUMP_ERR_INVAL		ERR_INVAL

/*
 * Page filter hook: clears the bits of pages to exclude in bm2, one piece of
 * bitmap 2 (bit i = pfn start_pfn + i; start_pfn and end_pfn are multiples of
 * 8, pieces come in any order, each pass gives the same pieces in the same
 * order). It must give the same answer in both passes. Zero pages are not its
 * business (DL_EXCLUDE_ZERO is the writer's).
 */
struct kdump_filter {
	void (*filter_cycle)(void *ctx, struct elfcore *ec, uint64_t start_pfn,
			     uint64_t end_pfn, uint8_t *bm2);
	void *ctx;
};

/*
 * Page compression hook: returns the compressed size if it fits in cap bytes,
 * else 0. A page whose compressed form is not smaller than a block is stored
 * raw. flag is the DUMP_DH_COMPRESSED_* bit for descriptors and the header.
 */
struct kdump_compressor {
	const char *name;
	uint32_t flag;
	size_t (*compress)(void *ctx, const void *page, void *out, size_t cap);
	void *ctx;
};

/*
 * A page's way into the dump is three steps, so that several CPUs can share
 * the work. The writer reads pages into a generation (KDUMP_BATCH pages per
 * worker), serially (the image maps RAM on demand), or only finds
 * where they are when the memory source may be read side by side
 * (memsrc.read_shared). Then, in one run of the workers, the caller first
 * places the generation read before (compressed in the run before):
 * serially and in read order, descriptors, data offsets, sink writes; it
 * alone touches the sink and the console. Meanwhile every worker takes pages
 * of the new generation one at a time and reads and compresses them:
 * kdump_compress_page() is pure, it touches only its page and the worker's
 * own compressor. Two generations alternate; at the end of a piece both are
 * placed. What a page becomes does not depend on who compressed it, and the
 * order is the read order, so the dump is the same bytes for any number of
 * workers.
 */
#define KDUMP_BATCH		4

enum kdump_page_kind {
	KDUMP_PAGE_TO_READ,	/* to be read by the worker: src_off in mem */
	KDUMP_PAGE_DATA,	/* stored: size bytes at src, with flags */
	KDUMP_PAGE_ZERO,	/* points at the shared zero page */
	KDUMP_PAGE_UNREADABLE,	/* could not be read: descriptor offset 0 */
	KDUMP_PAGE_SKIPPED,	/* not read: the sink was already full */
};

struct kdump_batch_page {
	uint64_t pfn, idx;		/* the page and its descriptor */
	uint64_t src_off;		/* KDUMP_PAGE_TO_READ */
	enum kdump_page_kind kind;
	uint32_t size, flags;		/* KDUMP_PAGE_DATA */
	const uint8_t *src;		/* page or cbuf */
	uint8_t *page, *cbuf;		/* PAGE_BYTES each, this slot's own */
};

/*
 * Reads p if it is still to read (mem->read_shared), then turns it, if read,
 * into what the dump stores for it: the shared zero page (if zero_page), its
 * compressed form (comp: NULL or one worker's compressor), or the page itself
 * when compression does not make it smaller than a block.
 */
void kdump_compress_page(struct kdump_batch_page *p, int zero_page, struct memsrc *mem,
			 const struct kdump_compressor *comp);

/* Arena bytes kdump_write() takes: its own buffers, and each worker's pages. */
size_t kdump_base_bytes(void);
size_t kdump_worker_bytes(void);

struct kdump_opts {
	int dump_level;				/* makedumpfile -d */
	const struct kdump_filter *filter;	/* NULL: keep every page */
	/* NULL: raw pages. Else one compressor per worker used, comp[k] for
	 * worker k, all with the same flag and the same output for a page. */
	const struct kdump_compressor *comp;
	/* Who compresses: NULL is the caller alone. nworkers: use only the
	 * first nworkers of them (0: all). */
	const struct workers *workers;
	unsigned nworkers;
};

struct kdump_stats {
	uint64_t ram_pages;	/* set in bitmap 1 */
	uint64_t dumpable;	/* set in bitmap 2 = descriptors */
	uint64_t kept;		/* stored with their data */
	uint64_t zero;		/* pointing at the shared zero page */
	uint64_t excluded;	/* RAM, not in bitmap 2 */
	uint64_t unreadable;	/* could not be read: descriptor offset 0 */
	uint64_t lost;		/* no room left on the sink: descriptor offset 0 */
	uint64_t bytes;		/* size of the dump file */
	uint64_t ns;
	int incomplete;		/* DUMP_DH_COMPRESSED_INCOMPLETE was set */
};

/* Where everything goes, from max_pfn, the notes and the dumpable count. */
struct kdump_layout {
	uint32_t sub_hdr_size;		/* blocks */
	uint32_t bitmap_blocks;		/* both bitmaps */
	uint64_t bitmap_bytes;		/* one bitmap */
	uint64_t bm1_off, bm2_off, desc_off, data_off;
};

void kdump_layout(const struct elfcore *ec, uint64_t dumpable, struct kdump_layout *l);

/*
 * Writes the whole dump. Returns 0 (also for an incomplete dump: see
 * st->incomplete) or a negative error after logging its cause.
 */
int kdump_write(struct elfcore *ec, const struct kdump_opts *o, struct sink *out,
		struct arena *a, struct kdump_stats *st);

/*
 * The utsname for the header: from the crashed kernel's init_uts_ns, else
 * "Linux" + OSRELEASE + "x86_64". Returns 1 if it came from memory.
 */
int kdump_utsname(struct elfcore *ec, struct kdump_utsname *u);

#endif

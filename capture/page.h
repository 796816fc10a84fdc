/*
 * The page, and the dump levels that leave pages out: one spelling of each for
 * the whole tree. x86_64 Linux has 4 KiB pages, and a kdump-compressed dump's
 * block (disk_dump_header.block_size) is one page.
 */
#ifndef CAPTURE_PAGE_H
#define CAPTURE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT	12
#define PAGE_BYTES	(1u << PAGE_SHIFT)

/* Dump level bits (makedumpfile -d): each leaves a class of pages out. */
#define DL_EXCLUDE_ZERO		1	/* all-zero pages */
#define DL_EXCLUDE_CACHE	2	/* page cache, without private data */
#define DL_EXCLUDE_CACHE_PRI	4	/* page cache, with private data */
#define DL_EXCLUDE_USER		8	/* user (anonymous) pages */
#define DL_EXCLUDE_FREE		16	/* free pages */
#define DL_MAX			31

/* An all-zero page goes to the shared zero page (kdump) or is left out (ELF). */
static inline int page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;

	for (size_t i = 0; i < PAGE_BYTES / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

#endif

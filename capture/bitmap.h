/*
 * Page bitmaps as the kdump format has them: bit N of byte N/8, least
 * significant first. The writers build one cycle of a bitmap at a time.
 */
#ifndef CAPTURE_BITMAP_H
#define CAPTURE_BITMAP_H

#include <stdint.h>

/* Sets bits [from, to). */
void bitmap_set_range(uint8_t *bm, uint64_t from, uint64_t to);

/* Number of set bits among the first nbits. Counted by hand: a popcount
 * builtin would need libgcc in the image. */
uint64_t bitmap_count(const uint8_t *bm, uint64_t nbits);

/*
 * Marks, in the bitmap of pfns [start, end), the pages that the physical
 * range [pa, pa+len) touches; a partly covered page counts.
 */
void bitmap_mark_pages(uint8_t *bm, uint64_t start, uint64_t end, uint64_t pa, uint64_t len);

/*
 * Marks the RAM pages of a PT_LOAD [pa, pa+len), by makedumpfile's rule for
 * its 1st bitmap: from the page that holds pa up to, not including, the page
 * that holds pa+len. A page the segment covers only in part counts at the
 * start (the bytes before pa read as zero) and not at the end.
 */
void bitmap_mark_ram(uint8_t *bm, uint64_t start, uint64_t end, uint64_t pa, uint64_t len);

#endif

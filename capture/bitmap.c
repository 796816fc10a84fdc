/* Page bitmaps (see bitmap.h). */
#include <stdint.h>
#include <string.h>

#include "capture/bitmap.h"
#include "capture/page.h"

void bitmap_set_range(uint8_t *bm, uint64_t from, uint64_t to)
{
	while (from < to && (from & 7))
		bm[from >> 3] |= (uint8_t)(1u << (from & 7)), from++;
	if (from < to && to - from >= 8) {
		memset(bm + (from >> 3), 0xff, (size_t)((to - from) >> 3));
		from += (to - from) & ~(uint64_t)7;
	}
	while (from < to)
		bm[from >> 3] |= (uint8_t)(1u << (from & 7)), from++;
}

static unsigned popcount8(unsigned v)
{
	v = v - ((v >> 1) & 0x55);
	v = (v & 0x33) + ((v >> 2) & 0x33);
	return (v + (v >> 4)) & 0x0f;
}

uint64_t bitmap_count(const uint8_t *bm, uint64_t nbits)
{
	uint64_t c = 0, i;

	for (i = 0; i < nbits / 8; i++)
		c += popcount8(bm[i]);
	if (nbits & 7)
		c += popcount8(bm[i] & ((1u << (nbits & 7)) - 1));
	return c;
}

static void mark(uint8_t *bm, uint64_t start, uint64_t end, uint64_t a, uint64_t b)
{
	if (a < start)
		a = start;
	if (b > end)
		b = end;
	if (a < b)
		bitmap_set_range(bm, a - start, b - start);
}

void bitmap_mark_pages(uint8_t *bm, uint64_t start, uint64_t end, uint64_t pa, uint64_t len)
{
	if (len)
		mark(bm, start, end, pa >> PAGE_SHIFT, (pa + len + PAGE_BYTES - 1) >> PAGE_SHIFT);
}

void bitmap_mark_ram(uint8_t *bm, uint64_t start, uint64_t end, uint64_t pa, uint64_t len)
{
	mark(bm, start, end, pa >> PAGE_SHIFT, (pa + len) >> PAGE_SHIFT);
}

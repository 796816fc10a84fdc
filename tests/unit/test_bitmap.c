/* The page bitmap helpers against a bit-at-a-time reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/bitmap.h"
#include "tests/unit/test.h"

#define NBITS 1000

static int bit(const uint8_t *bm, uint64_t i)
{
	return (bm[i >> 3] >> (i & 7)) & 1;
}

int main(void)
{
	uint8_t bm[NBITS / 8 + 1], ref[NBITS / 8 + 1];
	int round, bad;

	srand(7);
	for (round = 0; round < 3000; round++) {
		uint64_t from = (uint64_t)rand() % NBITS, to = (uint64_t)rand() % (NBITS + 1);
		uint64_t n = (uint64_t)rand() % (NBITS + 1), want = 0;

		memset(bm, 0, sizeof(bm));
		memset(ref, 0, sizeof(ref));
		bitmap_set_range(bm, from, to);
		for (uint64_t i = from; i < to; i++)
			ref[i >> 3] |= (uint8_t)(1u << (i & 7));
		CHECK(memcmp(bm, ref, sizeof(bm)) == 0);
		for (uint64_t i = 0; i < n; i++)
			want += bit(ref, i);
		CHECK_EQ_U64(bitmap_count(bm, n), want);
	}

	/* Pages [start, start+NBITS) touched by a physical range. */
	for (round = 0, bad = 0; round < 3000; round++) {
		uint64_t start = (uint64_t)(rand() % 64) * 8;
		uint64_t pa = (uint64_t)rand() % ((start + NBITS + 64) << 12);
		uint64_t len = (uint64_t)rand() % (300u << 12);

		memset(bm, 0, sizeof(bm));
		bitmap_mark_pages(bm, start, start + NBITS, pa, len);
		for (uint64_t pfn = start; pfn < start + NBITS; pfn++) {
			uint64_t lo = pfn << 12, hi = lo + 4096;
			int touched = len && pa < hi && pa + len > lo;

			bad += bit(bm, pfn - start) != touched;
		}
	}
	CHECK(bad == 0);

	/* RAM pages of a segment, makedumpfile's rule: a page is RAM when the
	 * segment covers its first byte or begins inside it, and not when the
	 * segment only ends inside it. */
	for (round = 0, bad = 0; round < 3000; round++) {
		uint64_t start = (uint64_t)(rand() % 64) * 8;
		uint64_t pa = (uint64_t)rand() % ((start + NBITS + 64) << 12);
		uint64_t len = (uint64_t)rand() % (300u << 12);

		memset(bm, 0, sizeof(bm));
		bitmap_mark_ram(bm, start, start + NBITS, pa, len);
		for (uint64_t pfn = start; pfn < start + NBITS; pfn++) {
			uint64_t lo = pfn << 12, hi = lo + 4096;
			int ram = pa < hi && pa + len >= hi;

			bad += bit(bm, pfn - start) != ram;
		}
	}
	CHECK(bad == 0);
	/* The cases of the issue: the e820 low range [0x1000, 0x9fc00) and a
	 * segment that starts mid-page. */
	memset(bm, 0, sizeof(bm));
	bitmap_mark_ram(bm, 0, NBITS, 0x1000, 0x9fc00 - 0x1000);
	CHECK(!bit(bm, 0) && bit(bm, 1) && bit(bm, 0x9e) && !bit(bm, 0x9f));
	CHECK_EQ_U64(bitmap_count(bm, NBITS), 0x9e);
	memset(bm, 0, sizeof(bm));
	bitmap_mark_ram(bm, 0, NBITS, 0x100800, 0x1800);
	CHECK(!bit(bm, 0xff) && bit(bm, 0x100) && bit(bm, 0x101) && !bit(bm, 0x102));
	memset(bm, 0, sizeof(bm));
	bitmap_mark_ram(bm, 0, NBITS, 0x100800, 0x400);	/* inside one page */
	CHECK_EQ_U64(bitmap_count(bm, NBITS), 0);
	return test_summary("test_bitmap");
}

/*
 * capture/kdump.c's compression step, kdump_compress_page(): pure, so two
 * workers with their own compressors on copies of one batch must get the same
 * answer, and it must be what the writer stored page by page: the shared zero
 * page for all-zero pages (only when there is one), the compressed form when
 * it is smaller than a page, the page itself otherwise; unread pages untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/compress.h"
#include "capture/kdump.h"
#include "capture/page.h"
#include "test.h"

static uint8_t arena_mem[2][1 << 20];
static uint8_t bufs[2][KDUMP_BATCH][2][PAGE_BYTES];

static void fill(uint8_t *p, unsigned kind, unsigned seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	if (kind == 0) {
		memset(p, 0, PAGE_BYTES);
	} else if (kind == 1) {
		for (unsigned i = 0; i < PAGE_BYTES; i++)
			p[i] = "dumpling: one page of text\n"[(i + seed) % 27];
	} else {
		for (unsigned i = 0; i < PAGE_BYTES; i += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(p + i, &x, 8);
		}
	}
}

/* A batch whose page i is of kind i % 3, except the last, which was not read. */
static void make_batch(struct kdump_batch_page *b, int w)
{
	memset(b, 0, KDUMP_BATCH * sizeof(*b));
	for (unsigned i = 0; i < KDUMP_BATCH; i++) {
		struct kdump_batch_page *p = &b[i];

		p->pfn = 100 + i;
		p->idx = i;
		p->page = bufs[w][i][0];
		p->cbuf = bufs[w][i][1];
		p->kind = i == KDUMP_BATCH - 1 ? KDUMP_PAGE_UNREADABLE : KDUMP_PAGE_DATA;
		fill(p->page, i % 3, i);
	}
}

/* The writer's step 2 on each page of b, with one worker's compressor. */
static void compress_batch(struct kdump_batch_page *b, int zero_page,
			   const struct kdump_compressor *comp)
{
	for (unsigned i = 0; i < KDUMP_BATCH; i++)
		kdump_compress_page(&b[i], zero_page, NULL, comp);
}

static void check_batch(int zero_page)
{
	struct kdump_compressor c[2];
	struct kdump_batch_page b[2][KDUMP_BATCH];
	struct arena a[2];

	for (int w = 0; w < 2; w++) {
		arena_init(&a[w], arena_mem[w], sizeof(arena_mem[w]));
		CHECK(compress_zstd_init(&c[w], &a[w], 0) == 0);
		make_batch(b[w], w);
		compress_batch(b[w], zero_page, &c[w]);
	}
	for (unsigned i = 0; i < KDUMP_BATCH; i++) {
		struct kdump_batch_page *p = &b[0][i], *q = &b[1][i];
		uint8_t back[PAGE_BYTES], orig[PAGE_BYTES];

		fill(orig, i % 3, i);
		CHECK_EQ_U64(p->kind, q->kind);
		if (i == KDUMP_BATCH - 1) {
			CHECK_EQ_U64(p->kind, KDUMP_PAGE_UNREADABLE);
			continue;
		}
		if (i % 3 == 0 && zero_page) {
			CHECK_EQ_U64(p->kind, KDUMP_PAGE_ZERO);
			continue;
		}
		CHECK_EQ_U64(p->kind, KDUMP_PAGE_DATA);
		CHECK_EQ_U64(p->size, q->size);
		CHECK(p->size <= PAGE_BYTES && memcmp(p->src, q->src, p->size) == 0);
		if (i % 3 == 2) {	/* random: stored as it is */
			CHECK_EQ_U64(p->flags, 0);
			CHECK_EQ_U64(p->size, PAGE_BYTES);
			CHECK(p->src == p->page);
		} else {
			CHECK_EQ_U64(p->flags, DUMP_DH_COMPRESSED_ZSTD);
			CHECK(p->size < PAGE_BYTES && p->src == p->cbuf);
		}
		CHECK(compress_page_inflate(p->flags, p->src, p->size, back, PAGE_BYTES) == 0);
		CHECK(memcmp(back, orig, PAGE_BYTES) == 0);
	}
}

int main(void)
{
	struct kdump_batch_page b[KDUMP_BATCH];

	check_batch(1);
	check_batch(0);
	/* No compressor: every read page is stored raw. */
	make_batch(b, 0);
	compress_batch(b, 0, NULL);
	for (unsigned i = 0; i < KDUMP_BATCH; i++)
		if (i != KDUMP_BATCH - 1)
			CHECK(b[i].kind == KDUMP_PAGE_DATA && b[i].size == PAGE_BYTES &&
			      b[i].flags == 0 && b[i].src == b[i].page);
	return test_summary("test_kdump_batch");
}

/*
 * capture/compress.c: zstd pages in a static workspace. Each page must be one
 * level-1 frame byte for byte as makedumpfile -z makes it (ZSTD_compressCCtx
 * at level 1 on a heap context), decode to the page, and come back "not
 * smaller" (0) when it does not fit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "capture/arena.h"
#include "capture/compress.h"
#include "capture/kdump_format.h"
#include "test.h"

#define B 4096

static uint8_t arena_mem[1 << 20];

static void fill(uint8_t *p, int kind, unsigned seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	switch (kind) {
	case 0:		/* zeros */
		memset(p, 0, B);
		break;
	case 1:		/* text */
		for (int i = 0; i < B; i++)
			p[i] = "kernel: [ 12.345678] eth0: link up, 1000 Mbps\n"[(i + seed) % 47];
		break;
	case 2:		/* random: does not compress */
		for (int i = 0; i < B; i += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(p + i, &x, 8);
		}
		break;
	default:	/* a struct-page-like array: mostly small repeated words */
		for (int i = 0; i < B; i += 8) {
			uint64_t v = (i % 64 == 0) ? 0x17ffffc0010000ull + (uint64_t)i : (uint64_t)(i & 0x38) * seed;
			memcpy(p + i, &v, 8);
		}
		break;
	}
}

int main(void)
{
	static uint8_t page[B], out[B], back[B], ref[ZSTD_COMPRESSBOUND(B)];
	struct kdump_compressor c;
	struct arena a;
	ZSTD_CCtx *heap = ZSTD_createCCtx();
	size_t ws = compress_zstd_workspace(0);
	int smaller = 0, raw = 0;

	printf("zstd workspace for 4 KiB pages at level 1: %zu bytes\n", ws);
	CHECK(ws > 0 && ws < (256u << 10));	/* it must be small: crashkernel=8M */

	arena_init(&a, arena_mem, sizeof(arena_mem));
	CHECK(compress_zstd_init(&c, &a, 0) == 0);
	CHECK_EQ_U64(c.flag, DUMP_DH_COMPRESSED_ZSTD);
	CHECK_STR(c.name, "zstd");
	CHECK(a.used <= ws && a.used + 128 > ws);	/* what it said it takes */

	for (int kind = 0; kind < 4; kind++) {
		for (unsigned seed = 0; seed < 50; seed++) {
			size_t n, r;

			fill(page, kind, seed);
			n = c.compress(c.ctx, page, out, B - 1);
			r = ZSTD_compressCCtx(heap, ref, sizeof(ref), page, B, 1);
			CHECK(!ZSTD_isError(r));
			if (r < B) {
				/* the same bytes makedumpfile -z would write */
				CHECK_EQ_U64(n, r);
				CHECK(n > 0 && memcmp(out, ref, n) == 0);
				CHECK(compress_page_inflate(c.flag, out, n, back, B) == 0);
				CHECK(memcmp(back, page, B) == 0);
				smaller++;
			} else {
				CHECK_EQ_U64(n, 0);	/* not smaller: stored raw */
				raw++;
			}
		}
	}
	CHECK(smaller >= 150);
	CHECK(raw >= 50);

	/* a cap below the compressed size is "does not fit", not an overflow */
	fill(page, 1, 3);
	size_t full = c.compress(c.ctx, page, out, B - 1);
	memset(out, 0xee, sizeof(out));
	CHECK(full > 8);
	CHECK_EQ_U64(c.compress(c.ctx, page, out, full - 1), 0);
	for (size_t i = full - 1; i < B; i++)
		if (out[i] != 0xee) {
			CHECK(!"wrote past cap");
			break;
		}

	/* inflate: raw pages, corrupt frames, wrong sizes, other compressions */
	fill(page, 2, 9);
	CHECK(compress_page_inflate(0, page, B, back, B) == 0 && memcmp(back, page, B) == 0);
	CHECK(compress_page_inflate(0, page, B - 1, back, B) == -1);
	fill(page, 1, 4);
	full = c.compress(c.ctx, page, out, B - 1);
	CHECK(compress_page_inflate(DUMP_DH_COMPRESSED_ZSTD, out, full - 1, back, B) == -1);
	out[full / 2] ^= 0x55;
	out[full / 2 + 1] ^= 0x55;
	/* may decode to other bytes (no checksum): it must only stay in bounds (ASan) */
	(void)compress_page_inflate(DUMP_DH_COMPRESSED_ZSTD, out, full, back, B);
	CHECK(compress_page_inflate(DUMP_DH_COMPRESSED_LZO, out, full, back, B) == -1);
	/* a frame that decodes to less than a page */
	size_t small = ZSTD_compress(ref, sizeof(ref), page, 100, 1);
	CHECK(compress_page_inflate(DUMP_DH_COMPRESSED_ZSTD, ref, small, back, B) == -1);

	/* other levels: the bytes zstd itself writes at that level, and a
	 * level out of range is refused */
	for (int level = COMPRESS_ZSTD_LEVEL_MIN; level <= COMPRESS_ZSTD_LEVEL_MAX; level += 3) {
		struct kdump_compressor l;
		size_t n, r;

		if (!level)
			continue;
		arena_init(&a, arena_mem, sizeof(arena_mem));
		CHECK(compress_zstd_init(&l, &a, level) == 0);
		CHECK(a.used <= compress_zstd_workspace(level));
		fill(page, 1, 11);
		n = l.compress(l.ctx, page, out, B - 1);
		r = ZSTD_compressCCtx(heap, ref, sizeof(ref), page, B, level);
		CHECK(n > 0 && n == r && memcmp(out, ref, n) == 0);
	}
	CHECK(compress_zstd_init(&c, &a, COMPRESS_ZSTD_LEVEL_MAX + 1) == -1);
	CHECK(compress_zstd_init(&c, &a, COMPRESS_ZSTD_LEVEL_MIN - 1) == -1);

	/* an arena without room for the workspace is a clean error */
	static uint8_t tiny[4096];
	arena_init(&a, tiny, sizeof(tiny));
	CHECK(compress_zstd_init(&c, &a, 0) == -1);
	CHECK(c.compress == NULL);

	ZSTD_freeCCtx(heap);
	return test_summary("compress");
}

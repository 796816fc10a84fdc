/* zstd page compression (see compress.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_initStaticCCtx, size estimates */
#include <zstd.h>

#include "capture/compress.h"
#include "capture/kdump_format.h"
#include "capture/ports.h"

struct zstd_page_ctx {
	ZSTD_CCtx *cctx;
	int level;
};

static int pick_level(int level)
{
	return level ? level : COMPRESS_ZSTD_LEVEL;
}

/*
 * zstd's context for exactly one 4 KiB page: zstd shrinks its window and
 * tables to the input size, so it is small. ZSTD_compressCCtx() derives the
 * same parameters from the same level and size, so it always fits.
 */
static size_t cctx_bytes(int level)
{
	return ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(pick_level(level), PAGE_BYTES, 0));
}

size_t compress_zstd_workspace(int level)
{
	return sizeof(struct zstd_page_ctx) + 64 + cctx_bytes(level);
}

static size_t zstd_page(void *ctx, const void *page, void *out, size_t cap)
{
	struct zstd_page_ctx *z = ctx;
	size_t n = ZSTD_compressCCtx(z->cctx, out, cap, page, PAGE_BYTES, z->level);

	/* "Does not fit in cap" is an error to zstd, and a raw page to us. */
	if (ZSTD_isError(n) || n == 0 || n > cap)
		return 0;
	return n;
}

int compress_zstd_init(struct kdump_compressor *c, struct arena *a, int level)
{
	size_t size = cctx_bytes(level);
	struct zstd_page_ctx *z;
	void *ws;

	memset(c, 0, sizeof(*c));
	level = pick_level(level);
	if (level < COMPRESS_ZSTD_LEVEL_MIN || level > COMPRESS_ZSTD_LEVEL_MAX) {
		port_log("dumpling: zstd level %d is not in %d..%d\n", level,
			 COMPRESS_ZSTD_LEVEL_MIN, COMPRESS_ZSTD_LEVEL_MAX);
		return -1;
	}
	z = arena_alloc(a, sizeof(*z), 64);
	ws = z ? arena_alloc(a, size, 64) : NULL;
	if (!ws) {
		port_log("dumpling: no room for zstd's %zu KiB workspace: %zu KiB of %zu KiB "
			 "left\n", size >> 10, (a->size - a->used) >> 10, a->size >> 10);
		return -1;
	}
	z->cctx = ZSTD_initStaticCCtx(ws, size);
	z->level = level;
	if (!z->cctx) {
		port_log("dumpling: zstd rejected its %zu-byte workspace\n", size);
		return -1;
	}
	c->name = "zstd";
	c->flag = DUMP_DH_COMPRESSED_ZSTD;
	c->compress = zstd_page;
	c->ctx = z;
	return 0;
}

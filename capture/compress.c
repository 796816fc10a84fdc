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

/*
 * Parameters for exactly one 4 KiB page at level 1: zstd shrinks its window
 * and tables to the input size, so the workspace is small. ZSTD_compressCCtx()
 * derives the same parameters from the same level and size, so it always fits.
 */
static ZSTD_compressionParameters page_params(void)
{
	return ZSTD_getCParams(COMPRESS_ZSTD_LEVEL, PAGE_BYTES, 0);
}

size_t compress_zstd_workspace(void)
{
	return ZSTD_estimateCCtxSize_usingCParams(page_params());
}

static size_t zstd_page(void *ctx, const void *page, void *out, size_t cap)
{
	size_t n = ZSTD_compressCCtx(ctx, out, cap, page, PAGE_BYTES, COMPRESS_ZSTD_LEVEL);

	/* "Does not fit in cap" is an error to zstd, and a raw page to us. */
	if (ZSTD_isError(n) || n == 0 || n > cap)
		return 0;
	return n;
}

int compress_zstd_init(struct kdump_compressor *c, struct arena *a)
{
	size_t size = compress_zstd_workspace();
	void *ws = arena_alloc(a, size, 64);
	ZSTD_CCtx *cctx;

	memset(c, 0, sizeof(*c));
	if (!ws) {
		port_log("dumpling: no room for zstd's %zu KiB workspace: %zu KiB of %zu KiB "
			 "left\n", size >> 10, (a->size - a->used) >> 10, a->size >> 10);
		return -1;
	}
	cctx = ZSTD_initStaticCCtx(ws, size);
	if (!cctx) {
		port_log("dumpling: zstd rejected its %zu-byte workspace\n", size);
		return -1;
	}
	c->name = "zstd";
	c->flag = DUMP_DH_COMPRESSED_ZSTD;
	c->compress = zstd_page;
	c->ctx = cctx;
	return 0;
}

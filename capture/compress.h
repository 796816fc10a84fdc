/*
 * Page compression for the kdump writer: zstd, one independent level-1 frame
 * per page, as makedumpfile -z writes it (docs/dump-formats.md §2.5).
 *
 * No heap: the compression context lives in a workspace from the arena, sized
 * once for 4 KiB inputs (ZSTD_initStaticCCtx). In the image zstd is compiled
 * from Debian's libzstd source (mk/zstd.mk); host tools link Debian's
 * libzstd, the same version.
 */
#ifndef CAPTURE_COMPRESS_H
#define CAPTURE_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "capture/arena.h"
#include "capture/kdump.h"

#define COMPRESS_ZSTD_LEVEL	1

/*
 * Sets up c as the zstd page compressor, its context in the arena. Returns 0,
 * or -1 after a message if the arena is too small.
 */
int compress_zstd_init(struct kdump_compressor *c, struct arena *a);

/* Bytes compress_zstd_init() takes from the arena. */
size_t compress_zstd_workspace(void);

/*
 * Decompresses one page written with any flag we can read (zstd, or 0 for a
 * raw page) into out[page_size]. Returns 0, or -1 if the data is corrupt or
 * does not decompress to exactly page_size bytes. Host tools only: the image
 * never reads dumps, and builds no decompressor.
 */
int compress_page_inflate(uint32_t flags, const void *src, size_t len, void *out,
			  size_t page_size);

#endif

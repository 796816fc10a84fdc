/*
 * Page compression for the kdump writer: zstd, one independent frame per page
 * (level 1 unless told otherwise), as makedumpfile -z writes it (docs/dump-formats.md §2.5).
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

/* The default level, from docs/BENCHMARKS.md ("zstd level"), and the
 * levels we take: negative ones are zstd's fast modes. */
#define COMPRESS_ZSTD_LEVEL	1
#define COMPRESS_ZSTD_LEVEL_MIN	(-7)
#define COMPRESS_ZSTD_LEVEL_MAX	19

/*
 * Sets up c as the zstd page compressor at level (0: the default), its
 * context in the arena. Returns 0, or -1 after a message if the arena is too
 * small or the level is out of range.
 */
int compress_zstd_init(struct kdump_compressor *c, struct arena *a, int level);

/* Bytes compress_zstd_init() takes from the arena for level (0: default). */
size_t compress_zstd_workspace(int level);

/*
 * Decompresses one page written with any flag we can read (zstd, or 0 for a
 * raw page) into out[page_size]. Returns 0, or -1 if the data is corrupt or
 * does not decompress to exactly page_size bytes. Host tools only: the image
 * never reads dumps, and builds no decompressor.
 */
int compress_page_inflate(uint32_t flags, const void *src, size_t len, void *out,
			  size_t page_size);

#endif

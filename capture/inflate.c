/*
 * Reading back one page of a kdump-compressed dump (see compress.h). Host
 * tools only: the Makefile keeps this file out of the image, which never
 * reads a dump and builds no decompressor.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zstd.h>

#include "capture/compress.h"
#include "capture/kdump_format.h"

int compress_page_inflate(uint32_t flags, const void *src, size_t len, void *out,
			  size_t page_size)
{
	size_t n;

	if (flags == 0) {
		if (len != page_size)
			return -1;
		memcpy(out, src, len);
		return 0;
	}
	if (flags != DUMP_DH_COMPRESSED_ZSTD)
		return -1;
	n = ZSTD_decompress(out, page_size, src, len);
	return ZSTD_isError(n) || n != page_size ? -1 : 0;
}

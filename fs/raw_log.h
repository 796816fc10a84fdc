/*
 * dumpling.log on a raw target: the capture's own console log has no file
 * to go to, so it goes into the dump area right after the dump, where
 * `dumpling-extract --to-dir` finds it and writes it beside the vmcore.
 *
 * At RAW_LOG_OFFSET(dump length) from the start of the dump area:
 *   0   16 bytes  RAW_LOG_MAGIC
 *   16  u64       length of the dump it belongs to (the bytes before it)
 *   24  u64       length of the text
 *   32  u32       crc32c of the text
 *   36  u32       crc32c of bytes 0-35
 *   RAW_LOG_HDR   the text
 * All little-endian. The dump length ties the log to its dump: an older
 * log further on in the area is not taken for this dump's.
 */
#ifndef FS_RAW_LOG_H
#define FS_RAW_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/ports.h"

#define RAW_LOG_MAGIC	"dumpling.log\0v1\0"
#define RAW_LOG_HDR	512u
#define RAW_LOG_MAX	(1u << 20)	/* the most text a reader accepts */
#define RAW_LOG_OFFSET(dump_len) (((dump_len) + 4095) & ~(uint64_t)4095)

/* Writes the log after a dump of dump_len bytes through the dump's sink,
 * then finishes the sink again. Returns 0 or a negative SINK_ERR_*. */
int raw_log_write(struct sink *s, uint64_t dump_len, const void *text, size_t len);

/* Checks a header read at RAW_LOG_OFFSET(dump_len): 0 and the text's length
 * and crc32c, or -1 with the reason in why. */
int raw_log_parse(const uint8_t hdr[RAW_LOG_HDR], uint64_t dump_len, uint64_t *len,
		  uint32_t *crc, const char **why);

uint32_t raw_log_crc(const void *text, size_t len);

#endif

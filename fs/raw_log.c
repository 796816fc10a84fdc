/* dumpling.log in the raw dump area (raw_log.h). */
#include <stdint.h>
#include <string.h>

#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"	/* get32/get64, put32/put64: little-endian fields */
#include "fs/raw_log.h"

uint32_t raw_log_crc(const void *text, size_t len)
{
	return ext4_crc32c(~0u, text, len);
}

int raw_log_write(struct sink *s, uint64_t dump_len, const void *text, size_t len)
{
	uint8_t hdr[RAW_LOG_HDR];
	uint64_t off = RAW_LOG_OFFSET(dump_len), end = 0;
	int r;

	if (len > RAW_LOG_MAX)
		len = RAW_LOG_MAX;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, RAW_LOG_MAGIC, 16);
	put64(hdr + 16, dump_len);
	put64(hdr + 24, len);
	put32(hdr + 32, raw_log_crc(text, len));
	put32(hdr + 36, raw_log_crc(hdr, 36));
	/* Text first, header last: a log cut short has no valid header. */
	r = sink_put(s, off + RAW_LOG_HDR, text, len, &end);
	if (r == 0)
		r = sink_put(s, off, hdr, sizeof(hdr), &end);
	return r ? r : s->finish(s);
}

int raw_log_parse(const uint8_t hdr[RAW_LOG_HDR], uint64_t dump_len, uint64_t *len,
		  uint32_t *crc, const char **why)
{
	if (memcmp(hdr, RAW_LOG_MAGIC, 16) || get32(hdr + 36) != raw_log_crc(hdr, 36)) {
		*why = "no dumpling.log after the dump";
		return -1;
	}
	if (get64(hdr + 16) != dump_len) {
		*why = "the dumpling.log there belongs to another dump";
		return -1;
	}
	*len = get64(hdr + 24);
	if (*len > RAW_LOG_MAX) {
		*why = "dumpling.log claims more than 1 MiB";
		return -1;
	}
	*crc = get32(hdr + 32);
	return 0;
}

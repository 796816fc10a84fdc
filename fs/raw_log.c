/* dumpling.log in the raw dump area (raw_log.h). */
#include <stdint.h>
#include <string.h>

#include "fs/ext4_crc.h"
#include "fs/raw_log.h"

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint32_t raw_log_crc(const void *text, size_t len)
{
	return ext4_crc32c(~0u, text, len);
}

int raw_log_write(struct sink *s, uint64_t dump_len, const void *text, size_t len)
{
	uint8_t hdr[RAW_LOG_HDR];
	uint64_t off = RAW_LOG_OFFSET(dump_len), end = 0;
	uint32_t c;
	int r;

	if (len > RAW_LOG_MAX)
		len = RAW_LOG_MAX;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, RAW_LOG_MAGIC, 16);
	put64(hdr + 16, dump_len);
	put64(hdr + 24, len);
	c = raw_log_crc(text, len);
	memcpy(hdr + 32, &c, 4);	/* x86 and the host tools: little-endian */
	c = raw_log_crc(hdr, 36);
	memcpy(hdr + 36, &c, 4);
	/* Text first, header last: a log cut short has no valid header. */
	r = sink_put(s, off + RAW_LOG_HDR, text, len, &end);
	if (r == 0)
		r = sink_put(s, off, hdr, sizeof(hdr), &end);
	return r ? r : s->finish(s);
}

int raw_log_parse(const uint8_t hdr[RAW_LOG_HDR], uint64_t dump_len, uint64_t *len,
		  uint32_t *crc, const char **why)
{
	uint32_t c;

	memcpy(&c, hdr + 36, 4);
	if (memcmp(hdr, RAW_LOG_MAGIC, 16) || c != raw_log_crc(hdr, 36)) {
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
	memcpy(crc, hdr + 32, 4);
	return 0;
}

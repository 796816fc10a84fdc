/*
 * The raw sink: byte writes into a window of a block device.
 *
 * The buffer is cut into RAW_SLOTS slots. Each slot caches one sector-aligned
 * region [base, end) of the window and remembers the one contiguous byte
 * range [lo, hi) written into it since it was last written back. Regions of
 * different slots never overlap, so a sector has at most one cached copy and
 * the disk is current for every sector outside a dirty range.
 *
 * A write lands in the slot whose region holds it. If none does, the slot
 * that just ran off its end (the same stream going on) or else the least
 * recently used one is written back and moved there. Writing back turns
 * [lo, hi) into whole sectors; a partial sector at either edge is read from
 * the disk first and patched, so bytes we were never given keep their old
 * value. Every sector written lies inside the window because the window is
 * sector aligned and slots never reach past its end.
 */
#include <stdio.h>
#include <string.h>

#include "fs/raw.h"
#include "capture/fmt.h"

static uint64_t align_down(uint64_t x, uint64_t a) { return x / a * a; }
static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

static int io_failed(struct raw_sink *rs, const char *what, uint64_t off, uint64_t bytes)
{
	port_log("%s: %s of %llu bytes at byte %llu of the window failed\n", rs->name, what,
		 (unsigned long long)bytes, (unsigned long long)off);
	rs->error = SINK_ERR_IO;
	return SINK_ERR_IO;
}

/* Writes whole sectors at window offset off, in requests the device takes. */
static int dev_write(struct raw_sink *rs, uint64_t off, const uint8_t *p, uint64_t bytes)
{
	uint64_t chunk_max = align_down(rs->dev->max_transfer, rs->ssz);

	while (bytes) {
		uint64_t n = bytes < chunk_max ? bytes : chunk_max;

		if (blk_write(rs->dev, (rs->start + off) / rs->ssz, p, (uint32_t)(n / rs->ssz)) != 0)
			return io_failed(rs, "write", off, n);
		off += n;
		p += n;
		bytes -= n;
	}
	return 0;
}

/* Reads the sector at window offset off into the scratch sector. */
static int read_scratch(struct raw_sink *rs, uint64_t off)
{
	if (blk_read(rs->dev, (rs->start + off) / rs->ssz, rs->scratch, 1) != 0)
		return io_failed(rs, "read", off, rs->ssz);
	return 0;
}

static int slot_writeback(struct raw_sink *rs, struct raw_slot *sl)
{
	uint64_t s0, s1, tail;
	int r;

	if (sl->lo == sl->hi)
		return 0;
	s0 = align_down(sl->lo, rs->ssz);
	s1 = align_up(sl->hi, rs->ssz);
	tail = s1 - rs->ssz;
	if (sl->lo != s0) {
		if ((r = read_scratch(rs, s0)) != 0)
			return r;
		memcpy(sl->buf + (s0 - sl->base), rs->scratch, sl->lo - s0);
	}
	if (sl->hi != s1) {
		/* The scratch sector already holds it when head and tail share one. */
		if ((sl->lo == s0 || tail != s0) && (r = read_scratch(rs, tail)) != 0)
			return r;
		memcpy(sl->buf + (sl->hi - sl->base), rs->scratch + (sl->hi - tail), s1 - sl->hi);
	}
	if ((r = dev_write(rs, s0, sl->buf + (s0 - sl->base), s1 - s0)) != 0)
		return r;
	sl->lo = sl->hi = sl->base;
	return 0;
}

static struct raw_slot *slot_holding(struct raw_sink *rs, uint64_t off)
{
	for (int i = 0; i < RAW_SLOTS; i++)
		if (rs->slots[i].base <= off && off < rs->slots[i].end)
			return &rs->slots[i];
	return NULL;
}

static struct raw_slot *slot_victim(struct raw_sink *rs, uint64_t off)
{
	uint64_t sector = align_down(off, rs->ssz);
	struct raw_slot *best = &rs->slots[0];

	for (int i = 0; i < RAW_SLOTS; i++) {
		struct raw_slot *sl = &rs->slots[i];

		if (sl->end != sl->base && sl->end == sector)
			return sl;	/* the stream that just ran off its end */
	}
	for (int i = 0; i < RAW_SLOTS; i++) {
		struct raw_slot *sl = &rs->slots[i];

		if (sl->end == sl->base)
			return sl;	/* never used */
		if (sl->used < best->used)
			best = sl;
	}
	return best;
}

/* Points a clean slot at the region starting with off's sector, stopping at
 * the next slot's region so that regions stay disjoint. */
static void slot_move(struct raw_sink *rs, struct raw_slot *sl, uint64_t off)
{
	uint64_t base = align_down(off, rs->ssz);
	uint64_t end = rs->len - base < rs->slot_size ? rs->len : base + rs->slot_size;

	for (int i = 0; i < RAW_SLOTS; i++) {
		struct raw_slot *o = &rs->slots[i];

		if (o != sl && o->end != o->base && o->base > off && o->base < end)
			end = o->base;
	}
	sl->base = base;
	sl->end = end;
	sl->lo = sl->hi = base;
}

static int raw_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct raw_sink *rs = (struct raw_sink *)s;
	const uint8_t *p = buf;
	int r;

	if (rs->error)
		return rs->error;
	if (off > rs->len || len > rs->len - off)
		return SINK_ERR_NOSPC;
	while (len) {
		struct raw_slot *sl = slot_holding(rs, off);
		uint64_t n;

		if (!sl) {
			sl = slot_victim(rs, off);
			if ((r = slot_writeback(rs, sl)) != 0)
				return r;
			slot_move(rs, sl, off);
		}
		n = sl->end - off < len ? sl->end - off : len;
		/* The dirty range must stay one piece: write back across a gap. */
		if (sl->lo != sl->hi && (off > sl->hi || off + n < sl->lo)) {
			if ((r = slot_writeback(rs, sl)) != 0)
				return r;
		}
		memcpy(sl->buf + (off - sl->base), p, n);
		if (sl->lo == sl->hi) {
			sl->lo = off;
			sl->hi = off + n;
		} else {
			if (off < sl->lo)
				sl->lo = off;
			if (off + n > sl->hi)
				sl->hi = off + n;
		}
		sl->used = ++rs->clock;
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int raw_finish(struct sink *s)
{
	struct raw_sink *rs = (struct raw_sink *)s;
	int r;

	if (rs->error)
		return rs->error;
	/* In disk order: kinder to spinning disks, and it costs nothing. */
	for (;;) {
		struct raw_slot *next = NULL;

		for (int i = 0; i < RAW_SLOTS; i++) {
			struct raw_slot *sl = &rs->slots[i];

			if (sl->lo != sl->hi && (!next || sl->lo < next->lo))
				next = sl;
		}
		if (!next)
			break;
		if ((r = slot_writeback(rs, next)) != 0)
			return r;
	}
	if (blk_flush(rs->dev) != 0) {
		port_log("%s: cache flush failed\n", rs->name);
		rs->error = SINK_ERR_IO;
		return SINK_ERR_IO;
	}
	return 0;
}

int raw_sink_open(struct raw_sink *rs, struct blk_dev *dev, uint64_t start, uint64_t len,
		  void *buf, size_t bufsize, char *err, size_t errlen)
{
	uint32_t ssz = dev->sector_size;
	uint64_t disk_bytes, unit;
	uint8_t *p = buf;

	memset(rs, 0, sizeof(*rs));
	if (ssz < 512 || ssz > 65536 || (ssz & (ssz - 1)) || dev->max_transfer < ssz) {
		return errf(err, errlen, "%s: unusable geometry (sector %u bytes, max transfer %u)",
			    dev->name, ssz, dev->max_transfer);
	}
	if (dev->nsectors > UINT64_MAX / ssz) {
		return errf(err, errlen, "%s: impossible size of %llu sectors", dev->name,
			    (unsigned long long)dev->nsectors);
	}
	disk_bytes = dev->nsectors * ssz;
	if (start % ssz || len % ssz) {
		return errf(err, errlen, "%s: partition %llu+%llu is not aligned to the %u-byte sector",
			    dev->name, (unsigned long long)start, (unsigned long long)len, ssz);
	}
	if (start >= disk_bytes || len > disk_bytes - start) {
		return errf(err, errlen, "%s: partition %llu+%llu does not fit the disk (%llu bytes)",
			    dev->name, (unsigned long long)start, (unsigned long long)len,
			    (unsigned long long)disk_bytes);
	}
	if (len == 0)
		len = disk_bytes - start;

	/* Slots in whole pages when the buffer allows, then the scratch sector. */
	unit = ssz > 4096 ? ssz : 4096;
	if (bufsize < ssz || (bufsize - ssz) / RAW_SLOTS < unit)
		unit = ssz;
	rs->slot_size = bufsize < ssz ? 0 : align_down((bufsize - ssz) / RAW_SLOTS, unit);
	if (rs->slot_size == 0) {
		return errf(err, errlen, "raw sink: buffer of %llu bytes too small for %u-byte sectors",
			    (unsigned long long)bufsize, ssz);
	}
	for (int i = 0; i < RAW_SLOTS; i++)
		rs->slots[i].buf = p + (size_t)i * rs->slot_size;
	rs->scratch = p + RAW_SLOTS * rs->slot_size;

	rs->dev = dev;
	rs->start = start;
	rs->len = len;
	rs->ssz = ssz;
	snprintf(rs->name, sizeof(rs->name), "raw %s bytes %llu+%llu", dev->name,
		 (unsigned long long)start, (unsigned long long)len);
	rs->sink.write = raw_write;
	rs->sink.finish = raw_finish;
	rs->sink.capacity = len;
	rs->sink.name = rs->name;
	return 0;
}

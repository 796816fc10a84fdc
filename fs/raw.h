/*
 * The raw sink: "the dump file" is a byte window [start, start+len) of a block
 * device, typically a partition. Byte writes at any offset become sector
 * writes through a few write-combining slots; partial sectors at the edges of
 * a run are read, patched and written back. Nothing outside the window is
 * ever written.
 */
#ifndef FS_RAW_H
#define FS_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "capture/ports.h"
#include "drivers/blk.h"

/* One slot per sequential stream the kdump writer keeps going (headers,
 * bitmaps, page descriptors, page data). */
#define RAW_SLOTS	4

struct raw_slot {
	uint8_t *buf;		/* slot_size bytes, caching [base, end) */
	uint64_t base, end;	/* window offsets, sector aligned; end == base: unused */
	uint64_t lo, hi;	/* dirty bytes [lo, hi) inside [base, end); lo == hi: clean */
	uint64_t used;		/* last use, for choosing a victim */
};

struct raw_sink {
	struct sink sink;	/* first, so a struct sink * converts back */
	struct blk_dev *dev;
	uint64_t start, len;	/* window on the device, bytes */
	uint32_t ssz;		/* sector size */
	size_t slot_size;
	uint8_t *scratch;	/* one sector, for read-modify-write */
	struct raw_slot slots[RAW_SLOTS];
	uint64_t clock;
	int error;		/* sticky: after an I/O error nothing is trusted */
	char name[112];	
};

/*
 * Opens a sink over [start, start+len) bytes of dev; len 0 means to the end
 * of the disk. start and len must be multiples of the sector size and inside
 * the disk. buf (DMA-able, bufsize bytes) holds the slots and a scratch
 * sector; a few MiB makes sequential runs into large requests. Returns 0, or
 * -1 with a message in err.
 */
int raw_sink_open(struct raw_sink *rs, struct blk_dev *dev, uint64_t start, uint64_t len,
		  void *buf, size_t bufsize, char *err, size_t errlen);

#endif

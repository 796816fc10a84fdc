/*
 * Writes in flight, for the block drivers (virtio-blk, NVMe).
 *
 * A write copies the caller's data into a free bounce slot of DMA memory,
 * hands it to the driver and returns: the caller's buffer is free again at
 * once, and the disk writes while the capture core fills the next buffer.
 * Only when every slot is busy, or an in-flight write overlaps the new one
 * (two writes to one sector in flight may land in either order), does a
 * write wait for completions. Reads and flushes drain first, so a read sees
 * every earlier write and a flush covers them.
 *
 * A write that fails for good (after the driver's retries, blk_retry.h)
 * makes every later write, read, drain or flush fail: the dump is then
 * untrustworthy, and the driver has logged which sectors failed.
 *
 * The driver supplies two calls: submit one request, and wait (with its
 * timeout) for one completion and handle it (blkq_finish). Depth 1 is the
 * old synchronous path: the driver does not use a blkq at all.
 */
#ifndef DRIVERS_BLK_QUEUE_H
#define DRIVERS_BLK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKQ_DEFAULT_DEPTH	8
#define BLKQ_MAX_DEPTH		32
/* DMA memory for the bounce slots of one disk: depth slots of
 * BLKQ_POOL_BYTES / depth (128 KiB at the default depth). */
#define BLKQ_POOL_BYTES		(1u << 20)

struct blkq_req {
	uint8_t *buf;		/* the bounce slot: slot_bytes of DMA memory */
	uint64_t lba;		/* in the device's blocks */
	uint32_t nblocks;
	uint32_t bytes;
	int attempt;		/* 1-based, as blk_backoff counts */
	int tag;		/* the driver's name for it in flight: virtio head, NVMe cid */
	bool busy;
};

struct blkq_ops {
	/* Sends r (r->buf, lba, bytes) to the device. 0, or -1 if the device
	 * cannot take it (broken): the request is then dropped. */
	int (*submit)(void *drv, struct blkq_req *r);
	/* Waits, with a timeout, for one completion and handles it through
	 * blkq_finish (resubmitting on BLKQ_RETRY). 0 when something completed
	 * or was resent, -1 when the device is gone (every request is then lost:
	 * the driver calls blkq_abandon). */
	int (*reap)(void *drv);
};

struct blkq {
	struct blkq_req req[BLKQ_MAX_DEPTH];
	unsigned depth;
	unsigned busy;
	uint32_t slot_bytes;	/* a multiple of the block size */
	uint32_t block_size;
	bool failed;		/* a write gave up: sticky */
	const struct blkq_ops *ops;
	void *drv;
};

/*
 * Cuts pool (pool_bytes of DMA memory, page aligned) into depth slots of
 * equal size, a multiple of 4 KiB and of block_size, at most max_transfer.
 * Returns 0, or -1 if depth is out of 2..BLKQ_MAX_DEPTH or a slot would be
 * smaller than 4 KiB.
 */
int blkq_init(struct blkq *q, unsigned depth, void *pool, size_t pool_bytes,
	      uint32_t block_size, uint32_t max_transfer, const struct blkq_ops *ops, void *drv);

/*
 * Queues nblocks blocks at lba from buf (any memory), in slot-sized
 * requests. Returns 0, or -1 if this or an earlier write failed for good.
 */
int blkq_write(struct blkq *q, uint64_t lba, const void *buf, uint32_t nblocks);

/* Waits until nothing is in flight. Returns 0, or -1 as blkq_write. */
int blkq_drain(struct blkq *q);

/* The busy request the driver calls tag; NULL if none (a bogus completion). */
struct blkq_req *blkq_by_tag(struct blkq *q, int tag);

enum blkq_next {
	BLKQ_DONE,	/* completed: the slot is free */
	BLKQ_RETRY,	/* failed, attempts are left: r->attempt counts it, resend r */
	BLKQ_GAVE_UP,	/* failed for good: the slot is free, the queue has failed */
};

/*
 * What to do with r after a completion: ok, or an error that may_retry
 * (false: the device said retrying cannot help).
 */
enum blkq_next blkq_finish(struct blkq *q, struct blkq_req *r, bool ok, bool may_retry);

/* The device lost every request in flight (it could not be reset): all
 * slots are free and the queue has failed. */
void blkq_abandon(struct blkq *q);

#endif

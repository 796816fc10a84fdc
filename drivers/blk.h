/*
 * A block device, as the raw and ext4 writers see it. Drivers (virtio-blk, NVMe)
 * fill in one of these. Transfers are whole sectors; buf must be DMA-able memory
 * (inside the image's arena), and len at most max_transfer bytes.
 */
#ifndef DRIVERS_BLK_H
#define DRIVERS_BLK_H

#include <stddef.h>
#include <stdint.h>

struct blk_dev;

struct blk_ops {
	int (*read)(struct blk_dev *d, uint64_t lba, void *buf, uint32_t nsect);
	int (*write)(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t nsect);
	int (*flush)(struct blk_dev *d);
	/* Waits until every write issued so far has completed (not a cache
	 * flush). NULL: writes complete before write() returns. */
	int (*drain)(struct blk_dev *d);
};

struct blk_dev {
	const struct blk_ops *ops;
	uint32_t sector_size;		/* 512 or 4096 */
	uint64_t nsectors;
	uint32_t max_transfer;		/* bytes per request */
	char name[48];			/* "virtio-blk 0000:00:04.0" */
	void *priv;
};

static inline int blk_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	return d->ops->read(d, lba, buf, n);
}
static inline int blk_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	return d->ops->write(d, lba, buf, n);
}
static inline int blk_flush(struct blk_dev *d)
{
	return d->ops->flush(d);
}
/* Writes may still be in flight when blk_write returns (drivers/blk_queue.h);
 * reads and flushes wait for them. This orders two writes without a flush. */
static inline int blk_drain(struct blk_dev *d)
{
	return d->ops->drain ? d->ops->drain(d) : 0;
}

#endif

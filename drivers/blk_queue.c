/* Writes in flight (blk_queue.h). */
#include <string.h>

#include "drivers/blk_queue.h"
#include "drivers/blk_retry.h"

int blkq_init(struct blkq *q, unsigned depth, void *pool, size_t pool_bytes,
	      uint32_t block_size, uint32_t max_transfer, const struct blkq_ops *ops, void *drv)
{
	uint32_t unit = block_size > 4096 ? block_size : 4096;
	size_t slot;

	memset(q, 0, sizeof(*q));
	if (depth < 2 || depth > BLKQ_MAX_DEPTH || !pool || block_size == 0)
		return -1;
	slot = pool_bytes / depth;
	if (slot > max_transfer)
		slot = max_transfer;
	slot -= slot % unit;
	if (slot == 0)
		return -1;
	for (unsigned i = 0; i < depth; i++) {
		q->req[i].buf = (uint8_t *)pool + i * slot;
		q->req[i].tag = -1;
	}
	q->depth = depth;
	q->slot_bytes = (uint32_t)slot;
	q->block_size = block_size;
	q->ops = ops;
	q->drv = drv;
	return 0;
}

struct blkq_req *blkq_by_tag(struct blkq *q, int tag)
{
	for (unsigned i = 0; i < q->depth; i++)
		if (q->req[i].busy && q->req[i].tag == tag)
			return &q->req[i];
	return NULL;
}

static void release(struct blkq *q, struct blkq_req *r)
{
	r->busy = false;
	r->tag = -1;
	q->busy--;
}

enum blkq_next blkq_finish(struct blkq *q, struct blkq_req *r, bool ok, bool may_retry)
{
	if (ok) {
		release(q, r);
		return BLKQ_DONE;
	}
	if (may_retry && r->attempt < BLK_ATTEMPTS) {
		r->attempt++;
		return BLKQ_RETRY;
	}
	release(q, r);
	q->failed = true;
	return BLKQ_GAVE_UP;
}

void blkq_abandon(struct blkq *q)
{
	for (unsigned i = 0; i < q->depth; i++)
		if (q->req[i].busy)
			release(q, &q->req[i]);
	q->failed = true;
}

/* One completion, or the end of the queue: the driver's reap waits with its
 * own timeout, so this never spins without bound. */
static int reap_one(struct blkq *q)
{
	if (q->ops->reap(q->drv) != 0) {
		if (q->busy)
			blkq_abandon(q);
		q->failed = true;
		return -1;
	}
	return 0;
}

static struct blkq_req *overlapping(struct blkq *q, uint64_t lba, uint32_t n)
{
	for (unsigned i = 0; i < q->depth; i++) {
		struct blkq_req *r = &q->req[i];

		if (r->busy && r->lba < lba + n && lba < r->lba + r->nblocks)
			return r;
	}
	return NULL;
}

static struct blkq_req *free_slot(struct blkq *q)
{
	for (unsigned i = 0; i < q->depth; i++)
		if (!q->req[i].busy)
			return &q->req[i];
	return NULL;
}

int blkq_write(struct blkq *q, uint64_t lba, const void *buf, uint32_t nblocks)
{
	const uint8_t *p = buf;
	uint32_t per = q->slot_bytes / q->block_size;

	while (nblocks && !q->failed) {
		uint32_t n = nblocks < per ? nblocks : per;
		struct blkq_req *r;

		while (!q->failed && (overlapping(q, lba, n) || !free_slot(q)))
			if (reap_one(q) != 0)
				return -1;
		if (q->failed)
			break;
		r = free_slot(q);
		r->lba = lba;
		r->nblocks = n;
		r->bytes = n * q->block_size;
		r->attempt = 1;
		r->busy = true;
		q->busy++;
		memcpy(r->buf, p, r->bytes);
		if (q->ops->submit(q->drv, r) != 0) {
			release(q, r);
			q->failed = true;
			break;
		}
		lba += n;
		p += r->bytes;
		nblocks -= n;
	}
	return q->failed ? -1 : 0;
}

int blkq_drain(struct blkq *q)
{
	while (q->busy)
		if (reap_one(q) != 0)
			return -1;
	return q->failed ? -1 : 0;
}

/*
 * drivers/blk_queue.c against a fake device that completes writes in a
 * random order, reads the bounce slot only when it completes (as DMA may),
 * and fails the writes a script names.
 */
#include <stdlib.h>

#include "test.h"
#include "drivers/blk_queue.c"

#define BS		512u
#define NBLK		4096u
#define POOL		(1u << 20)

struct fake {
	uint8_t disk[NBLK * BS];
	struct blkq_req *inflight[BLKQ_MAX_DEPTH];
	unsigned n, max_n;
	uint32_t rng;
	int next_tag;
	unsigned submits, reaps;
	/* The script: writes covering fail_lba fail fail_times times, then work. */
	uint64_t fail_lba;
	int fail_times;
	bool fail_dnr;
	bool gone;		/* reap reports a device that cannot be reset */
	struct blkq *q;
};

static uint8_t pool[POOL] __attribute__((aligned(4096)));
static struct fake F;
static struct blkq Q;

static uint32_t rnd(struct fake *f)
{
	f->rng = f->rng * 1103515245u + 12345u;
	return f->rng >> 16;
}

static int fake_submit(void *drv, struct blkq_req *r)
{
	struct fake *f = drv;

	if (f->n >= BLKQ_MAX_DEPTH || r->lba + r->nblocks > NBLK)
		return -1;
	r->tag = f->next_tag++;
	f->inflight[f->n++] = r;
	if (f->n > f->max_n)
		f->max_n = f->n;
	f->submits++;
	return 0;
}

static int fake_reap(void *drv)
{
	struct fake *f = drv;
	struct blkq_req *r;
	unsigned i;
	bool ok;

	f->reaps++;
	if (f->gone || f->n == 0)
		return -1;
	i = rnd(f) % f->n;
	r = f->inflight[i];
	f->inflight[i] = f->inflight[--f->n];
	CHECK(blkq_by_tag(f->q, r->tag) == r);
	ok = !(f->fail_times > 0 && r->lba <= f->fail_lba && f->fail_lba < r->lba + r->nblocks);
	if (ok) {
		memcpy(f->disk + r->lba * BS, r->buf, r->bytes);
		blkq_finish(f->q, r, true, false);
		return 0;
	}
	f->fail_times--;
	if (blkq_finish(f->q, r, false, !f->fail_dnr) == BLKQ_RETRY)
		return fake_submit(f, r);
	return 0;
}

static const struct blkq_ops fake_ops = { .submit = fake_submit, .reap = fake_reap };

static void setup(unsigned depth, uint32_t seed)
{
	memset(&F, 0, sizeof(F));
	F.rng = seed;
	F.q = &Q;
	CHECK(blkq_init(&Q, depth, pool, POOL, BS, 1u << 20, &fake_ops, &F) == 0);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

static void test_init(void)
{
	struct blkq q;

	CHECK(blkq_init(&q, 8, pool, POOL, 512, 1u << 20, &fake_ops, &F) == 0);
	CHECK_EQ_U64(q.slot_bytes, 128u << 10);
	CHECK(q.req[7].buf == pool + 7 * (128u << 10));
	CHECK(blkq_init(&q, 32, pool, POOL, 4096, 1u << 20, &fake_ops, &F) == 0);
	CHECK_EQ_U64(q.slot_bytes, 32u << 10);
	/* The device's transfer limit caps a slot. */
	CHECK(blkq_init(&q, 2, pool, POOL, 512, 64u << 10, &fake_ops, &F) == 0);
	CHECK_EQ_U64(q.slot_bytes, 64u << 10);
	/* Depth 1 is the driver's synchronous path; too deep, or slots below a page. */
	CHECK(blkq_init(&q, 1, pool, POOL, 512, 1u << 20, &fake_ops, &F) == -1);
	CHECK(blkq_init(&q, 33, pool, POOL, 512, 1u << 20, &fake_ops, &F) == -1);
	CHECK(blkq_init(&q, 8, pool, 16384, 512, 1u << 20, &fake_ops, &F) == -1);
}

/* Streams of writes, the caller's buffer scribbled over after each: the disk
 * must hold what was written, whatever order the device completed in. */
static void test_stream(uint32_t seed)
{
	static uint8_t want[NBLK * BS], buf[256u << 10];
	uint64_t lba = 0;
	int ok = 1;

	setup(8, seed);
	memset(want, 0, sizeof(want));
	while (lba < NBLK) {
		uint32_t n = 1 + rnd(&F) % 400;	/* up to 200 KiB: more than a slot */

		if (n > NBLK - lba)
			n = NBLK - lba;
		fill(buf, n * BS, seed + (uint32_t)lba);
		memcpy(want + lba * BS, buf, n * BS);
		if (blkq_write(&Q, lba, buf, n) != 0)
			ok = 0;
		memset(buf, 0xee, n * BS);	/* free again as soon as write returns */
		lba += n;
	}
	CHECK(ok);
	CHECK(blkq_drain(&Q) == 0);
	CHECK_EQ_U64(Q.busy, 0);
	CHECK(memcmp(F.disk, want, sizeof(want)) == 0);
	CHECK(F.max_n == 8);		/* the queue did fill */
	CHECK(!Q.failed);
}

/* Rewrites of the same blocks while earlier ones are in flight: the last
 * write wins, as it does with one request at a time. */
static void test_overlap(uint32_t seed)
{
	static uint8_t buf[64 * BS], want[NBLK * BS];
	int ok = 1;

	setup(8, seed);
	memset(want, 0, sizeof(want));
	for (int i = 0; i < 200; i++) {
		uint64_t lba = rnd(&F) % 64;
		uint32_t n = 1 + rnd(&F) % 32;

		fill(buf, n * BS, seed * 31 + (uint32_t)i);
		memcpy(want + lba * BS, buf, n * BS);
		if (blkq_write(&Q, lba, buf, n) != 0)
			ok = 0;
		/* No two busy requests may share a block. */
		for (unsigned a = 0; a < Q.depth; a++)
			for (unsigned b = a + 1; b < Q.depth; b++) {
				struct blkq_req *x = &Q.req[a], *y = &Q.req[b];

				if (x->busy && y->busy && x->lba < y->lba + y->nblocks &&
				    y->lba < x->lba + x->nblocks)
					ok = 0;
			}
	}
	CHECK(ok);
	CHECK(blkq_drain(&Q) == 0);
	CHECK(memcmp(F.disk, want, 128 * BS) == 0);
}

static void test_errors(void)
{
	static uint8_t buf[64 << 10];
	unsigned submits;

	/* Transient: two failures, then the third attempt works. */
	setup(8, 7);
	F.fail_lba = 300;
	F.fail_times = 2;
	fill(buf, sizeof(buf), 1);
	for (uint64_t lba = 0; lba < 1024; lba += 128)
		CHECK(blkq_write(&Q, lba, buf, 128) == 0);
	CHECK(blkq_drain(&Q) == 0);
	CHECK_EQ_U64(F.submits, 8 + 2);
	CHECK(memcmp(F.disk + 256 * BS, buf, sizeof(buf)) == 0);

	/* Persistent: BLK_ATTEMPTS tries, then the queue has failed. The write
	 * that fails returned long ago; the error comes with a later call. */
	setup(8, 11);
	F.fail_lba = 0;
	F.fail_times = 1000;
	CHECK(blkq_write(&Q, 0, buf, 128) == 0);	/* queued, not yet failed */
	CHECK(blkq_drain(&Q) == -1);
	CHECK_EQ_U64(F.submits, BLK_ATTEMPTS);
	CHECK(Q.failed);
	CHECK_EQ_U64(Q.busy, 0);
	submits = F.submits;
	CHECK(blkq_write(&Q, 1000, buf, 8) == -1);	/* and stays failed */
	CHECK_EQ_U64(F.submits, submits);		/* nothing more is sent */
	CHECK(blkq_drain(&Q) == -1);

	/* The error surfaces at the next write once the queue has to wait. */
	setup(2, 5);
	F.fail_lba = 0;
	F.fail_times = 1000;
	F.fail_dnr = true;
	{
		int r = 0;

		for (uint64_t lba = 0; lba < 2048 && r == 0; lba += 128)
			r = blkq_write(&Q, lba, buf, 128);
		CHECK(r == -1);
	}
	/* Do-not-retry: one attempt only. */
	CHECK_EQ_U64(F.fail_times, 999);

	/* The device is gone: everything in flight is lost, the queue fails. */
	setup(4, 3);
	CHECK(blkq_write(&Q, 0, buf, 128) == 0);
	CHECK(blkq_write(&Q, 128, buf, 128) == 0);
	F.gone = true;
	CHECK(blkq_drain(&Q) == -1);
	CHECK_EQ_U64(Q.busy, 0);
	CHECK(Q.failed);
}

int main(void)
{
	test_init();
	for (uint32_t seed = 1; seed <= 20; seed++) {
		test_stream(seed);
		test_overlap(seed);
	}
	test_errors();
	return test_summary("blk_queue");
}

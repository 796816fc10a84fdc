/*
 * The raw sink against an in-memory disk: random and streaming writes land
 * exactly where they should, nothing outside the window changes, the end of
 * the window is enforced, and device errors come back as SINK_ERR_IO.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/raw.h"
#include "test.h"

struct fake {
	struct blk_dev blk;
	uint8_t *mem;
	const uint8_t *dma_lo, *dma_hi;	/* the sink's buffer: every transfer uses it */
	long writes_left;		/* < 0: never fail; else fail once this reaches 0 */
	long reads_left;
	int fail_flush;
	unsigned nwrites, nreads, nflush;
	unsigned bad;			/* requests a real device would reject */
};

static int fake_check(struct fake *f, uint64_t lba, const void *buf, uint32_t n)
{
	const uint8_t *p = buf;

	if (n == 0 || lba >= f->blk.nsectors || n > f->blk.nsectors - lba ||
	    (uint64_t)n * f->blk.sector_size > f->blk.max_transfer ||
	    p < f->dma_lo || p + (size_t)n * f->blk.sector_size > f->dma_hi) {
		f->bad++;
		return -1;
	}
	return 0;
}

static int fake_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct fake *f = d->priv;

	if (fake_check(f, lba, buf, n))
		return -1;
	f->nreads++;
	if (f->reads_left >= 0 && f->reads_left-- == 0)
		return -1;
	memcpy(buf, f->mem + lba * d->sector_size, (size_t)n * d->sector_size);
	return 0;
}

static int fake_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	struct fake *f = d->priv;

	if (fake_check(f, lba, buf, n))
		return -1;
	f->nwrites++;
	if (f->writes_left >= 0 && f->writes_left-- == 0)
		return -1;
	memcpy(f->mem + lba * d->sector_size, buf, (size_t)n * d->sector_size);
	return 0;
}

static int fake_flush(struct blk_dev *d)
{
	struct fake *f = d->priv;

	f->nflush++;
	return f->fail_flush ? -1 : 0;
}

static const struct blk_ops fake_ops = { fake_read, fake_write, fake_flush, NULL };

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void fake_init(struct fake *f, uint32_t ssz, uint64_t nsect, uint32_t max_transfer)
{
	memset(f, 0, sizeof(*f));
	f->blk.ops = &fake_ops;
	f->blk.sector_size = ssz;
	f->blk.nsectors = nsect;
	f->blk.max_transfer = max_transfer;
	strcpy(f->blk.name, "fake 0");
	f->blk.priv = f;
	f->mem = malloc(ssz * nsect);
	fill_random(f->mem, ssz * nsect);
	f->writes_left = f->reads_left = -1;
}

static int open_on(struct raw_sink *rs, struct fake *f, uint64_t start, uint64_t len,
		   uint8_t *buf, size_t bufsize)
{
	char err[160] = "";
	int r;

	f->dma_lo = buf;
	f->dma_hi = buf + bufsize;
	r = raw_sink_open(rs, &f->blk, start, len, buf, bufsize, err, sizeof(err));
	if (r)
		fprintf(stderr, "raw_sink_open: %s\n", err);
	return r;
}

/* Writes data into the sink and the reference image together. */
static int put(struct raw_sink *rs, uint8_t *ref, uint64_t start, uint64_t off, size_t len)
{
	uint8_t *data = malloc(len ? len : 1);
	int r;

	fill_random(data, len);
	memcpy(ref + start + off, data, len);
	r = rs->sink.write(&rs->sink, off, data, len);
	free(data);
	return r;
}

/*
 * Random writes and a few sequential streams, then finish: the disk must equal
 * the reference everywhere, inside the window and out.
 */
static void test_random(uint32_t ssz, uint32_t max_transfer, size_t bufsize, uint64_t seed)
{
	const uint64_t nsect = 400;
	const uint64_t start = 5 * (uint64_t)ssz, len = 380 * (uint64_t)ssz;
	uint64_t cursor[3] = { 0, len / 3, len / 2 + 7 };
	struct raw_sink rs;
	struct fake f;
	uint8_t *ref, *buf = malloc(bufsize);
	int bad_write = 0;

	rng_state = seed;
	fake_init(&f, ssz, nsect, max_transfer);
	ref = malloc(ssz * nsect);
	memcpy(ref, f.mem, ssz * nsect);
	if (open_on(&rs, &f, start, len, buf, bufsize) != 0) {
		CHECK(!"open failed");
		return;
	}
	CHECK_EQ_U64(rs.sink.capacity, len);
	for (int i = 0; i < 3000; i++) {
		uint64_t off, n;
		int s;

		switch (rnd() % 4) {
		case 0:		/* anywhere, short */
			n = rnd() % (3 * ssz) + 1;
			off = rnd() % (len - n + 1);
			break;
		case 1:		/* anywhere, long: several slots' worth */
			n = rnd() % (bufsize * 2) + 1;
			if (n > len)
				n = len;
			off = rnd() % (len - n + 1);
			break;
		default:	/* one of the sequential streams */
			s = rnd() % 3;
			n = rnd() % (ssz + 100) + 1;
			if (cursor[s] + n > len)
				cursor[s] = rnd() % (len / 2);
			off = cursor[s];
			cursor[s] += n;
			break;
		}
		if (put(&rs, ref, start, off, n) != 0)
			bad_write++;
	}
	CHECK_EQ_U64(bad_write, 0);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), 0);
	CHECK(memcmp(f.mem, ref, start) == 0);			/* before the window */
	CHECK(memcmp(f.mem + start, ref + start, len) == 0);	/* the window */
	CHECK(memcmp(f.mem + start + len, ref + start + len, nsect * ssz - start - len) == 0);
	CHECK_EQ_U64(f.bad, 0);
	CHECK(f.nflush >= 1);
	free(ref);
	free(buf);
	free(f.mem);
}

/* Small sequential writes from four interleaved streams become few, large
 * device writes, and need no reads beyond the stream edges. */
static void test_streaming(void)
{
	const uint32_t ssz = 512;
	const uint64_t nsect = 8192, len = nsect * ssz;
	const size_t bufsize = 4 * 65536 + 4096;
	uint64_t cur[4], total = 0;
	struct raw_sink rs;
	struct fake f;
	uint8_t *ref, *buf = malloc(bufsize);
	int bad_write = 0;

	rng_state = 99;
	fake_init(&f, ssz, nsect, 32768);
	ref = malloc(len);
	memcpy(ref, f.mem, len);
	if (open_on(&rs, &f, 0, 0, buf, bufsize) != 0) {
		CHECK(!"open failed");
		return;
	}
	for (int s = 0; s < 4; s++)
		cur[s] = s * (len / 4) + 100;
	for (int i = 0; i < 4000; i++) {
		int s = i % 4;
		uint64_t n = 100 + rnd() % 300;

		if (put(&rs, ref, 0, cur[s], n) != 0)
			bad_write++;
		cur[s] += n;
		total += n;
	}
	CHECK_EQ_U64(bad_write, 0);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), 0);
	CHECK(memcmp(f.mem, ref, len) == 0);
	CHECK_EQ_U64(f.bad, 0);
	/* 1.2 MB through 64 KiB slots in 32 KiB requests: about 40 writes. */
	CHECK(f.nwrites <= total / 32768 + 12);
	CHECK(f.nreads <= 8);
	free(ref);
	free(buf);
	free(f.mem);
}

/*
 * A slot moved to just below another slot's region must stop where that region
 * starts: otherwise two slots cache the same byte, and the older copy can be
 * written back last.
 */
static void test_no_overlap(void)
{
	const uint32_t ssz = 512;
	const uint64_t nsect = 1024, x = 5000;
	const size_t bufsize = 4 * 2048 + 512;	/* slots of 4 sectors */
	struct raw_sink rs;
	struct fake f;
	uint8_t *ref, *buf = malloc(bufsize);

	rng_state = 11;
	fake_init(&f, ssz, nsect, 4096);
	ref = malloc(nsect * ssz);
	memcpy(ref, f.mem, nsect * ssz);
	if (open_on(&rs, &f, 0, 0, buf, bufsize) != 0) {
		CHECK(!"open failed");
		return;
	}
	CHECK_EQ_U64(rs.slot_size, 2048);
	CHECK_EQ_U64(put(&rs, ref, 0, 100000, 1), 0);	/* slot 0 */
	CHECK_EQ_U64(put(&rs, ref, 0, x, 1), 0);	/* slot 1: [4608, 6656) */
	CHECK_EQ_U64(put(&rs, ref, 0, 200000, 1), 0);	/* slot 2 */
	CHECK_EQ_U64(put(&rs, ref, 0, 300000, 1), 0);	/* slot 3 */
	CHECK_EQ_U64(put(&rs, ref, 0, 4000, 1), 0);	/* slot 0 moves to 3584 */
	CHECK_EQ_U64(put(&rs, ref, 0, x, 1), 0);	/* x again, newer */
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), 0);
	CHECK_EQ_U64(f.mem[x], ref[x]);
	CHECK(memcmp(f.mem, ref, nsect * ssz) == 0);
	CHECK_EQ_U64(f.bad, 0);
	free(ref);
	free(buf);
	free(f.mem);
}

static void test_bounds(uint32_t ssz)
{
	const uint64_t nsect = 64, start = 3 * (uint64_t)ssz, len = 40 * (uint64_t)ssz;
	const size_t bufsize = 8 * ssz;
	struct raw_sink rs;
	struct fake f;
	uint8_t *ref, *buf = malloc(bufsize), b = 0x5a;

	rng_state = 7 + ssz;
	fake_init(&f, ssz, nsect, ssz);
	ref = malloc(ssz * nsect);
	memcpy(ref, f.mem, ssz * nsect);
	if (open_on(&rs, &f, start, len, buf, bufsize) != 0) {
		CHECK(!"open failed");
		return;
	}
	CHECK_EQ_U64(rs.sink.write(&rs.sink, len - 10, buf, 11), (uint64_t)SINK_ERR_NOSPC);
	CHECK_EQ_U64(rs.sink.write(&rs.sink, len, &b, 1), (uint64_t)SINK_ERR_NOSPC);
	CHECK_EQ_U64(rs.sink.write(&rs.sink, UINT64_MAX, &b, 1), (uint64_t)SINK_ERR_NOSPC);
	CHECK_EQ_U64(rs.sink.write(&rs.sink, 1, &b, SIZE_MAX), (uint64_t)SINK_ERR_NOSPC);
	/* The last byte and the first byte of the window are fine. */
	CHECK_EQ_U64(put(&rs, ref, start, len - 1, 1), 0);
	CHECK_EQ_U64(put(&rs, ref, start, 0, 1), 0);
	CHECK_EQ_U64(put(&rs, ref, start, len - 10, 10), 0);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), 0);
	CHECK(memcmp(f.mem, ref, ssz * nsect) == 0);
	CHECK_EQ_U64(f.bad, 0);

	/* len 0: to the end of the disk. */
	memcpy(ref, f.mem, ssz * nsect);
	CHECK_EQ_U64(open_on(&rs, &f, start, 0, buf, bufsize), 0);
	CHECK_EQ_U64(rs.sink.capacity, nsect * ssz - start);
	CHECK_EQ_U64(put(&rs, ref, start, nsect * ssz - start - 3, 3), 0);
	CHECK_EQ_U64(rs.sink.write(&rs.sink, nsect * ssz - start, &b, 1), (uint64_t)SINK_ERR_NOSPC);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), 0);
	CHECK(memcmp(f.mem, ref, ssz * nsect) == 0);
	free(ref);
	free(buf);
	free(f.mem);
}

static void test_open_errors(void)
{
	struct raw_sink rs;
	struct fake f;
	uint8_t buf[8192];
	char err[160];

	fake_init(&f, 512, 100, 4096);
	err[0] = 0;
	CHECK(raw_sink_open(&rs, &f.blk, 100, 0, buf, sizeof(buf), err, sizeof(err)) == -1);
	CHECK(strstr(err, "not aligned") != NULL);
	CHECK(raw_sink_open(&rs, &f.blk, 512, 1000, buf, sizeof(buf), err, sizeof(err)) == -1);
	CHECK(raw_sink_open(&rs, &f.blk, 100 * 512, 0, buf, sizeof(buf), err, sizeof(err)) == -1);
	CHECK(strstr(err, "does not fit") != NULL);
	CHECK(raw_sink_open(&rs, &f.blk, 512, 99 * 512 + 512, buf, sizeof(buf), err, sizeof(err)) == -1);
	CHECK(raw_sink_open(&rs, &f.blk, 0, 0, buf, 4 * 512, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too small") != NULL);
	CHECK(raw_sink_open(&rs, &f.blk, 0, 0, buf, 5 * 512, err, sizeof(err)) == 0);
	CHECK(raw_sink_open(&rs, &f.blk, 512, 99 * 512, buf, sizeof(buf), err, sizeof(err)) == 0);
	CHECK_STR(rs.sink.name, "raw fake 0 bytes 512+50688");
	f.blk.sector_size = 1000;
	CHECK(raw_sink_open(&rs, &f.blk, 0, 0, buf, sizeof(buf), err, sizeof(err)) == -1);
	free(f.mem);
}

static void test_io_errors(void)
{
	const size_t bufsize = 5 * 512;
	struct raw_sink rs;
	struct fake f;
	uint8_t buf[5 * 512], data[2000];
	int r = 0, i;

	memset(data, 0xab, sizeof(data));

	/* A failing device write shows up in write() or at the latest in finish(),
	 * and everything after it fails too. */
	fake_init(&f, 512, 200, 1024);
	CHECK_EQ_U64(open_on(&rs, &f, 0, 0, buf, bufsize), 0);
	f.writes_left = 3;
	for (i = 0; i < 50 && r == 0; i++)
		r = rs.sink.write(&rs.sink, (uint64_t)i * 2000, data, sizeof(data));
	CHECK_EQ_U64(r, (uint64_t)SINK_ERR_IO);
	CHECK(i < 50);
	CHECK_EQ_U64(rs.sink.write(&rs.sink, 0, data, 1), (uint64_t)SINK_ERR_IO);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), (uint64_t)SINK_ERR_IO);
	free(f.mem);

	/* A failing read for the read-modify-write of a partial sector. */
	fake_init(&f, 512, 200, 1024);
	CHECK_EQ_U64(open_on(&rs, &f, 0, 0, buf, bufsize), 0);
	f.reads_left = 0;
	CHECK_EQ_U64(rs.sink.write(&rs.sink, 10, data, 100), 0);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), (uint64_t)SINK_ERR_IO);
	CHECK_EQ_U64(f.nwrites, 0);
	free(f.mem);

	/* A failing flush. */
	fake_init(&f, 512, 200, 1024);
	CHECK_EQ_U64(open_on(&rs, &f, 0, 0, buf, bufsize), 0);
	f.fail_flush = 1;
	CHECK_EQ_U64(rs.sink.write(&rs.sink, 0, data, 1024), 0);
	CHECK_EQ_U64(rs.sink.finish(&rs.sink), (uint64_t)SINK_ERR_IO);
	CHECK(memcmp(f.mem, data, 1024) == 0);
	free(f.mem);
}

int main(void)
{
	/* 512-byte sectors: small and roomy buffers, tiny and larger transfers. */
	test_random(512, 1536, 5 * 512, 1);
	test_random(512, 512, 9 * 512 + 100, 2);
	test_random(512, 4096, 4 * 8192 + 512, 3);
	test_random(512, 65536, 4 * 16384 + 512, 4);
	/* 4096-byte sectors. */
	test_random(4096, 8192, 5 * 4096, 5);
	test_random(4096, 4096, 4 * 16384 + 4096, 6);
	test_random(4096, 65536, 13 * 4096, 7);
	test_streaming();
	test_no_overlap();
	test_bounds(512);
	test_bounds(4096);
	test_open_errors();
	test_io_errors();
	return test_summary("test_raw");
}

/*
 * Compressing on several workers gives the same dump as on one: for 1 to 4
 * host threads, with the caller reading every page (the image's way) or the
 * workers reading their own (a shared memsrc, the host's way), with and
 * without the zero page and a filter, zstd or raw. And the work really is
 * shared: more than one worker's compressor gets pages. Then the whole capture
 * (capture_write) on threads, and on an arena that has room for fewer
 * compressors than threads: fewer workers, said so, the same bytes.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/compress.h"
#include "capture/dump.h"
#include "capture/elfcore.h"
#include "capture/kdump.h"
#include "fakecore.h"
#include "memsink.h"
#include "test.h"
#include "tools/host_workers.h"

#define ARENA_SIZE	(8u << 20)
#define OUT_MAX		(16u << 20)

static uint8_t *arena_mem;

/* ---- a sink in memory (memsink.h) ---------------------------------------- */

/* The next sinks fail with fail_err once, at the first write past fail_at
 * (0: never), or hold only capacity bytes (0: OUT_MAX). */
static uint64_t fail_at, capacity;
static int fail_err;

static void ms_open(struct mem_sink *m)
{
	ms_init(m, OUT_MAX, 0);
	m->fail_at = fail_at;
	m->fail_err = fail_err;
	m->s.capacity = capacity;
}

/* ---- compressors that count their pages ---------------------------------- */

struct counting {
	struct kdump_compressor inner;
	atomic_ulong pages;
};

static size_t count_compress(void *ctx, const void *page, void *out, size_t cap)
{
	struct counting *c = ctx;

	atomic_fetch_add(&c->pages, 1);
	return c->inner.compress(c->inner.ctx, page, out, cap);
}

/* Pages 0x180..0x1c0 filtered out, in both passes. */
static void skip_range(void *ctx, struct elfcore *ec, uint64_t s, uint64_t e, uint8_t *bm2)
{
	for (uint64_t pfn = 0x180; pfn < 0x1c0; pfn++)
		if (pfn >= s && pfn < e)
			bm2[(pfn - s) / 8] &= (uint8_t)~(1u << ((pfn - s) % 8));
}

/* The next dumps cannot read [bad_start, bad_end) (0, 0: all readable). */
static uint64_t bad_start, bad_end;

/* What the last one_dump() returned, and its stats. */
static int dump_rc;
static struct kdump_stats dump_st;

/*
 * One dump of fc's memory with nw workers (0: no workers at all); returns its
 * bytes in *out. Unless the sink is made to fail or a read to fail: checks
 * that the dump is complete and, with counts, that the workers shared the
 * pages.
 */
static uint64_t one_dump(struct fakecore *fc, unsigned nw, int shared, int level, int zstd,
			 uint8_t **out)
{
	static struct counting cnt[4];
	struct kdump_compressor comp[4];
	struct kdump_filter filt = { skip_range, NULL };
	struct kdump_opts o;
	struct kdump_stats st;
	struct buf_memsrc bm;
	struct mem_sink ms;
	struct elfcore ec;
	struct arena a;
	const struct workers *w = nw > 1 ? host_workers_start(nw) : NULL;
	char err[200];
	int trouble;

	buf_memsrc_init(&bm, fc->mem, fc->mem_size);
	bm.m.read_shared = shared ? buf_memsrc_read : NULL;
	bm.bad_start = bad_start;
	bm.bad_end = bad_end;
	arena_init(&a, arena_mem, ARENA_SIZE);
	CHECK(elfcore_read(&ec, &bm.m, FC_HDR_ADDR, 0, &a, err, sizeof(err)) == 0);
	memset(&o, 0, sizeof(o));
	o.dump_level = level;
	o.filter = level & 2 ? &filt : NULL;
	o.workers = w;
	if (zstd) {
		for (unsigned k = 0; k < (nw ? nw : 1); k++) {
			CHECK(compress_zstd_init(&cnt[k].inner, &a, 0) == 0);
			atomic_store(&cnt[k].pages, 0);
			comp[k] = (struct kdump_compressor){ "zstd", DUMP_DH_COMPRESSED_ZSTD,
							     count_compress, &cnt[k] };
		}
		o.comp = comp;
	}
	ms_open(&ms);
	dump_rc = kdump_write(&ec, &o, &ms.s, &a, &st);
	dump_st = st;
	trouble = fail_at || capacity || bad_end;
	if (!trouble) {
		CHECK(dump_rc == 0);
		CHECK(!st.incomplete);
	}
	if (zstd && !trouble) {
		/* Workers take pages as they come: each is compressed once, and
		 * (300 runs) more than one worker takes some. */
		unsigned long sum = 0, busy = 0;
		for (unsigned k = 0; k < (nw ? nw : 1); k++) {
			sum += atomic_load(&cnt[k].pages);
			busy += atomic_load(&cnt[k].pages) > 0;
		}
		CHECK_EQ_U64(sum, st.kept);
		if (nw > 1 && busy < 2)
			printf("%u workers: only %lu compressed\n", nw, busy);
		CHECK(nw < 2 || busy >= 2);
	}
	host_workers_stop(w);
	*out = ms.buf;
	return ms.len;
}

static void test_same_bytes(void)
{
	struct fakecore fc;
	int levels[] = { 0, 1, 3 };

	fc_standard(&fc);
	for (int zstd = 0; zstd < 2; zstd++)
		for (unsigned li = 0; li < 3; li++) {
			uint8_t *ref, *got;
			uint64_t rlen = one_dump(&fc, 0, 0, levels[li], zstd, &ref), glen;

			CHECK(rlen > (1u << 20) / (zstd ? 4 : 1));
			for (unsigned nw = 1; nw <= 4; nw++)
				for (int shared = 0; shared < 2; shared++) {
					glen = one_dump(&fc, nw, shared, levels[li], zstd, &got);
					if (glen != rlen || memcmp(ref, got, rlen))
						printf("differs: %u workers, shared %d, -d %d, "
						       "zstd %d\n", nw, shared, levels[li], zstd);
					CHECK(glen == rlen && memcmp(ref, got, rlen) == 0);
					free(got);
				}
			free(ref);
		}
	fc_free(&fc);
}

/*
 * A sink that fails once halfway through the page data, inside a run of the
 * workers (an I/O error: nothing is written after it), or fills up there (no
 * space: an incomplete dump):
 * the same error, the same stats and the same bytes as with no workers.
 */
static void test_failing_sink(void)
{
	struct fakecore fc;

	fc_standard(&fc);
	/* kind 0: I/O error, 1: NOSPC error, 2: capacity; kind 2 compressed */
	for (int kind = 0; kind < 3; kind++) {
		int zstd = kind == 2, rrc;
		uint8_t *ref, *got;
		uint64_t flen, rlen, glen;
		struct kdump_stats rst;

		flen = one_dump(&fc, 0, 0, 0, zstd, &ref);
		free(ref);
		fail_at = kind < 2 ? flen / 2 + 5 * PAGE_BYTES : 0;
		fail_err = kind == 0 ? SINK_ERR_IO : SINK_ERR_NOSPC;
		capacity = kind == 2 ? flen / 2 : 0;
		rlen = one_dump(&fc, 0, 0, 0, zstd, &ref);
		rrc = dump_rc;
		rst = dump_st;
		CHECK(kind == 0 ? rrc == SINK_ERR_IO : rrc == 0);
		CHECK(rlen < flen);
		if (kind)
			CHECK(rst.incomplete && rst.lost > 0 && rst.kept > 0);
		for (unsigned nw = 1; nw <= 4; nw++)
			for (int shared = 0; shared < 2; shared++) {
				glen = one_dump(&fc, nw, shared, 0, zstd, &got);
				if (dump_rc != rrc || glen != rlen || memcmp(ref, got, rlen))
					printf("failing sink %d differs: %u workers, shared %d\n",
					       kind, nw, shared);
				CHECK(dump_rc == rrc && glen == rlen && memcmp(ref, got, rlen) == 0);
				CHECK_EQ_U64(dump_st.kept, rst.kept);
				CHECK_EQ_U64(dump_st.lost, rst.lost);
				free(got);
			}
		free(ref);
		fail_at = capacity = 0;
	}
	fc_free(&fc);
}

/* A read that fails on a worker is an unreadable page, as on the caller. */
static void test_bad_read(void)
{
	struct fakecore fc;
	uint8_t *out[2];
	uint64_t len[2];

	fc_standard(&fc);
	bad_start = 0x150000;	/* 4 pages */
	bad_end = 0x154000;
	for (int shared = 0; shared < 2; shared++) {
		len[shared] = one_dump(&fc, 3, shared, 0, 0, &out[shared]);
		CHECK(dump_rc == 0);
		CHECK_EQ_U64(dump_st.unreadable, 4);
		CHECK(dump_st.incomplete);
	}
	bad_start = bad_end = 0;
	CHECK(len[0] == len[1] && memcmp(out[0], out[1], len[0]) == 0);
	free(out[0]);
	free(out[1]);
	fc_free(&fc);
}

/* The whole capture: workers from cap.workers, compressors as the arena allows. */
static uint64_t capture_on(struct fakecore *fc, unsigned nw, size_t arena_size, uint8_t **out)
{
	struct capture_config cfg;
	struct dump_result res;
	struct buf_memsrc bm;
	struct mem_sink ms;
	struct capture cap;
	struct arena a;

	config_defaults(&cfg);
	cfg.dump_level = 1;
	cfg.compress = COMPRESS_ZSTD;
	cfg.format = FORMAT_KDUMP;
	buf_memsrc_init(&bm, fc->mem, fc->mem_size);
	bm.m.read_shared = buf_memsrc_read;
	arena_init(&a, arena_mem, arena_size);
	CHECK(capture_prepare(&cap, &cfg, &bm.m, FC_HDR_ADDR, &a) == 0);
	cap.workers = nw > 1 ? host_workers_start(nw) : NULL;
	ms_open(&ms);
	CHECK(capture_write(&cap, &ms.s, &res) == 0);
	host_workers_stop(cap.workers);
	*out = ms.buf;
	return ms.len;
}

static void test_capture(void)
{
	struct fakecore fc;
	uint8_t *ref, *got;
	uint64_t rlen, glen;
	size_t tight;

	fc_standard(&fc);
	rlen = capture_on(&fc, 1, ARENA_SIZE, &ref);
	glen = capture_on(&fc, 4, ARENA_SIZE, &got);
	CHECK(glen == rlen && memcmp(ref, got, rlen) == 0);
	free(got);
	/* Room for the writer and about two workers of four. */
	tight = 64u << 10;	/* elfcore's notes and loads, and slack */
	tight += kdump_base_bytes() + 2 * (kdump_worker_bytes() + compress_zstd_workspace(0)) +
		 (100u << 10);
	glen = capture_on(&fc, 4, tight, &got);
	CHECK(glen == rlen && memcmp(ref, got, rlen) == 0);
	free(got);
	free(ref);
	fc_free(&fc);
}

int main(void)
{
	arena_mem = malloc(ARENA_SIZE);
	test_same_bytes();
	test_bad_read();
	test_failing_sink();
	test_capture();
	free(arena_mem);
	return test_summary("kdump_workers");
}

/*
 * capture/kdump.c's data order: the kernel image first, then the rest of RAM
 * from the top down, so that a sink too small for the dump keeps what a
 * reader needs to open it. Descriptors stay in pfn order; only where the data
 * is changes. Also: the page filter sees the writer's pieces and still gives
 * the bitmap and the statistics of one plain ascending pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/filter.h"
#include "capture/kdump.h"
#include "fakemm.h"
#include "memsink.h"
#include "test.h"

#define ARENA_SIZE	(4u << 20)
#define KSTART		0x200	/* fc_standard's and fakemm's kernel image: pfns */
#define KEND		0x280

static uint8_t *arena_mem;
static char dir[64], script[512];

/* What a disk holds before the dump is written on it. */
#define STALE	0xa5

/* ---- reading the dump back by crash's rules ------------------------------ */

enum { PG_OK, PG_HOLE, PG_EXCLUDED, PG_INCOMPLETE, PG_CORRUPT };

struct dump {
	const uint8_t *b;
	size_t len;
	struct disk_dump_header dh;
	const uint8_t *bm1, *bm2;
	uint64_t max_mapnr, desc_off, ndesc, data_off;
	uint64_t rank[1u << 18];
};

static int bit(const uint8_t *bm, uint64_t pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

static int dump_open(struct dump *d, const uint8_t *b, size_t len)
{
	struct kdump_sub_header kh;

	d->b = b;
	d->len = len;
	d->ndesc = 0;
	memcpy(&d->dh, b, sizeof(d->dh));
	memcpy(&kh, b + 4096, sizeof(kh));
	if (memcmp(d->dh.signature, "KDUMP   ", 8))
		return -1;
	d->max_mapnr = kh.max_mapnr_64;
	if (d->max_mapnr > (1u << 18))
		return -1;
	d->bm1 = b + 4096 * (1 + (uint64_t)d->dh.sub_hdr_size);
	d->bm2 = d->bm1 + (uint64_t)d->dh.bitmap_blocks * 4096 / 2;
	d->desc_off = 4096 * (1 + (uint64_t)d->dh.sub_hdr_size + d->dh.bitmap_blocks);
	for (uint64_t p = 0; p < d->max_mapnr; p++) {
		d->rank[p] = d->ndesc;
		d->ndesc += bit(d->bm2, p);
	}
	d->data_off = d->desc_off + d->ndesc * 24;
	return 0;
}

static void dump_desc(const struct dump *d, uint64_t pfn, struct kdump_page_desc *pd)
{
	memcpy(pd, d->b + d->desc_off + d->rank[pfn] * 24, 24);
}

static int dump_read(const struct dump *d, uint64_t pfn, uint8_t *out)
{
	struct kdump_page_desc pd;

	if (pfn >= d->max_mapnr || !bit(d->bm1, pfn))
		return PG_HOLE;
	if (!bit(d->bm2, pfn))
		return PG_EXCLUDED;
	dump_desc(d, pfn, &pd);
	if (pd.offset == 0)
		return pd.size == 0 && pd.flags == 0 ? PG_INCOMPLETE : PG_CORRUPT;
	if (pd.flags || pd.size != 4096 || pd.offset < d->data_off ||
	    pd.offset + pd.size > d->len)
		return PG_CORRUPT;
	memcpy(out, d->b + pd.offset, 4096);
	return PG_OK;
}


static int is_zero_page(const uint8_t *p)
{
	for (int i = 0; i < 4096; i++)
		if (p[i])
			return 0;
	return 1;
}

static int in_kernel(uint64_t pfn)
{
	return pfn >= KSTART && pfn < KEND;
}

static int readback(const char *dump, const char *ref, const char *extra)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s %s", script, dump, ref, extra);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void save(const char *name, const struct mem_sink *m, char *out)
{
	FILE *fp;

	snprintf(out, 256, "%s/%s", dir, name);
	fp = fopen(out, "wb");
	if (!fp || fwrite(m->buf, 1, m->len, fp) != m->len)
		abort();
	fclose(fp);
}

static int run_at(struct fakecore *fc, uint64_t hdr, int dl, struct mem_sink *m,
		  struct kdump_stats *st)
{
	struct buf_memsrc bm;
	struct elfcore ec;
	struct arena a;
	struct kdump_opts o = { .dump_level = dl };
	char err[200];

	buf_memsrc_init(&bm, fc->mem, fc->mem_size);
	arena_init(&a, arena_mem, ARENA_SIZE);
	if (elfcore_read(&ec, &bm.m, hdr, 0, &a, err, sizeof(err))) {
		fprintf(stderr, "elfcore_read: %s\n", err);
		return -1;
	}
	return kdump_write(&ec, &o, &m->s, &a, st);
}

static int run(struct fakecore *fc, int dl, struct mem_sink *m, struct kdump_stats *st)
{
	return run_at(fc, FC_HDR_ADDR, dl, m, st);
}

/*
 * Descriptors whose data is not where the order puts it (no zero page): the
 * pages of [ks, ke) upwards from data_off, then the others from the top down,
 * packed. Lost pages (offset 0) end the walk: after them nothing is stored.
 */
static uint64_t misplaced(const struct dump *d, uint64_t ks, uint64_t ke)
{
	uint64_t expect = d->data_off, bad = 0;
	int lost = 0;

	for (uint64_t pfn = ks; pfn < ke; pfn++) {
		struct kdump_page_desc pd;
		if (!bit(d->bm2, pfn))
			continue;
		dump_desc(d, pfn, &pd);
		if (!pd.offset)
			lost = 1;
		else
			bad += lost || pd.offset != expect;
		expect += 4096;
	}
	for (uint64_t pfn = d->max_mapnr; pfn-- > 0; ) {
		struct kdump_page_desc pd;
		if ((pfn >= ks && pfn < ke) || !bit(d->bm2, pfn))
			continue;
		dump_desc(d, pfn, &pd);
		if (!pd.offset)
			lost = 1;
		else
			bad += lost || pd.offset != expect;
		expect += 4096;
	}
	return bad;
}

/* ---- the tests -------------------------------------------------------------- */

/*
 * A dump that fits: every page reads back as before, and the data is where
 * the order says: kernel pages ascending from data_off, then the other pages
 * from the highest pfn down, packed.
 */
static void test_order(void)
{
	struct fakecore fc;
	struct mem_sink m;
	struct kdump_stats st;
	static struct dump d;
	uint8_t want[4096], got[4096];
	uint64_t ok = 0, wrong = 0;

	fc_standard(&fc);
	ms_init(&m, 16u << 20, STALE);
	CHECK(run(&fc, 0, &m, &st) == 0);
	CHECK(!st.incomplete);
	CHECK_EQ_U64(st.kept, 158 + 256 + 128 + 128 + 384);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	CHECK_EQ_U64(d.ndesc, st.kept);
	CHECK_EQ_U64(m.len, d.data_off + st.kept * 4096);

	CHECK_EQ_U64(misplaced(&d, KSTART, KEND), 0);
	for (uint64_t pfn = 0; pfn < d.max_mapnr + 8; pfn++) {
		int src = fc_source_page(&fc, pfn, want), r = dump_read(&d, pfn, got);
		if (r == PG_OK) {
			ok++;
			wrong += src != 1 || memcmp(want, got, 4096) != 0;
		} else {
			wrong += !(r == PG_HOLE && src == -1) && !(r == PG_EXCLUDED && src == 0);
		}
	}
	CHECK_EQ_U64(ok, st.kept);
	CHECK_EQ_U64(wrong, 0);

	/* dump_level 1: the shared zero page comes first of all, and the same pages */
	free(m.buf);
	ms_init(&m, 16u << 20, STALE);
	CHECK(run(&fc, 1, &m, &st) == 0);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	CHECK(st.zero > 100);
	ok = wrong = 0;
	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++) {
		struct kdump_page_desc pd;
		int src = fc_source_page(&fc, pfn, want);
		if (dump_read(&d, pfn, got) != PG_OK)
			continue;
		ok++;
		dump_desc(&d, pfn, &pd);
		wrong += src != 1 || memcmp(want, got, 4096) != 0;
		wrong += (pd.offset == d.data_off) != (memcmp(got, d.b + d.data_off, 4096) == 0);
	}
	CHECK_EQ_U64(ok, st.kept + st.zero);
	CHECK_EQ_U64(wrong, 0);
	{
		char ref[256], out[256];
		size_t flen;
		uint8_t *file = fc_build_file(&fc, &flen);
		FILE *fp;
		snprintf(ref, sizeof(ref), "%s/std.elf", dir);
		fp = fopen(ref, "wb");
		fwrite(file, 1, flen, fp);
		fclose(fp);
		free(file);
		save("order.kdump", &m, out);
		CHECK(readback(out, ref, "--cpus 3") == 0);
	}
	free(m.buf);
	fc_free(&fc);
}

/*
 * The sink fills up: the kernel image and the highest pages are there and
 * read back, the lost ones are the lowest pages outside the kernel image.
 * mode 0: the sink says NOSPC; 1: its capacity is known in advance.
 */
static void test_full(int dl, int mode)
{
	struct fakecore fc;
	struct mem_sink m;
	struct kdump_stats st;
	static struct dump d;
	uint8_t want[4096], got[4096];
	uint64_t limit, lowest_ok = UINT64_MAX, k_ok = 0, wrong = 0, mixed = 0;
	char ref[256], out[256], args[64];

	fc_standard(&fc);
	ms_init(&m, 16u << 20, STALE);
	/* room for a little more than the kernel image and the pages above 0x280 */
	limit = 4096 * 5 + (158 + 256 + 128 + 128 + 384) * 24 + (128 + 512 + 100) * 4096ull + 10;
	if (mode == 0)
		m.full_at = limit;
	else
		m.s.capacity = limit;
	CHECK(run(&fc, dl, &m, &st) == 0);
	CHECK(st.incomplete);
	CHECK(st.lost > 0);
	CHECK_EQ_U64(st.kept + st.zero + st.lost, 158 + 256 + 128 + 128 + 384);
	CHECK(m.len <= limit);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	CHECK(d.dh.status & DUMP_DH_COMPRESSED_INCOMPLETE);

	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++) {
		int r = dump_read(&d, pfn, got), src = fc_source_page(&fc, pfn, want);
		if (r == PG_OK) {
			wrong += src != 1 || memcmp(want, got, 4096) != 0;
			if (in_kernel(pfn))
				k_ok++;
			else if (pfn < lowest_ok && !is_zero_page(got))
				lowest_ok = pfn;
		} else if (r == PG_INCOMPLETE) {
			wrong += src != 1 || in_kernel(pfn);
		} else if (r != PG_HOLE && r != PG_EXCLUDED) {
			wrong++;
		}
	}
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(k_ok, KEND - KSTART);
	/* the cut is inside [0x100, 0x200): everything above it is there */
	CHECK(lowest_ok > 0x100 && lowest_ok < KSTART);
	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++) {
		int r = dump_read(&d, pfn, got);
		if (!bit(d.bm2, pfn) || in_kernel(pfn))
			continue;
		/* below the cut only zero pages, which point at the shared one */
		if (pfn >= lowest_ok)
			mixed += r != PG_OK;
		else
			mixed += r == PG_OK && !(dl & 1 && is_zero_page(got));
	}
	CHECK_EQ_U64(mixed, 0);
	if (dl == 0)
		CHECK_EQ_U64(st.kept, d.ndesc - d.rank[lowest_ok]);

	/* libkdumpfile: exactly the pages below the cut are refused */
	{
		size_t flen;
		uint8_t *file = fc_build_file(&fc, &flen);
		FILE *fp;
		snprintf(ref, sizeof(ref), "%s/std.elf", dir);
		fp = fopen(ref, "wb");
		fwrite(file, 1, flen, fp);
		fclose(fp);
		free(file);
	}
	save("full.kdump", &m, out);
	if (dl == 0)
		snprintf(args, sizeof(args), "--bad 0 %#llx", (unsigned long long)lowest_ok);
	else
		snprintf(args, sizeof(args), "--incomplete");
	CHECK(readback(out, ref, args) == 0);
	free(m.buf);
	fc_free(&fc);
}

/*
 * RAM across the first cycle boundary (pfn 0x20000, 512 MiB) with the kernel
 * image across it too: the kernel pieces of both cycles go first, upwards,
 * then the rest of both cycles downwards, each page once. The bytes of
 * [0x1ff00000, 0x20100000) live at 1 MiB in the fake memory.
 */
static void test_cross_cycle(void)
{
	const uint64_t ks = 0x1ff80, ke = 0x20080, hdr = 0x380000;
	struct fakecore fc;
	struct mem_sink m;
	struct kdump_stats st;
	static struct dump d;
	uint8_t want[4096], got[4096];
	uint64_t ok = 0, wrong = 0;

	fc_init(&fc, 4u << 20);
	for (uint64_t pfn = 1; pfn < 0x10; pfn++)
		fc_fill_page(fc.mem + pfn * 4096, pfn);
	for (uint64_t pfn = 0x1ff00; pfn < 0x20100; pfn++)
		fc_fill_page(fc.mem + 0x100000 + (pfn - 0x1ff00) * 4096, pfn);
	fc_add_load(&fc, ks << 12, KERNEL_MAP_BASE + (ks << 12), (ke - ks) << 12, (ke - ks) << 12);
	fc.loads[0].offset = 0x100000 + ((ks - 0x1ff00) << 12);
	fc_add_load(&fc, 0x1000, 0xffff888000001000ull, 0xf000, 0xf000);
	fc_add_load(&fc, 0x1ff00000, 0xffff88801ff00000ull, 0x200000, 0x200000);
	fc.loads[2].offset = 0x100000;
	fc_add_cpu(&fc, 0x381000, 0);
	fc_add_vmcoreinfo(&fc, 0x382000, "OSRELEASE=6.12.0-cross\nPAGESIZE=4096\n", 512);
	fc_write_hdr(&fc, hdr);

	ms_init(&m, 16u << 20, STALE);
	CHECK(run_at(&fc, hdr, 0, &m, &st) == 0);
	CHECK(!st.incomplete);
	CHECK_EQ_U64(st.kept, 15 + 512);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	CHECK_EQ_U64(d.max_mapnr, 0x20100);
	CHECK_EQ_U64(m.len, d.data_off + st.kept * 4096);	/* each page once */
	CHECK_EQ_U64(misplaced(&d, ks, ke), 0);
	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++) {
		int src = fc_source_page(&fc, pfn, want), r = dump_read(&d, pfn, got);
		if (r == PG_OK) {
			ok++;
			wrong += src != 1 || memcmp(want, got, 4096) != 0;
		} else {
			wrong += !(r == PG_HOLE && src == -1);
		}
	}
	CHECK_EQ_U64(ok, 15 + 512);
	CHECK_EQ_U64(wrong, 0);
	free(m.buf);

	/* room for the kernel image and two data buffers: the top 128 pages */
	ms_init(&m, 16u << 20, STALE);
	m.full_at = d.data_off + (256 + 128) * 4096 + 10;
	CHECK(run_at(&fc, hdr, 0, &m, &st) == 0);
	CHECK(st.incomplete);
	CHECK_EQ_U64(st.kept, 256 + 128);
	CHECK_EQ_U64(st.lost, 15 + 512 - 256 - 128);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	CHECK_EQ_U64(misplaced(&d, ks, ke), 0);
	ok = wrong = 0;
	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++) {
		int r = dump_read(&d, pfn, got);
		int keep = (pfn >= ks && pfn < ke) || (pfn >= 0x20080 && pfn < 0x20100);
		if (r == PG_OK)
			ok++;
		if (fc_source_page(&fc, pfn, want) == 1)
			wrong += keep != (r == PG_OK) || (!keep && r != PG_INCOMPLETE);
	}
	CHECK_EQ_U64(ok, 256 + 128);
	CHECK_EQ_U64(wrong, 0);
	free(m.buf);
	fc_free(&fc);
}

/* Nothing fits but the kernel image's first pages: still a dump, the rest lost. */
static void test_tiny(void)
{
	struct fakecore fc;
	struct mem_sink m;
	struct kdump_stats st;
	static struct dump d;
	uint8_t got[4096];
	uint64_t ok = 0, ok_kernel = 0;

	fc_standard(&fc);
	ms_init(&m, 16u << 20, STALE);
	m.full_at = 4096 * 5 + (158 + 256 + 128 + 128 + 384) * 24 + 100 * 4096 + 10;
	CHECK(run(&fc, 0, &m, &st) == 0);
	CHECK(st.incomplete);
	CHECK(dump_open(&d, m.buf, m.len) == 0);
	for (uint64_t pfn = 0; pfn < d.max_mapnr; pfn++)
		if (dump_read(&d, pfn, got) == PG_OK) {
			ok++;
			ok_kernel += in_kernel(pfn);
		}
	CHECK_EQ_U64(ok, st.kept);
	CHECK_EQ_U64(ok_kernel, ok);
	CHECK_EQ_U64(ok, 64);		/* one data buffer */
	free(m.buf);
	fc_free(&fc);
}

/*
 * The filter through the writer: pieces [0x200, 0x280), then [0x280, top)
 * and [0, 0x200), with a hugetlb page and a free block running across the
 * kernel image's end. Bitmap 2 and the statistics must be those of one
 * ascending pass, not of two passes or of a piece.
 */
static void test_filter_pieces(enum mm_style style)
{
	static uint8_t want[MM_PFNS / 8];
	struct fakemm mm;
	struct buf_memsrc bm;
	struct elfcore ec;
	struct arena a;
	struct page_filter f, g;
	struct kdump_filter hook;
	struct kdump_opts o;
	struct kdump_stats st;
	struct kdump_layout lay;
	struct mem_sink m;
	char err[200];

	mm_build(&mm, style, 0);
	mm_anon(&mm, 0x134);
	mm_compound(&mm, 0x200, 9, 1);		/* hugetlb 0x200-0x3ff: user */
	mm_buddy(&mm, 0x600, 9);
	mm_buddy(&mm, 0x800, 10);
	mm_buddy(&mm, 0x100, 3);
	mm_cache(&mm, 0x130, 0);
	mm_finish(&mm);

	buf_memsrc_init(&bm, mm.fc.mem, MM_MEM);
	arena_init(&a, arena_mem, ARENA_SIZE);
	CHECK(elfcore_read(&ec, &bm.m, MM_HDR, 0, &a, err, sizeof(err)) == 0);
	CHECK(filter_init(&f, &ec, 31, &a) == 1);
	filter_hook(&f, &hook);
	memset(&o, 0, sizeof(o));
	o.dump_level = 31;
	o.filter = &hook;
	ms_init(&m, 64u << 20, STALE);
	CHECK(kdump_write(&ec, &o, &m.s, &a, &st) == 0);
	CHECK(!st.incomplete);
	kdump_layout(&ec, st.dumpable, &lay);

	/* one plain pass over everything, the way the writer used to go */
	CHECK(filter_init(&g, &ec, 31, &a) == 1);
	memset(want, 0, sizeof(want));
	for (uint64_t p = 0; p < MM_PFNS; p++)
		if (mm_is_ram(p))
			want[p >> 3] |= (uint8_t)(1u << (p & 7));
	filter_cycle(&g, &ec, 0, MM_PFNS, want);
	CHECK(memcmp(m.buf + lay.bm2_off, want, sizeof(want)) == 0);
	for (int c = 0; c < FC_NR; c++)
		CHECK_EQ_U64(f.st.excluded[c], g.st.excluded[c]);
	CHECK_EQ_U64(f.st.excluded[FC_USER], 512 + 1);
	CHECK_EQ_U64(f.st.excluded[FC_FREE], 512 + 1024 + 8);
	CHECK_EQ_U64(f.st.excluded[FC_CACHE], 1);
	CHECK_EQ_U64(f.st.no_memmap, g.st.no_memmap);
	CHECK_EQ_U64(f.st.unreadable, g.st.unreadable);
	CHECK_EQ_U64(st.excluded, 512 + 1 + 512 + 1024 + 8 + 1);
	free(m.buf);
	fc_free(&mm.fc);
}

int main(void)
{
	const char *me = __FILE__;
	const char *slash = strrchr(me, '/');
	struct stat sb;

	snprintf(script, sizeof(script), "%.*skdump_readback.py",
		 slash ? (int)(slash - me + 1) : 0, me);
	CHECK(stat(script, &sb) == 0);
	strcpy(dir, "/tmp/dumpling-test-order-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	arena_mem = malloc(ARENA_SIZE);

	test_order();
	test_full(0, 0);
	test_full(0, 1);
	test_full(1, 0);
	test_full(1, 1);
	test_tiny();
	test_cross_cycle();
	test_filter_pieces(MM_61);
	test_filter_pieces(MM_612);

	free(arena_mem);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (getenv("KEEP") == NULL && system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return test_summary("test_kdump_order");
}

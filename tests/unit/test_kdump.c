/*
 * capture/kdump.c and capture/dump.c: dump synthetic machines, then read the
 * result back twice - with a small reader here that follows crash's rules,
 * and with libkdumpfile (tests/unit/kdump_readback.py), which knows nothing
 * of our code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "capture/dump.h"
#include "capture/kdump.h"
#include "fakecore.h"
#include "test.h"

#define ARENA_SIZE (8u << 20)

static char dir[64], script[512];
static uint8_t *arena_mem;

/* ---- a file sink, with optional "disk full" and "I/O error" ----------- */

struct file_sink {
	struct sink s;
	int fd;
	uint64_t full_at;	/* writes past this fail with NOSPC (0: never) */
	int io_error;
	int finished;
	unsigned long writes;
};

static int fs_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct file_sink *f = (struct file_sink *)s;

	f->writes++;
	if (f->io_error)
		return SINK_ERR_IO;
	if (f->full_at && off + len > f->full_at)
		return SINK_ERR_NOSPC;
	return pwrite(f->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : SINK_ERR_IO;
}

static int fs_finish(struct sink *s)
{
	((struct file_sink *)s)->finished = 1;
	return 0;
}

static void fs_open(struct file_sink *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->s.write = fs_write;
	f->s.finish = fs_finish;
	f->s.name = "test file";
	/* Old contents stand for a raw disk's stale data: all must be overwritten. */
	f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint8_t junk[65536];
	memset(junk, 0xa5, sizeof(junk));
	for (int i = 0; i < 160; i++)
		if (write(f->fd, junk, sizeof(junk)) != sizeof(junk))
			abort();
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;

	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc(*len + 1);
	if (fread(b, 1, *len, fp) != *len)
		abort();
	fclose(fp);
	return b;
}

static void put_file(const char *path, const void *b, size_t len)
{
	FILE *fp = fopen(path, "wb");
	fwrite(b, 1, len, fp);
	fclose(fp);
}

static int readback(const char *dump, const char *ref, const char *extra)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s %s", script, dump, ref, extra);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st)) {
		fprintf(stderr, "  could not run: %s\n", cmd);
		return -1;
	}
	if (WEXITSTATUS(st))
		fprintf(stderr, "  readback failed: %s\n", cmd);
	return WEXITSTATUS(st);
}

/* ---- a reader that follows crash's diskdump.c rules ------------------- */

enum { PG_OK, PG_HOLE, PG_EXCLUDED, PG_INCOMPLETE, PG_CORRUPT };

struct dump {
	const uint8_t *b;
	size_t len;
	struct disk_dump_header dh;
	struct kdump_sub_header kh;
	const uint8_t *bm1, *bm2;
	uint64_t max_mapnr, desc_off, ndesc;
	uint64_t rank[1u << 20];	/* set bitmap-2 bits below each pfn */
};

static int bit(const uint8_t *bm, uint64_t pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

static int dump_open(struct dump *d, const uint8_t *b, size_t len)
{
	uint64_t bm_bytes;

	memset(d, 0, offsetof(struct dump, rank));
	d->b = b;
	d->len = len;
	if (len < 2 * 4096)
		return -1;
	memcpy(&d->dh, b, sizeof(d->dh));
	memcpy(&d->kh, b + 4096, sizeof(d->kh));
	if (memcmp(d->dh.signature, "KDUMP   ", 8) || d->dh.block_size != 4096)
		return -1;
	d->max_mapnr = d->kh.max_mapnr_64;
	bm_bytes = (uint64_t)d->dh.bitmap_blocks * 4096 / 2;
	/* crash's rule for a two-bitmap ("partial") dump */
	if (d->dh.bitmap_blocks < 2 * ((d->max_mapnr + 8 * 4096 - 1) / (8 * 4096)))
		return -1;
	d->bm1 = b + 4096 * (1 + (uint64_t)d->dh.sub_hdr_size);
	d->bm2 = d->bm1 + bm_bytes;
	d->desc_off = 4096 * (1 + (uint64_t)d->dh.sub_hdr_size + d->dh.bitmap_blocks);
	if (d->max_mapnr > (1u << 20))
		return -1;
	for (uint64_t p = 0; p < d->max_mapnr; p++) {
		d->rank[p] = d->ndesc;
		d->ndesc += bit(d->bm2, p);
	}
	return d->desc_off + d->ndesc * 24 <= len ? 0 : -1;
}

static int dump_desc(const struct dump *d, uint64_t pfn, struct kdump_page_desc *pd)
{
	memcpy(pd, d->b + d->desc_off + d->rank[pfn] * 24, 24);
	return 0;
}

static int dump_read(const struct dump *d, uint64_t pfn, uint8_t *out)
{
	struct kdump_page_desc pd;

	if (pfn >= d->max_mapnr || !bit(d->bm1, pfn))
		return PG_HOLE;
	if (!bit(d->bm2, pfn))
		return PG_EXCLUDED;
	dump_desc(d, pfn, &pd);
	if (pd.size > 4096)
		return PG_CORRUPT;
	if (pd.offset == 0)
		return PG_INCOMPLETE;
	if (pd.flags || pd.size != 4096 || pd.offset + pd.size > d->len)
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

/*
 * Every pfn of the dump against the source: counts what it finds and
 * checks each page. bad_lo..bad_hi must be incomplete.
 */
struct verdict { uint64_t ok, zero, hole, excluded, incomplete, wrong; };

static struct verdict compare(const struct dump *d, struct fakecore *fc, uint64_t bad_lo,
			      uint64_t bad_hi, int allow_incomplete)
{
	struct verdict v = { 0 };
	uint8_t want[4096], got[4096];

	for (uint64_t pfn = 0; pfn < d->max_mapnr + 10; pfn++) {
		int src = fc_source_page(fc, pfn, want);
		int r = dump_read(d, pfn, got);
		int bad = pfn >= bad_lo && pfn < bad_hi;

		if (r == PG_HOLE) {
			v.hole++;
			if (src != -1) v.wrong++;
		} else if (r == PG_EXCLUDED) {
			v.excluded++;
			if (src != 0) v.wrong++;
		} else if (r == PG_INCOMPLETE) {
			v.incomplete++;
			if (!bad && !allow_incomplete) v.wrong++;
		} else if (r == PG_OK) {
			v.ok++;
			if (src != 1 || bad || memcmp(want, got, 4096)) v.wrong++;
			if (is_zero_page(got)) v.zero++;
		} else {
			v.wrong++;
		}
	}
	return v;
}

/* ---- the tests ------------------------------------------------------- */

static void path(char *out, const char *name)
{
	snprintf(out, 256, "%s/%s", dir, name);
}

static int run_dump(const struct capture_config *cfg, struct memsrc *m, uint64_t hdr_off,
		    struct sink *s, struct dump_result *res)
{
	struct arena a;

	arena_init(&a, arena_mem, ARENA_SIZE);
	int r = capture_dump(cfg, m, hdr_off, s, &a, res);
	CHECK(a.peak < (1u << 20));	/* the writer's buffers stay small */
	return r;
}

static void test_standard(void)
{
	struct fakecore fc;
	struct capture_config cfg;
	struct dump_result res;
	struct file_sink fs;
	struct file_memsrc fm;
	struct buf_memsrc bm;
	static struct dump d;
	char ref[256], out1[256], out2[256], out3[256];
	uint8_t *file, *b1, *b2;
	size_t flen, l1, l2;

	fc_standard(&fc);
	file = fc_build_file(&fc, &flen);
	path(ref, "ref.elf");
	put_file(ref, file, flen);

	/* From an ELF vmcore file, dump_level 1 */
	config_defaults(&cfg);
	cfg.dump_level = 1;
	memset(&fm, 0, sizeof(fm));
	fm.m.read = file_memsrc_read;
	fm.fd = open(ref, O_RDONLY);
	path(out1, "std.kdump");
	fs_open(&fs, out1);
	CHECK(run_dump(&cfg, &fm.m, 0, &fs.s, &res) == 0);
	CHECK(fs.finished);
	close(fs.fd);
	close(fm.fd);

	/* RAM: 158 low pages (the last one, 0x9f, is only partly RAM), 512 + 512; 128 past p_filesz */
	CHECK_EQ_U64(res.pages_ram, 158 + 512 + 512);
	CHECK_EQ_U64(res.pages_excluded, 128);
	CHECK_EQ_U64(res.pages_kept + res.pages_zero, 158 + 512 + 384);
	CHECK(res.pages_zero > 100);
	CHECK(res.pages_unreadable == 0 && res.pages_lost == 0 && !res.incomplete);

	b1 = slurp(out1, &l1);
	CHECK(res.bytes <= l1);
	CHECK(dump_open(&d, b1, l1) == 0);
	CHECK_EQ_U64(d.dh.header_version, 6);
	CHECK_EQ_U64(d.dh.status, 0);
	CHECK_EQ_U64(d.dh.block_size, 4096);
	CHECK_EQ_U64(d.dh.max_mapnr, 0x600);
	CHECK_EQ_U64(d.dh.bitmap_blocks, 2);
	CHECK_EQ_U64(d.dh.nr_cpus, FC_NR_CPUS);
	CHECK_EQ_U64(d.dh.timestamp_sec, FC_CRASHTIME);
	CHECK_STR(d.dh.utsname.sysname, "Linux");
	CHECK_STR(d.dh.utsname.nodename, "fakehost");	/* read from init_uts_ns */
	CHECK_STR(d.dh.utsname.release, "6.1.0-fake");
	CHECK_STR(d.dh.utsname.machine, "x86_64");
	CHECK_EQ_U64(d.kh.phys_base, 0);
	CHECK_EQ_U64(d.kh.dump_level, 1);
	CHECK_EQ_U64(d.kh.max_mapnr_64, 0x600);
	CHECK_EQ_U64(d.kh.offset_note, 4096 + 104);
	{
		uint8_t merged[8192];
		size_t n = fc_merge_notes(&fc, merged);
		CHECK_EQ_U64(d.kh.size_note, n);
		CHECK(memcmp(b1 + d.kh.offset_note, merged, n) == 0);
		CHECK_EQ_U64(d.dh.sub_hdr_size, (104 + n + 4095) / 4096);
	}
	CHECK_EQ_U64(d.kh.size_vmcoreinfo, strlen(fc_vmcoreinfo_text));
	CHECK(memcmp(b1 + d.kh.offset_vmcoreinfo, fc_vmcoreinfo_text,
		     strlen(fc_vmcoreinfo_text)) == 0);
	CHECK_EQ_U64(d.ndesc, res.pages_kept + res.pages_zero);

	/* Descriptors: zero pages share the first data block; nothing at 0 */
	{
		uint64_t data_off = d.desc_off + d.ndesc * 24, zero_refs = 0, end = 0;
		for (uint64_t i = 0; i < d.ndesc; i++) {
			struct kdump_page_desc pd;
			memcpy(&pd, b1 + d.desc_off + i * 24, 24);
			CHECK(pd.offset >= data_off && pd.size == 4096 && pd.flags == 0);
			if (pd.offset == data_off)
				zero_refs++;
			if (pd.offset + pd.size > end)
				end = pd.offset + pd.size;
		}
		CHECK_EQ_U64(zero_refs, res.pages_zero);
		CHECK(is_zero_page(b1 + data_off));
		CHECK_EQ_U64(res.bytes, end);
		/* the data is packed: kept pages + the zero page */
		CHECK_EQ_U64(end, data_off + 4096 * (res.pages_kept + 1));
	}
	/* Bitmap padding past max_mapnr is zero, not stale */
	for (uint64_t p = 0x600; p < 4096 * 8; p++)
		if (bit(d.bm1, p) || bit(d.bm2, p)) {
			CHECK(!"bitmap bits past max_mapnr");
			break;
		}
	{
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 158 + 512 + 384);
		CHECK_EQ_U64(v.excluded, 128);
		CHECK_EQ_U64(v.incomplete, 0);
		CHECK_EQ_U64(v.zero, res.pages_zero);
	}
	CHECK(readback(out1, ref, "--cpus 3 --release 6.1.0-fake --nodename fakehost") == 0);
	{
		/* The reader notices one wrong byte in one page */
		char bad[256];
		uint8_t *copy = malloc(res.bytes);
		memcpy(copy, b1, res.bytes);
		copy[res.bytes - 4096 + 100] ^= 0x40;
		path(bad, "corrupt.kdump");
		put_file(bad, copy, res.bytes);
		fprintf(stderr, "(a readback failure is expected next)\n");
		CHECK(readback(bad, ref, "") == 1);
		free(copy);
	}

	/* From memory, as the capture image sees it: the very same bytes */
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	path(out2, "mem.kdump");
	fs_open(&fs, out2);
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
	close(fs.fd);
	b2 = slurp(out2, &l2);
	CHECK(res.bytes == l1 || l2 >= res.bytes);
	CHECK(memcmp(b1, b2, res.bytes) == 0);
	free(b2);

	/* dump_level 0: zero pages are stored like any other */
	cfg.dump_level = 0;
	path(out3, "dl0.kdump");
	fs_open(&fs, out3);
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
	close(fs.fd);
	CHECK_EQ_U64(res.pages_zero, 0);
	CHECK_EQ_U64(res.pages_kept, 158 + 512 + 384);
	b2 = slurp(out3, &l2);
	CHECK(dump_open(&d, b2, l2) == 0);
	CHECK_EQ_U64(d.kh.dump_level, 0);
	{
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 158 + 512 + 384);
		/* no zero page: the kernel image's first page is the first data */
		struct kdump_page_desc pd;
		dump_desc(&d, 0x200, &pd);
		CHECK_EQ_U64(pd.offset, d.desc_off + d.ndesc * 24);
	}
	free(b2);
	CHECK(readback(out3, ref, "--cpus 3") == 0);

	/* ELF output (tests/unit/test_elfout.c checks its contents) */
	cfg.format = FORMAT_ELF;
	fs_open(&fs, out3);
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
	CHECK(fs.finished);
	{
		uint8_t mag[4] = { 0 };
		CHECK(pread(fs.fd, mag, 4, 0) == 4 && memcmp(mag, ELF_MAG, 4) == 0);
	}
	close(fs.fd);
	/* A broken header: an error, nothing written */
	cfg.format = FORMAT_KDUMP;
	fs_open(&fs, out3);
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR + 8, &fs.s, &res) == DUMP_ERR_INVAL);
	CHECK(fs.writes == 0);
	close(fs.fd);

	free(b1);
	free(file);
	fc_free(&fc);
}

/* The sink fills up: an INCOMPLETE dump that still reads back. */
static void test_nospace(void)
{
	struct fakecore fc;
	struct capture_config cfg;
	struct dump_result res;
	struct file_sink fs;
	struct buf_memsrc bm;
	static struct dump d;
	char ref[256], out[256];
	uint8_t *b;
	size_t len;

	fc_standard(&fc);
	path(ref, "ref.elf");
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	config_defaults(&cfg);
	cfg.dump_level = 1;
	path(out, "full.kdump");

	/* 1: the sink says NOSPC past 3 MiB (capacity unknown) */
	for (int mode = 0; mode < 2; mode++) {
		uint64_t limit = (3u << 20) + 1234;
		fs_open(&fs, out);
		if (mode == 0)
			fs.full_at = limit;
		else
			fs.s.capacity = limit;
		CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
		close(fs.fd);
		CHECK(res.incomplete);
		CHECK(res.pages_lost > 0);
		CHECK(res.bytes <= limit);
		CHECK_EQ_U64(res.pages_kept + res.pages_zero + res.pages_lost, 158 + 512 + 384);
		b = slurp(out, &len);
		CHECK(dump_open(&d, b, len) == 0);
		CHECK(d.dh.status & DUMP_DH_COMPRESSED_INCOMPLETE);
		{
			struct verdict v = compare(&d, &fc, 0, 0, 1);
			CHECK_EQ_U64(v.wrong, 0);
			CHECK_EQ_U64(v.incomplete, res.pages_lost);
			CHECK_EQ_U64(v.ok, res.pages_kept + res.pages_zero);
			CHECK(v.ok > 500);
		}
		/* every descriptor with data points inside the limit */
		for (uint64_t i = 0; i < d.ndesc; i++) {
			struct kdump_page_desc pd;
			memcpy(&pd, b + d.desc_off + i * 24, 24);
			if (pd.offset)
				CHECK(pd.offset + pd.size <= limit);
			else
				CHECK(pd.size == 0 && pd.flags == 0);
		}
		free(b);
		CHECK(readback(out, ref, "--incomplete") == 0);
	}

	/* 2: the disk fills at the very first data write */
	fs_open(&fs, out);
	fs.full_at = 4096 * 6;
	{
		/* headers (3 blocks) + bitmaps (2) + descriptors fit, data does not */
		fs.full_at = 4096 * 5 + (158 + 512 + 384) * 24 + 100;
		CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
		close(fs.fd);
		CHECK(res.incomplete);
		CHECK_EQ_U64(res.pages_kept + res.pages_zero, 0);
		CHECK_EQ_U64(res.pages_lost, 158 + 512 + 384);
		b = slurp(out, &len);
		CHECK(dump_open(&d, b, len) == 0);
		struct verdict v = compare(&d, &fc, 0, 0, 1);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 0);
		free(b);
	}

	/* 3: not even the headers fit: an error */
	fs_open(&fs, out);
	fs.s.capacity = 4096 * 4;
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == DUMP_ERR_NOSPC);
	CHECK(!fs.finished);
	close(fs.fd);
	fs_open(&fs, out);
	fs.full_at = 4096 * 5 + 100;	/* descriptors do not fit */
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) < 0);
	close(fs.fd);

	/* 4: an I/O error ends the dump with an error */
	fs_open(&fs, out);
	fs.io_error = 1;
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == SINK_ERR_IO);
	CHECK(!fs.finished);
	close(fs.fd);
	fc_free(&fc);
}

/*
 * More pages than one descriptor buffer holds, and the sink fills up while a
 * buffer of descriptors waits whose data then does not fit: those
 * descriptors must go out as incomplete. There is no kernel image here, so
 * the pages go from the top down.
 */
static void test_nospace_after_desc_flush(void)
{
	struct fakecore fc;
	struct capture_config cfg;
	struct dump_result res;
	struct file_sink fs;
	struct buf_memsrc bm;
	static struct dump d;
	char out[256];
	uint8_t *b;
	size_t len;
	uint64_t data_off, limit, npages = (40u << 20) / 4096 - 256;
	static uint8_t scratch[4096];

	fc_init(&fc, 48u << 20);
	for (uint64_t pfn = 0x100; pfn < 0x100 + npages; pfn++) {
		fc_fill_page(fc.mem + pfn * 4096, pfn);
		fc.mem[pfn * 4096 + 100] |= 1;		/* no zero pages */
	}
	fc_add_load(&fc, 0x100000, 0xffff888000100000ull, npages * 4096, npages * 4096);
	fc_add_vmcoreinfo(&fc, 0x2e01000, "OSRELEASE=6.6.6\nPAGESIZE=4096\n", 256);
	fc_write_hdr(&fc, 0x2e00000);
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	config_defaults(&cfg);
	path(out, "big.kdump");

	fs_open(&fs, out);
	CHECK(run_dump(&cfg, &bm.m, 0x2e00000, &fs.s, &res) == 0);
	close(fs.fd);
	CHECK_EQ_U64(res.pages_kept, npages);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	{
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, npages);
	}
	data_off = d.desc_off + d.ndesc * 24;
	free(b);

	/* Data of the 4033rd..4096th pages from the top (one data buffer) does not fit */
	limit = data_off + 4032 * 4096 + 10;
	fs_open(&fs, out);
	fs.full_at = limit;
	CHECK(run_dump(&cfg, &bm.m, 0x2e00000, &fs.s, &res) == 0);
	close(fs.fd);
	CHECK(res.incomplete);
	CHECK_EQ_U64(res.pages_kept, 4032);
	CHECK_EQ_U64(res.pages_lost, npages - 4032);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	{
		struct verdict v = compare(&d, &fc, 0, 0, 1);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 4032);
		CHECK_EQ_U64(v.incomplete, npages - 4032);
		struct kdump_page_desc pd;
		memcpy(&pd, b + d.desc_off + (npages - 4032) * 24, 24);
		CHECK(pd.offset != 0);
		memcpy(&pd, b + d.desc_off + (npages - 4033) * 24, 24);
		CHECK(pd.offset == 0 && pd.size == 0);
		/* the lost ones are the lowest pages */
		CHECK(dump_read(&d, 0x100 + npages - 4032, scratch) == PG_OK);
		CHECK(dump_read(&d, 0x100 + npages - 4033, scratch) == PG_INCOMPLETE);
	}
	free(b);
	fc_free(&fc);
}

/* Pages the memory source cannot read: marked incomplete, counted, the rest fine. */
static void test_unreadable(void)
{
	struct fakecore fc;
	struct capture_config cfg;
	struct dump_result res;
	struct file_sink fs;
	struct buf_memsrc bm;
	static struct dump d;
	char ref[256], out[256];
	uint8_t *b;
	size_t len;

	fc_standard(&fc);
	path(ref, "ref.elf");
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	bm.bad_start = 0x150000;
	bm.bad_end = 0x152800;		/* pfns 0x150..0x152 */
	config_defaults(&cfg);
	cfg.dump_level = 1;
	path(out, "bad.kdump");
	fs_open(&fs, out);
	CHECK(run_dump(&cfg, &bm.m, FC_HDR_ADDR, &fs.s, &res) == 0);
	close(fs.fd);
	CHECK_EQ_U64(res.pages_unreadable, 3);
	CHECK(res.incomplete);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	CHECK(d.dh.status & DUMP_DH_COMPRESSED_INCOMPLETE);
	{
		struct verdict v = compare(&d, &fc, 0x150, 0x153, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.incomplete, 3);
	}
	free(b);
	CHECK(readback(out, ref, "--bad 0x150 0x153") == 0);
	fc_free(&fc);
}

/*
 * A sparse machine: RAM up to 1 MiB and 1 MiB at 3 GiB whose bytes live
 * elsewhere (a kexec-tools style backup region: p_offset != p_paddr). Its
 * bitmaps span several cycles.
 */
/* A 4 MiB fake machine: every page holds its pfn and a pattern; PT_LOADs next. */
static void small_core_init(struct fakecore *fc)
{
	fc_init(fc, 4u << 20);
	for (uint64_t pfn = 0; pfn < 0x300; pfn++)
		fc_fill_page(fc->mem + pfn * 4096, pfn);
}

/* One CPU, VMCOREINFO naming release, the header at 0x380000; the ELF file
 * of it written to dir/name (path in ref). Returns the file's bytes. */
static uint8_t *small_core_finish(struct fakecore *fc, const char *release, const char *name,
				  char *ref, size_t *flen)
{
	char info[128];
	uint8_t *file;

	snprintf(info, sizeof(info), "OSRELEASE=%s\nPAGESIZE=4096\nCRASHTIME=1700000000\n", release);
	fc_add_cpu(fc, 0x381000, 0);
	fc_add_vmcoreinfo(fc, 0x382000, info, 512);
	fc_write_hdr(fc, 0x380000);
	file = fc_build_file(fc, flen);
	path(ref, name);
	put_file(ref, file, *flen);
	return file;
}

/* Dumps the small machine from memory at dump_level to dir/name (path in out). */
static void dump_small(struct fakecore *fc, int dump_level, const char *name, char *out,
		       struct dump_result *res)
{
	struct capture_config cfg;
	struct buf_memsrc bm;
	struct file_sink fs;

	buf_memsrc_init(&bm, fc->mem, fc->mem_size);
	config_defaults(&cfg);
	cfg.dump_level = dump_level;
	path(out, name);
	fs_open(&fs, out);
	CHECK(run_dump(&cfg, &bm.m, 0x380000, &fs.s, res) == 0);
	close(fs.fd);
}

static void test_sparse(void)
{
	struct fakecore fc;
	struct capture_config cfg;
	struct dump_result res;
	struct file_sink fs;
	static struct dump d;
	char ref[256], out[256], out2[256];
	uint8_t *file, *b, *b2;
	size_t flen, len, len2;

	small_core_init(&fc);
	fc_add_load(&fc, 0x1000, 0xffff888000001000ull, 0xff000, 0xff000);
	fc_add_load(&fc, 0xc0000000ull, 0xffff8880c0000000ull, 0x100000, 0x100000);
	fc.loads[1].offset = 0x200000;
	file = small_core_finish(&fc, "6.12.0-sparse", "sparse.elf", ref, &flen);
	dump_small(&fc, 1, "sparse.kdump", out, &res);
	CHECK_EQ_U64(res.pages_ram, 255 + 256);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	CHECK_EQ_U64(d.kh.max_mapnr_64, 0xc0100);
	/* 2 * ceil(ceil(0xc0100 / 8) / 4096) */
	CHECK_EQ_U64(d.dh.bitmap_blocks, 2 * ((0xc0100 / 8 + 4095) / 4096));
	CHECK_STR(d.dh.utsname.release, "6.12.0-sparse");	/* the fallback */
	CHECK_STR(d.dh.utsname.machine, "x86_64");
	CHECK_EQ_U64(d.dh.timestamp_sec, 1700000000);
	CHECK_EQ_U64(d.dh.nr_cpus, 1);
	{
		/* fc_source_page() reads through l->offset, as the kernel laid it out */
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 255 + 256);
	}
	CHECK(readback(out, ref, "--cpus 1 --release 6.12.0-sparse") == 0);

	/* The same machine from its ELF file gives the same dump */
	{
		struct file_memsrc fm = { { .read = file_memsrc_read }, open(ref, O_RDONLY) };
		config_defaults(&cfg);
		cfg.dump_level = 1;
		path(out2, "sparse2.kdump");
		fs_open(&fs, out2);
		CHECK(run_dump(&cfg, &fm.m, 0, &fs.s, &res) == 0);
		close(fs.fd);
		close(fm.fd);
		b2 = slurp(out2, &len2);
		CHECK(memcmp(b, b2, res.bytes) == 0);
		free(b2);
	}
	free(b);
	free(file);
	fc_free(&fc);
}

/*
 * Segments that start and end mid-page, as e820 ranges do (0x9fc00). A page a
 * segment begins inside is RAM, its bytes before the segment read as zero; a
 * page it ends inside is not (makedumpfile's 1st bitmap). Checked page by page
 * here and by libkdumpfile.
 */
static void test_partial_pages(void)
{
	struct fakecore fc;
	struct dump_result res;
	static struct dump d;
	char ref[256], out[256];
	uint8_t *file, *b, page[4096];
	size_t flen, len;

	small_core_init(&fc);
	fc_add_load(&fc, 0x1000, 0xffff888000001000ull, 0x9ec00, 0x9ec00);	/* ends in 0x9f */
	fc_add_load(&fc, 0x100800, 0xffff888000100800ull, 0x2800, 0x2800);	/* 0x100-0x102 */
	fc_add_load(&fc, 0x110400, 0xffff888000110400ull, 0x800, 0x800);	/* inside 0x110 */
	file = small_core_finish(&fc, "6.1.0-partial", "partial.elf", ref, &flen);
	dump_small(&fc, 0, "partial.kdump", out, &res);
	/* 0x1-0x9e, and 0x100 (begun inside), 0x101, 0x102 (ends on a boundary) */
	CHECK_EQ_U64(res.pages_ram, 0x9e + 3);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	CHECK(dump_read(&d, 0x9e, page) == PG_OK);
	CHECK(dump_read(&d, 0x9f, page) == PG_HOLE);
	CHECK(dump_read(&d, 0x110, page) == PG_HOLE);
	CHECK(dump_read(&d, 0x103, page) == PG_HOLE);
	CHECK(dump_read(&d, 0x100, page) == PG_OK);
	{
		uint8_t want[4096];
		CHECK(fc_source_page(&fc, 0x100, want) == 1);
		CHECK(want[0] == 0 && want[0x7ff] == 0);	/* before the segment */
		CHECK(memcmp(page, want, 4096) == 0);
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
		CHECK_EQ_U64(v.ok, 0x9e + 3);
	}
	CHECK(readback(out, ref, "--cpus 1 --release 6.1.0-partial") == 0);
	free(b);
	free(file);
	fc_free(&fc);
}

/* The hooks: a filter that excludes a range, a "compressor" for some pages. */
static void skip_range(void *ctx, struct elfcore *ec, uint64_t start, uint64_t end,
		       uint8_t *bm2)
{
	(void)ctx, (void)ec;
	for (uint64_t p = 0x180; p < 0x1c0; p++)
		if (p >= start && p < end)
			bm2[(p - start) >> 3] &= (uint8_t)~(1u << ((p - start) & 7));
	/* trying to add a hole page must not work */
	if (0x350 >= start && 0x350 < end)
		bm2[(0x350 - start) >> 3] |= (uint8_t)(1u << ((0x350 - start) & 7));
}

static size_t fake_compress(void *ctx, const void *page, void *out, size_t cap)
{
	uint64_t pfn;

	(void)ctx;
	memcpy(&pfn, page, 8);
	if (pfn % 2 || cap < 100)
		return 0;
	memcpy(out, page, 100);
	return 100;
}

static size_t no_gain(void *ctx, const void *page, void *out, size_t cap)
{
	(void)ctx, (void)page, (void)out;
	return cap + 1;		/* "bigger than a page": must be stored raw */
}

static void test_hooks(void)
{
	struct fakecore fc;
	struct buf_memsrc bm;
	struct elfcore ec;
	struct arena a;
	struct kdump_stats st;
	struct file_sink fs;
	static struct dump d;
	char ref[256], out[256], err[200];
	uint8_t *b;
	size_t len;
	struct kdump_filter filt = { skip_range, NULL };
	struct kdump_compressor comp = { "fake", DUMP_DH_COMPRESSED_ZSTD, fake_compress, NULL };
	struct kdump_compressor comp2 = { "none", DUMP_DH_COMPRESSED_ZSTD, no_gain, NULL };
	struct kdump_opts o = { .dump_level = 1, .filter = &filt };

	fc_standard(&fc);
	path(ref, "ref.elf");
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	arena_init(&a, arena_mem, ARENA_SIZE);
	CHECK(elfcore_read(&ec, &bm.m, FC_HDR_ADDR, 0, &a, err, sizeof(err)) == 0);

	path(out, "filter.kdump");
	fs_open(&fs, out);
	CHECK(kdump_write(&ec, &o, &fs.s, &a, &st) == 0);
	close(fs.fd);
	CHECK_EQ_U64(st.excluded, 128 + 0x40);
	CHECK_EQ_U64(st.dumpable, 158 + 512 + 384 - 0x40);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	{
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		/* the filtered pages show as excluded where the source has data */
		CHECK_EQ_U64(v.wrong, 0x40);
		CHECK_EQ_U64(v.excluded, 128 + 0x40);
	}
	free(b);
	CHECK(readback(out, ref, "--excluded 0x180 0x1c0") == 0);

	/* compression hook: half the pages "compressed" */
	o.filter = NULL;
	o.comp = &comp;
	fs_open(&fs, out);
	CHECK(kdump_write(&ec, &o, &fs.s, &a, &st) == 0);
	close(fs.fd);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	CHECK(d.dh.status & DUMP_DH_COMPRESSED_ZSTD);
	{
		uint64_t small = 0, raw = 0;
		uint8_t want[4096];
		for (uint64_t pfn = 0; pfn < 0x600; pfn++) {
			struct kdump_page_desc pd;
			if (!bit(d.bm2, pfn))
				continue;
			dump_desc(&d, pfn, &pd);
			fc_source_page(&fc, pfn, want);
			if (pd.flags == DUMP_DH_COMPRESSED_ZSTD) {
				small++;
				CHECK(pd.size == 100 && pfn % 2 == 0);
				CHECK(memcmp(b + pd.offset, want, 100) == 0);
			} else if (pd.offset != d.desc_off + d.ndesc * 24) {
				raw++;
				CHECK(pd.size == 4096 && pd.flags == 0);
				CHECK(memcmp(b + pd.offset, want, 4096) == 0);
			}
		}
		CHECK(small > 300 && raw > 300);
		CHECK_EQ_U64(small + raw, st.kept);
	}
	free(b);

	/* a compressor that gains nothing: every page raw */
	o.comp = &comp2;
	fs_open(&fs, out);
	CHECK(kdump_write(&ec, &o, &fs.s, &a, &st) == 0);
	close(fs.fd);
	b = slurp(out, &len);
	CHECK(dump_open(&d, b, len) == 0);
	{
		struct verdict v = compare(&d, &fc, 0, 0, 0);
		CHECK_EQ_U64(v.wrong, 0);
	}
	free(b);

	/* too little arena for the writer: an error, not a crash */
	{
		static uint8_t tiny[64 << 10];
		struct arena t;
		arena_init(&t, tiny, sizeof(tiny));
		fs_open(&fs, out);
		CHECK(kdump_write(&ec, &o, &fs.s, &t, &st) == KDUMP_ERR_NOMEM);
		close(fs.fd);
	}
	fc_free(&fc);
}

int main(void)
{
	const char *me = __FILE__;
	const char *slash = strrchr(me, '/');
	struct stat sb;

	snprintf(script, sizeof(script), "%.*skdump_readback.py",
		 slash ? (int)(slash - me + 1) : 0, me);
	CHECK(stat(script, &sb) == 0);
	CHECK(stat("/usr/bin/python3", &sb) == 0);
	strcpy(dir, "/tmp/dumpling-test-kdump-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	arena_mem = malloc(ARENA_SIZE);

	test_standard();
	test_nospace();
	test_nospace_after_desc_flush();
	test_unreadable();
	test_sparse();
	test_partial_pages();
	test_hooks();

	free(arena_mem);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (getenv("KEEP") == NULL && system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return test_summary("test_kdump");
}

/*
 * dumpling-extract: finding a dump's exact length on a raw target, for good,
 * empty and corrupted sources, and copying it out.
 */
#define EXTRACT_NO_MAIN
#include "tools/dumpling-extract.c"

#include <stdlib.h>

#include "tests/unit/test.h"

#define B 4096
#define MB (1u << 20)

static char dir[] = "/tmp/dumpling-extract-XXXXXX";
static char src_path[300], out_path[300];

/*
 * A small kdump-compressed dump: 100 pfns, dumpable 1 (zero page), 2, 5, 99.
 * Layout: header 0, sub-header 4096, bitmaps 8192/12288, descriptors 16384
 * (4 x 24), data from 16480: zero page 4096, pfn2 100 bytes, pfn99 50 bytes,
 * pfn5 4096 bytes raw -> ends at 24822.
 */
#define KD_LEN 24822
static size_t make_kdump(unsigned char *d, size_t cap)
{
	struct disk_dump_header *h = (struct disk_dump_header *)d;
	struct kdump_sub_header *sh = (struct kdump_sub_header *)(d + B);
	struct kdump_page_desc *pd = (struct kdump_page_desc *)(d + 4 * B);
	unsigned char *bm1 = d + 2 * B, *bm2 = d + 3 * B;

	memset(d, 0, cap);
	memcpy(h->signature, KDUMP_SIGNATURE, 8);
	h->header_version = 6;
	memcpy(h->utsname.machine, "x86_64", 6);
	h->block_size = B;
	h->sub_hdr_size = 1;
	h->bitmap_blocks = 2;
	h->max_mapnr = 100;
	h->status = DUMP_DH_COMPRESSED_ZSTD;
	h->nr_cpus = 1;
	sh->max_mapnr_64 = 100;
	sh->offset_note = B + sizeof(*sh);
	memset(bm1, 0xff, 12);
	bm1[12] = 0x0f;
	bm2[0] = 0x26;			/* pfns 1, 2, 5 */
	bm2[12] = 0x08 | 0x20;		/* pfn 99, and pfn 101 >= max_mapnr: ignored */
	pd[0] = (struct kdump_page_desc){ 16480, 4096, 0, 0 };
	pd[1] = (struct kdump_page_desc){ 20576, 100, DUMP_DH_COMPRESSED_ZSTD, 0 };
	pd[2] = (struct kdump_page_desc){ 20726, 4096, 0, 0 };
	pd[3] = (struct kdump_page_desc){ 20676, 50, DUMP_DH_COMPRESSED_ZSTD, 0 };
	for (size_t i = 20576; i < KD_LEN; i++)
		d[i] = (unsigned char)(i * 7 + 1);
	return KD_LEN;
}

/* An ELF vmcore: header, 2 phdrs (note, load), notes at 4096, data at 8192. */
#define ELF_LEN (8192 + 3 * B)
static size_t make_elf(unsigned char *d, size_t cap)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + 64);

	memset(d, 0, cap);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = 64;
	eh->e_ehsize = 64;
	eh->e_phentsize = 56;
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 4096, .p_filesz = 200 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 8192, .p_paddr = 0x100000,
			      .p_filesz = 3 * B, .p_memsz = 5 * B };
	for (size_t i = 8192; i < ELF_LEN; i++)
		d[i] = (unsigned char)i;
	return ELF_LEN;
}

/* Writes prefix garbage, the dump, and trailing garbage (an old dump's bytes). */
static void write_source(const unsigned char *dump, size_t len, size_t before, size_t after)
{
	FILE *f = fopen(src_path, "w");
	unsigned char junk[4096];

	memset(junk, 0xa5, sizeof(junk));
	for (size_t i = 0; i < before; i += sizeof(junk))
		fwrite(junk, 1, before - i < sizeof(junk) ? before - i : sizeof(junk), f);
	fwrite(dump, 1, len, f);
	for (size_t i = 0; i < after; i += sizeof(junk))
		fwrite(junk, 1, after - i < sizeof(junk) ? after - i : sizeof(junk), f);
	fclose(f);
}

static int measure(uint64_t off, struct dump_extent *e, char *err, size_t errlen)
{
	struct source s = { .name = "disk.img", .off = off, .err = err, .errlen = errlen };
	struct stat st;
	int r;

	s.fd = open(src_path, O_RDONLY);
	fstat(s.fd, &st);
	s.size = st.st_size - off;
	err[0] = 0;
	r = dump_measure(&s, e);
	close(s.fd);
	return r;
}

static int run(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[6] = { "dumpling-extract", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int argc = 1;

	while (argc < 5 && argv[argc])
		argc++;
	return extract_main(argc, argv);
}

/* OUT must hold exactly dump[0..len). */
static int out_equals(const unsigned char *dump, size_t len)
{
	FILE *f = fopen(out_path, "r");
	unsigned char *buf = malloc(len + 1);
	size_t n;
	int ok;

	if (!f || !buf) {
		free(buf);
		return 0;
	}
	n = fread(buf, 1, len + 1, f);
	fclose(f);
	ok = n == len && !memcmp(buf, dump, len);
	free(buf);
	return ok;
}

static unsigned char dump[64 * 1024];

static void test_kdump_good(void)
{
	struct dump_extent e;
	char err[512];
	size_t len = make_kdump(dump, sizeof(dump));

	write_source(dump, len, 0, 3 * MB);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.kind, DUMP_KDUMP);
	CHECK_EQ_U64(e.len, KD_LEN);
	CHECK_EQ_U64(e.pages, 4);
	CHECK_EQ_U64(e.lost, 0);
	CHECK(!e.incomplete);
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 0);
	CHECK(out_equals(dump, KD_LEN));

	/* At an offset, after other data. */
	write_source(dump, len, MB, MB);
	CHECK_EQ_U64(measure(MB, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.len, KD_LEN);
	CHECK_EQ_U64(run("--offset", "0x100000", src_path, out_path), 0);
	CHECK(out_equals(dump, KD_LEN));
	CHECK_EQ_U64(run("--offset", "0", src_path, out_path), 1);	/* junk there */

	/* Eraseinfo past the last page extends the dump. */
	make_kdump(dump, sizeof(dump));
	((struct kdump_sub_header *)(dump + B))->offset_eraseinfo = KD_LEN;
	((struct kdump_sub_header *)(dump + B))->size_eraseinfo = 30;
	memcpy(dump + KD_LEN, "erase jiffies size 8\n", 21);
	write_source(dump, KD_LEN + 30, 0, B);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.len, KD_LEN + 30);

	/* The dump exactly fills the source: nothing after it. */
	make_kdump(dump, sizeof(dump));
	write_source(dump, KD_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.len, KD_LEN);
}

static void test_empty(void)
{
	struct dump_extent e;
	char err[512];
	static unsigned char zeros[2 * B];

	write_source(zeros, sizeof(zeros), 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_NODUMP);
	CHECK_STR(err, "no dump in disk.img at offset 0: no KDUMP signature");
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 1);

	write_source(zeros, 0, 0, 0);		/* zero-length source */
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_NODUMP);
	CHECK(strstr(err, "no dump in disk.img at offset 0") != NULL);
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 1);
	CHECK_EQ_U64(run("--offset", "4096", src_path, out_path), 1);	/* past the end */
}

/* Breaks one thing in a good dump and expects MEASURE_BAD with msg. */
static void check_corrupt(void (*breakit)(unsigned char *), size_t len, const char *msg)
{
	struct dump_extent e;
	char err[512];

	make_kdump(dump, sizeof(dump));
	breakit(dump);
	write_source(dump, len, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	if (!strstr(err, msg)) {
		test_failed++;
		fprintf(stderr, "corrupt: got \"%s\", want \"%s\"\n", err, msg);
	} else {
		test_passed++;
	}
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 1);
}

#define HDR(d) ((struct disk_dump_header *)(d))
#define SUB(d) ((struct kdump_sub_header *)((d) + B))
#define PD(d) ((struct kdump_page_desc *)((d) + 4 * B))
static void nothing(unsigned char *d) { (void)d; }
static void bad_bs(unsigned char *d) { HDR(d)->block_size = 1000; }
static void neg_bs(unsigned char *d) { HDR(d)->block_size = -4096; }
static void bad_ver(unsigned char *d) { HDR(d)->header_version = 0; }
static void big_sub(unsigned char *d) { HDR(d)->sub_hdr_size = 0x7fffffff; }
static void zero_sub(unsigned char *d) { HDR(d)->sub_hdr_size = 0; }
static void few_bitmaps(unsigned char *d) { SUB(d)->max_mapnr_64 = 40000; }
static void odd_bitmaps(unsigned char *d) { HDR(d)->bitmap_blocks = 3; }
static void huge_bitmaps(unsigned char *d) { HDR(d)->bitmap_blocks = 0xfffffffe; }
static void zero_mapnr(unsigned char *d) { SUB(d)->max_mapnr_64 = 0; HDR(d)->max_mapnr = 0; }
static void desc_past(unsigned char *d) { PD(d)[2].offset = 1ull << 40; }
static void desc_wrap(unsigned char *d) { PD(d)[2].offset = UINT64_MAX - 10; }
static void desc_big(unsigned char *d) { PD(d)[1].size = B + 1; }
static void desc_in_hdr(unsigned char *d) { PD(d)[1].offset = 100; }
static void many_pages(unsigned char *d) { memset(d + 3 * B, 0xff, 12); }
static void erase_past(unsigned char *d)
{
	SUB(d)->offset_eraseinfo = KD_LEN;
	SUB(d)->size_eraseinfo = 1 << 20;
}

static void test_corrupt(void)
{
	check_corrupt(bad_bs, KD_LEN, "block size 1000: only 4096");
	check_corrupt(neg_bs, KD_LEN, "block size -4096");
	check_corrupt(bad_ver, KD_LEN, "version 0");
	check_corrupt(big_sub, KD_LEN, "sub-header size 2147483647 blocks is out of range");
	check_corrupt(zero_sub, KD_LEN, "sub-header size 0 blocks");
	check_corrupt(few_bitmaps, KD_LEN, "2 bitmap blocks do not fit max_mapnr 40000");
	check_corrupt(odd_bitmaps, KD_LEN, "3 bitmap blocks");
	check_corrupt(huge_bitmaps, KD_LEN, "4294967294 bitmap blocks do not fit");
	check_corrupt(zero_mapnr, KD_LEN, "max_mapnr 0");
	check_corrupt(desc_past, KD_LEN, "page descriptor 2 (data at 1099511627776");
	check_corrupt(desc_wrap, KD_LEN, "page descriptor 2");
	check_corrupt(desc_big, KD_LEN, "page descriptor 1");
	check_corrupt(desc_in_hdr, KD_LEN, "page descriptor 1 (data at 100,");
	check_corrupt(many_pages, KD_LEN, "page descriptor 0 (data at 16480");	/* now inside the descriptors */
	check_corrupt(erase_past, KD_LEN, "eraseinfo");
	/* The source ends in the middle of the last page's data. */
	check_corrupt(nothing, KD_LEN - 1, "page descriptor 2");
	/* ... or in the descriptors. */
	check_corrupt(nothing, 4 * B + 30, "4 page descriptors run past the end of the file");
	check_corrupt(nothing, 3 * B + 10, "the bitmaps run past the end of the file");
}

static void test_incomplete(void)
{
	struct dump_extent e;
	char err[512];

	/* Out of space: the last page never made it, and is marked lost. */
	make_kdump(dump, sizeof(dump));
	HDR(dump)->status |= DUMP_DH_COMPRESSED_INCOMPLETE;
	PD(dump)[2].offset = 0;
	write_source(dump, 20726, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK(e.incomplete);
	CHECK_EQ_U64(e.lost, 1);
	CHECK_EQ_U64(e.len, 20726);
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 0);
	CHECK(out_equals(dump, 20726));

	/* Incomplete, with a stale descriptor pointing past the end: tolerated. */
	PD(dump)[2].offset = 1ull << 40;
	write_source(dump, 20726, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.lost, 1);
	CHECK_EQ_U64(e.len, 20726);
}

/* Copying needs only the layout: a dump of lzo pages is measured and copied. */
static void test_other_compression(void)
{
	struct dump_extent e;
	char err[512];

	make_kdump(dump, sizeof(dump));
	HDR(dump)->status = DUMP_DH_COMPRESSED_LZO;
	write_source(dump, KD_LEN, 0, MB);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.len, KD_LEN);
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 0);
	CHECK(out_equals(dump, KD_LEN));
}

static void test_elf(void)
{
	struct dump_extent e;
	char err[512];
	Elf64_Phdr *ph = (Elf64_Phdr *)(dump + 64);

	make_elf(dump, sizeof(dump));
	write_source(dump, ELF_LEN, 0, 2 * MB);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.kind, DUMP_ELF);
	CHECK_EQ_U64(e.len, ELF_LEN);		/* p_filesz, not p_memsz */
	CHECK_EQ_U64(run(src_path, out_path, NULL, NULL), 0);
	CHECK(out_equals(dump, ELF_LEN));

	ph[1].p_offset = 4 * MB;		/* past the end of the source */
	write_source(dump, ELF_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "segment 1:") != NULL);

	make_elf(dump, sizeof(dump));
	((Elf64_Ehdr *)dump)->e_phnum = 60000;	/* phdrs past the end */
	write_source(dump, ELF_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "60000 program headers") != NULL);

	make_elf(dump, sizeof(dump));
	((Elf64_Ehdr *)dump)->e_type = ET_EXEC;
	write_source(dump, ELF_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "e_type 2, expected 4 (ET_CORE)") != NULL);

	/* The notes are a segment too: inside the file, or corrupt. */
	make_elf(dump, sizeof(dump));
	ph[0].p_filesz = 1 * MB;
	write_source(dump, ELF_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "segment 0:") != NULL);

	/* Section headers count, and must be inside the file. */
	make_elf(dump, sizeof(dump));
	((Elf64_Ehdr *)dump)->e_shoff = ELF_LEN;
	((Elf64_Ehdr *)dump)->e_shentsize = 64;
	((Elf64_Ehdr *)dump)->e_shnum = 1;
	write_source(dump, ELF_LEN + 64, 0, MB);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.len, ELF_LEN + 64);
	((Elf64_Ehdr *)dump)->e_shnum = 2;
	write_source(dump, ELF_LEN + 64, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "section headers") != NULL);

	/* makedumpfile -E marked incomplete: segment past the end is tolerated */
	make_elf(dump, sizeof(dump));
	((Elf64_Ehdr *)dump)->e_flags = 1;
	ph[1].p_filesz = 100 * B;
	write_source(dump, ELF_LEN, 0, 0);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK(e.incomplete);
	CHECK_EQ_U64(e.len, 4096 + 200);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static void test_flat(void)
{
	struct dump_extent e;
	char err[512];
	unsigned char *p = dump + 4096;

	memset(dump, 0, sizeof(dump));
	memcpy(dump, "makedumpfile", 12);
	put_be64(dump + 16, 1);
	put_be64(dump + 24, 1);
	put_be64(p, 0);
	put_be64(p + 8, 100);
	p += 16 + 100;
	put_be64(p, 8192);
	put_be64(p + 8, 10);
	p += 16 + 10;
	put_be64(p, UINT64_MAX);
	put_be64(p + 8, UINT64_MAX);
	p += 16;
	write_source(dump, p - dump, 0, MB);
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_OK);
	CHECK_EQ_U64(e.kind, DUMP_FLAT);
	CHECK_EQ_U64(e.len, (uint64_t)(p - dump));

	write_source(dump, p - dump - 16, 0, 0);	/* no end marker */
	CHECK_EQ_U64(measure(0, &e, err, sizeof(err)), MEASURE_BAD);
	CHECK(strstr(err, "without an end marker") != NULL);
}

static void test_usage(void)
{
	CHECK_EQ_U64(run(NULL, NULL, NULL, NULL), 2);
	CHECK_EQ_U64(run(src_path, NULL, NULL, NULL), 2);
	CHECK_EQ_U64(run("--offset", "-5", src_path, out_path), 2);
	CHECK_EQ_U64(run("--offset", "12x", src_path, out_path), 2);
	CHECK_EQ_U64(run("/nonexistent/disk", out_path, NULL, NULL), 1);
}

int main(void)
{
	char cmd[400];

	if (!mkdtemp(dir))
		return 1;
	snprintf(src_path, sizeof(src_path), "%s/disk.img", dir);
	snprintf(out_path, sizeof(out_path), "%s/vmcore", dir);
	/* measure() names the source "disk.img"; run from the temp dir too */
	if (chdir(dir) < 0)
		return 1;
	test_kdump_good();
	test_empty();
	test_corrupt();
	test_incomplete();
	test_other_compression();
	test_elf();
	test_flat();
	test_usage();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_summary("test_extract");
}

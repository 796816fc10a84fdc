/*
 * dumpling-extract --to-dir: the kdump-at-boot flow for raw targets. The dump
 * lands in DIR/<crash time>/vmcore, the source's dump header is cleared so a
 * second run finds nothing, nothing else in the source changes, and a bad
 * dump is reported and left alone.
 */
#define EXTRACT_NO_MAIN
#include "tools/dumpling-extract.c"

#include <dirent.h>
#include <stdlib.h>

#include "tests/unit/test.h"

#define B 4096
#define OFF 8192
#define TAIL 20000

static char dir[] = "/tmp/dumpling-todir-XXXXXX";
static char src_path[300], crash_dir[300];

/* The same small dump as test_extract.c's. */
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


static unsigned char dump[64 * 1024];
static unsigned char orig[OFF + KD_LEN + TAIL];

static void write_src(void)
{
	FILE *f = fopen(src_path, "w");

	memset(orig, 0xa5, sizeof(orig));
	memcpy(orig + OFF, dump, KD_LEN);
	fwrite(orig, 1, sizeof(orig), f);
	fclose(f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	unsigned char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc(n + 1);
	*len = fread(b, 1, n, f);
	fclose(f);
	return b;
}

static int run(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	char *argv[7] = { "dumpling-extract", (char *)a1, (char *)a2, (char *)a3, (char *)a4,
			  (char *)a5, NULL };
	int argc = 1;

	while (argc < 6 && argv[argc])
		argc++;
	return extract_main(argc, argv);
}

static int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	struct disk_dump_header *h = (struct disk_dump_header *)dump;
	char path[600];
	unsigned char *b;
	size_t len;

	if (!mkdtemp(dir))
		return 1;
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(src_path, sizeof(src_path), "%s/part.img", dir);
	snprintf(crash_dir, sizeof(crash_dir), "%s/crash", dir);
	make_kdump(dump, sizeof(dump));
	h->timestamp_sec = 1795365720;		/* 2026-11-22 16:42:00 UTC */
	write_src();

	CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 0);
	snprintf(path, sizeof(path), "%s/2026-11-22-16:42/vmcore", crash_dir);
	b = slurp(path, &len);
	CHECK(b && len == KD_LEN && memcmp(b, dump, KD_LEN) == 0);
	free(b);
	snprintf(path, sizeof(path), "%s/2026-11-22-16:42/vmcore-incomplete", crash_dir);
	CHECK(access(path, F_OK) != 0);
	/* The first block of the dump is zero; every other byte as before. */
	b = slurp(src_path, &len);
	CHECK(b && len == sizeof(orig));
	if (b && len == sizeof(orig)) {
		static const unsigned char zero[B];

		CHECK(memcmp(b, orig, OFF) == 0);
		CHECK(memcmp(b + OFF, zero, B) == 0);
		CHECK(memcmp(b + OFF + B, orig + OFF + B, sizeof(orig) - OFF - B) == 0);
	}
	free(b);

	/* Run again (the next boot): nothing to do, nothing created. */
	CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 0);
	CHECK_EQ_U64(entries(crash_dir), 1);

	/* Another dump in the same minute does not overwrite the first. */
	write_src();
	CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 0);
	snprintf(path, sizeof(path), "%s/2026-11-22-16:42-2/vmcore", crash_dir);
	b = slurp(path, &len);
	CHECK(b && len == KD_LEN);
	free(b);
	CHECK_EQ_U64(entries(crash_dir), 2);

	/* A corrupt dump: an error, and the source keeps its header. */
	h->block_size = 3;
	write_src();
	CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 1);
	b = slurp(src_path, &len);
	CHECK(b && len == sizeof(orig) && memcmp(b, orig, sizeof(orig)) == 0);
	free(b);
	CHECK_EQ_U64(entries(crash_dir), 2);

	/* --to-dir takes one source and no OUT. */
	CHECK(run("--to-dir", crash_dir, src_path, path, NULL) == 2);
	/* A read-only source cannot be cleared: refused before copying. */
	h->block_size = B;
	write_src();
	chmod(src_path, 0400);
	if (geteuid() != 0) {
		CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 1);
		CHECK_EQ_U64(entries(crash_dir), 2);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return test_summary("test_extract_todir");
}

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

/* dumpling.log after the dump, as the image's raw target writes it. */
static const char log_text[] = "[    0.001] dumpling 0.1 capture image\n"
			       "[    1.234] dumped 100 pages\n";
static uint64_t log_for = 0;		/* the dump length it claims; 0: no log */

struct mem_sink {
	struct sink sink;
	unsigned char *base;
	size_t size;
};

static int mem_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct mem_sink *m = (struct mem_sink *)s;

	if (off > m->size || len > m->size - off)
		return SINK_ERR_NOSPC;
	memcpy(m->base + off, buf, len);
	return 0;
}

static int mem_finish(struct sink *s) { (void)s; return 0; }

static void write_src(void)
{
	FILE *f = fopen(src_path, "w");

	memset(orig, 0xa5, sizeof(orig));
	memcpy(orig + OFF, dump, KD_LEN);
	if (log_for) {
		struct mem_sink m = { { mem_write, mem_finish, 0, "mem" }, orig + OFF,
				      sizeof(orig) - OFF };

		CHECK(raw_log_write(&m.sink, log_for, log_text, strlen(log_text)) == 0);
	}
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

	/* dumpling.log right after the dump: saved beside the vmcore, and
	 * by --log alone. */
	h->block_size = B;
	log_for = KD_LEN;
	write_src();
	snprintf(path, sizeof(path), "%s/log.txt", dir);
	CHECK(run("--offset", "8192", "--log", path, src_path) == 0);
	b = slurp(path, &len);
	CHECK(b && len == strlen(log_text) && memcmp(b, log_text, len) == 0);
	free(b);
	CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 0);
	snprintf(path, sizeof(path), "%s/2026-11-22-16:42-3/dumpling.log", crash_dir);
	b = slurp(path, &len);
	CHECK(b && len == strlen(log_text) && memcmp(b, log_text, len) == 0);
	free(b);
	/* Without one (the first dumps above) there is no file. */
	snprintf(path, sizeof(path), "%s/2026-11-22-16:42/dumpling.log", crash_dir);
	CHECK(access(path, F_OK) != 0);
	/* A log left by another, longer dump is not this dump's. */
	log_for = KD_LEN + 100;
	write_src();
	snprintf(path, sizeof(path), "%s/log.txt", dir);
	CHECK(run("--offset", "8192", "--log", path, src_path) == 1);
	/* A damaged text is refused, not written. */
	log_for = KD_LEN;
	write_src();
	orig[OFF + RAW_LOG_OFFSET(KD_LEN) + RAW_LOG_HDR + 3] ^= 1;
	{
		FILE *f = fopen(src_path, "w");

		fwrite(orig, 1, sizeof(orig), f);
		fclose(f);
	}
	unlink(path);
	CHECK(run("--offset", "8192", "--log", path, src_path) == 1);
	CHECK(access(path, F_OK) != 0);
	/* A header claiming 1 MiB of text, more than the area holds: refused. */
	{
		static unsigned char big[RAW_LOG_OFFSET(KD_LEN) + RAW_LOG_HDR + RAW_LOG_MAX];
		static char text[RAW_LOG_MAX];
		struct mem_sink m = { { mem_write, mem_finish, 0, "mem" }, big, sizeof(big) };
		FILE *f;

		CHECK(raw_log_write(&m.sink, KD_LEN, text, sizeof(text)) == 0);
		memcpy(orig + OFF + RAW_LOG_OFFSET(KD_LEN), big + RAW_LOG_OFFSET(KD_LEN),
		       RAW_LOG_HDR);
		f = fopen(src_path, "w");
		fwrite(orig, 1, sizeof(orig), f);
		fclose(f);
		CHECK(run("--offset", "8192", "--log", path, src_path) == 1);
		CHECK(access(path, F_OK) != 0);
	}
	log_for = 0;
	CHECK_EQ_U64(entries(crash_dir), 3);

	/* --to-dir takes one source and no OUT. */
	CHECK(run("--to-dir", crash_dir, src_path, path, NULL) == 2);
	/* A read-only source cannot be cleared: refused before copying. */
	h->block_size = B;
	write_src();
	chmod(src_path, 0400);
	if (geteuid() != 0) {
		CHECK(run("--offset", "8192", "--to-dir", crash_dir, src_path) == 1);
		CHECK_EQ_U64(entries(crash_dir), 3);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return test_summary("test_extract_todir");
}

/*
 * capture/kdump_read.c: a zstd kdump written by kdump.c is read back through
 * the synthesized ELF view, page by page and as a whole log (printk over the
 * dump = printk over the ELF vmcore it came from), and checked independently
 * with libkdumpfile. Then damaged dumps: each must be refused with a reason,
 * or its damaged pages refused, never misread.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/arena.h"
#include "capture/compress.h"
#include "capture/elfcore.h"
#include "capture/kdump.h"
#include "capture/kdump_read.h"
#include "capture/printk.h"
#include "fakecore.h"
#include "fakeprintk.h"
#include "test.h"

#define ARENA_SIZE	(4u << 20)
#define KTEXT		0xffffffff80200000ull	/* phys 0x200000 (phys_base 0) */
#define PA_RB		0x230000ull
#define PA_DESCS	0x231000ull
#define PA_INFOS	0x232000ull
#define PA_DATA		0x234000ull

static uint8_t *arena_mem;
static char dir[64], script[512];

struct file_sink {
	struct sink s;
	int fd;
};

static int fs_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct file_sink *f = (struct file_sink *)s;
	return pwrite(f->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : SINK_ERR_IO;
}

static int fs_finish(struct sink *s) { return 0; }

static void put(uint8_t *mem, uint64_t pa, const void *v, size_t n) { memcpy(mem + pa, v, n); }
static void put64(uint8_t *mem, uint64_t pa, uint64_t v) { put(mem, pa, &v, 8); }

/* The standard machine, with a printk ring in the kernel image's data. */
static void machine(struct fakecore *fc)
{
	static const char *texts[] = {
		"Linux version 6.1.0-fake",
		"Command line: console=ttyS0 crashkernel=8M",
		"sysrq: Trigger a crash",
		"Kernel panic - not syncing: sysrq triggered crash",
	};
	char vmci[4096];
	uint64_t lpos = 0;

	fc_standard(fc);
	snprintf(vmci, sizeof(vmci), "%sSYMBOL(prb)=%llx\n%s", fc_vmcoreinfo_text,
		 (unsigned long long)(KTEXT + 0x2ff00), FP_LAYOUT);
	/* the same notes, with this VMCOREINFO */
	fc->nnotes = 0;
	for (int cpu = 0; cpu < FC_NR_CPUS; cpu++)
		fc_add_cpu(fc, 0x701000 + (uint64_t)cpu * 0x200, cpu);
	fc_add_vmcoreinfo(fc, 0x702000, vmci, 24 + 12 + 4096);
	fc_write_hdr(fc, FC_HDR_ADDR);

	memset(fc->mem + PA_RB, 0, 0x8000);
	put64(fc->mem, 0x22ff00, KTEXT + (PA_RB - 0x200000));		/* prb */
	uint32_t cb = 3, sb = 12;
	put(fc->mem, PA_RB + 0, &cb, 4);
	put64(fc->mem, PA_RB + 8, KTEXT + (PA_DESCS - 0x200000));
	put64(fc->mem, PA_RB + 16, KTEXT + (PA_INFOS - 0x200000));
	put64(fc->mem, PA_RB + 24, 3);					/* head_id */
	put64(fc->mem, PA_RB + 32, 0);					/* tail_id */
	put(fc->mem, PA_RB + 48, &sb, 4);
	put64(fc->mem, PA_RB + 56, KTEXT + (PA_DATA - 0x200000));
	for (uint64_t id = 0; id < 4; id++) {
		uint16_t len = (uint16_t)strlen(texts[id]);
		uint64_t blk = (8 + len + 7) & ~7ull;
		uint32_t caller = 1 + (uint32_t)id;

		put64(fc->mem, PA_DATA + lpos, id);
		put(fc->mem, PA_DATA + lpos + 8, texts[id], len);
		put64(fc->mem, PA_DESCS + id * 24, (2ull << 62) | id);
		put64(fc->mem, PA_DESCS + id * 24 + 8, lpos);
		put64(fc->mem, PA_DESCS + id * 24 + 16, lpos + blk);
		put64(fc->mem, PA_INFOS + id * 88 + 8, (id + 1) * 1500000000ull);
		put(fc->mem, PA_INFOS + id * 88 + 16, &len, 2);
		put(fc->mem, PA_INFOS + id * 88 + 20, &caller, 4);
		lpos += blk;
	}
}

static int readback(const char *dump, const char *ref)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s --cpus 3", script, dump, ref);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

struct text { char buf[8192]; size_t len; };

static int collect(void *ctx, const char *rec, size_t len)
{
	struct text *t = ctx;
	if (t->len + len < sizeof(t->buf)) {
		memcpy(t->buf + t->len, rec, len);
		t->len += len;
		t->buf[t->len] = '\0';
	}
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);
	uint8_t *b;

	if (fd < 0 || fstat(fd, &sb))
		abort();
	*len = (size_t)sb.st_size;
	b = malloc(*len + 1);
	if (pread(fd, b, *len, 0) != (ssize_t)*len)
		abort();
	close(fd);
	return b;
}

/* Opens a dump held in memory; returns 0 or -1 with the reason in err. */
static int open_buf(struct kdump_reader *r, struct buf_memsrc *src, const uint8_t *b, size_t len,
		    struct arena *a, char *err, size_t n)
{
	buf_memsrc_init(src, b, len);
	arena_init(a, arena_mem, ARENA_SIZE);
	return kdump_reader_open(r, &src->m, len, a, err, n);
}

static struct kdump_reader R;

int main(void)
{
	const char *me = __FILE__, *slash = strrchr(me, '/');
	char ref[128], out[128], err[256];
	struct fakecore fc;
	struct buf_memsrc src;
	struct file_memsrc fsrc;
	struct arena a;
	struct elfcore ec;
	struct kdump_compressor z;
	struct kdump_opts o = { .dump_level = 1 };
	struct kdump_stats st;
	struct file_sink fs;
	static struct printk_log log1, log2;
	static struct text t1, t2;
	static uint8_t page[4096];
	size_t flen, dlen;
	uint8_t *file, *dump;

	snprintf(script, sizeof(script), "%.*skdump_readback.py",
		 slash ? (int)(slash - me + 1) : 0, me);
	strcpy(dir, "/tmp/dumpling-test-kread-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(ref, sizeof(ref), "%s/ref.elf", dir);
	snprintf(out, sizeof(out), "%s/dump.kdump", dir);
	arena_mem = malloc(ARENA_SIZE);

	/* ---- write a zstd dump of the machine ---- */
	machine(&fc);
	file = fc_build_file(&fc, &flen);
	{
		FILE *fp = fopen(ref, "wb");
		fwrite(file, 1, flen, fp);
		fclose(fp);
	}
	buf_memsrc_init(&src, fc.mem, fc.mem_size);
	arena_init(&a, arena_mem, ARENA_SIZE);
	CHECK(elfcore_read(&ec, &src.m, FC_HDR_ADDR, 0, &a, err, sizeof(err)) == 0);
	CHECK(compress_zstd_init(&z, &a, 0) == 0);
	o.comp = &z;
	memset(&fs, 0, sizeof(fs));
	fs.s.write = fs_write;
	fs.s.finish = fs_finish;
	fs.s.name = "test file";
	fs.fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(kdump_write(&ec, &o, &fs.s, &a, &st) == 0);
	close(fs.fd);
	CHECK(st.kept > 0 && st.zero > 0);

	/* libkdumpfile reads every page back as the ELF vmcore has it */
	CHECK(readback(out, ref) == 0);

	/* ---- our reader ---- */
	dump = slurp(out, &dlen);
	CHECK(open_buf(&R, &src, dump, dlen, &a, err, sizeof(err)) == 0);
	CHECK(R.dh.status & DUMP_DH_COMPRESSED_ZSTD);
	CHECK_EQ_U64(R.ec.nr_cpus, FC_NR_CPUS);
	CHECK(R.ec.have_vmcoreinfo);
	CHECK_EQ_U64(R.ec.max_pfn, ec.max_pfn);
	CHECK(R.ec.have_phys_base && R.ec.phys_base == 0);
	CHECK_EQ_U64(R.ndesc, st.dumpable);

	/* every page: equal where the vmcore has all of it, refused where it has none */
	unsigned ok = 0, refused = 0, wrong = 0;
	for (uint64_t pfn = 0; pfn < 0x800; pfn++) {
		int backed = 0, full = 0;
		for (unsigned i = 0; i < fc.nloads; i++) {
			const struct fc_load *l = &fc.loads[i];
			uint64_t pa = pfn * 4096;
			if (pa + 4096 > l->paddr && pa < l->paddr + l->filesz)
				backed = 1;
			if (pa >= l->paddr && pa + 4096 <= l->paddr + l->filesz)
				full = 1;
		}
		int r = kdump_reader_page(&R, pfn, page);
		if (full) {
			if (r == 0 && memcmp(page, fc.mem + pfn * 4096, 4096) == 0)
				ok++;
			else
				wrong++;
		} else if (!backed) {
			if (r == -1)
				refused++;
			else
				wrong++;
		}
	}
	CHECK_EQ_U64(wrong, 0);
	CHECK(ok > 0x400 && refused > 0x200);

	/* reads through the view cross pages and PT_LOADs like elfcore's */
	static uint8_t big[3 * 4096 + 100];
	CHECK(elfcore_read_phys(&R.ec, 0x100ff0, big, sizeof(big)) == 0);
	CHECK(memcmp(big, fc.mem + 0x100ff0, sizeof(big)) == 0);
	CHECK(elfcore_read_phys(&R.ec, 0x300000, big, 16) == -1);	/* a hole */

	/* the kernel log: the same from the dump as from the ELF vmcore */
	CHECK(printk_open(&log1, &R.ec, NULL, err, sizeof(err)) == 0);
	printk_walk(&log1, 0, collect, &t1);
	memset(&fsrc, 0, sizeof(fsrc));
	fsrc.m.read = file_memsrc_read;
	fsrc.fd = open(ref, O_RDONLY);
	struct elfcore ec2;
	CHECK(elfcore_read(&ec2, &fsrc.m, 0, 0, &a, err, sizeof(err)) == 0);
	CHECK(printk_open(&log2, &ec2, NULL, err, sizeof(err)) == 0);
	printk_walk(&log2, 0, collect, &t2);
	close(fsrc.fd);
	CHECK(t1.len > 100);
	CHECK_STR(t1.buf, t2.buf);
	CHECK(strstr(t1.buf, "[    6.000000] Kernel panic - not syncing: sysrq "
		     "triggered crash\n") != NULL);

	/* ---- damaged dumps ---- */
	uint8_t *bad = malloc(dlen);
	struct disk_dump_header *dh = (struct disk_dump_header *)bad;
	struct kdump_sub_header *sh = (struct kdump_sub_header *)(bad + 4096);
#define RESET() memcpy(bad, dump, dlen)
#define REFUSED(len, what) do {							\
	err[0] = '\0';								\
	CHECK(open_buf(&R, &src, bad, (len), &a, err, sizeof(err)) == -1);	\
	if (!strstr(err, what))							\
		fprintf(stderr, "  expected \"%s\", got \"%s\"\n", what, err);	\
	CHECK(strstr(err, what) != NULL);					\
} while (0)

	RESET();
	REFUSED(100, "too small");
	RESET();
	memcpy(bad, "XDUMP   ", 8);
	REFUSED(dlen, "no KDUMP signature");
	RESET();
	dh->status = DUMP_DH_COMPRESSED_LZO;
	REFUSED(dlen, "lzo");
	RESET();
	dh->block_size = 8192;
	REFUSED(dlen, "block size");
	RESET();
	dh->bitmap_blocks += 2;
	REFUSED(dlen, "bitmap blocks");
	RESET();
	sh->max_mapnr_64 = 1ull << 50;
	REFUSED(dlen, "max_mapnr");
	RESET();
	sh->size_note = 1u << 30;
	REFUSED(dlen, "notes");
	RESET();
	REFUSED(R.desc_off + 10, "descriptors run past");

	/* a descriptor pointing past the end, or at offset 0: that page only */
	uint64_t first_desc = 4096ull * (1 + (uint64_t)dh->sub_hdr_size) + 2 * 4096ull *
			      (dh->bitmap_blocks / 2);
	RESET();
	struct kdump_page_desc *d = (struct kdump_page_desc *)(bad + first_desc);
	d[5].offset = dlen + 100;
	d[6].offset = 0;
	d[7].size = 5000;
	CHECK(open_buf(&R, &src, bad, dlen, &a, err, sizeof(err)) == 0);
	int good = 0, failed = 0;
	for (uint64_t pfn = 0; pfn < 0x800; pfn++)
		if (kdump_reader_dumpable(&R, pfn)) {
			if (kdump_reader_page(&R, pfn, page) == 0)
				good++;
			else
				failed++;
		}
	CHECK_EQ_U64(failed, 3);
	CHECK_EQ_U64((uint64_t)good, st.dumpable - 3);

	/* kdump_measure: the whole file is the dump; an lzo dump can be measured */
	struct kdump_extent ke;
	RESET();
	buf_memsrc_init(&src, bad, dlen);
	arena_init(&a, arena_mem, ARENA_SIZE);
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == 0);
	CHECK_EQ_U64(ke.len, dlen);
	CHECK_EQ_U64(ke.pages, st.dumpable);
	CHECK_EQ_U64(ke.lost, 0);
	CHECK(!ke.incomplete);
	CHECK_EQ_U64(a.used, 0);		/* its memory is given back */
	dh->status = DUMP_DH_COMPRESSED_LZO;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == 0);
	/* ... past the end of the file: corrupt, unless the dump says incomplete */
	RESET();
	d[5].offset = dlen + 100;
	d[6].offset = 0;
	err[0] = '\0';
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == -1);
	CHECK(strstr(err, "page descriptor 5 (data at") != NULL);
	dh->status |= DUMP_DH_COMPRESSED_INCOMPLETE;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == 0);
	CHECK(ke.incomplete);
	CHECK_EQ_U64(ke.lost, 2);
	/* ... a descriptor pointing into the descriptors, or bigger than a page */
	RESET();
	d[3].offset = first_desc;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == -1);
	RESET();
	d[3].size = 4097;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == -1);
	/* ... eraseinfo past the end, and eraseinfo that extends the dump */
	RESET();
	sh->offset_eraseinfo = dlen - 10;
	sh->size_eraseinfo = 11;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == -1);
	CHECK(strstr(err, "eraseinfo") != NULL);
	sh->size_eraseinfo = 10;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == 0);
	CHECK_EQ_U64(ke.len, dlen);
	/* ... and the header checks are the reader's own */
	RESET();
	dh->block_size = 8192;
	CHECK(kdump_measure(&R, &src.m, dlen, &a, &ke, err, sizeof(err)) == -1);
	CHECK(strstr(err, "block size") != NULL);

	/* random damage in the headers and bitmaps: refused or read, never a crash */
	srand(5);
	int opened = 0;
	for (int round = 0; round < 300; round++) {
		RESET();
		for (int k = 0; k < 4; k++)
			bad[(size_t)rand() % (size_t)(first_desc + 4096)] = (uint8_t)rand();
		if (open_buf(&R, &src, bad, dlen, &a, err, sizeof(err)) == 0) {
			opened++;
			for (uint64_t pfn = 0; pfn < 0x900; pfn += 3)
				kdump_reader_page(&R, pfn, page);
		}
	}
	CHECK(opened > 0);

	free(bad);
	free(dump);
	free(file);
	fc_free(&fc);
	free(arena_mem);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (getenv("KEEP") == NULL && system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return test_summary("kdump_read");
}

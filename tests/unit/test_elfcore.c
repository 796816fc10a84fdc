/* capture/elfcore.c: kernel-style and file-style cores, and broken ones. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/elfcore.h"
#include "fakecore.h"
#include "test.h"

#define ARENA_SIZE (40u << 20)

static struct arena arena;
static uint8_t *arena_mem;
static char err[256];

static int read_core(struct elfcore *ec, struct memsrc *m, uint64_t off, uint64_t size)
{
	arena_init(&arena, arena_mem, ARENA_SIZE);
	err[0] = 0;
	return elfcore_read(ec, m, off, size, &arena, err, sizeof(err));
}

/* The view both layouts of the standard core must give. */
static void check_standard(struct elfcore *ec, const struct fakecore *fc)
{
	uint8_t page[FC_PAGE], want[FC_PAGE];
	uint64_t pa, off, avail;
	size_t missing = 0;

	CHECK_EQ_U64(ec->nr_loads, 4);
	CHECK_EQ_U64(ec->loads[0].paddr, 0x1000);
	CHECK_EQ_U64(ec->loads[0].filesz, 0x9ec00);
	CHECK_EQ_U64(ec->loads[2].vaddr, 0xffffffff80200000ull);
	CHECK_EQ_U64(ec->loads[3].filesz, 0x180000);
	CHECK_EQ_U64(ec->loads[3].memsz, 0x200000);
	CHECK_EQ_U64(ec->max_pfn, 0x600);
	CHECK_EQ_U64(ec->nr_cpus, FC_NR_CPUS);
	CHECK(ec->have_vmcoreinfo);
	CHECK_EQ_U64(ec->vmcoreinfo_len, strlen(fc_vmcoreinfo_text));
	CHECK(memcmp(ec->notes + ec->vmcoreinfo_off, fc_vmcoreinfo_text,
		     strlen(fc_vmcoreinfo_text)) == 0);
	CHECK_EQ_U64(ec->notes_len, FC_NR_CPUS * 368 - FC_NR_CPUS * 12 +
		     12 + 12 + ((strlen(fc_vmcoreinfo_text) + 3) & ~3ul));
	{
		uint8_t merged[8192];
		size_t n = fc_merge_notes(fc, merged);
		CHECK_EQ_U64(n, ec->notes_len);
		CHECK(memcmp(merged, ec->notes, n) == 0);
	}
	CHECK(ec->have_phys_base && ec->phys_base == 0);
	CHECK_STR(ec->phys_base_from, "VMCOREINFO");
	CHECK(ec->have_page_offset);
	CHECK_EQ_U64(ec->page_offset, 0xffff888000000000ull);

	/* Kernel virtual addresses */
	CHECK(elfcore_kvtop(ec, 0xffffffff80210004ull, &pa) == 0);
	CHECK_EQ_U64(pa, 0x210004);
	CHECK(elfcore_kvtop(ec, 0xffff888000123456ull, &pa) == 0);
	CHECK_EQ_U64(pa, 0x123456);
	CHECK(elfcore_kvtop(ec, 0xffffc90000000000ull, &pa) == -1);	/* vmalloc */
	CHECK(elfcore_kvtop(ec, 0x1000, &pa) == -1);
	{
		char sys[6];
		CHECK(elfcore_read_kv(ec, 0xffffffff80210004ull, sys, 6) == 0);
		CHECK(memcmp(sys, "Linux", 6) == 0);
	}

	/* Physical reads: inside, across segments, in holes, past p_filesz */
	CHECK(elfcore_read_phys(ec, 0x150000, page, FC_PAGE) == 0);
	CHECK(memcmp(page, fc->mem + 0x150000, FC_PAGE) == 0);
	CHECK(elfcore_read_phys(ec, 0x1ff800, page, FC_PAGE) == 0);	/* two PT_LOADs */
	CHECK(memcmp(page, fc->mem + 0x1ff800, FC_PAGE) == 0);
	CHECK(elfcore_read_phys(ec, 0x2ff800, page, FC_PAGE) == -1);	/* into the hole */
	memset(want, 0, sizeof(want));
	memcpy(want, fc->mem + 0x2ff800, 0x800);
	CHECK(elfcore_read_phys_fill(ec, 0x2ff800, page, FC_PAGE, &missing) == 0);
	CHECK_EQ_U64(missing, 0x800);
	CHECK(memcmp(page, want, FC_PAGE) == 0);
	missing = 0;
	CHECK(elfcore_read_phys_fill(ec, 0x9f000, page, FC_PAGE, &missing) == 0);
	CHECK_EQ_U64(missing, 0x400);	/* the low range ends at 0x9fc00 */
	CHECK(memcmp(page, fc->mem + 0x9f000, 0xc00) == 0);
	CHECK(page[0xc00] == 0 && page[0xfff] == 0);
	CHECK(elfcore_read_phys(ec, 0x57f000, page, FC_PAGE) == 0);
	CHECK(elfcore_read_phys(ec, 0x580000, page, FC_PAGE) == -1);	/* past p_filesz */
	CHECK(elfcore_phys_to_off(ec, 0x580000, &off, &avail) == -1);
	CHECK(elfcore_phys_to_off(ec, 0x57f000, &off, &avail) == 0);
	CHECK_EQ_U64(avail, 0x1000);
	CHECK(elfcore_phys_to_off(ec, 0, &off, &avail) == -1);
	CHECK(elfcore_read_phys(ec, UINT64_MAX - 10, page, 100) == -1);	/* wraps */
	missing = 0;
	CHECK(elfcore_read_phys_fill(ec, 0x7000000, page, FC_PAGE, &missing) == 0);
	CHECK_EQ_U64(missing, FC_PAGE);
}

static void test_standard(void)
{
	struct fakecore fc;
	struct buf_memsrc bm, fm;
	struct elfcore ec;
	uint8_t *file;
	size_t flen;

	fc_standard(&fc);
	/* As the capture image sees it: memory, header at its physical address */
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	CHECK(read_core(&ec, &bm.m, FC_HDR_ADDR, 0) == 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	check_standard(&ec, &fc);
	CHECK_EQ_U64(ec.loads[1].offset, 0x100000);
	/* with elfcorehdr=SIZE@: enough, and too small */
	CHECK(read_core(&ec, &bm.m, FC_HDR_ADDR, 64 + 9 * 56) == 0);
	CHECK(read_core(&ec, &bm.m, FC_HDR_ADDR, 64 + 8 * 56) == -1);
	CHECK(strstr(err, "header size") != NULL);
	CHECK(read_core(&ec, &bm.m, FC_HDR_ADDR, 10) == -1);

	/* As an ELF vmcore file: same view */
	file = fc_build_file(&fc, &flen);
	buf_memsrc_init(&fm, file, flen);
	CHECK(read_core(&ec, &fm.m, 0, 0) == 0);
	check_standard(&ec, &fc);
	CHECK(ec.loads[1].offset != 0x100000);
	free(file);
	fc_free(&fc);
}

/* Without NUMBER(phys_base), the kernel text PT_LOAD gives it. */
static void test_phys_base_from_load(void)
{
	struct fakecore fc;
	struct buf_memsrc bm;
	struct elfcore ec;
	uint64_t pa;

	fc_init(&fc, 4u << 20);
	fc_add_load(&fc, 0x100000, 0xffff888000100000ull, 0x200000, 0x200000);
	/* KASLR: text at 0xffffffff81000000 lives at physical 0x200000 */
	fc_add_load(&fc, 0x200000, 0xffffffff81000000ull, 0x100000, 0x100000);
	fc_add_vmcoreinfo(&fc, 0x302000, "OSRELEASE=5.10.0\nPAGESIZE=4096", 256);
	fc_write_hdr(&fc, 0x300000);
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	CHECK(read_core(&ec, &bm.m, 0x300000, 0) == 0);
	CHECK(ec.have_phys_base);
	CHECK_STR(ec.phys_base_from, "kernel PT_LOAD");
	CHECK_EQ_U64(ec.phys_base, (uint64_t)0x200000 - 0x1000000);
	CHECK(elfcore_kvtop(&ec, 0xffffffff81000010ull, &pa) == 0);
	CHECK_EQ_U64(pa, 0x200010);
	CHECK(ec.nr_cpus == 0);
	/* VMCOREINFO without newline or NUL at its end still parses */
	{
		uint64_t ps = 0;
		CHECK(vmcoreinfo_pagesize(&ec.vmci, &ps) && ps == 4096);
	}

	/* No kernel PT_LOAD, no NUMBER: no phys_base, kernel map untranslatable */
	fc.nloads = 1;
	fc_write_hdr(&fc, 0x300000);
	CHECK(read_core(&ec, &bm.m, 0x300000, 0) == 0);
	CHECK(!ec.have_phys_base);
	CHECK(elfcore_kvtop(&ec, 0xffffffff81000010ull, &pa) == -1);

	/* A negative NUMBER(phys_base) */
	fc_add_vmcoreinfo(&fc, 0x302000, "NUMBER(phys_base)=-16777216\n", 256);
	fc.nnotes = 1;
	fc_write_hdr(&fc, 0x300000);
	CHECK(read_core(&ec, &bm.m, 0x300000, 0) == 0);
	CHECK_EQ_U64(ec.phys_base, (uint64_t)-16777216);
	CHECK(elfcore_kvtop(&ec, 0xffffffff82000000ull, &pa) == 0);
	CHECK_EQ_U64(pa, 0x1000000);

	/* PAGESIZE other than 4096 is refused */
	fc_add_vmcoreinfo(&fc, 0x302000, "PAGESIZE=65536\n", 256);
	fc.nnotes = 1;
	fc_write_hdr(&fc, 0x300000);
	CHECK(read_core(&ec, &bm.m, 0x300000, 0) == -1);
	CHECK(strstr(err, "PAGESIZE") != NULL);
	fc_free(&fc);
}

/* A one-PT_LOAD core with a hand-made note buffer; returns elfcore_read(). */
static int note_core(const void *notes, size_t len, uint64_t memsz, struct elfcore *ec)
{
	static struct fakecore fc;
	static struct buf_memsrc bm;

	fc_init(&fc, 1u << 20);
	fc_add_load(&fc, 0x1000, 0, 0x1000, 0x1000);
	memcpy(fc.mem + 0x10000, notes, len);
	fc.notes[fc.nnotes++] = (struct fc_note){ 0x10000, memsz };
	fc_write_hdr(&fc, 0x20000);
	buf_memsrc_init(&bm, fc.mem, fc.mem_size);
	int r = read_core(ec, &bm.m, 0x20000, 0);
	fc_free(&fc);	/* elfcore keeps no pointer into memsrc memory */
	return r;
}

static void test_bad_notes(void)
{
	uint8_t buf[4096];
	size_t pos = 0;
	struct elfcore ec;
	uint8_t desc[336] = { 1 };

	/* Two good notes, then one whose namesz runs past p_memsz: dropped */
	memset(buf, 0, sizeof(buf));
	fc_put_note(buf, &pos, "CORE", NT_PRSTATUS, desc, 336);
	fc_put_note(buf, &pos, "VMCOREINFO", 0, "PAGESIZE=4096\n", 14);
	size_t good = pos;
	struct elf64_nhdr nh = { 0xffffffffu, 4, 1 };
	memcpy(buf + pos, &nh, sizeof(nh));
	CHECK(note_core(buf, sizeof(buf), 2048, &ec) == 0);
	CHECK_EQ_U64(ec.notes_len, good);
	CHECK(ec.nr_cpus == 1 && ec.have_vmcoreinfo);
	/* descsz past the end */
	nh = (struct elf64_nhdr){ 5, 0xfffffff0u, 1 };
	memcpy(buf + good, &nh, sizeof(nh));
	memcpy(buf + good + 12, "CORE", 5);
	CHECK(note_core(buf, sizeof(buf), 2048, &ec) == 0);
	CHECK_EQ_U64(ec.notes_len, good);
	/* p_memsz ends in the middle of a note header: stop before it */
	CHECK(note_core(buf, sizeof(buf), good + 6, &ec) == 0);
	CHECK_EQ_U64(ec.notes_len, good);
	/* p_memsz cuts the VMCOREINFO note: only CORE remains */
	CHECK(note_core(buf, sizeof(buf), good - 4, &ec) == 0);
	CHECK(ec.nr_cpus == 1 && !ec.have_vmcoreinfo);
	/* tiny PT_NOTE */
	CHECK(note_core(buf, sizeof(buf), 5, &ec) == 0);
	CHECK_EQ_U64(ec.notes_len, 0);
	/* All-zero buffer: no notes, no VMCOREINFO, still a usable core */
	memset(buf, 0, sizeof(buf));
	CHECK(note_core(buf, sizeof(buf), 368, &ec) == 0);
	CHECK(ec.notes_len == 0 && ec.nr_cpus == 0 && !ec.have_vmcoreinfo);
	/* CORE notes of other types are not CPUs; names must match exactly */
	pos = 0;
	fc_put_note(buf, &pos, "CORE", 2, desc, 16);
	fc_put_note(buf, &pos, "COREX", NT_PRSTATUS, desc, 16);
	fc_put_note(buf, &pos, "VMCOREINF", 0, "PAGESIZE=4096", 13);
	CHECK(note_core(buf, sizeof(buf), pos, &ec) == 0);
	CHECK(ec.nr_cpus == 0 && !ec.have_vmcoreinfo);
	/* VMCOREINFO exactly filling its descriptor, no newline, no NUL */
	pos = 0;
	fc_put_note(buf, &pos, "VMCOREINFO", 0, "OSRELEASE=6.9.0", 15);
	buf[pos - 1] = 'x';	/* the padding byte is not part of the text */
	CHECK(note_core(buf, sizeof(buf), pos, &ec) == 0);
	{
		char rel[32];
		CHECK(vmcoreinfo_osrelease(&ec.vmci, rel, sizeof(rel)));
		CHECK_STR(rel, "6.9.0");
	}
}

/* Corrupts one field of the standard header and expects an error naming it. */
static struct fakecore sfc;
static struct buf_memsrc sbm;

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)(sfc.mem + FC_HDR_ADDR);
}

static struct elf64_phdr *ph(unsigned i)
{
	return (struct elf64_phdr *)(sfc.mem + FC_HDR_ADDR + 64) + i;
}

static void expect_bad(const char *what, const char *words)
{
	struct elfcore ec;
	int r = read_core(&ec, &sbm.m, FC_HDR_ADDR, 0);

	if (r != -1 || !strstr(err, words)) {
		CHECK(!"bad header refused with a message");
		fprintf(stderr, "  %s: r=%d err=\"%s\" (want \"%s\")\n", what, r, err, words);
	} else {
		CHECK(1);
	}
	fc_write_hdr(&sfc, FC_HDR_ADDR);	/* restore */
}

static void test_bad_headers(void)
{
	struct elfcore ec;
	unsigned first_load = sfc.nnotes;

	CHECK(read_core(&ec, &sbm.m, FC_HDR_ADDR, 0) == 0);
	eh()->e_ident[0] = 0x7e; expect_bad("magic", "magic");
	eh()->e_ident[4] = 1; expect_bad("class", "class");
	eh()->e_ident[5] = 2; expect_bad("data", "little-endian");
	eh()->e_ident[6] = 0; expect_bad("ident version", "version");
	eh()->e_version = 2; expect_bad("version", "version");
	eh()->e_type = 2; expect_bad("type", "ET_CORE");
	eh()->e_machine = 3; expect_bad("machine", "x86_64");
	eh()->e_ehsize = 52; expect_bad("ehsize", "e_ehsize");
	eh()->e_phentsize = 32; expect_bad("phentsize", "e_phentsize");
	eh()->e_phnum = 0; expect_bad("phnum 0", "e_phnum 0");
	eh()->e_phnum = 0xffff; expect_bad("phnum xnum", "extended");
	eh()->e_phnum = 0xfffe; expect_bad("phnum huge", "program header");
	eh()->e_phoff = 0; expect_bad("phoff 0", "e_phoff");
	eh()->e_phoff = 0xfffffffffffffff0ull; expect_bad("phoff wrap", "overflow");
	eh()->e_phoff = 0x10000000; expect_bad("phoff outside", "cannot read program header");
	ph(first_load)->p_filesz = ph(first_load)->p_memsz + 1;
	expect_bad("filesz > memsz", "p_filesz");
	ph(first_load)->p_offset = 0xfffffffffffff000ull;
	expect_bad("offset overflow", "overflows");
	ph(first_load)->p_paddr = 1ull << 52;
	expect_bad("paddr huge", "52-bit");
	ph(first_load)->p_memsz = 0xffffffffffffff00ull;
	expect_bad("memsz huge", "52-bit");
	ph(0)->p_memsz = 1u << 30;
	expect_bad("note memsz huge", "too big");
	ph(0)->p_offset = 0xfffffffffffffff0ull;
	expect_bad("note offset overflow", "overflows");
	for (unsigned i = 0; i < sfc.nnotes; i++)
		ph(i)->p_memsz = 15u << 20;	/* each fine, too much together */
	expect_bad("notes total", "add up");
	for (unsigned i = first_load; i < sfc.nnotes + sfc.nloads; i++)
		ph(i)->p_type = 0;
	expect_bad("no loads", "no PT_LOAD");
	/* Truncated: the header runs off the end of the memory source */
	{
		struct buf_memsrc small;
		buf_memsrc_init(&small, sfc.mem + FC_HDR_ADDR, 40);
		CHECK(read_core(&ec, &small.m, 0, 0) == -1);
		CHECK(strstr(err, "cannot read the ELF header") != NULL);
		buf_memsrc_init(&small, sfc.mem + FC_HDR_ADDR, 64 + 3 * 56);
		CHECK(read_core(&ec, &small.m, 0, 0) == -1);
		CHECK(strstr(err, "program header 3") != NULL);
		CHECK(read_core(&ec, &sbm.m, UINT64_MAX - 8, 0) == -1);
	}
	/* An unreadable PT_NOTE is skipped: registers lost, dump still possible */
	ph(0)->p_offset = 0x10000000;
	CHECK(read_core(&ec, &sbm.m, FC_HDR_ADDR, 0) == 0);
	CHECK_EQ_U64(ec.nr_cpus, FC_NR_CPUS - 1);
	CHECK(ec.have_vmcoreinfo);
	fc_write_hdr(&sfc, FC_HDR_ADDR);
	/* Zero-sized segments are ignored */
	ph(first_load)->p_memsz = ph(first_load)->p_filesz = 0;
	CHECK(read_core(&ec, &sbm.m, FC_HDR_ADDR, 0) == 0);
	CHECK_EQ_U64(ec.nr_loads, 3);
	fc_write_hdr(&sfc, FC_HDR_ADDR);
	/* Out of arena memory: a message, not a crash */
	{
		static uint8_t tiny[256];
		arena_init(&arena, tiny, sizeof(tiny));
		CHECK(elfcore_read(&ec, &sbm.m, FC_HDR_ADDR, 0, &arena, err, sizeof(err)) == -1);
		CHECK(strstr(err, "no memory") != NULL);
	}
}

/* Random damage to the header, phdrs and notes must never crash. */
static void test_fuzz(void)
{
	uint64_t hdr_len = 64 + (uint64_t)(sfc.nnotes + sfc.nloads) * 56;
	uint8_t *saved = malloc(0x3000);
	unsigned ok = 0, iters = 3000;

	memcpy(saved, sfc.mem + FC_HDR_ADDR, 0x3000);
	srand(12345);
	for (unsigned it = 0; it < iters; it++) {
		struct elfcore ec;
		int flips = 1 + rand() % 8;

		memcpy(sfc.mem + FC_HDR_ADDR, saved, 0x3000);
		for (int k = 0; k < flips; k++) {
			uint64_t at;
			if (rand() % 4 == 0)		/* the note buffers */
				at = 0x1000 + (uint64_t)(rand() % 0x2000);
			else
				at = (uint64_t)rand() % hdr_len;
			if (rand() % 2)
				sfc.mem[FC_HDR_ADDR + at] ^= (uint8_t)(1u << (rand() % 8));
			else
				sfc.mem[FC_HDR_ADDR + at] = (uint8_t)rand();
		}
		if (read_core(&ec, &sbm.m, FC_HDR_ADDR, 0) == 0) {
			uint8_t page[FC_PAGE];
			size_t missing = 0;
			uint64_t pa;
			ok++;
			/* what was accepted must be usable */
			for (unsigned i = 0; i < ec.nr_loads; i++) {
				const struct elf_load *l = &ec.loads[i];
				CHECK(l->filesz <= l->memsz);
				elfcore_read_phys_fill(&ec, l->paddr, page, FC_PAGE, &missing);
				elfcore_read_phys(&ec, l->paddr + l->memsz - 1, page, 1);
			}
			CHECK(ec.max_pfn <= (1ull << 40));
			CHECK(ec.notes_len <= ELFCORE_MAX_NOTES);
			elfcore_kvtop(&ec, 0xffffffff80210000ull, &pa);
			vmcoreinfo_pagesize(&ec.vmci, &pa);
		}
	}
	memcpy(sfc.mem + FC_HDR_ADDR, saved, 0x3000);
	free(saved);
	printf("fuzz: %u of %u damaged headers accepted\n", ok, iters);
	CHECK(ok > 0 && ok < iters);
}

int main(void)
{
	arena_mem = malloc(ARENA_SIZE);
	test_standard();
	test_phys_base_from_load();
	test_bad_notes();
	fc_standard(&sfc);
	buf_memsrc_init(&sbm, sfc.mem, sfc.mem_size);
	test_bad_headers();
	test_fuzz();
	fc_free(&sfc);
	free(arena_mem);
	return test_summary("test_elfcore");
}

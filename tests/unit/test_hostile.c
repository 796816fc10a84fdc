/*
 * Hostile inputs from issue 15's findings that need a built structure rather
 * than a file (the file reproducers are in tests/fuzz/findings/):
 *   - a kdump whose bitmap 1 changes between build_view's two passes
 *     (kdump_read.c wrote program headers past what it had counted);
 *   - an ELF vmcore of 65534 PT_LOADs, whose ELF output cannot have an
 *     e_phnum (elfout.c wrote 0xFFFF, PN_XNUM, with no section header);
 *   - segments that claim more than their file holds (elfcore.c, memsrc size).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/elfout.h"
#include "capture/kdump.h"
#include "capture/kdump_format.h"
#include "capture/kdump_read.h"
#include "capture/physmap.h"
#include "test.h"

#define B 4096u

static uint8_t arena_mem[64u << 20];

/* A file in memory; its size is told to the reader only when m.size is set. */
struct buf_src {
	struct memsrc m;
	const uint8_t *p;
	size_t len;
};

static int buf_read(struct memsrc *m, uint64_t off, void *out, size_t len)
{
	struct buf_src *s = (struct buf_src *)m;

	if (off > s->len || len > s->len - off)
		return -1;
	memcpy(out, s->p + off, len);
	return 0;
}

/* ---- kdump_read: bitmap 1 read twice, different the second time ----------- */

struct flip_src {
	struct memsrc m;
	uint8_t *buf;
	size_t len;
	unsigned bm1_block0_reads;
};

static int flip_read(struct memsrc *m, uint64_t off, void *out, size_t len)
{
	struct flip_src *f = (struct flip_src *)m;

	if (off > f->len || len > f->len - off)
		return -1;
	memcpy(out, f->buf + off, len);
	/* bitmap 1 starts at block 2: from its second read on, 2000 runs of RAM */
	if (off == 2 * B && f->bm1_block0_reads++ > 0)
		for (size_t i = 0; i < len && i < 500; i++)
			((uint8_t *)out)[i] = 0x55;
	return 0;
}

static void test_bitmap_changes(void)
{
	static struct kdump_reader r;
	struct disk_dump_header *h;
	struct kdump_sub_header *sh;
	struct flip_src f;
	struct arena a;
	char err[256];

	/* 40000 pfns: two blocks per bitmap, so the first block is read twice */
	memset(&f, 0, sizeof(f));
	f.len = 6 * B;
	f.buf = calloc(1, f.len);
	h = (struct disk_dump_header *)f.buf;
	sh = (struct kdump_sub_header *)(f.buf + B);
	memcpy(h->signature, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	h->header_version = 6;
	h->block_size = B;
	h->sub_hdr_size = 1;
	h->bitmap_blocks = 4;
	h->max_mapnr = 40000;
	sh->max_mapnr_64 = 40000;
	sh->offset_note = B + sizeof(*sh);
	sh->size_note = 0;
	f.buf[2 * B] = 0x0f;		/* bitmap 1 as first read: one run */
	f.m.read = flip_read;
	arena_init(&a, arena_mem, sizeof(arena_mem));
	CHECK(kdump_reader_open(&r, &f.m, f.len, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "bitmap 1 changed while read") != NULL);
	CHECK(f.bm1_block0_reads >= 2);
	free(f.buf);
}

/* ---- elfout: more segments than e_phnum can count ----------------------- */

struct null_sink {
	struct sink s;
	uint64_t bytes;
};

static int ns_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	((struct null_sink *)s)->bytes += len;
	return 0;
}

static int ns_finish(struct sink *s) { return 0; }

/* An ELF vmcore of n PT_LOADs of one page each, every other page a hole. */
static uint8_t *many_loads(unsigned n, size_t *len)
{
	size_t hdr = sizeof(struct elf64_ehdr) + (size_t)n * sizeof(struct elf64_phdr);
	uint8_t *buf = calloc(1, hdr + B);
	struct elf64_ehdr eh;

	elf64_core_header(&eh, (uint16_t)n);
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned i = 0; i < n; i++) {
		struct elf64_phdr ph = { 0 };

		ph.p_type = PT_LOAD;
		ph.p_paddr = (uint64_t)i * 2 * B;
		ph.p_vaddr = 0xffff888000000000ull + ph.p_paddr;
		ph.p_offset = hdr;		/* all share one page of data */
		ph.p_filesz = ph.p_memsz = B;
		memcpy(buf + sizeof(eh) + (size_t)i * sizeof(ph), &ph, sizeof(ph));
	}
	*len = hdr + B;
	return buf;
}

static void test_too_many_segments(void)
{
	struct kdump_opts o = { .dump_level = 0 };
	struct null_sink ns = { { ns_write, ns_finish, 0, "null" }, 0 };
	struct kdump_stats st;
	struct elfcore ec;
	struct arena a;
	char err[256];
	size_t len;
	uint8_t *buf;
	struct buf_src src;

	/* 65533 PT_LOADs and the note: the largest ELF output there can be */
	for (int k = 0; k < 2; k++) {
		unsigned n = k ? 65534 : 65533;

		buf = many_loads(n, &len);
		memset(&src, 0, sizeof(src));
		src.m.read = buf_read;
		src.p = buf;
		src.len = len;
		arena_init(&a, arena_mem, sizeof(arena_mem));
		CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == 0);
		CHECK_EQ_U64(ec.nr_loads, n);
		ns.bytes = 0;
		if (n == 65533) {
			CHECK(elf_write(&ec, &o, &ns.s, &a, &st) == 0);
			CHECK(ns.bytes > 0);
		} else {
			/* e_phnum would be PN_XNUM: refused, not written wrong */
			CHECK(elf_write(&ec, &o, &ns.s, &a, &st) == KDUMP_ERR_INVAL);
		}
		free(buf);
	}
}

/* ---- elfcore: segments against the size of their file ------------------- */

static void test_segments_fit_the_file(void)
{
	struct buf_src src;
	struct elfcore ec;
	struct arena a;
	char err[256];
	size_t len;
	uint8_t *buf = many_loads(2, &len);
	struct elf64_phdr *ph = (struct elf64_phdr *)(buf + sizeof(struct elf64_ehdr));

	memset(&src, 0, sizeof(src));
	src.m.read = buf_read;
	src.p = buf;
	src.len = len;

	/* unknown size (the image): accepted as before */
	ph[1].p_memsz = 1ull << 48;
	arena_init(&a, arena_mem, sizeof(arena_mem));
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == 0);
	/* the file's size known: 2^48 bytes of RAM cannot be in 4 KiB */
	src.m.size = len;
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "claim 268435456 MiB of RAM") != NULL);
	/* up to the floor, a segment may be memory only (excluded pages) */
	ph[1].p_memsz = 1ull << 30;
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == 0);
	/* file bytes past the end of the file */
	ph[1].p_filesz = 2 * B;
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "PT_LOAD 1: 8192 bytes at offset") != NULL &&
	      strstr(err, "run past the end of the input") != NULL);
	free(buf);
}

/* ---- the image: what the header names must be RAM (physmap) ------------- */

static void test_not_ram(void)
{
	static struct physmap map;
	const struct physmap_range *r;
	struct buf_src src;
	struct elfcore ec;
	struct arena a;
	char err[256];
	size_t len;
	uint8_t *buf = many_loads(2, &len);
	struct elf64_phdr *ph = (struct elf64_phdr *)(buf + sizeof(struct elf64_ehdr));

	/* QEMU's q35 map, as the crashed kernel hands it to the capture kernel */
	physmap_init(&map, 1ull << 40);
	CHECK(physmap_add(&map, 0, 0x9fc00, E820_RAM) == 0);
	CHECK(physmap_add(&map, 0xb0000000, 0x10000000, E820_RESERVED) == 0);	/* MMCONFIG */
	CHECK(physmap_add(&map, 0xfed1c000, 0x4000, E820_RESERVED) == 0);
	CHECK(physmap_add(&map, 0x7ffe0000, 0x20000, E820_ACPI) == 0);
	CHECK_EQ_U64(map.n, 3);
	CHECK(physmap_check(&map, 0x1000, 0x1000, &r) == 0);
	CHECK(physmap_check(&map, 0xafffffff, 2, &r) == -1 && r && r->type == E820_RESERVED);
	CHECK(physmap_check(&map, 0x7ffdf000, 0x1000, &r) == 0);
	CHECK(physmap_check(&map, 1ull << 40, 1, &r) == -1 && r == NULL);
	CHECK(physmap_check(&map, ~0ull, 2, &r) == -1);

	memset(&src, 0, sizeof(src));
	src.m.read = buf_read;
	src.p = buf;
	src.len = len;
	src.m.map = &map;
	arena_init(&a, arena_mem, sizeof(arena_mem));
	/* offsets are file offsets here: fine for the check, which sees numbers */
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == 0);
	/* a PT_LOAD over MMCONFIG: refused, naming both */
	ph[1].p_paddr = 0xb0001000;
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "PT_LOAD 1 at [0xb0001000, +0x1000) overlaps [0xb0000000, 0xc0000000)") &&
	      strstr(err, "reserved, not RAM"));
	/* beyond the CPU's physical address width */
	ph[1].p_paddr = 1ull << 41;
	CHECK(elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "beyond this CPU's physical addresses") != NULL);
	/* an elfcorehdr= in ACPI tables */
	ph[1].p_paddr = 2 * B;
	CHECK(elfcore_read(&ec, &src.m, 0x7ffe0000, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "elfcorehdr=0x7ffe0000 is not RAM") != NULL);
	CHECK(strstr(err, "[0x7ffe0000, 0x80000000) is ACPI tables") != NULL);
	/* an elfcorehdr= past the CPU's width */
	CHECK(elfcore_read(&ec, &src.m, 1ull << 41, 0, &a, err, sizeof(err)) == -1);
	CHECK(strstr(err, "elfcorehdr=0x20000000000 is beyond this CPU's physical") != NULL);
	free(buf);
}

int main(void)
{
	test_not_ram();
	test_bitmap_changes();
	test_too_many_segments();
	test_segments_fit_the_file();
	return test_summary("test_hostile");
}

/*
 * capture/elfout.c: ELF vmcores written from a fake machine, read back three
 * ways: program headers and data checked here against the source memory and
 * the filter's verdicts, the file reopened with our own elfcore reader (notes,
 * VMCOREINFO, page tables), and every page read with libkdumpfile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/elfout.h"
#include "capture/filter.h"
#include "capture/kvtop.h"
#include "fakemm.h"
#include "memsink.h"
#include "test.h"

static uint8_t arena_mem[4 << 20];

/* A machine with a memory map; the writer's result in ms. */
static int dump(struct fakemm *m, int dl, uint64_t capacity, struct mem_sink *ms,
		struct kdump_stats *st, struct elfcore *ec, struct arena *a)
{
	static struct buf_memsrc srcs[4];
	static unsigned nsrc;
	struct buf_memsrc *src = &srcs[nsrc++ % 4];
	struct page_filter f;
	struct kdump_filter hook;
	struct kdump_opts o;
	char err[128];

	buf_memsrc_init(src, m->fc.mem, MM_MEM);
	arena_init(a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(ec, &src->m, MM_HDR, 0, a, err, sizeof(err)))
		return -1;
	memset(&o, 0, sizeof(o));
	o.dump_level = dl;
	if (filter_init(&f, ec, dl, a) > 0) {
		filter_hook(&f, &hook);
		o.filter = &hook;
	}
	memset(ms, 0, sizeof(*ms));
	ms_init(ms, 64u << 20, 0);
	ms->s.capacity = capacity;
	return elf_write(ec, &o, &ms->s, a, st);
}

/* Excluded at -d 31 in fakemm's machine (populated below), for RAM pfns. */
static void populate(struct fakemm *m)
{
	mm_buddy(m, 0x100, 3);
	mm_anon(m, 0x9f);
	mm_compound(m, 0x200, 9, 1);
	mm_buddy(m, 0x600, 9);
	mm_buddy(m, 0x800, 10);
}

static int excluded31(struct fakemm *m, uint64_t pfn)
{
	if ((pfn >= 0x100 && pfn < 0x108) || pfn == 0x9f || (pfn >= 0x200 && pfn < 0x400) ||
	    (pfn >= 0x600 && pfn < 0xc00))
		return 1;
	/* zero pages (fakecore makes every 7th page zero) */
	static const uint8_t zero[4096];
	return memcmp(m->fc.mem + pfn * 4096, zero, 4096) == 0;
}

struct elf_view {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[64];
	unsigned n;
};

static int parse(const struct mem_sink *ms, struct elf_view *v)
{
	memcpy(&v->eh, ms->buf, sizeof(v->eh));
	if (memcmp(v->eh.e_ident, ELF_MAG, 4) || v->eh.e_phnum > 64 ||
	    v->eh.e_phoff + v->eh.e_phnum * sizeof(struct elf64_phdr) > ms->len)
		return -1;
	v->n = v->eh.e_phnum;
	memcpy(v->ph, ms->buf + v->eh.e_phoff, v->n * sizeof(struct elf64_phdr));
	return 0;
}

/* The output byte at physical pa: 1 and *b if some PT_LOAD has it in the file. */
static int out_byte(const struct mem_sink *ms, const struct elf_view *v, uint64_t pa,
		    const uint8_t **b)
{
	for (unsigned i = 1; i < v->n; i++) {
		const struct elf64_phdr *p = &v->ph[i];
		if (p->p_vaddr >= KERNEL_MAP_BASE)
			continue;
		if (pa >= p->p_paddr && pa - p->p_paddr < p->p_filesz) {
			*b = ms->buf + p->p_offset + (pa - p->p_paddr);
			return 1;
		}
	}
	return 0;
}

static void test_filtered(int dl)
{
	struct fakemm m;
	struct mem_sink ms;
	struct kdump_stats st;
	struct elfcore ec;
	struct arena a;
	struct elf_view v;
	int bad_kept = 0, bad_excl = 0, bad_gap = 0;

	mm_build(&m, MM_61, 0);
	populate(&m);
	mm_finish(&m);
	CHECK(dump(&m, dl, 0, &ms, &st, &ec, &a) == 0);
	CHECK(parse(&ms, &v) == 0);
	CHECK(v.eh.e_type == ET_CORE && v.eh.e_machine == EM_X86_64);
	CHECK_EQ_U64(v.eh.e_flags, 0);
	CHECK_EQ_U64(v.ph[0].p_type, PT_NOTE);
	CHECK_EQ_U64(v.ph[0].p_filesz, ec.notes_len);
	CHECK(memcmp(ms.buf + v.ph[0].p_offset, ec.notes, ec.notes_len) == 0);
	/* text, A, B, C; -d 31 cuts B once (its second excluded run ends the load) */
	CHECK_EQ_U64(v.n, dl == 31 ? 6 : 5);

	for (uint64_t pfn = 0; pfn < MM_PFNS; pfn++) {
		if (!mm_is_ram(pfn))
			continue;
		uint64_t len = pfn == 0x9f ? 0xc00 : 4096;
		const uint8_t *b;
		int in = out_byte(&ms, &v, pfn * 4096, &b);
		int ex = dl == 31 && excluded31(&m, pfn);
		if (!ex) {
			if (!in || memcmp(b, m.fc.mem + pfn * 4096, len))
				bad_kept++;
		} else if (in) {
			for (uint64_t i = 0; i < len; i++)
				if (b[i])
					bad_excl++;
		}
	}
	CHECK_EQ_U64(bad_kept, 0);
	CHECK_EQ_U64(bad_excl, 0);
	/* a gap inside a PT_LOAD (not at its end) is at least 256 pages */
	for (unsigned i = 1; i + 1 < v.n; i++) {
		const struct elf64_phdr *p = &v.ph[i], *q = &v.ph[i + 1];
		if (q->p_paddr == p->p_paddr + p->p_memsz &&
		    q->p_vaddr == p->p_vaddr + p->p_memsz &&
		    p->p_memsz - p->p_filesz < 256 * 4096)
			bad_gap++;
		if (p->p_filesz > p->p_memsz || p->p_offset + p->p_filesz > ms.len)
			bad_gap++;
	}
	CHECK_EQ_U64(bad_gap, 0);
	if (dl == 31) {
		CHECK_EQ_U64(st.excluded, 8 + 1 + 512 + 1536);
		CHECK(st.zero > 0);
	} else {
		CHECK_EQ_U64(st.excluded + st.zero, 0);
	}

	/* Reopened with our reader: same notes, and the page tables still work. */
	struct buf_memsrc f;
	struct elfcore back;
	struct arena a2;
	static uint8_t a2mem[1 << 20];
	char err[128];
	uint64_t pa;
	buf_memsrc_init(&f, ms.buf, ms.len);
	arena_init(&a2, a2mem, sizeof(a2mem));
	CHECK(elfcore_read(&back, &f.m, 0, 0, &a2, err, sizeof(err)) == 0);
	CHECK(back.have_vmcoreinfo && back.nr_cpus == 1);
	CHECK(back.notes_len == ec.notes_len && memcmp(back.notes, ec.notes, ec.notes_len) == 0);
	CHECK(back.have_page_offset && back.page_offset == MM_PAGE_OFFSET);
	/* (at -d 31 the fake hugetlb page covers the page tables) */
	if (dl == 0) {
		CHECK(kvtop(&back, NULL, MM_VMEMMAP + 0x100 * MM_SPAGE, &pa) == 0);
		CHECK_EQ_U64(pa, MM_MEMMAP_PA + 0x100 * MM_SPAGE);
	}

	/* libkdumpfile, which knows nothing of our code, reads the same pages */
	char dir[] = "/tmp/test_elfout.XXXXXX", path[128], cmd[1024];
	if (mkdtemp(dir)) {
		snprintf(path, sizeof(path), "%s/vmcore", dir);
		FILE *fp = fopen(path, "wb");
		fwrite(ms.buf, 1, ms.len, fp);
		fclose(fp);
		snprintf(cmd, sizeof(cmd),
			"/usr/bin/python3 -c '\n"
			"import kdumpfile, sys\n"
			"k = kdumpfile.kdumpfile(sys.argv[1])\n"
			"assert str(k.attr[\"file.format\"]) == \"elf\", k.attr[\"file.format\"]\n"
			"a = k.read(kdumpfile.KDUMP_MACHPHYSADDR, 0x150000, 4096)\n"
			"b = k.read(kdumpfile.KDUMP_MACHPHYSADDR, 0xe01000, 4096)\n"
			"sys.stdout.buffer.write(a + b)' %s > %s/pages", path, dir);
		int rc = system(cmd);
		CHECK(rc == 0);
		snprintf(path, sizeof(path), "%s/pages", dir);
		fp = fopen(path, "rb");
		uint8_t got[8192] = { 0 };
		CHECK(fp && fread(got, 1, 8192, fp) == 8192);
		if (fp)
			fclose(fp);
		CHECK(memcmp(got, m.fc.mem + 0x150000, 4096) == 0);
		CHECK(memcmp(got + 4096, m.fc.mem + 0xe01000, 4096) == 0);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd)) {}
	}
	free(ms.buf);
	fc_free(&m.fc);
}

/* A sink that fills up: the dump is marked incomplete and stays consistent. */
static void test_full(void)
{
	struct fakemm m;
	struct mem_sink ms;
	struct kdump_stats st;
	struct elfcore ec;
	struct arena a;
	struct elf_view v;

	mm_build(&m, MM_61, 0);
	populate(&m);
	mm_finish(&m);
	CHECK(dump(&m, 31, 3u << 20, &ms, &st, &ec, &a) == 0);
	CHECK(st.incomplete);
	CHECK(st.lost > 0);
	CHECK(parse(&ms, &v) == 0);
	CHECK_EQ_U64(v.eh.e_flags & ELFOUT_INCOMPLETE, ELFOUT_INCOMPLETE);
	int bad = 0;
	for (unsigned i = 1; i < v.n; i++)
		if (v.ph[i].p_filesz && v.ph[i].p_offset + v.ph[i].p_filesz > ms.len)
			bad++;
	CHECK_EQ_U64(bad, 0);
	CHECK(ms.len <= (3u << 20));
	free(ms.buf);

	/* too small even for the headers: an error, no ELF header */
	CHECK(dump(&m, 31, 300, &ms, &st, &ec, &a) == SINK_ERR_NOSPC);
	CHECK(ms.len < 4 || memcmp(ms.buf, ELF_MAG, 4) != 0);
	free(ms.buf);
	fc_free(&m.fc);
}

int main(void)
{
	test_filtered(0);
	test_filtered(31);
	test_full();
	return test_summary("test_elfout");
}

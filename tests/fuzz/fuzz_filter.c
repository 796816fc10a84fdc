/*
 * struct page decoding in the page filter (capture/filter.c), on the fake
 * machines the unit tests use (tests/unit/fakemm.h: 6.1 and 6.12 layouts,
 * mem_section, vmemmap through page tables). Input byte 0 picks the machine
 * (bit 0) and the dump level (bits 1-5); the next 32 bytes replace the first
 * two mem_section entries, and the rest replaces the struct pages from pfn 0
 * on. FUZZ_WRITE_SEEDS=DIR writes seeds made of the machines as they are.
 */
#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/filter.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fakecore.h"
#include "tests/unit/fakemm.h"

#define SECT_BYTES	32
#define MAP_BYTES	(MM_PFNS * MM_SPAGE)

static struct fakemm mm[2];
static uint8_t *pristine_map[2], pristine_sect[2][SECT_BYTES];
static uint8_t arena_mem[4 << 20];
static uint8_t bm[MM_PFNS / 8 + 8];

static void populate(struct fakemm *m)
{
	mm_buddy(m, 0x100, 3);
	mm_buddy(m, 0x110, 11);
	mm_slab(m, 0x120);
	mm_cache(m, 0x130, 0);
	mm_cache(m, 0x131, 1);
	mm_flags_or(m, 0x132, mm_flag(m->fl->swapcache) | mm_flag(m->fl->swapbacked));
	mm_anon(m, 0x134);
	mm_anon(m, 0x140);
	mm_compound(m, 0x140, 2, 0);
	mm_compound(m, 0x200, 9, 1);
	mm_flags_or(m, 0x150, mm_flag(m->fl->hwpoison));
	mm_set32(m, 0x151, SP_MAPCOUNT, (uint32_t)m->fl->offline);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");

	for (int s = 0; s < 2; s++) {
		mm_build(&mm[s], s ? MM_612 : MM_61, 0);
		populate(&mm[s]);
		mm_finish(&mm[s]);
		pristine_map[s] = malloc(MAP_BYTES);
		memcpy(pristine_map[s], mm[s].fc.mem + MM_MEMMAP_PA, MAP_BYTES);
		memcpy(pristine_sect[s], mm[s].fc.mem + MM_SECTIONS_PA, SECT_BYTES);
	}
	if (dir) {
		/* per machine, dump level 31: control byte, sections, the first
		 * 0x300 struct pages (the populated ones) */
		for (int s = 0; s < 2; s++) {
			char path[512];
			uint8_t c = (uint8_t)(s | 31 << 1);
			FILE *f;

			snprintf(path, sizeof(path), "%s/machine-%s-d31", dir, s ? "612" : "61");
			f = fopen(path, "w");
			if (!f)
				abort();
			fwrite(&c, 1, 1, f);
			fwrite(pristine_sect[s], 1, SECT_BYTES, f);
			fwrite(pristine_map[s], 1, 0x300 * MM_SPAGE, f);
			fclose(f);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct page_filter f;
	struct fakemm *m;
	struct buf_memsrc src;
	struct elfcore ec;
	struct arena a;
	char err[256];
	int s, dl;
	size_t n;

	if (size < 1)
		return 0;
	s = data[0] & 1;
	dl = data[0] >> 1 & 31;
	m = &mm[s];
	memcpy(m->fc.mem + MM_SECTIONS_PA, pristine_sect[s], SECT_BYTES);
	memcpy(m->fc.mem + MM_MEMMAP_PA, pristine_map[s], MAP_BYTES);
	data++;
	size--;
	n = size < SECT_BYTES ? size : SECT_BYTES;
	memcpy(m->fc.mem + MM_SECTIONS_PA, data, n);
	data += n;
	size -= n;
	n = size < MAP_BYTES ? size : MAP_BYTES;
	memcpy(m->fc.mem + MM_MEMMAP_PA, data, n);

	buf_memsrc_init(&src, m->fc.mem, MM_MEM);
	arena_init(&a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&ec, &src.m, MM_HDR, 0, &a, err, sizeof(err)))
		abort();	/* the header is not what is fuzzed here */
	if (filter_init(&f, &ec, dl, &a))
		return 0;
	/* cycles of 1024 pfns, as the writer calls them, RAM bits set */
	for (uint64_t start = 0; start < MM_PFNS; start += 1024) {
		memset(bm, 0, sizeof(bm));
		for (uint64_t p = start; p < start + 1024; p++)
			if (mm_is_ram(p))
				bm[(p - start) >> 3] |= (uint8_t)(1u << ((p - start) & 7));
		filter_cycle(&f, &ec, start, start + 1024, bm);
	}
	filter_report(&f);
	return 0;
}

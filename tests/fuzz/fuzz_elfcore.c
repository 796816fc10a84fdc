/*
 * The elfcorehdr and its notes (capture/elfcore.c): the input is an ELF
 * vmcore, read as the host tools read one (offsets are file offsets, the
 * file's size bounds the segments) and as the image reads one (the header
 * size from elfcorehdr=, no size known).
 */
#include "capture/arena.h"
#include "capture/elfcore.h"
#include "tests/fuzz/fuzz.h"

static uint8_t arena_mem[32 << 20];

static void exercise(struct elfcore *ec)
{
	uint8_t page[4096];
	size_t missing;
	uint64_t pa, off, avail;

	for (unsigned i = 0; i < ec->nr_loads && i < 8; i++) {
		const struct elf_load *l = &ec->loads[i];

		missing = 0;
		elfcore_read_phys_fill(ec, l->paddr, page, sizeof(page), &missing);
		elfcore_read_phys(ec, l->paddr + l->memsz - 1, page, 1);
		elfcore_phys_to_off(ec, l->paddr, &off, &avail);
		if (elfcore_kvtop(ec, l->vaddr, &pa) == 0)
			elfcore_read_kv(ec, l->vaddr, page, 64);
	}
	elfcore_kvtop(ec, KERNEL_MAP_BASE + 0x1000000, &pa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src src;
	struct elfcore ec;
	struct arena a;
	char err[256];

	fuzz_src_init(&src, data, size, 1);
	arena_init(&a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&ec, &src.m, 0, 0, &a, err, sizeof(err)) == 0)
		exercise(&ec);
	else if (!err[0])
		abort();

	fuzz_src_init(&src, data, size, 0);
	arena_init(&a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&ec, &src.m, 0, size, &a, err, sizeof(err)) == 0)
		exercise(&ec);
	return 0;
}

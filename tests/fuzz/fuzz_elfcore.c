/*
 * The elfcorehdr and its notes (capture/elfcore.c): the input is an ELF
 * vmcore, read as the host tools read one (offsets are file offsets, the
 * file's size bounds the segments) and as the image reads one (the header
 * size from elfcorehdr=, no size known, and with a firmware map of what is
 * not RAM, as the image will have it).
 */
#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/physmap.h"
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

	/* QEMU q35's reserved ranges, 40-bit physical addresses */
	static struct physmap map;
	if (!map.limit) {
		physmap_init(&map, 1ull << 40);
		physmap_add(&map, 0x9fc00, 0x60400, E820_RESERVED);
		physmap_add(&map, 0x7ffe0000, 0x20000, E820_ACPI);
		physmap_add(&map, 0xb0000000, 0x10000000, E820_RESERVED);
		physmap_add(&map, 0xfed1c000, 0x4000, E820_RESERVED);
		physmap_add(&map, 0xfffc0000, 0x40000, E820_RESERVED);
	}
	src.m.map = &map;
	arena_init(&a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&ec, &src.m, 0, size, &a, err, sizeof(err)) == 0)
		exercise(&ec);
	else if (!err[0])
		abort();
	return 0;
}

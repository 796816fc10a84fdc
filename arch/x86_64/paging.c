/*
 * Our own page tables. The ones kexec leaves behind live in crash-region pages
 * that we do not own, and they map neither the LAPIC nor any PCI BAR. We build
 * an identity map from a fixed pool inside the image: RAM write-back, MMIO
 * uncached, with 1 GiB pages where the CPU has them and 2 MiB otherwise, split
 * further only where attributes differ. 4- or 5-level paging stays as entered:
 * CR4.LA57 cannot change while paging is on.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define ATTR_MASK (PTE_PWT | PTE_PCD)

#define POOL_PAGES 96

static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static int pool_used;
static uint64_t *root;
static int levels;		/* 4 or 5 */
static int have_1g;
static uint64_t wb_mapped_end;	/* RAM identity-mapped write-back below this */
extern char _head[], __image_end[];

static uint64_t *new_table(void)
{
	if (pool_used == POOL_PAGES)
		return NULL;
	return pool[pool_used++];
}

/* Shift of the region one entry covers at a level: 4K, 2M, 1G, 512G, 256T. */
static int level_shift(int level)
{
	return 12 + 9 * (level - 1);
}

/*
 * Maps one page of size 1<<level_shift(level) at pa, descending from table
 * tab at level lvl. A large page on the way with other attributes is split
 * into a table that maps the same range the same way, one level down. A table
 * already where the large page would go keeps its entries; only its holes
 * are filled, in the tables below it too (the image's own 4 KiB pages leave
 * the rest of their 2 MiB unmapped), so an uncached MMIO page inside RAM's
 * range stays uncached.
 */
static int map_one(uint64_t *tab, int lvl, uint64_t pa, int level, uint64_t attr)
{
	for (;;) {
		uint64_t *e = &tab[(pa >> level_shift(lvl)) & 511];

		if (lvl == level) {
			if ((*e & PTE_P) && !(*e & PTE_PS) && level > 1) {
				uint64_t *t = (uint64_t *)(*e & PTE_ADDR);
				uint64_t step = 1ull << level_shift(lvl - 1);
				int i;

				for (i = 0; i < 512; i++) {
					int hole = !(t[i] & PTE_P);
					int table = !hole && !(t[i] & PTE_PS) && level - 1 > 1;

					if ((hole || table) &&
					    map_one(t, lvl - 1, pa + i * step, level - 1, attr))
						return -1;
				}
				return 0;
			}
			*e = pa | PTE_P | PTE_W | attr | (level > 1 ? PTE_PS : 0);
			return 0;
		}
		if (!(*e & PTE_P)) {
			uint64_t *t = new_table();

			if (!t)
				return -1;
			*e = (uint64_t)t | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			uint64_t base = *e & PTE_ADDR & ~((1ull << level_shift(lvl)) - 1);
			uint64_t old_attr = *e & ATTR_MASK, step = 1ull << level_shift(lvl - 1);
			uint64_t *t;
			int i;

			if (old_attr == attr)
				return 0;	/* already mapped the way we want */
			t = new_table();
			if (!t)
				return -1;
			for (i = 0; i < 512; i++)
				t[i] = (base + i * step) | PTE_P | PTE_W | old_attr |
				       (lvl - 1 > 1 ? PTE_PS : 0);
			*e = (uint64_t)t | PTE_P | PTE_W;
		}
		tab = (uint64_t *)(*e & PTE_ADDR);
		lvl--;
	}
}

/* Maps [pa, pa+size) identity with attr, using the largest pages that fit. */
static int map_range(uint64_t pa, uint64_t size, uint64_t attr)
{
	uint64_t end = pa + size;

	pa &= ~0xfffull;
	while (pa < end) {
		int level = 1;

		if (have_1g && !(pa & ((1ull << 30) - 1)) && end - pa >= (1ull << 30))
			level = 3;
		else if (!(pa & ((1ull << 21) - 1)) && end - pa >= (1ull << 21))
			level = 2;
		if (map_one(root, levels, pa, level, attr))
			return -1;
		pa += 1ull << level_shift(level);
	}
	return 0;
}

int paging_init(void)
{
	uint32_t r[4];

	levels = (read_cr4() & (1ull << 12)) ? 5 : 4;
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		have_1g = !!(r[3] & (1u << 26));
	}
	root = new_table();
	/*
	 * The image itself first: with crashkernel=...,high the kernel puts it
	 * anywhere in RAM (0x1be000000 on a 6 GB guest), and once CR3 points
	 * here, code, stacks, IDT and DMA buffers must still be mapped, or the
	 * next fetch faults through an unmapped IDT: a silent triple fault.
	 * Then the first 4 GiB: the ACPI tables and the low MMIO.
	 */
	if (map_range((uint64_t)_head, (uint64_t)__image_end - (uint64_t)_head, 0) ||
	    map_range(0, 4ull << 30, 0))
		return -1;
	wb_mapped_end = 4ull << 30;
	write_cr3((uint64_t)root);
	return 0;
}

int paging_levels(void)
{
	return levels;
}

int paging_ensure_ram(uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len, step = have_1g ? 1ull << 30 : 1ull << 21;

	if (end < pa)
		return -1;
	if (end <= wb_mapped_end)
		return 0;
	end = (end + step - 1) & ~(step - 1);
	if (map_range(wb_mapped_end, end - wb_mapped_end, 0)) {
		port_log("paging: out of page-table pages mapping RAM up to 0x%llx%s\n",
			 (unsigned long long)end, have_1g ? "" : " (this CPU has no 1 GiB pages)");
		return -1;
	}
	wb_mapped_end = end;
	write_cr3((uint64_t)root);	/* flush the TLB */
	return 0;
}

int paging_ram_mapped(uint64_t pa, uint64_t len)
{
	return pa + len >= pa && pa + len <= __atomic_load_n(&wb_mapped_end, __ATOMIC_ACQUIRE);
}

void *mmio_map(uint64_t phys, uint64_t size)
{
	uint64_t start = phys & ~0xfffull, end = (phys + size + 0xfff) & ~0xfffull;
	uint64_t pa;

	for (pa = start; pa < end; pa += 4096)
		if (map_one(root, levels, pa, 1, PTE_PCD | PTE_PWT))
			return NULL;
	write_cr3((uint64_t)root);
	return (void *)(uintptr_t)phys;
}

/*
 * A framebuffer: large pages where they fit (a 4K screen is 32 MiB), write-
 * combining if the PAT the crashed kernel left has WC at index 1 (Linux puts
 * it there), else uncached. Scrolling redraws most of the screen, and
 * uncached writes to video memory are slow on real machines.
 */
void *fb_map(uint64_t phys, uint64_t size)
{
	uint64_t pat = rdmsr(0x277), attr = (pat >> 8 & 7) == 1 ? PTE_PWT : PTE_PCD | PTE_PWT;

	if (map_range(phys, size, attr))
		return NULL;
	write_cr3((uint64_t)root);
	return (void *)(uintptr_t)phys;
}

int paging_pool_used(void)
{
	return pool_used;
}

unsigned paging_pool_bytes(void)
{
	return sizeof(pool);
}

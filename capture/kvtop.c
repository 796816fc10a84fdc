/* x86_64 kernel virtual address translation (see kvtop.h). */
#include <stdint.h>
#include <string.h>

#include "capture/kvtop.h"
#include "capture/vmcoreinfo.h"

#define PTE_PRESENT	0x1ull
#define PTE_PSE		0x80ull			/* a 1 GiB or 2 MiB page */
#define PTE_ADDR	0x000ffffffffff000ull	/* bits 51:12 */
#define PTRS_PER_TABLE	512
#define SIZE_1G		(1ull << 30)
#define SIZE_2M		(1ull << 21)
/* KERNEL_IMAGE_SIZE without KASLR; beyond it we walk, which is right either way. */
#define IMAGE_SIZE_DEFAULT	(512ull << 20)

int kv_read_phys(const struct elfcore *ec, struct memsrc *mem, uint64_t pa, void *buf,
		 size_t len)
{
	uint8_t *p = buf;

	if (!mem)
		mem = ec->mem;
	if (pa + len < pa)
		return -1;
	while (len) {
		const struct elf_load *l = NULL;
		uint64_t n;

		for (unsigned i = 0; i < ec->nr_loads; i++) {
			const struct elf_load *c = &ec->loads[i];
			if (pa >= c->paddr && pa - c->paddr < c->filesz) {
				l = c;
				break;
			}
		}
		if (!l)
			return -1;
		n = l->filesz - (pa - l->paddr);
		if (n > len)
			n = len;
		if (mem->read(mem, l->offset + (pa - l->paddr), p, (size_t)n))
			return -1;
		p += n;
		pa += n;
		len -= n;
	}
	return 0;
}

void kvmap_init(struct kvmap *m, const struct elfcore *ec, struct memsrc *mem)
{
	const struct vmcoreinfo *vi = &ec->vmci;
	uint64_t sym, size;
	int64_t n;

	memset(m, 0, sizeof(*m));
	m->ec = ec;
	m->mem = mem ? mem : ec->mem;
	m->levels = 4;
	m->image_size = IMAGE_SIZE_DEFAULT;
	if (vmcoreinfo_number(vi, "KERNEL_IMAGE_SIZE", &n) && n > 0 &&
	    (uint64_t)n <= KERNEL_MAP_SIZE)
		m->image_size = (uint64_t)n;
	if (vmcoreinfo_number(vi, "pgtable_l5_enabled", &n) && n == 1)
		m->levels = 5;
	if (vmcoreinfo_number(vi, "sme_mask", &n))
		m->sme_mask = (uint64_t)n;
	size = m->image_size;
	if ((vmcoreinfo_symbol(vi, "init_top_pgt", &sym) ||
	     vmcoreinfo_symbol(vi, "swapper_pg_dir", &sym)) &&
	    ec->have_phys_base && sym >= KERNEL_MAP_BASE && sym - KERNEL_MAP_BASE < size &&
	    !(sym & 0xfff)) {
		m->have_root = 1;
		m->root_pa = sym - KERNEL_MAP_BASE + ec->phys_base;
	}
}

/* All bits above the top translated bit equal: a canonical address. */
static int canonical(uint64_t va, int levels)
{
	int top = levels == 5 ? 56 : 47;
	uint64_t hi = va >> top;

	return hi == 0 || hi == (UINT64_MAX >> top);
}

int kvmap_walk(struct kvmap *m, uint64_t va, uint64_t *pa)
{
	uint64_t table, e, addr, size = 0;
	int shift;

	if (!m->have_root || !canonical(va, m->levels))
		return -1;
	if (m->cached && va - m->c_va < m->c_size) {
		*pa = m->c_pa + (va - m->c_va);
		return 0;
	}
	m->walks++;
	table = m->root_pa;
	for (shift = m->levels == 5 ? 48 : 39; shift >= 12; shift -= 9) {
		uint64_t idx = (va >> shift) & (PTRS_PER_TABLE - 1);

		if (kv_read_phys(m->ec, m->mem, table + idx * 8, &e, 8))
			return -1;
		if (!(e & PTE_PRESENT))
			return -1;
		addr = e & PTE_ADDR & ~m->sme_mask;
		if (shift == 12) {
			size = 1ull << PAGE_SHIFT;
			break;
		}
		if (e & PTE_PSE) {
			if (shift == 30)
				size = SIZE_1G;
			else if (shift == 21)
				size = SIZE_2M;
			else
				return -1;	/* reserved at the PGD and P4D levels */
			break;
		}
		table = addr;
	}
	addr &= ~(size - 1);
	if (addr >= ELFCORE_MAX_PHYS)
		return -1;
	m->cached = 1;
	m->c_va = va & ~(size - 1);
	m->c_pa = addr;
	m->c_size = size;
	*pa = addr + (va & (size - 1));
	return 0;
}

int kvmap_vtop(struct kvmap *m, uint64_t va, uint64_t *pa)
{
	const struct elfcore *ec = m->ec;

	if (va >= KERNEL_MAP_BASE && va - KERNEL_MAP_BASE < m->image_size && ec->have_phys_base) {
		*pa = va - KERNEL_MAP_BASE + ec->phys_base;
		return 0;
	}
	/* The direct map, as far as there is RAM: past it lie vmalloc and vmemmap. */
	if (ec->have_page_offset && va >= ec->page_offset && va < KERNEL_MAP_BASE &&
	    va - ec->page_offset < ec->max_pfn << PAGE_SHIFT) {
		*pa = va - ec->page_offset;
		return 0;
	}
	return kvmap_walk(m, va, pa);
}

int kvmap_read(struct kvmap *m, uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (va + len < va)
		return -1;
	while (len) {
		uint64_t pa, n = PAGE_BYTES - (va & (PAGE_BYTES - 1));

		if (n > len)
			n = len;
		if (kvmap_vtop(m, va, &pa) || kv_read_phys(m->ec, m->mem, pa, p, (size_t)n))
			return -1;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

int kvtop(const struct elfcore *ec, struct memsrc *mem, uint64_t va, uint64_t *pa)
{
	struct kvmap m;

	kvmap_init(&m, ec, mem);
	return kvmap_vtop(&m, va, pa);
}

int kv_read(const struct elfcore *ec, struct memsrc *mem, uint64_t va, void *buf, size_t len)
{
	struct kvmap m;

	kvmap_init(&m, ec, mem);
	return kvmap_read(&m, va, buf, len);
}

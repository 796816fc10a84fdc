/*
 * Page-table walks over a fake memory (capture/kvtop.c). The input is
 * physical memory from address 0, with the kernel's top-level table at 0
 * (init_top_pgt at __START_KERNEL_map, phys_base 0). Its first 8 bytes also
 * choose 4- or 5-level paging and the sme_mask; the addresses walked come
 * from the input too, so the fuzzer can point walks at its own tables.
 */
#include "capture/elfcore.h"
#include "capture/kvtop.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char vmci[256];
	struct fuzz_src src;
	struct elfcore ec;
	struct elf_load load;
	struct kvmap m;
	uint64_t hdr = 0, pa;
	uint8_t buf[8192];
	size_t n;

	if (size < 8)
		return 0;
	memcpy(&hdr, data, 8);
	n = (size_t)snprintf(vmci, sizeof(vmci),
			     "SYMBOL(init_top_pgt)=ffffffff80000000\nNUMBER(pgtable_l5_enabled)=%d\n"
			     "NUMBER(sme_mask)=%llu\nNUMBER(KERNEL_IMAGE_SIZE)=%llu\n",
			     (int)(hdr & 1), (unsigned long long)(hdr & 2 ? 1ull << 47 : 0),
			     (unsigned long long)((hdr >> 8 & 0xff) << 22));
	fuzz_src_init(&src, data, size, 0);
	memset(&ec, 0, sizeof(ec));
	memset(&load, 0, sizeof(load));
	load.vaddr = 0xffff888000000000ull;
	load.filesz = load.memsz = size;
	ec.mem = &src.m;
	ec.nr_loads = 1;
	ec.loads = &load;
	ec.max_pfn = (size + 4095) / 4096;
	ec.have_phys_base = 1;
	vmcoreinfo_init(&ec.vmci, vmci, n);

	kvmap_init(&m, &ec, NULL);
	for (size_t off = 8; off + 8 <= size && off < 8 + 16 * 8; off += 8) {
		uint64_t va;

		memcpy(&va, data + off, 8);
		kvmap_vtop(&m, va, &pa);
		kvmap_walk(&m, va ^ 0x1000, &pa);
		/* a read that may cross pages and mappings */
		kvmap_read(&m, va, buf, (size_t)(va >> 4 & 0x1fff) % sizeof(buf));
	}
	kvtop(&ec, NULL, 0xffffffff81000000ull, &pa);
	kv_read(&ec, NULL, 0xffffffff81000ff8ull, buf, 16);
	return 0;
}

/*
 * The printk ring (capture/printk.c), with the layout a 6.1 kernel reports
 * (tests/unit/fakeprintk.h). The input is physical memory from address 0,
 * seen through the direct map and the kernel map (phys_base 0): prb, the
 * pointer to the ring, is at 0; init_top_pgt at 0x1000, so the ring's
 * addresses may also go through page tables the input makes.
 */
#include "capture/elfcore.h"
#include "capture/printk.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fakeprintk.h"

#define PAGE_OFFSET	0xffff888000000000ull

static const char vmci[] = "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n"
			   "SYMBOL(prb)=ffffffff80000000\nSYMBOL(init_top_pgt)=ffffffff80001000\n"
			   FP_LAYOUT;
static struct printk_log log_;
static char text[64 << 10];

static int count(void *ctx, const char *rec, size_t len)
{
	/* Each record is whole lines, within the record buffer. */
	if (!len || len > PRINTK_REC_MAX || rec[len - 1] != '\n')
		abort();
	++*(uint64_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src src;
	struct elfcore ec;
	struct elf_load load;
	char err[256], why[PRINTK_PANIC_MAX];
	uint64_t n = 0;

	fuzz_src_init(&src, data, size, 0);
	memset(&ec, 0, sizeof(ec));
	memset(&load, 0, sizeof(load));
	load.vaddr = PAGE_OFFSET;
	load.filesz = load.memsz = size;
	ec.mem = &src.m;
	ec.nr_loads = 1;
	ec.loads = &load;
	ec.max_pfn = (size + 4095) / 4096;
	ec.have_phys_base = 1;
	ec.have_page_offset = 1;
	ec.page_offset = PAGE_OFFSET;
	ec.have_vmcoreinfo = 1;
	vmcoreinfo_init(&ec.vmci, vmci, sizeof(vmci) - 1);

	if (printk_open(&log_, &ec, NULL, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	printk_walk(&log_, 0, count, &n);
	printk_tail(&log_, 5, count, &n);
	printk_panic_reason(&log_, why, sizeof(why));
	if (printk_text(&log_, text, sizeof(text)) > sizeof(text))
		abort();
	return 0;
}

/*
 * The --legacy path without the syscall: /proc/iomem parsing, RAM minus the
 * crash reservation, /proc/kcore layout, the elfcorehdr bytes, the image
 * checks and the segment plan, from a fake tree (DUMPLING_SYSROOT).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "loader/elfcorehdr.h"
#include "loader/image.h"
#include "loader/iomem.h"
#include "loader/legacy.h"
#include "loader/reserve.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char err[1024];
static char root[64] = "/tmp/dumpling-legacy-XXXXXX";

static const char iomem_text[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-0009ffff : Reserved\n"
	"000f0000-000fffff : System ROM\n"
	"00100000-bffdafff : System RAM\n"
	"  01000000-01e00000 : Kernel code\n"
	"  01e00001-0260ffff : Kernel rodata\n"
	"  b3000000-b3ffffff : Crash kernel\n"
	"bffdb000-bfffffff : Reserved\n"
	"c0000000-febfffff : PCI Bus 0000:00\n"
	"  fd000000-fdffffff : 0000:00:02.0\n"
	"100000000-13fffffff : System RAM\n"
	"  100000000-1007fffff : Crash kernel\n";

static void test_iomem(void)
{
	struct range r[8], crash[4], out[8];
	int n, nc;

	n = iomem_find(iomem_text, "System RAM", 0, r, 8);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(r[0].start, 0x1000);
	CHECK_EQ_U64(r[0].end, 0x9fbff);
	CHECK_EQ_U64(r[2].start, 0x100000000);
	CHECK_EQ_U64(iomem_find(iomem_text, "Kernel code", 0, crash, 4), 0);
	CHECK_EQ_U64(iomem_find(iomem_text, "Kernel code", 1, crash, 4), 1);
	nc = iomem_find(iomem_text, "Crash kernel", -1, crash, 4);
	CHECK_EQ_U64(nc, 2);
	CHECK_EQ_U64(crash[0].start, 0xb3000000);
	CHECK_EQ_U64(crash[0].end, 0xb3ffffff);
	CHECK_EQ_U64(iomem_find(iomem_text, "System RAM", 0, r, 1), 3);	/* counts past max */

	n = iomem_find(iomem_text, "System RAM", 0, r, 8);
	n = range_subtract(r, n, crash, nc, out, 8);
	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(out[0].start, 0x1000);		/* low memory kept: no backup region */
	CHECK_EQ_U64(out[1].start, 0x100000);
	CHECK_EQ_U64(out[1].end, 0xb2ffffff);
	CHECK_EQ_U64(out[2].start, 0xb4000000);
	CHECK_EQ_U64(out[2].end, 0xbffdafff);
	CHECK_EQ_U64(out[3].start, 0x100800000);
	CHECK_EQ_U64(out[3].end, 0x13fffffff);
	CHECK_EQ_U64(range_subtract(r, 3, crash, nc, out, 3), -1);

	/* A hole covering a whole range, and overlapping holes. */
	{
		struct range a[1] = { { 0x1000, 0x1fff } };
		struct range h[2] = { { 0x1800, 0x1fff }, { 0x0, 0x1900 } };

		CHECK_EQ_U64(range_subtract(a, 1, h, 2, out, 8), 0);
		h[1].end = 0x10ff;
		CHECK_EQ_U64(range_subtract(a, 1, h, 2, out, 8), 1);
		CHECK_EQ_U64(out[0].start, 0x1100);
		CHECK_EQ_U64(out[0].end, 0x17ff);
	}
	CHECK_EQ_U64(iomem_find("0000-zz : bad\n", "bad", -1, r, 8), -1);
	CHECK_EQ_U64(iomem_find("00002000-00001000 : backwards\n", "x", -1, r, 8), -1);
	CHECK_EQ_U64(iomem_find("", "System RAM", 0, r, 8), 0);
}

static void test_cpu_list(void)
{
	int cpus[8];

	CHECK_EQ_U64(cpu_list_count("0-3,8", cpus, 8), 5);
	CHECK_EQ_U64(cpus[4], 8);
	CHECK_EQ_U64(cpu_list_count("0\n", cpus, 8), 1);
	CHECK_EQ_U64(cpu_list_count("3-1", cpus, 8), -1);
	CHECK_EQ_U64(cpu_list_count("x", cpus, 8), -1);
}

/* A /proc/kcore header: a note, vmalloc (no paddr), text, RAM. */
static size_t fake_kcore(unsigned char *buf, uint64_t page_offset)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));

	memset(buf, 0, 64 + 5 * 56);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_CORE;
	eh->e_phoff = 64;
	eh->e_phentsize = 56;
	eh->e_phnum = 5;
	ph[0].p_type = PT_NOTE;
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_vaddr = 0xffffc90000000000,
			      .p_paddr = (uint64_t)-1, .p_memsz = 1ull << 45 };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_vaddr = 0xffffffff9a000000,
			      .p_paddr = 0x1000000, .p_memsz = 0x2a00000 };
	ph[3] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_vaddr = page_offset + 0x1000,
			      .p_paddr = 0x1000, .p_memsz = 0x9e000 };
	ph[4] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_vaddr = page_offset + 0x100000,
			      .p_paddr = 0x100000, .p_memsz = 0xbfedb000 };
	return 64 + 5 * 56;
}

static void test_kcore(void)
{
	unsigned char buf[1024];
	struct elfcore_input in;
	size_t len = fake_kcore(buf, 0xff2a5c0000000000);

	memset(&in, 0, sizeof(in));
	CHECK(kcore_layout(buf, len, &in, err, sizeof(err)) == 0);
	CHECK_EQ_U64(in.text_vaddr, 0xffffffff9a000000);
	CHECK_EQ_U64(in.text_paddr, 0x1000000);
	CHECK_EQ_U64(in.text_size, 0x2a00000);
	CHECK_EQ_U64(in.page_offset, 0xff2a5c0000000000);

	CHECK(kcore_layout(buf, len - 1, &in, err, sizeof(err)) == -1);	/* phdrs cut */
	fake_kcore(buf, 0xff2a5c0000001000);		/* not 1 GiB aligned */
	CHECK(kcore_layout(buf, len, &in, err, sizeof(err)) == -1);
	CHECK(strstr(err, "page_offset_base") != NULL);
	fake_kcore(buf, 0xff2a5c0000000000);
	((Elf64_Phdr *)(buf + 64))[2].p_paddr = (uint64_t)-1;	/* no text */
	CHECK(kcore_layout(buf, len, &in, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no kernel text") != NULL);
}

static void put(const char *file, const void *data, size_t len)
{
	char p[1024], cmd[1200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, file);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	if (system(cmd) != 0)
		exit(1);
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, len, f) != len)
		exit(1);
	fclose(f);
}

static void puts_file(const char *file, const char *text)
{
	put(file, text, strlen(text));
}

/* A minimal image that passes image_parse: 1 setup sector, payload after. */
static unsigned char *fake_image(size_t *len, uint32_t init_size, uint32_t align)
{
	size_t n = 1024 + 8192;
	unsigned char *d = calloc(1, n);

	d[HDR_SETUP_SECTS] = 1;
	d[HDR_BOOT_FLAG] = 0x55;
	d[HDR_BOOT_FLAG + 1] = 0xaa;
	memcpy(d + HDR_MAGIC, "HdrS", 4);
	d[HDR_VERSION] = 0x0f;
	d[HDR_VERSION + 1] = 0x02;
	d[HDR_LOADFLAGS] = LOADED_HIGH;
	d[HDR_XLOADFLAGS] = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_5LEVEL;
	memcpy(d + HDR_KERNEL_ALIGNMENT, &align, 4);
	memcpy(d + HDR_INIT_SIZE, &init_size, 4);
	d[HDR_CMDLINE_SIZE + 1] = 0x08;		/* 2048 */
	memcpy(d + 1024 + 0x1000, PAYLOAD_CMDLINE_MAGIC, 16);
	*len = n;
	return d;
}

static void test_image(void)
{
	struct dimage im;
	size_t len;
	unsigned char *d = fake_image(&len, 0x10000, 0x1000);

	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == 0);
	CHECK_EQ_U64(im.payload_off, 1024);
	CHECK_EQ_U64(im.payload_len, 8192);
	CHECK_EQ_U64(im.init_size, 0x10000);
	CHECK_EQ_U64(im.cmdline_area, 1024 + 0x1000 + 16);
	CHECK_EQ_U64(im.cmdline_size, 2048);

	CHECK(image_parse("x.img", d, 1024 + 0x1000 + 16 + 2047, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "block is cut short") != NULL);
	d[1024 + 0x1000] = 'X';
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == -1);
	CHECK_STR(err, "x.img is not a dumpling image: no DUMPLING-CMDLINE block");
	d[1024 + 0x1000] = 'D';
	d[HDR_INIT_SIZE + 1] = 0;	/* init_size 0x10000 -> 0x10000 & ~0xff00 */
	d[HDR_INIT_SIZE + 2] = 0;
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "init_size 0 is smaller") != NULL);
	d[HDR_INIT_SIZE + 2] = 1;
	d[HDR_XLOADFLAGS] = XLF_KERNEL_64;
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a 64-bit image loadable above 4 GiB") != NULL);
	d[HDR_XLOADFLAGS] = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	d[HDR_VERSION] = 0x0b;
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "boot protocol 2.11") != NULL);
	d[HDR_VERSION] = 0x0c;
	memcpy(d + HDR_MAGIC, "HdrX", 4);
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no x86 boot header") != NULL);
	CHECK(image_parse("x.img", d, 100, &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too short") != NULL);
	free(d);

	CHECK(image_load("/nonexistent/dumpling.img", &im, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot open the image") != NULL);
}

static void build_tree(void)
{
	unsigned char kc[1024];
	size_t n;

	if (!mkdtemp(root))
		exit(1);
	setenv("DUMPLING_SYSROOT", root, 1);
	puts_file("proc/iomem", iomem_text);
	n = fake_kcore(kc, 0xff11000000000000);
	put("proc/kcore", kc, n);
	puts_file("sys/kernel/vmcoreinfo", "0000000100bf2000 1024\n");
	puts_file("sys/kernel/kexec_crash_size", "16777216\n");
	puts_file("sys/kernel/kexec_crash_loaded", "0\n");
	puts_file("sys/devices/system/cpu/possible", "0-2\n");	/* cpu2 absent */
	puts_file("sys/devices/system/cpu/cpu0/crash_notes", "3fc1b2e40\n");
	puts_file("sys/devices/system/cpu/cpu0/crash_notes_size", "368\n");
	puts_file("sys/devices/system/cpu/cpu1/crash_notes", "3fc1f2e40\n");
	/* cpu1 has no crash_notes_size: older kernels; 368 is assumed */
}

static void test_facts_and_plan(void)
{
	static struct crash_facts f;
	struct reservation rv;
	struct machine_facts mf;
	struct overhead o;
	struct legacy_plan p;
	struct dimage im;
	size_t len;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned char *d;

	reservation_read(&rv);
	CHECK(rv.supported);
	CHECK_EQ_U64(rv.size, 16 << 20);
	CHECK(rv.have_range);
	CHECK_EQ_U64(rv.r.start, 0xb3000000);	/* the one matching kexec_crash_size */
	CHECK(!rv.loaded);

	machine_facts_read(&mf);
	CHECK_EQ_U64(mf.ncpus, 3);
	CHECK_EQ_U64(mf.nram, 3);
	CHECK_EQ_U64(mf.ram_top, 0x140000000);
	estimate_overhead(&mf, 0x200000, rv.r.start, 0, &o);
	CHECK_EQ_U64(o.elfcorehdr, 4096);
	CHECK_EQ_U64(o.alignment, 0x200000 - 4096);
	CHECK_EQ_U64(o.page_tables, 4096 * (2 + 1 + 5 + 5));
	CHECK_EQ_U64(o.total, o.elfcorehdr + o.purgatory + o.page_tables + o.alignment);
	estimate_overhead(&mf, 0x1000, rv.r.start, 1, &o);
	CHECK_EQ_U64(o.purgatory, 0);
	CHECK_EQ_U64(o.alignment, 0);

	CHECK(crash_facts_read(&f, err, sizeof(err)) == 0);
	if (err[0] && test_failed)
		fprintf(stderr, "crash_facts_read: %s\n", err);
	CHECK_EQ_U64(f.in.ncpus, 2);
	CHECK_EQ_U64(f.cpus[0].addr, 0x3fc1b2e40);
	CHECK_EQ_U64(f.cpus[1].size, 368);
	CHECK_EQ_U64(f.in.vmcoreinfo.addr, 0x100bf2000);
	CHECK_EQ_U64(f.in.vmcoreinfo.size, 0x1024);	/* the size is hex too */
	CHECK_EQ_U64(f.in.nram, 4);
	CHECK_EQ_U64(f.in.page_offset, 0xff11000000000000);

	d = fake_image(&len, 0x20000, 0x200000);
	CHECK(image_parse("x.img", d, len, &im, err, sizeof(err)) == 0);
	CHECK(legacy_plan(&im, &rv.r, &f.in, "dumpling.target=raw", &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.payload_mem, 0xb3000000);
	CHECK_EQ_U64(p.payload_memsz, 0x20000);
	CHECK_EQ_U64(p.hdr_mem, 0xb3020000);
	CHECK_EQ_U64(p.hdr_memsz, 4096);
	CHECK_EQ_U64(p.entry, 0xb3000200);
	CHECK_EQ_U64(p.nsegs, 2);
	CHECK(p.segs[0].buf == d + 1024);
	CHECK_EQ_U64(p.segs[0].bufsz, 8192);
	CHECK_EQ_U64((uintptr_t)p.segs[1].mem, 0xb3020000);
	CHECK_STR((char *)d + im.cmdline_area, "elfcorehdr=0xb3020000 dumpling.target=raw");

	/* The header: ET_CORE, notes first, then text, then RAM. */
	eh = (const Elf64_Ehdr *)p.hdr;
	ph = (const Elf64_Phdr *)(p.hdr + 64);
	CHECK(!memcmp(eh->e_ident, ELFMAG, SELFMAG));
	CHECK_EQ_U64(eh->e_ident[EI_CLASS], ELFCLASS64);
	CHECK_EQ_U64(eh->e_type, ET_CORE);
	CHECK_EQ_U64(eh->e_machine, EM_X86_64);
	CHECK_EQ_U64(eh->e_phoff, 64);
	CHECK_EQ_U64(eh->e_phentsize, 56);
	CHECK_EQ_U64(eh->e_phnum, 2 + 1 + 1 + 4);
	CHECK_EQ_U64(ph[0].p_type, PT_NOTE);
	CHECK_EQ_U64(ph[0].p_offset, 0x3fc1b2e40);
	CHECK_EQ_U64(ph[0].p_paddr, 0x3fc1b2e40);
	CHECK_EQ_U64(ph[0].p_memsz, 368);
	CHECK_EQ_U64(ph[1].p_type, PT_NOTE);
	CHECK_EQ_U64(ph[2].p_type, PT_NOTE);
	CHECK_EQ_U64(ph[2].p_offset, 0x100bf2000);
	CHECK_EQ_U64(ph[2].p_filesz, 0x1024);
	CHECK_EQ_U64(ph[3].p_type, PT_LOAD);
	CHECK_EQ_U64(ph[3].p_vaddr, 0xffffffff9a000000);
	CHECK_EQ_U64(ph[3].p_offset, 0x1000000);
	CHECK_EQ_U64(ph[3].p_memsz, 0x2a00000);
	CHECK_EQ_U64(ph[4].p_type, PT_LOAD);
	CHECK_EQ_U64(ph[4].p_paddr, 0x1000);
	CHECK_EQ_U64(ph[4].p_offset, 0x1000);
	CHECK_EQ_U64(ph[4].p_vaddr, 0xff11000000001000);
	CHECK_EQ_U64(ph[4].p_filesz, 0x9ec00);
	CHECK_EQ_U64(ph[5].p_vaddr, 0xff11000000100000);
	CHECK_EQ_U64(ph[5].p_memsz, 0xb3000000 - 0x100000);
	CHECK_EQ_U64(ph[6].p_offset, 0xb4000000);
	CHECK_EQ_U64(ph[7].p_offset, 0x100800000);
	CHECK_EQ_U64(ph[7].p_flags, PF_R | PF_W | PF_X);
	CHECK_EQ_U64(ph[7].p_memsz, 0x13fffffff - 0x100800000 + 1);
	legacy_plan_free(&p);

	/* Too big for the reservation. */
	{
		struct range small = { 0xb3000000, 0xb301ffff };

		CHECK(legacy_plan(&im, &small, &f.in, "x", &p, err, sizeof(err)) == -1);
		CHECK(strstr(err, "do not fit in the crash reservation") != NULL);
	}
	/* A command line longer than the block. */
	{
		char words[2100];

		memset(words, 'a', sizeof(words) - 1);
		words[sizeof(words) - 1] = 0;
		CHECK(legacy_plan(&im, &rv.r, &f.in, words, &p, err, sizeof(err)) == -1);
		CHECK(strstr(err, "longer than the image's") != NULL);
	}
	free(d);
}

static void test_facts_errors(void)
{
	static struct crash_facts f;

	puts_file("sys/kernel/vmcoreinfo", "junk\n");
	CHECK(crash_facts_read(&f, err, sizeof(err)) == -1);
	CHECK(strstr(err, "VMCOREINFO") != NULL);
	puts_file("sys/kernel/vmcoreinfo", "0000000100bf2000 1024\n");
	puts_file("proc/iomem", "00000000-00000000 : System RAM\n");	/* not root */
	CHECK(crash_facts_read(&f, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no RAM addresses") != NULL);
	puts_file("proc/iomem", "00001000-0009fbff : System RAM\n");
	CHECK(crash_facts_read(&f, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no Crash kernel range") != NULL);
	puts_file("sys/devices/system/cpu/cpu0/crash_notes", "0\n");
	CHECK(crash_facts_read(&f, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cpu0: bad crash_notes") != NULL);
}

int main(void)
{
	char cmd[128];

	test_iomem();
	test_cpu_list();
	test_kcore();
	test_image();
	build_tree();
	test_facts_and_plan();
	test_facts_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return test_summary("test_loader_legacy");
}

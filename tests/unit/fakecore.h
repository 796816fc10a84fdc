/*
 * Synthetic crashed machines for the unit tests (included, not linked: the
 * Makefile builds every tests/unit/test_*.c as a program).
 *
 * A fakecore is a block of "physical memory" plus the description the kernel
 * would give of it: PT_LOADs, per-CPU crash notes and a VMCOREINFO note. It can
 * be laid out two ways:
 *   fc_write_hdr()  - as the kernel hands it to the capture image: the ELF
 *                     header sits in memory, p_offset = physical address;
 *   fc_build_file() - as an ELF vmcore file like /proc/vmcore writes it: one
 *                     merged PT_NOTE, segments at file offsets.
 */
#ifndef TESTS_FAKECORE_H
#define TESTS_FAKECORE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/elf64.h"
#include "capture/ports.h"

#define FC_MAX_LOADS	16
#define FC_MAX_NOTES	16
#define FC_PAGE		4096u

struct fc_load { uint64_t paddr, vaddr, filesz, memsz, offset; };
struct fc_note { uint64_t paddr, size; };	/* a note buffer: where, p_memsz */

struct fakecore {
	uint8_t *mem;
	uint64_t mem_size;
	unsigned nloads, nnotes;
	struct fc_load loads[FC_MAX_LOADS];
	struct fc_note notes[FC_MAX_NOTES];
};

static inline void fc_init(struct fakecore *fc, uint64_t mem_size)
{
	memset(fc, 0, sizeof(*fc));
	fc->mem = calloc(1, mem_size);
	fc->mem_size = mem_size;
}

static inline void fc_free(struct fakecore *fc)
{
	free(fc->mem);
	fc->mem = NULL;
}

static inline void fc_add_load(struct fakecore *fc, uint64_t paddr, uint64_t vaddr,
			       uint64_t filesz, uint64_t memsz)
{
	struct fc_load *l = &fc->loads[fc->nloads++];
	l->paddr = paddr;
	l->vaddr = vaddr;
	l->filesz = filesz;
	l->memsz = memsz;
	l->offset = paddr;
}

/* Appends one note record at buf+*pos. */
static inline void fc_put_note(uint8_t *buf, size_t *pos, const char *name, uint32_t type,
			       const void *desc, uint32_t descsz)
{
	struct elf64_nhdr nh = { (uint32_t)strlen(name) + 1, descsz, type };
	memcpy(buf + *pos, &nh, sizeof(nh));
	*pos += sizeof(nh);
	memcpy(buf + *pos, name, nh.n_namesz);
	*pos += (nh.n_namesz + 3) & ~3u;
	memcpy(buf + *pos, desc, descsz);
	*pos += (descsz + 3) & ~3u;
}

/* A per-CPU crash_notes buffer: CORE/NT_PRSTATUS and the zero terminator. */
static inline void fc_add_cpu(struct fakecore *fc, uint64_t paddr, int cpu)
{
	uint8_t prstatus[336] = { 0 };
	size_t pos = 0;
	uint32_t pid = 100 + (uint32_t)cpu;
	uint64_t rip = 0xffffffff81234567ull + (uint64_t)cpu;

	memcpy(prstatus + 32, &pid, 4);
	memcpy(prstatus + 112 + 16 * 8, &rip, 8);
	memset(fc->mem + paddr, 0, 368);
	fc_put_note(fc->mem + paddr, &pos, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	fc->notes[fc->nnotes++] = (struct fc_note){ paddr, 368 };
}

/* The VMCOREINFO note buffer, cap bytes like VMCOREINFO_NOTE_SIZE. */
static inline void fc_add_vmcoreinfo(struct fakecore *fc, uint64_t paddr, const char *text,
				     uint64_t cap)
{
	size_t pos = 0;

	memset(fc->mem + paddr, 0, cap);
	fc_put_note(fc->mem + paddr, &pos, "VMCOREINFO", 0, text, (uint32_t)strlen(text));
	fc->notes[fc->nnotes++] = (struct fc_note){ paddr, cap };
}

/* The kernel-style header at hdr: PT_NOTEs first, then PT_LOADs. Returns its size. */
static inline uint64_t fc_write_hdr(struct fakecore *fc, uint64_t hdr)
{
	struct elf64_ehdr eh;
	struct elf64_phdr *ph = (struct elf64_phdr *)(fc->mem + hdr + sizeof(eh));
	unsigned n = 0;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELF_MAG, 4);
	eh.e_ident[4] = ELFCLASS64;
	eh.e_ident[5] = ELFDATA2LSB;
	eh.e_ident[6] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(*ph);
	eh.e_phnum = (uint16_t)(fc->nnotes + fc->nloads);
	memcpy(fc->mem + hdr, &eh, sizeof(eh));
	for (unsigned i = 0; i < fc->nnotes; i++, n++) {
		memset(&ph[n], 0, sizeof(ph[n]));
		ph[n].p_type = PT_NOTE;
		ph[n].p_offset = ph[n].p_paddr = fc->notes[i].paddr;
		ph[n].p_filesz = ph[n].p_memsz = fc->notes[i].size;
	}
	for (unsigned i = 0; i < fc->nloads; i++, n++) {
		memset(&ph[n], 0, sizeof(ph[n]));
		ph[n].p_type = PT_LOAD;
		ph[n].p_flags = PF_R | PF_W | PF_X;
		ph[n].p_offset = fc->loads[i].offset;
		ph[n].p_paddr = fc->loads[i].paddr;
		ph[n].p_vaddr = fc->loads[i].vaddr;
		ph[n].p_filesz = fc->loads[i].filesz;
		ph[n].p_memsz = fc->loads[i].memsz;
	}
	return sizeof(eh) + (uint64_t)n * sizeof(*ph);
}

/* The merged notes, walked the way /proc/vmcore walks them. */
static inline size_t fc_merge_notes(const struct fakecore *fc, uint8_t *out)
{
	size_t total = 0;

	for (unsigned i = 0; i < fc->nnotes; i++) {
		const uint8_t *b = fc->mem + fc->notes[i].paddr;
		size_t real = 0, max = fc->notes[i].size;
		while (max - real >= 12) {
			struct elf64_nhdr nh;
			memcpy(&nh, b + real, sizeof(nh));
			size_t sz = 12 + ((nh.n_namesz + 3ul) & ~3ul) + ((nh.n_descsz + 3ul) & ~3ul);
			if (!nh.n_namesz || sz > max - real)
				break;
			real += sz;
		}
		if (out)
			memcpy(out + total, b, real);
		total += real;
	}
	return total;
}

/*
 * An ELF vmcore file like /proc/vmcore: one PT_NOTE first, each PT_LOAD's
 * file-backed bytes in a page-rounded window. Returns malloc'd bytes.
 */
static inline uint8_t *fc_build_file(const struct fakecore *fc, size_t *len_out)
{
	size_t nlen = fc_merge_notes(fc, NULL);
	unsigned phnum = 1 + fc->nloads;
	uint64_t hdr_len = sizeof(struct elf64_ehdr) + phnum * sizeof(struct elf64_phdr);
	uint64_t pos = (hdr_len + FC_PAGE - 1) / FC_PAGE * FC_PAGE;
	uint64_t notes_off = pos, size;
	uint64_t offs[FC_MAX_LOADS];
	uint8_t *f;

	pos += (nlen + FC_PAGE - 1) / FC_PAGE * FC_PAGE;
	for (unsigned i = 0; i < fc->nloads; i++) {
		const struct fc_load *l = &fc->loads[i];
		uint64_t start = l->paddr & ~(uint64_t)(FC_PAGE - 1);
		uint64_t end = (l->paddr + l->filesz + FC_PAGE - 1) & ~(uint64_t)(FC_PAGE - 1);
		offs[i] = pos + (l->paddr - start);
		pos += end - start;
	}
	size = pos;
	f = calloc(1, size);

	struct elf64_ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELF_MAG, 4);
	eh.e_ident[4] = ELFCLASS64;
	eh.e_ident[5] = ELFDATA2LSB;
	eh.e_ident[6] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(struct elf64_phdr);
	eh.e_phnum = (uint16_t)phnum;
	memcpy(f, &eh, sizeof(eh));

	struct elf64_phdr ph;
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = ph.p_memsz = nlen;
	memcpy(f + sizeof(eh), &ph, sizeof(ph));
	fc_merge_notes(fc, f + notes_off);
	for (unsigned i = 0; i < fc->nloads; i++) {
		const struct fc_load *l = &fc->loads[i];
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = PF_R | PF_W | PF_X;
		ph.p_offset = offs[i];
		ph.p_paddr = l->paddr;
		ph.p_vaddr = l->vaddr;
		ph.p_filesz = l->filesz;
		ph.p_memsz = l->memsz;
		memcpy(f + sizeof(eh) + (1 + i) * sizeof(ph), &ph, sizeof(ph));
		memcpy(f + offs[i], fc->mem + l->offset, l->filesz);
	}
	*len_out = size;
	return f;
}

/* ---- memory sources over a buffer and over a file ---------------------- */

struct buf_memsrc {
	struct memsrc m;
	const uint8_t *buf;
	uint64_t len;
	uint64_t bad_start, bad_end;	/* reads touching this range fail */
	unsigned long reads;
};

static inline int buf_memsrc_read(struct memsrc *m, uint64_t off, void *out, size_t len)
{
	struct buf_memsrc *b = (struct buf_memsrc *)m;

	__atomic_fetch_add(&b->reads, 1, __ATOMIC_RELAXED);	/* workers read too */
	if (off > b->len || len > b->len - off)
		return -1;
	if (b->bad_end > b->bad_start && off < b->bad_end && off + len > b->bad_start)
		return -1;
	memcpy(out, b->buf + off, len);
	return 0;
}

static inline void buf_memsrc_init(struct buf_memsrc *b, const void *buf, uint64_t len)
{
	memset(b, 0, sizeof(*b));
	b->m.read = buf_memsrc_read;
	b->buf = buf;
	b->len = len;
}

struct file_memsrc {
	struct memsrc m;
	int fd;
};

static inline int file_memsrc_read(struct memsrc *m, uint64_t off, void *out, size_t len)
{
	struct file_memsrc *f = (struct file_memsrc *)m;

	while (len) {
		ssize_t n = pread(f->fd, out, len, (off_t)off);
		if (n <= 0)
			return -1;
		out = (uint8_t *)out + n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * What the source says about pfn: -1 not RAM, 0 RAM without bytes (past
 * p_filesz), 1 backed (+ its bytes in out, unbacked bytes zero). RAM by
 * makedumpfile's rule: a page a segment covers in part is RAM at the
 * segment's start and not at its end.
 */
static inline int fc_source_page(const struct fakecore *fc, uint64_t pfn, uint8_t *out)
{
	uint64_t s = pfn * 4096, e = s + 4096;
	int ram = 0, backed = 0;

	memset(out, 0, 4096);
	for (unsigned i = 0; i < fc->nloads; i++) {
		const struct fc_load *l = &fc->loads[i];
		if (l->paddr / 4096 <= pfn && pfn < (l->paddr + l->memsz) / 4096)
			ram = 1;
		uint64_t a = s > l->paddr ? s : l->paddr;
		uint64_t b = e < l->paddr + l->filesz ? e : l->paddr + l->filesz;
		if (a < b) {
			backed = 1;
			memcpy(out + (a - s), fc->mem + l->offset + (a - l->paddr), b - a);
		}
	}
	return !ram ? -1 : backed;
}

/* ---- a typical machine --------------------------------------------------- */

/*
 * 8 MiB of "physical memory":
 *   [0x1000, 0x9fc00)            RAM, ends mid-page like the e820 low range
 *   [0x100000, 0x300000)         RAM
 *   [0x200000, 0x280000)         kernel text alias at 0xffffffff80200000
 *   [0x300000, 0x400000)         hole
 *   [0x400000, 0x600000)         RAM, p_filesz 0x180000 < p_memsz
 *   [0x600000, 0x800000)         the crash reservation: header and notes
 * Every 7th page is zero, the others hold their pfn and a pattern.
 */
#define FC_HDR_ADDR	0x700000ull
#define FC_UTS_ADDR	0x210000ull
#define FC_NR_CPUS	3
#define FC_CRASHTIME	1714567890ll

static const char fc_vmcoreinfo_text[] =
	"OSRELEASE=6.1.0-fake\n"
	"BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff80210000\n"
	"OFFSET(uts_namespace.name)=4\n"
	"SYMBOL(swapper_pg_dir)=ffffffff80220000\n"
	"SYMBOL(init_top_pgt)=ffffffff80220000\n"
	"SYMBOL(_stext)=ffffffff80200000\n"
	"NUMBER(phys_base)=0\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=0\n"
	"CRASHTIME=1714567890\n";

static inline void fc_fill_page(uint8_t *p, uint64_t pfn)
{
	uint64_t x = pfn * 0x9e3779b97f4a7c15ull + 1;

	if (pfn % 7 == 3) {
		memset(p, 0, FC_PAGE);
		return;
	}
	for (unsigned i = 0; i < FC_PAGE; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	memcpy(p, &pfn, 8);
}

static inline void fc_standard(struct fakecore *fc)
{
	const char uts[6][65] = { "Linux", "fakehost", "6.1.0-fake", "#1 SMP PREEMPT_DYNAMIC",
				  "x86_64", "(none)" };

	fc_init(fc, 8u << 20);
	for (uint64_t pfn = 0; pfn < 0x600; pfn++)
		fc_fill_page(fc->mem + pfn * FC_PAGE, pfn);
	/* a page that is zero but for its last byte must not count as zero */
	memset(fc->mem + 0x102000, 0, FC_PAGE);
	fc->mem[0x102fff] = 1;
	memcpy(fc->mem + FC_UTS_ADDR + 4, uts, sizeof(uts));

	fc_add_load(fc, 0x1000, 0xffff888000001000ull, 0x9ec00, 0x9ec00);
	fc_add_load(fc, 0x100000, 0xffff888000100000ull, 0x200000, 0x200000);
	fc_add_load(fc, 0x200000, 0xffffffff80200000ull, 0x80000, 0x80000);
	fc_add_load(fc, 0x400000, 0xffff888000400000ull, 0x180000, 0x200000);
	for (int cpu = 0; cpu < FC_NR_CPUS; cpu++)
		fc_add_cpu(fc, 0x701000 + (uint64_t)cpu * 0x200, cpu);
	/* a CPU that never saved registers: a zeroed buffer, no notes */
	memset(fc->mem + 0x701800, 0, 368);
	fc->notes[fc->nnotes++] = (struct fc_note){ 0x701800, 368 };
	fc_add_vmcoreinfo(fc, 0x702000, fc_vmcoreinfo_text, 24 + 12 + 4096);
	fc_write_hdr(fc, FC_HDR_ADDR);
}

#endif

/*
 * Reading the elfcorehdr (see elfcore.h). Everything in it comes from the
 * crashed kernel: every field is checked before it is used, and each failure
 * says which field was wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/elfcore.h"
#include "capture/fmt.h"
#include "capture/physmap.h"

#define NOTE_ALIGN(x)	(((uint64_t)(x) + 3) & ~(uint64_t)3)

int elfcore_check_ehdr(const struct elf64_ehdr *eh, uint64_t hdr_off, uint64_t hdr_size,
		       char *err, size_t errlen)
{
	uint64_t ph_end;

	if (memcmp(eh->e_ident, ELF_MAG, 4) != 0)
		return errf(err, errlen, "elfcorehdr at 0x%llx: no ELF magic (%02x %02x %02x %02x)",
			    (unsigned long long)hdr_off, eh->e_ident[0], eh->e_ident[1],
			    eh->e_ident[2], eh->e_ident[3]);
	if (eh->e_ident[4] != ELFCLASS64)
		return errf(err, errlen, "elfcorehdr: ELF class %u, expected 2 (64-bit)",
			    eh->e_ident[4]);
	if (eh->e_ident[5] != ELFDATA2LSB)
		return errf(err, errlen, "elfcorehdr: ELF data encoding %u, expected 1 (little-endian)",
			    eh->e_ident[5]);
	if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return errf(err, errlen, "elfcorehdr: ELF version %u/%u, expected 1",
			    eh->e_ident[6], eh->e_version);
	if (eh->e_type != ET_CORE)
		return errf(err, errlen, "elfcorehdr: e_type %u, expected 4 (ET_CORE)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return errf(err, errlen, "elfcorehdr: e_machine %u, expected 62 (x86_64)",
			    eh->e_machine);
	if (eh->e_ehsize != sizeof(struct elf64_ehdr))
		return errf(err, errlen, "elfcorehdr: e_ehsize %u, expected 64", eh->e_ehsize);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return errf(err, errlen, "elfcorehdr: e_phentsize %u, expected 56", eh->e_phentsize);
	if (eh->e_phnum == 0)
		return errf(err, errlen, "elfcorehdr: no program headers (e_phnum 0)");
	if (eh->e_phnum > ELFCORE_MAX_PHNUM)
		return errf(err, errlen, "elfcorehdr: e_phnum %u: extended numbering is not supported",
			    eh->e_phnum);
	if (eh->e_phoff < sizeof(struct elf64_ehdr))
		return errf(err, errlen, "elfcorehdr: e_phoff 0x%llx overlaps the ELF header",
			    (unsigned long long)eh->e_phoff);
	ph_end = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (ph_end < eh->e_phoff || hdr_off + ph_end < hdr_off)
		return errf(err, errlen, "elfcorehdr: e_phoff 0x%llx overflows",
			    (unsigned long long)eh->e_phoff);
	if (hdr_size && ph_end > hdr_size)
		return errf(err, errlen, "elfcorehdr: %u program headers at 0x%llx end past the "
			    "header size %llu", eh->e_phnum, (unsigned long long)eh->e_phoff,
			    (unsigned long long)hdr_size);
	return 0;
}

/* In the image: a range the header names must not be MMIO or firmware memory. */
static int check_ram(const struct memsrc *mem, const char *what, unsigned i, uint64_t pa,
		     uint64_t len, char *err, size_t errlen)
{
	const struct physmap_range *r;

	if (!mem->map || !len || physmap_check(mem->map, pa, len, &r) == 0)
		return 0;
	if (!r)
		return errf(err, errlen, "elfcorehdr: %s %u at [0x%llx, +0x%llx) is beyond this "
			    "CPU's physical addresses (0x%llx)", what, i, (unsigned long long)pa,
			    (unsigned long long)len, (unsigned long long)mem->map->limit);
	return errf(err, errlen, "elfcorehdr: %s %u at [0x%llx, +0x%llx) overlaps [0x%llx, 0x%llx), "
		    "which the firmware's memory map says is %s, not RAM", what, i,
		    (unsigned long long)pa, (unsigned long long)len, (unsigned long long)r->start,
		    (unsigned long long)r->end, physmap_type_name(r->type));
}

int elfcore_check_phdr(const struct elf64_phdr *ph, unsigned i, const struct memsrc *mem,
		       char *err, size_t errlen)
{
	uint64_t size = mem->size;

	if (ph->p_type == PT_LOAD) {
		if (ph->p_filesz > ph->p_memsz)
			return errf(err, errlen, "elfcorehdr: PT_LOAD %u: p_filesz 0x%llx > p_memsz 0x%llx",
				    i, (unsigned long long)ph->p_filesz,
				    (unsigned long long)ph->p_memsz);
		if (ph->p_offset + ph->p_filesz < ph->p_offset)
			return errf(err, errlen, "elfcorehdr: PT_LOAD %u: p_offset 0x%llx + p_filesz "
				    "0x%llx overflows", i, (unsigned long long)ph->p_offset,
				    (unsigned long long)ph->p_filesz);
		if (ph->p_paddr >= ELFCORE_MAX_PHYS || ph->p_memsz > ELFCORE_MAX_PHYS - ph->p_paddr)
			return errf(err, errlen, "elfcorehdr: PT_LOAD %u: [0x%llx, +0x%llx) is beyond "
				    "52-bit physical addresses", i,
				    (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
		if (size && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))
			return errf(err, errlen, "elfcorehdr: PT_LOAD %u: %llu bytes at offset 0x%llx "
				    "run past the end of the input (%llu bytes)", i,
				    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_offset,
				    (unsigned long long)size);
		if (check_ram(mem, "PT_LOAD", i, ph->p_paddr, ph->p_memsz, err, errlen) ||
		    check_ram(mem, "PT_LOAD", i, ph->p_offset, ph->p_filesz, err, errlen))
			return -1;
	} else if (ph->p_type == PT_NOTE) {
		if (ph->p_memsz > ELFCORE_MAX_NOTES)
			return errf(err, errlen, "elfcorehdr: PT_NOTE %u: p_memsz %llu is too big",
				    i, (unsigned long long)ph->p_memsz);
		if (ph->p_offset + ph->p_memsz < ph->p_offset)
			return errf(err, errlen, "elfcorehdr: PT_NOTE %u: p_offset 0x%llx overflows",
				    i, (unsigned long long)ph->p_offset);
		if (check_ram(mem, "PT_NOTE", i, ph->p_offset, ph->p_memsz, err, errlen))
			return -1;
	}
	return 0;
}

/*
 * The length of the notes in one PT_NOTE, as /proc/vmcore measures it: up to
 * a note with n_namesz 0, or the first note that would run past the buffer.
 */
static size_t notes_real_size(const uint8_t *buf, size_t max, unsigned idx)
{
	size_t real = 0;

	while (max - real >= sizeof(struct elf64_nhdr)) {
		struct elf64_nhdr nh;
		uint64_t sz;

		memcpy(&nh, buf + real, sizeof(nh));
		if (nh.n_namesz == 0)
			break;
		sz = sizeof(nh) + NOTE_ALIGN(nh.n_namesz) + NOTE_ALIGN(nh.n_descsz);
		if (sz > max - real) {
			port_log("elfcore: PT_NOTE %u: note (namesz %u, descsz %u) runs past "
				 "p_memsz, dropped\n", idx, nh.n_namesz, nh.n_descsz);
			break;
		}
		real += sz;
	}
	if (real == 0)
		port_log("elfcore: PT_NOTE %u holds no notes\n", idx);
	return real;
}

static int name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t n = strlen(want);

	/* namesz counts the NUL; accept a writer that left it out. */
	if (namesz == n + 1)
		return memcmp(name, want, n) == 0 && name[n] == '\0';
	return namesz == n && memcmp(name, want, n) == 0;
}

/* Finds VMCOREINFO and counts the CPUs that saved their registers. */
static void scan_notes(struct elfcore *ec)
{
	size_t pos = 0;

	while (ec->notes_len - pos >= sizeof(struct elf64_nhdr)) {
		struct elf64_nhdr nh;
		const uint8_t *name = ec->notes + pos + sizeof(nh);
		uint64_t desc, sz;

		memcpy(&nh, ec->notes + pos, sizeof(nh));
		desc = pos + sizeof(nh) + NOTE_ALIGN(nh.n_namesz);
		sz = sizeof(nh) + NOTE_ALIGN(nh.n_namesz) + NOTE_ALIGN(nh.n_descsz);
		if (nh.n_namesz == 0 || sz > ec->notes_len - pos)
			break;		/* cannot happen after merging; be safe */
		if (name_is(name, nh.n_namesz, "CORE") && nh.n_type == NT_PRSTATUS)
			ec->nr_cpus++;
		else if (name_is(name, nh.n_namesz, "VMCOREINFO") && !ec->have_vmcoreinfo) {
			ec->have_vmcoreinfo = 1;
			ec->vmcoreinfo_off = desc;
			ec->vmcoreinfo_len = nh.n_descsz;
		}
		pos += sz;
	}
}

static int read_notes(struct elfcore *ec, uint64_t hdr_off, uint64_t phoff,
		      uint64_t total, struct arena *a, char *err, size_t errlen)
{
	struct elf64_phdr ph;

	ec->notes = arena_alloc(a, total ? total : 1, 8);
	if (!ec->notes)
		return errf(err, errlen, "elfcorehdr: no memory for %llu bytes of notes",
			    (unsigned long long)total);
	ec->notes_len = 0;
	for (unsigned i = 0; i < ec->e_phnum; i++) {
		uint64_t at = hdr_off + phoff + (uint64_t)i * sizeof(ph);

		if (ec->mem->read(ec->mem, at, &ph, sizeof(ph)))
			return errf(err, errlen, "elfcorehdr: cannot read program header %u", i);
		if (ph.p_type != PT_NOTE || ph.p_memsz == 0)
			continue;
		/* The phdrs were checked once already; they may not change. */
		if (ph.p_memsz > total - ec->notes_len)
			return errf(err, errlen, "elfcorehdr: program headers changed while read");
		uint8_t *dst = ec->notes + ec->notes_len;
		if (ec->mem->read(ec->mem, ph.p_offset, dst, ph.p_memsz)) {
			/* Only one CPU's registers or VMCOREINFO lost: go on. */
			port_log("elfcore: PT_NOTE %u at 0x%llx (%llu bytes) cannot be read, "
				 "skipped\n", i, (unsigned long long)ph.p_offset,
				 (unsigned long long)ph.p_memsz);
			continue;
		}
		ec->notes_len += notes_real_size(dst, ph.p_memsz, i);
	}
	/* Nothing past the merged notes may keep bytes from a dropped note. */
	memset(ec->notes + ec->notes_len, 0, total - ec->notes_len);
	scan_notes(ec);
	return 0;
}

/* phys_base: from VMCOREINFO, else from the PT_LOAD of the kernel text. */
static void find_phys_base(struct elfcore *ec)
{
	int64_t n;

	if (vmcoreinfo_number(&ec->vmci, "phys_base", &n)) {
		ec->have_phys_base = 1;
		ec->phys_base = (uint64_t)n;
		ec->phys_base_from = "VMCOREINFO";
		return;
	}
	for (unsigned i = 0; i < ec->nr_loads; i++) {
		const struct elf_load *l = &ec->loads[i];
		if (l->vaddr >= KERNEL_MAP_BASE && l->vaddr - KERNEL_MAP_BASE < KERNEL_MAP_SIZE) {
			ec->have_phys_base = 1;
			ec->phys_base = l->paddr - (l->vaddr - KERNEL_MAP_BASE);
			ec->phys_base_from = "kernel PT_LOAD";
			return;
		}
	}
}

/* page_offset as makedumpfile finds it: the last direct-map PT_LOAD. */
static void find_page_offset(struct elfcore *ec)
{
	for (unsigned i = 0; i < ec->nr_loads; i++) {
		const struct elf_load *l = &ec->loads[i];
		if (l->vaddr >= 0xffff800000000000ull && l->vaddr < KERNEL_MAP_BASE &&
		    l->vaddr >= l->paddr) {
			ec->have_page_offset = 1;
			ec->page_offset = l->vaddr - l->paddr;
		}
	}
}

int elfcore_read(struct elfcore *ec, struct memsrc *mem, uint64_t hdr_off,
		 uint64_t hdr_size, struct arena *a, char *err, size_t errlen)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	const struct physmap_range *bad;
	uint64_t notes_total = 0, ram = 0;
	unsigned nloads = 0, nnotes = 0;
	uint64_t pagesize;

	memset(ec, 0, sizeof(*ec));
	ec->mem = mem;
	vmcoreinfo_init(&ec->vmci, NULL, 0);
	if (hdr_size && hdr_size < sizeof(eh))
		return errf(err, errlen, "elfcorehdr: size %llu is smaller than an ELF header",
			    (unsigned long long)hdr_size);
	if (mem->map && physmap_check(mem->map, hdr_off, hdr_size ? hdr_size : sizeof(eh), &bad)) {
		if (!bad)
			return errf(err, errlen, "elfcorehdr=0x%llx is beyond this CPU's physical "
				    "addresses (0x%llx)", (unsigned long long)hdr_off,
				    (unsigned long long)mem->map->limit);
		return errf(err, errlen, "elfcorehdr=0x%llx is not RAM by the firmware's memory map: "
			    "[0x%llx, 0x%llx) is %s", (unsigned long long)hdr_off,
			    (unsigned long long)bad->start, (unsigned long long)bad->end,
			    physmap_type_name(bad->type));
	}
	if (mem->read(mem, hdr_off, &eh, sizeof(eh)))
		return errf(err, errlen, "elfcorehdr: cannot read the ELF header at 0x%llx",
			    (unsigned long long)hdr_off);
	if (elfcore_check_ehdr(&eh, hdr_off, hdr_size, err, errlen))
		return -1;
	ec->e_phnum = eh.e_phnum;

	/* First pass: check every phdr and count what to allocate. */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (mem->read(mem, hdr_off + eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph)))
			return errf(err, errlen, "elfcorehdr: cannot read program header %u", i);
		if (elfcore_check_phdr(&ph, i, mem, err, errlen))
			return -1;
		if (ph.p_type == PT_LOAD && ph.p_memsz) {
			nloads++;
			ram += ph.p_memsz;
		}
		if (ph.p_type == PT_NOTE && ph.p_memsz) {
			nnotes++;
			notes_total += ph.p_memsz;
			if (notes_total > ELFCORE_MAX_NOTES)
				return errf(err, errlen, "elfcorehdr: PT_NOTEs add up to more than %u bytes",
					    ELFCORE_MAX_NOTES);
		}
	}
	if (nloads == 0)
		return errf(err, errlen, "elfcorehdr: no PT_LOAD segments: no memory to dump");
	/* Each PT_LOAD is below 2^52, so 65534 of them cannot overflow ram. */
	if (mem->size && ram > ELFCORE_RAM_FLOOR &&
	    ram / ELFCORE_RAM_PER_FILE_BYTE > mem->size)
		return errf(err, errlen, "elfcorehdr: the PT_LOADs claim %llu MiB of RAM, but the "
			    "input holds only %llu KiB, less than that RAM's struct pages alone: "
			    "the header is corrupt", (unsigned long long)(ram >> 20),
			    (unsigned long long)(mem->size >> 10));

	ec->loads = arena_alloc(a, (size_t)nloads * sizeof(*ec->loads), 8);
	if (!ec->loads)
		return errf(err, errlen, "elfcorehdr: no memory for %u PT_LOADs", nloads);
	for (unsigned i = 0; i < eh.e_phnum && ec->nr_loads < nloads; i++) {
		if (mem->read(mem, hdr_off + eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph)))
			return errf(err, errlen, "elfcorehdr: cannot read program header %u", i);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (elfcore_check_phdr(&ph, i, mem, err, errlen))
			return -1;
		struct elf_load *l = &ec->loads[ec->nr_loads++];
		l->paddr = ph.p_paddr;
		l->vaddr = ph.p_vaddr;
		l->offset = ph.p_offset;
		l->filesz = ph.p_filesz;
		l->memsz = ph.p_memsz;
		uint64_t end_pfn = (l->paddr + l->memsz + PAGE_BYTES - 1) >> PAGE_SHIFT;
		if (end_pfn > ec->max_pfn)
			ec->max_pfn = end_pfn;
	}
	if (ec->nr_loads != nloads)
		return errf(err, errlen, "elfcorehdr: program headers changed while read");

	if (read_notes(ec, hdr_off, eh.e_phoff, notes_total, a, err, errlen))
		return -1;
	if (ec->have_vmcoreinfo)
		vmcoreinfo_init(&ec->vmci, (const char *)ec->notes + ec->vmcoreinfo_off,
				ec->vmcoreinfo_len);
	if (vmcoreinfo_pagesize(&ec->vmci, &pagesize) && pagesize != PAGE_BYTES)
		return errf(err, errlen, "VMCOREINFO: PAGESIZE=%llu, expected 4096",
			    (unsigned long long)pagesize);
	find_phys_base(ec);
	find_page_offset(ec);
	return 0;
}

/* The PT_LOAD whose file-backed part holds pa, or NULL. */
static const struct elf_load *find_load(struct elfcore *ec, uint64_t pa)
{
	const struct elf_load *l;

	if (ec->hint < ec->nr_loads) {
		l = &ec->loads[ec->hint];
		if (pa >= l->paddr && pa - l->paddr < l->filesz)
			return l;
	}
	for (unsigned i = 0; i < ec->nr_loads; i++) {
		l = &ec->loads[i];
		if (pa >= l->paddr && pa - l->paddr < l->filesz) {
			ec->hint = i;
			return l;
		}
	}
	return NULL;
}

int elfcore_phys_to_off(struct elfcore *ec, uint64_t pa, uint64_t *off, uint64_t *avail)
{
	const struct elf_load *l = find_load(ec, pa);

	if (!l)
		return -1;
	*off = l->offset + (pa - l->paddr);
	*avail = l->filesz - (pa - l->paddr);
	return 0;
}

/* Bytes from pa up to the next file-backed byte (at most len). */
static uint64_t gap_len(const struct elfcore *ec, uint64_t pa, uint64_t len)
{
	uint64_t gap = len;

	for (unsigned i = 0; i < ec->nr_loads; i++) {
		const struct elf_load *l = &ec->loads[i];
		if (l->filesz && l->paddr > pa && l->paddr - pa < gap)
			gap = l->paddr - pa;
	}
	return gap;
}

static int read_phys(struct elfcore *ec, uint64_t pa, void *buf, size_t len,
		     int strict, size_t *missing)
{
	uint8_t *p = buf;

	if (pa + len < pa)
		return -1;
	while (len) {
		uint64_t off, avail, n;

		if (elfcore_phys_to_off(ec, pa, &off, &avail) == 0) {
			n = avail < len ? avail : len;
			if (ec->mem->read(ec->mem, off, p, n))
				return -1;
		} else {
			if (strict)
				return -1;
			n = gap_len(ec, pa, len);
			memset(p, 0, n);
			if (missing)
				*missing += n;
		}
		p += n;
		pa += n;
		len -= n;
	}
	return 0;
}

int elfcore_read_phys(struct elfcore *ec, uint64_t pa, void *buf, size_t len)
{
	return read_phys(ec, pa, buf, len, 1, NULL);
}

int elfcore_read_phys_fill(struct elfcore *ec, uint64_t pa, void *buf, size_t len,
			   size_t *missing)
{
	return read_phys(ec, pa, buf, len, 0, missing);
}

int elfcore_kvtop(const struct elfcore *ec, uint64_t va, uint64_t *pa)
{
	if (va >= KERNEL_MAP_BASE && va - KERNEL_MAP_BASE < KERNEL_MAP_SIZE) {
		if (!ec->have_phys_base)
			return -1;
		*pa = va - KERNEL_MAP_BASE + ec->phys_base;
		return 0;
	}
	/* Only as far as there is RAM: past it lie vmalloc and vmemmap. */
	if (ec->have_page_offset && va >= ec->page_offset && va < KERNEL_MAP_BASE &&
	    va - ec->page_offset < ec->max_pfn << PAGE_SHIFT) {
		*pa = va - ec->page_offset;
		return 0;
	}
	return -1;
}

int elfcore_read_kv(struct elfcore *ec, uint64_t va, void *buf, size_t len)
{
	uint64_t pa;

	/* Both maps are linear: one translation covers the range. */
	if (va + len < va || elfcore_kvtop(ec, va, &pa) ||
	    (len && elfcore_kvtop(ec, va + len - 1, &pa)))
		return -1;
	elfcore_kvtop(ec, va, &pa);
	return elfcore_read_phys(ec, pa, buf, len);
}

uint64_t elfcore_ram_bytes(const struct elfcore *ec)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < ec->nr_loads; i++)
		if (ec->loads[i].vaddr < KERNEL_MAP_BASE)
			sum += ec->loads[i].memsz;
	return sum;
}

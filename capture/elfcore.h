/*
 * The crashed kernel's ELF core header: its PT_LOAD windows onto old memory, its
 * notes (merged into one buffer exactly as /proc/vmcore merges them), the
 * VMCOREINFO inside them, and address translation for the kernel image map.
 *
 * The header is read through a memsrc: in the image at the physical address
 * from elfcorehdr=, on the host at offset 0 of an ELF vmcore file (raw from the
 * kernel, /proc/vmcore, or makedumpfile -E: all are read by the same code).
 */
#ifndef CAPTURE_ELFCORE_H
#define CAPTURE_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/arena.h"
#include "capture/elf64.h"
#include "capture/page.h"
#include "capture/ports.h"
#include "capture/vmcoreinfo.h"

#define ELFCORE_MAX_PHNUM	(PN_XNUM - 1)	/* no extended numbering */
#define ELFCORE_MAX_NOTES	(16u << 20)	/* all PT_NOTEs together */
#define ELFCORE_MAX_PHYS	(1ull << 52)	/* x86_64 MAX_PHYSMEM_BITS */
/* The least of a dump file that a segment's RAM implies: its struct pages
 * (64 bytes per 4 KiB page) are never filtered out. A file that claims more
 * RAM than this allows, beyond the floor, is a corrupt header. */
#define ELFCORE_RAM_PER_FILE_BYTE	64
#define ELFCORE_RAM_FLOOR		(4ull << 30)
#define KERNEL_MAP_BASE		0xffffffff80000000ull	/* __START_KERNEL_map */
#define KERNEL_MAP_SIZE		(1ull << 30)		/* KERNEL_IMAGE_SIZE, KASLR */

struct elf_load {
	uint64_t paddr, vaddr, offset, filesz, memsz;
};

struct elfcore {
	struct memsrc *mem;
	uint16_t e_phnum;

	unsigned nr_loads;		/* PT_LOADs with memsz > 0, in phdr order */
	struct elf_load *loads;
	uint64_t max_pfn;		/* one past the highest pfn in any PT_LOAD */

	uint8_t *notes;			/* every PT_NOTE's notes, concatenated */
	size_t notes_len;
	int nr_cpus;			/* CORE/NT_PRSTATUS notes */
	int have_vmcoreinfo;
	size_t vmcoreinfo_off;		/* of the descriptor text, within notes */
	size_t vmcoreinfo_len;		/* n_descsz */
	struct vmcoreinfo vmci;		/* empty if there is none */

	int have_phys_base;
	uint64_t phys_base;
	const char *phys_base_from;	/* "VMCOREINFO", "kernel PT_LOAD" */
	int have_page_offset;
	uint64_t page_offset;		/* direct map base, from a PT_LOAD */

	unsigned hint;			/* last PT_LOAD that matched */
};

/*
 * Reads and validates the header at hdr_off (hdr_size bounds it when
 * non-zero). Returns 0, or -1 with the reason in err.
 */
/* RAM the dump covers: the PT_LOADs other than the kernel-text alias of RAM. */
uint64_t elfcore_ram_bytes(const struct elfcore *ec);

int elfcore_read(struct elfcore *ec, struct memsrc *mem, uint64_t hdr_off,
		 uint64_t hdr_size, struct arena *a, char *err, size_t errlen);

/*
 * Where physical address pa is in the memsrc: *off, and *avail bytes from
 * there are file-backed in the same PT_LOAD. Returns 0, or -1 if pa is not
 * backed (a hole, or past p_filesz).
 */
int elfcore_phys_to_off(struct elfcore *ec, uint64_t pa, uint64_t *off, uint64_t *avail);

/* Reads physical memory; -1 unless every byte is backed and readable. */
int elfcore_read_phys(struct elfcore *ec, uint64_t pa, void *buf, size_t len);

/*
 * Reads physical memory, zero-filling bytes no PT_LOAD backs (holes, past
 * p_filesz) and counting them in *missing. Returns -1 only if the memsrc
 * fails.
 */
int elfcore_read_phys_fill(struct elfcore *ec, uint64_t pa, void *buf, size_t len,
			   size_t *missing);

/*
 * The checks of one ELF header (at hdr_off, hdr_size bytes long if non-zero)
 * and of program header i, as elfcore_read() makes them. 0, or -1 with err.
 */
int elfcore_check_ehdr(const struct elf64_ehdr *eh, uint64_t hdr_off, uint64_t hdr_size,
		       char *err, size_t errlen);
int elfcore_check_phdr(const struct elf64_phdr *ph, unsigned i, const struct memsrc *mem,
		       char *err, size_t errlen);

/* How much of a file an ELF vmcore takes (capture/elfcore_measure.c, host only). */
struct elfcore_extent {
	uint64_t len;		/* to the end of the furthest segment or header */
	uint64_t lost;		/* segments past the end of an incomplete dump */
	int incomplete;		/* e_flags bit 0, as makedumpfile -E sets it */
};
#define ELFCORE_FLAG_INCOMPLETE	1
#define ELF64_SHDR_SIZE		64

/*
 * Checks an ELF vmcore file (file->size bytes) with elfcore_read()'s header
 * and program-header checks, and measures it. Returns 0, or -1 with the
 * reason in err. Segments past the end are corruption, unless the dump is
 * marked incomplete: then they are counted lost.
 */
int elfcore_measure(struct memsrc *file, struct elfcore_extent *e, char *err, size_t errlen);

/*
 * Kernel virtual to physical: the kernel image map (needs phys_base) and the
 * direct map (needs page_offset). Returns 0, or -1 if va is in neither.
 */
int elfcore_kvtop(const struct elfcore *ec, uint64_t va, uint64_t *pa);
/* Reads kernel virtual memory of the two maps above (strictly). */
int elfcore_read_kv(struct elfcore *ec, uint64_t va, void *buf, size_t len);

#endif

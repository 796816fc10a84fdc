/*
 * The few ELF64 definitions the capture core needs (the image has no <elf.h>).
 * Layouts are the ELF64 ABI's; x86_64 is little-endian like the files we read.
 */
#ifndef CAPTURE_ELF64_H
#define CAPTURE_ELF64_H

#include <stdint.h>

#define ELF_MAG		"\177ELF"
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_CORE		4
#define EM_X86_64	62
#define PT_NULL		0
#define PT_LOAD		1
#define PT_NOTE		4
#define PN_XNUM		0xffff
#define NT_PRSTATUS	1
#define PF_X		1
#define PF_W		2
#define PF_R		4

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

struct elf64_nhdr {
	uint32_t n_namesz;
	uint32_t n_descsz;
	uint32_t n_type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ehdr size");
_Static_assert(sizeof(struct elf64_phdr) == 56, "phdr size");
_Static_assert(sizeof(struct elf64_nhdr) == 12, "nhdr size");

/* The header of an x86-64 core file whose phnum program headers follow it. */
static inline void elf64_core_header(struct elf64_ehdr *eh, uint16_t phnum)
{
	*eh = (struct elf64_ehdr){ 0 };
	eh->e_ident[0] = 0x7f;
	eh->e_ident[1] = 'E';
	eh->e_ident[2] = 'L';
	eh->e_ident[3] = 'F';
	eh->e_ident[4] = ELFCLASS64;
	eh->e_ident[5] = ELFDATA2LSB;
	eh->e_ident[6] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	eh->e_phnum = phnum;
}

#endif

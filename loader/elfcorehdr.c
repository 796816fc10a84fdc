/* Building the elfcorehdr (see elfcorehdr.h). */
#include <elf.h>
#include <string.h>

#include "loader/elfcorehdr.h"

size_t elfcorehdr_size(const struct elfcore_input *in)
{
	return sizeof(Elf64_Ehdr) + (size_t)(in->ncpus + 2 + in->nram) * sizeof(Elf64_Phdr);
}

size_t elfcorehdr_build(const struct elfcore_input *in, void *buf, size_t buflen)
{
	size_t size = elfcorehdr_size(in);
	Elf64_Ehdr *eh = buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)((char *)buf + sizeof(*eh));
	int n = 0;

	if (in->ncpus < 0 || in->nram < 0 || size > buflen ||
	    in->ncpus + 2 + in->nram > 0xfffe)	/* PN_XNUM would need a section */
		return 0;
	memset(buf, 0, size);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = in->ncpus + 2 + in->nram;

	/* Notes: p_offset = p_paddr = buffer address, size = buffer capacity. */
	for (int i = 0; i < in->ncpus; i++, n++) {
		ph[n].p_type = PT_NOTE;
		ph[n].p_offset = ph[n].p_paddr = in->cpu_notes[i].addr;
		ph[n].p_filesz = ph[n].p_memsz = in->cpu_notes[i].size;
	}
	ph[n].p_type = PT_NOTE;
	ph[n].p_offset = ph[n].p_paddr = in->vmcoreinfo.addr;
	ph[n].p_filesz = ph[n].p_memsz = in->vmcoreinfo.size;
	n++;

	/* The kernel image by its virtual address, for gdb and phys_base. */
	ph[n].p_type = PT_LOAD;
	ph[n].p_flags = PF_R | PF_W | PF_X;
	ph[n].p_offset = ph[n].p_paddr = in->text_paddr;
	ph[n].p_vaddr = in->text_vaddr;
	ph[n].p_filesz = ph[n].p_memsz = in->text_size;
	n++;

	/* RAM: no backup region, the bytes are where they are. */
	for (int i = 0; i < in->nram; i++, n++) {
		ph[n].p_type = PT_LOAD;
		ph[n].p_flags = PF_R | PF_W | PF_X;
		ph[n].p_offset = ph[n].p_paddr = in->ram[i].start;
		ph[n].p_vaddr = in->ram[i].start + in->page_offset;
		ph[n].p_filesz = ph[n].p_memsz = in->ram[i].end - in->ram[i].start + 1;
	}
	return size;
}

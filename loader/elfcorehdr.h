/*
 * Building the ELF core header that tells the capture image where the
 * crashed kernel's memory and notes are, the way kexec_file and kexec-tools
 * do (ET_CORE, EM_X86_64; PT_NOTE per CPU, PT_NOTE VMCOREINFO, PT_LOAD
 * kernel text, PT_LOAD per RAM range with p_offset = p_paddr). Used by
 * `dumpling load --legacy`, where no kernel builds it for us.
 */
#ifndef LOADER_ELFCOREHDR_H
#define LOADER_ELFCOREHDR_H

#include <stddef.h>
#include <stdint.h>

#include "loader/iomem.h"

struct note_buf {
	uint64_t addr, size;	/* physical */
};

struct elfcore_input {
	const struct note_buf *cpu_notes;
	int ncpus;
	struct note_buf vmcoreinfo;
	uint64_t text_vaddr, text_paddr, text_size;	/* kernel image */
	uint64_t page_offset;		/* direct map: vaddr = paddr + page_offset */
	const struct range *ram;	/* inclusive ranges, crash kernel removed */
	int nram;
};

/* Bytes the header takes, before padding. */
size_t elfcorehdr_size(const struct elfcore_input *in);

/* Writes the header into buf. Returns its size, or 0 if buflen is too small. */
size_t elfcorehdr_build(const struct elfcore_input *in, void *buf, size_t buflen);

#endif

/*
 * Measuring an ELF vmcore file (see elfcore.h), for dumpling-extract. Host
 * tools only: the Makefile keeps this file out of the image, which reads the
 * elfcorehdr but never measures a dump file.
 */
#include <stdint.h>
#include <string.h>

#include "capture/elfcore.h"
#include "capture/fmt.h"

/* [off, off + len) inside a file of size bytes. */
static int in_file(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

int elfcore_measure(struct memsrc *file, struct elfcore_extent *e, char *err, size_t errlen)
{
	uint64_t size = file->size, end;
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	memset(e, 0, sizeof(*e));
	if (file->read(file, 0, &eh, sizeof(eh)))
		return errf(err, errlen, "too small for an ELF header (%llu bytes)",
			    (unsigned long long)size);
	if (elfcore_check_ehdr(&eh, 0, size, err, errlen))
		return -1;
	e->incomplete = eh.e_flags & ELFCORE_FLAG_INCOMPLETE;
	end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(ph);
	if (eh.e_shoff) {
		uint64_t n = eh.e_shnum ? eh.e_shnum : 1;	/* 0: the count is in section 0 */

		if (eh.e_shentsize != ELF64_SHDR_SIZE || !in_file(size, eh.e_shoff, n * ELF64_SHDR_SIZE))
			return errf(err, errlen, "elfcorehdr: %llu section headers at 0x%llx are not "
				    "inside the file (%llu bytes)", (unsigned long long)n,
				    (unsigned long long)eh.e_shoff, (unsigned long long)size);
		if (eh.e_shoff + n * ELF64_SHDR_SIZE > end)
			end = eh.e_shoff + n * ELF64_SHDR_SIZE;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (file->read(file, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph)))
			return errf(err, errlen, "elfcorehdr: cannot read program header %u", i);
		if (ph.p_type == PT_NULL || !ph.p_filesz)
			continue;
		if (!in_file(size, ph.p_offset, ph.p_filesz)) {
			/* An incomplete dump ends where the writer stopped. */
			if (e->incomplete) {
				e->lost++;
				continue;
			}
			return errf(err, errlen, "elfcorehdr: segment %u: %llu bytes at offset 0x%llx "
				    "run past the end of the file (%llu bytes)", i,
				    (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_offset,
				    (unsigned long long)size);
		}
		if (elfcore_check_phdr(&ph, i, file, err, errlen))
			return -1;
		if (ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	e->len = end;
	return 0;
}

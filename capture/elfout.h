/*
 * ELF vmcore output, as makedumpfile -E writes it: an ELF header, a PT_NOTE
 * first (the merged notes, byte for byte), then each source PT_LOAD cut into
 * pieces wherever 256 or more pages in a row are excluded. Such a run stays
 * in the piece before it as p_memsz > p_filesz; shorter runs are written in
 * place (as zeros: an excluded page is never read). e_flags bit 0 marks an
 * incomplete dump.
 *
 * File layout: ELF header, program headers, notes, then page data packed in
 * program-header order. Two passes over the memory (the first counts the
 * program headers, so the notes and data can be placed), with the same fixed
 * buffers as the kdump writer; the ELF header is written last.
 */
#ifndef CAPTURE_ELFOUT_H
#define CAPTURE_ELFOUT_H

#include <stdint.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/kdump.h"
#include "capture/ports.h"

#define ELFOUT_EXCLUDED_RUN	256	/* makedumpfile's PFN_EXCLUDED */
#define ELFOUT_INCOMPLETE	1	/* e_flags: makedumpfile's DUMP_ELF_INCOMPLETE */

/*
 * Writes the whole dump. o->dump_level bit 1 drops zero pages; o->filter
 * excludes more; o->comp is ignored (ELF output is not compressed). st counts
 * pages of the RAM PT_LOADs (the kernel-text alias is written but not counted).
 * Returns 0 (also for an incomplete dump) or a negative error after a message.
 */
int elf_write(struct elfcore *ec, const struct kdump_opts *o, struct sink *out,
	      struct arena *a, struct kdump_stats *st);

#endif

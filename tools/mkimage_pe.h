/* The PE32+ header mkimage lays over the boot header (see mkimage_pe.c). */
#ifndef TOOLS_MKIMAGE_PE_H
#define TOOLS_MKIMAGE_PE_H

#include <stdint.h>

#define PE_FILE_ALIGN	0x200		/* FileAlignment: the file is whole blocks */
#define PE_SIG_RESERVE	(16u << 10)	/* room in init_size for an appended signature */

/*
 * Writes the DOS stub fields, the PE signature, the file and PE32+ optional
 * headers and one section over the payload into setup[0, headers_size).
 * payload_len is a multiple of PE_FILE_ALIGN; init_size is the memory the
 * payload needs from its start, .bss included.
 */
void pe_header_write(uint8_t *setup, uint32_t headers_size, uint32_t payload_len,
		     uint32_t init_size);

#endif

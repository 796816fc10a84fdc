/* Page-sized helpers shared by the dump writers. */
#ifndef CAPTURE_PAGE_H
#define CAPTURE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_BYTES 4096u

/* An all-zero page goes to the shared zero page (kdump) or is left out (ELF). */
static inline int page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;

	for (size_t i = 0; i < PAGE_BYTES / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

#endif

/* The bump allocator behind every buffer of the capture core (see arena.h). */
#include <stdint.h>
#include <string.h>

#include "capture/arena.h"

void arena_init(struct arena *a, void *base, size_t size)
{
	a->base = base;
	a->size = base ? size : 0;
	a->used = 0;
	a->peak = 0;
}

void *arena_alloc(struct arena *a, size_t size, size_t align)
{
	uintptr_t start, pad;

	if (align == 0 || (align & (align - 1)))
		return NULL;
	if (a->used > a->size)
		return NULL;
	/* Align the absolute address, not just the offset into the block. */
	start = (uintptr_t)a->base + a->used;
	pad = (align - (start & (align - 1))) & (align - 1);
	if (pad > a->size - a->used || size > a->size - a->used - pad)
		return NULL;
	a->used += pad;
	void *p = a->base + a->used;
	a->used += size;
	if (a->used > a->peak)
		a->peak = a->used;
	memset(p, 0, size);
	return p;
}

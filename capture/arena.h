/*
 * Arena: the capture core has no heap. The image hands it one static block inside
 * the crash reservation; host tools hand it a malloc'd one. Nothing is freed one
 * piece at a time; arena_mark/arena_reset drop everything after a mark.
 */
#ifndef CAPTURE_ARENA_H
#define CAPTURE_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena {
	uint8_t *base;
	size_t size;
	size_t used;
	size_t peak;
};

void arena_init(struct arena *a, void *base, size_t size);
/* Returns zeroed memory aligned to align (a power of two), or NULL if full. */
void *arena_alloc(struct arena *a, size_t size, size_t align);
static inline size_t arena_mark(const struct arena *a) { return a->used; }
static inline void arena_reset(struct arena *a, size_t mark) { a->used = mark; }

#endif

/*
 * Memory a device may read and write: the drivers' one call into the
 * platform for memory. The image serves it from a static arena inside the
 * crash reservation (arch/x86_64/dma.c); host tests may link their own.
 */
#ifndef DRIVERS_DMA_H
#define DRIVERS_DMA_H

#include <stddef.h>

/* Zeroed, never freed; NULL when the arena is exhausted. */
void *dma_alloc(size_t size, size_t align);

#endif

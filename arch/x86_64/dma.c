/*
 * The DMA arena (drivers/dma.h): in .bss, which the loader counts into
 * init_size, so it is inside the crash reservation by construction.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/dma.h"
#include "capture/arena.h"
#include "drivers/dma.h"

static uint8_t dma_space[DMA_ARENA_SIZE] __attribute__((aligned(4096)));
static struct arena dma_arena;

void dma_init(void)
{
	arena_init(&dma_arena, dma_space, sizeof(dma_space));
}

void *dma_alloc(size_t size, size_t align)
{
	return arena_alloc(&dma_arena, size, align);
}

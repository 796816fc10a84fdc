/* The image's side of drivers/dma.h: the arena's size, and setting it up. */
#ifndef ARCH_DMA_H
#define ARCH_DMA_H

#define DMA_ARENA_SIZE	(2u << 20)

/* Before the first dma_alloc. */
void dma_init(void);

#endif

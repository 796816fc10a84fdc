#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H
#include <stdint.h>
int paging_init(void);
int paging_levels(void);
/* Makes sure [pa, pa+len) is mapped write-back (RAM being dumped). */
int paging_ensure_ram(uint64_t pa, uint64_t len);
/* Whether [pa, pa+len) is mapped already; changes nothing, so any CPU may ask. */
int paging_ram_mapped(uint64_t pa, uint64_t len);
/* Maps a framebuffer write-combining (or uncached); NULL if out of tables. */
void *fb_map(uint64_t phys, uint64_t size);
int paging_pool_used(void);
unsigned paging_pool_bytes(void);
#endif

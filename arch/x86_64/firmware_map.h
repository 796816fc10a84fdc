#ifndef ARCH_X86_64_FIRMWARE_MAP_H
#define ARCH_X86_64_FIRMWARE_MAP_H

#include <stdint.h>

#include "capture/physmap.h"

/* boot_params' e820 table: how many entries, and entry i of them. */
unsigned e820_count(const uint8_t *bp);
void e820_entry(const uint8_t *bp, unsigned i, uint64_t *addr, uint64_t *size, uint32_t *type);

/* bp: our copy of boot_params, or NULL. */
void firmware_map_load(struct physmap *m, const uint8_t *bp);

#endif

#ifndef ARCH_X86_64_FIRMWARE_MAP_H
#define ARCH_X86_64_FIRMWARE_MAP_H

#include <stdint.h>

#include "capture/physmap.h"

/* bp: our copy of boot_params, or NULL. */
void firmware_map_load(struct physmap *m, const uint8_t *bp);

#endif

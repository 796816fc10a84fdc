/*
 * The crashed machine's other CPUs as workers (capture/workers.h): woken
 * with INIT-SIPI-SIPI, each waits on its mailbox with interrupts off, runs
 * what the image's CPU hands it, and says when it is done. docs/smp.md.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <stdint.h>

#include "capture/arena.h"
#include "capture/config.h"
#include "capture/workers.h"

/*
 * Wakes the CPUs the MADT lists (never the crashed kernel's boot CPU when we
 * are not it), as many as cfg->cpus, SMP_MAX_CPUS and the arena allow. bp is
 * our copy of boot_params (its e820 says where RAM below 1 MiB is), or NULL.
 * Returns the workers, or NULL when this CPU works alone. Says on the
 * console which CPUs it uses and which it left out, and why.
 */
const struct workers *smp_start(const struct capture_config *cfg, struct arena *a,
				const uint8_t *bp);

/* Stops the woken CPUs before the machine is left (reboot.c). */
void smp_park(void);

#endif

/*
 * The image's console: every line to each UART the command line names and
 * to the screen (capture/console_spec.h, capture/screen.h).
 *
 * Until console_start() lines are kept in memory; console_start() opens the
 * consoles and shows them. It runs once the elfcorehdr is known, so that no
 * MMIO UART or framebuffer that is really the crashed kernel's RAM is ever
 * written. If the image fails before that, console_fallback() shows what it
 * has on the UARTs alone.
 */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

#include <stdint.h>

#include "capture/console_spec.h"
#include "capture/elfcore.h"

/* The consoles to use if the image fails before console_start(). */
void console_plan(const struct console_spec *spec);

/* bp: our copy of boot_params, or NULL; ec: the validated elfcorehdr. */
void console_start(const struct console_spec *spec, const uint8_t *bp, const struct elfcore *ec,
		   uint64_t image_start, uint64_t image_end);

/* What the consoles were given so far, for dumpling.log (capture/runlog.h):
 * copies at most max bytes and returns the whole length, at most
 * console_log_size(). */
size_t console_log_copy(char *dst, size_t max);
size_t console_log_size(void);

/* Starts the planned (or default) UARTs if console_start() has not run. */
void console_fallback(void);

#endif

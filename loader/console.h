/*
 * Which consoles the capture image writes to (docs/console.md): the crashed
 * kernel's own console= and earlycon= (or the ACPI SPCR table when they name
 * no serial port), or the config's dumpling_console, turned into the image's
 * dumpling.console= word. Anything malformed is an error now, at load time,
 * not a surprise at crash time.
 */
#ifndef LOADER_CONSOLE_H
#define LOADER_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/console_spec.h"

/*
 * One Linux console name, as console= or earlycon= take it: ttyS0..3[,opts],
 * uart[8250],io|mmio|mmio32,ADDR[,opts], uart8250,0xADDR, tty0..N (the
 * screen). Returns 1 with *u filled for a UART, 2 for the screen, 0 for a
 * console the image cannot drive (with *why), -1 if malformed (with *why).
 */
int linux_console_parse(const char *v, struct uart_spec *u, char *why, size_t n);

/* x86's earlyprintk= value; returns as linux_console_parse(). */
int earlyprintk_parse(const char *v, struct uart_spec *u, char *why, size_t n);

/*
 * ACPI SPCR. Returns 1 with *u for a 16550-compatible UART, 0 for one the
 * image cannot drive (why says which), -1 if the table is malformed.
 */
int spcr_parse(const uint8_t *t, size_t len, struct uart_spec *u, char *why, size_t n);

/*
 * auto: from the kernel command line (console=, then earlycon= and x86's
 * earlyprintk=) and the SPCR table (NULL if none).
 * Skipped consoles are described in notes (one line each). Returns 0 or -1.
 */
int console_auto(const char *kernel_cmdline, const uint8_t *spcr, size_t spcr_len,
		 struct console_spec *out, char *notes, size_t notes_len, char *err, size_t n);

/*
 * dumpling_console's words: "auto", "none", or a list of Linux console
 * names, "screen" and "spcr". Returns 0 or -1.
 */
int console_from_words(const char *words, const uint8_t *spcr, size_t spcr_len,
		       struct console_spec *out, char *err, size_t n);

/* Refuses an MMIO UART inside System RAM (iomem_text: /proc/iomem). */
int console_check_ram(const struct console_spec *c, const char *iomem_text, char *err, size_t n);

/*
 * The whole job for `dumpling load` and `dumpling cmdline`: reads
 * /proc/cmdline, /sys/firmware/acpi/tables/SPCR and /proc/iomem (under
 * DUMPLING_SYSROOT), prints notes on stderr, and appends
 * " dumpling.console=..." to cmdline. Returns 0 or -1 with err.
 */
int console_append_word(const char *config_words, char *cmdline, size_t n, char *err,
			size_t errlen);

/* console_append_word()'s choice, as the spec itself. Returns 0 or -1. */
int console_choose(const char *config_words, struct console_spec *out, char *err,
		   size_t errlen);

#endif

/*
 * Where the capture image writes its console: serial UARTs and the screen.
 *
 * The loader turns the crashed kernel's console=, earlycon= and ACPI SPCR
 * into one canonical word, dumpling.console=, that the image parses strictly
 * (docs/console.md):
 *
 *     dumpling.console=none
 *     dumpling.console=ITEM[,ITEM]...
 *         screen                      the framebuffer or VGA text screen
 *         io@0x2f8:57600n8            a 16550 at an I/O port
 *         mmio@0xfe001000:115200n8    ... with byte-wide registers
 *         mmio32@0xfe001000           ... with 32-bit registers, 4 bytes apart
 *
 * Without :BAUD the line settings the crashed kernel left are kept (the only
 * safe choice for a UART whose input clock is not the PC's 1.8432 MHz).
 */
#ifndef CAPTURE_CONSOLE_SPEC_H
#define CAPTURE_CONSOLE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define CONSOLE_MAX_UARTS 4
#define UART_BASE_BAUD    115200	/* 1.8432 MHz / 16 */

enum uart_iotype { UART_IO, UART_MMIO, UART_MMIO32 };

struct uart_spec {
	enum uart_iotype type;
	uint64_t addr;		/* I/O port or physical address */
	uint32_t baud;		/* 0: keep what the crashed kernel set */
	char parity;		/* 'n', 'o' or 'e' */
	uint8_t bits;		/* 5..8 */
};

struct console_spec {
	int screen;
	int nr_uarts;
	struct uart_spec uart[CONSOLE_MAX_UARTS];
};

/* Nothing known: COM1 at 115200 8N1, and the screen. */
void console_spec_default(struct console_spec *c);

/* Checks one UART's values; returns 0, or -1 with *why saying what is wrong. */
int uart_spec_check(const struct uart_spec *u, const char **why);

/* Adds u unless a UART at the same place is already there (the first one
 * wins). Returns 0, 1 if it was a duplicate, -1 if the list is full. */
int console_spec_add_uart(struct console_spec *c, const struct uart_spec *u);

/* The canonical value, strictly; returns 0 or -1. */
int console_spec_parse(const char *s, size_t len, struct console_spec *c);

/* Writes the canonical value ("none" for nothing); returns its length, or -1
 * if buf is too small. */
int console_spec_format(const struct console_spec *c, char *buf, size_t n);

/* "io 0x2f8 57600n8", for messages. */
void uart_spec_describe(const struct uart_spec *u, char *buf, size_t n);

#endif

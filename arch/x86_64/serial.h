/* A polled 16550 UART at an I/O port or MMIO address (capture/console_spec.h). */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "capture/console_spec.h"

struct uart {
	struct uart_spec spec;
	volatile uint8_t *regs;		/* MMIO types: the mapped registers */
	int alive;
};

/* Finds and programs the UART. Returns 0, or -1 with why (no UART answers,
 * or its registers cannot be mapped). */
int uart_open(struct uart *u, const struct uart_spec *spec, char *why, size_t n);

/* Sends one byte. Returns 0, or -1 if the UART did not take it within a
 * bound; the caller then drops it. */
int uart_putc(struct uart *u, char c);

#endif

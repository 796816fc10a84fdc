/*
 * The console: a 16550 UART on COM1, 115200 8N1, polled. Every line starts with
 * the time since entry, as the kernel's printk does, so a slow step shows.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/serial.h"
#include "capture/ports.h"

#define COM1 0x3f8

static int uart_present;
static int at_line_start = 1;

void serial_init(void)
{
	outb(COM1 + 1, 0x00);		/* no interrupts */
	outb(COM1 + 3, 0x80);		/* DLAB */
	outb(COM1 + 0, 0x01);		/* divisor 1: 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);		/* 8N1 */
	outb(COM1 + 2, 0xc7);		/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);		/* DTR, RTS; OUT2 off keeps the IRQ line quiet */
	/* No UART answers with 0xff on every register. */
	uart_present = inb(COM1 + 5) != 0xff;
}

static void serial_putc(char c)
{
	int spins;

	if (!uart_present)
		return;
	/* Bounded: a wedged UART must not stop the dump. ~100k polls is far longer
	 * than one character at 115200 baud. */
	for (spins = 0; spins < 100000 && !(inb(COM1 + 5) & 0x20); spins++)
		;
	outb(COM1, (uint8_t)c);
}

static void console_write(const char *s)
{
	for (; *s; s++) {
		if (at_line_start) {
			char stamp[24];
			uint64_t ns = port_now_ns();
			const char *p;

			snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
				 (unsigned long long)(ns / 1000000000),
				 (unsigned long long)(ns % 1000000000 / 1000));
			for (p = stamp; *p; p++)
				serial_putc(*p);
			at_line_start = 0;
		}
		if (*s == '\n') {
			serial_putc('\r');
			at_line_start = 1;
		}
		serial_putc(*s);
	}
}

void port_vlog(const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}

/*
 * A 16550 UART, polled: at an I/O port (ttyS0-3 and uart,io,...), or memory
 * mapped with byte-wide or 32-bit registers (uart,mmio / uart,mmio32, as on
 * many newer servers and cloud VMs). Nothing here waits without a bound: a
 * UART that stops taking characters is dropped by the console.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "arch/x86_64/serial.h"
#include "capture/ports.h"

enum { THR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define LCR_DLAB	0x80
#define LSR_THRE	0x20
/* One character takes 10 bit times: 33 ms at 300 baud. Far more than that
 * without room in the transmitter means nobody is listening. */
#define PUTC_TIMEOUT_US	100000

static uint8_t reg_read(struct uart *u, int r)
{
	switch (u->spec.type) {
	case UART_IO: return inb((uint16_t)(u->spec.addr + r));
	case UART_MMIO: return mmio_read8(u->regs + r);
	default: return (uint8_t)mmio_read32(u->regs + 4 * r);
	}
}

static void reg_write(struct uart *u, int r, uint8_t v)
{
	switch (u->spec.type) {
	case UART_IO: outb((uint16_t)(u->spec.addr + r), v); break;
	case UART_MMIO: mmio_write8(u->regs + r, v); break;
	default: mmio_write32(u->regs + 4 * r, v); break;
	}
}

int uart_open(struct uart *u, const struct uart_spec *spec, char *why, size_t n)
{
	memset(u, 0, sizeof(*u));
	u->spec = *spec;
	if (spec->type != UART_IO) {
		u->regs = mmio_map(spec->addr, spec->type == UART_MMIO32 ? 32 : 8);
		if (!u->regs) {
			snprintf(why, n, "cannot map its registers (page-table pool exhausted)");
			return -1;
		}
	}
	/* Nothing decodes the address: reads float to all ones. The scratch
	 * register holds what was written on every 16450 and later. */
	if (reg_read(u, LSR) == 0xff) {
		snprintf(why, n, "nothing answers there");
		return -1;
	}
	reg_write(u, SCR, 0x5a);
	if (reg_read(u, SCR) != 0x5a) {
		snprintf(why, n, "no 16550 scratch register there");
		return -1;
	}
	reg_write(u, SCR, 0xa5);
	if (reg_read(u, SCR) != 0xa5) {
		snprintf(why, n, "no 16550 scratch register there");
		return -1;
	}
	reg_write(u, IER, 0x00);		/* polled: no interrupts */
	if (spec->baud) {
		uint32_t div = (UART_BASE_BAUD + spec->baud / 2) / spec->baud;
		uint8_t lcr = (uint8_t)(spec->bits - 5);

		if (spec->parity == 'o')
			lcr |= 0x08;
		else if (spec->parity == 'e')
			lcr |= 0x18;
		reg_write(u, LCR, LCR_DLAB);
		reg_write(u, DLL, (uint8_t)div);
		reg_write(u, DLM, (uint8_t)(div >> 8));
		reg_write(u, LCR, lcr);
	} else {
		/* Keep the kernel's rate and framing; only make THR reachable. */
		reg_write(u, LCR, reg_read(u, LCR) & ~LCR_DLAB);
	}
	reg_write(u, FCR, 0x07);		/* FIFO on, both cleared */
	reg_write(u, MCR, 0x03);		/* DTR, RTS; OUT2 off keeps the IRQ line quiet */
	u->alive = 1;
	return 0;
}

int uart_putc(struct uart *u, char c)
{
	if (!u->alive)
		return -1;
	if (WAIT_FOR(reg_read(u, LSR) & LSR_THRE, PUTC_TIMEOUT_US)) {
		u->alive = 0;
		return -1;
	}
	reg_write(u, THR, (uint8_t)c);
	return 0;
}

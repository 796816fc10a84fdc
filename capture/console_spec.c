/* The dumpling.console= value (console_spec.h): parsed strictly, written canonically. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/console_spec.h"

void console_spec_default(struct console_spec *c)
{
	memset(c, 0, sizeof(*c));
	c->screen = 1;
	c->nr_uarts = 1;
	c->uart[0] = (struct uart_spec){ UART_IO, 0x3f8, 115200, 'n', 8 };
}

static const char *type_name(enum uart_iotype t)
{
	return t == UART_IO ? "io" : t == UART_MMIO ? "mmio" : "mmio32";
}

int uart_spec_check(const struct uart_spec *u, const char **why)
{
	switch (u->type) {
	case UART_IO:
		if (u->addr == 0 || u->addr > 0xfff8) {
			*why = "an I/O port must be 0x1..0xfff8";
			return -1;
		}
		break;
	case UART_MMIO:
	case UART_MMIO32:
		if (u->addr == 0 || u->addr >= (1ull << 52)) {
			*why = "an MMIO address must be nonzero and below 2^52";
			return -1;
		}
		if (u->type == UART_MMIO32 && (u->addr & 3)) {
			*why = "mmio32 registers must be 4-byte aligned";
			return -1;
		}
		break;
	default:
		*why = "unknown UART type";
		return -1;
	}
	if (u->baud == 0)
		return 0;
	if (u->baud < 50 || u->baud > UART_BASE_BAUD) {
		*why = "the baud rate must be 50..115200 (the PC UART clock); leave it out "
		       "to keep the rate the kernel set";
		return -1;
	}
	if (u->parity != 'n' && u->parity != 'o' && u->parity != 'e') {
		*why = "parity must be n, o or e";
		return -1;
	}
	if (u->bits < 5 || u->bits > 8) {
		*why = "data bits must be 5..8";
		return -1;
	}
	return 0;
}

int console_spec_add_uart(struct console_spec *c, const struct uart_spec *u)
{
	for (int i = 0; i < c->nr_uarts; i++)
		if (c->uart[i].addr == u->addr && (c->uart[i].type == UART_IO) == (u->type == UART_IO))
			return 1;
	if (c->nr_uarts == CONSOLE_MAX_UARTS)
		return -1;
	c->uart[c->nr_uarts++] = *u;
	return 0;
}

static int is_word(const char *p, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(p, w, len) == 0;
}

/* TYPE@0xHEX[:BAUDpb], all of [p, p+len). */
static int parse_uart(const char *p, size_t len, struct uart_spec *u)
{
	const char *end = p + len, *at = memchr(p, '@', len);
	const char *why;
	int digits = 0;

	if (!at)
		return -1;
	if (is_word(p, (size_t)(at - p), "io"))
		u->type = UART_IO;
	else if (is_word(p, (size_t)(at - p), "mmio"))
		u->type = UART_MMIO;
	else if (is_word(p, (size_t)(at - p), "mmio32"))
		u->type = UART_MMIO32;
	else
		return -1;
	p = at + 1;
	if (end - p < 3 || p[0] != '0' || p[1] != 'x')
		return -1;
	u->addr = 0;
	for (p += 2; p < end && *p != ':'; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0 || ++digits > 13)
			return -1;
		u->addr = u->addr << 4 | (uint64_t)d;
	}
	if (!digits)
		return -1;
	u->baud = 0;
	u->parity = 'n';
	u->bits = 8;
	if (p < end) {
		digits = 0;
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			if (++digits > 6 || (digits == 1 && *p == '0'))
				return -1;
			u->baud = u->baud * 10 + (uint32_t)(*p - '0');
		}
		if (!digits || end - p != 2)
			return -1;
		u->parity = p[0];
		if (p[1] < '0' || p[1] > '9')
			return -1;
		u->bits = (uint8_t)(p[1] - '0');
	}
	return uart_spec_check(u, &why);
}

int console_spec_parse(const char *s, size_t len, struct console_spec *c)
{
	const char *end = s + len;

	memset(c, 0, sizeof(*c));
	if (is_word(s, len, "none"))
		return 0;
	if (len == 0)
		return -1;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		struct uart_spec u;

		if (is_word(s, (size_t)(e - s), "screen")) {
			if (c->screen)
				return -1;
			c->screen = 1;
		} else if (parse_uart(s, (size_t)(e - s), &u) || console_spec_add_uart(c, &u)) {
			return -1;	/* malformed, a duplicate, or a fifth UART */
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int console_spec_format(const struct console_spec *c, char *buf, size_t n)
{
	size_t k = 0;
	int r;

	if (!n)
		return -1;
	buf[0] = 0;
	for (int i = 0; i < c->nr_uarts; i++) {
		const struct uart_spec *u = &c->uart[i];

		r = snprintf(buf + k, n - k, "%s%s@0x%llx", k ? "," : "", type_name(u->type),
			     (unsigned long long)u->addr);
		if (r < 0 || (size_t)r >= n - k)
			return -1;
		k += (size_t)r;
		if (u->baud) {
			r = snprintf(buf + k, n - k, ":%u%c%u", u->baud, u->parity, u->bits);
			if (r < 0 || (size_t)r >= n - k)
				return -1;
			k += (size_t)r;
		}
	}
	r = snprintf(buf + k, n - k, "%s", c->screen ? (k ? ",screen" : "screen") : (k ? "" : "none"));
	if (r < 0 || (size_t)r >= n - k)
		return -1;
	return (int)(k + (size_t)r);
}

void uart_spec_describe(const struct uart_spec *u, char *buf, size_t n)
{
	if (u->baud)
		snprintf(buf, n, "%s 0x%llx %u%c%u", type_name(u->type), (unsigned long long)u->addr,
			 u->baud, u->parity, u->bits);
	else
		snprintf(buf, n, "%s 0x%llx (as the kernel set it)", type_name(u->type),
			 (unsigned long long)u->addr);
}

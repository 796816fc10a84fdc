/*
 * vsnprintf for the capture image (see fmt.h). Everything goes through put(),
 * which counts every character but only stores what fits, so the return value
 * is the would-be length as C99 asks.
 */
#include <limits.h>
#include <stdint.h>

#include "capture/fmt.h"

struct out {
	char *buf;
	size_t n;
	size_t len;
};

#define F_MINUS	0x01
#define F_ZERO	0x02
#define F_PLUS	0x04
#define F_SPACE	0x08
#define F_ALT	0x10

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

/* A string, cut to prec (if >= 0) and padded to width. */
static void put_str(struct out *o, const char *s, int prec, int width, int flags)
{
	size_t len = 0;

	while ((prec < 0 || len < (size_t)prec) && s[len])
		len++;
	if (!(flags & F_MINUS) && width > 0 && (size_t)width > len)
		put_n(o, ' ', width - (int)len);
	for (size_t i = 0; i < len; i++)
		put(o, s[i]);
	if ((flags & F_MINUS) && width > 0 && (size_t)width > len)
		put_n(o, ' ', width - (int)len);
}

/*
 * An integer: magnitude v, sign character (0 if none), base, upper-case hex,
 * precision (minimum digits, -1 if none), width and flags.
 */
static void put_int(struct out *o, uint64_t v, char sign, unsigned base, int upper,
		    int prec, int width, int flags)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0;
	const char *prefix = "";
	int plen, zeros, total;

	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	if (prec < 0)
		prec = 1;		/* the value 0 still prints one digit */
	else
		flags &= ~F_ZERO;	/* C99: a precision disables the 0 flag */
	if ((flags & F_ALT) && base == 16 && nd)
		prefix = upper ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && prec <= nd)
		prec = nd + 1;		/* the first digit must be 0 */
	plen = (sign ? 1 : 0) + (prefix[0] ? 2 : 0);
	zeros = prec > nd ? prec - nd : 0;
	total = plen + zeros + nd;
	if ((flags & F_ZERO) && !(flags & F_MINUS) && width > total) {
		zeros += width - total;
		total = width;
	}
	if (!(flags & F_MINUS) && width > total)
		put_n(o, ' ', width - total);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	put_n(o, '0', zeros);
	while (nd)
		put(o, tmp[--nd]);
	if ((flags & F_MINUS) && width > total)
		put_n(o, ' ', width - total);
}

enum len { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T };

static int64_t arg_signed(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (signed char)va_arg(*ap, int);
	case L_H: return (short)va_arg(*ap, int);
	case L_L: return va_arg(*ap, long);
	case L_LL: return va_arg(*ap, long long);
	case L_Z: return (int64_t)va_arg(*ap, size_t);
	case L_J: return va_arg(*ap, intmax_t);
	case L_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case L_H: return (unsigned short)va_arg(*ap, unsigned int);
	case L_L: return va_arg(*ap, unsigned long);
	case L_LL: return va_arg(*ap, unsigned long long);
	case L_Z: return va_arg(*ap, size_t);
	case L_J: return va_arg(*ap, uintmax_t);
	case L_T: return (uint64_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/* Reads a decimal number (width or precision), saturating at INT_MAX. */
static int read_num(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		int d = *(*fmt)++ - '0';
		v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
	}
	return v;
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap_in)
{
	struct out o = { buf, n, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		const char *start = fmt;
		int flags = 0, width = 0, prec = -1;
		enum len l = L_NONE;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-') flags |= F_MINUS;
			else if (*fmt == '0') flags |= F_ZERO;
			else if (*fmt == '+') flags |= F_PLUS;
			else if (*fmt == ' ') flags |= F_SPACE;
			else if (*fmt == '#') flags |= F_ALT;
			else break;
		}
		if (*fmt == '*') {
			fmt++;
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_MINUS;
				width = width == INT_MIN ? INT_MAX : -width;
			}
		} else {
			width = read_num(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;	/* as if omitted */
			} else {
				prec = read_num(&fmt);
			}
		}
		switch (*fmt) {
		case 'h':
			fmt++;
			l = L_H;
			if (*fmt == 'h') { fmt++; l = L_HH; }
			break;
		case 'l':
			fmt++;
			l = L_L;
			if (*fmt == 'l') { fmt++; l = L_LL; }
			break;
		case 'z': fmt++; l = L_Z; break;
		case 'j': fmt++; l = L_J; break;
		case 't': fmt++; l = L_T; break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, l);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			char sign = v < 0 ? '-' : (flags & F_PLUS) ? '+' :
				    (flags & F_SPACE) ? ' ' : 0;
			put_int(&o, mag, sign, 10, 0, prec, width, flags);
			break;
		}
		case 'u':
			put_int(&o, arg_unsigned(&ap, l), 0, 10, 0, prec, width, flags);
			break;
		case 'o':
			put_int(&o, arg_unsigned(&ap, l), 0, 8, 0, prec, width, flags);
			break;
		case 'x':
		case 'X':
			put_int(&o, arg_unsigned(&ap, l), 0, 16, *fmt == 'X', prec,
				width, flags);
			break;
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p)
				put_str(&o, "(nil)", -1, width, flags);
			else
				put_int(&o, (uintptr_t)p, 0, 16, 0, prec, width,
					flags | F_ALT);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			/* not put_str: it would stop at a NUL character */
			if (!(flags & F_MINUS))
				put_n(&o, ' ', width - 1);
			put(&o, c);
			if (flags & F_MINUS)
				put_n(&o, ' ', width - 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = (prec < 0 || prec >= 6) ? "(null)" : "";
			put_str(&o, s, prec, width, flags);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: copy it as it is. */
			while (start < fmt)
				put(&o, *start++);
			if (!*fmt)
				continue;
			put(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);
	if (n > 0)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

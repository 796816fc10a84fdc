/* Choosing the capture image's consoles (console.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/console.h"
#include "loader/iomem.h"
#include "loader/sysroot.h"
#include "capture/fmt.h"

static const uint16_t std_ports[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/* Decimal digits only, all of [s, e), no leading zero, at most max. */
static int parse_dec(const char *s, const char *e, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == e || e - s > 10 || (*s == '0' && e - s > 1))
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* 0x-prefixed hex, all of [s, e). */
static int parse_hex(const char *s, const char *e, uint64_t *out)
{
	uint64_t v = 0;

	if (e - s < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || e - s > 18)
		return -1;
	for (s += 2; s < e; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/*
 * Linux's serial options, BBBB[P[N[F]]] (uart_parse_options): 115200n8,
 * 9600, 57600e7r. A rate above what the PC clock gives belongs to a UART
 * with another clock: keep what the kernel set rather than guess.
 */
static int parse_options(const char *v, const char *s, const char *e, struct uart_spec *u,
			 char *why, size_t n)
{
	const char *d = s;
	uint64_t baud;

	while (d < e && *d >= '0' && *d <= '9')
		d++;
	if (parse_dec(s, d, 10000000, &baud) || baud < 50) {
		snprintf(why, n, "'%s': expected BAUD[PARITY[BITS[FLOW]]] such as 115200n8 after "
			 "the port", v);
		return -1;
	}
	u->baud = baud > UART_BASE_BAUD ? 0 : (uint32_t)baud;
	u->parity = 'n';
	u->bits = 8;
	if (d < e) {
		char p = *d >= 'A' && *d <= 'Z' ? (char)(*d - 'A' + 'a') : *d;

		if (p != 'n' && p != 'o' && p != 'e') {
			snprintf(why, n, "'%s': parity must be n, o or e", v);
			return -1;
		}
		u->parity = p;
		d++;
	}
	if (d < e) {
		if (*d < '5' || *d > '8') {
			snprintf(why, n, "'%s': data bits must be 5..8", v);
			return -1;
		}
		u->bits = (uint8_t)(*d - '0');
		d++;
	}
	if (d < e && *d == 'r')
		d++;			/* RTS/CTS: the image polls and never waits on CTS */
	if (d != e) {
		snprintf(why, n, "'%s': unexpected '%.*s' after the options", v, (int)(e - d), d);
		return -1;
	}
	return 0;
}

static int check(struct uart_spec *u, const char *v, char *why, size_t n)
{
	const char *w;

	if (uart_spec_check(u, &w)) {
		snprintf(why, n, "'%s': %s", v, w);
		return -1;
	}
	return 1;
}

int linux_console_parse(const char *v, struct uart_spec *u, char *why, size_t n)
{
	const char *end = v + strlen(v), *comma = strchr(v, ',');
	const char *name_end = comma ? comma : end;

	memset(u, 0, sizeof(*u));
	u->parity = 'n';
	u->bits = 8;
	if (!strncmp(v, "ttyS", 4)) {
		uint64_t idx;

		if (parse_dec(v + 4, name_end, 9999, &idx)) {
			snprintf(why, n, "'%s': expected ttyS<N>[,BAUD...]", v);
			return -1;
		}
		if (idx > 3) {
			snprintf(why, n, "'%s': dumpling knows the ports of ttyS0..ttyS3 only; name "
				 "this UART as uart,io,PORT or uart,mmio32,ADDR in dumpling_console", v);
			return 0;
		}
		u->type = UART_IO;
		u->addr = std_ports[idx];
		if (comma && parse_options(v, comma + 1, end, u, why, n))
			return -1;
		return check(u, v, why, n);
	}
	if (!strncmp(v, "tty", 3) && v[3] >= '0' && v[3] <= '9') {
		uint64_t idx;

		if (comma || parse_dec(v + 3, end, 63, &idx)) {
			snprintf(why, n, "'%s': expected tty<N> (the screen)", v);
			return -1;
		}
		return 2;
	}
	if ((name_end - v == 4 && !strncmp(v, "uart", 4)) ||
	    (name_end - v == 8 && !strncmp(v, "uart8250", 8))) {
		const char *p = comma ? comma + 1 : end, *f = strchr(p, ',');
		const char *fe = f ? f : end;

		if (!comma || p == end) {
			snprintf(why, n, "'%s': expected uart,io|mmio|mmio32,ADDR[,BAUD...]", v);
			return -1;
		}
		if (fe - p == 2 && !strncmp(p, "io", 2))
			u->type = UART_IO;
		else if (fe - p == 4 && !strncmp(p, "mmio", 4))
			u->type = UART_MMIO;
		else if (fe - p == 6 && !strncmp(p, "mmio32", 6))
			u->type = UART_MMIO32;
		else if ((fe - p == 6 && !strncmp(p, "mmio16", 6)) ||
			 (fe - p == 8 && !strncmp(p, "mmio32be", 8))) {
			snprintf(why, n, "'%s': %.*s UARTs are not supported (io, mmio and mmio32 "
				 "are)", v, (int)(fe - p), p);
			return 0;
		} else if (fe - p > 2 && p[0] == '0' && p[1] == 'x') {
			u->type = UART_MMIO;	/* uart8250,0xADDR: memory, as in Linux */
			fe = p;
			f = p - 1;
		} else {
			snprintf(why, n, "'%s': expected io, mmio or mmio32 after %.*s,", v,
				 (int)(name_end - v), v);
			return -1;
		}
		/* f: the comma before ADDR */
		if (!f) {
			snprintf(why, n, "'%s': no address", v);
			return -1;
		}
		p = f + 1;
		f = strchr(p, ',');
		if (parse_hex(p, f ? f : end, &u->addr)) {
			snprintf(why, n, "'%s': the address must be 0x hex", v);
			return -1;
		}
		if (f) {
			const char *g = strchr(f + 1, ',');

			if (parse_options(v, f + 1, g ? g : end, u, why, n))
				return -1;
			if (g)
				u->baud = 0;	/* a UART clock follows: not the PC's; keep */
		}
		return check(u, v, why, n);
	}
	snprintf(why, n, "'%s' is not a console the capture image can drive (it drives "
		 "ttyS0..3, uart 16550s and the screen)", v);
	return 0;
}

/*
 * x86's earlyprintk=[serial,][ttyS0|ttyS1|0xPORT][,BAUD][,keep], or vga/efi
 * (arch/x86/kernel/early_printk.c: COM1 and 9600 when left out). Returns as
 * linux_console_parse() does.
 */
int earlyprintk_parse(const char *v, struct uart_spec *u, char *why, size_t n)
{
	char buf[128], *f[4], *p;
	int nf = 0, i = 0;
	uint64_t x;

	memset(u, 0, sizeof(*u));
	if (strlen(v) >= sizeof(buf)) {
		snprintf(why, n, "earlyprintk='%.40s...': too long", v);
		return -1;
	}
	strcpy(buf, v);
	for (p = buf; nf < 4; ) {
		f[nf++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	if (p) {
		snprintf(why, n, "earlyprintk='%s': too many fields", v);
		return -1;
	}
	if (nf > 1 && !strcmp(f[nf - 1], "keep"))
		nf--;
	if (!strcmp(f[0], "vga") || !strcmp(f[0], "efi")) {
		if (nf == 1)
			return 2;
		snprintf(why, n, "earlyprintk='%s': unexpected fields", v);
		return -1;
	}
	u->type = UART_IO;
	u->addr = 0x3f8;
	u->baud = 9600;
	u->parity = 'n';
	u->bits = 8;
	if (!strcmp(f[0], "serial"))
		i = 1;
	else if (strncmp(f[0], "ttyS", 4)) {
		snprintf(why, n, "earlyprintk='%s' is not a console the capture image can drive", v);
		return 0;
	}
	if (i < nf && !strncmp(f[i], "ttyS", 4)) {
		if (strcmp(f[i], "ttyS0") && strcmp(f[i], "ttyS1")) {
			snprintf(why, n, "earlyprintk='%s': only ttyS0 and ttyS1 are known to it", v);
			return -1;
		}
		u->addr = f[i][4] == '0' ? 0x3f8 : 0x2f8;
		i++;
	} else if (i < nf && !strncmp(f[i], "0x", 2)) {
		if (parse_hex(f[i], f[i] + strlen(f[i]), &u->addr)) {
			snprintf(why, n, "earlyprintk='%s': the port must be 0x hex", v);
			return -1;
		}
		i++;
	}
	if (i < nf) {
		if (parse_dec(f[i], f[i] + strlen(f[i]), 10000000, &x) || x < 50) {
			snprintf(why, n, "earlyprintk='%s': expected a baud rate", v);
			return -1;
		}
		u->baud = x > UART_BASE_BAUD ? 0 : (uint32_t)x;
		i++;
	}
	if (i != nf) {
		snprintf(why, n, "earlyprintk='%s': unexpected '%s'", v, f[i]);
		return -1;
	}
	return check(u, v, why, n);
}

/* ---- ACPI SPCR ---------------------------------------------------------------- */

int spcr_parse(const uint8_t *t, size_t len, struct uart_spec *u, char *why, size_t n)
{
	uint32_t tlen;
	uint8_t sum = 0, iface, space, access, baud;
	uint64_t addr;

	memset(u, 0, sizeof(*u));
	if (len < 80 || memcmp(t, "SPCR", 4)) {
		snprintf(why, n, "not an SPCR table (%zu bytes)", len);
		return -1;
	}
	memcpy(&tlen, t + 4, 4);
	if (tlen < 80 || tlen > len) {
		snprintf(why, n, "SPCR length %u does not match the %zu bytes read", tlen, len);
		return -1;
	}
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + t[i]);
	if (sum) {
		snprintf(why, n, "SPCR checksum is wrong");
		return -1;
	}
	iface = t[36];
	space = t[40];
	access = t[43];
	memcpy(&addr, t + 44, 8);
	baud = t[58];
	if (iface != 0x00 && iface != 0x01 && iface != 0x12) {
		snprintf(why, n, "SPCR describes a UART of interface type 0x%02x, not a 16550", iface);
		return 0;
	}
	if (space == 1) {
		u->type = UART_IO;
	} else if (space == 0) {
		if (access == 3)
			u->type = UART_MMIO32;
		else if (access <= 1)
			u->type = UART_MMIO;
		else {
			snprintf(why, n, "SPCR UART registers are %u bits wide; 8 and 32 are supported",
				 8u << (access - 1));
			return 0;
		}
	} else {
		snprintf(why, n, "SPCR UART is in address space %u, not memory or I/O", space);
		return 0;
	}
	u->addr = addr;
	u->parity = 'n';
	u->bits = 8;
	switch (baud) {
	case 0: u->baud = 0; break;	/* "as the firmware set it" */
	case 3: u->baud = 9600; break;
	case 4: u->baud = 19200; break;
	case 6: u->baud = 57600; break;
	case 7: u->baud = 115200; break;
	default:
		snprintf(why, n, "SPCR baud rate code %u is not defined", baud);
		return 0;
	}
	{
		const char *w;
		if (uart_spec_check(u, &w)) {
			snprintf(why, n, "SPCR UART at 0x%llx: %s", (unsigned long long)addr, w);
			return 0;
		}
	}
	return 1;
}

/* ---- choosing ------------------------------------------------------------------- */

static void note(char *notes, size_t n, const char *fmt, const char *a, const char *b)
{
	size_t k = strlen(notes);

	if (k < n)
		snprintf(notes + k, n - k, fmt, a, b);
}

static int add(struct console_spec *c, const struct uart_spec *u, const char *what, char *err,
	       size_t n)
{
	if (console_spec_add_uart(c, u) < 0) {
		snprintf(err, n, "%s: more than %d serial consoles; name the ones to use in "
			 "dumpling_console", what, CONSOLE_MAX_UARTS);
		return -1;
	}
	return 0;
}

int console_auto(const char *cmd, const uint8_t *spcr, size_t spcr_len, struct console_spec *out,
		 char *notes, size_t notes_len, char *err, size_t n)
{
	const char *p = cmd ? cmd : "";
	int spcr_wanted = 0;
	char word[512], why[256];

	memset(out, 0, sizeof(*out));
	out->screen = 1;		/* a person at the machine sees the screen */
	if (notes_len)
		notes[0] = 0;
	while (*p) {
		size_t k = 0;
		int quoted = 0, is_console, is_earlycon;
		struct uart_spec u;
		const char *v;
		int r;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (k + 1 < sizeof(word))
				word[k++] = *p;
		}
		word[k] = 0;
		is_console = !strncmp(word, "console=", 8);
		is_earlycon = !strncmp(word, "earlycon=", 9);
		if (!strncmp(word, "earlyprintk=", 12)) {
			r = earlyprintk_parse(word + 12, &u, why, sizeof(why));
			if (r < 0) {
				snprintf(err, n, "the kernel's %s; or set dumpling_console in the config",
					 why);
				return -1;
			}
			if (r == 0)
				note(notes, notes_len, "%s (skipped)\n", why, "");
			if (r == 1 && add(out, &u, word, err, n))
				return -1;
			continue;
		}
		if (!strcmp(word, "earlycon")) {
			spcr_wanted = 1;	/* earlycon without a value: the SPCR console */
			continue;
		}
		if (!is_console && !is_earlycon)
			continue;
		v = word + (is_console ? 8 : 9);
		r = linux_console_parse(v, &u, why, sizeof(why));
		if (r < 0) {
			snprintf(err, n, "the kernel's %.*s%s: %s; or set dumpling_console in the "
				 "config", is_console ? 8 : 9, word, v, why);
			return -1;
		}
		if (r == 0)
			note(notes, notes_len, "%s (skipped)\n", why, "");
		if (r == 1 && add(out, &u, word, err, n))
			return -1;
	}
	if (out->nr_uarts == 0 && spcr) {
		struct uart_spec u;
		int r = spcr_parse(spcr, spcr_len, &u, why, sizeof(why));

		if (r < 0) {
			snprintf(err, n, "/sys/firmware/acpi/tables/SPCR: %s; set dumpling_console "
				 "in the config", why);
			return -1;
		}
		if (r == 0)
			note(notes, notes_len, "%s (skipped)\n", why, "");
		else
			out->uart[out->nr_uarts++] = u;
	} else if (out->nr_uarts == 0 && spcr_wanted) {
		note(notes, notes_len, "%s%s", "earlycon without a value, but no ACPI SPCR table\n", "");
	}
	if (out->nr_uarts == 0)
		out->uart[out->nr_uarts++] = (struct uart_spec){ UART_IO, 0x3f8, 115200, 'n', 8 };
	return 0;
}

int console_from_words(const char *words, const uint8_t *spcr, size_t spcr_len,
		       struct console_spec *out, char *err, size_t n)
{
	const char *p = words;
	char word[256], why[256];
	int count = 0;

	memset(out, 0, sizeof(*out));
	while (*p) {
		struct uart_spec u;
		size_t k = 0;
		int r;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t') {
			if (k + 1 >= sizeof(word)) {
				snprintf(err, n, "dumpling_console: a word is too long");
				return -1;
			}
			word[k++] = *p++;
		}
		word[k] = 0;
		count++;
		if (!strcmp(word, "none") || !strcmp(word, "auto")) {
			snprintf(err, n, "dumpling_console: '%s' must be the only word", word);
			return -1;
		}
		if (!strcmp(word, "screen")) {
			out->screen = 1;
			continue;
		}
		if (!strcmp(word, "spcr")) {
			if (!spcr) {
				snprintf(err, n, "dumpling_console: spcr, but this machine has no ACPI "
					 "SPCR table");
				return -1;
			}
			r = spcr_parse(spcr, spcr_len, &u, why, sizeof(why));
		} else {
			r = linux_console_parse(word, &u, why, sizeof(why));
		}
		if (r <= 0) {
			snprintf(err, n, "dumpling_console: %s", why);
			return -1;
		}
		if (r == 2)
			out->screen = 1;
		else if (add(out, &u, "dumpling_console", err, n))
			return -1;
	}
	if (!count) {
		snprintf(err, n, "dumpling_console: expected auto, none, or consoles");
		return -1;
	}
	return 0;
}

int console_check_ram(const struct console_spec *c, const char *iomem, char *err, size_t n)
{
	struct range ram[256];
	int nr = iomem ? iomem_find(iomem, "System RAM", 0, ram, 256) : 0;

	if (nr > 256)
		nr = 256;
	for (int i = 0; i < c->nr_uarts; i++) {
		const struct uart_spec *u = &c->uart[i];

		if (u->type == UART_IO)
			continue;
		for (int j = 0; j < nr; j++)
			if (u->addr + 32 > ram[j].start && u->addr <= ram[j].end) {
				snprintf(err, n, "the MMIO UART at 0x%llx is inside System RAM "
					 "(/proc/iomem): the image would write into the dump",
					 (unsigned long long)u->addr);
				return -1;
			}
	}
	return 0;
}

/* A whole small file, or NULL if it does not exist. */
static uint8_t *read_table(const char *rel, size_t *len)
{
	char path[512];

	if (sysroot_path(path, sizeof(path), "%s", rel))
		return NULL;
	return (uint8_t *)read_whole_file(path, len);
}

int console_choose(const char *words, struct console_spec *out, char *err, size_t errlen)
{
	struct console_spec c;
	char notes[1024] = "", path[512];
	size_t spcr_len = 0;
	uint8_t *spcr = read_table("/sys/firmware/acpi/tables/SPCR", &spcr_len);
	char *kcmd = NULL, *iomem = NULL;
	int r = -1;

	if (!words[0] || !strcmp(words, "auto")) {
		if (sysroot_path(path, sizeof(path), "/proc/cmdline") ||
		    !(kcmd = read_whole_file(path, NULL))) {
			snprintf(err, errlen, "cannot read /proc/cmdline: %s",
				 strerror(errno));
			goto out;
		}
		if (console_auto(kcmd, spcr, spcr_len, &c, notes, sizeof(notes), err, errlen))
			goto out;
	} else if (!strcmp(words, "none")) {
		memset(&c, 0, sizeof(c));
	} else if (console_from_words(words, spcr, spcr_len, &c, err, errlen)) {
		goto out;
	}
	if (!sysroot_path(path, sizeof(path), "/proc/iomem"))
		iomem = read_whole_file(path, NULL);
	if (console_check_ram(&c, iomem, err, errlen))
		goto out;
	for (char *l = notes, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		if (!e)
			break;
		fprintf(stderr, "dumpling: console: %.*s\n", (int)(e - l), l);
	}
	*out = c;
	r = 0;
out:
	free(spcr);
	free(kcmd);
	free(iomem);
	return r;
}

int console_append_word(const char *words, char *cmdline, size_t n, char *err, size_t errlen)
{
	struct console_spec c;
	char value[256];
	size_t k = strlen(cmdline);

	if (console_choose(words, &c, err, errlen))
		return -1;
	if (console_spec_format(&c, value, sizeof(value)) < 0 ||
	    snprintf(cmdline + k, n - k, " dumpling.console=%s", value) >= (int)(n - k)) {
		return errf(err, errlen, "the capture command line is too long");
	}
	return 0;
}

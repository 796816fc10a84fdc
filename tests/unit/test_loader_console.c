/* loader/console.c: console=, earlycon= and ACPI SPCR in every form, the
 * config's dumpling_console, and the word the loader hands the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/config.h"
#include "loader/console.h"
#include "loader/iomem.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char why[256], err[512], notes[1024];

/* One Linux console name that must parse to the canonical item want. */
static void uart_ok(const char *v, const char *want)
{
	struct console_spec c = { 0 };
	struct uart_spec u;
	char buf[128];
	int r = linux_console_parse(v, &u, why, sizeof(why));

	CHECK(r == 1);
	if (r != 1) {
		fprintf(stderr, "  \"%s\": %d %s\n", v, r, why);
		return;
	}
	c.uart[c.nr_uarts++] = u;
	console_spec_format(&c, buf, sizeof(buf));
	if (strcmp(buf, want)) {
		CHECK(!"parsed as expected");
		fprintf(stderr, "  \"%s\": got %s, want %s\n", v, buf, want);
	}
}

static void result(const char *v, int want)
{
	struct uart_spec u;
	int r = linux_console_parse(v, &u, why, sizeof(why));

	if (r != want) {
		CHECK(!"linux_console_parse result");
		fprintf(stderr, "  \"%s\": got %d, want %d (%s)\n", v, r, want, why);
		return;
	}
	CHECK(1);
	/* Every refusal says what is wrong, naming the value. */
	if (r <= 0 && !strstr(why, v)) {
		CHECK(!"the reason names the value");
		fprintf(stderr, "  \"%s\": %s\n", v, why);
	}
}

/* An SPCR table: interface type, address space, access size, address, baud code. */
static size_t spcr(uint8_t *t, uint8_t iface, uint8_t space, uint8_t access, uint64_t addr,
		   uint8_t baud)
{
	uint32_t len = 80;
	uint8_t sum = 0;

	memset(t, 0, 80);
	memcpy(t, "SPCR", 4);
	memcpy(t + 4, &len, 4);
	t[8] = 2;
	t[36] = iface;
	t[40] = space;
	t[41] = access == 3 ? 32 : 8;
	t[43] = access;
	memcpy(t + 44, &addr, 8);
	t[58] = baud;
	t[59] = 0;
	t[60] = 1;
	for (int i = 0; i < 80; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)-sum;
	return 80;
}

static void spcr_ok(const uint8_t *t, size_t len, const char *want)
{
	struct console_spec c = { 0 };
	char buf[128];

	CHECK(spcr_parse(t, len, &c.uart[0], why, sizeof(why)) == 1);
	c.nr_uarts = 1;
	console_spec_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

static void auto_ok(const char *cmd, const uint8_t *t, size_t len, const char *want)
{
	struct console_spec c;
	char buf[256];

	err[0] = 0;
	if (console_auto(cmd, t, len, &c, notes, sizeof(notes), err, sizeof(err))) {
		CHECK(!"console_auto succeeds");
		fprintf(stderr, "  \"%s\": %s\n", cmd, err);
		return;
	}
	console_spec_format(&c, buf, sizeof(buf));
	if (strcmp(buf, want)) {
		CHECK(!"console_auto chose as expected");
		fprintf(stderr, "  \"%s\": got %s, want %s\n", cmd, buf, want);
	} else {
		CHECK(1);
	}
}

static void auto_bad(const char *cmd, const uint8_t *t, size_t len, const char *msg)
{
	struct console_spec c;

	err[0] = 0;
	CHECK(console_auto(cmd, t, len, &c, notes, sizeof(notes), err, sizeof(err)) == -1);
	if (!strstr(err, msg)) {
		CHECK(!"the error says why");
		fprintf(stderr, "  \"%s\": \"%s\" lacks \"%s\"\n", cmd, err, msg);
	}
}

static void words_ok(const char *w, const uint8_t *t, size_t len, const char *want)
{
	struct console_spec c;
	char buf[256];

	err[0] = 0;
	CHECK(console_from_words(w, t, len, &c, err, sizeof(err)) == 0);
	console_spec_format(&c, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

static void words_bad(const char *w, const uint8_t *t, size_t len, const char *msg)
{
	struct console_spec c;

	err[0] = 0;
	CHECK(console_from_words(w, t, len, &c, err, sizeof(err)) == -1);
	if (!strstr(err, msg)) {
		CHECK(!"the error says why");
		fprintf(stderr, "  \"%s\": \"%s\" lacks \"%s\"\n", w, err, msg);
	}
}

static void put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	CHECK(system(cmd) == 0);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

int main(void)
{
	uint8_t t[128];
	size_t tl;

	/* ---- console= / earlycon= forms ---- */
	uart_ok("ttyS0", "io@0x3f8");
	uart_ok("ttyS1,57600", "io@0x2f8:57600n8");
	uart_ok("ttyS2,9600e7", "io@0x3e8:9600e7");
	uart_ok("ttyS3,115200n8r", "io@0x2e8:115200n8");
	uart_ok("ttyS1,57600N8", "io@0x2f8:57600n8");
	uart_ok("ttyS0,38400o", "io@0x3f8:38400o8");
	uart_ok("ttyS0,230400", "io@0x3f8");		/* not the PC clock: keep */
	uart_ok("uart,io,0x3f8,115200n8", "io@0x3f8:115200n8");
	uart_ok("uart8250,io,0x2f8", "io@0x2f8");
	uart_ok("uart,mmio,0xfe001000,115200", "mmio@0xfe001000:115200n8");
	uart_ok("uart,mmio32,0xFEDC9000", "mmio32@0xfedc9000");
	uart_ok("uart8250,mmio32,0xfedc9000,115200n8", "mmio32@0xfedc9000:115200n8");
	uart_ok("uart8250,0xfe000000,9600", "mmio@0xfe000000:9600n8");
	uart_ok("uart,mmio32,0xfe000000,115200,48000000", "mmio32@0xfe000000");
	result("tty0", 2);
	result("tty1", 2);
	/* Consoles the image cannot drive: skipped in auto mode. */
	result("ttyS4", 0);
	result("ttyS15,115200", 0);
	result("hvc0", 0);
	result("ttyAMA0,115200", 0);
	result("netcon0", 0);
	result("uart,mmio16,0xfe000000", 0);
	result("uart,mmio32be,0xfe000000", 0);
	/* Malformed: errors. */
	result("ttyS", -1);
	result("ttySx", -1);
	result("ttyS01", -1);
	result("ttyS1,", -1);
	result("ttyS1,abc", -1);
	result("ttyS1,57600x8", -1);
	result("ttyS1,57600n9", -1);
	result("ttyS1,57600n8q", -1);
	result("ttyS1,0", -1);
	result("ttyS1,49", -1);
	result("uart", -1);
	result("uart,", -1);
	result("uart,io", -1);
	result("uart,io,", -1);
	result("uart,io,3f8", -1);
	result("uart,io,0xzz", -1);
	result("uart,foo,0x3f8", -1);
	result("uart,io,0x10000", -1);
	result("uart,mmio32,0xfe000002", -1);
	result("uart,mmio,0x0", -1);
	result("uart,io,0x3f8,fast", -1);
	result("tty0,115200", -1);
	result("tty99", -1);

	/* ---- x86 earlyprintk= ---- */
	{
		static const struct { const char *v; int r; const char *want; } ep[] = {
			{ "serial", 1, "io@0x3f8:9600n8" },
			{ "serial,ttyS1,115200", 1, "io@0x2f8:115200n8" },
			{ "ttyS1,57600,keep", 1, "io@0x2f8:57600n8" },
			{ "ttyS0", 1, "io@0x3f8:9600n8" },
			{ "serial,0x3e8,38400", 1, "io@0x3e8:38400n8" },
			{ "serial,ttyS0,921600", 1, "io@0x3f8" },
			{ "vga", 2, NULL },
			{ "efi,keep", 2, NULL },
			{ "dbgp", 0, NULL },
			{ "pciserial,00:18.1,115200", 0, NULL },
			{ "serial,ttyS2", -1, NULL },
			{ "serial,ttyS1,fast", -1, NULL },
			{ "serial,0xzz", -1, NULL },
			{ "serial,ttyS1,115200,keep,x", -1, NULL },
			{ "vga,ttyS0", -1, NULL },
		};
		for (size_t i = 0; i < sizeof(ep) / sizeof(ep[0]); i++) {
			struct console_spec c = { 0 };
			char buf[64] = "";
			int r = earlyprintk_parse(ep[i].v, &c.uart[0], why, sizeof(why));

			if (r == 1) {
				c.nr_uarts = 1;
				console_spec_format(&c, buf, sizeof(buf));
			}
			if (r != ep[i].r || (ep[i].want && strcmp(buf, ep[i].want)) ||
			    (r <= 0 && !strstr(why, ep[i].v))) {
				CHECK(!"earlyprintk_parse");
				fprintf(stderr, "  \"%s\": %d %s %s\n", ep[i].v, r, buf, why);
			} else {
				CHECK(1);
			}
		}
	}
	auto_ok("earlyprintk=serial,ttyS1,115200 console=tty0", NULL, 0, "io@0x2f8:115200n8,screen");
	auto_ok("console=ttyS1,57600 earlyprintk=ttyS1,115200", NULL, 0, "io@0x2f8:57600n8,screen");
	auto_bad("earlyprintk=serial,ttyS7", NULL, 0, "earlyprintk='serial,ttyS7'");

	/* ---- SPCR ---- */
	tl = spcr(t, 0, 1, 1, 0x2f8, 6);
	spcr_ok(t, tl, "io@0x2f8:57600n8");
	tl = spcr(t, 0x12, 0, 3, 0xfedc9000, 7);
	spcr_ok(t, tl, "mmio32@0xfedc9000:115200n8");
	tl = spcr(t, 1, 0, 1, 0xfe001000, 0);
	spcr_ok(t, tl, "mmio@0xfe001000");
	tl = spcr(t, 0, 0, 0, 0xfe001000, 3);
	spcr_ok(t, tl, "mmio@0xfe001000:9600n8");
	tl = spcr(t, 0, 1, 1, 0x3f8, 4);
	spcr_ok(t, tl, "io@0x3f8:19200n8");
	tl = spcr(t, 3, 0, 3, 0x9000000, 7);		/* PL011: not ours */
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == 0);
	tl = spcr(t, 0, 0, 2, 0xfe001000, 7);		/* 16-bit registers */
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == 0);
	tl = spcr(t, 0, 1, 1, 0x2f8, 5);		/* undefined baud code */
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == 0);
	tl = spcr(t, 0, 2, 1, 0x2f8, 7);		/* PCI config space */
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == 0);
	tl = spcr(t, 0, 1, 1, 0x2f8, 7);
	CHECK(spcr_parse(t, 79, &(struct uart_spec){ 0 }, why, sizeof(why)) == -1);
	t[50] ^= 1;					/* checksum */
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == -1);
	CHECK(strstr(why, "checksum") != NULL);
	tl = spcr(t, 0, 1, 1, 0x2f8, 7);
	t[0] = 'X';
	CHECK(spcr_parse(t, tl, &(struct uart_spec){ 0 }, why, sizeof(why)) == -1);

	/* ---- auto: what the crashed kernel used ---- */
	auto_ok("", NULL, 0, "io@0x3f8:115200n8,screen");
	auto_ok("root=/dev/vda1 console=tty0 quiet", NULL, 0, "io@0x3f8:115200n8,screen");
	auto_ok("console=ttyS1,57600", NULL, 0, "io@0x2f8:57600n8,screen");
	auto_ok("BOOT_IMAGE=/vmlinuz console=ttyS0,115200 console=tty0 "
		"earlycon=uart8250,mmio32,0xfedc9000,115200", NULL, 0,
		"io@0x3f8:115200n8,mmio32@0xfedc9000:115200n8,screen");
	auto_ok("console=ttyS0 earlycon=uart,io,0x3f8,115200", NULL, 0, "io@0x3f8,screen");
	auto_ok("\"console=ttyS1,9600\"", NULL, 0, "io@0x2f8:9600n8,screen");
	auto_ok("xconsole=ttyS1 console_foo=ttyS2", NULL, 0, "io@0x3f8:115200n8,screen");
	tl = spcr(t, 0x12, 0, 3, 0xfedc9000, 7);
	auto_ok("console=hvc0", t, tl, "mmio32@0xfedc9000:115200n8,screen");
	CHECK(strstr(notes, "hvc0") != NULL);
	auto_ok("earlycon", t, tl, "mmio32@0xfedc9000:115200n8,screen");
	auto_ok("console=ttyS1", t, tl, "io@0x2f8,screen");	/* SPCR only if nothing else */
	auto_ok("", t, tl, "mmio32@0xfedc9000:115200n8,screen");
	tl = spcr(t, 3, 0, 3, 0x9000000, 7);
	auto_ok("", t, tl, "io@0x3f8:115200n8,screen");	/* a PL011: COM1 after all */
	CHECK(strstr(notes, "interface type 0x03") != NULL);
	auto_bad("console=ttyS1,abc", NULL, 0, "console=ttyS1,abc");
	auto_bad("earlycon=uart,io,zz", NULL, 0, "earlycon=uart,io,zz");
	auto_bad("console=ttyS0 console=ttyS1 console=ttyS2 console=ttyS3 "
		 "earlycon=uart,mmio,0xfe000000", NULL, 0, "more than 4");
	tl = spcr(t, 0, 1, 1, 0x2f8, 7);
	t[50] ^= 1;
	auto_bad("console=tty0", t, tl, "SPCR");
	auto_ok("console=ttyS0", t, tl, "io@0x3f8,screen");	/* not read at all */

	/* ---- dumpling_console words ---- */
	words_ok("ttyS1,57600 screen", NULL, 0, "io@0x2f8:57600n8,screen");
	words_ok("uart,mmio32,0xfe001000", NULL, 0, "mmio32@0xfe001000");
	words_ok("tty0", NULL, 0, "screen");
	tl = spcr(t, 0, 1, 1, 0x2e8, 7);
	words_ok("spcr ttyS0,9600", t, tl, "io@0x2e8:115200n8,io@0x3f8:9600n8");
	words_bad("spcr", NULL, 0, "no ACPI SPCR");
	words_bad("hvc0", NULL, 0, "hvc0");
	words_bad("ttyS4", NULL, 0, "ttyS0..ttyS3");
	words_bad("ttyS1,57600x", NULL, 0, "ttyS1,57600x");
	words_bad("auto screen", NULL, 0, "only word");
	words_bad("ttyS0 ttyS1 ttyS2 ttyS3 uart,io,0x3e0", NULL, 0, "more than 4");

	/* ---- never an MMIO UART in RAM ---- */
	{
		const char *iomem = "00000000-00000fff : Reserved\n"
				    "00100000-3fffffff : System RAM\n"
				    "  01000000-01ffffff : Kernel code\n"
				    "fe000000-fe000fff : pnp 00:01\n";
		struct console_spec c;

		CHECK(console_from_words("uart,mmio,0x200000", NULL, 0, &c, err, sizeof(err)) == 0);
		CHECK(console_check_ram(&c, iomem, err, sizeof(err)) == -1);
		CHECK(strstr(err, "System RAM") != NULL);
		CHECK(console_from_words("uart,mmio32,0xffff0", NULL, 0, &c, err, sizeof(err)) == 0);
		CHECK(console_check_ram(&c, iomem, err, sizeof(err)) == -1);	/* straddles */
		CHECK(console_from_words("uart,mmio32,0xfe000000 ttyS0", NULL, 0, &c, err,
					 sizeof(err)) == 0);
		CHECK(console_check_ram(&c, iomem, err, sizeof(err)) == 0);
	}

	/* ---- the config directive and the word the loader appends ---- */
	{
		char dir[] = "/tmp/test_loader_console.XXXXXX", line[512];
		struct loader_config lc;

		CHECK(config_parse_text("raw /dev/vdb\ndumpling_console ttyS1,57600 screen\n", "c",
					&lc, err, sizeof(err)) == 0);
		CHECK_STR(lc.console, "ttyS1,57600 screen");
		CHECK(config_parse_text("raw /dev/vdb\n", "c", &lc, err, sizeof(err)) == 0);
		CHECK_STR(lc.console, "");
		CHECK(config_parse_text("raw /dev/vdb\ndumpling_console none screen\n", "c",
					&lc, err, sizeof(err)) == -1);
		CHECK(strstr(err, "c:2: dumpling_console") != NULL);
		CHECK(config_parse_text("raw /dev/vdb\ndumpling_console\n", "c", &lc, err,
					sizeof(err)) == -1);
		CHECK(strstr(err, "auto, none, or consoles") != NULL);

		CHECK(mkdtemp(dir) != NULL);
		setenv("DUMPLING_SYSROOT", dir, 1);
		put(dir, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz console=ttyS1,57600 quiet\n", 46);
		put(dir, "/proc/iomem", "00100000-3fffffff : System RAM\n", 31);
		strcpy(line, "dumpling.target=raw");
		CHECK(console_append_word("", line, sizeof(line), err, sizeof(err)) == 0);
		CHECK_STR(line, "dumpling.target=raw dumpling.console=io@0x2f8:57600n8,screen");
		strcpy(line, "x");
		CHECK(console_append_word("auto", line, sizeof(line), err, sizeof(err)) == 0);
		CHECK_STR(line, "x dumpling.console=io@0x2f8:57600n8,screen");
		strcpy(line, "x");
		CHECK(console_append_word("none", line, sizeof(line), err, sizeof(err)) == 0);
		CHECK_STR(line, "x dumpling.console=none");
		strcpy(line, "x");
		CHECK(console_append_word("uart,mmio,0x1000000", line, sizeof(line), err,
					  sizeof(err)) == -1);
		CHECK(strstr(err, "System RAM") != NULL);
		tl = spcr(t, 0x12, 0, 3, 0xfedc9000, 7);
		put(dir, "/proc/cmdline", "console=tty0\n", 13);
		put(dir, "/sys/firmware/acpi/tables/SPCR", t, tl);
		strcpy(line, "x");
		CHECK(console_append_word("", line, sizeof(line), err, sizeof(err)) == 0);
		CHECK_STR(line, "x dumpling.console=mmio32@0xfedc9000:115200n8,screen");
		strcpy(line, "x");
		CHECK(console_append_word("", line, 20, err, sizeof(err)) == -1);	/* too long */
		put(dir, "/proc/cmdline", "console=ttyS1,fast\n", 19);
		strcpy(line, "x");
		CHECK(console_append_word("", line, sizeof(line), err, sizeof(err)) == -1);
		CHECK(strstr(err, "console=ttyS1,fast") != NULL);
		snprintf(line, sizeof(line), "rm -rf '%s'", dir);
		CHECK(system(line) == 0);
		unsetenv("DUMPLING_SYSROOT");
	}
	return test_summary("test_loader_console");
}

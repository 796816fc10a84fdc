/* capture/console_spec.c: the image's strict dumpling.console= parser, and
 * the canonical form the loader writes (they must round-trip). */
#include <string.h>

#include "capture/config.h"
#include "capture/console_spec.h"
#include "test.h"

static struct console_spec c;

static int parse(const char *s)
{
	return console_spec_parse(s, strlen(s), &c);
}

static void roundtrip(const char *s)
{
	char buf[256];

	CHECK(parse(s) == 0);
	CHECK(console_spec_format(&c, buf, sizeof(buf)) == (int)strlen(s));
	CHECK_STR(buf, s);
}

int main(void)
{
	struct capture_config cfg;
	char err[256], buf[256];
	static const char *bad[] = {
		"", ",", "screen,", ",screen", "screen,screen", "Screen", "none,screen",
		"io", "io@", "io@0x", "io@3f8", "io@0X3f8", "io@0x3F8", "io@0x0", "io@0x10000",
		"io@0xfff9", "io@0x3f8:", "io@0x3f8:115200", "io@0x3f8:115200n", "io@0x3f8:115200x8",
		"io@0x3f8:115200n9", "io@0x3f8:115200n4", "io@0x3f8:230400n8", "io@0x3f8:49n8",
		"io@0x3f8:0n8", "io@0x3f8:09600n8", "io@0x3f8:9600n8r", "io@0x3f8 ", " io@0x3f8",
		"mmio32@0xfe001002", "mmio@0x0", "mmio@0x10000000000000", "mmio@0x12345678901234",
		"uart@0x3f8", "io@0x3f8,io@0x3f8", "mmio@0xfe000000,mmio32@0xfe000000",
		"io@0x3f8,io@0x2f8,io@0x3e8,io@0x2e8,mmio@0xfe000000", "io@0x3f8\"", "io@0x3f8;x",
	};

	/* The default when the loader said nothing: COM1 115200 8N1 and the screen. */
	config_defaults(&cfg);
	CHECK(cfg.console.screen == 1 && cfg.console.nr_uarts == 1);
	CHECK(cfg.console.uart[0].type == UART_IO && cfg.console.uart[0].addr == 0x3f8);
	CHECK(cfg.console.uart[0].baud == 115200 && cfg.console.uart[0].parity == 'n' &&
	      cfg.console.uart[0].bits == 8);
	CHECK(console_spec_format(&cfg.console, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "io@0x3f8:115200n8,screen");

	/* Every form. */
	CHECK(parse("none") == 0 && c.screen == 0 && c.nr_uarts == 0);
	roundtrip("none");
	roundtrip("screen");
	roundtrip("io@0x2f8:57600n8");
	roundtrip("io@0x2f8:9600e7,screen");
	roundtrip("io@0x3e8:300o5");
	roundtrip("io@0x2e8");
	roundtrip("mmio@0xfe001000:115200n8");
	roundtrip("mmio32@0xfe001000");
	roundtrip("mmio32@0xfedc9000:115200n8,io@0x3f8:115200n8,io@0x2f8,mmio@0x1,screen");
	CHECK(parse("io@0x2f8:57600n8") == 0);
	CHECK(c.nr_uarts == 1 && c.uart[0].type == UART_IO && c.uart[0].addr == 0x2f8 &&
	      c.uart[0].baud == 57600 && c.uart[0].parity == 'n' && c.uart[0].bits == 8 &&
	      !c.screen);
	CHECK(parse("screen,mmio32@0xfe001000") == 0);
	CHECK(c.screen && c.nr_uarts == 1 && c.uart[0].type == UART_MMIO32 &&
	      c.uart[0].addr == 0xfe001000 && c.uart[0].baud == 0);
	CHECK(parse("io@0x3f8:50n8") == 0 && c.uart[0].baud == 50);
	CHECK(parse("io@0x3f8:115200n8") == 0);

	/* Anything else is refused whole. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != -1) {
			CHECK(!"a malformed value is refused");
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		} else {
			CHECK(1);
		}
	}

	/* Through the command line: a bad value names the option; a good one
	 * replaces the default. */
	config_defaults(&cfg);
	CHECK(cmdline_parse("elfcorehdr=0x1000 dumpling.console=io@0x2f8:57600n8", &cfg, err,
			    sizeof(err)) == 0);
	CHECK(cfg.console.nr_uarts == 1 && cfg.console.uart[0].addr == 0x2f8 && !cfg.console.screen);
	config_defaults(&cfg);
	CHECK(cmdline_parse("dumpling.console=ttyS1", &cfg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "dumpling.console=ttyS1") != NULL);
	config_defaults(&cfg);
	CHECK(cmdline_parse("console=ttyS1,57600 dumpling.console=none", &cfg, err, sizeof(err)) == 0);
	CHECK(cfg.console.nr_uarts == 0 && !cfg.console.screen);

	/* A buffer too small is an error, not a cut. */
	CHECK(parse("io@0x2f8:57600n8,screen") == 0);
	CHECK(console_spec_format(&c, buf, 10) == -1);
	return test_summary("test_console_spec");
}

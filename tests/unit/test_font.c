/* tools/psf.c: PSF1 and PSF2 fonts, their Unicode tables, and the C source
 * tools/psf2c writes for the image (read back and compared here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/psf.c"
#include "tests/unit/test.h"

static uint8_t buf[65536];
static char err[256];

/* Glyph g of a test font: row y is a pattern of g and y, never all zero. */
static uint8_t pattern(uint32_t g, uint32_t y, uint32_t byte)
{
	return (uint8_t)((g * 7 + y * 13 + byte * 5) | 1);
}

/* Where a code point lives in the test fonts: shuffled, so only a font that
 * reads its table finds it. */
static uint32_t slot_of(uint32_t cp)
{
	if (cp == 0x2588) return 3;
	if (cp == 0x2591) return 4;
	return 255 - cp;
}

static void put16(uint8_t **p, uint16_t v) { (*p)[0] = (uint8_t)v; (*p)[1] = (uint8_t)(v >> 8); *p += 2; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }

/* PSF1, 256 glyphs 8x16 with a table; skip: a code point left out. */
static size_t make_psf1(uint32_t skip)
{
	uint8_t *p = buf;

	*p++ = 0x36; *p++ = 0x04; *p++ = 0x02; *p++ = 16;
	for (uint32_t g = 0; g < 256; g++)
		for (uint32_t y = 0; y < 16; y++)
			*p++ = pattern(g, y, 0);
	for (uint32_t g = 0; g < 256; g++) {
		for (uint32_t cp = 0x20; cp < 0x7f; cp++)
			if (slot_of(cp) == g && cp != skip)
				put16(&p, (uint16_t)cp);
		if (g == 3 && skip != 0x2588)
			put16(&p, 0x2588);
		if (g == 4 && skip != 0x2591)
			put16(&p, 0x2591);
		if (g == 5) {		/* a sequence that contains U+2588: not a single */
			put16(&p, 0xfffe);
			put16(&p, 0x2588);
			put16(&p, 0x0301);
		}
		put16(&p, 0xffff);
	}
	return (size_t)(p - buf);
}

static void utf8(uint8_t **p, uint32_t cp)
{
	if (cp < 0x80) {
		*(*p)++ = (uint8_t)cp;
	} else if (cp < 0x800) {
		*(*p)++ = (uint8_t)(0xc0 | cp >> 6);
		*(*p)++ = (uint8_t)(0x80 | (cp & 0x3f));
	} else {
		*(*p)++ = (uint8_t)(0xe0 | cp >> 12);
		*(*p)++ = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		*(*p)++ = (uint8_t)(0x80 | (cp & 0x3f));
	}
}

/* PSF2, 256 glyphs 12x20 (two bytes a row) with a UTF-8 table. */
static size_t make_psf2(void)
{
	uint8_t *p = buf + 32;

	memset(buf, 0, 32);
	put32(buf, 0x864ab572);
	put32(buf + 8, 32);
	put32(buf + 12, 1);
	put32(buf + 16, 256);
	put32(buf + 20, 40);
	put32(buf + 24, 20);
	put32(buf + 28, 12);
	for (uint32_t g = 0; g < 256; g++)
		for (uint32_t y = 0; y < 20; y++)
			for (uint32_t b = 0; b < 2; b++)
				*p++ = pattern(g, y, b);
	for (uint32_t g = 0; g < 256; g++) {
		for (uint32_t cp = 0x20; cp < 0x7f; cp++)
			if (slot_of(cp) == g)
				utf8(&p, cp);
		if (g == 3)
			utf8(&p, 0x2588);
		if (g == 4)
			utf8(&p, 0x2591);
		if (g == 9)
			utf8(&p, 0xe9);	/* two-byte UTF-8 */
		*p++ = 0xff;
	}
	return (size_t)(p - buf);
}

/* Runs psf_to_c and checks every slot's bytes in the C text it wrote. */
static void check_c_source(const struct psf *f, const char *name)
{
	char *text = NULL, want[64];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(psf_to_c(f, name, "test.psf", out, err, sizeof(err)) == 0);
	fclose(out);
	snprintf(want, sizeof(want), "const struct font %s = { %u, %u, %u, %s_bits };", name,
		 f->width, f->height, f->row_bytes, name);
	CHECK(strstr(text, want) != NULL);
	for (int s = 0; s < FONT_GLYPHS; s++) {
		char tag[16], *p;
		long g = s >= 0x20 && s < 0x7f ? (long)slot_of((uint32_t)s) :
			 s == 1 ? 3 : s == 2 ? 4 : -1;
		int ok = 1;

		snprintf(tag, sizeof(tag), "\t/* %d */", s);
		p = strstr(text, tag);
		if (!p) {
			CHECK(!"slot present");
			continue;
		}
		p += strlen(tag);
		for (uint32_t b = 0; b < f->glyph_bytes; b++) {
			unsigned v;
			int n;

			if (sscanf(p, " 0x%2x,%n", &v, &n) != 1) {
				ok = 0;
				break;
			}
			p += n;
			if (v != (g < 0 ? 0 : f->glyphs[(uint64_t)g * f->glyph_bytes + b]))
				ok = 0;
		}
		if (!ok) {
			CHECK(!"slot bytes are the glyph's");
			fprintf(stderr, "  %s slot %d\n", name, s);
		}
	}
	CHECK(1);
	free(text);
}

int main(void)
{
	struct psf f;
	size_t len;
	FILE *out;

	/* PSF1 with a table. */
	len = make_psf1(0);
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == 0);
	CHECK(f.version == 1 && f.width == 8 && f.height == 16 && f.nr_glyphs == 256);
	CHECK(psf_lookup(&f, 'A') == 255 - 'A');
	CHECK(psf_lookup(&f, ' ') == 255 - ' ');
	CHECK(psf_lookup(&f, 0x2588) == 3);	/* the single, not the sequence at 5 */
	CHECK(psf_lookup(&f, 0x2591) == 4);
	CHECK(psf_lookup(&f, 0x263a) == -1);
	check_c_source(&f, "font_a");

	/* PSF2, wider than 8. */
	len = make_psf2();
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == 0);
	CHECK(f.version == 2 && f.width == 12 && f.height == 20 && f.row_bytes == 2);
	CHECK(psf_lookup(&f, '~') == 255 - '~');
	CHECK(psf_lookup(&f, 0xe9) == 9);
	CHECK(psf_lookup(&f, 0x2588) == 3);
	check_c_source(&f, "font_b");

	/* What the image needs but a font lacks is an error that says what. */
	len = make_psf1('Z');
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == 0);
	out = fopen("/dev/null", "w");
	CHECK(psf_to_c(&f, "x", "t", out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "'Z'") != NULL);
	len = make_psf1(0x2591);
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == 0);
	CHECK(psf_to_c(&f, "x", "t", out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "U+2591") != NULL);
	/* Without a table, code points are glyph numbers: no block above 255. */
	len = make_psf1(0);
	buf[2] = 0;
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == 0 && f.table == NULL);
	CHECK(psf_lookup(&f, 'A') == 'A');
	CHECK(psf_to_c(&f, "x", "t", out, err, sizeof(err)) == -1);
	fclose(out);

	/* Malformed files. */
	CHECK(psf_parse((const uint8_t *)"\x1f\x8b\x08\x00", 4, &f, err, sizeof(err)) == -1);
	CHECK(strstr(err, "gzipped") != NULL);
	len = make_psf1(0);
	CHECK(psf_parse(buf, 4 + 255 * 16, &f, err, sizeof(err)) == -1);	/* cut short */
	CHECK(strstr(err, "cut short") != NULL);
	len = make_psf2();
	put32(buf + 28, 40);				/* 40 wide */
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == -1);
	put32(buf + 28, 12);
	put32(buf + 20, 41);				/* bytes per glyph off */
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == -1);
	put32(buf + 20, 40);
	put32(buf + 8, 1 << 20);			/* header beyond the file */
	CHECK(psf_parse(buf, len, &f, err, sizeof(err)) == -1);
	put32(buf + 8, 32);
	buf[len - 2] = 0xc3;				/* a table cut inside UTF-8 */
	CHECK(psf_parse(buf, len - 1, &f, err, sizeof(err)) == 0);
	CHECK(psf_lookup(&f, 0x263a) == -1);

	/* The Debian font the image is built with. */
	{
		FILE *p = popen("gzip -dc /usr/share/consolefonts/Uni2-VGA16.psf.gz 2>/dev/null", "r");
		size_t n = p ? fread(buf, 1, sizeof(buf), p) : 0;
		long slot[FONT_GLYPHS];

		if (p)
			pclose(p);
		CHECK(n > 0);
		CHECK(psf_parse(buf, n, &f, err, sizeof(err)) == 0);
		CHECK(f.width == 8 && f.height == 16 && f.table != NULL);
		CHECK(psf_slots(&f, slot, err, sizeof(err)) == 0);
		CHECK(slot['A'] >= 0 && slot['B'] >= 0 &&
		      memcmp(f.glyphs + slot['A'] * 16, f.glyphs + slot['B'] * 16, 16) != 0);
		/* The full block is all ink. */
		CHECK(slot[1] >= 0);
		for (int y = 0; slot[1] >= 0 && y < 16; y++)
			CHECK(f.glyphs[slot[1] * 16 + y] == 0xff);
	}
	return test_summary("test_font");
}

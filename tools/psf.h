/*
 * PSF console fonts (version 1 and 2, as kbd and console-setup ship them):
 * parsing, and looking glyphs up by Unicode code point through the font's
 * own Unicode table.
 */
#ifndef TOOLS_PSF_H
#define TOOLS_PSF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct psf {
	uint32_t width, height, row_bytes, glyph_bytes, nr_glyphs;
	const uint8_t *glyphs;		/* into the caller's buffer */
	const uint8_t *table;		/* Unicode table, NULL if none */
	size_t table_len;
	int version;			/* 1 or 2 */
};

/* Parses an uncompressed PSF file in buf. Returns 0, or -1 with err set. */
int psf_parse(const uint8_t *buf, size_t len, struct psf *f, char *err, size_t errlen);

/* The glyph index for Unicode code point cp, or -1. Fonts without a table
 * map code points below nr_glyphs to themselves. */
long psf_lookup(const struct psf *f, uint32_t cp);

/*
 * Writes the C source of a struct font (capture/font.h) named name with
 * FONT_GLYPHS slots: ASCII 0x20..0x7e, and the bar glyphs U+2588 and U+2591
 * in slots 1 and 2. Returns 0, or -1 with err set (a glyph is missing).
 */
int psf_to_c(const struct psf *f, const char *name, const char *source, FILE *out,
	     char *err, size_t errlen);

/* The glyph each slot takes (-1: blank); psf_to_c's choice. Returns 0 or -1. */
int psf_slots(const struct psf *f, long slot[128], char *err, size_t errlen);

#endif

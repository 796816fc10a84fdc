/*
 * The console font: a bitmap per character, rows top to bottom, each row
 * (width + 7) / 8 bytes with the leftmost pixel in the top bit. The image's
 * font is generated at build time from a Debian PSF console font by
 * tools/psf2c (build/gen/font.c); tests make their own.
 */
#ifndef CAPTURE_FONT_H
#define CAPTURE_FONT_H

#include <stdint.h>

/* Glyph slots: printable ASCII at its own code, and the two bar glyphs of
 * capture/progress.h at 1 and 2. Other slots are blank. */
#define FONT_GLYPHS 128

struct font {
	uint32_t width, height;		/* pixels, width 1..32 */
	uint32_t row_bytes;		/* (width + 7) / 8 */
	const uint8_t *bits;		/* FONT_GLYPHS * height * row_bytes */
};

extern const struct font console_font;

/* Is pixel (x, y) of glyph c set? */
static inline int font_pixel(const struct font *f, unsigned c, uint32_t x, uint32_t y)
{
	const uint8_t *row;

	if (c >= FONT_GLYPHS || x >= f->width || y >= f->height)
		return 0;
	row = f->bits + ((uint64_t)c * f->height + y) * f->row_bytes;
	return (row[x / 8] >> (7 - x % 8)) & 1;
}

#endif

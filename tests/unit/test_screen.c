/* capture/screen.c and capture/progress.c: screen_info checks, and drawing
 * into in-memory screens of each pixel format, compared byte for byte with
 * a rendering this test computes itself; guard bytes around every buffer
 * catch any write outside the screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/progress.h"
#include "capture/screen.h"
#include "tests/unit/test.h"

#define GUARD 4096

static uint8_t glyph_bits[FONT_GLYPHS * 16];
static const struct font test_font = { 8, 16, 1, glyph_bits };
static struct screen scr;
static char why[160];

/* Every glyph distinct: row y of glyph c is c * 37 + y * 11, blank for ' '. */
static void make_font(void)
{
	for (int c = 0; c < FONT_GLYPHS; c++)
		for (int y = 0; y < 16; y++)
			glyph_bits[c * 16 + y] = c == ' ' ? 0 : (uint8_t)(c * 37 + y * 11 + 1);
}

struct fmt {
	const char *name;
	uint8_t type;		/* 0x70 EFI, 0x23 VESA */
	uint16_t depth;
	uint8_t rs, rp, gs, gp, bs, bp;
	uint32_t bytes;
};

static const struct fmt fmts[] = {
	{ "EFI 32 bpp BGRX (GOP BlueGreenRed)", 0x70, 32, 8, 16, 8, 8, 8, 0, 4 },
	{ "EFI 32 bpp RGBX (GOP RedGreenBlue)", 0x70, 32, 8, 0, 8, 8, 8, 16, 4 },
	{ "VESA 24 bpp", 0x23, 24, 8, 16, 8, 8, 8, 0, 3 },
	{ "VESA 16 bpp 565", 0x23, 16, 5, 11, 6, 5, 5, 0, 2 },
	{ "VESA 15 bpp 555", 0x23, 15, 5, 10, 5, 5, 5, 0, 2 },
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

static void fb_info(uint8_t *si, const struct fmt *f, uint64_t base, uint16_t w, uint16_t h,
		    uint16_t stride, uint64_t size)
{
	memset(si, 0, SCREEN_INFO_SIZE);
	si[0x0f] = f->type;
	put16(si + 0x12, w);
	put16(si + 0x14, h);
	put16(si + 0x16, f->depth);
	put32(si + 0x18, (uint32_t)base);
	put32(si + 0x1c, (uint32_t)(f->type == 0x23 ? (size + 0xffff) >> 16 : size));
	put16(si + 0x24, stride);
	si[0x26] = f->rs; si[0x27] = f->rp; si[0x28] = f->gs;
	si[0x29] = f->gp; si[0x2a] = f->bs; si[0x2b] = f->bp;
	if (base >> 32) {
		put32(si + 0x36, 2);
		put32(si + 0x3a, (uint32_t)(base >> 32));
	}
}

/* This test's own pixel packing and glyph rendering. */
static uint32_t my_pack(const struct fmt *f, uint32_t rgb)
{
	uint32_t r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
	return (r >> (8 - f->rs)) << f->rp | (g >> (8 - f->gs)) << f->gp | (b >> (8 - f->bs)) << f->bp;
}

static void my_pixel(uint8_t *fb, const struct fmt *f, uint32_t stride, uint32_t x, uint32_t y,
		     uint32_t v)
{
	uint8_t *p = fb + (uint64_t)y * stride + (uint64_t)x * f->bytes;
	for (uint32_t i = 0; i < f->bytes; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/* Renders rows of text (the last is the status row) as the image should. */
static void my_render(uint8_t *fb, const struct fmt *f, uint32_t w, uint32_t h, uint32_t stride,
		      char grid[][SCREEN_MAX_COLS + 1], uint32_t rows, uint32_t cols)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			my_pixel(fb, f, stride, x, y, my_pack(f, SCREEN_BG));
	for (uint32_t r = 0; r < rows; r++) {
		int st = r == rows - 1;
		uint32_t fg = my_pack(f, st ? SCREEN_STATUS_FG : SCREEN_FG);
		uint32_t bg = my_pack(f, st ? SCREEN_STATUS_BG : SCREEN_BG);
		for (uint32_t c = 0; c < cols; c++) {
			unsigned ch = (unsigned char)(grid[r][c] ? grid[r][c] : ' ');
			for (uint32_t gy = 0; gy < 16; gy++)
				for (uint32_t gx = 0; gx < 8; gx++)
					my_pixel(fb, f, stride, c * 8 + gx, r * 16 + gy,
						 (glyph_bits[ch * 16 + gy] >> (7 - gx) & 1) ? fg : bg);
		}
	}
}

static int guards_intact(const uint8_t *buf, uint64_t len)
{
	for (uint64_t i = 0; i < GUARD; i++)
		if (buf[i] != 0xa5 || buf[GUARD + len + i] != 0xa5)
			return 0;
	return 1;
}

static void test_format(const struct fmt *f)
{
	/* 300 x 100 pixels in a wider line: 37 x 6 cells, 4 pixels left over. */
	uint32_t w = 300, h = 100, stride = w * f->bytes + 36, len = stride * h;
	uint8_t si[SCREEN_INFO_SIZE], *buf = malloc(len + 2 * GUARD), *want = calloc(1, len);
	static char grid[8][SCREEN_MAX_COLS + 1];
	struct screen_mode m;
	char bar[64];
	struct progress p = { 421, 802, 5 };

	memset(buf, 0xa5, len + 2 * GUARD);
	fb_info(si, f, 0xc0000000, (uint16_t)w, (uint16_t)h, (uint16_t)stride, len);
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
	CHECK(m.kind == SCREEN_FB && m.base == 0xc0000000 && m.len == len && m.bpp == f->depth);
	CHECK(screen_init(&scr, &m, buf + GUARD, &test_font) == 0);
	CHECK(scr.cols == 37 && scr.rows == 6);
	screen_write(&scr, "hello\nline two\tx\n");
	screen_write(&scr, "a line of exactly 37 characters: 123\n");
	screen_write(&scr, "wrapped: this line is longer than the 37 columns");
	progress_bar(&p, bar, sizeof(bar), scr.cols);
	screen_status(&scr, bar);

	memset(grid, 0, sizeof(grid));
	strcpy(grid[0], "hello");
	strcpy(grid[1], "line two        x");
	strcpy(grid[2], "a line of exactly 37 characters: 123");
	strcpy(grid[3], "wrapped: this line is longer than the");
	strcpy(grid[4], " 37 columns");
	strcpy(grid[5], bar);
	my_render(want, f, w, h, stride, grid, 6, 37);
	/* The bytes past each line's pixels are not the screen's: untouched. */
	for (uint32_t y = 0; y < h; y++)
		memset(want + y * stride + w * f->bytes, 0xa5, stride - w * f->bytes);
	if (memcmp(buf + GUARD, want, len)) {
		CHECK(!"framebuffer equals the test's rendering");
		fprintf(stderr, "  %s\n", f->name);
	} else {
		CHECK(1);
	}
	CHECK(guards_intact(buf, len));
	free(buf);
	free(want);
}

/* Reads text row r back with this test's own glyphs (32 bpp BGRX). */
static void read_row(const uint8_t *fb, uint32_t stride, uint32_t r, uint32_t cols, char *out)
{
	const struct fmt *f = &fmts[0];

	for (uint32_t c = 0; c < cols; c++) {
		out[c] = '?';
		for (int ch = 0; ch < FONT_GLYPHS; ch++) {
			int match = 1;
			for (uint32_t gy = 0; gy < 16 && match; gy++)
				for (uint32_t gx = 0; gx < 8 && match; gx++) {
					uint32_t v, px = my_pack(f, (glyph_bits[ch * 16 + gy] >> (7 - gx) & 1)
								 ? SCREEN_FG : SCREEN_BG);
					memcpy(&v, fb + (uint64_t)(r * 16 + gy) * stride + (c * 8 + gx) * 4, 4);
					match = v == px;
				}
			if (match) {
				out[c] = (char)ch;
				break;
			}
		}
	}
	out[cols] = 0;
	for (int i = (int)cols - 1; i >= 0 && out[i] == ' '; i--)
		out[i] = 0;
}

static void test_scroll(void)
{
	uint32_t w = 640, h = 480, stride = w * 4, len = stride * h, last = 0;
	uint8_t si[SCREEN_INFO_SIZE], *buf = malloc(len + 2 * GUARD);
	struct screen_mode m;
	char row[SCREEN_MAX_COLS + 1], line[32];
	int n, first = -1, ok = 1;

	memset(buf, 0xa5, len + 2 * GUARD);
	fb_info(si, &fmts[0], 0x80000000, (uint16_t)w, (uint16_t)h, (uint16_t)stride, len);
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
	CHECK(screen_init(&scr, &m, buf + GUARD, &test_font) == 0);
	CHECK(scr.cols == 80 && scr.rows == 30);
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		screen_write(&scr, line);
	}
	/* The text rows hold consecutive lines ending with the last one, then blanks. */
	for (uint32_t r = 0; r + 1 < scr.rows; r++) {
		read_row(buf + GUARD, stride, r, scr.cols, row);
		if (!row[0])
			continue;
		if (sscanf(row, "line %d", &n) != 1) {
			ok = 0;
			fprintf(stderr, "  row %u: \"%s\"\n", r, row);
			continue;
		}
		if (first < 0)
			first = n;
		if (n != first + (int)r)
			ok = 0;
		last = (uint32_t)n;
	}
	CHECK(ok);
	CHECK(first == 0 ? 0 : 1);		/* it did scroll */
	CHECK_EQ_U64(last, 99);
	CHECK(guards_intact(buf, len));
	free(buf);
}

static void test_text(void)
{
	uint8_t si[SCREEN_INFO_SIZE], *buf = malloc(4000 + 2 * GUARD);
	struct screen_mode m;
	struct progress p = { 1000, 123, 0 };
	char bar[96];
	int ok = 1;

	memset(si, 0, sizeof(si));
	si[0x06] = 3;		/* mode 3: 80x25 colour text */
	si[0x07] = 80;
	si[0x0e] = 25;
	si[0x0f] = 1;		/* "VGA", as the boot code leaves it */
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
	CHECK(m.kind == SCREEN_TEXT && m.base == 0xb8000 && m.len == 4000);
	memset(buf, 0xa5, 4000 + 2 * GUARD);
	CHECK(screen_init(&scr, &m, buf + GUARD, NULL) == 0);
	screen_write(&scr, "dumped 42 pages\n");
	progress_bar(&p, bar, sizeof(bar), 80);
	screen_status(&scr, bar);
	for (int r = 0; r < 25; r++)
		for (int c = 0; c < 80; c++) {
			const char *text = r == 0 ? "dumped 42 pages" : r == 24 ? bar : "";
			unsigned ch = c < (int)strlen(text) ? (unsigned char)text[c] : ' ';
			uint16_t cell;

			ch = ch == 1 ? 0xdb : ch == 2 ? 0xb0 : ch;
			cell = (uint16_t)(ch | (r == 24 ? 0x1f : 0x07) << 8);
			if (buf[GUARD + (r * 80 + c) * 2] != (cell & 0xff) ||
			    buf[GUARD + (r * 80 + c) * 2 + 1] != cell >> 8)
				ok = 0;
		}
	CHECK(ok);
	CHECK(strchr(bar, '\x02') == NULL);	/* 100 %: all full blocks */
	CHECK(guards_intact(buf, 4000));
	free(buf);
}

static void refused(uint8_t *si, const char *what)
{
	struct screen_mode m;

	why[0] = 0;
	if (screen_mode_from_info(si, &m, why, sizeof(why)) != -1 || !why[0]) {
		CHECK(!"screen_info refused with a reason");
		fprintf(stderr, "  %s\n", what);
	} else {
		CHECK(1);
	}
}

int main(void)
{
	uint8_t si[SCREEN_INFO_SIZE];
	struct screen_mode m;
	char line[96], bar[128];
	struct progress p = { 421, 802, 5 };

	make_font();
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		test_format(&fmts[i]);
	test_scroll();
	test_text();

	/* Even a mode whose length is short of its lines (screen_mode_from_info
	 * refuses those) is never written past its end. */
	{
		uint32_t w = 640, h = 480, stride = w * 4, half = stride * h / 2;
		uint8_t *buf = malloc(half + 2 * GUARD);

		memset(buf, 0xa5, half + 2 * GUARD);
		fb_info(si, &fmts[0], 0x80000000, (uint16_t)w, (uint16_t)h, (uint16_t)stride, stride * h);
		CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
		m.len = half;
		CHECK(screen_init(&scr, &m, buf + GUARD, &test_font) == 0);
		for (int i = 0; i < 40; i++)
			screen_write(&scr, "a line that goes on and on and on, down the whole screen\n");
		screen_status(&scr, "status");
		CHECK(guards_intact(buf, half));
		free(buf);
	}

	/* Big screens get double-size letters. */
	fb_info(si, &fmts[0], 0x80000000, 3840, 2160, 3840 * 4, 3840u * 4 * 2160);
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
	CHECK(m.len == 3840ull * 4 * 2160);

	/* A 64-bit base. */
	fb_info(si, &fmts[0], 0x4000000000ull, 800, 600, 3200, 3200 * 600);
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0 && m.base == 0x4000000000ull);

	/* screen_info is untrusted: anything inconsistent is refused. */
	memset(si, 0, sizeof(si));
	refused(si, "all zero");
	fb_info(si, &fmts[0], 0x80000000, 800, 600, 3200, 3200 * 600 - 1);
	refused(si, "lines do not fit the size");
	fb_info(si, &fmts[0], 0x80000000, 800, 600, 3196, 3196 * 600);
	refused(si, "line shorter than the pixels");
	fb_info(si, &fmts[0], 0, 800, 600, 3200, 3200 * 600);
	refused(si, "base 0");
	fb_info(si, &fmts[0], 0x80000000, 800, 600, 3200, 3200 * 600);
	put16(si + 0x16, 8);
	refused(si, "8 bpp (palette)");
	fb_info(si, &fmts[3], 0x80000000, 800, 600, 1600, 1600 * 600);
	si[0x27] = 12;		/* red at bit 12, 5 bits: past 16 */
	refused(si, "colour field outside the pixel");
	fb_info(si, &fmts[0], 0x80000000, 800, 600, 3200, 3200 * 600);
	si[0x28] = 9;
	refused(si, "9-bit colour field");
	fb_info(si, &fmts[0], 0x80000000, 100, 600, 3200, 3200 * 600);
	refused(si, "too narrow");
	fb_info(si, &fmts[0], 0xfffffffffff00000ull, 800, 600, 3200, 3200 * 600);
	refused(si, "beyond physical memory");
	memset(si, 0, sizeof(si));
	si[0x06] = 7; si[0x07] = 80; si[0x0e] = 25; si[0x0f] = 0;
	refused(si, "monochrome text");
	si[0x06] = 3; si[0x07] = 255; si[0x0e] = 100; si[0x0f] = 1;
	refused(si, "text larger than 32 KiB");
	si[0x0f] = 0x10;
	refused(si, "MDA");
	/* VESA counts 64 KiB units: one unit too few is refused. */
	fb_info(si, &fmts[0], 0x80000000, 512, 128, 2048, 2048 * 128);
	CHECK(screen_mode_from_info(si, &m, why, sizeof(why)) == 0);
	fb_info(si, &fmts[2], 0x80000000, 512, 128, 1536, 1536 * 128);
	put32(si + 0x1c, 2);	/* 128 KiB < 192 KiB */
	refused(si, "VESA size in 64 KiB units");

	/* The progress line (as makedumpfile's) and the bar. */
	progress_line(&p, line, sizeof(line));
	CHECK_STR(line, "Copying data : [ 42.1 %] 80.2 MB/s eta 5s\n");
	progress_bar(&p, bar, sizeof(bar), 80);
	CHECK(strncmp(bar, "Copying data [", 14) == 0);
	CHECK(strlen(bar) <= 80);
	{
		size_t full = strspn(bar + 14, "\x01"), shade = strspn(bar + 14 + full, "\x02");
		size_t width = full + shade;
		CHECK(width >= 10 && width <= 50);
		CHECK(full == width * 421 / 1000);
		CHECK_STR(bar + 14 + width, "]  42.1%  80.2 MB/s  eta 5s");
	}
	progress_bar(&p, bar, sizeof(bar), 30);		/* too narrow for a bar */
	CHECK_STR(bar, " 42.1%  80.2 MB/s  eta 5s");
	p.pct10 = 5000;					/* never more than full */
	progress_bar(&p, bar, sizeof(bar), 100);
	CHECK(strchr(bar, '\x02') == NULL && strstr(bar, "100.0%") != NULL);
	return test_summary("test_screen");
}

/* The screen console (screen.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/progress.h"
#include "capture/screen.h"

static uint16_t u16at(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t u32at(const uint8_t *p) { return u16at(p) | (uint32_t)u16at(p + 2) << 16; }

/* screen_info fields (include/uapi/linux/screen_info.h). */
#define SI_MODE		0x06
#define SI_COLS		0x07
#define SI_LINES	0x0e
#define SI_TYPE		0x0f
#define SI_LFB_WIDTH	0x12
#define SI_LFB_HEIGHT	0x14
#define SI_LFB_DEPTH	0x16
#define SI_LFB_BASE	0x18
#define SI_LFB_SIZE	0x1c
#define SI_LINELENGTH	0x24
#define SI_RED_SIZE	0x26	/* then red_pos, green size/pos, blue size/pos */
#define SI_CAPABILITIES	0x36
#define SI_EXT_LFB_BASE	0x3a

#define VIDEO_TYPE_CGA	0x11
#define VIDEO_TYPE_EGAC	0x21
#define VIDEO_TYPE_VGAC	0x22
#define VIDEO_TYPE_VLFB	0x23
#define VIDEO_TYPE_EFI	0x70
#define VIDEO_CAPABILITY_64BIT_BASE (1u << 1)

#define TEXT_BASE	0xb8000
#define TEXT_SIZE	0x8000

static int text_mode(const uint8_t *si, struct screen_mode *m, char *why, size_t n)
{
	uint32_t cols = si[SI_COLS], rows = si[SI_LINES] ? si[SI_LINES] : 25;

	if (cols < 20 || rows < 5 || cols * rows * 2 > TEXT_SIZE) {
		snprintf(why, n, "a %ux%u text screen does not fit 0xb8000..0xc0000", cols, rows);
		return -1;
	}
	m->kind = SCREEN_TEXT;
	m->base = TEXT_BASE;
	m->width = cols;
	m->height = rows;
	m->stride = cols * 2;
	m->len = (uint64_t)m->stride * rows;
	m->bpp = 16;
	return 0;
}

static int fb_mode(const uint8_t *si, uint8_t type, struct screen_mode *m, char *why, size_t n)
{
	uint32_t depth = u16at(si + SI_LFB_DEPTH), bytes = (depth + 7) / 8;
	uint64_t size = u32at(si + SI_LFB_SIZE);
	const uint8_t *mask = si + SI_RED_SIZE;

	m->kind = SCREEN_FB;
	m->base = u32at(si + SI_LFB_BASE);
	if (u32at(si + SI_CAPABILITIES) & VIDEO_CAPABILITY_64BIT_BASE)
		m->base |= (uint64_t)u32at(si + SI_EXT_LFB_BASE) << 32;
	if (type == VIDEO_TYPE_VLFB)
		size <<= 16;		/* VESA counts 64 KiB units, EFI bytes */
	m->width = u16at(si + SI_LFB_WIDTH);
	m->height = u16at(si + SI_LFB_HEIGHT);
	m->stride = u16at(si + SI_LINELENGTH);
	m->bpp = depth;
	m->rsize = mask[0]; m->rpos = mask[1];
	m->gsize = mask[2]; m->gpos = mask[3];
	m->bsize = mask[4]; m->bpos = mask[5];
	if (depth != 15 && depth != 16 && depth != 24 && depth != 32) {
		snprintf(why, n, "%u bits per pixel: only 15, 16, 24 and 32 are drawn", depth);
		return -1;
	}
	if (m->base == 0 || m->width < 160 || m->height < 64) {
		snprintf(why, n, "framebuffer at 0x%llx of %ux%u: no usable screen",
			 (unsigned long long)m->base, m->width, m->height);
		return -1;
	}
	if ((uint64_t)m->stride < (uint64_t)m->width * bytes) {
		snprintf(why, n, "line length %u is shorter than %u pixels of %u bytes", m->stride,
			 m->width, bytes);
		return -1;
	}
	m->len = (uint64_t)m->stride * m->height;
	if (m->len > size) {
		snprintf(why, n, "%u lines of %u bytes do not fit the framebuffer's %llu bytes",
			 m->height, m->stride, (unsigned long long)size);
		return -1;
	}
	if (m->base >= (1ull << 52) || m->base + m->len > (1ull << 52)) {
		snprintf(why, n, "framebuffer at 0x%llx is beyond physical memory",
			 (unsigned long long)m->base);
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		uint32_t sz = mask[2 * i], pos = mask[2 * i + 1];
		if (sz < 1 || sz > 8 || pos + sz > bytes * 8) {
			snprintf(why, n, "colour field %u bits at bit %u does not fit a %u-bit pixel",
				 sz, pos, bytes * 8);
			return -1;
		}
	}
	return 0;
}

/*
 * The boot code leaves orig_video_isVGA at 1 (VGA) or 0 (EGA/CGA) for a text
 * mode, as vgacon reads it, and puts VIDEO_TYPE_VLFB or VIDEO_TYPE_EFI there
 * for a framebuffer; the VIDEO_TYPE_* text values are accepted too.
 */
int screen_mode_from_info(const uint8_t *si, struct screen_mode *m, char *why, size_t n)
{
	uint8_t type = si[SI_TYPE];

	memset(m, 0, sizeof(*m));
	switch (type) {
	case 0:
	case 1:
	case VIDEO_TYPE_CGA:
	case VIDEO_TYPE_EGAC:
	case VIDEO_TYPE_VGAC:
		if (si[SI_COLS] == 0) {
			snprintf(why, n, "screen_info describes no screen");
			return -1;
		}
		if (si[SI_MODE] == 7) {
			snprintf(why, n, "monochrome text mode 7 is not drawn");
			return -1;
		}
		return text_mode(si, m, why, n);
	case VIDEO_TYPE_VLFB:
	case VIDEO_TYPE_EFI:
		return fb_mode(si, type, m, why, n);
	default:
		snprintf(why, n, "video type 0x%02x is not drawn", type);
		return -1;
	}
}

/* ---- drawing ---------------------------------------------------------------- */

static uint32_t pack(const struct screen_mode *m, uint32_t rgb)
{
	uint32_t r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;

	return (r >> (8 - m->rsize)) << m->rpos | (g >> (8 - m->gsize)) << m->gpos |
	       (b >> (8 - m->bsize)) << m->bpos;
}

/* The only write into a framebuffer: inside width x height and inside len. */
static void put_pixel(struct screen *s, uint32_t x, uint32_t y, uint32_t v)
{
	uint32_t bytes = (s->m.bpp + 7) / 8;
	uint64_t off = (uint64_t)y * s->m.stride + (uint64_t)x * bytes;
	volatile uint8_t *p;

	if (x >= s->m.width || y >= s->m.height || off + bytes > s->m.len)
		return;
	p = s->mem + off;
	if (bytes == 4) {
		*(volatile uint32_t *)p = v;
	} else if (bytes == 2) {
		*(volatile uint16_t *)p = (uint16_t)v;
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
	}
}

/* The only write into a text screen. */
static void put_cell(struct screen *s, uint32_t row, uint32_t col, uint8_t ch, uint8_t attr)
{
	uint64_t off = (uint64_t)row * s->m.stride + (uint64_t)col * 2;

	if (col >= s->m.width || row >= s->m.height || off + 2 > s->m.len)
		return;
	*(volatile uint16_t *)(s->mem + off) = (uint16_t)(ch | attr << 8);
}

static void draw(struct screen *s, uint32_t row, uint32_t col, char ch)
{
	int status = row == s->rows - 1;
	unsigned c = (unsigned char)ch;

	if (s->m.kind == SCREEN_TEXT) {
		/* The VGA ROM font is code page 437. */
		uint8_t b = ch == GLYPH_FULL_BLOCK ? 0xdb : ch == GLYPH_LIGHT_SHADE ? 0xb0 :
			    c >= 0x20 && c < 0x7f ? (uint8_t)c : ' ';
		put_cell(s, row, col, b, status ? SCREEN_STATUS_ATTR : SCREEN_TEXT_ATTR);
		return;
	}
	uint32_t fg = pack(&s->m, status ? SCREEN_STATUS_FG : SCREEN_FG);
	uint32_t bg = pack(&s->m, status ? SCREEN_STATUS_BG : SCREEN_BG);
	uint32_t w = s->font->width * s->scale, h = s->font->height * s->scale;
	uint32_t x0 = col * w, y0 = row * h;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			put_pixel(s, x0 + x, y0 + y,
				  font_pixel(s->font, c, x / s->scale, y / s->scale) ? fg : bg);
}

static void sync_row(struct screen *s, uint32_t row)
{
	for (uint32_t col = 0; col < s->cols; col++)
		if (s->shown[row][col] != s->want[row][col]) {
			draw(s, row, col, s->want[row][col]);
			s->shown[row][col] = s->want[row][col];
		}
}

int screen_init(struct screen *s, const struct screen_mode *m, void *mem,
		const struct font *font)
{
	memset(s, 0, sizeof(*s));
	s->m = *m;
	s->mem = mem;
	s->font = font;
	s->scale = 1;
	if (m->kind == SCREEN_TEXT) {
		s->cols = m->width;
		s->rows = m->height;
		s->jump = 1;
	} else if (m->kind == SCREEN_FB && font && font->width && font->height) {
		/* Big screens get big letters: about 240 columns at most. */
		if (m->width / font->width >= 480 && m->height / font->height >= 90)
			s->scale = 2;
		s->cols = m->width / (font->width * s->scale);
		s->rows = m->height / (font->height * s->scale);
	} else {
		return -1;
	}
	if (s->cols > SCREEN_MAX_COLS)
		s->cols = SCREEN_MAX_COLS;
	if (s->rows > SCREEN_MAX_ROWS)
		s->rows = SCREEN_MAX_ROWS;
	if (s->cols < 20 || s->rows < 4)
		return -1;
	/* Framebuffers scroll a quarter screen at once: a scroll redraws
	 * nearly every cell, and uncached writes are slow. */
	if (m->kind == SCREEN_FB)
		s->jump = (s->rows - 1) / 4 ? (s->rows - 1) / 4 : 1;
	memset(s->want, ' ', sizeof(s->want));
	memset(s->shown, ' ', sizeof(s->shown));
	/* Clear everything, the margins too. */
	if (m->kind == SCREEN_TEXT) {
		for (uint32_t r = 0; r < m->height; r++)
			for (uint32_t c = 0; c < m->width; c++)
				put_cell(s, r, c, ' ', r == s->rows - 1 ? SCREEN_STATUS_ATTR :
						       SCREEN_TEXT_ATTR);
	} else {
		uint32_t bg = pack(m, SCREEN_BG);

		for (uint32_t y = 0; y < m->height; y++)
			for (uint32_t x = 0; x < m->width; x++)
				put_pixel(s, x, y, bg);
		for (uint32_t c = 0; c < s->cols; c++)
			draw(s, s->rows - 1, c, ' ');
	}
	return 0;
}

static void newline(struct screen *s)
{
	uint32_t text_rows = s->rows - 1;

	s->x = 0;
	if (++s->y < text_rows)
		return;
	memmove(s->want[0], s->want[s->jump], (size_t)(text_rows - s->jump) * SCREEN_MAX_COLS);
	memset(s->want[text_rows - s->jump], ' ', (size_t)s->jump * SCREEN_MAX_COLS);
	s->y = text_rows - s->jump;
}

void screen_write(struct screen *s, const char *text)
{
	for (; *text; text++) {
		char ch = *text;

		if (ch == '\n') {
			newline(s);
			continue;
		}
		if (ch == '\t') {
			do {
				if (s->x == s->cols)
					newline(s);
				s->want[s->y][s->x++] = ' ';
			} while (s->x % 8);
			continue;
		}
		if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
			continue;
		if (s->x == s->cols)
			newline(s);
		s->want[s->y][s->x++] = ch;
	}
	for (uint32_t r = 0; r + 1 < s->rows; r++)
		sync_row(s, r);
}

void screen_status(struct screen *s, const char *text)
{
	uint32_t row = s->rows - 1, c;

	for (c = 0; c < s->cols && text[c]; c++)
		s->want[row][c] = text[c];
	for (; c < s->cols; c++)
		s->want[row][c] = ' ';
	sync_row(s, row);
}

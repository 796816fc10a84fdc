/*
 * The screen console: the crashed kernel's framebuffer (EFI GOP or VESA) or
 * VGA text screen, described by boot_params' screen_info, which is untrusted.
 *
 * Lines scroll in the top rows; the bottom row is the status line (the
 * progress bar). A shadow of what is drawn keeps redraws to the cells that
 * changed, since framebuffer writes are slow uncached MMIO on real machines.
 * Every write into the screen's memory is checked against its length: the
 * framebuffer lies outside the crash reservation, and writing it is the one
 * exception to "never write outside the reservation" (docs/console.md).
 */
#ifndef CAPTURE_SCREEN_H
#define CAPTURE_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "capture/font.h"

#define SCREEN_INFO_SIZE	0x40	/* struct screen_info, at boot_params + 0 */
#define SCREEN_MAX_COLS		256
#define SCREEN_MAX_ROWS		160

enum screen_kind { SCREEN_NONE, SCREEN_TEXT, SCREEN_FB };

/* What screen_info describes, checked. */
struct screen_mode {
	enum screen_kind kind;
	uint64_t base, len;	/* physical; len: the bytes drawn into, at most size */
	uint32_t width, height;	/* pixels, or text columns and rows */
	uint32_t stride;	/* bytes per line (text: 2 * columns) */
	uint32_t bpp;		/* bits per pixel: 15 (in 16), 16, 24, 32; text: 16 */
	uint8_t rpos, rsize, gpos, gsize, bpos, bsize;
};

/*
 * Reads screen_info: VGA/EGA/CGA colour text (0xb8000), VESA linear
 * framebuffer or EFI. Returns 0, or -1 with why (no screen, or what is
 * inconsistent).
 */
int screen_mode_from_info(const uint8_t *si, struct screen_mode *m, char *why, size_t n);

struct screen {
	struct screen_mode m;
	uint8_t *mem;			/* where m.base is mapped */
	const struct font *font;
	uint32_t scale;			/* glyph pixels are scale x scale */
	uint32_t cols, rows;		/* text cells; row rows-1 is the status line */
	uint32_t x, y;			/* cursor in the scrolling rows */
	uint32_t jump;			/* rows to scroll at once */
	char want[SCREEN_MAX_ROWS][SCREEN_MAX_COLS];
	char shown[SCREEN_MAX_ROWS][SCREEN_MAX_COLS];	/* 0xff: unknown */
};

/* Starts drawing on m, mapped at mem; clears the screen. font is used for
 * framebuffers. Returns 0, or -1 if the screen is too small for a console. */
int screen_init(struct screen *s, const struct screen_mode *m, void *mem,
		const struct font *font);

/* Appends text: '\n' ends a line, '\t' moves to the next multiple of 8,
 * other control characters are dropped; long lines wrap. */
void screen_write(struct screen *s, const char *text);

/* Replaces the status line (the bottom row). */
void screen_status(struct screen *s, const char *text);

/* The colours, as 0xRRGGBB, and the VGA attributes. */
#define SCREEN_FG	0xaaaaaa
#define SCREEN_BG	0x000000
#define SCREEN_STATUS_FG 0xffffff
#define SCREEN_STATUS_BG 0x0000aa
#define SCREEN_TEXT_ATTR   0x07
#define SCREEN_STATUS_ATTR 0x1f

#endif

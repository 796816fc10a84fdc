/*
 * How far the dump is: what the dump loop tells the console (port_progress),
 * and the two ways of showing it, one line for the serial log and one bar
 * for the screen's bottom line.
 */
#ifndef CAPTURE_PROGRESS_H
#define CAPTURE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress {
	uint32_t pct10;		/* per mille: 421 is 42.1 % */
	uint64_t rate10;	/* MB/s times 10 */
	uint64_t eta_s;
};

/* Glyphs of the bar, outside ASCII's printable range; the screen maps
 * them to the font's full block and light shade. */
#define GLYPH_FULL_BLOCK  '\x01'
#define GLYPH_LIGHT_SHADE '\x02'

/*
 * The dump loops' meter: progress_update() after every so many pages tells
 * port_progress() four times a second and logs the "Copying data" line every
 * 3 s, and always when last is set. Rates count 4 KiB pages read.
 */
struct progress_meter {
	uint64_t t0, last_bar, last_line;
};
void progress_start(struct progress_meter *m);
void progress_update(struct progress_meter *m, uint64_t done, uint64_t total, int last);

/* "Copying data : [ 42.1 %] 80.2 MB/s eta 5s", as makedumpfile prints it. */
void progress_line(const struct progress *p, char *buf, size_t n);

/* "Copying data [####....] 42.1%  80.2 MB/s  eta 5s" (blocks for # and .),
 * fitted into cols columns (cols < n). */
void progress_bar(const struct progress *p, char *buf, size_t n, unsigned cols);

#endif

/* The progress line and bar (progress.h). */
#include <stdio.h>
#include <string.h>

#include "capture/progress.h"

void progress_line(const struct progress *p, char *buf, size_t n)
{
	snprintf(buf, n, "Copying data : [%3u.%u %%] %llu.%llu MB/s eta %llus\n",
		 p->pct10 / 10, p->pct10 % 10, (unsigned long long)(p->rate10 / 10),
		 (unsigned long long)(p->rate10 % 10), (unsigned long long)p->eta_s);
}

void progress_bar(const struct progress *p, char *buf, size_t n, unsigned cols)
{
	static const char head[] = "Copying data [";
	char tail[64];
	size_t hl = sizeof(head) - 1, tl, width, filled, i, k = 0;
	unsigned pct10 = p->pct10 > 1000 ? 1000 : p->pct10;

	if (!n)
		return;
	if (cols >= n)
		cols = (unsigned)n - 1;
	snprintf(tail, sizeof(tail), "] %3u.%u%%  %llu.%llu MB/s  eta %llus", pct10 / 10, pct10 % 10,
		 (unsigned long long)(p->rate10 / 10), (unsigned long long)(p->rate10 % 10),
		 (unsigned long long)p->eta_s);
	tl = strlen(tail);
	/* The bar takes what the words leave, up to 50 cells; no room, no bar. */
	width = cols > hl + tl + 10 ? cols - hl - tl : 0;
	if (width > 50)
		width = 50;
	if (!width) {
		snprintf(buf, n, "%s", tail + 2);
		return;
	}
	filled = width * pct10 / 1000;
	memcpy(buf, head, hl);
	k = hl;
	for (i = 0; i < width; i++)
		buf[k++] = i < filled ? GLYPH_FULL_BLOCK : GLYPH_LIGHT_SHADE;
	memcpy(buf + k, tail, tl + 1);
}

/* The progress line and bar (progress.h). */
#include <stdio.h>
#include <string.h>

#include "capture/page.h"
#include "capture/ports.h"
#include "capture/progress.h"

#define LINE_NS	3000000000ull	/* a log line */
#define BAR_NS	250000000ull	/* the screen's bar */

void progress_start(struct progress_meter *m)
{
	m->t0 = m->last_bar = m->last_line = port_now_ns();
}

void progress_update(struct progress_meter *m, uint64_t done, uint64_t total, int last)
{
	uint64_t now = port_now_ns(), el = now - m->t0, ms, pps;
	struct progress p;
	char line[96];

	if (!last && now - m->last_bar < BAR_NS)
		return;
	m->last_bar = now;
	if (done > total)
		done = total;
	p.pct10 = (uint32_t)(total ? done * 1000 / total : 1000);
	ms = el / 1000000 ? el / 1000000 : 1;
	p.rate10 = done * PAGE_BYTES * 10 / (el / 1000 ? el / 1000 : 1);	/* bytes/us = MB/s */
	pps = done * 1000 / ms;
	p.eta_s = pps ? (total - done) / pps : 0;
	port_progress(&p);
	if (!last && now - m->last_line < LINE_NS)
		return;
	m->last_line = now;
	progress_line(&p, line, sizeof(line));
	port_log("%s", line);
}

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

/* Terminal progress for dumpling-extract and dumpling-collect (term_progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/term_progress.h"

#define REDRAW_NS 250000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_terminal(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && !(term && !strcmp(term, "dumb"));
}

void term_progress_format(char *buf, size_t n, const char *what, uint64_t done, uint64_t total,
		     uint64_t elapsed_ns)
{
	double s = elapsed_ns / 1e9, rate = s > 0 ? done / s : 0;
	char eta[32] = "?";

	if (total && done >= total)
		snprintf(eta, sizeof(eta), "0s");
	else if (total && rate > 0)
		snprintf(eta, sizeof(eta), "%.0fs", (total - done) / rate);
	if (total)
		snprintf(buf, n, "%s: %5.1f %%  %.1f MB/s  eta %s", what,
			 done >= total ? 100.0 : done * 100.0 / total, rate / 1e6, eta);
	else
		snprintf(buf, n, "%s: %.1f MB  %.1f MB/s", what, done / 1e6, rate / 1e6);
}

static void draw(struct term_progress *p, uint64_t done)
{
	char line[200];

	term_progress_format(line, sizeof(line), p->what, done, p->total, now_ns() - p->t0);
	/* \r and erase to the end of the line: one line, redrawn in place */
	dprintf(p->fd, "\r%s\033[K", line);
	p->drawn = 1;
}

void term_progress_start(struct term_progress *p, int fd, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->fd = on_terminal(fd) ? fd : -1;
	p->what = what;
	p->total = total;
	p->t0 = p->last = now_ns();
}

void term_progress_update(struct term_progress *p, uint64_t done)
{
	uint64_t t;

	if (p->fd < 0)
		return;
	t = now_ns();
	if (t - p->last < REDRAW_NS)
		return;
	p->last = t;
	draw(p, done);
}

void term_progress_end(struct term_progress *p, uint64_t done)
{
	if (p->fd < 0 || !p->drawn)
		return;
	draw(p, done);
	dprintf(p->fd, "\n");
}

int term_progress_console_line(int fd, const char *line)
{
	static const char tag[] = "Copying data : ";
	size_t len;

	if (strncmp(line, tag, sizeof(tag) - 1))
		return 0;
	if (!on_terminal(fd))
		return 1;
	len = strcspn(line, "\n");
	dprintf(fd, "\r%.*s\033[K%s", (int)len, line, strstr(line, "[100.0 %]") ? "\n" : "");
	return 1;
}

/* The capture core's clock and console ports, for host tools and tests. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "capture/ports.h"
#include "tools/term_progress.h"

uint64_t port_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void port_vlog(const char *fmt, va_list ap)
{
	char line[512];
	va_list aq;

	/* The image's progress lines: redrawn on a terminal, else not shown. */
	va_copy(aq, ap);
	vsnprintf(line, sizeof(line), fmt, aq);
	va_end(aq);
	if (term_progress_console_line(2, line))
		return;
	vfprintf(stderr, fmt, ap);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}

/* Host tools print the "Copying data" lines; there is no bar to draw. */
void port_progress(const struct progress *p)
{
	(void)p;
}

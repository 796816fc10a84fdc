/*
 * Progress on the host tools' terminal: "42.1 %  80.2 MB/s  eta 5s", redrawn
 * in place at most four times a second, and nothing at all when stderr is
 * not a terminal (a log file or the journal wants only the result).
 */
#ifndef TOOLS_TERM_PROGRESS_H
#define TOOLS_TERM_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct term_progress {
	int fd;			/* where it is drawn; -1: off */
	const char *what;
	uint64_t total;		/* bytes (or any unit), 0: unknown */
	uint64_t t0, last;	/* ns */
	int drawn;
};

/* On only when fd is a terminal (and TERM is not "dumb"). */
void term_progress_start(struct term_progress *p, int fd, const char *what, uint64_t total);
void term_progress_update(struct term_progress *p, uint64_t done);
/* Draws the final state and ends the line, if anything was drawn. */
void term_progress_end(struct term_progress *p, uint64_t done);

/* "what: 42.1 %  80.2 MB/s  eta 5s"; done/total in bytes, elapsed in ns. */
void term_progress_format(char *buf, size_t n, const char *what, uint64_t done, uint64_t total,
		     uint64_t elapsed_ns);

/*
 * The capture core's own progress lines ("Copying data : [ 42.1 %] ..."),
 * which it prints for the image's serial console: on a terminal they are
 * redrawn in place, elsewhere dropped. Returns 1 if line was one of them.
 */
int term_progress_console_line(int fd, const char *line);

#endif

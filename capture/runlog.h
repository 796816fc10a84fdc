/*
 * The capture's own console log, kept to be saved beside the dump as
 * dumpling.log (as kdump keeps kexec-dmesg.log). The buffer is the caller's.
 * Its first three quarters keep the start of the run (the target, the panic
 * reason, the plan), the last quarter the newest text (the summary and how
 * the run ended); what falls between is counted and said to be left out.
 * A carriage return (a progress line redrawn) drops the line so far, so a
 * progress line is kept once, as it stood last.
 */
#ifndef CAPTURE_RUNLOG_H
#define CAPTURE_RUNLOG_H

#include <stddef.h>
#include <stdint.h>

struct runlog {
	char *buf;
	size_t size;
	size_t head_max;	/* bytes of the start kept: 3/4 of size */
	size_t head;		/* bytes in buf[0, head) */
	size_t line;		/* where the current line starts, for '\r' */
	size_t tail_len;	/* bytes in the tail ring buf[head_max, size) */
	size_t tail_pos;	/* the ring's next write position, from head_max */
	uint64_t lost;		/* bytes that were pushed out of the ring */
};

void runlog_init(struct runlog *l, char *buf, size_t size);
void runlog_append(struct runlog *l, const char *s, size_t n);

/*
 * The log as text, in order, with a line saying how much was left out.
 * Writes at most max bytes to dst; returns the length of the whole text,
 * which runlog_size() bounds.
 */
size_t runlog_copy(const struct runlog *l, char *dst, size_t max);
size_t runlog_size(const struct runlog *l);

#endif

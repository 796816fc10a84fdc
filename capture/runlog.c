/* The capture's own console log (runlog.h). */
#include <stdio.h>
#include <string.h>

#include "capture/runlog.h"

#define LOST_LINE_MAX 80

void runlog_init(struct runlog *l, char *buf, size_t size)
{
	memset(l, 0, sizeof(*l));
	l->buf = buf;
	l->size = size;
	l->head_max = size / 4 * 3;
}

static void tail_put(struct runlog *l, char c)
{
	size_t ring = l->size - l->head_max;

	if (!ring)
		return;
	l->buf[l->head_max + l->tail_pos] = c;
	l->tail_pos = (l->tail_pos + 1) % ring;
	if (l->tail_len < ring)
		l->tail_len++;
	else
		l->lost++;
}

/* '\r' in the tail: take back what the current line put in the ring. */
static void tail_unline(struct runlog *l)
{
	size_t ring = l->size - l->head_max;

	while (l->tail_len) {
		size_t last = (l->tail_pos + ring - 1) % ring;

		if (l->buf[l->head_max + last] == '\n')
			break;
		l->tail_pos = last;
		l->tail_len--;
	}
}

void runlog_append(struct runlog *l, const char *s, size_t n)
{
	if (!l->buf)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\r') {
			if (l->tail_len || l->lost)
				tail_unline(l);
			else
				l->head = l->line;
			continue;
		}
		if (l->head < l->head_max && !l->tail_len && !l->lost) {
			l->buf[l->head++] = c;
			if (c == '\n')
				l->line = l->head;
		} else {
			tail_put(l, c);
		}
	}
}

size_t runlog_size(const struct runlog *l)
{
	return l->head + l->tail_len + (l->lost ? LOST_LINE_MAX : 0);
}

size_t runlog_copy(const struct runlog *l, char *dst, size_t max)
{
	size_t k = 0, ring = l->size - l->head_max;
	char note[LOST_LINE_MAX + 1];

#define PUT(c) do { if (k < max) dst[k] = (c); k++; } while (0)
	for (size_t i = 0; i < l->head; i++)
		PUT(l->buf[i]);
	if (l->lost) {
		int n = snprintf(note, sizeof(note), "\n[... %llu bytes of this log left out ...]\n",
				 (unsigned long long)l->lost);

		for (int i = 0; i < n && i < LOST_LINE_MAX; i++)
			PUT(note[i]);
	}
	for (size_t i = 0; i < l->tail_len; i++)
		PUT(l->buf[l->head_max + (l->tail_pos + ring - l->tail_len + i) % ring]);
#undef PUT
	return k;
}

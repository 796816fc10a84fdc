/*
 * A sink in memory for the writers' unit tests: what is written lands in buf,
 * up to cap bytes, and a write past cap is NOSPC. Two ways to fail on
 * purpose: full_at, NOSPC for every write past it (a disk that fills up),
 * and fail_at, fail_err once, for the first write past it (one request that
 * fails).
 */
#ifndef TESTS_MEMSINK_H
#define TESTS_MEMSINK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ports.h"

struct mem_sink {
	struct sink s;
	uint8_t *buf;
	uint64_t cap, len;
	uint64_t full_at;		/* 0: never */
	uint64_t fail_at;		/* 0: never */
	int fail_err, failed;
};

static int ms_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct mem_sink *m = (struct mem_sink *)s;

	if (off > m->cap || len > m->cap - off || (m->full_at && off + len > m->full_at))
		return SINK_ERR_NOSPC;
	if (m->fail_at && off + len > m->fail_at && !m->failed) {
		m->failed = 1;
		return m->fail_err;
	}
	memcpy(m->buf + off, buf, len);
	if (off + len > m->len)
		m->len = off + len;
	return 0;
}

static int ms_finish(struct sink *s)
{
	(void)s;
	return 0;
}

/* An empty sink of cap bytes that start as fill (a disk's stale contents). */
static void ms_init(struct mem_sink *m, uint64_t cap, int fill)
{
	memset(m, 0, sizeof(*m));
	m->s.write = ms_write;
	m->s.finish = ms_finish;
	m->s.name = "memory";
	m->cap = cap;
	m->buf = malloc(cap);
	if (!m->buf)
		abort();
	memset(m->buf, fill, cap);
}

#endif

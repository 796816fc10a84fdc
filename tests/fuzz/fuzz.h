/*
 * What every fuzz target shares: the capture core's ports (quiet unless
 * FUZZ_VERBOSE is set: logging would be most of the time spent) and a memsrc
 * over the input.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_OWN_PORTS
uint64_t port_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void port_vlog(const char *fmt, va_list ap)
{
	char buf[512];

	/* Formatting is part of what is tested (%.*s of input): always do it. */
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (getenv("FUZZ_VERBOSE"))
		fputs(buf, stderr);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}
#endif

/* The input as a memsrc: offsets are offsets into it. */
struct fuzz_src {
	struct memsrc m;
	const uint8_t *p;
	size_t len;
};

static int fuzz_src_read(struct memsrc *m, uint64_t off, void *buf, size_t len)
{
	struct fuzz_src *s = (struct fuzz_src *)m;

	if (off > s->len || len > s->len - off)
		return -1;
	memcpy(buf, s->p + off, len);
	return 0;
}

static inline void fuzz_src_init(struct fuzz_src *s, const void *p, size_t len, int sized)
{
	memset(&s->m, 0, sizeof(s->m));
	s->m.read = fuzz_src_read;
	s->m.size = sized ? len : 0;
	s->p = p;
	s->len = len;
}

/* A NUL-terminated copy of the input; free() it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

#endif

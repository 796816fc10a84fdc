/*
 * A small vsnprintf for the capture image, which has no libc. The image's
 * <stdio.h> maps snprintf/vsnprintf onto these; host code uses libc's.
 *
 * C99 semantics: returns the length the full output would have, and always
 * NUL-terminates when n > 0. Conversions: d i u x X o c s p %, flags - 0 + space #,
 * width and precision (also '*'), length modifiers hh h l ll z j t.
 * No floating point.
 */
#ifndef CAPTURE_FMT_H
#define CAPTURE_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats a message into err (errlen bytes) and returns -1: the one line every
 * "return an error with a reason" path needs, in the image and in the tools. */
int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

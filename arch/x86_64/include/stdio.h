/* Formatting only: the image has no files. See capture/fmt.c. */
#ifndef _DUMPLING_STDIO_H
#define _DUMPLING_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define vsnprintf fmt_vsnprintf
#define snprintf fmt_snprintf

#endif

/*
 * zstd's dependency header for the capture image.
 *
 * zstd reaches libc only through lib/common/zstd_deps.h, which it documents as
 * the file to replace for builds without libc. mk/zstd.mk copies zstd's
 * compressor sources into build/zstd/ and puts this file there in place of
 * zstd_deps.h. It gives zstd our freestanding string functions and no heap:
 * the image builds its compression context with ZSTD_initStaticCCtx() on a
 * workspace from the arena, so a zstd allocation can only be a mistake, and
 * answering NULL makes it a clean error instead.
 *
 * The structure follows zstd_deps.h: each section is requested by a
 * ZSTD_DEPS_NEED_* macro and may be included more than once.
 */
#ifndef ZSTD_DEPS_COMMON
#define ZSTD_DEPS_COMMON

#include <limits.h>
#include <stddef.h>
#include <string.h>

#define ZSTD_memcpy(d, s, l)	__builtin_memcpy((d), (s), (l))
#define ZSTD_memmove(d, s, l)	__builtin_memmove((d), (s), (l))
#define ZSTD_memset(p, v, l)	__builtin_memset((p), (v), (l))

#endif

#ifdef ZSTD_DEPS_NEED_MALLOC
#ifndef ZSTD_DEPS_MALLOC
#define ZSTD_DEPS_MALLOC

/* No heap in the image (see above). */
#define ZSTD_malloc(s)		((void)(s), (void *)0)
#define ZSTD_calloc(n, s)	((void)(n), (void)(s), (void *)0)
#define ZSTD_free(p)		((void)(p))

#endif
#endif

#ifdef ZSTD_DEPS_NEED_MATH64
#ifndef ZSTD_DEPS_MATH64
#define ZSTD_DEPS_MATH64

/* x86_64 divides 64-bit numbers natively: no libgcc helper is involved. */
#define ZSTD_div64(dividend, divisor)	((dividend) / (divisor))

#endif
#endif

#ifdef ZSTD_DEPS_NEED_ASSERT
#ifndef ZSTD_DEPS_ASSERT
#define ZSTD_DEPS_ASSERT

/* Only DEBUGLEVEL >= 1 asks for assert(); the image builds with 0. */
#define assert(x)		((void)0)

#endif
#endif

#ifdef ZSTD_DEPS_NEED_IO
#ifndef ZSTD_DEPS_IO
#define ZSTD_DEPS_IO

#define ZSTD_DEBUG_PRINT(...)	((void)0)

#endif
#endif

#ifdef ZSTD_DEPS_NEED_STDINT
#ifndef ZSTD_DEPS_STDINT
#define ZSTD_DEPS_STDINT

#include <stdint.h>

#endif
#endif

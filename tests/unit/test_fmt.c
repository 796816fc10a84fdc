/* capture/fmt.c against the host's snprintf, conversion by conversion. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/fmt.h"
#include "test.h"

#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"

static char ours[512], libc[512];

/* Same output and same return value as libc, at full size and truncated. */
#define SAME(...) do {								\
	int _r1 = fmt_snprintf(ours, sizeof(ours), __VA_ARGS__);		\
	int _r2 = snprintf(libc, sizeof(libc), __VA_ARGS__);			\
	CHECK_EQ_U64(_r1, _r2);							\
	CHECK_STR(ours, libc);							\
	for (size_t _n = 0; _n < 8; _n++) {					\
		memset(ours, 'X', sizeof(ours));				\
		memset(libc, 'X', sizeof(libc));				\
		_r1 = fmt_snprintf(ours, _n, __VA_ARGS__);			\
		_r2 = snprintf(libc, _n, __VA_ARGS__);				\
		if (_r1 != _r2 || memcmp(ours, libc, _n + 1) != 0) {		\
			CHECK(!"truncated output differs");			\
			fprintf(stderr, "  n=%zu format %s\n", _n, #__VA_ARGS__); \
		}								\
	}									\
} while (0)

int main(void)
{
	int widths[] = { 0, 1, 5, 12 };
	int precs[] = { -1, 0, 1, 3, 10 };
	long long vals[] = { 0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN,
			     LLONG_MAX, LLONG_MIN, 0x123456789abcLL };
	const char *flagsets[] = { "", "-", "0", "+", " ", "#", "-0", "0+", "-#", " 0" };

	/* Plain text and %% */
	SAME("hello");
	SAME("");
	SAME("100%% sure %%d");
	/* Every flag / width / precision / value combination, d i u x X o */
	for (size_t f = 0; f < sizeof(flagsets) / sizeof(*flagsets); f++)
		for (size_t w = 0; w < 4; w++)
			for (size_t p = 0; p < 5; p++)
				for (size_t v = 0; v < sizeof(vals) / sizeof(*vals); v++) {
					char fmt[32];
					const char *conv[] = { "d", "i", "u", "x", "X", "o" };
					for (int c = 0; c < 6; c++) {
						const char *len = "ll";
						if (precs[p] < 0)
							snprintf(fmt, sizeof(fmt), "[%%%s%d%s%s]",
								 flagsets[f], widths[w], len, conv[c]);
						else
							snprintf(fmt, sizeof(fmt), "[%%%s%d.%d%s%s]",
								 flagsets[f], widths[w], precs[p], len, conv[c]);
						SAME(fmt, vals[v]);
					}
				}

	/* Length modifiers */
	SAME("%hhd %hhu %hhx", 300, 300, -1);
	SAME("%hd %hu %hx", 70000, 70000, -1);
	SAME("%d %u %x", -5, -5u, -5);
	SAME("%ld %lu %lx", -5L, ~0UL, 0xdeadbeefcafeUL);
	SAME("%lld %llu %llX", LLONG_MIN, ULLONG_MAX, 0xabcdefULL);
	SAME("%zu %zd %zx", (size_t)123456789012ULL, (ssize_t)-7, (size_t)~0ULL);
	SAME("%jd %ju %jx", (intmax_t)INT64_MIN, (uintmax_t)UINT64_MAX, (uintmax_t)1);
	SAME("%td %tx", (ptrdiff_t)-99, (ptrdiff_t)0x7f);

	/* '*' width and precision, negative ones */
	SAME("[%*d]", 6, 42);
	SAME("[%*d]", -6, 42);
	SAME("[%.*d]", 4, 7);
	SAME("[%.*d]", -1, 7);
	SAME("[%*.*s]", 8, 3, "abcdef");
	SAME("[%-*.*s]", 8, 3, "abcdef");
	SAME("[%0*x]", 10, 0xbeef);

	/* %s, %c */
	SAME("[%s]", "text");
	SAME("[%10s][%-10s][%.2s][%.0s][%3.1s]", "ab", "ab", "abc", "abc", "xyz");
	SAME("[%s]", (char *)NULL);
	SAME("[%.3s]", (char *)NULL);
	SAME("[%c][%3c][%-3c]", 'a', 'b', 'c');
	SAME("[%c]", 0);
	SAME("%s=%d, %s", "x", 1, "done");

	/* %p */
	SAME("[%p]", (void *)0x1234);
	SAME("[%p]", (void *)~(uintptr_t)0);
	SAME("[%20p][%-20p]", (void *)0xabc, (void *)0xabc);
	SAME("[%p]", NULL);
	SAME("[%10p]", NULL);

	/* Unusual: an unknown conversion and a trailing '%' are copied. */
	fmt_snprintf(ours, sizeof(ours), "a%qb");
	CHECK_STR(ours, "a%qb");
	CHECK_EQ_U64(fmt_snprintf(ours, sizeof(ours), "ab%"), 3);
	CHECK_STR(ours, "ab%");

	/* n == 0 with a NULL buffer only counts. */
	CHECK_EQ_U64(fmt_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	/* Long output is cut and terminated. */
	{
		char small[4];
		CHECK_EQ_U64(fmt_snprintf(small, sizeof(small), "%s", "abcdefgh"), 8);
		CHECK_STR(small, "abc");
	}
	/* A huge width is counted but not stored past the buffer. */
	CHECK_EQ_U64(fmt_snprintf(ours, 16, "%1000d", 1), 1000);
	CHECK_EQ_U64(strlen(ours), 15);

	return test_summary("test_fmt");
}

/*
 * A very small test harness. Each tests/unit/test_*.c is its own program; CHECK
 * records a failure and goes on, and the summary line is what tests/run-unit
 * adds up.
 */
#ifndef TESTS_TEST_H
#define TESTS_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond) do {						\
	if (cond) test_passed++;					\
	else { test_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_EQ_U64(a, b) do {						\
	unsigned long long _a = (a), _b = (b);				\
	if (_a == _b) test_passed++;					\
	else { test_failed++;						\
		fprintf(stderr, "%s:%d: %s == %s failed: 0x%llx != 0x%llx\n", \
			__FILE__, __LINE__, #a, #b, _a, _b); }		\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a && _b && strcmp(_a, _b) == 0) test_passed++;		\
	else { test_failed++;						\
		fprintf(stderr, "%s:%d: %s == \"%s\" failed: got \"%s\"\n", \
			__FILE__, __LINE__, #a, _b ? _b : "(null)", _a ? _a : "(null)"); } \
} while (0)

/* Prints "<n> passed, <n> failed" and returns the exit status. */
static inline int test_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif

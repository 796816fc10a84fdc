/* Test-only switches (testflag.h). */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/testflag.h"
#include "capture/ports.h"

static char flags[64];

void testflag_init(const char *cmdline)
{
	static const char key[] = "dumpling.test=";
	const size_t klen = sizeof(key) - 1;
	const char *p = cmdline;
	size_t n = 0;

	if (!p)
		return;
	for (; *p; p++) {
		if ((p != cmdline && p[-1] != ' ') || strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (p[n] && p[n] != ' ' && n < sizeof(flags) - 1) {
			flags[n] = p[n];
			n++;
		}
		flags[n] = 0;
		port_log("TEST SWITCHES ON: dumpling.test=%s (for the test suites only)\n", flags);
		return;
	}
}

int testflag(const char *name)
{
	size_t len = strlen(name);
	const char *p = flags;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && memcmp(p, name, n) == 0)
			return 1;
		p += n + (end ? 1 : 0);
	}
	return 0;
}

/* Two frames deep, so the backtrace has something to show. A read, so that
 * nothing is written even on a machine where the address is RAM. */
static __attribute__((noinline)) uint64_t fault_here(const volatile uint64_t *p)
{
	return *p;
}

__attribute__((noinline)) void testflag_fault(void)
{
	port_log("dumpling.test=fault: reading 0x%llx, which nothing maps\n",
		 (unsigned long long)TESTFLAG_FAULT_ADDR);
	(void)fault_here((const volatile uint64_t *)TESTFLAG_FAULT_ADDR);
	__asm__ volatile("" ::: "memory");
}

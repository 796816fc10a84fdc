/*
 * What lwIP needs from its platform (net/port/arch/cc.h): a millisecond
 * clock, random numbers, diagnostics, assertion failure, atoi.
 */
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "lwip/arch.h"
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(port_now_ns() / 1000000);
}

/* xorshift seeded from the TSC: ports and ISNs only need to differ between
 * runs, not resist an attacker. */
unsigned int lwip_port_rand(void)
{
	static uint64_t s;

	if (!s)
		s = rdtsc() | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned int)(s >> 16);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	port_log("lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
	machine_fail("network stack assertion");
}

int atoi(const char *s)
{
	int n = 0, neg = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}

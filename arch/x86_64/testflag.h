/*
 * Test-only switches: dumpling.test=NAME[,NAME...] on the command line. The
 * end-to-end suites use them to show that a test can fail (an image that
 * faults on purpose, one that leaves the watchdog alone). Nothing a user
 * configures produces them: `dumpling load` never writes dumpling.test=.
 */
#ifndef ARCH_TESTFLAG_H
#define ARCH_TESTFLAG_H

/* Remembers the switches in cmdline (which may be NULL). */
void testflag_init(const char *cmdline);
/* Whether switch name was given. */
int testflag(const char *name);

/* dumpling.test=fault: a page fault on purpose, at an address no identity map
 * covers (127 TiB); the exception path must print registers and a backtrace
 * and run failure_action. */
#define TESTFLAG_FAULT_ADDR	0x7f0000000000ull
void testflag_fault(void);

#endif

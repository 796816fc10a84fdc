/*
 * Deadline, watchdogs and progress (watch.h). docs/reliability.md explains the
 * choice to feed the watchdogs rather than stop them.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/machine.h"
#include "arch/x86_64/platform.h"
#include "arch/x86_64/testflag.h"
#include "arch/x86_64/watch.h"
#include "drivers/watchdog.h"

#define NS		1000000000ull
#define FEED_EVERY_NS	(NS / 4)	/* far below any timeout a driver allows (>= 1 s) */

static uint64_t deadline_ns;	/* 0: none */
static uint32_t deadline_s;
static const char *deadline_why = "";
static const char *stage = "starting";
static uint64_t ram_total, bytes_read, bytes_written;
static const char *sink_name;
static int fired, leaving, in_tick;
const char *wait_cond;

static struct watchdog wdt[WATCHDOG_MAX];
static int nwdt, feeding;
static uint64_t next_feed_ns;

void watch_init(void)
{
	deadline_s = DEADLINE_EARLY_S;
	deadline_ns = (uint64_t)deadline_s * NS;
	deadline_why = "until the ELF core header is read";
}

void watch_plan(const struct capture_config *cfg, uint64_t ram_bytes)
{
	const char *why;
	uint64_t s;

	if (ram_bytes)
		ram_total = ram_bytes;
	if (cfg->deadline_s) {
		s = cfg->deadline_s;
		why = "dumpling_deadline";
	} else if (ram_bytes) {
		s = DEADLINE_BASE_S + DEADLINE_PER_GIB_S * ((ram_bytes + (1ull << 30) - 1) >> 30);
		why = "default: 300 s + 30 s per GiB of RAM";
	} else {
		return;
	}
	if (s > 604800)
		s = 604800;
	if (deadline_s == s && deadline_why == why)
		return;		/* said already */
	deadline_s = (uint32_t)s;
	deadline_why = why;
	deadline_ns = s * NS;
	port_log("deadline: %u s from entry (%s); then failure_action %s\n", deadline_s,
		 deadline_why, action_name(failure_action));
}

void watch_stage(const char *what)
{
	stage = what;
}

void watch_count_read(uint64_t bytes)
{
	__atomic_fetch_add(&bytes_read, bytes, __ATOMIC_RELAXED);	/* workers read too */
}

/* ---- the counting sink ---------------------------------------------------- */

static struct sink counted, *inner;

static int counted_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	int r = inner->write(inner, off, buf, len);

	if (r == 0)
		bytes_written += len;
	return r;
}

static int counted_finish(struct sink *s)
{
	stage = "finishing the dump (flush, metadata)";
	return inner->finish(inner);
}

struct sink *watch_sink(struct sink *s)
{
	inner = s;
	counted = *s;
	counted.write = counted_write;
	counted.finish = counted_finish;
	sink_name = s->name;
	return &counted;
}

/* ---- watchdogs ------------------------------------------------------------ */

static void feed_all(void)
{
	for (int i = 0; i < nwdt; i++)
		if (wdt[i].armed && wdt[i].feed)
			wdt[i].feed(&wdt[i]);
}

void watch_watchdogs(void)
{
	int off = testflag("nowatchdog");

	nwdt = watchdog_probe(wdt, WATCHDOG_MAX);
	for (int i = 0; i < nwdt; i++) {
		struct watchdog *w = &wdt[i];

		if (!w->armed) {
			port_log("watchdog: %s %s is not running\n", w->kind, w->where);
			continue;
		}
		if (!w->feed) {
			port_log("watchdog: %s %s is armed but its registers are out of reach: "
				 "it may reset the machine during the dump\n", w->kind, w->where);
			continue;
		}
		if (off) {
			port_log("watchdog: %s %s is armed; NOT feeding it (dumpling.test=nowatchdog)\n",
				 w->kind, w->where);
			continue;
		}
		port_log("watchdog: %s %s is armed%s%s: feeding it until the dump ends or the "
			 "deadline passes\n", w->kind, w->where,
			 w->will_reset ? " to reset the machine" : " (interrupt only)",
			 w->locked ? ", locked on" : "");
		feeding = 1;
	}
	if (feeding) {
		feed_all();
		next_feed_ns = port_now_ns() + FEED_EVERY_NS;
	}
}

/* ---- the tick ------------------------------------------------------------- */

static void deadline_passed(uint64_t now_ns)
{
	char why[96];

	fired = 1;
	feeding = 0;
	port_log("\ndumpling: DEADLINE: %u s (%s) passed %llu.%llu s after entry, while %s%s%s\n",
		 deadline_s, deadline_why, (unsigned long long)(now_ns / NS),
		 (unsigned long long)(now_ns / (NS / 10) % 10), stage,
		 wait_cond ? ", in a device wait for " : "", wait_cond ? wait_cond : "");
	port_log("dumpling: how far it got: read %llu MiB of the crashed kernel's %llu MiB of "
		 "RAM, wrote %llu MiB to %s\n", (unsigned long long)(bytes_read >> 20),
		 (unsigned long long)(ram_total >> 20), (unsigned long long)(bytes_written >> 20),
		 sink_name ? sink_name : "no target yet");
	snprintf(why, sizeof(why), "the deadline of %u s passed", deadline_s);
	machine_fail(why);
}

void watch_tick(uint64_t now_ns)
{
	if (in_tick || fired || leaving)
		return;
	in_tick = 1;
	if (deadline_ns && now_ns >= deadline_ns) {
		in_tick = 0;
		deadline_passed(now_ns);
	}
	if (feeding && now_ns >= next_feed_ns) {
		feed_all();
		next_feed_ns = now_ns + FEED_EVERY_NS;
	}
	in_tick = 0;
}

void watch_leave(enum action a)
{
	leaving = 1;
	if (!feeding)
		return;
	feeding = 0;
	for (int i = 0; i < nwdt; i++)
		if (wdt[i].armed && wdt[i].feed && a != ACTION_REBOOT)
			port_log("watchdog: %s %s stays armed: it will reset the machine after "
				 "its timeout\n", wdt[i].kind, wdt[i].where);
}

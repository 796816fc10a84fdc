/*
 * Time from the TSC. Its rate is measured once against the PIT (1.193182 MHz),
 * which every PC and QEMU machine has; a missing or stuck PIT falls back to
 * CPUID leaf 0x15/0x16, then to a guess that we say out loud.
 */
#include <stdint.h>

#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/watch.h"
#include "capture/ports.h"

#define PIT_HZ 1193182u

static uint64_t tsc_start;
static uint64_t ns_mult;	/* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t tsc_hz;

/*
 * One reading of PIT channel 2's counter, bracketed by two TSC reads; the
 * best of a few (the narrowest bracket) so that a stall in the middle (an
 * SMI, a hypervisor taking the CPU away) does not count. Returns the
 * bracket's width in TSC ticks.
 */
static uint64_t pit_sample(uint64_t *tsc, uint16_t *count)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t t0, t1;
		uint8_t lo, hi;

		t0 = rdtsc();
		outb(0x43, 0x80);		/* latch channel 2 */
		lo = inb(0x42);
		hi = inb(0x42);
		t1 = rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*count = (uint16_t)(lo | hi << 8);
		}
	}
	return best;
}

/*
 * TSC ticks per second against PIT channel 2 counting down from 0xffff
 * (55 ms): the counter is read at both ends rather than waiting for it to
 * run out, so a stall between the two readings costs nothing (both clocks
 * go on). Needs at least 30 ms of PIT ticks between the readings, and no
 * wrap; 0 if the PIT does not count.
 */
static uint64_t measure_with_pit(void)
{
	uint8_t gate = inb(0x61);
	uint64_t hz = 0;

	outb(0x61, (gate & ~0x02) | 0x01);	/* gate on, speaker off */
	for (int attempt = 0; attempt < 3 && !hz; attempt++) {
		uint64_t t1, t2, w1, w2;
		uint16_t c1, c2, prev;
		uint32_t spins;

		outb(0x43, 0xb0);		/* channel 2, lo/hi, mode 0 */
		outb(0x42, 0xff);
		outb(0x42, 0xff);
		w1 = pit_sample(&t1, &c1);
		prev = c1;
		for (spins = 0; spins < 50000000; spins++) {
			w2 = pit_sample(&t2, &c2);
			if (c2 > prev)
				break;			/* wrapped: try again */
			prev = c2;
			if ((uint32_t)(c1 - c2) >= PIT_HZ * 30u / 1000)
				break;
		}
		if (c2 > prev || (uint32_t)(c1 - c2) < PIT_HZ * 30u / 1000 || t2 <= t1)
			continue;
		/* Brackets wider than 1/200 of the interval make it too unsure. */
		if ((w1 + w2) * 200 > t2 - t1)
			continue;
		hz = (t2 - t1) * PIT_HZ / (uint64_t)(c1 - c2);
	}
	outb(0x61, gate);
	return hz;
}

static uint64_t tsc_from_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0];
	}
	if (r[0] >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0])
			return (uint64_t)r[0] * 1000000;
	}
	return 0;
}

void clock_init(void)
{
	tsc_start = rdtsc();
	tsc_hz = measure_with_pit();
	if (tsc_hz < 1000000)
		tsc_hz = tsc_from_cpuid();
	if (tsc_hz < 1000000)
		tsc_hz = 2000000000ull;
	ns_mult = (1000000000ull << 32) / tsc_hz;
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t port_now_ns(void)
{
	uint64_t d = rdtsc() - tsc_start, ns;

	if (!ns_mult)
		return 0;
	ns = (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
	watch_tick(ns);		/* every wait asks the time: the deadline and watchdogs live here */
	return ns;
}

void udelay(uint64_t us)
{
	uint64_t end = port_now_ns() + us * 1000;

	while (port_now_ns() < end)
		__asm__ volatile("pause");
}

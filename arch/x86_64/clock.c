/*
 * Time from the TSC. Its rate is measured once against the PIT (1.193182 MHz),
 * which every PC and QEMU machine has; a missing or stuck PIT falls back to
 * CPUID leaf 0x15/0x16, then to a guess that we say out loud.
 */
#include <stdint.h>

#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "capture/ports.h"

#define PIT_HZ 1193182u

static uint64_t tsc_start;
static uint64_t ns_mult;	/* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t tsc_hz;

/* Counts TSC ticks over 10 ms of PIT channel 2, gated by port 0x61. */
static uint64_t measure_with_pit(void)
{
	const uint16_t count = PIT_HZ / 100;
	uint64_t t0, t1;
	uint32_t spins;
	uint8_t gate = inb(0x61);

	outb(0x61, (gate & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	/* OUT2 (bit 5 of 0x61) goes high when the count expires. */
	for (spins = 0; !(inb(0x61) & 0x20); spins++)
		if (spins > 50000000)
			return 0;
	t1 = rdtsc();
	outb(0x61, gate);
	return (t1 - t0) * 100;
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
	uint64_t d = rdtsc() - tsc_start;

	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}

void udelay(uint64_t us)
{
	uint64_t end = port_now_ns() + us * 1000;

	while (port_now_ns() < end)
		__asm__ volatile("pause");
}

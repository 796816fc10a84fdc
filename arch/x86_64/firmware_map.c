/*
 * The firmware map the crash kernel was handed (boot_params' e820 table)
 * as a physmap: what is never RAM, for elfcore_read to hold the crashed
 * kernel's ELF core header against. Without boot_params (the image entered
 * by a legacy kexec_load without them) the map stays empty: no check.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/bootparam.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/firmware_map.h"

/* The CPU's physical address width (CPUID 0x80000008 EAX[7:0]); 36 bits
 * when the leaf is missing, as the SDM says to assume. */
static unsigned maxphyaddr(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, r);
	return (r[0] & 0xff) >= 32 && (r[0] & 0xff) <= 52 ? r[0] & 0xff : 52;
}

unsigned e820_count(const uint8_t *bp)
{
	return bp[BP_E820_ENTRIES] < BP_E820_MAX ? bp[BP_E820_ENTRIES] : BP_E820_MAX;
}

void e820_entry(const uint8_t *bp, unsigned i, uint64_t *addr, uint64_t *size, uint32_t *type)
{
	const uint8_t *e = bp + BP_E820_TABLE + 20 * i;

	memcpy(addr, e, 8);
	memcpy(size, e + 8, 8);
	memcpy(type, e + 16, 4);
}

void firmware_map_load(struct physmap *m, const uint8_t *bp)
{
	physmap_init(m, 1ull << maxphyaddr());
	if (!bp)
		return;
	for (unsigned i = 0; i < e820_count(bp); i++) {
		uint64_t addr, size;
		uint32_t type;

		e820_entry(bp, i, &addr, &size, &type);
		if (physmap_add(m, addr, size, type))
			break;	/* PHYSMAP_MAX = BP_E820_MAX: cannot happen */
	}
}

/*
 * What the machine says is not RAM, for checking the elfcorehdr against
 * (issue 15, finding 9: the image read whatever physical address the header
 * named, MMIO holes included).
 *
 * In the capture image the memsrc reads physical memory, and the crashed
 * kernel's old RAM is not RAM in the image's own firmware map: the kernel
 * hands the capture kernel only its reservation as RAM. What that map does
 * list is what is never RAM: reserved firmware ranges, ACPI tables and NVS,
 * persistent memory. With the CPU's physical address width, that is what a
 * PT_LOAD or PT_NOTE must stay clear of. The platform fills a physmap and
 * points memsrc.map at it; elfcore_read refuses a header that names any of
 * it. Host tools leave map NULL.
 */
#ifndef CAPTURE_PHYSMAP_H
#define CAPTURE_PHYSMAP_H

#include <stdint.h>

#define PHYSMAP_MAX	128	/* boot_params holds at most 128 e820 entries */

/* e820 types (arch/x86/include/uapi/asm/e820.h and the kernel's e820) */
#define E820_RAM	1
#define E820_RESERVED	2
#define E820_ACPI	3
#define E820_NVS	4
#define E820_UNUSABLE	5
#define E820_PMEM	7

struct physmap_range {
	uint64_t start, end;		/* [start, end) */
	uint32_t type;
};

struct physmap {
	uint64_t limit;			/* 1 << MAXPHYADDR; 0: not known */
	unsigned n;
	struct physmap_range r[PHYSMAP_MAX];	/* the ranges that are not RAM */
};

void physmap_init(struct physmap *m, uint64_t limit);

/* One firmware map entry; RAM entries are not kept. Returns 0, or -1 when full. */
int physmap_add(struct physmap *m, uint64_t start, uint64_t size, uint32_t type);

/*
 * Whether [pa, pa + len) may be RAM: 0 if so; -1 with *why set to the first
 * range it overlaps that is not, or to NULL if it runs past the address width.
 */
int physmap_check(const struct physmap *m, uint64_t pa, uint64_t len,
		  const struct physmap_range **why);

const char *physmap_type_name(uint32_t type);

#endif

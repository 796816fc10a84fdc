/*
 * A small physical memory for the IOMMU tests: [0, OLD_END) is the crashed
 * kernel's RAM (its tables go there), [OWN_LO, OWN_HI) is the capture image,
 * where alloc() hands out pages. map() refuses anything outside the buffer.
 */
#ifndef TESTS_FAKEIOMMU_H
#define TESTS_FAKEIOMMU_H

#include <stdint.h>
#include <string.h>

#include "drivers/iommu.h"

#define FAKE_SIZE	(8u << 20)
#define OLD_END		(4u << 20)
#define OWN_LO		(4u << 20)
#define OWN_HI		(FAKE_SIZE - 0x3000)

static uint8_t fake_ram[FAKE_SIZE] __attribute__((aligned(4096)));
static uint64_t fake_next;
static uint8_t fake_before[OLD_END];

static uint64_t *ram64(uint64_t pa) { return (uint64_t *)(fake_ram + pa); }

static const void *fake_map(struct iommu_mem *m, uint64_t pa, size_t len)
{
	(void)m;
	if (pa >= FAKE_SIZE || len > FAKE_SIZE - pa)
		return NULL;
	return fake_ram + pa;
}

static void *fake_alloc(struct iommu_mem *m, size_t size, uint64_t *pa)
{
	void *p;

	(void)m;
	size = (size + 4095) & ~(size_t)4095;
	if (fake_next + size > OWN_HI)
		return NULL;
	p = fake_ram + fake_next;
	memset(p, 0, size);
	*pa = fake_next;
	fake_next += size;
	return p;
}

static struct iommu_mem fake_mem = { .map = fake_map, .alloc = fake_alloc,
				     .own_lo = OWN_LO, .own_hi = OWN_HI };

static void fake_reset(void)
{
	memset(fake_ram, 0, sizeof(fake_ram));
	fake_next = OWN_LO;
}

/* Call once the old tables are built; fake_old_unchanged() compares. */
static void fake_snapshot(void) { memcpy(fake_before, fake_ram, OLD_END); }
static int fake_old_unchanged(void) { return memcmp(fake_before, fake_ram, OLD_END) == 0; }

#endif
